"""Services in process, for fast tests of every route and consumer: a runtime of fakes, the app's lifespan,
an HTTP client over ASGI and FastStream's in-memory Kafka broker.

    app = create_app(settings_for(Settings), runtime=MemoryRuntime(settings))
    async with running(app) as service:
        await service.http.post("/patents", json=..., headers=auth(Role.INSTITUTION_ADMIN, institution=CODE))
        await service.publish(PatentRecorded(...), sequence=1)

What only the real broker and store can show (commits, redelivery, restarts, FerretDB's gaps) stays end-to-end.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx
from fastapi import FastAPI
from faststream.kafka import KafkaBroker, TestKafkaBroker

from patentflow.contracts.access import Role, Scope
from patentflow.contracts.envelope import H_TYPE, DomainEvent, source_of
from patentflow.kit.auth import issue_token
from patentflow.kit.clock import Clock
from patentflow.kit.cloudevents import EventMeta, new_event_id
from patentflow.kit.outbox import BrokerPublisher, Publisher
from patentflow.kit.runtime import Runtime
from patentflow.kit.settings import ServiceSettings
from patentflow.testing.fixtures import TEST_SECRET
from patentflow.testing.memory import MemoryMongo

S = TypeVar("S", bound=ServiceSettings)
E = TypeVar("E", bound=DomainEvent)
Record = tuple[str, bytes, bytes, dict[str, str]]
T = TypeVar("T")


def settings_for(kind: type[S], **overrides: Any) -> S:
    """Settings of a service under test: the test secret, fast polls, and one retry before a dead letter."""
    values: dict[str, Any] = {
        "auth_secret": TEST_SECRET,
        "environment": "test",
        "log_json": False,
        "log_level": "WARNING",
        "outbox_poll_seconds": 0.05,
        "consumer_max_attempts": 2,
        "consumer_backoff_seconds": 0.0,
        "consumer_transient_retry_seconds": 0.0,
    }
    if "engine_dir" in kind.model_fields:
        values["engine_dir"] = None  # the projection's query engine in memory: no file shared between tests or runs
    return kind(**{**values, **overrides})


class MemoryRuntime(Runtime):
    """A runtime whose store lives in memory and whose broker is FastStream's in-memory one (under ``running``)."""

    def __init__(
        self, settings: ServiceSettings, *, clock: Clock | None = None, broker: KafkaBroker | None = None
    ) -> None:
        super().__init__(settings, mongo=MemoryMongo(), broker=broker or KafkaBroker(), clock=clock)  # type: ignore[arg-type]
        self.sent: list[Record] = []  # every record published, in order

    async def connect(self, dead_letter_topics: Sequence[str]) -> None:
        """Nothing to connect; the memory store indexes like MongoDB."""
        self.writes.compound = True

    async def close(self) -> None:
        """Nothing to release."""

    def broker_publisher(self) -> Publisher:
        """The in-memory broker's publisher, recording what it sends."""
        return _Recording(BrokerPublisher(self.broker), self.sent)

    def bulk_publisher(self) -> Publisher:
        """Bulk paths publish through the in-memory broker too."""
        return self.broker_publisher()

    def published(self, kind: type[E]) -> list[E]:
        """The events of one type this service has published so far, in order."""
        found = []
        for _topic, _key, value, headers in self.sent:
            if headers.get(H_TYPE) == kind.event_type:
                found.append(kind.model_validate_json(value))
        return found


class _Recording:
    def __init__(self, publisher: Publisher, sent: list[Record]) -> None:
        self._publisher = publisher
        self._sent = sent

    async def send_all(self, records: Sequence[Record]) -> None:
        await self._publisher.send_all(records)
        self._sent.extend(records)

    async def send_each(self, records: Sequence[Record]) -> list[Exception | None]:
        outcomes = await self._publisher.send_each(records)
        self._sent.extend(r for r, error in zip(records, outcomes, strict=True) if error is None)
        return outcomes


def auth(role: Role, sub: str | None = None, **scope: str) -> dict[str, str]:
    """The Authorization header of a test principal."""
    token = issue_token(
        TEST_SECRET,
        sub=sub or f"{role.value}:{'/'.join(scope.values()) or 'all'}",
        role=role,
        scope=Scope(**scope),
        ttl=timedelta(hours=1),
    )
    return {"Authorization": f"Bearer {token}"}


@dataclass
class InProcess:
    """A running service in process."""

    app: FastAPI
    http: httpx.AsyncClient
    broker: KafkaBroker
    runtime: Runtime

    async def publish(
        self,
        event: DomainEvent,
        *,
        sequence: int,
        source: str | None = None,
        time: datetime | None = None,
        event_id: str | None = None,
    ) -> None:
        """Deliver ``event`` as its producer would (CloudEvents headers, keyed by its subject) to the consumers."""
        meta = EventMeta(
            id=event_id or new_event_id(),
            source=source or source_of(event.topic.owner.value),
            type=event.event_type,
            subject=event.subject(),
            sequence=sequence,
            time=time or datetime.now(UTC),
            correlation_id="test",
            causation_id="test",
        )
        value = event.model_dump_json().encode()
        await self.runtime.broker_publisher().send_all(
            [(event.topic.name, event.subject().encode(), value, meta.headers())]
        )

    def published(self, kind: type[E]) -> list[E]:
        """The events of one type the service has published so far, in order."""
        assert isinstance(self.runtime, MemoryRuntime)
        return self.runtime.published(kind)

    async def settled(self) -> None:
        """Wait until the outbox relay has published every event written so far (commands outside HTTP, jobs)."""
        relay = self.runtime.relay
        assert relay is not None, "this service publishes nothing"

        deadline = time.monotonic() + 5.0
        while await relay.backlog():
            assert time.monotonic() < deadline, "the outbox relay did not publish within 5 s"
            await asyncio.sleep(0.02)

    def deps(self, kind: type[T]) -> T:
        """The service's typed dependencies."""
        found = self.app.state.deps
        assert isinstance(found, kind)
        return found


@contextlib.asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[InProcess]:
    """Run ``app`` (built with a :class:`MemoryRuntime`): in-memory broker, lifespan, an HTTP client over ASGI."""
    runtime = app.state.runtime
    assert isinstance(runtime, MemoryRuntime), "build the app with runtime=MemoryRuntime(settings)"
    async with TestKafkaBroker(runtime.broker) as broker, app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://service.test") as client:
            service = InProcess(app, client, broker, runtime)
            if runtime.relay is not None and runtime.settings.outbox_relay_enabled:
                client.event_hooks["response"].append(_settle_after_commands(service))
            yield service


def _settle_after_commands(service: InProcess) -> Callable[[httpx.Response], Awaitable[None]]:
    """A response hook: a command's events are published (by the relay, woken by its write) before the test sees
    its answer, so ``published`` right after a command is deterministic. Without it the test raced the relay's task:
    it won only while a middleware happened to yield to the event loop often enough."""

    async def settle(response: httpx.Response) -> None:
        if response.request.method not in ("GET", "HEAD", "OPTIONS"):
            await service.settled()

    return settle


async def eventually(
    check: Callable[[], Awaitable[T | None] | T | None],
    *,
    timeout: float = 5.0,
    interval: float = 0.02,
    what: str = "the condition",
) -> T:
    """Poll ``check`` (plain or async) until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        result = await found if inspect.isawaitable(found) else found
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout} s (last: {result!r})")
        await asyncio.sleep(interval)
