"""Benchmark: Pantau's arrival-report conversations next to the framework floor, over HTTP, as far away as Telegram.

The machine is split the way production is: the bot runs in its own process (`bot.run.serve`, the code of
`pantau run`, talking HTTP to a fake Bot API), while "Telegram" — the fake Bot API served by uvicorn on
127.0.0.1, with a simulated round trip (`FakeBotApi.latency`, 150 ms by default: the real distance to Telegram)
— and the simulated users run in this process. Each user reports the arrival of logistics at their TPS with
`/tiba` (7 updates: /tiba → TPS button → "Semua lengkap dan baik" → mode → "Baru saja" → a photo → "Kirim"),
waiting for the bot's answer to every step (and `--jeda` seconds of thinking) before the next.

The floor is a bare PTB echo bot (same PTB, same Bot API client as Pantau, same update concurrency) answering the
same update sequence with the same Bot API calls: a text or photo gets a reply, a button press gets
answerCallbackQuery + editMessageText. Whatever Pantau costs above it is Pantau's own work (guard, handlers,
database, persistence). A second floor runs the same echo bot on PTB's own client (httpx, as Pantau used it
before bot/permintaan.py moved to aiohttp); each Pantau run is printed against both. Printed per bot: updates/s,
p50/p99 of a step (update created → the bot's answer seen by "Telegram"), and the bot process's CPU per update
(user + system time from /proc, so only the bot is counted).

    .venv/bin/python bench/bench_bot.py                 # SQLite, 150 ms, 160 users
    .venv/bin/python bench/bench_bot.py --quick         # a smoke run (seconds)
    .venv/bin/python bench/bench_bot.py --pg postgresql://postgres@127.0.0.1:5432/bench   # also PostgreSQL (WIPED)
    .venv/bin/python bench/bench_bot.py --pg URL --workers 1 2 3   # webhook workers on PostgreSQL (default 1 2)
    .venv/bin/python bench/bench_bot.py --latency 0     # loopback only: CPU per update against the floor
    .venv/bin/python bench/bench_bot.py --gangguan 0.05 # also a run where 5 % of Bot API calls get a 429

With ``--gangguan`` the fake Telegram answers that share of the bot's calls (getUpdates aside) with 429
(retry_after 1 s); a user whose step gets no answer within 30 s stops that report (and goes on with the next),
and the run reports the reports completed against those started.

Flood control is raised for the bench users (a person taps a few times a second; the simulated ones tap as fast
as the bot answers), the reminder sweep is left out (bench_pengingat.py measures it) and the bot's clock is
fixed at H-1 10.00 WIB so every report is on time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
import statistics
import subprocess
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

JAM = datetime(2024, 11, 26, 3, 0, tzinfo=UTC)  # Selasa, 26 November 2024, 10.00 WIB: H-1, before the deadline
TOKEN = "100000001:LOKAL-pantau-bench-bot"
TG_AWAL = 8_500_000
LANGKAH = 7  # updates per report
CLK = os.sysconf("SC_CLK_TCK")


# =====================================================================================================
# The bot side (runs in a child process: `bench_bot.py --peran pantau|gema`)
# =====================================================================================================


def _setel(a: argparse.Namespace) -> None:
    """Apply --konkuren / --pool (Bot API connections) to the bot's settings."""
    import bot.app

    if a.konkuren:
        bot.app.MAX_CONCURRENT_UPDATES = a.konkuren
    if a.pool:
        bot.app.HTTP_CONNECTIONS = a.pool


def _tanpa_sapu(app: Any) -> None:
    """Instead of bot.pengingat.pasang: no reminder sweep in this benchmark."""


def _bot_pantau(a: argparse.Namespace) -> None:
    """`pantau run` (bot.run.serve) with the bench's clock and flood limit, until SIGTERM."""
    import bot.app
    import bot.run
    from bot.settings import Settings

    _setel(a)
    asli = bot.app.build_application

    def bangun(settings: Any, engine: Any, **kw: Any) -> Any:
        if not a.batas_telegram:  # the CPU is measured, not Telegram's 30 new messages/s (bench/README.md)
            kw["kendali"] = {"global_": (1_000_000, 1.0)}
        app = asli(settings, engine, clock=lambda: JAM, **kw)
        app.bot_data["layanan"].laju = (1_000_000, 10.0)
        return app

    bot.run.build_application = bangun  # type: ignore[assignment]
    bot.app.pengingat.pasang = _tanpa_sapu  # type: ignore[assignment]  # bench_pengingat.py measures it
    env: dict[str, Any] = {"DATABASE_URL": a.db, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BASE_URL": f"{a.api}/bot",
                           "PANTAU_WEB_PORT": a.port}
    if a.webhook:
        env["PANTAU_WEBHOOK_URL"] = "https://pantau.bench.invalid"
    if os.environ.get("BENCH_PROFIL"):  # a cProfile of the bot process, for finding where its CPU goes
        import cProfile

        cProfile.runctx("asyncio.run(bot.run.serve(Settings(**env), load_demo=False))", globals(), locals(),
                        f"{os.environ['BENCH_PROFIL']}.{os.getpid()}")
        return
    asyncio.run(bot.run.serve(Settings(**env), load_demo=False))


def _httpx_terbagi() -> Any:
    """PTB's own client (httpx) as Pantau used it before aiohttp: 8 pools of 12 connections, a request to the least
    busy (one pool of 96 costs several times more CPU per call: httpcore scans every connection per request)."""
    from telegram.request import BaseRequest, HTTPXRequest

    class Terbagi(BaseRequest):
        def __init__(self) -> None:
            self.pools = [HTTPXRequest(connection_pool_size=12, read_timeout=5.0, httpx_kwargs={"trust_env": False})
                          for _ in range(8)]
            self.bebas = [asyncio.Semaphore(12) for _ in self.pools]
            self.sibuk = [0] * len(self.pools)

        @property
        def read_timeout(self) -> float | None:
            return 5.0

        async def initialize(self) -> None:
            for pool in self.pools:
                await pool.initialize()

        async def shutdown(self) -> None:
            for pool in self.pools:
                await pool.shutdown()

        async def do_request(self, url: str, method: str, request_data: Any = None,  # type: ignore[override]
                             **kw: Any) -> tuple[int, bytes]:
            i = min(range(len(self.pools)), key=self.sibuk.__getitem__)
            self.sibuk[i] += 1
            try:
                async with self.bebas[i]:
                    return await self.pools[i].do_request(url, method, request_data, **kw)
            finally:
                self.sibuk[i] -= 1

    return Terbagi()


def _bot_gema(a: argparse.Namespace) -> None:
    """A bare PTB bot making the same Bot API calls as Pantau for the same updates, until SIGTERM."""
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
    from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters
    from telegram.request import HTTPXRequest

    import bot.app

    _setel(a)
    papan = InlineKeyboardMarkup([[InlineKeyboardButton("gema", callback_data="gema")]])

    async def pesan(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(update.effective_message.text or "foto", reply_markup=papan)

    async def tombol(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        q = update.callback_query
        assert q is not None
        await q.answer()
        await q.edit_message_text(f"tombol {q.data} {q.id}", reply_markup=papan)

    async def jalan() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        base = f"{a.api}/bot"
        req, poll = ((_httpx_terbagi(), HTTPXRequest(connection_pool_size=1, httpx_kwargs={"trust_env": False}))
                     if a.klien == "httpx" else (bot.app.permintaan_http(base), bot.app.permintaan_poll(base)))
        app: Any = (Application.builder().token(TOKEN).base_url(base).request(req).get_updates_request(poll)
                    .concurrent_updates(bot.app.MAX_CONCURRENT_UPDATES).build())
        app.add_handler(MessageHandler(filters.TEXT | filters.PHOTO, pesan))
        app.add_handler(CallbackQueryHandler(tombol))
        async with bot.app.running(app, polling=True):
            print("SIAP", flush=True)
            await stop.wait()

    asyncio.run(jalan())


# =====================================================================================================
# The Telegram side (this process)
# =====================================================================================================


@dataclass
class Hasil:
    """What one run measured."""

    nama: str
    pembaruan: int
    detik: float
    cpu_bot: float
    cpu_telegram: float
    latensi: list[float] = field(default_factory=list)
    cpu_pg: float = 0.0
    dimulai: int = 0
    selesai: int = 0
    ditolak: int = 0  # 429 answers the fake Telegram gave
    tersimpan: int = 0  # reports in the database after a run with faults

    def persentil(self, p: float) -> float:
        """The p-th percentile of a step's latency, in milliseconds."""
        xs = sorted(self.latensi)
        return xs[min(len(xs) - 1, int(p / 100 * len(xs)))] * 1000 if xs else 0.0

    @property
    def per_detik(self) -> float:
        """Updates handled per second."""
        return self.pembaruan / self.detik

    @property
    def cpu_per_update_ms(self) -> float:
        """The bot processes' CPU time per update, in milliseconds."""
        return self.cpu_bot / max(self.pembaruan, 1) * 1000


def _cpu(pid: int) -> float:
    """User + system CPU seconds a process has used (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK


def _cpu_postgres() -> float:
    """CPU seconds used so far by every PostgreSQL server process on this machine (0 when none is visible)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        if "(postgres)" in text:
            fields = text.rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / CLK
    return total


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def siapkan_db(url: str, n_users: int, per_user: int) -> list[tuple[int, list[int]]]:
    """Schema, demo and the bench officers (each with their own TPS), from scratch."""
    from bench_tiba import buat_petugas

    from storage import demo
    from storage.db import create_engine, upgrade

    engine = create_engine(url)
    try:
        await upgrade(engine)
        await demo.load(engine, reset=True, tutup_terbit=False)  # the bench replays H-1 of 2024, still open
        return await buat_petugas(engine, n_users, per_user, tg_awal=TG_AWAL)
    finally:
        await engine.dispose()


async def jumlah_laporan(url: str) -> int:
    """Arrival reports in the database."""
    import sqlalchemy as sa

    from storage import tables as t
    from storage.db import create_engine

    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return int((await conn.execute(sa.select(sa.func.count()).select_from(t.arrival_reports))).scalar_one())
    finally:
        await engine.dispose()


@contextlib.asynccontextmanager
async def telegram_palsu(api: Any) -> AsyncIterator[str]:
    """The fake Bot API over HTTP (uvicorn, loopback)."""
    import uvicorn

    from bot.fakebotapi_http import create_http_app

    port = _port()
    server = uvicorn.Server(uvicorn.Config(create_http_app(api), host="127.0.0.1", port=port, log_config=None,
                                           log_level="warning", lifespan="off", http="h11", ws="none",
                                           backlog=4096, timeout_keep_alive=60))
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


class Pengantar:
    """Delivers updates the way Telegram does in webhook mode: POST to the workers, round robin per update."""

    def __init__(self, api: Any, urls: list[str], secret: str) -> None:
        import httpx

        self.api, self.urls, self.secret = api, urls, secret
        # Several small clients with a semaphore each, for the reason bot/permintaan.py gives (httpcore's pool).
        self.clients = [httpx.AsyncClient(trust_env=False, timeout=30, limits=httpx.Limits(max_connections=10))
                        for _ in range(8)]
        self.bebas = [asyncio.Semaphore(10) for _ in self.clients]
        self.n = 0
        self.gagal = 0

    async def kirim(self, update: dict[str, Any]) -> None:
        """POST one update to the next worker (Telegram retries a failed delivery; so do we)."""
        url = self.urls[self.n % len(self.urls)]
        i = self.n % len(self.clients)
        self.n += 1
        import httpx

        for _ in range(5):
            try:
                async with self.bebas[i]:
                    r = await self.clients[i].post(url, json=dict(update),
                                                   headers={"X-Telegram-Bot-Api-Secret-Token": self.secret})
                if r.status_code == 200:
                    return
            except httpx.TransportError:  # a keep-alive connection the worker closed: deliver again
                pass
            self.gagal += 1
            await asyncio.sleep(0.05)
        raise RuntimeError(f"pembaruan {update['update_id']} tidak diterima pekerja")

    async def tutup(self) -> None:
        """Close the HTTP clients."""
        for c in self.clients:
            await c.aclose()


class Pengguna:
    """Simulated users: each step creates an update and waits for the bot's answer in that chat."""

    def __init__(self, api: Any, pengantar: Pengantar | None, jeda: float, *, sabar: bool = False) -> None:
        self.api, self.pengantar, self.jeda = api, pengantar, jeda
        self.sabar = sabar  # a report whose step goes unanswered is counted and left, not fatal
        self.dimulai = self.selesai = 0
        self.sinyal: dict[int, asyncio.Event] = {}
        self.latensi: list[float] = []
        api.subscribe(self._lihat)

    def _lihat(self, ev: Any) -> None:
        if ev.kind in ("sent", "edited") and ev.chat_id in self.sinyal:
            self.sinyal[ev.chat_id].set()

    async def langkah(self, tg: int, aksi: Callable[[], Awaitable[Any]]) -> None:
        """One update, then wait for the bot's answer (and think a little)."""
        ev = self.sinyal.setdefault(tg, asyncio.Event())
        ev.clear()
        t0 = time.perf_counter()
        update = await aksi()
        if self.pengantar is not None:
            await self.pengantar.kirim(update)
        await asyncio.wait_for(ev.wait(), timeout=30 if self.sabar else 60)
        self.latensi.append(time.perf_counter() - t0)
        if self.jeda:
            await asyncio.sleep(self.jeda)

    def tekan(self, tg: int, data: str | None = None) -> Callable[[], Awaitable[Any]]:
        """Press a button (its callback data, or the first button) of the user's latest keyboard."""
        def aksi() -> Awaitable[Any]:
            pesan = next(m for m in reversed(self.api.messages(tg)) if m.buttons)
            return self.api.press(tg, pesan.message_id, data if data is not None else pesan.buttons[0][0][1])
        return aksi

    async def lapor(self, tg: int, tps_ids: list[int]) -> None:
        """Pantau: one whole /tiba report per TPS."""
        for tps_id in tps_ids:
            self.dimulai += 1
            try:
                await self._satu(tg, tps_id)
            except TimeoutError:
                if not self.sabar:
                    raise
                continue
            if "Nomor tanda terima" not in (self.api.last(tg).text or ""):
                if self.sabar:
                    continue
                raise RuntimeError(f"laporan {tg} tidak selesai: {self.api.last(tg).text!r}")
            self.selesai += 1

    async def _satu(self, tg: int, tps_id: int) -> None:
        await self.langkah(tg, lambda: self.api.send_text(tg, "/tiba"))
        for data in (f"tb:tps:{tps_id}", "tb:ok", "tb:moda:PICKUP", "tb:kini"):
            await self.langkah(tg, self.tekan(tg, data))
        await self.langkah(tg, lambda: self.api.send_photo(tg, file_id=f"bench-{tg}"))  # → the summary
        await self.langkah(tg, self.tekan(tg, "tb:kirim"))

    async def gema(self, tg: int, n: int) -> None:
        """The echo floor: the same kinds of updates in the same order (text, 4 taps, photo, a tap)."""
        for i in range(n):
            await self.langkah(tg, lambda i=i: self.api.send_text(tg, f"/tiba {i}"))  # type: ignore[misc]
            for _ in range(4):
                await self.langkah(tg, self.tekan(tg))
            await self.langkah(tg, lambda: self.api.send_photo(tg, file_id=f"bench-{tg}"))
            await self.langkah(tg, self.tekan(tg))


def _fake_api(petugas: list[tuple[int, list[int]]], latency: float, gangguan: float = 0.0) -> Any:
    from bot.fakebotapi import FakeBotApi

    api = FakeBotApi(token=TOKEN)
    api.record_calls = False
    api.latency = latency
    for tg, _ in petugas:
        api.add_user(tg, f"Petugas {tg}")
    if gangguan:
        _pasang_429(api, gangguan)
    return api


def _pasang_429(api: Any, rate: float) -> None:
    """This share of the bot's calls (getUpdates aside) is answered 429 with retry_after 1 (a fixed seed)."""
    import random

    rng = random.Random(20261207)
    asli = api.call
    api.ditolak = 0

    async def call(method: str, params: Any = None, files: Any = None, *, token: str | None = None) -> Any:
        if method.lower() != "getupdates" and rng.random() < rate:
            api.ditolak += 1
            api.fail_next(method, 429, retry_after=1)
        return await asli(method, params, files, token=token)

    api.call = call


async def _tunggu_siap(proses: list[subprocess.Popen[str]], ports: list[int] | None) -> None:
    """Wait until every bot process says it runs (echo: a line; Pantau: /health answers)."""
    import httpx

    if ports is None:
        for p in proses:
            line = await asyncio.to_thread(p.stdout.readline)  # type: ignore[union-attr]
            if "SIAP" not in line:
                raise RuntimeError(f"bot gema tidak siap: {line!r}")
        return
    async with httpx.AsyncClient(trust_env=False) as client:
        for port, p in zip(ports, proses, strict=True):
            for _ in range(600):
                if p.poll() is not None:
                    raise RuntimeError(f"bot berhenti dengan kode {p.returncode}")
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get(f"http://127.0.0.1:{port}/health")).status_code == 200:
                        break
                await asyncio.sleep(0.05)
            else:
                raise RuntimeError("bot tidak siap dalam 30 detik")
        # Webhook workers on PostgreSQL: until the users are dealt out, updates wait in the table for an owner (a
        # worker takes partitions nobody announced only after a lease); the load starts once every one is owned.
        for _ in range(600):
            bagian = [(await client.get(f"http://127.0.0.1:{port}/health")).json().get("partisi") for port in ports]
            if None in bagian or sum(bagian) >= 64:
                return
            await asyncio.sleep(0.05)
        raise RuntimeError(f"partisi tidak terbagi dalam 30 detik: {bagian}")


async def jalankan(nama: str, peran: str, petugas: list[tuple[int, list[int]]], a: argparse.Namespace, *,
                   db: str = "", pekerja: int = 0, gangguan: float = 0.0, klien: str = "") -> Hasil:
    """Start the bot process(es), let every user run, stop them; the bots' CPU comes from /proc."""
    from bot.run import webhook_secret

    api = _fake_api(petugas, a.latency, gangguan)
    async with telegram_palsu(api) as base:
        n = max(pekerja, 1)
        ports = [_port() for _ in range(n)] if peran == "pantau" else None
        proses: list[subprocess.Popen[str]] = []
        logs: list[Path] = []
        for i in range(n):
            cmd = [sys.executable, __file__, "--peran", peran, "--api", base, "--db", db,
                   "--konkuren", str(a.konkuren or 0), "--pool", str(a.pool or 0)] + (
                       ["--batas-telegram"] if a.batas_telegram else []) + (["--klien", klien] if klien else [])
            if ports is not None:
                cmd += ["--port", str(ports[i])] + (["--webhook"] if pekerja else [])
            log = Path(tempfile.gettempdir()) / f"bench-bot-{os.getpid()}-{peran}-{i}.log"
            logs.append(log)
            proses.append(subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log.open("w"), text=True,
                                           env={**os.environ, "PYTHONUNBUFFERED": "1"}))
        pengantar = None
        try:
            await _tunggu_siap(proses, ports)
            if pekerja:
                assert ports is not None
                pengantar = Pengantar(api, [f"http://127.0.0.1:{p}/telegram/webhook" for p in ports],
                                      webhook_secret(TOKEN))
            users = Pengguna(api, pengantar, a.jeda, sabar=bool(gangguan))
            cpu0 = [_cpu(p.pid) for p in proses]
            pg0 = _cpu_postgres() if db.startswith("postgres") else 0.0
            me0 = time.process_time()
            t0 = time.perf_counter()
            if peran == "pantau":
                await asyncio.gather(*(users.lapor(tg, ids) for tg, ids in petugas))
            else:
                await asyncio.gather(*(users.gema(tg, len(ids)) for tg, ids in petugas))
            detik = time.perf_counter() - t0
            cpu = sum(_cpu(p.pid) for p in proses) - sum(cpu0)
            cpu_tg = time.process_time() - me0
            cpu_pg = _cpu_postgres() - pg0 if db.startswith("postgres") else 0.0
        except BaseException:
            for log in logs:  # the bot's own account of what went wrong
                print(f"--- {log}:\n" + "\n".join(log.read_text(errors="replace").splitlines()[-30:]), file=sys.stderr)
            raise
        finally:
            if pengantar is not None:
                await pengantar.tutup()
            for p in proses:
                p.send_signal(signal.SIGTERM)
            for p in proses:
                try:
                    await asyncio.to_thread(p.wait, 30)
                except subprocess.TimeoutExpired:
                    p.kill()
    return Hasil(nama, len(users.latensi), detik, cpu, cpu_tg, users.latensi, cpu_pg, users.dimulai, users.selesai,
                 getattr(api, "ditolak", 0))


def cetak(h: Hasil, dasar: Hasil | None, httpx: Hasil | None = None) -> None:
    """One line per run, with the ratios to the echo floor (and to the echo on PTB's own client)."""
    rasio = ""
    if dasar is not None and h is not dasar:
        rasio = (f"  ×floor: CPU/update {h.cpu_per_update_ms / dasar.cpu_per_update_ms:.2f}"
                 f"  p50 {h.persentil(50) / dasar.persentil(50):.2f}  p99 {h.persentil(99) / dasar.persentil(99):.2f}")
        if httpx is not None:
            rasio += f"  ×floor httpx: CPU/update {h.cpu_per_update_ms / httpx.cpu_per_update_ms:.2f}"
    print(f"{h.nama:<30} {h.pembaruan:>6} update {h.per_detik:7.1f} update/s  p50 {h.persentil(50):6.0f} ms  "
          f"p99 {h.persentil(99):6.0f} ms  CPU bot {h.cpu_per_update_ms:5.2f} ms/update "
          f"(+Telegram palsu {h.cpu_telegram / max(h.pembaruan, 1) * 1000:4.2f}"
          f"{f', +PostgreSQL {h.cpu_pg / max(h.pembaruan, 1) * 1000:4.2f}' if h.cpu_pg else ''}){rasio}", flush=True)
    if h.ditolak:
        print(f"{'':<30} 429 dari Telegram palsu: {h.ditolak}; laporan selesai {h.selesai} dari {h.dimulai} dimulai, "
              f"tersimpan {h.tersimpan}", flush=True)


def ringkas(hasil: list[Hasil]) -> dict[str, Any]:
    """The figures as JSON (for bench/run_all.py)."""
    return {h.nama: {"update": h.pembaruan, "update_per_s": round(h.per_detik, 1),
                     "p50_ms": round(h.persentil(50), 1), "p99_ms": round(h.persentil(99), 1),
                     "cpu_ms_per_update": round(h.cpu_per_update_ms, 3),
                     "cpu_pg_ms_per_update": round(h.cpu_pg / max(h.pembaruan, 1) * 1000, 3),
                     "median_ms": round(statistics.median(h.latensi) * 1000, 1) if h.latensi else None,
                     **({"429": h.ditolak, "laporan_dimulai": h.dimulai, "laporan_selesai": h.selesai}
                        if h.ditolak else {})}
            for h in hasil}


def _jenis(url: str, pekerja: int) -> str:
    """A run's kind for --hanya: sqlite, pg or pekerja."""
    return "pekerja" if pekerja else "pg" if url.startswith("postgres") else "sqlite"


async def utama(a: argparse.Namespace) -> None:
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        os.environ.pop(var, None)
    users = 4 if a.quick else a.users
    per_user = 2 if a.quick else max(2, a.laporan)  # ≥ 2 TPS each, so the TPS button is part of every report
    hasil: list[Hasil] = []
    print(f"{users} pengguna × {per_user} laporan /tiba × {LANGKAH} update, latensi Bot API palsu "
          f"{a.latency * 1000:.0f} ms, jeda pengguna {a.jeda * 1000:.0f} ms, {os.cpu_count()} inti, "
          f"Python {sys.version.split()[0]}, batas Telegram 30 pesan baru/detik "
          f"{'berlaku' if a.batas_telegram else 'dinaikkan'}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        sqlite_url = f"sqlite:///{tmp}/bench.db"
        petugas = await siapkan_db(sqlite_url, users, per_user)
        dasar = await jalankan("PTB echo (lantai)", "gema", petugas, a)
        hasil.append(dasar)
        cetak(dasar, None)
        httpx = None
        if not a.tanpa_httpx:
            httpx = await jalankan("PTB echo, klien httpx", "gema", petugas, a, klien="httpx")
            hasil.append(httpx)
            cetak(httpx, None)
        runs: list[tuple[str, str, int, float]] = [] if a.hanya_gema else [("Pantau /tiba SQLite", sqlite_url, 0, 0.0)]
        if a.gangguan and not a.hanya_gema:
            runs.append((f"Pantau /tiba SQLite 429 {a.gangguan:.0%}", sqlite_url, 0, a.gangguan))
        if a.pg:
            runs.append(("Pantau /tiba PostgreSQL", a.pg, 0, 0.0))
            for n in a.workers:
                runs.append((f"Pantau /tiba PG {n} webhook", a.pg, n, 0.0))
        if a.hanya:
            runs = [r for r in runs if _jenis(r[1], r[2]) in a.hanya]
        for nama, url, pekerja, gangguan in runs:
            if url != sqlite_url or any(h is not dasar and h is not httpx for h in hasil):
                petugas = await siapkan_db(url, users, per_user)
            h = await jalankan(nama, "pantau", petugas, a, db=url, pekerja=pekerja, gangguan=gangguan)
            n = await jumlah_laporan(url)
            if gangguan:
                h.tersimpan = n
            elif n != users * per_user:
                raise RuntimeError(f"{nama}: {n} laporan tersimpan, seharusnya {users * per_user}")
            hasil.append(h)
            cetak(h, dasar, httpx)
    if a.json:
        Path(a.json).write_text(json.dumps(ringkas(hasil), indent=2, ensure_ascii=False))


def main() -> None:
    """Command line (the parent), or one bot process (--peran)."""
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--quick", action="store_true", help="a tiny smoke run")
    p.add_argument("--users", type=int, default=160, help="officers reporting side by side (default 160)")
    p.add_argument("--laporan", type=int, default=3, help="reports per officer (default 3)")
    p.add_argument("--latency", type=float, default=0.15, help="seconds per Bot API round trip (default 0.15)")
    p.add_argument("--jeda", type=float, default=0.0, help="seconds a user thinks between steps (default 0)")
    p.add_argument("--pg", help="also run on this PostgreSQL database (it is WIPED)")
    p.add_argument("--workers", type=int, nargs="*", default=[1, 2],
                   help="runs with this many webhook workers on PostgreSQL (with --pg; default 1 and 2)")
    p.add_argument("--json", help="write the figures to this file")
    p.add_argument("--tanpa-httpx", action="store_true", help="skip the floor on PTB's own client (httpx)")
    p.add_argument("--klien", default="", help=argparse.SUPPRESS)
    p.add_argument("--batas-telegram", action="store_true",
                   help="keep Telegram's 30 new messages/s for the whole bot (default: raised, to measure the CPU)")
    p.add_argument("--hanya", nargs="+", choices=("sqlite", "pg", "pekerja"),
                   help="only these runs after the echo floor (default: all)")
    p.add_argument("--konkuren", type=int, default=0, help="updates processed at once (default: bot.app's)")
    p.add_argument("--pool", type=int, default=0, help="Bot API connections (default: bot.app's)")
    p.add_argument("--gangguan", type=float, default=0.0, help="also a run with this share of calls answered 429")
    p.add_argument("--hanya-gema", action="store_true", help="only the echo floor")
    p.add_argument("--peran", choices=("pantau", "gema"), help=argparse.SUPPRESS)
    p.add_argument("--api", help=argparse.SUPPRESS)
    p.add_argument("--db", help=argparse.SUPPRESS)
    p.add_argument("--port", type=int, help=argparse.SUPPRESS)
    p.add_argument("--webhook", action="store_true", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.peran == "pantau":
        _bot_pantau(a)
    elif a.peran == "gema":
        _bot_gema(a)
    else:
        asyncio.run(utama(a))


if __name__ == "__main__":
    main()
