"""Group chats: Pantau serves private chats only; in a group it points to the private chat and does nothing else."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram.ext import BaseHandler, CommandHandler, ConversationHandler

from bot.app import PantauApp
from handlers import grup, teks
from storage import tables as t
from tests.bot.harness import BotUji, bot_uji, demo_tg

GRUP = -100_123
BOT = "pantau_demo_bot"
TEGURAN = teks.HANYA_PRIBADI.format(bot=BOT)
# Tables a group message could make the bot write to (login links, invites, requests, messages, audit, reports).
TABEL = (t.web_logins, t.invites, t.users, t.outbox, t.audit_log, t.arrival_reports)


def _perintah(h: BaseHandler[Any, Any, Any]) -> set[str]:
    if isinstance(h, CommandHandler):
        return set(h.commands)
    if isinstance(h, ConversationHandler):  # entry points, every step's and the fallbacks' commands
        dalam = [*h.entry_points, *h.fallbacks, *(x for hs in h.states.values() for x in hs)]
        return set().union(*(_perintah(x) for x in dalam))
    return set()


def semua_perintah(app: PantauApp) -> list[str]:
    """Every command any registered handler answers, read from the Application itself."""
    return sorted(set().union(*(_perintah(h) for hs in app.handlers.values() for h in hs)))


async def _hitung(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as conn:
        return {tb.name: (await conn.execute(sa.select(sa.func.count()).select_from(tb))).scalar_one() for tb in TABEL}


def _hanya_teguran(b: BotUji, sebelum: int) -> None:
    baru = b.api.messages(GRUP)[sebelum:]
    assert [m.content for m in baru] == [TEGURAN]
    assert baru[0].buttons == [[(teks.BUKA_PRIBADI, None)]]
    assert baru[0].reply_markup is not None
    assert baru[0].reply_markup["inline_keyboard"][0][0]["url"] == f"https://t.me/{BOT}"


async def _di_grup(b: BotUji, tg: int, text: str) -> None:
    await b.app.process_update((await b.api.send_text(tg, text, chat_id=GRUP)).to_update(b.app.bot))


async def test_every_command_in_a_group_gets_only_the_pointer(engine: AsyncEngine) -> None:
    admin = await demo_tg(engine, "admin")
    async with bot_uji(engine) as b:
        b.api.add_group(GRUP, "Koordinasi KPU")
        perintah = semua_perintah(b.app)
        assert {"start", "web", "undang", "ekspor", "tiba", "logistik"} <= set(perintah)
        awal = await _hitung(engine)
        pribadi = len(b.api.messages(admin)) if b.api.calls_to("sendMessage") else 0
        for cmd in perintah:
            for text in (f"/{cmd}", f"/{cmd}@{BOT} x"):
                b.jam.now += timedelta(seconds=grup.JEDA_TEGURAN_S + 1)
                sebelum = len(b.api.messages(GRUP))
                await _di_grup(b, admin, text)
                _hanya_teguran(b, sebelum)
        assert await _hitung(engine) == awal
        assert len(b.api.messages(admin)) == pribadi  # nothing went to the private chat either
        assert not b.api.calls_to("sendDocument") and not b.api.calls_to("sendPhoto")


async def test_web_and_undang_in_a_group_make_no_link_or_code(engine: AsyncEngine) -> None:
    admin = await demo_tg(engine, "admin")
    async with bot_uji(engine) as b:
        b.api.add_group(GRUP, "Koordinasi KPU")
        for text in ("/web", "/undang admin KPU-PROV", "/undang petugas KAB-1771 17.71.01.2001-001", "/start"):
            b.jam.now += timedelta(hours=1)
            await _di_grup(b, admin, text)
        async with engine.connect() as conn:
            assert (await conn.execute(sa.select(sa.func.count()).select_from(t.web_logins))).scalar_one() == 0
            assert (await conn.execute(sa.select(sa.func.count()).select_from(t.invites))).scalar_one() == 0
        isi = " ".join(m.content for m in b.api.messages(GRUP))
        assert "start=" not in isi and "/masuk" not in isi and "http" not in isi
        assert [m.content for m in b.api.messages(GRUP)] == [TEGURAN] * 4


async def test_pointer_is_rate_limited_and_only_for_messages_to_the_bot(engine: AsyncEngine) -> None:
    admin = await demo_tg(engine, "admin")
    async with bot_uji(engine) as b:
        b.api.add_group(GRUP, "Koordinasi KPU")
        await _di_grup(b, admin, "selamat pagi semua")  # not for the bot
        await _di_grup(b, admin, "/start@bot_lain")  # for another bot
        assert b.api.messages(GRUP) == []
        await _di_grup(b, admin, "/start")
        await _di_grup(b, admin, f"halo @{BOT}")
        await _di_grup(b, admin, "/help")
        assert [m.content for m in b.api.messages(GRUP)] == [TEGURAN]  # one per pause, however busy
        b.jam.now += timedelta(seconds=grup.JEDA_TEGURAN_S + 1)
        await _di_grup(b, admin, f"tolong @{BOT.upper()}")
        assert [m.content for m in b.api.messages(GRUP)] == [TEGURAN] * 2
        b.jam.now += timedelta(seconds=grup.JEDA_TEGURAN_S + 1)
        balasan = await b.api.send_text(admin, "ini jawabannya", chat_id=GRUP,
                                        reply_to=b.api.messages(GRUP)[-1].message_id)
        await b.app.process_update(balasan.to_update(b.app.bot))
        assert [m.content for m in b.api.messages(GRUP)] == [TEGURAN] * 3


async def test_a_button_pressed_in_a_group_does_nothing(engine: AsyncEngine) -> None:
    admin = await demo_tg(engine, "admin")
    async with bot_uji(engine) as b:
        b.api.add_group(GRUP, "Koordinasi KPU")
        await _di_grup(b, admin, "/start")
        pesan = b.api.messages(GRUP)[-1].message_id
        awal = await _hitung(engine)
        async with engine.connect() as conn:
            minta = (await conn.execute(sa.select(t.users.c.id).where(t.users.c.status == "menunggu"))).first()
        for data in ("putus:ok:1", f"putus:ok:{minta[0] if minta else 1}", "web:baru", "es:1", "menu:tiba"):
            before = len(b.api.callback_answers)
            await b.app.process_update((await b.api.press(admin, pesan, data, chat_id=GRUP)).to_update(b.app.bot))
            assert len(b.api.callback_answers) == before + 1
            assert b.api.callback_answers[-1].text == TEGURAN and b.api.callback_answers[-1].show_alert
        assert await _hitung(engine) == awal
        assert len(b.api.messages(GRUP)) == 1
        assert not b.api.calls_to("editMessageText") and not b.api.unanswered_callbacks()


def _anggota(tg: int, chat: dict[str, Any], lama: str, baru: str) -> dict[str, Any]:
    bot = {"id": 123456789, "is_bot": True, "first_name": "Pantau Demo", "username": BOT}
    return {"my_chat_member": {
        "chat": chat, "from": {"id": tg, "is_bot": False, "first_name": "Budi", "username": "budi"}, "date": 1,
        "old_chat_member": {"status": lama, "user": bot, "until_date": 0},
        "new_chat_member": {"status": baru, "user": bot, "until_date": 0}}}


async def _catatan_chat(engine: AsyncEngine) -> list[Any]:
    async with engine.connect() as conn:
        return list((await conn.execute(sa.select(t.audit_log).where(t.audit_log.c.entity == "chat")
                                        .order_by(t.audit_log.c.id))).all())


async def test_bot_added_to_a_group_is_audited_and_admins_are_told(engine: AsyncEngine) -> None:
    pengundang = 555_001
    grupnya = {"id": GRUP, "type": "supergroup", "title": "Grup Logistik Kota"}
    async with bot_uji(engine, admin_ids=[777_001]) as b:
        async with engine.connect() as conn:
            admins = set((await conn.execute(sa.select(t.users.c.telegram_id).where(
                t.users.c.role == "admin", t.users.c.status == "aktif"))).scalars())
        awal_outbox = (await _hitung(engine))["outbox"]
        upd = await b.api.send_update(_anggota(pengundang, grupnya, "left", "member"))
        await b.app.process_update(upd.to_update(b.app.bot))
        catatan = await _catatan_chat(engine)
        assert [(c.action, c.entity_id) for c in catatan] == [("bot_masuk", str(GRUP))]
        assert catatan[0].new["telegram_id"] == pengundang and catatan[0].new["judul"] == "Grup Logistik Kota"
        async with engine.connect() as conn:
            pesan = (await conn.execute(sa.select(t.outbox).where(t.outbox.c.id > 0)
                                        .order_by(t.outbox.c.id))).all()[awal_outbox:]
        assert {p.chat_id for p in pesan} == admins and admins
        assert all("Grup Logistik Kota" in p.text and "Budi (@budi)" in p.text and str(pengundang) in p.text
                   for p in pesan)
        assert b.api.calls_to("sendMessage") == []  # nothing said in the group
        # Removed again: audited, nobody is messaged.
        upd = await b.api.send_update(_anggota(pengundang, grupnya, "member", "kicked"))
        await b.app.process_update(upd.to_update(b.app.bot))
        assert [c.action for c in await _catatan_chat(engine)] == ["bot_masuk", "bot_keluar"]
        assert (await _hitung(engine))["outbox"] == awal_outbox + len(admins)


async def test_join_requests_and_channel_posts_run_nothing(engine: AsyncEngine) -> None:
    admin = await demo_tg(engine, "admin")
    kanal = {"id": -100_999, "type": "channel", "title": "Info KPU"}
    async with bot_uji(engine) as b:
        awal = await _hitung(engine)
        await b.app.process_update((await b.api.send_update({"channel_post": {
            "message_id": 1, "chat": kanal, "date": 1, "text": "/web"}})).to_update(b.app.bot))
        assert await _hitung(engine) == awal
        minta = {"chat_join_request": {
            "chat": {"id": GRUP, "type": "supergroup", "title": "Koordinasi"}, "date": 1, "user_chat_id": admin,
            "from": {"id": admin, "is_bot": False, "first_name": "Admin"}}}
        await b.app.process_update((await b.api.send_update(minta)).to_update(b.app.bot))
        assert [c.action for c in await _catatan_chat(engine)] == ["minta_gabung"]
        assert b.api.calls_to("sendMessage") == [] and b.api.calls_to("approveChatJoinRequest") == []
        akhir = await _hitung(engine)
        assert akhir == {**awal, "audit_log": awal["audit_log"] + 1}


async def test_every_role_and_strangers_get_the_same_pointer(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        b.api.add_group(GRUP, "Koordinasi KPU")
        for kunci in ("pimpinan", "operator", "petugas", None):
            tg = await demo_tg(engine, kunci) if kunci else 5550404
            b.jam.now += timedelta(seconds=grup.JEDA_TEGURAN_S + 1)
            for text in ("/start", "/profil", "/tiba", "/capaian"):
                await _di_grup(b, tg, text)
        assert [m.content for m in b.api.messages(GRUP)] == [TEGURAN] * 4
        async with engine.connect() as conn:
            assert (await conn.execute(sa.select(t.users.c.id).where(t.users.c.telegram_id == 5550404))).first() is None


async def test_private_chat_still_served(engine: AsyncEngine) -> None:
    admin = await demo_tg(engine, "admin")
    async with bot_uji(engine) as b:
        b.api.add_group(GRUP, "Koordinasi KPU")
        await _di_grup(b, admin, "/help")
        balasan = await b.kirim(admin, "/help")
        assert balasan and TEGURAN not in balasan[0].content and "/web" in balasan[0].content
