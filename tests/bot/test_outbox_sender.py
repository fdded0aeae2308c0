"""The outbox sender against a real database and a real telegram.Bot talking to the fake Bot API."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import Bot

from bot.fakebotapi import BotEvent, FakeBotApi, FakeRequest
from bot.outbox import OutboxSender, backoff, build_markup
from storage import outbox
from storage import tables as t

TOKEN = "123456789:TEST"
T0 = datetime(2024, 11, 26, 1, 0, tzinfo=UTC)


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def api() -> FakeBotApi:
    fake = FakeBotApi(token=TOKEN)
    for chat_id in range(1, 101):
        fake.add_user(chat_id, f"Petugas {chat_id}")
    return fake


@pytest.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    tg_bot = Bot(TOKEN, request=FakeRequest(api), get_updates_request=FakeRequest(api))
    await tg_bot.initialize()
    try:
        yield tg_bot
    finally:
        await tg_bot.shutdown()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


async def enqueue(engine: AsyncEngine, key: str, chat_id: int, text: str, now: datetime, **kw: Any) -> None:
    async with engine.begin() as conn:
        assert await outbox.enqueue(conn, key=key, chat_id=chat_id, text=text, kind="info", now=now, **kw)


async def row(engine: AsyncEngine, key: str) -> Any:
    async with engine.connect() as conn:
        return (await conn.execute(sa.select(t.outbox).where(t.outbox.c.dedup_key == key))).one()


def send_calls(api: FakeBotApi, chat_id: int) -> list[float]:
    """Monotonic times of every sendMessage call to the chat, failed ones included."""
    return [c.at for c in api.calls_to("sendMessage") if c.params.get("chat_id") == chat_id]


@contextlib.asynccontextmanager
async def running(sender: OutboxSender) -> AsyncIterator[asyncio.Task[None]]:
    stop = asyncio.Event()
    task = asyncio.create_task(sender.run(stop))
    try:
        yield task
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


def now_real() -> datetime:
    return datetime.now(UTC)


# --- delivery ---------------------------------------------------------------------------------


async def test_twenty_messages_to_five_chats_arrive_once_and_in_order(
    empty_engine: AsyncEngine, api: FakeBotApi, bot: Bot
) -> None:
    for i in range(20):
        await enqueue(empty_engine, f"m:{i}", 1 + i % 5, f"Pesan {i}", now_real())
    sender = OutboxSender(empty_engine, bot, rate_per_s=200, per_chat_interval_s=0.02)
    async with running(sender):
        await api.wait_for(lambda: sum(len(api.messages(c)) for c in range(1, 6)) >= 20, timeout=10)
        await api.wait_idle()
    for chat in range(1, 6):
        assert [m.text for m in api.messages(chat)] == [f"Pesan {i}" for i in range(20) if 1 + i % 5 == chat]
        assert len(send_calls(api, chat)) == 4
    async with empty_engine.connect() as conn:
        assert await outbox.counts(conn) == {"antri": 0, "terkirim": 20, "gagal": 0, "diblokir": 0}
    sent = await row(empty_engine, "m:7")
    assert sent.message_id == api.messages(3)[1].message_id
    assert (sent.attempts, sent.claimed_until) == (1, None)


class TickingClock(FakeClock):
    """A clock that moves a little every time it is read, as time passes during a round."""

    def __init__(self, tick_ms: float) -> None:
        super().__init__()
        self.tick = timedelta(milliseconds=tick_ms)

    def __call__(self) -> datetime:
        self.now += self.tick
        return self.now


@pytest.mark.parametrize(("interval_s", "tick_ms"), [(0.01, 1), (0.03, 3), (0.05, 5)])
async def test_order_per_chat_holds_while_time_passes_during_a_round(
    empty_engine: AsyncEngine, api: FakeBotApi, bot: Bot, interval_s: float, tick_ms: float
) -> None:
    clock = TickingClock(tick_ms)
    for i in range(20):
        await enqueue(empty_engine, f"m:{i}", 1 + i % 5, f"Pesan {i}", T0)
    sender = OutboxSender(empty_engine, bot, rate_per_s=1000, per_chat_interval_s=interval_s, clock=clock)
    for _ in range(300):
        await sender.drain_once()
        if sum(len(api.messages(c)) for c in range(1, 6)) == 20:
            break
    for chat in range(1, 6):
        assert [m.text for m in api.messages(chat)] == [f"Pesan {i}" for i in range(20) if 1 + i % 5 == chat]


async def test_markup_and_parse_mode_are_sent_as_stored(
    empty_engine: AsyncEngine, api: FakeBotApi, bot: Bot, clock: FakeClock
) -> None:
    buttons = [{"text": "Setujui", "callback_data": "ok:9"}, {"text": "Tolak", "callback_data": "no:9"}]
    markup = {"inline_keyboard": [buttons]}
    await enqueue(empty_engine, "persetujuan:9", 5, "<b>Persetujuan</b> realisasi", clock(), reply_markup=markup,
                  parse_mode="HTML")
    assert await OutboxSender(empty_engine, bot, clock=clock).drain_once() == 1
    [message] = api.messages(5)
    assert message.text == "Persetujuan realisasi"
    assert message.buttons == [[("Setujui", "ok:9"), ("Tolak", "no:9")]]
    assert build_markup({"remove_keyboard": True}) is not None


async def test_wake_sends_at_once_without_waiting_for_the_poll(
    empty_engine: AsyncEngine, api: FakeBotApi, bot: Bot
) -> None:
    sender = OutboxSender(empty_engine, bot, poll_s=30)
    async with running(sender):
        await asyncio.sleep(0.05)  # the sender is idle now, for 30 s unless woken
        started = time.monotonic()
        await enqueue(empty_engine, "alarm:1", 2, "Alarm logistik", now_real())
        sender.wake()
        await api.wait_for_messages(2, timeout=5)
        assert time.monotonic() - started < 2


# --- errors -----------------------------------------------------------------------------------


async def test_flood_wait_retries_after_the_wait_and_pauses_all_sending(
    empty_engine: AsyncEngine, api: FakeBotApi, bot: Bot
) -> None:
    api.fail_next("sendMessage", 429, retry_after=1)
    await enqueue(empty_engine, "a", 1, "Pertama", now_real())
    sender = OutboxSender(empty_engine, bot)
    async with running(sender):
        await api.wait_for(lambda: len(api.calls_to("sendMessage")) == 1)
        flooded_at = api.calls_to("sendMessage")[0].at
        await enqueue(empty_engine, "b", 2, "Kedua", now_real())  # due now, but the bot must keep quiet
        sender.wake()
        await api.wait_for(lambda: len(api.messages(1)) == 1 and len(api.messages(2)) == 1, timeout=5)
        await api.wait_idle()
    assert [m.text for m in api.messages(1)] == ["Pertama"]
    first = send_calls(api, 1)
    assert len(first) == 2  # the refused one and the one that went through, no duplicate
    assert first[1] - flooded_at >= 1.0
    assert send_calls(api, 2)[0] - flooded_at >= 1.0
    stored = await row(empty_engine, "a")
    assert (stored.status, stored.attempts) == ("terkirim", 1)  # a flood wait is not the message's fault


async def test_server_error_then_success_sends_once(
    empty_engine: AsyncEngine, api: FakeBotApi, bot: Bot, clock: FakeClock
) -> None:
    api.fail_next("sendMessage", 500)
    await enqueue(empty_engine, "r", 3, "Pengingat", clock())
    sender = OutboxSender(empty_engine, bot, clock=clock, per_chat_interval_s=0)
    assert await sender.drain_once() == 1
    stored = await row(empty_engine, "r")
    assert (stored.status, stored.attempts, stored.not_before) == ("antri", 1, T0 + timedelta(seconds=1))
    assert "Internal Server Error" in stored.last_error
    assert await sender.drain_once() == 0  # backing off
    clock.advance(1)
    assert await sender.drain_once() == 1
    assert [m.text for m in api.messages(3)] == ["Pengingat"]
    assert len(send_calls(api, 3)) == 2
    assert (await row(empty_engine, "r")).status == "terkirim"


async def test_timeout_is_retried(empty_engine: AsyncEngine, api: FakeBotApi, clock: FakeClock) -> None:
    async with Bot(TOKEN, request=FakeRequest(api, read_timeout=0.1)) as slow_bot:
        api.latency = 0.4  # the request times out before the fake acts on it
        await enqueue(empty_engine, "lambat", 4, "Halo", clock())
        sender = OutboxSender(empty_engine, slow_bot, clock=clock)
        assert await sender.drain_once() == 1
        stored = await row(empty_engine, "lambat")
        assert (stored.status, stored.attempts) == ("antri", 1)
        assert stored.last_error.startswith("Gangguan jaringan")
        # The retry waits for the back-off (1 s) and for the chat's next slot (1 s + 5 %), whichever is later.
        assert stored.not_before == T0 + timedelta(seconds=1.05)
        api.latency = 0
        clock.advance(1.05)
        assert await sender.drain_once() == 1
    assert [m.text for m in api.messages(4)] == ["Halo"]


async def test_permanent_server_error_fails_after_max_attempts(
    empty_engine: AsyncEngine, api: FakeBotApi, bot: Bot, clock: FakeClock
) -> None:
    api.fail_next("sendMessage", 500, times=100)
    await enqueue(empty_engine, "p", 6, "Eskalasi", clock())
    sender = OutboxSender(empty_engine, bot, clock=clock, per_chat_interval_s=0)  # max_attempts=8
    waits = []
    for _ in range(8):
        assert await sender.drain_once() == 1
        stored = await row(empty_engine, "p")
        waits.append(stored.not_before - clock())
        clock.advance(0.9 * (stored.not_before - clock()).total_seconds())
        assert await sender.drain_once() == 0  # not before the back-off is over
        clock.now = stored.not_before
    assert waits[:7] == [backoff(n) for n in range(1, 8)] == [timedelta(seconds=2**n) for n in range(7)]
    stored = await row(empty_engine, "p")
    assert (stored.status, stored.attempts) == ("gagal", 8)
    assert stored.last_error.startswith("Gagal setelah 8 percobaan")
    assert "Internal Server Error" in stored.last_error
    clock.advance(3600)
    assert await sender.drain_once() == 0
    assert len(send_calls(api, 6)) == 8
    assert api.messages(6) == []
    assert backoff(20) == timedelta(minutes=5)


async def test_blocked_user_is_marked_and_never_retried(
    empty_engine: AsyncEngine, api: FakeBotApi, bot: Bot, clock: FakeClock
) -> None:
    api.block(7)
    await enqueue(empty_engine, "blok", 7, "Pengingat", clock())
    sender = OutboxSender(empty_engine, bot, clock=clock)
    assert await sender.drain_once() == 1
    clock.advance(3600)
    assert await sender.drain_once() == 0
    stored = await row(empty_engine, "blok")
    assert stored.status == "diblokir"
    assert "blocked" in stored.last_error
    assert len(send_calls(api, 7)) == 1


async def test_bad_request_fails_at_once(
    empty_engine: AsyncEngine, api: FakeBotApi, bot: Bot, clock: FakeClock
) -> None:
    await enqueue(empty_engine, "panjang", 8, "x" * 5000, clock())
    sender = OutboxSender(empty_engine, bot, clock=clock)
    assert await sender.drain_once() == 1
    clock.advance(3600)
    assert await sender.drain_once() == 0
    stored = await row(empty_engine, "panjang")
    assert (stored.status, stored.attempts) == ("gagal", 1)
    assert stored.last_error.startswith("Ditolak Telegram")
    assert "too long" in stored.last_error.lower()
    assert len(send_calls(api, 8)) == 1
    async with empty_engine.connect() as conn:
        [failure] = await outbox.failed(conn, 10)
    assert failure.key == "panjang"


# --- pacing -----------------------------------------------------------------------------------


def _max_in_a_second(times: list[float]) -> int:
    times = sorted(times)
    return max(sum(1 for other in times if start <= other < start + 1.0) for start in times)


async def test_overall_rate_is_honoured(empty_engine: AsyncEngine, api: FakeBotApi, bot: Bot) -> None:
    if empty_engine.dialect.name != "sqlite":
        # Pacing lives in the sender's memory; the other run() tests cover the database side on PostgreSQL,
        # and this one costs ~3 s of real time per backend.
        pytest.skip("pacing does not depend on the database backend")
    now = now_real()
    async with empty_engine.begin() as conn:
        for chat in range(1, 91):
            await outbox.enqueue(conn, key=f"siaran:1:{chat}", chat_id=chat, text="Siaran", kind="siaran", now=now)
    sender = OutboxSender(empty_engine, bot, rate_per_s=30)
    async with running(sender):
        await api.wait_for(lambda: len(api.calls_to("sendMessage")) == 90, timeout=10)
        await api.wait_idle()
    times = [c.at for c in api.calls_to("sendMessage")]
    assert max(times) - min(times) >= 2.0
    assert _max_in_a_second(times) <= 30
    assert all(len(api.messages(chat)) == 1 for chat in range(1, 91))
    async with empty_engine.connect() as conn:
        assert (await outbox.delivery_report(conn, "siaran:1:"))["terkirim"] == 90


async def test_one_chat_gets_at_most_one_message_per_interval(
    empty_engine: AsyncEngine, api: FakeBotApi, bot: Bot, clock: FakeClock
) -> None:
    for i in range(5):
        await enqueue(empty_engine, f"c:{i}", 9, f"Pesan {i}", clock())
    sent_at: list[datetime] = []

    def on_event(event: BotEvent) -> None:
        if event.kind == "sent":
            sent_at.append(clock())

    api.subscribe(on_event)
    sender = OutboxSender(empty_engine, bot, clock=clock, per_chat_interval_s=1.0)
    for _ in range(40):
        await sender.drain_once()
        if len(sent_at) == 5:
            break
        clock.advance(0.25)
    assert [m.text for m in api.messages(9)] == [f"Pesan {i}" for i in range(5)]
    assert all(later - earlier >= timedelta(seconds=1) for earlier, later in itertools.pairwise(sent_at))
    assert len(send_calls(api, 9)) == 5  # a message that was too soon waited in the queue, it was not tried
    assert [(await row(empty_engine, f"c:{i}")).attempts for i in range(5)] == [1] * 5


async def test_one_chat_interval_in_real_time(empty_engine: AsyncEngine, api: FakeBotApi, bot: Bot) -> None:
    for i in range(5):
        await enqueue(empty_engine, f"c:{i}", 10, f"Pesan {i}", now_real())
    await enqueue(empty_engine, "lain", 11, "Chat lain", now_real())
    async with running(OutboxSender(empty_engine, bot, per_chat_interval_s=0.15)):
        await api.wait_for(lambda: len(api.messages(10)) == 5, timeout=5)
    times = send_calls(api, 10)
    assert [m.text for m in api.messages(10)] == [f"Pesan {i}" for i in range(5)]
    assert all(later - earlier >= 0.15 for earlier, later in itertools.pairwise(times))
    assert send_calls(api, 11)[0] < times[1]  # another chat does not wait behind chat 10


# --- crashes and stopping ---------------------------------------------------------------------


async def test_a_message_claimed_by_a_dead_worker_goes_out_once_after_the_lease(
    empty_engine: AsyncEngine, api: FakeBotApi, bot: Bot, clock: FakeClock
) -> None:
    await enqueue(empty_engine, "yatim", 12, "Eskalasi", clock())
    async with empty_engine.begin() as conn:
        [claimed] = await outbox.claim(conn, now=clock(), limit=10)  # a worker takes it, then dies
    survivor = OutboxSender(empty_engine, bot, clock=clock)
    clock.advance(59)
    assert await survivor.drain_once() == 0
    assert api.calls_to("sendMessage") == []
    clock.advance(2)
    assert await survivor.drain_once() == 1
    assert await survivor.drain_once() == 0
    assert [m.text for m in api.messages(12)] == ["Eskalasi"]
    assert (await row(empty_engine, "yatim")).status == "terkirim"
    async with empty_engine.begin() as conn:  # the dead worker's ghost cannot record a second outcome
        assert not await outbox.mark_sent(conn, claimed.id, message_id=99, now=clock())


async def test_stop_hands_back_what_was_claimed_but_not_sent(
    empty_engine: AsyncEngine, api: FakeBotApi, bot: Bot
) -> None:
    for chat in range(1, 11):
        await enqueue(empty_engine, f"s:{chat}", chat, "Siaran", now_real())
    sender = OutboxSender(empty_engine, bot, rate_per_s=10)
    async with running(sender):
        await api.wait_for(lambda: len(api.calls_to("sendMessage")) >= 1)
    sent = len(api.calls_to("sendMessage"))
    assert sent < 10
    async with empty_engine.connect() as conn:
        assert (await outbox.counts(conn))["antri"] == 10 - sent
        held = (await conn.execute(sa.select(sa.func.count()).select_from(t.outbox)
                                   .where(t.outbox.c.claimed_until.is_not(None)))).scalar_one()
    assert held == 0  # another worker may take them at once


def test_settings_are_checked() -> None:
    for bad in ({"rate_per_s": 0}, {"max_in_flight": 31}, {"max_attempts": 0}):
        with pytest.raises(ValueError):
            OutboxSender(None, None, **bad)  # type: ignore[arg-type]
