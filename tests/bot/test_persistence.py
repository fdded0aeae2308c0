"""Conversation, user_data and chat_data persistence in the database, across restarts of a real Application."""

from __future__ import annotations

import datetime as dtm
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackContext,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    PersistenceInput,
    filters,
)

from bot.fakebotapi import FakeBotApi, FakeRequest
from bot.persistence import (
    FLUSH_GROUP,
    TENGGANG,
    DbPersistence,
    PersistenceDataError,
    decode_key,
    encode_key,
    flush_after_update,
    flush_handler,
)
from storage import persistence as store
from storage.db import autocommit, create_engine

TOKEN = "123:ABC"
SARI = 1001
BUDI = 2002
ANGKA = "ANGKA"  # a str state
NAMA = 1  # an int state
CONV = "conv:demo"

App = Application[Any, Any, Any, Any, Any, Any]
Context = CallbackContext[Any, dict[Any, Any], dict[Any, Any], Any]


def user_data(context: Context) -> dict[Any, Any]:
    """context.user_data, which every update in these tests has."""
    assert context.user_data is not None
    return context.user_data


# --- the demo conversation: /mulai -> a number -> a name -> done; /batal cancels --------------------


async def mulai(update: Update, context: Context) -> str:
    assert update.message
    assert context.chat_data is not None
    context.chat_data["mulai"] = context.chat_data.get("mulai", 0) + 1
    await update.message.reply_text("Berapa angkanya?")
    return ANGKA


async def angka(update: Update, context: Context) -> int:
    assert update.message and update.message.text
    user_data(context)["angka"] = int(update.message.text)
    await update.message.reply_text("Siapa namamu?")
    return NAMA


async def nama(update: Update, context: Context) -> int:
    assert update.message and update.message.text
    data = user_data(context)
    number = data.pop("angka")
    data["selesai"] = data.get("selesai", 0) + 1
    await update.message.reply_text(f"Terima kasih {update.message.text}, angkamu {number}.")
    return ConversationHandler.END


async def batal(update: Update, context: Context) -> int:
    assert update.message
    user_data(context).pop("angka", None)
    await update.message.reply_text("Dibatalkan.")
    return ConversationHandler.END


BAD_VALUES: dict[str, Any] = {
    "set": {1, 2},
    "datetime": dtm.datetime(2024, 2, 14, tzinfo=dtm.UTC),
    "tuple": (1, 2),
    "intkey": {7: "tujuh"},
    "nan": float("nan"),
}


async def simpan(update: Update, context: Context) -> None:
    """/simpan <what>: store BAD_VALUES[what], or the plain string when unknown."""
    assert update.message
    what = (context.args or ["teks"])[0]
    user_data(context)["nilai"] = BAD_VALUES.get(what, what)
    await update.message.reply_text("Disimpan.")


def build_app(api: FakeBotApi, engine: AsyncEngine, errors: list[BaseException], *, flush: bool = True) -> App:
    """A real Application with DbPersistence, the demo conversation and (optionally) the flush handler."""
    app: App = (
        ApplicationBuilder()
        .token(TOKEN)
        .request(FakeRequest(api))
        .get_updates_request(FakeRequest(api))
        .persistence(DbPersistence(engine))
        .build()
    )
    app.add_handler(
        ConversationHandler(
            entry_points=[CommandHandler("mulai", mulai)],
            states={
                ANGKA: [MessageHandler(filters.Regex(r"^\d+$"), angka)],
                NAMA: [MessageHandler(filters.TEXT & ~filters.COMMAND, nama)],
            },
            fallbacks=[CommandHandler("batal", batal)],
            name="demo",
            persistent=True,
        )
    )
    app.add_handler(CommandHandler("simpan", simpan))

    async def on_error(update: object, context: Context) -> None:
        assert context.error is not None
        errors.append(context.error)

    app.add_error_handler(on_error)
    if flush:
        app.add_handler(flush_handler(), group=FLUSH_GROUP)
    return app


async def say(app: App, api: FakeBotApi, user: int, text: str) -> list[str]:
    """The user sends text; the bot's replies to it."""
    before = len(api.messages(user))
    update = await api.send_text(user, text, first_name=f"U{user}")
    await app.process_update(update.to_update(app.bot))
    return [m.content for m in api.messages(user)[before:]]


@asynccontextmanager
async def new_engine(url: str) -> AsyncIterator[AsyncEngine]:
    """A separate engine on the same database, as a restarted process would open."""
    engine = create_engine(url)
    try:
        yield engine
    finally:
        await engine.dispose()


async def rows(engine: AsyncEngine, kind: str) -> dict[str, Any]:
    """What the database holds for one kind."""
    async with engine.connect() as conn:
        return await store.load_all(conn, kind)


@pytest.fixture
def api() -> FakeBotApi:
    return FakeBotApi(bot_username="pantau_demo_bot")


# --- storage layer ---------------------------------------------------------------------------------


async def test_storage_upsert_replaces_and_kinds_are_separate(empty_engine: AsyncEngine) -> None:
    async with empty_engine.begin() as conn:
        await store.upsert(conn, "user_data", "1", {"a": 1})
        await store.upsert(conn, "user_data", "1", {"a": [2, "dua"]})
        await store.upsert(conn, "chat_data", "1", {"c": None})
        await store.upsert(conn, CONV, "[1,1]", "ANGKA")
        await store.upsert(conn, CONV, "[2,2]", 3)
    assert await rows(empty_engine, "user_data") == {"1": {"a": [2, "dua"]}}
    assert await rows(empty_engine, "chat_data") == {"1": {"c": None}}
    assert await rows(empty_engine, CONV) == {"[1,1]": "ANGKA", "[2,2]": 3}
    async with empty_engine.begin() as conn:
        await store.delete(conn, "user_data", "1")
        await store.delete(conn, "user_data", "404")  # missing: no error
    assert await rows(empty_engine, "user_data") == {}
    assert await rows(empty_engine, "chat_data") == {"1": {"c": None}}


async def test_storage_writes_many_rows_with_one_statement(empty_engine: AsyncEngine) -> None:
    statements: list[tuple[str, bool]] = []
    event.listen(empty_engine.sync_engine, "before_cursor_execute", lambda *a: statements.append((a[2], a[5])))
    async with empty_engine.begin() as conn:
        await store.upsert_many(conn, [(CONV, "[1,1]", "ANGKA"), ("user_data", "1", {"a": 1}),
                                       ("user_data", "2", {"b": 2})])
        await store.upsert_many(conn, [("user_data", "1", {"a": 3}), ("chat_data", "1", {"c": None})])
        await store.upsert_many(conn, [])
    async with empty_engine.begin() as conn:
        await store.delete_many(conn, [(CONV, "[1,1]"), ("user_data", "2"), ("user_data", "404")])
        await store.delete_many(conn, [])
    assert len(statements) == 3
    assert await rows(empty_engine, "user_data") == {"1": {"a": 3}}
    assert await rows(empty_engine, "chat_data") == {"1": {"c": None}}
    assert await rows(empty_engine, CONV) == {}
    async with empty_engine.begin() as conn:
        with pytest.raises(ValueError, match="None"):
            await store.upsert_many(conn, [("user_data", "1", {"a": 4}), ("user_data", "2", None)])
        with pytest.raises(ValueError, match="key"):
            await store.delete_many(conn, [("user_data", "9" * 81)])


async def test_a_many_row_write_on_its_own_is_written_whole_or_not_at_all(empty_engine: AsyncEngine) -> None:
    """On PostgreSQL a one-statement batch commits by itself (bot/persistence.py): that is safe only while the
    driver sends all its rows as one atomic statement, however many (beyond any paging of rows)."""
    if empty_engine.dialect.name != "postgresql":
        pytest.skip("tanpa transaksi hanya di PostgreSQL")
    baris: list[tuple[str, str, Any]] = [("user_data", str(i), {"i": i}) for i in range(1500)]
    baris.append(("user_data", "rusak\x00", {"i": -1}))  # PostgreSQL refuses a NUL in text: the last row fails
    async with autocommit(empty_engine) as conn:
        with pytest.raises(DBAPIError):
            await store.upsert_many(conn, baris)
    assert await rows(empty_engine, "user_data") == {}
    async with autocommit(empty_engine) as conn:
        await store.upsert_many(conn, baris[:-1])
    assert len(await rows(empty_engine, "user_data")) == 1500


async def test_an_update_writes_its_rows_in_one_statement_and_nothing_when_unchanged(
    api: FakeBotApi, empty_engine: AsyncEngine
) -> None:
    writes: list[str] = []

    def count(_conn: object, _cur: object, statement: str, *_: object) -> None:
        if "bot_persistence" in statement and not statement.startswith("SELECT"):
            writes.append(statement.split()[0])

    errors: list[BaseException] = []
    app = build_app(api, empty_engine, errors)
    async with app:
        event.listen(empty_engine.sync_engine, "before_cursor_execute", count)
        await say(app, api, SARI, "/mulai")  # the conversation state and chat_data
        assert writes == ["INSERT"]
        await say(app, api, SARI, "5")  # the state and user_data
        assert writes == ["INSERT"] * 2
        await say(app, api, SARI, "Sari")  # the conversation ends (a delete), user_data changes
        assert writes == ["INSERT"] * 2 + ["DELETE", "INSERT"]
        await say(app, api, SARI, "/simpan teks")
        await say(app, api, SARI, "/simpan teks")  # the same user_data again: nothing to write
        assert writes == ["INSERT"] * 2 + ["DELETE", "INSERT", "INSERT"]
    assert await rows(empty_engine, "user_data") == {str(SARI): {"selesai": 1, "nilai": "teks"}}
    assert await rows(empty_engine, CONV) == {}
    assert errors == []


async def test_storage_refuses_kinds_and_keys_longer_than_the_columns(empty_engine: AsyncEngine) -> None:
    async with empty_engine.begin() as conn:
        with pytest.raises(ValueError, match="kind"):
            await store.upsert(conn, "conv:" + "x" * 16, "[1,1]", 1)
        with pytest.raises(ValueError, match="key"):
            await store.upsert(conn, "user_data", "9" * 81, {})
        with pytest.raises(ValueError, match="None"):
            await store.upsert(conn, "user_data", "1", None)


def test_conversation_keys_round_trip_as_json_lists() -> None:
    assert encode_key((-1001234567890, 42)) == "[-1001234567890,42]"
    assert decode_key(encode_key((-100, 42, "inline-abc"))) == (-100, 42, "inline-abc")


def test_bot_data_and_callback_data_are_refused(empty_engine: AsyncEngine) -> None:
    assert DbPersistence(empty_engine).store_data == PersistenceInput(bot_data=False, callback_data=False)
    assert DbPersistence(empty_engine).update_interval == 5
    with pytest.raises(ValueError, match="only user_data"):
        DbPersistence(empty_engine, store_data=PersistenceInput())


# --- restarts of a real Application ------------------------------------------------------------------


async def test_crash_in_the_middle_of_a_conversation_loses_nothing(
    api: FakeBotApi, empty_engine: AsyncEngine, empty_database_url: str
) -> None:
    errors: list[BaseException] = []
    first = build_app(api, empty_engine, errors)
    await first.initialize()
    assert await say(first, api, SARI, "/mulai") == ["Berapa angkanya?"]
    assert await rows(empty_engine, CONV) == {"[1001,1001]": ANGKA}  # written before the next update
    assert await say(first, api, SARI, "42") == ["Siapa namamu?"]
    assert await rows(empty_engine, CONV) == {"[1001,1001]": NAMA}
    assert await rows(empty_engine, "user_data") == {str(SARI): {"angka": 42}}
    # Crash: no stop(), no shutdown(), no flush; the process is simply gone.
    del first

    async with new_engine(empty_database_url) as engine:
        second = build_app(api, engine, errors)
        async with second:
            assert await say(second, api, SARI, "Sari") == ["Terima kasih Sari, angkamu 42."]
            assert await rows(engine, CONV) == {}
            assert await rows(engine, "user_data") == {str(SARI): {"selesai": 1}}
    assert errors == []


async def test_without_the_flush_handler_a_crash_loses_the_conversation(
    api: FakeBotApi, empty_engine: AsyncEngine, empty_database_url: str
) -> None:
    """The control case: PTB alone writes only every update_interval seconds or at shutdown."""
    errors: list[BaseException] = []
    first = build_app(api, empty_engine, errors, flush=False)
    await first.initialize()
    await say(first, api, SARI, "/mulai")
    assert await say(first, api, SARI, "42") == ["Siapa namamu?"]
    assert await rows(empty_engine, CONV) == {}
    del first

    async with new_engine(empty_database_url) as engine:
        second = build_app(api, engine, errors, flush=False)
        async with second:
            assert await say(second, api, SARI, "Sari") == []  # the conversation is gone
    assert errors == []


async def test_clean_stop_and_shutdown_keep_the_conversation(
    api: FakeBotApi, empty_engine: AsyncEngine, empty_database_url: str
) -> None:
    errors: list[BaseException] = []
    first = build_app(api, empty_engine, errors, flush=False)
    async with first:
        await first.start()
        await say(first, api, SARI, "/mulai")
        await say(first, api, SARI, "7")
        await first.stop()

    async with new_engine(empty_database_url) as engine:
        second = build_app(api, engine, errors)
        async with second:
            await second.start()
            assert await say(second, api, SARI, "Sari") == ["Terima kasih Sari, angkamu 7."]
            await second.stop()
    assert errors == []


async def test_two_users_conversations_are_independent_and_both_survive(
    api: FakeBotApi, empty_engine: AsyncEngine, empty_database_url: str
) -> None:
    errors: list[BaseException] = []
    first = build_app(api, empty_engine, errors)
    await first.initialize()
    await say(first, api, SARI, "/mulai")
    await say(first, api, BUDI, "/mulai")
    await say(first, api, BUDI, "5")
    await say(first, api, SARI, "11")
    assert await rows(empty_engine, CONV) == {"[1001,1001]": NAMA, "[2002,2002]": NAMA}
    del first

    async with new_engine(empty_database_url) as engine:
        second = build_app(api, engine, errors)
        async with second:
            assert await say(second, api, BUDI, "Budi") == ["Terima kasih Budi, angkamu 5."]
            assert await rows(engine, CONV) == {"[1001,1001]": NAMA}
            assert await say(second, api, SARI, "Sari") == ["Terima kasih Sari, angkamu 11."]
            assert await rows(engine, CONV) == {}
    assert errors == []


async def test_user_data_and_chat_data_survive_and_drop_deletes_rows(
    api: FakeBotApi, empty_engine: AsyncEngine, empty_database_url: str
) -> None:
    errors: list[BaseException] = []
    async with build_app(api, empty_engine, errors) as first:
        for user in (SARI, BUDI):
            await say(first, api, user, "/mulai")
            await say(first, api, user, "3")
            await say(first, api, user, "Nama")
        await say(first, api, SARI, "/mulai")
        await say(first, api, SARI, "/batal")

    async with new_engine(empty_database_url) as engine:
        second = build_app(api, engine, errors)
        async with second:
            assert second.user_data[SARI] == {"selesai": 1}
            assert second.user_data[BUDI] == {"selesai": 1}
            assert second.chat_data[SARI] == {"mulai": 2}
            assert await rows(engine, "chat_data") == {str(SARI): {"mulai": 2}, str(BUDI): {"mulai": 1}}

            second.drop_user_data(SARI)
            second.drop_chat_data(SARI)
            await second.update_persistence()
            assert await rows(engine, "user_data") == {str(BUDI): {"selesai": 1}}
            assert await rows(engine, "chat_data") == {str(BUDI): {"mulai": 1}}

        async with build_app(api, engine, errors) as third:
            assert SARI not in third.user_data
            assert SARI not in third.chat_data
            assert third.user_data[BUDI] == {"selesai": 1}
    assert errors == []


async def test_empty_user_data_leaves_no_row(api: FakeBotApi, empty_engine: AsyncEngine) -> None:
    errors: list[BaseException] = []
    async with build_app(api, empty_engine, errors) as app:
        await say(app, api, SARI, "/mulai")
        await say(app, api, SARI, "/batal")  # touched user_data, but it stayed empty
        assert await rows(empty_engine, "user_data") == {}
        await say(app, api, SARI, "/mulai")
        await say(app, api, SARI, "8")
        assert await rows(empty_engine, "user_data") == {str(SARI): {"angka": 8}}
        await say(app, api, SARI, "/batal")  # pops "angka": user_data is empty again, so the row goes
        assert await rows(empty_engine, "user_data") == {}
    assert errors == []


@pytest.mark.parametrize("how", ["batal", "selesai"])
async def test_an_ended_conversation_is_removed_and_not_resurrected(
    api: FakeBotApi, empty_engine: AsyncEngine, empty_database_url: str, how: str
) -> None:
    errors: list[BaseException] = []
    first = build_app(api, empty_engine, errors)
    await first.initialize()
    await say(first, api, SARI, "/mulai")
    await say(first, api, SARI, "9")
    assert await rows(empty_engine, CONV) == {"[1001,1001]": NAMA}
    if how == "batal":
        assert await say(first, api, SARI, "/batal") == ["Dibatalkan."]
    else:
        assert await say(first, api, SARI, "Sari") == ["Terima kasih Sari, angkamu 9."]
    assert await rows(empty_engine, CONV) == {}
    del first  # crash right after the end

    async with new_engine(empty_database_url) as engine, build_app(api, engine, errors) as second:
        assert await say(second, api, SARI, "Sari") == []
        assert await say(second, api, SARI, "9") == []
        assert await say(second, api, SARI, "/mulai") == ["Berapa angkanya?"]  # a new one can start
    assert errors == []


@pytest.mark.parametrize("what", sorted(BAD_VALUES))
async def test_non_json_user_data_is_a_clear_error_and_keeps_the_stored_row(
    api: FakeBotApi, empty_engine: AsyncEngine, what: str
) -> None:
    """Non-JSON (or JSON-changing) values reach the error handlers; the last good row stays."""
    errors: list[BaseException] = []
    async with build_app(api, empty_engine, errors) as app:
        assert await say(app, api, SARI, "/simpan teks") == ["Disimpan."]
        assert await rows(empty_engine, "user_data") == {str(SARI): {"nilai": "teks"}}

        assert await say(app, api, SARI, f"/simpan {what}") == ["Disimpan."]  # the handler itself runs
        assert len(errors) == 1
        assert isinstance(errors[0], PersistenceDataError)
        assert "user_data of user 1001" in str(errors[0])
        assert "str keys" in str(errors[0])
        assert await rows(empty_engine, "user_data") == {str(SARI): {"nilai": "teks"}}

        assert await say(app, api, SARI, "/simpan lagi") == ["Disimpan."]  # the next good value is stored
        assert await rows(empty_engine, "user_data") == {str(SARI): {"nilai": "lagi"}}
    assert len(errors) == 1


async def test_long_conversation_names_fail_at_initialize(api: FakeBotApi, empty_engine: AsyncEngine) -> None:
    builder = ApplicationBuilder().token(TOKEN).request(FakeRequest(api)).get_updates_request(FakeRequest(api))
    app: App = builder.persistence(DbPersistence(empty_engine)).build()
    app.add_handler(
        ConversationHandler(
            entry_points=[CommandHandler("mulai", mulai)],
            states={},
            fallbacks=[],
            name="laporan_kedatangan",
            persistent=True,
        )
    )
    with pytest.raises(ValueError, match="conv:laporan_kedatangan"):
        await app.initialize()
    await app.shutdown()


async def test_flush_after_update_is_a_plain_callback(api: FakeBotApi, empty_engine: AsyncEngine) -> None:
    """Registered by hand instead of flush_handler(), it writes the same way."""
    from telegram.ext import TypeHandler

    errors: list[BaseException] = []
    app = build_app(api, empty_engine, errors, flush=False)
    app.add_handler(TypeHandler(object, flush_after_update, block=True), group=FLUSH_GROUP)
    async with app:
        await say(app, api, BUDI, "/mulai")
        assert await rows(empty_engine, CONV) == {"[2002,2002]": ANGKA}
        assert await rows(empty_engine, "chat_data") == {str(BUDI): {"mulai": 1}}
    assert errors == []


async def test_conversation_rows_carry_their_write_time_and_go_stale_after_timeout_and_margin(
        empty_engine: AsyncEngine) -> None:
    jam = [dtm.datetime(2024, 11, 24, 8, 0, tzinfo=dtm.UTC)]
    p = DbPersistence(empty_engine, clock=lambda: jam[0])
    async with empty_engine.begin() as conn:
        await store.upsert(conn, "conv:lama", "[1,1]", "A")  # written before write times were recorded
    await p.get_conversations("lama")
    await p.get_conversations("uji")
    await p.update_conversation("uji", (2, 2), "B")
    async with empty_engine.connect() as conn:
        assert await store.load_diubah(conn, "conv:uji") == {"[2,2]": jam[0]}
    lima_belas = dtm.timedelta(minutes=15)
    jam[0] += lima_belas + TENGGANG
    assert not p.basi("uji", (2, 2), lima_belas)  # exactly at the margin: not yet
    jam[0] += dtm.timedelta(seconds=1)
    assert p.basi("uji", (2, 2), lima_belas)
    assert not p.basi("lama", (1, 1), dtm.timedelta(0))  # unknown age: never taken as stale
    assert not p.basi("uji", (9, 9), dtm.timedelta(0))  # no such conversation
    # the same state handed over again refreshes the row's time (it is older than a minute) ...
    await p.update_conversation("uji", (2, 2), "B")
    assert not p.basi("uji", (2, 2), lima_belas)
    # ... but not within the minute: nothing is written
    tulis: list[str] = []
    event.listen(empty_engine.sync_engine, "before_cursor_execute", lambda *a: tulis.append(a[2]))
    jam[0] += dtm.timedelta(seconds=30)
    await p.update_conversation("uji", (2, 2), "B")
    assert tulis == []
    # a new engine and persistence (a restart) read the times back
    p2 = DbPersistence(empty_engine, clock=lambda: jam[0])
    assert await p2.get_conversations("uji") == {(2, 2): "B"}
    jam[0] += lima_belas + TENGGANG
    assert p2.basi("uji", (2, 2), lima_belas)
