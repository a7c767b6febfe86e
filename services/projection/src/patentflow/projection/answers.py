"""Answers of the query engine's reads, kept across the writes that cannot change them.

A read says what it depends on (its *footprint*): the patents of one province, or one patent. A write says what it
touched: the provinces its patents were in before it and are in after it, and their pids; or everything (an
institution's facts, a bulk load, an unknown patent's province). A kept answer is served again while no write since
it touched its footprint, so a province's dashboard stays answered while another province imports, and a read that
says nothing (a national figure, an as-of derivation) is answered again only until the next write, as before.

Versions count writes. An answer computed while a write ran is stored under the version before it, so that write
is checked against it too: a kept answer is never newer than what it says.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from typing import Any

Key = tuple[str, tuple[Any, ...]]
Answer = tuple[list[str], list[tuple[Any, ...]]]
# ("province", "430000") or ("pid", 1234): what a read depends on, or what a write touched.
Footprint = frozenset[tuple[str, Any]]

KEPT = 10_000  # answers kept (a few MB: views and pages are small); the least recently asked go first
# Writes remembered with their footprints. An answer older than the oldest is computed again: at 1 000 events/s (a
# write every 0.1 - 0.5 s) that is a minute or more of writes.
WRITES_KEPT = 512


def province(code: str) -> tuple[str, Any]:
    """A footprint's element: the patents of one province."""
    return ("province", code)


def patent(pid: int) -> tuple[str, Any]:
    """A footprint's element: one patent, by its pid."""
    return ("pid", pid)


def one_patent(pid: int) -> Footprint:
    """The footprint of a read of one patent's rows."""
    return frozenset({patent(pid)})


class Answers:
    """Kept answers, and the footprints of the last writes (the writer thread adds them, the event loop reads)."""

    def __init__(self, kept: int = KEPT, writes_kept: int = WRITES_KEPT) -> None:
        self.version = 0
        self._kept = kept
        self._answers: OrderedDict[Key, tuple[int, Answer, Footprint | None]] = OrderedDict()
        self._writes: deque[tuple[int, Footprint | None]] = deque(maxlen=writes_kept)

    def wrote(self, touched: Footprint | None) -> None:
        """A write ended (None: it may have changed anything). Its footprint is logged before the version moves, so
        a reader that sees the new version finds the write's footprint."""
        self._writes.append((self.version + 1, touched))
        self.version += 1

    def changed_everything(self) -> None:
        """Every answer is stale (a derivation of the current tables): a version with no footprint logged."""
        self.version += 1

    def get(self, key: Key) -> tuple[Answer, bool] | None:
        """The kept answer to ``key`` if no write since it could change it, and whether one came in between."""
        found = self._answers.get(key)
        if found is None:
            return None
        version, answer, depends = found
        now = self.version
        if version != now:
            if not self._untouched(version, now, depends):
                del self._answers[key]
                return None
            self._answers[key] = (now, answer, depends)  # checked up to now: the next ask checks only what follows
        self._answers.move_to_end(key)
        return answer, version != now

    def put(self, key: Key, version: int, answer: Answer, depends: Footprint | None) -> None:
        """Keep the answer computed from ``version`` (the version when its read began), unless one newer is kept."""
        kept = self._answers.get(key)
        if kept is not None and kept[0] > version:
            return
        self._answers[key] = (version, answer, depends)
        self._answers.move_to_end(key)
        while len(self._answers) > self._kept:
            self._answers.popitem(last=False)

    def clear(self) -> None:
        """Forget every answer."""
        self._answers.clear()

    def _untouched(self, since: int, now: int, depends: Footprint | None) -> bool:
        if not depends:
            return False
        writes = list(self._writes)  # one copy, taken under the GIL: the writer thread may append meanwhile
        between = [touched for version, touched in writes if since < version <= now]
        if len(between) != now - since:  # a write no longer logged, or a version with no footprint
            return False
        return all(touched is not None and not (touched & depends) for touched in between)
