"""The LKjIP draft in the bot: admins' /capaian → "Draf LKjIP" sends the Word document of the year.

The button ("lj:d:<tahun>") is admin-only in domain/akses.py (the guard refuses anyone else before this runs); the
document is built by reports.lkjip, as on the command line and the web, and rendered in a worker thread.
"""

from __future__ import annotations

import asyncio
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Message, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from handlers import teks, tombol
from handlers.ekspor import catat
from handlers.konteks import PantauContext
from handlers.teks import laporan as tl
from reports import lkjip, lkjip_docx

LJ = "lj"
TAHUN_MIN, TAHUN_MAKS = 2000, 2100


def tombol_draf(tahun: int) -> tuple[str, str]:
    """The "Draf LKjIP" button of a year."""
    return tl.T_LKJIP, tombol.data(LJ, "d", tahun)


async def on_lkjip(update: Update, context: PantauContext) -> None:
    """Send the draft of the button's year; a forged or stale button gets the usual answer."""
    query = update.callback_query
    assert query is not None and isinstance(query.message, Message)
    a = tombol.args(query.data, 2)
    if not a or a[0] != "d" or not (a[1].isascii() and a[1].isdigit()) or not TAHUN_MIN <= int(a[1]) <= TAHUN_MAKS:
        await query.answer(teks.KEDALUWARSA, show_alert=True)
        return
    await query.answer(tl.MENYIAPKAN)
    tahun = int(a[1])
    today = context.layanan.now().astimezone(ZoneInfo(context.layanan.timezone)).date()
    async with context.layanan.engine.connect() as conn:
        try:
            data = await lkjip.build(conn, tahun, today=today)
        except lkjip.TanpaData:
            await query.message.reply_text(lkjip.TANPA_DATA)
            return
    isi = await asyncio.to_thread(lkjip_docx.render, data)
    await query.message.reply_document(isi, filename=f"draf-lkjip-{data.tahun}.docx",
                                       caption=tl.BERKAS_LKJIP.format(tahun=data.tahun))
    await catat(context, "lkjip", "docx", lkjip.baris_audit(data), {"tahun": data.tahun})


def daftar() -> list[BaseHandler[Any, PantauContext, Any]]:
    """The draft's button."""
    return [CallbackQueryHandler(on_lkjip, pattern=rf"^{LJ}:")]
