"""Id sets by ``_id``: a log of changes in small chunks, idempotent, a member both added and removed stays in, chunks
listed before they are written, commands kept small for FerretDB, pages by id."""

from __future__ import annotations

from typing import Any

import pytest

from patentflow.kit.idsets import STATEMENTS_PER_COMMAND, IdSets, by_ids, chunk_id, head
from patentflow.testing.memory import MemoryMongo


def sets(chunk: int = 1000) -> IdSets:
    return IdSets(MemoryMongo()["test"]["sets"], chunk)  # type: ignore[arg-type]


async def test_changes_repeat_without_effect_and_each_set_holds_exactly_its_members() -> None:
    index = sets()
    await index.change({"A": ["1", "2", "3"], "B": ["9"]})
    await index.change({"A": ["3", "2", "4"]})  # again, and one more
    await index.change({}, {"A": ["1", "7"]})  # one of its members, and one it never had
    await index.change({"A": ["5"]}, {"A": ["5", "2"]})  # 5 added and removed at once: stays in; 2 removed
    assert await index.members("A") == ["3", "4", "5"]
    assert await index.members("B") == ["9"]
    assert await index.members("C") == []
    assert not await index.built()
    await index.mark_built(4)
    assert await index.built()
    assert await index.members("built") == []  # the mark is no set's document


async def test_a_change_fills_the_last_chunk_then_opens_new_ones_and_the_head_counts_them() -> None:
    index = sets(chunk=10)
    await index.change({"A": [f"a{i}" for i in range(7)]})
    await index.change({"A": [f"b{i}" for i in range(25)]})  # 3 more fill chunk 0; then 10, 10 and 2
    docs = {d["_id"]: d async for d in index.collection.find({})}
    assert docs[head("A")]["chunks"] == 4
    assert [docs[chunk_id("A", i)]["size"] for i in range(4)] == [10, 10, 10, 2]
    assert all(len(docs[chunk_id("A", i)]["entries"]) == docs[chunk_id("A", i)]["size"] for i in range(4))
    assert len(await index.members("A")) == 32


async def test_another_process_reads_what_this_one_wrote_and_appends_after_it() -> None:
    # a restart, or a second process of a consumer group: no cache, the tail read from the store
    first = sets(chunk=10)
    await first.change({"A": [f"a{i}" for i in range(14)]}, {})
    second = IdSets(first.collection, 10)
    await second.change({"A": ["x", "y"]}, {"A": ["a3"]})
    await first.change({"A": ["z"]}, {"A": ["a4"]})  # its cached tail is stale: it appends to the chunk it knew
    expected = sorted({f"a{i}" for i in range(14)} - {"a3", "a4"} | {"x", "y", "z"})
    assert await first.members("A") == expected
    assert await IdSets(first.collection, 10).members("A") == expected


async def test_a_listed_chunk_that_was_never_written_is_skipped_and_written_by_the_next_change() -> None:
    index = sets(chunk=10)
    await index.change({"A": [f"a{i}" for i in range(10)]})
    await index.collection.update_one({"_id": head("A")}, {"$max": {"chunks": 2}})  # a crash after the head's write
    assert len(await index.members("A")) == 10
    fresh = IdSets(index.collection, 10)
    await fresh.change({"A": ["b"]})
    assert await fresh.collection.find_one({"_id": chunk_id("A", 1)}) is not None
    assert "b" in await fresh.members("A")


class Recording:
    """A collection that records each bulk write's statements, and can fail one."""

    def __init__(self, inner: Any, fail_at: int | None = None) -> None:
        self.inner, self.fail_at, self.commands = inner, fail_at, []  # type: ignore[var-annotated]

    async def bulk_write(self, writes: list[Any], ordered: bool = True) -> Any:
        self.commands.append([w._doc for w in writes])
        if len(self.commands) == self.fail_at:
            raise ConnectionError("the store went away")
        return await self.inner.bulk_write(writes, ordered=ordered)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


async def test_no_command_has_more_statements_than_ferretdb_can_hold_and_heads_come_first() -> None:
    recording = Recording(MemoryMongo()["test"]["sets"])
    index = IdSets(recording, 5)  # type: ignore[arg-type]
    await index.change({f"inst{n}": [f"p{n}-{i}" for i in range(12)] for n in range(40)})  # 40 heads + 120 chunks
    assert sum(map(len, recording.commands)) == 160
    assert max(map(len, recording.commands)) <= STATEMENTS_PER_COMMAND
    statements = [s for command in recording.commands for s in command]
    first_chunk = next(i for i, s in enumerate(statements) if "$push" in s)
    assert first_chunk == 40
    assert all("$max" in s for s in statements[:first_chunk])
    assert await index.members("inst7") == sorted(f"p7-{i}" for i in range(12))


async def test_a_failed_write_forgets_the_cached_tails_and_the_retry_ends_complete() -> None:
    recording = Recording(MemoryMongo()["test"]["sets"], fail_at=2)
    index = IdSets(recording, 5)  # type: ignore[arg-type]
    change = {f"inst{n}": [f"p{n}-{i}" for i in range(12)] for n in range(40)}
    with pytest.raises(ConnectionError):
        await index.change(change)
    await index.change(change)  # the consumer retries the batch
    for n in range(40):
        assert await index.members(f"inst{n}") == sorted(f"p{n}-{i}" for i in range(12))


async def test_documents_by_id_come_a_page_at_a_time_and_missing_ones_are_left_out() -> None:
    collection = MemoryMongo()["test"]["docs"]
    await collection.insert_many([{"_id": f"d{i}", "v": i} for i in range(5)])
    pages = [page async for page in by_ids(collection, ["d0", "d1", "x", "d3", "d4"], {"v": 1}, page=2)]  # type: ignore[arg-type]
    assert [[d["_id"] for d in page] for page in pages] == [["d0", "d1"], ["d3"], ["d4"]]
