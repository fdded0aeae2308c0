"""The web server of `pantau run`: health, the Telegram webhook, and the admin pages (admin/)."""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from telegram import Update
from telegram.ext import Application

from admin.app import create_app as create_admin_app
from admin.inti import Web
from bot import pekerja

log = logging.getLogger("pantau.web")
WEBHOOK_PATH = "/telegram/webhook"


def create_web_app(app: Application[Any, Any, Any, Any, Any, Any], *, mode: str,
                   webhook_secret: str | None = None, base_url: str = "http://127.0.0.1:8080") -> Starlette:
    """The ASGI app served next to the bot: /health, the webhook, and the admin web at the root."""

    async def health(request: Request) -> Response:
        engine = app.bot_data["layanan"].engine
        try:
            async with engine.connect() as conn:
                await conn.exec_driver_sql("SELECT 1")
            db = "ok"
        except Exception as exc:  # health must answer, whatever the database does
            db = f"galat: {type(exc).__name__}"
        status = 200 if db == "ok" else 503
        isi: dict[str, Any] = {"status": "ok" if status == 200 else "galat", "basis_data": db, "mode": mode}
        proses = app.update_processor
        if isinstance(proses, pekerja.PekerjaUpdateProcessor) and proses.partisi.aktif:
            isi["partisi"] = len(proses.partisi.milik)  # this worker's share of the users (bot/partisi.py)
        return JSONResponse(isi, status_code=status)

    async def webhook(request: Request) -> Response:
        token = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if webhook_secret is None or not hmac.compare_digest(token, webhook_secret):
            return Response(status_code=403)
        try:
            body = await request.body()
            data = json.loads(body)
            if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
                return Response(status_code=400)
            if not app.bot_data.get("pekerja"):
                update = Update.de_json(data, app.bot)
        except (ValueError, TypeError, KeyError, AttributeError):  # not JSON, or not an update
            return Response(status_code=400)
        if app.bot_data.get("pekerja"):  # several workers: each update once, each user in one worker
            return Response(status_code=await pekerja.terima_webhook(app, data, body))
        await app.update_queue.put(update)
        return Response(status_code=200)

    routes: list[BaseRoute] = [Route("/health", health)]
    if webhook_secret is not None:
        routes.append(Route(WEBHOOK_PATH, webhook, methods=["POST"]))
    routes.append(Mount("/", app=create_admin_app(admin_web(app, base_url))))
    return Starlette(routes=routes)


def admin_web(app: Application[Any, Any, Any, Any, Any, Any], base_url: str) -> Web:
    """The admin web's services, taken from the running bot (the /web command reads the same base URL)."""
    svc = app.bot_data["layanan"]
    app.bot_data["web_base_url"] = base_url.rstrip("/")

    async def ambil_foto(file_id: str) -> bytes:
        f = await app.bot.get_file(file_id)
        return bytes(await f.download_as_bytearray())

    return Web(engine=svc.engine, base_url=base_url.rstrip("/"), timezone=svc.timezone, clock=svc.now,
               bot_username=lambda: svc.bot_username, wake_outbox=lambda: svc.wake_outbox(), ambil_foto=ambil_foto)
