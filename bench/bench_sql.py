"""Benchmark of what one SQL statement costs the bot's process, by the way it is sent.

    .venv/bin/python bench/bench_sql.py                                          # SQLite in a temp dir
    .venv/bin/python bench/bench_sql.py --pg postgresql://postgres@127.0.0.1:5432/bench   # also PostgreSQL (read only)

One process, one connection, the same one-row read by primary key (a TPS's kab/kota, as the report's save reads
it) sent again and again, one at a time: through SQLAlchemy with the statement built each time (as most storage
functions do), built once, as SQL text (``exec_driver_sql``), and straight through the driver (asyncpg's prepared
statement; aiosqlite's ``execute_fetchall``, one trip to its thread). CPU is the process time per statement (the
database server's own time is not in it); the best of ``--ulang`` rounds is printed, so a busy moment of the
machine does not count.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa

from storage import tables as t
from storage.db import create_engine, upgrade

Cara = Callable[[int], Awaitable[Any]]


async def _ukur(cara: Cara, n: int, ulang: int) -> float:
    """The best CPU µs per statement over ``ulang`` rounds of ``n``."""
    for i in range(min(n, 200)):  # warm: statement caches, prepared statements
        await cara(i)
    terbaik = float("inf")
    for _ in range(ulang):
        t0 = time.process_time()
        for i in range(n):
            await cara(i)
        terbaik = min(terbaik, (time.process_time() - t0) / n * 1e6)
    return terbaik


async def jalankan(url: str, nama: str, n: int, ulang: int) -> None:
    engine = create_engine(url)
    if url.startswith("sqlite"):
        await upgrade(engine)
    tp = t.tps
    sekali = sa.select(tp.c.kabkota_unit_id).where(tp.c.id == sa.bindparam("i"))
    pg = engine.dialect.name == "postgresql"
    teks = f"SELECT kabkota_unit_id FROM tps WHERE id = {'$1' if pg else '?'}"
    try:
        async with engine.connect() as conn:
            mentah: Any = (await conn.get_raw_connection()).driver_connection
            if pg:
                siap = await mentah.prepare(teks)

                async def driver(i: int) -> Any:
                    return await siap.fetchrow(i)
            else:
                async def driver(i: int) -> Any:
                    return await mentah.execute_fetchall(teks, (i,))  # one trip to aiosqlite's thread

            cara: list[tuple[str, Cara]] = [
                ("SQLAlchemy, dibangun tiap kali", lambda i: _satu(conn.execute(
                    sa.select(tp.c.kabkota_unit_id).where(tp.c.id == i)))),
                ("SQLAlchemy, dibangun sekali", lambda i: _satu(conn.execute(sekali, {"i": i}))),
                ("SQLAlchemy, teks SQL", lambda i: _satu(conn.exec_driver_sql(teks, (i,)))),
                ("driver langsung", driver),
            ]
            hasil = [(label, await _ukur(fn, n, ulang)) for label, fn in cara]
    finally:
        await engine.dispose()
    dasar = hasil[-1][1]
    for label, us in hasil:
        print(f"{nama:10s} {label:32s} {us:7.0f} µs CPU/pernyataan  ×driver {us / dasar:4.1f}".replace(".", ","))


async def _satu(hasil: Awaitable[Any]) -> Any:
    return (await hasil).first()


async def utama(a: argparse.Namespace) -> None:
    print(f"{a.n} pernyataan × {a.ulang} putaran (terbaik), satu koneksi, baca satu baris menurut kunci")
    with tempfile.TemporaryDirectory() as d:
        await jalankan(f"sqlite:///{d}/bench.db", "SQLite", a.n, a.ulang)
    if a.pg:
        await jalankan(a.pg, "PostgreSQL", a.n, a.ulang)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=3000, help="statements per round (default 3000)")
    p.add_argument("--ulang", type=int, default=5, help="rounds; the best is printed (default 5)")
    p.add_argument("--pg", help="also on this PostgreSQL database (only read; needs Pantau's schema)")
    p.add_argument("--quick", action="store_true", help="a tiny smoke run")
    a = p.parse_args()
    if a.quick:
        a.n, a.ulang = 200, 1
    asyncio.run(utama(a))


if __name__ == "__main__":
    main()
