"""The shared service kit: what every service uses to talk to Kafka, MongoDB, its callers and its operators."""
