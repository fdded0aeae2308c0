"""Backup and restore of the whole database: SQLite's online backup API, or pg_dump / pg_restore.

SQLite: ``cadangkan`` copies the live database page by page through ``sqlite3.Connection.backup`` (the bot
may keep running and writing; the copy is one consistent snapshot, WAL included) and checks the copy with
``PRAGMA integrity_check``. ``pulihkan`` checks the backup the same way, then copies it over the database with
the same API (so WAL and locks are respected, never a raw file copy).

PostgreSQL: ``pg_dump --format=custom`` (a consistent snapshot while the bot runs) and ``pg_restore --clean
--if-exists --single-transaction`` (all or nothing). The password goes through ``PGPASSWORD``, never the
command line. The client tools must be installed (Debian: ``postgresql-client``) and not older than the server.

Restore replaces everything: stop every `pantau run` first (a running bot keeps conversation states in memory).

``salin`` copies every row from one database to another (SQLite → PostgreSQL when one machine is no longer
enough, or back): the target must be at the same schema revision and empty; everything goes in one transaction
of the target (all or nothing), table by table in foreign-key order and row by row in id order, and PostgreSQL's
id sequences are moved past the copied ids.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import tables as t
from storage.db import berkas_pribadi

__all__ = ["CadanganError", "HasilCadangan", "berkas_bawaan", "cadangkan", "pulihkan", "salin"]


class CadanganError(Exception):
    """A backup or restore that could not be done; the message is Indonesian and says why."""


@dataclass(frozen=True)
class HasilCadangan:
    """What a backup or restore did."""

    berkas: Path
    ukuran: int  # bytes
    jenis: str  # sqlite or postgresql
    tabel: int  # tables in the copy


def _jenis(url: str) -> str:
    if url.startswith("sqlite"):
        return "sqlite"
    if url.startswith(("postgresql", "postgres://")):
        return "postgresql"
    raise CadanganError(f"Basis data {url.split(':', 1)[0]!r} tidak didukung untuk cadangan.")


def _sqlite_path(url: str) -> Path:
    path = make_url(url).database
    if not path or path == ":memory:":
        raise CadanganError("Basis data SQLite di memori tidak dapat dicadangkan.")
    return Path(path)


def berkas_bawaan(url: str, folder: Path, now: datetime | None = None) -> Path:
    """The default backup file: <folder>/pantau-YYYYmmdd-HHMMSS.db (SQLite) or .dump (PostgreSQL)."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    return folder / f"pantau-{stamp}.{'db' if _jenis(url) == 'sqlite' else 'dump'}"


def _periksa_sqlite(path: Path) -> int:
    """Open a SQLite file read-only, check its integrity, and count its tables (CadanganError if broken)."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise CadanganError(f"Berkas {path} tidak dapat dibuka sebagai basis data SQLite: {exc}") from None
    try:
        hasil = conn.execute("PRAGMA integrity_check").fetchall()
        if hasil != [("ok",)]:
            raise CadanganError(f"Berkas {path} rusak: {'; '.join(str(r[0]) for r in hasil[:3])}")
        n = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'alembic_version'").fetchone():
            raise CadanganError(f"Berkas {path} bukan basis data Pantau (tabel alembic_version tidak ada).")
        return int(n)
    except sqlite3.DatabaseError as exc:
        raise CadanganError(f"Berkas {path} bukan basis data SQLite yang utuh: {exc}") from None
    finally:
        conn.close()


def _salin_sqlite(sumber: Path, tujuan: Path, *, menimpa: bool = False, busy_ms: int = 5000) -> None:
    src = sqlite3.connect(f"file:{sumber}?mode=ro", uri=True, timeout=busy_ms / 1000)
    dst = sqlite3.connect(tujuan, timeout=busy_ms / 1000)
    try:
        src.backup(dst, pages=1024)  # in steps, so a running writer is never blocked for long
        if not menimpa:
            dst.execute("PRAGMA journal_mode=DELETE")  # the backup is one self-contained file, no -wal beside it
    except sqlite3.OperationalError as exc:
        raise CadanganError(f"Basis data sedang dikunci penulis lain, coba lagi sebentar lagi ({exc}).") from None
    finally:
        dst.close()
        src.close()


def _pg_env(url: str) -> dict[str, str]:
    """libpq's environment for the URL (the password never appears on a command line)."""
    u = make_url(url.replace("postgres://", "postgresql://", 1))
    if not u.database:
        raise CadanganError("DATABASE_URL PostgreSQL tidak menyebut nama basis data.")
    env = dict(os.environ)
    for var, value in (("PGHOST", u.host), ("PGPORT", u.port), ("PGUSER", u.username),
                       ("PGPASSWORD", u.password), ("PGDATABASE", u.database)):
        if value is not None:
            env[var] = str(value)
    return env


def _alat(nama: str) -> str:
    path = shutil.which(nama)
    if path is None:
        raise CadanganError(f"Program {nama} tidak ditemukan: pasang klien PostgreSQL (Debian: apt-get install "
                            "postgresql-client), versinya tidak boleh lebih lama dari server.")
    return path


def _jalankan(cmd: list[str], env: dict[str, str], apa: str) -> None:
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        pesan = (proc.stderr or proc.stdout).strip().splitlines()
        raise CadanganError(f"{apa} gagal: {pesan[-1] if pesan else f'kode keluar {proc.returncode}'}")


def cadangkan(url: str, tujuan: Path) -> HasilCadangan:
    """Back the database up into a new file ``tujuan`` (refused if it exists)."""
    jenis = _jenis(url)
    if tujuan.exists():
        raise CadanganError(f"Berkas {tujuan} sudah ada; pilih nama lain.")
    tujuan.parent.mkdir(parents=True, exist_ok=True)
    sementara = tujuan.with_name(tujuan.name + ".sebagian")
    sementara.unlink(missing_ok=True)
    berkas_pribadi(sementara)  # 0600 before any byte is written; SQLite and pg_dump keep the mode
    try:
        if jenis == "sqlite":
            sumber = _sqlite_path(url)
            if not sumber.exists():
                raise CadanganError(f"Basis data {sumber} tidak ada.")
            _salin_sqlite(sumber, sementara)
            tabel = _periksa_sqlite(sementara)
        else:
            _jalankan([_alat("pg_dump"), "--format=custom", "--no-owner", "--file", str(sementara)], _pg_env(url),
                      "pg_dump")
            tabel = _hitung_tabel_dump(sementara)
        sementara.replace(tujuan)  # a half-written backup never carries the final name
    finally:
        for sisa in (sementara, Path(f"{sementara}-wal"), Path(f"{sementara}-shm"), Path(f"{sementara}-journal")):
            sisa.unlink(missing_ok=True)
    return HasilCadangan(tujuan, tujuan.stat().st_size, jenis, tabel)


def _hitung_tabel_dump(path: Path) -> int:
    proc = subprocess.run([_alat("pg_restore"), "--list", str(path)], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise CadanganError(f"Berkas {path} bukan cadangan pg_dump yang utuh: {proc.stderr.strip()[:200]}")
    n = sum(1 for line in proc.stdout.splitlines() if " TABLE " in line and " TABLE DATA " not in line)
    if "alembic_version" not in proc.stdout:
        raise CadanganError(f"Berkas {path} bukan cadangan basis data Pantau (tabel alembic_version tidak ada).")
    return n


def _pulihkan_pg(env: dict[str, str], sumber: Path) -> None:
    """Empty the public schema and load the dump, in ONE transaction: any error leaves the database as it was."""
    dump = subprocess.Popen([_alat("pg_restore"), "--no-owner", "--file=-", str(sumber)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    psql = subprocess.Popen([_alat("psql"), "--quiet", "--no-psqlrc", "--single-transaction", "-v",
                             "ON_ERROR_STOP=1", "--file=-"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env=env)
    with dump, psql:  # closes every pipe and waits, whatever happens
        _salurkan(dump, psql)


def _salurkan(dump: subprocess.Popen[bytes], psql: subprocess.Popen[bytes]) -> None:
    assert dump.stdout is not None and dump.stderr is not None and psql.stdin is not None and psql.stderr is not None
    putus = False
    try:
        # Tables of a newer schema that the backup does not have must go too, or the next upgrade trips on them.
        psql.stdin.write(b"DROP SCHEMA IF EXISTS public CASCADE;\nCREATE SCHEMA public;\n")
        shutil.copyfileobj(dump.stdout, psql.stdin)
    except BrokenPipeError:
        putus = True  # psql stopped at an error (its stderr says which): nobody reads the rest
        dump.kill()
    err_dump = dump.stderr.read().decode(errors="replace").strip()
    if dump.wait() != 0 and not putus:
        psql.kill()  # never let psql reach the end of its input: that would COMMIT half a backup
        psql.wait()
        raise CadanganError(f"pg_restore gagal membaca cadangan, basis data tidak berubah: "
                            f"{err_dump.splitlines()[-1] if err_dump else dump.returncode}")
    with contextlib.suppress(BrokenPipeError):
        psql.stdin.close()  # end of input: psql commits the one transaction
    err_psql = psql.stderr.read().decode(errors="replace").strip()
    if psql.wait() != 0:
        baris = [b for b in err_psql.splitlines() if "ERROR" in b] or err_psql.splitlines() or [""]
        raise CadanganError(f"Pemulihan dibatalkan, basis data tidak berubah: {baris[0]}")

def pulihkan(url: str, sumber: Path) -> HasilCadangan:
    """Replace the database with the backup ``sumber`` (checked first; nothing changes if it is broken)."""
    jenis = _jenis(url)
    if not sumber.is_file():
        raise CadanganError(f"Berkas cadangan {sumber} tidak ada.")
    if jenis == "sqlite":
        tabel = _periksa_sqlite(sumber)
        tujuan = _sqlite_path(url)
        berkas_pribadi(tujuan)
        _salin_sqlite(sumber, tujuan, menimpa=True)
        _periksa_sqlite(tujuan)
    else:
        tabel = _hitung_tabel_dump(sumber)
        _pulihkan_pg(_pg_env(url), sumber)
    return HasilCadangan(sumber, sumber.stat().st_size, jenis, tabel)


async def _revisi(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        if not await conn.run_sync(lambda c: sa.inspect(c).has_table("alembic_version")):
            return None
        return (await conn.execute(sa.text("SELECT version_num FROM alembic_version"))).scalar()


async def salin(sumber: AsyncEngine, tujuan: AsyncEngine, *, batch: int = 5000,
                kemajuan: Callable[[str, int], None] | None = None) -> dict[str, int]:
    """Copy every row of every table from ``sumber`` into the empty ``tujuan``; rows copied per table."""
    rev_s, rev_t = await _revisi(sumber), await _revisi(tujuan)
    if rev_s is None or rev_s != rev_t:
        raise CadanganError(f"Skema tidak sama (sumber {rev_s or 'kosong'}, tujuan {rev_t or 'kosong'}): jalankan "
                            "`pantau db upgrade` pada keduanya dulu.")
    tables = t.metadata.sorted_tables  # parents before children
    hasil: dict[str, int] = {}
    async with tujuan.begin() as dst:
        for table in tables:
            if (await dst.execute(sa.select(sa.func.count()).select_from(table))).scalar_one():
                raise CadanganError(f"Basis data tujuan tidak kosong (tabel {table.name} berisi data); salin hanya "
                                    "ke basis data baru.")
        async with sumber.connect() as src:
            for table in tables:
                order = list(table.primary_key.columns)
                result = await src.stream(sa.select(table).order_by(*order))
                n = 0
                async for part in result.partitions(batch):
                    await dst.execute(table.insert(), [dict(r._mapping) for r in part])
                    n += len(part)
                    if kemajuan:
                        kemajuan(table.name, n)
                hasil[table.name] = n
        if tujuan.dialect.name == "postgresql":
            for table in tables:
                for col in table.primary_key.columns:
                    if isinstance(col.type, sa.Integer) and col.autoincrement is not False and len(
                            table.primary_key.columns) == 1:
                        seq = (await dst.execute(sa.select(sa.func.pg_get_serial_sequence(table.name, col.name))))\
                            .scalar()
                        if seq:
                            await dst.execute(sa.text(
                                f'SELECT setval(:seq, COALESCE((SELECT MAX("{col.name}") FROM "{table.name}"), 0) + 1,'
                                " false)"), {"seq": seq})
    return hasil
