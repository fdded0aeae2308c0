"""Benchmark of what a conversation timeout costs per step: PTB's scheduler job per step against the sweep.

    .venv/bin/python bench/bench_batas_waktu.py                  # 200 users × 20 steps, 5 alternating pairs
    .venv/bin/python bench/bench_batas_waktu.py --pengguna 1000 --ulang 3

One process, no database and no Bot API calls: a bare PTB Application (started, so its JobQueue runs) with one
conversation of 30-minute timeout whose steps do nothing, fed the same updates (users side by side, each user's
steps in order) once with PTB's ConversationHandler and once with handlers.batas_waktu.Percakapan. CPU is the
process time per update; what differs between the two is only the timeout bookkeeping.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("PTB_TIMEDELTA", "true")

from telegram.ext import ApplicationBuilder, CommandHandler, ConversationHandler, MessageHandler, filters
from telegram.warnings import PTBUserWarning

from bot.app import LOCAL_TOKEN
from bot.fakebotapi import FakeBotApi, FakeRequest
from handlers.batas_waktu import Percakapan


async def _mulai(update: Any, context: Any) -> int:
    return 1


async def _langkah(update: Any, context: Any) -> int:
    return 1


async def _ukur(jenis: type[ConversationHandler[Any]], api: FakeBotApi, updates: list[Any],
                per: int) -> tuple[float, int]:
    """CPU µs per update, and the scheduler's jobs at the end."""
    app = (ApplicationBuilder().token(LOCAL_TOKEN).request(FakeRequest(api)).get_updates_request(FakeRequest(api))
           .build())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBUserWarning)
        app.add_handler(jenis(entry_points=[CommandHandler("mulai", _mulai)],
                              states={1: [MessageHandler(filters.TEXT, _langkah)]}, fallbacks=[],
                              conversation_timeout=1800))
    async with app:
        await app.start()
        objs = [u.to_update(app.bot) for u in updates]
        await asyncio.sleep(0.05)
        t0 = time.process_time()
        for i in range(0, len(objs), per):
            await asyncio.gather(*(app.process_update(o) for o in objs[i:i + per]))
            await asyncio.sleep(0)  # let the scheduler react to the jobs added and removed
        await asyncio.sleep(0.05)
        cpu = time.process_time() - t0
        assert app.job_queue is not None
        jobs = len(app.job_queue.jobs())
        await app.stop()
    return cpu / len(objs) * 1e6, jobs


async def _jalankan(pengguna: int, langkah: int, ulang: int) -> None:
    api = FakeBotApi()
    for u in range(pengguna):
        api.add_user(1000 + u, f"Pengguna {u}")
    updates = [await api.send_text(1000 + u, "/mulai" if s == 0 else f"langkah {s}")
               for s in range(langkah) for u in range(pengguna)]
    hasil: dict[str, list[float]] = {"PTB (job per langkah)": [], "sapu (Percakapan)": []}
    for _ in range(ulang):
        for (nama, jenis) in zip(hasil, (ConversationHandler, Percakapan), strict=True):
            us, jobs = await _ukur(jenis, api, updates, pengguna)
            hasil[nama].append(us)
            print(f"{nama:24s} {us:7.1f} µs CPU/update  job terjadwal di akhir: {jobs}", flush=True)
    print(f"{pengguna} pengguna × {langkah} langkah, median dari {ulang}:")
    for nama, xs in hasil.items():
        print(f"{nama:24s} {statistics.median(xs):7.1f} µs CPU/update")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pengguna", type=int, default=200, help="users in a conversation side by side")
    ap.add_argument("--langkah", type=int, default=20, help="updates per user")
    ap.add_argument("--ulang", type=int, default=5, help="alternating pairs of runs")
    a = ap.parse_args()
    asyncio.run(_jalankan(a.pengguna, a.langkah, a.ulang))


if __name__ == "__main__":
    main()
