"""Input hygiene before any handler: characters no database may store are replaced in what users send.

PostgreSQL refuses U+0000 in any text (even as a query parameter: "invalid byte sequence for encoding UTF8:
0x00"), SQLite stores it, so a NUL in a message, a caption, a name, a file name or forged callback data would
make the same step work on one backend and fail on the other. The filter runs first (before the chat gate
and the guard) and replaces each NUL with U+FFFD, which keeps the UTF-16 length, so message entities (the /command at
offset 0, bold, links) still point at the same characters. PTB's objects are immutable once built; the filter
uses PTB's own ``_unfrozen()`` for this one in-place change (python-telegram-bot is pinned below 23).
"""

from __future__ import annotations

from typing import Any

from telegram import Update, User

__all__ = ["GRUP_SARING", "PENGGANTI", "bersihkan", "saring"]

GRUP_SARING = -4
PENGGANTI = "\ufffd"
_NUL = "\x00"


def bersihkan(text: str) -> str:
    """The text with every NUL replaced (same UTF-16 length)."""
    return text.replace(_NUL, PENGGANTI)


def _ganti(obj: Any, *attrs: str) -> None:
    kotor = [a for a in attrs if isinstance(getattr(obj, a, None), str) and _NUL in getattr(obj, a)]
    if not kotor:
        return
    with obj._unfrozen():
        for a in kotor:
            setattr(obj, a, bersihkan(getattr(obj, a)))


def _pengguna(user: User | None) -> None:
    if user is not None:
        _ganti(user, "first_name", "last_name", "username")


def saring(update: Update) -> None:
    """Replace NUL characters in the update's user-controlled strings, in place."""
    _pengguna(update.effective_user)
    if update.effective_chat is not None:
        _ganti(update.effective_chat, "title", "username")
    for msg in (update.message, update.edited_message):
        if msg is None:
            continue
        _ganti(msg, "text", "caption")
        _pengguna(msg.from_user)
        if msg.document is not None:
            _ganti(msg.document, "file_name")
        if msg.contact is not None:
            _ganti(msg.contact, "first_name", "last_name", "phone_number")
    q = update.callback_query
    if q is not None:
        _ganti(q, "data")
        _pengguna(q.from_user)


async def saring_pembaruan(update: object, context: Any) -> None:
    """The handler callback (first group): clean the update, then let the guard and the features see it."""
    if isinstance(update, Update):
        saring(update)
