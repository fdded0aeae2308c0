"""`pantau tahun buka|status|tutup|buka-kembali|list`: a budget year's life on the command line."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine

from domain.kinerja import DitolakError
from domain.tanggal import format_date
from reports import tahun as laporan_tahun
from storage import tahun as tahun_anggaran


class GalatTahun(Exception):
    """A refused year operation; the message is Indonesian."""


def tambah_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The `tahun` command and its actions."""
    th = sub.add_parser("tahun", help="tahun anggaran: buka, periksa kesiapan, tutup, buka kembali")
    ta = th.add_subparsers(dest="sub", required=True, metavar="AKSI")
    b = ta.add_parser("buka", help="buka tahun: salin PK tahun sebelumnya sebagai draf (idempoten)")
    b.add_argument("tahun", type=int)
    b.add_argument("--dari", type=int, help="tahun sumber (bawaan: tahun sebelumnya)")
    s = ta.add_parser("status", help="daftar periksa kesiapan tahun")
    s.add_argument("tahun", type=int)
    s.add_argument("--format", choices=("text", "json"), default="text")
    ta.add_parser("tutup", help="tutup tahun: simpan angka akhirnya; laporan bertanggal tahun itu ditolak") \
        .add_argument("tahun", type=int)
    bk = ta.add_parser("buka-kembali", help="buka kembali tahun yang ditutup (perlu alasan)")
    bk.add_argument("tahun", type=int)
    bk.add_argument("--alasan", required=True, help="mengapa tahun ini dibuka kembali")
    ta.add_parser("list", help="tahun yang pernah dibuka dan keadaannya")


async def jalankan(engine: AsyncEngine, a: argparse.Namespace, zona: str) -> str:
    """Run one `tahun` action."""
    now = datetime.now(UTC)
    try:
        if a.sub == "status":
            async with engine.connect() as conn:
                k = await laporan_tahun.status(conn, a.tahun)
            if a.format == "json":
                return json.dumps(k.model_dump(mode="json") | {"siap": k.siap}, ensure_ascii=False, indent=2)
            return laporan_tahun.teks(k)
        if a.sub == "list":
            async with engine.connect() as conn:
                ys = await tahun_anggaran.semua(conn)
            return "\n".join(f"{y.tahun}  {y.status}" + (f"  ditutup {format_date(y.ditutup_pada.date())} oleh "
                                                          f"{y.ditutup_oleh}" if y.ditutup_pada and
                                                          y.status == tahun_anggaran.DITUTUP else "")
                             for y in ys) or "Belum ada tahun anggaran yang dibuka."
        async with engine.begin() as conn:
            if a.sub == "buka":
                h = await laporan_tahun.buka(conn, a.tahun, dari=a.dari, actor="cli", actor_id=None, now=now,
                                             zona=zona)
                if h.sudah_ada:
                    return f"Tahun anggaran {a.tahun} sudah dibuka; tidak ada yang diubah."
                k = await laporan_tahun.status(conn, a.tahun)
                return (f"Tahun anggaran {a.tahun} dibuka dari {h.dari}: draf PK untuk {len(h.pk)} unit, "
                        f"{h.target_renstra} target dari Renstra, {h.target_tahun_lalu} target tahun lalu "
                        "(perlu dikonfirmasi).\n\n" + laporan_tahun.teks(k))
            if a.sub == "tutup":
                today = now.astimezone(ZoneInfo(zona)).date()
                f = await laporan_tahun.tutup(conn, a.tahun, today=today, actor="cli", actor_id=None, now=now)
                return (f"Tahun anggaran {a.tahun} ditutup: {len(f['realisasi'])} realisasi terverifikasi, "
                        f"{len(f['otomatis'])} indikator otomatis, {len(f['anggaran'])} mata anggaran "
                        "disimpan sebagai angka akhir.")
            await tahun_anggaran.buka_kembali(conn, a.tahun, alasan=a.alasan, actor="cli", now=now)
            return f"Tahun anggaran {a.tahun} dibuka kembali; laporan kembali membaca data terkini."
    except DitolakError as exc:
        raise GalatTahun(exc.pesan) from None
