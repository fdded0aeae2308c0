from domain.laju import PembatasLaju


def test_window_allows_the_limit_then_warns_once_then_drops() -> None:
    p = PembatasLaju(batas=3, jendela=10)
    assert [p.periksa(1, t) for t in (0, 1, 2)] == ["lanjut"] * 3
    assert p.periksa(1, 3) == "tegur"
    assert p.periksa(1, 4) == "abaikan"
    assert p.periksa(2, 4) == "lanjut"  # another user is not affected
    assert p.periksa(1, 10.5) == "lanjut"  # the first update left the window
    p.bersihkan(100)
    assert p._riwayat == {}


def test_warned_again_only_after_a_quiet_window() -> None:
    p = PembatasLaju(batas=1, jendela=5)
    assert p.periksa(7, 0) == "lanjut"
    assert p.periksa(7, 1) == "tegur"
    assert p.periksa(7, 2) == "abaikan"
    assert p.periksa(7, 5.5) == "lanjut"
    assert p.periksa(7, 6) == "tegur"
