"""Tests for the fake Telegram Bot API, driven through real python-telegram-bot objects."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import socket
import time
from collections.abc import AsyncIterator

import httpx
import pytest
import uvicorn
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.error import BadRequest, Conflict, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters
from telegram.request import HTTPXRequest

from bot.fakebotapi import (
    ERR_NOT_MODIFIED,
    BotEvent,
    FakeBotApi,
    FakeRequest,
    FloodLimits,
    parse_html,
    parse_markdown,
    parse_markdown_v2,
)
from bot.fakebotapi_http import create_http_app

TOKEN = "123:ABC"
USER = 1001
OTHER = 2002
KEYBOARD = InlineKeyboardMarkup(
    [[InlineKeyboardButton("Ya", callback_data="confirm:yes"), InlineKeyboardButton("Tidak", callback_data="no")]]
)


@pytest.fixture
def api() -> FakeBotApi:
    return FakeBotApi(bot_username="pantau_demo_bot")


@pytest.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, request=FakeRequest(api), get_updates_request=FakeRequest(api)) as tg_bot:
        yield tg_bot


# ------------------------------------------------------------------------------------------------
# A small real PTB application
# ------------------------------------------------------------------------------------------------


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message and update.effective_user
    payload = " ".join(context.args or [])
    text = f"Halo {update.effective_user.first_name}! {payload}".strip()
    await update.effective_message.reply_text(text, reply_markup=KEYBOARD)


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message and update.message.text
    await update.message.reply_text(update.message.text)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query
    await query.answer(f"Pilihan: {query.data}")
    await query.edit_message_text(f"Dipilih: {query.data}")


def build_app(api: FakeBotApi) -> Application:
    app = Application.builder().token(TOKEN).request(FakeRequest(api)).get_updates_request(FakeRequest(api)).build()
    add_handlers(app)
    return app


def add_handlers(app: Application) -> None:
    app.add_handler(CommandHandler("start", start))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.add_handler(CallbackQueryHandler(on_button))


@contextlib.asynccontextmanager
async def polling(app: Application) -> AsyncIterator[Application]:
    """Run the app like run_polling does (initialize, start, start_polling) and stop it cleanly."""
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=dtm.timedelta(seconds=2))
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


async def converse(api: FakeBotApi) -> None:
    """/start, press a button, then chat; shared by the in-process and HTTP polling tests."""
    await api.send_text(USER, "/start", first_name="Sari")
    [greeting] = await api.wait_for_messages(USER, 1)
    assert greeting.text == "Halo Sari!"
    assert api.buttons(USER) == [[("Ya", "confirm:yes"), ("Tidak", "no")]]

    await api.press_button(USER, "Ya")
    await api.wait_for(lambda: greeting.edited)
    assert greeting.text == "Dipilih: confirm:yes"
    assert greeting.reply_markup is None  # editMessageText without markup drops the keyboard
    assert [(a.text, a.show_alert) for a in api.callback_answers] == [("Pilihan: confirm:yes", False)]

    await api.send_text(USER, "apa kabar?")
    messages = await api.wait_for_messages(USER, 2)
    assert messages[-1].text == "apa kabar?"
    assert messages[-1].message_id > greeting.message_id


# ------------------------------------------------------------------------------------------------
# Users talking to the bot
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("/start", 6),
        ("/start payload-123", 6),
        ("/start@pantau_demo_bot", 22),
        ("/start@pantau_demo_bot deep", 22),
        ("/laporan_harian", 15),
    ],
)
async def test_command_gets_bot_command_entity(api: FakeBotApi, bot: Bot, text: str, length: int) -> None:
    update = (await api.send_text(USER, text)).to_update(bot)
    assert update.message is not None
    assert update.message.entities[0].type == "bot_command"
    assert (update.message.entities[0].offset, update.message.entities[0].length) == (0, length)


async def test_plain_text_has_no_command_entity_at_offset_zero(api: FakeBotApi) -> None:
    assert "entities" not in (await api.send_text(USER, "halo"))["message"]
    assert "entities" not in (await api.send_text(USER, "/"))["message"]
    [entity] = (await api.send_text(USER, "coba /start"))["message"]["entities"]
    assert entity["offset"] == 5


async def test_ids_increase(api: FakeBotApi) -> None:
    first = await api.send_text(USER, "a")
    second = await api.send_text(USER, "b")
    other = await api.send_text(OTHER, "c")
    assert first.update_id < second.update_id < other.update_id
    assert second["message"]["message_id"] == first["message"]["message_id"] + 1
    assert other["message"]["message_id"] == 1  # message ids are per chat


async def test_user_media_updates(api: FakeBotApi, bot: Bot) -> None:
    photo = (await api.send_photo(USER, caption="foto TPS")).to_update(bot)
    assert photo.message and photo.message.photo and photo.message.caption == "foto TPS"
    doc = (await api.send_document(USER, "rekap.csv", b"a,b\n1,2\n", "text/csv")).to_update(bot)
    assert doc.message and doc.message.document
    assert (doc.message.document.file_name, doc.message.document.mime_type) == ("rekap.csv", "text/csv")
    loc = (await api.send_location(USER, -6.2, 106.8)).to_update(bot)
    assert loc.message and loc.message.location
    assert (loc.message.location.latitude, loc.message.location.longitude) == (-6.2, 106.8)


async def test_press_sends_data_as_given_even_if_forged(api: FakeBotApi, bot: Bot) -> None:
    api.add_user(USER, "Sari")
    sent = await bot.send_message(USER, "pilih", reply_markup=KEYBOARD)
    update = (await api.press(USER, sent.message_id, "admin:delete_all")).to_update(bot)
    assert update.callback_query and update.callback_query.data == "admin:delete_all"
    assert update.callback_query.message and update.callback_query.message.message_id == sent.message_id
    with pytest.raises(LookupError):
        await api.press(USER, 999, "x")


# ------------------------------------------------------------------------------------------------
# A real Application against the fake
# ------------------------------------------------------------------------------------------------


async def test_application_polling(api: FakeBotApi) -> None:
    async with asyncio.timeout(20), polling(build_app(api)):
        await converse(api)
        await api.wait_idle()
    # The updater's final getUpdates confirmed everything it fetched.
    assert api.pending_updates() == []
    assert {call.method for call in api.calls} >= {"getMe", "deleteWebhook", "getUpdates", "sendMessage"}


async def test_application_process_update(api: FakeBotApi) -> None:
    app = build_app(api)
    async with asyncio.timeout(20), app:
        await app.process_update((await api.send_text(USER, "/start abc", first_name="Budi")).to_update(app.bot))
        greeting = api.last(USER)
        assert greeting.text == "Halo Budi! abc"

        await app.process_update((await api.press(USER, greeting.message_id, "no")).to_update(app.bot))
        assert greeting.text == "Dipilih: no"
        assert greeting.history[0].text == "Halo Budi! abc"

        await app.process_update((await api.send_text(USER, "tes")).to_update(app.bot))
        assert api.last(USER).text == "tes"
        assert api.unanswered_callbacks() == []


async def test_command_for_other_bot_is_ignored(api: FakeBotApi) -> None:
    app = build_app(api)
    async with asyncio.timeout(20), app:
        await app.process_update((await api.send_text(USER, "/start@other_bot")).to_update(app.bot))
        await app.process_update((await api.send_text(USER, "/start@pantau_demo_bot")).to_update(app.bot))
    assert [m.text for m in api.messages(USER)] == ["Halo User1001!"]


# ------------------------------------------------------------------------------------------------
# Telegram's error behaviour, seen through telegram.Bot
# ------------------------------------------------------------------------------------------------


async def test_edit_not_modified(api: FakeBotApi, bot: Bot) -> None:
    api.add_user(USER)
    sent = await bot.send_message(USER, "<b>Status</b>", parse_mode="HTML", reply_markup=KEYBOARD)
    with pytest.raises(BadRequest, match=r"(?i)not modified"):
        await bot.edit_message_text(
            "<b>Status</b>", chat_id=USER, message_id=sent.message_id, parse_mode="HTML", reply_markup=KEYBOARD
        )
    with pytest.raises(BadRequest, match=r"(?i)not modified"):
        await bot.edit_message_reply_markup(chat_id=USER, message_id=sent.message_id, reply_markup=KEYBOARD)
    # Same text but the keyboard goes away: that is a modification.
    await bot.edit_message_text("<b>Status</b>", chat_id=USER, message_id=sent.message_id, parse_mode="HTML")
    assert api.last(USER).reply_markup is None and api.last(USER).edited
    # Dropping the bold entity changes the content too; repeating the call does not.
    params = {"chat_id": USER, "message_id": sent.message_id, "text": "Status"}
    assert (await api.call("editMessageText", params))[0] == 200
    status, body = await api.call("editMessageText", params)
    assert (status, body["description"]) == (400, ERR_NOT_MODIFIED)
    assert [v.text for v in api.last(USER).history] == ["Status", "Status"]


async def test_edit_errors(api: FakeBotApi, bot: Bot) -> None:
    user_message = await api.send_text(USER, "halo")
    with pytest.raises(BadRequest, match=r"(?i)message can't be edited"):
        await bot.edit_message_text("x", chat_id=USER, message_id=user_message["message"]["message_id"])
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=USER, message_id=999)
    sent = await bot.send_message(USER, "hapus aku")
    assert await bot.delete_message(USER, sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(USER, sent.message_id)
    assert api.messages(USER) == []
    assert api.messages(USER, include_deleted=True)[0].deleted


async def test_answer_callback_twice(api: FakeBotApi, bot: Bot) -> None:
    api.add_user(USER)
    sent = await bot.send_message(USER, "pilih", reply_markup=KEYBOARD)
    query_id = (await api.press(USER, sent.message_id, "no"))["callback_query"]["id"]
    assert await bot.answer_callback_query(query_id, text="ok", show_alert=True)
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(query_id)
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query("12345")
    assert api.callback_answer_count(query_id) == 2
    assert [(a.query_id, a.text, a.show_alert) for a in api.callback_answers] == [(query_id, "ok", True)]


@pytest.mark.parametrize("data", ["x" * 65, "é" * 33, ""])
async def test_callback_data_too_long(api: FakeBotApi, bot: Bot, data: str) -> None:
    api.add_user(USER)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data=data)]])
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(USER, "pilih", reply_markup=markup)
    ok = InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="é" * 32)]])
    await bot.send_message(USER, "pilih", reply_markup=ok)


async def test_text_length_and_empty(api: FakeBotApi, bot: Bot) -> None:
    api.add_user(USER)
    await bot.send_message(USER, "x" * 4096)
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(USER, "x" * 4097)
    for empty in ("", "   \n", "<b></b>"):
        with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
            await bot.send_message(USER, empty, parse_mode="HTML")
    # Tags do not count towards the limit; Telegram measures the parsed text.
    await bot.send_message(USER, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")


async def test_blocked_and_unknown_chats(api: FakeBotApi, bot: Bot) -> None:
    await api.send_text(USER, "/start")
    api.block(USER)
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(USER, "halo")
    with pytest.raises(Forbidden):
        await bot.send_chat_action(USER, "typing")
    api.unblock(USER)
    await bot.send_message(USER, "halo lagi")
    with pytest.raises(BadRequest, match=r"(?i)Chat not found"):
        await bot.send_message(424242, "halo")
    with pytest.raises(BadRequest, match=r"(?i)Chat not found"):
        await bot.send_message("@nobody", "halo")
    # block() also queues the my_chat_member update Telegram sends.
    kinds = [next(k for k in u if k != "update_id") for u in api.pending_updates()]
    assert kinds.count("my_chat_member") == 2


@pytest.mark.parametrize(
    "text",
    ["<b>tebal", "<b>x</i>", "<foo>x</foo>", "1 < 2", "PT A & B", "</b>", "<span>x</span>", "<b>x"],
)
async def test_broken_html(api: FakeBotApi, bot: Bot, text: str) -> None:
    api.add_user(USER)
    with pytest.raises(BadRequest, match=r"(?i)Can't parse entities"):
        await bot.send_message(USER, text, parse_mode="HTML")


async def test_valid_html_entities(api: FakeBotApi, bot: Bot) -> None:
    api.add_user(USER)
    text = (
        '<b>Rekap</b> 1 &lt; 2 &amp; <a href="https://kpu.go.id">KPU</a> <pre><code class="language-py">x</code></pre>'
    )
    message = await bot.send_message(USER, text, parse_mode="HTML")
    assert message.text == "Rekap 1 < 2 & KPU x"
    assert [(e.type, e.offset, e.length) for e in message.entities] == [
        ("bold", 0, 5),
        ("text_link", 14, 3),
        ("pre", 18, 1),
    ]
    assert message.entities[2].language == "py"
    assert message.text_html.startswith("<b>Rekap</b>")
    assert api.last(USER).raw_text == text


def test_markup_parsers() -> None:
    assert parse_html("😀<b>a</b>") == ("😀a", [{"type": "bold", "offset": 2, "length": 1}])
    assert parse_markdown_v2("*tebal* _miring_ \\. [l](https://x.id)")[0] == "tebal miring . l"
    assert parse_markdown("*a* _b_ `c`") == (
        "a b c",
        [
            {"type": "bold", "offset": 0, "length": 1},
            {"type": "italic", "offset": 2, "length": 1},
            {"type": "code", "offset": 4, "length": 1},
        ],
    )
    for bad in ("Selesai.", "*tebal", "a_b"):
        with pytest.raises(ValueError):
            parse_markdown_v2(bad)
    with pytest.raises(ValueError, match=r"(?i)end of the entity"):
        parse_markdown("*a")


async def test_markdown_v2_through_bot(api: FakeBotApi, bot: Bot) -> None:
    api.add_user(USER)
    with pytest.raises(BadRequest, match=r"(?i)reserved"):
        await bot.send_message(USER, "Data tersimpan.", parse_mode="MarkdownV2")
    message = await bot.send_message(USER, "*Data* tersimpan\\.", parse_mode="MarkdownV2")
    assert message.text == "Data tersimpan."


# ------------------------------------------------------------------------------------------------
# Fault injection, latency, flood control
# ------------------------------------------------------------------------------------------------


async def test_retry_after(api: FakeBotApi, bot: Bot, monkeypatch: pytest.MonkeyPatch) -> None:
    # Reading RetryAfter.retry_after as int is deprecated in PTB 22; opt in to timedelta.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    api.add_user(USER)
    api.fail_next("sendmessage", 429, retry_after=7, times=2)
    for _ in range(2):
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(USER, "halo")
        assert caught.value.retry_after == dtm.timedelta(seconds=7)
    await bot.send_message(USER, "halo")
    assert [m.text for m in api.messages(USER)] == ["halo"]
    status, body = await api.call("sendMessage", {"chat_id": USER, "text": "x"})
    assert status == 200 and body["ok"] is True


async def test_server_errors(api: FakeBotApi, bot: Bot) -> None:
    api.add_user(USER)
    api.fail_next("sendMessage", 500)
    with pytest.raises(NetworkError, match=r"(?i)Internal Server Error"):
        await bot.send_message(USER, "halo")
    api.fail_next("*", 502)
    with pytest.raises(NetworkError, match=r"(?i)Bad Gateway"):
        await bot.get_me()
    # executed=True: Telegram sent it but the response was lost, so a retry duplicates it.
    api.fail_next("sendMessage", 502, executed=True)
    with pytest.raises(NetworkError):
        await bot.send_message(USER, "sekali")
    await bot.send_message(USER, "sekali")
    assert [m.text for m in api.messages(USER)] == ["sekali", "sekali"]


async def test_raw_call_shapes(api: FakeBotApi) -> None:
    api.add_user(USER)
    api.fail_next("sendMessage", 429, retry_after=3)
    status, body = await api.call("sendMessage", {"chat_id": USER, "text": "x"})
    assert status == 429
    assert body == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 3",
        "parameters": {"retry_after": 3},
    }
    assert (await api.call("SENDMESSAGE", {"chat_id": str(USER), "text": "x"}))[0] == 200
    assert api.calls[-1].method == "sendMessage" and api.calls[-1].params["chat_id"] == USER
    assert (await api.call("noSuchMethod", {}))[0] == 404
    assert (await api.call("sendMessage", {"chat_id": USER, "text": "x", "reply_markup": "{bad"}))[0] == 400


async def test_latency_and_call_log(api: FakeBotApi, bot: Bot) -> None:
    api.add_user(USER)
    api.latency = 0.05
    started = time.monotonic()
    await bot.send_message(USER, "a")
    await bot.send_message(USER, "b")
    assert time.monotonic() - started >= 0.1
    sends = api.calls_to("sendMessage")
    assert len(sends) == 2 and sends[1].at - sends[0].at >= 0.05
    method, params, at = sends[0]
    assert (method, params["text"]) == ("sendMessage", "a") and at >= started


async def test_read_timeout_raises_timed_out(api: FakeBotApi) -> None:
    api.latency = 0.5
    tg_bot = Bot(TOKEN, request=FakeRequest(api, read_timeout=0.05))
    with pytest.raises(TimedOut):
        await tg_bot.get_me()


async def test_flood_limits(api: FakeBotApi, bot: Bot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    api.add_user(USER)
    api.flood_limits = FloodLimits(per_chat=(1, 1.0), global_=None)
    await bot.send_message(USER, "a")
    with pytest.raises(RetryAfter):
        await bot.send_message(USER, "b")


# ------------------------------------------------------------------------------------------------
# Files
# ------------------------------------------------------------------------------------------------


async def test_photo_and_document_uploads(api: FakeBotApi, bot: Bot) -> None:
    api.add_user(USER)
    png = b"\x89PNG\r\n\x1a\nchart"
    message = await bot.send_photo(USER, photo=png, caption="<b>Grafik</b>", parse_mode="HTML")
    sent = api.last(USER)
    assert (sent.kind, sent.photo, sent.caption) == ("photo", png, "Grafik")
    assert message.photo[-1].file_id == sent.file_id
    # Re-sending by file_id reuses the stored bytes.
    await bot.send_photo(USER, photo=message.photo[-1].file_id)
    assert api.last(USER).photo == png
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await bot.send_photo(USER, photo="nope")

    await bot.send_document(USER, document=b"id,nilai\n1,2\n", filename="rekap.csv", caption="rekap")
    doc = api.last(USER)
    assert (doc.kind, doc.document, doc.document_name, doc.caption) == (
        "document",
        b"id,nilai\n1,2\n",
        "rekap.csv",
        "rekap",
    )
    downloaded = await (await bot.get_file(message.photo[-1].file_id)).download_as_bytearray()
    assert bytes(downloaded) == png


async def test_download_user_files(api: FakeBotApi, bot: Bot) -> None:
    photo = (await api.send_photo(USER, content=b"jpeg-bytes")).to_update(bot)
    assert photo.message
    tg_file = await photo.message.photo[-1].get_file()
    assert tg_file.file_path and "/file/bot123:ABC/photos/" in tg_file.file_path
    assert bytes(await tg_file.download_as_bytearray()) == b"jpeg-bytes"

    doc = (await api.send_document(USER, "laporan akhir.pdf", b"%PDF-1.4", "application/pdf")).to_update(bot)
    assert doc.message and doc.message.document
    assert bytes(await (await doc.message.document.get_file()).download_as_bytearray()) == b"%PDF-1.4"
    with pytest.raises(BadRequest, match=r"(?i)invalid file_id"):
        await bot.get_file("missing")


# ------------------------------------------------------------------------------------------------
# getUpdates, webhook, commands, misc methods
# ------------------------------------------------------------------------------------------------


async def test_get_updates_offset_and_long_poll(api: FakeBotApi, bot: Bot) -> None:
    first = await api.send_text(USER, "a")
    second = await api.send_text(USER, "b")
    assert [u.update_id for u in await bot.get_updates(timeout=0)] == [first.update_id, second.update_id]
    assert [u.update_id for u in await bot.get_updates(offset=second.update_id, timeout=0)] == [second.update_id]
    assert await bot.get_updates(offset=second.update_id + 1, timeout=0) == ()

    async def later() -> None:
        await asyncio.sleep(0.05)
        await api.send_text(USER, "c")

    started = time.monotonic()
    task = asyncio.create_task(later())
    updates = await bot.get_updates(offset=second.update_id + 1, timeout=5)
    await task
    assert [u.message.text for u in updates if u.message] == ["c"]
    assert time.monotonic() - started < 2

    started = time.monotonic()
    assert await bot.get_updates(offset=updates[-1].update_id + 1, timeout=dtm.timedelta(seconds=0.2)) == ()
    assert time.monotonic() - started >= 0.15


async def test_second_poller_terminates_first(api: FakeBotApi) -> None:
    first = asyncio.create_task(api.call("getUpdates", {"timeout": 5}))
    await asyncio.sleep(0.01)
    second = asyncio.create_task(api.call("getUpdates", {"timeout": 0.05}))
    status, body = await asyncio.wait_for(first, 2)
    assert status == 409 and "terminated by other getUpdates" in body["description"]
    assert (await asyncio.wait_for(second, 2))[0] == 200


async def test_webhook_blocks_polling(api: FakeBotApi, bot: Bot) -> None:
    await api.send_text(USER, "a")
    assert await bot.set_webhook("https://pantau.example/hook")
    assert (await bot.get_webhook_info()).pending_update_count == 1
    with pytest.raises(Conflict, match=r"(?i)webhook is active"):
        await bot.get_updates(timeout=0)
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert (await bot.get_webhook_info()).url == ""
    assert await bot.get_updates(timeout=0) == ()


async def test_commands_per_scope(api: FakeBotApi, bot: Bot) -> None:
    api.add_user(USER)
    await bot.set_my_commands([BotCommand("start", "Mulai"), BotCommand("lapor", "Kirim laporan")])
    await bot.set_my_commands([BotCommand("admin", "Menu admin")], scope=BotCommandScopeChat(USER))
    assert api.commands() == [("start", "Mulai"), ("lapor", "Kirim laporan")]
    assert api.commands(USER) == api.commands(f"chat:{USER}") == [("admin", "Menu admin")]
    assert [c.command for c in await bot.get_my_commands(scope=BotCommandScopeChat(USER))] == ["admin"]
    assert await bot.delete_my_commands(scope=BotCommandScopeChat(USER))
    assert api.commands(USER) == []
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("Bad-Name", "x")])
    with pytest.raises(BadRequest, match=r"(?i)Chat not found"):
        await bot.set_my_commands([BotCommand("x", "x")], scope=BotCommandScopeChat(999))


async def test_misc_methods(api: FakeBotApi, bot: Bot) -> None:
    await api.send_text(USER, "/start", first_name="Sari", username="sari")
    chat = await bot.get_chat(USER)
    assert (chat.type, chat.first_name, chat.username) == ("private", "Sari", "sari")
    assert await bot.send_chat_action(USER, "typing")
    assert [(a.chat_id, a.action) for a in api.chat_actions] == [(USER, "typing")]
    with pytest.raises(BadRequest, match=r"(?i)wrong parameter action"):
        await bot.send_chat_action(USER, "dancing")
    await bot.send_message(USER, "menu", reply_markup=ReplyKeyboardMarkup([["Lapor", "Bantuan"]]))
    assert api.reply_keyboard(USER) == [["Lapor", "Bantuan"]]
    assert "reply_markup" not in api.last(USER).raw  # only inline keyboards show on the message
    assert await bot.log_out() and await bot.close()
    api.clear()
    assert api.calls == [] and api.messages(USER) == [] and api.chat_actions == []


async def test_reply_to_missing_message(api: FakeBotApi, bot: Bot) -> None:
    update = await api.send_text(USER, "pertanyaan")
    reply = await bot.send_message(USER, "jawaban", reply_to_message_id=update["message"]["message_id"])
    assert reply.reply_to_message and reply.reply_to_message.text == "pertanyaan"
    with pytest.raises(BadRequest, match=r"(?i)message to be replied not found"):
        await bot.send_message(USER, "x", reply_to_message_id=999)


async def test_subscribe_sees_every_output(api: FakeBotApi, bot: Bot) -> None:
    seen: list[tuple[str, str | None]] = []

    async def async_listener(event: BotEvent) -> None:
        seen.append((event.kind, event.message.text if event.message else event.action))

    def broken_listener(event: BotEvent) -> None:
        raise RuntimeError("observer bug must not break the bot")

    api.add_user(USER)
    unsubscribe = api.subscribe(async_listener)
    api.subscribe(broken_listener)
    sent = await bot.send_message(USER, "satu")
    await bot.edit_message_text("dua", chat_id=USER, message_id=sent.message_id)
    await bot.send_chat_action(USER, "typing")
    unsubscribe()
    await bot.send_message(USER, "tiga")
    assert seen == [("sent", "satu"), ("edited", "dua"), ("chat_action", "typing")]


async def test_wait_for_times_out(api: FakeBotApi) -> None:
    with pytest.raises(TimeoutError):
        await api.wait_for_messages(USER, 1, timeout=0.05)


# ------------------------------------------------------------------------------------------------
# Over HTTP with uvicorn and HTTPXRequest
# ------------------------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def serve(api: FakeBotApi) -> AsyncIterator[str]:
    """Run the ASGI app under uvicorn on a free loopback port inside the test's event loop."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_http_app(api), lifespan="off", log_config=None, log_level="warning", http="h11", ws="none"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(5):
            while not server.started:
                if task.done():
                    task.result()
                await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        api.release_pollers()
        server.should_exit = True
        await asyncio.wait_for(task, 10)
        sock.close()


def http_request() -> HTTPXRequest:
    # trust_env=False: loopback traffic must never go through an environment proxy.
    return HTTPXRequest(httpx_kwargs={"trust_env": False})


async def test_http_end_to_end(api: FakeBotApi) -> None:
    async with asyncio.timeout(30), serve(api) as base:
        app = (
            Application.builder()
            .token(TOKEN)
            .base_url(f"{base}/bot")
            .base_file_url(f"{base}/file/bot")
            .request(http_request())
            .get_updates_request(http_request())
            .build()
        )
        add_handlers(app)
        async with polling(app):
            await converse(api)
            bot = app.bot
            # Multipart upload, then download through /file/bot<token>/<path>.
            chart = b"\x89PNG\r\n\x1a\nchart-bytes"
            photo = await bot.send_photo(USER, photo=chart, caption="grafik")
            assert api.last(USER).photo == chart
            assert bytes(await (await bot.get_file(photo.photo[-1].file_id)).download_as_bytearray()) == chart
            user_doc = await api.send_document(USER, "data.xlsx", b"PK\x03\x04xlsx", "application/zip")
            file_id = user_doc["message"]["document"]["file_id"]
            assert bytes(await (await bot.get_file(file_id)).download_as_bytearray()) == b"PK\x03\x04xlsx"
            with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
                await bot.edit_message_text("grafik?", chat_id=USER, message_id=999)
            api.fail_next("sendMessage", 500)
            with pytest.raises(NetworkError):
                await bot.send_message(USER, "x")
            await api.wait_idle()

        # JSON bodies (as other clients send them) work too, and unknown routes answer like Telegram.
        async with httpx.AsyncClient(base_url=base, trust_env=False) as client:
            response = await client.post(
                f"/bot{TOKEN}/sendMessage",
                json={"chat_id": USER, "text": "json", "reply_markup": {"inline_keyboard": [[{"text": "A"}]]}},
            )
            assert response.status_code == 400
            assert response.json()["description"] == "Bad Request: text buttons are unallowed in the inline keyboard"
            response = await client.post(f"/bot{TOKEN}/sendMessage", json={"chat_id": USER, "text": "json"})
            assert response.json()["result"]["text"] == "json"
            assert (await client.get("/file/bot123:ABC/nope.jpg")).status_code == 404
            assert (await client.get("/elsewhere")).json()["error_code"] == 404
