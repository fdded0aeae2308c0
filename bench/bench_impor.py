"""Benchmark of an import preview (`storage.impor.dry_run`) of a TPS file at the row limit: how long it takes and
how long the event loop (bot, outbox and web share it in `pantau run`) is kept from running anything else.

    .venv/bin/python bench/bench_impor.py                 # SQLite in a temporary directory, 200.000 rows
    .venv/bin/python bench/bench_impor.py --baris 50000

A ticker task wakes every 5 ms during the check; its longest wait beyond that is the longest stall.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from storage import demo, impor
from storage.db import create_engine, upgrade

KOLOM = ["kode", "nama", "kabkota", "kecamatan", "desa", "dpt", "sulit"]


def _tabel(n: int) -> impor.Tabel:
    """New TPS of Kota Bengkulu in new districts and villages (each row valid, none in the demo)."""
    return impor.Tabel(KOLOM, [(i + 2, [f"17.71.{i // 100_000:02d}.{(i // 100) % 1000 + 5000:04d}-{i % 100 + 100:03d}",
                                        f"TPS {i % 100 + 100:03d}", "KAB-1771", f"Kecamatan {i // 100_000}",
                                        f"Desa {(i // 100) % 1000}", "250", "tidak"]) for i in range(n)])


async def _ukur(url: str, n: int) -> None:
    engine = create_engine(url)
    try:
        await upgrade(engine)
        await demo.load(engine)
        tabel = _tabel(n)
        jeda: list[float] = []
        selesai = False

        async def detak() -> None:
            while not selesai:
                t0 = time.perf_counter()
                await asyncio.sleep(0.005)
                jeda.append(time.perf_counter() - t0 - 0.005)

        tugas = asyncio.create_task(detak())
        await asyncio.sleep(0.02)
        jeda.clear()
        t0 = time.perf_counter()
        async with engine.connect() as conn:
            p = await impor.dry_run(conn, "tps", tabel)
        lama = time.perf_counter() - t0
        selesai = True
        await tugas
        assert p.ok, p.pesan()[:3]
        q = statistics.quantiles(jeda, n=100)
        print(f"dry_run tps {n:>7} baris  {lama:6.2f} s  jeda loop terpanjang {max(jeda) * 1000:6.0f} ms  "
              f"p99 {q[98] * 1000:5.0f} ms  p50 {q[49] * 1000:4.1f} ms  ({len(jeda)} detak)")
    finally:
        await engine.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baris", type=int, default=impor.MAKS_BARIS)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        asyncio.run(_ukur(f"sqlite+aiosqlite:///{d}/bench.db", a.baris))


if __name__ == "__main__":
    main()
