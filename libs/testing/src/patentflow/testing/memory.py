"""An in-memory stand-in for PyMongo's async client, on mongomock: what services need of a store, in process.

It answers the same queries and updates (filters, ``$set``/``$push``/``$setOnInsert``, upserts, sorts, counts,
duplicate keys), so in-process tests run the real aggregate store, outbox relay and views. Like FerretDB 1.x it refuses
a stored field name with a dot or a leading ``$`` (a value's own keys written as fields) and an array directly inside
an array: MongoDB takes both, FerretDB answers an error. It is no model of FerretDB's other gaps or of concurrency between processes: those are tested
against the real store.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

import mongomock
from pymongo.errors import WriteError

Document = dict[str, Any]


def _check_names(value: Any, path: str = "") -> None:
    """Refuse what FerretDB refuses: a field name holding a dot or starting with ``$``, an array in an array."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if not isinstance(key, str) or "." in key or key.startswith("$"):
                raise WriteError(f"invalid key: {key!r} at {path or 'the document'} (FerretDB refuses it)", code=2)
            _check_names(inner, f"{path}.{key}" if path else key)
    elif isinstance(value, list | tuple):
        for item in value:
            if isinstance(item, list | tuple):
                raise WriteError(f"nested arrays are not supported, at {path or 'the document'} (FerretDB)", code=2)
            _check_names(item, path)


def _check_update(update: Any) -> None:
    """The values an update writes (its operators and dotted paths are the update's, not stored names)."""
    if not isinstance(update, dict):
        return
    for fields in update.values():
        if isinstance(fields, dict):
            for inner in fields.values():
                _check_names(inner["$each"] if isinstance(inner, dict) and "$each" in inner else inner)


class MemoryCursor:
    """An async cursor over a mongomock cursor."""

    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor

    def sort(self, *args: Any, **kwargs: Any) -> MemoryCursor:
        self._cursor = self._cursor.sort(*args, **kwargs)
        return self

    def skip(self, count: int) -> MemoryCursor:
        self._cursor = self._cursor.skip(count)
        return self

    def limit(self, count: int) -> MemoryCursor:
        self._cursor = self._cursor.limit(count)
        return self

    async def to_list(self, length: int | None = None) -> list[Document]:
        docs = list(self._cursor)
        return docs if length is None else docs[:length]

    def __aiter__(self) -> AsyncIterator[Document]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Document]:
        for doc in self._cursor:
            yield doc


class MemoryCollection:
    """The async methods of ``AsyncCollection`` that the platform uses."""

    def __init__(self, collection: Any) -> None:
        self._c = collection
        self.name: str = collection.name
        self.full_name: str = collection.full_name

    async def find_one(self, *args: Any, **kwargs: Any) -> Document | None:
        found: Document | None = self._c.find_one(*args, **kwargs)
        return found

    def find(self, *args: Any, **kwargs: Any) -> MemoryCursor:
        return MemoryCursor(self._c.find(*args, **kwargs))

    async def insert_one(self, document: Document, *args: Any, **kwargs: Any) -> Any:
        _check_names(document)
        return self._c.insert_one(document, *args, **kwargs)

    async def insert_many(self, documents: Sequence[Document], *args: Any, **kwargs: Any) -> Any:
        for document in documents:
            _check_names(document)
        return self._c.insert_many(list(documents), *args, **kwargs)

    async def update_one(self, query: Document, update: Any, *args: Any, **kwargs: Any) -> Any:
        _check_update(update)
        return self._c.update_one(query, update, *args, **kwargs)

    async def update_many(self, query: Document, update: Any, *args: Any, **kwargs: Any) -> Any:
        _check_update(update)
        return self._c.update_many(query, update, *args, **kwargs)

    async def replace_one(self, query: Document, document: Document, *args: Any, **kwargs: Any) -> Any:
        _check_names(document)
        return self._c.replace_one(query, document, *args, **kwargs)

    async def delete_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._c.delete_many(*args, **kwargs)

    async def delete_one(self, *args: Any, **kwargs: Any) -> Any:
        return self._c.delete_one(*args, **kwargs)

    async def count_documents(self, *args: Any, **kwargs: Any) -> int:
        return int(self._c.count_documents(*args, **kwargs))

    async def create_index(self, *args: Any, **kwargs: Any) -> str:
        return str(self._c.create_index(*args, **kwargs))

    async def bulk_write(self, requests: Sequence[Any], ordered: bool = True, **_: Any) -> None:
        # mongomock's own bulk_write predates PyMongo 4.11's UpdateOne(sort=…); apply the updates one by one.
        for request in requests:
            if type(request).__name__ != "UpdateOne":
                raise NotImplementedError(type(request).__name__)
            _check_update(request._doc)
            self._c.update_one(request._filter, request._doc, upsert=bool(request._upsert))

    async def find_one_and_update(self, query: Document, update: Any, *args: Any, **kwargs: Any) -> Any:
        _check_update(update)
        return self._c.find_one_and_update(query, update, *args, **kwargs)

    async def aggregate(self, *args: Any, **kwargs: Any) -> MemoryCursor:
        return MemoryCursor(iter(list(self._c.aggregate(*args, **kwargs))))


class MemoryDatabase:
    """A database of memory collections."""

    def __init__(self, database: Any) -> None:
        self._db = database
        self._collections: dict[str, MemoryCollection] = {}

    def __getitem__(self, name: str) -> MemoryCollection:
        if name not in self._collections:
            self._collections[name] = MemoryCollection(self._db[name])
        return self._collections[name]

    async def command(self, name: str, *args: Any, **kwargs: Any) -> Document:
        if name in ("ping", "buildInfo"):
            return {"ok": 1.0, "version": "7.0.0-memory"}
        raise NotImplementedError(name)


class MemoryMongo:
    """The client: databases by name, ``admin.command("ping")``, ``close()``."""

    def __init__(self) -> None:
        self._client: Any = mongomock.MongoClient(tz_aware=True)
        self._databases: dict[str, MemoryDatabase] = {}
        self.admin = self["admin"]

    def __getitem__(self, name: str) -> MemoryDatabase:
        if name not in self._databases:
            self._databases[name] = MemoryDatabase(self._client[name])
        return self._databases[name]

    async def close(self) -> None:
        """Nothing to release."""
