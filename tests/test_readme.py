"""Every example README.md gives works: its `pantau` commands through the command line, and what it says users
type in the chat through the parser of that step. The examples are read from README.md itself, so a new one is
covered without touching this file (a new kind of step in the typing table needs its parser below)."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, tzinfo
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot import tahun_cli
from domain import angka, capaian, kinerja
from domain import logistik as lg
from domain.errors import ParseError

README = Path(__file__).resolve().parent.parent / "README.md"
TEKS = README.read_text(encoding="utf-8")

# --- the command line ------------------------------------------------------------------------------------------

# A command shown with a placeholder is a syntax line, not an example.
_PENANDA = re.compile(r"[<>\[\]|…]|\b(FILE|URL|CODE|KODE|DATASET|ID|DATE|N)\b")
# Commands that serve until stopped or need something outside the test, each with where it is tested instead.
LEWATI = {
    "pantau run": "serves until stopped; tests/bot/test_bot_core.py starts and stops it",
    "pantau chat": "reads the terminal until /keluar; tests/bot/test_bot_core.py drives it",
    "pantau db salin --ke postgresql://": "needs the example's PostgreSQL server; tests/storage/test_cadangan.py",
}


def _baris_perintah(baris: str) -> str | None:
    """The `pantau …` command of a shell line (`VAR=x pantau …` too), without its comment."""
    baris = baris.split("#", 1)[0].strip() if not baris.lstrip().startswith("pantau invite revoke") else baris.strip()
    kata = baris.split()
    while kata and re.fullmatch(r"[A-Z_]+=\S*", kata[0]):
        kata.pop(0)
    return " ".join(kata) if kata and kata[0] == "pantau" else None


def contoh_perintah(teks: str = TEKS) -> list[str]:
    """Every `pantau` command README.md shows: each line of a ```sh block, and each `pantau …` in the text that
    is a whole command (no placeholder)."""
    hasil: list[str] = []
    for blok in re.finditer(r"^```sh\n(.*?)^```", teks, re.S | re.M):
        hasil += [p for b in blok.group(1).splitlines() if (p := _baris_perintah(b))]
    for span in re.finditer(r"`(pantau [^`\n]+)`", teks):
        if not _PENANDA.search(span.group(1)):
            hasil.append(span.group(1).strip())
    return list(dict.fromkeys(hasil))


def _dilewati(perintah: str) -> str | None:
    return next((alasan for awal, alasan in LEWATI.items() if perintah.startswith(awal)), None)


def test_the_readme_shows_commands_and_skips_only_the_listed_ones() -> None:
    semua = contoh_perintah()
    assert len(semua) >= 15
    assert "pantau report anggaran --year 2024" in semua and "pantau backup" in semua
    assert sum(1 for p in semua if _dilewati(p)) <= len(LEWATI) + 2


# Bare references to a command in the text ("`pantau export`") name it without arguments: they must name a
# command that exists, nothing more.
_SEBUTAN = re.compile(r"pantau( [a-z][a-z-]*)+")
# Examples whose outcome depends on the state of the database or the day: run, and refused with this reason.
# The test database holds the demo's 2024, open, and nothing else (tests/conftest.py).
DITOLAK_DI_DATABASE_UJI = {
    "pantau tahun tutup 2026": "belum berakhir",  # a year is closed once it is over
    "pantau tahun buka-kembali 2026 --alasan \"opini BPK terbit\"": "tidak dalam keadaan ditutup",  # after closing
    "pantau invite revoke '#12'": "tidak ditemukan",  # needs twelve invites made first
}


class _HariReadme(datetime):
    """The day the README's year examples speak of (its year 2026 is the running one): they read the same on any
    day the tests run."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> _HariReadme:
        return cls(2026, 12, 7, 3, 0, tzinfo=UTC).astimezone(tz) if tz else cls(2026, 12, 7, 10, 0)


@pytest.mark.parametrize("perintah", [p for p in contoh_perintah() if not _dilewati(p)])
def test_readme_command_runs(perintah: str, cli: Callable[[list[str]], int],
                             capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tahun_cli, "datetime", _HariReadme)
    try:
        rc = cli(shlex.split(perintah)[1:])
    except SystemExit as e:  # argparse: a usage error
        rc = int(e.code or 0)
    keluar = capsys.readouterr()
    semua = keluar.out + keluar.err
    assert "Traceback" not in semua
    if perintah in DITOLAK_DI_DATABASE_UJI:
        assert rc == 2 and DITOLAK_DI_DATABASE_UJI[perintah] in semua, semua
    elif _SEBUTAN.fullmatch(perintah) and rc != 0:
        assert rc == 2 and "invalid choice" not in semua, f"{perintah} names no command:\n{semua}"
    else:
        assert rc == 0, f"{perintah} → exit {rc}\n{keluar.out[-2000:]}\n{keluar.err[-2000:]}"


def test_a_readme_command_that_fails_is_caught(cli: Callable[[list[str]], int]) -> None:
    """The check above can fail: a misspelt command is no mention, and an unknown option is no example."""
    assert _SEBUTAN.fullmatch("pantau laporan") and not _SEBUTAN.fullmatch("pantau report capaian --year 2024")
    with pytest.raises(SystemExit) as e:
        cli(["report", "capaian", "--tahun", "2024"])
    assert e.value.code == 2
    assert contoh_perintah("```sh\nDATABASE_URL=x pantau run   # jalan\n```\n`pantau tps list [--sulit]`") == [
        "pantau run"]


# --- what users type ------------------------------------------------------------------------------------------

WIB = ZoneInfo("Asia/Jakarta")
# "Pantau reads" a time against the moment it is typed: 21.00 on a day of a running event.
SEKARANG = datetime(2026, 12, 7, 21, 0, tzinfo=WIB)
AWAL_KIRIM = SEKARANG - timedelta(days=3)


def _waktu(teks: str) -> str:
    hasil = lg.parse_waktu_tiba(teks, sekarang=SEKARANG, tz="Asia/Jakarta", paling_awal=AWAL_KIRIM)
    hari = {0: "today", 1: "yesterday"}[(SEKARANG.date() - hasil.date()).days]
    return f"{hari} {hasil:%H.%M}"


def _jumlah(jenis: str) -> Callable[[str], str]:
    def baca(teks: str) -> str:
        n, catatan = lg.parse_jumlah_catatan(teks, maximum=1000, jenis=jenis)
        return f'{n}, note "{catatan}"' if catatan else str(n)
    return baca


def _nilai(jenis: capaian.JenisIndikator) -> Callable[[str], str]:
    return lambda teks: capaian.format_nilai(jenis, capaian.parse_nilai(jenis, teks))


# The parser behind each step of the table, as the bot's flow calls it.
PEMBACA: dict[str, Callable[[str], str]] = {
    "`/tiba`, how many are short": _jumlah("kurang"),
    "`/tiba`, how many are damaged": _jumlah("rusak"),
    "`/tiba`, arrival time": _waktu,
    "`/realisasi`, a percentage": _nilai(capaian.JenisIndikator.persen),
    "`/realisasi`, a grade": _nilai(capaian.JenisIndikator.predikat),
    "`/realisasi`, an audit opinion": _nilai(capaian.JenisIndikator.opini),
    "`/realisasi`, not finished yet": _nilai(capaian.JenisIndikator.persen),
    "`/anggaran_lapor`, an amount": lambda t: angka.format_rupiah(angka.parse_rupiah(t)),
    "`/rencana`, progress": lambda t: f"{kinerja.parse_progres(t)} %",
    "any number": lambda t: angka.format_number(angka.parse_number(t)),
}
DITOLAK = "refused, with the reason"


def contoh_ketik(teks: str = TEKS) -> list[tuple[str, str, str]]:
    """(step, typed, read as) for every example of the table after the `contoh-ketik` mark."""
    cocok = re.search(r"<!-- contoh-ketik\b.*?-->\n((?:\|.*\n)+)", teks)
    assert cocok, "README.md has no table marked <!-- contoh-ketik -->"
    hasil = []
    for baris in cocok.group(1).splitlines()[2:]:
        langkah, ketik, baca = (s.strip() for s in baris.strip().strip("|").split("|"))
        hasil += [(langkah, contoh, baca) for contoh in re.findall(r"`([^`]+)`", ketik)]
    return hasil


def test_the_typing_table_has_examples_of_every_step() -> None:
    contoh = contoh_ketik()
    assert len(contoh) >= 30
    assert {c[0] for c in contoh} == set(PEMBACA), "a step of the table without its parser here, or the reverse"
    assert ("`/tiba`, how many are short", "kurang 2", "2") in contoh


@pytest.mark.parametrize(("langkah", "ketik", "baca"), contoh_ketik())
def test_readme_typing_example(langkah: str, ketik: str, baca: str) -> None:
    pembaca = PEMBACA[langkah]
    if baca == DITOLAK:
        with pytest.raises(ParseError) as e:
            pembaca(ketik)
        assert len(e.value.pesan) > 20  # a reason, not just "salah"
    else:
        assert pembaca(ketik) == baca


def test_a_wrong_reading_in_the_table_is_caught() -> None:
    tabel = ("<!-- contoh-ketik -->\n| step | you type | Pantau reads |\n| --- | --- | --- |\n"
             "| any number | `1.000` | 1 |\n")
    ((langkah, ketik, baca),) = contoh_ketik(tabel)
    assert PEMBACA[langkah](ketik) != baca
    assert Decimal("1000") == angka.parse_number(ketik)
