"""When Telegram is busy: which callbacks were answered, and how each flow lets a user resume where they were.

The bot's rate limiter (bot/kendali.py) retries a failed Bot API call within a bound; when a step still cannot be
shown, the error handler queues a "Lanjutkan" message through the outbox. A flow says what that message offers
by registering a `Lanjutan` provider here.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.error import BadRequest, NetworkError, RetryAfter

from handlers import teks
from handlers.konteks import Layanan
from storage import outbox

OUTBOX = "outbox"  # rate_limit_args of the outbox sender: the limiter does not retry it, and it yields to replies
SEKALI = "sekali"  # rate_limit_args of a call made once, without retries (the error handler's own)
MAKS_DIINGAT = 10_000  # callback ids kept: far more than are answered within a query's 15 s lifetime


class Terjawab:
    """The callback queries the bot has answered recently (a query may be answered only once)."""

    def __init__(self) -> None:
        self._ids: OrderedDict[str, None] = OrderedDict()

    def tandai(self, query_id: str) -> None:
        """Remember that this query was answered."""
        self._ids[query_id] = None
        self._ids.move_to_end(query_id)
        while len(self._ids) > MAKS_DIINGAT:
            self._ids.popitem(last=False)

    def __contains__(self, query_id: object) -> bool:
        return query_id in self._ids


def terjawab(bot: Any) -> Terjawab:
    """The answered queries the bot's rate limiter keeps (an empty record for a bot without one)."""
    return getattr(getattr(bot, "rate_limiter", None), "terjawab", None) or Terjawab()


@dataclass(frozen=True)
class Lanjutan:
    """The message that lets a user resume a flow Telegram interrupted: its text and its one button's data."""

    teks: str
    data: str


Penyedia = Callable[[Update, Any], Lanjutan | None]
_PENYEDIA: list[Penyedia] = []


def daftarkan(penyedia: Penyedia) -> None:
    """Register a flow's provider (called once when its module is imported)."""
    if penyedia not in _PENYEDIA:
        _PENYEDIA.append(penyedia)


def lanjutan(update: Update, context: Any) -> Lanjutan | None:
    """The first registered flow's resume message for this update, if the user is inside one."""
    for penyedia in _PENYEDIA:
        hasil = penyedia(update, context)
        if hasil is not None:
            return hasil
    return None


def tanpa_alur() -> str:
    """The message for an interrupted reply outside any flow."""
    return teks.SIBUK_UMUM


def sibuk(err: BaseException | None) -> bool:
    """Telegram was busy or unreachable (and the rate limiter's retries ran out), not a fault of ours."""
    return isinstance(err, RetryAfter | NetworkError) and not isinstance(err, BadRequest)


async def antrekan_tanda_terima(svc: Layanan, chat_id: int, key: str, text: str) -> None:
    """A receipt Telegram would not take after the save: it goes through the outbox (once per key)."""
    async with svc.engine.begin() as conn:
        await outbox.enqueue(conn, key=f"tanda-terima:{key}", chat_id=chat_id, text=text, kind="tanda_terima",
                             now=svc.now())
    svc.wake_outbox()
