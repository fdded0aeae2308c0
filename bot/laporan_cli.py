"""Command-line parts of reports and exports: `pantau export`, `pantau report … --format xlsx|png`,
`pantau report lkj`, and `pantau demo generate` (the national dataset for benchmarks)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.angka import format_number
from domain.periode import parse_periode
from domain.tanggal import format_datetime
from reports import (
    anggaran,
    capaian,
    ekspor,
    grafik,
    grafik_logistik,
    lkj,
    logistik,
    pemutakhiran,
    rencana_aksi,
    tabel,
)
from storage import audit, nasional, org
from storage.db import create_engine, upgrade

FORMAT_BERKAS = ("xlsx", "png")


class GalatCli(Exception):
    """A user error: printed as one line, exit code 2 (bot.cli turns it into its CliError)."""


def tambah_parser(sub: Any) -> None:
    """Add `export`."""
    ex = sub.add_parser("export", help="ekspor data untuk admin (CSV/XLSX)")
    ex.add_argument("dataset", choices=tuple(ekspor.DATASET), metavar="{" + ",".join(ekspor.DATASET) + "}")
    ex.add_argument("--format", choices=ekspor.FORMAT, default="csv")
    ex.add_argument("--bom", action="store_true", help="CSV dengan BOM agar Excel membaca UTF-8")
    ex.add_argument("--output", "-o", help="berkas tujuan (bawaan: CSV ke layar, XLSX ke pantau-<data>-<tgl>.xlsx)")
    ex.add_argument("--limit", type=int, help="paling banyak sekian baris")


def tambah_demo(dm: Any) -> None:
    """Add `demo generate` to the demo subcommands."""
    g = dm.add_parser("generate", help="buat data nasional sintetis untuk uji beban (38 provinsi, 823.220 TPS)")
    g.add_argument("--scale", choices=("national", "provinsi"), default="national")
    g.add_argument("--seed", type=int, default=nasional.SEED_BAWAAN)
    g.add_argument("--database-url", help="basis data tujuan (bawaan: DATABASE_URL)")
    g.add_argument("--reset", action="store_true", help="hapus isi basis data lebih dulu (termasuk demo Bengkulu)")
    g.add_argument("--province", default="32", help="kode provinsi untuk --scale provinsi (bawaan 32)")
    g.add_argument("--factor", type=float, default=1.0, help=argparse.SUPPRESS)  # tiny datasets for tests


def _hari_ini(tz: str) -> Any:
    return datetime.now(ZoneInfo(tz)).date()


async def catat(engine: AsyncEngine, dataset: str, fmt: str, n: int, saringan: dict[str, Any], **rinci: Any) -> None:
    """The command line's exports are audited like the bot's and the web's (the actor is "cli")."""
    async with engine.begin() as conn:
        await audit.record_export(conn, actor="cli", actor_id=None, dataset=dataset, fmt=fmt, rows=n, via="cli",
                                  filters=saringan, now=datetime.now(UTC), **rinci)


def saringan_laporan(a: argparse.Namespace) -> dict[str, Any]:
    """A report's filters as its audit record names them."""
    return {k: v for k, v in (("year", a.year), ("period", a.period), ("unit", a.unit)) if v}


async def export(engine: AsyncEngine, a: argparse.Namespace, tz: str) -> str:
    """`pantau export <dataset>`: CSV to standard output or a file, XLSX to a file."""
    if a.limit is not None and a.limit < 0:
        raise GalatCli("--limit tidak boleh negatif.")
    hari_ini = _hari_ini(tz)
    konteks = ekspor.Konteks(hari_ini, tz)
    mulai = time.perf_counter()
    saringan = {} if a.limit is None else {"limit": a.limit}
    async with engine.connect() as conn:
        if a.format == "csv" and not a.output:
            out = sys.stdout
            n = await ekspor.tulis(conn, a.dataset, "csv", out, bom=a.bom, konteks=konteks, batas=a.limit)
            out.flush()
            await catat(engine, a.dataset, "csv", n, saringan, berkas="-")
            return ""
        path = Path(a.output or ekspor.nama_berkas(a.dataset, a.format, hari_ini))
        n = await ekspor.tulis(conn, a.dataset, a.format, path, bom=a.bom, konteks=konteks, batas=a.limit)
    await catat(engine, a.dataset, a.format, n, saringan, berkas=str(path))
    detik = time.perf_counter() - mulai
    return (f"{ekspor.DATASET[a.dataset].judul}: {format_number(n)} baris ditulis ke {path} "
            f"({format_number(round(path.stat().st_size / 1024))} KB, {format_number(round(detik, 1))} detik).")


async def pemilihan_cli(conn: Any, a: argparse.Namespace, tz: str) -> int | None:
    """The event a logistics report shows (``--pemilihan KODE``, else the running or last started one)."""
    try:
        return await logistik.pemilihan_dipilih(conn, getattr(a, "pemilihan", None), _hari_ini(tz))
    except LookupError as exc:
        raise GalatCli(str(exc)) from None


async def report(engine: AsyncEngine, a: argparse.Namespace, tz: str) -> str:
    """`pantau report lkj`, and `--format xlsx|png` for every report: writes a file (audited), says where."""
    periode = parse_periode(a.period) if a.period else None
    year = a.year or (periode.tahun if periode else None)
    today = _hari_ini(tz)
    nama_kab: dict[str, str] = {}
    async with engine.connect() as conn:
        if a.name == "lkj":
            lap: BaseModel = await lkj.build(conn, year, today=today)
            if a.format == "json":
                return json.dumps(lap.model_dump(mode="json"), ensure_ascii=False, indent=2)
            if a.format != "xlsx":
                raise GalatCli("Tabel LKj tersedia sebagai --format xlsx (atau json).")
        elif a.name == "capaian":
            lap = await capaian.build(conn, year, a.unit, sampai=periode, today=today)
        elif a.name == "anggaran":
            lap = await anggaran.build(conn, year)
        elif a.name == "pemutakhiran":
            lap = await pemutakhiran.build(conn, year, today=today)
            nama_kab = {u.code: u.name for u in await org.units(conn, "kabkota")}
        elif a.name == "logistik":
            lap = await logistik.build(conn, await _units(conn, a.unit), pemilihan_id=await pemilihan_cli(conn, a, tz),
                                       distribusi=a.format == "xlsx", tahun=a.year)
        else:
            lap = await rencana_aksi.build(conn, year, a.unit, today=today)
        cp = await capaian.build(conn, getattr(lap, "tahun", None), today=today) \
            if a.name == "anggaran" and a.format == "png" else None
    path = Path(a.output or f"pantau-{a.name}-{getattr(lap, 'tahun', today.year)}.{a.format}")
    if a.format == "xlsx":
        n = lkj.laporan_xlsx(lap, path, tz=tz, nama_kabkota=nama_kab)
    else:
        path.write_bytes(_png(lap, cp, nama_kab, format_datetime(datetime.now(UTC), tz)))
        n = len(tabel.table(lap)[1])  # the rows of the report the chart was drawn from
    await catat(engine, f"laporan-{a.name}", a.format, n, saringan_laporan(a), berkas=str(path))
    return f"Berkas ditulis: {path} ({format_number(round(path.stat().st_size / 1024))} KB)."


async def _units(conn: Any, unit: str | None) -> list[int] | None:
    if not unit:
        return None
    u = await org.unit_by_code(conn, unit)
    if u is None:
        raise GalatCli(f"Unit {unit!r} tidak dikenal.")
    return await org.descendants(conn, u.id)


def _png(lap: BaseModel, cp: capaian.LaporanCapaian | None, nama_kab: dict[str, str], per: str) -> bytes:
    if isinstance(lap, capaian.LaporanCapaian):
        return grafik.capaian(lap, pakai_cache=False)
    if isinstance(lap, anggaran.LaporanAnggaran):
        ef = lkj.efisiensi(cp.capaian_persen if cp else None, lap.penyerapan_persen)
        return grafik.anggaran(lap, ef.capaian_persen, ef.rasio, pakai_cache=False)
    if isinstance(lap, pemutakhiran.LaporanPemutakhiran):
        return grafik.pemutakhiran(lap, nama_kab, pakai_cache=False)
    if isinstance(lap, logistik.LaporanLogistik):
        return grafik_logistik.render_png("Ketibaan logistik di TPS", [(k.nama, k.tps, k.tiba, k.tepat)
                                                                      for k in lap.wilayah], per)
    raise GalatCli("Grafik PNG tersedia untuk capaian, anggaran, pemutakhiran dan logistik; untuk laporan ini "
                   "pakai --format xlsx, csv atau text.")


async def generate(a: argparse.Namespace, database_url: str) -> str:
    """`pantau demo generate`: the national (or one province's) generated dataset."""
    engine = create_engine(a.database_url or database_url)
    mulai = time.perf_counter()

    def lapor(s: str) -> None:
        print(f"[{time.perf_counter() - mulai:6.1f} s] {s}", file=sys.stderr, flush=True)

    try:
        await upgrade(engine)
        hasil = await nasional.generate(engine, skala="nasional" if a.scale == "national" else "provinsi",
                                        seed=a.seed, reset=a.reset, provinsi=a.province, faktor=a.factor,
                                        kemajuan=lapor)
    except nasional.SudahAdaData as exc:
        raise GalatCli(str(exc)) from None
    finally:
        await engine.dispose()
    return (f"Data {'nasional' if a.scale == 'national' else 'provinsi'} dibuat (seed {a.seed}): "
            f"{hasil.provinsi} provinsi, {format_number(hasil.kabkota)} kab/kota, "
            f"{format_number(hasil.kecamatan)} kecamatan, {format_number(hasil.desa)} desa, "
            f"{format_number(hasil.tps)} TPS, {format_number(hasil.laporan_tiba)} laporan kedatangan "
            f"({format_number(hasil.baris_tiba)} baris barang), {format_number(hasil.indikator)} indikator, "
            f"{format_number(hasil.realisasi)} realisasi; {format_number(round(time.perf_counter() - mulai))} detik.")
