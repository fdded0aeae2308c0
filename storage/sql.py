"""The few dialect-specific SQL constructs, chosen by the connection's dialect, so repositories stay portable."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection


def dialect_insert(conn: AsyncConnection, table: sa.Table) -> sqlite.Insert | postgresql.Insert:
    """An INSERT for the connection's dialect, which offers on_conflict_do_nothing/on_conflict_do_update."""
    name = conn.dialect.name
    if name == "sqlite":
        return sqlite.insert(table)
    if name == "postgresql":
        return postgresql.insert(table)
    raise NotImplementedError(f"unsupported database dialect: {name}")


async def insert_ignore(
    conn: AsyncConnection, table: sa.Table, values: Mapping[str, Any], *, conflict: Sequence[str]
) -> bool:
    """INSERT … ON CONFLICT (conflict columns) DO NOTHING; True when the row was inserted."""
    stmt = dialect_insert(conn, table).values(dict(values)).on_conflict_do_nothing(index_elements=list(conflict))
    result = await conn.execute(stmt)
    return result.rowcount == 1
