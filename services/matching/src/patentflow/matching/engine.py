"""The matching engine: pool patents and open demands in two tantivy indexes of pre-tokenised Chinese terms, BM25
retrieval of a few hundred candidates on the terms and the IPC / industry codes, then a re-rank of each pair by
ranking weights (``reference/ranking.toml``) with the reasons a person reads: the matched terms, the IPC level
shared, the industry, the maturity fit and the region.

Both directions score a pair the same way (``score_pair``), so a demand's ranked matches and a pooled patent's
matched demands agree. The indexes live in memory and on a scratch directory: they are a cache, rebuilt from the
service's store (``Engine.rebuild``) and kept current by the consumers.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import sys
import tempfile
import tomllib
from collections import Counter
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import tantivy

from patentflow.matching.text import Tokeniser

RANKING = Path(__file__).with_name("reference") / "ranking.toml"
IpcLevel = Literal["subgroup", "main_group", "subclass", "class"]
LEVELS: tuple[IpcLevel, ...] = ("subgroup", "main_group", "subclass", "class")


@functools.lru_cache(maxsize=65536)
def ipc_keys(symbol: str) -> dict[IpcLevel, str]:
    """The levels of an IPC symbol ("H01M 4/525", "H01M4/525", "H01M 4", "H01M"), deepest first, as far as given."""
    compact = symbol.replace(" ", "").upper()
    keys: dict[IpcLevel, str] = {}
    if len(compact) >= 3:
        keys["class"] = compact[:3]
    if len(compact) >= 4:
        keys["subclass"] = compact[:4]
    group, _, sub = compact[4:].partition("/")
    if group:
        keys["main_group"] = f"{compact[:4]}{group}"
        if sub:
            keys["subgroup"] = f"{compact[:4]}{group}/{sub}"
    return keys


def shared_level(wanted: Iterable[str], held: Iterable[str]) -> tuple[IpcLevel | None, str | None]:
    """The deepest IPC level on which a wanted field and a held symbol agree, and the key they share."""
    held_keys = [ipc_keys(h) for h in held]
    for level in LEVELS:
        for want in wanted:
            key = ipc_keys(want).get(level)
            if key is not None and any(h.get(level) == key for h in held_keys):
                return level, key
    return None, None


@dataclass(frozen=True, slots=True)
class Ranking:
    """The weights of a pair's score (they sum to 1) and of the IPC levels, from the ranking file."""

    version: str
    text: float
    ipc: float
    industry: float
    maturity: float
    region: float
    levels: dict[str, float]
    candidates: int  # patents retrieved for a demand before the re-rank
    reverse_candidates: int  # open demands retrieved for a pooled patent before the re-rank
    min_score: float  # a pair matches at or above this score …
    min_text: float  # … and with at least this share of the demand's terms (weighted): codes alone are no match

    def accepts(self, match: Match) -> bool:
        """Whether a scored pair is a match to record."""
        return self.accepts_scores(match.score, match.text)

    def accepts_scores(self, score: float, text: float) -> bool:
        """Whether a pair of this score and text share is a match."""
        return score >= self.min_score and text >= self.min_text

    @classmethod
    def load(cls, path: Path = RANKING) -> Ranking:
        """Read and check the ranking file."""
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        weights = data["weights"]
        total = sum(weights[k] for k in ("text", "ipc", "industry", "maturity", "region"))
        if not math.isclose(total, 1.0, abs_tol=1e-9):
            raise ValueError(f"{path}: the weights sum to {total}, not 1")
        return cls(data["version"], **{k: float(weights[k]) for k in ("text", "ipc", "industry", "maturity", "region")},
                   levels={k: float(v) for k, v in data["ipc_levels"].items()}, candidates=int(data["candidates"]),
                   reverse_candidates=int(data["reverse_candidates"]), min_score=float(data["min_score"]),
                   min_text=float(data["min_text"]))  # fmt: skip


@dataclass(frozen=True, slots=True)
class PatentEntry:
    """What the engine knows of a pool patent."""

    number: str
    title: str
    abstract: str
    ipc: tuple[str, ...]
    industries: tuple[str, ...]  # GB/T 4754 divisions
    trl: int | None
    province: str


@dataclass(frozen=True, slots=True)
class DemandEntry:
    """What the engine knows of an open demand."""

    demand_id: str
    text: str  # title, description and products
    ipc: tuple[str, ...]
    industries: tuple[str, ...]
    trl_min: int | None
    regions: tuple[str, ...]  # provinces preferred; empty: anywhere


@dataclass(frozen=True, slots=True)
class Reasons:
    """Why a patent matches a demand."""

    terms: tuple[str, ...]
    ipc_level: IpcLevel | None
    ipc_shared: str | None
    industry: str | None
    maturity: Literal["fits", "below", "unknown", "any"]
    region: Literal["preferred", "elsewhere", "any"]

    def as_dict(self) -> dict[str, Any]:
        """The reasons as an event and an answer carry them."""
        return {"terms": list(self.terms), "ipc_level": self.ipc_level, "ipc_shared": self.ipc_shared,
                "industry": self.industry, "maturity": self.maturity, "region": self.region}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Match:
    """A scored pair."""

    number: str
    demand_id: str
    score: float
    reasons: Reasons
    text: float  # the share of the demand's terms (IDF-weighted) the patent holds


@dataclass(slots=True)
class _Terms:
    """Document frequencies of the pool's terms: the weight of a matched term is its IDF over the pool (kept per term
    until the pool changes: a pair's score asks for the same terms again and again)."""

    df: Counter[str] = field(default_factory=Counter)
    docs: int = 0
    _idf: dict[str, float] = field(default_factory=dict)
    _wanted: dict[str, float] = field(default_factory=dict)

    def add(self, terms: set[str], sign: int) -> None:
        self.docs += sign
        for term in terms:
            self.df[term] += sign
        self._idf.clear()
        self._wanted.clear()

    def wanted(self, key: str, terms: AbstractSet[str]) -> float:
        """The summed IDF of a demand's terms, kept until the pool changes."""
        known = self._wanted.get(key)
        if known is None:
            known = self._wanted[key] = sum(self.idf(t) for t in terms) or 1.0
        return known

    def idf(self, term: str) -> float:
        known = self._idf.get(term)
        if known is None:
            known = self._idf[term] = math.log(1 + (self.docs + 1) / (self.df.get(term, 0) + 1))
        return known


def score_pair(
    ranking: Ranking,
    demand: DemandEntry,
    demand_terms: AbstractSet[str],
    patent: PatentEntry,
    patent_terms: AbstractSet[str],
    idf: Any,
    *,
    wanted: float | None = None,
) -> Match:
    """One demand and one patent: the weighted score in [0, 1] and its reasons (``wanted``: the demand's summed
    IDF, when the caller knows it)."""
    matched = demand_terms & patent_terms
    wanted = wanted or sum(idf(t) for t in demand_terms) or 1.0
    text = sum(idf(t) for t in matched) / wanted
    level, shared = shared_level(demand.ipc, patent.ipc) if demand.ipc else (None, None)
    industry = next((i for i in demand.industries if any(p.startswith(i[:2]) for p in patent.industries)), None)
    if demand.trl_min is None:
        maturity: Literal["fits", "below", "unknown", "any"] = "any"
    elif patent.trl is None:
        maturity = "unknown"
    else:
        maturity = "fits" if patent.trl >= demand.trl_min else "below"
    region: Literal["preferred", "elsewhere", "any"] = (
        "any" if not demand.regions else "preferred" if patent.province in demand.regions else "elsewhere"
    )
    score = (
        ranking.text * text
        + ranking.ipc * (ranking.levels[level] if level else 0.0)
        + ranking.industry * (1.0 if industry else 0.0)
        + ranking.maturity * {"fits": 1.0, "any": 1.0, "unknown": 0.5, "below": 0.0}[maturity]
        + ranking.region * {"preferred": 1.0, "any": 1.0, "elsewhere": 0.0}[region]
    )
    score = round(score, 4)
    terms = _shown(matched, idf) if ranking.accepts_scores(score, text) else ()  # a dropped pair needs no words
    return Match(
        patent.number, demand.demand_id, score, Reasons(terms, level, shared, industry, maturity, region), text
    )


def _shown(matched: AbstractSet[str], idf: Any, most: int = 8) -> tuple[str, ...]:
    """The matched terms a person reads: rarest and longest first, without the parts of a term already shown (the
    search-mode pieces 正极 and 材料 of 正极材料)."""
    shown: list[str] = []
    for term in sorted(matched, key=lambda t: (-idf(t), -len(t), t)):
        if not any(term in longer for longer in shown):
            shown.append(term)
        if len(shown) == most:
            break
    return tuple(shown)


class _Index:
    """One tantivy index: id, pre-tokenised terms, IPC keys and industry codes as terms; the entry kept by id."""

    def __init__(self, directory: Path | None) -> None:
        builder = tantivy.SchemaBuilder()
        builder.add_text_field("id", stored=True, tokenizer_name="raw")
        builder.add_text_field("terms", stored=False, tokenizer_name="whitespace")
        builder.add_text_field("codes", stored=False, tokenizer_name="raw")
        self.schema = builder.build()
        self._dir = tempfile.TemporaryDirectory(prefix="patentflow-matching-") if directory is None else None
        path = Path(self._dir.name) if self._dir else directory
        assert path is not None
        path.mkdir(parents=True, exist_ok=True)
        self.index = tantivy.Index(self.schema, path=str(path), reuse=False)
        self._writer = self.index.writer(heap_size=64_000_000, num_threads=1)
        self.dirty = False

    def put(self, key: str, terms: Sequence[str], codes: Sequence[str]) -> None:
        self._writer.delete_documents_by_term("id", key)
        self._writer.add_document(tantivy.Document(id=key, terms=" ".join(terms), codes=list(codes)))
        self.dirty = True

    def drop(self, key: str) -> None:
        self._writer.delete_documents_by_term("id", key)
        self.dirty = True

    def commit(self) -> None:
        if self.dirty:
            self._writer.commit()
            self.index.reload()
            self.dirty = False

    def search(self, terms: Iterable[str], codes: Iterable[tuple[str, float]], limit: int) -> list[str]:
        clauses = [(tantivy.Occur.Should, tantivy.Query.term_query(self.schema, "terms", t)) for t in set(terms)]
        clauses += [
            (tantivy.Occur.Should, tantivy.Query.boost_query(tantivy.Query.term_query(self.schema, "codes", c), boost))
            for c, boost in codes
        ]
        if not clauses:
            return []
        searcher = self.index.searcher()
        hits = searcher.search(tantivy.Query.boolean_query(clauses), limit).hits
        return [searcher.doc(address)["id"][0] for _, address in hits]


def _codes(ipc: Iterable[str], industries: Iterable[str], levels: dict[str, float]) -> list[tuple[str, float]]:
    """Index terms of the codes with the weight of their level: "subclass:H01M", "industry:38" …"""
    codes: dict[str, float] = {}
    for symbol in ipc:
        for level, key in ipc_keys(symbol).items():
            codes[f"{level}:{key}"] = max(codes.get(f"{level}:{key}", 0.0), levels[level])
    for industry in industries:
        codes[f"industry:{industry[:2]}"] = 1.0
    return sorted(codes.items())


class Engine:
    """Pool patents and open demands, indexed both ways; search one against the other."""

    def __init__(self, tokeniser: Tokeniser, ranking: Ranking, directory: Path | None = None) -> None:
        self.tokeniser = tokeniser
        self.ranking = ranking
        self._patents = _Index(directory / "patents" if directory else None)
        self._demands = _Index(directory / "demands" if directory else None)
        # Held per patent: its codes and distinct terms (interned, as a tuple), not its text: at 1 000 000 patents a
        # set per patent would take gigabytes.
        self._patent: dict[str, tuple[PatentEntry, tuple[str, ...]]] = {}
        self._demand: dict[str, tuple[DemandEntry, frozenset[str]]] = {}
        self._terms = _Terms()

    def __len__(self) -> int:
        return len(self._patent)

    @property
    def demands(self) -> int:
        """Open demands indexed."""
        return len(self._demand)

    def has_patent(self, number: str) -> bool:
        """Whether a patent is in the engine's pool."""
        return number in self._patent

    def put_patent(self, patent: PatentEntry) -> None:
        """Add or replace a pool patent (searchable after ``commit``)."""
        self.drop_patent(patent.number)
        terms = self.tokeniser.terms(f"{patent.title} {patent.abstract}")
        unique = tuple(sys.intern(t) for t in dict.fromkeys(terms))
        self._patent[patent.number] = (dataclasses.replace(patent, title="", abstract=""), unique)
        self._terms.add(set(unique), +1)
        self._patents.put(
            patent.number, terms, [c for c, _ in _codes(patent.ipc, patent.industries, self.ranking.levels)]
        )

    def drop_patent(self, number: str) -> None:
        """Take a patent out of the pool's index."""
        known = self._patent.pop(number, None)
        if known is not None:
            self._terms.add(set(known[1]), -1)
            self._patents.drop(number)

    def put_demand(self, demand: DemandEntry) -> None:
        """Add or replace an open demand."""
        terms = self.tokeniser.terms(demand.text)
        self._demand[demand.demand_id] = (demand, frozenset(terms))
        self._demands.put(
            demand.demand_id, terms, [c for c, _ in _codes(demand.ipc, demand.industries, self.ranking.levels)]
        )

    def drop_demand(self, demand_id: str) -> None:
        """A demand closed, expired or withdrawn."""
        if self._demand.pop(demand_id, None) is not None:
            self._demands.drop(demand_id)

    def commit(self) -> None:
        """Make what was put and dropped searchable."""
        self._patents.commit()
        self._demands.commit()

    def rank(self, demand: DemandEntry, k: int = 10, *, structured: bool = True) -> list[Match]:
        """The top ``k`` pool patents for a demand (``structured=False``: plain BM25 on the text, for comparison)."""
        terms = self.tokeniser.terms(demand.text)
        codes = _codes(demand.ipc, demand.industries, self.ranking.levels) if structured else []
        found = self._patents.search(terms, codes, self.ranking.candidates if structured else k)
        unique = frozenset(terms)
        scored = [self._pair(demand, unique, number) for number in found if number in self._patent]
        if not structured:
            return scored[:k]
        return sorted(scored, key=lambda m: (-m.score, m.number))[:k]

    def demands_for(self, number: str) -> list[Match]:
        """The open demands a pool patent matches (``Ranking.accepts``), best first."""
        patent, unique = self._patent[number]
        codes = _codes(patent.ipc, patent.industries, self.ranking.levels)
        found = self._demands.search(unique, codes, self.ranking.reverse_candidates)
        held, idf = frozenset(unique), self._terms.idf
        matches = []
        for demand_id in found:
            demand, demand_terms = self._demand[demand_id]
            wanted = self._terms.wanted(demand_id, demand_terms)
            match = score_pair(self.ranking, demand, demand_terms, patent, held, idf, wanted=wanted)
            if self.ranking.accepts(match):
                matches.append(match)
        return sorted(matches, key=lambda m: (-m.score, m.demand_id))

    def _pair(self, demand: DemandEntry, terms: frozenset[str], number: str) -> Match:
        patent, patent_terms = self._patent[number]
        return score_pair(self.ranking, demand, terms, patent, frozenset(patent_terms), self._terms.idf)
