"""Rules of the reporting feature (domain/kinerja.py): periods, links, progress, budget order, stages, heads."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain.errors import ParseError
from domain.kinerja import (
    DitolakError,
    cakupan_unit,
    kepala_terdekat,
    nilai_otomatis,
    parse_progres,
    parse_tautan,
    periksa_alasan,
    periksa_belanja,
    periksa_periode,
    periksa_tanggal_selesai,
    periode_bawaan,
    periode_terbuka,
    persen_tps_tepat,
    rantai_atas,
    teks_bebas,
)
from domain.periode import parse_periode

TODAY = date(2024, 11, 24)


def test_open_periods_and_default() -> None:
    assert [p.kode for p in periode_terbuka("triwulan", 2024, TODAY)] == ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"]
    assert [p.kode for p in periode_terbuka("triwulan", 2024, TODAY, ["2024-Q1"])] == ["2024-Q2", "2024-Q3",
                                                                                      "2024-Q4"]
    assert len(periode_terbuka("bulan", 2024, TODAY)) == 11  # December has not started
    assert periode_terbuka("tahun", 2025, TODAY) == []
    assert periode_bawaan("triwulan", 2024, TODAY).kode == "2024-Q4"
    assert periode_bawaan("bulan", 2024, TODAY).kode == "2024-M11"
    assert periode_bawaan("triwulan", 2023, TODAY).kode == "2023-Q4"  # a past PK year: its last period
    assert periode_bawaan("tahun", 2024, TODAY).kode == "2024"
    with pytest.raises(ValueError):
        periode_terbuka("minggu", 2024, TODAY)


@pytest.mark.parametrize(("kode", "frekuensi", "tutup", "pesan"), [
    ("2025-Q1", "triwulan", [], "masa depan"),
    ("2024-M12", "bulan", [], "masa depan"),
    ("2024-M10", "triwulan", [], "dilaporkan per triwulan"),
    ("2024", "triwulan", [], "dilaporkan per triwulan"),
    ("2024-Q3", "bulan", [], "dilaporkan per bulan"),
    ("2023-Q3", "triwulan", [], "di luar tahun Perjanjian Kinerja (2024)"),
    ("2024-Q1", "triwulan", ["2024-Q1"], "sudah ditutup admin"),
])
def test_period_checks(kode: str, frekuensi: str, tutup: list[str], pesan: str) -> None:
    with pytest.raises(ParseError, match=pesan.replace("(", r"\(").replace(")", r"\)")):
        periksa_periode(parse_periode(kode), frekuensi, 2024, TODAY, tutup)


def test_period_checks_accept_the_running_and_earlier_ones() -> None:
    for kode in ("2024-Q4", "2024-Q1"):
        periksa_periode(parse_periode(kode), "triwulan", 2024, TODAY, ["2024-Q2"])
    periksa_periode(parse_periode("2024-M11"), "bulan", 2024, TODAY)


@pytest.mark.parametrize("text", ["https://drive.example.go.id/lkj.pdf", "http://x.id/a?b=1&c=2", "  HTTPS://A.ID/B  "])
def test_links(text: str) -> None:
    assert parse_tautan(text) == text.strip()


@pytest.mark.parametrize("text", ["", "drive.example.go.id/lkj.pdf", "ftp://x.id/a", "https://", "https://a b.id",
                                  "javascript:alert(1)", "https://x.id/" + "a" * 600, "tautan: https://x.id"])
def test_bad_links(text: str) -> None:
    with pytest.raises(ParseError):
        parse_tautan(text)


@pytest.mark.parametrize(("text", "value"), [("0", 0), ("40", 40), ("75 %", 75), ("99%", 99), ("60 persen", 60)])
def test_progress(text: str, value: int) -> None:
    assert parse_progres(text) == value


@pytest.mark.parametrize(("text", "pesan"), [("100", "100 % berarti selesai"),
                                             ("120", r"tidak bisa lebih dari 100 % \(tertulis 120 %\)"),
                                             ("250,0", r"\(tertulis 250 %\)"), ("40,5", "bulat"),
                                             ("-1", "negatif"), ("", "belum diisi"), ("empat puluh", "bukan angka"),
                                             ("１０", "angka biasa"), ("1" * 40, "terlalu panjang")])
def test_bad_progress(text: str, pesan: str) -> None:
    with pytest.raises(ParseError, match=pesan):
        parse_progres(text)


def test_free_text_and_reasons() -> None:
    assert teks_bebas("  Gudang sempit  ") == "Gudang sempit"
    assert periksa_alasan("Salah ketik angka") == "Salah ketik angka"
    for bad, pesan in [("", "kosong"), ("   ", "kosong"), ("x" * 1001, "terlalu panjang")]:
        with pytest.raises(ParseError, match=pesan):
            teks_bebas(bad)
    for bad, pesan in [("ok", "terlalu singkat"), ("x" * 501, "terlalu panjang"), ("", "kosong")]:
        with pytest.raises(ParseError, match=pesan):
            periksa_alasan(bad)


def test_budget_order_and_pagu() -> None:
    periksa_belanja(1_000, 2_000, ("September 2024", 500), ("November 2024", 1_500), koreksi=False)
    periksa_belanja(2_000, 2_000, None, None, koreksi=False)  # exactly the pagu is fine
    with pytest.raises(DitolakError, match=r"melebihi pagu Rp2\.000 \(100,05 % dari pagu\)"):
        periksa_belanja(2_001, 2_000, None, None, koreksi=True)  # a correction does not lift the pagu
    with pytest.raises(DitolakError, match="lebih kecil"):
        periksa_belanja(400, 2_000, ("September 2024", 500), None, koreksi=False)
    with pytest.raises(DitolakError, match="lebih besar"):
        periksa_belanja(1_600, 2_000, None, ("November 2024", 1_500), koreksi=False)
    periksa_belanja(400, 2_000, ("September 2024", 500), ("November 2024", 300), koreksi=True)
    with pytest.raises(DitolakError, match="melebihi pagu"):
        periksa_belanja(1, 0, None, None, koreksi=False)


def test_stage_dates() -> None:
    periksa_tanggal_selesai(TODAY, date(2024, 9, 17), TODAY)
    with pytest.raises(ParseError, match="masa depan"):
        periksa_tanggal_selesai(date(2024, 11, 25), date(2024, 9, 17), TODAY)
    with pytest.raises(ParseError, match="sebelum tahapan dimulai"):
        periksa_tanggal_selesai(date(2024, 9, 16), date(2024, 9, 17), TODAY)


def test_heads_and_scopes() -> None:
    induk = {1: None, 2: 1, 3: 2, 4: 2, 5: 1, 6: 5, 7: 1}  # PROV, KUL, KUL-KEU, KUL-UML, PDI, PDI-DATIN, KAB
    jenis = {1: "satker", 2: "bagian", 3: "subbagian", 4: "subbagian", 5: "bagian", 6: "subbagian", 7: "kabkota"}
    kepala = {1: [10], 2: [20, 21]}
    assert kepala_terdekat(4, induk, kepala) == [20, 21]
    assert kepala_terdekat(6, induk, kepala) == [10]
    assert kepala_terdekat(7, induk, kepala) == [10]
    assert kepala_terdekat(6, induk, {}) == []
    assert kepala_terdekat(8, {8: 9, 9: 8}, {}) == []  # a cycle in bad data does not hang
    assert rantai_atas(4, induk) == [4, 2, 1]
    assert sorted(cakupan_unit(4, induk, jenis)) == [2, 4]
    assert sorted(cakupan_unit(2, induk, jenis)) == [2, 3, 4]
    assert cakupan_unit(7, induk, jenis) == [7]
    assert sorted(cakupan_unit(1, induk, jenis)) == [1, 2, 3, 4, 5, 6, 7]


def test_computed_values() -> None:
    assert nilai_otomatis(99.5) == "99.5"
    assert nilai_otomatis(100.0) == "100"
    assert nilai_otomatis(Decimal("0.0579")) == "0.06"
    assert nilai_otomatis(66.666) == "66.67"
    assert persen_tps_tepat(2, 3452) == Decimal("0.06")
    assert persen_tps_tepat(3452, 3452) == Decimal(100)
    assert persen_tps_tepat(0, 0) is None
    with pytest.raises(ValueError):
        persen_tps_tepat(5, 3)
