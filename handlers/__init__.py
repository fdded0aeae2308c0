"""The Telegram front end: `register` wires every feature's handlers into an Application in the right order."""

from __future__ import annotations

import importlib
from typing import Any

from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from handlers import akun, grup, guard, menu, umum

# -4: bot.saring; -3: the chat gate (private chats only); -1: bot.persistence ends stale conversations
GRUP_GERBANG = -3
GRUP_JAGA = -2
GRUP_SIMPAN = 100

# Feature modules, each with `daftar() -> list[BaseHandler]`; earlier modules win when two could take an update.
FITUR = (
    # Conversations first: a user inside one gets their answers (and /batal) handled by it.
    "handlers.realisasi",
    "handlers.verifikasi",
    "handlers.anggaran_lapor",
    "handlers.rencana",
    "handlers.tahapan",
    "handlers.tiba",
    "handlers.gudang",
    "handlers.siaran",
    "handlers.akun",
    "handlers.laporan",
    "handlers.logistik",
    "handlers.eskalasi",
    "handlers.web",
    "handlers.pengingat",
    "handlers.jadwal",
    "handlers.ekspor",
    "handlers.lkjip",
)


def _commands(handler: BaseHandler[Any, Any, Any]) -> set[str]:
    if isinstance(handler, CommandHandler):
        return set(handler.commands)
    if isinstance(handler, ConversationHandler):
        return set().union(*(_commands(h) for h in handler.entry_points)) if handler.entry_points else set()
    return set()


def register(app: Application[Any, Any, Any, Any, Any, Any], *, flush: Any = None) -> None:
    """Add the guard, the features, the last-resort handlers and the error handler."""
    # The gate first: nothing from a group or channel reaches the guard, a flow or a button.
    app.add_handler(TypeHandler(object, grup.gerbang), group=GRUP_GERBANG)
    app.add_handler(TypeHandler(object, guard.jaga), group=GRUP_JAGA)
    features: list[BaseHandler[Any, Any, Any]] = []
    for name in FITUR:
        features += importlib.import_module(name).daftar()
    features = menu.dengan_tombol(features)  # each command's /start menu button beside it
    # Last resort, in the same group so they only run when nothing above took the update; /batal here answers
    # "nothing to cancel" only when no conversation claimed it, whatever the order of FITUR.
    akhir: list[BaseHandler[Any, Any, Any]] = [
        CommandHandler("batal", akun.cmd_batal),
        CallbackQueryHandler(umum.on_tombol_basi),
        MessageHandler(filters.COMMAND, umum.on_perintah_asing),
        MessageHandler(filters.ALL, umum.on_pesan_lain),
    ]
    app.add_handlers([*features, *akhir])
    app.bot_data["perintah"] = frozenset().union(*(_commands(h) for h in [*features, *akhir]))
    if flush is not None:
        app.add_handler(TypeHandler(object, flush), group=GRUP_SIMPAN)
    app.add_error_handler(umum.on_error)
