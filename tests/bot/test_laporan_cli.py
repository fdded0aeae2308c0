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
