"""`pantau export`, `pantau report … --format xlsx|png` and `pantau report lkj` on the demo."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from pathlib import Path

import openpyxl
import pytest

PNG = b"\x89PNG\r\n\x1a\n"



def test_report_lkj_xlsx_reproduces_tabel_2_3(cli, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    assert cli(["report", "lkj", "--year", "2024", "--format", "xlsx"]) == 0
    assert "Berkas ditulis: pantau-lkj-2024.xlsx" in capsys.readouterr().out
    wb = openpyxl.load_workbook(tmp_path / "pantau-lkj-2024.xlsx")
    assert [wb["Tabel 2.3"][f"{c}6"].value for c in "CDEF"] == ["Jumlah", 142_297_821_000, 128_414_940_749, 90.24]
    assert cli(["report", "lkj", "--format", "json"]) == 0
    js = json.loads(capsys.readouterr().out)
    assert js["efisiensi"]["rasio"] == "1 : 1,1" and js["renstra"]["capaian_persen"] == 99.84
    assert cli(["report", "lkj", "--format", "text"]) == 2
    assert "--format xlsx" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["capaian", "anggaran", "pemutakhiran", "logistik"])
def test_report_png(cli, tmp_path: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    assert cli(["report", name, "--format", "png", "--output", "grafik.png"]) == 0
    assert (tmp_path / "grafik.png").read_bytes().startswith(PNG)


def test_report_xlsx_and_unknown_png(cli, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    for name in ("capaian", "anggaran", "logistik", "pemutakhiran", "rencana-aksi"):
        assert cli(["report", name, "--format", "xlsx", "-o", f"{name}.xlsx"]) == 0, name
        assert openpyxl.load_workbook(tmp_path / f"{name}.xlsx").worksheets[0].max_row > 3
    assert cli(["report", "capaian", "--unit", "KUL", "--format", "xlsx", "-o", "kul.xlsx"]) == 0
    ws = openpyxl.load_workbook(tmp_path / "kul.xlsx")["Tabel 3.2"]
    assert ws["A1"].value == "Tabel 3.2 Capaian kinerja tahun 2024 — Bagian Keuangan, Umum dan Logistik (KUL)"
    capsys.readouterr()
    assert cli(["report", "rencana-aksi", "--format", "png"]) == 2
    assert "Grafik PNG tersedia untuk" in capsys.readouterr().err


def test_export_csv_to_stdout_and_xlsx_to_file(cli, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    assert cli(["export", "tps", "--limit", "2", "--bom"]) == 0
    out = capsys.readouterr().out
    rows = list(csv.reader(io.StringIO(out.lstrip("\ufeff"))))
    assert out.startswith("\ufeff") and rows[0][0] == "Kode TPS" and len(rows) == 3
    assert cli(["export", "realisasi", "--format", "xlsx"]) == 0
    msg = capsys.readouterr().out
    assert msg.startswith("Realisasi kinerja: 36 baris ditulis ke pantau-realisasi-")
    path = next(tmp_path.glob("pantau-realisasi-*.xlsx"))
    assert openpyxl.load_workbook(path).worksheets[0]["A4"].value == "Kode indikator"
    assert cli(["export", "anggaran", "--output", "a.csv"]) == 0
    assert (tmp_path / "a.csv").read_text(encoding="utf-8").startswith("Tahun,Tingkat,Kode")
    assert cli(["export", "tps", "--limit", "-1"]) == 2
    with pytest.raises(SystemExit):
        cli(["export", "rahasia"])


def _ekspor_tercatat(database_url: str) -> list[tuple[str | None, int | None, dict[str, object]]]:
    from storage import audit
    from storage.db import create_engine

    async def baca() -> list[tuple[str | None, int | None, dict[str, object]]]:
        engine = create_engine(database_url)
        try:
            async with engine.connect() as conn:
                log = await audit.recent(conn, entity="dataset")
        finally:
            await engine.dispose()
        return [(r.actor, r.actor_id, r.new) for r in reversed(log) if r.action == "ekspor"]

    return asyncio.run(baca())


def test_cli_exports_are_audited_with_rows_and_filters(cli, database_url: str,  # type: ignore[no-untyped-def]
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["export", "tps", "--limit", "7"]) == 0
    assert cli(["export", "realisasi", "--format", "xlsx", "-o", "r.xlsx"]) == 0
    assert cli(["report", "capaian", "--unit", "KUL", "--format", "xlsx", "-o", "kul.xlsx"]) == 0
    capsys.readouterr()
    tps, realisasi, kul = _ekspor_tercatat(database_url)
    assert tps == ("cli", None, {"dataset": "tps", "format": "csv", "saringan": {"limit": 7}, "baris": 7,
                                 "lewat": "cli", "selesai": True, "berkas": "-"})
    assert realisasi[2]["baris"] == 36 and realisasi[2]["saringan"] == {} and realisasi[2]["berkas"] == "r.xlsx"
    assert kul[2]["dataset"] == "laporan-capaian" and kul[2]["saringan"] == {"unit": "KUL"}
    assert isinstance(kul[2]["baris"], int) and kul[2]["baris"] > 0



def test_tps_lists_and_report_charts_and_data_are_audited(cli, database_url: str,  # type: ignore[no-untyped-def]
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """`tps list --format csv|json`, `report --format png` and a report's CSV/JSON are exports too."""
    assert cli(["tps", "list", "--kabkota", "KAB-1771", "--limit", "5", "--format", "csv"]) == 0
    assert cli(["tps", "list", "--sulit", "--format", "json"]) == 0
    capsys.readouterr()
    assert cli(["report", "logistik", "--format", "png", "-o", "g.png"]) == 0
    capsys.readouterr()
    assert cli(["report", "capaian", "--year", "2024", "--format", "csv"]) == 0
    baris_capaian = len([r for r in csv.reader(io.StringIO(capsys.readouterr().out)) if r]) - 1
    assert cli(["tps", "list", "--limit", "3"]) == 0  # text on the terminal: a look, not an export
    assert cli(["report", "capaian", "--year", "2024"]) == 0
    catatan = _ekspor_tercatat(database_url)
    assert [(r[0], r[2]["dataset"], r[2]["format"], r[2]["saringan"], r[2]["lewat"], r[2]["berkas"])
            for r in catatan] == [
        ("cli", "tps", "csv", {"kabkota": "KAB-1771", "limit": 5}, "cli", "-"),
        ("cli", "tps", "json", {"sulit": True}, "cli", "-"),
        ("cli", "laporan-logistik", "png", {}, "cli", "g.png"),
        ("cli", "laporan-capaian", "csv", {"year": 2024}, "cli", "-"),
    ]
    baris = [r[2]["baris"] for r in catatan]
    assert baris[0] == 5 and isinstance(baris[1], int) and baris[1] > 0 and isinstance(baris[2], int)
    assert baris[2] > 0 and baris[3] == baris_capaian > 0


def test_report_logistik_shows_boxes_deliveries_and_transport(cli, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    """Tabel 3.13, 3.15 and 3.16 of the LKjIP in `pantau report logistik`: text, JSON, CSV and XLSX."""
    assert cli(["report", "logistik"]) == 0
    out = capsys.readouterr().out
    assert "Bengkulu Utara" in out and "1.006" in out  # 503 TPS × 2 boxes
    assert "Jumlah" in out and "6.904" in out and "3.452" in out
    assert "Surat Suara: 778 kemasan · kirim 14 Oktober 2024 · tiba 16 Oktober 2024 – 18 Oktober 2024 · Truk" in out
    assert any(line.startswith("Mobil Pick Up") and line.split()[-3:] == ["6", "630", "952"]
               for line in out.splitlines())
    assert cli(["report", "logistik", "--format", "json"]) == 0
    ds = json.loads(capsys.readouterr().out)["distribusi"]
    assert (ds["kotak"], ds["kantong"], len(ds["kabkota"]), len(ds["kiriman"]), len(ds["moda"])) == (
        6904, 3452, 10, 13, 11)
    assert cli(["report", "logistik", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    utara = next(r for r in rows if r["kode"] == "KAB-1703")
    assert (utara["bagian"], utara["kotak"], utara["kantong"], utara["kirim_mulai"]) == (
        "kabkota", "1006", "503", "2024-11-19")
    pickup = next(r for r in rows if r["nama"] == "Mobil Pick Up")
    assert (pickup["bagian"], pickup["ke_ppk"], pickup["ke_pps"], pickup["ke_tps"]) == ("moda", "6", "630", "952")
    tinta = next(r for r in rows if r["nama"] == "Tinta")
    assert (tinta["bagian"], tinta["jumlah_kemasan"], tinta["kirim_mulai"]) == (
        "kiriman_penyedia", "143", "2024-09-17")
    assert cli(["report", "logistik", "--format", "xlsx", "-o", "l.xlsx"]) == 0
    wb = openpyxl.load_workbook(tmp_path / "l.xlsx")
    assert {"Tabel 3.13", "Tabel 3.15", "Tabel 3.16"} <= set(wb.sheetnames)
    nilai = [[c for c in r] for r in wb["Tabel 3.15"].iter_rows(values_only=True)]
    assert ["KAB-1703", "KPU Kabupaten Bengkulu Utara", 503, 1006, 503] in [r[:5] for r in nilai]
    assert [None, "Jumlah", 3452, 6904, 3452] in [r[:5] for r in nilai]
    moda = [r for r in wb["Tabel 3.16"].iter_rows(values_only=True)]
    assert (2 + 1, "Mobil Pick Up", 6, 630, 952) in [tuple(r[:5]) for r in moda]
    capsys.readouterr()
    # a kab/kota's report keeps its own boxes but not the organisation's deliveries and transport modes
    assert cli(["report", "logistik", "--unit", "KAB-1703", "--format", "json"]) == 0
    ds = json.loads(capsys.readouterr().out)["distribusi"]
    assert (ds["kotak"], ds["kiriman"], ds["moda"]) == (1006, [], [])


KETERANGAN_DEMO = "Angka bertanda * adalah data demo, bukan dari dokumen sumber."


def test_demo_figures_are_marked_in_capaian_pemutakhiran_and_tps(cli,  # type: ignore[no-untyped-def]
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """Bengkulu Tengah's targets, the stage completion dates and generated TPS are demo data: marked, with the
    footer; figures from the source are not."""
    assert cli(["report", "capaian", "--unit", "BTENG", "--year", "2024"]) == 0
    out = capsys.readouterr().out
    assert "target 100 %* · realisasi –" in out and "target WTP*" in out
    assert out.rstrip().endswith(KETERANGAN_DEMO)
    assert cli(["report", "capaian", "--unit", "BTENG", "--year", "2024", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows and all(r["target_demo"] == "True" and r["realisasi_demo"] == "False" for r in rows)
    # the province's PK targets come from the source: no mark, no footer
    assert cli(["report", "capaian", "--unit", "KUL", "--year", "2024"]) == 0
    out = capsys.readouterr().out
    assert "*" not in out and KETERANGAN_DEMO not in out
    assert cli(["report", "pemutakhiran", "--year", "2024"]) == 0
    out = capsys.readouterr().out
    assert " 1. ✓✓✓✓✓✓✓✓✓✓  Penerimaan DP4* (24 April 2024 – 31 Mei 2024)" in out
    assert out.rstrip().endswith(KETERANGAN_DEMO)
    assert cli(["report", "pemutakhiran", "--year", "2024", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows[0]["selesai_demo"].split() == [f"KAB-17{n:02d}" for n in (1, 2, 3, 4, 5, 6, 7, 8, 9)] + ["KAB-1771"]
    assert cli(["tps", "list", "--limit", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("17.01.01.2001-001*") and lines[0].rstrip().endswith("*")
    assert lines[-1] == KETERANGAN_DEMO


def test_recorded_notes_are_shown_in_indonesian(cli, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    """The source's own contradictions recorded on indicators and budget lines appear beside the figures."""
    assert cli(["report", "capaian", "--year", "2024"]) == 0
    out = capsys.readouterr().out
    assert ("catatan: Target Renstra 2024 adalah 80, target Perjanjian Kinerja 2024 adalah 79; Tabel 3.3 mencetak "
            "target 76/78/79/79 untuk 2021–2024.") in out
    assert "catatan: 2024: audit BPK masih berlangsung" in out
    assert "Can be computed" not in out and "prints" not in out  # internal notes are left out
    assert cli(["report", "capaian", "--year", "2024", "--format", "csv"]) == 0
    rows = {r["kode"]: r["catatan"] for r in csv.DictReader(io.StringIO(capsys.readouterr().out))}
    assert rows["IK3a"].startswith("Laporan tidak konsisten untuk 2024") and rows["IK4"] == rows["IK1"] == ""
    assert cli(["report", "capaian", "--unit", "BTENG", "--year", "2024"]) == 0
    assert "catatan: Polaritas turun (semakin kecil semakin baik) disimpulkan" in capsys.readouterr().out
    assert cli(["report", "anggaran", "--year", "2024"]) == 0
    assert "catatan: Tabel 2.3 LKjIP; Tabel 3.17 mencetak realisasi Rp9.199.703.967 (99,96 %)." in \
        capsys.readouterr().out
    assert cli(["report", "anggaran", "--year", "2024", "--format", "csv"]) == 0
    rows = {r["kode"]: r["catatan"] for r in csv.DictReader(io.StringIO(capsys.readouterr().out))}
    assert rows["CQ"] == "Tabel 2.3 LKjIP; Tabel 3.17 mencetak realisasi Rp119.173.477.742 (89,54 %)."
