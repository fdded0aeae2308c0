"""What the bot learned about itself from Telegram (its @username), kept so the command line uses the same name."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import tables as t
from storage.sql import dialect_insert

KUNCI_USERNAME = "bot_username"


async def simpan_username(conn: AsyncConnection, username: str) -> None:
    """Remember the bot's @username as Telegram's getMe gave it (written only when it changed)."""
    if await username_bot(conn) == username:
        return
    stmt = dialect_insert(conn, t.app_settings).values(key=KUNCI_USERNAME, value=username)
    await conn.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={"value": username}))


async def username_bot(conn: AsyncConnection) -> str | None:
    """The bot's @username as last learned from Telegram, or None before the bot has run."""
    nilai = (await conn.execute(sa.select(t.app_settings.c.value)
                                .where(t.app_settings.c.key == KUNCI_USERNAME))).scalar()
    return nilai if isinstance(nilai, str) and nilai else None
