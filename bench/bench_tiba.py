"""Benchmark: arrival reports (/tiba) through the real Application and database, next to a bare PTB echo bot.

Each simulated field officer runs whole one-tap reports: /tiba → TPS button → "Semua lengkap dan baik" → mode →
"Baru saja" → a photo (the summary follows) → "Kirim" (7 updates), waiting for the bot's answer to each step
before the next, as a person would. Officers run side by side. The echo bot (PTB with a MessageHandler that
replies with the same text, the same update concurrency) gets the same number of users × 7 text updates on the
same fake Bot API, in the same run; in-process, Pantau also answers /help as often (the cost of any update: the
guard's user lookup, PTB, the persistence write). Printed: reports/s, updates/s, p50/p99 latency of a step
(update queued → the bot's reply or edit seen by the fake Bot API), and the Pantau ÷ echo ratios.

    .venv/bin/python bench/bench_tiba.py              # in-process fake Bot API, SQLite in a temp dir
    .venv/bin/python bench/bench_tiba.py --http       # also over HTTP (uvicorn on 127.0.0.1 + HTTPXRequest)
    .venv/bin/python bench/bench_tiba.py --quick      # a tiny smoke run (seconds)
    .venv/bin/python bench/bench_tiba.py --db postgresql://postgres@127.0.0.1:5432/bench   # WIPES that database

Flood control is raised for the bench users (a person taps a few times a second; the simulated ones tap as fast
as the bot answers). The clock is fixed at H-1 10.00 WIB, so every report is on time and tepat.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("PTB_TIMEDELTA", "true")

import sqlalchemy as sa
import uvicorn
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters
from telegram.request import HTTPXRequest

from bot.app import LOCAL_TOKEN, MAX_CONCURRENT_UPDATES, build_application, running
from bot.fakebotapi import BotEvent, FakeBotApi, FakeRequest, UpdateDict
from bot.fakebotapi_http import create_http_app
from bot.settings import Settings
from storage import demo
from storage import tables as t
from storage.db import create_engine, upgrade

JAM = datetime(2024, 11, 26, 3, 0, tzinfo=UTC)  # Selasa, 26 November 2024, 10.00 WIB: H-1, before the deadline
TG_AWAL = 8_000_000
LANGKAH = 7  # updates per report


@dataclass
class Hasil:
    """What one run measured."""

    nama: str
    laporan: int
    detik: float
    latensi: list[float] = field(default_factory=list)

    @property
    def pembaruan(self) -> int:
        """Updates handled."""
        return len(self.latensi)

    def persentil(self, p: float) -> float:
        """The p-th percentile of step latency, in milliseconds."""
        xs = sorted(self.latensi)
        return xs[min(len(xs) - 1, int(p / 100 * len(xs)))] * 1000 if xs else 0.0


class Penunggu:
    """Wakes the simulated user of a chat when the bot sends or edits a message there."""

    def __init__(self, api: FakeBotApi) -> None:
        self.api = api
        self.sinyal: dict[int, asyncio.Event] = {}
        api.subscribe(self._lihat)

    def _lihat(self, ev: BotEvent) -> None:
        if ev.kind in ("sent", "edited") and ev.chat_id in self.sinyal:
            self.sinyal[ev.chat_id].set()

    async def langkah(self, tg: int, aksi: Callable[[], Awaitable[UpdateDict]], lat: list[float]) -> None:
        """Queue one update and wait for the bot's answer in that chat."""
        ev = self.sinyal.setdefault(tg, asyncio.Event())
        ev.clear()
        t0 = time.perf_counter()
        await aksi()
        await asyncio.wait_for(ev.wait(), timeout=60)
        lat.append(time.perf_counter() - t0)


def _papan_terakhir(api: FakeBotApi, tg: int) -> int:
    return next(m.message_id for m in reversed(api.messages(tg)) if m.buttons)


def _tekan(api: FakeBotApi, tg: int, data: str) -> Callable[[], Awaitable[UpdateDict]]:
    """Press a button of the user's latest keyboard (as a step action)."""
    return lambda: api.press(tg, _papan_terakhir(api, tg), data)


def _ketik(api: FakeBotApi, tg: int, text: str) -> Callable[[], Awaitable[UpdateDict]]:
    """Send a text (as a step action)."""
    return lambda: api.send_text(tg, text)


# --- set-up ------------------------------------------------------------------------------------------------


async def siapkan_db(url: str) -> None:
    """Schema and demo, from scratch."""
    engine = create_engine(url)
    try:
        await upgrade(engine)
        await demo.load(engine, reset=True, tutup_terbit=False)  # the bench replays H-1 of 2024, still open
    finally:
        await engine.dispose()


async def buat_petugas(engine: AsyncEngine, n_users: int, per_user: int,
                       tg_awal: int = TG_AWAL) -> list[tuple[int, list[int]]]:
    """Bench field officers, each with their own TPS (TPS of every kab/kota in code order)."""
    async with engine.begin() as conn:
        tps = (await conn.execute(sa.select(t.tps.c.id).order_by(t.tps.c.kode).limit(n_users * per_user))
               ).scalars().all()
        if len(tps) < n_users * per_user:
            raise SystemExit(f"hanya ada {len(tps)} TPS; kurangi jumlah petugas atau laporan per petugas")
        out = []
        for i in range(n_users):
            tg = tg_awal + i
            uid = (await conn.execute(t.users.insert().values(
                telegram_id=tg, name=f"Petugas Bench {i + 1}", role="petugas", status="aktif", created_at=JAM))
                   ).inserted_primary_key[0]  # type: ignore[index]
            mine = list(tps[i * per_user:(i + 1) * per_user])
            await conn.execute(t.user_tps.insert(), [{"user_id": uid, "tps_id": x} for x in mine])
            out.append((tg, mine))
    return out


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.asynccontextmanager
async def layani(api: FakeBotApi) -> AsyncIterator[str]:
    """The fake Bot API over HTTP (uvicorn, loopback)."""
    port = _port()
    server = uvicorn.Server(uvicorn.Config(create_http_app(api), host="127.0.0.1", port=port, log_config=None,
                                           log_level="warning", lifespan="off", http="h11", ws="none"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        api.release_pollers()
        server.should_exit = True
        await asyncio.wait_for(task, 10)


def _api(petugas: list[tuple[int, list[int]]], latency: float) -> FakeBotApi:
    api = FakeBotApi(token=LOCAL_TOKEN)
    api.record_calls = False
    api.latency = latency
    for tg, _ in petugas:
        api.add_user(tg, f"Petugas {tg}")
    return api


# --- the two bots ----------------------------------------------------------------------------------------------


async def jalankan_pantau(url: str, petugas: list[tuple[int, list[int]]], *, http: bool, latency: float) -> Hasil:
    """Every officer reports every one of their TPS through the real Application and database."""
    engine = create_engine(url)
    api = _api(petugas, latency)
    tunggu = Penunggu(api)
    lat: list[float] = []

    async def petugas_lapor(tg: int, tps_ids: list[int]) -> None:
        for tps_id in tps_ids:
            await tunggu.langkah(tg, lambda: api.send_text(tg, "/tiba"), lat)
            for data in (f"tb:tps:{tps_id}", "tb:ok", "tb:moda:PICKUP", "tb:kini"):
                await tunggu.langkah(tg, _tekan(api, tg, data), lat)
            await tunggu.langkah(tg, lambda: api.send_photo(tg, file_id=f"bench-{tg}"), lat)  # → the summary
            await tunggu.langkah(tg, _tekan(api, tg, "tb:kirim"), lat)
            if "Nomor tanda terima" not in (api.last(tg).text or ""):
                raise RuntimeError(f"laporan {tg} tidak selesai: {api.last(tg).text!r}")

    async with contextlib.AsyncExitStack() as stack:
        if http:
            base = await stack.enter_async_context(layani(api))
            settings = Settings(DATABASE_URL=url, TELEGRAM_BOT_TOKEN=LOCAL_TOKEN,  # type: ignore[arg-type]
                                TELEGRAM_BASE_URL=f"{base}/bot")
            app = build_application(settings, engine, clock=lambda: JAM, send_outbox=False)
        else:
            app = build_application(Settings(DATABASE_URL=url), engine, api=api, clock=lambda: JAM, send_outbox=False)
        app.bot_data["layanan"].laju = (1_000_000, 10.0)
        await stack.enter_async_context(running(app, polling=True))
        t0 = time.perf_counter()
        await asyncio.gather(*(petugas_lapor(tg, ids) for tg, ids in petugas))
        detik = time.perf_counter() - t0
    async with engine.connect() as conn:
        n = (await conn.execute(sa.select(sa.func.count()).select_from(t.arrival_reports))).scalar_one()
    await engine.dispose()
    harap = sum(len(ids) for _, ids in petugas)
    if n != harap:
        raise RuntimeError(f"{n} laporan tersimpan, seharusnya {harap}")
    return Hasil("Pantau /tiba" + (" (HTTP)" if http else ""), n, detik, lat)


async def jalankan_dasar(url: str, petugas: list[tuple[int, list[int]]], *, latency: float) -> Hasil:
    """The same Application and database answering /help LANGKAH times per 'report': the cost of any update."""
    engine = create_engine(url)
    api = _api(petugas, latency)
    tunggu = Penunggu(api)
    lat: list[float] = []

    async def pengguna(tg: int, n: int) -> None:
        for _ in range(n * LANGKAH):
            await tunggu.langkah(tg, lambda: api.send_text(tg, "/help"), lat)

    app = build_application(Settings(DATABASE_URL=url), engine, api=api, clock=lambda: JAM, send_outbox=False)
    app.bot_data["layanan"].laju = (1_000_000, 10.0)
    async with running(app, polling=True):
        t0 = time.perf_counter()
        await asyncio.gather(*(pengguna(tg, len(ids)) for tg, ids in petugas))
        detik = time.perf_counter() - t0
    await engine.dispose()
    return Hasil("Pantau /help", sum(len(ids) for _, ids in petugas), detik, lat)


async def _gema(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(update.effective_message.text or "?")


async def jalankan_gema(petugas: list[tuple[int, list[int]]], *, http: bool, latency: float) -> Hasil:
    """A bare PTB echo bot on the same fake Bot API: the same users, LANGKAH text updates per 'report'."""
    api = _api(petugas, latency)
    tunggu = Penunggu(api)
    lat: list[float] = []

    async def pengguna(tg: int, n: int) -> None:
        for i in range(n * LANGKAH):
            await tunggu.langkah(tg, _ketik(api, tg, f"pesan {i}"), lat)

    async with contextlib.AsyncExitStack() as stack:
        builder = Application.builder().token(LOCAL_TOKEN).concurrent_updates(MAX_CONCURRENT_UPDATES)
        if http:
            base = await stack.enter_async_context(layani(api))
            builder = (builder.base_url(f"{base}/bot").base_file_url(f"{base}/file/bot")
                       .request(HTTPXRequest(httpx_kwargs={"trust_env": False}, connection_pool_size=256))
                       .get_updates_request(HTTPXRequest(httpx_kwargs={"trust_env": False})))
        else:
            builder = builder.request(FakeRequest(api)).get_updates_request(FakeRequest(api))
        app: Any = builder.build()
        app.add_handler(MessageHandler(filters.TEXT, _gema))
        await stack.enter_async_context(running(app, polling=True))
        t0 = time.perf_counter()
        await asyncio.gather(*(pengguna(tg, len(ids)) for tg, ids in petugas))
        detik = time.perf_counter() - t0
    return Hasil("PTB echo" + (" (HTTP)" if http else ""), sum(len(ids) for _, ids in petugas), detik, lat)


# --- report --------------------------------------------------------------------------------------------------------


def cetak(pantau: Hasil, gema: Hasil, dasar: Hasil | None = None) -> None:
    """One block: both bots (and Pantau's per-update baseline) and the ratios."""
    for h in (pantau, *([dasar] if dasar else []), gema):
        print(f"{h.nama:<22} {h.laporan:>5} laporan  {h.laporan / h.detik:8.1f} laporan/s  "
              f"{h.pembaruan / h.detik:8.1f} update/s  p50 {h.persentil(50):7.1f} ms  p99 {h.persentil(99):7.1f} ms")
    print(f"{'rasio Pantau/echo':<22} update/s {pantau.pembaruan / pantau.detik / (gema.pembaruan / gema.detik):.3f}"
          f"  p50 {pantau.persentil(50) / max(gema.persentil(50), 1e-9):.1f}×"
          f"  p99 {pantau.persentil(99) / max(gema.persentil(99), 1e-9):.1f}×")


async def utama(a: argparse.Namespace) -> None:
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        os.environ.pop(var, None)  # loopback traffic must never go through a proxy (Pantau's own HTTPXRequest)
    users = 2 if a.quick else a.users
    reports = 4 if a.quick else a.reports
    per_user = max(2, reports // users)  # ≥ 2 TPS each, so the TPS buttons are part of every report
    with tempfile.TemporaryDirectory() as tmp:
        url = a.db or f"sqlite:///{tmp}/bench.db"
        await siapkan_db(url)
        engine = create_engine(url)
        petugas = await buat_petugas(engine, users, per_user)
        await engine.dispose()
        print(f"{users} petugas × {per_user} TPS, {LANGKAH} update per laporan, basis data "
              f"{url.split(':', 1)[0]}, latensi API palsu {a.latency * 1000:.0f} ms, Python {sys.version.split()[0]}")
        mode = [False, True] if a.http else [False]
        for http in mode:
            if http:  # a fresh demo, so the same TPS can be reported again
                await siapkan_db(url)
                engine = create_engine(url)
                petugas = await buat_petugas(engine, users, per_user)
                await engine.dispose()
            pantau = await jalankan_pantau(url, petugas, http=http, latency=a.latency)
            dasar = None if http else await jalankan_dasar(url, petugas, latency=a.latency)
            gema = await jalankan_gema(petugas, http=http, latency=a.latency)
            cetak(pantau, gema, dasar)


def main() -> None:
    """Command line."""
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--quick", action="store_true", help="a tiny smoke run")
    p.add_argument("--users", type=int, default=40, help="field officers reporting side by side (default 40)")
    p.add_argument("--reports", type=int, default=400, help="reports in total (default 400)")
    p.add_argument("--http", action="store_true", help="also run over HTTP (uvicorn on 127.0.0.1)")
    p.add_argument("--latency", type=float, default=0.0, help="seconds the fake Bot API waits per call")
    p.add_argument("--db", help="database URL to use instead of a temporary SQLite file (it is WIPED)")
    asyncio.run(utama(p.parse_args()))


if __name__ == "__main__":
    main()
