"""The projection service: every cross-service read model and the read-model API."""
