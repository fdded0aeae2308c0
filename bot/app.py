"""Building the PTB Application: handlers, persistence, services, and the outbox sender's life cycle."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, Defaults, TypeHandler
from telegram.request import BaseRequest

import handlers
from bot import pekerja, pengingat, saring
from bot.fakebotapi import FakeBotApi, FakeRequest
from bot.kendali import KendaliBanjir
from bot.outbox import OutboxSender
from bot.pekerja import PekerjaJobQueue, PekerjaUpdateProcessor
from bot.permintaan import PermintaanAiohttp
from bot.persistence import GRUP_BASI, DbPersistence, akhiri_yang_basi, flush_after_update
from bot.settings import Settings
from bot.updates import PerUserUpdateProcessor
from handlers import menu
from handlers.konteks import Layanan, PantauContext
from storage import identitas, users

# PTB 22 warns when RetryAfter is built unless told to use timedeltas; we read retry_after as seconds only
# through the outbox, which handles both forms.
os.environ.setdefault("PTB_TIMEDELTA", "true")

log = logging.getLogger("pantau.bot")
LOCAL_TOKEN = "100000001:LOKAL-pantau-tanpa-telegram"
# Updates of different users run side by side (one user's stay in order). Telegram is ~150 ms away, so the
# number in flight bounds the rate (96 in flight ≈ 300 Bot API calls/s); the database pool and the CPU are the
# next limits (bench/README.md). The Bot API client keeps as many connections (bot/permintaan.py).
MAX_CONCURRENT_UPDATES = 96
HTTP_CONNECTIONS = 96

PantauApp = Application[Any, PantauContext, Any, Any, Any, Any]


def permintaan_http(base_url: str) -> BaseRequest:
    """The Bot API client for every call but getUpdates."""
    return PermintaanAiohttp(base_url, connections=HTTP_CONNECTIONS)


def permintaan_poll(base_url: str) -> BaseRequest:
    """The client of the long poll (one connection; never a proxy for a Bot API on loopback)."""
    return PermintaanAiohttp(base_url, connections=1)


def build_application(settings: Settings, engine: AsyncEngine, *, api: FakeBotApi | None = None,
                      clock: Callable[[], datetime] | None = None, send_outbox: bool = True,
                      outbox_options: dict[str, Any] | None = None, pekerja: bool = False,
                      kendali: dict[str, Any] | None = None) -> PantauApp:
    """The Application with every handler; `api` runs it against an in-process Bot API (local mode, tests).

    `pekerja` (webhook mode) makes it one of several workers on one database (bot/pekerja.py); `kendali` are
    the options of the Bot API rate limiter and retries (bot/kendali.py).
    """
    jam = clock or (lambda: datetime.now(UTC))
    builder = (ApplicationBuilder().context_types(ContextTypes(context=PantauContext))
               .persistence(DbPersistence(engine, clock=jam)).defaults(Defaults(block=True))
               .post_init(_post_init).post_stop(_post_stop).rate_limiter(KendaliBanjir(**(kendali or {}))))
    proses: PerUserUpdateProcessor
    if pekerja:
        proses = PekerjaUpdateProcessor(MAX_CONCURRENT_UPDATES, engine)
        builder = builder.concurrent_updates(proses).job_queue(PekerjaJobQueue(engine, proses.partisi))
    else:
        proses = PerUserUpdateProcessor(MAX_CONCURRENT_UPDATES)
        builder = builder.concurrent_updates(proses)
    if api is not None:
        builder = builder.token(LOCAL_TOKEN).request(FakeRequest(api)).get_updates_request(FakeRequest(api))
    else:
        assert settings.telegram_bot_token is not None
        base = settings.telegram_base_url.rstrip("/")
        builder = (builder.token(settings.telegram_bot_token.get_secret_value()).base_url(base)
                   .base_file_url(base.removesuffix("/bot") + "/file/bot")
                   .request(permintaan_http(base)).get_updates_request(permintaan_poll(base)))
    app: PantauApp = builder.build()
    svc = Layanan(engine=engine, timezone=settings.timezone, admin_ids=list(settings.admin_ids),
                  bot_username=api.bot_username if api is not None else settings.bot_username,
                  clock=jam)
    app.bot_data["layanan"] = svc
    app.bot_data["kirim_outbox"] = send_outbox
    app.bot_data["outbox_options"] = outbox_options or {}
    app.bot_data["pekerja"] = pekerja
    if isinstance(proses, PekerjaUpdateProcessor):
        proses.pasang(app)
    # Before the guard: characters no database stores are replaced in whatever users send (bot/saring.py).
    app.add_handler(TypeHandler(object, saring.saring_pembaruan), group=saring.GRUP_SARING)
    app.add_handler(TypeHandler(Update, akhiri_yang_basi), group=GRUP_BASI)
    handlers.register(app, flush=flush_after_update)
    return app


@contextlib.asynccontextmanager
async def running(app: PantauApp, *, polling: bool = False, poll_interval: float = 0.0) -> AsyncIterator[PantauApp]:
    """Initialise and start the Application with its hooks (PTB calls them only inside run_polling/run_webhook)."""
    await app.initialize()
    try:
        if app.post_init:
            await app.post_init(app)
        await app.start()
        if isinstance(app.update_processor, PekerjaUpdateProcessor):
            await app.update_processor.partisi.mulai()  # take this worker's share of the users
        if polling:
            assert app.updater is not None
            await app.updater.start_polling(poll_interval=poll_interval)
        try:
            yield app
        finally:
            if app.updater is not None and app.updater.running:
                await app.updater.stop()
            if isinstance(app.update_processor, PekerjaUpdateProcessor):
                await app.update_processor.partisi.berhenti()  # hand the users over while their updates finish
            await app.stop()
            if app.post_stop:
                await app.post_stop(app)
    finally:
        await app.shutdown()
        if app.post_shutdown:
            await app.post_shutdown(app)


async def _post_init(app: PantauApp) -> None:
    svc: Layanan = app.bot_data["layanan"]
    me = await app.bot.get_me()
    svc.bot_username = me.username or svc.bot_username
    async with svc.engine.begin() as conn:
        await identitas.simpan_username(conn, svc.bot_username)  # the command line's invite links use it
        if svc.admin_ids:
            await users.ensure_admins(conn, svc.admin_ids, now=svc.now())
    await menu.pasang_menu_bawaan(app.bot, frozenset(app.bot_data["perintah"]))
    if app.bot_data["kirim_outbox"]:
        sender = OutboxSender(svc.engine, app.bot, **app.bot_data["outbox_options"])
        stop = asyncio.Event()
        svc.wake_outbox = sender.wake
        app.bot_data["outbox"] = (sender, stop, asyncio.create_task(sender.run(stop), name="outbox"))
        pengingat.pasang(app)  # the reminder sweep (every minute) and the 07.00 digest, on PTB's JobQueue
    if app.bot_data["pekerja"] and app.job_queue is not None:
        app.job_queue.run_repeating(pekerja.job_bersihkan, interval=3600, first=60, name="bersihkan-pembaruan")
    log.info("bot siap: @%s", svc.bot_username)


async def _post_stop(app: PantauApp) -> None:
    running = app.bot_data.pop("outbox", None)
    if running is not None:
        _, stop, task = running
        stop.set()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, timeout=10)
