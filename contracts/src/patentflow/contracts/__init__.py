"""Public contracts of the platform: topics, event models, reason codes, identifiers and access claims."""
