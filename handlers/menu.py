"""Telegram's command menu per user, so each role sees only its own commands; and the role's main actions as
buttons under /start and /help."""

from __future__ import annotations

import functools
from typing import Any

from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeDefault, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from domain import akses
from domain.angka import format_number
from handlers import teks, tombol
from handlers.konteks import PantauContext
from storage import org, verifikasi


def _commands(peran: str | None, tersedia: frozenset[str]) -> list[BotCommand]:
    return [BotCommand(p.nama, p.keterangan) for p in akses.menu(peran, tersedia)]


async def pasang_menu_bawaan(bot: Bot, tersedia: frozenset[str]) -> None:
    """The menu of accounts that are not registered."""
    await bot.set_my_commands(_commands(None, tersedia), scope=BotCommandScopeDefault())


async def pasang_menu(bot: Bot, chat_id: int, peran: str | None, tersedia: frozenset[str]) -> None:
    """The menu of one user's private chat (None: back to the unregistered menu)."""
    if peran is None:
        await bot.delete_my_commands(scope=BotCommandScopeChat(chat_id))
    else:
        await bot.set_my_commands(_commands(peran, tersedia), scope=BotCommandScopeChat(chat_id))


# --- the main actions as buttons under /start and /help -----------------------------------------------------


def tombol_utama(perintah: list[str], menunggu: int | None = None) -> InlineKeyboardMarkup | None:
    """The keyboard of a role's main actions ("mn:<command>"): the first alone on its row, the rest in pairs."""
    if not perintah:
        return None
    label = [(teks.MENU_VERIFIKASI.format(n=format_number(menunggu or 0)) if c == "verifikasi"
              else teks.MENU_TOMBOL[c], tombol.data(akses.MENU, c)) for c in perintah]
    return tombol.papan([label[0]], *(label[i:i + 2] for i in range(1, len(label), 2)))


async def papan_utama(context: PantauContext) -> InlineKeyboardMarkup | None:
    """The main actions of the user behind the update (None for an account that is not active)."""
    p = context.pengguna
    if p is None or not p.aktif:
        return None
    perintah = akses.utama(p.role, kepala=p.is_head, tersedia=context.perintah)
    if p.role != "operator" and "verifikasi" not in perintah:
        return tombol_utama(perintah)  # nothing to look up (a petugas's /help costs no query)
    async with context.layanan.engine.connect() as conn:
        if p.role == "operator" and p.unit_code:  # a KPU kab/kota's operator runs its logistics
            unit = await org.unit_by_code(conn, p.unit_code)
            perintah = akses.utama(p.role, kepala=p.is_head, kabkota=unit is not None and unit.kind == "kabkota",
                                   tersedia=context.perintah)
        menunggu = len(await verifikasi.menunggu(conn, p)) if "verifikasi" in perintah else None
    return tombol_utama(perintah, menunggu)


def _dari_tombol(fn: Any) -> Any:
    """The command's own callback, run for its menu button (the button's spinner stopped first)."""
    @functools.wraps(fn)
    async def dari_tombol(update: Update, context: PantauContext) -> Any:
        assert update.callback_query is not None
        await update.callback_query.answer()
        return await fn(update, context)
    return dari_tombol


def dengan_tombol(handlers: list[BaseHandler[Any, Any, Any]]) -> list[BaseHandler[Any, Any, Any]]:
    """`handlers`, each command that has a menu button followed by the button's handler: the same callback as the
    command's (in a conversation, an entry point beside the command's), so a button starts exactly what typing
    the command starts. The guard lets the button through only for a role that may run the command."""
    out: list[BaseHandler[Any, Any, Any]] = []
    for h in handlers:
        out.append(h)
        if isinstance(h, CommandHandler):
            out += [CallbackQueryHandler(_dari_tombol(h.callback), pattern=rf"^{akses.MENU}:{c}$")
                    for c in sorted(h.commands) if c in akses.PERINTAH_MENU]
    return out
