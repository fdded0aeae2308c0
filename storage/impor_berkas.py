"""Reading an uploaded CSV or XLSX once, streaming, within fixed limits; every failure is an Indonesian message.

A hostile file must not take the process down (the bot, the outbox and the web share it), so nothing here trusts
what the file says about itself: an XLSX's dimension tag is ignored (the row width comes from the header row),
rows are counted while they stream and reading stops at the first limit passed, the XML inside an XLSX is
decompressed at most MAKS_XML bytes and refused when it declares a DOCTYPE (external entities, entity bombs),
and the cells and characters kept are capped. The result, a Tabel, is what the dry run and the commit read.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from domain.rumus import pulihkan

MAKS_BYTE = 10 * 1024 * 1024
MAKS_BARIS = 200_000  # data rows
MAKS_KOLOM = 100  # columns of the header row (the templates have at most 13)
MAKS_SEL = 2_000_000  # non-empty cells kept
MAKS_KARAKTER = 20_000_000  # characters kept in all cells
MAKS_PANJANG_SEL = 32_767  # Excel's own limit for one cell
MAKS_NOMOR_BARIS = 1_048_576  # Excel's last row: a row number beyond it is a forged file
MAKS_XML = 256 * 1024 * 1024  # decompressed XML of one XLSX, all parts together
MAKS_XML_TEKS = 32 * 1024 * 1024  # the shared strings part, which openpyxl keeps in memory whole


class ImporError(Exception):
    """The file as a whole cannot be read (type, size, encoding, columns, limits); the message is Indonesian."""


def _angka(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def ukuran(n: int) -> str:
    """A file size the Indonesian way: "64 KB", "2,5 MB"."""
    if n < 1024 * 1024:
        return f"{max(1, round(n / 1024))} KB"
    mb = n / 1024 / 1024
    return (f"{mb:.0f}" if mb == int(mb) else f"{mb:.1f}".replace(".", ",")) + " MB"


@dataclass(frozen=True)
class Tabel:
    """A file read once: the column names and the non-empty data rows with their spreadsheet row numbers."""

    kolom: list[str]
    baris: list[tuple[int, list[str]]]

    def ke_bytes(self) -> bytes:
        """Compact form kept with the pending import, so the file is never parsed again."""
        return zlib.compress(json.dumps([self.kolom, self.baris], ensure_ascii=False,
                                        separators=(",", ":")).encode("utf-8"), 6)

    @classmethod
    def dari_bytes(cls, isi: bytes) -> Tabel:
        """The Tabel kept by ke_bytes."""
        kolom, baris = json.loads(zlib.decompress(isi).decode("utf-8"))
        return cls([str(k) for k in kolom], [(int(n), [str(c) for c in sel]) for n, sel in baris])


def _nama_kolom(s: Any) -> str:
    return "_".join(str(s or "").strip().lower().replace("-", " ").split())


def _sel(v: Any) -> str:
    if type(v) is str:  # most cells, and every CSV cell
        s = v.strip()
    elif v is None:
        return ""
    else:
        s = _bukan_teks(v)
    return pulihkan(s)  # our own exports' formula neutralising, undone by the same rule that applied it


def _bukan_teks(v: Any) -> str:
    if isinstance(v, bool):
        return "ya" if v else "tidak"
    if isinstance(v, datetime):
        return v.date().isoformat() if v.time() == time(0) else f"{v.date().isoformat()} {v:%H.%M}"
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, time):
        return f"{v:%H.%M}"
    if isinstance(v, float):
        # A spreadsheet number: write it the Indonesian way so "1.5" is never read as one thousand five hundred.
        return str(int(v)) if v.is_integer() else repr(v).replace(".", ",")
    return str(v).strip()


class _Kumpulan:
    """Collects rows while they stream and stops at the first limit passed."""

    def __init__(self) -> None:
        self.kolom: list[str] | None = None
        self.baris: list[tuple[int, list[str]]] = []
        self._sel = 0
        self._karakter = 0

    def tambah(self, no: int, mentah: Any) -> None:
        if no > MAKS_NOMOR_BARIS:
            raise ImporError(f"Berkas melebihi {_angka(MAKS_NOMOR_BARIS)} baris (batas lembar kerja Excel).")
        lebar = MAKS_KOLOM if self.kolom is None else len(self.kolom)
        sel = [_sel(v) for v in mentah[:lebar]] if mentah else []
        if self.kolom is None and mentah and any(_sel(v) for v in mentah[MAKS_KOLOM:]):
            raise ImporError(f"Baris judul berisi lebih dari {_angka(MAKS_KOLOM)} kolom; pakai templat di halaman "
                             "ini.")
        while sel and not sel[-1]:
            sel.pop()
        if not sel:
            return  # blank rows are skipped but keep the numbering of the rows after them
        isi = karakter = 0
        for s in sel:
            if n := len(s):
                isi += 1
                karakter += n
                if n > MAKS_PANJANG_SEL:
                    raise ImporError(f"Baris {no}: sebuah sel berisi lebih dari {_angka(MAKS_PANJANG_SEL)} "
                                     "karakter.")
        if self.kolom is None:
            self.kolom = [_nama_kolom(s) for s in sel]
            return
        if len(self.baris) >= MAKS_BARIS:
            raise ImporError(f"Berkas melebihi {_angka(MAKS_BARIS)} baris data; pecah menjadi beberapa berkas.")
        self._sel += isi
        self._karakter += karakter
        if self._sel > MAKS_SEL or self._karakter > MAKS_KARAKTER:
            raise ImporError(f"Berkas berisi terlalu banyak data (lebih dari {_angka(MAKS_SEL)} sel atau "
                             f"{_angka(MAKS_KARAKTER)} karakter); pecah menjadi beberapa berkas.")
        self.baris.append((no, sel))


def read_file(nama: str, isi: bytes, *, maks_byte: int = MAKS_BYTE) -> Tabel:
    """The header and rows of an uploaded CSV or XLSX; ImporError with an Indonesian reason when it cannot be read.

    CPU-bound and blocking: call it in a worker thread (asyncio.to_thread), never on the event loop.
    """
    if len(isi) > maks_byte:
        raise ImporError(f"Berkas terlalu besar ({ukuran(len(isi))}); batasnya {ukuran(maks_byte)}. "
                         "Pecah berkas menjadi beberapa bagian.")
    low = nama.lower()
    k = _Kumpulan()
    if low.endswith(".xlsx"):
        _read_xlsx(isi, k)
    elif low.endswith(".csv"):
        for no, row in _read_csv(isi):
            k.tambah(no, row)
    else:
        raise ImporError("Jenis berkas tidak didukung: unggah berkas .csv atau .xlsx (unduh templatnya di halaman "
                         "ini).")
    if k.kolom is None:
        raise ImporError("Berkas kosong: tidak ada baris judul kolom.")
    return Tabel(k.kolom, k.baris)


def _teks_csv(isi: bytes) -> str:
    if isi[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return isi.decode("utf-16")  # Excel's "Unicode Text"
        except UnicodeDecodeError:
            raise ImporError("Berkas CSV UTF-16 rusak. Simpan ulang sebagai CSV UTF-8.") from None
    if isi[:4] == b"PK\x03\x04" or b"\x00" in isi[:1024]:
        raise ImporError("Isi berkas bukan CSV (berkas biner). Simpan sebagai CSV UTF-8 atau unggah .xlsx.")
    try:
        return isi.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        utf8 = e
    try:
        # Older Excel "CSV (Comma delimited)" on Windows; strict, so bytes it has no letter for are not guessed.
        return isi.decode("cp1252")
    except UnicodeDecodeError:
        baris = isi[:utf8.start].count(b"\n") + 1
        raise ImporError(f"Berkas CSV bukan UTF-8 (byte tak dikenal di baris {baris}). Simpan ulang dari Excel "
                         "sebagai \"CSV UTF-8 (Comma delimited)\".") from None


def _read_csv(isi: bytes) -> Iterator[tuple[int, list[str]]]:
    teks = _teks_csv(isi)
    first = teks[:teks.find("\n")] if "\n" in teks else teks
    # Excel in Indonesian locales writes ";" between columns (the comma is the decimal separator there).
    delim = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(teks, newline=""), delimiter=delim)
    no = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            if "field larger than field limit" in str(e):
                raise ImporError(f"Baris {no + 1}: sebuah sel berisi lebih dari {_angka(MAKS_PANJANG_SEL)} "
                                 "karakter.") from None
            raise ImporError(f"Baris {no + 1}: CSV tidak dapat dibaca (tanda kutip atau baris baru yang tidak "
                             "ditutup). Simpan ulang dari Excel/LibreOffice.") from None
        no += 1
        yield no, row


_RUSAK = "Berkas XLSX rusak atau tidak dapat dibaca. Simpan ulang sebagai .xlsx dari Excel/LibreOffice."


def _periksa_xml(isi: bytes) -> None:
    """Refuse a broken zip, XML that declares a DOCTYPE, and parts that decompress beyond the limits."""
    try:
        with zipfile.ZipFile(io.BytesIO(isi)) as z:
            total = 0
            for info in z.infolist():
                if not info.filename.lower().endswith((".xml", ".rels")):
                    continue
                batas = MAKS_XML_TEKS if info.filename.lower().endswith("sharedstrings.xml") else MAKS_XML
                ekor, awal = b"", True
                bagian_ini = 0
                with z.open(info) as f:
                    # Read in pieces and count what really comes out: the sizes in the zip's headers can lie.
                    while chunk := f.read(1024 * 1024):
                        if awal and (chunk[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in chunk[:64]):
                            raise ImporError(_RUSAK)  # UTF-16 XML: never written by Excel/LibreOffice
                        awal = False
                        bagian_ini += len(chunk)
                        total += len(chunk)
                        if bagian_ini > batas or total > MAKS_XML:
                            raise ImporError("Isi berkas XLSX terlalu besar setelah dibuka; pecah menjadi beberapa "
                                             "berkas.")
                        cari = ekor + chunk
                        if b"<!DOCTYPE" in cari or b"<!ENTITY" in cari:
                            raise ImporError("Berkas XLSX berisi deklarasi DOCTYPE/ENTITY yang tidak diizinkan. "
                                             "Simpan ulang sebagai .xlsx dari Excel/LibreOffice.")
                        ekor = chunk[-9:]
    except ImporError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, ValueError,
            NotImplementedError):
        raise ImporError(_RUSAK) from None


def _read_xlsx(isi: bytes, k: _Kumpulan) -> None:
    from openpyxl import load_workbook

    if isi[:4] != b"PK\x03\x04":
        raise ImporError("Isi berkas bukan XLSX yang sah. Simpan ulang dari Excel/LibreOffice sebagai .xlsx.")
    _periksa_xml(isi)
    try:
        wb = load_workbook(io.BytesIO(isi), read_only=True, data_only=True)
        try:
            ws = wb.worksheets[0]
            ws.reset_dimensions()  # type: ignore[union-attr]  # never trust the file's own A1:XFD… tag
            judul = 0
            for no, row in enumerate(ws.iter_rows(values_only=True), start=1):
                k.tambah(no, row)
                if k.kolom is not None:
                    judul = no
                    break
            if k.kolom is None:
                return
            # The data rows, exactly as wide as the header: cells right of it are never materialised.
            rows = ws.iter_rows(min_row=judul + 1, max_col=max(1, len(k.kolom)), values_only=True)
            for no, row in enumerate(rows, start=judul + 1):
                k.tambah(no, row)
        finally:
            wb.close()
    except ImporError:
        raise
    except Exception:  # whatever a hostile or broken file makes openpyxl raise, the file is unreadable
        raise ImporError(_RUSAK) from None
