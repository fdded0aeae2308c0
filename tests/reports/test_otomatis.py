"""Automatic indicators 4 and 6 follow stage completions and arrival reports; the Bengkulu Tengah tree loads."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cli import main
from domain.periode import parse_periode
from reports import capaian, logistik, pemutakhiran, teks
from storage import demo
from storage import tables as t


def _row(lap: capaian.LaporanCapaian, kode: str) -> capaian.BarisCapaian:
    return next(r for r in lap.indikator if r.kode == kode)


async def _arrival(engine: AsyncEngine, tps_kode: str, versi: int, tepat: bool, when: datetime) -> None:
    async with engine.begin() as conn:
        tps_id = (await conn.execute(sa.select(t.tps.c.id).where(t.tps.c.kode == tps_kode))).scalar_one()
        await conn.execute(t.arrival_reports.insert().values(
            tps_id=tps_id, versi=versi, jenis="baru" if versi == 1 else "koreksi", nomor=f"UJI-{tps_kode}-{versi}",
            tiba_pada=when, lengkap=tepat, terlambat=False, tepat=tepat, created_at=when))


async def test_untouched_demo_computes_indicator_4_and_falls_back_for_6(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        lap = await capaian.build(conn, 2024, today=date(2024, 11, 24))
    ik4, ik6 = _row(lap, "IK4"), _row(lap, "IK6")
    assert (ik4.realisasi, ik4.capaian_persen, ik4.dihitung, ik4.otomatis) == ("100", Decimal(100), True,
                                                                               "pemutakhiran")
    assert ik4.rincian_otomatis == "200 dari 200 tahapan × KPU kabupaten/kota selesai tepat waktu"
    # no arrival report yet: the recorded (verified) realisation stands
    assert (ik6.realisasi, ik6.dihitung, ik6.otomatis, ik6.periode_realisasi) == ("100", False, "logistik", "2024")
    assert "[otomatis]" in teks.capaian(lap)


async def test_indicator_6_moves_with_arrival_reports(engine: AsyncEngine) -> None:
    tps = ["17.71.01.2001-001", "17.71.01.2001-002", "17.71.01.2001-003"]
    h1 = datetime(2024, 11, 26, 9, 0, tzinfo=UTC)
    await _arrival(engine, tps[0], 1, False, h1)
    await _arrival(engine, tps[0], 2, True, h1)  # a correction: the latest version counts
    await _arrival(engine, tps[1], 1, True, h1)
    await _arrival(engine, tps[2], 1, False, h1)
    await _arrival(engine, "17.71.01.2002-001", 1, True, datetime(2023, 6, 1, tzinfo=UTC))  # another year
    async with engine.connect() as conn:
        lap = await capaian.build(conn, 2024)
        up_to_q3 = await capaian.build(conn, 2024, sampai=parse_periode("2024-Q3"))
        lap23 = await capaian.build(conn, 2023)
    ik6 = _row(lap, "IK6")
    assert (ik6.realisasi, ik6.capaian_persen, ik6.status, ik6.dihitung) == ("0.06", Decimal("0.06"),
                                                                             "tidak_tercapai", True)
    assert ik6.rincian_otomatis == "2 dari 3452 TPS menerima logistik secara tepat"
    assert lap.capaian_persen is not None and lap.capaian_persen < 100
    # before the arrivals (up to September) the recorded realisations stand; each year counts its own reports
    assert not _row(up_to_q3, "IK6").dihitung and _row(up_to_q3, "IK6").status == "menunggu"
    assert _row(lap23, "IK6").rincian_otomatis == "1 dari 3452 TPS menerima logistik secara tepat"
    await _arrival(engine, tps[2], 2, True, h1)
    async with engine.connect() as conn:
        assert _row(await capaian.build(conn, 2024), "IK6").realisasi == "0.09"


async def test_indicator_4_counts_only_stages_due_by_the_report_date(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        s20 = (await conn.execute(sa.select(t.voter_stages.c.id).where(t.voter_stages.c.no == 20))).scalar_one()
        kota = (await conn.execute(sa.select(t.units.c.id).where(t.units.c.code == "KAB-1771"))).scalar_one()
        await conn.execute(t.stage_completions.delete().where(t.stage_completions.c.stage_id == s20,
                                                              t.stage_completions.c.unit_id == kota))
    async with engine.connect() as conn:
        after = await capaian.build(conn, 2024, today=date(2024, 11, 24))
        before = await capaian.build(conn, 2024, today=date(2024, 11, 19))  # stage 20 still running
        pm = await pemutakhiran.build(conn, 2024, today=date(2024, 11, 24))
    assert _row(after, "IK4").realisasi == "99.5" and _row(after, "IK4").capaian_persen == Decimal("99.50")
    assert _row(before, "IK4").realisasi == "100"
    tepat, _, due = (_row(before, "IK4").rincian_otomatis or "").split()[:3]
    assert tepat == due and int(due) < 199  # stages still running on that day are not counted yet
    assert pm.tepat_waktu == 199


async def test_bengkulu_tengah_is_a_second_organisation(engine: AsyncEngine, database_url: str,
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    async with engine.connect() as conn:
        units = {r.code: r for r in (await conn.execute(sa.select(t.units).where(t.units.c.org == "BTENG"))).all()}
        lap = await capaian.build(conn, 2024, "BTENG")
        hsdm = await capaian.build(conn, 2024, "bteng-hsdm")  # unit codes are case-insensitive
        strategic = await capaian.build(conn, 2024)
        log = await logistik.build(conn)
        turun_rows = (await conn.execute(sa.select(t.indicators).where(t.indicators.c.polaritas == "turun")
                                         .order_by(t.indicators.c.kode))).all()
        bteng = (await conn.execute(sa.select(t.indicators).where(t.indicators.c.kode.like("BTENG-%")))).all()
    turun = [r.kode for r in turun_rows]
    assert set(units) == {"BTENG", "BTENG-TPP", "BTENG-HSDM", "BTENG-KUL", "BTENG-PDI"}
    assert units["BTENG"].kind == "satker" and units["BTENG-KUL"].parent_id == units["BTENG"].id
    assert [r.kode for r in lap.indikator] == ["BTENG-IKK-AMAN", "BTENG-IKK-SENG", "BTENG-IKK-REG", "BTENG-IKK-AKIP",
                                               "BTENG-IKK-RB", "BTENG-IKK-BPK", "BTENG-IK-TI1", "BTENG-IK-TI2",
                                               "BTENG-IK-TI3"]
    seng = _row(lap, "BTENG-IKK-SENG")
    assert [c.kode for c in seng.anak] == ["BTENG-IK-JML-SENG", "BTENG-IK-MENANG"]
    assert [c.kode for c in _row(lap, "BTENG-IKK-BPK").anak] == ["BTENG-IK-PJ", "BTENG-IK-SAK", "BTENG-IK-LPJ",
                                                                  "BTENG-IK-BMN"]
    assert (_row(lap, "BTENG-IKK-BPK").jenis, _row(lap, "BTENG-IKK-BPK").target) == ("opini", "WTP")
    assert turun == ["BTENG-IK-JML-SENG", "BTENG-IK-REVISI"]  # labelled "(semakin kecil semakin baik)" in the copy
    # the label is an inference, not the poster's words: it goes in the note, never in the name
    assert [r.nama for r in turun_rows] == [
        "Jumlah sengketa hukum dalam perkara perselisihan di Bawaslu, Peradilan Umum, PTUN dan Mahkamah Konstitusi "
        "yang dihadapi KPU Kabupaten Bengkulu Tengah",
        "Jumlah revisi yang dilakukan terhadap rencana kerja yang telah ditetapkan"]
    assert all(r.catatan.startswith("Polaritas turun (semakin kecil semakin baik) disimpulkan, tidak tertulis di "
                                    "pohon kinerja.") for r in turun_rows)
    assert not any("semakin" in r.nama.lower() for r in bteng)
    assert not any("disimpulkan" in (r.catatan or "") for r in bteng if r.polaritas == "naik")
    assert [r.kode for r in hsdm.indikator] == ["BTENG-IK-JML-SENG", "BTENG-IK-MENANG", "BTENG-IK-PMPRB"]
    assert all(r.status == "menunggu" and r.realisasi is None for r in lap.indikator)
    # the province is untouched: nine strategic indicators, 3.452 TPS in 10 kab/kota
    assert len(strategic.indikator) == 9 and (log.total_tps, len(log.kabkota)) == (3452, 10)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    capsys.readouterr()
    assert await asyncio.to_thread(main, ["report", "capaian", "--unit", "BTENG", "--format", "json"]) == 0
    js = json.loads(capsys.readouterr().out)
    assert js["unit"] == "BTENG" and js["tahun"] == 2024 and len(js["indikator"]) == 9
    jml = next(c for r in js["indikator"] for c in r["anak"] if c["kode"] == "BTENG-IK-JML-SENG")
    assert (jml["target"], jml["jenis"], jml["status"]) == ("0", "angka", "menunggu")


def test_seed_tree_ids_are_all_loaded() -> None:
    rows = demo.read_csv(demo.BTENG / "pohon_kinerja.csv")
    units = {r["unit"] for r in rows if r["unit"]}
    assert units <= set(demo.BTENG_UNITS)  # every unit named in the tree has a code
    assert set(demo.BTENG_NILAI) <= {r["id"] for r in rows}
