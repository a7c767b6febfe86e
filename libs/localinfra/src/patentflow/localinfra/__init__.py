"""Local infrastructure without Docker: Apache Kafka (KRaft) and FerretDB as processes, installed into a cache."""
