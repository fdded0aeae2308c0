"""Election events: which one runs on a day, which one an arrival report belongs to, and indicator 6 per event."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import arrivals, demo, pemilihan
from storage import tables as t
from tests.storage.test_arrivals import NOW, masukan, petugas, simpan, tps_kota

DES = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


async def test_the_2024_event_runs_from_the_warehouse_month_to_a_week_after_voting(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        e = await pemilihan.by_kode(conn, "PILKADA-2024")
        assert e is not None and e.mulai == date(2024, 8, 29)  # three months before voting day
        assert (await pemilihan.berjalan(conn, date(2024, 8, 28))) is None
        nanti = await pemilihan.berikutnya(conn, date(2024, 8, 28))
        assert nanti is not None and nanti.kode == "PILKADA-2024"
        for hari in (date(2024, 8, 29), date(2024, 11, 24), date(2024, 12, 4)):
            jalan = await pemilihan.berjalan(conn, hari)
            assert jalan is not None and jalan.kode == "PILKADA-2024", hari
        assert (await pemilihan.berjalan(conn, date(2024, 12, 5))) is None
        assert (await pemilihan.berikutnya(conn, date(2024, 12, 5))) is None


async def test_a_report_filed_for_a_later_event_never_changes_2024s_indicator_6(engine: AsyncEngine) -> None:
    # 2024 left open: the event alone keeps the report out of 2024 (a closed 2024 would refuse it anyway).
    await demo.load(engine, reset=True, live=True, today=DES.date(), tutup_terbit=False)
    tps = await tps_kota(engine, 1)
    p = await petugas(engine, [tps[0].id])
    # Typed today, dated in the 2024 distribution week: it belongs to the running (live) event.
    await simpan(engine, masukan(tps[0].id, tiba=NOW), p, now=DES)
    async with engine.connect() as conn:
        jalan = await pemilihan.berjalan(conn, DES.date())
        laporan = await arrivals.terakhir(conn, tps[0].id, jalan.id if jalan else None)
        milik = (await conn.execute(sa.select(t.arrival_reports.c.pemilihan_id))).scalars().all()
        ik6_2024 = await arrivals.persen_tepat(conn, 2024)
        ik6_2026 = await arrivals.persen_tepat(conn, 2026)
    assert laporan is not None and jalan is not None and milik == [jalan.id]
    assert ik6_2024 is None  # 2024's published value stands
    assert ik6_2026 is None  # and it is not 2026's either: it is dated 2024


async def test_the_next_events_schedule_is_put_in_force_once(engine: AsyncEngine) -> None:
    wib = ZoneInfo("Asia/Jakarta")
    hari = date(2027, 11, 24)
    h1 = datetime(2027, 11, 23, 23, 59, tzinfo=wib).astimezone(UTC)
    async with engine.begin() as conn:
        kota = (await conn.execute(sa.select(t.units.c.id).where(t.units.c.code == "KAB-1771"))).scalar_one()
        pid = await pemilihan.simpan(conn, pemilihan.MasukanPemilihan(
            kode="PSU-2027", nama="PSU 2027", jenis="psu", tahun=2027,
            jadwal=[pemilihan.JadwalKabkota(kota, date(2027, 11, 20), h1, h1 - timedelta(days=1), hari)],
            norma=[pemilihan.Norma("SS-BUP", None, Decimal("3"))]), actor="uji", now=DES)
        # While 2024's event runs, its schedule stays in force.
        assert await pemilihan.berlakukan(conn, date(2024, 11, 24)) is None
        assert await pemilihan.berlakukan(conn, date(2027, 7, 15)) == pid
        assert await pemilihan.berlakukan(conn, date(2027, 7, 16)) is None  # once
        jadwal = (await conn.execute(sa.select(t.logistics_schedule.c.kabkota_unit_id,
                                               t.logistics_schedule.c.batas_tiba))).all()
        cadangan = (await conn.execute(sa.select(t.logistics_items.c.cadangan_persen)
                                       .where(t.logistics_items.c.kode == "SS-BUP"))).scalar_one()
    assert [(u, b) for u, b in jadwal] == [(kota, h1)]
    assert Decimal(str(cadangan)) == 3


async def test_the_events_are_read_once_per_few_seconds_and_again_after_any_write(engine: AsyncEngine) -> None:
    from typing import Any

    from sqlalchemy import event

    from storage import tembolok

    tembolok.pasang(engine)
    baca: list[str] = []

    def hitung(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "pemilihan_jadwal" in statement:
            baca.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", hitung)
    async with engine.connect() as conn:
        pertama = await pemilihan.semua(conn)
        assert await pemilihan.semua(conn) == pertama and pertama
    assert len(baca) == 1  # the second answer came from the cache
    async with engine.begin() as conn:  # a write of the event table: the cache is emptied
        await conn.execute(sa.update(t.pemilihan).where(t.pemilihan.c.id == pertama[0].id).values(nama="Pilkada Uji"))
    async with engine.connect() as conn:
        assert (await pemilihan.semua(conn))[0].nama == "Pilkada Uji"
    async with engine.begin() as conn:  # and a write of the schedule too
        await conn.execute(sa.update(t.pemilihan_jadwal).values(pemungutan=date(2030, 1, 1)))
    async with engine.connect() as conn:
        assert all(e.pemungutan in (None, date(2030, 1, 1)) for e in await pemilihan.semua(conn))
    assert len(baca) == 3
    event.remove(engine.sync_engine, "before_cursor_execute", hitung)
