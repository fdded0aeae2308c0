"""Broadcasts (*siaran*): an admin's message to every active user of a role and/or a unit, through the outbox.

Each recipient gets one outbox message under ``siaran:<broadcast id>:<user id>``, all queued in the admin's
transaction with the broadcast record and its audit entry; the outbox sender paces them within Telegram's
limits. The delivery report counts the messages by outbox status.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.angka import format_number
from domain.entitas import PERAN
from storage import audit, org, outbox
from storage import tables as t

MAKS_TEKS = 3500  # leaves room for the header within Telegram's 4.096 characters


class SiaranError(Exception):
    """A broadcast that cannot be sent; the message is for the admin (Indonesian)."""


@dataclass(frozen=True)
class PenerimaSiaran:
    """Someone a broadcast goes to."""

    user_id: int
    telegram_id: int
    nama: str
    peran: str


@dataclass(frozen=True)
class Siaran:
    """A broadcast on record."""

    id: int
    teks: str
    peran: str | None
    unit_code: str | None
    penerima: int
    created_at: datetime


def kunci_prefix(siaran_id: int) -> str:
    """The outbox key prefix of one broadcast's messages."""
    return f"siaran:{siaran_id}:"


async def penerima(conn: AsyncConnection, *, peran: str | None, unit_code: str | None) -> list[PenerimaSiaran]:
    """Active users of the role (None: every role) in the unit or below it (None: everywhere), by id.

    A petugas belongs to the kab/kota of their TPS as well as to their own unit.
    """
    if peran is not None and peran not in PERAN:
        raise SiaranError(f"Peran {peran!r} tidak dikenal. Pilih salah satu: {', '.join(PERAN)}.")
    u = t.users
    q = (sa.select(u.c.id, u.c.telegram_id, u.c.name, u.c.role, u.c.unit_id)
         .where(u.c.status == "aktif", u.c.telegram_id.is_not(None)).order_by(u.c.id))
    if peran is not None:
        q = q.where(u.c.role == peran)
    rows = (await conn.execute(q)).all()
    if unit_code:
        unit = await org.unit_by_code(conn, unit_code)
        if unit is None:
            raise SiaranError(f"Unit {unit_code!r} tidak dikenal.")
        scope = set(await org.descendants(conn, unit.id))
        lewat_tps = set((await conn.execute(
            sa.select(t.user_tps.c.user_id).join(t.tps, t.tps.c.id == t.user_tps.c.tps_id)
            .where(t.tps.c.kabkota_unit_id.in_(scope)).distinct())).scalars().all())
        rows = [r for r in rows if r.unit_id in scope or r.id in lewat_tps]
    return [PenerimaSiaran(r.id, r.telegram_id, r.name, r.role) for r in rows]


async def kirim(conn: AsyncConnection, *, teks: str, peran: str | None, unit_code: str | None, author_id: int | None,
                actor: str, now: datetime, header: str = "") -> tuple[int, int]:
    """Record the broadcast and queue one message per recipient; returns (broadcast id, recipients)."""
    teks = teks.strip()
    if not teks:
        raise SiaranError("Isi siaran masih kosong.")
    if len(teks) > MAKS_TEKS:
        raise SiaranError(f"Isi siaran terlalu panjang ({format_number(len(teks))} karakter; paling banyak "
                          f"{format_number(MAKS_TEKS)}).")
    orang = await penerima(conn, peran=peran, unit_code=unit_code)
    if not orang:
        raise SiaranError("Tidak ada pengguna aktif pada peran dan cakupan itu.")
    unit_id = None
    if unit_code:
        unit = await org.unit_by_code(conn, unit_code)
        unit_id = unit.id if unit else None
    res = await conn.execute(t.broadcasts.insert().values(teks=teks, peran=peran, unit_id=unit_id,
                                                          penerima=len(orang), author_id=author_id, created_at=now))
    pk = res.inserted_primary_key
    assert pk is not None
    siaran_id = int(pk[0])
    for p in orang:
        await outbox.enqueue(conn, key=f"{kunci_prefix(siaran_id)}{p.user_id}", chat_id=p.telegram_id,
                             text=f"{header}{teks}", kind="siaran", now=now)
    await audit.record(conn, actor=actor, actor_id=author_id, action="siaran", entity="siaran", entity_id=siaran_id,
                       new={"peran": peran, "unit": unit_code, "penerima": len(orang)}, now=now)
    return siaran_id, len(orang)


def _q() -> sa.Select[Any]:
    b = t.broadcasts
    return sa.select(b, t.units.c.code).select_from(b.outerjoin(t.units, t.units.c.id == b.c.unit_id))


async def by_id(conn: AsyncConnection, siaran_id: int) -> Siaran | None:
    """One broadcast."""
    r = (await conn.execute(_q().where(t.broadcasts.c.id == siaran_id))).first()
    return Siaran(r.id, r.teks, r.peran, r.code, r.penerima, r.created_at) if r else None


async def terbaru(conn: AsyncConnection, limit: int = 5) -> list[Siaran]:
    """The latest broadcasts, newest first."""
    rows = (await conn.execute(_q().order_by(t.broadcasts.c.id.desc()).limit(limit))).all()
    return [Siaran(r.id, r.teks, r.peran, r.code, r.penerima, r.created_at) for r in rows]


async def laporan(conn: AsyncConnection, siaran_id: int) -> dict[str, int]:
    """Delivery report: how many are queued, sent, failed, blocked (and the total)."""
    return await outbox.delivery_report(conn, kunci_prefix(siaran_id))
