"""Conditional writes on the real store, both ways: one guarded write (MongoDB) and read-check-write (FerretDB)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection

from patentflow.kit.guarded import GuardedUpdate, GuardedWrites, holds, uses_compound_indexes
from patentflow.testing.infrastructure import Infrastructure


@pytest.fixture(params=["chosen-for-this-store", "read-check-write"])
async def writes(request: pytest.FixtureRequest, mongo: AsyncMongoClient[dict[str, Any]]) -> GuardedWrites:
    """The strategy the runtime picks for the connected store, and the read-check-write one explicitly.

    A single guarded update_one is atomic on MongoDB; FerretDB 1.x filters in Go and then updates by _id, so
    concurrent writers can both pass its filter: the runtime never relies on that there.
    """
    if request.param == "read-check-write":
        return GuardedWrites(compound=False)
    chosen = GuardedWrites()
    await chosen.configure(mongo)
    return chosen


@pytest.fixture
async def collection(
    mongo: AsyncMongoClient[dict[str, Any]], unique: str
) -> AsyncIterator[AsyncCollection[dict[str, Any]]]:
    db = mongo[f"guarded_{unique}"]
    yield db["docs"]
    await mongo.drop_database(db.name)


async def test_concurrent_writers_on_one_version_let_exactly_one_through(
    writes: GuardedWrites, collection: AsyncCollection[dict[str, Any]]
) -> None:
    await collection.insert_one({"_id": "a", "version": 1, "writer": None})

    results = await asyncio.gather(
        *[writes.update_if(collection, "a", {"version": 1}, {"$set": {"version": 2, "writer": n}}) for n in range(10)]
    )

    doc = await collection.find_one({"_id": "a"})
    assert results.count(True) == 1
    assert doc is not None
    assert doc["version"] == 2
    assert doc["writer"] == results.index(True)


async def test_upsert_guarded_by_absence_creates_once(
    writes: GuardedWrites, collection: AsyncCollection[dict[str, Any]]
) -> None:
    first = await writes.update_if(collection, "b", {"seq.x": {"$exists": False}}, {"$set": {"seq.x": 1}}, upsert=True)
    second = await writes.update_if(collection, "b", {"seq.x": {"$exists": False}}, {"$set": {"seq.x": 9}}, upsert=True)
    missing = await writes.update_if(collection, "c", {"seq.x": 1}, {"$set": {"seq.x": 2}})

    assert (first, second, missing) == (True, False, False)
    assert await collection.find_one({"_id": "b"}) == {"_id": "b", "seq": {"x": 1}}
    assert await collection.find_one({"_id": "c"}) is None


async def test_batch_applies_only_the_updates_whose_guard_holds(
    writes: GuardedWrites, collection: AsyncCollection[dict[str, Any]]
) -> None:
    await collection.insert_many([{"_id": "d", "version": 1, "mark": 0}, {"_id": "e", "version": 5, "mark": 3}])

    await writes.update_many_if(
        collection,
        [
            GuardedUpdate("d", {"version": 1}, {"$set": {"cleared": True}}),
            GuardedUpdate("e", {"version": 1}, {"$set": {"cleared": True}}),
            GuardedUpdate("e", {"mark": {"$lt": 4}}, {"$set": {"mark": 4}}),
        ],
    )

    assert await collection.find_one({"_id": "d"}) == {"_id": "d", "version": 1, "mark": 0, "cleared": True}
    assert await collection.find_one({"_id": "e"}) == {"_id": "e", "version": 5, "mark": 4}


async def test_detects_which_store_it_talks_to(
    mongo: AsyncMongoClient[dict[str, Any]], infrastructure: Infrastructure
) -> None:
    compound = await uses_compound_indexes(mongo)

    if infrastructure.provider.startswith("local processes"):
        assert compound is False  # FerretDB
    elif infrastructure.provider == "testcontainers":
        assert compound is True  # mongo:7
    else:
        info = await mongo.admin.command("buildInfo")
        assert compound is ("ferretdbVersion" not in info)


def test_guard_matching_follows_mongodb_semantics() -> None:
    doc = {"version": 3, "seq": {"inventory": 2}}

    assert holds(doc, {"version": 3, "seq.inventory": 2})
    assert not holds(doc, {"version": 4})
    assert holds(doc, {"seq.pledge": {"$exists": False}})
    assert not holds(doc, {"seq.inventory": {"$exists": False}})
    assert holds(doc, {"version": {"$lt": 4}})
    assert not holds(doc, {"version": {"$lt": 3}})
    assert not holds(None, {"version": 3})
    assert holds(None, {"version": {"$exists": False}})
    assert holds(doc, {"version": {"$in": [2, 3]}})
    assert not holds(doc, {"version": {"$in": [4]}})
    assert holds(doc, {"missing": {"$in": [None, 1]}})  # as in MongoDB: null in $in matches a missing field
    assert not holds(doc, {"missing": {"$in": [1]}})
    assert holds(doc, {"missing": None})  # null matches a missing field
    assert not holds(doc, {"version": None})
