"""Engine creation, SQLite pragmas, and schema upgrades through Alembic."""

from __future__ import annotations

import collections
import contextlib
import os
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, cast

import aiosqlite
import asyncpg
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects.postgresql.asyncpg import (
    AsyncAdapt_asyncpg_connection,
    AsyncAdapt_asyncpg_cursor,
    AsyncAdapt_asyncpg_dbapi,
)
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import InvalidatePoolError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.util import EMPTY_DICT, await_

MIGRATIONS = Path(__file__).parent / "migrations"
# PostgreSQL advisory-lock classes (the first of the two keys), one place for all of Pantau's locks.
KUNCI_PANTAU = 0x50414E  # "PAN": the workers' start-up lock (bot/pekerja.py)
KUNCI_RINGKASAN = KUNCI_PANTAU + 1  # a kab/kota's row of tiba_kabkota (storage/logistik.py)
KUNCI_PEKERJA = KUNCI_PANTAU + 2  # one per live webhook worker, so they can count each other (bot/partisi.py)
KUNCI_PARTISI = KUNCI_PANTAU + 3  # a partition of users, held by the worker owning it (bot/partisi.py)
SQLITE_POOL = 15
PG_POOL = 20
# Statements prepared per PostgreSQL connection (SQLAlchemy's default is 100: Pantau runs more distinct statements
# than that, so a busy connection prepared the same ones again and again, a round trip each).
PG_SIAP_PAKAI = 1000


def normalise_url(url: str) -> str:
    """Return an async driver URL for a plain sqlite:// or postgresql:// URL."""
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url.removeprefix("sqlite:///")
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    return url


def is_sqlite(engine: AsyncEngine | AsyncConnection) -> bool:
    """Whether the engine talks to SQLite (used only for pragmas, never for SQL in repositories)."""
    return engine.dialect.name == "sqlite"


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # WAL lets readers run beside the one writer; foreign keys are off by default in SQLite.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()


def _jalankan(conn: sqlite3.Connection, many: bool, operation: str,
              parameters: Any) -> tuple[Any, int, Any, Any, bool]:
    """In the connection's thread: one statement from cursor to its last row, so it is one trip to that thread;
    with whether a transaction is open after it."""
    cur = conn.cursor()
    try:
        if many:
            cur.executemany(operation, parameters)
        elif parameters is None:
            cur.execute(operation)
        else:
            cur.execute(operation, parameters)
        desc = cur.description
        rows = cur.fetchall() if desc else None
        return desc, cur.rowcount, cur.lastrowid, rows, conn.in_transaction
    finally:
        cur.close()


class _KursorSekaliJalan(AsyncAdapt_aiosqlite_cursor):
    """An aiosqlite cursor whose statement runs in one trip to the connection's thread.

    SQLAlchemy's own adapter makes four (open the cursor, execute, fetch the rows, close), each a queue put, a
    thread wake-up and a wake-up of the event loop; here the thread does all four at once and hands back the rows,
    the description, rowcount and lastrowid, which is what the adapter kept anyway (it buffers every row)."""

    __slots__ = ("_arraysize", "_desc", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: Any) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._desc: Any = None
        self._rowcount = -1
        self._lastrowid: Any = None
        self._arraysize = 1

    @property
    def description(self) -> Any:
        return self._desc

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> Any:
        return self._lastrowid

    @property
    def arraysize(self) -> int:
        return self._arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._arraysize = value

    async def _async_soft_close(self) -> None:
        """Nothing to close: the thread closed its cursor already."""

    def close(self) -> None:
        self._rows.clear()

    def _jalan(self, many: bool, operation: Any, parameters: Any) -> None:
        conn, adapt = self._connection, cast(Any, self._adapt_connection)
        adapt._transaksi = True  # unknown until the statement is done
        try:
            self._desc, self._rowcount, self._lastrowid, rows, adapt._transaksi = await_(
                conn._execute(_jalankan, conn._conn, many, operation, parameters))
        except Exception as error:
            adapt._handle_exception(error)
        self._rows = collections.deque(rows) if rows is not None else collections.deque()

    def execute(self, operation: Any, parameters: Any = None) -> None:
        self._jalan(False, operation, parameters)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> None:
        self._jalan(True, operation, seq_of_parameters)


class _SambunganSekaliJalan(AsyncAdapt_aiosqlite_connection):
    """Statements as _KursorSekaliJalan; a commit or rollback is not sent to the thread when the last statement
    left no transaction open (sqlite3 would do nothing for it): the pool's rollback of every connection it takes
    back, the commit of a block that only read. Whenever that is not known (a statement still running, cancelled
    or failed, a streaming cursor) it is sent as before."""

    __slots__ = ("_transaksi",)
    _cursor_cls = _KursorSekaliJalan

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self._transaksi = True

    def cursor(self, server_side: bool = False) -> Any:
        if server_side:
            self._transaksi = True
        return super().cursor(server_side)

    def rollback(self) -> None:
        if self._transaksi:
            super().rollback()
            self._transaksi = False

    def commit(self) -> None:
        if self._transaksi:
            super().commit()
            self._transaksi = False


class _DbapiSekaliJalan(AsyncAdapt_aiosqlite_dbapi):
    """aiosqlite for SQLAlchemy, each statement one trip to the connection's thread (see _KursorSekaliJalan)."""

    def connect(self, *arg: Any, **kw: Any) -> Any:
        sambungan = super().connect(*arg, **kw)
        return _SambunganSekaliJalan(self, sambungan._connection)


def berkas_pribadi(path: Path) -> None:
    """Create ``path`` empty and readable by its owner only (0600), unless it exists already.

    The database holds login hashes, names and phone-level personal data; SQLite gives its -wal and -shm files
    the mode of the database file, so creating the file 0600 before SQLite does covers all three.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def is_postgres(engine: AsyncEngine) -> bool:
    """Whether the engine talks to PostgreSQL (advisory locks, LISTEN/NOTIFY, several workers)."""
    return engine.dialect.name == "postgresql"


@contextlib.asynccontextmanager
async def autocommit(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A pooled connection whose statements commit on their own: one round trip for a one-statement write."""
    async with engine.connect() as conn:
        yield await conn.execution_options(isolation_level="AUTOCOMMIT")


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """Create the async engine for a database URL (SQLite file or PostgreSQL)."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        path = make_url(url).database
        if path and path != ":memory:" and not path.startswith("file:"):
            berkas_pribadi(Path(path))
        # As many connections as before at most (5 + 10 overflow), but all kept once opened: under many updates
        # at once the overflow was opened and closed again and again (a thread and four pragmas each time).
        pool: dict[str, Any] = {}
        if path and path != ":memory:":  # a memory database keeps SQLAlchemy's single shared connection
            pool = {"pool_size": SQLITE_POOL, "max_overflow": 0}
        engine = create_async_engine(url, echo=echo, module=_DbapiSekaliJalan(aiosqlite, sqlite3), **pool)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    # The same for PostgreSQL (10 + 10 before): each overflow connection opened and closed again cost a connect,
    # an SSL offer and a backend start-up, several times a second under load.
    engine = create_async_engine(url, echo=echo, pool_size=PG_POOL, max_overflow=0,
                                 module=_DbapiPgBacaLangsung(asyncpg))
    event.listen(engine.sync_engine, "checkin", _pg_kembali)
    event.listen(engine.sync_engine, "checkout", _pg_periksa)
    return engine


# PostgreSQL: a transaction begins at its first statement that may write. SQLAlchemy's asyncpg adapter sends BEGIN
# before the first statement of every connection use and ROLLBACK when it is returned to the pool, so a read of one
# SELECT was three round trips. Under READ COMMITTED (the only level Pantau uses) each statement sees the data
# committed when it starts whether or not a transaction is open, so a plain SELECT before the first write runs on
# its own (one round trip), and a use that only reads sends neither BEGIN nor ROLLBACK. Any other statement —
# INSERT, UPDATE, DELETE, WITH …, SELECT … FOR UPDATE/SHARE, a SELECT of a function whose effect lasts until the
# transaction ends (an xact advisory lock, a sequence, set_config, NOTIFY), and every SELECT once a transaction is
# open — goes as before, in the transaction, which begins before it; so do all statements at another isolation
# level.
_BUKAN_BACA = ("FOR UPDATE", "FOR NO KEY UPDATE", "FOR SHARE", "FOR KEY SHARE",  # row locks
               "PG_ADVISORY_XACT", "NEXTVAL", "SETVAL", "SET_CONFIG", "PG_NOTIFY")  # bound to the transaction


def baca_saja(operation: str) -> bool:
    """Whether a statement is a plain SELECT (no row locks), which needs no open transaction to read."""
    head = operation.lstrip()[:6].upper()
    return head == "SELECT" and not any(k in operation.upper() for k in _BUKAN_BACA)


class _KursorPgBacaLangsung(AsyncAdapt_asyncpg_cursor):
    __slots__ = ()

    async def _prepare_and_execute(self, operation: Any, parameters: Any) -> None:
        conn = cast(_SambunganPgBacaLangsung, self._adapt_connection)
        conn._tunda_begin = (conn._transaction is None and conn.isolation_level in (None, "read_committed")
                             and not conn.readonly and not conn.deferrable and baca_saja(operation))
        try:
            await super()._prepare_and_execute(operation, parameters)
        finally:
            conn._tunda_begin = False


class _SambunganPgBacaLangsung(AsyncAdapt_asyncpg_connection):
    __slots__ = ("_tunda_begin",)
    _cursor_cls = _KursorPgBacaLangsung

    def __init__(self, *arg: Any, **kw: Any) -> None:
        super().__init__(*arg, **kw)
        self._tunda_begin = False

    async def _start_transaction(self) -> None:
        if self._tunda_begin:
            return  # a plain SELECT before the first write: it runs on its own (see above)
        await super()._start_transaction()


class _DbapiPgBacaLangsung(AsyncAdapt_asyncpg_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> Any:
        creator_fn = kw.pop("async_creator_fn", self.asyncpg.connect)
        cache = kw.pop("prepared_statement_cache_size", PG_SIAP_PAKAI)
        nama = kw.pop("prepared_statement_name_func", None)
        return await_(_SambunganPgBacaLangsung.create(self, creator_fn(*arg, **kw),
                                                      prepared_statement_cache_size=cache,
                                                      prepared_statement_name_func=nama))


# PostgreSQL: a pooled connection is checked before it is handed out, as SQLAlchemy's pool_pre_ping would, but
# the round trip (BEGIN, an empty query, ROLLBACK: three with asyncpg) only for a connection that sat in the pool
# longer than this; one used moments ago is checked by whether its socket is still open (a server restart or
# pg_terminate_backend closes it, and asyncpg sees that as soon as the event loop runs). A dead one empties the
# pool, as pre-ping does, so the others are replaced too.
PING_SETELAH_S = 1.0
_KEMBALI = "pantau.kembali"


def _pg_kembali(_dbapi_conn: Any, record: Any) -> None:
    if record is not None:
        record.info[_KEMBALI] = time.monotonic()


def _pg_periksa(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
    kembali = record.info.get(_KEMBALI)
    if kembali is None:
        return  # just connected
    if dbapi_conn._connection.is_closed():
        raise InvalidatePoolError("sambungan PostgreSQL sudah tertutup")
    if time.monotonic() - kembali >= PING_SETELAH_S:
        try:
            dbapi_conn.ping()
        except Exception as exc:
            raise InvalidatePoolError("sambungan PostgreSQL tidak menjawab") from exc


def _alembic_config(connection: sa.Connection) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def _upgrade(connection: sa.Connection) -> None:
    from alembic import command

    command.upgrade(_alembic_config(connection), "head")


async def upgrade(engine: AsyncEngine) -> None:
    """Bring the schema to the newest migration."""
    async with engine.begin() as conn:
        await conn.run_sync(_upgrade)


def _current(connection: sa.Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


async def current_revision(engine: AsyncEngine) -> str | None:
    """The schema revision the database is at (None when empty)."""
    async with engine.connect() as conn:
        return await conn.run_sync(_current)


def inserted_id(result: sa.CursorResult[Any]) -> int:
    """The primary key of the row an INSERT just wrote."""
    pk = result.inserted_primary_key
    assert pk is not None
    return int(pk[0])
