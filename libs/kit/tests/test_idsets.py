"""Id sets by ``_id``: stable buckets, idempotent changes, a member both added and removed stays in, pages by id."""

from __future__ import annotations

import zlib

from patentflow.kit.idsets import IdSets, by_ids
from patentflow.testing.memory import MemoryMongo


def sets() -> IdSets:
    return IdSets(MemoryMongo()["test"]["sets"])  # type: ignore[arg-type]


def test_a_member_always_falls_in_the_same_document() -> None:
    # crc32, not Python's hash(): a process started with another hash seed must find the same document
    index = sets()
    assert index.bucket("A", "201910000001.4") == f"A/{zlib.crc32(b'201910000001.4') % index.buckets:02d}"
    assert len({index.bucket("A", f"n{s}") for s in range(400)}) == index.buckets


async def test_changes_repeat_without_effect_and_each_set_holds_exactly_its_members() -> None:
    index = sets()
    await index.change({"A": ["1", "2", "3"], "B": ["9"]})
    await index.change({"A": ["3", "2", "4"]})  # again, and one more
    await index.change({}, {"A": ["1", "7"]})  # one of its members, and one it never had
    await index.change({"A": ["5"]}, {"A": ["5", "2"]})  # 5 added and removed at once: stays in; 2 removed
    assert await index.members("A") == ["3", "4", "5"]
    assert await index.members("B") == ["9"]
    assert await index.members("C") == []
    documents = await index.collection.find({}).to_list()
    assert all(len(d["members"]) == len(set(d["members"])) for d in documents)
    assert not await index.built()
    await index.mark_built(4)
    assert await index.built()
    assert await index.members("built") == []  # the mark is no set's document


async def test_documents_by_id_come_a_page_at_a_time_and_missing_ones_are_left_out() -> None:
    collection = MemoryMongo()["test"]["docs"]
    await collection.insert_many([{"_id": f"d{i}", "v": i} for i in range(5)])
    pages = [page async for page in by_ids(collection, ["d0", "d1", "x", "d3", "d4"], {"v": 1}, page=2)]  # type: ignore[arg-type]
    assert [[d["_id"] for d in page] for page in pages] == [["d0", "d1"], ["d3"], ["d4"]]
