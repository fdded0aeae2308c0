"""The last resort handlers: stale buttons, unknown commands, stray messages, and the error handler."""

from __future__ import annotations

import logging
import secrets
import traceback
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection
from telegram import Update
from telegram.error import TelegramError

from handlers import gangguan, teks, tombol
from handlers.konteks import PantauContext
from storage import audit, outbox, users
from storage.audit import GALAT_BOT, GALAT_SIBUK

log = logging.getLogger("pantau.galat")
KIND_LANJUT = "lanjut"


async def on_tombol_basi(update: Update, context: PantauContext) -> None:
    """A button no handler took: its menu is over (or the data was forged)."""
    assert update.callback_query is not None
    await update.callback_query.answer(teks.KEDALUWARSA, show_alert=True)


async def on_perintah_asing(update: Update, context: PantauContext) -> None:
    """A command the bot does not have."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(teks.TIDAK_DIKENAL)


async def on_pesan_lain(update: Update, context: PantauContext) -> None:
    """A message outside any conversation."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(teks.BUKAN_PERINTAH)


def _langkah(update: object) -> tuple[int | None, str]:
    """Who and which step an update was: the user's Telegram id, the command/button data or the kind of message."""
    if not isinstance(update, Update):
        return None, type(update).__name__
    uid = update.effective_user.id if update.effective_user else None
    if update.callback_query is not None:
        return uid, f"tombol {update.callback_query.data}"
    msg = update.effective_message
    if msg is not None and msg.text:
        return uid, msg.text.split()[0][:40] if msg.text.startswith("/") else "teks"
    return uid, "pesan" if msg is not None else "pembaruan"


async def on_error(update: object, context: PantauContext) -> None:
    """Log what failed (user, step, reference code), tell the user once, count it, alert admins once an hour.

    When Telegram itself was busy the user hears it through the outbox, with a button that resumes the flow.
    """
    kode = secrets.token_hex(3).upper()
    err = context.error
    jenis = type(err).__name__
    uid, langkah = _langkah(update)
    sibuk = gangguan.sibuk(err)
    log.error("galat kode=%s jenis=%s pengguna=%s langkah=%s\n%s", kode, jenis, uid, langkah,
              "".join(traceback.format_exception(err)) if err else "")
    if isinstance(update, Update):
        await _kabari(update, context, kode, sibuk)
    try:
        svc = context.layanan
        now = svc.now()
        async with svc.engine.begin() as conn:
            await audit.record(conn, actor="bot", action=GALAT_SIBUK if sibuk else GALAT_BOT, entity="pembaruan",
                               entity_id=kode, new={"jenis": jenis, "pengguna": uid, "langkah": langkah}, now=now)
            if sibuk and isinstance(update, Update) and update.effective_chat is not None:
                await _antrekan_lanjutan(conn, update, context, kode, now)
            if not sibuk:
                admins = set(await users.admin_chat_ids(conn)) | set(svc.admin_ids)
                for admin in admins:
                    await outbox.enqueue(conn, key=f"alarm:{jenis}:{now:%Y%m%d%H}:{admin}", chat_id=admin,
                                         text=teks.ALARM_ADMIN.format(jenis=jenis, kode=kode), kind="alarm", now=now)
        svc.wake_outbox()
    except Exception:  # the error handler must never raise; the log line above has the original error
        log.exception("galat kode=%s: pemberitahuan galat gagal diantrekan", kode)


async def _kabari(update: Update, context: PantauContext, kode: str, sibuk: bool) -> None:
    """One try (no retries) to tell the user now; a callback already answered is never answered again."""
    q = update.callback_query
    try:
        if q is not None and q.id not in gangguan.terjawab(context.bot):
            await context.bot.answer_callback_query(q.id, teks.SIBUK_SINGKAT if sibuk else teks.GALAT.format(kode=kode),
                                                    show_alert=not sibuk, rate_limit_args=gangguan.SEKALI)
        elif not sibuk and update.effective_chat is not None:
            await context.bot.send_message(update.effective_chat.id, teks.GALAT.format(kode=kode),
                                           rate_limit_args=gangguan.SEKALI)
    except TelegramError:
        log.warning("galat kode=%s: pesan galat ke pengguna tidak terkirim (dikirim lewat outbox bila sibuk)", kode)


async def _antrekan_lanjutan(conn: AsyncConnection, update: Update, context: PantauContext, kode: str,
                             now: datetime) -> None:
    """The "Telegram was busy" message, with the flow's resume button, sent once Telegram accepts messages."""
    assert update.effective_chat is not None
    lanjut = gangguan.lanjutan(update, context)
    markup = tombol.papan_dict([(teks.TOMBOL_LANJUTKAN, lanjut.data)]) if lanjut else None
    await outbox.enqueue(conn, key=f"lanjut:{update.update_id}:{update.effective_chat.id}",
                         chat_id=update.effective_chat.id, text=lanjut.teks if lanjut else gangguan.tanpa_alur(),
                         kind=KIND_LANJUT, reply_markup=markup, now=now)
