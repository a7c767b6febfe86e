"""The MongoDB client factory: PyMongo's async API (Motor is end-of-life)."""

from __future__ import annotations

from pymongo import AsyncMongoClient

from patentflow.kit.decisions import Document
from patentflow.kit.settings import ServiceSettings

__all__ = ["Document", "make_mongo_client"]


def make_mongo_client(settings: ServiceSettings) -> AsyncMongoClient[Document]:
    """A client for the service's store; TLS and auth come from the URL (``tls=true``, credentials)."""
    return AsyncMongoClient(
        settings.mongodb_url.get_secret_value(),
        tz_aware=True,
        uuidRepresentation="standard",
        appname=f"patentflow-{settings.service_name}",
        serverSelectionTimeoutMS=10_000,
    )
