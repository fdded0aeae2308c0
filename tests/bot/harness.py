"""Drive the real Application through the in-process fake Bot API, one update at a time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import PantauApp, build_application, running
from bot.fakebotapi import FakeBotApi, SentMessage
from bot.settings import Settings
from storage import users


class Jam:
    """A controllable clock."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime(2024, 11, 24, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


class BotUji:
    """A running bot plus helpers to talk to it as a given Telegram user."""

    def __init__(self, app: PantauApp, api: FakeBotApi, engine: AsyncEngine, jam: Jam) -> None:
        self.app, self.api, self.engine, self.jam = app, api, engine, jam

    async def _proses(self, upd: Any) -> None:
        await self.app.process_update(upd.to_update(self.app.bot))

    async def kirim(self, tg: int, text: str) -> list[SentMessage]:
        """Send a text as the user; returns the bot's new messages in that chat."""
        before = len(self.api.messages(tg)) if self._ada(tg) else 0
        await self._proses(await self.api.send_text(tg, text))
        return self.api.messages(tg)[before:] if self._ada(tg) else []

    async def tekan(self, tg: int, data: str, message_id: int | None = None) -> list[SentMessage]:
        """Press a button (by its callback data, even a forged one) on the user's last keyboard message."""
        if message_id is None:
            message_id = next(m.message_id for m in reversed(self.api.messages(tg)) if m.buttons)
        before = len(self.api.messages(tg))
        await self._proses(await self.api.press(tg, message_id, data))
        return self.api.messages(tg)[before:]

    def jawaban_terakhir(self) -> str | None:
        """The text of the last callback answer."""
        return self.api.callback_answers[-1].text if self.api.callback_answers else None

    def _ada(self, tg: int) -> bool:
        try:
            self.api.messages(tg)
            return True
        except LookupError:
            return False

    async def kirim_outbox(self) -> int:
        """Deliver everything due in the outbox once."""
        from bot.outbox import OutboxSender

        sender = OutboxSender(self.engine, self.app.bot, clock=self.jam)
        return await sender.drain_once()


async def demo_tg(engine: AsyncEngine, key: str) -> int:
    """The Telegram id of a demo user."""
    async with engine.connect() as conn:
        u = await users.by_demo_key(conn, key)
    assert u is not None and u.telegram_id is not None
    return u.telegram_id


@asynccontextmanager
async def bot_uji(engine: AsyncEngine, *, admin_ids: list[int] | None = None, jam: Jam | None = None,
                  api: FakeBotApi | None = None, laju: tuple[int, float] = (100_000, 10.0),
                  kendali: dict[str, Any] | None = None) -> AsyncIterator[BotUji]:
    """A started bot on the given database with every known user present in the fake Bot API.

    The test clock stands still, so flood control is effectively off unless a test sets `laju`; the Bot API
    limiter does not pace one chat unless a test sets `kendali` (bot/kendali.py).
    """
    jam = jam or Jam()
    api = api or FakeBotApi()
    async with engine.connect() as conn:
        for u in await users.list_users(conn):
            if u.telegram_id is not None:
                api.add_user(u.telegram_id, u.name)
    settings = Settings(DATABASE_URL="sqlite:///unused.db", PANTAU_ADMIN_IDS=",".join(map(str, admin_ids or [])))
    app = build_application(settings, engine, api=api, clock=jam, send_outbox=False,
                            kendali=kendali if kendali is not None else {"per_chat": None})
    app.bot_data["layanan"].laju = laju
    async with running(app):
        yield BotUji(app, api, engine, jam)
