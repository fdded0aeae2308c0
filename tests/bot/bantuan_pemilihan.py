"""An election event running on a given day (for tests that run Pantau on the real clock)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine

from storage import demo_kini


async def pemilihan_hari_ini(engine: AsyncEngine, hari: date | None = None) -> None:
    """The demo's live event (voting in three days) around ``hari`` (today), put in force."""
    wib = ZoneInfo("Asia/Jakarta")
    async with engine.begin() as conn:
        await demo_kini._pemilihan_langsung(conn, hari or datetime.now(wib).date(), wib, datetime.now(UTC))
