"""Id sets on the real store: a change that touches many sets at once finishes (FerretDB 1.24 hangs a command of
more than 100 updates of existing documents, so the kit never sends one), and two writers of one set lose nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection

from patentflow.kit.idsets import IdSets


@pytest.fixture
async def collection(
    mongo: AsyncMongoClient[dict[str, Any]], unique: str
) -> AsyncIterator[AsyncCollection[dict[str, Any]]]:
    db = mongo[f"idsets_{unique}"]
    yield db["sets"]
    await mongo.drop_database(db.name)


async def test_a_change_of_many_sets_with_existing_chunks_finishes_and_reads_back(
    collection: AsyncCollection[dict[str, Any]],
) -> None:
    index = IdSets(collection)
    first = {f"inst{n:03d}": [f"a{n}-{i}" for i in range(20)] for n in range(150)}
    await asyncio.wait_for(index.change(first), 60)
    # 150 updates of existing chunks: one command of them would wait forever on FerretDB 1.24
    second = {f"inst{n:03d}": [f"b{n}-{i}" for i in range(5)] for n in range(150)}
    await asyncio.wait_for(IdSets(collection).change(second, {"inst007": ["a7-0"]}), 60)
    assert await index.members("inst007") == sorted([f"a7-{i}" for i in range(1, 20)] + [f"b7-{i}" for i in range(5)])
    assert len(await index.members("inst149")) == 25


async def test_two_writers_of_one_set_in_turn_lose_nothing(collection: AsyncCollection[dict[str, Any]]) -> None:
    # two processes of one consumer group: each its own cache of the last chunk, chunks of 50 entries
    one, two = IdSets(collection, 50), IdSets(collection, 50)
    expected: set[str] = set()
    for round_ in range(12):
        for writer, tag in ((one, "x"), (two, "y")):
            members = [f"{tag}{round_}-{i}" for i in range(17)]
            await writer.change({"pool": members}, {"pool": [f"{tag}{round_ - 1}-0"]})
            expected |= set(members)
            expected.discard(f"{tag}{round_ - 1}-0")
    assert await IdSets(collection, 50).members("pool") == sorted(expected)
