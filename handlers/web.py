"""/web: a one-time login link to the admin web for admins, pimpinan (read-only) and unit heads (their inbox)."""

from __future__ import annotations

from typing import Any

from telegram import LinkPreviewOptions, Update
from telegram.ext import BaseHandler, CommandHandler

from handlers.konteks import PantauContext
from handlers.teks import web as teks
from storage import web as sesi_web

BASIS_BAWAAN = "http://127.0.0.1:8080"


def tautan_masuk(base_url: str, token: str) -> str:
    """The link that opens the admin web."""
    return f"{base_url.rstrip('/')}/masuk/{token}"


async def cmd_web(update: Update, context: PantauContext) -> None:
    """Create a login token (only its hash is stored) and send the link, without a link preview."""
    msg, p = update.effective_message, context.aktif
    assert msg is not None
    svc = context.layanan
    try:
        async with svc.engine.begin() as conn:
            token = await sesi_web.create_login(conn, p.id, now=svc.now())
    except sesi_web.TautanError:
        await msg.reply_text(teks.TIDAK_BOLEH)
        return
    base = context.application.bot_data.get("web_base_url") or BASIS_BAWAAN
    text = teks.TAUTAN_MASUK.format(tautan=tautan_masuk(base, token))
    if sesi_web.akses_web(p) == sesi_web.KEPALA:
        text += "\n" + teks.TAUTAN_KEPALA_SAJA
    elif p.role == "pimpinan":
        text += "\n" + teks.TAUTAN_PIMPINAN
        if p.is_head:
            text += " " + teks.TAUTAN_KEPALA
    # No preview: a preview fetcher must never be the one that opens the link.
    await msg.reply_text(text, link_preview_options=LinkPreviewOptions(is_disabled=True))


def daftar() -> list[BaseHandler[Any, PantauContext, Any]]:
    """The /web command."""
    return [CommandHandler("web", cmd_web)]
