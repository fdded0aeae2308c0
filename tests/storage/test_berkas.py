"""The SQLite database (with its -wal and -shm) and every backup are created readable by their owner only."""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage import cadangan, demo
from storage.db import create_engine, upgrade


@pytest.fixture(autouse=True)
def umask_longgar() -> Iterator[None]:
    """The usual umask (022) would leave new files world-readable."""
    lama = os.umask(0o022)
    yield
    os.umask(lama)


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


async def test_new_sqlite_database_and_its_wal_are_0600(tmp_path: Path) -> None:
    db = tmp_path / "data" / "pantau.db"
    engine = create_engine(f"sqlite:///{db}")
    try:
        await upgrade(engine)
        await demo.load(engine)
        wal, shm = Path(f"{db}-wal"), Path(f"{db}-shm")
        assert wal.exists() and shm.exists()  # the engine is open: WAL in use
        assert {p.name: _mode(p) for p in (db, wal, shm)} == {db.name: 0o600, wal.name: 0o600, shm.name: 0o600}
    finally:
        await engine.dispose()
    # A restore into a new place creates that file 0600 too.
    cadangan_db = tmp_path / "b.db"
    cadangan.cadangkan(f"sqlite:///{db}", cadangan_db)
    assert _mode(cadangan_db) == 0o600
    baru = tmp_path / "lain" / "pulih.db"
    cadangan.pulihkan(f"sqlite:///{baru}", cadangan_db)
    assert _mode(baru) == 0o600


async def test_backups_are_0600(database_url: str, tmp_path: Path) -> None:
    if database_url.startswith("postgresql") and shutil.which("pg_dump") is None:
        pytest.skip("pg_dump tidak terpasang")
    berkas = tmp_path / "cadangan" / "b.bak"
    hasil = cadangan.cadangkan(database_url, berkas)
    assert hasil.ukuran > 0 and _mode(berkas) == 0o600
