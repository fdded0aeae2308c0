"""Long row-by-row checks that give the event loop its turn, so an import of 200.000 rows does not stall the bot."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from typing import TypeVar

T = TypeVar("T")

SETIAP = 500  # rows between turns: a few milliseconds of checking at most


async def bergiliran(rows: Iterable[T], setiap: int = SETIAP) -> AsyncIterator[T]:
    """Yield the rows, letting other tasks run every ``setiap`` rows."""
    for i, row in enumerate(rows, 1):
        yield row
        if i % setiap == 0:
            await asyncio.sleep(0)
