"""The per-kab/kota arrival summary (tiba_kabkota), one per election event: kept by every report, recomputed by
bulk writes and the migration, and always equal to counting the TPS and their latest reports of each event
directly."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain import logistik as lg
from reports import logistik as rl
from storage import arrivals, impor, logistik, org, pemilihan, users
from storage import tables as t
from storage.db import _alembic_config, create_engine
from tests.storage.test_arrivals import LATE, NOW, acara, item_ids, masukan, petugas, simpan

KOLOM = ("tps", "sulit", "tiba", "tiba_sulit", "tepat", "bermasalah", "terlambat", "tepat_sulit",
         "bermasalah_sulit", "terlambat_sulit")


Kunci = tuple[int, int]  # (event, kab/kota); event 0: the reports filed while no event ran


async def _baca(conn: AsyncConnection) -> dict[Kunci, tuple[int, ...]]:
    r = t.tiba_kabkota
    rows = (await conn.execute(sa.select(r.c.pemilihan_id, r.c.kabkota_unit_id, *(r.c[k] for k in KOLOM)))).all()
    return {(x[0], x[1]): tuple(x[2:]) for x in rows}


async def ringkasan(engine: AsyncEngine) -> dict[Kunci, tuple[int, ...]]:
    """The stored summary."""
    async with engine.connect() as conn:
        return await _baca(conn)


async def langsung(engine: AsyncEngine) -> dict[Kunci, tuple[int, ...]]:
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
    assert isi[(await acara(engine) or 0, kab)][2] == 1 and isi == await langsung(engine)


async def test_concurrent_reports_of_one_kabkota_all_count(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        semua = await org.list_tps(conn, kabkota="KAB-1771", limit=6)
    p = await petugas(engine, [x.id for x in semua])
    await asyncio.gather(*(simpan(engine, masukan(x.id), p) for x in semua))
    isi = await ringkasan(engine)
    assert sum(v[2] for v in isi.values()) == 6 and isi == await langsung(engine)


async def test_a_burst_of_first_reports_in_a_kabkota_without_a_row_all_count(engine: AsyncEngine) -> None:
    """The first reports of an event in a kab/kota, many at once (H-1 morning): each finds no row; on PostgreSQL
    they recount one at a time (a lock per kab/kota), so none is refused for a summary "that keeps changing"."""
    async with engine.begin() as conn:
        semua = await org.list_tps(conn, kabkota="KAB-1771", limit=120)
        kab = (await conn.execute(sa.select(t.tps.c.kabkota_unit_id).where(t.tps.c.id == semua[0].id))).scalar_one()
    p = await petugas(engine, [x.id for x in semua])
    for awal in range(0, 120, 40):  # three bursts, each of first reports finding the row gone
        async with engine.begin() as conn:
            await conn.execute(t.tiba_kabkota.delete().where(t.tiba_kabkota.c.kabkota_unit_id == kab))
        await asyncio.gather(*(simpan(engine, masukan(x.id), p) for x in semua[awal:awal + 40]))
    isi = await ringkasan(engine)
    assert isi[(await acara(engine) or 0, kab)][2] == len(semua) == 120 and isi == await langsung(engine)


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
    assert isi[(await acara(engine) or 0, kab)][2] == 2 and isi == await langsung(engine)


# --- one summary per election event ---------------------------------------------------------------------------

DES = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)  # 10.00 WIB, two days before the later event's voting day


async def acara_kemudian(engine: AsyncEngine) -> int:
    """A later event (a re-vote in Kota Bengkulu, December 2026), its schedule put in force."""
    async with engine.begin() as conn:
        kota = await org.unit_by_code(conn, "KAB-1771")
        assert kota is not None
        wib = ZoneInfo("Asia/Jakarta")
        jadwal = pemilihan.JadwalKabkota(kota.id, date(2026, 11, 30), datetime(2026, 12, 8, 23, 59, tzinfo=wib),
                                         datetime(2026, 12, 7, 23, 59, tzinfo=wib), date(2026, 12, 9))
        pid = await pemilihan.simpan(conn, pemilihan.MasukanPemilihan(
            "PSU-1771-2026", "PSU Kota Bengkulu 2026", "psu", 2026, [jadwal]), actor="uji", now=DES)
        await pemilihan.terapkan(conn, pid)
    return pid


async def test_each_event_counts_only_its_own_reports(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        tps = await org.list_tps(conn, kabkota="KAB-1771", limit=3)
        kota = await org.unit_by_code(conn, "KAB-1771")
    assert kota is not None
    p = await petugas(engine, [x.id for x in tps])
    pilkada = await acara(engine)
    assert pilkada is not None
    # 2024: three TPS report, one of them short
    await simpan(engine, masukan(tps[0].id), p)
    await simpan(engine, masukan(tps[1].id), p)
    kurang = lg.dengan_penyimpangan((await item_ids(engine))["KOTAK"], 2, kurang=1)
    await simpan(engine, masukan(tps[2].id, kurang), p)
    psu = await acara_kemudian(engine)
    # The later event: one TPS reports so far; its 2024 report is no report to correct, so this is a first one
    async with engine.connect() as conn:
        ktx = await arrivals.konteks_tps(conn, tps[0].id, pemilihan_id=psu)
        assert ktx is not None and ktx.terakhir is None
    baru = await simpan(engine, masukan(tps[0].id, tiba=DES - timedelta(hours=1)), p, now=DES)
    assert (baru.laporan.jenis, baru.laporan.versi, baru.laporan.pemilihan_id) == ("baru", 2, psu)
    async with engine.connect() as conn:
        lap_psu = await rl.build(conn, [kota.id], pemilihan_id=psu)
        lap_2024 = await rl.build(conn, [kota.id], pemilihan_id=pilkada)
        kec_psu = await logistik.counts_by_kecamatan(conn, kota.id, pemilihan_id=psu)
        kec_2024 = await logistik.counts_by_kecamatan(conn, kota.id, pemilihan_id=pilkada)
        kec = next(k for k in kec_psu if k.tiba)
        _, belum_psu = await logistik.tps_belum_lapor(conn, kec.id, limit=1, pemilihan_id=psu)
        _, belum_2024 = await logistik.tps_belum_lapor(conn, kec.id, limit=1, pemilihan_id=pilkada)
        gudang = await logistik.status_gudang(conn, kota.id, pemilihan_id=psu)
        tanpa = await rl.build(conn, [kota.id])  # the reports filed while no event ran: none
    assert (lap_psu.total_tps, lap_psu.tiba, lap_psu.tepat, lap_psu.bermasalah) == (516, 1, 1, 0)
    assert (lap_2024.total_tps, lap_2024.tiba, lap_2024.tepat, lap_2024.bermasalah) == (516, 3, 2, 1)
    assert lap_psu.persen_tepat == Decimal(100) / Decimal(516)
    assert (sum(k.tiba for k in kec_psu), sum(k.tiba for k in kec_2024)) == (1, 3)
    assert belum_psu == kec.tps - 1 and belum_2024 == kec.tps - sum(1 for x in tps if x.kecamatan == kec.nama)
    assert gudang.tiba == 1 and (tanpa.total_tps, tanpa.tiba) == (516, 0)
    # the stored summary (kept report by report) is what a recount of every event gives
    isi = await ringkasan(engine)
    assert isi[(psu, kota.id)][2] == 1 and isi[(pilkada, kota.id)][2] == 3 and isi == await langsung(engine)


async def test_a_correction_in_the_later_event_leaves_2024s_counts(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        tps = (await org.list_tps(conn, kabkota="KAB-1771", limit=1))[0]
        kota = await org.unit_by_code(conn, "KAB-1771")
    assert kota is not None
    p, pilkada = await petugas(engine, [tps.id]), await acara(engine)
    await simpan(engine, masukan(tps.id), p)
    psu = await acara_kemudian(engine)
    kurang = lg.dengan_penyimpangan((await item_ids(engine))["KOTAK"], 2, kurang=1)
    await simpan(engine, masukan(tps.id, tiba=DES - timedelta(hours=1)), p, now=DES)
    koreksi = await simpan(engine, masukan(tps.id, kurang, jenis="koreksi", tiba=DES - timedelta(hours=1),
                                           alasan="kurang satu"), p, now=DES)
    assert (koreksi.laporan.jenis, koreksi.laporan.versi) == ("koreksi", 3)
    async with engine.connect() as conn:
        psu_ = await rl.build(conn, [kota.id], pemilihan_id=psu)
        lama = await rl.build(conn, [kota.id], pemilihan_id=pilkada)
    assert (psu_.tiba, psu_.tepat, psu_.bermasalah) == (1, 0, 1)
    assert (lama.tiba, lama.tepat, lama.bermasalah) == (1, 1, 0)
    assert await ringkasan(engine) == await langsung(engine)
