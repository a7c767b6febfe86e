"""The topic catalogue: every Kafka topic of the platform, its owner and its key. Services name topics only from here."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Service(StrEnum):
    """The six services; each owns the topics it publishes to."""

    INVENTORY = "inventory"
    EVALUATION = "evaluation"
    MATCHING = "matching"
    TRANSACTIONS = "transactions"
    PLEDGE = "pledge"
    PROJECTION = "projection"


@dataclass(frozen=True, slots=True)
class Topic:
    """A domain topic: one service stream, keyed by an aggregate id, kept forever (projections rebuild from it)."""

    name: str
    owner: Service
    key: str
    description: str
    partitions: int = 6
    # -1: domain topics are never deleted by time or size; they are the system of record for projections.
    retention_ms: int = -1


PATENTS = Topic(
    "patentflow.inventory.patents",
    Service.INVENTORY,
    "patent application number",
    "Stock patents of institutions: master records, inventory records, review, pool, legal status.",
)
INSTITUTIONS = Topic(
    "patentflow.inventory.institutions",
    Service.INVENTORY,
    "institution credit code",
    "Institutions, their schools and inventors.",
)
EVALUATIONS = Topic(
    "patentflow.evaluation.evaluations",
    Service.EVALUATION,
    "patent application number",
    "Enterprise and expert evaluations, grades, values and high-value flags of a patent.",
)
ENTERPRISES = Topic(
    "patentflow.evaluation.enterprises",
    Service.EVALUATION,
    "enterprise credit code",
    "Enterprises registered for evaluation and matching: profile, kinds, industries and technical fields.",
)
EXPERTS = Topic(
    "patentflow.evaluation.experts",
    Service.EVALUATION,
    "expert id",
    "The expert library by industry field: experts, their fields, declared conflicts and availability.",
)
BASES = Topic(
    "patentflow.evaluation.bases",
    Service.EVALUATION,
    "navigation base id",
    "Patent navigation service bases: filing, yearly self-evaluations, ratings, rectification, delisting, results.",
)
DEMANDS = Topic(
    "patentflow.matching.demands",
    Service.MATCHING,
    "demand id",
    "Technical demands of enterprises.",
)
MATCHES = Topic(
    "patentflow.matching.matches",
    Service.MATCHING,
    "patent application number",
    "Matches between demands and patents, pushes by province and industry, and the answers to them.",
)
DEALS = Topic(
    "patentflow.transactions.deals",
    Service.TRANSACTIONS,
    "patent application number",
    "Transfers, licence filings, open licences, equity, fee schemes, payments and product filings.",
)
PLEDGES = Topic(
    "patentflow.pledge.pledges",
    Service.PLEDGE,
    "patent application number",
    "Pledge registrations, changes, cancellations, loans and risk compensation.",
)
EXPORTS = Topic(
    "patentflow.projection.exports",
    Service.PROJECTION,
    "patent application number",
    "The integrated patent view in the standard exchange format, for provincial and partner platforms.",
)

SESSIONS = Topic(
    "patentflow.matching.sessions",
    Service.MATCHING,
    "matchmaking session id",
    "Matchmaking sessions (路演, 一月一对接): participants, patents presented and their outcomes.",
)
# Push batches for each province's platform, one topic per province (GB/T 2260 code), so a provincial platform
# subscribes to its own with a plain Kafka client (seed 001: 通过数据接口等方式按省份推送).
PROVINCE_CODES: tuple[str, ...] = (
    "110000", "120000", "130000", "140000", "150000", "210000", "220000", "230000", "310000", "320000", "330000",
    "340000", "350000", "360000", "370000", "410000", "420000", "430000", "440000", "450000", "460000", "500000",
    "510000", "520000", "530000", "540000", "610000", "620000", "630000", "640000", "650000",
)  # fmt: skip
PROVINCE_PUSHES: dict[str, Topic] = {
    code: Topic(
        f"patentflow.matching.push.{code}",
        Service.MATCHING,
        "enterprise credit code",
        f"Push batches of matched pool patents to the enterprises of province {code}, for its platform.",
        partitions=1,
    )
    for code in PROVINCE_CODES
}


def province_push(province: str) -> Topic:
    """The push topic of a province."""
    return PROVINCE_PUSHES[province]


CATALOGUE: tuple[Topic, ...] = (
    PATENTS,
    INSTITUTIONS,
    EVALUATIONS,
    ENTERPRISES,
    EXPERTS,
    BASES,
    DEMANDS,
    MATCHES,
    SESSIONS,
    *PROVINCE_PUSHES.values(),
    DEALS,
    PLEDGES,
    EXPORTS,
)

DEAD_LETTER_PREFIX = "patentflow.deadletter."


def dead_letter_topic(consumer_group: str) -> str:
    """Name of the dead-letter topic of one consumer group."""
    return DEAD_LETTER_PREFIX + consumer_group


def topic_named(name: str) -> Topic:
    """Look a domain topic up by name."""
    for topic in CATALOGUE:
        if topic.name == name:
            return topic
    raise KeyError(f"unknown topic {name!r}")
