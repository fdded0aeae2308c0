"""The one guard: for every update, who is this, and may they do this? Runs before every other handler.

The user is looked up with ``storage.users.by_telegram_id_singgah``: one SELECT, whose answer is kept for at most
``storage.tembolok.TTL_S`` (5) seconds. A change of role, scope or status made in this process (the bot's own
handlers, the web admin, anything writing ``users``/``user_tps``/``units``/``tps`` through this engine) empties
that cache when it is written and again once it is committed, so it takes effect at the very next update; a
change made by another process (another webhook worker, the ``pantau`` CLI) takes effect within those 5 seconds.
Unknown accounts are never cached.
"""

from __future__ import annotations

from telegram import CallbackQuery, Update
from telegram.ext import ApplicationHandlerStop

from domain import akses
from domain.entitas import PERAN_LABEL
from domain.laju import PembatasLaju
from handlers import teks
from handlers.konteks import PantauContext
from storage import users


def nama_perintah(update: Update) -> str | None:
    """The command of a message ("/Start@bot x" → "start"), or None."""
    msg = update.message or update.edited_message
    if msg is None or not msg.text or not msg.text.startswith("/"):
        return None
    return msg.text[1:].split(maxsplit=1)[0].split("@", 1)[0].lower() if len(msg.text) > 1 else ""


async def jaga(update: object, context: PantauContext) -> None:
    """Look the user up and stop the update when the role or status does not allow it."""
    if not isinstance(update, Update) or update.effective_user is None:
        raise ApplicationHandlerStop  # channel posts, polls and the like: nothing for us
    await _batasi_laju(update, context)
    pengguna = await users.by_telegram_id_singgah(context.layanan.engine, update.effective_user.id)
    context.pengguna = pengguna
    status = pengguna.status if pengguna else None
    peran = pengguna.role if pengguna and pengguna.aktif else None
    query = update.callback_query
    if query is not None:
        await _jaga_tombol(query, status, peran)
        return
    cmd = nama_perintah(update)
    msg = update.effective_message
    if msg is None:
        raise ApplicationHandlerStop
    if status == "dicabut":
        await msg.reply_text(teks.DICABUT)
        raise ApplicationHandlerStop
    if cmd is not None:
        if akses.boleh_perintah(peran, cmd):
            return
        text = teks.TIDAK_BERWENANG.format(peran=PERAN_LABEL.get(peran, peran)) if peran else _belum(status)
        await msg.reply_text(text)
        raise ApplicationHandlerStop
    if peran is None and not (status in (None, "ditolak") and context.user_data and "minta_peran" in context.user_data):
        await msg.reply_text(_belum(status))
        raise ApplicationHandlerStop


async def _batasi_laju(update: Update, context: PantauContext) -> None:
    """One user flooding the bot gets one polite message per window; the rest is dropped unanswered."""
    pembatas = context.application.bot_data.get("pembatas_laju")
    if pembatas is None:
        pembatas = context.application.bot_data["pembatas_laju"] = PembatasLaju(*context.layanan.laju)
    assert update.effective_user is not None
    putusan = pembatas.periksa(update.effective_user.id, context.layanan.now().timestamp())
    if putusan == "lanjut":
        return
    if update.callback_query is not None:
        await update.callback_query.answer(teks.TERLALU_CEPAT if putusan == "tegur" else None)
    elif putusan == "tegur" and update.effective_message is not None:
        await update.effective_message.reply_text(teks.TERLALU_CEPAT)
    raise ApplicationHandlerStop


def _belum(status: str | None) -> str:
    return {"menunggu": teks.MENUNGGU, "ditolak": teks.DITOLAK}.get(status or "", teks.BELUM_TERDAFTAR)


async def _jaga_tombol(query: CallbackQuery, status: str | None, peran: str | None) -> None:
    if status == "dicabut":
        await query.answer(teks.DICABUT, show_alert=True)
        raise ApplicationHandlerStop
    allowed = akses.boleh_tombol_data(peran, query.data)
    if allowed is None:
        await query.answer(teks.KEDALUWARSA, show_alert=True)
        raise ApplicationHandlerStop
    if not allowed:
        await query.answer(teks.TOMBOL_TIDAK_BERWENANG if peran else _belum(status), show_alert=True)
        raise ApplicationHandlerStop
