"""The outbox sender: the only path for messages the bot starts (escalations, reminders, broadcasts, alarms).

It claims due messages from ``storage.outbox`` in one short transaction, decides at once which may go now
(the others go back to the queue, each at its chat's next slot), sends those concurrently but paced for
Telegram's limits, and records each outcome in its own transaction right after Telegram answers.

Rounds overlap: when a claimed batch is full (and most of it may go now), the next one is claimed while it
is being sent (after its deferred messages went back, so that claim sees them), and a round ends once its
last send has *started*: neither a claim nor Telegram's last answers leave a gap in the sending. ``run``
(and ``drain_once``) return only after every send they started has been answered and its outcome recorded.

Pacing (all in this process; several processes each pace themselves and Telegram's 429 covers the rest):

* overall: at most ``rate_per_s`` sends in any sliding window of ``1 + JITTER_S`` seconds (1,02 s), checked
  right before each call; a send counts from the moment its call first waits, by when the request is out
  however long building it took (a busy machine, garbage collection). The 20 ms beyond Telegram's second
  are for the network's jitter, so Telegram never counts more than ``rate_per_s`` in one second. Starts are
  scheduled ``(1 + JITTER_S) / rate_per_s`` apart; one that comes late (a busy event loop) does not push
  the later ones back while the schedule is less than ``CATCH_UP_S`` (0,1 s) behind, so the mean holds at
  the window's rate (29,4/s for a limit of 30);
* per chat: two sends to one chat start at least ``per_chat_interval_s`` (plus 5 %) apart, a chat's next
  send starts only after Telegram answered its previous one, and never before an older message put back for
  the chat; a message that is too soon goes back to the queue with ``not_before`` = the chat's next free
  slot, it is not dropped;
* at most ``max_in_flight`` (≤ 30) requests are in flight, counted over overlapping rounds.

Messages to one chat go out in queue order; only a message waiting for a retry can be overtaken.

Outcomes: ``RetryAfter`` (429) retries after ``retry_after`` without counting an attempt, and pauses *all*
sending that long when it is the whole bot's flood wait (always without the bot's rate limiter; with it,
bot/kendali.py tells one chat's 429 from the bot's); ``NetworkError``/``TimedOut`` (also 5xx)
retries with exponential back-off (1, 2, 4 … s, at most 5 min) and gives up as ``gagal`` after
``max_attempts``; ``Forbidden`` (blocked, deactivated) is ``diblokir`` at once; ``BadRequest`` (and any
message that can never be sent) is ``gagal`` at once with the reason, so it never loops.

Delivery guarantee: at-least-once with a unique key. The enqueue commits with the change that caused it
and a duplicate key is ignored, so each message exists once; the claim is a lease taken by a conditional
UPDATE, so only one worker holds a message at a time; an outcome is recorded only while the message is
still queued, so it is marked sent exactly once. The one window is between Telegram accepting the message
and the ``mark_sent`` commit (including a response lost to a timeout): if the process dies there, the lease
(60 s) expires and the message goes again. Everything else is exactly once.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import copy
import heapq
import logging
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from telegram import Bot, ForceReply, InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from bot.kendali import OUTBOX, KendaliBanjir
from storage import outbox as store
from storage import tenggat
from storage.outbox import OutboxMessage

log = logging.getLogger("pantau.outbox")

Clock = Callable[[], datetime]
ReplyMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | ForceReply

HEADROOM = 1.05  # per chat: an interval of 1 s is kept as 1,05 s
JITTER_S = 0.02  # overall: the rate is counted over 1,02 s, for the network's jitter
CATCH_UP_S = 0.1  # overall: how far the schedule of starts may fall behind and still be made up
MAX_IN_FLIGHT = 30
MAX_BACKOFF_S = 300.0
POLL_S = 0.5


def utcnow() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(UTC)


def backoff(attempts: int) -> timedelta:
    """Wait after the ``attempts``-th failed try: 1, 2, 4 … seconds, at most 5 minutes."""
    return timedelta(seconds=min(2.0 ** max(attempts - 1, 0), MAX_BACKOFF_S))


def build_markup(data: dict[str, Any] | None) -> ReplyMarkup | None:
    """Rebuild a reply markup from its Bot API dict form (as stored in the outbox)."""
    if data is None:
        return None
    data = copy.deepcopy(data)  # de_json may consume the dict it is given
    if "inline_keyboard" in data:
        return InlineKeyboardMarkup.de_json(data, None)
    if "keyboard" in data:
        return ReplyKeyboardMarkup.de_json(data, None)
    if data.get("remove_keyboard"):
        return ReplyKeyboardRemove.de_json(data, None)
    if data.get("force_reply"):
        return ForceReply.de_json(data, None)
    raise ValueError(f"unknown reply markup: {sorted(data)}")


def _retry_after_s(exc: RetryAfter) -> float:
    # PTB 22 warns about retry_after turning into a timedelta; accept either form quietly.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: Any = exc.retry_after
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    return max(seconds, 1.0)


@dataclass(frozen=True)
class _Outcome:
    """What to record for one message after Telegram answered."""

    status: str  # terkirim, ulang, gagal, diblokir
    message_id: int | None = None
    error: str | None = None
    not_before: datetime | None = None
    count_attempt: bool = True


class _Batch(NamedTuple):
    """Messages claimed together: readiness is judged at the claim's time, and all start within the lease."""

    now: datetime
    messages: list[OutboxMessage]
    lease_ends: float  # event-loop time


@dataclass
class _Start:
    """One send counted in the rate window: the event-loop time it started."""

    at: float


class OutboxSender:
    """Drains the outbox to Telegram within its rate limits, retrying what can be retried."""

    def __init__(
        self,
        engine: AsyncEngine,
        bot: Bot,
        *,
        rate_per_s: float = 30.0,
        per_chat_interval_s: float = 1.0,
        max_attempts: int = 8,
        batch: int = 100,
        clock: Clock = utcnow,
        lease: timedelta = store.DEFAULT_LEASE,
        max_in_flight: int = MAX_IN_FLIGHT,
        poll_s: float = POLL_S,
        chat_ids: frozenset[int] | None = None,
    ) -> None:
        if rate_per_s <= 0 or per_chat_interval_s < 0 or max_attempts < 1 or batch < 1 or poll_s <= 0:
            raise ValueError("invalid outbox sender settings")
        if not 1 <= max_in_flight <= MAX_IN_FLIGHT:
            raise ValueError(f"max_in_flight must be 1..{MAX_IN_FLIGHT}")
        self._engine = engine
        self._bot = bot
        self._chat_ids = chat_ids  # only these chats' messages (a local chat session), else all
        # Through the bot's rate limiter (bot/kendali.py) the outbox shares one budget with the replies and yields
        # to them; it retries by itself, so the limiter does not.
        self._laju: dict[str, Any] = {"rate_limit_args": OUTBOX} if getattr(bot, "rate_limiter", None) else {}
        self._window_s = 1.0 + JITTER_S
        self.spacing = self._window_s / rate_per_s  # seconds between two scheduled starts
        self._chat_gap = timedelta(seconds=per_chat_interval_s * HEADROOM)
        # How often a chat that waits for an answer is looked at again: its interval, or the poll without one.
        self._chat_step = self._chat_gap or timedelta(seconds=poll_s)
        self._max_attempts = max_attempts
        self._lease = lease
        # Claim no more than can start well within the lease, so a claimed message never outlives it.
        self._claim_limit = max(1, min(batch, math.floor(rate_per_s * lease.total_seconds() / 2)))
        self._clock = clock
        self._poll_s = poll_s
        self._next_start = 0.0  # event-loop time the next send may start
        # The last sends' actual start times: the hard cap of `rate_per_s` in any window of `_window_s`, checked
        # at the moment of sending, because a task can start later than its slot and then bunch with the next one.
        # Not always in time order (see _send), which only keeps an entry counted a little longer.
        self._window: collections.deque[_Start] = collections.deque()
        self._window_size = max(1, math.floor(rate_per_s))
        self._window_lock = asyncio.Lock()
        self._in_flight = asyncio.Semaphore(max_in_flight)  # shared by overlapping rounds
        self._answering: set[int] = set()  # chats with a send started and not yet answered
        self._paused_until = 0.0  # event-loop time a flood wait ends
        self._last_sent: dict[int, datetime] = {}  # chat -> clock time of its last send
        self._held: dict[int, datetime] = {}  # chat -> when its oldest message put back is due (none goes before)
        self._due_times: list[datetime] = []  # heap: when messages this sender put back become due
        self._wake = asyncio.Event()
        self._stop: asyncio.Event | None = None

    # ---------------------------------------------------------------------------------------------
    # Public API
    # ---------------------------------------------------------------------------------------------

    def wake(self) -> None:
        """Look at the outbox now (call after an enqueue in this process has committed)."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Send until ``stop`` is set; on the way out, messages claimed but not started (a batch claimed ahead
        too) are handed back and the outcomes of those started are recorded once Telegram answers."""
        self._stop = stop
        ahead: asyncio.Task[_Batch] | None = None  # the next batch, claimed while this one is being sent
        try:
            # One group for all rounds: a round does not wait for its sends, the group does, when run ends.
            async with asyncio.TaskGroup() as sends:
                while not stop.is_set():
                    await self._wait(self._pause_left(), stop)
                    if stop.is_set():
                        break
                    try:
                        claiming, ahead = ahead, None
                        batch = await (claiming or self._claim())
                        ready = await self._triage(batch)
                        if self._claim_ahead(batch, ready):
                            ahead = asyncio.create_task(self._claim())
                        attempted, finished = await self._start_sends(batch, ready, sends)
                        if not finished and ahead is not None:
                            # Claimed before this batch's unsent messages went back: it could overtake them.
                            claiming, ahead = ahead, None
                            await self._hand_back_batch(claiming)
                    except Exception:
                        log.exception("putaran outbox gagal; dicoba lagi")
                        await self._idle(self._poll_s, stop)
                        continue
                    if attempted or len(batch.messages) >= self._claim_limit:
                        continue  # more may be due right away
                    await self._idle(self._idle_time(), stop)
        finally:
            self._stop = None
            if ahead is not None:
                await self._hand_back_batch(ahead)

    async def drain_once(self) -> int:
        """One claim-and-send round (after any flood wait), its outcomes recorded; how many sends were attempted."""
        await asyncio.sleep(self._pause_left())
        batch = await self._claim()
        ready = await self._triage(batch)
        async with asyncio.TaskGroup() as sends:
            attempted, _ = await self._start_sends(batch, ready, sends)
        return attempted

    # ---------------------------------------------------------------------------------------------
    # A round
    # ---------------------------------------------------------------------------------------------

    async def _claim(self) -> _Batch:
        now = self._clock()
        async with self._engine.begin() as conn:
            messages = await store.claim(conn, now=now, limit=self._claim_limit, lease=self._lease,
                                         chat_ids=self._chat_ids)
        return _Batch(now, messages, asyncio.get_running_loop().time() + self._lease.total_seconds() / 2)

    def _claim_ahead(self, batch: _Batch, ready: list[OutboxMessage]) -> bool:
        """Whether to claim the next batch while this one is being sent: when it was full (more may be due), and
        not when most of it had to wait for its chats (then the chats hold the sending back, not the claims, and
        a batch claimed now would mostly be put back too)."""
        return len(batch.messages) >= self._claim_limit and 2 * len(ready) >= len(batch.messages)

    async def _triage(self, batch: _Batch) -> list[OutboxMessage]:
        """The messages of a batch that may go now, in queue order; the others go back to the queue at once.

        Readiness is judged at the claim's time, not later: a chat free by now but not at the claim may have an
        older message that became due after the claim, and it goes first. Putting back before sending means the
        next claim, made while this batch is being sent, sees them.
        """
        self._forget_idle_chats(batch.now)
        ready: list[OutboxMessage] = []
        later: list[tuple[int, datetime | None]] = []
        slots: dict[int, datetime] = {}  # chat -> the next slot for a message deferred in this batch
        put_back: set[int] = set()
        first_start = self._clock()
        for message in batch.messages:
            chat = message.chat_id
            slot = self._chat_slot(chat, batch.now, slots)
            if slot is None:
                # Its start, reckoned from the pace; a message behind it for the same chat waits that plus the gap.
                slots[chat] = first_start + timedelta(seconds=len(ready) * self.spacing) + self._chat_gap
                ready.append(message)
                continue
            if chat not in put_back:  # the chat's oldest message put back: none claimed later may go before it
                put_back.add(chat)
                self._held[chat] = max(slot, self._held.get(chat, slot))
            later.append((message.id, slot))
            slots[chat] = slot + self._chat_gap
        await self._hand_back(later)
        return ready

    async def _hand_back_batch(self, claiming: asyncio.Task[_Batch]) -> None:
        """Hand back a batch claimed ahead and not sent."""
        try:
            batch = await claiming
        except Exception:
            log.exception("outbox: klaim berikutnya gagal")
            return
        await self._hand_back([(m.id, None) for m in batch.messages])

    async def _start_sends(
        self, batch: _Batch, ready: list[OutboxMessage], sends: asyncio.TaskGroup
    ) -> tuple[int, bool]:
        """Start the sends in `sends`, paced; returns once the last has started: (started, whether all were)."""
        loop = asyncio.get_running_loop()
        for index, message in enumerate(ready):
            await self._in_flight.acquire()
            await self._take_rate_slot()
            reason = self._must_stop(loop.time(), batch.lease_ends)
            if reason is not None:
                self._in_flight.release()
                paused = self._pause_left()
                resume = self._clock() + timedelta(seconds=paused) if paused else None
                await self._hand_back([(m.id, resume) for m in ready[index:]])
                log.info("outbox: %d pesan dikembalikan ke antrean (%s)", len(ready) - index, reason)
                return index, False
            # The chat is taken now (the call itself may wait a little for the window): _send moves the time on
            # to the real start, and the chat stays taken until Telegram answers.
            self._last_sent[message.chat_id] = self._clock()
            self._answering.add(message.chat_id)
            sends.create_task(self._deliver(message))
        return len(ready), True

    def _chat_slot(self, chat_id: int, now: datetime, slots: dict[int, datetime]) -> datetime | None:
        """None when the chat may get a message now, else the time it may.

        A chat is not free within the interval after its last send, nor while that send waits for its answer
        (a round's last sends are still in flight when the next round claims), nor before the oldest message put
        back for it is due (`_triage` notes when: a younger message claimed meanwhile must not overtake it). The
        time is the later of that and the chat's last send plus a whole number of steps, the first such after
        `now`: it does not depend on which message asks, so messages put back at different claims never get
        times out of queue order (equal times go oldest first).
        """
        if chat_id in slots:  # one send per chat per batch keeps a chat's messages in order
            return slots[chat_id]
        last = self._last_sent.get(chat_id)
        busy = last is not None and (now < last + self._chat_gap or chat_id in self._answering)
        held = self._held.get(chat_id)
        if held is not None and held <= now:
            held = None
        if last is None or not busy:
            return held
        slot = last + self._chat_step * (max(math.floor((now - last) / self._chat_step), 0) + 1)
        return slot if held is None else max(slot, held)

    def _must_stop(self, loop_now: float, lease_ends: float) -> str | None:
        if self._stop is not None and self._stop.is_set():
            return "berhenti"
        if self._pause_left() > 0:
            return "jeda flood Telegram"
        if loop_now > lease_ends:
            return "klaim hampir habis"
        return None

    async def _take_rate_slot(self) -> None:
        now = asyncio.get_running_loop().time()
        # A start that comes late (a busy event loop, a slow claim) does not push the later ones back while the
        # schedule is less than CATCH_UP_S behind: that is made up. Further behind (idle, a long stall), it starts
        # again from now rather than send a burst.
        start = self._next_start if self._next_start >= now - CATCH_UP_S else now
        self._next_start = start + self.spacing
        if start > now:
            await asyncio.sleep(start - now)

    async def _enter_window(self) -> _Start:
        """Wait until fewer than `rate_per_s` sends started in the last `_window_s`, then count this one."""
        loop = asyncio.get_running_loop()
        async with self._window_lock:
            while True:
                now = loop.time()
                while self._window and self._window[0].at <= now - self._window_s:
                    self._window.popleft()
                if len(self._window) < self._window_size:
                    start = _Start(now)
                    self._window.append(start)
                    return start
                await asyncio.sleep(self._window[0].at + self._window_s - now)

    def _started(self, start: _Start, chat_id: int) -> None:
        """Date a send from now (it has started, or its call has just made the request and waits for the answer)."""
        start.at = asyncio.get_running_loop().time()
        self._last_sent[chat_id] = self._clock()

    def _forget_idle_chats(self, now: datetime) -> None:
        self._last_sent = {
            chat: at for chat, at in self._last_sent.items() if now < at + self._chat_gap or chat in self._answering
        }
        self._held = {chat: at for chat, at in self._held.items() if now < at}

    async def _hand_back(self, items: list[tuple[int, datetime | None]]) -> None:
        if not items:
            return
        for _, not_before in items:
            self._expect(not_before or self._clock())
        try:
            async with self._engine.begin() as conn:
                for outbox_id, not_before in items:
                    await store.release(conn, outbox_id, not_before=not_before)
        except Exception:
            # Not fatal: the claims run out with the lease and the messages become due again.
            log.exception("outbox: gagal mengembalikan %d pesan ke antrean", len(items))

    # ---------------------------------------------------------------------------------------------
    # One message
    # ---------------------------------------------------------------------------------------------

    async def _deliver(self, message: OutboxMessage) -> None:
        try:
            if await self._basi(message):
                return
            outcome = await self._send(message)
        finally:
            self._answering.discard(message.chat_id)
            self._in_flight.release()
        if outcome.not_before is not None:
            self._expect(outcome.not_before)
        try:
            async with self._engine.begin() as conn:
                recorded = await self._record(conn, message, outcome)
        except Exception:
            log.exception("outbox: hasil pesan %s (%s) tidak tercatat", message.id, outcome.status)
            return
        if not recorded:
            log.warning("outbox: pesan %s sudah tidak dalam antrean saat hasil %s dicatat", message.id, outcome.status)

    async def _basi(self, message: OutboxMessage) -> bool:
        """A reminder whose TPS reported after it was claimed is dropped, just before it would go out."""
        if message.kind != tenggat.KIND_PENGINGAT:
            return False
        try:
            async with self._engine.begin() as conn:
                if await tenggat.pengingat_basi(conn, message.key):
                    await tenggat.buang_pengingat(conn, message.id)
                    log.info("outbox: pengingat %s tidak dikirim, sudah dilaporkan", message.key)
                    return True
        except Exception:  # a failed check must not keep a reminder from going out
            log.exception("outbox: pemeriksaan pengingat %s gagal; tetap dikirim", message.id)
        return False

    async def _send(self, message: OutboxMessage) -> _Outcome:
        try:
            markup = build_markup(message.reply_markup)
        except Exception as exc:
            return _Outcome("gagal", error=f"Tombol pesan tidak valid: {exc}")
        start = await self._enter_window()
        # The send counts from its real start and then from the moment its call first waits: building the request
        # can be held up (a busy machine, garbage collection), and the next sends must count from when it went.
        self._started(start, message.chat_id)
        asyncio.get_running_loop().call_soon(self._started, start, message.chat_id)
        try:
            sent = await self._bot.send_message(
                message.chat_id, message.text, parse_mode=message.parse_mode, reply_markup=markup, **self._laju
            )
        except RetryAfter as exc:
            seconds = _retry_after_s(exc)
            kendali = getattr(self._bot, "rate_limiter", None)
            if isinstance(kendali, KendaliBanjir) and not kendali.jeda_bot():
                # The limiter judged it one chat's flood wait (it holds that chat back): the others go on.
                log.info("outbox: chat %s dibatasi Telegram %.0f detik", message.chat_id, seconds)
            else:
                self._pause(seconds)
                log.warning("outbox: Telegram meminta jeda %.0f detik; semua pengiriman ditunda", seconds)
            return _Outcome(
                "ulang",
                error=f"Dibatasi Telegram, dicoba lagi setelah {seconds:.0f} detik",
                not_before=self._due(message.chat_id, self._clock() + timedelta(seconds=seconds)),
                count_attempt=False,
            )
        except Forbidden as exc:
            return _Outcome("diblokir", error=f"Penerima memblokir bot atau akunnya tidak aktif: {exc.message}")
        except BadRequest as exc:
            return _Outcome("gagal", error=f"Ditolak Telegram: {exc.message}")
        except ChatMigrated as exc:
            return _Outcome("gagal", error=f"Grup sudah pindah ke chat {exc.new_chat_id}")
        except (NetworkError, TelegramError) as exc:
            return self._transient(message, f"Gangguan jaringan atau server Telegram: {exc.message}")
        except Exception as exc:
            log.exception("outbox: kesalahan tak terduga saat mengirim pesan %s", message.id)
            return self._transient(message, f"Kesalahan tak terduga: {type(exc).__name__}: {exc}")
        return _Outcome("terkirim", message_id=sent.message_id)

    def _transient(self, message: OutboxMessage, error: str) -> _Outcome:
        attempts = message.attempts + 1
        if attempts >= self._max_attempts:
            return _Outcome("gagal", error=f"Gagal setelah {attempts} percobaan. {error}")
        return _Outcome("ulang", error=error, not_before=self._due(message.chat_id, self._clock() + backoff(attempts)))

    def _due(self, chat_id: int, at: datetime) -> datetime:
        """``at``, or the chat's next free slot if that is later (so the retry is not turned away again)."""
        last = self._last_sent.get(chat_id)
        return max(at, last + self._chat_gap) if last is not None else at

    async def _record(self, conn: AsyncConnection, message: OutboxMessage, outcome: _Outcome) -> bool:
        now = self._clock()
        if outcome.status == "terkirim":
            assert outcome.message_id is not None
            return await store.mark_sent(conn, message.id, message_id=outcome.message_id, now=now)
        error = outcome.error or ""
        if outcome.status == "ulang":
            assert outcome.not_before is not None
            return await store.retry_later(
                conn, message.id, not_before=outcome.not_before, error=error, count_attempt=outcome.count_attempt
            )
        if outcome.status == "diblokir":
            return await store.mark_blocked(conn, message.id, error=error, now=now)
        return await store.mark_failed(conn, message.id, error=error, now=now)

    # ---------------------------------------------------------------------------------------------
    # Waiting
    # ---------------------------------------------------------------------------------------------

    def _expect(self, due: datetime) -> None:
        heapq.heappush(self._due_times, due)

    def _idle_time(self) -> float:
        """Seconds to idle: the poll interval, or less when a message put back is due sooner."""
        now = self._clock()
        passed = False
        while self._due_times and self._due_times[0] <= now:
            heapq.heappop(self._due_times)
            passed = True
        if passed:
            return 0.0
        if not self._due_times:
            return self._poll_s
        return min((self._due_times[0] - now).total_seconds(), self._poll_s)

    def _pause(self, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        self._paused_until = max(self._paused_until, loop.time() + seconds)

    def _pause_left(self) -> float:
        return max(self._paused_until - asyncio.get_running_loop().time(), 0.0)

    async def _wait(self, seconds: float, stop: asyncio.Event) -> None:
        if seconds > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), seconds)

    async def _idle(self, seconds: float, stop: asyncio.Event) -> None:
        waiters = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
        try:
            await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
            self._wake.clear()
