"""Export queries read from the driver's rows in batches: the same values, of the same types, as SQLAlchemy's rows."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from storage import audit
from storage import ekspor as kueri
from tests.storage.test_arrivals import demo_petugas, masukan, simpan, tps_kota


def _bertipe(rows: Any) -> list[tuple[tuple[type, Any], ...]]:
    # 1 == True and a naive datetime is not an aware one: compare the types too.
    return [tuple((type(v), v) for v in r) for r in rows]


async def test_streamed_values_are_the_values_of_execute(engine: AsyncEngine) -> None:
    # Rows in every dataset, so every converted kind (SQLite booleans, dates, aware timestamps, JSON) is read.
    p, tps = await demo_petugas(engine), await tps_kota(engine, 2)
    await simpan(engine, masukan(tps[0].id, alasan="=bukan rumus"), p)
    await simpan(engine, masukan(tps[1].id), p)
    async with engine.begin() as conn:
        await audit.record(conn, actor="uji", action="ubah", entity="uji", entity_id="1", old=None,
                           new={"a": [1, "x"], "b": None}, now=datetime(2024, 11, 24, 8, tzinfo=UTC))
    async with engine.connect() as conn:
        for nama, kueri_nama in kueri.KUERI.items():
            harapan = _bertipe((await conn.execute(kueri_nama())).all())
            assert harapan, nama  # every dataset has rows: the comparison below means something
            for ukuran in (1, 7, 5000):
                baris = [r async for b in kueri.alirkan(conn, nama, ukuran=ukuran) for r in b]
                assert _bertipe(baris) == harapan, (nama, ukuran)
            kolom = [b async for b in kueri.alirkan_kolom(conn, nama, ukuran=7)]
            assert all(len(b) == len(harapan[0]) for b in kolom), nama
            assert _bertipe(r for b in kolom for r in zip(*b, strict=True)) == harapan, nama


async def test_limit_in_batches(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        assert [len(b) async for b in kueri.alirkan(conn, "tps", batas=5, ukuran=2)] == [2, 2, 1]
        assert [len(b) async for b in kueri.alirkan(conn, "tps", batas=4, ukuran=2)] == [2, 2]


async def test_empty_result(empty_engine: AsyncEngine) -> None:
    async with empty_engine.connect() as conn:
        assert [b async for b in kueri.alirkan_kolom(conn, "kedatangan")] == []


async def test_arrivals_export_names_the_transport_mode(engine: AsyncEngine) -> None:
    p, tps = await demo_petugas(engine), await tps_kota(engine, 1)
    await simpan(engine, masukan(tps[0].id), p)  # moda PICKUP
    async with engine.connect() as conn:
        baris = [r async for b in kueri.alirkan(conn, "kedatangan") for r in b]
    assert baris and {r[7] for r in baris} == {"Mobil Pick Up"}  # the name people know, never the code
