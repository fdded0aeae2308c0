"""Reporting periods (month, quarter, year), their codes and labels, and working-day deadlines.

Codes are stable storage keys: "2024-M03" (month), "2024-Q1" (quarter, *triwulan*), "2024" (year).
Labels are what people read: "Maret 2024", "Triwulan I 2024", "Tahun 2024". ``parse_periode`` accepts
both, plus the usual variants "TW I 2024", "Q3 2024", "2024-03". Periods order by start date, then
by end date (so January < Triwulan I < Tahun, all starting on 1 January).
"""

import calendar
import re
from collections.abc import Iterable
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator

from domain.errors import ParseError
from domain.harikerja import Kalender
from domain.tanggal import BULAN, TAHUN_MAKSIMUM, TAHUN_MINIMUM, parse_bulan, parse_tahun

__all__ = [
    "JenisPeriode",
    "Periode",
    "batas_lapor",
    "batas_lapor_digeser",
    "parse_periode",
    "periode_berjalan",
    "periode_tahun",
    "tambah_hari_kerja",
]

JenisPeriode = Literal["bulan", "triwulan", "tahun"]

_JUMLAH: dict[str, int] = {"bulan": 12, "triwulan": 4, "tahun": 1}
_ROMAWI = ("I", "II", "III", "IV")


class Periode(BaseModel):
    """A reporting period: month ``ke`` 1-12, quarter ``ke`` 1-4, or the year (``ke`` = 1)."""

    model_config = ConfigDict(frozen=True)

    tahun: int
    jenis: JenisPeriode
    ke: int

    @model_validator(mode="after")
    def _periksa(self) -> "Periode":
        if not TAHUN_MINIMUM <= self.tahun <= TAHUN_MAKSIMUM:
            raise ValueError(f"Tahun {self.tahun} di luar jangkauan ({TAHUN_MINIMUM}–{TAHUN_MAKSIMUM}).")
        batas = _JUMLAH[self.jenis]
        if not 1 <= self.ke <= batas:
            raise ValueError(f"Periode {self.jenis} ke-{self.ke} tidak ada; harus 1 sampai {batas}.")
        return self

    @property
    def kode(self) -> str:
        """Storage code: "2024-M03", "2024-Q1" or "2024"."""
        if self.jenis == "bulan":
            return f"{self.tahun}-M{self.ke:02d}"
        if self.jenis == "triwulan":
            return f"{self.tahun}-Q{self.ke}"
        return str(self.tahun)

    @property
    def label(self) -> str:
        """Human label: "Maret 2024", "Triwulan I 2024" or "Tahun 2024"."""
        if self.jenis == "bulan":
            return f"{BULAN[self.ke - 1]} {self.tahun}"
        if self.jenis == "triwulan":
            return f"Triwulan {_ROMAWI[self.ke - 1]} {self.tahun}"
        return f"Tahun {self.tahun}"

    @property
    def _bulan_awal_akhir(self) -> tuple[int, int]:
        if self.jenis == "bulan":
            return self.ke, self.ke
        if self.jenis == "triwulan":
            return 3 * self.ke - 2, 3 * self.ke
        return 1, 12

    @property
    def mulai(self) -> date:
        """First day of the period."""
        return date(self.tahun, self._bulan_awal_akhir[0], 1)

    @property
    def selesai(self) -> date:
        """Last day of the period."""
        bulan = self._bulan_awal_akhir[1]
        return date(self.tahun, bulan, calendar.monthrange(self.tahun, bulan)[1])

    def contains(self, d: date) -> bool:
        """Whether the date falls inside the period (both ends included)."""
        return self.mulai <= d <= self.selesai

    def _kunci(self) -> tuple[date, date]:
        return self.mulai, self.selesai

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Periode):
            return NotImplemented
        return self._kunci() < other._kunci()

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Periode):
            return NotImplemented
        return self._kunci() <= other._kunci()

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Periode):
            return NotImplemented
        return self._kunci() > other._kunci()

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Periode):
            return NotImplemented
        return self._kunci() >= other._kunci()


_CONTOH = "Tulis misalnya 2024-M03, Maret 2024, TW I 2024, 2024-Q1 atau 2024."
_RE_TAHUN = re.compile(r"^(?:TAHUN\s*)?(\d+)$", re.ASCII)
_RE_BULAN_KODE = re.compile(r"^(\d+)-M?(\d{1,2})$", re.ASCII)
_RE_TRIWULAN_KODE = re.compile(r"^(\d+)-(?:Q|TW)(\d+)$", re.ASCII)
_RE_TRIWULAN = re.compile(r"^(?:TW|TRIWULAN|TRW|Q)\s*-?\s*(IV|III|II|I|\d+)(?:\s+|\s*-\s*)(\d+)$", re.ASCII)
_RE_BULAN_NAMA = re.compile(r"^([A-Z]+)\.?\s*-?\s*(\d+)$", re.ASCII)


def _bulan(tahun: int, ke: int) -> Periode:
    if not 1 <= ke <= 12:
        raise ParseError(f"Bulan {ke} tidak ada; bulan harus 1 sampai 12. {_CONTOH}")
    return Periode(tahun=tahun, jenis="bulan", ke=ke)


def _triwulan(tahun: int, ke_teks: str) -> Periode:
    ke = _ROMAWI.index(ke_teks) + 1 if ke_teks in _ROMAWI else int(ke_teks)
    if not 1 <= ke <= 4:
        raise ParseError(f"Triwulan {ke_teks} tidak ada; triwulan hanya I sampai IV (1 sampai 4).")
    return Periode(tahun=tahun, jenis="triwulan", ke=ke)


def parse_periode(kode_or_label: str) -> Periode:
    """Read a period code ("2024-M03", "2024-Q1", "2024") or label ("Maret 2024", "TW I 2024")."""
    asli = kode_or_label.strip()
    if not asli:
        raise ParseError(f"Periode belum diisi. {_CONTOH}")
    if len(asli) > 40:
        raise ParseError("Periode terlalu panjang (lebih dari 40 karakter).")
    teks = " ".join(asli.upper().split())
    if cocok := _RE_TAHUN.match(teks):
        return Periode(tahun=parse_tahun(cocok.group(1)), jenis="tahun", ke=1)
    if cocok := _RE_BULAN_KODE.match(teks):
        return _bulan(parse_tahun(cocok.group(1)), int(cocok.group(2)))
    if cocok := _RE_TRIWULAN_KODE.match(teks):
        return _triwulan(parse_tahun(cocok.group(1)), cocok.group(2))
    if cocok := _RE_TRIWULAN.match(teks):
        return _triwulan(parse_tahun(cocok.group(2)), cocok.group(1))
    if cocok := _RE_BULAN_NAMA.match(teks):
        try:
            bulan = parse_bulan(cocok.group(1))
        except ParseError:
            raise ParseError(f"Periode '{asli}' tidak dikenali. {_CONTOH}") from None
        return _bulan(parse_tahun(cocok.group(2)), bulan)
    raise ParseError(f"Periode '{asli}' tidak dikenali. {_CONTOH}")


def periode_berjalan(jenis: JenisPeriode, today: date) -> Periode:
    """The period of the given kind that contains ``today``."""
    if jenis == "bulan":
        ke = today.month
    elif jenis == "triwulan":
        ke = (today.month - 1) // 3 + 1
    else:
        ke = 1
    return Periode(tahun=today.year, jenis=jenis, ke=ke)


def periode_tahun(tahun: int, jenis: JenisPeriode) -> list[Periode]:
    """All periods of the given kind in a year, in order."""
    return [Periode(tahun=tahun, jenis=jenis, ke=ke) for ke in range(1, _JUMLAH[jenis] + 1)]


def _kalender(libur: Iterable[date] | Kalender) -> Kalender:
    return libur if isinstance(libur, Kalender) else Kalender(libur)


def tambah_hari_kerja(start: date, n: int, libur: Iterable[date] | Kalender = ()) -> date:
    """The date n working days after ``start`` (before it when n < 0), skipping weekends and ``libur``."""
    return _kalender(libur).tambah_hari_kerja(start, n)


def batas_lapor(p: Periode, hari_kerja: int = 5, libur: Iterable[date] | Kalender = ()) -> date:
    """Reporting deadline: ``hari_kerja`` working days after the period ends."""
    return tambah_hari_kerja(p.selesai, hari_kerja, libur)


def batas_lapor_digeser(p: Periode, hari_kerja: int, libur: Kalender) -> list[str]:
    """The holidays (short names) that moved a reporting deadline later: "Idul Fitri", "Tahun Baru Masehi"."""
    return libur.digeser_karena(p.selesai, batas_lapor(p, hari_kerja, libur))
