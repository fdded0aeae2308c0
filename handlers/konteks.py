"""What every handler gets: the services of the running bot and the user behind the update."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from telegram.ext import Application, CallbackContext, ConversationHandler, ExtBot
from telegram.warnings import PTBUserWarning

from domain.entitas import Pengguna
from handlers.batas_waktu import Percakapan
from storage import tembolok


@dataclass
class Layanan:
    """Services the composition root hands to the handlers."""

    engine: AsyncEngine
    timezone: str = "Asia/Jakarta"
    bot_username: str = "pantau_bot"
    admin_ids: list[int] = field(default_factory=list)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    wake_outbox: Callable[[], None] = field(default=lambda: None)
    # Flood control: at most this many updates per user in this many seconds.
    laju: tuple[int, float] = (30, 10.0)

    def __post_init__(self) -> None:
        # From now on every write of this engine to a cached table (users, master data) empties those caches.
        tembolok.pasang(self.engine)

    def now(self) -> datetime:
        """The current time (injectable for tests)."""
        return self.clock()


class PantauContext(CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """CallbackContext with the user the guard looked up for this update."""

    def __init__(self, application: Application[Any, Any, Any, Any, Any, Any], chat_id: int | None = None,
                 user_id: int | None = None) -> None:
        super().__init__(application, chat_id, user_id)
        self.pengguna: Pengguna | None = None

    @property
    def layanan(self) -> Layanan:
        """The bot's services."""
        svc = self.application.bot_data["layanan"]
        assert isinstance(svc, Layanan)
        return svc

    @property
    def perintah(self) -> frozenset[str]:
        """The commands this bot has handlers for."""
        return frozenset(self.application.bot_data.get("perintah", frozenset()))

    @property
    def aktif(self) -> Pengguna:
        """The active user (the guard lets only active users reach role-checked handlers)."""
        assert self.pengguna is not None
        return self.pengguna


def percakapan(**kwargs: Any) -> ConversationHandler[PantauContext]:
    """A ConversationHandler tracked per user and chat.

    Buttons inside a conversation belong to the user's current step, not to one message; PTB warns about that
    choice (per_message=False) every time, so the warning is silenced here, once, on purpose.

    A command entry point that has a /start menu button gets the button as an entry point beside it
    (handlers.menu.dengan_tombol). Its conversation_timeout is kept by one sweep per Application instead of a
    scheduler job per step (handlers.batas_waktu).
    """
    from handlers.menu import dengan_tombol  # handlers.menu needs this module

    kwargs["entry_points"] = dengan_tombol(kwargs["entry_points"])
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="If 'per_message=False'", category=PTBUserWarning)
        return Percakapan(per_message=False, **kwargs)
