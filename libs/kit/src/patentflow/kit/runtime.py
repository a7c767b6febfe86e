"""Wires one service: store, broker, outbox relay, consumers, HTTP app; ``create_service_app`` is its only entry."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any

import structlog
from fastapi import APIRouter, FastAPI
from faststream.kafka import KafkaBroker
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from patentflow.contracts import topics
from patentflow.kit import admin, health, metrics
from patentflow.kit.consumer import Handler, ReliableConsumer, RetryPolicy
from patentflow.kit.deadletters import DeadLetterStore
from patentflow.kit.guarded import GuardedWrites
from patentflow.kit.http import RequestContextMiddleware, install_error_handlers
from patentflow.kit.kafka import ensure_topics, make_broker, make_producer
from patentflow.kit.logging import configure_logging
from patentflow.kit.mongo import Document, make_mongo_client
from patentflow.kit.outbox import BrokerPublisher, OutboxRelay
from patentflow.kit.settings import ServiceSettings

log = structlog.get_logger(__name__)
DEAD_LETTER_REFRESH_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class ConsumerSpec:
    """A consumer a service runs: its name (the group is ``patentflow.<service>.<name>``), topics and handler."""

    name: str
    topics: Sequence[str]
    handler: Handler


@dataclass
class Runtime:
    """Everything a running service holds; handlers reach it as ``request.app.state.runtime``."""

    settings: ServiceSettings
    mongo: AsyncMongoClient[Document]
    broker: KafkaBroker
    outbox_collections: Sequence[str] = ()
    consumers: list[ReliableConsumer] = field(default_factory=list)
    relay: OutboxRelay | None = None
    producer: Any = None  # a plain aiokafka producer for bulk paths, started with the service
    started: bool = False
    services: dict[str, object] = field(default_factory=dict)
    writes: GuardedWrites = field(default_factory=GuardedWrites)

    @property
    def db(self) -> AsyncDatabase[Document]:
        """The service's own database."""
        return self.mongo[self.settings.database_name]

    @property
    def source(self) -> str:
        """ce_source of this service's events."""
        return f"/patentflow/{self.settings.service_name}"

    @property
    def dead_letters(self) -> DeadLetterStore:
        """Dead letters of this service's consumers."""
        store = self.services.get("dead_letters")
        if store is None:
            store = self.services["dead_letters"] = DeadLetterStore(self.db["dead_letters"])
        assert isinstance(store, DeadLetterStore)
        return store

    def wake_relay(self, collection: str, aggregate_id: str) -> None:
        """Let the relay publish right after a write (``AggregateStore.on_write``)."""
        if self.relay is not None:
            self.relay.wake(collection, aggregate_id)

    def consumer(self, group: str) -> ReliableConsumer | None:
        """A consumer of this service by group id."""
        return next((c for c in self.consumers if c.group == group), None)

    async def refresh_gauges(self) -> None:
        """Gauges read at scrape time."""
        if self.relay is not None:
            metrics.OUTBOX_BACKLOG.labels(service=self.settings.service_name).set(await self.relay.backlog())


def create_service_app(
    settings: ServiceSettings,
    *,
    title: str,
    description: str,
    routers: Sequence[APIRouter] = (),
    outbox_collections: Sequence[str] = (),
    consumers: Callable[[Runtime], Sequence[ConsumerSpec]] = lambda _: (),
    on_startup: Callable[[Runtime], Awaitable[None]] | None = None,
    background: Sequence[Callable[[Runtime], Coroutine[Any, Any, None]]] = (),
) -> FastAPI:
    """A service's FastAPI app; Kafka and MongoDB connect in its lifespan, so tests configure before creating it."""
    configure_logging(service=settings.service_name, level=settings.log_level, json=settings.log_json)
    broker = make_broker(settings)
    runtime = Runtime(settings, make_mongo_client(settings), broker, outbox_collections)
    publisher = BrokerPublisher(broker)
    policy = RetryPolicy(settings.consumer_max_attempts, settings.consumer_backoff_seconds,
                         settings.consumer_backoff_max_seconds, settings.consumer_transient_retry_seconds)  # fmt: skip
    for spec in consumers(runtime):
        consumer = ReliableConsumer(f"patentflow.{settings.service_name}.{spec.name}", spec.topics, spec.handler,
                                    runtime.dead_letters, publisher, policy)  # fmt: skip
        consumer.subscribe(broker)
        runtime.consumers.append(consumer)
    if outbox_collections:
        runtime.relay = OutboxRelay([runtime.db[name] for name in outbox_collections], publisher, source=runtime.source,
                                    poll_seconds=settings.outbox_poll_seconds, batch=settings.outbox_batch,
                                    writes=runtime.writes, sweep_seconds=settings.outbox_sweep_seconds)  # fmt: skip

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        tasks: list[asyncio.Task[None]] = []
        try:
            await runtime.writes.configure(runtime.mongo)
            runtime.producer = make_producer(settings)
            await runtime.producer.start()
            await runtime.dead_letters.ensure_indexes()
            if on_startup is not None:
                await on_startup(runtime)
            await ensure_topics(settings, topics.CATALOGUE, [c.dead_letter_topic for c in runtime.consumers])
            for consumer in runtime.consumers:
                await runtime.dead_letters.load(consumer.group)
            await broker.start()
            if runtime.relay is not None and settings.outbox_relay_enabled:
                tasks.append(asyncio.create_task(runtime.relay.run(), name="outbox-relay"))
            tasks.append(asyncio.create_task(_refresh_parked(runtime), name="dead-letter-refresh"))
            tasks.extend(asyncio.create_task(job(runtime)) for job in background)
            runtime.started = True
            log.info("service started", http_port=settings.http_port, database=settings.database_name)
            yield
        finally:
            runtime.started = False
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await broker.stop()
            if runtime.producer is not None:
                await runtime.producer.stop()
            await runtime.mongo.close()
            log.info("service stopped")

    app = FastAPI(title=title, description=description, version="0.1.0", lifespan=lifespan)
    app.state.runtime = runtime
    app.add_middleware(RequestContextMiddleware)
    install_error_handlers(app)
    app.include_router(health.router)
    if runtime.consumers:
        app.include_router(admin.router)
    for router in routers:
        app.include_router(router)
    return app


async def _refresh_parked(runtime: Runtime) -> None:
    # After a rebalance another instance may have parked an aggregate we now own; the sequence guard in the
    # read models catches the gap in the meantime.
    while True:
        await asyncio.sleep(DEAD_LETTER_REFRESH_SECONDS)
        for consumer in runtime.consumers:
            with contextlib.suppress(Exception):
                await runtime.dead_letters.load(consumer.group)
