"""Hostile and broken import files: bounded memory, limits counted while streaming, Indonesian errors, read once."""

from __future__ import annotations

import io
import threading
import tracemalloc
import zipfile
from typing import Any

import pytest
import sqlalchemy as sa
from openpyxl import Workbook
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import impor, impor_berkas
from storage import tables as t
from tests.admin.bantuan import buat_web, klien, masuk

KEPALA_XML = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
              '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')


def _xlsx(sheet_xml: str) -> bytes:
    """A real workbook from openpyxl whose first sheet's XML is replaced by the given one."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["kode"])
    buf = io.BytesIO()
    wb.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            z.writestr(info.filename, sheet_xml if info.filename == "xl/worksheets/sheet1.xml" else src.read(info))
    return out.getvalue()


def _sel(ref: str, teks: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{teks}</t></is></c>'


def bom_dimensi(baris: int = 8000) -> bytes:
    """One real cell per row, but a dimension tag claiming every one of Excel's 16.384 columns."""
    rows = [f'<row r="1">{_sel("A1", "kode")}{_sel("B1", "nama")}</row>']
    rows += [f'<row r="{r}">{_sel(f"A{r}", f"x{r}")}</row>' for r in range(2, baris + 1)]
    return _xlsx(f'{KEPALA_XML}<dimension ref="A1:XFD{baris}"/><sheetData>{"".join(rows)}</sheetData></worksheet>')


def xxe() -> bytes:
    """An external entity that would read a local file into a cell."""
    return _xlsx('<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE worksheet [<!ENTITY xxe SYSTEM '
                 '"file:///etc/passwd">]><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                 f'<sheetData><row r="1">{_sel("A1", "kode")}</row><row r="2">{_sel("A2", "&xxe;")}</row>'
                 '</sheetData></worksheet>')


def terpotong() -> bytes:
    """A valid workbook cut in half (an interrupted download)."""
    isi = bom_dimensi(50)
    return isi[:len(isi) // 2]


def csv_sel_besar() -> bytes:
    """A 200 KB cell: beyond both the csv module's field limit and Excel's cell limit."""
    return b"kode,nama,kabkota,dpt\n17.71.01.2001-901," + b"a" * 200_000 + b",KAB-1771,1\n"


def csv_bukan_utf8() -> bytes:
    """Neither UTF-8 nor Windows-1252 (0x81 is no letter in either)."""
    return b"kode,nama,kabkota,dpt\n17.71.01.2001-901,TPS \x81\x8d,KAB-1771,1\n"


def test_the_dimension_bomb_is_read_at_the_header_width_in_little_memory() -> None:
    isi = bom_dimensi()
    assert len(isi) < 100_000
    tracemalloc.start()
    try:
        tabel = impor.read_file("bom.xlsx", isi)
        _, puncak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Trusting the tag pads 8.000 rows to 16.384 cells: more than 1 GB. Read at the header's width, a few MB.
    assert puncak < 25 * 1024 * 1024, puncak
    assert tabel.kolom == ["kode", "nama"] and len(tabel.baris) == 7999
    assert tabel.baris[0] == (2, ["x2"]) and max(len(sel) for _, sel in tabel.baris) == 1


def test_cells_right_of_the_header_are_not_kept() -> None:
    isi = _xlsx(f'{KEPALA_XML}<sheetData><row r="1">{_sel("A1", "kode")}{_sel("B1", "nama")}</row>'
                f'<row r="2">{_sel("A2", "a")}{_sel("XFD2", "jauh")}</row></sheetData></worksheet>')
    assert impor.read_file("d.xlsx", isi).baris == [(2, ["a"])]


@pytest.mark.parametrize("jenis", ["csv", "xlsx"])
def test_rows_are_counted_while_streaming_and_reading_stops_at_the_limit(
        monkeypatch: pytest.MonkeyPatch, jenis: str) -> None:
    monkeypatch.setattr(impor_berkas, "MAKS_BARIS", 100)
    dibaca: list[int] = []
    asli = impor_berkas._Kumpulan.tambah

    def tambah(self: Any, no: int, mentah: Any) -> None:
        dibaca.append(no)
        asli(self, no, mentah)

    monkeypatch.setattr(impor_berkas._Kumpulan, "tambah", tambah)
    isi = ("kode\n" + "".join(f"x{i}\n" for i in range(1000))).encode() if jenis == "csv" else bom_dimensi(1000)
    with pytest.raises(impor.ImporError, match=r"^Berkas melebihi 100 baris data"):
        impor.read_file(f"d.{jenis}", isi)
    assert max(dibaca) == 102  # the header, 100 rows, and the one that passed the limit: nothing after it


def test_a_forged_row_number_beyond_excel_is_refused() -> None:
    isi = _xlsx(f'{KEPALA_XML}<sheetData><row r="1">{_sel("A1", "kode")}</row>'
                f'<row r="2000000">{_sel("A2000000", "x")}</row></sheetData></worksheet>')
    with pytest.raises(impor.ImporError, match=r"melebihi 1\.048\.576 baris"):
        impor.read_file("d.xlsx", isi)


def test_a_header_wider_than_the_limit_is_refused() -> None:
    with pytest.raises(impor.ImporError, match=r"lebih dari 100 kolom"):
        impor.read_file("d.csv", (",".join(f"k{i}" for i in range(101)) + "\n1\n").encode())


def test_cells_and_characters_are_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(impor_berkas, "MAKS_SEL", 50)
    with pytest.raises(impor.ImporError, match="terlalu banyak data"):
        impor.read_file("d.csv", ("a,b\n" + "1,2\n" * 26).encode())
    monkeypatch.setattr(impor_berkas, "MAKS_SEL", 10_000)
    monkeypatch.setattr(impor_berkas, "MAKS_KARAKTER", 1000)
    with pytest.raises(impor.ImporError, match="terlalu banyak data"):
        impor.read_file("d.csv", ("a\n" + ("x" * 600 + "\n") * 2).encode())


def test_xml_that_decompresses_beyond_the_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(impor_berkas, "MAKS_XML", 100_000)
    with pytest.raises(impor.ImporError, match="terlalu besar setelah dibuka"):
        impor.read_file("bom.xlsx", bom_dimensi(8000))


@pytest.mark.parametrize(("nama", "isi", "pesan"), [
    ("besar.csv", csv_sel_besar(), "Baris 2: sebuah sel berisi lebih dari 32.767 karakter."),
    ("sedang.csv", b"kode\n" + b"a" * 40_000 + b"\n", "Baris 2: sebuah sel berisi lebih dari 32.767 karakter."),
    ("kutip.csv", b'kode\n"tidak ditutup\x00\n', "bukan CSV"),
    ("bukan.csv", csv_bukan_utf8(), "Berkas CSV bukan UTF-8 (byte tak dikenal di baris 2)"),
    ("potong.xlsx", terpotong(), "Berkas XLSX rusak"),
    ("xxe.xlsx", xxe(), "DOCTYPE/ENTITY yang tidak diizinkan"),
])
def test_hostile_files_are_indonesian_errors(nama: str, isi: bytes, pesan: str) -> None:
    with pytest.raises(impor.ImporError) as e:
        impor.read_file(nama, isi)
    assert pesan in str(e.value)


def test_the_entity_never_reaches_a_cell_even_past_the_doctype_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(impor_berkas, "_periksa_xml", lambda isi: None)
    with pytest.raises(impor.ImporError, match="rusak"):  # defusedxml inside openpyxl refuses the entity
        impor.read_file("xxe.xlsx", xxe())


def test_windows_and_utf16_csv_are_read_and_blank_rows_keep_the_numbering() -> None:
    assert impor.read_file("d.csv", "kode\nCuráup\n".encode("cp1252")).baris == [(2, ["Curáup"])]
    assert impor.read_file("d.csv", "kode\tnama\nA\tB\n".encode("utf-16")).baris == [(2, ["A", "B"])]
    assert impor.read_file("d.csv", b"kode,nama\n,\nA,B\n").baris == [(3, ["A", "B"])]


def test_the_table_round_trips_through_its_stored_form() -> None:
    tabel = impor.read_file("d.csv", "kode,nama\n1,Désa \"A\"\n\n2,\n".encode())
    assert impor.Tabel.dari_bytes(tabel.ke_bytes()) == tabel


HOSTILE = [("besar.csv", csv_sel_besar(), "sebuah sel berisi lebih dari 32.767 karakter"),
           ("potong.xlsx", terpotong(), "Berkas XLSX rusak"),
           ("xxe.xlsx", xxe(), "DOCTYPE/ENTITY yang tidak diizinkan"),
           ("bukan.csv", csv_bukan_utf8(), "Berkas CSV bukan UTF-8")]


@pytest.mark.parametrize(("nama", "isi", "pesan"), HOSTILE, ids=[h[0] for h in HOSTILE])
async def test_the_web_shows_a_hostile_file_as_an_error_on_the_preview(engine: AsyncEngine, nama: str, isi: bytes,
                                                                       pesan: str) -> None:
    w = buat_web(engine)
    async with klien(w) as c:
        token = await masuk(c, w, "admin")
        r = await c.post("/impor", data={"csrf": token, "dataset": "tps"}, files={"berkas": (nama, isi)})
        assert r.status_code == 303
        page = await c.get(r.headers["location"])
        assert page.status_code == 200 and pesan in page.text and "Traceback" not in page.text
        assert "tidak dapat dibaca" in page.text and "/simpan" not in page.text
        uid = r.headers["location"].rsplit("/", 1)[1]
        r = await c.post(f"/impor/{uid}/simpan", data={"csrf": token})
        assert r.status_code == 400 and pesan in r.text
        riwayat = await c.get("/impor")
        assert nama in riwayat.text
    async with engine.connect() as conn:
        assert (await conn.execute(sa.select(sa.func.count()).select_from(t.audit_log)
                                   .where(t.audit_log.c.action == "impor"))).scalar_one() == 0


async def test_the_web_reads_a_file_once_off_the_event_loop(engine: AsyncEngine,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    panggilan: list[int] = []
    asli = impor.read_file

    def baca(*a: Any, **kw: Any) -> impor.Tabel:
        panggilan.append(threading.get_ident())
        return asli(*a, **kw)

    monkeypatch.setattr(impor, "read_file", baca)
    w = buat_web(engine)
    isi = b"kode,nama,kabkota,kecamatan,desa,dpt,sulit\n17.71.01.2001-901,TPS 901,KAB-1771,,,412,\n"
    async with klien(w) as c:
        token = await masuk(c, w, "admin")
        r = await c.post("/impor", data={"csrf": token, "dataset": "tps"}, files={"berkas": ("tps.csv", isi)})
        for _ in range(3):
            page = await c.get(r.headers["location"])
            assert "Semua 1 baris lolos pemeriksaan" in page.text
        uid = r.headers["location"].rsplit("/", 1)[1]
        assert (await c.post(f"/impor/{uid}/simpan", data={"csrf": token})).status_code == 303
    assert len(panggilan) == 1 and panggilan[0] != threading.get_ident()
    async with engine.connect() as conn:
        assert (await conn.execute(sa.select(sa.func.count()).select_from(t.tps)
                                   .where(t.tps.c.kode == "17.71.01.2001-901"))).scalar_one() == 1
