from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain import logistik as lg
from domain.errors import ParseError
from tests.domain.bantuan import CEPAT, pesan_galat

WIB = ZoneInfo("Asia/Jakarta")
SEKARANG = datetime(2024, 11, 26, 10, 0, tzinfo=WIB)
AWAL = datetime(2024, 11, 26, 0, 0, tzinfo=WIB)
SURAT_SUARA = lg.JenisLogistik(4, "SS-GUB", "Surat suara Pemilihan Gubernur", "lembar", None, Decimal("2.5"), 4)
KOTAK = lg.JenisLogistik(1, "KOTAK", "Kotak suara", "buah", 2, None, 1)


@pytest.mark.parametrize(("dpt", "harap"), [(400, 410), (401, 412), (0, 0), (300, 308), (570, 585), (1, 2)])
def test_ballots_are_dpt_plus_reserve_rounded_up(dpt: int, harap: int) -> None:
    assert lg.jumlah_diharapkan(SURAT_SUARA, dpt) == harap


def test_fixed_norm_ignores_dpt() -> None:
    assert lg.jumlah_diharapkan(KOTAK, 999) == 2
    with pytest.raises(ValueError):
        lg.jumlah_diharapkan(SURAT_SUARA, -1)


@given(st.integers(min_value=0, max_value=100_000))
@CEPAT
def test_reserve_is_never_below_two_and_a_half_percent(dpt: int) -> None:
    n = lg.jumlah_diharapkan(SURAT_SUARA, dpt)
    assert n * 1000 >= dpt * 1025 > (n - 1) * 1000


def test_a_line_refuses_impossible_numbers() -> None:
    with pytest.raises(ValueError):
        lg.Baris(1, 2, -1)
    with pytest.raises(ValueError):
        lg.Baris(1, 2, 1, rusak=2)
    with pytest.raises(ValueError):
        lg.dengan_penyimpangan(1, 2, kurang=3)


def test_criteria_of_a_line() -> None:
    ok = lg.sesuai(1, 2)
    assert (ok.jumlah_ok, ok.mutu_ok, ok.masalah, ok.layak) == (True, True, [], 2)
    kurang = lg.dengan_penyimpangan(1, 2, kurang=1)
    assert kurang.masalah == ["kurang"] and kurang.kurang == 1
    rusak = lg.dengan_penyimpangan(1, 2, rusak=1)
    assert rusak.masalah == ["rusak"] and rusak.jumlah_ok and rusak.layak == 1
    salah = lg.dengan_penyimpangan(1, 2, salah_jenis=True)
    assert salah.masalah == ["salah_jenis"] and salah.layak == 0
    semua = lg.dengan_penyimpangan(1, 10, kurang=2, rusak=3, salah_jenis=True)
    assert semua.masalah == ["kurang", "rusak", "salah_jenis"]
    # more damaged pieces arrived but enough good ones too: quality is fine
    assert lg.Baris(1, 2, 4, rusak=2).mutu_ok


def test_penilaian_tepat_and_configurable_criteria() -> None:
    baris = [lg.sesuai(1, 2), lg.dengan_penyimpangan(2, 5, rusak=1)]
    nilai = lg.penilaian(baris, terlambat=True)
    assert nilai == {"sasaran": True, "jumlah": True, "jenis": True, "mutu": False, "waktu": False}
    assert not lg.tepat(nilai)
    assert lg.tepat(nilai, ["sasaran", "jumlah", "jenis"])
    assert not lg.tepat(nilai, ["waktu"])
    with pytest.raises(ValueError):
        lg.tepat(nilai, [])
    with pytest.raises(ValueError):
        lg.tepat(nilai, ["jumlah", "harga"])
    assert not lg.lengkap(baris) and lg.lengkap([lg.sesuai(1, 2)])
    assert lg.masalah(baris, True) == ["rusak", "terlambat"]
    assert lg.masalah([lg.sesuai(1, 1)], False) == []


def test_jenis_eskalasi() -> None:
    assert lg.jenis_eskalasi(["kurang"]) == "kurang"
    assert lg.jenis_eskalasi(["kurang", "terlambat"]) == "gabungan"
    with pytest.raises(ValueError):
        lg.jenis_eskalasi([])


def test_deadline_of_a_tps() -> None:
    batas = datetime(2024, 11, 26, 16, 59, tzinfo=UTC)
    sulit = batas - timedelta(days=1)
    assert lg.batas_tps(False, batas, sulit) == batas
    assert lg.batas_tps(True, batas, sulit) == sulit
    assert lg.batas_tps(True, batas, None) == batas
    assert lg.terlambat(batas + timedelta(seconds=1), batas)
    assert not lg.terlambat(batas, batas)
    assert not lg.terlambat(batas + timedelta(days=9), None)


def test_additional_delivery_adds_up() -> None:
    lama = [lg.dengan_penyimpangan(1, 2, kurang=1), lg.dengan_penyimpangan(2, 10, rusak=3),
            lg.dengan_penyimpangan(3, 4, salah_jenis=True, catatan="dapil lain"), lg.sesuai(4, 2)]
    sisa = lg.kebutuhan_tambahan(lama)
    assert [(b.item_id, b.diharapkan) for b in sisa] == [(1, 1), (2, 3), (3, 4)]
    baru = lg.gabung(lama, [lg.sesuai(1, 1), lg.dengan_penyimpangan(2, 3, kurang=1),
                            lg.dengan_penyimpangan(3, 4, catatan="diganti")])
    by = {b.item_id: b for b in baru}
    assert (by[1].diterima, by[1].masalah) == (2, [])
    assert (by[2].diterima, by[2].rusak, by[2].masalah) == (12, 3, ["rusak"])  # 9 good of 10 still
    assert (by[3].diterima, by[3].salah_jenis, by[3].catatan) == (8, False, "dapil lain; diganti")
    assert by[4] == lama[3]
    # nothing of an item in the additional delivery: the old state stays
    assert lg.gabung(lama, [lg.Baris(1, 1, 0)])[0] == lama[0]
    assert lg.kebutuhan_tambahan([lg.sesuai(1, 2)]) == []


@pytest.mark.parametrize(
    ("lama_lengkap", "lama_telat", "baru_telat", "hasil"),
    [(True, False, True, False), (False, False, True, True), (False, False, False, False), (True, True, False, True),
     (False, True, False, True)],
)
def test_lateness_after_an_additional_delivery(lama_lengkap: bool, lama_telat: bool, baru_telat: bool,
                                               hasil: bool) -> None:
    assert lg.terlambat_gabungan(lama_lengkap, lama_telat, baru_telat) is hasil


def test_berbeda_ignores_notes() -> None:
    a = [lg.sesuai(1, 2), lg.dengan_penyimpangan(2, 3, kurang=1, catatan="x")]
    b = [lg.sesuai(1, 2), lg.dengan_penyimpangan(2, 3, kurang=1, catatan="lain")]
    assert not lg.berbeda(a, b)
    assert lg.berbeda(a, [lg.sesuai(1, 2), lg.sesuai(2, 3)])


def test_receipt_number() -> None:
    assert lg.nomor_tanda_terima("17.71.01.2001-001", 2) == "TB-17.71.01.2001-001-2"
    assert len(lg.nomor_tanda_terima("17.71.15.2099-999", 999)) <= 30


@pytest.mark.parametrize(
    ("teks", "harapan"),
    [
        ("08.30", datetime(2024, 11, 26, 8, 30, tzinfo=WIB)),
        ("8:30", datetime(2024, 11, 26, 8, 30, tzinfo=WIB)),
        ("pukul 09.15 WIB", datetime(2024, 11, 26, 9, 15, tzinfo=WIB)),
        ("hari ini 07.00", datetime(2024, 11, 26, 7, 0, tzinfo=WIB)),
        ("26/11/2024 00.00", datetime(2024, 11, 26, 0, 0, tzinfo=WIB)),
        ("26 November 2024 pukul 10.01", datetime(2024, 11, 26, 10, 1, tzinfo=WIB)),  # a minute of grace
        ("2024-11-26 09:59", datetime(2024, 11, 26, 9, 59, tzinfo=WIB)),
        ("9:45", datetime(2024, 11, 26, 9, 45, tzinfo=WIB)),
        ("jam 8 pagi", datetime(2024, 11, 26, 8, 0, tzinfo=WIB)),
        ("pukul 9", datetime(2024, 11, 26, 9, 0, tzinfo=WIB)),
        ("9", datetime(2024, 11, 26, 9, 0, tzinfo=WIB)),
    ],
)
def test_parse_waktu_tiba(teks: str, harapan: datetime) -> None:
    assert lg.parse_waktu_tiba(teks, sekarang=SEKARANG, tz="Asia/Jakarta", paling_awal=AWAL) == harapan


@pytest.mark.parametrize(
    ("teks", "pesan"),
    [
        ("", "belum diisi"),
        ("   ", "belum diisi"),
        ("besok", "tidak dikenali"),
        ("26/11/2024", "tidak dikenali"),
        ("10.30", "masa depan"),
        ("27/11/2024 08.00", "masa depan"),
        ("kemarin 14.00", "sebelum pengiriman dimulai"),
        ("25/11/2024 23.59", "sebelum pengiriman dimulai"),
        ("25.00", "Jam 25 tidak ada"),
        ("08.75", "Menit 75"),
        ("31/11/2024 08.00", "hanya sampai tanggal 30"),
        ("０８.３０", "angka biasa"),
        ("x" * 200, "terlalu panjang"),
        ("jam 2 siang", "masa depan"),
        ("13 pagi", "jam 13 bukan pagi hari"),
        ("jam dua", "tidak dikenali"),
        ("26/11/2024 9", "tidak dikenali"),
        ("kemarin 9 sore", "bukan sore hari"),
        ("14 siang pagi", "tidak dikenali"),
    ],
)
def test_parse_waktu_tiba_refuses_with_a_reason(teks: str, pesan: str) -> None:
    assert pesan in pesan_galat(lg.parse_waktu_tiba, teks, sekarang=SEKARANG, tz="Asia/Jakarta", paling_awal=AWAL)


def test_parse_waktu_tiba_names_a_date_that_works_when_copied() -> None:
    pesan = pesan_galat(lg.parse_waktu_tiba, "kapan ya", sekarang=SEKARANG, tz="Asia/Jakarta")
    assert "(mis. 25/11/2024 14.00)" in pesan
    assert lg.parse_waktu_tiba("25/11/2024 14.00", sekarang=SEKARANG, tz="Asia/Jakarta") < SEKARANG


def test_parse_waktu_tiba_yesterday_without_a_dispatch_limit() -> None:
    hasil = lg.parse_waktu_tiba("kemarin 14.00", sekarang=SEKARANG, tz="Asia/Jakarta")
    assert hasil == datetime(2024, 11, 25, 14, 0, tzinfo=WIB)
    for teks, jam in (("kemarin jam 2 siang", 14), ("kemarin 8 malam", 20)):
        assert lg.parse_waktu_tiba(teks, sekarang=SEKARANG, tz="Asia/Jakarta") == datetime(2024, 11, 25, jam, 0,
                                                                                          tzinfo=WIB)
    # "12 malam" of a day is the midnight that ends it; with no day named, the midnight just past
    for teks in ("kemarin 12 malam", "kemarin jam 12.00 malam", "tadi jam 12 malam", "12 malam"):
        assert lg.parse_waktu_tiba(teks, sekarang=SEKARANG, tz="Asia/Jakarta") == datetime(2024, 11, 26, 0, 0,
                                                                                          tzinfo=WIB), teks
    for teks in ("kemarin 13 malam", "kemarin jam 27 malam", "15 malam"):  # hours no night has
        with pytest.raises(ParseError):
            lg.parse_waktu_tiba(teks, sekarang=SEKARANG, tz="Asia/Jakarta")


@pytest.mark.parametrize(
    ("teks", "harapan"),
    [("2", (2, None)), ("2 basah kena hujan", (2, "basah kena hujan")),
     ("  1   tertinggal  di PPS ", (1, "tertinggal di PPS")), ("0", (0, None)), ("1.000", (1000, None))],
)
def test_parse_jumlah_catatan(teks: str, harapan: tuple[int, str | None]) -> None:
    assert lg.parse_jumlah_catatan(teks, maximum=100_000) == harapan


@pytest.mark.parametrize(
    ("teks", "pesan"),
    [("dua", "Tulis dengan angka"), ("-1", "tidak boleh negatif"), ("1.000.000.000", "melebihi batas maksimum"),
     ("", "belum diisi"), ("1,5", "bilangan bulat"), ("３", "angka biasa"), ("3 kotak", "melebihi batas maksimum 2"),
     ("1e3", "bukan angka")],
)
def test_parse_jumlah_catatan_refuses(teks: str, pesan: str) -> None:
    assert pesan in pesan_galat(lg.parse_jumlah_catatan, teks, maximum=2 if teks.startswith("3") else 1000)


@pytest.mark.parametrize(
    ("teks", "jenis", "harapan"),
    [("kurang 2", "kurang", (2, None)), ("Kurang: 2 basah", "kurang", (2, "basah")),
     ("rusak 1.000", "rusak", (1000, None)),
     ("RUSAK 3 kena hujan", "rusak", (3, "kena hujan")), ("2", "kurang", (2, None)),
     ("2 kurang", "kurang", (2, None)), ("3 buah rusak basah", "rusak", (3, "basah")),
     ("kurang 2 lembar", "kurang", (2, None))],
)
def test_parse_jumlah_catatan_takes_the_steps_own_word_first(teks: str, jenis: str,
                                                            harapan: tuple[int, str | None]) -> None:
    assert lg.parse_jumlah_catatan(teks, maximum=100_000, jenis=jenis) == harapan


def test_parse_jumlah_catatan_refuses_the_other_steps_word() -> None:
    pesan = pesan_galat(lg.parse_jumlah_catatan, "rusak 2", maximum=10, jenis="kurang")
    assert "menanyakan jumlah yang kurang, bukan yang rusak" in pesan
    assert "Angka belum diisi" in pesan_galat(lg.parse_jumlah_catatan, "kurang", maximum=10, jenis="kurang")
    pesan = pesan_galat(lg.parse_jumlah_catatan, "2 rusak", maximum=10, jenis="kurang")
    assert "menanyakan jumlah yang kurang, bukan yang rusak" in pesan


def test_uraian_masalah_in_plain_indonesian() -> None:
    nama = {1: ("Kotak suara", "buah"), 2: ("Surat suara Pemilihan Gubernur", "lembar"), 3: ("Tinta", "botol")}
    baris = [lg.dengan_penyimpangan(1, 2, kurang=1, catatan="tertinggal"), lg.dengan_penyimpangan(2, 1500, rusak=1200),
             lg.dengan_penyimpangan(3, 2, salah_jenis=True), lg.sesuai(9, 1)]
    assert lg.uraian_masalah(baris, nama, terlambat=True) == [
        "Kotak suara: kurang 1 buah (tertinggal)",
        "Surat suara Pemilihan Gubernur: rusak 1.200 lembar",
        "Tinta: salah jenis",
        "Tiba terlambat (melewati batas H-1)",
    ]
    assert lg.uraian_masalah([lg.sesuai(1, 2)], nama, terlambat=False) == []


def test_catatan_bersih() -> None:
    assert lg.catatan_bersih(None) is None
    assert lg.catatan_bersih("  \n ") is None
    assert lg.catatan_bersih(" a \n b ") == "a b"
    assert len(lg.catatan_bersih("x" * 1000) or "") == lg.MAKS_CATATAN
