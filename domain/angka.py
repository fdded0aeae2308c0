"""Indonesian numbers, Rupiah and percentages: parsing user input and formatting output.

Separator rules of ``parse_number`` (after surrounding whitespace is stripped):

* Only ASCII digits 0-9, "." and "," are allowed; a leading "-" only with ``allow_negative=True``.
  Unicode digits ("１２", "٣"), inner spaces, letters, scientific notation ("1e5"), "NaN" and "inf"
  are rejected. Input longer than 30 characters is rejected.
* The number must start and end with a digit, and two separators may not be adjacent ("1..2", ",5").
* Both "." and "," present: the one that appears LAST is the decimal separator and may appear only once;
  the other is the thousands separator and must group correctly ("1.234.567,89" and "1,234,567.89"
  are both 1234567.89).
* Only dots: several dots are thousands grouping ("1.234.567"); a single dot followed by exactly three
  digits is thousands (the Indonesian reading: "1.000" = 1000); a single dot followed by 1-2 or 4+
  digits is a decimal point ("95.5").
* Only commas: a single comma is the decimal separator ("95,5"); several commas are international
  thousands grouping ("1,234,567").
* Valid thousands grouping: first group 1-3 digits not starting with 0, every further group exactly
  3 digits. So "1234.567" and "0.500" are rejected as ambiguous instead of being guessed.

Formatting always uses the Indonesian style: "." for thousands, "," for decimals ("1.234.567,89"),
"Rp142.297.821.000" and "90,24 %". Rounding is ROUND_HALF_UP; floats are converted through their
shortest ``repr`` so 90.245 rounds to 90,25 as a person would expect.
"""

import re
from decimal import ROUND_HALF_UP, Decimal, localcontext

from domain.errors import ParseError

__all__ = [
    "format_number",
    "format_percent",
    "format_rupiah",
    "parse_count",
    "parse_number",
    "parse_percent",
    "parse_rupiah",
]

MAKS_PANJANG = 30
# Far above any KPU budget (national election budgets are tens of triliun); catches pasted junk.
MAKS_RUPIAH = 10**15
MAKS_PERSEN = Decimal(1000)

_DIGIT = frozenset("0123456789")
_PEMISAH = frozenset(".,")
_PEMISAH_GANDA = re.compile(r"[.,]{2}")
_CONTOH = "Tulis dengan angka, misalnya 2 atau 1.500,5."
# Values reach 10**30 (30 characters); the default 28-digit context would round them.
_PRESISI = 100


def _galat_bukan_angka(teks: str) -> ParseError:
    return ParseError(f"'{teks}' bukan angka. {_CONTOH}")


def _periksa_karakter(teks: str, badan: str) -> None:
    if not badan:
        raise _galat_bukan_angka(teks)
    asing = [c for c in badan if c not in _DIGIT and c not in _PEMISAH]
    if any(not c.isnumeric() and not c.isspace() for c in asing):
        raise _galat_bukan_angka(teks)
    unicode_digit = [c for c in asing if c.isnumeric()]
    if unicode_digit:
        raise ParseError(f"Gunakan angka biasa 0–9; '{unicode_digit[0]}' tidak dapat dibaca. {_CONTOH}")
    if asing:
        raise ParseError(f"Angka '{teks}' tidak boleh berisi spasi di tengah. Tulis misalnya 1500000 atau 1.500.000.")
    if _PEMISAH_GANDA.search(badan):
        raise ParseError(f"'{teks}' berisi dua tanda pemisah berturut-turut. {_CONTOH}")
    if badan[0] not in _DIGIT or badan[-1] not in _DIGIT:
        raise ParseError(f"'{teks}' harus diawali dan diakhiri angka, misalnya 0,5 (bukan ,5 atau 5,).")


def _ribuan_sah(bagian: str, pemisah: str) -> bool:
    kelompok = bagian.split(pemisah)
    pertama = kelompok[0]
    if not 1 <= len(pertama) <= 3 or pertama.startswith("0"):
        return False
    return all(len(k) == 3 for k in kelompok[1:])


def _galat_ribuan(teks: str) -> ParseError:
    return ParseError(
        f"Penulisan '{teks}' tidak jelas: pemisah ribuan harus membagi angka per 3 digit "
        "(misalnya 1.234.567); untuk desimal gunakan koma, misalnya 1234,5."
    )


def _pisah(teks: str, badan: str) -> tuple[str, str]:
    """Split the body into integer digits and fraction digits according to the module rules."""
    titik = badan.count(".")
    koma = badan.count(",")
    if titik and koma:
        desimal = "." if badan.rfind(".") > badan.rfind(",") else ","
        ribuan = "," if desimal == "." else "."
        if badan.count(desimal) > 1:
            raise ParseError(f"'{teks}' tidak dapat dibaca: tanda desimal hanya boleh satu. {_CONTOH}")
        bulat, pecahan = badan.split(desimal)
        if not _ribuan_sah(bulat, ribuan):
            raise _galat_ribuan(teks)
        return bulat.replace(ribuan, ""), pecahan
    if titik == 1:
        bulat, pecahan = badan.split(".")
        if len(pecahan) != 3:
            return bulat, pecahan
    if koma == 1:
        bulat, pecahan = badan.split(",")
        return bulat, pecahan
    pemisah = "." if titik else ","
    if (titik or koma) and not _ribuan_sah(badan, pemisah):
        raise _galat_ribuan(teks)
    return badan.replace(pemisah, ""), ""


def parse_number(text: str, *, allow_negative: bool = False) -> Decimal:
    """Read a number written the Indonesian or international way (rules in the module docstring)."""
    teks = text.strip()
    if not teks:
        raise ParseError(f"Angka belum diisi. {_CONTOH}")
    if len(teks) > MAKS_PANJANG:
        raise ParseError(f"Angka terlalu panjang (lebih dari {MAKS_PANJANG} karakter).")
    negatif = teks.startswith("-")
    badan = teks[1:] if negatif else teks
    _periksa_karakter(teks, badan)
    if negatif and not allow_negative:
        raise ParseError(f"Angka tidak boleh negatif: '{teks}'.")
    bulat, pecahan = _pisah(teks, badan)
    nilai = Decimal(f"{bulat}.{pecahan}" if pecahan else bulat)
    # copy_negate is exact; unary minus would round to the 28-digit context.
    return nilai.copy_negate() if negatif and nilai != 0 else nilai


def parse_count(text: str, *, maximum: int | None = None) -> int:
    """Read a non-negative whole number (a count), optionally not above ``maximum``."""
    nilai = parse_number(text, allow_negative=True)
    if text.strip().startswith("-"):
        raise ParseError(f"Jumlah tidak boleh negatif: '{text.strip()}'.")
    eksponen = nilai.as_tuple().exponent
    # Any written fraction is refused, even ",000": "1,000" may be a thousand typed the English way.
    if isinstance(eksponen, int) and eksponen < 0:
        raise ParseError(f"Jumlah harus bilangan bulat tanpa desimal: '{text.strip()}'. Tulis misalnya 2 atau 1.000.")
    jumlah = int(nilai)
    if maximum is not None and jumlah > maximum:
        raise ParseError(f"Jumlah {format_number(jumlah)} melebihi batas maksimum {format_number(maximum)}.")
    return jumlah


_SATUAN_RUPIAH = {
    "ribu": 10**3,
    "rb": 10**3,
    "juta": 10**6,
    "jt": 10**6,
    "miliar": 10**9,
    "milyar": 10**9,
    "triliun": 10**12,
    "trilyun": 10**12,
}
_RE_SATUAN = re.compile(r"\s*(" + "|".join(_SATUAN_RUPIAH) + r")\.?$")
_RE_AWALAN_RP = re.compile(r"^rp\.?\s*")
_RE_AKHIRAN_RUPIAH = re.compile(r"\s*rupiah$")
_CONTOH_RUPIAH = "Tulis misalnya Rp1.500.000, 1500000 atau 1,5 juta."


def parse_rupiah(text: str) -> int:
    """Read a non-negative whole Rupiah amount ("Rp 1.500.000", "1,5 juta", "750 ribu", "2 miliar")."""
    teks = text.strip()
    if not teks:
        raise ParseError(f"Nominal belum diisi. {_CONTOH_RUPIAH}")
    if len(teks) > MAKS_PANJANG + 10:
        raise ParseError(f"Nominal terlalu panjang (lebih dari {MAKS_PANJANG + 10} karakter).")
    sisa = " ".join(teks.lower().split())
    negatif = False
    if sisa.startswith("-"):
        negatif, sisa = True, sisa[1:].lstrip()
    sisa = _RE_AWALAN_RP.sub("", sisa)
    if sisa.startswith("-"):
        negatif, sisa = True, sisa[1:].lstrip()
    if negatif:
        raise ParseError(f"Nominal Rupiah tidak boleh negatif: '{teks}'.")
    # "Rp 1.500.000,-" is the customary way to close an amount on forms.
    if sisa.endswith((",-", ".-")):
        sisa = sisa[:-2].rstrip()
    sisa = _RE_AKHIRAN_RUPIAH.sub("", sisa)
    pengali = 1
    cocok = _RE_SATUAN.search(sisa)
    if cocok:
        pengali = _SATUAN_RUPIAH[cocok.group(1)]
        sisa = sisa[: cocok.start()]
    if not sisa:
        raise ParseError(f"Nominal belum diisi. {_CONTOH_RUPIAH}")
    try:
        angka = parse_number(sisa)
    except ParseError as e:
        raise ParseError(f"{e.pesan} {_CONTOH_RUPIAH}") from None
    with localcontext() as ctx:
        ctx.prec = _PRESISI
        nilai = angka * pengali
    if nilai != nilai.to_integral_value():
        raise ParseError(f"Nominal Rupiah harus bulat, tanpa sen: '{teks}'.")
    if nilai > MAKS_RUPIAH:
        raise ParseError(
            f"Nominal {format_rupiah(int(nilai))} tidak masuk akal "
            f"(lebih dari {format_rupiah(MAKS_RUPIAH)}). Periksa kembali jumlah angkanya."
        )
    return int(nilai)


_RE_AKHIRAN_PERSEN = re.compile(r"\s*(%|persen|prosen)$")


def parse_percent(text: str) -> Decimal:
    """Read a percentage ("95", "95%", "95,5 %", "95.5%", "100 persen"), from 0 to 1000."""
    teks = text.strip()
    sisa = _RE_AKHIRAN_PERSEN.sub("", teks.lower())
    if not sisa:
        raise ParseError("Persentase belum diisi. Tulis dengan angka, misalnya 95 atau 95,5 %.")
    nilai = parse_number(sisa, allow_negative=True)
    if nilai < 0:
        raise ParseError(f"Persentase tidak boleh negatif: '{teks}'.")
    if nilai > MAKS_PERSEN:
        raise ParseError(
            f"Persentase {format_number(nilai)} % tidak masuk akal (lebih dari {format_number(MAKS_PERSEN)} %)."
        )
    return nilai


def _ke_decimal(value: int | Decimal | float) -> Decimal:
    if isinstance(value, Decimal):
        hasil = value
    elif isinstance(value, int):
        hasil = Decimal(value)
    elif isinstance(value, float):
        hasil = Decimal(repr(value))
    else:
        raise TypeError(f"Bukan bilangan: {value!r}")
    if not hasil.is_finite():
        raise ValueError(f"Bilangan tidak terhingga atau bukan angka: {value!r}")
    return hasil


def format_number(value: int | Decimal | float, decimals: int | None = None) -> str:
    """Format Indonesian-style ("1.234.567,89"); with decimals=None ints print whole, Decimals trim zeros."""
    angka = _ke_decimal(value)
    with localcontext() as ctx:
        ctx.prec = _PRESISI
        if decimals is not None:
            if decimals < 0:
                raise ValueError("Jumlah desimal tidak boleh negatif.")
            angka = angka.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
        teks = format(abs(angka), "f")
    bulat, _, pecahan = teks.partition(".")
    if decimals is None:
        pecahan = pecahan.rstrip("0")
    hasil = f"{int(bulat):,}".replace(",", ".")
    if pecahan:
        hasil = f"{hasil},{pecahan}"
    # Compared after rounding so that -0,001 shown with 2 decimals is "0,00", not "-0,00".
    if angka < 0 and any(c not in "0.," for c in hasil):
        hasil = f"-{hasil}"
    return hasil


def format_rupiah(value: int) -> str:
    """Format a whole Rupiah amount: "Rp142.297.821.000"; negative as "-Rp1.000"."""
    if int(value) != value:
        raise ValueError(f"Nominal Rupiah harus bilangan bulat: {value!r}")
    nominal = int(value)
    tanda = "-" if nominal < 0 else ""
    return f"{tanda}Rp{format_number(abs(nominal))}"


def format_percent(value: Decimal | float | None, decimals: int = 2) -> str:
    """Format a percentage with a space before the sign ("90,24 %"); None becomes an en dash "–"."""
    if value is None:
        return "–"
    return f"{format_number(value, decimals)} %"
