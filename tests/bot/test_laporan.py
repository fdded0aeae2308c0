"""/capaian, /anggaran, /pemutakhiran and /ekspor through the real Application on the fake Bot API."""

from __future__ import annotations

import dataclasses
import io
import os
import re
import time
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.fakebotapi import SentMessage
from handlers import ekspor as h_ekspor
from handlers import laporan as h_laporan
from handlers import teks
from handlers.teks import laporan as tl
from reports import ekspor, grafik, proses
from storage import audit, demo
from storage import tables as t
from tests.bot.harness import BotUji, bot_uji, demo_tg

PNG = b"\x89PNG\r\n\x1a\n"
KODE_IKU = [r["kode"] for r in demo.read_csv(demo.BKL / "indikator_sekretariat.csv")]


@pytest.fixture(autouse=True)
def _bersih() -> None:
    grafik.kosongkan_cache()
    h_ekspor._berjalan.clear()


def _data(msg: SentMessage) -> list[str]:
    return [d for row in msg.buttons for _, d in row if d]


def _cek_batas(out: list[SentMessage]) -> None:
    for m in out:
        if m.kind == "photo":
            assert m.photo is not None and m.photo.startswith(PNG)
            assert len(m.caption or "") <= 1024
        else:
            assert len(m.content) <= 4096


async def test_capaian_2024_reproduces_tabel_3_2(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        tg = await demo_tg(engine, "pimpinan")
        out = await b.kirim(tg, "/capaian 2024")
        _cek_batas(out)
        assert [m.kind for m in out] == ["photo", "text"]
        foto, teks_ = out
        assert "rata-rata 100,00 % · kategori AA" in (foto.caption or "")
        assert "8 tercapai · 0 tidak tercapai · 1 menunggu" in (foto.caption or "")
        text = teks_.content
        assert text.startswith("📊 Capaian kinerja Sekretariat (IKU) — tahun 2024")
        assert "Rata-rata capaian: 100,00 % · kategori AA (Sangat Memuaskan)" in text
        for kode in KODE_IKU:
            assert f" {kode} " in text
        baris = text.split("\n")
        ik3b = baris[baris.index(next(x for x in baris if " IK3b " in x)) + 1]
        assert "realisasi Proses" in ik3b and "menunggu (tidak dihitung, bukan nol)" in ik3b and "0,00 %" not in ik3b
        assert "target B · realisasi B · capaian 100,00 %" in text  # IK3a, as the PK and Tabel 3.6 say
        assert "Sasaran 3. Meningkatnya Akuntabilitas Keuangan dan Kinerja KPU — 100,00 % (AA)" in text
        data = _data(teks_)
        assert {"cp:v:PROV:2024:0", "cp:v:KUL:2024:0", "cp:v:TPH:2024:0", "cp:v:PDI:2024:0", "cp:v:-:2023:0",
                "cp:t:-:2024", "cp:r:-:2024", "cp:x:-:2024:0"} <= set(data)
        assert not any(d.startswith("ek:") for d in data)  # the LKj button is for admins
        assert "cp:v:-:2025:0" not in data  # the bot's clock says 2024: no "next year" yet


async def test_admin_gets_the_lkj_button_and_the_workbook(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        tg = await demo_tg(engine, "admin")
        out = await b.kirim(tg, "/capaian")
        assert "ek:l:2024" in _data(out[-1])
        out = await b.tekan(tg, "ek:l:2024")
        assert out[-1].kind == "document" and out[-1].document_name == "pantau-lkj-2024.xlsx"
        ws = openpyxl.load_workbook(io.BytesIO(out[-1].document or b""))["Tabel 2.3"]
        assert [ws[f"{c}6"].value for c in "DEF"] == [142_297_821_000, 128_414_940_749, 90.24]
        assert b.api.unanswered_callbacks() == []


async def test_capaian_buttons_follow_the_cascade_and_the_scope(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        tg = await demo_tg(engine, "pimpinan")
        await b.kirim(tg, "/capaian 2024")
        out = await b.tekan(tg, "cp:v:KUL:2024:0")
        text = out[-1].content
        assert "Bagian Keuangan, Umum dan Logistik (KUL)" in text and "↳" in text and "KUL-UML-1" in text
        data = _data(out[-1])
        assert {"cp:v:KUL-KEU:2024:0", "cp:v:KUL-UML:2024:0", "cp:v:PROV:2024:0"} <= set(data)
        out = await b.tekan(tg, "cp:v:KUL-UML:2024:0")
        assert "Sub Bagian Umum dan Logistik (KUL-UML)" in out[-1].content
        assert "cp:v:KUL:2024:0" in _data(out[-1])  # up the cascade
        # the operator of PDI-DATIN sees their unit, and nothing outside it
        op = await demo_tg(engine, "operator")
        out = await b.kirim(op, "/capaian")
        assert "(PDI-DATIN)" in out[-1].content and "cp:v:-:2024:0" not in _data(out[-1])
        out = await b.kirim(op, "/capaian 2024 KUL")
        assert out[-1].content == tl.UNIT_DI_LUAR.format(kode="KUL", cakupan="PDI-DATIN")
        n = len(b.api.messages(op))
        await b.tekan(op, "cp:v:KUL:2024:0")
        assert b.jawaban_terakhir() == teks.KEDALUWARSA and len(b.api.messages(op)) == n
        # the head of KUL sees KUL with its Sub Bagian
        kabag = await demo_tg(engine, "kabag-kul")
        out = await b.kirim(kabag, "/capaian")
        assert "(KUL)" in out[-1].content and "cp:v:-:2024:0" not in _data(out[-1])
        assert b.api.unanswered_callbacks() == []


@pytest.mark.parametrize("data", [
    "cp:v:XXX:2024:0", "cp:v:KUL:20x4:0", "cp:v:KUL:2024:5", "cp:v:KUL:2024", "cp:z:KUL:2024:0", "cp:v:KUL:1999:0",
    "cp:t:KUL:2024:0", "cp:x:-:٢٠٢٤:0", "ag:v:abc", "ag:q:2024", "pm:x:2101", "pm:v:2024", "ek:f:nope:xlsx",
    "ek:f:tps:pdf", "ek:d", "ek:l:20241", "ek:zz"])
async def test_forged_or_stale_buttons_get_kedaluwarsa(engine: AsyncEngine, data: str) -> None:
    async with bot_uji(engine) as b:
        tg = await demo_tg(engine, "admin")
        await b.kirim(tg, "/capaian")
        n = len(b.api.messages(tg))
        await b.tekan(tg, data)
        assert b.jawaban_terakhir() == teks.KEDALUWARSA
        assert len(b.api.messages(tg)) == n and b.api.unanswered_callbacks() == []


@pytest.mark.parametrize(("arg", "expected"), [
    ("20x4", tl.PAKAI_CAPAIAN), ("2024 V", tl.TRIWULAN_SALAH), ("2024 TW5", tl.TRIWULAN_SALAH),
    ("2024 5", tl.TRIWULAN_SALAH), ("٢٠٢٤", tl.PAKAI_CAPAIAN), ("1.000", tl.PAKAI_CAPAIAN),
    ("2024 2025", tl.PAKAI_CAPAIAN), ("999999999999", tl.PAKAI_CAPAIAN), ("", None),
    ("1999", tl.TAHUN_DI_LUAR.format(tahun="1999")), ("2024 NOPE", tl.UNIT_TIDAK_DIKENAL.format(kode="NOPE")),
    ("2024 III KUL PDI", tl.PAKAI_CAPAIAN), ("🙂", tl.PAKAI_CAPAIAN), ("a b c d e", tl.PAKAI_CAPAIAN)])
async def test_capaian_wrong_input_gets_a_reason(engine: AsyncEngine, arg: str, expected: str | None) -> None:
    async with bot_uji(engine) as b:
        tg = await demo_tg(engine, "pimpinan")
        out = await b.kirim(tg, f"/capaian {arg}")
        if expected is None:  # nothing after the command: the default view, not an error
            assert [m.kind for m in out] == ["photo", "text"]
        else:
            assert [m.content for m in out] == [expected]


def test_baca_capaian_accepts_quarter_forms() -> None:
    for args in (["2024", "III"], ["2024", "3"], ["2024", "TW3"], ["TW", "III", "2024"], ["2024", "q3"],
                 ["Triwulan", "3", "2024"]):
        assert h_laporan.baca_capaian(args) == h_laporan.Permintaan(2024, 3, None), args
    assert h_laporan.baca_capaian(["kul-uml", "2024"]) == h_laporan.Permintaan(2024, 0, "KUL-UML")
    assert h_laporan.baca_capaian([]) == h_laporan.Permintaan()


async def test_capaian_by_quarter_and_period_buttons(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        tg = await demo_tg(engine, "pimpinan")
        out = await b.kirim(tg, "/capaian 2024 III")
        text = out[-1].content
        # the seed's realisations are yearly: only the computed IK4 counts up to Triwulan III; nothing shows as 0
        assert "s.d. Triwulan III 2024" in text and "⏳ 8 indikator menunggu" in text
        assert re.search(r"dihitung otomatis: [\d.]+ dari [\d.]+ tahapan", text)
        assert not re.search(r"(?<![\d.])0,00 %", text)
        assert "IK1" in text and "belum ada realisasi" in text
        data = _data(out[-1])
        assert {"cp:v:-:2024:2", "cp:v:-:2024:0", "cp:v:-:2024:4", "cp:x:-:2024:3"} <= set(data)
        out = await b.tekan(tg, "cp:v:-:2024:4")
        assert "cp:v:-:2025:1" not in _data(out[-1])  # the next quarter has not started yet
        out = await b.tekan(tg, "cp:v:-:2023:0")
        assert "tahun 2023" in out[-1].content and "cp:v:-:2024:0" in _data(out[-1])


async def test_tabel_3_3_3_4_and_xlsx_buttons(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        tg = await demo_tg(engine, "pimpinan")
        await b.kirim(tg, "/capaian 2024")
        out = await b.tekan(tg, "cp:t:-:2024")
        text = out[-1].content
        assert "(Tabel 3.3)" in text and "2021: target 95 % · realisasi 90 % · 94,74 %" in text
        assert "Tren realisasi: ↓ turun" in text
        out = await b.tekan(tg, "cp:r:-:2024")
        text = out[-1].content
        assert "(Tabel 3.4)" in text and "target Renstra 80 · 98,75 % · tidak tercapai" in text
        assert "Rata-rata terhadap target Renstra: 99,84 %" in text
        out = await b.tekan(tg, "cp:x:-:2024:0")
        doc = out[-1]
        assert doc.kind == "document" and doc.document_name == "pantau-capaian-iku-2024.xlsx"
        wb = openpyxl.load_workbook(io.BytesIO(doc.document or b""))
        assert wb.sheetnames == ["Tabel 3.2", "Tabel 3.3", "Tabel 3.4"]
        assert b.api.callback_answers[-1].text == tl.MENYIAPKAN


async def test_long_capaian_is_summarised_or_split_never_cut(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:  # give every PK indicator of the Sekretaris a long name
        await conn.execute(t.indicators.update().where(t.indicators.c.kode.like("PROV-P%"))
                           .values(nama=sa.func.coalesce(t.indicators.c.nama, "") + " " + "panjang " * 40))
    async with bot_uji(engine) as b:
        tg = await demo_tg(engine, "pimpinan")
        out = await b.kirim(tg, "/capaian 2024 PROV")
        _cek_batas(out)
        text = "\n".join(m.content for m in out if m.kind == "text")
        for i in range(1, 21):
            assert f"PROV-P{i} " in text
        assert "Nama indikator dipersingkat" in text or "(bersambung" in text


async def test_capaian_wrong_role_is_refused_by_the_guard(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        tg = await demo_tg(engine, "petugas")
        out = await b.kirim(tg, "/capaian")
        assert out[-1].content.startswith("Maaf, perintah ini tidak tersedia untuk peran Anda")
        await b.tekan(tg, "cp:v:-:2024:0", message_id=out[-1].message_id)
        assert b.jawaban_terakhir() == teks.TOMBOL_TIDAK_BERWENANG


async def test_anggaran_reproduces_tabel_2_3_with_chart_and_efficiency(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        tg = await demo_tg(engine, "operator")
        out = await b.kirim(tg, "/anggaran")
        _cek_batas(out)
        assert [m.kind for m in out] == ["photo", "text"]
        text = out[-1].content
        for s in ("Pagu Rp142.297.821.000 · realisasi Rp128.414.940.749 · penyerapan 90,24 %",
                  "pagu Rp9.203.578.000 · realisasi Rp9.194.840.880 · 99,91 %",
                  "pagu Rp133.094.243.000 · realisasi Rp119.220.099.869 · 89,58 %",
                  "capaian kinerja 100,00 % dengan penyerapan 90,24 % → 1 : 1,1",
                  "• CQ.6639 Teknis Penyelenggaraan Pemilu/Pemilihan: pagu Rp110.284.100.000",
                  # what is known for activities without their own realisation, and why the rest is missing
                  "Realisasi kegiatan program CQ belum dirinci per kegiatan; realisasi programnya "
                  "Rp119.220.099.869 (89,58 %)."):
            assert s in text
        assert "realisasi belum dilaporkan" not in text
        assert _data(out[-1]) == ["ag:v:2023", "ag:x:2024"]
        out = await b.tekan(tg, "ag:v:2023")
        assert "Anggaran tahun 2023" in out[-1].content and "ag:v:2024" in _data(out[-1])
        out = await b.tekan(tg, "ag:x:2024")
        ws = openpyxl.load_workbook(io.BytesIO(out[-1].document or b""))["Tabel 2.3"]
        assert ws["C6"].value == "Jumlah" and ws["F6"].value == 90.24
        out = await b.kirim(tg, "/anggaran 2019")
        assert out[-1].content == tl.BELUM_ADA_ANGGARAN.format(tahun=2019)
        for salah in ("/anggaran abc", "/anggaran 2024 2023", "/anggaran 24"):
            assert (await b.kirim(tg, salah))[-1].content == tl.PAKAI_ANGGARAN
        assert (await b.kirim(tg, "/anggaran 3000"))[-1].content == tl.TAHUN_DI_LUAR.format(tahun="3000")


async def test_pemutakhiran_table_heat_map_and_scope(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        tg = await demo_tg(engine, "pimpinan")
        out = await b.kirim(tg, "/pemutakhiran")
        _cek_batas(out)
        assert [m.kind for m in out] == ["photo", "text"]
        assert out[0].caption == "Tahapan pemutakhiran 2024: 200 dari 200 selesai tepat waktu (per 24 November 2024)."
        text = out[-1].content
        assert "No   1  2  3  4  5  6  7  8  9 10" in text and "10 Kota Bengkulu" in text
        assert out[-1].parse_mode == "HTML" and out[-1].entities[0]["type"] == "pre"
        # stage names are cut for a phone, never into two that read the same (7 and 8 differ only at the end)
        tabel = text.split("\n")[text.split("\n").index("No   1  2  3  4  5  6  7  8  9 10") + 1:][:20]
        nama_tahapan = [baris.split("  ")[-1].removesuffix("*") for baris in tabel]  # "*": the demo's mark
        assert len(set(nama_tahapan)) == 20 and all(len(n) <= 30 for n in nama_tahapan), nama_tahapan
        assert nama_tahapan[6:8] == ["Pleno … Pemutakhiran oleh PPS", "Pleno … Pemutakhiran oleh PPK"]
        kota = await demo_tg(engine, "operator-kota")
        out = await b.kirim(kota, "/pemutakhiran")
        text = out[-1].content
        assert "20 dari 20" in text and "No   1\n" in text and "1 Kota Bengkulu" in text and "Kaur" not in text
        out = await b.tekan(kota, "pm:x:2024")
        ws = openpyxl.load_workbook(io.BytesIO(out[-1].document or b"")).worksheets[0]
        assert [c.value for c in ws[4]][5:] == ["KPU Kota Bengkulu"]
        assert (await b.kirim(kota, "/pemutakhiran 2019"))[-1].content == tl.BELUM_ADA_TAHAPAN.format(tahun=2019)
        assert (await b.kirim(kota, "/pemutakhiran x"))[-1].content == tl.PAKAI_PEMUTAKHIRAN


async def test_pemutakhiran_overdue_list_when_stages_are_missing(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(t.stage_completions.delete().where(t.stage_completions.c.stage_id.in_(
            sa.select(t.voter_stages.c.id).where(t.voter_stages.c.no == 20))))
    async with bot_uji(engine) as b:
        b.jam.now = b.jam.now + timedelta(days=400)
        out = await b.kirim(await demo_tg(engine, "pimpinan"), "/pemutakhiran 2024")
        text = out[-1].content
        assert "❗ Lewat batas, belum selesai (10):" in text and "• 20. Pelayanan Pindah memilih — Kaur" in text


async def test_every_unduh_xlsx_button_and_the_lkj_workbook_are_audited(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        pim, kota, adm = [await demo_tg(engine, k) for k in ("pimpinan", "operator-kota", "admin")]
        await b.kirim(pim, "/capaian 2024")
        assert (await b.tekan(pim, "cp:x:-:2024:0"))[-1].kind == "document"
        assert (await b.tekan(pim, "ag:x:2024"))[-1].kind == "document"
        await b.kirim(kota, "/pemutakhiran")
        assert (await b.tekan(kota, "pm:x:2024"))[-1].kind == "document"
        await b.kirim(adm, "/capaian")
        assert (await b.tekan(adm, "ek:l:2024"))[-1].kind == "document"
        async with engine.connect() as conn:
            log = list(reversed(await audit.recent(conn, entity="dataset", limit=4)))
            ids = {r.telegram_id: r.id for r in (await conn.execute(sa.select(t.users.c.telegram_id, t.users.c.id)))}
    assert [(r.action, r.entity_id, r.actor_id) for r in log] == [
        ("ekspor", "laporan-capaian.xlsx", ids[pim]), ("ekspor", "laporan-anggaran.xlsx", ids[pim]),
        ("ekspor", "laporan-pemutakhiran.xlsx", ids[kota]), ("ekspor", "laporan-lkj.xlsx", ids[adm])]
    assert log[0].new["saringan"] == {"tahun": 2024, "triwulan": 0, "unit": None}
    assert log[2].new["saringan"] == {"tahun": 2024, "kabkota": "KAB-1771"} and log[2].new["baris"] == 20
    assert all(r.new["baris"] > 0 and r.new["lewat"] == "bot" for r in log)


# --- /ekspor --------------------------------------------------------------------------------------------------

async def _ekspor(b: BotUji, tg: int, nama: str, fmt: str) -> list[SentMessage]:
    out = await b.kirim(tg, "/ekspor")
    assert f"ek:d:{nama}" in _data(out[-1])
    out = await b.tekan(tg, f"ek:d:{nama}")
    assert f"ek:f:{nama}:{fmt}" in _data(b.api.last(tg))
    return await b.tekan(tg, f"ek:f:{nama}:{fmt}")


async def test_admin_exports_tps_as_xlsx_with_progress_and_audit(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        tg = await demo_tg(engine, "admin")
        out = await b.kirim(tg, "/ekspor")
        assert out[-1].content == tl.EKSPOR_PILIH and "ek:l:2024" in _data(out[-1])
        await b.tekan(tg, "ek:d:tps")
        menu = b.api.last(tg)
        assert menu.content.startswith("TPS: Daftar TPS dengan wilayah dan DPT.\nSekitar 3.452 baris.")
        out = await b.tekan(tg, "ek:f:tps:xlsx")
        doc = out[-1]
        assert doc.kind == "document" and doc.document_name == "pantau-tps-2024-11-24.xlsx"
        assert (doc.caption or "").startswith("TPS: 3.452 baris, dibuat Minggu, 24 November 2024 pukul 15.00 WIB")
        ws = openpyxl.load_workbook(io.BytesIO(doc.document or b"")).worksheets[0]
        assert ws.max_row == 4 + 3452 and ws["A4"].value == "Kode TPS"
        assert b.api.message(tg, menu.message_id).content.startswith("Menyiapkan ekspor TPS (3.452 baris")
        assert any(a.action == "upload_document" for a in b.api.chat_actions)
        async with engine.connect() as conn:
            log = await audit.recent(conn, entity="dataset", limit=1)
        assert log[0].action == "ekspor" and log[0].entity_id == "tps.xlsx" and log[0].new["baris"] == 3452
        assert log[0].actor_id is not None and log[0].new["lewat"] == "bot" and log[0].new["saringan"] == {}
        # back to the menu and a CSV for Excel
        await b.kirim(tg, "/ekspor")
        await b.tekan(tg, "ek:d:anggaran")
        await b.tekan(tg, "ek:m")
        assert b.api.last(tg).content == tl.EKSPOR_PILIH
        out = await _ekspor(b, tg, "anggaran", "bom")
        assert (out[-1].document or b"").startswith("\ufeffTahun,Tingkat".encode())
        assert b.api.unanswered_callbacks() == []


async def test_only_admins_export(engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    tugas: list[ekspor.TugasEkspor] = []

    async def catat_tugas(t_: ekspor.TugasEkspor) -> ekspor.HasilEkspor:
        tugas.append(t_)
        raise AssertionError("no export for a non-admin")

    monkeypatch.setattr(h_ekspor, "jalankan", catat_tugas)
    async with bot_uji(engine) as b:
        tg = await demo_tg(engine, "pimpinan")
        out = await b.kirim(tg, "/ekspor")
        assert out[-1].content.startswith("Maaf, perintah ini tidak tersedia untuk peran Anda")
        await b.kirim(tg, "/capaian")
        await b.tekan(tg, "ek:f:tps:xlsx")
        assert b.jawaban_terakhir() == teks.TOMBOL_TIDAK_BERWENANG
        for kode in ("csv", "bom"):
            await b.tekan(tg, f"ek:f:pengguna:{kode}")
            assert b.jawaban_terakhir() == teks.TOMBOL_TIDAK_BERWENANG
        assert tugas == [] and not any(m.kind == "document" for m in b.api.messages(tg))


async def test_a_second_export_waits_for_the_first(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        tg = await demo_tg(engine, "admin")
        await b.kirim(tg, "/ekspor")
        await b.tekan(tg, "ek:d:tps")
        async with engine.connect() as conn:
            admin_id = (await conn.execute(sa.select(t.users.c.id).where(t.users.c.telegram_id == tg))).scalar_one()
        h_ekspor._berjalan.add(admin_id)  # as if a first tap were still exporting
        n = len(b.api.messages(tg))
        await b.tekan(tg, "ek:f:tps:csv")
        assert b.jawaban_terakhir() == tl.EKSPOR_BERJALAN and len(b.api.messages(tg)) == n


async def test_big_files_are_zipped_or_sent_to_the_web(engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    async with bot_uji(engine) as b:
        tg = await demo_tg(engine, "admin")
        monkeypatch.setattr(h_ekspor, "BATAS_UNGGAH", 150_000)  # the TPS CSV is ~0,6 MB, zipped well under this
        out = await _ekspor(b, tg, "tps", "csv")
        assert out[-1].document_name == "pantau-tps-2024-11-24.csv.zip"
        assert "Dikompresi (zip)" in (out[-1].caption or "")
        monkeypatch.setattr(h_ekspor, "BATAS_UNGGAH", 1_000)
        out = await _ekspor(b, tg, "tps", "csv")
        assert out[-1].kind == "text" and "melebihi batas unggah Telegram 50 MB" in out[-1].content
        assert "web admin" in out[-1].content
        async with engine.connect() as conn:
            log = await audit.recent(conn, entity="dataset", limit=1)
        assert log[0].new["terkirim"] is False and log[0].new["zip"] is True


def _mati(_tugas: object) -> None:
    """An export process that dies mid-export (run in the export process, found there by its module name)."""
    os._exit(3)


def _macet(_tugas: object) -> None:
    """An export process that never ends."""
    time.sleep(600)


def _db_hilang(tugas: ekspor.TugasEkspor) -> ekspor.HasilEkspor:
    """An export whose database cannot be opened: the real job, with a path that cannot exist."""
    return ekspor.jalankan_tugas(dataclasses.replace(tugas, url="sqlite:////tidak/ada/pantau.db"))


async def test_every_export_runs_in_a_separate_process_with_lower_priority(
        engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    hasil: list[tuple[ekspor.HasilEkspor, int, int]] = []
    asli = h_ekspor.jalankan

    async def intip(tugas: ekspor.TugasEkspor) -> ekspor.HasilEkspor:
        h = await asli(tugas)
        hasil.append((h, Path(h.path).stat().st_mode & 0o777, os.getpriority(os.PRIO_PROCESS, h.pid)))
        return h

    monkeypatch.setattr(h_ekspor, "jalankan", intip)
    async with bot_uji(engine) as b:
        tg = await demo_tg(engine, "admin")
        out = await _ekspor(b, tg, "tahapan", "csv")  # 200 rows: a small export takes the process path too
        assert out[-1].kind == "document" and (out[-1].document or b"").count(b"\r\n") == 201
        out = await _ekspor(b, tg, "tahapan", "xlsx")
        assert out[-1].kind == "document" and out[-1].document_name == "pantau-tahapan-2024-11-24.xlsx"
        ws = openpyxl.load_workbook(io.BytesIO(out[-1].document or b"")).worksheets[0]
        assert ws.max_row == 4 + 200
    assert len(hasil) == 2 and {h.baris for h, _, _ in hasil} == {200}
    for h, mode, prioritas in hasil:
        assert h.pid != os.getpid() and mode == 0o600
        assert prioritas == min(19, os.nice(0) + proses.NICE)  # the bot's replies win the CPU


async def test_a_dead_export_process_tells_the_admin_and_the_next_export_works(
        engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    async with bot_uji(engine) as b:
        tg = await demo_tg(engine, "admin")
        monkeypatch.setattr(h_ekspor, "KERJA", _mati)
        out = await _ekspor(b, tg, "tahapan", "csv")
        assert out[-1].kind == "text" and out[-1].content.startswith("Maaf, ekspor Tahapan pemutakhiran terhenti")
        assert re.search(r"Kode: [0-9A-F]{6}$", out[-1].content)
        assert h_ekspor._berjalan == set() and proses._kolam is None
        async with engine.connect() as conn:
            assert await audit.recent(conn, entity="dataset", limit=1) == []  # nothing was sent
        monkeypatch.setattr(h_ekspor, "KERJA", ekspor.jalankan_tugas)
        out = await _ekspor(b, tg, "tahapan", "csv")  # a fresh pool
        assert out[-1].kind == "document" and (out[-1].document or b"").count(b"\r\n") == 201
        assert b.api.unanswered_callbacks() == []


def _berakhir(pid: int | None, batas_s: float = 15.0) -> bool:
    """Whether the process ended within the time: gone, or a zombie. Not Process.is_alive(): the pool's own
    thread may reap the process first, and is_alive() then says True for ever."""
    assert pid is not None
    akhir = time.monotonic() + batas_s
    while time.monotonic() < akhir:
        try:
            os.kill(pid, 0)
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return True
        except (ProcessLookupError, FileNotFoundError):
            return True
        time.sleep(0.05)
    return False


async def test_a_hung_export_is_stopped_and_the_admin_told(engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    async with bot_uji(engine) as b:
        tg = await demo_tg(engine, "admin")
        proses.panaskan()
        kolam = proses._kolam
        assert kolam is not None
        kolam.submit(int).result(timeout=60)  # its process is up: the limit below counts the export only
        anak = list(kolam._processes.values())
        assert anak
        monkeypatch.setattr(h_ekspor, "KERJA", _macet)
        monkeypatch.setattr(h_ekspor, "BATAS_WAKTU", 1.0)
        out = await _ekspor(b, tg, "tps", "xlsx")
        assert out[-1].kind == "text" and out[-1].content.startswith("Maaf, ekspor TPS terlalu lama dan dihentikan")
        assert h_ekspor._berjalan == set() and proses._kolam is None
        for p_ in anak:  # killed, not left running the hung export
            assert _berakhir(p_.pid), p_.pid
        monkeypatch.setattr(h_ekspor, "KERJA", ekspor.jalankan_tugas)
        monkeypatch.setattr(h_ekspor, "BATAS_WAKTU", 60.0)
        out = await _ekspor(b, tg, "tahapan", "bom")
        assert out[-1].kind == "document" and (out[-1].document or b"").startswith("\ufeffTahun".encode())


async def test_an_export_error_in_its_process_reaches_the_admin(engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch,
                                                                caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(h_ekspor, "KERJA", _db_hilang)
    async with bot_uji(engine) as b:
        tg = await demo_tg(engine, "admin")
        out = await _ekspor(b, tg, "tps", "csv")
        assert out[-1].kind == "text" and out[-1].content.startswith("Maaf, ekspor TPS gagal. Coba lagi")
        kode = out[-1].content.rsplit(" ", 1)[-1]
        assert any(kode in r.getMessage() and "Traceback" in r.getMessage() for r in caplog.records)
        assert h_ekspor._berjalan == set() and proses._kolam is not None  # the pool itself is fine


async def test_capaian_shows_notes_and_demo_marks(engine: AsyncEngine) -> None:
    """/capaian shows the notes recorded on indicators in Indonesian, and marks demo figures with the footer."""
    from domain.tanda import KETERANGAN_DEMO

    async with bot_uji(engine) as b:
        tg = await demo_tg(engine, "pimpinan")
        text = (await b.kirim(tg, "/capaian 2024"))[-1].content
        assert "catatan: 2024: audit BPK masih berlangsung saat laporan ditulis" in text
        assert "catatan: Target Renstra 2024 adalah 80" in text and "Can be computed" not in text
        baris = text.split("\n")
        ik1 = baris[baris.index(next(x for x in baris if " IK1 " in x)) + 1]
        assert "*" not in ik1  # from the source
        ik4 = baris[baris.index(next(x for x in baris if " IK4 " in x)) + 1]
        assert "realisasi 100 %*" in ik4  # computed from the demo's completion dates (2024 is open here)
        assert text.endswith(KETERANGAN_DEMO)
        admin = await demo_tg(engine, "admin")
        text = (await b.kirim(admin, "/capaian 2024 BTENG"))[-1].content
        assert "target 100 %*" in text and KETERANGAN_DEMO in text
        assert "catatan: Mendukung IKU KPU:" in text  # shortened with the names: too long for one message


async def test_pemutakhiran_marks_demo_completions(engine: AsyncEngine) -> None:
    from domain.tanda import KETERANGAN_DEMO

    async with bot_uji(engine) as b:
        out = await b.kirim(await demo_tg(engine, "pimpinan"), "/pemutakhiran 2024")
        text = out[-1].content
        assert "Penerimaan DP4*" in text and text.endswith(KETERANGAN_DEMO)
        # a completion reported by an operator is not demo data: the stage loses its mark
        async with engine.begin() as conn:
            stage = (await conn.execute(sa.select(t.voter_stages.c.id).where(t.voter_stages.c.tahun == 2024,
                                                                            t.voter_stages.c.no == 1))).scalar_one()
            ada = (await conn.execute(sa.select(t.stage_completions).where(
                t.stage_completions.c.stage_id == stage))).all()
            await conn.execute(t.stage_completions.insert(), [
                {"stage_id": stage, "unit_id": r.unit_id, "versi": r.versi + 1, "selesai_pada": r.selesai_pada,
                 "sumber": "bot", "created_at": r.created_at, "catatan": "Koreksi: tanggal dari berita acara"}
                for r in ada])
        grafik.kosongkan_cache()
        text = (await b.kirim(await demo_tg(engine, "pimpinan"), "/pemutakhiran 2024"))[-1].content
        assert "Penerimaan DP4*" not in text and "Sinkronisasi oleh KPU*" in text


async def test_an_export_process_that_died_while_idle_does_not_block_the_next_exports(
        engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        tg = await demo_tg(engine, "admin")
        proses.hentikan()
        kolam = proses.kolam()
        kolam.submit(int).result(timeout=60)
        for p_ in list(kolam._processes.values()):
            p_.kill()  # killed between two exports (out of memory, an operator's kill)
            p_.join(10)
        out = await _ekspor(b, tg, "tahapan", "csv")
        if out[-1].kind == "text":  # the executor may notice the death only when the job is refused
            assert out[-1].content.startswith("Maaf, ekspor Tahapan pemutakhiran terhenti")
            out = await _ekspor(b, tg, "tahapan", "csv")
        assert out[-1].kind == "document" and (out[-1].document or b"").count(b"\r\n") == 201
        assert h_ekspor._berjalan == set()
