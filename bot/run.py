"""`pantau run`: the bot (polling or webhook), the scheduler, the outbox sender and the web server, in one process."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import signal
import sys
from datetime import UTC, datetime

import sqlalchemy as sa
import uvicorn
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram.error import InvalidToken

from bot import logs, port
from bot.app import build_application, running
from bot.fakebotapi import FakeBotApi
from bot.pekerja import kunci_mulai
from bot.settings import Settings
from bot.web import WEBHOOK_PATH, create_web_app
from reports import proses
from storage import demo, libur
from storage import tables as t
from storage.db import create_engine, upgrade

log = logging.getLogger("pantau.run")
TOKEN_DITOLAK = ("Pantau tidak dapat mulai: Telegram menolak token bot {bot} (TELEGRAM_BOT_TOKEN). "
                 "Periksa token dari @BotFather (mungkin sudah dicabut atau salah salin), lalu jalankan lagi.")


def webhook_secret(token: str) -> str:
    """The webhook's secret token: derived from the bot token, so every worker of one bot agrees on it."""
    return hmac.new(token.encode(), b"pantau-webhook", hashlib.sha256).hexdigest()


async def _empty(engine: AsyncEngine) -> bool:
    async with engine.connect() as conn:
        return (await conn.execute(sa.select(sa.func.count()).select_from(t.units))).scalar_one() == 0


async def serve(settings: Settings, *, load_demo: bool = True, stop: asyncio.Event | None = None) -> None:
    """Run until SIGINT/SIGTERM (or `stop`), then shut everything down in order."""
    port.pastikan_bebas(settings.web_host, settings.web_port)  # one clear line, before anything starts
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    engine = create_engine(settings.database_url)
    local = settings.local_mode
    token = settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token else ""
    secret = webhook_secret(token) if settings.webhook_url and not local else None
    mode = "lokal" if local else ("webhook" if secret else "polling")
    async with contextlib.AsyncExitStack() as stack:
        # Workers starting together on one PostgreSQL database migrate, seed and start one after another.
        async with kunci_mulai(engine):
            await upgrade(engine)
            if load_demo and await _empty(engine):
                res = await demo.load(engine, tz_name=settings.timezone)
                log.info("basis data kosong: data demo dimuat (%s TPS)", res.tps)
            async with engine.begin() as conn:  # holidays of every year with data (a new year's too)
                await libur.isi_dan_sinkronkan(conn, zona=settings.timezone, now=datetime.now(UTC))
            api = FakeBotApi() if local else None
            # In local mode nothing reaches a real chat, so the outbox waits for `pantau chat` to deliver it.
            # Webhook mode is worker mode: several `pantau run` may share the database (bot/pekerja.py).
            app = build_application(settings, engine, api=api, send_outbox=not local, pekerja=secret is not None)
            web_app = create_web_app(app, mode=mode, webhook_secret=secret, base_url=settings.web_base_url or "")
            web = uvicorn.Server(uvicorn.Config(web_app, host=settings.web_host, port=settings.web_port,
                                                log_config=None, lifespan="off"))
            await stack.enter_async_context(running(app, polling=secret is None, poll_interval=0.0))
            if secret:
                await app.bot.set_webhook(settings.webhook_url.rstrip("/") + WEBHOOK_PATH,  # type: ignore[union-attr]
                                          secret_token=secret)
        web_task = asyncio.create_task(web.serve(), name="web")
        if local:
            log.info("mode lokal: TELEGRAM_BOT_TOKEN tidak diisi, bot tidak tersambung ke Telegram. "
                     "Coba bot di terminal lain: pantau chat --as petugas (atau admin, pimpinan, operator)")
        log.info("Pantau berjalan (mode %s); web admin di %s (masuk lewat /web di bot)", mode, settings.web_base_url)
        await stop.wait()
        log.info("berhenti…")
        web.should_exit = True
        await web_task
    proses.hentikan()  # an export still being written is dropped, not waited for (its admin asks again)
    await engine.dispose()
    log.info("selesai")


def run(settings: Settings, *, load_demo: bool = True) -> int:
    """Entry point of `pantau run`."""
    token = settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token else ""
    logs.setup([token])
    try:
        asyncio.run(serve(settings, load_demo=load_demo))
    except InvalidToken:
        # PTB's message (and so its traceback) carries the whole token: print our own line, never the exception.
        print(TOKEN_DITOLAK.format(bot=token.split(":", 1)[0]), file=sys.stderr)
        return 2
    except port.PortTerpakai as exc:
        print(exc, file=sys.stderr)
        return 1
    except Exception:
        log.critical("Pantau berhenti karena galat", exc_info=True)  # through the redacting log handler
        return 1
    return 0
