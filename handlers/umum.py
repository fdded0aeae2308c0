"""The last resort handlers: stale buttons, unknown commands, stray messages, and the error handler."""

from __future__ import annotations

import logging
import secrets
import traceback

from telegram import Update
from telegram.error import TelegramError

from handlers import teks
from handlers.konteks import PantauContext
from storage import outbox, users

log = logging.getLogger("pantau.galat")


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


async def on_error(update: object, context: PantauContext) -> None:
    """Tell the user (with a reference code), log the traceback, alert admins at most once per kind per hour."""
    kode = secrets.token_hex(3).upper()
    err = context.error
    jenis = type(err).__name__
    log.error("galat kode=%s jenis=%s\n%s", kode, jenis,
              "".join(traceback.format_exception(err)) if err else "")
    if isinstance(update, Update):
        try:
            if update.callback_query is not None:
                await update.callback_query.answer(teks.GALAT.format(kode=kode), show_alert=True)
            elif update.effective_message is not None:
                await update.effective_message.reply_text(teks.GALAT.format(kode=kode))
        except TelegramError:
            log.warning("galat kode=%s: pesan galat ke pengguna tidak terkirim", kode)
    try:
        svc = context.layanan
        now = svc.now()
        async with svc.engine.begin() as conn:
            admins = set(await users.admin_chat_ids(conn)) | set(svc.admin_ids)
            for admin in admins:
                await outbox.enqueue(conn, key=f"alarm:{jenis}:{now:%Y%m%d%H}:{admin}", chat_id=admin,
                                     text=teks.ALARM_ADMIN.format(jenis=jenis, kode=kode), kind="alarm", now=now)
        svc.wake_outbox()
    except Exception:  # the error handler must never raise; the log line above has the original error
        log.exception("galat kode=%s: alarm admin gagal diantrekan", kode)
