"""`pantau backup` / `pantau restore`: a consistent copy while the bot writes, a checked restore, nothing half done."""

from __future__ import annotations

import asyncio
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cli import main
from storage import cadangan, outbox
from storage import tables as t
from storage.db import create_engine, current_revision, inserted_id

NOW = datetime(2024, 11, 26, 3, 0, tzinfo=UTC)
perlu_pg_dump = pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump tidak terpasang")


async def _jumlah(url: str, table: sa.Table) -> int:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return int((await conn.execute(sa.select(sa.func.count()).select_from(table))).scalar_one())
    finally:
        await engine.dispose()


async def _isi(engine: AsyncEngine, awal: int, n: int) -> None:
    for i in range(awal, awal + n):
        async with engine.begin() as conn:
            await outbox.enqueue(conn, key=f"cadangan:{i}", chat_id=1, text=f"pesan {i}", kind="info", now=NOW)


async def test_backup_while_writing_then_restore_brings_the_copy_back(database_url: str, tmp_path: Path) -> None:
    if database_url.startswith("postgresql") and shutil.which("pg_dump") is None:
        pytest.skip("pg_dump tidak terpasang")
    engine = create_engine(database_url)
    try:
        await _isi(engine, 0, 20)
        tps = await _jumlah(database_url, t.tps)
        berkas = tmp_path / "cadangan" / ("b.db" if database_url.startswith("sqlite") else "b.dump")
        # the bot keeps writing while the backup runs (SQLite online backup / pg_dump snapshot)
        menulis = asyncio.create_task(_isi(engine, 20, 30))
        hasil = await asyncio.to_thread(cadangan.cadangkan, database_url, berkas)
        await menulis
        assert hasil.berkas == berkas and hasil.ukuran > 0 and hasil.tabel == len(t.metadata.tables) + 1
        assert [x.name for x in berkas.parent.iterdir()] == [berkas.name]  # one file, nothing half written
        dicadangkan = await _jumlah(database_url, t.outbox)
        assert dicadangkan == 50
        with pytest.raises(cadangan.CadanganError, match="sudah ada"):
            cadangan.cadangkan(database_url, berkas)
        # after the backup: more rows, and a table a newer version would have added
        await _isi(engine, 50, 5)
        async with engine.begin() as conn:
            await conn.execute(sa.text("CREATE TABLE tabel_baru (id INTEGER PRIMARY KEY)"))
            await conn.execute(t.tps.delete().where(t.tps.c.id == sa.select(sa.func.min(t.tps.c.id))
                                                    .scalar_subquery()))
    finally:
        await engine.dispose()
    hasil = await asyncio.to_thread(cadangan.pulihkan, database_url, berkas)
    assert hasil.jenis == ("sqlite" if database_url.startswith("sqlite") else "postgresql")
    n = await _jumlah(database_url, t.outbox)
    assert 20 <= n <= 50  # a consistent snapshot taken while rows 20..49 were being written
    assert await _jumlah(database_url, t.tps) == tps
    engine = create_engine(database_url)
    try:
        assert await current_revision(engine) is not None
        async with engine.connect() as conn:
            names = await conn.run_sync(lambda c: sa.inspect(c).get_table_names())
        assert "tabel_baru" not in names and "outbox" in names
        async with engine.connect() as conn:  # nothing half written: every row of the snapshot is whole
            keys = (await conn.execute(sa.select(t.outbox.c.dedup_key))).scalars().all()
        assert sorted(int(k.split(":")[1]) for k in keys) == list(range(len(keys)))
    finally:
        await engine.dispose()


async def test_a_broken_or_foreign_backup_is_refused_and_the_database_is_untouched(
        database_url: str, tmp_path: Path) -> None:
    if database_url.startswith("postgresql") and shutil.which("pg_restore") is None:
        pytest.skip("pg_restore tidak terpasang")
    sebelum = await _jumlah(database_url, t.tps)
    rusak = tmp_path / "rusak.db"
    rusak.write_bytes(b"SQLite format 3\x00" + b"\x13" * 5000)
    with pytest.raises(cadangan.CadanganError):
        cadangan.pulihkan(database_url, rusak)
    with pytest.raises(cadangan.CadanganError, match="tidak ada"):
        cadangan.pulihkan(database_url, tmp_path / "tidak-ada.db")
    if database_url.startswith("sqlite"):
        import sqlite3

        asing = tmp_path / "asing.db"
        with sqlite3.connect(asing) as c:
            c.execute("CREATE TABLE x (y)")
        with pytest.raises(cadangan.CadanganError, match="bukan basis data Pantau"):
            cadangan.pulihkan(database_url, asing)
    else:
        # a dump cut short: pg_restore fails half way, and the single transaction keeps the database as it was
        utuh = tmp_path / "utuh.dump"
        await asyncio.to_thread(cadangan.cadangkan, database_url, utuh)
        potong = tmp_path / "potong.dump"
        potong.write_bytes(utuh.read_bytes()[: utuh.stat().st_size * 2 // 3])
        with pytest.raises(cadangan.CadanganError, match=r"tidak berubah|bukan cadangan"):
            await asyncio.to_thread(cadangan.pulihkan, database_url, potong)
    assert await _jumlah(database_url, t.tps) == sebelum


def test_the_cli_asks_for_confirmation_and_says_what_it_did(
        database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    if database_url.startswith("postgresql") and shutil.which("pg_dump") is None:
        pytest.skip("pg_dump tidak terpasang")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("PANTAU_DATA_DIR", str(tmp_path / "var"))
    assert main(["backup"]) == 0
    out = capsys.readouterr().out
    assert "Cadangan" in out and "tersimpan" in out and "tabel" in out
    berkas = next((tmp_path / "var" / "cadangan").iterdir())
    assert berkas.name.startswith("pantau-")
    assert main(["restore", str(berkas)]) == 2
    assert "--ya" in capsys.readouterr().err
    assert main(["restore", str(berkas), "--ya"]) == 0
    assert "dipulihkan" in capsys.readouterr().out
    assert main(["restore", str(tmp_path / "tidak-ada.dump"), "--ya"]) == 2
    assert "tidak ada" in capsys.readouterr().err


def test_default_names_and_unsupported_urls() -> None:
    folder = Path("/tmp/x")
    assert cadangan.berkas_bawaan("sqlite:///a.db", folder, NOW).name == "pantau-20241126-030000.db"
    assert cadangan.berkas_bawaan("postgresql://u@h/db", folder, NOW).name == "pantau-20241126-030000.dump"
    with pytest.raises(cadangan.CadanganError, match="tidak didukung"):
        cadangan.cadangkan("mysql://x/y", folder / "z")
    with pytest.raises(cadangan.CadanganError, match="memori"):
        cadangan.cadangkan("sqlite:///:memory:", folder / "m.db")


async def test_copy_sqlite_to_postgres_keeps_every_row_and_new_ids_continue(
        templates: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.conftest import PG_URL, _pg_admin, _pg_url

    if PG_URL is None:
        pytest.skip("salin ke PostgreSQL butuh PANTAU_TEST_POSTGRES_URL")
    src = tmp_path / "sumber.db"
    shutil.copy(templates.sqlite(True), src)
    name = f"pantau_salin_{os.getpid()}"
    await asyncio.to_thread(_pg_admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    await asyncio.to_thread(_pg_admin, f"CREATE DATABASE {name}")
    try:
        monkeypatch.setenv("DATABASE_URL", f"sqlite:///{src}")
        assert await asyncio.to_thread(main, ["db", "salin", "--ke", _pg_url(name)]) == 0
        assert "baris dari" in capsys.readouterr().out
        a, b = create_engine(f"sqlite:///{src}"), create_engine(_pg_url(name))
        try:
            for table in t.metadata.sorted_tables:
                async with a.connect() as ca, b.connect() as cb:
                    q = sa.select(table).order_by(*table.primary_key.columns)
                    assert (await ca.execute(q)).all() == (await cb.execute(q)).all(), table.name
            async with b.begin() as conn:  # the sequences moved past the copied ids
                await outbox.enqueue(conn, key="setelah-salin", chat_id=1, text="x", kind="info", now=NOW)
                res = await conn.execute(t.units.insert().values(code="BARU", name="Unit baru", kind="bagian",
                                                                 org="KPU"))
                assert inserted_id(res) > 1
            # a second copy into a database that holds data is refused, and changes nothing
            assert await asyncio.to_thread(main, ["db", "salin", "--ke", _pg_url(name)]) == 2
            assert "tidak kosong" in capsys.readouterr().err
        finally:
            await a.dispose()
            await b.dispose()
    finally:
        await asyncio.to_thread(_pg_admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
