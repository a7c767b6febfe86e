"""Wires one service: infrastructure (store, broker, producer, clock), the service's typed dependencies, its
outbox relay, consumers and periodic jobs, and the HTTP app; ``create_service_app`` is its only entry.

A service has a composition root (``deps.py``): a function ``build(runtime) -> Service[Deps]`` that creates its
dependencies from the runtime without I/O. Routes reach them through one ``Annotated`` dependency
(:func:`dependency`); tests pass a runtime of fakes (``patentflow.testing.inprocess``) or a ``build`` of their own.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import structlog
from fastapi import APIRouter, FastAPI, Request
from faststream.kafka import KafkaBroker
from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from patentflow.contracts import topics
from patentflow.kit import admin, health, metrics
from patentflow.kit.aggregates import AggregateStore
from patentflow.kit.auth import AuthenticationGate
from patentflow.kit.clock import Clock
from patentflow.kit.consumer import BatchPolicy, ConsumerSpec, ReliableConsumer, RetryPolicy
from patentflow.kit.deadletters import DeadLetterStore
from patentflow.kit.guarded import GuardedWrites
from patentflow.kit.http import RequestContextMiddleware, install_error_handlers
from patentflow.kit.kafka import ensure_topics, make_broker, make_producer
from patentflow.kit.limits import BodyGuard
from patentflow.kit.logging import configure_logging
from patentflow.kit.loopwatch import watch_loop
from patentflow.kit.mongo import Document, make_mongo_client
from patentflow.kit.outbox import BrokerPublisher, OutboxRelay, ProducerPublisher, Publisher
from patentflow.kit.periodic import PeriodicJob, run_periodically
from patentflow.kit.ratelimit import InFlight, SheddingGate
from patentflow.kit.settings import ServiceSettings

log = structlog.get_logger(__name__)
DEAD_LETTER_REFRESH_SECONDS = 5.0
D = TypeVar("D")
__all__ = ["ConsumerSpec", "Runtime", "Service", "create_service_app", "dependency"]


@dataclass
class Service(Generic[D]):
    """What a composition root returns: the typed dependencies and what the kit runs for them."""

    deps: D
    outbox: Sequence[AggregateStore] = ()  # stores whose events the relay publishes
    consumers: Sequence[ConsumerSpec] = ()
    jobs: Sequence[PeriodicJob] = ()
    start: Callable[[], Awaitable[None]] | None = None  # indexes, recovery of interrupted work; runs once connected
    stop: Callable[[], Awaitable[None]] | None = None  # closes what start opened; runs after the consumers stopped
    in_flight: InFlight | None = None  # requests under way beyond its limit are shed with 503 (``kit.ratelimit``)


class Runtime:
    """The infrastructure of one service process: settings, store client, broker, bulk producer and clock.

    Nothing connects before :meth:`connect` (called by the app's lifespan). A test runtime
    (``patentflow.testing.inprocess.MemoryRuntime``) replaces the store and the broker with fakes.
    """

    def __init__(
        self,
        settings: ServiceSettings,
        *,
        mongo: AsyncMongoClient[Document] | None = None,
        broker: KafkaBroker | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.settings = settings
        self.mongo: AsyncMongoClient[Document] = mongo if mongo is not None else make_mongo_client(settings)
        self.broker = broker if broker is not None else make_broker(settings)
        self.clock = clock or Clock(settings.today)
        self.writes = GuardedWrites()
        self.producer: Any = None  # a plain aiokafka producer for bulk paths, started in connect()
        self.consumers: list[ReliableConsumer] = []
        self.relay: OutboxRelay | None = None
        self.started = False
        self.dead_letters = DeadLetterStore(self.db["dead_letters"])

    @property
    def db(self) -> AsyncDatabase[Document]:
        """The service's own database."""
        return self.mongo[self.settings.database_name]

    @property
    def source(self) -> str:
        """ce_source of this service's events."""
        return f"/patentflow/{self.settings.service_name}"

    def collection(self, name: str) -> AsyncCollection[Document]:
        """A collection of the service's own database."""
        return self.db[name]

    def aggregate_store(self, name: str) -> AggregateStore:
        """An aggregate store over one collection whose writes wake the relay."""
        return AggregateStore(
            self.db[name], source=self.source, on_write=self.wake_relay, writes=self.writes, clock=self.clock.now
        )

    def bulk_publisher(self) -> Publisher:
        """The publisher of bulk paths: batches filled per partition on the plain producer."""
        return _Deferred(lambda: ProducerPublisher(self.producer))

    def broker_publisher(self) -> Publisher:
        """The publisher of the relay and the dead letters, on the FastStream broker."""
        return BrokerPublisher(self.broker)

    def wake_relay(self, collection: str, aggregate_id: str) -> None:
        """Let the relay publish right after a write (``AggregateStore.on_write``)."""
        if self.relay is not None:
            self.relay.wake(collection, aggregate_id)

    def consumer(self, group: str) -> ReliableConsumer | None:
        """A consumer of this service by group id."""
        return next((c for c in self.consumers if c.group == group), None)

    async def connect(self, dead_letter_topics: Sequence[str]) -> None:
        """Ask the store how to write, start the bulk producer and create the topics."""
        await self.writes.configure(self.mongo)
        self.producer = make_producer(self.settings)
        await self.producer.start()
        await ensure_topics(self.settings, topics.CATALOGUE, dead_letter_topics)

    async def close(self) -> None:
        """Stop the producer and close the store client."""
        if self.producer is not None:
            await self.producer.stop()
        await self.mongo.close()

    async def refresh_gauges(self) -> None:
        """Gauges read at scrape time."""
        if self.relay is not None:
            metrics.OUTBOX_BACKLOG.labels(service=self.settings.service_name).set(await self.relay.backlog())


class _Deferred:
    """A publisher made on first use (the producer exists only once the runtime has connected)."""

    def __init__(self, make: Callable[[], Publisher]) -> None:
        self._make = make
        self._made: Publisher | None = None

    def _publisher(self) -> Publisher:
        if self._made is None:
            self._made = self._make()
        return self._made

    async def send_all(self, records: Sequence[tuple[str, bytes, bytes, dict[str, str]]]) -> None:
        """See :class:`Publisher`."""
        await self._publisher().send_all(records)

    async def send_each(self, records: Sequence[tuple[str, bytes, bytes, dict[str, str]]]) -> list[Exception | None]:
        """See :class:`Publisher`."""
        return await self._publisher().send_each(records)


def dependency(kind: type[D]) -> Callable[[Request], D]:
    """The FastAPI dependency that hands routes the service's typed dependencies (``Annotated[Deps, Depends(…)]``)."""

    def deps(request: Request) -> D:
        found = request.app.state.deps
        if not isinstance(found, kind):
            raise TypeError(f"the app was built with {type(found).__name__}, not {kind.__name__}")
        return found

    return deps


def create_service_app(
    settings: ServiceSettings,
    *,
    title: str,
    description: str,
    build: Callable[[Runtime], Service[D]],
    routers: Sequence[APIRouter] = (),
    runtime: Runtime | None = None,
    upload_paths: Sequence[str] = (),
) -> FastAPI:
    """A service's FastAPI app; Kafka and MongoDB connect in its lifespan, so tests configure before creating it."""
    configure_logging(service=settings.service_name, level=settings.log_level, json=settings.log_json)
    runtime = runtime or Runtime(settings)
    service = build(runtime)
    publisher = runtime.broker_publisher()
    policy = RetryPolicy(
        settings.consumer_max_attempts,
        settings.consumer_backoff_seconds,
        settings.consumer_backoff_max_seconds,
        settings.consumer_transient_retry_seconds,
    )
    for spec in service.consumers:
        group = group_name(settings, spec.name)
        batch = BatchPolicy(
            settings.consumer_batch_records,
            settings.consumer_batch_wait_ms,
            settings.consumer_concurrency,
            settings.consumer_fetch_wait_ms,
            settings.consumer_fetch_min_bytes,
        )
        consumer = ReliableConsumer(
            group, spec.topics, spec.handler, runtime.dead_letters, publisher, policy, batch, spec.batch_handler
        )
        consumer.subscribe(runtime.broker)
        runtime.consumers.append(consumer)
    if service.outbox:
        runtime.relay = OutboxRelay(
            [store.collection for store in service.outbox],
            publisher,
            source=runtime.source,
            poll_seconds=settings.outbox_poll_seconds,
            batch=settings.outbox_batch,
            writes=runtime.writes,
            sweep_seconds=settings.outbox_sweep_seconds,
        )
    jobs = [
        *service.jobs,
        PeriodicJob(
            "dead-letter-refresh", DEAD_LETTER_REFRESH_SECONDS, lambda: _refresh_parked(runtime), wait_first=True
        ),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        tasks: list[asyncio.Task[None]] = []
        try:
            await runtime.connect([c.dead_letter_topic for c in runtime.consumers])
            await runtime.dead_letters.ensure_indexes()
            for store in service.outbox:
                await store.ensure_indexes()
            if service.start is not None:
                await service.start()
            for consumer in runtime.consumers:
                await runtime.dead_letters.load(consumer.group)
            await runtime.broker.start()
            if runtime.relay is not None and settings.outbox_relay_enabled:
                tasks.append(asyncio.create_task(runtime.relay.run(), name="outbox-relay"))
            tasks.extend(asyncio.create_task(run_periodically(job), name=job.name) for job in jobs)
            tasks.append(asyncio.create_task(watch_loop(), name="loop-watch"))
            runtime.started = True
            log.info("service started", http_port=settings.http_port, database=settings.database_name)
            yield
        finally:
            runtime.started = False
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await runtime.broker.stop()
            if service.stop is not None:
                await service.stop()
            await runtime.close()
            log.info("service stopped")

    app = FastAPI(title=title, description=description, version="0.1.0", lifespan=lifespan)
    app.state.runtime = runtime
    app.state.deps = service.deps
    app.state.tables = [spec.table for spec in service.consumers if spec.table is not None]
    if service.in_flight is not None:  # inside the request context: a 503 carries its request and correlation ids
        app.add_middleware(SheddingGate, gate=service.in_flight)
    app.add_middleware(RequestContextMiddleware)
    app.add_middleware(
        BodyGuard,
        max_bytes=settings.http_max_body_bytes,
        upload_max_bytes=settings.http_max_upload_bytes,
        upload_paths=upload_paths,
    )
    # Added last, so outermost: nothing is read or validated before the caller is known.
    app.add_middleware(
        AuthenticationGate,
        secret=settings.auth_secret.get_secret_value(),
        issuer=settings.auth_issuer,
        audience=settings.auth_audience,
    )
    install_error_handlers(app)
    app.include_router(health.router)
    if runtime.consumers:
        app.include_router(admin.router)
    for router in routers:
        app.include_router(router)
    return app


def group_name(settings: ServiceSettings, consumer: str) -> str:
    """The Kafka consumer group of one of a service's consumers."""
    return f"patentflow.{settings.service_name}.{consumer}"


async def _refresh_parked(runtime: Runtime) -> None:
    # After a rebalance another instance may have parked an aggregate we now own; the sequence guard in the
    # read models catches the gap in the meantime.
    for consumer in runtime.consumers:
        await runtime.dead_letters.load(consumer.group)
