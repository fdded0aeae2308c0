"""Logistics at the polling station: what should arrive, what an arrival report says, when it is late or *tepat*.

Vocabulary of one item line (``Baris``) of an arrival report, always the *state at the TPS* after that report:

* ``diharapkan``: the norm for this TPS (``per_tps``, or DPT + reserve for ballots, rounded up);
* ``diterima``: how many arrived (damaged ones included);
* ``rusak``: of those, how many are damaged;
* ``salah_jenis``: what arrived of this item is the wrong type (e.g. ballots of another region).

The five criteria of a *tepat* distribution (KPU's "tepat sasaran, jumlah, jenis, mutu, waktu"):

* ``sasaran``: the logistics reached the TPS they were meant for. A report is made by an officer of that very
  TPS about that TPS, so a report always meets it; it stays in the list so an admin can configure the list;
* ``jumlah``: every item arrived in at least the expected number;
* ``jenis``: no item is of the wrong type;
* ``mutu``: nothing is damaged, or enough good pieces arrived to replace the damaged ones;
* ``waktu``: the logistics were complete at the TPS by its deadline (H-1, earlier for TPS sulit).

``lengkap`` ("complete and good") is jumlah + jenis + mutu: what the one-tap "Semua lengkap dan baik" says.
An additional delivery (``tambahan``) adds to the previous state (``gabung``); a correction replaces it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_CEILING, Decimal
from zoneinfo import ZoneInfo

from domain.angka import format_number, parse_count
from domain.errors import ParseError
from domain.tanggal import format_datetime, parse_date, parse_time

KRITERIA: tuple[str, ...] = ("sasaran", "jumlah", "jenis", "mutu", "waktu")
LABEL_KRITERIA = {"sasaran": "tepat sasaran", "jumlah": "tepat jumlah", "jenis": "tepat jenis",
                  "mutu": "tepat mutu", "waktu": "tepat waktu"}
# Problem kinds in the order they are told; "konflik" is two officers disagreeing about one TPS.
MASALAH: tuple[str, ...] = ("kurang", "rusak", "salah_jenis", "terlambat")
LABEL_MASALAH = {"kurang": "kurang", "rusak": "rusak", "salah_jenis": "salah jenis", "terlambat": "terlambat",
                 "konflik": "laporan berbeda", "gabungan": "beberapa masalah"}
JENIS_LAPORAN = ("baru", "koreksi", "tambahan")
MAKS_CATATAN = 300
MAKS_JUMLAH = 100_000  # no single item reaches this at one TPS; anything above is a typing slip


@dataclass(frozen=True)
class JenisLogistik:
    """A kind of logistics item with its norm per TPS."""

    id: int
    kode: str
    nama: str
    satuan: str
    per_tps: int | None
    cadangan_persen: Decimal | None
    urutan: int


def jumlah_diharapkan(item: JenisLogistik, dpt: int) -> int:
    """The quantity one TPS should get: the fixed norm, or DPT plus the reserve percentage, rounded up."""
    if item.per_tps is not None:
        return item.per_tps
    if dpt < 0:
        raise ValueError("DPT tidak boleh negatif")
    cadangan = item.cadangan_persen or Decimal(0)
    return int((Decimal(dpt) * (Decimal(100) + cadangan) / Decimal(100)).to_integral_value(rounding=ROUND_CEILING))


@dataclass(frozen=True)
class Baris:
    """One item of an arrival report: the state of that item at the TPS."""

    item_id: int
    diharapkan: int
    diterima: int
    rusak: int = 0
    salah_jenis: bool = False
    catatan: str | None = None

    def __post_init__(self) -> None:
        if self.diharapkan < 0 or self.diterima < 0 or self.rusak < 0:
            raise ValueError("jumlah tidak boleh negatif")
        if self.rusak > self.diterima:
            raise ValueError("yang rusak tidak boleh lebih dari yang diterima")

    @property
    def kurang(self) -> int:
        """How many are missing."""
        return max(0, self.diharapkan - self.diterima)

    @property
    def layak(self) -> int:
        """How many usable pieces are there (right type, not damaged)."""
        return 0 if self.salah_jenis else self.diterima - self.rusak

    @property
    def jumlah_ok(self) -> bool:
        """At least the expected number arrived."""
        return self.diterima >= self.diharapkan

    @property
    def mutu_ok(self) -> bool:
        """Nothing damaged, or the damaged ones are replaced by enough good ones."""
        return self.rusak == 0 or self.diterima - self.rusak >= self.diharapkan

    @property
    def masalah(self) -> list[str]:
        """The problem kinds of this line (kurang, rusak, salah_jenis)."""
        out = []
        if not self.jumlah_ok:
            out.append("kurang")
        if not self.mutu_ok:
            out.append("rusak")
        if self.salah_jenis:
            out.append("salah_jenis")
        return out


def sesuai(item_id: int, diharapkan: int) -> Baris:
    """A line where everything expected arrived in good order."""
    return Baris(item_id, diharapkan, diharapkan)


def dengan_penyimpangan(item_id: int, diharapkan: int, *, kurang: int = 0, rusak: int = 0, salah_jenis: bool = False,
                        catatan: str | None = None) -> Baris:
    """A line built from what the officer says deviates: short by ``kurang``, ``rusak`` damaged, wrong type."""
    if kurang > diharapkan:
        raise ValueError("kurang tidak boleh lebih dari yang diharapkan")
    return Baris(item_id, diharapkan, diharapkan - kurang, rusak, salah_jenis, catatan)


def penilaian(baris: Sequence[Baris], terlambat: bool) -> dict[str, bool]:
    """Each of the five criteria, met or not."""
    return {
        "sasaran": True,
        "jumlah": all(b.jumlah_ok for b in baris),
        "jenis": not any(b.salah_jenis for b in baris),
        "mutu": all(b.mutu_ok for b in baris),
        "waktu": not terlambat,
    }


def tepat(nilai: Mapping[str, bool], kriteria: Sequence[str] = KRITERIA) -> bool:
    """Whether every configured criterion is met (an empty list is refused: it would make everything tepat)."""
    if not kriteria:
        raise ValueError("daftar kriteria tepat tidak boleh kosong")
    unknown = [k for k in kriteria if k not in KRITERIA]
    if unknown:
        raise ValueError(f"kriteria tidak dikenal: {unknown}")
    return all(nilai[k] for k in kriteria)


def lengkap(baris: Sequence[Baris]) -> bool:
    """Complete and good: right number, right type, good quality (time aside)."""
    return all(not b.masalah for b in baris)


def masalah(baris: Sequence[Baris], terlambat: bool) -> list[str]:
    """The problem kinds of a report, in the order of MASALAH."""
    found = {m for b in baris for m in b.masalah}
    if terlambat:
        found.add("terlambat")
    return [m for m in MASALAH if m in found]


def jenis_eskalasi(kinds: Sequence[str]) -> str:
    """One label for an escalation: the single kind, or "gabungan" for several."""
    if not kinds:
        raise ValueError("tidak ada masalah")
    return kinds[0] if len(kinds) == 1 else "gabungan"


def batas_tps(sulit: bool, batas: datetime | None, batas_sulit: datetime | None) -> datetime | None:
    """The arrival deadline of a TPS: the earlier one for TPS sulit (falls back to the ordinary one)."""
    return (batas_sulit or batas) if sulit else batas


def terlambat(tiba_pada: datetime, batas: datetime | None) -> bool:
    """Arrived after the deadline (no deadline configured: never late)."""
    return batas is not None and tiba_pada > batas


def kebutuhan_tambahan(lama: Sequence[Baris]) -> list[Baris]:
    """What an additional delivery should still bring, item by item (only items still short of usable pieces)."""
    return [sesuai(b.item_id, b.diharapkan - b.layak) for b in lama if b.layak < b.diharapkan]


def gabung(lama: Sequence[Baris], tambahan: Sequence[Baris]) -> list[Baris]:
    """The state after an additional delivery: quantities add up; the latest delivery of an item decides its type."""
    baru = {b.item_id: b for b in tambahan}
    out = []
    for a in lama:
        b = baru.pop(a.item_id, None)
        if b is None or b.diterima == 0:
            out.append(a)
            continue
        catatan = "; ".join(c for c in (a.catatan, b.catatan) if c) or None
        out.append(Baris(a.item_id, a.diharapkan, a.diterima + b.diterima, a.rusak + b.rusak, b.salah_jenis,
                         catatan[:MAKS_CATATAN] if catatan else None))
    return out


def terlambat_gabungan(lama_lengkap: bool, lama_terlambat: bool, baru_terlambat: bool) -> bool:
    """Late after an additional delivery: complete before it, the old verdict stands; else the later arrival counts."""
    return lama_terlambat if lama_lengkap else (lama_terlambat or baru_terlambat)


def berbeda(a: Sequence[Baris], b: Sequence[Baris]) -> bool:
    """Whether two reports disagree about what is at the TPS (notes aside)."""
    def key(rows: Sequence[Baris]) -> set[tuple[int, int, int, bool]]:
        return {(r.item_id, r.diterima, r.rusak, r.salah_jenis) for r in rows}
    return key(a) != key(b)


def nomor_tanda_terima(kode_tps: str, versi: int) -> str:
    """The receipt number of a report: TB-<TPS code>-<version>."""
    return f"TB-{kode_tps}-{versi}"


_RE_JAM_AKHIR = re.compile(
    r"^(?P<tgl>.*?)[\s,]*(?P<awalan>(?:pukul|pkl\.?|jam)\s*)?(?P<jam>\d{1,2}(?P<menit>[.:]\d{2})?"
    r"(?P<bagian>\s*(?:pagi|siang|sore|petang|malam))?)(?:\s*(?:wib|wita|wit))?$", re.IGNORECASE)


def _contoh_waktu(kemarin: date) -> str:
    # The date example is yesterday's, so copying it works: a fixed date soon lies before any running event.
    return ("Tulis jamnya (mis. 08.30, 14:00 atau jam 2 siang) bila tiba hari ini, \"kemarin 14.00\", atau "
            f"tanggal dan jam (mis. {kemarin.day}/{kemarin.month}/{kemarin.year} 14.00).")


_RE_TENGAH_MALAM = re.compile(r"(?<!\d)12(?:[.:]00)?\s*malam$", re.IGNORECASE)


def parse_waktu_tiba(text: str, *, sekarang: datetime, tz: str, paling_awal: datetime | None = None) -> datetime:
    """Read when the logistics arrived: "08.30", "14:00", "jam 2 siang" (today), "kemarin 14.00" or
    "25/11/2024 14.00"; in the past only. A bare hour needs "jam"/"pukul", a part of the day, or nothing else
    typed ("14"), so a date without a time ("26/11/2024") is not read as 20/11 at 24."""
    asli = " ".join(text.split())
    zona = ZoneInfo(tz)
    hari_ini = sekarang.astimezone(zona).date()
    contoh = _contoh_waktu(hari_ini - timedelta(days=1))
    if not asli:
        raise ParseError(f"Waktu tiba belum diisi. {contoh}")
    if len(asli) > 60:
        raise ParseError(f"Waktu tiba terlalu panjang. {contoh}")
    cocok = _RE_JAM_AKHIR.match(asli)
    jam_saja = cocok is not None and not (cocok.group("menit") or cocok.group("awalan") or cocok.group("bagian"))
    if cocok is None or (jam_saja and cocok.group("tgl").strip()):
        raise ParseError(f"Waktu '{asli}' tidak dikenali. {contoh}")
    jam: time = parse_time(cocok.group("jam"))
    bagian = cocok.group("tgl").strip().lower()
    if bagian in ("", "hari ini", "tadi"):
        tanggal = hari_ini
    elif bagian == "kemarin":
        tanggal = hari_ini - timedelta(days=1)
    else:
        tanggal = parse_date(cocok.group("tgl"))
    if bagian not in ("", "hari ini", "tadi") and _RE_TENGAH_MALAM.search(cocok.group("jam")):
        tanggal += timedelta(days=1)  # "kemarin 12 malam": the midnight that ends that day
    hasil = datetime.combine(tanggal, jam, tzinfo=zona)
    # A minute of grace: the phone's clock and ours rarely agree to the second.
    if hasil > sekarang + timedelta(minutes=1):
        raise ParseError(f"Waktu tiba tidak boleh di masa depan ({format_datetime(hasil, tz)}).")
    if paling_awal is not None and hasil < paling_awal:
        raise ParseError(f"Waktu tiba tidak boleh sebelum pengiriman dimulai ({format_datetime(paling_awal, tz)}).")
    return hasil


JENIS_JUMLAH = {"kurang": "yang kurang", "rusak": "yang rusak"}
_SATUAN_JUMLAH = ("buah", "lembar", "pcs", "unit", "set", "botol", "eksemplar")


def _periksa_kata_langkah(kata: str, jenis: str) -> None:
    if kata != jenis:
        raise ParseError(f"Langkah ini menanyakan jumlah {JENIS_JUMLAH[jenis]}, bukan {JENIS_JUMLAH[kata]}. "
                         f"Ketik angkanya saja, mis. 2.")


def parse_jumlah_catatan(text: str, *, maximum: int, jenis: str | None = None) -> tuple[int, str | None]:
    """A count optionally followed by a note ("2 basah kena hujan" → 2, "basah kena hujan"); the step's own word may
    come first, as people type it ("kurang 2", "Rusak: 3 basah")."""
    teks = " ".join(text.split())
    kata, _, sisa = teks.partition(" ")
    kata = kata.rstrip(":").lower()
    if kata in JENIS_JUMLAH and jenis is not None:
        _periksa_kata_langkah(kata, jenis)
        teks = sisa.lstrip(": ")
    angka, _, catatan = teks.partition(" ")
    jumlah = parse_count(angka, maximum=maximum)
    # "2 kurang", "2 buah rusak basah": the step's word or a unit after the count is no note.
    kata_catatan = catatan.split(" ")
    while kata_catatan and (kata := kata_catatan[0].rstrip(":,").lower()) in (*_SATUAN_JUMLAH, *JENIS_JUMLAH):
        if kata in JENIS_JUMLAH:
            if jenis is None:
                break
            _periksa_kata_langkah(kata, jenis)
        kata_catatan.pop(0)
    catatan = " ".join(kata_catatan)
    return jumlah, (catatan[:MAKS_CATATAN] or None)


def catatan_bersih(text: str | None) -> str | None:
    """A free-text note trimmed to one reasonable length (None when empty)."""
    if text is None:
        return None
    teks = " ".join(text.split())
    return teks[:MAKS_CATATAN] or None


# A report started as the first one, but another officer's report for the TPS was stored meanwhile.
ALASAN_BERSAMAAN = "dikirim bersamaan dengan laporan lain untuk TPS ini"


def uraian_masalah(baris: Sequence[Baris], nama: Mapping[int, tuple[str, str]], terlambat: bool) -> list[str]:
    """The problems of a report in plain Indonesian, one line each ("Kotak suara: kurang 1 buah")."""
    out = []
    for b in baris:
        if not b.masalah:
            continue
        item, satuan = nama.get(b.item_id, (f"barang #{b.item_id}", ""))
        bagian = []
        if "kurang" in b.masalah:
            bagian.append(f"kurang {format_number(b.kurang)} {satuan}".rstrip())
        if "rusak" in b.masalah:
            bagian.append(f"rusak {format_number(b.rusak)} {satuan}".rstrip())
        if b.salah_jenis:
            bagian.append("salah jenis")
        out.append(f"{item}: {', '.join(bagian)}" + (f" ({b.catatan})" if b.catatan else ""))
    if terlambat:
        out.append("Tiba terlambat (melewati batas H-1)")
    return out
