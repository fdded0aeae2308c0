"""SAKIP performance achievement (*capaian*): indicator values, achievement rules and the SAKIP scale.

Rules of ``hitung_capaian``:

* numeric kinds (persen, angka, indeks), polarity ``naik`` (higher is better): R / T x 100; with T = 0
  any realisation meets the target (values are never negative), so capaian is 100;
* numeric kinds, polarity ``turun`` (lower is better): (2T - R) / T x 100, floored at 0; with T = 0 the
  capaian is 100 when R = 0 and 0 otherwise;
* graded kinds (predikat D < C < CC < B < BB < A < AA, opini TMP < TW < WDP < WTP): the scale has its own
  order, so polarity is not used; reached (rank R >= rank T) gives 100, otherwise rank(R) / rank(T) x 100
  with 1-based ranks; ``selisih_tingkat`` = rank(R) - rank(T);
* no realisation yet, or a pending one ("Proses"), gives status ``menunggu`` and no percentage:
  pending is neither zero nor failure;
* ``persen`` is quantized to 0.01 (ROUND_HALF_UP) when computed, so the stored, displayed and judged
  values agree; status is ``tercapai`` when that value is >= 100;
* the optional cap ``batas`` (at least 100, e.g. 100 or 120) limits ``persen`` after rounding.

Numeric values are never negative: neither ``Nilai`` nor ``parse_nilai`` accepts them.
"""

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, localcontext
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator

from domain.angka import format_number, parse_number, parse_percent
from domain.errors import ParseError, kutip

__all__ = [
    "OPINI",
    "PREDIKAT",
    "SKALA_SAKIP",
    "HasilCapaian",
    "JenisIndikator",
    "Kategori",
    "Nilai",
    "Polaritas",
    "StatusCapaian",
    "format_nilai",
    "hitung_capaian",
    "kategori_sakip",
    "nilai_from_canonical",
    "parse_nilai",
    "rata_rata",
]


class JenisIndikator(StrEnum):
    """Kind of indicator value."""

    persen = "persen"
    angka = "angka"
    indeks = "indeks"
    predikat = "predikat"
    opini = "opini"


class Polaritas(StrEnum):
    """Whether a higher (naik) or lower (turun) realisation is better."""

    naik = "naik"
    turun = "turun"


PREDIKAT: tuple[str, ...] = ("D", "C", "CC", "B", "BB", "A", "AA")
OPINI: tuple[str, ...] = ("TMP", "TW", "WDP", "WTP")

StatusCapaian = Literal["tercapai", "tidak_tercapai", "menunggu"]

_PROSES = "Proses"
_KATA_PROSES = frozenset(
    {
        "proses",
        "dalam proses",
        "sedang proses",
        "masih proses",
        "proses audit",
        "pending",
        "menunggu",
        "menunggu hasil",
        "belum ada hasil",
    }
)
_NAMA_OPINI = {
    "wajar tanpa pengecualian": "WTP",
    "wajar dengan pengecualian": "WDP",
    "tidak wajar": "TW",
    "tidak memberikan pendapat": "TMP",
    "tidak menyatakan pendapat": "TMP",
    "disclaimer": "TMP",
}
_NUMERIK = frozenset({JenisIndikator.persen, JenisIndikator.angka, JenisIndikator.indeks})
_SERATUS = Decimal(100)
_SEN = Decimal("0.01")
_PRESISI = 100

_HARAPAN = {
    JenisIndikator.persen: "indikator persentase diisi angka, misalnya 95 atau 95,5 %",
    JenisIndikator.angka: "indikator ini diisi angka, misalnya 12 atau 7,5",
    JenisIndikator.indeks: "indikator indeks diisi angka nilai indeks, misalnya 79 atau 79,5",
    JenisIndikator.predikat: "indikator predikat diisi salah satu predikat " + ", ".join(PREDIKAT),
    JenisIndikator.opini: (
        "indikator opini BPK diisi salah satu opini "
        + ", ".join(reversed(OPINI))
        + " (atau nama lengkapnya, misalnya Wajar Tanpa Pengecualian)"
    ),
}


class Nilai(BaseModel):
    """A target or realisation value: a number, a grade/opinion code, or pending ("Proses")."""

    model_config = ConfigDict(frozen=True)

    angka: Decimal | None = None
    teks: str | None = None
    pending: bool = False

    @model_validator(mode="after")
    def _periksa(self) -> "Nilai":
        terisi = (self.angka is not None) + (self.teks is not None) + self.pending
        if terisi != 1:
            raise ValueError("Nilai harus tepat satu dari: angka, teks, atau pending.")
        if self.angka is not None and (not self.angka.is_finite() or self.angka < 0):
            raise ValueError(f"Angka nilai harus bilangan terhingga dan tidak negatif, bukan {self.angka}.")
        if self.teks is not None and not self.teks.strip():
            raise ValueError("Teks nilai tidak boleh kosong.")
        return self

    @classmethod
    def dari_angka(cls, angka: Decimal | int) -> "Nilai":
        """A numeric value."""
        return cls(angka=Decimal(angka))

    @classmethod
    def dari_teks(cls, teks: str) -> "Nilai":
        """A grade or opinion code."""
        return cls(teks=teks)

    @classmethod
    def proses(cls) -> "Nilai":
        """A pending value ("Proses")."""
        return cls(pending=True)

    def canonical(self) -> str:
        """Stable storage string: "100", "95.5", "B", "WTP" or "Proses"."""
        if self.pending:
            return _PROSES
        if self.angka is not None:
            return _decimal_kanonik(self.angka)
        assert self.teks is not None  # guaranteed by the validator
        return self.teks


def _decimal_kanonik(d: Decimal) -> str:
    with localcontext() as ctx:
        ctx.prec = _PRESISI
        if d == d.to_integral_value():
            return str(int(d))
        return format(d, "f").rstrip("0")


def _daftar_tingkat(jenis: JenisIndikator) -> tuple[str, ...]:
    return PREDIKAT if jenis == JenisIndikator.predikat else OPINI


def _galat_jenis(jenis: JenisIndikator, teks: str) -> ParseError:
    return ParseError(f"Nilai '{kutip(teks)}' tidak sesuai: {_HARAPAN[jenis]}, atau 'Proses' bila belum selesai.")


def parse_nilai(jenis: JenisIndikator, text: str) -> Nilai:
    """Read a target or realisation for an indicator of the given kind."""
    asli = text.strip()
    if not asli:
        raise ParseError(f"Nilai belum diisi: {_HARAPAN[jenis]}, atau 'Proses' bila belum selesai.")
    normal = " ".join(asli.lower().split()).rstrip(".")
    if normal in _KATA_PROSES:
        return Nilai.proses()
    if jenis in _NUMERIK:
        try:
            angka = parse_percent(asli) if jenis == JenisIndikator.persen else parse_number(asli)
        except ParseError as e:
            if any(c.isalpha() for c in asli):
                raise _galat_jenis(jenis, asli) from None
            raise ParseError(f"{e.pesan} ({_HARAPAN[jenis]}.)") from None
        return Nilai(angka=angka)
    if jenis == JenisIndikator.opini:
        normal = normal.removeprefix("opini ")
        kode = _NAMA_OPINI.get(normal, normal.upper())
    else:
        kode = normal.removeprefix("predikat ").upper()
    if kode in _daftar_tingkat(jenis):
        return Nilai(teks=kode)
    raise _galat_jenis(jenis, asli)


def format_nilai(jenis: JenisIndikator, nilai: Nilai) -> str:
    """Display a value: "100 %", "95,5 %", "79", "B", "WTP" or "Proses"."""
    if nilai.pending:
        return _PROSES
    if jenis in _NUMERIK:
        if nilai.angka is None:
            raise ValueError(f"Nilai {nilai.canonical()!r} bukan angka, padahal indikator berjenis {jenis}.")
        teks = format_number(nilai.angka)
        return f"{teks} %" if jenis == JenisIndikator.persen else teks
    if nilai.teks is None or nilai.teks not in _daftar_tingkat(jenis):
        raise ValueError(f"Nilai {nilai.canonical()!r} tidak sah untuk indikator berjenis {jenis}.")
    return nilai.teks


def nilai_from_canonical(jenis: JenisIndikator, s: str) -> Nilai:
    """Rebuild a value from its storage string (the inverse of ``Nilai.canonical``)."""
    if s == _PROSES:
        return Nilai.proses()
    if jenis in _NUMERIK:
        bulat, titik, pecahan = s.partition(".")
        sah = bulat.isascii() and bulat.isdigit() and (not titik or (pecahan.isascii() and pecahan.isdigit()))
        if not sah:
            raise ParseError(f"Nilai tersimpan {s!r} tidak sah untuk indikator berjenis {jenis}.")
        return Nilai(angka=Decimal(s))
    if s not in _daftar_tingkat(jenis):
        raise ParseError(f"Nilai tersimpan {s!r} tidak sah untuk indikator berjenis {jenis}.")
    return Nilai(teks=s)


class HasilCapaian(BaseModel):
    """Achievement of one indicator: percentage (None while pending), status and grade difference."""

    model_config = ConfigDict(frozen=True)

    persen: Decimal | None
    status: StatusCapaian
    selisih_tingkat: int | None = None


_MENUNGGU = HasilCapaian(persen=None, status="menunggu")


def _peringkat(jenis: JenisIndikator, nilai: Nilai, peran: str) -> int:
    daftar = _daftar_tingkat(jenis)
    if nilai.teks not in daftar:
        raise ValueError(
            f"{peran} {nilai.canonical()!r} tidak sah untuk indikator berjenis {jenis}; pilihan: {', '.join(daftar)}."
        )
    return daftar.index(nilai.teks) + 1


def _angka(jenis: JenisIndikator, nilai: Nilai, peran: str) -> Decimal:
    if nilai.angka is None:
        raise ValueError(f"{peran} {nilai.canonical()!r} bukan angka, padahal indikator berjenis {jenis}.")
    return nilai.angka


def _persen_numerik(polaritas: Polaritas, target: Decimal, realisasi: Decimal) -> Decimal:
    if polaritas == Polaritas.naik:
        if target == 0:
            return _SERATUS
        return realisasi * _SERATUS / target
    if target == 0:
        return _SERATUS if realisasi == 0 else Decimal(0)
    return max(Decimal(0), (2 * target - realisasi) * _SERATUS / target)


def hitung_capaian(
    jenis: JenisIndikator,
    polaritas: Polaritas,
    target: Nilai,
    realisasi: Nilai | None,
    batas: Decimal | None = None,
) -> HasilCapaian:
    """Achievement of a realisation against its target (rules in the module docstring)."""
    if target.pending:
        raise ValueError("Target belum ditetapkan (Proses); capaian tidak dapat dihitung.")
    if batas is not None and not batas >= _SERATUS:
        raise ValueError(f"Batas capaian harus paling sedikit 100, bukan {batas}.")
    if realisasi is None or realisasi.pending:
        return _MENUNGGU
    selisih: int | None = None
    with localcontext() as ctx:
        ctx.prec = _PRESISI
        if jenis in _NUMERIK:
            persen = _persen_numerik(polaritas, _angka(jenis, target, "Target"), _angka(jenis, realisasi, "Realisasi"))
        else:
            tingkat_t = _peringkat(jenis, target, "Target")
            tingkat_r = _peringkat(jenis, realisasi, "Realisasi")
            selisih = tingkat_r - tingkat_t
            persen = _SERATUS if selisih >= 0 else Decimal(tingkat_r) * _SERATUS / tingkat_t
        persen = persen.quantize(_SEN, rounding=ROUND_HALF_UP)
    status: StatusCapaian = "tercapai" if persen >= _SERATUS else "tidak_tercapai"
    if batas is not None:
        persen = min(persen, batas)
    return HasilCapaian(persen=persen, status=status, selisih_tingkat=selisih)


def rata_rata(hasil: Iterable[HasilCapaian]) -> Decimal | None:
    """Mean percentage of the non-pending results, quantized to 0.01; None when there is none."""
    nilai = [h.persen for h in hasil if h.persen is not None]
    if not nilai:
        return None
    with localcontext() as ctx:
        ctx.prec = _PRESISI
        return (sum(nilai, Decimal(0)) / len(nilai)).quantize(_SEN, rounding=ROUND_HALF_UP)


class Kategori(BaseModel):
    """One band of a performance scale: ``lebih_dari`` < score <= ``sampai_dengan``."""

    model_config = ConfigDict(frozen=True)

    kode: str
    interpretasi: str
    lebih_dari: Decimal
    sampai_dengan: Decimal


SKALA_SAKIP: tuple[Kategori, ...] = (
    Kategori(kode="AA", interpretasi="Sangat Memuaskan", lebih_dari=Decimal(90), sampai_dengan=Decimal(100)),
    Kategori(kode="A", interpretasi="Memuaskan", lebih_dari=Decimal(80), sampai_dengan=Decimal(90)),
    Kategori(kode="BB", interpretasi="Sangat Baik", lebih_dari=Decimal(70), sampai_dengan=Decimal(80)),
    Kategori(kode="B", interpretasi="Baik", lebih_dari=Decimal(60), sampai_dengan=Decimal(70)),
    Kategori(kode="CC", interpretasi="Cukup", lebih_dari=Decimal(50), sampai_dengan=Decimal(60)),
    Kategori(kode="C", interpretasi="Kurang", lebih_dari=Decimal(30), sampai_dengan=Decimal(50)),
    Kategori(kode="D", interpretasi="Sangat Kurang", lebih_dari=Decimal(0), sampai_dengan=Decimal(30)),
)


def kategori_sakip(skor: Decimal | int | float, skala: Iterable[Kategori] = SKALA_SAKIP) -> Kategori:
    """Category of a score; the lowest band includes its lower bound, scores above the top are top."""
    nilai = Decimal(repr(skor)) if isinstance(skor, float) else Decimal(skor)
    if not nilai.is_finite():
        raise ValueError(f"Skor tidak sah: {skor!r}.")
    if nilai < 0:
        raise ValueError(f"Skor tidak boleh negatif: {format_number(nilai)}.")
    urut = sorted(skala, key=lambda k: k.lebih_dari)
    if not urut:
        raise ValueError("Skala kategori kosong.")
    if nilai > urut[-1].sampai_dengan:
        return urut[-1]
    if nilai == urut[0].lebih_dari:
        return urut[0]
    for kategori in urut:
        if kategori.lebih_dari < nilai <= kategori.sampai_dengan:
            return kategori
    raise ValueError(f"Skor {format_number(nilai)} tidak termasuk dalam skala mana pun.")
