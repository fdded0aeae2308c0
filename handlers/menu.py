"""Telegram's command menu per user, so each role sees only its own commands."""

from __future__ import annotations

from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeDefault

from domain import akses


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
