"""Formula neutralising also catches the characters NFKC turns into = + - @ (fullwidth ＝1+1 and friends)."""

from __future__ import annotations

import csv
import io
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from reports.ekspor import BukuKerja, Kolom, PenulisCsv
from reports.tabel import awal_berbahaya, netralkan, write_csv
from storage import users
from tests.admin.bantuan import buat_web, klien, masuk

NFKC = ["＝1+1", "＋62812", "－1+1", "＠SUM(A1)", "﹦1+1", "﹢1", "﹣1", "﹫x", "⁼1", "⁺1", "₌1", "₊1"]
# (superscript ⁻ and subscript ₋ become U+2212, which is not ASCII "-")
AMAN = ["Abc", "É", "漢字", "−1", "'＝1", " ＝1", "１２３", "ｱ"]  # U+2212 minus stays itself under NFKC


def test_every_nfkc_form_is_found() -> None:
    for v in NFKC:
        assert unicodedata.normalize("NFKC", v)[:1] in "=+-@", v
        assert awal_berbahaya(v[:1]) and netralkan(v) == "'" + v
    for v in AMAN:
        assert netralkan(v) == v
    # every character of the BMP whose NFKC form starts dangerously is caught
    for i in range(0x80, 0x10000):
        ch = chr(i)
        assert awal_berbahaya(ch) == (unicodedata.normalize("NFKC", ch)[:1] in "=+-@\t\r"), hex(i)


@pytest.mark.parametrize("kolom", [NFKC, ["Abc", "＝1+1"], ["＝1+1", "Zebra"], ["漢字", "＋1"], ["＝1+1"] * 3])
def test_csv_writer_neutralises_whole_columns(kolom: list[str]) -> None:
    buf = io.StringIO()
    w = PenulisCsv(buf, [Kolom("A")])
    w.tulis_banyak([[v] for v in kolom])
    got = [r[0] for r in csv.reader(io.StringIO(buf.getvalue()))][1:]
    assert got == [("'" + v if unicodedata.normalize("NFKC", v)[:1] in "=+-@" else v) for v in kolom]
    flat = io.StringIO()
    write_csv(["A"], [[v] for v in kolom], flat)
    assert [r[0] for r in csv.reader(io.StringIO(flat.getvalue()))][1:] == got


def test_xlsx_cells_are_neutralised(tmp_path: Path) -> None:
    path = tmp_path / "n.xlsx"
    bk = BukuKerja(path)
    lb = bk.lembar("Uji", [Kolom("Teks"), Kolom("JSON", "json")])
    for v in NFKC:
        lb.tulis([v, None])
    bk.tutup()
    ws = openpyxl.load_workbook(path).worksheets[0]
    nilai = [r[0].value for r in ws.iter_rows(min_row=1) if r[0].value in {"'" + v for v in NFKC} | set(NFKC)]
    assert nilai == ["'" + v for v in NFKC]


async def test_web_downloads_neutralise_a_fullwidth_name(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await users.request_access(conn, telegram_id=5550009, name="＝HYPERLINK(\"http://jahat\")", username=None,
                                   role="operator", unit_code="KUL-UML", tps_codes=[],
                                   now=datetime(2024, 11, 24, tzinfo=UTC))
    w = buat_web(engine)
    async with klien(w) as c:
        await masuk(c, w, "admin")
        teks = (await c.get("/pengguna?unduh=csv")).text
        assert "'＝HYPERLINK" in teks and ",＝HYPERLINK" not in teks
        xlsx = await c.get("/pengguna?unduh=xlsx")
        ws = openpyxl.load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
        nama = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value]
        assert nama == ["'＝HYPERLINK(\"http://jahat\")"]
