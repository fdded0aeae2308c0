"""Holidays in the database: filled from the package, kept when an admin edits them, and applied to deadlines and
the reminders already queued (the clock in 2025)."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.errors import ParseError
from storage import libur, tenggat
from storage import tables as t
from storage.tenggat import Kiriman, Pesan, Tenggat
from tests.bot.pengingat_uji import baris_outbox, lokal
from tests.storage.libur_uji import ZONA, tahun_2025


def render(k: Kiriman) -> Pesan:
    return Pesan(f"{k.langkah.kode} {k.tenggat.judul}")


async def _pelaporan(engine: AsyncEngine, ref: str, unit: str = "KUL-UML") -> Tenggat:
    async with engine.connect() as conn:
        ds = await tenggat.daftar_tenggat(conn, zona=ZONA, jenis=["pelaporan"])
    return next(d for d in ds if d.ref == ref and d.unit_code == unit)


async def test_the_demo_fills_its_years_and_a_second_fill_adds_nothing(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        semua = await libur.daftar(conn)
        assert {x.tanggal.year for x in semua} == {2024, 2025}  # the data's year and the next (Q4 is due in January)
        tahun_2025_ = await libur.daftar(conn, 2025)
        assert sum(1 for x in tahun_2025_ if x.jenis == "cuti_bersama") == 11
        pilkada = next(x for x in semua if x.tanggal == date(2024, 11, 27))
        assert pilkada.jenis == "nasional" and pilkada.aktif
        assert await libur.isi_libur_data(conn, zona=ZONA) == 0
        assert await libur.tahun_data(conn) == {2024, 2025}


async def test_a_fill_keeps_what_an_admin_changed(engine: AsyncEngine) -> None:
    now = lokal(date(2025, 1, 2), 9)
    async with engine.begin() as conn:
        await libur.tambah(conn, date(2025, 12, 26), "Cuti bersama Natal (diubah)", "cuti_bersama", actor="uji",
                           actor_id=None, now=now, zona=ZONA)
        await libur.hapus(conn, date(2025, 5, 30), actor="uji", actor_id=None, now=now, zona=ZONA)
        await libur.tambah(conn, date(2025, 2, 19), "HUT Provinsi", "daerah", actor="uji", actor_id=None, now=now,
                           zona=ZONA)
    async with engine.begin() as conn:
        await conn.execute(t.holidays.delete().where(t.holidays.c.tanggal == date(2025, 1, 1)))  # a lost row
        assert await libur.isi_libur_tahun(conn, 2025, zona=ZONA) == 1  # only the lost one comes back
        rows = {x.tanggal: x for x in await libur.daftar(conn, 2025)}
    assert rows[date(2025, 12, 26)].nama == "Cuti bersama Natal (diubah)"
    assert not rows[date(2025, 5, 30)].aktif  # lifted, and stays lifted
    assert rows[date(2025, 2, 19)].sumber == "admin" and rows[date(2025, 1, 1)].sumber == "paket"
    async with engine.connect() as conn:
        kal = await tenggat.hari_libur(conn)
        audit = (await conn.execute(sa.select(t.audit_log.c.action).where(t.audit_log.c.entity == "hari_libur")
                                    .order_by(t.audit_log.c.id))).scalars().all()
    assert kal.hari_kerja(date(2025, 5, 30)) and not kal.hari_kerja(date(2025, 2, 19))
    assert audit == ["ubah", "hapus", "tambah"]
    # a lifted admin day is gone; a lifted package day cannot be lifted twice
    async with engine.begin() as conn:
        await libur.hapus(conn, date(2025, 2, 19), actor="uji", actor_id=None, now=now, zona=ZONA)
        assert date(2025, 2, 19) not in {x.tanggal for x in await libur.daftar(conn, 2025)}
        with pytest.raises(libur.LiburError):
            await libur.hapus(conn, date(2025, 5, 30), actor="uji", actor_id=None, now=now, zona=ZONA)
        with pytest.raises(libur.LiburError):  # the same day with the same name and kind: nothing to change
            await libur.tambah(conn, date(2025, 1, 1), "Tahun Baru Masehi", "nasional", actor="uji", actor_id=None,
                               now=now, zona=ZONA)
        for nama, jenis in (("", "daerah"), ("x" * 121, "daerah"), ("Libur", "provinsi")):
            with pytest.raises(ParseError):
                await libur.tambah(conn, date(2025, 3, 3), nama, jenis, actor="uji", actor_id=None, now=now,
                                   zona=ZONA)


async def test_2025_reporting_deadlines_know_lebaran_and_new_year(engine: AsyncEngine) -> None:
    await tahun_2025(engine)
    q1 = await _pelaporan(engine, "2025-Q1")
    assert q1.batas == lokal(date(2025, 4, 14), 23, 59)  # not 7 April
    q4 = await _pelaporan(engine, "2024-Q4")
    assert q4.batas == lokal(date(2025, 1, 8), 23, 59)  # 1 January skipped
    async with engine.connect() as conn:
        geser = await tenggat.alasan_geser(conn, ["2025-Q1", "2024-Q4", "2025-Q2", "2025-M07", "bukan-periode"])
    assert geser == {"2025-Q1": "digeser karena Idul Fitri", "2024-Q4": "digeser karena Tahun Baru Masehi"}


async def test_a_holiday_added_moves_the_deadline_and_takes_back_the_queued_reminder(engine: AsyncEngine) -> None:
    await tahun_2025(engine)
    q1 = await _pelaporan(engine, "2025-Q1")
    pagi = lokal(date(2025, 4, 11), 7)  # Friday: H-3 of 14 April
    await tenggat.sapu(engine, now=pagi, render=render, zona=ZONA)
    antre = [r.dedup_key for r in await baris_outbox(engine, tenggat.kunci_prefix(q1.id))]
    assert antre and all(k.endswith(":h3") for k in antre)
    # at 07.30 the province declares that very Friday a holiday
    async with engine.begin() as conn:
        hasil = await libur.tambah(conn, date(2025, 4, 11), "Libur daerah", "daerah", actor="admin", actor_id=None,
                                   now=pagi.replace(minute=30), zona=ZONA)
    assert hasil.diubah >= 1
    assert (await _pelaporan(engine, "2025-Q1")).batas == lokal(date(2025, 4, 15), 23, 59)
    assert await baris_outbox(engine, tenggat.kunci_prefix(q1.id)) == []  # taken back before it was sent
    # and nothing of it goes out for the rest of the holiday
    for jam in (8, 12, 20):
        await tenggat.sapu(engine, now=lokal(date(2025, 4, 11), jam), render=render, zona=ZONA)
    assert await baris_outbox(engine, tenggat.kunci_prefix(q1.id)) == []
    # removing the day again puts the deadline back at once
    async with engine.begin() as conn:
        await libur.hapus(conn, date(2025, 4, 11), actor="admin", actor_id=None, now=lokal(date(2025, 4, 11), 21),
                          zona=ZONA)
    assert (await _pelaporan(engine, "2025-Q1")).batas == lokal(date(2025, 4, 14), 23, 59)
    # a day already past made a holiday moves the deadline too: the reminder waiting since this morning names the
    # old date, so it is taken back (today itself has reminders)
    await tenggat.sapu(engine, now=lokal(date(2025, 4, 12), 7), render=render, zona=ZONA)
    assert len(await baris_outbox(engine, tenggat.kunci_prefix(q1.id))) >= 1
    async with engine.begin() as conn:
        await libur.tambah(conn, date(2025, 4, 10), "Libur daerah", "daerah", actor="admin", actor_id=None,
                           now=lokal(date(2025, 4, 12), 7, 10), zona=ZONA)
    assert (await _pelaporan(engine, "2025-Q1")).batas == lokal(date(2025, 4, 15), 23, 59)
    assert await baris_outbox(engine, tenggat.kunci_prefix(q1.id)) == []


async def test_a_reminder_queued_for_a_day_that_became_a_holiday_is_taken_back(engine: AsyncEngine) -> None:
    """A deadline that does not move (a manual one): the reminder of the day is taken back all the same."""
    await tahun_2025(engine)
    async with engine.begin() as conn:
        did = await tenggat.tambah_manual(conn, judul="Rapat evaluasi", batas=lokal(date(2025, 5, 8), 16),
                                          unit_code="KUL-UML", peran="operator", dijeda=False, actor="uji",
                                          actor_id=None, now=lokal(date(2025, 5, 1), 8))
    pagi = lokal(date(2025, 5, 5), 7)  # Monday: H-3
    await tenggat.sapu(engine, now=pagi, render=render, zona=ZONA)
    assert [r.dedup_key.rsplit(":", 1)[1] for r in await baris_outbox(engine, tenggat.kunci_prefix(did))] == ["h3"]
    async with engine.begin() as conn:
        await libur.tambah(conn, date(2025, 5, 5), "Libur daerah", "daerah", actor="admin", actor_id=None,
                           now=pagi.replace(minute=5), zona=ZONA)
    assert await baris_outbox(engine, tenggat.kunci_prefix(did)) == []
    # a reminder queued on an earlier day and still waiting is the sender's: a new holiday does not take it
    async with engine.begin() as conn:
        await libur.hapus(conn, date(2025, 5, 5), actor="admin", actor_id=None, now=pagi.replace(minute=6),
                          zona=ZONA)
    await tenggat.sapu(engine, now=pagi.replace(minute=7), render=render, zona=ZONA)
    assert len(await baris_outbox(engine, tenggat.kunci_prefix(did))) == 1
    async with engine.begin() as conn:
        await libur.tambah(conn, date(2025, 5, 6), "Libur daerah", "daerah", actor="admin", actor_id=None,
                           now=lokal(date(2025, 5, 6), 6), zona=ZONA)
    assert len(await baris_outbox(engine, tenggat.kunci_prefix(did))) == 1


async def test_a_voting_day_the_data_knows_is_a_holiday(engine: AsyncEngine) -> None:
    """The package has the 2024 Pilkada; a voting day it does not know (a shifted demo) comes from the data."""
    ls = t.logistics_schedule
    async with engine.begin() as conn:
        await conn.execute(ls.update().values(batas_tiba=lokal(date(2026, 9, 8), 23, 59)))  # voting: 9 September
        assert await libur.isi_libur_data(conn, zona=ZONA) > 0  # 2026 and 2027 are years with data now
        hari = {x.tanggal: x for x in await libur.daftar(conn, 2026)}
    assert hari[date(2026, 9, 9)].nama == libur.NAMA_PEMUNGUTAN and hari[date(2026, 9, 9)].sumber == "data"
    assert hari[date(2026, 9, 9)].jenis == "nasional"
    assert sum(1 for x in hari.values() if x.sumber == "data") == 1


async def test_opening_a_year_fills_its_holidays_before_its_deadlines(engine: AsyncEngine) -> None:
    from datetime import UTC, datetime

    from reports import tahun as laporan_tahun

    async with engine.begin() as conn:
        sebelum = {h.tanggal for h in await libur.daftar(conn, 2027)}
        await laporan_tahun.buka(conn, 2026, dari=2024, actor="uji", actor_id=None,
                                 now=datetime(2026, 1, 5, 2, tzinfo=UTC), zona=ZONA)
        sesudah = {h.tanggal: h for h in await libur.daftar(conn)}
    assert date(2027, 1, 1) not in sebelum and date(2027, 1, 1) in sesudah  # the next January, for Q4's deadline
    assert sesudah[date(2026, 8, 17)].jenis == "nasional"
