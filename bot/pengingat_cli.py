"""`pantau reminders …`: preview what the reminder policy sends in a window (the sweep's own rules, nothing sent),
add a manual deadline (paused, to check it first), resume it, and regenerate the deadlines from their sources."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine

from domain.angka import format_number
from domain.entitas import PERAN
from domain.errors import ParseError
from domain.harikerja import nama_pendek
from domain.label import potong
from domain.tanggal import format_date_long, format_datetime, parse_date, parse_time, tz_abbrev
from storage import tenggat

MAKS_HARI = 400
KOLOM_NAMA = 34  # the recipient column's width
KOLOM_JUDUL = 48  # at most this much of a deadline's title
LANGKAH = {"h0": "hari H", "e1": "eskalasi kepala unit", "e2": "eskalasi pimpinan"}


def tambah_parser(sub: Any) -> None:
    """Add the `reminders` subcommand to the `pantau` parser."""
    rm = sub.add_parser("reminders", help="pengingat tenggat").add_subparsers(dest="sub", required=True,
                                                                              metavar="AKSI")
    pv = rm.add_parser("preview", help="daftar pengingat yang akan dikirim kebijakan dalam rentang tanggal "
                                       "(tanpa mengirim)")
    pv.add_argument("--from", dest="dari", required=True, help="tanggal awal, mis. 2024-11-19 atau 19/11/2024")
    pv.add_argument("--to", dest="sampai", required=True, help="tanggal akhir (ikut dihitung)")
    pv.add_argument("--format", choices=("text", "json"), default="text")
    pv.add_argument("--include-paused", action="store_true", help="ikutkan tenggat dan jenis yang dijeda")
    pv.add_argument("--deadline", type=int, action="append", help="hanya tenggat dengan ID ini (boleh berulang)")
    pv.add_argument("--now", help=argparse.SUPPRESS)  # "as if it were" this ISO moment (tests, what-ifs)
    ad = rm.add_parser("add", help="tambah tenggat manual (dengan --paused: periksa dulu dengan preview)")
    ad.add_argument("--title", required=True, help="judul tenggat")
    ad.add_argument("--due", required=True, help='batas, mis. "2024-12-02 16.00" (jam bawaan 23.59)')
    ad.add_argument("--unit", help="kode unit penanggung jawab (sub-unitnya ikut), mis. KUL")
    ad.add_argument("--role", default="operator", choices=PERAN, help="peran penerima (bawaan operator)")
    ad.add_argument("--paused", action="store_true", help="simpan dalam keadaan dijeda")
    rs = rm.add_parser("resume", help="aktifkan tenggat yang dijeda")
    rs.add_argument("id", type=int)
    rm.add_parser("sync", help="bangkitkan ulang tenggat dari rencana aksi, periode, tahapan dan logistik")


def _cli_error(msg: str) -> Exception:
    from bot.cli import CliError  # imported late: bot.cli imports this module

    return CliError(msg)


def _jendela(dari: str, sampai: str, zona: str) -> tuple[datetime, datetime]:
    tz = ZoneInfo(zona)
    d1, d2 = parse_date(dari), parse_date(sampai)
    if d2 < d1:
        raise _cli_error("--to harus sama dengan atau sesudah --from.")
    if (d2 - d1).days > MAKS_HARI:
        raise _cli_error(f"Rentang paling panjang {MAKS_HARI} hari.")
    return (datetime.combine(d1, time(0, 0), tzinfo=tz).astimezone(UTC),
            datetime.combine(d2 + timedelta(days=1), time(0, 0), tzinfo=tz).astimezone(UTC) - timedelta(microseconds=1))


def _langkah(kode: str) -> str:
    if kode in LANGKAH:
        return LANGKAH[kode]
    if kode.startswith("z"):
        return "ulang (ingatkan besok)"
    if kode.startswith("h"):
        return f"H-{kode[1:]}"
    return f"terlambat {kode[1:]} hari"


def _baris_json(r: tenggat.Rencana, geser: dict[str, str]) -> dict[str, Any]:
    d, p = r.tenggat, r.penerima
    return {
        "waktu": r.waktu.isoformat(), "waktu_lokal": format_datetime(r.waktu, d.zona),
        "penerima": {"id": p.user_id, "telegram_id": p.telegram_id, "nama": p.nama, "peran": p.peran},
        "tenggat": {"id": d.id, "jenis": d.jenis, "ref": d.ref, "judul": d.judul, "unit": d.unit_code,
                    "batas": d.batas.isoformat(), "digeser": _geser(d, geser)},
        "langkah": r.langkah.kode, "tingkat": r.langkah.tingkat, "status": r.status,
        "langkah_digeser": r.langkah.digeser,
    }


def _geser(d: tenggat.Tenggat, geser: dict[str, str]) -> str | None:
    return geser.get(d.ref) if d.jenis == "pelaporan" else None


async def _preview(engine: AsyncEngine, a: argparse.Namespace, zona: str) -> str:
    dari, sampai = _jendela(a.dari, a.sampai, zona)
    now = datetime.fromisoformat(a.now) if a.now else datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    async with engine.connect() as conn:
        rows = await tenggat.pratinjau(conn, dari=dari, sampai=sampai, now=now, zona=zona,
                                       termasuk_jeda=a.include_paused, ids=a.deadline)
        geser = await tenggat.alasan_geser(conn, {r.tenggat.ref for r in rows if r.tenggat.jenis == "pelaporan"})
    if a.format == "json":
        return json.dumps({"dari": dari.isoformat(), "sampai": sampai.isoformat(), "jumlah": len(rows),
                           "pengingat": [_baris_json(r, geser) for r in rows]}, ensure_ascii=False, indent=2)
    lines = _kepala(a, dari, sampai, now, zona, len(rows))
    if rows:
        lines.append("")
        zona_baris = sorted({tz_abbrev(r.tenggat.zona, r.waktu) for r in rows})
        lines.append(_baris_teks(f"Waktu ({'/'.join(zona_baris)})", "Penerima", "(ID Telegram)", "Tenggat [unit]",
                                 "Langkah", "Status"))
    digeser: dict[tuple[str, str], str] = {}
    for r in rows:
        d, p = r.tenggat, r.penerima
        lokal = r.waktu.astimezone(ZoneInfo(d.zona))
        # a step a holiday moved earlier says so: "H-7 (dimajukan karena Idul Fitri)"
        maju = f" (dimajukan karena {nama_pendek(r.langkah.digeser)})" if r.langkah.digeser else ""
        lines.append(_baris_teks(f"{lokal:%Y-%m-%d %H.%M}", p.nama, f"({p.telegram_id})",
                                 f"#{d.id} {potong(d.judul, KOLOM_JUDUL)} [{d.unit_code or '-'}]",
                                 f"{_langkah(r.langkah.kode)}{maju}", r.status))
        if alasan := _geser(d, geser):
            digeser[(format_datetime(d.batas, d.zona), d.judul)] = alasan
    ringkas: list[str] = []
    if digeser:
        ringkas += ["", "Tenggat yang digeser karena hari libur:",
                    *(f"  {judul}: {batas} ({alasan})" for (batas, judul), alasan in digeser.items())]
    return "\n".join([*lines, *ringkas])


def _baris_teks(waktu: str, nama: str, tg: str, tenggat_: str, langkah: str, status: str) -> str:
    """One line of the preview's table; a long name is cut at a word ("…"), never inside one."""
    return f"{waktu:<16}  {potong(nama, KOLOM_NAMA):<{KOLOM_NAMA}} {tg:<13}  {tenggat_}  {langkah}  {status}"


def _kepala(a: argparse.Namespace, dari: datetime, sampai: datetime, now: datetime, zona: str,
            jumlah: int) -> list[str]:
    """What the preview shows: which reminders, for which days, as of when, how many."""
    d1, d2 = dari.astimezone(ZoneInfo(zona)).date(), sampai.astimezone(ZoneInfo(zona)).date()
    rentang = format_date_long(d1) if d1 == d2 else f"{format_date_long(d1)} s.d. {format_date_long(d2)}"
    saring = [] if a.include_paused else ["tanpa tenggat dan jenis yang dijeda"]
    if a.deadline:
        saring.append("hanya tenggat " + ", ".join(f"#{i}" for i in sorted(set(a.deadline))))
    return [
        "Pratinjau pengingat tenggat (tidak ada yang dikirim)",
        f"Tanggal: {rentang}",
        f"Dihitung per: {format_datetime(now, zona)}",
        f"Jumlah: {format_number(jumlah)} pengingat" + (f" ({'; '.join(saring)})" if saring else ""),
    ]


def _batas(teks: str, zona: str) -> datetime:
    bagian = teks.strip().split()
    if not bagian or len(bagian) > 6:
        raise ParseError('Batas tidak dikenali; tulis misalnya "2024-12-02 16.00".')
    # The date may have spaces ("2 Desember 2024 16.00"): the time is the last part when it parses as one.
    jam = time(23, 59)
    tanggal_teks = teks.strip()
    if len(bagian) > 1:
        try:
            jam = parse_time(bagian[-1])
            tanggal_teks = " ".join(bagian[:-1])
        except ParseError:
            pass
    tanggal: date = parse_date(tanggal_teks)
    return datetime.combine(tanggal, jam, tzinfo=ZoneInfo(zona)).astimezone(UTC)


async def jalankan(engine: AsyncEngine, a: argparse.Namespace, zona: str) -> str:
    """Run one `reminders` action."""
    if a.sub == "preview":
        return await _preview(engine, a, zona)
    now = datetime.now(UTC)
    try:
        async with engine.begin() as conn:
            if a.sub == "sync":
                h = await tenggat.sinkronkan(conn, zona=zona, now=now)
                return f"Tenggat disinkronkan: {h.dibuat} baru, {h.diubah} berubah, {h.dihapus} dihapus."
            if a.sub == "resume":
                if not await tenggat.atur_jeda_tenggat(conn, a.id, False, actor="cli", actor_id=None, now=now):
                    raise _cli_error(f"Tenggat {a.id} tidak ditemukan.")
                return f"Tenggat #{a.id} aktif: pengingatnya dikirim mulai sapuan berikutnya."
            batas = _batas(a.due, zona)
            deadline_id = await tenggat.tambah_manual(conn, judul=a.title, batas=batas, unit_code=a.unit,
                                                      peran=a.role, dijeda=a.paused, actor="cli", actor_id=None,
                                                      now=now)
    except tenggat.TenggatError as exc:
        raise _cli_error(str(exc)) from None
    dari, sampai = batas - timedelta(days=8), batas + timedelta(days=8)
    lanjut = (f"\nPeriksa: pantau reminders preview --from {dari:%Y-%m-%d} --to {sampai:%Y-%m-%d} "
              f"--deadline {deadline_id} --include-paused\nAktifkan: pantau reminders resume {deadline_id}"
              if a.paused else "")
    return f"Tenggat #{deadline_id} dibuat: {a.title} — batas {format_datetime(batas, zona)}.{lanjut}"
