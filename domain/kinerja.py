"""Performance reporting by unit operators: open periods, evidence links, budget and stage checks, verifiers.

Rules kept here (pure, no I/O) so the bot, the web and the storage layer apply the same ones:

* a realisation is reported for a period of the indicator's frequency (month, quarter or year) inside the PK
  year; a period that has not started yet is "in the future" and refused; earlier periods of the year stay
  open for late reports until an admin closes them (the list of closed period codes lives in app_settings);
* budget spending is cumulative: it may not exceed the pagu, and a period's amount below an earlier period's
  (or above a later one's) is refused unless it is recorded as a correction with a reason;
* a voter-list stage is done on a date that is neither in the future nor before the stage started;
* the verifier of a unit's report is the nearest unit head up the unit tree (the unit's own head, else the
  pimpinan over it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from domain.anggaran import penyerapan
from domain.angka import format_number, format_percent, format_rupiah, parse_percent
from domain.capaian import JenisIndikator, nilai_from_canonical
from domain.errors import ParseError
from domain.periode import JenisPeriode, Periode, periode_berjalan, periode_tahun
from domain.tanggal import format_date

__all__ = [
    "BATAS_ALASAN",
    "BATAS_BUKTI",
    "BATAS_TEKS",
    "Belanja",
    "DitolakError",
    "LaporanRealisasi",
    "cakupan_unit",
    "kepala_terdekat",
    "melebihi_target",
    "nilai_otomatis",
    "parse_progres",
    "parse_tautan",
    "periksa_alasan",
    "periksa_belanja",
    "periksa_periode",
    "periksa_tanggal_selesai",
    "periode_bawaan",
    "periode_terbuka",
    "persen_tps_tepat",
    "rantai_atas",
    "teks_bebas",
]

BATAS_TEKS = 1000  # hambatan, upaya, notes
BATAS_ALASAN = 500
BATAS_BUKTI = 5  # evidence items per report
BATAS_TAUTAN = 500
_FREKUENSI: dict[str, JenisPeriode] = {"bulan": "bulan", "triwulan": "triwulan", "tahun": "tahun"}
_NAMA_FREKUENSI = {"bulan": "bulan", "triwulan": "triwulan", "tahun": "tahun"}
_CONTOH_PERIODE = {"bulan": "Oktober 2024", "triwulan": "Triwulan III 2024", "tahun": "2024"}


class DitolakError(ValueError):
    """A report that breaks a rule (over pagu, stage marked twice, …); ``pesan`` is the Indonesian reason."""

    def __init__(self, pesan: str) -> None:
        super().__init__(pesan)
        self.pesan = pesan

    def __str__(self) -> str:
        return self.pesan


@dataclass(frozen=True)
class LaporanRealisasi:
    """One version of a realisation with everything the operator and the verifier see."""

    id: int
    indicator_id: int
    tahun: int
    periode: str
    versi: int
    nilai: str
    status: str  # diajukan, disetujui, dikembalikan
    sumber: str
    created_at: datetime
    author_id: int | None = None
    bukti: list[dict[str, Any]] = field(default_factory=list)
    hambatan: str | None = None
    upaya: str | None = None
    alasan_koreksi: str | None = None
    verified_by: int | None = None
    verified_at: datetime | None = None
    verify_note: str | None = None


@dataclass(frozen=True)
class Belanja:
    """One version of a budget line's cumulative spending up to the end of a period."""

    id: int
    budget_line_id: int
    periode: str
    versi: int
    jumlah: int
    catatan: str | None
    created_at: datetime


def _frekuensi(frekuensi: str) -> JenisPeriode:
    try:
        return _FREKUENSI[frekuensi]
    except KeyError:
        raise ValueError(f"Frekuensi indikator tidak dikenal: {frekuensi!r}") from None


def periode_terbuka(frekuensi: str, tahun: int, today: date, tutup: Iterable[str] = ()) -> list[Periode]:
    """The periods of the year an operator may still report: started by today and not closed by an admin."""
    closed = set(tutup)
    return [p for p in periode_tahun(tahun, _frekuensi(frekuensi)) if p.mulai <= today and p.kode not in closed]


def periode_bawaan(frekuensi: str, tahun: int, today: date) -> Periode:
    """The default period: the one running today, or the year's last period when the PK year is over."""
    jenis = _frekuensi(frekuensi)
    if today.year == tahun:
        return periode_berjalan(jenis, today)
    return periode_tahun(tahun, jenis)[-1 if today.year > tahun else 0]


def periksa_periode(p: Periode, frekuensi: str, tahun: int, today: date, tutup: Iterable[str] = ()) -> None:
    """Refuse a period in the future, of the wrong kind, outside the PK year or closed (ParseError)."""
    if p.mulai > today:
        raise ParseError(f"{p.label} adalah periode di masa depan; laporkan hanya periode yang sudah berjalan.")
    jenis = _frekuensi(frekuensi)
    if p.jenis != jenis:
        raise ParseError(f"Indikator ini dilaporkan per {_NAMA_FREKUENSI[jenis]}, jadi pilih periode "
                         f"{_NAMA_FREKUENSI[jenis]} (misalnya {_CONTOH_PERIODE[jenis]}), bukan {p.label}.")
    if p.tahun != tahun:
        raise ParseError(f"{p.label} di luar tahun Perjanjian Kinerja ({tahun}).")
    if p.kode in set(tutup):
        raise ParseError(f"Periode {p.label} sudah ditutup admin. Hubungi admin bila perlu dibuka kembali.")


def teks_bebas(text: str, batas: int = BATAS_TEKS, nama: str = "Teks") -> str:
    """Free text (hambatan, upaya, notes): trimmed, not empty, not longer than ``batas`` characters."""
    teks = text.strip()
    if not teks:
        raise ParseError(f"{nama} masih kosong.")
    if len(teks) > batas:
        raise ParseError(f"{nama} terlalu panjang ({format_number(len(teks))} karakter, paling banyak "
                         f"{format_number(batas)}). Ringkaslah.")
    return teks


def periksa_alasan(text: str) -> str:
    """A correction or return reason: at least a few words' worth, at most 500 characters."""
    teks = teks_bebas(text, BATAS_ALASAN, "Alasan")
    if len(teks) < 5:
        raise ParseError("Alasan terlalu singkat; tulis minimal satu kalimat pendek.")
    return teks


def parse_tautan(text: str) -> str:
    """An evidence link: one http(s) URL without spaces."""
    teks = text.strip()
    rendah = teks.lower()
    if not rendah.startswith(("http://", "https://")) or len(teks) <= len("https://") or any(
            c.isspace() for c in teks):
        raise ParseError("Tautan bukti harus satu alamat yang diawali http:// atau https://, tanpa spasi.")
    if len(teks) > BATAS_TAUTAN:
        raise ParseError(f"Tautan terlalu panjang (lebih dari {BATAS_TAUTAN} karakter).")
    return teks


def parse_progres(text: str) -> int:
    """Progress of a running activity: a whole percentage from 0 to 99 (100 % means: mark it done)."""
    nilai = parse_percent(text)
    if nilai != nilai.to_integral_value():
        raise ParseError("Kemajuan ditulis dalam persen bulat, misalnya 40 atau 75 %.")
    if nilai > 100:
        raise ParseError(f"Kemajuan tidak bisa lebih dari 100 % (tertulis {format_number(nilai)} %). Tulis angka 0 "
                         "sampai 99, atau pilih status Selesai bila kegiatan sudah tuntas.")
    if nilai == 100:
        raise ParseError("Kemajuan 100 % berarti selesai: pilih status Selesai, atau tulis angka 0 sampai 99.")
    return int(nilai)


def periksa_belanja(jumlah: int, pagu: int, sebelum: tuple[str, int] | None, sesudah: tuple[str, int] | None,
                    koreksi: bool) -> None:
    """Refuse a cumulative amount above the pagu, or out of order with its neighbours unless it is a correction."""
    if jumlah > pagu:
        persen = penyerapan(jumlah, pagu)
        lebih = f" ({format_percent(persen)} dari pagu)" if persen is not None else ""
        raise DitolakError(f"Ditolak: {format_rupiah(jumlah)} melebihi pagu {format_rupiah(pagu)}{lebih}. "
                           "Realisasi anggaran tidak boleh melebihi pagu; periksa kembali jumlahnya.")
    if koreksi:
        return
    if sebelum is not None and jumlah < sebelum[1]:
        raise DitolakError(f"Ditolak: {format_rupiah(jumlah)} lebih kecil dari realisasi kumulatif s.d. "
                           f"{sebelum[0]} ({format_rupiah(sebelum[1])}). Realisasi dilaporkan kumulatif, jadi "
                           "tidak boleh turun kecuali koreksi (dengan alasan).")
    if sesudah is not None and jumlah > sesudah[1]:
        raise DitolakError(f"Ditolak: {format_rupiah(jumlah)} lebih besar dari realisasi kumulatif s.d. "
                           f"{sesudah[0]} ({format_rupiah(sesudah[1])}) yang sudah dilaporkan. Ini hanya boleh "
                           "sebagai koreksi (dengan alasan).")


def periksa_tanggal_selesai(d: date, mulai: date, today: date) -> None:
    """A stage's completion date: not in the future and not before the stage started."""
    if d > today:
        raise ParseError(f"Tanggal {format_date(d)} masih di masa depan; tandai selesai setelah tahapannya selesai.")
    if d < mulai:
        raise ParseError(f"Tanggal {format_date(d)} sebelum tahapan dimulai ({format_date(mulai)}).")


def kepala_terdekat(unit_id: int, induk: Mapping[int, int | None], kepala: Mapping[int, Sequence[int]]) -> list[int]:
    """The heads (user ids) of the nearest unit, going up from ``unit_id``, that has an active head."""
    seen: set[int] = set()
    u: int | None = unit_id
    while u is not None and u not in seen:
        seen.add(u)
        if kepala.get(u):
            return list(kepala[u])
        u = induk.get(u)
    return []


def rantai_atas(unit_id: int, induk: Mapping[int, int | None]) -> list[int]:
    """The unit and every unit above it, nearest first."""
    out: list[int] = []
    u: int | None = unit_id
    while u is not None and u not in out:
        out.append(u)
        u = induk.get(u)
    return out


def cakupan_unit(unit_id: int, induk: Mapping[int, int | None], jenis: Mapping[int, str]) -> list[int]:
    """Units whose budget lines and action-plan activities a unit's operator reports.

    The unit and every unit below it, plus the Bagian above a Sub Bagian: the action plan assigns activities
    to the Bagian, and its Sub Bagian report them. A KPU kab/kota or the satker stops the climb.
    """
    anak: dict[int, list[int]] = {}
    for u, p in induk.items():
        if p is not None:
            anak.setdefault(p, []).append(u)
    out, stack = [], [unit_id]
    while stack:
        u = stack.pop()
        out.append(u)
        stack.extend(anak.get(u, []))
    p = induk.get(unit_id)
    if jenis.get(unit_id) == "subbagian" and p is not None and jenis.get(p) == "bagian":
        out.append(p)
    return out


def nilai_otomatis(persen: float | Decimal) -> str:
    """The canonical value text of a computed percentage, to two decimals ("99.5", "100")."""
    d = Decimal(str(persen)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP).normalize()
    return format(d, "f") if d != d.to_integral_value() else str(int(d))


def persen_tps_tepat(tepat: int, total: int) -> Decimal | None:
    """Indicator 6: TPS whose latest arrival report is *tepat*, as a share of every TPS (None without TPS)."""
    if total <= 0:
        return None
    if not 0 <= tepat <= total:
        raise ValueError(f"Jumlah TPS tepat ({tepat}) harus antara 0 dan {total}.")
    return (Decimal(tepat) * 100 / Decimal(total)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# --- verification (one rule for the bot's Setujui/Kembalikan and the web's Realisasi page) --------------------

VF_BUKAN_KEPALA = ("Anda bukan kepala unit atau pimpinan atas unit pelapor, jadi tidak dapat memverifikasi laporan "
                   "ini.")
VF_MILIK_SENDIRI = "Anda tidak dapat memverifikasi laporan Anda sendiri; laporan ini menunggu kepala unit lain."


def berwenang_verifikasi(peran: str, aktif: bool, is_head: bool, unit_id: int | None, unit_laporan: int,
                         induk: Mapping[int, int | None]) -> bool:
    """Whether someone may verify a unit's reports: an admin, or the active head of the unit or a unit above it."""
    if not aktif:
        return False
    if peran == "admin":
        return True
    return is_head and unit_id is not None and unit_id in rantai_atas(unit_laporan, induk)


def periksa_verifikasi(*, berwenang: bool, verifikator_id: int, penulis_id: int | None, status: str, versi: int,
                       versi_terbaru: int, setuju: bool | None, alasan: str | None = None) -> str | None:
    """Whether a realisation may be decided now; DitolakError (in Indonesian) if not. Returns the checked reason
    when returning it (``setuju`` False); ``setuju`` None checks everything but the reason (the bot asks it next).

    Only someone with the authority, never the report's author, only a report still waiting, only the newest
    version, and a return always with a reason.
    """
    if not berwenang:
        raise DitolakError(VF_BUKAN_KEPALA)
    if penulis_id is not None and penulis_id == verifikator_id:
        raise DitolakError(VF_MILIK_SENDIRI)
    if status != "diajukan":
        raise DitolakError(f"Laporan ini sudah diverifikasi sebelumnya (status: {status}).")
    if versi_terbaru > versi:
        raise DitolakError(f"Laporan ini sudah digantikan versi {versi_terbaru}; verifikasi versi terbaru.")
    if setuju is False:
        try:
            return periksa_alasan(alasan or "")
        except ParseError as exc:
            raise DitolakError(f"Pengembalian perlu alasan. {exc.pesan}") from exc
    return None


# --- a realisation worth a second look --------------------------------------------------------------------------


def melebihi_target(jenis: str, nilai: str, target: str) -> bool:
    """Whether a percentage realisation (canonical) is above 100 % and above its target: possible, but more often
    a typing slip, so the reporter confirms it."""
    if jenis != JenisIndikator.persen:
        return False
    angka = nilai_from_canonical(JenisIndikator.persen, nilai).angka
    if angka is None or angka <= 100:
        return False
    try:
        batas = nilai_from_canonical(JenisIndikator.persen, target).angka
    except ParseError:  # a target that is not a number ("Proses"): 100 % is the bar
        batas = None
    return batas is None or angka > batas
