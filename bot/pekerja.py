"""Several `pantau run` workers behind one webhook, on one PostgreSQL database.

With ``PANTAU_WEBHOOK_URL`` set, every worker serves ``/telegram/webhook`` (a load balancer spreads Telegram's
POSTs over them) and runs in *worker mode*:

* **Each update once.** The webhook records the update id (``storage.pembaruan.catat``, an insert-ignore on the
  primary key) before queueing it; a redelivery, to this worker or another, finds the id and is dropped. As in
  polling mode, an update a worker accepted but had not handled when it died is not handled later: the user
  sees no answer and repeats the step (everything the bot did answer is committed).
* **One user at a time, across workers.** Before a user's update is processed the worker takes a PostgreSQL
  advisory lock for that user (``pg_try_advisory_lock`` on one dedicated connection per worker, retried with
  a short back-off) and holds it until the update's state is written; inside a worker the per-user queue of
  ``bot.updates.PerUserUpdateProcessor`` already orders them. SQLite has no advisory locks and serves one
  worker only (the lock is then a no-op).
* **Shared conversation state.** PTB keeps conversation states and user_data in memory after loading them at
  start-up; another worker may have moved a conversation on since. So, under the lock, the worker reads that
  user's rows again in one query (``DbPersistence.muat_untuk``: user_data, chat_data and the state of every
  persistent conversation for this chat and user) and puts them into the Application (conversation dicts
  without tracking, so nothing is written back), handles the update, writes the changes
  (``Application.update_persistence``) and only then releases the lock. Cost: one indexed SELECT per update
  (≈ 0,3–0,5 ms) and two tiny lock statements on PostgreSQL.
* **Conversation timeouts.** A conversation's timeout is an entry in the memory of the worker that handled its
  last step there, fired by that worker's timeout sweep (``handlers.batas_waktu``: one job every few seconds
  for all conversations, not a job per step). The sweep hands it to ``PekerjaJobQueue.jaga_batas_waktu``, which
  takes the user's lock and first asks whether any worker received a newer update of that user
  (``storage.pembaruan.ada_yang_lebih_baru``); if so the conversation has moved on elsewhere and this timeout
  is stale, so it is dropped. Otherwise it reloads the user's state, fires the timeout, writes the result and
  releases the lock. (The newer update might have been outside the conversation, e.g. /help: then the
  conversation simply waits for the user's next step instead of timing out; its state stays in the database.)
* **Start-up, sweep, outbox.** Migrations, the demo load and the bootstrap admins run under one advisory lock
  (``kunci_mulai``), so workers starting together do not race; the reminder sweep queues under unique outbox
  keys and the outbox sender claims rows with a conditional UPDATE, so both are safe in every worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool
from telegram import Update
from telegram.ext import Application, JobQueue

from bot.persistence import (
    CHAT_DATA,
    CONV_PREFIX,
    USER_DATA,
    DbPersistence,
    encode_key,
    kunci_percakapan,
    percakapan_persisten,
)
from bot.updates import PerUserUpdateProcessor, kunci
from handlers.batas_waktu import BatasWaktu
from storage import pembaruan
from storage.db import KUNCI_PANTAU

log = logging.getLogger("pantau.pekerja")

NAMESPACE = KUNCI_PANTAU  # the advisory-lock class of the workers' locks (storage.db)
KUNCI_MULAI = 0  # the start-up lock's id within the namespace
TUNGGU_KUNCI_S = 30.0  # after this, go on without the lock (and say so): liveness over strict serialisation
SIMPAN_PEMBARUAN = timedelta(hours=48)  # Telegram keeps an undelivered update for 24 hours

App = Application[Any, Any, Any, Any, Any, Any]


def is_postgres(engine: AsyncEngine) -> bool:
    """Whether the engine talks to PostgreSQL (the only backend with advisory locks)."""
    return engine.dialect.name == "postgresql"


def _objid(user_id: int) -> int:
    """A user id folded into PostgreSQL's int4 (two users sharing one only wait for each other)."""
    x = (user_id ^ (user_id >> 32)) & 0xFFFFFFFF
    return x - (1 << 32) if x >= 1 << 31 else x


class KunciPengguna:
    """Per-user advisory locks on one dedicated PostgreSQL connection (no-op on SQLite)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._aktif = is_postgres(engine)
        self._url = engine.url
        self._engine: AsyncEngine | None = None
        self._conn: AsyncConnection | None = None
        self._mutex = asyncio.Lock()  # one statement at a time on the shared connection

    async def _sql(self, fn: str, objid: int) -> bool:
        async with self._mutex:
            for percobaan in (1, 2):
                try:
                    if self._conn is None:
                        self._engine = self._engine or create_async_engine(self._url, poolclass=NullPool)
                        self._conn = await self._engine.connect()
                        await self._conn.execution_options(isolation_level="AUTOCOMMIT")
                    # Bound, not spelled into the text: two statements prepared once per connection instead of
                    # one per user (asyncpg prepares every new text, and keeps only the last 100).
                    res = await self._conn.exec_driver_sql(f"SELECT {fn}($1, $2)", (NAMESPACE, int(objid)))
                    return bool(res.scalar())
                except Exception:
                    # The connection died (a PostgreSQL restart): its locks died with it. Reconnect once.
                    await self._lupakan()
                    if percobaan == 2:
                        raise
            raise AssertionError("unreachable")

    async def _lupakan(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.close()

    async def ambil(self, user_id: int) -> bool:
        """Take the user's lock, waiting while another worker holds it; False when it was not taken."""
        if not self._aktif:
            return False
        loop = asyncio.get_running_loop()
        batas = loop.time() + TUNGGU_KUNCI_S
        tunda = 0.002
        while True:
            try:
                if await self._sql("pg_try_advisory_lock", _objid(user_id)):
                    return True
            except Exception:
                log.exception("kunci pengguna %s: basis data tidak menjawab; diproses tanpa kunci", user_id)
                return False
            if loop.time() > batas:
                log.warning("kunci pengguna %s masih dipegang pekerja lain setelah %.0f detik; diproses tanpa "
                            "kunci", user_id, TUNGGU_KUNCI_S)
                return False
            await asyncio.sleep(tunda)
            tunda = min(tunda * 2, 0.05)

    async def lepas(self, user_id: int) -> None:
        """Release the user's lock."""
        if not self._aktif:
            return
        try:
            await self._sql("pg_advisory_unlock", _objid(user_id))
        except Exception:  # the session is gone, and its locks with it
            log.warning("kunci pengguna %s tidak dapat dilepas (sesi basis data terputus)", user_id)

    async def tutup(self) -> None:
        """Close the connection (releasing any lock still held) and its engine."""
        async with self._mutex:
            await self._lupakan()
            if self._engine is not None:
                await self._engine.dispose()
                self._engine = None


@contextlib.asynccontextmanager
async def kunci_mulai(engine: AsyncEngine) -> AsyncIterator[None]:
    """Hold the start-up lock (PostgreSQL) so workers starting together migrate and seed one after another."""
    if not is_postgres(engine):
        yield
        return
    eng = create_async_engine(engine.url, poolclass=NullPool)
    try:
        async with eng.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.exec_driver_sql(f"SELECT pg_advisory_lock({NAMESPACE}, {KUNCI_MULAI})")
            try:
                yield
            finally:
                with contextlib.suppress(Exception):
                    await conn.exec_driver_sql(f"SELECT pg_advisory_unlock({NAMESPACE}, {KUNCI_MULAI})")
    finally:
        await eng.dispose()


# --- the shared conversation state --------------------------------------------------------------------------


async def segarkan(app: App, persistence: DbPersistence, update: Update) -> None:
    """Load this update's user_data, chat_data and conversation states from the database into the Application."""
    user_id = update.effective_user.id if update.effective_user else None
    chat_id = update.effective_chat.id if update.effective_chat else None
    convs = [(h, k) for h in percakapan_persisten(app) if (k := kunci_percakapan(h, update)) is not None]
    pasangan = [(CONV_PREFIX + str(h.name), encode_key(k)) for h, k in convs]
    if user_id is not None:
        pasangan.append((USER_DATA, str(user_id)))
    if chat_id is not None:
        pasangan.append((CHAT_DATA, str(chat_id)))
    rows = await persistence.muat_untuk(pasangan)
    for h, k in convs:
        states: Any = h._conversations  # PTB keeps them here (a TrackingDict); there is no public setter
        if not hasattr(states, "update_no_track"):
            continue
        stored = rows.get((CONV_PREFIX + str(h.name), encode_key(k)))
        current = states.data.get(k)
        if current is not None and not isinstance(current, int | str):
            continue  # a non-blocking step still running here (Pantau's steps all block): leave it alone
        if stored is None:
            states.data.pop(k, None)  # untracked: the row is already gone
        elif stored != current:
            states.update_no_track({k: stored})
    for kind, ident, store in ((USER_DATA, user_id, app.user_data), (CHAT_DATA, chat_id, app.chat_data)):
        if ident is None:
            continue
        stored = rows.get((kind, str(ident)))
        if stored is None and ident not in store:
            continue
        data = store[ident]  # the live dict (a defaultdict entry behind the read-only mapping)
        if data != (stored or {}):
            data.clear()
            data.update(stored or {})


class PekerjaUpdateProcessor(PerUserUpdateProcessor):
    """PerUserUpdateProcessor plus, per update: the user's advisory lock, a state refresh, and the write-back."""

    def __init__(self, max_concurrent_updates: int, engine: AsyncEngine) -> None:
        super().__init__(max_concurrent_updates)
        self.kunci = KunciPengguna(engine)
        self._app: App | None = None

    def pasang(self, app: App) -> None:
        """Attach the Application whose state is refreshed (set right after it is built)."""
        self._app = app

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """The user's updates one at a time in this worker (the parent), and across workers (the lock)."""
        user = kunci(update)
        if user is None or self._app is None or not isinstance(update, Update):
            await super().do_process_update(update, coroutine)
            return
        await super().do_process_update(update, self._dijaga(user, update, coroutine))

    async def _dijaga(self, user: int, update: Update, coroutine: Awaitable[Any]) -> None:
        assert self._app is not None
        app = self._app
        terkunci = await self.kunci.ambil(user)
        try:
            persistence = app.persistence
            if isinstance(persistence, DbPersistence):
                try:
                    await segarkan(app, persistence, update)
                except Exception:
                    # Handling it anyway is better than losing it; with the database away the step fails visibly.
                    log.exception("status pengguna %s tidak dapat dimuat ulang", user)
            await coroutine
            await app.update_persistence()
        finally:
            if terkunci:
                await self.kunci.lepas(user)

    async def shutdown(self) -> None:
        """Close the lock connection."""
        await self.kunci.tutup()


# --- conversation timeouts across workers ---------------------------------------------------------------------


class PekerjaJobQueue(JobQueue[Any]):
    """A JobQueue whose conversation timeouts give way when another worker moved the conversation on.

    The timeouts themselves are fired by the sweep of handlers.batas_waktu, which hands each one to
    :meth:`jaga_batas_waktu`.
    """

    def __init__(self, engine: AsyncEngine, kunci_pengguna: KunciPengguna | None = None) -> None:
        super().__init__()
        self._engine_db = engine
        self._kunci_pengguna = kunci_pengguna

    async def jaga_batas_waktu(self, batas: BatasWaktu) -> None:
        """Under the user's lock: drop the timeout if any worker has a newer update of that user, else reload the
        user's state, fire it and write the result."""
        update = batas.data.update
        user = update.effective_user.id if isinstance(update, Update) and update.effective_user else None
        if user is None or not isinstance(update, Update):
            await batas.picu()
            return
        terkunci = self._kunci_pengguna is not None and await self._kunci_pengguna.ambil(user)
        try:
            async with self._engine_db.connect() as conn:
                basi = await pembaruan.ada_yang_lebih_baru(conn, user, update.update_id)
            if basi:
                await batas.buang()
                log.debug("batas waktu percakapan %s pengguna %s basi: diteruskan pekerja lain", batas.handler.name,
                          user)
                return
            app = batas.data.application
            if isinstance(app.persistence, DbPersistence):
                await segarkan(app, app.persistence, update)
            await batas.picu()
            await app.update_persistence()
        finally:
            if terkunci and self._kunci_pengguna is not None:
                await self._kunci_pengguna.lepas(user)


async def catat_pembaruan(engine: AsyncEngine, update: Update, now: datetime) -> bool:
    """Record a webhook update's id; False when another delivery of it was recorded first.

    One statement that commits on its own (autocommit): one round trip instead of BEGIN, INSERT and COMMIT."""
    user = update.effective_user.id if update.effective_user else None
    async with engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        return await pembaruan.catat(conn, update.update_id, user, now=now)


async def job_bersihkan(context: Any) -> None:
    """Hourly: forget update ids older than 48 hours (every worker may run it; it is idempotent)."""
    svc = context.application.bot_data["layanan"]
    async with svc.engine.begin() as conn:
        n = await pembaruan.bersihkan(conn, sebelum=svc.now() - SIMPAN_PEMBARUAN)
    if n:
        log.info("%d id pembaruan lama dihapus", n)
