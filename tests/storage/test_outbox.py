"""The outbox repository on a real database: dedup, claims and leases, outcomes, admin queries."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import outbox
from storage import tables as t

T0 = datetime(2024, 11, 26, 1, 0, tzinfo=UTC)


async def _enqueue(engine: AsyncEngine, n: int, *, prefix: str = "m", chat_id: int = 1, **kw: object) -> None:
    async with engine.begin() as conn:
        for i in range(n):
            await outbox.enqueue(conn, key=f"{prefix}:{i}", chat_id=chat_id, text=f"Pesan {i}", kind="info",
                                 now=T0, **kw)  # type: ignore[arg-type]


async def _claim(engine: AsyncEngine, now: datetime, limit: int = 100, **kw: object) -> list[outbox.OutboxMessage]:
    async with engine.begin() as conn:
        return await outbox.claim(conn, now=now, limit=limit, **kw)  # type: ignore[arg-type]


async def _row(engine: AsyncEngine, outbox_id: int) -> sa.Row[tuple[object, ...]]:
    async with engine.connect() as conn:
        return (await conn.execute(sa.select(t.outbox).where(t.outbox.c.id == outbox_id))).one()


async def test_enqueue_ignores_a_duplicate_key(empty_engine: AsyncEngine) -> None:
    markup = {"inline_keyboard": [[{"text": "Setujui", "callback_data": "ok:1"}]]}
    async with empty_engine.begin() as conn:
        first = await outbox.enqueue(conn, key="esk:7:ketua", chat_id=42, text="Eskalasi TPS 001", kind="eskalasi",
                                     reply_markup=markup, parse_mode="HTML", now=T0)
        again = await outbox.enqueue(conn, key="esk:7:ketua", chat_id=42, text="lain", kind="eskalasi", now=T0)
    assert (first, again) == (True, False)
    [message] = await _claim(empty_engine, T0)
    assert message == outbox.OutboxMessage(message.id, "esk:7:ketua", 42, "Eskalasi TPS 001", "eskalasi", markup,
                                           "HTML", 0)
    row = await _row(empty_engine, message.id)
    assert (row.status, row.created_at, row.not_before) == ("antri", T0, T0)


async def test_enqueue_commits_with_the_callers_transaction(empty_engine: AsyncEngine) -> None:
    try:
        async with empty_engine.begin() as conn:
            await outbox.enqueue(conn, key="a", chat_id=1, text="x", kind="pengingat", now=T0)
            raise RuntimeError("the change that caused it failed")
    except RuntimeError:
        pass
    async with empty_engine.connect() as conn:
        assert (await outbox.counts(conn))["antri"] == 0


async def test_enqueue_rejects_an_unknown_kind(empty_engine: AsyncEngine) -> None:
    async with empty_engine.begin() as conn:
        try:
            await outbox.enqueue(conn, key="a", chat_id=1, text="x", kind="spam", now=T0)
        except ValueError:
            return
    raise AssertionError("an unknown kind was accepted")


async def test_claim_takes_due_unclaimed_messages_oldest_first(empty_engine: AsyncEngine) -> None:
    await _enqueue(empty_engine, 3, prefix="now")
    await _enqueue(empty_engine, 1, prefix="later", not_before=T0 + timedelta(minutes=5))
    hour = timedelta(hours=1)
    first = await _claim(empty_engine, T0, limit=2, lease=hour)
    assert [m.key for m in first] == ["now:0", "now:1"]
    second = await _claim(empty_engine, T0 + timedelta(seconds=1), lease=hour)
    assert [m.key for m in second] == ["now:2"]  # claimed ones and the not-yet-due one stay out
    assert await _claim(empty_engine, T0 + timedelta(seconds=2)) == []
    later = await _claim(empty_engine, T0 + timedelta(minutes=5))
    assert [m.key for m in later] == ["later:0"]


async def test_lease_expiry_makes_a_message_claimable_again(empty_engine: AsyncEngine) -> None:
    await _enqueue(empty_engine, 1)
    [held] = await _claim(empty_engine, T0, lease=timedelta(seconds=60))
    assert await _claim(empty_engine, T0 + timedelta(seconds=59)) == []
    [again] = await _claim(empty_engine, T0 + timedelta(seconds=61))
    assert again.id == held.id
    # The first holder's late report is still the one outcome recorded; a second report changes nothing.
    async with empty_engine.begin() as conn:
        assert await outbox.mark_sent(conn, held.id, message_id=5, now=T0 + timedelta(seconds=62))
        assert not await outbox.mark_sent(conn, again.id, message_id=6, now=T0 + timedelta(seconds=63))
    row = await _row(empty_engine, held.id)
    assert (row.status, row.message_id, row.attempts, row.claimed_until) == ("terkirim", 5, 1, None)


async def test_a_claim_in_flight_elsewhere_is_not_taken(empty_engine: AsyncEngine) -> None:
    await _enqueue(empty_engine, 5)
    async with empty_engine.connect() as first:
        await first.begin()
        mine = await outbox.claim(first, now=T0, limit=10)
        # The second claimer reads the rows as still free (the first has not committed) and must lose
        # every conditional UPDATE once the first commits.
        other = asyncio.create_task(_claim(empty_engine, T0, limit=10))
        await asyncio.sleep(0.2)
        await first.commit()
    assert len(mine) == 5
    assert await asyncio.wait_for(other, 10) == []


async def test_concurrent_claimers_never_share_a_message(empty_engine: AsyncEngine) -> None:
    await _enqueue(empty_engine, 60)
    got: list[list[int]] = [[], [], []]

    async def worker(index: int) -> None:
        for _ in range(30):
            batch = await _claim(empty_engine, T0, limit=4)
            got[index].extend(m.id for m in batch)
            await asyncio.sleep(0)

    await asyncio.gather(*(worker(i) for i in range(3)))
    ids = [i for batch in got for i in batch]
    assert len(ids) == len(set(ids)) == 60


async def test_outcomes_release_the_claim_and_count_attempts(empty_engine: AsyncEngine) -> None:
    await _enqueue(empty_engine, 4)
    a, b, c, d = await _claim(empty_engine, T0)
    later = T0 + timedelta(seconds=30)
    async with empty_engine.begin() as conn:
        assert await outbox.retry_later(conn, a.id, not_before=later, error="Gangguan jaringan")
        assert await outbox.retry_later(conn, b.id, not_before=later, error="Dibatasi", count_attempt=False)
        assert await outbox.mark_failed(conn, c.id, error="Ditolak Telegram: message is too long", now=T0)
        assert await outbox.mark_blocked(conn, d.id, error="Penerima memblokir bot", now=T0)
        assert not await outbox.release(conn, c.id)  # settled messages stay settled
    assert (await _row(empty_engine, a.id)).attempts == 1
    assert (await _row(empty_engine, b.id)).attempts == 0
    assert await _claim(empty_engine, T0 + timedelta(seconds=29)) == []
    retried = await _claim(empty_engine, later)
    assert [m.id for m in retried] == [a.id, b.id]
    assert retried[0].attempts == 1
    async with empty_engine.begin() as conn:
        assert await outbox.release(conn, a.id)
        assert await outbox.release(conn, b.id, not_before=later + timedelta(minutes=1))
    assert [m.id for m in await _claim(empty_engine, later)] == [a.id]


async def test_counts_failed_and_requeue(empty_engine: AsyncEngine) -> None:
    await _enqueue(empty_engine, 4)
    a, b, c, _ = await _claim(empty_engine, T0)
    async with empty_engine.begin() as conn:
        await outbox.mark_sent(conn, a.id, message_id=1, now=T0)
        await outbox.mark_failed(conn, b.id, error="Gagal setelah 8 percobaan. Internal Server Error", now=T0)
        await outbox.mark_blocked(conn, c.id, error="Penerima memblokir bot", now=T0)
    async with empty_engine.connect() as conn:
        assert await outbox.counts(conn) == {"antri": 1, "terkirim": 1, "gagal": 1, "diblokir": 1}
        [failure] = await outbox.failed(conn, 10)
    assert (failure.id, failure.key, failure.attempts, failure.failed_at) == (b.id, "m:1", 1, T0)
    assert failure.last_error == "Gagal setelah 8 percobaan. Internal Server Error"
    again = T0 + timedelta(hours=1)
    async with empty_engine.begin() as conn:
        assert await outbox.requeue(conn, b.id, again)
        assert not await outbox.requeue(conn, a.id, again)  # a sent message is never queued again
    async with empty_engine.connect() as conn:
        assert await outbox.counts(conn) == {"antri": 2, "terkirim": 1, "gagal": 0, "diblokir": 1}
        assert await outbox.failed(conn, 10) == []
    requeued = [m for m in await _claim(empty_engine, again) if m.id == b.id]
    assert requeued[0].attempts == 0


async def test_delivery_report_counts_a_key_prefix(empty_engine: AsyncEngine) -> None:
    await _enqueue(empty_engine, 4, prefix="siaran:12")
    await _enqueue(empty_engine, 2, prefix="siaran:1_")  # "_" is a LIKE wildcard and must not match "siaran:12"
    async with empty_engine.begin() as conn:
        mine = [m for m in await outbox.claim(conn, now=T0, limit=10) if m.key.startswith("siaran:12")]
        await outbox.mark_sent(conn, mine[0].id, message_id=1, now=T0)
        await outbox.mark_sent(conn, mine[1].id, message_id=2, now=T0)
        await outbox.mark_blocked(conn, mine[2].id, error="diblokir", now=T0)
    async with empty_engine.connect() as conn:
        report = await outbox.delivery_report(conn, "siaran:12:")
        other = await outbox.delivery_report(conn, "siaran:1_:")
        none = await outbox.delivery_report(conn, "siaran:99:")
    assert report == {"antri": 1, "terkirim": 2, "gagal": 0, "diblokir": 1, "total": 4}
    assert other == {"antri": 2, "terkirim": 0, "gagal": 0, "diblokir": 0, "total": 2}
    assert none == {"antri": 0, "terkirim": 0, "gagal": 0, "diblokir": 0, "total": 0}


async def test_enqueue_many_skips_keys_already_queued(empty_engine: AsyncEngine) -> None:
    from storage.outbox import PesanBaru, enqueue_many

    now = datetime(2024, 11, 24, 0, 0, tzinfo=UTC)
    msgs = [PesanBaru(key=f"m:{i}", chat_id=i, text=f"t{i}", kind="pengingat") for i in range(5)]
    async with empty_engine.begin() as conn:
        assert await enqueue_many(conn, msgs[:3], now=now) == 3
        assert await enqueue_many(conn, msgs, now=now) == 2  # m:0..m:2 were there already
        assert await enqueue_many(conn, [], now=now) == 0
        with pytest.raises(ValueError):
            await enqueue_many(conn, [PesanBaru(key="x", chat_id=1, text="t", kind="rahasia")], now=now)
    async with empty_engine.connect() as conn:
        assert (await outbox.counts(conn))["antri"] == 5
