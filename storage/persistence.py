"""Rows of the bot's persistent state (user_data, chat_data, conversation states) in `bot_persistence`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import tables as t
from storage.sql import dialect_insert

_TABLE = t.bot_persistence
KIND_MAX = int(getattr(_TABLE.c.kind.type, "length", 0) or 0)
KEY_MAX = int(getattr(_TABLE.c.key.type, "length", 0) or 0)


def _check(kind: str, key: str | None = None) -> None:
    """Reject a kind or key longer than its column, on every backend (SQLite would silently accept it)."""
    if not kind or len(kind) > KIND_MAX:
        raise ValueError(f"bot_persistence kind {kind!r} must be 1..{KIND_MAX} characters")
    if key is not None and len(key) > KEY_MAX:
        raise ValueError(f"bot_persistence key {key!r} is longer than {KEY_MAX} characters")


async def load_all(conn: AsyncConnection, kind: str) -> dict[str, Any]:
    """Every stored key of one kind with its JSON data."""
    _check(kind)
    rows = await conn.execute(sa.select(_TABLE.c.key, _TABLE.c.data).where(_TABLE.c.kind == kind))
    return {key: data for key, data in rows.all()}


async def load_diubah(conn: AsyncConnection, kind: str) -> dict[str, datetime | None]:
    """When each stored key of one kind was last written (None for a row written before that was recorded)."""
    _check(kind)
    rows = await conn.execute(sa.select(_TABLE.c.key, _TABLE.c.diubah).where(_TABLE.c.kind == kind))
    return {key: diubah for key, diubah in rows.all()}


async def upsert(conn: AsyncConnection, kind: str, key: str, data: Any, *, now: datetime | None = None) -> None:
    """Insert or replace the JSON data stored under (kind, key)."""
    await upsert_many(conn, [(kind, key, data)], now=now)


async def delete(conn: AsyncConnection, kind: str, key: str) -> None:
    """Remove the row stored under (kind, key), if any."""
    await delete_many(conn, [(kind, key)])


async def upsert_many(conn: AsyncConnection, rows: Sequence[tuple[str, str, Any]], *,
                      now: datetime | None = None) -> None:
    """Insert or replace several (kind, key, data) rows with one statement (executed in the order given), each
    marked as written ``now``."""
    for kind, key, data in rows:
        _check(kind, key)
        if data is None:
            raise ValueError("bot_persistence data must not be None; delete the row instead")
    if rows:
        await conn.execute(_upsert(conn),
                           [{"kind": kind, "key": key, "data": data, "diubah": now} for kind, key, data in rows])


_UPSERT: dict[str, Any] = {}


def _upsert(conn: AsyncConnection) -> Any:
    """The upsert statement for the connection's dialect, built once (every persistence write uses it)."""
    stmt = _UPSERT.get(conn.dialect.name)
    if stmt is None:
        stmt = dialect_insert(conn, _TABLE)
        stmt = _UPSERT[conn.dialect.name] = stmt.on_conflict_do_update(
            index_elements=["kind", "key"], set_={"data": stmt.excluded.data, "diubah": stmt.excluded.diubah})
    return stmt


_DELETE = sa.delete(_TABLE).where(_TABLE.c.kind == sa.bindparam("k"), _TABLE.c.key == sa.bindparam("kk"))


async def delete_many(conn: AsyncConnection, pairs: Sequence[tuple[str, str]]) -> None:
    """Remove the rows stored under these (kind, key) pairs, if any, with one statement (in the order given)."""
    for kind, key in pairs:
        _check(kind, key)
    if pairs:
        await conn.execute(_DELETE, [{"k": kind, "kk": key} for kind, key in pairs])
