"""Reminder buttons that open a flow ("<prefix>:mulai:<item>…"): the rules every such entry point shares.

A reminder (handlers.pengingat) carries buttons that start a flow at its item: /realisasi, /rencana, /tahapan,
/tiba. Each flow takes its button as an extra entry point and runs the same checks as its own step (the guard
checks the role; the step checks the item and the user's scope). Two rules come with a reminder's button:

* the reminder is not edited: the flow goes on in a new message, so the reminder keeps its text and its other
  buttons (the other indicators or TPS, "Ingatkan besok");
* a second tap on the button that started the flow still open starts nothing new (the flow's draft remembers
  the button; every way out of a flow forgets the draft).

The /start and /help menu's buttons (handlers.menu) keep their message the same way; each starts its command
afresh, as typing the command again does.
"""

from __future__ import annotations

from typing import Any

from telegram import CallbackQuery

from domain import akses
from handlers.teks import pengingat as tx

MULAI = "mulai"
TANDA = "dari_tombol"  # draft key: the callback data of the reminder button that started the flow


def dari_pengingat(query: CallbackQuery | None) -> bool:
    """Whether a button press is a reminder's flow button, or a /start menu button ("mn:<command>"): the message
    holding it stays as it is, and the flow goes on in a new message."""
    data = (query.data or "") if query is not None else ""
    return query is not None and (data.split(":")[1:2] == [MULAI] or data.startswith(f"{akses.MENU}:"))


async def sudah_dimulai(query: CallbackQuery, draf: Any) -> bool:
    """A second tap on the button that started the flow still open: answered here, and nothing starts again."""
    if isinstance(draf, dict) and query.data and draf.get(TANDA) == query.data:
        await query.answer(tx.SUDAH_DIMULAI)
        return True
    return False


def tandai(draf: dict[str, Any], query: CallbackQuery | None) -> None:
    """Remember in the flow's draft that this reminder button started it (nothing when another button did)."""
    if query is not None and dari_pengingat(query):
        draf[TANDA] = query.data
