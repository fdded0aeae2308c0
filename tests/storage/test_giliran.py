"""Long import checks give the event loop its turn: the bot and the web keep answering during a big preview."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import giliran, impor


async def test_rows_come_in_order_with_turns_between() -> None:
    giliran_lain: list[int] = []
    hasil: list[int] = []

    async def lain() -> None:
        while True:
            giliran_lain.append(len(hasil))
            await asyncio.sleep(0)

    tugas = asyncio.create_task(lain())
    await asyncio.sleep(0)
    async for x in giliran.bergiliran(range(1000), setiap=250):
        hasil.append(x)
    tugas.cancel()
    assert hasil == list(range(1000))
    assert [n for n in giliran_lain if 0 < n < 1000] == [250, 500, 750]  # a turn after every 250 rows, no more


async def test_a_big_preview_lets_other_tasks_run_while_rows_are_checked(engine: AsyncEngine,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    n = 3 * giliran.SETIAP
    tabel = impor.Tabel(["kode", "nama", "kabkota", "dpt"],
                        [(i + 2, [f"17.71.01.2001-{i % 1000:03d}", "TPS", "KAB-1771", "x"]) for i in range(n)])
    detak = 0
    dilihat: list[int] = []  # the ticks seen by each row's check
    perlu = impor._perlu

    def _perlu(b: impor.BarisImpor, *kolom: str) -> Any:
        dilihat.append(detak)
        return perlu(b, *kolom)

    async def lain() -> None:
        nonlocal detak
        while True:
            detak += 1
            await asyncio.sleep(0)

    monkeypatch.setattr(impor, "_perlu", _perlu)
    tugas = asyncio.create_task(lain())
    async with engine.connect() as conn:
        p = await impor.dry_run(conn, "tps", tabel)
    tugas.cancel()
    assert len(dilihat) == n and not p.ok
    # Nothing in the row loop waits on the database, so only its turns let the other task run in between.
    assert len(set(dilihat)) >= 3, "the rows were checked in one stretch"
