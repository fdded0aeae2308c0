"""`pantau impor`: the web's imports on the command line: a template, a dry run with row-level errors, a commit."""

from __future__ import annotations

import argparse
import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from reports.tabel import write_csv
from storage import impor, users

TAMPIL_GALAT = 50


def tambah_parser(sub: Any) -> None:
    """Add the `impor` subcommand to the `pantau` parser."""
    im = sub.add_parser("impor", help="impor CSV/XLSX seperti di web admin (uji dulu, simpan dengan --simpan)")
    im.add_argument("dataset", choices=sorted(impor.DATASETS), help="jenis data")
    im.add_argument("berkas", nargs="?", help="berkas CSV atau XLSX (tanpa berkas: cetak templat CSV)")
    im.add_argument("--simpan", action="store_true", help="simpan bila semua baris lolos (semua atau tidak)")
    im.add_argument("--as", dest="who", default="admin", help="admin yang mengimpor (kunci demo atau ID Telegram)")


def _cli_error(msg: str) -> Exception:
    from bot.cli import CliError  # imported late: bot.cli imports this module

    return CliError(msg)


def templat(dataset: str) -> str:
    """The dataset's CSV template: its columns and an example row."""
    spec = impor.DATASETS[dataset]
    buf = io.StringIO()
    write_csv([k.nama for k in spec.kolom], [list(r) for r in spec.contoh], buf)
    return buf.getvalue().rstrip("\n")


async def jalankan(engine: AsyncEngine, a: argparse.Namespace, zona: str) -> str:
    """Print the template, or check a file (dry run) and, with --simpan, commit it."""
    if not a.berkas:
        return templat(a.dataset)
    path = Path(a.berkas)
    try:
        isi = path.read_bytes()
    except OSError as exc:
        raise _cli_error(f"Berkas {a.berkas} tidak dapat dibaca: {exc.strerror}.") from None
    try:
        tabel = impor.read_file(path.name, isi)  # read once, as the web does
    except impor.ImporError as exc:
        raise _cli_error(str(exc)) from None
    async with engine.begin() as conn:
        u = await users.by_demo_key(conn, a.who)
        if u is None and a.who.isdigit():
            u = await users.by_telegram_id(conn, int(a.who))
        if u is None or u.role != "admin" or not u.aktif:
            raise _cli_error(f"{a.who!r} bukan admin aktif; impor hanya oleh admin.")
        p = await impor.dry_run(conn, a.dataset, tabel, tz_name=zona)
        if not p.ok:
            pesan = p.pesan()
            lebih = [f"… dan {len(pesan) - TAMPIL_GALAT} galat lagi"] if len(pesan) > TAMPIL_GALAT else []
            raise _cli_error("\n".join([f"Tidak ada yang disimpan: {p.jumlah_galat} baris bergalat.",
                                        *pesan[:TAMPIL_GALAT], *lebih]))
        ringkas = f"{len(p.baris)} baris lolos pemeriksaan: {p.hitung('baru')} baru, {p.hitung('ubah')} diubah"
        if not a.simpan:
            return ringkas + ". Jalankan lagi dengan --simpan untuk menyimpan."
        await impor.commit(conn, a.dataset, tabel, actor=u, berkas=path.name, now=datetime.now(UTC),
                           tz_name=zona)
    return ringkas + ". Tersimpan."
