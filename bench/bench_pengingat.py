"""Benchmark of the reminders: the sweep over 100.000 deadline×recipient pairs, and the outbox held at Telegram's
limit (about 30 messages a second, never above) for 10.000 messages against the fake Bot API.

    .venv/bin/python bench/bench_pengingat.py                      # both, SQLite in a temporary directory
    .venv/bin/python bench/bench_pengingat.py --hanya sapu --pasangan 20000
    .venv/bin/python bench/bench_pengingat.py --hanya outbox --pesan 2000 --latensi 0.15
    .venv/bin/python bench/bench_pengingat.py --hanya outbox --pesan 2000 --chat 30   # 1/s per chat binds too
    .venv/bin/python bench/bench_pengingat.py --db postgresql://postgres@127.0.0.1:5432/bench

The sweep part builds 100 units with 100 operators each (10.000 users) and 1.000 manual deadlines, 10 per unit,
all three days away (so every pair has its H-3 step due): 1.000 × 100 = 100.000 pairs. It times the planning
(which step is due for whom), the first sweep (which queues all 100.000 through storage.outbox.enqueue), the
steady sweep a minute later (nothing new: what runs every minute), and the 14-day preview of one user.
The outbox part queues N messages to N/10 chats (or --chat C) and runs the real OutboxSender against the fake Bot
API (with a simulated network latency), then reads the time of every sendMessage call: the mean rate, the most
calls in any sliding one-second window (must not exceed 30), the most calls to one chat in any one-second window
(must not exceed 1) with the shortest gap between two calls to one chat and how many chats got their messages
out of queue order (must be 0), and the CPU the process used.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import resource
import sys
import tempfile
import time
from collections import defaultdict, deque
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("PTB_TIMEDELTA", "true")

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import Bot

from bot.fakebotapi import FakeBotApi, FakeRequest
from bot.outbox import OutboxSender
from handlers.pengingat import render_kiriman
from storage import outbox, tenggat
from storage import tables as t
from storage.db import create_engine, upgrade

ZONA = "Asia/Jakarta"
NOW = datetime(2024, 11, 23, 0, 0, 30, tzinfo=UTC)  # 07.00.30 WIB: the H-3 morning of the deadlines below
TOKEN = "123456789:BENCH"


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


async def _isi(engine: AsyncEngine, pasangan: int) -> tuple[int, int]:
    """Units, operators and manual deadlines for about `pasangan` pairs; returns (deadlines, users)."""
    per_unit = 100
    units = max(1, pasangan // (per_unit * 10))
    batas = datetime(2024, 11, 26, 16, 59, tzinfo=UTC)  # 23.59 WIB
    async with engine.begin() as conn:
        await conn.execute(t.units.insert().values(code="ROOT", name="Bench", kind="satker", org="B"))
        root = (await conn.execute(sa.select(t.units.c.id).where(t.units.c.code == "ROOT"))).scalar_one()
        await conn.execute(t.units.insert(), [{"code": f"U{i:04d}", "name": f"Unit {i}", "kind": "subbagian",
                                               "parent_id": root, "org": "B"} for i in range(units)])
        ids = dict((await conn.execute(sa.select(t.units.c.code, t.units.c.id))).all())
        await conn.execute(t.users.insert(), [
            {"telegram_id": 10_000_000 + u * per_unit + k, "name": f"Operator {u}-{k}", "role": "operator",
             "status": "aktif", "unit_id": ids[f"U{u:04d}"], "is_head": False, "created_at": NOW}
            for u in range(units) for k in range(per_unit)])
        await conn.execute(t.deadlines.insert(), [
            {"jenis": "manual", "ref": f"bench:{u}:{j}", "judul": f"Tenggat uji {j} unit {u}", "batas": batas,
             "unit_id": ids[f"U{u:04d}"], "peran": "operator", "dijeda": False, "created_at": NOW}
            for u in range(units) for j in range(10)])
    return units * 10, units * per_unit


async def bench_sapu(url: str, pasangan: int) -> None:
    """Time the sweep over the pairs."""
    engine = create_engine(url)
    try:
        await upgrade(engine)
        deadlines, users = await _isi(engine, pasangan)
        per = users // (deadlines // 10)
        print(f"sapuan: {deadlines} tenggat × {per} penerima = {deadlines * per:,} pasangan".replace(",", "."))
        t0, c0 = time.perf_counter(), _cpu()
        async with engine.connect() as conn:
            rencana, _ = await tenggat.rencana_sapu(conn, now=NOW, zona=ZONA)
        print(f"  rencana (siapa dapat langkah apa) : {time.perf_counter() - t0:6.2f} s  "
              f"CPU {_cpu() - c0:6.2f} s  {len(rencana)} kiriman")
        t0, c0 = time.perf_counter(), _cpu()
        h = await tenggat.sapu(engine, now=NOW, render=render_kiriman, zona=ZONA)
        dt = time.perf_counter() - t0
        print(f"  sapuan pertama (antrekan semua)   : {dt:6.2f} s  CPU {_cpu() - c0:6.2f} s  "
              f"{h.diantrekan} diantrekan ({h.diantrekan / dt:,.0f}/s)".replace(",", "."))
        t0, c0 = time.perf_counter(), _cpu()
        h = await tenggat.sapu(engine, now=NOW + timedelta(minutes=1), render=render_kiriman, zona=ZONA)
        print(f"  sapuan berikutnya (tiap menit)    : {time.perf_counter() - t0:6.2f} s  CPU {_cpu() - c0:6.2f} s  "
              f"{h.diantrekan} diantrekan")
        t0 = time.perf_counter()
        async with engine.connect() as conn:
            uid = (await conn.execute(sa.select(sa.func.min(t.users.c.id)))).scalar_one()
            rows = await tenggat.pratinjau(conn, dari=NOW, sampai=NOW + timedelta(days=14), now=NOW, zona=ZONA,
                                           user_id=uid)
        print(f"  /pengingat satu pengguna (14 hari): {time.perf_counter() - t0:6.2f} s  {len(rows)} baris")
    finally:
        await engine.dispose()


def _puncak(times: Iterable[float], batas: float) -> tuple[int, int]:
    """The most calls in any sliding one-second window, and how many windows hold more than `batas`."""
    window: deque[float] = deque()
    peak = over = 0
    for at in sorted(times):
        window.append(at)
        while window[0] <= at - 1.0:
            window.popleft()
        peak = max(peak, len(window))
        over += len(window) > batas
    return peak, over


async def bench_outbox(url: str, pesan: int, latensi: float, rate: float, chats: int | None) -> None:
    """Send `pesan` messages through the real sender and measure the rate Telegram would see."""
    engine = create_engine(url)
    api = FakeBotApi(token=TOKEN)
    api.latency = latensi
    api.record_calls = True
    chats = chats or max(1, pesan // 10)
    for c in range(chats):
        api.add_user(20_000_000 + c, f"Penerima {c}")
    try:
        await upgrade(engine)
        async with engine.begin() as conn:
            await conn.execute(t.outbox.delete())
            rows = [{"dedup_key": f"bench:{i}", "chat_id": 20_000_000 + i % chats, "kind": "siaran",
                     "text": f"Pesan uji {i}", "status": outbox.ANTRI, "attempts": 0, "not_before": NOW,
                     "created_at": NOW} for i in range(pesan)]
            for i in range(0, len(rows), 5000):
                await conn.execute(t.outbox.insert(), rows[i:i + 5000])
        bot = Bot(TOKEN, request=FakeRequest(api), get_updates_request=FakeRequest(api))
        await bot.initialize()
        sender = OutboxSender(engine, bot, rate_per_s=rate)
        stop = asyncio.Event()
        t0, c0 = time.perf_counter(), _cpu()
        task = asyncio.create_task(sender.run(stop))
        while True:
            await asyncio.sleep(0.25)
            async with engine.connect() as conn:
                left = (await outbox.counts(conn))["antri"]
            done = pesan - left
            print(f"\r  terkirim {done}/{pesan}", end="", flush=True)
            if left == 0:
                break
        dt, cpu = time.perf_counter() - t0, _cpu() - c0
        stop.set()
        await task
        await bot.shutdown()
        calls = api.calls_to("sendMessage")
        times = sorted(c.at for c in calls)
        peak, over = _puncak(times, rate)
        gaps = sorted(b - a for a, b in itertools.pairwise(times))
        per_chat: defaultdict[int, list[float]] = defaultdict(list)
        urutan: defaultdict[int, list[int]] = defaultdict(list)  # chat -> message numbers in the order sent
        for call in calls:
            per_chat[call.params["chat_id"]].append(call.at)
            urutan[call.params["chat_id"]].append(int(call.params["text"].rsplit(" ", 1)[1]))
        tak_urut = sum(nomor != sorted(nomor) for nomor in urutan.values())
        chat_peaks = [_puncak(ts, 1) for ts in per_chat.values()]
        chat_gaps = [b - a for ts in per_chat.values() for a, b in itertools.pairwise(sorted(ts))]
        span = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0
        print(f"\r  {pesan} pesan ke {chats} chat dalam {dt:.1f} s: rata-rata {pesan / dt:.2f}/s "
              f"(panggilan pertama–terakhir {span:.2f}/s), "
              f"puncak {peak} dalam 1 detik (batas {rate:g}; {over} jendela di atas batas), "
              f"CPU {cpu:.1f} s ({1000 * cpu / pesan:.2f} ms/pesan)")
        if gaps:
            print(f"  jarak antar-kirim: min {1000 * gaps[0]:.1f} ms, p1 {1000 * gaps[len(gaps) // 100]:.1f} ms, "
                  f"median {1000 * gaps[len(gaps) // 2]:.1f} ms (jadwal {1000 * sender.spacing:.1f} ms)")
        print(f"  per chat: puncak {max(p for p, _ in chat_peaks)} dalam 1 detik "
              f"({sum(o for _, o in chat_peaks)} jendela di atas 1), jarak terpendek "
              + (f"{1000 * min(chat_gaps):.0f} ms" if chat_gaps else "- (satu pesan per chat)")
              + f", {tak_urut} chat tidak urut")
        async with engine.connect() as conn:
            print(f"  status akhir: {await outbox.counts(conn)}")
    finally:
        await engine.dispose()


def main() -> None:
    """Run the benchmarks."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--db", help="URL basis data (bawaan: SQLite di direktori sementara)")
    p.add_argument("--pasangan", type=int, default=100_000)
    p.add_argument("--pesan", type=int, default=10_000)
    p.add_argument("--latensi", type=float, default=0.15, help="latensi Bot API tiruan, detik (bawaan 0,15)")
    p.add_argument("--rate", type=float, default=30.0)
    p.add_argument("--chat", type=int, help="jumlah chat penerima (bawaan: pesan/10)")
    p.add_argument("--hanya", choices=("sapu", "outbox"))
    a = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if a.hanya in (None, "sapu"):
            asyncio.run(bench_sapu(a.db or f"sqlite:///{tmp}/sapu.db", a.pasangan))
        if a.hanya in (None, "outbox"):
            print("outbox:")
            asyncio.run(bench_outbox(a.db or f"sqlite:///{tmp}/outbox.db", a.pesan, a.latensi, a.rate, a.chat))


if __name__ == "__main__":
    main()
