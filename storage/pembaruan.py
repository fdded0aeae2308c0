"""Updates handled by the webhook workers, and the bot state one update needs, read in one query.

Telegram delivers a webhook update again when the answer is late or lost, and behind a load balancer the copy
may reach another worker: the first worker to record an update id handles it, every copy is dropped
(``catat``). An update whose user belongs to another worker's partition is recorded with its JSON for that
worker (``teruskan``), which takes it from there (``ambil_antrean``); the owner's own record of an update says
whether such updates of the partition still wait (``catat_di_partisi``), and an update it held behind them goes
back to the table if it loses the partition first (``kembalikan``). The rows also say whether a user has a
newer update than the one a conversation timeout was set for (``ada_yang_lebih_baru``): another worker moved
that conversation on, so the old timeout is stale. Rows older than Telegram's 24-hour retention (we keep 48 h)
are removed by ``bersihkan``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import tables as t
from storage.sql import insert_ignore

_P = t.processed_updates
SALURAN = "pantau_pembaruan"  # the PostgreSQL channel announcing a forwarded update (its partition as payload)
_B = t.bot_persistence


# On PostgreSQL the webhook's statements are sent as written (one to three per update, on every worker): the same
# rows as the Core statements, without building and keying a statement each time.
_CATAT = ("INSERT INTO processed_updates (update_id, user_id, received_at) VALUES ($1, $2, $3) "
          "ON CONFLICT (update_id) DO NOTHING RETURNING ")
_CATAT_PG = _CATAT + "update_id"
# The same record, and whether updates forwarded to the update's partition before it still wait in the table
_CATAT_PARTISI_PG = _CATAT + ("EXISTS (SELECT 1 FROM processed_updates "
                              "WHERE NOT diambil AND partisi = $4::smallint AND update_id < $1)")
_UMUMKAN = f"SELECT pg_notify('{SALURAN}', partisi::text) FROM k"  # announce the rows of CTE k to their owner
_TERUSKAN_PG = ("WITH k AS (INSERT INTO processed_updates (update_id, user_id, received_at, partisi, isi, diambil) "
                "VALUES ($1, $2, $3, $4, $5, false) ON CONFLICT (update_id) DO NOTHING RETURNING partisi) " + _UMUMKAN)
_KEMBALIKAN_PG = ("WITH k AS (UPDATE processed_updates SET partisi = $2, isi = $3, diambil = false "
                  "WHERE update_id = $1 RETURNING partisi) " + _UMUMKAN)
_AMBIL_PG = ("UPDATE processed_updates SET diambil = true WHERE update_id IN (SELECT update_id FROM processed_updates "
             "WHERE NOT diambil AND partisi = ANY($1::smallint[]) ORDER BY update_id LIMIT $2 FOR UPDATE SKIP LOCKED) "
             "RETURNING update_id, partisi, isi")


def _utc_naif(now: datetime) -> datetime:
    """A time as the UTCDateTime columns store it (naive UTC)."""
    return t.UTCDateTime().process_bind_param(now, None)  # type: ignore[arg-type, return-value]


async def catat(conn: AsyncConnection, update_id: int, user_id: int | None, *, now: datetime) -> bool:
    """Record an update id handled where it arrived; False when it was already recorded (a redelivery: drop it)."""
    if conn.dialect.name == "postgresql":
        rows = await conn.exec_driver_sql(_CATAT_PG, (update_id, user_id, _utc_naif(now)))
        return rows.first() is not None
    return await insert_ignore(conn, _P, {"update_id": update_id, "user_id": user_id, "received_at": now},
                               conflict=["update_id"])


async def catat_di_partisi(conn: AsyncConnection, update_id: int, user_id: int | None, *, partisi: int,
                           now: datetime) -> tuple[bool, bool]:
    """As :func:`catat` (PostgreSQL), for an update its partition's owner received: (recorded, whether updates
    forwarded to that partition before it wait in the table, not taken yet)."""
    row = (await conn.exec_driver_sql(_CATAT_PARTISI_PG, (update_id, user_id, _utc_naif(now), partisi))).first()
    return (False, False) if row is None else (True, bool(row[0]))


async def kembalikan(conn: AsyncConnection, update_id: int, *, partisi: int, isi: str) -> bool:
    """Put a recorded update back in the table for the owner of its partition, announced as a forwarded one is
    (PostgreSQL); False when its record is gone."""
    rows = await conn.exec_driver_sql(_KEMBALIKAN_PG, (update_id, partisi, isi))
    return rows.first() is not None


async def teruskan(conn: AsyncConnection, update_id: int, user_id: int | None, *, partisi: int, isi: str,
                   now: datetime) -> bool:
    """Record an update for the owner of its partition and wake the workers listening on ``SALURAN`` (PostgreSQL
    only), in one statement; False when it was already recorded (a redelivery: drop it)."""
    rows = await conn.exec_driver_sql(_TERUSKAN_PG, (update_id, user_id, _utc_naif(now), partisi, isi))
    return rows.first() is not None


async def ambil_antrean(conn: AsyncConnection, partisi: Collection[int], *, batas: int = 500
                        ) -> list[tuple[int, int, str]]:
    """Take the forwarded updates waiting in these partitions (PostgreSQL), oldest first: (update id, partition,
    JSON) each, marked taken in the same statement (a worker taking them at the same moment skips the rows locked
    here)."""
    if not partisi:
        return []
    rows = await conn.exec_driver_sql(_AMBIL_PG, (sorted(partisi), batas))
    hasil: list[tuple[Any, ...]] = [tuple(r) for r in rows.all()]
    return sorted((int(uid), int(p), str(isi)) for uid, p, isi in hasil)


async def jumlah_antrean(conn: AsyncConnection) -> int:
    """How many forwarded updates no worker has taken yet."""
    return int((await conn.execute(sa.select(sa.func.count()).select_from(_P).where(~_P.c.diambil))).scalar_one())


async def ada_yang_lebih_baru(conn: AsyncConnection, user_id: int, update_id: int) -> bool:
    """Whether any worker received an update of this user after ``update_id``."""
    row = await conn.execute(sa.select(_P.c.update_id).where(_P.c.user_id == user_id, _P.c.update_id > update_id)
                             .limit(1))
    return row.first() is not None


async def bersihkan(conn: AsyncConnection, *, sebelum: datetime) -> int:
    """Forget update ids received before ``sebelum``; how many rows went."""
    return int((await conn.execute(sa.delete(_P).where(_P.c.received_at < sebelum))).rowcount or 0)


async def muat_status(conn: AsyncConnection, pasangan: Iterable[tuple[str, str]]
                      ) -> dict[tuple[str, str], tuple[Any, datetime | None]]:
    """The stored bot state (``bot_persistence`` data, and when it was written) of the given (kind, key) pairs that
    exist, in one query."""
    pairs = sorted(set(pasangan))
    if not pairs:
        return {}
    rows = await conn.execute(sa.select(_B.c.kind, _B.c.key, _B.c.data, _B.c.diubah)
                              .where(sa.tuple_(_B.c.kind, _B.c.key).in_(pairs)))
    return {(kind, key): (data, diubah) for kind, key, data, diubah in rows.all()}
