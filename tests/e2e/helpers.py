"""Polling helpers for end-to-end tests."""

from __future__ import annotations

import asyncio
import time

import httpx


async def eventually_get(
    http: httpx.AsyncClient, url: str, headers: dict[str, str], *, timeout: float = 20.0, until: int = 200
) -> httpx.Response:
    """GET until the status is ``until`` (the read model is eventually consistent)."""
    deadline = time.monotonic() + timeout
    response = await http.get(url, headers=headers)
    while response.status_code != until and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
        response = await http.get(url, headers=headers)
    return response
