"""Holidays through the real bot and the command line, with the clock in 2025: /jadwal names the moved deadline,
no reminder and no digest on 17 August, and `pantau reminders preview` around Lebaran."""

from __future__ import annotations

import asyncio
import json
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import pengingat
from bot.cli import main
from storage import libur, tenggat
from storage import tables as t
from storage.db import create_engine
from tests.bot.harness import Jam, bot_uji
from tests.bot.pengingat_uji import baris_outbox, lokal
from tests.storage.libur_uji import ZONA, tahun_2025

OP_UML, SEKRETARIS, KABAG = 910005, 910002, 910003
LIBUR_2025 = {h.tanggal for h in libur.libur_paket(2025)}


async def test_jadwal_says_the_q1_deadline_moved_because_of_idul_fitri(engine: AsyncEngine) -> None:
    await tahun_2025(engine)
    async with bot_uji(engine, jam=Jam(lokal(date(2025, 4, 8), 9))) as b:
        teks = (await b.kirim(OP_UML, "/jadwal"))[-1].text
    assert ("• Senin, 14 April 2025 pukul 23.59 WIB — Laporan realisasi kinerja Triwulan I 2025 — belum: KUL, "
            "KUL-UML (digeser karena Idul Fitri)") in teks


def _hari(rows: list[object]) -> set[date]:
    return {r.created_at.astimezone(ZoneInfo(ZONA)).date() for r in rows}  # type: ignore[attr-defined]


async def test_no_reminder_and_no_digest_on_17_august(engine: AsyncEngine) -> None:
    await tahun_2025(engine)
    async with engine.begin() as conn:
        for judul, batas, unit in (("Rekap kegiatan Juli", lokal(date(2025, 8, 14), 16), "KUL"),
                                   ("Rapat persiapan HUT RI", lokal(date(2025, 8, 20), 16), "KUL-UML")):
            await tenggat.tambah_manual(conn, judul=judul, batas=batas, unit_code=unit, peran="operator",
                                        dijeda=False, actor="uji", actor_id=None, now=lokal(date(2025, 8, 1), 8))
    jam = Jam(lokal(date(2025, 8, 15), 6))
    penyapu = pengingat.Penyapu(engine, zona=ZONA, clock=jam)
    while jam.now < lokal(date(2025, 8, 20), 12):
        await penyapu.jalan()
        jam.now += timedelta(hours=1)
    sent = await baris_outbox(engine)
    hari = _hari(sent)
    assert date(2025, 8, 17) not in hari and date(2025, 8, 18) not in hari  # Sunday 17 and its cuti bersama
    assert {date(2025, 8, 15), date(2025, 8, 16), date(2025, 8, 19)} <= hari  # the days around them do have some
    digest = _hari(await baris_outbox(engine, "ringkasan:"))
    assert date(2025, 8, 16) in digest and date(2025, 8, 19) in digest
    assert date(2025, 8, 17) not in digest and date(2025, 8, 18) not in digest
    # the rapat's H-3 (17 August) went out on Saturday the 16th instead, H-1 (19th) on its own day
    rapat = [r for r in sent if "Rapat persiapan" in r.text and r.chat_id == OP_UML
             and r.dedup_key.endswith((":h3", ":h1"))]
    assert [(r.dedup_key.rsplit(":", 1)[1], r.created_at.astimezone(ZoneInfo(ZONA)).strftime("%d %H.%M"))
            for r in rapat] == [("h3", "16 07.00"), ("h1", "19 07.00")]
    assert "Pengingat H-4" in rapat[0].text  # it says how far the deadline really is
    # the 07.00 daily job itself also stays quiet on the holiday
    assert await pengingat.Penyapu(engine, zona=ZONA, clock=Jam(lokal(date(2025, 8, 17), 7))).ringkasan() == 0


def _siapkan(database_url: str) -> None:
    async def go() -> None:
        e = create_engine(database_url)
        try:
            await tahun_2025(e)
        finally:
            await e.dispose()
    asyncio.run(go())


def test_cli_preview_around_lebaran_sends_nothing_on_a_holiday_and_names_the_moved_deadlines(
        database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _siapkan(database_url)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    now = ["--now", "2025-03-20T00:00:00+00:00"]
    assert main(["reminders", "preview", "--from", "2025-03-25", "--to", "2025-04-20", *now]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[5].startswith("Waktu (WIB)")
    kosong = out.index("", 6)
    baris, ringkas = out[6:kosong], out[kosong + 1:]
    assert out[3] == f"Jumlah: {len(baris)} pengingat (tanpa tenggat dan jenis yang dijeda)" and len(baris) > 20
    hari = [date.fromisoformat(x[:10]) for x in baris]
    assert not set(hari) & LIBUR_2025
    assert {d for d in hari if d.month == 4 and d.day <= 7} == {date(2025, 4, 6)}  # the Sunday inside Lebaran
    h7 = [x for x in baris if "Triwulan I 2025 [KUL-UML]" in x and "  H-7" in x]
    assert h7 and all(x.startswith("2025-04-06 07.00") and "H-7 (dimajukan karena Idul Fitri)" in x for x in h7)
    assert ringkas[0] == "Tenggat yang digeser karena hari libur:"
    assert ("  Laporan realisasi kinerja Triwulan I 2025: Senin, 14 April 2025 pukul 23.59 WIB "
            "(digeser karena Idul Fitri)") in ringkas
    assert main(["reminders", "preview", "--from", "2025-03-25", "--to", "2025-04-20", "--format", "json", *now]) == 0
    js = json.loads(capsys.readouterr().out)
    q1 = [r for r in js["pengingat"] if r["tenggat"]["ref"] == "2025-Q1"]
    assert q1 and {r["tenggat"]["digeser"] for r in q1} == {"digeser karena Idul Fitri"}
    assert {r["langkah_digeser"] for r in q1 if r["langkah"] == "h7"} == {"Cuti Bersama Hari Raya Idul Fitri"}
    assert not {datetime.fromisoformat(r["waktu"]).astimezone(ZoneInfo(ZONA)).date()
                for r in js["pengingat"]} & LIBUR_2025


async def test_after_downtime_nothing_is_caught_up_on_a_holiday(engine: AsyncEngine) -> None:
    await tahun_2025(engine)
    async with engine.begin() as conn:
        did = await tenggat.tambah_manual(conn, judul="Rapat persiapan HUT RI", batas=lokal(date(2025, 8, 20), 16),
                                          unit_code="KUL-UML", peran="operator", dijeda=False, actor="uji",
                                          actor_id=None, now=lokal(date(2025, 8, 1), 8))
    jam = Jam(lokal(date(2025, 8, 17), 6))  # the bot was down from before H-7 until the morning of the 17th
    penyapu = pengingat.Penyapu(engine, zona=ZONA, clock=jam)
    while jam.now < lokal(date(2025, 8, 19), 8):
        await penyapu.jalan()
        jam.now += timedelta(minutes=30)
    rows = await baris_outbox(engine, tenggat.kunci_prefix(did))
    # H-3's window (from Saturday the 16th) was open on the holidays, but it waits for a day with reminders, and
    # by then H-1 is due: one reminder, on the 19th
    assert [(r.dedup_key.rsplit(":", 1)[1], r.created_at.astimezone(ZoneInfo(ZONA)).strftime("%d %H.%M"))
            for r in rows] == [("h1", "19 07.00")]


def test_db_upgrade_fills_the_holidays_of_the_years_with_data(
        database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    async def kosongkan() -> None:
        e = create_engine(database_url)
        try:
            async with e.begin() as conn:
                await conn.execute(t.holidays.delete())
                await tenggat.sinkronkan(conn, zona=ZONA, now=lokal(date(2024, 12, 1), 8))
        finally:
            await e.dispose()

    async def q4() -> datetime:
        e = create_engine(database_url)
        try:
            async with e.connect() as conn:
                ds = await tenggat.daftar_tenggat(conn, zona=ZONA, jenis=["pelaporan"])
            return next(d.batas for d in ds if d.ref == "2024-Q4" and d.unit_code == "KUL-UML")
        finally:
            await e.dispose()

    asyncio.run(kosongkan())
    assert asyncio.run(q4()) == lokal(date(2025, 1, 7), 23, 59)  # without holidays
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["db", "upgrade"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Skema basis data sudah terbaru (revisi ") and "hari libur ditambahkan" in out
    assert asyncio.run(q4()) == lokal(date(2025, 1, 8), 23, 59)  # the deadlines followed at once
    assert main(["db", "upgrade"]) == 0
    out = capsys.readouterr().out.strip()
    assert out.startswith("Skema basis data sudah terbaru (revisi ") and out.endswith(").")  # nothing more to add
