"""The web server of `pantau run`: health, the Telegram webhook, and (later) the admin pages."""

from __future__ import annotations

import hmac
import json
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram import Update
from telegram.ext import Application

WEBHOOK_PATH = "/telegram/webhook"


def create_web_app(app: Application[Any, Any, Any, Any, Any, Any], *, mode: str,
                   webhook_secret: str | None = None) -> Starlette:
    """The ASGI app served next to the bot."""

    async def health(request: Request) -> Response:
        engine = app.bot_data["layanan"].engine
        try:
            async with engine.connect() as conn:
                await conn.exec_driver_sql("SELECT 1")
            db = "ok"
        except Exception as exc:  # health must answer, whatever the database does
            db = f"galat: {type(exc).__name__}"
        status = 200 if db == "ok" else 503
        return JSONResponse({"status": "ok" if status == 200 else "galat", "basis_data": db, "mode": mode},
                            status_code=status)

    async def webhook(request: Request) -> Response:
        token = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if webhook_secret is None or not hmac.compare_digest(token, webhook_secret):
            return Response(status_code=403)
        try:
            data = json.loads(await request.body())
        except ValueError:
            return Response(status_code=400)
        await app.update_queue.put(Update.de_json(data, app.bot))
        return Response(status_code=200)

    routes = [Route("/health", health)]
    if webhook_secret is not None:
        routes.append(Route(WEBHOOK_PATH, webhook, methods=["POST"]))
    return Starlette(routes=routes)
