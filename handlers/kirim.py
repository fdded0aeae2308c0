"""Sending replies that respect Telegram's limits."""

from __future__ import annotations

from typing import Any

from telegram import Message

from handlers import teks

BATAS = 4096


def potong(text: str, batas: int = BATAS - 40) -> list[str]:
    """Split a long text at line ends into parts that fit one message each (never drops a character)."""
    parts: list[str] = []
    cur = ""
    for line in text.split("\n"):
        while len(line) > batas:  # a single very long line is cut hard, nothing is lost
            if cur:
                parts.append(cur)
                cur = ""
            parts.append(line[:batas])
            line = line[batas:]
        candidate = f"{cur}\n{line}" if cur else line
        if len(candidate) > batas:
            parts.append(cur)
            cur = line
        else:
            cur = candidate
    if cur or not parts:
        parts.append(cur)
    if len(parts) > 1:
        parts = [f"{p}\n{teks.TERPOTONG.format(i=i + 1, n=len(parts))}" for i, p in enumerate(parts)]
    return parts


async def balas(message: Message, text: str, **kwargs: Any) -> Message:
    """Reply with a text of any length, split into several messages when needed; returns the last."""
    parts = potong(text)
    sent = message
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        sent = await message.reply_text(part, **(kwargs if last else {}))
    return sent
