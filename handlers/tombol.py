"""Inline buttons: callback data "<prefix>:<args>", always within Telegram's 64-byte limit."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

BATAS_BYTE = 64


def data(prefix: str, *args: object) -> str:
    """Callback data for a button; refuses anything Telegram would refuse."""
    s = ":".join([prefix, *(str(a) for a in args)])
    if len(s.encode("utf-8")) > BATAS_BYTE:
        raise ValueError(f"callback data terlalu panjang: {s!r}")
    return s


def args(callback_data: str | None, n: int) -> list[str] | None:
    """The n arguments after the prefix, or None when the data does not have that shape (forged or stale)."""
    if not callback_data:
        return None
    parts = callback_data.split(":")
    return parts[1:] if len(parts) == n + 1 else None


def nomor(arg: str | None) -> int | None:
    """A record id from a button's argument, or None when it cannot be one (forged or stale): ASCII digits only,
    and small enough for any id column (PostgreSQL's integer stops at 2.147.483.647)."""
    if arg is None or not (arg.isascii() and arg.isdigit()) or len(arg) > 9:
        return None
    return int(arg)


def papan(*baris: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    """An inline keyboard from rows of (label, callback data)."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=d) for label, d in row] for row in baris])


def papan_dict(*baris: list[tuple[str, str]]) -> dict[str, object]:
    """The same keyboard in Bot API form, for messages queued in the outbox."""
    return papan(*baris).to_dict()
