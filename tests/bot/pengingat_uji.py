"""Helpers for the reminder tests: write the rows the reporting flows write, and deliver the outbox on a fake clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from telegram import Bot

from bot.fakebotapi import FakeBotApi, FakeRequest
from bot.outbox import OutboxSender
from storage import outbox
from storage import tables as t

TOKEN = "123456789:PENGINGAT-UJI"


class Jam:
    """A clock the test sets by hand (aware UTC)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def unit_id(conn: AsyncConnection, code: str) -> int:
    """A unit's id by code."""
    return int((await conn.execute(sa.select(t.units.c.id).where(t.units.c.code == code))).scalar_one())


async def tambah_pengguna(conn: AsyncConnection, *, tg: int, nama: str, peran: str, unit: str | None,
                          now: datetime, is_head: bool = False, tps: list[int] | None = None) -> int:
    """An active user (as if registered through an invite)."""
    res = await conn.execute(t.users.insert().values(
        telegram_id=tg, name=nama, role=peran, status="aktif", unit_id=await unit_id(conn, unit) if unit else None,
        is_head=is_head, created_at=now))
    assert res.inserted_primary_key is not None
    uid = int(res.inserted_primary_key[0])
    if tps:
        await conn.execute(t.user_tps.insert(), [{"user_id": uid, "tps_id": i} for i in tps])
    return uid


async def lapor_realisasi(conn: AsyncConnection, unit: str, periode: str, now: datetime,
                          status: str = "diajukan") -> None:
    """A realisation (next version) for every indicator of the unit for the period."""
    r = t.realisations
    ids = (await conn.execute(sa.select(t.indicators.c.id).where(
        t.indicators.c.unit_id == await unit_id(conn, unit)))).scalars().all()
    for i in ids:
        versi = (await conn.execute(sa.select(sa.func.max(r.c.versi)).where(
            r.c.indicator_id == i, r.c.periode == periode))).scalar_one() or 0
        await conn.execute(r.insert().values(indicator_id=i, tahun=int(periode[:4]), periode=periode, versi=versi + 1,
                                             nilai="100", bukti=[], sumber="uji", status=status, created_at=now))


async def selesaikan_tahapan(conn: AsyncConnection, stage_id: int, unit: str, now: datetime) -> None:
    """A stage completion row for (stage, unit)."""
    await conn.execute(t.stage_completions.insert().values(
        stage_id=stage_id, unit_id=await unit_id(conn, unit), versi=1, selesai_pada=now.date(), sumber="uji",
        created_at=now))


async def progres_rencana(conn: AsyncConnection, rencana_id: int, status: str, now: datetime) -> None:
    """A new progress version for an activity."""
    p = t.rencana_progress
    versi = (await conn.execute(sa.select(sa.func.max(p.c.versi)).where(p.c.rencana_id == rencana_id))
             ).scalar_one() or 0
    await conn.execute(p.insert().values(rencana_id=rencana_id, versi=versi + 1, status=status,
                                         progres=100 if status == "selesai" else 50, created_at=now))


async def lapor_tiba(conn: AsyncConnection, tps_ids: list[int], now: datetime) -> None:
    """An arrival report for each TPS."""
    await conn.execute(t.arrival_reports.insert(), [
        {"tps_id": i, "versi": 1, "jenis": "baru", "nomor": f"UJI-{i}", "tiba_pada": now, "lengkap": True,
         "terlambat": False, "tepat": True, "created_at": now} for i in tps_ids])


async def tps_kab(conn: AsyncConnection, unit: str, *, sulit: bool | None = None) -> list[int]:
    """TPS ids of a kab/kota in code order."""
    q = sa.select(t.tps.c.id).where(t.tps.c.kabkota_unit_id == await unit_id(conn, unit)).order_by(t.tps.c.kode)
    if sulit is not None:
        q = q.where(t.tps.c.sulit.is_(sulit))
    return list((await conn.execute(q)).scalars().all())


async def baris_outbox(engine: AsyncEngine, prefix: str = "pengingat:") -> list[Any]:
    """Outbox rows whose key starts so, in id order."""
    async with engine.connect() as conn:
        return list((await conn.execute(sa.select(t.outbox).where(
            t.outbox.c.dedup_key.startswith(prefix)).order_by(t.outbox.c.id))).all())


class Pengirim:
    """The real outbox sender against the fake Bot API, on the test's clock."""

    def __init__(self, engine: AsyncEngine, api: FakeBotApi, bot: Bot, jam: Jam, **options: Any) -> None:
        self.engine, self.api, self.bot, self.jam = engine, api, bot, jam
        options.setdefault("rate_per_s", 1000.0)
        options.setdefault("per_chat_interval_s", 0.0)
        self.sender = OutboxSender(engine, bot, clock=jam, **options)

    async def kirim_semua(self, maks_putaran: int = 50) -> int:
        """Deliver everything due now (advancing the clock a little when the sender defers a chat)."""
        total = 0
        mulai = self.jam.now
        for _ in range(maks_putaran):
            n = await self.sender.drain_once()
            total += n
            async with self.engine.connect() as conn:
                left = (await conn.execute(sa.select(sa.func.count()).select_from(t.outbox).where(
                    t.outbox.c.status == outbox.ANTRI, t.outbox.c.not_before <= self.jam.now + timedelta(seconds=5)))
                        ).scalar_one()
            if not left:
                break
            if n == 0:
                self.jam.now += timedelta(seconds=1.1)
        self.jam.now = max(self.jam.now, mulai)
        return total


@asynccontextmanager
async def pengirim(engine: AsyncEngine, jam: Jam, chats: list[int], **options: Any) -> AsyncIterator[Pengirim]:
    """A started telegram.Bot on a fake Bot API knowing the given chats, and a sender for it."""
    api = FakeBotApi(token=TOKEN)
    for c in chats:
        api.add_user(c, f"Pengguna {c}")
    bot = Bot(TOKEN, request=FakeRequest(api), get_updates_request=FakeRequest(api))
    await bot.initialize()
    try:
        yield Pengirim(engine, api, bot, jam, **options)
    finally:
        await bot.shutdown()


def lokal(d: date, jam: int, menit: int = 0, zona: str = "Asia/Jakarta") -> datetime:
    """A local wall-clock moment as aware UTC."""
    from zoneinfo import ZoneInfo

    return datetime(d.year, d.month, d.day, jam, menit, tzinfo=ZoneInfo(zona)).astimezone(UTC)
