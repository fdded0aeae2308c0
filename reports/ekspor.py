"""Exports for admins: the datasets, and streaming CSV and XLSX writers that keep memory flat as rows grow.

XLSX choices (documented for admins in README "Laporan dan ekspor"):
- XlsxWriter with ``constant_memory`` for files on disk: each row is flushed as soon as the next one starts, so a
  national export (800.000+ rows) needs a few megabytes; small in-memory workbooks (LKj tables) skip that mode.
- Number formats are Excel's locale-independent codes: Rupiah and counts ``#,##0``, decimals ``#,##0.00``,
  percentages (stored as 90.24, not 0.9024) ``#,##0.00" %"``, dates ``dd/mm/yyyy``, times ``dd/mm/yyyy hh:mm``.
  Excel and LibreOffice show the separators of the reader's locale: "142.297.821.000" and "90,24 %" on an
  Indonesian system. Times are in the configured time zone (WIB by default), named in the header.
- Indonesian headers in bold on a frozen header row with an autofilter; a title row above it.
- Text is only ever written with ``write_string`` after ``reports.tabel.netralkan``: a cell that starts with
  ``=``, ``+``, ``-``, ``@``, tab or CR becomes inert text (prefixed with an apostrophe), never a formula.
- A sheet holds at most 1.048.576 rows; a longer export continues on "<name> (2)" with the same header.

CSV: UTF-8, comma-separated, CRLF, ISO dates (``2024-11-27``) and times (``2024-11-27 08:00:00``, local time),
decimal point, Rupiah as plain integers; ``bom=True`` adds the byte-order mark Excel needs to read UTF-8.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import gc
import io
import json
import os
import threading
import traceback
import zipfile
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import IO, Any, Literal, NamedTuple
from zoneinfo import ZoneInfo

import xlsxwriter
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.anggaran import penyerapan
from domain.rencana import STATUS_RENCANA, terlambat
from domain.tanggal import tz_abbrev
from reports.tabel import AWAL_NFKC, awal_berbahaya, netralkan
from reports.teks import nilai_teks
from storage import ekspor as kueri

JenisKolom = Literal["teks", "nomor", "bulat", "rupiah", "desimal", "koordinat", "persen", "tanggal", "waktu",
                     "ya_tidak", "json", "nilai"]
BARIS_MAKS_LEMBAR = 1_048_576
TEKS_MAKS_SEL = 32_767
BATAS_TELEGRAM = 50 * 1024 * 1024
FORMAT = ("csv", "xlsx")
_SEN = Decimal("0.01")


@dataclass(frozen=True)
class Kolom:
    """One column: its Indonesian header, its kind (number format) and width in characters."""

    judul: str
    jenis: JenisKolom = "teks"
    lebar: float | None = None


_LEBAR = {"nilai": 11, "teks": 24, "nomor": 8, "koordinat": 12, "bulat": 11, "rupiah": 19, "desimal": 12, "persen": 11,
          "tanggal": 12, "waktu": 17, "ya_tidak": 8, "json": 40}
_FORMAT_ANGKA = {"nomor": "0", "koordinat": "0.000000", "bulat": "#,##0", "rupiah": "#,##0", "desimal": "#,##0.00",
                 "persen": '#,##0.00" %"', "tanggal": "dd/mm/yyyy", "waktu": "dd/mm/yyyy hh:mm"}


class NilaiSel(NamedTuple):
    """An indicator's value in a "nilai" column: a number (percent or not) written as a number with its format, or
    a word (a grade, an opinion, "Proses", "–") written as text."""

    angka: Decimal | None
    teks: str
    persen: bool = False


def _format_nilai(v: NilaiSel) -> str:
    bulat = v.angka is not None and v.angka == v.angka.to_integral_value()
    return ("#,##0" if bulat else "#,##0.00") + ('" %"' if v.persen else "")


def _teks_sel(v: Any) -> str:
    s = v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, default=str)
    if len(s) > TEKS_MAKS_SEL:  # Excel's limit per cell: cut visibly, never silently
        tanda = f" … (terpotong, {len(s)} karakter)"
        s = s[: TEKS_MAKS_SEL - len(tanda)] + tanda
    return str(netralkan(s))


# --- XLSX ---------------------------------------------------------------------------------------------------------

class BukuKerja:
    """An XLSX workbook written sheet by sheet, row by row."""

    def __init__(self, target: str | Path | IO[bytes], *, tz: str = "Asia/Jakarta", judul: str | None = None) -> None:
        opsi: dict[str, Any] = {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}
        if isinstance(target, (str, Path)):
            opsi["constant_memory"] = True
            target = str(target)
        else:
            opsi["in_memory"] = True
        self.wb = xlsxwriter.Workbook(target, opsi)
        self.wb.set_properties({"title": judul or "Pantau", "author": "Pantau", "company": "KPU"})
        self.tz = ZoneInfo(tz)
        self.tz_nama = tz
        self.f_judul = self.wb.add_format({"bold": True, "font_size": 13})
        self.f_ket = self.wb.add_format({"italic": True, "font_color": "#57606a"})
        self.f_kepala = self.wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                                            "valign": "top"})
        self.f_teks = self.wb.add_format({"valign": "top"})
        self.f_tebal = self.wb.add_format({"bold": True})
        self.f_angka = {k: self.wb.add_format({"num_format": v}) for k, v in _FORMAT_ANGKA.items()}
        self.f_angka_tebal = {k: self.wb.add_format({"num_format": v, "bold": True}) for k, v in _FORMAT_ANGKA.items()}
        self._f_nilai: dict[tuple[str, bool], Any] = {}
        self._lembar: list[Lembar] = []
        self._nama: set[str] = set()

    def format_nilai(self, num_format: str, tebal: bool) -> Any:
        """One shared cell format per number format (and weight) of indicator values."""
        kunci = (num_format, tebal)
        if kunci not in self._f_nilai:
            self._f_nilai[kunci] = self.wb.add_format({"num_format": num_format, "bold": tebal})
        return self._f_nilai[kunci]

    def nama_lembar(self, nama: str) -> str:
        """A valid, unique sheet name (at most 31 characters, none of []:*?/\\)."""
        bersih = "".join("-" if c in "[]:*?/\\" else c for c in nama).strip("'") or "Lembar"
        bersih = bersih[:31]
        calon, n = bersih, 2
        while calon.lower() in self._nama:
            akhiran = f" ({n})"
            calon, n = bersih[: 31 - len(akhiran)] + akhiran, n + 1
        self._nama.add(calon.lower())
        return calon

    def lembar(self, nama: str, kolom: Sequence[Kolom], *, judul: str | None = None,
               keterangan: Sequence[str] = (), kelompok: Sequence[tuple[str, int]] = ()) -> Lembar:
        """Start a sheet: title, notes, optional group header (label, span), then the frozen header row."""
        if self._lembar:
            self._lembar[-1].selesai()
        lb = Lembar(self, nama, kolom, judul, keterangan, kelompok)
        self._lembar.append(lb)
        return lb

    @property
    def jumlah_baris(self) -> int:
        """Data rows written in all sheets so far (what an export's audit record counts)."""
        return sum(lb.jumlah for lb in self._lembar)

    def tutup(self) -> None:
        """Finish the last sheet and write the file."""
        if self._lembar:
            self._lembar[-1].selesai()
        if not self._lembar:
            self.wb.add_worksheet("Kosong")
        self.wb.close()


class Lembar:
    """One sheet; `tulis` writes the next data row."""

    def __init__(self, bk: BukuKerja, nama: str, kolom: Sequence[Kolom], judul: str | None,
                 keterangan: Sequence[str], kelompok: Sequence[tuple[str, int]]) -> None:
        self.bk, self.nama_asal, self.kolom = bk, nama, list(kolom)
        self.judul, self.keterangan, self.kelompok = judul, list(keterangan), list(kelompok)
        self.jumlah = 0
        self._selesai = False
        self._buka(nama)
        self._penulis = [self._penulis_kolom(k) for k in self.kolom]

    def _buka(self, nama: str) -> None:
        ws = self.ws = self.bk.wb.add_worksheet(self.bk.nama_lembar(nama))
        r = 0
        if self.judul:
            ws.write_string(r, 0, _teks_sel(self.judul), self.bk.f_judul)
            r += 1
        for ket in self.keterangan:
            ws.write_string(r, 0, _teks_sel(ket), self.bk.f_ket)
            r += 1
        if self.judul or self.keterangan:
            r += 1
        if self.kelompok:
            c = 0
            for label, rentang in self.kelompok:
                if rentang > 1:
                    ws.merge_range(r, c, r, c + rentang - 1, _teks_sel(label), self.bk.f_kepala)
                else:
                    ws.write_string(r, c, _teks_sel(label), self.bk.f_kepala)
                c += rentang
            r += 1
        for c, k in enumerate(self.kolom):
            ws.write_string(r, c, _teks_sel(k.judul), self.bk.f_kepala)
            ws.set_column(c, c, k.lebar or _LEBAR[k.jenis])
        self.baris_kepala = r
        ws.freeze_panes(r + 1, 0)
        self.baris = r + 1
        self.awal_data = r + 1

    def _penulis_kolom(self, k: Kolom) -> Callable[[int, int, Any, bool], None]:
        bk = self.bk

        def ws() -> Any:
            return self.ws

        def teks(r: int, c: int, v: Any, tebal: bool) -> None:
            if v is None or v == "":
                return
            ws().write_string(r, c, _teks_sel(v if isinstance(v, str) else str(v)), bk.f_tebal if tebal else None)

        if k.jenis in ("teks", "json"):
            if k.jenis == "json":
                def teks_json(r: int, c: int, v: Any, tebal: bool) -> None:
                    if v is not None:
                        teks(r, c, json.dumps(v, ensure_ascii=False, default=str), tebal)
                return teks_json
            return teks
        if k.jenis == "ya_tidak":
            def ya_tidak(r: int, c: int, v: Any, tebal: bool) -> None:
                if v is not None:
                    ws().write_string(r, c, "Ya" if v else "Tidak")
            return ya_tidak
        if k.jenis == "nilai":
            def nilai(r: int, c: int, v: Any, tebal: bool) -> None:
                if isinstance(v, NilaiSel) and v.angka is not None:
                    ws().write_number(r, c, float(v.angka), bk.format_nilai(_format_nilai(v), tebal))
                else:
                    teks(r, c, v.teks if isinstance(v, NilaiSel) else v, tebal)
            return nilai
        fmt, fmt_tebal = bk.f_angka[k.jenis], bk.f_angka_tebal[k.jenis]
        if k.jenis in ("tanggal", "waktu"):
            def waktu(r: int, c: int, v: Any, tebal: bool) -> None:
                if isinstance(v, datetime):
                    lokal = (v if v.tzinfo else v.replace(tzinfo=UTC)).astimezone(bk.tz).replace(tzinfo=None)
                    ws().write_datetime(r, c, lokal, fmt_tebal if tebal else fmt)
                elif isinstance(v, date):
                    ws().write_datetime(r, c, datetime(v.year, v.month, v.day), fmt_tebal if tebal else fmt)
                else:
                    teks(r, c, v, tebal)
            return waktu

        bulatkan = k.jenis in ("persen", "desimal")

        def angka(r: int, c: int, v: Any, tebal: bool) -> None:
            if isinstance(v, (int, float, Decimal)) and not isinstance(v, bool):
                if isinstance(v, Decimal):
                    # The cell holds what the report prints (90,24 %), not 90,24378…: sums match the text.
                    v = float(v.quantize(_SEN, rounding=ROUND_HALF_UP) if bulatkan else v)
                ws().write_number(r, c, v, fmt_tebal if tebal else fmt)
            else:
                teks(r, c, v, tebal)  # "menunggu", "–": words in a numeric column stay words
        return angka

    def tulis(self, nilai: Sequence[Any], *, tebal: bool = False) -> None:
        """Write the next data row (a longer export continues on a new sheet with the same header)."""
        if self.baris >= BARIS_MAKS_LEMBAR:
            self._lanjut()
        r = self.baris
        for c, (v, tulis) in enumerate(zip(nilai, self._penulis, strict=False)):
            tulis(r, c, v, tebal)
        self.baris += 1
        self.jumlah += 1

    def catatan(self, teks: str) -> None:
        """A note under the table (after an empty row)."""
        if self.baris >= BARIS_MAKS_LEMBAR - 2:
            return
        self.baris += 1
        self.ws.write_string(self.baris, 0, _teks_sel(teks), self.bk.f_ket)
        self.baris += 1

    def _lanjut(self) -> None:
        self._filter()
        self._buka(f"{self.nama_asal} (lanjutan)")

    def _filter(self) -> None:
        if self.kolom and self.baris > self.awal_data:
            self.ws.autofilter(self.baris_kepala, 0, self.baris - 1, len(self.kolom) - 1)

    def selesai(self) -> None:
        """Close the sheet (the autofilter covers the data written)."""
        if not self._selesai:
            self._selesai = True
            self._filter()


def daftar_xlsx(header: Sequence[str], rows: list[list[Any]]) -> bytes:
    """A web list as a one-sheet workbook in memory: a bold frozen header, then the rows (cells neutralised)."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    ws = wb.add_worksheet("data")
    bold = wb.add_format({"bold": True})
    ws.write_row(0, 0, list(header), bold)
    for i, r in enumerate(rows, start=1):
        ws.write_row(i, 0, [netralkan(v) for v in r])
    ws.freeze_panes(1, 0)
    wb.close()
    return buf.getvalue()


# --- CSV -----------------------------------------------------------------------------------------------------

_ANGKA = frozenset({int, float, Decimal})  # exact types whose str() is what the csv module writes
Format = Callable[[Sequence[Any]], Sequence[str]]


def _sel_csv(v: Any) -> str:
    """One value as the csv module writes it (None empty, floats by repr), text neutralised."""
    if v is None:
        return ""
    if isinstance(v, str):
        return str(netralkan(str.__str__(v)))
    return repr(v) if isinstance(v, float) else str(v)


def _teks(kol: Sequence[Any]) -> Sequence[str]:
    try:
        awal, akhir = min(kol)[:1], max(kol)[:1]  # TypeError: None or numbers among the text
    except (TypeError, ValueError):
        pass
    else:
        # Every value's first character lies between the smallest's and the largest's: when that range holds
        # none of = + - @ tab CR (letters only, or digits and ./:;<), the column needs no neutralising at all.
        # A first character from AWAL_NFKC on may turn into one of them under NFKC (fullwidth ＝), so then not.
        if (awal.__class__ is str and akhir.__class__ is str and akhir < AWAL_NFKC
                and (awal > "@" or (awal > "-" and akhir < "="))):
            return kol
    bahaya, sel = awal_berbahaya, _sel_csv
    return [("'" + v if bahaya(v[:1]) else v) if v.__class__ is str else sel(v) for v in kol]


def _angka(kol: Sequence[Any]) -> Sequence[str]:
    if set(map(type, kol)) <= _ANGKA:
        return list(map(str, kol))
    return _teks(kol)  # a number column holding text or None: cell by cell


def _per_sel(f: Callable[[Any], str]) -> Format:
    return lambda kol: list(map(f, kol))


def _per_nilai(f: Callable[[Any], str], jenis: type) -> Format:
    """Cell by cell, but each distinct value once per batch when the column holds only `jenis` and None: equal
    values of one type give the same text (an arrival report's time repeats on each of its item lines)."""
    boleh = frozenset({jenis, type(None)})

    def kolom(kol: Sequence[Any]) -> list[str]:
        if not set(map(type, kol)) <= boleh:
            return list(map(f, kol))
        teks = {v: f(v) for v in set(kol)}
        return list(map(teks.__getitem__, kol))
    return kolom


def _format_csv(k: Kolom, tz: ZoneInfo) -> Format:
    """How a whole column of one kind becomes CSV text: one list of strings per batch, no branching per kind."""
    if k.jenis == "teks":
        return _teks
    if k.jenis == "json":
        return _per_sel(lambda v: "" if v is None else str(netralkan(json.dumps(v, ensure_ascii=False, default=str))))
    if k.jenis == "ya_tidak":
        return lambda kol: ["" if v is None else ("ya" if v else "tidak") for v in kol]
    if k.jenis == "waktu":
        def waktu(v: Any) -> str:
            if isinstance(v, datetime):
                return (v if v.tzinfo else v.replace(tzinfo=UTC)).astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")
            return "" if v is None else str(netralkan(str(v)))
        return _per_nilai(waktu, datetime)  # equal instants: the same local time
    if k.jenis == "tanggal":
        return _per_nilai(lambda v: "" if v is None else (v.isoformat() if isinstance(v, date)
                                                           else str(netralkan(str(v)))), date)
    if k.jenis == "nilai":
        return _per_sel(lambda v: v.teks if isinstance(v, NilaiSel) else ("" if v is None else str(v)))
    return _angka


class _Gema:
    """A 'file' whose write hands the text back: csv.writer(_Gema()).writerow(row) returns the row as CSV."""

    @staticmethod
    def write(s: str) -> str:
        return s


class PenulisCsv:
    """CSV written a batch at a time: per-column formatting, formula neutralising, quoting only where needed.

    A batch is formatted column by column, each row joined with commas and the batch joined into one string. The
    csv module would quote a field holding a comma, a double quote, CR or LF; when the joined batch has none of
    those beyond its own separators, it is already exactly what the csv module writes, and it is written as one
    string. Otherwise the rows with such a field are written through the csv module (same bytes, just slower).
    """

    def __init__(self, out: IO[str], kolom: Sequence[Kolom], *, bom: bool = False, tz: str = "Asia/Jakarta") -> None:
        if bom:
            out.write("\ufeff")
        self._out = out
        csv.writer(out, lineterminator="\r\n").writerow([netralkan(k.judul) for k in kolom])
        self._satu = csv.writer(_Gema(), lineterminator="\r\n").writerow
        zona = ZoneInfo(tz)
        self._format = [_format_csv(k, zona) for k in kolom]
        self.jumlah = 0

    def tulis_banyak(self, baris: Iterable[Sequence[Any]]) -> None:
        """Write a batch of rows."""
        rows = baris if isinstance(baris, list) else list(baris)
        if rows:
            self.tulis_kolom(list(zip(*rows, strict=True)))

    def tulis_kolom(self, kolom: Sequence[Sequence[Any]]) -> None:
        """Write a batch given column by column (one sequence of values per column, all of the same length)."""
        k = len(self._format)
        if len(kolom) != k:
            raise ValueError(f"batch ekspor harus {k} kolom, bukan {len(kolom)}")
        teks = [f(c) for f, c in zip(self._format, kolom, strict=True)]
        baris = list(map(",".join, zip(*teks, strict=True)))
        n = len(baris)
        if not n:
            return
        blok = "\r\n".join(baris)
        if (k < 2 or '"' in blok or blok.count(",") != n * (k - 1) or blok.count("\n") != n - 1
                or blok.count("\r") != n - 1):
            for i, b in enumerate(baris):
                if k < 2 or '"' in b or "\n" in b or "\r" in b or b.count(",") != k - 1:
                    baris[i] = self._satu([t[i] for t in teks])[:-2]
            blok = "\r\n".join(baris)
        self._out.write(blok)
        self._out.write("\r\n")
        self.jumlah += n


# --- datasets ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Konteks:
    """What row conversions may need: today's date (lateness) and the time zone."""

    hari_ini: date
    tz: str = "Asia/Jakarta"


Ubah = Callable[[Sequence[Any], Konteks], Sequence[Any]]


@dataclass(frozen=True)
class Dataset:
    """An export: its name (for commands), title, columns and how a database row becomes a sheet row."""

    nama: str
    judul: str
    keterangan: str
    kolom: tuple[Kolom, ...]
    ubah: Ubah | None = None
    catatan: tuple[str, ...] = field(default_factory=tuple)


_RAHASIA = ("token", "kode", "code", "secret", "rahasia", "password", "sandi", "csrf", "session", "sesi", "hash")


def tanpa_rahasia(v: Any) -> Any:
    """Audit values with every key that could hold a secret masked (codes, tokens, sessions, hashes)."""
    if isinstance(v, dict):
        return {k: ("(disembunyikan)" if any(s in str(k).lower() for s in _RAHASIA) else tanpa_rahasia(x))
                for k, x in v.items()}
    if isinstance(v, list):
        return [tanpa_rahasia(x) for x in v]
    return v


def samarkan_audit(entity: str, entity_id: Any, old: Any, new: Any) -> tuple[Any, Any, Any]:
    """An audit record's id, old and new values as every export shows them: secrets masked."""
    if entity in ("undangan", "web_login", "sesi") and entity_id is not None and not str(entity_id).isdigit():
        entity_id = "(disembunyikan)"  # an invite code or token used as an id is still a secret
    return entity_id, tanpa_rahasia(old), tanpa_rahasia(new)


def _ubah_audit(r: Sequence[Any], _k: Konteks) -> Sequence[Any]:
    ident, at, actor, actor_id, action, entity, entity_id, old, new = r
    return (ident, at, actor, actor_id, action, entity, *samarkan_audit(entity, entity_id, old, new))


def _ubah_realisasi(r: Sequence[Any], _k: Konteks) -> Sequence[Any]:
    row = list(r)
    jenis, nilai = row.pop(7), row[7]
    try:
        row[7] = nilai_teks(jenis, nilai)
    except Exception:  # a stored value the domain no longer reads is shown raw rather than dropped
        row[7] = nilai
    return row


def _ubah_anggaran(r: Sequence[Any], _k: Konteks) -> Sequence[Any]:
    row = list(r)
    pagu, jumlah = row[6], row[9]
    persen = penyerapan(jumlah, pagu) if jumlah is not None and pagu else None
    row.insert(10, persen.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if persen is not None else None)
    return row


def _ubah_rencana(r: Sequence[Any], k: Konteks) -> Sequence[Any]:
    row = list(r)
    status = row[10] or "belum"
    row[10] = STATUS_RENCANA.get(status, status)
    row[11] = row[11] or 0
    row.insert(13, terlambat(row[0], row[8], status, k.hari_ini))
    return row


def _ubah_tahapan(r: Sequence[Any], _k: Konteks) -> Sequence[Any]:
    row = list(r)
    row.insert(10, "tepat waktu" if row[9] <= row[4] else "terlambat")
    return row


DATASET: dict[str, Dataset] = {d.nama: d for d in (
    Dataset("tps", "TPS", "Daftar TPS dengan wilayah dan DPT", (
        Kolom("Kode TPS", lebar=20), Kolom("Nama TPS", lebar=10), Kolom("Provinsi/Satker", lebar=30),
        Kolom("Kode Kab/Kota", lebar=12), Kolom("KPU Kab/Kota", lebar=30), Kolom("Kode Kecamatan", lebar=14),
        Kolom("Kecamatan", lebar=30), Kolom("Kode Desa/Kel.", lebar=16), Kolom("Desa/Kelurahan", lebar=34),
        Kolom("DPT", "bulat"), Kolom("TPS sulit", "ya_tidak"), Kolom("Data dibuat (demo)", "ya_tidak", 12))),
    Dataset("pengguna", "Pengguna", "Pengguna dan cakupannya (tanpa kode undangan atau token)", (
        Kolom("ID", "nomor", 7), Kolom("Nama", lebar=32), Kolom("Username", lebar=16), Kolom("ID Telegram", lebar=14),
        Kolom("Peran", lebar=10), Kolom("Status", lebar=10), Kolom("Kode unit", lebar=12), Kolom("Unit", lebar=36),
        Kolom("Kepala unit", "ya_tidak", 10), Kolom("Jumlah TPS", "bulat"), Kolom("Terdaftar pada", "waktu"))),
    Dataset("realisasi", "Realisasi kinerja", "Semua versi realisasi dengan status verifikasi", (
        Kolom("Kode indikator", lebar=14), Kolom("Indikator", lebar=50), Kolom("Unit", lebar=10),
        Kolom("Tahun", "bulat", 7), Kolom("Periode", lebar=10), Kolom("Versi", "bulat", 7),
        Kolom("Versi terbaru", "ya_tidak", 10), Kolom("Nilai", lebar=12), Kolom("Status verifikasi", lebar=14),
        Kolom("Sumber", lebar=9), Kolom("Pelapor", lebar=26), Kolom("Dilaporkan pada", "waktu"),
        Kolom("Diverifikasi oleh", lebar=26), Kolom("Diverifikasi pada", "waktu"),
        Kolom("Catatan verifikasi", lebar=30), Kolom("Alasan koreksi", lebar=30), Kolom("Catatan", lebar=30),
        Kolom("Hambatan", lebar=30), Kolom("Upaya", lebar=30)), _ubah_realisasi),
    Dataset("anggaran", "Anggaran", "Pagu per program, kegiatan dan output dengan riwayat realisasi", (
        Kolom("Tahun", "bulat", 7), Kolom("Tingkat", lebar=10), Kolom("Kode", lebar=16),
        Kolom("Kode induk", lebar=10), Kolom("Uraian", lebar=50), Kolom("Unit", lebar=10), Kolom("Pagu (Rp)", "rupiah"),
        Kolom("Periode realisasi", lebar=10), Kolom("Versi", "bulat", 7), Kolom("Realisasi kumulatif (Rp)", "rupiah"),
        Kolom("Penyerapan (%)", "persen"), Kolom("Sumber", lebar=9), Kolom("Catatan", lebar=40),
        Kolom("Dicatat pada", "waktu")), _ubah_anggaran),
    Dataset("rencana_aksi", "Rencana aksi", "Kegiatan rencana aksi dengan kemajuan terakhir", (
        Kolom("Tahun", "bulat", 7), Kolom("Kode", lebar=16), Kolom("Uraian", lebar=50), Kolom("Unit", lebar=10),
        Kolom("Pagu (Rp)", "rupiah"), Kolom("Volume", "bulat", 9), Kolom("Satuan", lebar=12),
        Kolom("Bulan mulai", "bulat", 8), Kolom("Bulan selesai", "bulat", 8), Kolom("Jadwal demo", "ya_tidak", 9),
        Kolom("Status", lebar=12), Kolom("Kemajuan (%)", "bulat", 10), Kolom("Versi kemajuan", "bulat", 9),
        Kolom("Terlambat", "ya_tidak", 9), Kolom("Catatan kemajuan", lebar=30), Kolom("Diperbarui pada", "waktu")),
        _ubah_rencana),
    Dataset("tahapan", "Tahapan pemutakhiran", "Penyelesaian tahapan pemutakhiran data pemilih per kab/kota", (
        Kolom("Tahun", "bulat", 7), Kolom("No", "bulat", 5), Kolom("Tahapan", lebar=44), Kolom("Mulai", "tanggal"),
        Kolom("Selesai (jadwal)", "tanggal"), Kolom("Pelaksana", lebar=14), Kolom("Kode Kab/Kota", lebar=12),
        Kolom("KPU Kab/Kota", lebar=30), Kolom("Versi", "bulat", 7), Kolom("Selesai pada", "tanggal"),
        Kolom("Status", lebar=12), Kolom("Sumber", lebar=9), Kolom("Catatan", lebar=30), Kolom("Pencatat", lebar=26),
        Kolom("Dicatat pada", "waktu")), _ubah_tahapan),
    Dataset("kedatangan", "Kedatangan logistik", "Laporan kedatangan logistik di TPS dengan rincian barang", (
        Kolom("Nomor tanda terima", lebar=20), Kolom("Kode TPS", lebar=20), Kolom("Kode Kab/Kota", lebar=12),
        Kolom("KPU Kab/Kota", lebar=30), Kolom("Versi", "bulat", 7), Kolom("Jenis laporan", lebar=10),
        Kolom("Tiba pada", "waktu"), Kolom("Moda", lebar=12), Kolom("Lengkap", "ya_tidak", 9),
        Kolom("Tepat", "ya_tidak", 8), Kolom("Terlambat", "ya_tidak", 9), Kolom("Ada foto", "ya_tidak", 9),
        Kolom("Alasan tanpa foto", lebar=24), Kolom("Lintang", "koordinat"), Kolom("Bujur", "koordinat"),
        Kolom("Alasan/keterangan", lebar=30), Kolom("Pelapor", lebar=26), Kolom("Dilaporkan pada", "waktu"),
        Kolom("Kode barang", lebar=12), Kolom("Barang", lebar=30), Kolom("Diharapkan", "bulat"),
        Kolom("Diterima", "bulat"), Kolom("Rusak", "bulat", 8), Kolom("Salah jenis", "ya_tidak", 9),
        Kolom("Catatan barang", lebar=30))),
    Dataset("audit", "Log audit", "Jejak perubahan: siapa, kapan, apa (nilai rahasia disembunyikan)", (
        Kolom("ID", "nomor", 8), Kolom("Waktu", "waktu"), Kolom("Pelaku", lebar=30), Kolom("ID pengguna", "nomor", 10),
        Kolom("Aksi", lebar=14), Kolom("Entitas", lebar=14), Kolom("ID entitas", lebar=14),
        Kolom("Nilai lama", "json"), Kolom("Nilai baru", "json")), _ubah_audit),
)}


def kolom_dengan_zona(ds: Dataset, tz: str) -> list[Kolom]:
    """The dataset's columns with the time zone named in every time header ("Dilaporkan pada (WIB)")."""
    zona = tz_abbrev(tz)
    return [Kolom(f"{k.judul} ({zona})", k.jenis, k.lebar) if k.jenis == "waktu" else k for k in ds.kolom]


def _ubah_kolom(ds: Dataset, kolom: Sequence[Sequence[Any]], konteks: Konteks) -> list[Sequence[Any]]:
    assert ds.ubah is not None
    return list(zip(*[ds.ubah(r, konteks) for r in zip(*kolom, strict=True)], strict=True))


async def _batch(conn: AsyncConnection, ds: Dataset, konteks: Konteks, batas: int | None,
                 ) -> AsyncIterator[Sequence[Sequence[Any]]]:
    """Batches of sheet rows, column by column; the next batch is already being read while the caller writes."""
    sumber = kueri.alirkan_kolom(conn, ds.nama, batas=batas)
    berikut: asyncio.Future[list[Sequence[Any]]] = asyncio.ensure_future(sumber.__anext__())
    try:
        while True:
            try:
                part = await berikut
            except StopAsyncIteration:
                return
            berikut = asyncio.ensure_future(sumber.__anext__())
            await asyncio.sleep(0)  # let the read start (the driver's thread runs it) before writing on this one
            yield _ubah_kolom(ds, part, konteks) if ds.ubah else part
    finally:
        if not berikut.done():
            berikut.cancel()
            with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
                await berikut
        elif not berikut.cancelled():
            berikut.exception()  # a reader that stopped early (a closed pipe) leaves the prefetch's end unread
        await sumber.aclose()


async def tulis(conn: AsyncConnection, nama: str, fmt: str, tujuan: str | Path | IO[str] | IO[bytes], *,
                bom: bool = False, konteks: Konteks, batas: int | None = None,
                kemajuan: Callable[[int], None] | None = None, judul: str | None = None) -> int:
    """Stream one dataset into a CSV or XLSX file (or an open text stream for CSV); returns the rows written."""
    ds = DATASET[nama]
    kolom = kolom_dengan_zona(ds, konteks.tz)
    if fmt == "csv":
        if isinstance(tujuan, (str, Path)):
            with open(tujuan, "w", encoding="utf-8", newline="") as f:
                return await _tulis_csv(conn, ds, kolom, f, bom, konteks, batas, kemajuan)
        return await _tulis_csv(conn, ds, kolom, tujuan, bom, konteks, batas, kemajuan)  # type: ignore[arg-type]
    if fmt != "xlsx":
        raise ValueError(f"format ekspor tidak dikenal: {fmt}")
    bk = BukuKerja(tujuan, tz=konteks.tz, judul=f"Pantau — {ds.judul}")  # type: ignore[arg-type]
    try:
        lb = bk.lembar(ds.judul, kolom, judul=judul or f"Pantau — {ds.judul}", keterangan=[ds.keterangan])
        async for part in _batch(conn, ds, konteks, batas):
            for row in zip(*part, strict=True):
                lb.tulis(row)
            if kemajuan:
                kemajuan(lb.jumlah)
        n = lb.jumlah
    finally:
        bk.tutup()
    return n


class _JedaGc:
    """The cyclic garbage collector paused while CSV exports stream, and resumed when the last one ends.

    Every batch brings thousands of new driver rows (containers), so a collection runs every few hundred rows and
    walks the batch in flight: a fifth to a third of a national CSV export's time. The rows hold no reference
    cycles and are freed by reference counting as soon as their batch is written, so memory stays flat; garbage
    with cycles made elsewhere in the process meanwhile is collected once the collector runs again.
    """

    def __init__(self) -> None:
        self._kunci = threading.Lock()
        self._aktif = 0
        self._nyalakan = False

    @contextlib.contextmanager
    def __call__(self) -> Iterator[None]:
        with self._kunci:
            if not self._aktif:
                self._nyalakan = gc.isenabled()
                gc.disable()
            self._aktif += 1
        try:
            yield
        finally:
            with self._kunci:
                self._aktif -= 1
                if not self._aktif and self._nyalakan:
                    gc.enable()


_jeda_gc = _JedaGc()


async def _tulis_csv(conn: AsyncConnection, ds: Dataset, kolom: list[Kolom], out: IO[str], bom: bool,
                     konteks: Konteks, batas: int | None, kemajuan: Callable[[int], None] | None) -> int:
    w = PenulisCsv(out, kolom, bom=bom, tz=konteks.tz)
    with _jeda_gc():
        async for part in _batch(conn, ds, konteks, batas):
            w.tulis_kolom(part)
            if kemajuan:
                kemajuan(w.jumlah)
    return w.jumlah


async def perkiraan_baris(conn: AsyncConnection, nama: str) -> int:
    """How many rows the export will have."""
    return await kueri.hitung(conn, nama)


def nama_berkas(nama: str, fmt: str, hari_ini: date) -> str:
    """The file name offered for download: "pantau-tps-2024-11-24.xlsx"."""
    return f"pantau-{nama.replace('_', '-')}-{hari_ini.isoformat()}.{fmt}"


def ekspor_berkas(url: str, nama: str, fmt: str, path: str, *, bom: bool = False, tz: str = "Asia/Jakarta",
                  hari_ini: date | None = None, batas: int | None = None) -> int:
    """Run one export to a file with its own engine and event loop: for a worker thread or a separate process."""
    from storage.db import create_engine

    async def jalan() -> int:
        engine = create_engine(url)
        try:
            async with engine.connect() as conn:
                return await tulis(conn, nama, fmt, path, bom=bom, batas=batas,
                                   konteks=Konteks(hari_ini or datetime.now(ZoneInfo(tz)).date(), tz))
        finally:
            await engine.dispose()

    return asyncio.run(jalan())


# --- exports in a separate process -------------------------------------------------------------------------------

@dataclass(frozen=True)
class TugasEkspor:
    """One export for a separate process: everything it needs travels with it (pickled), nothing is inherited."""

    url: str
    nama: str
    fmt: str
    path: str
    bom: bool = False
    tz: str = "Asia/Jakarta"
    hari_ini: date | None = None
    batas: int | None = None
    zip_di_atas: int | None = None  # a file larger than this many bytes is zipped (in the same process)


@dataclass(frozen=True)
class HasilEkspor:
    """What an export process hands back: the file to send (zipped or not), its rows and bytes, and who wrote it."""

    path: str
    baris: int
    byte: int
    dizip: bool
    pid: int


class EksporGagal(Exception):
    """An export that failed in its process: the cause and the process's traceback as text (always picklable,
    whatever the driver's own exception holds)."""


def siapkan_proses(nice: int) -> None:
    """Start of an export process: a lower CPU priority than the bot's, private files (0600), modules loaded."""
    with contextlib.suppress(OSError):
        os.nice(nice)
    os.umask(0o077)
    import storage.db  # noqa: F401  (the first export need not pay for the imports)


def jalankan_tugas(tugas: TugasEkspor) -> HasilEkspor:
    """Run one export in this process (an export process's job): stream it to its file, zip it when too large."""
    try:
        n = ekspor_berkas(tugas.url, tugas.nama, tugas.fmt, tugas.path, bom=tugas.bom, tz=tugas.tz,
                          hari_ini=tugas.hari_ini, batas=tugas.batas)
        path, dizip = Path(tugas.path), False
        if tugas.zip_di_atas is not None and path.stat().st_size > tugas.zip_di_atas:
            path, dizip = kemas_zip(path), True
        return HasilEkspor(str(path), n, path.stat().st_size, dizip, os.getpid())
    except Exception as e:
        raise EksporGagal(f"{type(e).__name__}: {e}\n{traceback.format_exc()}") from None


def kemas_zip(path: str | Path, nama_di_dalam: str | None = None) -> Path:
    """Zip a file (deflate) beside it; returns the zip's path."""
    src = Path(path)
    dst = src.with_name(src.name + ".zip")
    with zipfile.ZipFile(dst, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as z:
        z.write(src, arcname=nama_di_dalam or src.name)
    return dst
