"""Exports: every dataset in CSV and XLSX, Indonesian headers and formats, formula neutralising, no secrets."""

from __future__ import annotations

import asyncio
import concurrent.futures
import csv
import io
import multiprocessing
import os
import zipfile
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from reports import ekspor
from reports.ekspor import BukuKerja, Kolom
from storage import audit, users
from storage import ekspor as kueri
from storage import tables as t

KONTEKS = ekspor.Konteks(date(2024, 11, 24), "Asia/Jakarta")
RUMUS = '=HYPERLINK("x")'


def _csv(teks: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(teks)))


async def _ke_teks(engine: AsyncEngine, nama: str, **kw: object) -> str:
    buf = io.StringIO()
    async with engine.connect() as conn:
        await ekspor.tulis(conn, nama, "csv", buf, konteks=KONTEKS, **kw)  # type: ignore[arg-type]
    return buf.getvalue()


async def test_every_dataset_in_both_formats_matches_its_count(engine: AsyncEngine, tmp_path: Path) -> None:
    async with engine.connect() as conn:
        for nama, ds in ekspor.DATASET.items():
            n = await ekspor.perkiraan_baris(conn, nama)
            buf = io.StringIO()
            assert await ekspor.tulis(conn, nama, "csv", buf, konteks=KONTEKS) == n
            rows = _csv(buf.getvalue())
            assert len(rows) == n + 1 and all(len(r) == len(ds.kolom) for r in rows), nama
            path = tmp_path / f"{nama}.xlsx"
            assert await ekspor.tulis(conn, nama, "xlsx", path, konteks=KONTEKS) == n
            ws = openpyxl.load_workbook(path).worksheets[0]
            assert ws.freeze_panes == "A5"  # title, note, blank, then the frozen header row
            assert [c.value for c in ws[4]] == [k.judul + (" (WIB)" if k.jenis == "waktu" else "")
                                                for k in ds.kolom]
            assert ws.max_row == 4 + n
    assert n == 0 or nama == "audit"  # the demo has no audit records yet


async def test_tps_export_figures_and_formats(engine: AsyncEngine, tmp_path: Path) -> None:
    rows = _csv(await _ke_teks(engine, "tps"))
    assert rows[0][:3] == ["Kode TPS", "Nama TPS", "Provinsi/Satker"]
    assert len(rows) == 3453
    assert sum(1 for r in rows[1:] if r[10] == "ya") == 93  # TPS sulit
    assert rows[1][0] == "17.01.01.2001-001" and rows[1][11] == "ya"  # generated rows are marked
    path = tmp_path / "tps.xlsx"
    async with engine.connect() as conn:
        await ekspor.tulis(conn, "tps", "xlsx", path, konteks=KONTEKS, batas=10)
    ws = openpyxl.load_workbook(path).worksheets[0]
    assert ws.title == "TPS" and ws["A1"].value == "Pantau — TPS"
    dpt = ws["J5"]
    assert dpt.data_type == "n" and dpt.number_format == "#,##0"
    assert ws["K5"].value in ("Ya", "Tidak") and ws.auto_filter.ref == "A4:L14"


async def test_anggaran_export_has_rupiah_and_absorption(engine: AsyncEngine, tmp_path: Path) -> None:
    rows = _csv(await _ke_teks(engine, "anggaran"))
    wa = next(r for r in rows if r[0] == "2024" and r[2] == "WA")
    assert wa[6:11] == ["9203578000", "2024", "1", "9194840880", "99.91"]
    path = tmp_path / "a.xlsx"
    async with engine.connect() as conn:
        await ekspor.tulis(conn, "anggaran", "xlsx", path, konteks=KONTEKS)
    ws = openpyxl.load_workbook(path).worksheets[0]
    row = next(r for r in ws.iter_rows(min_row=5) if r[0].value == 2024 and r[2].value == "WA")
    assert (row[6].value, row[6].number_format) == (9203578000, "#,##0")
    assert (row[10].value, row[10].number_format) == (99.91, '#,##0.00" %"')
    assert row[13].number_format == "dd/mm/yyyy hh:mm"


async def test_formula_cells_read_back_as_text(engine: AsyncEngine, tmp_path: Path) -> None:
    now = datetime(2024, 11, 24, 8, tzinfo=UTC)
    async with engine.begin() as conn:
        await conn.execute(t.users.insert().values(name=RUMUS, username="+62812", role="operator", status="aktif",
                                                   created_at=now))
        await audit.record(conn, actor="@serang", action="-1+1", entity="uji", entity_id="\tx",
                           new={"catatan": "=1+1"}, now=now)
    path = tmp_path / "p.xlsx"
    async with engine.connect() as conn:
        await ekspor.tulis(conn, "pengguna", "xlsx", path, konteks=KONTEKS)
        await ekspor.tulis(conn, "audit", "xlsx", tmp_path / "audit.xlsx", konteks=KONTEKS)
    ws = openpyxl.load_workbook(path).worksheets[0]
    sel = next(r[1] for r in ws.iter_rows(min_row=5) if r[1].value and "HYPERLINK" in str(r[1].value))
    assert sel.data_type == "s" and sel.value == "'" + RUMUS  # text, not a formula
    assert next(r[2] for r in ws.iter_rows(min_row=5) if r[1] is sel).value == "'+62812"
    au = openpyxl.load_workbook(tmp_path / "audit.xlsx").worksheets[0]
    last = [c.value for c in au[au.max_row]]
    assert last[2:7] == ["'@serang", None, "'-1+1", "uji", "'\tx"]
    assert all(c.data_type != "f" for row in au.iter_rows() for c in row)
    text = await _ke_teks(engine, "pengguna")
    assert "'" + RUMUS.replace('"', '""') in text and "'+62812" in text


def test_workbook_writer_direct(tmp_path: Path) -> None:
    path = tmp_path / "w.xlsx"
    bk = BukuKerja(path)
    lb = bk.lembar("Uji: a/b?", [Kolom("Teks"), Kolom("Rupiah", "rupiah"), Kolom("Persen", "persen"),
                                 Kolom("Tanggal", "tanggal"), Kolom("Waktu", "waktu"), Kolom("Ya?", "ya_tidak")],
                   judul="Judul")
    lb.tulis([RUMUS, 142_297_821_000, Decimal("90.24378"), date(2024, 11, 27),
              datetime(2024, 11, 27, 1, 0, tzinfo=UTC), True])
    lb.tulis(["x" * 40_000, "menunggu", None, None, None, False])
    bk.tutup()
    ws = openpyxl.load_workbook(path).worksheets[0]
    assert ws.title == "Uji- a-b-"
    r = [c for c in ws[4]]
    assert r[0].value == "'" + RUMUS and r[0].data_type == "s"
    assert (r[1].value, r[2].value) == (142_297_821_000, 90.24)
    assert r[3].value == datetime(2024, 11, 27) and r[3].number_format == "dd/mm/yyyy"
    assert r[4].value == datetime(2024, 11, 27, 8, 0)  # 01:00 UTC is 08:00 WIB
    assert r[5].value == "Ya"
    r = [c for c in ws[5]]
    assert len(r[0].value) == ekspor.TEKS_MAKS_SEL and r[0].value.endswith("(terpotong, 40000 karakter)")
    assert r[1].value == "menunggu" and r[5].value == "Tidak"


def test_long_export_continues_on_a_new_sheet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ekspor, "BARIS_MAKS_LEMBAR", 12)
    path = tmp_path / "panjang.xlsx"
    bk = BukuKerja(path)
    lb = bk.lembar("Data", [Kolom("No", "bulat")], judul="Judul")
    for i in range(20):
        lb.tulis([i])
    bk.tutup()
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Data", "Data (lanjutan)", "Data (lanjutan) (2)"]
    nilai = [c.value for ws in wb.worksheets for row in ws.iter_rows(min_row=4) for c in row]
    assert nilai == list(range(20))
    assert all(ws["A3"].value == "No" and ws.freeze_panes == "A4" for ws in wb.worksheets)


async def test_csv_bom_crlf_and_local_time(engine: AsyncEngine) -> None:
    text = await _ke_teks(engine, "realisasi", bom=True)
    assert text.startswith("\ufeffKode indikator,") and "\r\n" in text
    rows = _csv(text.lstrip("\ufeff"))
    assert rows[0][11] == "Dilaporkan pada (WIB)"
    ik3b = next(r for r in rows if r[0] == "IK3b" and r[4] == "2024")
    assert ik3b[7] == "Proses" and ik3b[8] == "disetujui" and ik3b[6] == "ya"


async def test_no_secrets_in_users_or_audit(engine: AsyncEngine) -> None:
    now = datetime(2024, 11, 24, 8, tzinfo=UTC)
    async with engine.begin() as conn:
        inv = await users.create_invite(conn, role="operator", unit_code="KUL-UML", tps_codes=[], max_uses=1,
                                        expires_at=now + timedelta(days=7), created_by=None, actor="uji", now=now)
        await users.revoke_invite(conn, inv.code, actor="uji", now=now)
        await audit.record(conn, actor="uji", action="masuk", entity="web", new={"token": "rahasia-sekali",
                                                                                "csrf_token": "abc", "ok": 1},
                           now=now)
    semua = await _ke_teks(engine, "pengguna") + await _ke_teks(engine, "audit")
    assert inv.code not in semua and "rahasia-sekali" not in semua and '""abc""' not in semua
    assert "(disembunyikan)" in semua and '""ok"": 1' in semua


def test_tanpa_rahasia_nested() -> None:
    v = {"a": [{"session_hash": "x", "b": 1}], "Kode": "y", "nama": "z"}
    assert ekspor.tanpa_rahasia(v) == {"a": [{"session_hash": "(disembunyikan)", "b": 1}], "Kode": "(disembunyikan)",
                                       "nama": "z"}


async def test_streaming_reads_in_batches(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        sizes = [len(b) async for b in kueri.alirkan(conn, "tps", ukuran=1000)]
        sebagian = [len(b) async for b in kueri.alirkan(conn, "tps", batas=5, ukuran=2)]
    assert sizes == [1000, 1000, 1000, 452]
    assert sebagian == [2, 2, 1]


def test_sync_wrapper_and_zip(database_url: str, tmp_path: Path) -> None:
    path = tmp_path / ekspor.nama_berkas("rencana_aksi", "csv", date(2024, 11, 24))
    assert path.name == "pantau-rencana-aksi-2024-11-24.csv"
    assert ekspor.ekspor_berkas(database_url, "rencana_aksi", "csv", str(path), hari_ini=date(2024, 11, 24)) == 19
    z = ekspor.kemas_zip(path)
    assert z.name.endswith(".csv.zip")
    with zipfile.ZipFile(z) as f:
        assert f.namelist() == [path.name] and f.read(path.name) == path.read_bytes()
        assert f.infolist()[0].compress_type == zipfile.ZIP_DEFLATED


async def test_unknown_format_is_refused(engine: AsyncEngine, tmp_path: Path) -> None:
    async with engine.connect() as conn:
        with pytest.raises(ValueError):
            await ekspor.tulis(conn, "tps", "pdf", tmp_path / "x", konteks=KONTEKS)
        assert (await conn.execute(sa.select(sa.func.count()).select_from(t.tps))).scalar_one() == 3452


async def test_an_export_process_writes_the_same_files(engine: AsyncEngine, database_url: str, tmp_path: Path) -> None:
    """The job an export process runs (spawned, its own engine) gives the file an export in this process gives."""
    from tests.storage.test_arrivals import demo_petugas, masukan, simpan, tps_kota

    p, tps = await demo_petugas(engine), await tps_kota(engine, 1)
    await simpan(engine, masukan(tps[0].id), p)  # moda PICKUP: its name, never the code
    hari = date(2024, 11, 24)
    kolam = concurrent.futures.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                                                   initializer=ekspor.siapkan_proses, initargs=(5,))
    loop = asyncio.get_running_loop()
    try:
        for nama, fmt, bom in (("tps", "csv", False), ("kedatangan", "csv", True), ("realisasi", "xlsx", False),
                               ("kedatangan", "xlsx", False)):
            di_sini = tmp_path / f"sini-{nama}.{fmt}"
            async with engine.connect() as conn:
                n = await ekspor.tulis(conn, nama, fmt, di_sini, bom=bom, konteks=ekspor.Konteks(hari))
            tugas = ekspor.TugasEkspor(database_url, nama, fmt, str(tmp_path / f"anak-{nama}.{fmt}"), bom=bom,
                                       hari_ini=hari)
            h = await loop.run_in_executor(kolam, ekspor.jalankan_tugas, tugas)
            berkas = Path(h.path)
            assert h.baris == n > 0 and h.byte == berkas.stat().st_size and not h.dizip and h.pid != os.getpid()
            assert berkas.stat().st_mode & 0o777 == 0o600
            if fmt == "csv":
                assert berkas.read_bytes() == di_sini.read_bytes()
                if nama == "kedatangan":
                    assert ",Mobil Pick Up," in berkas.read_text("utf-8-sig") and ",PICKUP," not in berkas.read_text()
            else:
                nilai = [[list(r) for r in ws.iter_rows(values_only=True)] for ws in
                         (openpyxl.load_workbook(f).worksheets[0] for f in (berkas, di_sini))]
                assert nilai[0] == nilai[1] and len(nilai[0]) == 4 + n
        # Too large for Telegram: zipped in the same process; a broken job's error comes back as text.
        h = await loop.run_in_executor(kolam, ekspor.jalankan_tugas, ekspor.TugasEkspor(
            database_url, "tps", "csv", str(tmp_path / "z.csv"), hari_ini=hari, zip_di_atas=1000))
        assert h.dizip and h.path.endswith("z.csv.zip") and h.baris == 3452
        with zipfile.ZipFile(h.path) as z:
            assert z.read("z.csv") == (tmp_path / "sini-tps.csv").read_bytes()
        with pytest.raises(ekspor.EksporGagal, match="KeyError"):
            await loop.run_in_executor(kolam, ekspor.jalankan_tugas, ekspor.TugasEkspor(
                database_url, "rahasia", "csv", str(tmp_path / "x.csv")))
    finally:
        kolam.shutdown()
