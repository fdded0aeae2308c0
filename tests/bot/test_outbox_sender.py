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

from bot.fakebotapi import ApiCall, BotEvent, FakeBotApi, FakeRequest, FloodLimits
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
    # Telegram's own limits in the fake: a call over 30 a second, or a second one to a chat within a second, is
    # refused with a 429 (and would show as a call more than the 90 messages).
    api.flood_limits = FloodLimits(per_chat=(1, 1.0), global_=(30, 1.0))
    # Three messages to each of chats 1-3, one in each of the first three rounds (so the second and third wait for
    # the chat's slot across rounds), and one to each of 81 other chats (all of them in the fake from 1 to 100).
    chats = [1 + i % 10 if i < 30 and i % 10 < 3 else 11 + i for i in range(90)]
    now = now_real()
    async with empty_engine.begin() as conn:
        for i, chat in enumerate(chats):
            await outbox.enqueue(conn, key=f"siaran:1:{i}", chat_id=chat, text=f"Siaran {i}", kind="siaran", now=now)
    # Rounds of 10, each claimed while the one before is still sending: the limits hold across rounds.
    sender = OutboxSender(empty_engine, bot, rate_per_s=30, batch=10)
    async with running(sender):
        await api.wait_for(lambda: sum(len(api.messages(c)) for c in set(chats)) == 90, timeout=15)
    calls = api.calls_to("sendMessage")
    assert len(calls) == 90  # none refused
    times = [c.at for c in calls]
    assert max(times) - min(times) >= 2.0
    assert _max_in_a_second(times) <= 30
    for chat in (1, 2, 3):
        assert [m.text for m in api.messages(chat)] == [f"Siaran {i}" for i in range(chat - 1, 30, 10)]
        assert all(later - earlier >= 1.0 for earlier, later in itertools.pairwise(send_calls(api, chat)))
    async with empty_engine.connect() as conn:
        assert (await outbox.delivery_report(conn, "siaran:1:"))["terkirim"] == 90


class SlowToCall(FakeRequest):
    """Holds the event loop for 40 ms before every 7th request reaches the fake, as a busy machine or the GC can."""

    def __init__(self, api: FakeBotApi) -> None:
        super().__init__(api)
        self.requests = 0

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        self.requests += 1
        if self.requests % 7 == 0:
            time.sleep(0.04)
        return await super().do_request(*args, **kwargs)


async def test_a_send_held_up_before_its_request_counts_from_when_it_went(
    empty_engine: AsyncEngine, api: FakeBotApi
) -> None:
    if empty_engine.dialect.name != "sqlite":
        pytest.skip("pacing does not depend on the database backend")  # and this one costs ~3 s of real time
    now = now_real()
    async with empty_engine.begin() as conn:
        for chat in range(1, 91):
            await outbox.enqueue(conn, key=f"siaran:2:{chat}", chat_id=chat, text="Siaran", kind="siaran", now=now)
    async with Bot(TOKEN, request=SlowToCall(api)) as slow_bot:
        sender = OutboxSender(empty_engine, slow_bot, rate_per_s=30, batch=10)
        async with running(sender):
            await api.wait_for(lambda: sum(len(api.messages(c)) for c in range(1, 91)) == 90, timeout=15)
    # Thirty sends after one that was held up, Telegram must not see the 31st within a second of it.
    assert _max_in_a_second([c.at for c in api.calls_to("sendMessage")]) <= 30


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


# --- overlapping rounds -----------------------------------------------------------------------


def _most_in_flight(calls: list[ApiCall], latency: float) -> int:
    """The most calls in flight at once, each taken to last exactly `latency` (its answer comes no sooner)."""
    edges = sorted([(c.at, 1) for c in calls] + [(c.at + latency, -1) for c in calls])
    in_flight = peak = 0
    for _, step in edges:
        in_flight += step
        peak = max(peak, in_flight)
    return peak


async def test_the_next_claim_does_not_wait_for_the_last_answers(
    empty_engine: AsyncEngine, api: FakeBotApi, bot: Bot
) -> None:
    api.latency = 2.5
    for chat in range(1, 5):
        await enqueue(empty_engine, f"o:{chat}", chat, "Siaran", now_real())
    sender = OutboxSender(empty_engine, bot, rate_per_s=100, batch=1)
    async with running(sender):
        # One message a round, each answered only after 2,5 s: all four start before the first answer.
        await api.wait_for(lambda: len(api.calls_to("sendMessage")) == 4, timeout=2)
        assert all(stored.status == "antri" for stored in [await row(empty_engine, f"o:{c}") for c in range(1, 5)])
    # run() returned: every send it started was answered and recorded, once.
    for chat in range(1, 5):
        stored = await row(empty_engine, f"o:{chat}")
        assert (stored.status, stored.attempts, stored.claimed_until) == ("terkirim", 1, None)
        assert len(send_calls(api, chat)) == 1


async def test_the_in_flight_cap_holds_across_rounds(empty_engine: AsyncEngine, api: FakeBotApi, bot: Bot) -> None:
    api.latency = 0.3
    for chat in range(1, 7):
        await enqueue(empty_engine, f"o:{chat}", chat, "Siaran", now_real())
    sender = OutboxSender(empty_engine, bot, rate_per_s=100, batch=1, max_in_flight=2)
    async with running(sender):
        await api.wait_for(lambda: sum(len(api.messages(c)) for c in range(1, 7)) == 6, timeout=10)
    assert _most_in_flight(api.calls_to("sendMessage"), api.latency) == 2  # rounds overlap, two at most
    async with empty_engine.connect() as conn:
        assert (await outbox.counts(conn))["terkirim"] == 6


async def test_a_chats_next_message_waits_for_the_answer_to_the_last(
    empty_engine: AsyncEngine, api: FakeBotApi, bot: Bot
) -> None:
    api.latency = 0.3  # longer than the chat interval, so only the answer holds the next message back
    for i in range(12):
        await enqueue(empty_engine, f"o:{i}", 1 + i % 3, f"Pesan {i}", now_real())
    sender = OutboxSender(empty_engine, bot, rate_per_s=100, per_chat_interval_s=0.05, batch=3)
    async with running(sender):
        await api.wait_for(lambda: sum(len(api.messages(c)) for c in range(1, 4)) == 12, timeout=10)
    for chat in range(1, 4):
        assert [m.text for m in api.messages(chat)] == [f"Pesan {i}" for i in range(12) if 1 + i % 3 == chat]
        times = send_calls(api, chat)
        assert len(times) == 4
        assert all(later - earlier >= api.latency for earlier, later in itertools.pairwise(times))
    assert _most_in_flight(api.calls_to("sendMessage"), api.latency) == 3  # the three chats went side by side
    async with empty_engine.connect() as conn:
        assert (await outbox.counts(conn))["terkirim"] == 12


async def test_a_message_queued_while_an_older_one_waits_for_its_chat_does_not_overtake_it(
    empty_engine: AsyncEngine, api: FakeBotApi, bot: Bot
) -> None:
    api.latency = 0.8  # answered after the chat's interval (0,525 s), so its next slot is a step later (1,05 s)
    await enqueue(empty_engine, "o:0", 5, "Pesan 0", now_real())
    await enqueue(empty_engine, "o:1", 5, "Pesan 1", now_real())
    sender = OutboxSender(empty_engine, bot, per_chat_interval_s=0.5, poll_s=0.05)
    async with running(sender):
        for _ in range(200):  # until the first one is answered and recorded
            if (await row(empty_engine, "o:0")).status == "terkirim":
                break
            await asyncio.sleep(0.01)
        # The chat is free again, but "Pesan 1" was put back while it was not and waits for its slot.
        assert len(send_calls(api, 5)) == 1
        await enqueue(empty_engine, "o:2", 5, "Pesan 2", now_real())
        sender.wake()
        await api.wait_for(lambda: len(api.messages(5)) == 3, timeout=5)
    assert [m.text for m in api.messages(5)] == ["Pesan 0", "Pesan 1", "Pesan 2"]


@pytest.mark.parametrize("latency", [0.0, 0.02])
async def test_order_per_chat_holds_over_overlapping_rounds_while_time_passes(
    empty_engine: AsyncEngine, api: FakeBotApi, bot: Bot, latency: float
) -> None:
    api.latency = latency
    clock = TickingClock(3)
    for i in range(40):
        await enqueue(empty_engine, f"m:{i}", 1 + i % 5, f"Pesan {i}", T0)
    # Batches of 4, each claimed while the one before is being sent: the messages a batch puts back are in the
    # queue before that claim, so a younger message of the chat in the next batch cannot go before them.
    sender = OutboxSender(empty_engine, bot, rate_per_s=1000, per_chat_interval_s=0.03, batch=4, clock=clock,
                          poll_s=0.01)
    async with running(sender):
        await api.wait_for(lambda: sum(len(api.messages(c)) for c in range(1, 6)) == 40, timeout=20)
    for chat in range(1, 6):
        assert [m.text for m in api.messages(chat)] == [f"Pesan {i}" for i in range(40) if 1 + i % 5 == chat]
    async with empty_engine.connect() as conn:
        assert (await outbox.counts(conn))["terkirim"] == 40


async def test_order_per_chat_holds_when_chats_come_round_faster_than_their_interval(
    empty_engine: AsyncEngine, api: FakeBotApi, bot: Bot
) -> None:
    if empty_engine.dialect.name != "sqlite":
        pytest.skip("the order is kept in the sender's memory")  # and this one costs a few seconds of real time
    api.latency = 0.02
    # Ten chats in turn, in batches of 12: each batch has two messages that must wait for their chat while the
    # rest go (so the next batch is claimed ahead), and a chat comes round faster than its interval.
    for i in range(120):
        await enqueue(empty_engine, f"m:{i}", 1 + i % 10, f"Pesan {i}", now_real())
    sender = OutboxSender(empty_engine, bot, rate_per_s=100, per_chat_interval_s=0.15, batch=12, poll_s=0.05)
    async with running(sender):
        await api.wait_for(lambda: sum(len(api.messages(c)) for c in range(1, 11)) == 120, timeout=30)
    for chat in range(1, 11):
        assert [m.text for m in api.messages(chat)] == [f"Pesan {i}" for i in range(120) if 1 + i % 10 == chat]
        assert all(later - earlier >= 0.15 for earlier, later in itertools.pairwise(send_calls(api, chat)))


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
    sender = OutboxSender(empty_engine, bot, rate_per_s=10, batch=3)  # a full batch: the next one is claimed ahead
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
