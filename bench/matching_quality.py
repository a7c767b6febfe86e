"""Matching quality on a labelled Chinese set: precision@10, recall@10 and nDCG@10 of the engine and of plain BM25 on
the same index, for ordinary demands and for hard ones (the problem in everyday words, no product or material named).

The set is generated (``generate``; seed and sizes are arguments): for every IPC main group of the vocabulary
(``patentflow.localinfra.vocabulary``) ``--patents`` pool patents whose titles and abstracts use its words, and
``--demands`` ordinary and as many hard demands by enterprises of its field. A patent is relevant to a demand when it
belongs to the demand's main group. An ordinary demand names the main group among its technical fields (as an
enterprise that knows its technology does); a hard one only the subclass and the industry the enterprise registered.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
from dataclasses import dataclass

from patentflow.localinfra.vocabulary import demand_text, groups, patent_text
from patentflow.matching.engine import DemandEntry, Engine, PatentEntry, Ranking
from patentflow.matching.text import Tokeniser

PROVINCES = ("110000", "310000", "320000", "330000", "420000", "430000", "440000", "510000", "610000", "150000")


@dataclass(frozen=True)
class Case:
    """A demand with the patents relevant to it."""

    demand: DemandEntry
    relevant: frozenset[str]
    hard: bool


def generate(patents_per_group: int, demands_per_group: int, seed: int) -> tuple[list[PatentEntry], list[Case]]:
    """The labelled set."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    patents: list[PatentEntry] = []
    members: dict[str, set[str]] = {}
    everything = groups()
    for index, (field, group) in enumerate(everything):
        for n in range(patents_per_group):
            number = f"P{index:03d}{n:05d}"
            title, abstract = patent_text(group, rng)
            secondary = rng.choice(rng.choice(everything)[1].symbols) if rng.random() < 0.3 else None
            ipc = (rng.choice(group.symbols), *([secondary] if secondary else []))
            patents.append(PatentEntry(number, title, abstract, ipc, (field.industry,), rng.randint(3, 8),
                                       rng.choice(PROVINCES)))  # fmt: skip
            members.setdefault(group.main_group, set()).add(number)
    cases: list[Case] = []
    for index, (field, group) in enumerate(everything):
        for hard in (False, True):
            for n in range(demands_per_group):
                title, description = demand_text(group, rng, hard=hard)
                ipc = (group.subclass,) if hard else (group.main_group,)
                demand = DemandEntry(f"D{index:03d}{int(hard)}{n:03d}", f"{title} {description}", ipc,
                                     (field.industry,), rng.choice((None, 4)), ())  # fmt: skip
                cases.append(Case(demand, frozenset(members[group.main_group]), hard))
    return patents, cases


def measures(ranked: list[str], relevant: frozenset[str], k: int = 10) -> tuple[float, float, float]:
    """precision@k, recall@k, nDCG@k (binary gains)."""
    top = ranked[:k]
    hits = [1.0 if number in relevant else 0.0 for number in top]
    dcg = sum(h / math.log2(i + 2) for i, h in enumerate(hits))
    ideal = sum(1 / math.log2(i + 2) for i in range(min(k, len(relevant))))
    return sum(hits) / k, sum(hits) / len(relevant), dcg / ideal if ideal else 0.0


def evaluate(engine: Engine, cases: list[Case]) -> dict[tuple[str, bool], tuple[float, float, float]]:
    """Mean measures per (ranker, hard)."""
    table: dict[tuple[str, bool], tuple[float, float, float]] = {}
    for ranker, structured in (("engine", True), ("bm25", False)):
        for hard in (False, True):
            chosen = [c for c in cases if c.hard is hard]
            rows = [
                measures([m.number for m in engine.rank(c.demand, 10, structured=structured)], c.relevant)
                for c in chosen
            ]
            table[(ranker, hard)] = tuple(sum(r[i] for r in rows) / len(rows) for i in range(3))  # type: ignore[assignment]
    return table


def main(argv: list[str] | None = None) -> int:
    """Generate, index, evaluate, print; exit 1 when the engine does not beat BM25 on the hard demands."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patents", type=int, default=60, help="pool patents per IPC main group")
    parser.add_argument("--demands", type=int, default=10, help="ordinary and hard demands per main group, each")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    patents, cases = generate(args.patents, args.demands, args.seed)
    engine = Engine(Tokeniser(), Ranking.load())
    for patent in patents:
        engine.put_patent(patent)
    engine.commit()
    table = evaluate(engine, cases)
    print(f"matching quality: {len(patents)} pool patents, {len(cases)} demands (seed {args.seed}), ranking "
          f"{engine.ranking.version}")  # fmt: skip
    print(f"  {'ranker':<8} {'demands':<9} {'P@10':>6} {'R@10':>6} {'nDCG@10':>8}")
    for (ranker, hard), (p, r, n) in table.items():
        print(f"  {ranker:<8} {'hard' if hard else 'ordinary':<9} {p:6.3f} {r:6.3f} {n:8.3f}")
    better_hard = table[("engine", True)][2] > table[("bm25", True)][2]
    not_worse = table[("engine", False)][2] >= table[("bm25", False)][2] - 0.005
    print(f"  engine beats BM25 on hard demands: {better_hard}; not worse on ordinary ones: {not_worse}")
    return 0 if better_hard and not_worse else 1


if __name__ == "__main__":
    sys.exit(main())
