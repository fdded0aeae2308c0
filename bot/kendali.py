"""One rate budget and one retry rule for every Bot API call: replies first, the outbox yields.

`KendaliBanjir` is PTB's rate-limiter hook (``ExtBot.rate_limiter``), so every call the bot makes passes through
it. PTB's own `AIORateLimiter` was the starting point and does not fit: it retries only 429 (not 5xx or a lost
response), pauses the whole bot on any 429, limits private chats not at all and knows no priorities.

* Budget: new messages (send*, copy, forward) count, as Telegram counts them: at most ``global_`` in a sliding
  window overall and ``per_chat`` in a sliding window per chat. Edits, callback answers and chat actions are not
  counted. A reply waiting for a slot goes before any outbox send (``rate_limit_args=OUTBOX``).
* 429: the chat that got it pauses for ``retry_after``; a second chat getting one while the first pause lasts
  (or a 429 on a call without a chat) means the bot as a whole is limited, and everything pauses.
* Retries (replies only; the outbox has its own): 429 after ``retry_after``, 5xx and network errors (a lost
  response too) after 0,25 · 2ⁿ s, while the next try starts within ``batas_s`` of the first. After that the
  last error is raised, and the error handler tells the user through the outbox.
* A retry after a response was lost may meet the first try's effect: an edit is then "not modified" and a
  callback "too old"; both count as done. A callback query answered once is never answered again. A repeated
  send cannot be recognised (README, "Balasan saat Telegram sibuk").
"""

from __future__ import annotations

import asyncio
import collections
import logging
import warnings
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

from handlers.gangguan import OUTBOX, SEKALI, Terjawab

log = logging.getLogger("pantau.kendali")

__all__ = ["OUTBOX", "SEKALI", "KendaliBanjir", "retry_after_s"]
KIRIM = frozenset({"sendMessage", "sendPhoto", "sendDocument", "sendMediaGroup", "sendLocation", "sendVideo",
                   "sendAudio", "sendVoice", "sendAnimation", "sendSticker", "copyMessage", "forwardMessage"})
BATAS_S = 20.0
JEDA_AWAL_S = 0.25
JEDA_MAKS_S = 4.0
_SUDAH = ("message is not modified",)
_SUDAH_DIJAWAB = ("query is too old", "query id is invalid")

Hasil = bool | dict[str, Any] | list[dict[str, Any]]


def retry_after_s(exc: RetryAfter) -> float:
    """``retry_after`` in seconds, whichever form PTB gives it in."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: Any = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class _Jendela:
    """At most ``n`` starts in any ``w`` seconds."""

    __slots__ = ("_t", "n", "w")

    def __init__(self, n: int, w: float) -> None:
        self.n, self.w = n, w
        self._t: collections.deque[float] = collections.deque()

    def tunggu(self, now: float) -> float:
        """Seconds until a start is allowed."""
        while self._t and now - self._t[0] >= self.w:
            self._t.popleft()
        return 0.0 if len(self._t) < self.n else self._t[0] + self.w - now

    def mulai(self, now: float) -> None:
        self._t.append(now)

    def kosong(self, now: float) -> bool:
        return self.tunggu(now) == 0.0 and not self._t


class KendaliBanjir(BaseRateLimiter[str]):
    """Telegram's limits for every call of this bot, with bounded retries for replies."""

    def __init__(self, *, global_: tuple[int, float] = (30, 1.02), per_chat: tuple[int, float] | None = (3, 3.0),
                 batas_s: float = BATAS_S, skala: float = 1.0) -> None:
        # `skala` shortens the waits Telegram asks for and the back-off (tests); pacing stays real time.
        self._global = _Jendela(*global_)
        self._per_chat = per_chat
        self._chat: dict[int, _Jendela] = {}
        self._batas_s = batas_s
        self._skala = skala
        self._jeda_global = 0.0  # event-loop time a bot-wide flood wait ends
        self._jeda_chat: dict[int, float] = {}
        self._balasan_menunggu = 0
        self.terjawab = Terjawab()  # read by the error handler, so it never answers a query twice
        self.dicoba_ulang = 0  # retries made (for the benchmark and the logs)

    def jeda_bot(self) -> bool:
        """Whether a bot-wide flood wait is on (not just one chat's)."""
        return self._jeda_global > self._jam()

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    @staticmethod
    def _jam() -> float:
        return asyncio.get_running_loop().time()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Hasil]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: str | None,
    ) -> Hasil:
        """Wait for the call's turn, make it, and (for replies) retry it within the bound."""
        if endpoint == "answerCallbackQuery" and str(data.get("callback_query_id")) in self.terjawab:
            # Answered already (the same update handled again): Telegram would refuse a second answer.
            return True
        chat = _chat_id(data.get("chat_id"))
        kirim = endpoint in KIRIM
        outbox = rate_limit_args == OUTBOX
        ulang = rate_limit_args is None
        batas = self._jam() + self._batas_s
        ragu = False  # an earlier try may have reached Telegram
        coba = 0
        while True:
            await self._giliran(chat, kirim=kirim, outbox=outbox)
            try:
                hasil = await callback(*args, **kwargs)
            except RetryAfter as exc:
                detik = retry_after_s(exc)
                self._catat_429(chat, detik)
                if not ulang:
                    raise
                tunggu, tidur = detik * self._skala, 0.0  # the pause just recorded holds the next try back
                galat: Exception = exc
            except BadRequest as exc:
                if ragu and _sudah_terjadi(endpoint, exc.message):
                    self._terjawab(endpoint, data)
                    return True
                raise
            except NetworkError as exc:  # 5xx, a connection error or a lost response (TimedOut)
                if not ulang:
                    raise
                ragu = True
                tunggu = tidur = min(JEDA_AWAL_S * 2 ** coba, JEDA_MAKS_S) * self._skala
                galat = exc
            else:
                self._terjawab(endpoint, data)
                return hasil
            coba += 1
            if self._jam() + tunggu > batas:
                log.warning("%s ke chat %s gagal setelah %d percobaan: %s", endpoint, chat, coba, galat)
                raise galat
            self.dicoba_ulang += 1
            await asyncio.sleep(tidur)

    def _terjawab(self, endpoint: str, data: dict[str, Any]) -> None:
        if endpoint == "answerCallbackQuery" and data.get("callback_query_id"):
            self.terjawab.tandai(str(data["callback_query_id"]))

    async def _giliran(self, chat: int | None, *, kirim: bool, outbox: bool) -> None:
        """Wait until the call may start: no flood wait for it, and (for a new message) a free slot."""
        menunggu = False
        try:
            while True:
                now = self._jam()
                tunggu = self._jeda_global - now
                if chat is not None:
                    tunggu = max(tunggu, self._jeda_chat.get(chat, 0.0) - now)
                if kirim:
                    tunggu = max(tunggu, self._global.tunggu(now))
                    if chat is not None and self._per_chat is not None:
                        tunggu = max(tunggu, self._jendela_chat(chat).tunggu(now))
                    if outbox and self._balasan_menunggu:
                        tunggu = max(tunggu, 0.005)  # the replies waiting for a slot go first
                    elif not outbox and tunggu > 0 and not menunggu:
                        menunggu = True
                        self._balasan_menunggu += 1
                if tunggu <= 0:
                    if kirim:
                        self._global.mulai(now)
                        if chat is not None and self._per_chat is not None:
                            self._jendela_chat(chat).mulai(now)
                    return
                await asyncio.sleep(tunggu)  # pacing is real time, whatever `skala` says
        finally:
            if menunggu:
                self._balasan_menunggu -= 1

    def _jendela_chat(self, chat: int) -> _Jendela:
        j = self._chat.get(chat)
        if j is None:
            assert self._per_chat is not None
            if len(self._chat) > 50_000:  # forget idle chats now and then
                now = self._jam()
                self._chat = {c: x for c, x in self._chat.items() if not x.kosong(now)}
            j = self._chat[chat] = _Jendela(*self._per_chat)
        return j

    def _catat_429(self, chat: int | None, detik: float) -> None:
        now = self._jam()
        sampai = now + detik * self._skala
        lain = [c for c, t in self._jeda_chat.items() if t > now and c != chat]
        if chat is None or lain:
            self._jeda_global = max(self._jeda_global, sampai)
            log.warning("Telegram membatasi bot: semua pengiriman berhenti %.1f detik", detik)
        else:
            self._jeda_chat[chat] = max(self._jeda_chat.get(chat, 0.0), sampai)
            log.info("Telegram membatasi chat %s selama %.1f detik", chat, detik)
        for c in [c for c, t in self._jeda_chat.items() if t <= now]:
            del self._jeda_chat[c]


def _chat_id(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _sudah_terjadi(endpoint: str, pesan: str) -> bool:
    """A retried call's 400 that says the first try already took effect."""
    pesan = pesan.lower()
    if endpoint.startswith("edit"):
        return any(s in pesan for s in _SUDAH)
    if endpoint == "answerCallbackQuery":
        return any(s in pesan for s in _SUDAH_DIJAWAB)
    return False
