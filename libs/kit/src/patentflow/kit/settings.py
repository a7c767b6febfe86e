"""Service settings from the environment (prefix ``PATENTFLOW_``); secrets are refused when they are placeholders."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "PATENTFLOW_"
DEV_SECRET_MARKER = "dev-only"  # noqa: S105 - a marker refused in production, not a secret


class ServiceSettings(BaseSettings):
    """Everything a service reads from its environment. Every field is ``PATENTFLOW_<FIELD>``."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

    service_name: str = Field("service", description="Name used in logs, ce_source and the consumer group")
    environment: Literal["development", "test", "production"] = "development"
    http_host: str = "127.0.0.1"
    http_port: int = Field(8000, ge=1, le=65535)
    log_level: str = "INFO"
    log_json: bool = True

    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: Literal["SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN"] = "SCRAM-SHA-512"
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_cafile: str | None = None
    topic_replication_factor: int = Field(1, ge=1, description="3 on a cluster")
    topic_min_insync_replicas: int = Field(1, ge=1, description="2 on a cluster, so acks=all means something")

    mongodb_url: SecretStr = SecretStr("mongodb://127.0.0.1:27017/")
    mongodb_database: str | None = Field(None, description="Defaults to patentflow_<service_name>")

    auth_secret: SecretStr = Field(SecretStr(""), description="HMAC key for bearer tokens, at least 32 bytes")
    auth_issuer: str = "patentflow"
    auth_audience: str = "patentflow"

    outbox_relay_enabled: bool = Field(True, description="Off only to simulate a crash before publishing")
    outbox_poll_seconds: float = Field(0.5, gt=0, description="How often the relay looks for unsent events")
    outbox_sweep_seconds: float = Field(
        3600.0,
        gt=0,
        description="On FerretDB: how often the relay looks through whole collections, beside its work, for events "
        "this process did not write (at start-up always: what a crash left); at 1 000 000 documents a look takes "
        "minutes of the store's time",
    )
    outbox_batch: int = Field(500, ge=1, description="Aggregates relayed per pass")

    consumer_max_attempts: int = Field(5, ge=1, description="Attempts before an event goes to the dead-letter topic")
    consumer_backoff_seconds: float = Field(0.2, ge=0, description="First retry delay; doubles each attempt")
    consumer_backoff_max_seconds: float = Field(5.0, ge=0)
    consumer_transient_retry_seconds: float = Field(2.0, ge=0, description="Wait before redelivery after an outage")
    consumer_batch_records: int = Field(500, ge=1, le=10_000, description="Records one fetch brings at most")
    consumer_batch_wait_ms: int = Field(100, ge=1, description="How long a fetch waits for records to arrive")
    consumer_concurrency: int = Field(32, ge=1, description="Aggregates of one batch applied at once")
    # A service's consumers keep its replicas of other services' facts: they are tuned for throughput, since each
    # record's cost falls with the batch (measured, a replica at 1 000 events/s: about 290 µs of CPU per event in
    # batches of about 55, about 180 µs in batches of about 250). The projection, which readers wait on, asks for
    # promptness instead (its own defaults).
    consumer_fetch_wait_ms: int = Field(
        200, ge=1, le=500, description="How long the broker holds a fetch that finds no new records"
    )
    consumer_fetch_min_bytes: int = Field(
        1 << 20, ge=1, description="How many bytes the broker waits for (at most the fetch wait) before it answers"
    )

    http_max_body_bytes: int = Field(1 << 20, ge=1024, description="Largest request body of a command or query")
    http_max_upload_bytes: int = Field(
        50 << 20, ge=1024, description="Largest uploaded file (batch imports); rows and cells have their own limits"
    )

    today: date | None = Field(
        None, description="A fixed day instead of the calendar, for the service and its validators (tests, what-if)"
    )

    @property
    def database_name(self) -> str:
        """The service's own database."""
        return self.mongodb_database or f"patentflow_{self.service_name}"

    @model_validator(mode="after")
    def _refuse_weak_secrets(self) -> ServiceSettings:
        secret = self.auth_secret.get_secret_value()
        if len(secret.encode()) < 32:
            raise ValueError("PATENTFLOW_AUTH_SECRET must be set to at least 32 bytes (make token prints how)")
        if self.environment == "production" and DEV_SECRET_MARKER in secret:
            raise ValueError("PATENTFLOW_AUTH_SECRET is a development secret; set a real one in production")
        if self.today is not None and self.environment == "production":
            raise ValueError("PATENTFLOW_TODAY must not be set in production")
        return self
