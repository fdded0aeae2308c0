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


_JEJAK_PG: list[str] = []


def _kata(sql: str) -> str:
    return " ".join(sql.split()[:2]).upper().rstrip(";")


def _catat_pg(_conn: Any) -> list[str]:
    """From here, every statement asyncpg sends, in order (recorded by the ``pg`` fixture's patches)."""
    _JEJAK_PG.clear()
    return _JEJAK_PG


@pytest.fixture
async def pg(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    if not database_url.startswith("postgresql"):
        pytest.skip("butuh PostgreSQL")
    from asyncpg.connection import Connection
    from asyncpg.prepared_stmt import PreparedStatement

    fetch_asli, execute_asli = PreparedStatement.fetch, Connection.execute

    async def fetch(self: PreparedStatement, *args: Any, **kw: Any) -> Any:
        _JEJAK_PG.append(_kata(self.get_query()))
        return await fetch_asli(self, *args, **kw)

    async def execute(self: Connection, query: str, *args: Any, **kw: Any) -> Any:  # BEGIN, COMMIT, ROLLBACK
        _JEJAK_PG.append(_kata(query))
        return await execute_asli(self, query, *args, **kw)

    monkeypatch.setattr(PreparedStatement, "fetch", fetch)
    monkeypatch.setattr(Connection, "execute", execute)
    engine = create_engine(database_url)
    async with engine.begin() as conn:
        await conn.execute(sa.text("DROP TABLE IF EXISTS catatan"))
    await _tabel(engine)
    yield engine
    await engine.dispose()


async def test_postgres_a_use_that_only_reads_sends_no_begin_or_rollback(pg: AsyncEngine) -> None:
    async with pg.connect() as conn:
        jejak = _catat_pg(conn)
        assert (await conn.execute(sa.text("SELECT 1"))).scalar_one() == 1
        assert (await conn.execute(sa.select(sa.func.count()).select_from(_T))).scalar_one() == 0
    async with pg.connect() as conn:  # the same pooled connection: the logger is still on it
        await conn.execute(sa.select(_T.c.id))
    assert jejak == ["SELECT 1", "SELECT COUNT(*)", "SELECT CATATAN.ID"], jejak


async def test_postgres_a_write_begins_the_transaction_and_its_rollback_undoes_it(pg: AsyncEngine) -> None:
    async with pg.begin() as conn:
        jejak = _catat_pg(conn)
        await conn.execute(sa.select(sa.func.count()).select_from(_T))  # read before the first write: on its own
        await conn.execute(sa.insert(_T).values(id=1))
        await conn.execute(sa.select(_T.c.id))  # inside the transaction now: sees its own write
    assert jejak == ["SELECT COUNT(*)", "BEGIN", "INSERT INTO", "SELECT CATATAN.ID", "COMMIT"], jejak
    with pytest.raises(RuntimeError):
        async with pg.begin() as conn:
            await conn.execute(sa.select(_T.c.id))
            await conn.execute(sa.insert(_T).values(id=2))
            raise RuntimeError("gagal di tengah")
    async with pg.connect() as conn:
        assert (await conn.execute(sa.select(_T.c.id))).scalars().all() == [1]


async def test_postgres_row_locks_and_other_isolation_levels_begin_first(pg: AsyncEngine) -> None:
    async with pg.begin() as conn:
        jejak = _catat_pg(conn)
        await conn.execute(sa.select(_T.c.id).with_for_update())
        await conn.execute(sa.select(_T.c.id))
    assert jejak[:2] == ["BEGIN", "SELECT CATATAN.ID"] and jejak[-1] == "COMMIT", jejak
    async with pg.connect() as conn:
        conn = await conn.execution_options(isolation_level="REPEATABLE READ")
        jejak = _catat_pg(conn)
        await conn.execute(sa.select(_T.c.id))
        await conn.rollback()
    assert jejak[0].startswith("BEGIN") and jejak[-1] == "ROLLBACK", jejak


def test_only_a_plain_select_reads_without_a_transaction() -> None:
    from storage.db import baca_saja

    assert baca_saja("SELECT 1") and baca_saja("  select id from tps")
    for sql in ("INSERT INTO t VALUES (1)", "WITH x AS (DELETE FROM t RETURNING id) SELECT * FROM x",
                "SELECT id FROM t FOR UPDATE", "SELECT id FROM t FOR NO KEY UPDATE SKIP LOCKED",
                "SELECT id FROM t FOR SHARE", "UPDATE t SET a = 1", "",
                "SELECT pg_advisory_xact_lock(1, 2)", "SELECT nextval('s')", "select set_config('a', 'b', true)"):
        assert not baca_saja(sql), sql


async def test_postgres_a_webhook_update_is_recorded_in_one_statement(pg: AsyncEngine) -> None:
    from datetime import UTC, datetime
    from types import SimpleNamespace

    from bot.pekerja import catat_pembaruan

    upd: Any = SimpleNamespace(update_id=777001, effective_user=SimpleNamespace(id=42))
    async with pg.connect() as conn:  # the pool's connection is open before counting
        jejak = _catat_pg(conn)
    assert (await catat_pembaruan(pg, upd, datetime.now(UTC)))[0]
    assert jejak == ["INSERT INTO"], jejak  # committed on its own: no BEGIN, no COMMIT
    assert not (await catat_pembaruan(pg, upd, datetime.now(UTC)))[0]  # a redelivery
    async with pg.connect() as conn:
        assert (await conn.execute(sa.text("SELECT count(*) FROM processed_updates WHERE update_id = 777001"))
                ).scalar_one() == 1
