"""/realisasi end to end through the real Application: report, evidence, verification, corrections, wrong input."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.kinerja import DitolakError
from handlers import teks
from storage import audit, kinerja, users
from storage import tables as t
from tests.bot.bantuan_kinerja import (
    baris,
    data_tombol,
    indikator_id,
    kirim_dokumen,
    kirim_foto,
    laporan_json,
    tekan_paksa,
)
from tests.bot.harness import BotUji, bot_uji, demo_tg


async def _sampai_nilai(b: BotUji, op: int, kode: str, periode: str) -> None:
    await b.kirim(op, "/realisasi")
    await b.tekan(op, data_tombol(b, op, f"{kode} ·"))
    await b.tekan(op, f"rl:p:{periode}")


async def _lapor(b: BotUji, op: int, kode: str, periode: str, nilai: str, alasan: str | None = None) -> None:
    """A whole report without evidence, hambatan or upaya."""
    await _sampai_nilai(b, op, kode, periode)
    if alasan is not None:
        assert "Tulis alasan koreksinya" in b.api.last(op).content
        await b.kirim(op, alasan)
    out = await b.kirim(op, nilai)
    assert "Kirim bukti" in out[-1].content, out[-1].content
    await b.tekan(op, "rl:lanjut")
    await b.tekan(op, "rl:lanjut")
    await b.tekan(op, "rl:lanjut")
    assert "Periksa laporan Anda" in b.api.last(op).content
    await b.tekan(op, "rl:kirim")
    assert "tersimpan sebagai versi" in b.api.last(op).content


async def _rows(engine: AsyncEngine, kode: str) -> list[sa.Row]:
    async with engine.connect() as conn:
        return list((await conn.execute(
            sa.select(t.realisations).join(t.indicators, t.indicators.c.id == t.realisations.c.indicator_id)
            .where(t.indicators.c.kode == kode).order_by(t.realisations.c.periode, t.realisations.c.versi))).all())


async def test_report_with_evidence_is_verified_and_reports_follow(
        engine: AsyncEngine, database_url: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    async with bot_uji(engine) as b:
        op, kabag = await demo_tg(engine, "operator-uml"), await demo_tg(engine, "kabag-kul")
        out = await b.kirim(op, "/realisasi")
        text = out[-1].content
        assert "KUL-UML — PK 2024" in text and "KUL-UML-1" in text and "target 100 %" in text
        assert "terakhir: belum ada" in text
        # its own PK first, then its Bagian's (a Sub Bagian reports both), labelled with the Bagian's code
        assert [label.split(" · target")[0] for row in b.api.buttons(op) for label, _ in row] == [
            "KUL-UML-1", "KUL-UML-2", "KUL-UML-3", "KUL · KUL-1", "KUL · KUL-2", "KUL · KUL-3", "KUL · KUL-4"]
        await b.tekan(op, data_tombol(b, op, "KUL-UML-1 ·"))
        last = b.api.last(op)
        assert "Belum ada laporan sebelumnya" in last.content and "Target tahunan: 100 %" in last.content
        labels = [label for row in last.buttons for label, _ in row]
        # the current quarter first (the demo clock says 24 November 2024), then the earlier ones, still open
        assert labels == ["Triwulan IV 2024 (berjalan)", "Triwulan I 2024", "Triwulan II 2024", "Triwulan III 2024"]
        await b.tekan(op, "rl:p:2024-Q3")
        assert "Ketik nilai realisasi KUL-UML-1 untuk Triwulan III 2024 (target 100 %)" in b.api.last(op).content
        out = await b.kirim(op, "95,5 %")
        assert "Kirim bukti" in out[-1].content
        await kirim_dokumen(b, op, "laporan-logistik-tw3.pdf")
        assert "Bukti diterima (1)" in b.api.last(op).content
        await kirim_foto(b, op)
        out = await b.kirim(op, "bukan tautan")
        assert "http://" in out[-1].content
        out = await b.kirim(op, "https://drive.example.go.id/lkj tw3.pdf")  # a space: not one link
        assert "tanpa spasi" in out[-1].content
        out = await b.kirim(op, "https://drive.example.go.id/lkj-tw3.pdf")
        assert "Bukti diterima (3)" in out[-1].content
        await b.tekan(op, "rl:lanjut")
        out = await b.kirim(op, "   ")
        assert "Hambatan masih kosong" in out[-1].content
        out = await b.kirim(op, "Gudang sempit, distribusi bertahap.")
        assert "Upaya" in out[-1].content
        out = await b.kirim(op, "x" * 4000)
        assert "Upaya terlalu panjang (4.000 karakter, paling banyak 1.000)" in out[-1].content
        await b.tekan(op, "rl:lanjut")  # no upaya
        summary = b.api.last(op).content
        assert "Realisasi: 95,5 % (target 100 %)" in summary and "Bukti: 3 (1 dokumen, 1 foto, 1 tautan)" in summary
        assert "Hambatan: Gudang sempit" in summary and "Upaya: –" in summary
        out = await b.kirim(op, "kirim dong")  # text instead of a button
        assert "Tekan salah satu tombol" in out[-1].content
        await b.tekan(op, "rl:kirim")
        assert "KUL-UML-1 Triwulan III 2024 tersimpan sebagai versi 1" in b.api.last(op).content
        assert "Kepala Bagian KUL Demo" in b.api.last(op).content
        # a second tap on Kirim finds the keyboard gone: nothing is stored twice
        assert "kedaluwarsa" in (await tekan_paksa(b, op, "rl:kirim") or "")
        rows = await _rows(engine, "KUL-UML-1")
        assert len(rows) == 1 and (rows[0].status, rows[0].nilai, rows[0].versi) == ("diajukan", "95.5", 1)
        assert [x["jenis"] for x in rows[0].bukti] == ["dokumen", "foto", "tautan"]
        assert rows[0].hambatan == "Gudang sempit, distribusi bertahap." and rows[0].upaya is None

        # before verification the reports show nothing verified, and say a value waits
        js = await laporan_json(database_url, monkeypatch, capsys, tmp_path, "capaian", "--unit", "KUL-UML")
        r = baris(js, "KUL-UML-1")
        assert (r["realisasi"], r["status"], r["menunggu_verifikasi"], r["realisasi_diajukan"]) == (
            None, "menunggu", True, "95.5")

        assert await b.kirim_outbox() == 1  # the submission reaches the head through the outbox
        msg = b.api.last(kabag)
        assert "menunggu verifikasi Anda" in msg.content and "KUL-UML-1" in msg.content and "95,5 %" in msg.content
        assert "laporan-logistik-tw3.pdf" in msg.content and "https://drive.example.go.id/lkj-tw3.pdf" in msg.content
        assert [d for row in msg.buttons for _, d in row] == [f"vf:ok:{rows[0].id}", f"vf:kb:{rows[0].id}"]
        await b.tekan(kabag, f"vf:ok:{rows[0].id}")
        assert "→ Disetujui oleh Kepala Bagian KUL Demo" in b.api.last(kabag).content and not b.api.last(kabag).buttons
        assert "sudah diverifikasi" in (await tekan_paksa(b, kabag, f"vf:ok:{rows[0].id}") or "")
        assert await b.kirim_outbox() == 1
        assert "disetujui oleh Kepala Bagian KUL Demo" in b.api.last(op).content

    js = await laporan_json(database_url, monkeypatch, capsys, tmp_path, "capaian", "--unit", "KUL")
    r = baris(js, "KUL-UML-1")  # under KUL-4, its parent in the performance tree
    assert (r["realisasi"], r["capaian_persen"], r["status"], r["terverifikasi"], r["periode_realisasi"]) == (
        "95.5", 95.5, "tidak_tercapai", True, "2024-Q3")
    assert [c["kode"] for c in baris(js, "KUL-4")["anak"]] == ["KUL-UML-1", "KUL-UML-2", "KUL-UML-3"]
    async with engine.connect() as conn:
        log = await audit.recent(conn, entity="realisasi")
    assert [x.action for x in log[:2]] == ["setujui", "lapor"]


async def test_wrong_input_is_refused_and_the_question_stays(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        op = await demo_tg(engine, "operator-uml")
        await b.kirim(op, "/realisasi")
        # another unit's indicator: by a forged button and by its typed code
        other = await indikator_id(engine, "PDI-DATIN-1")
        assert "bukan milik Perjanjian Kinerja unit Anda" in (await tekan_paksa(b, op, f"rl:i:{other}") or "")
        out = await b.kirim(op, "PDI-DATIN-1")
        assert "bukan milik Perjanjian Kinerja unit Anda" in out[-1].content
        out = await b.kirim(op, "KUL-XYZ-9")
        assert "tidak dikenal" in out[-1].content
        # the strategic indicator IK4 (computed) is not the unit's either
        assert "bukan milik" in (await tekan_paksa(b, op, f"rl:i:{await indikator_id(engine, 'IK4')}") or "")
        for forged in ("rl:i:abc", "rl:i", "rl:i:1:2"):
            assert "kedaluwarsa" in (await tekan_paksa(b, op, forged) or "")
        out = await b.kirim(op, "kul-uml-2")  # the code typed, any case
        assert "Pilih periode" in out[-1].content
        for text, expected in [
            ("Triwulan I 2025", "periode di masa depan"),
            ("2024-12", "periode di masa depan"),  # December has not started on 24 November
            ("Oktober 2024", "dilaporkan per triwulan"),
            ("Triwulan II 2023", "di luar tahun Perjanjian Kinerja"),
            ("kapan-kapan", "tidak dikenali"),
            (" ", "belum diisi"),
        ]:
            out = await b.kirim(op, text)
            assert expected in out[-1].content, (text, out[-1].content)
        assert "masa depan" in (await tekan_paksa(b, op, "rl:p:2025-Q1") or "")
        out = await b.kirim(op, "TW III 2024")
        assert "Ketik nilai realisasi KUL-UML-2 untuk Triwulan III 2024" in out[-1].content
        for text, expected in [
            ("WTP", "indikator persentase diisi angka"),  # wrong kind of value for the indicator
            ("B", "indikator persentase diisi angka"),
            ("-5", "tidak boleh negatif"),
            ("1e5", "diisi angka"),
            ("１２", "angka biasa 0–9"),
            ("2000 %", "tidak masuk akal"),
            ("1.234,5,6", "Silakan coba lagi"),
            ("9" * 40, "terlalu panjang"),
        ]:
            out = await b.kirim(op, text)
            assert expected in out[-1].content, (text, out[-1].content)
        out = await b.kirim(op, "Proses")  # pending is a value of its own
        assert "Kirim bukti" in out[-1].content
        out = await b.kirim(op, "/batal")
        assert "Dibatalkan" in out[-1].content
        assert "kedaluwarsa" in (await tekan_paksa(b, op, "rl:lanjut") or "")
    assert await _rows(engine, "KUL-UML-2") == []


async def test_closed_period_and_unit_without_pk(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        async with engine.begin() as conn:
            closed = await kinerja.set_period_closed(conn, "TW I 2024", tutup=True, actor="uji", now=b.jam.now)
        assert closed == ["2024-Q1"]
        op = await demo_tg(engine, "operator-uml")
        await b.kirim(op, "/realisasi")
        await b.tekan(op, data_tombol(b, op, "KUL-UML-3 ·"))
        assert "Triwulan I 2024" not in [label for row in b.api.buttons(op) for label, _ in row]
        out = await b.kirim(op, "2024-Q1")
        assert "sudah ditutup admin" in out[-1].content
        kota = await demo_tg(engine, "operator-kota")  # KPU Kota Bengkulu has no PK in the demo
        out = await b.kirim(kota, "/realisasi")
        assert "belum memiliki Perjanjian Kinerja tahun 2024" in out[-1].content


async def test_correction_is_a_new_version_with_history(engine: AsyncEngine, database_url: str,
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    async with bot_uji(engine) as b:
        op, kabag = await demo_tg(engine, "operator-uml"), await demo_tg(engine, "kabag-kul")
        await _lapor(b, op, "KUL-UML-3", "2024-Q3", "80")
        await b.kirim_outbox()
        await b.tekan(kabag, data_tombol(b, kabag, "✅ Setujui"))
        await _sampai_nilai(b, op, "KUL-UML-3", "2024-Q3")
        text = b.api.last(op).content
        assert "sudah dilaporkan: versi 1, 80 % (disetujui)" in text and "versi 2 (koreksi)" in text
        out = await b.kirim(op, "x")
        assert "terlalu singkat" in out[-1].content
        await b.kirim(op, "Salah hitung dokumen yang diterima")
        out = await b.kirim(op, "90")
        assert "Kirim bukti" in out[-1].content
        for _ in range(3):
            await b.tekan(op, "rl:lanjut")
        assert "Koreksi, alasan: Salah hitung" in b.api.last(op).content
        await b.tekan(op, "rl:kirim")
        assert "versi 2" in b.api.last(op).content
        js = await laporan_json(database_url, monkeypatch, capsys, tmp_path, "capaian", "--unit", "KUL-UML")
        r = baris(js, "KUL-UML-3")  # the verified version stands until the correction is verified
        assert (r["realisasi"], r["menunggu_verifikasi"], r["realisasi_diajukan"]) == ("80", True, "90")
        await b.kirim_outbox()
        assert "Versi: 2" in b.api.last(kabag).content and "Salah hitung" in b.api.last(kabag).content
        await b.tekan(kabag, data_tombol(b, kabag, "✅ Setujui"))
        await b.kirim(op, "/realisasi")
        assert "terakhir: 90 % (Triwulan III 2024, disetujui)" in b.api.last(op).content
        await b.tekan(op, data_tombol(b, op, "KUL-UML-3 ·"))
        hist = b.api.last(op).content
        assert "Triwulan III 2024 · versi 1 · 80 % · disetujui" in hist
        assert "Triwulan III 2024 · versi 2 · 90 % · disetujui — koreksi: Salah hitung" in hist
    rows = await _rows(engine, "KUL-UML-3")
    assert [(r.versi, r.nilai, r.status, r.alasan_koreksi) for r in rows] == [
        (1, "80", "disetujui", None), (2, "90", "disetujui", "Salah hitung dokumen yang diterima")]
    js = await laporan_json(database_url, monkeypatch, capsys, tmp_path, "capaian", "--unit", "KUL-UML")
    r = baris(js, "KUL-UML-3")
    assert (r["realisasi"], r["capaian_persen"], r["menunggu_verifikasi"]) == ("90", 90.0, False)


async def test_a_restart_mid_flow_loses_nothing_and_callbacks_are_answered_once(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        op = await demo_tg(engine, "operator-uml")
        await _sampai_nilai(b, op, "KUL-UML-1", "2024-Q2")
        out = await b.kirim(op, "97")
        assert "Kirim bukti" in out[-1].content
        await b.tekan(op, "rl:lanjut")
        assert b.api.unanswered_callbacks() == []
        assert all(n == 1 for n in b.api.callback_answer_counts.values())
        api = b.api
    async with bot_uji(engine, api=api) as b:  # the same chat, a new process
        out = await b.kirim(op, "Pengiriman tertunda hujan")
        assert "Upaya" in out[-1].content
        await b.tekan(op, "rl:lanjut")
        assert "Realisasi: 97 %" in b.api.last(op).content
        await b.tekan(op, "rl:kirim")
        # starting another flow in the middle replaces the first one instead of leaving both open
        await _sampai_nilai(b, op, "KUL-UML-1", "2024-Q1")
        out = await b.kirim(op, "/rencana")
        assert "Rencana aksi KUL-UML" in out[-1].content
        out = await b.kirim(op, "50")  # not taken as the realisation value of the abandoned flow
        assert "Kirim bukti" not in out[-1].content
    rows = await _rows(engine, "KUL-UML-1")
    assert [(r.periode, r.nilai, r.hambatan) for r in rows] == [("2024-Q2", "97", "Pengiriman tertunda hujan")]


async def test_late_report_for_last_year_in_january(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        b.jam.now = datetime(2025, 1, 10, 2, 0, tzinfo=UTC)
        op = await demo_tg(engine, "operator-uml")
        # No PK 2025 yet and 2024 not closed: January's /realisasi is 2024's, without typing the year.
        out = await b.kirim(op, "/realisasi")
        assert "PK 2024" in out[-1].content
        for arg in ("2099", "abc", "24", "٢٠٢٤"):  # not a past year: as without one
            out = await b.kirim(op, f"/realisasi {arg}")
            assert "PK 2024" in out[-1].content, arg
        out = await b.kirim(op, "/realisasi 2025")
        assert "belum memiliki Perjanjian Kinerja tahun 2025" in out[-1].content
        assert "/realisasi 2024" in out[-1].content
        out = await b.kirim(op, "/realisasi 2024")
        assert "PK 2024" in out[-1].content
        await b.tekan(op, data_tombol(b, op, "KUL-UML-1 ·"))
        assert [label for row in b.api.buttons(op) for label, _ in row] == [
            "Triwulan IV 2024", "Triwulan I 2024", "Triwulan II 2024", "Triwulan III 2024"]
        await b.tekan(op, "rl:p:2024-Q4")
        await b.kirim(op, "100")
        for _ in range(3):
            await b.tekan(op, "rl:lanjut")
        await b.tekan(op, "rl:kirim")
        assert "Triwulan IV 2024 tersimpan sebagai versi 1" in b.api.last(op).content
    assert [(r.tahun, r.periode) for r in await _rows(engine, "KUL-UML-1")] == [(2024, "2024-Q4")]


# --- a Sub Bagian reports its Bagian's PK too (the reporting scope /anggaran_lapor and /rencana use) -----------


async def test_a_sub_bagian_reports_its_bagians_indicator_to_the_kepala_bagian(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        op, kabag = await demo_tg(engine, "operator-uml"), await demo_tg(engine, "kabag-kul")
        out = await b.kirim(op, "/realisasi")
        text = out[-1].content
        assert text.startswith("Realisasi indikator kinerja KUL-UML — PK 2024 yang berlaku:")
        assert ("Juga Anda laporkan: indikator kinerja KUL (Bagian Keuangan, Umum dan Logistik) — PK 2024 yang "
                "berlaku:") in text
        assert "TPH-1" not in text and "PDI-1" not in text
        await b.tekan(op, data_tombol(b, op, "KUL · KUL-1 ·"))
        text = b.api.last(op).content
        assert text.startswith("KUL-1  ") and "Perjanjian Kinerja Bagian Keuangan, Umum dan Logistik (KUL)" in text
        await b.tekan(op, "rl:p:2024-Q3")
        out = await b.kirim(op, "100")
        assert "Kirim bukti" in out[-1].content
        for _ in range(3):
            await b.tekan(op, "rl:lanjut")
        await b.tekan(op, "rl:kirim")
        text = b.api.last(op).content
        assert "Laporan KUL-1 Triwulan III 2024 tersimpan sebagai versi 1" in text and "Kepala Bagian KUL Demo" in text
        assert await b.kirim_outbox() == 1  # to the head of the indicator's unit: the Kepala Bagian
        msg = b.api.last(kabag)
        assert "Unit: Bagian Keuangan, Umum dan Logistik (KUL)\nIndikator: KUL-1" in msg.content
        assert "Pelapor: Operator Demo Sub Bagian Umum dan Logistik (KUL-UML)" in msg.content
        rows = await _rows(engine, "KUL-1")
        await b.tekan(kabag, f"vf:ok:{rows[0].id}")
        assert "→ Disetujui oleh Kepala Bagian KUL Demo" in b.api.last(kabag).content
        assert await b.kirim_outbox() == 1
        assert "Laporan KUL-1 Triwulan III 2024 (100 %, versi 1) disetujui" in b.api.last(op).content
    rows = await _rows(engine, "KUL-1")
    assert [(r.periode, r.nilai, r.status, r.sumber) for r in rows] == [("2024-Q3", "100", "disetujui", "bot")]
    async with engine.connect() as conn:
        log = await audit.recent(conn, entity="realisasi", limit=2)
    assert [x.action for x in log] == ["setujui", "lapor"]


async def test_a_sub_bagian_cannot_report_another_bagians_indicators(engine: AsyncEngine) -> None:
    tph1 = await indikator_id(engine, "TPH-1")
    async with bot_uji(engine) as b:
        op = await demo_tg(engine, "operator-uml")
        await b.kirim(op, "/realisasi")
        assert not any("TPH" in label for row in b.api.buttons(op) for label, _ in row)
        out = await b.kirim(op, "TPH-1")  # typed
        assert "bukan milik Perjanjian Kinerja unit Anda" in out[-1].content
        assert "bukan milik" in (await tekan_paksa(b, op, f"rl:i:{tph1}") or "")  # forged button
        await b.kirim(op, "/batal")
        assert "bukan milik" in (await tekan_paksa(b, op, "rl:mulai:TPH-1:2024-Q3") or "")  # a reminder's button
        assert (await b.kirim(op, "100"))[-1].content == teks.BUKAN_PERINTAH  # no flow was started
        # the province's data section reports its own Bagian (PDI), not KUL
        datin = await demo_tg(engine, "operator")
        await b.kirim(datin, "/realisasi")
        labels = [label.split(" · target")[0] for row in b.api.buttons(datin) for label, _ in row]
        assert labels == ["PDI-DATIN-1", "PDI-DATIN-2", "PDI · PDI-1", "PDI · PDI-2", "PDI · PDI-3"]
        assert "bukan milik" in (await b.kirim(datin, "KUL-1"))[-1].content
    assert await _rows(engine, "TPH-1") == [] and await _rows(engine, "KUL-1") == []
    async with engine.begin() as conn:  # the storage operation checks the same rule
        author = await users.by_telegram_id(conn, await demo_tg(engine, "operator-uml"))
        assert author is not None
        with pytest.raises(DitolakError, match="bukan milik"):
            await kinerja.submit(conn, author=author, indicator_id=tph1, tahun=2024, periode="2024-Q3", nilai="100",
                                 bukti=[], hambatan=None, upaya=None, alasan_koreksi=None, today=date(2024, 11, 24),
                                 now=datetime(2024, 11, 24, 1, tzinfo=UTC))
        scope = {u.code: [i.kode for i, _ in pk] for u, pk in await kinerja.reportable_pks(
            conn, author.unit_id or 0, 2024)}
    assert scope == {"KUL-UML": ["KUL-UML-1", "KUL-UML-2", "KUL-UML-3"], "KUL": ["KUL-1", "KUL-2", "KUL-3", "KUL-4"]}
