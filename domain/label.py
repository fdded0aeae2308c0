"""Short labels for buttons and table columns: cut at a word, never inside a bracket, never two alike."""

from __future__ import annotations

from collections.abc import Sequence

ELIPSIS = "…"
_TEPI = " ([{-–—,;:/"


def _rapi(teks: str) -> str:
    return " ".join(teks.split())


def potong(teks: str, maks: int) -> str:
    """`teks` in at most `maks` characters: cut at the last whole word, a bracket left open dropped, "…" added."""
    teks = _rapi(teks)
    if len(teks) <= maks:
        return teks
    potongan = teks[: maks - 1]
    if teks[maks - 1] != " " and " " in potongan:
        potongan = potongan.rsplit(" ", 1)[0]
    buka = potongan.rfind("(")
    if buka > potongan.rfind(")"):  # "Kecamatan Selebar (Kota" would read as a broken bracket: drop it
        potongan = potongan[:buka]
    potongan = potongan.rstrip(_TEPI)
    return (potongan or teks[: maks - 1]) + ELIPSIS


def _dari_belakang(kata: list[str], ruang: int) -> str:
    """As many whole words from the end of `kata` as fit in `ruang` characters."""
    ambil: list[str] = []
    for k in reversed(kata):
        if len(" ".join([k, *ambil])) > ruang:
            break
        ambil.insert(0, k)
    return " ".join(ambil)


def ringkas_unik(nama: Sequence[str], maks: int) -> list[str]:
    """Each name in at most `maks` characters; names that would read the same once cut keep their first word and
    the words at their end that tell them apart ("Pleno … oleh PPS" / "Pleno … oleh PPK"), and a number where even
    that is not enough."""
    hasil = [potong(n, maks) for n in nama]
    asli = [_rapi(n) for n in nama]
    for label in sorted(set(hasil)):
        idx = [i for i, h in enumerate(hasil) if h == label]
        if len({asli[i] for i in idx}) < 2:
            continue
        for i in idx:
            kata = asli[i].split(" ")
            kepala = kata[0] if len(kata) > 1 else ""
            ruang = maks - len(kepala) - 3
            ekor = _dari_belakang(kata[1:], ruang) if kepala else ""
            if kepala and ekor:
                hasil[i] = asli[i] if len(asli[i]) <= maks else f"{kepala} {ELIPSIS} {ekor}"
    # Still alike (the words that differ sit in the middle): number them in their order.
    for label in sorted(set(hasil)):
        idx = [i for i, h in enumerate(hasil) if h == label]
        if len({asli[i] for i in idx}) < 2:
            continue
        for no, i in enumerate(idx, start=1):
            akhiran = f" ({no})"
            hasil[i] = potong(asli[i], maks - len(akhiran)) + akhiran
    return hasil
