"""Named sets of ids kept in small documents read and written by ``_id``: how a service finds "every patent of this
institution" or "every patent in the pool" without a filter, which FerretDB answers by decoding the whole
collection (over a minute at 1 000 000 documents).

A set is a log of its changes, appended to chunk documents (``_id`` ``<name>/<chunk>``, entries ``+id`` and ``-id``
in ``entries``) of at most about ``chunk`` entries each; a head document (``<name>/head``) says how many chunks there
are. Reading replays the chunks in order, so a repeated change changes nothing. A change appends to the last chunk
(``$push``), and opens the next ones when it is full, listing them in the head first: a crash between the two leaves
at most a listed chunk that is missing, which reading skips and the next change creates. On MongoDB every write is
atomic, so the processes of a consumer group can share a set: one that appends to a chunk another has filled
overfills it a little, and the entries of one id (one partition, one process) stay in order.

Why a log, not buckets by a hash of the id: FerretDB rewrites a whole document on every update, and its ``$addToSet``
compares each new member with every present one. Sixteen hash buckets per set made one change of 150 members to a
set of 90 000 cost the store 440 ms of CPU (38 ms at 15 000): a large institution's index became the platform's
largest user of CPU. 1 024 buckets kept each document small but made a change one update per member, about 0.8 ms
of the store's CPU each. Appending costs one update of one small document per set and change, whatever the set's
size (``bench/idsets_bench.py``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence

from pymongo import UpdateOne
from pymongo.asynchronous.collection import AsyncCollection

from patentflow.kit.decisions import Document

CHUNK = 1000  # entries a chunk takes before the next one opens (about 20 KB)
# The log layout: a store indexed by the first one (16 hash buckets ``<name>/NN``, whose ids these never reuse) is not
# "built" for it and is indexed again from a scan, once.
_BUILT = "built/log"
PAGE = 200  # documents read by id at once (one gather on the connection pool)
# FerretDB 1.24 keeps one SQLite connection for each update statement of a command that found its document, until the
# whole command ends, and its pool holds 100 a database: a command of more than 100 such statements waits forever
# (measured: one bulk write of 102 updates of existing documents hung the database). No command here has more.
STATEMENTS_PER_COMMAND = 50


def head(name: str) -> str:
    """The ``_id`` of the document that counts set ``name``'s chunks."""
    return f"{name}/head"


def chunk_id(name: str, index: int) -> str:
    """The ``_id`` of chunk ``index`` of set ``name``."""
    return f"{name}/{index:06d}"


class IdSets:
    """The sets of one collection, changed one change at a time in this process."""

    def __init__(self, collection: AsyncCollection[Document], chunk: int = CHUNK) -> None:
        self.collection = collection
        self.chunk = chunk
        # FerretDB 1.x applies an update by reading the document and writing it back: two updates of one document at
        # once (a batch applied event by event, 32 at a time; a replay) could lose one. One change at a time.
        self._lock = asyncio.Lock()
        self._tails: dict[str, tuple[int, int]] = {}  # name: (last chunk, its entries), as this process last wrote
        self._listed: dict[str, int] = {}  # name: chunks the head lists, as far as this process knows

    async def change(self, added: Mapping[str, Iterable[str]] = {}, removed: Mapping[str, Iterable[str]] = {}) -> None:
        """Add and remove members of sets by name; a member both added and removed stays in."""
        logs: dict[str, list[str]] = {}
        for name in {*added, *removed}:
            adds = dict.fromkeys(added.get(name, ()))  # in order, once each
            entries = [f"-{m}" for m in dict.fromkeys(removed.get(name, ())) if m not in adds]
            entries += [f"+{m}" for m in adds]
            if entries:
                logs[name] = entries
        if not logs:
            return
        async with self._lock:
            unknown = [name for name in logs if name not in self._tails]
            for name, tail in zip(unknown, await asyncio.gather(*(self._read_tail(n) for n in unknown)), strict=True):
                self._tails[name] = tail
            heads: list[UpdateOne] = []
            chunks: list[UpdateOne] = []
            after: dict[str, tuple[tuple[int, int], int]] = {}
            for name, entries in logs.items():
                index, size = self._tails[name]
                pieces: list[tuple[int, list[str]]] = []
                room = max(0, self.chunk - size)
                if room:
                    pieces.append((index, entries[:room]))
                    entries = entries[room:]
                for start in range(0, len(entries), self.chunk):
                    index += 1
                    pieces.append((index, entries[start : start + self.chunk]))
                if index + 1 > self._listed.get(name, 0):  # the head first: no chunk is written before it is listed
                    heads.append(UpdateOne({"_id": head(name)}, {"$max": {"chunks": index + 1}}, upsert=True))
                for i, piece in pieces:
                    if piece:
                        chunks.append(
                            UpdateOne(
                                {"_id": chunk_id(name, i)},
                                {"$push": {"entries": {"$each": piece}}, "$inc": {"size": len(piece)}},
                                upsert=True,
                            )
                        )
                last = pieces[-1]
                after[name] = ((last[0], (size if last[0] == self._tails[name][0] else 0) + len(last[1])), index + 1)
            writes = heads + chunks
            try:
                for start in range(0, len(writes), STATEMENTS_PER_COMMAND):
                    await self.collection.bulk_write(writes[start : start + STATEMENTS_PER_COMMAND], ordered=True)
            except BaseException:
                for name in logs:  # what was written is unknown now: read again next time
                    self._tails.pop(name, None)
                    self._listed.pop(name, None)
                raise
            for name, (tail, listed) in after.items():
                self._tails[name] = tail
                self._listed[name] = max(listed, self._listed.get(name, 0))

    async def _read_tail(self, name: str) -> tuple[int, int]:
        found = await self.collection.find_one({"_id": head(name)})
        chunks = int((found or {}).get("chunks", 0))
        self._listed[name] = chunks
        if chunks == 0:
            return 0, 0
        last = await self.collection.find_one({"_id": chunk_id(name, chunks - 1)}, {"size": 1})
        return chunks - 1, int((last or {}).get("size", 0))

    async def members(self, name: str) -> list[str]:
        """The members of set ``name``, sorted."""
        found = await self.collection.find_one({"_id": head(name)})
        ids = [chunk_id(name, i) for i in range(int((found or {}).get("chunks", 0)))]
        present: dict[str, None] = {}
        async for page in by_ids(self.collection, ids, {"entries": 1}):
            for doc in page:  # in chunk order; a missing chunk (a crash before its write) is skipped
                for entry in doc.get("entries", ()):
                    if entry[0] == "+":
                        present[entry[1:]] = None
                    else:
                        present.pop(entry[1:], None)
        return sorted(present)

    async def built(self) -> bool:
        """Whether the sets were filled from a scan already (or started empty with the store)."""
        return await self.collection.find_one({"_id": _BUILT}) is not None

    async def mark_built(self, members: int) -> None:
        """Mark the sets filled; ``members`` says how many the scan found."""
        await self.collection.update_one({"_id": _BUILT}, {"$set": {"members": members}}, upsert=True)


async def by_ids(
    collection: AsyncCollection[Document], ids: Sequence[str], fields: Document | None = None, page: int = PAGE
) -> AsyncIterator[list[Document]]:
    """The documents of ``ids`` (those that exist), in the order of ``ids``, a page at a time, each read by ``_id``."""
    for start in range(0, len(ids), page):
        found = await asyncio.gather(*(collection.find_one({"_id": i}, fields) for i in ids[start : start + page]))
        yield [doc for doc in found if doc is not None]
