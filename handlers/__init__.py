"""The Telegram front end: `register` wires every handler into an Application in the right order."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, TypeHandler, filters

from handlers import akun, guard, laporan, umum

GRUP_JAGA = -1
GRUP_SIMPAN = 100


def register(app: Application[Any, Any, Any, Any, Any, Any], *, flush: Any = None) -> None:
    """Add the guard, the features, the last-resort handlers and the error handler."""
    app.add_handler(TypeHandler(object, guard.jaga), group=GRUP_JAGA)
    app.add_handlers([
        akun.percakapan_minta(),
        CommandHandler("start", akun.cmd_start),
        CommandHandler(["help", "bantuan"], akun.cmd_help),
        CommandHandler("profil", akun.cmd_profil),
        CommandHandler("undang", akun.cmd_undang),
        CommandHandler("capaian", laporan.cmd_capaian),
        CommandHandler("anggaran", laporan.cmd_anggaran),
        CommandHandler("logistik", laporan.cmd_logistik),
        CommandHandler("pemutakhiran", laporan.cmd_pemutakhiran),
        CommandHandler("batal", akun.cmd_batal),
        CallbackQueryHandler(akun.on_putus, pattern=r"^putus:"),
        # Last resort, in the same group so they only run when nothing above took the update.
        CallbackQueryHandler(umum.on_tombol_basi),
        MessageHandler(filters.COMMAND, umum.on_perintah_asing),
        MessageHandler(filters.ALL, umum.on_pesan_lain),
    ])
    if flush is not None:
        app.add_handler(TypeHandler(object, flush), group=GRUP_SIMPAN)
    app.add_error_handler(umum.on_error)
