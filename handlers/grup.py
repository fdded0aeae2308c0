"""The chat gate: Pantau serves private chats only. Runs before the guard, for every update.

In a group, supergroup or channel the bot never sends a login link, an invite code, an export, personal data or a
conversation step, and never runs a flow or a button: a command or message addressed to it gets at most one short
pointer to the private chat (once per chat per ``JEDA_TEGURAN_S``, so a busy group is not spammed), a button pressed
on a group message gets a short alert. Channel posts are ignored; the bot being added to or removed from a chat, and
join requests, are logged and audited (admins are told through the outbox when the bot is added), never approved.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Chat, ChatMemberUpdated, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update, User
from telegram.ext import ApplicationHandlerStop

from handlers import teks
from handlers.konteks import PantauContext
from storage import audit, outbox, users

log = logging.getLogger("pantau.grup")

JEDA_TEGURAN_S = 600.0  # one pointer to the private chat per group per ten minutes
_MAKS_CATATAN = 10_000  # groups remembered for the pause before old entries are dropped
_MASUK = frozenset({"member", "administrator", "restricted", "creator"})
_KELUAR = frozenset({"left", "kicked"})


async def gerbang(update: object, context: PantauContext) -> None:
    """Let private chats through; handle everything from a group or channel here and stop it."""
    if not isinstance(update, Update):
        return
    if update.my_chat_member is not None:
        if update.my_chat_member.chat.type == Chat.PRIVATE:
            return  # a user blocking/unblocking the bot: the guard and the outbox deal with that
        await _keanggotaan(update.my_chat_member, context)
        raise ApplicationHandlerStop
    if update.chat_join_request is not None:
        req = update.chat_join_request
        await _catat(context, req.from_user, req.chat, "minta_gabung", {"pemohon": req.from_user.id})
        log.info("permintaan bergabung ke chat %s dari %s diabaikan", req.chat.id, req.from_user.id)
        raise ApplicationHandlerStop
    if update.channel_post is not None or update.edited_channel_post is not None:
        chat = update.effective_chat
        log.info("kiriman kanal %s diabaikan", chat.id if chat else "?")
        raise ApplicationHandlerStop
    chat = update.effective_chat
    if chat is None or chat.type == Chat.PRIVATE:
        return
    if update.callback_query is not None:
        await update.callback_query.answer(teks.HANYA_PRIBADI.format(bot=_nama_bot(context)), show_alert=True)
        raise ApplicationHandlerStop
    msg = update.effective_message
    if msg is not None and _ditujukan(msg, context) and _boleh_tegur(context, chat.id):
        bot = _nama_bot(context)
        tombol = InlineKeyboardMarkup([[InlineKeyboardButton(teks.BUKA_PRIBADI, url=f"https://t.me/{bot}")]])
        await msg.reply_text(teks.HANYA_PRIBADI.format(bot=bot), reply_markup=tombol)
    raise ApplicationHandlerStop


def _nama_bot(context: PantauContext) -> str:
    return context.layanan.bot_username


def _ditujukan(msg: Message, context: PantauContext) -> bool:
    """A command (for this bot or no bot in particular), a mention of the bot, or a reply to one of its messages."""
    bot = _nama_bot(context).lower()
    teksnya = (msg.text or msg.caption or "").strip()
    if teksnya.startswith("/"):
        kepada = teksnya.split(maxsplit=1)[0].partition("@")[2].lower()
        return kepada in ("", bot)
    if f"@{bot}" in teksnya.lower():
        return True
    balas = msg.reply_to_message
    return balas is not None and balas.from_user is not None and balas.from_user.id == context.bot.id


def _boleh_tegur(context: PantauContext, chat_id: int) -> bool:
    """At most one pointer per chat per pause (this process's memory; a restart may repeat one)."""
    catatan: dict[int, float] = context.application.bot_data.setdefault("teguran_grup", {})
    now = context.layanan.now().timestamp()
    terakhir = catatan.get(chat_id)
    if terakhir is not None and now - terakhir < JEDA_TEGURAN_S:
        return False
    if len(catatan) >= _MAKS_CATATAN:
        for lama in [k for k, v in catatan.items() if now - v >= JEDA_TEGURAN_S]:
            del catatan[lama]
    catatan[chat_id] = now
    return True


async def _keanggotaan(ubah: ChatMemberUpdated, context: PantauContext) -> None:
    lama, baru = ubah.old_chat_member.status, ubah.new_chat_member.status
    masuk = baru in _MASUK and lama in _KELUAR
    aksi = "bot_masuk" if masuk else ("bot_keluar" if baru in _KELUAR else "bot_status")
    log.warning("bot %s: chat %s (%s) oleh %s", aksi, ubah.chat.id, ubah.chat.type, ubah.from_user.id)
    await _catat(context, ubah.from_user, ubah.chat, aksi, {"lama": lama, "baru": baru}, beri_tahu=masuk)


async def _catat(context: PantauContext, oleh: User, chat: Chat, aksi: str, rincian: dict[str, Any], *,
                 beri_tahu: bool = False) -> None:
    """One audit record (and, when asked, a message to every admin) in one transaction."""
    svc = context.layanan
    now = svc.now()
    judul = (chat.title or chat.username or "")[:100]
    nama = oleh.full_name[:80] + (f" (@{oleh.username})" if oleh.username else "")
    async with svc.engine.begin() as conn:
        pelaku = await users.by_telegram_id(conn, oleh.id)
        await audit.record(conn, actor=nama, actor_id=pelaku.id if pelaku else None, action=aksi, entity="chat",
                           entity_id=chat.id, now=now,
                           new={"jenis": chat.type, "judul": judul, "telegram_id": oleh.id, **rincian})
        if beri_tahu:
            text = teks.BOT_DITAMBAHKAN.format(judul=judul or "-", id=chat.id, jenis=chat.type, oleh=nama,
                                               tg=oleh.id)
            for admin in sorted(set(await users.admin_chat_ids(conn)) | set(svc.admin_ids)):
                await outbox.enqueue(conn, key=f"grup:{chat.id}:{now:%Y%m%d%H%M%S}:{admin}", chat_id=admin,
                                     text=text, kind="info", now=now)
    if beri_tahu:
        svc.wake_outbox()
