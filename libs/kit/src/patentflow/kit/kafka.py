"""Kafka plumbing: a producer that loses nothing (acks=all, idempotence) and the topics of the catalogue."""

from __future__ import annotations

import ssl
from collections.abc import Sequence
from typing import Any

import structlog
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from faststream.kafka import KafkaBroker
from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512

from patentflow.contracts.topics import Topic
from patentflow.kit.settings import ServiceSettings

log = structlog.get_logger(__name__)


def connection_options(settings: ServiceSettings) -> dict[str, Any]:
    """aiokafka connection options; TLS and SASL/SCRAM are configuration only."""
    opts: dict[str, Any] = {"security_protocol": settings.kafka_security_protocol}
    if settings.kafka_security_protocol in {"SSL", "SASL_SSL"}:
        opts["ssl_context"] = ssl.create_default_context(cafile=settings.kafka_ssl_cafile)
    if settings.kafka_security_protocol.startswith("SASL"):
        opts["sasl_mechanism"] = settings.kafka_sasl_mechanism
        opts["sasl_plain_username"] = settings.kafka_sasl_username
        password = settings.kafka_sasl_password
        opts["sasl_plain_password"] = password.get_secret_value() if password else None
    return opts


def make_broker(settings: ServiceSettings) -> KafkaBroker:
    """The service's FastStream broker. aiokafka defaults to acks=1; we need every in-sync replica."""
    return KafkaBroker(
        settings.kafka_bootstrap_servers,
        acks="all",
        enable_idempotence=True,
        # A misspelt topic must fail loudly, not appear with the broker's defaults.
        allow_auto_create_topics=False,
        client_id=f"patentflow-{settings.service_name}",
        security=_security(settings),
        logger=None,
    )


def make_producer(settings: ServiceSettings) -> AIOKafkaProducer:
    """A plain aiokafka producer with the same guarantees, for bulk paths where FastStream's per-message work
    costs more than the send itself."""
    return AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        acks="all",
        enable_idempotence=True,
        client_id=f"patentflow-{settings.service_name}-bulk",
        linger_ms=5,
        max_batch_size=512 * 1024,
        **connection_options(settings),
    )


def _security(settings: ServiceSettings) -> BaseSecurity | None:
    protocol = settings.kafka_security_protocol
    context = ssl.create_default_context(cafile=settings.kafka_ssl_cafile) if protocol.endswith("SSL") else None
    if not protocol.startswith("SASL"):
        return BaseSecurity(ssl_context=context, use_ssl=True) if context else None
    password = settings.kafka_sasl_password.get_secret_value() if settings.kafka_sasl_password else ""
    user = settings.kafka_sasl_username or ""
    kinds: dict[str, type[BaseSecurity]] = {
        "SCRAM-SHA-256": SASLScram256,
        "SCRAM-SHA-512": SASLScram512,
        "PLAIN": SASLPlaintext,
    }
    return kinds[settings.kafka_sasl_mechanism](  # type: ignore[call-arg]
        username=user, password=password, ssl_context=context, use_ssl=context is not None
    )


async def ensure_topics(settings: ServiceSettings, topics: Sequence[Topic], extra: Sequence[str] = ()) -> None:
    """Create the domain topics (kept forever) and any extra ones (dead letters) that do not exist yet."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers, **connection_options(settings))
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        configs = {"min.insync.replicas": str(settings.topic_min_insync_replicas)}
        wanted = [
            NewTopic(
                t.name,
                num_partitions=t.partitions,
                replication_factor=settings.topic_replication_factor,
                topic_configs={**configs, "retention.ms": str(t.retention_ms)},
            )
            for t in topics
            if t.name not in existing
        ]
        wanted += [
            NewTopic(
                name,
                num_partitions=1,
                replication_factor=settings.topic_replication_factor,
                topic_configs={**configs, "retention.ms": "-1"},
            )
            for name in extra
            if name not in existing
        ]
        if wanted:
            response = await admin.create_topics(wanted)
            # aiokafka returns per-topic error codes instead of raising; 36 = created meanwhile by another service.
            failures = [(e[0], e[1], e[2] if len(e) > 2 else "") for e in response.topic_errors if e[1] not in (0, 36)]
            if failures:
                raise RuntimeError(f"could not create topics (topic, Kafka error code, message): {failures}")
            log.info("topics created", topics=[t.name for t in wanted])
    finally:
        await admin.close()
