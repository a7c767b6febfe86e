"""Prometheus metrics every service exposes at ``/metrics``."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

EVENTS_PUBLISHED = Counter("patentflow_events_published_total", "Events relayed from the outbox to Kafka", ["source"])
EVENTS_HANDLED = Counter(
    "patentflow_events_handled_total", "Events a consumer finished with, by outcome", ["group", "type", "outcome"]
)
HANDLER_LATENCY = Histogram("patentflow_handler_seconds", "Time to apply one event", ["group"])
HANDLER_RETRIES = Counter("patentflow_handler_retries_total", "Failed attempts that will be retried", ["group"])
DEAD_LETTERS = Counter("patentflow_dead_letters_total", "Events sent to a dead-letter topic", ["group", "reason"])
OUTBOX_BACKLOG = Gauge("patentflow_outbox_backlog", "Aggregates with events not yet on Kafka", ["service"])
CONSUMER_LAG = Gauge(
    "patentflow_consumer_lag", "Records behind the end of a partition", ["group", "topic", "partition"]
)
BATCH_SIZE = Histogram(
    "patentflow_consumer_batch_records",
    "Records a consumer applied per fetched batch",
    ["group"],
    buckets=(1, 5, 20, 50, 100, 200, 500, 1000),
)
GC_PAUSE = Histogram(
    "patentflow_gc_pause_seconds",
    "Time the cyclic garbage collector stopped the process, by generation",
    ["generation"],
    buckets=(0.001, 0.005, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0),
)
LOOP_STALL = Histogram(
    "patentflow_event_loop_stall_seconds",
    "How much later than asked the event loop woke a 100 ms sleep (time it was kept busy)",
    buckets=(0.005, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0),
)
