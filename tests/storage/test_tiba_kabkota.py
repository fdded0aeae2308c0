"""The per-kab/kota arrival summary (tiba_kabkota): kept by every report, recomputed by bulk writes and the
migration, and always equal to counting the TPS and their latest reports directly."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain import logistik as lg
from storage import arrivals, impor, logistik, org, users
from storage import tables as t
from storage.db import _alembic_config, create_engine
from tests.storage.test_arrivals import LATE, NOW, item_ids, masukan, petugas, simpan

KOLOM = ("tps", "sulit", "tiba", "tiba_sulit", "tepat", "bermasalah", "terlambat", "tepat_sulit",
         "bermasalah_sulit", "terlambat_sulit")


async def _baca(conn: AsyncConnection) -> dict[int, tuple[int, ...]]:
    r = t.tiba_kabkota
    rows = (await conn.execute(sa.select(r.c.kabkota_unit_id, *(r.c[k] for k in KOLOM)))).all()
    return {x[0]: tuple(x[1:]) for x in rows}


async def ringkasan(engine: AsyncEngine) -> dict[int, tuple[int, ...]]:
    """The stored summary."""
    async with engine.connect() as conn:
        return await _baca(conn)


async def langsung(engine: AsyncEngine) -> dict[int, tuple[int, ...]]:
    """The same counts computed from scratch (what a recount writes), without touching the stored summary."""
    async with engine.connect() as conn:
        await logistik.hitung_ulang(conn)
        hasil = await _baca(conn)
        await conn.rollback()
    return hasil


async def menunggu_kunci(engine: AsyncEngine) -> None:
    """Until another session waits on a lock (PostgreSQL); on SQLite, half a second (its writer lock)."""
    if engine.dialect.name != "postgresql":
        await asyncio.sleep(0.5)
        return
    q = sa.text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'")
    for _ in range(200):
        async with engine.connect() as conn:
            if (await conn.execute(q)).scalar_one():
                return
        await asyncio.sleep(0.05)
    raise AssertionError("no session is waiting on a lock")


async def test_demo_load_fills_the_summary(engine: AsyncEngine) -> None:
    isi = await ringkasan(engine)
    assert sum(v[0] for v in isi.values()) == 3452  # every TPS of Bengkulu, in its kab/kota
    assert sum(v[1] for v in isi.values()) == 93
    assert all(v[2:] == (0,) * 8 for v in isi.values())  # no arrival reported yet
    assert isi == await langsung(engine)


async def test_every_kind_of_report_keeps_the_summary_exact(engine: AsyncEngine) -> None:
    rng = random.Random(20241126)
    async with engine.connect() as conn:
        pilihan = [*await org.list_tps(conn, kabkota="KAB-1705", sulit=True, limit=4),
                   *await org.list_tps(conn, kabkota="KAB-1705", sulit=False, limit=4),
                   *await org.list_tps(conn, kabkota="KAB-1771", limit=4)]
    items = list((await item_ids(engine)).values())
    p = await petugas(engine, [x.id for x in pilihan])
    awal, dilaporkan = await ringkasan(engine), set()
    for langkah in range(40):
        tps = rng.choice(pilihan)
        dilaporkan.add(tps.id)
        baris = tuple(lg.dengan_penyimpangan(i, 2, kurang=rng.choice([0, 0, 1]), rusak=rng.choice([0, 0, 1]))
                      for i in rng.sample(items, rng.randint(0, 3)))
        jenis = rng.choice(["baru", "koreksi", "tambahan"])
        m = masukan(tps.id, *baris, jenis=jenis, tiba=rng.choice([NOW, LATE, NOW - timedelta(days=2)]),
                    alasan="cek ulang" if jenis == "koreksi" else None)
        await simpan(engine, m, p, now=LATE + timedelta(minutes=langkah))
        assert await ringkasan(engine) == await langsung(engine), f"langkah {langkah}: {m}"
    akhir = await ringkasan(engine)
    assert akhir != awal and sum(v[2] for v in akhir.values()) == len(dilaporkan)


async def test_a_kabkota_without_a_row_is_counted_whole_at_its_next_report(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        tps = (await org.list_tps(conn, kabkota="KAB-1771", limit=1))[0]
        kab = (await conn.execute(sa.select(t.tps.c.kabkota_unit_id).where(t.tps.c.id == tps.id))).scalar_one()
        await conn.execute(t.tiba_kabkota.delete().where(t.tiba_kabkota.c.kabkota_unit_id == kab))
    await simpan(engine, masukan(tps.id), await petugas(engine, [tps.id]))
    isi = await ringkasan(engine)
    assert isi[kab][2] == 1 and isi == await langsung(engine)


async def test_concurrent_reports_of_one_kabkota_all_count(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        semua = await org.list_tps(conn, kabkota="KAB-1771", limit=6)
    p = await petugas(engine, [x.id for x in semua])
    await asyncio.gather(*(simpan(engine, masukan(x.id), p) for x in semua))
    isi = await ringkasan(engine)
    assert sum(v[2] for v in isi.values()) == 6 and isi == await langsung(engine)


async def test_importing_tps_recounts_their_kabkota(engine: AsyncEngine) -> None:
    header = ["kode", "nama", "kabkota", "kecamatan", "desa", "dpt", "sulit"]
    rows = [(2, ["17.71.01.2001-901", "TPS 901", "KAB-1771", "", "", "412", "ya"]),
            (3, ["17.71.01.2001-902", "TPS 902", "KAB-1771", "", "", "250", "tidak"])]
    sebelum = await ringkasan(engine)
    async with engine.begin() as conn:
        admin = await users.by_demo_key(conn, "admin")
        assert admin is not None
        await impor.commit(conn, "tps", impor.Tabel(header, rows), actor=admin, berkas="tps.csv", now=NOW)
    sesudah = await ringkasan(engine)
    beda = {k: tuple(b - a for a, b in zip(sebelum[k], v, strict=True)) for k, v in sesudah.items() if v != sebelum[k]}
    assert list(beda.values()) == [(2, 1, 0, 0, 0, 0, 0, 0, 0, 0)]
    assert sesudah == await langsung(engine)


async def test_migration_fills_the_summary_from_existing_reports(engine: AsyncEngine, database_url: str) -> None:
    async with engine.connect() as conn:
        satu, dua = await org.list_tps(conn, kabkota="KAB-1705", sulit=True, limit=2)
    items = await item_ids(engine)
    p = await petugas(engine, [satu.id, dua.id])
    await simpan(engine, masukan(satu.id, tiba=NOW - timedelta(days=2)), p)  # before the TPS sulit deadline
    await simpan(engine, masukan(dua.id, tiba=LATE), p, now=LATE)
    await simpan(engine, masukan(dua.id, lg.dengan_penyimpangan(items["KOTAK"], 2, kurang=1), jenis="koreksi",
                                 tiba=LATE, alasan="kurang satu"), p, now=LATE)
    harapan = await ringkasan(engine)
    mesin = create_engine(database_url)
    try:
        def turun_naik(connection: sa.Connection) -> None:
            from alembic import command
            command.downgrade(_alembic_config(connection), "0008")
            assert not sa.inspect(connection).has_table("tiba_kabkota")
            command.upgrade(_alembic_config(connection), "head")

        async with mesin.begin() as conn:
            await conn.run_sync(turun_naik)
    finally:
        await mesin.dispose()
    isi = await ringkasan(engine)
    assert isi == harapan
    kab = next(k for k, v in isi.items() if v[2])
    assert isi[kab][2:] == (2, 2, 1, 1, 1, 1, 1, 1)  # both sulit: one tepat, one late and short after its correction


async def test_a_recount_during_a_report_in_flight_counts_that_report(engine: AsyncEngine) -> None:
    """A bulk recount started while a report's transaction is open waits for it and counts it (PostgreSQL: the
    recount deletes the rows first, which waits for the report's row lock, and counts after)."""
    async with engine.connect() as conn:
        tps = (await org.list_tps(conn, kabkota="KAB-1771", limit=1))[0]
    p = await petugas(engine, [tps.id])
    async with engine.connect() as laporan:
        await laporan.begin()
        await arrivals.simpan_laporan(laporan, masukan(tps.id), pelapor=p, now=NOW)

        async def hitung() -> None:
            async with engine.begin() as conn:
                await logistik.hitung_ulang(conn)

        ulang = asyncio.create_task(hitung())
        await menunggu_kunci(engine)  # the recount has started and waits
        await laporan.commit()
    await ulang
    isi = await ringkasan(engine)
    assert sum(v[2] for v in isi.values()) == 1 and isi == await langsung(engine)


async def test_two_reports_that_both_find_the_row_gone_both_count(engine: AsyncEngine) -> None:
    """On PostgreSQL both recount the kab/kota; the second insert collides with the first's row and adds its share
    to it instead (on SQLite the second simply waits for the writer lock)."""
    async with engine.begin() as conn:
        satu, dua = await org.list_tps(conn, kabkota="KAB-1771", limit=2)
        kab = (await conn.execute(sa.select(t.tps.c.kabkota_unit_id).where(t.tps.c.id == satu.id))).scalar_one()
        await conn.execute(t.tiba_kabkota.delete().where(t.tiba_kabkota.c.kabkota_unit_id == kab))
    p = await petugas(engine, [satu.id, dua.id])
    async with engine.connect() as pertama:
        await pertama.begin()
        await arrivals.simpan_laporan(pertama, masukan(satu.id), pelapor=p, now=NOW)  # inserts the row, uncommitted
        kedua = asyncio.create_task(simpan(engine, masukan(dua.id), p))
        await menunggu_kunci(engine)  # the second report waits on the first's row (or the writer lock)
        await pertama.commit()
    await kedua
    isi = await ringkasan(engine)
    assert isi[kab][2] == 2 and isi == await langsung(engine)
