"""Several `pantau run` workers behind one webhook, on one PostgreSQL database.

With ``PANTAU_WEBHOOK_URL`` set, every worker serves ``/telegram/webhook`` (a load balancer spreads Telegram's
POSTs over them) and runs in *worker mode*:

* **Each update once.** The webhook records the update id (``storage.pembaruan``, an insert-ignore on the primary
  key) before handing it on; a redelivery, to this worker or another, finds the id and is dropped. As in polling
  mode, an update a worker took but had not handled when it died is not handled later: the user sees no answer
  and repeats the step (everything the bot did answer is committed).
* **Each user in one worker.** Users fall into partitions, each owned by one live worker (``bot.partisi``). An
  update of a user this worker owns is handled here (``terima_webhook``); any other is recorded with its JSON and
  announced in the same statement, and the owner takes it from the table. Inside the owner, the per-user queue of
  ``bot.updates.PerUserUpdateProcessor`` keeps one user's updates in order; there is no lock per update. An update
  reaching its owner directly while updates of its partition forwarded before it still wait in the table (the
  record of its id says so; or the partition has just come to this worker) is held and goes after them
  (``PemilikPartisi.serahkan``).
* **State in memory, read once.** PTB keeps conversation states and user_data in memory. When a partition comes to
  a worker (at start, or from a worker that left or gave it up), another worker may have moved its users on, so
  before each such user's first update the worker reads that user's rows in one query (``segarkan``:
  user_data, chat_data and the state of every persistent conversation for this chat and user) and puts them into
  the Application (conversation dicts without tracking, so nothing is written back). Each update's changes are
  written by its last handler group, as in polling mode; a partition is given up only when its running updates
  finished and anything left unwritten is written.
* **Conversation timeouts.** A conversation's timeout is an entry in the memory of the worker that handled its
  last step, fired by that worker's timeout sweep (``handlers.batas_waktu``: one job every few seconds for all
  conversations). The sweep hands it to ``PekerjaJobQueue.jaga_batas_waktu``: a worker that no longer owns the
  user drops it, and so does one where any worker received a newer update of that user
  (``storage.pembaruan.ada_yang_lebih_baru``: the conversation moved on elsewhere while the partition was away).
  The conversation then waits for the user's next step, its state in the database (a stale one is ended then).
* **Start-up, sweep, outbox.** Migrations, the demo load and the bootstrap admins run under one advisory lock
  (``kunci_mulai``), so workers starting together do not race; the reminder sweep queues under unique outbox
  keys and the outbox sender claims rows with a conditional UPDATE, so both are safe in every worker.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool
from telegram import Update
from telegram.ext import Application, JobQueue

from bot.partisi import PemilikPartisi, partisi_dari
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
from storage.db import KUNCI_PANTAU, autocommit, is_postgres

log = logging.getLogger("pantau.pekerja")

NAMESPACE = KUNCI_PANTAU  # the advisory-lock class of the start-up lock (storage.db)
KUNCI_MULAI = 0  # the start-up lock's id within the namespace
SIMPAN_PEMBARUAN = timedelta(hours=48)  # Telegram keeps an undelivered update for 24 hours

App = Application[Any, Any, Any, Any, Any, Any]


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
    """PerUserUpdateProcessor for the owner of some partitions: a user's state read before the first update since
    the partition came here; what is left unwritten is written before a partition is given up."""

    def __init__(self, max_concurrent_updates: int, engine: AsyncEngine) -> None:
        super().__init__(max_concurrent_updates)
        self.partisi = PemilikPartisi(engine, self._terima, self._simpan, self._taruh)
        self._app: App | None = None

    async def _simpan(self) -> None:
        if self._app is not None:
            await self._app.update_persistence()

    def pasang(self, app: App) -> None:
        """Attach the Application whose state is refreshed (set right after it is built)."""
        self._app = app

    def _taruh(self, update: Update) -> None:
        assert self._app is not None
        self._app.update_queue.put_nowait(update)

    def _terima(self, update_id: int, p: int, isi: str) -> None:
        """A forwarded update, taken from the table: into the Application's queue."""
        assert self._app is not None
        try:
            update = Update.de_json(json.loads(isi), self._app.bot)
        except Exception:  # one unreadable row must not cost the rest of the take
            log.exception("pembaruan %s yang diteruskan tidak terbaca; dibuang", update_id)
            return
        self.partisi.pesan(p)
        self.partisi.jalan(update_id, p)
        self._taruh(update)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """The user's updates one at a time (the parent), after reading the user's state when it is not known."""
        user = kunci(update)
        if user is None or self._app is None or not isinstance(update, Update):
            try:
                await super().do_process_update(update, coroutine)
            finally:
                if isinstance(update, Update):
                    self.partisi.selesai(update.update_id)
            return
        await super().do_process_update(update, self._dijaga(user, update, coroutine))

    async def _dijaga(self, user: int, update: Update, coroutine: Awaitable[Any]) -> None:
        assert self._app is not None
        app = self._app
        try:
            persistence = app.persistence
            if isinstance(persistence, DbPersistence) and self.partisi.perlu_dimuat(user):
                try:
                    await segarkan(app, persistence, update)
                    self.partisi.sudah_dimuat(user)
                except Exception:
                    # Handling it anyway is better than losing it; with the database away the step fails visibly.
                    log.exception("status pengguna %s tidak dapat dimuat ulang", user)
            await coroutine  # its changes are written by its last handler group (bot.persistence.flush_after_update)
        finally:
            self.partisi.selesai(update.update_id)

    async def shutdown(self) -> None:
        """Give up the partitions (when :func:`bot.app.running` has not already)."""
        await self.partisi.berhenti()


async def terima_webhook(app: App, data: dict[str, Any], body: bytes) -> int:
    """A webhook update in worker mode: handled here when its user is this worker's, else forwarded to the owner;
    the HTTP status to answer (503 when the database cannot record it: Telegram delivers it again)."""
    svc = app.bot_data["layanan"]
    proses = app.update_processor
    assert isinstance(proses, PekerjaUpdateProcessor)
    pemilik = proses.partisi
    mentah = kunci_mentah(data)
    if mentah is not None and not pemilik.memiliki(partisi_dari(mentah[1])):
        return await _teruskan(svc, data, body, *mentah)
    try:
        update = Update.de_json(data, app.bot)
    except (ValueError, TypeError, KeyError, AttributeError):  # not an update
        return 400
    user = kunci(update)
    p = partisi_dari(user) if user is not None else None
    if user is not None and p is not None and not pemilik.memiliki(p):
        return await _teruskan(svc, data, body, update.effective_user.id if update.effective_user else None, user)
    if p is not None:
        pemilik.pesan(p)  # from here a release of p waits for this update
    diserahkan = False
    try:
        try:
            baru, antre = await catat_pembaruan(svc.engine, update, svc.now(), partisi=p if pemilik.aktif else None)
        except Exception:
            log.exception("id pembaruan %s tidak dapat dicatat; Telegram akan mengirim ulang", update.update_id)
            return 503
        if not baru:
            return 200
        if p is not None:
            if antre:  # updates of its partition forwarded before it wait in the table: it goes after them
                pemilik.tahan(p)
            pemilik.serahkan(update.update_id, p, update, body)
        else:
            app.update_queue.put_nowait(update)
        diserahkan = True
        return 200
    finally:
        if p is not None and not diserahkan:  # also when the request is cancelled half way
            pemilik.batal(p)


async def _teruskan(svc: Any, data: dict[str, Any], body: bytes, user_id: int | None, kunci_: int) -> int:
    """Record the update for the owner of its partition (a redelivery is dropped there, as here)."""
    try:
        isi = body.decode()
    except UnicodeDecodeError:
        isi = json.dumps(data, ensure_ascii=False)
    try:
        async with autocommit(svc.engine) as conn:
            await pembaruan.teruskan(conn, data["update_id"], user_id, partisi=partisi_dari(kunci_), isi=isi,
                                     now=svc.now())
    except Exception:
        log.exception("pembaruan %s tidak dapat diteruskan; Telegram akan mengirim ulang", data["update_id"])
        return 503
    return 200


# The kinds of update whose user (or, without one, chat) can be read from the JSON as PTB reads it; any other is
# parsed first (bot.updates.kunci).
_JENIS = ("message", "edited_message", "callback_query", "inline_query", "chosen_inline_result", "my_chat_member",
          "chat_member", "chat_join_request", "channel_post", "edited_channel_post")


def kunci_mentah(data: dict[str, Any]) -> tuple[int | None, int] | None:
    """(user id, ordering key) of an update's JSON, as :func:`bot.updates.kunci` gives for the parsed update; None
    when the JSON does not say plainly (then it is parsed)."""
    for jenis in _JENIS:
        isi = data.get(jenis)
        if not isinstance(isi, dict):
            continue
        dari = isi.get("from")
        if isinstance(dari, dict) and type(dari.get("id")) is int:
            return dari["id"], dari["id"]
        if jenis == "callback_query":
            return None
        chat = isi.get("chat")
        if dari is None and isinstance(chat, dict) and type(chat.get("id")) is int:
            return None, chat["id"]
        return None
    return None


# --- conversation timeouts across workers ---------------------------------------------------------------------


class PekerjaJobQueue(JobQueue[Any]):
    """A JobQueue whose conversation timeouts give way when another worker has the user now.

    The timeouts themselves are fired by the sweep of handlers.batas_waktu, which hands each one to
    :meth:`jaga_batas_waktu`.
    """

    def __init__(self, engine: AsyncEngine, pemilik: PemilikPartisi | None = None) -> None:
        super().__init__()
        self._engine_db = engine
        self._pemilik = pemilik

    async def jaga_batas_waktu(self, batas: BatasWaktu) -> None:
        """Drop the timeout if this worker no longer owns the user or any worker has a newer update of that user;
        else read the user's state if it may have changed elsewhere, fire it and write the result."""
        update = batas.data.update
        user = kunci(update)
        if user is None or not isinstance(update, Update) or self._pemilik is None:
            await batas.picu()
            return
        p = partisi_dari(user)
        if not self._pemilik.memiliki(p):
            await batas.buang()
            log.debug("batas waktu percakapan %s pengguna %s: pengguna kini di pekerja lain", batas.handler.name, user)
            return
        self._pemilik.pesan(p)  # running work of partition p: a release waits for it
        try:
            async with self._engine_db.connect() as conn:
                basi = await pembaruan.ada_yang_lebih_baru(conn, user, update.update_id)
            if basi:
                await batas.buang()
                log.debug("batas waktu percakapan %s pengguna %s basi: diteruskan pekerja lain", batas.handler.name,
                          user)
                return
            app = batas.data.application
            if isinstance(app.persistence, DbPersistence) and self._pemilik.perlu_dimuat(user):
                await segarkan(app, app.persistence, update)
                self._pemilik.sudah_dimuat(user)
            await batas.picu()
            await app.update_persistence()
        finally:
            self._pemilik.batal(p)


async def catat_pembaruan(engine: AsyncEngine, update: Update, now: datetime, *, partisi: int | None = None
                          ) -> tuple[bool, bool]:
    """Record a webhook update's id: (False when another delivery of it was recorded first, and with ``partisi``
    (PostgreSQL) whether updates forwarded to that partition before it wait in the table).

    One statement that commits on its own (autocommit): one round trip instead of BEGIN, INSERT and COMMIT."""
    user = update.effective_user.id if update.effective_user else None
    async with autocommit(engine) as conn:
        if partisi is not None:
            return await pembaruan.catat_di_partisi(conn, update.update_id, user, partisi=partisi, now=now)
        return await pembaruan.catat(conn, update.update_id, user, now=now), False


async def job_bersihkan(context: Any) -> None:
    """Hourly: forget update ids older than 48 hours (every worker may run it; it is idempotent)."""
    svc = context.application.bot_data["layanan"]
    async with svc.engine.begin() as conn:
        n = await pembaruan.bersihkan(conn, sebelum=svc.now() - SIMPAN_PEMBARUAN)
    if n:
        log.info("%d id pembaruan lama dihapus", n)
