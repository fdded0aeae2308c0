"""Benchmark of the LKjIP draft for 2024 on the demo: reading the year (the report builders), composing the outline
with its charts, writing the .docx, and the whole draft as the bot and the web make it.

    .venv/bin/python bench/bench_lkjip.py                 # SQLite in a temporary directory, 5 runs
    .venv/bin/python bench/bench_lkjip.py --ulang 10
    .venv/bin/python bench/bench_lkjip.py --db postgresql://postgres@127.0.0.1:5432/bench   # the database is WIPED

The first run pays matplotlib's and python-docx's warm-up (fonts, templates) and is shown apart; the goal is a
whole draft under 5 seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reports import lkjip, lkjip_docx
from storage import demo
from storage.db import create_engine, upgrade

HARI = date(2025, 1, 15)


async def _sekali(url: str) -> tuple[float, float, float, int]:
    engine = create_engine(url)
    try:
        t0 = time.perf_counter()
        async with engine.connect() as conn:
            data = await lkjip.build(conn, 2024, today=HARI)
        t1 = time.perf_counter()
        dok = await asyncio.to_thread(lkjip.susun, data)
        t2 = time.perf_counter()
        buf = io.BytesIO()
        await asyncio.to_thread(lkjip_docx.tulis, dok, buf)
        t3 = time.perf_counter()
    finally:
        await engine.dispose()
    return t1 - t0, t2 - t1, t3 - t2, len(buf.getvalue())


async def _siapkan(url: str) -> None:
    engine = create_engine(url)
    try:
        await upgrade(engine)
        await demo.load(engine, reset=True, today=HARI)
    finally:
        await engine.dispose()


def main() -> int:
    """Time the draft; print one line per part."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ulang", type=int, default=5)
    ap.add_argument("--db", help="basis data (DIHAPUS); bawaan: SQLite sementara")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = a.db or f"sqlite:///{Path(tmp) / 'lkjip.db'}"
        asyncio.run(_siapkan(url))
        pertama = asyncio.run(_sekali(url))
        hasil = [asyncio.run(_sekali(url)) for _ in range(a.ulang)]
    print(f"draf LKjIP 2024 ({'PostgreSQL' if a.db else 'SQLite'}), {a.ulang} kali setelah pemanasan; "
          f"berkas {pertama[3] / 1024:.0f} KB")
    print(f"{'bagian':<34}{'pertama':>10}{'median':>10}{'maks':>10}")
    for i, nama in enumerate(("baca data (report builders)", "susun kerangka + grafik", "tulis .docx")):
        nilai = [h[i] for h in hasil]
        print(f"{nama:<34}{pertama[i]:>9.2f}s{statistics.median(nilai):>9.2f}s{max(nilai):>9.2f}s")
    total = [sum(h[:3]) for h in hasil]
    print(f"{'jumlah':<34}{sum(pertama[:3]):>9.2f}s{statistics.median(total):>9.2f}s{max(total):>9.2f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
