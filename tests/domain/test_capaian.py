from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from domain.capaian import (
    OPINI,
    PREDIKAT,
    SKALA_SAKIP,
    HasilCapaian,
    JenisIndikator,
    Kategori,
    Nilai,
    Polaritas,
    format_nilai,
    hitung_capaian,
    kategori_sakip,
    nilai_from_canonical,
    parse_nilai,
    rata_rata,
)
from domain.errors import ParseError
from tests.domain.bantuan import CEPAT, pesan_galat

J = JenisIndikator
NAIK = Polaritas.naik
TURUN = Polaritas.turun
PROSES = Nilai.proses()


def angka(teks: str) -> Nilai:
    return Nilai.dari_angka(Decimal(teks))


def teks(kode: str) -> Nilai:
    return Nilai.dari_teks(kode)


def test_enums_and_scales() -> None:
    assert [j.value for j in JenisIndikator] == ["persen", "angka", "indeks", "predikat", "opini"]
    assert [p.value for p in Polaritas] == ["naik", "turun"]
    assert JenisIndikator("predikat") is J.predikat
    assert J.persen == "persen"
    assert PREDIKAT == ("D", "C", "CC", "B", "BB", "A", "AA")
    assert OPINI == ("TMP", "TW", "WDP", "WTP")


# --- Nilai ----------------------------------------------------------------------------------------


def test_nilai_constructors() -> None:
    assert Nilai.dari_angka(5) == Nilai(angka=Decimal(5))
    assert Nilai.dari_teks("B") == Nilai(teks="B")
    assert Nilai.proses() == Nilai(pending=True)
    assert Nilai(angka=Decimal("95.50")) == Nilai(angka=Decimal("95.5"))
    assert Nilai(angka=100) == Nilai(angka=Decimal(100))  # type: ignore[arg-type]
    assert Nilai(angka=0.1).angka == Decimal("0.1")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("data", "potongan"),
    [
        ({}, "tepat satu dari"),
        ({"angka": Decimal(1), "teks": "B"}, "tepat satu dari"),
        ({"angka": Decimal(1), "pending": True}, "tepat satu dari"),
        ({"teks": "B", "pending": True}, "tepat satu dari"),
        ({"angka": Decimal(-1)}, "tidak negatif"),
        ({"angka": Decimal("NaN")}, "finite_number"),
        ({"angka": Decimal("Infinity")}, "finite_number"),
        ({"teks": "  "}, "tidak boleh kosong"),
        ({"angka": "95,5"}, "decimal_parsing"),
        ({"angka": 5.5, "teks": "B"}, "tepat satu dari"),
        ({"pending": "ya"}, "bool_parsing"),
    ],
)
def test_nilai_validation(data: dict[str, object], potongan: str) -> None:
    with pytest.raises(ValidationError) as info:
        Nilai.model_validate(data)
    assert potongan in str(info.value)


def test_nilai_is_frozen() -> None:
    with pytest.raises(ValidationError, match="frozen"):
        PROSES.pending = False  # type: ignore[misc]


@pytest.mark.parametrize(
    ("nilai", "kanonik"),
    [
        (angka("100"), "100"),
        (angka("100.00"), "100"),
        (angka("95.5"), "95.5"),
        (angka("95.50"), "95.5"),
        (angka("0"), "0"),
        (angka("0.001"), "0.001"),
        (angka("1E+3"), "1000"),
        (angka("1234567.89"), "1234567.89"),
        (teks("B"), "B"),
        (teks("WTP"), "WTP"),
        (PROSES, "Proses"),
    ],
)
def test_canonical(nilai: Nilai, kanonik: str) -> None:
    assert nilai.canonical() == kanonik


# --- parse_nilai ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("jenis", "masukan", "harapan"),
    [
        (J.persen, "95", angka("95")),
        (J.persen, "95,5 %", angka("95.5")),
        (J.persen, "95.5%", angka("95.5")),
        (J.persen, "100 persen", angka("100")),
        (J.persen, "0", angka("0")),
        (J.angka, "12", angka("12")),
        (J.angka, "1.234", angka("1234")),
        (J.angka, "7,5", angka("7.5")),
        (J.indeks, "79", angka("79")),
        (J.indeks, "79,25", angka("79.25")),
        (J.indeks, "3,456", angka("3.456")),
        (J.predikat, "B", teks("B")),
        (J.predikat, "bb", teks("BB")),
        (J.predikat, " aa ", teks("AA")),
        (J.predikat, "Cc", teks("CC")),
        (J.predikat, "Predikat A", teks("A")),
        (J.opini, "wtp", teks("WTP")),
        (J.opini, "WDP", teks("WDP")),
        (J.opini, "tw", teks("TW")),
        (J.opini, "TMP", teks("TMP")),
        (J.opini, "Opini WTP", teks("WTP")),
        (J.opini, "Wajar Tanpa Pengecualian", teks("WTP")),
        (J.opini, "wajar  dengan pengecualian", teks("WDP")),
        (J.opini, "Tidak Wajar", teks("TW")),
        (J.opini, "Tidak Memberikan Pendapat", teks("TMP")),
        (J.opini, "Tidak Menyatakan Pendapat", teks("TMP")),
        (J.opini, "disclaimer", teks("TMP")),
    ],
)
def test_parse_nilai_accepts(jenis: JenisIndikator, masukan: str, harapan: Nilai) -> None:
    assert parse_nilai(jenis, masukan) == harapan


@pytest.mark.parametrize("jenis", list(JenisIndikator))
@pytest.mark.parametrize(
    "masukan", ["Proses", "proses", "PROSES", "dalam proses", "Dalam Proses.", "pending", "menunggu"]
)
def test_pending_words_for_every_kind(jenis: JenisIndikator, masukan: str) -> None:
    assert parse_nilai(jenis, masukan) == PROSES


HARAPAN_PREDIKAT = "indikator predikat diisi salah satu predikat D, C, CC, B, BB, A, AA"
HARAPAN_OPINI = (
    "indikator opini BPK diisi salah satu opini WTP, WDP, TW, TMP (atau nama lengkapnya, "
    "misalnya Wajar Tanpa Pengecualian)"
)
HARAPAN_PERSEN = "indikator persentase diisi angka, misalnya 95 atau 95,5 %"
AKHIR = ", atau 'Proses' bila belum selesai."


@pytest.mark.parametrize(
    ("jenis", "masukan", "pesan"),
    [
        (J.persen, "B", f"Nilai 'B' tidak sesuai: {HARAPAN_PERSEN}{AKHIR}"),
        (J.persen, "WTP", f"Nilai 'WTP' tidak sesuai: {HARAPAN_PERSEN}{AKHIR}"),
        (J.persen, "sembilan puluh", f"Nilai 'sembilan puluh' tidak sesuai: {HARAPAN_PERSEN}{AKHIR}"),
        (J.persen, "", f"Nilai belum diisi: {HARAPAN_PERSEN}{AKHIR}"),
        (J.persen, "  ", f"Nilai belum diisi: {HARAPAN_PERSEN}{AKHIR}"),
        (J.persen, "-5", f"Persentase tidak boleh negatif: '-5'. ({HARAPAN_PERSEN}.)"),
        (J.persen, "1001", f"Persentase 1.001 % tidak masuk akal (lebih dari 1.000 %). ({HARAPAN_PERSEN}.)"),
        (
            J.indeks,
            "BB",
            "Nilai 'BB' tidak sesuai: indikator indeks diisi angka nilai indeks, misalnya 79 atau 79,5" + AKHIR,
        ),
        (J.angka, "-3", "Angka tidak boleh negatif: '-3'. (indikator ini diisi angka, misalnya 12 atau 7,5.)"),
        (J.predikat, "95", f"Nilai '95' tidak sesuai: {HARAPAN_PREDIKAT}{AKHIR}"),
        (J.predikat, "WTP", f"Nilai 'WTP' tidak sesuai: {HARAPAN_PREDIKAT}{AKHIR}"),
        (J.predikat, "A+", f"Nilai 'A+' tidak sesuai: {HARAPAN_PREDIKAT}{AKHIR}"),
        (J.predikat, "AAA", f"Nilai 'AAA' tidak sesuai: {HARAPAN_PREDIKAT}{AKHIR}"),
        (J.predikat, "baik", f"Nilai 'baik' tidak sesuai: {HARAPAN_PREDIKAT}{AKHIR}"),
        (J.opini, "B", f"Nilai 'B' tidak sesuai: {HARAPAN_OPINI}{AKHIR}"),
        (J.opini, "100", f"Nilai '100' tidak sesuai: {HARAPAN_OPINI}{AKHIR}"),
        (J.opini, "wajar", f"Nilai 'wajar' tidak sesuai: {HARAPAN_OPINI}{AKHIR}"),
    ],
)
def test_parse_nilai_explains_what_is_expected(jenis: JenisIndikator, masukan: str, pesan: str) -> None:
    assert pesan_galat(parse_nilai, jenis, masukan) == pesan


@pytest.mark.parametrize("jenis", [J.persen, J.angka, J.indeks])
@pytest.mark.parametrize("masukan", ["１２", "٣", "😀", "1..2", "12.34.56"])
def test_parse_nilai_numeric_rejects_garbage(jenis: JenisIndikator, masukan: str) -> None:
    pesan = pesan_galat(parse_nilai, jenis, masukan)
    assert pesan.endswith(".)")
    assert "misalnya" in pesan


def test_parse_nilai_error_is_parse_error() -> None:
    with pytest.raises(ParseError):
        parse_nilai(J.opini, "AA")


# --- format_nilai and storage ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("jenis", "nilai", "harapan"),
    [
        (J.persen, angka("100"), "100 %"),
        (J.persen, angka("100.00"), "100 %"),
        (J.persen, angka("95.5"), "95,5 %"),
        (J.persen, angka("1000"), "1.000 %"),
        (J.indeks, angka("79"), "79"),
        (J.indeks, angka("79.50"), "79,5"),
        (J.angka, angka("1234"), "1.234"),
        (J.predikat, teks("B"), "B"),
        (J.opini, teks("WTP"), "WTP"),
        (J.persen, PROSES, "Proses"),
        (J.opini, PROSES, "Proses"),
    ],
)
def test_format_nilai(jenis: JenisIndikator, nilai: Nilai, harapan: str) -> None:
    assert format_nilai(jenis, nilai) == harapan


@pytest.mark.parametrize(
    ("jenis", "nilai"),
    [(J.persen, teks("B")), (J.predikat, angka("90")), (J.predikat, teks("WTP")), (J.opini, teks("AA"))],
)
def test_format_nilai_refuses_a_value_of_the_wrong_kind(jenis: JenisIndikator, nilai: Nilai) -> None:
    with pytest.raises(ValueError, match=f"indikator berjenis {jenis.value}"):
        format_nilai(jenis, nilai)


@pytest.mark.parametrize(
    ("jenis", "simpanan", "harapan"),
    [
        (J.persen, "100", angka("100")),
        (J.persen, "95.5", angka("95.5")),
        (J.indeks, "79", angka("79")),
        (J.predikat, "B", teks("B")),
        (J.opini, "WTP", teks("WTP")),
        (J.opini, "Proses", PROSES),
        (J.angka, "Proses", PROSES),
    ],
)
def test_nilai_from_canonical(jenis: JenisIndikator, simpanan: str, harapan: Nilai) -> None:
    assert nilai_from_canonical(jenis, simpanan) == harapan


@pytest.mark.parametrize(
    ("jenis", "simpanan"),
    [
        (J.persen, "95,5"),
        (J.persen, "-5"),
        (J.persen, "1e3"),
        (J.persen, "NaN"),
        (J.persen, ""),
        (J.persen, ".5"),
        (J.persen, "5."),
        (J.persen, "B"),
        (J.persen, "٣"),
        (J.predikat, "bb"),
        (J.predikat, "WTP"),
        (J.opini, "wtp"),
        (J.opini, "proses"),
        (J.opini, ""),
    ],
)
def test_nilai_from_canonical_refuses_bad_storage(jenis: JenisIndikator, simpanan: str) -> None:
    pesan = pesan_galat(nilai_from_canonical, jenis, simpanan)
    assert pesan == f"Nilai tersimpan {simpanan!r} tidak sah untuk indikator berjenis {jenis.value}."


_ANGKA = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)
_PERSEN = st.decimals(min_value=0, max_value=1000, places=2, allow_nan=False, allow_infinity=False)


@st.composite
def jenis_dan_nilai(draw: st.DrawFn) -> tuple[JenisIndikator, Nilai]:
    jenis = draw(st.sampled_from(list(JenisIndikator)))
    if draw(st.integers(0, 9)) == 0:
        return jenis, PROSES
    if jenis == J.persen:
        return jenis, Nilai(angka=draw(_PERSEN))
    if jenis in (J.angka, J.indeks):
        return jenis, Nilai(angka=draw(_ANGKA))
    daftar = PREDIKAT if jenis == J.predikat else OPINI
    return jenis, Nilai(teks=draw(st.sampled_from(daftar)))


@CEPAT
@given(jenis_dan_nilai())
def test_format_then_parse_nilai_round_trip(data: tuple[JenisIndikator, Nilai]) -> None:
    jenis, nilai = data
    assert parse_nilai(jenis, format_nilai(jenis, nilai)) == nilai


@CEPAT
@given(jenis_dan_nilai())
def test_canonical_round_trip(data: tuple[JenisIndikator, Nilai]) -> None:
    jenis, nilai = data
    kanonik = nilai.canonical()
    assert nilai_from_canonical(jenis, kanonik) == nilai
    assert nilai_from_canonical(jenis, kanonik).canonical() == kanonik


# --- hitung_capaian -------------------------------------------------------------------------------


def hasil(persen: str | None, status: str, selisih: int | None = None) -> HasilCapaian:
    return HasilCapaian.model_validate(
        {"persen": None if persen is None else Decimal(persen), "status": status, "selisih_tingkat": selisih}
    )


@pytest.mark.parametrize(
    ("jenis", "polaritas", "target", "realisasi", "harapan"),
    [
        # Higher is better: R / T x 100.
        (J.persen, NAIK, angka("100"), angka("100"), hasil("100", "tercapai")),
        (J.persen, NAIK, angka("100"), angka("90.2436"), hasil("90.24", "tidak_tercapai")),
        (J.persen, NAIK, angka("100"), angka("90.245"), hasil("90.25", "tidak_tercapai")),
        (J.persen, NAIK, angka("90"), angka("95"), hasil("105.56", "tercapai")),
        (J.persen, NAIK, angka("3"), angka("1"), hasil("33.33", "tidak_tercapai")),
        (J.persen, NAIK, angka("3"), angka("2"), hasil("66.67", "tidak_tercapai")),
        (J.indeks, NAIK, angka("79"), angka("79"), hasil("100", "tercapai")),
        (J.indeks, NAIK, angka("80"), angka("79"), hasil("98.75", "tidak_tercapai")),
        (J.angka, NAIK, angka("10"), angka("0"), hasil("0", "tidak_tercapai")),
        # Rounded before judging: 99.995 shows as 100,00 % and counts as reached.
        (J.persen, NAIK, angka("100"), angka("99.995"), hasil("100", "tercapai")),
        (J.persen, NAIK, angka("100"), angka("99.994"), hasil("99.99", "tidak_tercapai")),
        # Higher is better with a zero target.
        (J.angka, NAIK, angka("0"), angka("0"), hasil("100", "tercapai")),
        (J.angka, NAIK, angka("0"), angka("5"), hasil("100", "tercapai")),
        # Lower is better: (2T - R) / T x 100, floored at 0.
        (J.angka, TURUN, angka("2"), angka("2"), hasil("100", "tercapai")),
        (J.angka, TURUN, angka("2"), angka("1"), hasil("150", "tercapai")),
        (J.angka, TURUN, angka("2"), angka("0"), hasil("200", "tercapai")),
        (J.angka, TURUN, angka("2"), angka("3"), hasil("50", "tidak_tercapai")),
        (J.angka, TURUN, angka("2"), angka("4"), hasil("0", "tidak_tercapai")),
        (J.angka, TURUN, angka("2"), angka("9"), hasil("0", "tidak_tercapai")),
        (J.angka, TURUN, angka("3"), angka("4"), hasil("66.67", "tidak_tercapai")),
        # Lower is better with a zero target.
        (J.angka, TURUN, angka("0"), angka("0"), hasil("100", "tercapai")),
        (J.angka, TURUN, angka("0"), angka("1"), hasil("0", "tidak_tercapai")),
        (J.angka, TURUN, angka("0"), angka("0.01"), hasil("0", "tidak_tercapai")),
        # Graded: reached gives 100, otherwise rank(R) / rank(T) x 100.
        (J.predikat, NAIK, teks("B"), teks("B"), hasil("100", "tercapai", 0)),
        (J.predikat, NAIK, teks("B"), teks("A"), hasil("100", "tercapai", 2)),
        (J.predikat, NAIK, teks("BB"), teks("B"), hasil("80", "tidak_tercapai", -1)),
        (J.predikat, NAIK, teks("AA"), teks("D"), hasil("14.29", "tidak_tercapai", -6)),
        (J.predikat, NAIK, teks("A"), teks("CC"), hasil("50", "tidak_tercapai", -3)),
        (J.predikat, TURUN, teks("BB"), teks("B"), hasil("80", "tidak_tercapai", -1)),
        (J.opini, NAIK, teks("WTP"), teks("WTP"), hasil("100", "tercapai", 0)),
        (J.opini, NAIK, teks("WTP"), teks("WDP"), hasil("75", "tidak_tercapai", -1)),
        (J.opini, NAIK, teks("WTP"), teks("TMP"), hasil("25", "tidak_tercapai", -3)),
        (J.opini, NAIK, teks("WDP"), teks("WTP"), hasil("100", "tercapai", 1)),
        # Pending is neither zero nor failure.
        (J.opini, NAIK, teks("WTP"), PROSES, hasil(None, "menunggu")),
        (J.opini, NAIK, teks("WTP"), None, hasil(None, "menunggu")),
        (J.persen, NAIK, angka("100"), None, hasil(None, "menunggu")),
        (J.angka, TURUN, angka("2"), PROSES, hasil(None, "menunggu")),
    ],
)
def test_hitung_capaian(
    jenis: JenisIndikator, polaritas: Polaritas, target: Nilai, realisasi: Nilai | None, harapan: HasilCapaian
) -> None:
    assert hitung_capaian(jenis, polaritas, target, realisasi) == harapan


def test_hitung_capaian_quantizes_to_hundredths() -> None:
    persen = hitung_capaian(J.persen, NAIK, angka("3"), angka("1")).persen
    assert persen is not None
    assert persen.as_tuple().exponent == -2
    assert str(persen) == "33.33"


def test_hitung_capaian_seed_indicators_2024() -> None:
    ik3a = hitung_capaian(J.predikat, NAIK, parse_nilai(J.predikat, "B"), parse_nilai(J.predikat, "B"))
    assert ik3a == hasil("100", "tercapai", 0)
    ik3b = hitung_capaian(J.opini, NAIK, parse_nilai(J.opini, "WTP"), parse_nilai(J.opini, "Proses"))
    assert ik3b == hasil(None, "menunggu")
    ik3c = hitung_capaian(J.indeks, NAIK, parse_nilai(J.indeks, "79"), parse_nilai(J.indeks, "79"))
    assert ik3c == hasil("100", "tercapai")


def test_hitung_capaian_cap() -> None:
    lebih = hitung_capaian(J.persen, NAIK, angka("90"), angka("120"), batas=Decimal(100))
    assert lebih == hasil("100", "tercapai")
    assert hitung_capaian(J.persen, NAIK, angka("90"), angka("120"), batas=Decimal(120)) == hasil("120", "tercapai")
    assert hitung_capaian(J.persen, NAIK, angka("90"), angka("99"), batas=Decimal(120)) == hasil("110", "tercapai")
    kurang = hitung_capaian(J.persen, NAIK, angka("100"), angka("50"), batas=Decimal(100))
    assert kurang == hasil("50", "tidak_tercapai")
    turun = hitung_capaian(J.angka, TURUN, angka("2"), angka("0"), batas=Decimal(120))
    assert turun == hasil("120", "tercapai")
    assert hitung_capaian(J.opini, NAIK, teks("WTP"), PROSES, batas=Decimal(100)) == hasil(None, "menunggu")


@pytest.mark.parametrize("batas", [Decimal(99), Decimal(0), Decimal(-100)])
def test_hitung_capaian_cap_below_100_is_refused(batas: Decimal) -> None:
    with pytest.raises(ValueError, match="Batas capaian harus paling sedikit 100"):
        hitung_capaian(J.persen, NAIK, angka("100"), angka("50"), batas=batas)


@pytest.mark.parametrize(
    ("jenis", "target", "realisasi", "potongan"),
    [
        (J.persen, PROSES, angka("5"), "Target belum ditetapkan"),
        (J.persen, teks("B"), angka("5"), "Target 'B' bukan angka"),
        (J.persen, angka("100"), teks("B"), "Realisasi 'B' bukan angka"),
        (J.predikat, angka("100"), teks("B"), "Target '100' tidak sah"),
        (J.predikat, teks("B"), teks("WTP"), "Realisasi 'WTP' tidak sah"),
        (J.opini, teks("WTP"), teks("AA"), "pilihan: TMP, TW, WDP, WTP"),
    ],
)
def test_hitung_capaian_refuses_values_of_the_wrong_kind(
    jenis: JenisIndikator, target: Nilai, realisasi: Nilai, potongan: str
) -> None:
    with pytest.raises(ValueError, match=potongan):
        hitung_capaian(jenis, NAIK, target, realisasi)


@CEPAT
@given(_ANGKA.filter(lambda d: d > 0), _ANGKA)
def test_higher_is_better_reaches_the_target_exactly_when_r_at_least_t(t: Decimal, r: Decimal) -> None:
    hasil_ = hitung_capaian(J.angka, NAIK, Nilai(angka=t), Nilai(angka=r))
    assert hasil_.persen is not None
    if r >= t:
        assert hasil_.status == "tercapai"
    if hasil_.status == "tercapai":
        assert r * 100 / t >= Decimal("99.995")


@CEPAT
@given(_ANGKA, _ANGKA)
def test_lower_is_better_is_never_negative_and_mirrors_the_target(t: Decimal, r: Decimal) -> None:
    hasil_ = hitung_capaian(J.angka, TURUN, Nilai(angka=t), Nilai(angka=r))
    assert hasil_.persen is not None
    assert hasil_.persen >= 0
    assert (hasil_.status == "tercapai") == (r <= t) or hasil_.persen == Decimal("100.00")


# --- rata_rata ------------------------------------------------------------------------------------


def test_rata_rata() -> None:
    assert rata_rata([hasil("100", "tercapai"), hasil("80", "tidak_tercapai")]) == Decimal("90")
    assert rata_rata([hasil("100", "tercapai"), hasil(None, "menunggu"), hasil("90", "tidak_tercapai")]) == Decimal(
        "95"
    )
    tiga = rata_rata([hasil("100", "tercapai"), hasil("100", "tercapai"), hasil("90.24", "tidak_tercapai")])
    assert tiga == Decimal("96.75")
    assert str(rata_rata([hasil("100", "tercapai"), hasil("33.33", "tidak_tercapai")])) == "66.67"
    assert rata_rata([hasil(None, "menunggu")]) is None
    assert rata_rata([]) is None
    assert rata_rata(iter([hasil("50", "tidak_tercapai")])) == Decimal("50")


# --- SAKIP scale ----------------------------------------------------------------------------------


def test_skala_sakip_matches_the_seed_table() -> None:
    assert [(k.kode, k.lebih_dari, k.sampai_dengan, k.interpretasi) for k in SKALA_SAKIP] == [
        ("AA", Decimal(90), Decimal(100), "Sangat Memuaskan"),
        ("A", Decimal(80), Decimal(90), "Memuaskan"),
        ("BB", Decimal(70), Decimal(80), "Sangat Baik"),
        ("B", Decimal(60), Decimal(70), "Baik"),
        ("CC", Decimal(50), Decimal(60), "Cukup"),
        ("C", Decimal(30), Decimal(50), "Kurang"),
        ("D", Decimal(0), Decimal(30), "Sangat Kurang"),
    ]


@pytest.mark.parametrize(
    ("skor", "kode"),
    [
        (Decimal(0), "D"),
        (Decimal("0.01"), "D"),
        (Decimal(30), "D"),
        (Decimal("30.01"), "C"),
        (Decimal(50), "C"),
        (Decimal("50.01"), "CC"),
        (Decimal(60), "CC"),
        (Decimal("60.01"), "B"),
        (Decimal(70), "B"),
        (Decimal("70.01"), "BB"),
        (Decimal(80), "BB"),
        (Decimal("80.01"), "A"),
        (Decimal(90), "A"),
        (Decimal("90.01"), "AA"),
        (Decimal(100), "AA"),
        (Decimal("100.01"), "AA"),
        (Decimal(150), "AA"),
        (90, "A"),
        (91, "AA"),
        (90.01, "AA"),
        (30.0, "D"),
    ],
)
def test_kategori_sakip_boundaries(skor: Decimal | int | float, kode: str) -> None:
    assert kategori_sakip(skor).kode == kode


def test_kategori_sakip_interpretation() -> None:
    assert kategori_sakip(Decimal("96.75")).interpretasi == "Sangat Memuaskan"
    assert kategori_sakip(Decimal(10)).interpretasi == "Sangat Kurang"


@pytest.mark.parametrize(
    ("skor", "potongan"),
    [
        (Decimal(-1), "Skor tidak boleh negatif: -1."),
        (Decimal("-0.01"), "Skor tidak boleh negatif: -0,01."),
        (-5, "Skor tidak boleh negatif: -5."),
        (Decimal("NaN"), "Skor tidak sah"),
        (float("inf"), "Skor tidak sah"),
    ],
)
def test_kategori_sakip_refuses_bad_scores(skor: Decimal | int | float, potongan: str) -> None:
    with pytest.raises(ValueError, match=potongan.replace(".", r"\.")):
        kategori_sakip(skor)


def test_kategori_sakip_with_a_custom_scale() -> None:
    lulus = Kategori(kode="L", interpretasi="Lulus", lebih_dari=Decimal(60), sampai_dengan=Decimal(100))
    gagal = Kategori(kode="G", interpretasi="Gagal", lebih_dari=Decimal(10), sampai_dengan=Decimal(40))
    assert kategori_sakip(Decimal("60.5"), [lulus, gagal]) == lulus
    assert kategori_sakip(Decimal(10), [lulus, gagal]) == gagal
    with pytest.raises(ValueError, match="tidak termasuk dalam skala"):
        kategori_sakip(Decimal(50), [lulus, gagal])
    with pytest.raises(ValueError, match="tidak termasuk dalam skala"):
        kategori_sakip(Decimal(5), [lulus, gagal])
    with pytest.raises(ValueError, match="Skala kategori kosong"):
        kategori_sakip(Decimal(50), [])


@CEPAT
@given(st.decimals(min_value=0, max_value=200, places=2, allow_nan=False, allow_infinity=False))
def test_every_score_gets_exactly_one_category(skor: Decimal) -> None:
    kategori = kategori_sakip(skor)
    cocok = [k for k in SKALA_SAKIP if k.lebih_dari < skor <= k.sampai_dengan]
    if skor == 0:
        assert kategori.kode == "D"
    elif skor > 100:
        assert kategori.kode == "AA"
    else:
        assert cocok == [kategori]
