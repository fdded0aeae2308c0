"""Concurrent update processing that keeps each user's updates in order.

Telegram is ~150 ms away, so handling updates one at a time caps a bot at a few updates per second. This
processor runs updates of different users side by side (bounded) while the updates of one user (or chat) wait
for each other, so a conversation never sees its steps out of order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


def kunci(update: object) -> int | None:
    """The ordering key of an update: the user, else the chat (None: no ordering needed)."""
    if isinstance(update, Update):
        if update.effective_user is not None:
            return update.effective_user.id
        if update.effective_chat is not None:
            return update.effective_chat.id
    return None


class PerUserUpdateProcessor(BaseUpdateProcessor):
    """At most `max_concurrent_updates` at once; one user's updates strictly one after another."""

    def __init__(self, max_concurrent_updates: int = 64) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the update after the same user's earlier updates have finished."""
        key = kunci(update)
        if key is None:
            await coroutine
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._waiting[key] -= 1
            if self._waiting[key] == 0:  # forget idle users so memory stays flat
                del self._waiting[key]
                del self._locks[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to free."""
