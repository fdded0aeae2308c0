"""How the engines reach the database: SQLite statements in one trip to the connection's thread, transactions never
left open in the pool, PostgreSQL connections found dead before use (storage/db.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import aiosqlite
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import create_engine
from tests.conftest import _pg_admin

_T = sa.table("catatan", sa.column("id", sa.Integer))


async def _tabel(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(sa.text("CREATE TABLE catatan (id INTEGER PRIMARY KEY)"))


def _hitung_perjalanan(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every function handed to an aiosqlite connection's thread, by name."""
    jejak: list[str] = []
    asli: Callable[..., Awaitable[Any]] = aiosqlite.Connection._execute

    async def _execute(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        jejak.append(getattr(fn, "__name__", repr(fn)))
        return await asli(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", _execute)
    return jejak


async def test_sqlite_each_statement_is_one_trip_and_a_block_that_only_read_sends_no_commit_or_rollback(
        tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = create_engine(f"sqlite:///{tmp_path}/a.db")
    await _tabel(engine)
    async with engine.begin() as conn:  # the connection is open before counting
        await conn.execute(sa.text("SELECT 1"))
    jejak = _hitung_perjalanan(monkeypatch)
    async with engine.begin() as conn:
        assert (await conn.execute(sa.text("SELECT 1"))).scalar_one() == 1
        assert (await conn.execute(sa.select(sa.func.count()).select_from(_T))).scalar_one() == 0
    assert len(jejak) == 2, jejak
    jejak.clear()
    async with engine.begin() as conn:
        await conn.execute(sa.insert(_T).values(id=1))
    assert len(jejak) == 2, jejak  # the INSERT and its COMMIT; no rollback when the pool takes it back
    jejak.clear()
    async with engine.connect() as conn:
        rows = (await conn.execute(sa.select(_T.c.id))).scalars().all()
    assert rows == [1]
    assert len(jejak) == 1, jejak
    await engine.dispose()


async def test_sqlite_a_failed_statement_rolls_back_the_whole_transaction(tmp_path: Any) -> None:
    engine = create_engine(f"sqlite:///{tmp_path}/a.db")
    await _tabel(engine)
    with pytest.raises(sa.exc.IntegrityError):
        async with engine.begin() as conn:
            await conn.execute(sa.insert(_T).values(id=1))
            await conn.execute(sa.insert(_T).values(id=1))  # fails: the first insert is still in the transaction
    # The same pooled connection commits something else: the first insert must not ride along.
    async with engine.begin() as conn:
        await conn.execute(sa.insert(_T).values(id=2))
    async with engine.connect() as conn:
        assert (await conn.execute(sa.select(_T.c.id).order_by(_T.c.id))).scalars().all() == [2]
    await engine.dispose()


async def test_sqlite_a_transaction_left_by_an_error_inside_the_block_is_rolled_back(tmp_path: Any) -> None:
    engine = create_engine(f"sqlite:///{tmp_path}/a.db")
    await _tabel(engine)
    with pytest.raises(RuntimeError):
        async with engine.connect() as conn:
            await conn.execute(sa.insert(_T).values(id=1))
            raise RuntimeError("handler failed")
    async with engine.begin() as conn:
        await conn.execute(sa.insert(_T).values(id=2))
    other = create_engine(f"sqlite:///{tmp_path}/a.db")
    async with other.connect() as conn:
        assert (await conn.execute(sa.select(_T.c.id))).scalars().all() == [2]
    await other.dispose()
    await engine.dispose()


async def test_sqlite_rows_rowcount_and_lastrowid_come_back_from_the_thread(tmp_path: Any) -> None:
    engine = create_engine(f"sqlite:///{tmp_path}/a.db")
    await _tabel(engine)
    async with engine.begin() as conn:
        res = await conn.execute(sa.insert(_T), [{"id": i} for i in range(1, 6)])
        assert res.rowcount == 5
        res = await conn.execute(sa.insert(_T).values(id=10))
        assert res.lastrowid == 10
        assert (await conn.execute(sa.update(_T).where(_T.c.id > 3).values(id=_T.c.id + 100))).rowcount == 3
        part = await conn.execute(sa.select(_T.c.id).order_by(_T.c.id))
        assert part.fetchmany(2) == [(1,), (2,)]
        assert part.fetchall() == [(3,), (104,), (105,), (110,)]
        stream = await conn.stream(sa.select(_T.c.id).order_by(_T.c.id))
        assert [r.id async for r in stream] == [1, 2, 3, 104, 105, 110]
    await engine.dispose()


async def test_postgres_a_pooled_connection_cut_a_moment_ago_is_replaced_before_use(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("butuh PostgreSQL")
    engine = create_engine(database_url)
    async with engine.connect() as conn:
        pid = (await conn.execute(sa.text("SELECT pg_backend_pid()"))).scalar_one()
    # Cut it while it waits in the pool, well within the second in which it would not be pinged.
    await asyncio.to_thread(_pg_admin, f"SELECT pg_terminate_backend({int(pid)})")
    await asyncio.sleep(0.2)  # the server's goodbye reaches the client
    async with engine.connect() as conn:
        baru = (await conn.execute(sa.text("SELECT pg_backend_pid()"))).scalar_one()
    assert baru != pid
    await engine.dispose()
