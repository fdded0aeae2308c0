"""/anggaran_lapor end to end: cumulative spending per output, pagu and order checks, corrections, the report."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import audit
from storage import tables as t
from tests.bot.bantuan_kinerja import laporan_json, tekan_paksa
from tests.bot.harness import BotUji, bot_uji, demo_tg


async def _line_id(engine: AsyncEngine, kode: str) -> int:
    async with engine.connect() as conn:
        return (await conn.execute(sa.select(t.budget_lines.c.id).where(t.budget_lines.c.kode == kode))).scalar_one()


async def _mulai(b: BotUji, op: int, line_id: int, bulan: str) -> None:
    await b.kirim(op, "/anggaran_lapor")
    await b.tekan(op, f"al:m:{line_id}")
    await b.tekan(op, f"al:p:{bulan}")


async def _kirim(b: BotUji, op: int) -> str:
    """Kirim on the summary the flow shows last; returns the receipt."""
    assert (b.api.last(op).content or "").startswith("Ringkasan laporan Anda:")
    assert [d for row in b.api.last(op).buttons for _, d in row] == ["al:kirim", "al:ubah", "al:batal"]
    await b.tekan(op, "al:kirim")
    return b.api.last(op).content or ""


async def test_spending_flow_with_pagu_order_and_corrections(engine: AsyncEngine, database_url: str,
                                                             monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str],
                                                             tmp_path: Path) -> None:
    line = await _line_id(engine, "6871.QGE.001")  # pagu Rp20.208.000, KUL's output reported by KUL-UML
    async with bot_uji(engine) as b:
        op = await demo_tg(engine, "operator-uml")
        out = await b.kirim(op, "/anggaran_lapor")
        text = out[-1].content
        assert "6871.QGE.001" in text and "pagu Rp20.208.000" in text and "3355.EBA.994" in text
        assert "6709" not in text  # another Bagian's outputs are not offered
        other = await _line_id(engine, "6709.QGE.001")
        assert "bukan milik unit Anda" in (await tekan_paksa(b, op, f"al:m:{other}") or "")
        await b.tekan(op, f"al:m:{line}")
        labels = [label for row in b.api.buttons(op) for label, _ in row]
        assert labels[0] == "Jan" and labels[-1] == "Nov (berjalan)" and len(labels) == 11
        for text, expected in [("Desember 2024", "masa depan"), ("Triwulan III 2024", "per bulan"),
                               ("Maret 2023", "di luar tahun"), ("bulan depan", "tidak dikenali")]:
            out = await b.kirim(op, text)
            assert expected in out[-1].content, text
        out = await b.kirim(op, "September 2024")
        assert "KUMULATIF 6871.QGE.001 sampai akhir September 2024" in out[-1].content
        for text, expected in [
            ("Rp 25.000.000", "melebihi pagu Rp20.208.000"),  # over pagu: refused with the reason
            ("20.208.001", "melebihi pagu"),
            ("dua juta", "bukan angka"),
            ("-5.000", "tidak boleh negatif"),
            ("1.500.000,50", "harus bulat"),
            ("1,5 triliun", "melebihi pagu"),
            ("", "Nominal belum diisi"),
        ]:
            out = await b.kirim(op, text or " ")
            assert expected in out[-1].content, (text, out[-1].content)
        await b.kirim(op, "1,5 juta")
        tanda = await _kirim(b, op)
        assert "Tersimpan (versi 1): realisasi 6871.QGE.001 s.d. September 2024 Rp1.500.000 dari pagu " \
               "Rp20.208.000" in tanda
        assert "Penyerapan 7,42 %; sisa pagu Rp18.708.000" in tanda
        # October lower than September: refused unless marked as a correction with a reason
        await _mulai(b, op, line, "2024-M10")
        assert "Kumulatif s.d. September 2024: Rp1.500.000" in b.api.last(op).content
        out = await b.kirim(op, "Rp1.000.000")
        assert "lebih kecil dari realisasi kumulatif s.d. September 2024" in out[-1].content
        assert [d for row in out[-1].buttons for _, d in row] == ["al:kor"]
        await b.kirim(op, "Rp 2.000.000")  # or simply another amount
        tanda = await _kirim(b, op)
        assert "Tersimpan (versi 1)" in tanda and "9,90 %" in tanda
        # September raised above October's figure: only as a correction
        await _mulai(b, op, line, "2024-M09")
        assert "sudah dilaporkan: Rp1.500.000 (versi 1)" in b.api.last(op).content
        out = await b.kirim(op, "2.500.000")
        assert "alasan koreksinya" in out[-1].content
        out = await b.kirim(op, "SP2D")
        assert "terlalu singkat" in out[-1].content
        out = await b.kirim(op, "SP2D tanggal 30 September tercatat terlambat")
        assert "Koreksi, alasan: SP2D tanggal 30 September tercatat terlambat" in out[-1].content
        assert "Tersimpan (versi 2)" in await _kirim(b, op)
        # a lower October figure, this time marked as a correction
        await _mulai(b, op, line, "2024-M11")
        out = await b.kirim(op, "1.800.000")
        assert "lebih kecil" in out[-1].content
        await b.tekan(op, "al:kor")
        await b.kirim(op, "Pengembalian belanja ke kas negara")
        tanda = await _kirim(b, op)
        assert "Tersimpan (versi 1)" in tanda and "8,91 %" in tanda
        assert "kedaluwarsa" in (await tekan_paksa(b, op, "al:kor") or "")  # the flow is over
    async with engine.connect() as conn:
        br = t.budget_realisations
        rows = (await conn.execute(sa.select(br).where(br.c.budget_line_id == line).order_by(br.c.id))).all()
        log = await audit.recent(conn, entity="realisasi_anggaran")
    assert [(r.periode, r.versi, r.jumlah, r.catatan) for r in rows] == [
        ("2024-M09", 1, 1_500_000, None), ("2024-M10", 1, 2_000_000, None),
        ("2024-M09", 2, 2_500_000, "Koreksi: SP2D tanggal 30 September tercatat terlambat"),
        ("2024-M11", 1, 1_800_000, "Koreksi: Pengembalian belanja ke kas negara")]
    assert [x.action for x in log] == ["koreksi", "koreksi", "lapor", "lapor"]
    js = await laporan_json(database_url, monkeypatch, capsys, tmp_path, "anggaran", "--year", "2024")
    out_row = next(o for o in js["output"] if o["kode"] == "6871.QGE.001")
    assert (out_row["realisasi"], out_row["pagu"], out_row["penyerapan_persen"]) == (1_800_000, 20_208_000, 8.91)
    assert (js["pagu"], js["realisasi"], js["penyerapan_persen"]) == (142_297_821_000, 128_414_940_749, 90.24)


async def test_unit_without_outputs_and_double_taps(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        kota = await demo_tg(engine, "operator-kota")
        out = await b.kirim(kota, "/anggaran_lapor")
        assert "Belum ada mata anggaran (output) tahun 2024 untuk unit KAB-1771" in out[-1].content
        op = await demo_tg(engine, "operator")  # PDI-DATIN reports the outputs of its Bagian PDI
        out = await b.kirim(op, "/anggaran_lapor")
        assert "6709.QGE.001" in out[-1].content and "6871" not in out[-1].content
        line = await _line_id(engine, "6709.RAN.001")
        await b.tekan(op, f"al:m:{line}")
        msg_id = b.api.messages(op)[-2].message_id  # the list, whose keyboard is closed now
        await b.api.press(op, msg_id, f"al:m:{line}")
        await b.app.process_update(b.api.pending_updates()[-1].to_update(b.app.bot))
        assert b.api.unanswered_callbacks() == []
        for forged in ("al:p:2024-M13", "al:p:", "al:x:1"):
            await tekan_paksa(b, op, forged)
        assert b.api.unanswered_callbacks() == []


async def _jumlah_realisasi(engine: AsyncEngine, line: int) -> list[tuple[str, int, int]]:
    br = t.budget_realisations
    async with engine.connect() as conn:
        rows = (await conn.execute(sa.select(br.c.periode, br.c.versi, br.c.jumlah)
                                   .where(br.c.budget_line_id == line).order_by(br.c.id))).all()
    return [tuple(r) for r in rows]


async def test_summary_before_saving_kirim_ubah_batal(engine: AsyncEngine) -> None:
    line = await _line_id(engine, "6871.QGE.001")
    async with bot_uji(engine) as b:
        op = await demo_tg(engine, "operator-uml")
        await _mulai(b, op, line, "2024-M09")
        out = await b.kirim(op, "1,5 juta")
        assert out[-1].content == (
            "Ringkasan laporan Anda:\nOutput: 6871.QGE.001  " + out[-1].content.split("  ", 1)[1].split("\n")[0]
            + "\nBulan: s.d. September 2024\nRealisasi kumulatif: Rp1.500.000 dari pagu Rp20.208.000\n"
            "Penyerapan: 7,42 %; sisa pagu Rp18.708.000\n\n"
            "Tekan Kirim untuk menyimpan, Ubah untuk mengetik jumlah lain, atau Batal.")
        assert await _jumlah_realisasi(engine, line) == []  # nothing saved before Kirim
        out = await b.kirim(op, "2 juta")  # typing while the summary waits: the buttons are pointed at
        assert "Tekan salah satu tombol" in out[-1].content
        # Ubah: back to the amount, the output and month kept
        await b.tekan(op, "al:ubah")
        assert (b.api.last(op).content or "").startswith("Ketik realisasi KUMULATIF 6871.QGE.001 sampai akhir "
                                                         "September 2024")
        assert "kedaluwarsa" in (await tekan_paksa(b, op, "al:kirim") or "")  # the old summary's Kirim: refused
        assert await _jumlah_realisasi(engine, line) == []
        await b.kirim(op, "1.750.000")
        assert "Rp1.750.000" in (b.api.last(op).content or "")
        # Kirim tapped twice on the same message: saved once
        ringkasan = b.api.last(op).message_id
        await b.tekan(op, "al:kirim", message_id=ringkasan)
        assert "Tersimpan (versi 1)" in (b.api.last(op).content or "")
        await b.api.press(op, ringkasan, "al:kirim")  # the second tap on the same summary
        await b.app.process_update(b.api.pending_updates()[-1].to_update(b.app.bot))
        assert "kedaluwarsa" in (b.api.callback_answers[-1].text or "")
        assert await _jumlah_realisasi(engine, line) == [("2024-M09", 1, 1_750_000)]
        # Batal on the summary: nothing saved, the flow over
        await _mulai(b, op, line, "2024-M10")
        await b.kirim(op, "2 juta")
        await b.tekan(op, "al:batal")
        assert "dibatalkan" in (b.api.last(op).content or "").lower()
        assert "kedaluwarsa" in (await tekan_paksa(b, op, "al:kirim") or "")
        assert "kedaluwarsa" in (await tekan_paksa(b, op, "al:ubah") or "")
        assert await _jumlah_realisasi(engine, line) == [("2024-M09", 1, 1_750_000)]
        assert b.api.unanswered_callbacks() == []
