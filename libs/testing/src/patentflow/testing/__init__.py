"""Test helpers shipped beside the kit: real infrastructure for tests, service processes, Kafka readers."""
