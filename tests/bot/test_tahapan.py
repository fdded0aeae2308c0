"""/tahapan end to end: stages marked done, twice, corrected; indicator 4 follows; province staff pick a kab/kota."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.kinerja import DitolakError
from storage import audit, pemutakhiran, users
from storage import tables as t
from tests.bot.bantuan_kinerja import baris, laporan_json, tekan_paksa
from tests.bot.harness import bot_uji, demo_tg


async def _stage(engine: AsyncEngine, no: int) -> int:
    async with engine.connect() as conn:
        return (await conn.execute(sa.select(t.voter_stages.c.id).where(t.voter_stages.c.no == no))).scalar_one()


async def _unit(engine: AsyncEngine, code: str) -> int:
    async with engine.connect() as conn:
        return (await conn.execute(sa.select(t.units.c.id).where(t.units.c.code == code))).scalar_one()


async def test_stage_marked_twice_is_refused_and_a_correction_moves_indicator_4(
        engine: AsyncEngine, database_url: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    s20 = await _stage(engine, 20)  # Pelayanan Pindah memilih, 17 September – 20 November 2024
    async with bot_uji(engine) as b:
        kota = await demo_tg(engine, "operator-kota")
        out = await b.kirim(kota, "/tahapan")
        text = out[-1].content
        assert "Tahapan pemutakhiran data pemilih 2024 — KPU Kota Bengkulu" in text
        assert "✓ 20. Pelayanan Pindah memilih (17 September 2024 – 20 November 2024) · selesai" in text
        assert len([d for row in b.api.buttons(kota) for _, d in row]) == 20
        await b.tekan(kota, f"th:s:{s20}")
        text = b.api.last(kota).content
        assert "Ditolak: tahapan 20 (Pelayanan Pindah memilih) untuk KPU Kota Bengkulu sudah ditandai selesai" in text
        assert [d for row in b.api.buttons(kota) for _, d in row] == ["th:kor", "th:batal"]
        await b.tekan(kota, "th:kor")
        out = await b.kirim(kota, "Berita acara pleno ternyata tanggal 21 November")
        assert "Ketik tanggal selesainya" in out[-1].content
        out = await b.kirim(kota, "21 November 2024")
        assert "Catatan" in out[-1].content
        out = await b.kirim(kota, "BA nomor 12/PL.01/2024")
        assert "selesai 21 November 2024 — TERLAMBAT (batas 20 November 2024)" in out[-1].content
        assert "Indikator 4 (ketepatan waktu pemutakhiran, otomatis) kini 99,50 %: 199 dari 200" in out[-1].content
    async with engine.connect() as conn:
        rows = (await conn.execute(sa.select(t.stage_completions).where(
            t.stage_completions.c.stage_id == s20, t.stage_completions.c.unit_id == await _unit(engine, "KAB-1771"))
            .order_by(t.stage_completions.c.versi))).all()
        log = await audit.recent(conn, entity="tahapan", limit=1)
    assert [(r.versi, r.sumber) for r in rows] == [(1, "demo"), (2, "bot")]
    assert rows[1].catatan == "Koreksi: Berita acara pleno ternyata tanggal 21 November — BA nomor 12/PL.01/2024"
    assert log[0].action == "koreksi"
    js = await laporan_json(database_url, monkeypatch, capsys, tmp_path, "pemutakhiran", "--year", "2024")
    st = next(r for r in js["tahapan"] if r["no"] == 20)["status"]
    assert st["KAB-1771"] == "terlambat" and st["KAB-1709"] == "tepat_waktu"
    assert (js["tepat_waktu"], js["selesai"], js["jumlah"]) == (199, 200, 200)
    js = await laporan_json(database_url, monkeypatch, capsys, tmp_path, "capaian", "--year", "2024")
    ik4 = baris(js, "IK4")
    assert (ik4["realisasi"], ik4["capaian_persen"], ik4["otomatis"], ik4["dihitung"]) == (
        "99.5", 99.5, "pemutakhiran", True)


async def test_marking_an_open_stage_with_wrong_dates(engine: AsyncEngine, database_url: str,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    s20, kota_id = await _stage(engine, 20), await _unit(engine, "KAB-1771")
    async with engine.begin() as conn:  # given: Kota Bengkulu has not marked stage 20 yet
        await conn.execute(t.stage_completions.delete().where(t.stage_completions.c.stage_id == s20,
                                                              t.stage_completions.c.unit_id == kota_id))
    js = await laporan_json(database_url, monkeypatch, capsys, tmp_path, "capaian", "--year", "2024")
    assert baris(js, "IK4")["realisasi"] == "99.5"  # past its end and not done counts against indicator 4
    async with bot_uji(engine) as b:
        kota = await demo_tg(engine, "operator-kota")
        out = await b.kirim(kota, "/tahapan")
        assert "! 20. Pelayanan Pindah memilih" in out[-1].content
        await b.tekan(kota, f"th:s:{s20}")
        assert "Ketik tanggal selesainya" in b.api.last(kota).content
        for text, expected in [("25 November 2024", "masih di masa depan"),
                               ("1 Januari 2024", "sebelum tahapan dimulai (17 September 2024)"),
                               ("31-02-2024", "tidak ada"), ("kemarin sore", "tidak dikenali"),
                               ("19 November", "Tahun belum ditulis")]:
            out = await b.kirim(kota, text)
            assert expected in out[-1].content, (text, out[-1].content)
        out = await b.kirim(kota, "Selasa, 19 November 2024")
        assert "Catatan" in out[-1].content
        await b.tekan(kota, "th:lewati")
        text = b.api.last(kota).content
        assert "selesai 19 November 2024 — tepat waktu" in text and "kini 100,00 %" in text
        assert "kedaluwarsa" in (await tekan_paksa(b, kota, "th:lewati") or "")
    js = await laporan_json(database_url, monkeypatch, capsys, tmp_path, "capaian", "--year", "2024")
    assert (baris(js, "IK4")["realisasi"], baris(js, "IK4")["capaian_persen"]) == ("100", 100.0)


async def test_province_staff_choose_a_kabkota(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        op = await demo_tg(engine, "operator")  # Sub Bagian Data dan Informasi of the province
        out = await b.kirim(op, "/tahapan")
        assert "pilih provinsi (tahapan yang dilaksanakan KPU/KPU Provinsi) atau KPU kabupaten/kota" in out[-1].content
        prov = await _unit(engine, "PROV")
        # the province itself first (its own stages), then the 10 kab/kota
        assert b.api.buttons(op)[0] == [("Sekretariat KPU Provinsi Bengkulu (tahapan provinsi)", f"th:k:{prov}")]
        assert len([d for row in b.api.buttons(op) for _, d in row]) == 11
        bteng = await _unit(engine, "BTENG")  # another organisation's unit
        assert "di luar cakupan Anda" in (await tekan_paksa(b, op, f"th:k:{bteng}") or "")
        await b.tekan(op, f"th:k:{await _unit(engine, 'KAB-1709')}")
        assert "KPU Kabupaten Bengkulu Tengah" in b.api.last(op).content
        assert "kedaluwarsa" in (await tekan_paksa(b, op, "th:s:99999999") or "")
        await b.tekan(op, f"th:s:{await _stage(engine, 3)}")
        assert "sudah ditandai selesai" in b.api.last(op).content
        await b.tekan(op, "th:batal")
        assert "Dibatalkan" in b.api.last(op).content
        kota = await demo_tg(engine, "operator-kota")  # a kab/kota operator goes straight to its own stages
        out = await b.kirim(kota, "/tahapan")
        assert "KPU Kota Bengkulu" in out[-1].content and not any(
            d.startswith("th:k:") for row in b.api.buttons(kota) for _, d in row if d)
        # a forged kab/kota button: that step is not open for a kab/kota operator
        assert "kedaluwarsa" in (await tekan_paksa(b, kota, f"th:k:{await _unit(engine, 'KAB-1709')}") or "")


# --- the province's own stages (KPU / KPU Provinsi): marked by the province's staff for the province unit -----


async def test_province_staff_mark_the_provinces_own_stage_for_the_province(
        engine: AsyncEngine, database_url: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    prov, s1, s3 = await _unit(engine, "PROV"), await _stage(engine, 1), await _stage(engine, 3)
    async with bot_uji(engine) as b:
        op = await demo_tg(engine, "operator")  # PDI-DATIN, the province's data section
        await b.kirim(op, "/tahapan")
        await b.tekan(op, f"th:k:{prov}")
        text = b.api.last(op).content
        assert "Tahapan pemutakhiran data pemilih 2024 — Sekretariat KPU Provinsi Bengkulu" in text
        assert "Hanya tahapan yang dilaksanakan KPU/KPU Provinsi" in text
        # only stages 1, 2, 10 and 18 (KPU, KPU Provinsi); none marked for the province in the demo
        assert "! 1. Penerimaan DP4 (24 April 2024 – 31 Mei 2024)" in text and "3. Pemetaan" not in text
        assert [label for row in b.api.buttons(op) for label, _ in row] == ["1 !", "2 !", "10 !", "18 !"]
        # a kab/kota's stage is not the province's to mark, even with a forged button
        assert "dilaksanakan oleh KPU Kab/Kota, bukan KPU Provinsi" in (await tekan_paksa(b, op, f"th:s:{s3}") or "")
        await b.tekan(op, f"th:s:{s1}")
        assert "Tahapan 1: Penerimaan DP4 (batas 31 Mei 2024)" in b.api.last(op).content
        out = await b.kirim(op, "30 Mei 2024")
        assert "Catatan" in out[-1].content
        await b.tekan(op, "th:lewati")
        text = b.api.last(op).content
        assert ("Tersimpan: tahapan 1 (Penerimaan DP4) untuk Sekretariat KPU Provinsi Bengkulu selesai 30 Mei 2024 "
                "— tepat waktu") in text
        assert "tidak dihitung dalam indikator 4" in text and "kini" not in text
        # marked twice: refused; a correction is a new version with its reason
        await b.kirim(op, "/tahapan")
        await b.tekan(op, f"th:k:{prov}")
        assert "✓ 1. Penerimaan DP4" in b.api.last(op).content
        await b.tekan(op, f"th:s:{s1}")
        assert "Ditolak: tahapan 1 (Penerimaan DP4) untuk Sekretariat KPU Provinsi Bengkulu" in b.api.last(op).content
        await b.tekan(op, "th:kor")
        await b.kirim(op, "Tanggal berita acara salah ketik")
        await b.kirim(op, "31 Mei 2024")
        await b.kirim(op, "BA 3/PL.02/2024")
        assert "selesai 31 Mei 2024 — tepat waktu" in b.api.last(op).content
        # a kab/kota operator cannot mark the province's stages: not by /tahapan, not by a reminder's button
        kota = await demo_tg(engine, "operator-kota")
        await b.kirim(kota, "/tahapan")
        assert "kedaluwarsa" in (await tekan_paksa(b, kota, f"th:k:{prov}") or "")
        assert await tekan_paksa(b, kota, f"th:mulai:{s1}:{prov}") == "Unit itu di luar cakupan Anda."
        assert b.api.unanswered_callbacks() == []
    async with engine.connect() as conn:
        rows = (await conn.execute(sa.select(t.stage_completions).where(
            t.stage_completions.c.stage_id == s1, t.stage_completions.c.unit_id == prov)
            .order_by(t.stage_completions.c.versi))).all()
        log = await audit.recent(conn, entity="tahapan", limit=2)
    assert [(r.versi, r.selesai_pada.isoformat(), r.sumber) for r in rows] == [
        (1, "2024-05-30", "bot"), (2, "2024-05-31", "bot")]
    assert rows[1].catatan == "Koreksi: Tanggal berita acara salah ketik — BA 3/PL.02/2024"
    assert [(x.action, x.entity_id) for x in log] == [("koreksi", f"{s1}:{prov}"), ("lapor", f"{s1}:{prov}")]
    # the reports count stages × KPU kab/kota: the province's own marks change neither them nor indicator 4
    js = await laporan_json(database_url, monkeypatch, capsys, tmp_path, "pemutakhiran", "--year", "2024")
    assert (js["tepat_waktu"], js["selesai"], js["jumlah"]) == (200, 200, 200) and "PROV" not in js["kabkota"]
    js = await laporan_json(database_url, monkeypatch, capsys, tmp_path, "capaian", "--year", "2024")
    assert (baris(js, "IK4")["realisasi"], baris(js, "IK4")["capaian_persen"]) == ("100", 100.0)


async def test_the_province_marks_only_its_own_stages_in_storage(engine: AsyncEngine) -> None:
    prov, s3, s10 = await _unit(engine, "PROV"), await _stage(engine, 3), await _stage(engine, 10)
    now = datetime(2024, 11, 24, 1, tzinfo=UTC)
    async with engine.begin() as conn:
        op = await users.by_telegram_id(conn, await demo_tg(engine, "operator"))
        kota = await users.by_telegram_id(conn, await demo_tg(engine, "operator-kota"))
        assert op is not None and kota is not None
        allowed = [u.id for u in await pemutakhiran.units_for(conn, op)]
        assert allowed[0] == prov and len(allowed) == 11
        assert [u.code for u in await pemutakhiran.units_for(conn, kota)] == ["KAB-1771"]
        kw = {"catatan": None, "alasan": None, "author": op, "today": date(2024, 11, 24), "now": now}
        with pytest.raises(DitolakError, match="dilaksanakan oleh KPU Kab/Kota"):
            await pemutakhiran.mark_done(conn, stage_id=s3, unit_id=prov, selesai_pada=date(2024, 6, 13),
                                         allowed_unit_ids=allowed, **kw)  # type: ignore[arg-type]
        with pytest.raises(DitolakError, match="cakupan"):  # a kab/kota operator's scope has no province
            await pemutakhiran.mark_done(conn, stage_id=s10, unit_id=prov, selesai_pada=date(2024, 8, 17),
                                         allowed_unit_ids=[kota.unit_id or 0], **kw)  # type: ignore[arg-type]
        c = await pemutakhiran.mark_done(conn, stage_id=s10, unit_id=prov, selesai_pada=date(2024, 8, 17),
                                         allowed_unit_ids=allowed, **kw)  # type: ignore[arg-type]
        assert (c.unit_id, c.versi) == (prov, 1)
