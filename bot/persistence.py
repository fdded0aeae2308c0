"""Database persistence for python-telegram-bot: conversation states, user_data and chat_data.

Register it so a restart in the middle of a conversation loses nothing::

    app = ApplicationBuilder().token(token).persistence(DbPersistence(engine)).build()
    app.add_handler(flush_handler(), group=FLUSH_GROUP)  # after every other handler is added

What is stored (table ``bot_persistence``, one row per kind and key):

* ``user_data`` / ``chat_data``: one row per user / chat id, the dict as JSON; an empty dict has no row.
* ``conv:<name>``: one row per running conversation of a ``ConversationHandler(name=..., persistent=True)``,
  the key is the conversation key tuple as a JSON list, the data its state (int or str). A conversation
  that ends has no row. ``<name>`` can be at most 15 characters (the kind column holds 20).
* ``bot_data`` and ``callback_data`` are never stored: bot_data holds live services (engine, settings).

Values must be plain JSON: handlers may keep only str, int, float, bool, None, lists and dicts with str
keys in ``context.user_data`` / ``context.chat_data``. Tuples, sets, datetimes, dataclasses, int dict keys
or NaN are refused with :class:`PersistenceDataError` (handed to the application's error handlers) rather
than silently coming back different after a restart; store ``isoformat()`` strings, lists and str keys.

PTB writes persistence only every ``update_interval`` seconds. :func:`flush_after_update`, registered in
the last handler group, writes each update's changes before the next update is processed; the interval
(5 s) remains as a backstop, e.g. for updates that stop at ``ApplicationHandlerStop`` before the last
group or for handlers running with ``block=False``. The database is the single source of truth for one
running bot process: ``refresh_*`` do nothing, and unchanged data is not written again.

Writes are group-committed: the rows PTB hands over at the same moment (an update's user_data and
conversation state, and those of other users' updates finishing meanwhile) go to the database in one
transaction, one transaction at a time, consecutive upserts (and deletes) in key order as one executemany
statement; each caller returns once its row is committed.

Several webhook workers (bot/pekerja.py) share the state through the database: before a user's update
the worker reads that user's rows again with :meth:`DbPersistence.muat_untuk`.

Every row carries the time it was last written; a running conversation's row is written again, at most once a
minute, even while its steps keep the same state (:func:`flush_after_update` hands it over again). Conversation
timeouts live in memory (``timeout_jobs``, fired by the sweep of handlers.batas_waktu), gone after a restart:
:func:`akhiri_yang_basi` (group ``GRUP_BASI``, after the guard) ends a conversation without a live timeout whose
row is older than its handler's timeout (plus ``TENGGANG``) before the user's next update reaches it, running the
handler's TIMEOUT callbacks as PTB would have, so a reply days later is not taken as the answer to a stale step.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterable, MutableMapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import Update
from telegram.ext import BasePersistence, CallbackContext, ConversationHandler, PersistenceInput, TypeHandler

from storage import pembaruan
from storage import persistence as store
from storage.db import autocommit, is_postgres

__all__ = [
    "DEFAULT_UPDATE_INTERVAL",
    "FLUSH_GROUP",
    "GRUP_BASI",
    "DbPersistence",
    "PersistenceDataError",
    "akhiri_yang_basi",
    "flush_after_update",
    "flush_handler",
    "kunci_percakapan",
    "percakapan_persisten",
]

FLUSH_GROUP = 100
GRUP_BASI = -1  # after the guard (handlers.GRUP_JAGA), before the features
DEFAULT_UPDATE_INTERVAL = 5.0
# An unchanged conversation state is written again (its time refreshed) when its row is older than this ...
SEGARKAN = timedelta(seconds=60)
# ... so a conversation is stale only when its row is older than its timeout plus this margin: by then its timeout
# (swept every few seconds), had it survived, would have ended it.
TENGGANG = timedelta(minutes=2)
USER_DATA = "user_data"
CHAT_DATA = "chat_data"
CONV_PREFIX = "conv:"

Data = dict[Any, Any]
# The same shapes as telegram.ext._utils.types (a private module).
ConversationKey = tuple[int | str, ...]
ConversationDict = MutableMapping[ConversationKey, object]
CDCData = tuple[list[tuple[str, float, dict[str, Any]]], dict[str, str]]


class PersistenceDataError(TypeError):
    """Data given to the persistence is not plain JSON that survives a save and load unchanged."""


def _to_json(what: str, value: Any) -> str:
    """The JSON text of value, or PersistenceDataError when a JSON round trip would change it."""
    try:
        text = json.dumps(value, allow_nan=False, ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise PersistenceDataError(
            f"{what} cannot be stored: {exc}. Keep only str, int, float, bool, None, lists and dicts "
            "with str keys in it (see bot/persistence.py)."
        ) from exc
    if json.loads(text) != value:
        raise PersistenceDataError(
            f"{what} would change when stored as JSON (tuples become lists, non-str dict keys become "
            "strings). Keep only str, int, float, bool, None, lists and dicts with str keys in it."
        )
    return text


def encode_key(key: ConversationKey) -> str:
    """A conversation key tuple as the JSON list text stored in the key column."""
    return json.dumps(list(key), separators=(",", ":"), ensure_ascii=False)


def decode_key(text: str) -> ConversationKey:
    """The conversation key tuple stored as JSON list text."""
    return tuple(json.loads(text))


class DbPersistence(BasePersistence[Data, Data, Data]):
    """Stores conversation states, user_data and chat_data in the bot_persistence table."""

    __slots__ = ("_antre", "_diubah", "_engine", "_giliran", "_jam", "_kunci_tulis", "_stored")

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        store_data: PersistenceInput | None = None,
        update_interval: float = DEFAULT_UPDATE_INTERVAL,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        store_data = store_data or PersistenceInput(bot_data=False, callback_data=False)
        if store_data.bot_data or store_data.callback_data:
            raise ValueError("DbPersistence stores only user_data, chat_data and conversations")
        super().__init__(store_data=store_data, update_interval=update_interval)
        self._engine = engine
        self._jam = clock or (lambda: datetime.now(UTC))
        # kind -> key -> JSON text of what the database holds, for the kinds loaded at start-up.
        self._stored: dict[str, dict[str, str]] = {}
        # (conv:<name>, key) -> when the database row was last written (None: before that was recorded).
        self._diubah: dict[tuple[str, str], datetime | None] = {}
        # Group commit: rows waiting for the next transaction ((kind, key) -> (value or None to delete, JSON
        # text)), the future the writers of that batch wait on, and one transaction at a time.
        self._antre: dict[tuple[str, str], tuple[Any, str | None]] = {}
        self._giliran: asyncio.Future[BaseException | None] | None = None
        self._kunci_tulis: asyncio.Lock | None = None

    async def _load(self, kind: str) -> dict[str, Any]:
        """All rows of one kind, remembered so unchanged data is not written again."""
        async with self._engine.begin() as conn:
            rows = await store.load_all(conn, kind)
            if kind.startswith(CONV_PREFIX):
                self._diubah.update({(kind, key): t for key, t in (await store.load_diubah(conn, kind)).items()})
        self._stored[kind] = {key: json.dumps(data, ensure_ascii=False) for key, data in rows.items()}
        return rows

    async def _save(self, kind: str, key: str, value: Any, *, what: str) -> None:
        """Upsert the value unless the database already holds the same JSON."""
        text = _to_json(what, value)
        known = self._stored.get(kind)
        if known is not None and known.get(key) == text and not self._perlu_disegarkan(kind, key):
            return
        await self._tulis(kind, key, value, text)

    def perlu_disegarkan(self, name: str, key: ConversationKey) -> bool:
        """Whether a conversation's row is older than SEGARKAN (its unchanged state is then written again)."""
        return self._perlu_disegarkan(CONV_PREFIX + name, encode_key(key))

    def _perlu_disegarkan(self, kind: str, key: str) -> bool:
        """A conversation row whose time is older than SEGARKAN is written again even when its state is the same."""
        if not kind.startswith(CONV_PREFIX):
            return False
        diubah = self._diubah.get((kind, key))
        return diubah is None or self._jam() - diubah >= SEGARKAN

    async def _delete(self, kind: str, key: str, *, known_absent_ok: bool = True) -> None:
        """Delete the row, skipping the query when it is known not to exist."""
        known = self._stored.get(kind)
        if known_absent_ok and known is not None and key not in known:
            return
        await self._tulis(kind, key, None, None)

    async def _tulis(self, kind: str, key: str, value: Any, text: str | None) -> None:
        """Queue one row for the next transaction and wait until it is committed (or raise why not)."""
        self._antre[(kind, key)] = (value, text)  # a later write of the same row in one batch wins
        giliran = self._giliran
        if giliran is None:  # the first writer of a batch commits it
            giliran = self._giliran = asyncio.get_running_loop().create_future()
            if self._kunci_tulis is None:
                self._kunci_tulis = asyncio.Lock()
            try:
                await asyncio.sleep(0)  # let the other writes PTB gathered with this one (same update) join
                async with self._kunci_tulis:  # while the previous batch commits, this one keeps growing
                    batch, self._antre, self._giliran = self._antre, {}, None
                    giliran.set_result(await self._commit(batch))
            finally:
                if not giliran.done():  # cancelled while waiting its turn: the next writer takes the rows
                    if self._giliran is giliran:
                        self._giliran = None
                    giliran.set_result(RuntimeError("penulisan persistence dibatalkan"))
        galat = await asyncio.shield(giliran)
        if galat is not None:
            raise galat

    async def _commit(self, batch: dict[tuple[str, str], tuple[Any, str | None]]) -> BaseException | None:
        """Write one batch in one transaction (rows in key order, so two workers never lock in opposite order)."""
        # Consecutive upserts (or deletes) go in one executemany statement: one round trip for an update's
        # user_data and conversation state, and for those of the other updates that joined the batch.
        runs: list[tuple[bool, list[tuple[str, str, Any]]]] = []
        for (kind, key), (value, _) in sorted(batch.items(), key=lambda item: item[0]):
            hapus = value is None
            if not runs or runs[-1][0] != hapus:
                runs.append((hapus, []))
            runs[-1][1].append((kind, key, value))
        now = self._jam()
        try:
            # One statement is atomic on its own on PostgreSQL (asyncpg's executemany too): it commits by itself, one
            # round trip instead of BEGIN, the statement and COMMIT. Several go in one transaction.
            sendiri = len(runs) == 1 and is_postgres(self._engine)
            async with (autocommit(self._engine) if sendiri else self._engine.begin()) as conn:
                for hapus, rows in runs:
                    if hapus:
                        await store.delete_many(conn, [(kind, key) for kind, key, _ in rows])
                    else:
                        await store.upsert_many(conn, rows, now=now)
        except Exception as exc:
            return exc
        for (kind, key), (_, text) in batch.items():
            if kind.startswith(CONV_PREFIX):
                if text is None:
                    self._diubah.pop((kind, key), None)
                else:
                    self._diubah[(kind, key)] = now
            known = self._stored.get(kind)
            if known is None:
                continue
            if text is None:
                known.pop(key, None)
            else:
                known[key] = text
        return None

    async def muat_untuk(self, pasangan: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Any]:
        """Read these (kind, key) rows again (another worker may have changed them); absent rows are missing."""
        pairs = list(pasangan)
        async with self._engine.connect() as conn:
            rows = await pembaruan.muat_status(conn, pairs)
        for kind, key in pairs:
            if kind.startswith(CONV_PREFIX):
                if (kind, key) in rows:
                    self._diubah[(kind, key)] = rows[(kind, key)][1]
                else:
                    self._diubah.pop((kind, key), None)
            known = self._stored.get(kind)
            if known is None:
                continue
            if (kind, key) in rows:
                known[key] = json.dumps(rows[(kind, key)][0], ensure_ascii=False)
            else:
                known.pop(key, None)
        return {pair: data for pair, (data, _) in rows.items()}

    def basi(self, name: str, key: ConversationKey, batas: timedelta) -> bool:
        """Whether a conversation's stored state was last written more than ``batas`` + TENGGANG ago (a row of
        unknown age is not stale)."""
        diubah = self._diubah.get((CONV_PREFIX + name, encode_key(key)))
        return diubah is not None and self._jam() - diubah > batas + TENGGANG

    # --- user_data / chat_data -----------------------------------------------------------------

    async def get_user_data(self) -> dict[int, Data]:
        """Every stored user_data by user id."""
        return {int(key): dict(data) for key, data in (await self._load(USER_DATA)).items()}

    async def get_chat_data(self) -> dict[int, Data]:
        """Every stored chat_data by chat id."""
        return {int(key): dict(data) for key, data in (await self._load(CHAT_DATA)).items()}

    async def update_user_data(self, user_id: int, data: Data) -> None:
        """Store one user's user_data (an empty dict removes the row)."""
        if not data:
            await self._delete(USER_DATA, str(user_id))
        else:
            await self._save(USER_DATA, str(user_id), data, what=f"user_data of user {user_id}")

    async def update_chat_data(self, chat_id: int, data: Data) -> None:
        """Store one chat's chat_data (an empty dict removes the row)."""
        if not data:
            await self._delete(CHAT_DATA, str(chat_id))
        else:
            await self._save(CHAT_DATA, str(chat_id), data, what=f"chat_data of chat {chat_id}")

    async def drop_user_data(self, user_id: int) -> None:
        """Delete one user's user_data row."""
        await self._delete(USER_DATA, str(user_id), known_absent_ok=False)

    async def drop_chat_data(self, chat_id: int) -> None:
        """Delete one chat's chat_data row."""
        await self._delete(CHAT_DATA, str(chat_id), known_absent_ok=False)

    async def refresh_user_data(self, user_id: int, user_data: Data) -> None:
        """Nothing to do: this process's memory is the newest state."""

    async def refresh_chat_data(self, chat_id: int, chat_data: Data) -> None:
        """Nothing to do: this process's memory is the newest state."""

    # --- conversations -------------------------------------------------------------------------

    async def get_conversations(self, name: str) -> ConversationDict:
        """The running conversations of one persistent ConversationHandler by key."""
        return {decode_key(key): state for key, state in (await self._load(CONV_PREFIX + name)).items()}

    async def update_conversation(self, name: str, key: ConversationKey, new_state: object | None) -> None:
        """Store a conversation's new state; None (the conversation ended) removes the row."""
        kind, encoded = CONV_PREFIX + name, encode_key(key)
        if new_state is None:
            await self._delete(kind, encoded)
        else:
            await self._save(kind, encoded, new_state, what=f"state of conversation {name!r} {encoded}")

    # --- not stored: bot_data (live services) and callback_data --------------------------------

    async def get_bot_data(self) -> Data:
        """Always empty: bot_data is never persisted."""
        return {}

    async def update_bot_data(self, data: Data) -> None:
        """Nothing to do: bot_data is never persisted."""

    async def refresh_bot_data(self, bot_data: Data) -> None:
        """Nothing to do: bot_data is never persisted."""

    async def get_callback_data(self) -> CDCData | None:
        """Always None: callback_data is never persisted."""
        return None

    async def update_callback_data(self, data: CDCData) -> None:
        """Nothing to do: callback_data is never persisted."""

    async def flush(self) -> None:
        """Nothing buffered: every change is written when PTB hands it over (the engine belongs to the caller)."""


async def flush_after_update(update: object, context: CallbackContext[Any, Any, Any, Any]) -> None:
    """Write this update's conversation, user_data and chat_data changes to the database now."""
    app = context.application
    if isinstance(update, Update):
        # PTB marks the update's user and chat only after all groups ran, i.e. after this handler.
        app.mark_data_for_update_persistence(
            chat_ids=update.effective_chat.id if update.effective_chat else None,
            user_ids=update.effective_user.id if update.effective_user else None,
        )
        _sentuh_percakapan(app, update)
    await app.update_persistence()


def _sentuh_percakapan(app: App, update: Update) -> None:
    """Hand the user's running conversations to the persistence again: a step that keeps its state (a callback
    returning None) writes nothing, yet PTB restarts its timeout; so their rows' times stay current (written at
    most once a minute, see SEGARKAN)."""
    persistence = app.persistence
    if not isinstance(persistence, DbPersistence):
        return
    for h in percakapan_persisten(app):
        key = kunci_percakapan(h, update)
        if key is None:
            continue
        states: Any = h._conversations
        state = states.get(key)
        if isinstance(state, int | str) and persistence.perlu_disegarkan(str(h.name), key):
            states[key] = state  # tracked: the unchanged state is written with the current time


def flush_handler() -> TypeHandler[object, CallbackContext[Any, Any, Any, Any], None]:
    """The handler that runs flush_after_update for every update; add it in group FLUSH_GROUP."""
    return TypeHandler(object, flush_after_update, block=True)


App = Any  # an Application of any context types


def percakapan_persisten(app: App) -> list[ConversationHandler[Any]]:
    """Every persistent ConversationHandler of the Application (top level; Pantau has no nested ones).

    Asked at every update: kept with the Application, and looked for again only when its handlers changed."""
    jumlah = sum(map(len, app.handlers.values()))
    simpan = app.bot_data.get(_PERCAKAPAN)
    if simpan is None or simpan[0] != jumlah:
        simpan = app.bot_data[_PERCAKAPAN] = (jumlah, [
            h for group in app.handlers.values() for h in group
            if isinstance(h, ConversationHandler) and h.persistent and h.name])
    return list(simpan[1])


_PERCAKAPAN = "pantau.percakapan_persisten"  # bot_data: (handler count, the persistent conversations)


def kunci_percakapan(h: ConversationHandler[Any], update: Update) -> tuple[int, ...] | None:
    """The key this handler would use for the update (as ConversationHandler._get_key), None if it has none."""
    key: list[int] = []
    if h.per_chat:
        if update.effective_chat is None:
            return None
        key.append(update.effective_chat.id)
    if h.per_user:
        if update.effective_user is None:
            return None
        key.append(update.effective_user.id)
    if h.per_message:
        return None  # keyed by message: Pantau has none (handlers.konteks.percakapan uses per_message=False)
    return tuple(key)


async def akhiri_yang_basi(update: object, context: CallbackContext[Any, Any, Any, Any]) -> None:
    """End this user's conversations whose last step is older than their timeout (restored after a restart, when
    PTB's timeout job was lost), running their TIMEOUT callbacks; the update then goes on as a new one."""
    app = context.application
    persistence = app.persistence
    if not isinstance(update, Update) or not isinstance(persistence, DbPersistence):
        return
    for h in percakapan_persisten(app):
        batas = h.conversation_timeout
        key = kunci_percakapan(h, update)
        if batas is None or key is None:
            continue
        states: Any = h._conversations  # PTB keeps them here (a TrackingDict); there is no public API to end one
        if not isinstance(states.get(key), int | str) or key in h.timeout_jobs:
            continue  # no conversation, a non-blocking step still running, or PTB's own timeout is still running
        if not persistence.basi(str(h.name), key, batas if isinstance(batas, timedelta) else timedelta(seconds=batas)):
            continue
        del states[key]  # tracked: the row is deleted with this update's other changes
        for habis in h.states.get(ConversationHandler.TIMEOUT, []):
            cek = habis.check_update(update)
            if cek is not None and cek is not False:
                await habis.handle_update(update, app, cek, context)
                break
