"""The reminder jobs on PTB's JobQueue: the sweep every minute and the pimpinan's 07.00 digest.

The database is the source of truth, not the job store: a sweep looks at the deadlines and the outbox and
queues what is due *now* (``storage.tenggat.sapu``), so a restart, a missed run or a second worker changes
nothing but the moment a reminder goes out. The digest is also caught up by the sweep (between 07.00 and the
start of the quiet hours), once per day per pimpinan, under the key ``ringkasan:<date>:<user>``; there is none on
a holiday (the days the manual deadlines' rule sends nothing on: ``domain.harikerja``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine

from domain.pengingat import sunyi
from handlers.pengingat import render_kiriman, render_ringkasan
from storage import outbox, tenggat, users, verifikasi
from storage.cakupan import cakupan

log = logging.getLogger("pantau.pengingat")

INTERVAL_S = 60
SINKRON_SETIAP = timedelta(minutes=15)
JAM_RINGKASAN = time(7, 0)


async def sapu(engine: AsyncEngine, *, now: datetime, zona: str, sinkron: bool = True) -> tenggat.HasilSapu:
    """One sweep at ``now`` (tests call this with their own clock)."""
    return await tenggat.sapu(engine, now=now, render=render_kiriman, zona=zona, sinkron=sinkron)


async def kirim_ringkasan(engine: AsyncEngine, *, now: datetime, zona: str) -> int:
    """Queue today's digest for every active pimpinan who has something in it, and for every head with reports
    waiting for their verification; returns how many were queued."""
    hari = now.astimezone(ZoneInfo(zona)).date()
    queued = 0
    async with engine.connect() as conn:
        penerima = await tenggat.penerima_ringkasan(conn)
        menunggu = await verifikasi.jumlah_per_kepala(conn)
        isi = []
        for p in penerima:
            user = await users.by_id(conn, p.user_id)
            if user is None:
                continue
            r = await tenggat.ringkasan(conn, unit_ids=(await cakupan(conn, user)).unit_list, now=now, zona=zona)
            n = menunggu.pop(p.user_id, 0)
            if not r.kosong or n:
                isi.append((p.user_id, p.telegram_id, render_ringkasan(r, now, zona, menunggu=n)))
        # A head who gets no digest otherwise (a Kepala Sub Bagian) still hears what waits for them.
        for uid, n in sorted(menunggu.items()):
            user = await users.by_id(conn, uid)
            if user is not None and user.aktif and user.telegram_id is not None:
                isi.append((uid, user.telegram_id, render_ringkasan(tenggat.Ringkasan([], {}, None), now, zona,
                                                                    menunggu=n)))
    if isi:
        async with engine.begin() as conn:
            for uid, chat_id, text in isi:
                queued += await outbox.enqueue(conn, key=f"ringkasan:{hari.isoformat()}:{uid}",
                                               chat_id=chat_id, text=text, kind="info", now=now)
    return queued


class Penyapu:
    """Runs the sweep and the digest for one bot process: never two at once, deadlines synced every 15 min."""

    def __init__(self, engine: AsyncEngine, *, zona: str, clock: Callable[[], datetime],
                 wake: Callable[[], None] = lambda: None) -> None:
        self._engine = engine
        self._zona = zona
        self._clock = clock
        self._wake = wake
        self._lock = asyncio.Lock()
        self._sinkron_terakhir: datetime | None = None
        self._ringkasan_hari: date | None = None

    async def jalan(self, now: datetime | None = None) -> tenggat.HasilSapu:
        """One sweep (with a deadline sync when one is due) and, in the morning, the digest catch-up."""
        async with self._lock:
            now = now or self._clock()
            sinkron = self._sinkron_terakhir is None or now - self._sinkron_terakhir >= SINKRON_SETIAP
            hasil = await sapu(self._engine, now=now, zona=self._zona, sinkron=sinkron)
            if sinkron:
                self._sinkron_terakhir = now
            queued = hasil.diantrekan + await self._ringkasan(now, paksa=False)
            if hasil.diantrekan or hasil.dibatalkan:
                log.info("sapuan pengingat: %d diantrekan, %d dibatalkan", hasil.diantrekan, hasil.dibatalkan)
        if queued:
            self._wake()
        return hasil

    async def ringkasan(self, now: datetime | None = None) -> int:
        """The 07.00 digest (the daily job)."""
        async with self._lock:
            queued = await self._ringkasan(now or self._clock(), paksa=True)
        if queued:
            self._wake()
        return queued

    async def _ringkasan(self, now: datetime, *, paksa: bool) -> int:
        tz = ZoneInfo(self._zona)
        lokal = now.astimezone(tz)
        if self._ringkasan_hari == lokal.date() or lokal.time() < JAM_RINGKASAN:
            return 0
        async with self._engine.connect() as conn:
            aturan = (await tenggat.kebijakan(conn)).untuk("manual")
            kalender = await tenggat.hari_libur(conn)
        if not kalender.boleh(lokal.date(), aturan.hari_kirim):  # no digest on a holiday: nobody is at work
            self._ringkasan_hari = lokal.date()
            return 0
        if not paksa and sunyi(now, aturan, self._zona):
            return 0
        queued = await kirim_ringkasan(self._engine, now=now, zona=self._zona)
        self._ringkasan_hari = lokal.date()
        return queued

    async def job_sapu(self, context: Any) -> None:
        """JobQueue callback: the sweep."""
        await self.jalan()

    async def job_ringkasan(self, context: Any) -> None:
        """JobQueue callback: the digest."""
        await self.ringkasan()


def pasang(app: Any) -> Penyapu:
    """Register the sweep (every minute) and the 07.00 digest on the Application's JobQueue."""
    svc = app.bot_data["layanan"]
    penyapu = Penyapu(svc.engine, zona=svc.timezone, clock=svc.now, wake=lambda: svc.wake_outbox())
    app.bot_data["penyapu"] = penyapu
    jq = app.job_queue
    if jq is None:  # PTB without the job-queue extra: say so loudly, reminders are part of the product
        log.error("JobQueue tidak tersedia: pengingat tidak berjalan (pasang python-telegram-bot[job-queue])")
        return penyapu
    jq.run_repeating(penyapu.job_sapu, interval=INTERVAL_S, first=5, name="pengingat")
    jq.run_daily(penyapu.job_ringkasan, time=JAM_RINGKASAN.replace(tzinfo=ZoneInfo(svc.timezone)), name="ringkasan")
    return penyapu
