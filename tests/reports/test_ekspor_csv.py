"""The CSV writer's batch path: byte for byte what the csv module writes from the neutralised, converted values."""

from __future__ import annotations

import csv
import gc
import io
import json
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncEngine

from reports import ekspor
from reports.ekspor import Kolom, PenulisCsv
from reports.tabel import netralkan

KOLOM = (Kolom("Teks"), Kolom("Nomor", "nomor"), Kolom("Bulat", "bulat"), Kolom("Rupiah", "rupiah"),
         Kolom("Desimal", "desimal"), Kolom("Koordinat", "koordinat"), Kolom("Persen", "persen"),
         Kolom("Tanggal", "tanggal"), Kolom("Waktu", "waktu"), Kolom("Ya/tidak", "ya_tidak"), Kolom("JSON", "json"),
         Kolom("Teks lagi"))
TRICKY = ["=HYPERLINK(\"x\")", "+62812", "-1+1", "-", "@serang", "\tx", "\rx", "a,b", 'kata "kutip"', "baris\nbaru",
          "baris\r\nbaru", "ünïcødé — 漢字 🚀", "", " spasi ", "'sudah", "=", "x\x00y", "0812", "Abc", "1.5", "<b>"]


def _rujukan(kolom: Sequence[Kolom], rows: Sequence[Sequence[Any]], *, bom: bool = False) -> str:
    """The export as the csv module writes it from values converted one cell at a time (the rules in the docs)."""
    zona = ZoneInfo("Asia/Jakarta")

    def sel(k: Kolom, v: Any) -> Any:
        if v is None:
            return None
        if k.jenis == "json":
            return netralkan(json.dumps(v, ensure_ascii=False, default=str))
        if k.jenis == "ya_tidak":
            return "ya" if v else "tidak"
        if k.jenis == "waktu" and isinstance(v, datetime):
            return (v if v.tzinfo else v.replace(tzinfo=UTC)).astimezone(zona).strftime("%Y-%m-%d %H:%M:%S")
        if k.jenis == "tanggal" and isinstance(v, date):
            return v.isoformat()
        if k.jenis in ("waktu", "tanggal"):
            return netralkan(str(v))
        return netralkan(v)

    buf = io.StringIO()
    if bom:
        buf.write("\ufeff")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([netralkan(k.judul) for k in kolom])
    w.writerows([[sel(k, v) for k, v in zip(kolom, r, strict=True)] for r in rows])
    return buf.getvalue()


def _tulis(kolom: Sequence[Kolom], batches: Sequence[Sequence[Sequence[Any]]], *, bom: bool = False) -> str:
    buf = io.StringIO()
    w = PenulisCsv(buf, kolom, bom=bom)
    for b in batches:
        w.tulis_banyak(b)
    assert w.jumlah == sum(len(b) for b in batches)
    return buf.getvalue()


def test_tricky_values_byte_for_byte() -> None:
    rows = [
        ["Desa Sukamaju", 1, 420, 9_203_578_000, Decimal("99.91"), -6.917464, Decimal("90.24"), date(2024, 11, 27),
         datetime(2024, 11, 27, 1, 0, tzinfo=UTC), True, {"catatan": "=1+1"}, "KPU"],
        ['=HYPERLINK("x")', None, -5, None, None, None, None, None, datetime(2024, 11, 27, 8, 0), 0, None, "a,b"],
        ["baris\r\nbaru", 7, 0, 0, Decimal("0.10"), 1.5, None, "27/11", "-kemarin", 1, [1, "x"], "ünïcødé 🚀"],
        ["", 8, None, 1, Decimal("-1"), 0.1, Decimal("100"), None, None, None, "+62", '"kutip"'],
    ]
    teks = _tulis(KOLOM, [rows[:1], rows[1:]], bom=True)
    assert teks == _rujukan(KOLOM, rows, bom=True)
    assert teks.split("\r\n")[1:3] == [
        "Desa Sukamaju,1,420,9203578000,99.91,-6.917464,90.24,2024-11-27,2024-11-27 08:00:00,ya,"
        '"{""catatan"": ""=1+1""}",KPU',
        """"'=HYPERLINK(""x"")",,-5,,,,,,2024-11-27 15:00:00,tidak,,"a,b\"""",
    ]
    assert '\r\n"baris\r\nbaru",7,0,0,0.10,1.5,,27/11,\'-kemarin,ya,"[1, ""x""]",ünïcødé 🚀\r\n' in teks
    assert teks.endswith('\r\n,8,,1,-1,0.1,100,,,,"""+62""","""kutip"""\r\n')  # JSON text starts with a quote


@pytest.mark.parametrize("nilai", [
    ["1", "=2"], ["Abc", "@x"], ["", "A"], ["0812", "-1"], ["-a", "-b"], ["Zebra", "\tx"], ["\rx", "1"],
    ["Abc", None], [None, None], ["1", 2], ["abc", "ABC"], ["10", "9;"], ["<b>", "."],
])
def test_neutralising_whatever_the_column_holds(nilai: list[Any]) -> None:
    # Whole columns are checked at once (their smallest and largest value): mixes around the dangerous
    # characters must still be neutralised cell by cell.
    kolom = [Kolom("A"), Kolom("B", "bulat")]
    rows = [[v, v] for v in nilai]
    assert _tulis(kolom, [rows]) == _rujukan(kolom, rows)


def test_repeated_times_and_dates_in_a_batch() -> None:
    # Each distinct value is formatted once per batch: equal instants in other zones give the same local time,
    # a naive time (taken as UTC) is not the same as an aware one with the same fields.
    wib = timezone(timedelta(hours=7))
    waktu = [datetime(2024, 11, 27, 1, 0, tzinfo=UTC), datetime(2024, 11, 27, 8, 0, tzinfo=wib),
             datetime(2024, 11, 27, 1, 0), datetime(2024, 11, 27, 1, 0, tzinfo=wib), None,
             datetime(2024, 11, 27, 1, 0, tzinfo=UTC)]
    kolom = [Kolom("Waktu", "waktu"), Kolom("Tanggal", "tanggal")]
    rows = [[w, date(2024, 11, 27) if i % 2 else None] for i, w in enumerate(waktu)]
    teks = _tulis(kolom, [rows])
    assert teks == _rujukan(kolom, rows)
    assert [r.split(",")[0] for r in teks.split("\r\n")[1:-1]] == [
        "2024-11-27 08:00:00", "2024-11-27 08:00:00", "2024-11-27 08:00:00", "2024-11-27 01:00:00", "",
        "2024-11-27 08:00:00"]


def test_single_column_keeps_the_csv_module_quoting() -> None:
    rows = [[""], [None], ["a"], ["=1"], ["a,b"]]
    teks = _tulis([Kolom("Satu")], [rows])
    assert teks == _rujukan([Kolom("Satu")], rows) == 'Satu\r\n""\r\n""\r\na\r\n\'=1\r\n"a,b"\r\n'


def test_rows_of_the_wrong_width_are_refused() -> None:
    w = PenulisCsv(io.StringIO(), KOLOM[:2])
    with pytest.raises(ValueError):
        w.tulis_banyak([["a", 1], ["b"]])
    with pytest.raises(ValueError):
        w.tulis_kolom([["a"]])
    with pytest.raises(ValueError):
        w.tulis_kolom([["a", "b"], [1]])


_teks_aman = st.one_of(st.from_regex(r"[A-Za-z][A-Za-z0-9 ,.()/-]{0,12}", fullmatch=True),
                       st.from_regex(r"[0-9][0-9.\-]{0,12}", fullmatch=True))
_teks = st.one_of(st.sampled_from(TRICKY), st.text(max_size=12), _teks_aman)
_waktu = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1),
                      timezones=st.sampled_from([None, UTC, timezone(timedelta(hours=9))]))
_JENIS: dict[str, st.SearchStrategy[Any]] = {
    "teks": st.one_of(st.none(), _teks, st.integers()),
    "nomor": st.one_of(st.none(), st.integers()),
    "bulat": st.one_of(st.none(), st.integers(), st.sampled_from(["-", "=1", "n/a"])),
    "rupiah": st.one_of(st.none(), st.integers(min_value=-10**15, max_value=10**15)),
    "desimal": st.one_of(st.none(), st.decimals(allow_nan=False, allow_infinity=False, places=2)),
    "koordinat": st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False)),
    "persen": st.one_of(st.none(), st.decimals(allow_nan=False, allow_infinity=False), st.integers()),
    "tanggal": st.one_of(st.none(), st.dates(), _teks),
    "waktu": st.one_of(st.none(), _waktu, _teks),
    "ya_tidak": st.one_of(st.none(), st.booleans(), st.integers(0, 1)),
    "json": st.one_of(st.none(), st.dictionaries(_teks, st.one_of(st.integers(), _teks), max_size=3),
                      st.lists(_teks, max_size=3)),
}


@st.composite
def _batches(draw: st.DrawFn) -> list[list[list[Any]]]:
    # Each column is either "clean" for a whole draw (letters or digits first: the batch path writes it as it
    # is) or anything at all, so both the one-string path and the cell-by-cell path are exercised.
    bersih = [draw(st.booleans()) for _ in KOLOM]
    sel = [_teks_aman if b and k.jenis == "teks" else _JENIS[k.jenis] for b, k in zip(bersih, KOLOM, strict=True)]
    rows = draw(st.lists(st.tuples(*sel).map(list), max_size=25))
    potong = sorted(draw(st.lists(st.integers(0, len(rows)), max_size=3)))
    return [rows[a:b] for a, b in zip([0, *potong], [*potong, len(rows)], strict=True)]


@settings(max_examples=300, database=None, deadline=None)
@given(_batches())
def test_any_batches_write_what_the_csv_module_writes(batches: list[list[list[Any]]]) -> None:
    rows = [r for b in batches for r in b]
    assert _tulis(KOLOM, batches) == _rujukan(KOLOM, rows)


async def test_collector_paused_while_streaming_and_resumed(engine: AsyncEngine) -> None:
    tercatat: list[bool] = []
    konteks = ekspor.Konteks(date(2024, 11, 24))
    async with engine.connect() as conn:
        await ekspor.tulis(conn, "tps", "csv", io.StringIO(), konteks=konteks,
                           kemajuan=lambda _n: tercatat.append(gc.isenabled()))
        assert tercatat == [False] and gc.isenabled()
        gc.disable()  # a caller that switched it off keeps it off
        try:
            await ekspor.tulis(conn, "pengguna", "csv", io.StringIO(), konteks=konteks)
            assert not gc.isenabled()
        finally:
            gc.enable()
