"""The `pantau` command line."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from bot import impor_cli, laporan_cli, lkjip_cli, pengingat_cli, tahun_cli
from bot.settings import Settings, SettingsError, load_settings
from domain.angka import format_number
from domain.errors import ParseError
from domain.periode import parse_periode
from domain.tanda import keterangan_demo, tandai
from domain.tanggal import format_datetime
from reports import anggaran, capaian, logistik, pemutakhiran, rencana_aksi, tabel, teks
from storage import demo, identitas, libur, org, users
from storage.db import create_engine, current_revision, upgrade

REPORTS = ("capaian", "anggaran", "logistik", "pemutakhiran", "rencana-aksi", "lkj", "lkjip")


class CliError(Exception):
    """A user error on the command line: printed as one line, exit code 2."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    p = argparse.ArgumentParser(prog="pantau", description="Pantau: bot Telegram dan web admin pemantauan KPU.")
    sub = p.add_subparsers(dest="cmd", required=True, metavar="PERINTAH")

    db = sub.add_parser("db", help="basis data").add_subparsers(dest="sub", required=True, metavar="AKSI")
    db.add_parser("upgrade", help="terapkan migrasi skema terbaru")
    sl = db.add_parser("salin", help="salin semua data ke basis data lain yang kosong (mis. SQLite ke PostgreSQL)")
    sl.add_argument("--ke", required=True, help="URL tujuan, mis. postgresql://pantau@127.0.0.1/pantau")

    dm = sub.add_parser("demo", help="data demo").add_subparsers(dest="sub", required=True, metavar="AKSI")
    load = dm.add_parser("load", help="muat data demo KPU Provinsi Bengkulu 2024 (idempoten)")
    load.add_argument("--reset", action="store_true", help="hapus semua data lalu muat ulang")
    load.add_argument("--live", action="store_true", help="tambah pemilihan demo: pemungutan suara 3 hari lagi")
    laporan_cli.tambah_demo(dm)

    tps = sub.add_parser("tps", help="daftar TPS").add_subparsers(dest="sub", required=True, metavar="AKSI")
    tl = tps.add_parser("list", help="tampilkan TPS")
    tl.add_argument("--kabkota", help="kode unit kab/kota, mis. KAB-1771")
    tl.add_argument("--sulit", action="store_true", help="hanya TPS sulit")
    tl.add_argument("--limit", type=int, default=None)
    tl.add_argument("--format", choices=("text", "json", "csv"), default="text")

    rp = sub.add_parser("report", help="laporan")
    rp.add_argument("name", choices=REPORTS, metavar="{" + ",".join(REPORTS) + "}")
    rp.add_argument("--year", type=int, help="tahun (bawaan: tahun terakhir yang berisi data)")
    rp.add_argument("--period", help="periode, mis. 2024-Q3 atau 2024-M09 (untuk capaian)")
    rp.add_argument("--unit", help="kode unit, mis. KUL")
    rp.add_argument("--pemilihan", help="kode pemilihan untuk laporan logistik (bawaan: yang berjalan, atau yang "
                                        "terakhir dimulai)")
    rp.add_argument("--format", choices=("text", "json", "csv", "xlsx", "png", "docx", "pdf"), default="text")
    rp.add_argument("--output", "-o", help="berkas tujuan untuk xlsx/png (bawaan: pantau-<laporan>-<tahun>.<format>)")
    laporan_cli.tambah_parser(sub)

    run = sub.add_parser("run", help="jalankan bot, penjadwal, pengirim pesan dan web")
    run.add_argument("--no-demo", action="store_true", help="jangan muat data demo pada basis data kosong")

    ch = sub.add_parser("chat", help="mengobrol dengan bot di terminal (mode lokal)")
    siapa = ch.add_mutually_exclusive_group(required=True)
    siapa.add_argument("--as", dest="who", help="pengguna demo (admin, pimpinan, operator, petugas, …) "
                       "atau ID Telegram")
    siapa.add_argument("--baru", action="store_true", help="sebagai akun Telegram baru yang belum terdaftar, "
                       "untuk mencoba pendaftaran")

    inv = sub.add_parser("invite", help="kode undangan").add_subparsers(dest="sub", required=True, metavar="AKSI")
    ic = inv.add_parser("create", help="buat kode undangan dan tautannya")
    ic.add_argument("--role", required=True, choices=("admin", "pimpinan", "operator", "petugas"))
    ic.add_argument("--unit", help="kode unit, mis. KUL-UML atau KAB-1771")
    ic.add_argument("--tps", default="", help="kode TPS dipisah koma (untuk petugas)")
    ic.add_argument("--uses", type=int, default=1, help="berapa kali boleh dipakai (bawaan 1)")
    ic.add_argument("--days", type=int, default=7, help="masa berlaku dalam hari (bawaan 7)")
    ir = inv.add_parser("revoke", help="cabut kode undangan")
    ir.add_argument("code", help="kode undangan, atau nomornya seperti di daftar web (#12)")

    wl = sub.add_parser("web-login", help="cetak tautan masuk sekali pakai ke web admin (mode lokal)")
    wl.add_argument("--as", dest="who", required=True,
                    help="pengguna demo (admin, pimpinan, kabag-kul) atau ID Telegram")

    pengingat_cli.tambah_parser(sub)
    impor_cli.tambah_parser(sub)

    bk = sub.add_parser("backup", help="cadangkan basis data (SQLite: salinan daring; PostgreSQL: pg_dump)")
    bk.add_argument("--output", "-o", help="berkas tujuan (bawaan: <PANTAU_DATA_DIR>/cadangan/pantau-<waktu>.db)")
    rs = sub.add_parser("restore", help="ganti seluruh basis data dengan cadangan (hentikan pantau run dulu)")
    rs.add_argument("file", help="berkas cadangan dari pantau backup")
    rs.add_argument("--ya", action="store_true", help="ya, ganti seluruh isi basis data")

    us = sub.add_parser("user", help="pengguna").add_subparsers(dest="sub", required=True, metavar="AKSI")
    ul = us.add_parser("list", help="daftar pengguna")
    ul.add_argument("--format", choices=("text", "json"), default="text")
    urv = us.add_parser("revoke", help="cabut akses pengguna")
    urv.add_argument("id", type=int, help="ID pengguna (kolom pertama di user list)")

    pr = sub.add_parser("periode", help="periode pelaporan yang ditutup untuk laporan terlambat")
    pra = pr.add_subparsers(dest="sub", required=True, metavar="AKSI")
    pra.add_parser("list", help="periode yang ditutup")
    for aksi, bantuan in (("tutup", "tutup periode: laporan terlambat untuk periode itu ditolak"),
                          ("buka", "buka kembali periode yang ditutup")):
        pra.add_parser(aksi, help=bantuan).add_argument("periode", help='kode atau nama, mis. 2024-Q1, "TW I 2024"')
    tahun_cli.tambah_parser(sub)
    return p


async def _with_engine(settings: Settings, fn: Callable[[AsyncEngine], Awaitable[Any]]) -> Any:
    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
        return await fn(engine)
    finally:
        await engine.dispose()


def _emit(lap: Any, fmt: str, render: Callable[[Any], str]) -> str:
    if fmt == "json":
        return json.dumps(lap.model_dump(mode="json"), ensure_ascii=False, indent=2)
    if fmt == "csv":
        import io

        buf = io.StringIO()
        header, rows = tabel.table(lap)
        tabel.write_csv(header, rows, buf)
        return buf.getvalue()
    return render(lap)


async def _report(engine: AsyncEngine, a: argparse.Namespace) -> str:
    if a.name == "lkjip" or a.format in lkjip_cli.FORMAT:
        if a.name != "lkjip":
            raise CliError("--format docx/pdf hanya untuk laporan lkjip.")
        return await lkjip_cli.laporan(engine, a, a.timezone)
    if a.name == "lkj" or a.format in laporan_cli.FORMAT_BERKAS:
        return await laporan_cli.report(engine, a, a.timezone)
    periode = parse_periode(a.period) if a.period else None
    year = a.year or (periode.tahun if periode else None)
    lap: Any
    render: Callable[[Any], str]
    async with engine.connect() as conn:
        if a.name == "capaian":
            lap, render = await capaian.build(conn, year, a.unit, sampai=periode), teks.capaian
        elif a.name == "anggaran":
            lap, render = await anggaran.build(conn, year), teks.anggaran
        elif a.name == "logistik":
            units = None
            if a.unit:
                u = await org.unit_by_code(conn, a.unit)
                if u is None:
                    raise CliError(f"Unit {a.unit!r} tidak dikenal.")
                units = await org.descendants(conn, u.id)
            acara = await laporan_cli.pemilihan_cli(conn, a, a.timezone)
            lap, render = await logistik.build(conn, units, pemilihan_id=acara, distribusi=True, tahun=a.year), \
                teks.logistik
        elif a.name == "pemutakhiran":
            lap, render = await pemutakhiran.build(conn, year), teks.pemutakhiran
        else:
            lap, render = await rencana_aksi.build(conn, year, a.unit), teks.rencana_aksi
    keluaran = _emit(lap, a.format, render)
    if a.format in ("json", "csv"):  # a file's worth of data on standard output: an export like `pantau export`
        await laporan_cli.catat(engine, f"laporan-{a.name}", a.format, len(tabel.table(lap)[1]),
                                laporan_cli.saringan_laporan(a), berkas="-")
    return keluaran


async def _tps(engine: AsyncEngine, a: argparse.Namespace) -> str:
    async with engine.connect() as conn:
        if a.kabkota and await org.unit_by_code(conn, a.kabkota) is None:
            raise CliError(f"Kab/kota {a.kabkota!r} tidak dikenal (contoh: KAB-1771).")
        rows = await org.list_tps(conn, kabkota=a.kabkota, sulit=True if a.sulit else None, limit=a.limit)
    header = ["kode", "nama", "kabkota", "kecamatan", "desa", "dpt", "sulit", "demo"]
    data = [[r.kode, r.nama, r.kabkota, r.kecamatan, r.desa, r.dpt, r.sulit, r.generated] for r in rows]
    if a.format in ("json", "csv"):  # an export of the TPS list: audited like `pantau export tps`
        saringan = {k: v for k, v in (("kabkota", a.kabkota), ("sulit", a.sulit), ("limit", a.limit))
                    if v not in (None, False, "")}
        await laporan_cli.catat(engine, "tps", a.format, len(rows), saringan, berkas="-")
    if a.format == "json":
        return json.dumps([dict(zip(header, d, strict=True)) for d in data], ensure_ascii=False, indent=2)
    if a.format == "csv":
        import io

        buf = io.StringIO()
        tabel.write_csv(header, data, buf)
        return buf.getvalue()
    # a generated TPS's code and DPT are demo data (the source has counts per kab/kota only)
    lines = [f"{tandai(r.kode, r.generated):<22}{r.nama:<9}{r.kabkota[:28]:<29}"
             f"{tandai(str(r.dpt), r.generated):>6}{'  sulit' if r.sulit else ''}" for r in rows]
    return "\n".join([*lines, f"{format_number(len(rows))} TPS", *keterangan_demo(any(r.generated for r in rows))])


async def _demo_load(engine: AsyncEngine, a: argparse.Namespace, settings: Settings) -> str:
    res = await demo.load(engine, reset=a.reset, live=a.live, tz_name=settings.timezone)
    if not res.loaded:
        return "Data demo sudah dimuat sebelumnya (pakai --reset untuk memuat ulang)."
    live = "; pemilihan demo dengan pemungutan suara 3 hari lagi" if a.live else ""
    return (f"Data demo dimuat: {format_number(res.tps)} TPS, {format_number(res.users)} pengguna demo, tahun 2024 "
            f"dan tahun berjalan{live}.")


# What a command that was writing into a closed pipe (`pantau export tps | head`) exits with: 128 + SIGPIPE, as
# Unix tools do when their reader goes away.
KELUAR_PIPA_PUTUS = 141


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    try:
        return _main(argv)
    except BrokenPipeError:
        # The reader stopped reading: no traceback, and nothing more written to the closed pipe at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return KELUAR_PIPA_PUTUS


def _main(argv: list[str] | None) -> int:
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        if args.cmd == "run":
            from bot.run import run

            return run(settings, load_demo=not args.no_demo)
        if args.cmd in ("backup", "restore"):
            out = _cadangan(settings, args)
            print(out)
            return 0
        if args.cmd == "chat":
            from bot.chat import chat

            return asyncio.run(chat(settings, None if args.baru else args.who))
        out = asyncio.run(_dispatch(settings, args))
    except (SettingsError, CliError, ParseError, LookupError, laporan_cli.GalatCli, lkjip_cli.GalatLkjip,
            tahun_cli.GalatTahun) as exc:
        print(str(exc), file=sys.stderr)
        return 2
    if out:
        print(out)
    return 0


async def _dispatch(settings: Settings, a: argparse.Namespace) -> str:
    if a.cmd == "db" and a.sub == "salin":
        return await _salin(settings, a.ke)
    if a.cmd == "db":
        return await _db_upgrade(settings)
    if a.cmd == "demo" and a.sub == "generate":
        return await laporan_cli.generate(a, settings.database_url)
    if a.cmd == "demo":
        return str(await _with_engine(settings, lambda e: _demo_load(e, a, settings)))
    if a.cmd == "tps":
        return str(await _with_engine(settings, lambda e: _tps(e, a)))
    if a.cmd == "invite":
        a.bot_username = settings.bot_username
        a.timezone = settings.timezone
        return str(await _with_engine(settings, lambda e: _invite(e, a)))
    if a.cmd == "reminders":
        return str(await _with_engine(settings, lambda e: pengingat_cli.jalankan(e, a, settings.timezone)))
    if a.cmd == "user":
        return str(await _with_engine(settings, lambda e: _user(e, a)))
    if a.cmd == "impor":
        return str(await _with_engine(settings, lambda e: impor_cli.jalankan(e, a, settings.timezone)))
    if a.cmd == "web-login":
        return str(await _with_engine(settings, lambda e: _web_login(e, a, settings)))
    if a.cmd == "periode":
        return str(await _with_engine(settings, lambda e: _periode(e, a)))
    if a.cmd == "tahun":
        return str(await _with_engine(settings, lambda e: tahun_cli.jalankan(e, a, settings.timezone)))
    if a.cmd == "export":
        return str(await _with_engine(settings, lambda e: laporan_cli.export(e, a, settings.timezone)))
    a.timezone = settings.timezone
    return str(await _with_engine(settings, lambda e: _report(e, a)))


async def _salin(settings: Settings, ke: str) -> str:
    from domain.angka import format_number
    from storage import cadangan

    if not ke.startswith(("sqlite", "postgresql", "postgres://")):
        raise CliError("--ke harus sqlite:///berkas.db atau postgresql://...")
    sumber, tujuan = create_engine(settings.database_url), create_engine(ke)
    try:
        await upgrade(sumber)
        await upgrade(tujuan)
        hasil = await cadangan.salin(sumber, tujuan)
    except cadangan.CadanganError as exc:
        raise CliError(str(exc)) from None
    finally:
        await sumber.dispose()
        await tujuan.dispose()
    return (f"{format_number(sum(hasil.values()))} baris dari {len(hasil)} tabel disalin. Ganti DATABASE_URL ke "
            "tujuan, lalu jalankan pantau run.")


def _cadangan(settings: Settings, a: argparse.Namespace) -> str:
    from pathlib import Path

    from domain.angka import format_number
    from storage import cadangan

    try:
        if a.cmd == "backup":
            tujuan = Path(a.output) if a.output else cadangan.berkas_bawaan(settings.database_url,
                                                                            settings.data_dir / "cadangan")
            h = cadangan.cadangkan(settings.database_url, tujuan)
            return f"Cadangan {h.jenis} tersimpan: {h.berkas} ({format_number(h.ukuran)} byte, {h.tabel} tabel)."
        if not a.ya:
            raise CliError("Pemulihan mengganti SELURUH isi basis data. Hentikan semua `pantau run`, lalu ulangi "
                           "dengan --ya.")
        h = cadangan.pulihkan(settings.database_url, Path(a.file))
    except cadangan.CadanganError as exc:
        raise CliError(str(exc)) from None
    return f"Basis data dipulihkan dari {h.berkas} ({h.tabel} tabel). Jalankan `pantau db upgrade` bila perlu."


async def _db_upgrade(settings: Settings) -> str:
    """`pantau db upgrade`: say what happened (created, upgraded from one revision to another, or nothing to do)."""
    engine = create_engine(settings.database_url)
    try:
        sebelum = await current_revision(engine)
        await upgrade(engine)
        sesudah = await current_revision(engine)
        async with engine.begin() as conn:  # the holidays of every year with data, and the deadlines they move
            n = await libur.isi_dan_sinkronkan(conn, zona=settings.timezone, now=_now())
    finally:
        await engine.dispose()
    libur_ = f" {format_number(n)} hari libur ditambahkan." if n else ""
    if sebelum is None:
        return f"Basis data baru dibuat dengan skema revisi {sesudah}.{libur_}"
    if sebelum != sesudah:
        return f"Skema basis data ditingkatkan dari revisi {sebelum} ke {sesudah}.{libur_}"
    return f"Skema basis data sudah terbaru (revisi {sesudah}).{libur_}"


def _now() -> datetime:
    return datetime.now(UTC)


async def _invite(engine: AsyncEngine, a: argparse.Namespace) -> str:
    from handlers.akun import tautan_undangan

    try:
        async with engine.begin() as conn:
            if a.sub == "revoke":
                nomor = a.code.removeprefix("#")
                done = (await users.revoke_invite_by_id(conn, int(nomor), actor="cli", now=_now())
                        if a.code.startswith("#") and nomor.isdigit() and len(nomor) < 10
                        else await users.revoke_invite(conn, a.code, actor="cli", now=_now()))
                if not done:
                    raise CliError("Kode undangan tidak ditemukan atau sudah dicabut.")
                return "Kode undangan dicabut."
            tps = [x.strip() for x in a.tps.split(",") if x.strip()]
            inv = await users.create_invite(conn, role=a.role, unit_code=a.unit, tps_codes=tps, max_uses=a.uses,
                                            expires_at=_now() + timedelta(days=a.days), created_by=None,
                                            actor="cli", now=_now())
            username = await identitas.username_bot(conn) or a.bot_username  # the name getMe gave, once it ran
    except users.AksesError as exc:
        raise CliError(str(exc)) from None
    return (f"Kode: {inv.code}\nPeran: {inv.role}  Unit: {inv.unit_code or '-'}  TPS: {', '.join(inv.tps_codes) or '-'}"
            f"\nBerlaku sampai: {format_datetime(inv.expires_at, a.timezone)}, {inv.max_uses}× pakai"
            f"\nTautan: {tautan_undangan(username, inv.code)}")


async def _user(engine: AsyncEngine, a: argparse.Namespace) -> str:
    if a.sub == "revoke":
        try:
            async with engine.begin() as conn:
                u = await users.revoke_user(conn, a.id, actor="cli", now=_now())
        except users.AksesError as exc:
            raise CliError(str(exc)) from None
        return f"Akses {u.name} ({u.role}) dicabut."
    async with engine.connect() as conn:
        rows = await users.list_users(conn)
    if a.format == "json":
        return json.dumps([{"id": u.id, "telegram_id": u.telegram_id, "nama": u.name, "peran": u.role,
                            "status": u.status, "unit": u.unit_code, "tps": len(u.tps_ids)} for u in rows],
                          ensure_ascii=False, indent=2)
    return "\n".join(f"{u.id:>5}  {u.telegram_id or '-':>12}  {u.role:<9} {u.status:<9} {u.unit_code or '-':<10} "
                     f"{u.name}" for u in rows)


async def _periode(engine: AsyncEngine, a: argparse.Namespace) -> str:
    from storage import kinerja

    if a.sub == "list":
        async with engine.connect() as conn:
            kode = await kinerja.closed_periods(conn)
    else:
        async with engine.begin() as conn:
            kode = await kinerja.set_period_closed(conn, a.periode, tutup=a.sub == "tutup", actor="cli", now=_now())
    if not kode:
        return "Tidak ada periode yang ditutup."
    return "Periode ditutup: " + ", ".join(f"{parse_periode(k).label} ({k})" for k in kode)


async def _web_login(engine: AsyncEngine, a: argparse.Namespace, settings: Settings) -> str:
    from handlers.web import tautan_masuk
    from storage import web

    if not settings.local_mode:
        raise CliError("web-login hanya untuk mode lokal (tanpa TELEGRAM_BOT_TOKEN); kirim /web di bot.")
    async with engine.begin() as conn:
        u = await users.by_demo_key(conn, a.who)
        if u is None and a.who.isdigit():
            u = await users.by_telegram_id(conn, int(a.who))
        if u is None:
            raise CliError(f"Pengguna {a.who!r} tidak ditemukan (contoh: admin, pimpinan, kabag-kul).")
        try:
            token = await web.create_login(conn, u.id, now=_now())
        except web.TautanError:
            raise CliError(f"{u.name} ({u.role}) tidak berhak membuka web admin.") from None
    link = tautan_masuk(settings.web_base_url or "", token)
    return f"Tautan masuk untuk {u.name} (berlaku 10 menit, sekali pakai):\n{link}"


if __name__ == "__main__":
    sys.exit(main())
