"""Short labels: cut at a word, never inside a bracket, never two different names that read the same."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from domain.label import potong, ringkas_unik


def test_potong_keeps_short_text_and_cuts_long_text_at_a_word() -> None:
    assert potong("  Kota   Bengkulu ", 20) == "Kota Bengkulu"
    assert potong("Penggandaan Daftar Pemilih dan Pendistribusian", 30) == "Penggandaan Daftar Pemilih…"
    assert potong("Kecamatan 01 Kota Bengkulu (Selebar)", 28) == "Kecamatan 01 Kota Bengkulu…"  # not "( (34)"
    assert potong("Supercalifragilisticexpialidocious", 10) == "Supercali…"  # one long word: cut inside it


def test_names_alike_at_the_start_keep_the_words_that_differ() -> None:
    nama = ["Pleno Daftar Pemilih Hasil Pemutakhiran oleh PPS", "Pleno Daftar Pemilih Hasil Pemutakhiran oleh PPK",
            "Penerimaan DP4"]
    assert ringkas_unik(nama, 30) == ["Pleno … Pemutakhiran oleh PPS", "Pleno … Pemutakhiran oleh PPK",
                                      "Penerimaan DP4"]
    assert ringkas_unik(["Kecamatan 01 Kota Bengkulu (Selebar)", "Kecamatan 01 Kota Bengkulu (Gading)"], 28) == [
        "Kecamatan … (Selebar)", "Kecamatan … (Gading)"]


def test_names_that_differ_only_in_the_middle_are_numbered() -> None:
    a = "Laporan rapat koordinasi satu tentang data pemilih"
    b = "Laporan rapat koordinasi dua tentang data pemilih"
    assert ringkas_unik([a, b], 20) == ["Laporan rapat… (1)", "Laporan rapat… (2)"]


@given(st.lists(st.text(alphabet="ab ()xyzé", min_size=0, max_size=60), max_size=8), st.integers(8, 40))
def test_different_names_never_read_the_same_and_fit(nama: list[str], maks: int) -> None:
    hasil = ringkas_unik(nama, maks)
    assert len(hasil) == len(nama)
    rapi = [" ".join(n.split()) for n in nama]
    for i in range(len(nama)):
        assert len(hasil[i]) <= maks
        for j in range(len(nama)):
            if rapi[i] != rapi[j]:
                assert hasil[i] != hasil[j], (nama[i], nama[j], hasil)
