"""Accounts: /start (with an invite code or an access request), approvals, /help, /profil, /undang, /batal."""

from __future__ import annotations

import contextlib
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection
from telegram import Update
from telegram.error import TelegramError
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from domain import akses
from domain.entitas import PERAN_LABEL, Pengguna
from domain.tanggal import format_datetime
from handlers import menu, teks, tombol
from handlers.konteks import Layanan, PantauContext, percakapan
from storage import org, outbox, users
from storage.users import AksesError

MINTA, PUTUS = "minta", "putus"
MASA_UNDANGAN = timedelta(days=7)
WAKTU_PERCAKAPAN = timedelta(minutes=15)


def _cakupan(p: Pengguna) -> str:
    if p.role == "petugas":
        return f"{len(p.tps_ids)} TPS"
    return p.unit_code or "belum ditetapkan"


async def cmd_start(update: Update, context: PantauContext) -> None:
    """Greet by role; register with an invite code; or offer an access request."""
    msg, user = update.effective_message, update.effective_user
    assert msg is not None and user is not None
    code = context.args[0] if context.args else None
    p = context.pengguna
    if p is not None and p.aktif:
        if code:
            await msg.reply_text(teks.SUDAH_TERDAFTAR.format(peran=PERAN_LABEL[p.role]))
            return
        salam = teks.SALAM[p.role].format(nama=p.name, unit=p.unit_code or "-", tps=_cakupan(p))
        await msg.reply_text(f"{salam}\n\n{_bantuan(p.role, context.perintah)}",
                             reply_markup=await menu.papan_utama(context))
        return
    if code:
        await _daftar(update, context, code)
        return
    if p is not None and p.status == "menunggu":
        await msg.reply_text(teks.MENUNGGU)
        return
    await msg.reply_text(
        teks.SALAM_BARU.format(nama=user.first_name) + "\n\n" + teks.MINTA_AKSES_PILIH,
        reply_markup=tombol.papan([(PERAN_LABEL[r], tombol.data(MINTA, r)) for r in ("pimpinan", "operator")],
                                  [(PERAN_LABEL["petugas"], tombol.data(MINTA, "petugas"))]))


async def _daftar(update: Update, context: PantauContext, code: str) -> None:
    msg, user = update.effective_message, update.effective_user
    assert msg is not None and user is not None
    svc = context.layanan
    try:
        async with svc.engine.begin() as conn:
            p = await users.redeem_invite(conn, code[:64], telegram_id=user.id, name=user.full_name,
                                          username=user.username, now=svc.now())
    except AksesError as exc:
        await msg.reply_text(str(exc))
        return
    cakupan = f" ({_cakupan(p)})"
    await msg.reply_text(teks.TERDAFTAR.format(peran=PERAN_LABEL[p.role], cakupan=cakupan))
    await menu.pasang_menu(context.bot, user.id, p.role, context.perintah)


CAKUPAN = 1
KUNCI_PERAN = "minta_peran"  # in user_data while a request is being filled in (the guard lets its text through)


async def on_minta(update: Update, context: PantauContext) -> int:
    """Step 1 of an access request: the role was picked; ask for the unit or TPS."""
    query = update.callback_query
    assert query is not None and context.user_data is not None
    a = tombol.args(query.data, 1)
    if a is None or a[0] not in ("pimpinan", "operator", "petugas"):
        await query.answer(teks.KEDALUWARSA, show_alert=True)
        return ConversationHandler.END
    p = context.pengguna
    if p is not None and p.status == "menunggu":
        await query.answer(teks.MINTA_SUDAH, show_alert=True)
        return ConversationHandler.END
    await query.answer()
    context.user_data[KUNCI_PERAN] = a[0]
    await query.edit_message_text(teks.MINTA_TPS if a[0] == "petugas" else teks.MINTA_UNIT)
    return CAKUPAN


async def on_minta_cakupan(update: Update, context: PantauContext) -> int:
    """Step 2: the unit or TPS codes; the request is recorded and every admin gets Approve/Reject buttons."""
    msg, user = update.effective_message, update.effective_user
    assert msg is not None and user is not None and context.user_data is not None
    peran = context.user_data.get(KUNCI_PERAN)
    if peran not in ("pimpinan", "operator", "petugas"):
        await msg.reply_text(teks.KEDALUWARSA)
        return ConversationHandler.END
    raw = (msg.text or "").strip()
    codes = [c.strip() for c in raw.replace(";", ",").split(",") if c.strip()]
    if not codes or len(raw) > 300 or (peran != "petugas" and len(codes) != 1):
        await msg.reply_text("Kodenya belum terbaca. " + (teks.MINTA_TPS if peran == "petugas" else teks.MINTA_UNIT))
        return CAKUPAN
    unit = None if peran == "petugas" else codes[0]
    tps = codes if peran == "petugas" else []
    svc = context.layanan
    try:
        async with svc.engine.begin() as conn:
            p, baru = await users.request_access(conn, telegram_id=user.id, name=user.full_name,
                                                 username=user.username, role=peran, unit_code=unit, tps_codes=tps,
                                                 now=svc.now())
            if baru:
                await _kabari_admin(conn, svc, p, user.username, p.unit_code or ", ".join(codes))
    except AksesError as exc:
        await msg.reply_text(f"{exc} Coba lagi, atau ketik /batal.")
        return CAKUPAN
    context.user_data.pop(KUNCI_PERAN, None)
    svc.wake_outbox()
    await msg.reply_text(teks.MINTA_TERKIRIM.format(peran=PERAN_LABEL[peran]) if baru else teks.MINTA_SUDAH)
    return ConversationHandler.END


async def _kabari_admin(conn: AsyncConnection, svc: Layanan, p: Pengguna, username: str | None, cakupan: str) -> None:
    admins = set(await users.admin_chat_ids(conn)) | set(svc.admin_ids)
    text = teks.MINTA_KE_ADMIN.format(nama=p.name, username=f" (@{username})" if username else "", tg=p.telegram_id,
                                      peran=PERAN_LABEL[p.role], cakupan=cakupan)
    markup = tombol.papan_dict([("✅ Setujui", tombol.data(PUTUS, "ok", p.id)),
                                ("❌ Tolak", tombol.data(PUTUS, "tolak", p.id))])
    stamp = svc.now().isoformat()  # a repeated request (after a rejection) is a new message
    for admin in sorted(admins):
        await outbox.enqueue(conn, key=f"akses:{p.id}:{stamp}:{admin}", chat_id=admin, text=text,
                             kind="persetujuan", reply_markup=markup, now=svc.now())


async def on_minta_batal(update: Update, context: PantauContext) -> int:
    """/batal inside the request."""
    assert update.effective_message is not None and context.user_data is not None
    context.user_data.pop(KUNCI_PERAN, None)
    await update.effective_message.reply_text(teks.DIBATALKAN)
    return ConversationHandler.END


async def on_minta_habis(update: object, context: PantauContext) -> None:
    """The request was abandoned: say so politely."""
    if context.user_data is not None:
        context.user_data.pop(KUNCI_PERAN, None)
    if isinstance(update, Update) and update.effective_chat is not None:
        await context.bot.send_message(update.effective_chat.id, teks.WAKTU_HABIS)


def percakapan_minta() -> ConversationHandler[PantauContext]:
    """The access request conversation (persistent: a restart halfway loses nothing)."""
    return percakapan(
        entry_points=[CallbackQueryHandler(on_minta, pattern=r"^minta:")],
        states={
            CAKUPAN: [MessageHandler(filters.TEXT & ~filters.COMMAND, on_minta_cakupan)],
            ConversationHandler.TIMEOUT: [TypeHandler(Update, on_minta_habis)],
        },
        fallbacks=[CommandHandler("batal", on_minta_batal)],
        name="minta", persistent=True, conversation_timeout=WAKTU_PERCAKAPAN,
    )


async def on_putus(update: Update, context: PantauContext) -> None:
    """An admin approves or rejects an access request (a second tap or a second admin is told it is done)."""
    query = update.callback_query
    assert query is not None
    a = tombol.args(query.data, 2)
    if a is None or a[0] not in ("ok", "tolak") or not a[1].isdigit():
        await query.answer(teks.KEDALUWARSA, show_alert=True)
        return
    svc, admin = context.layanan, context.aktif
    approve = a[0] == "ok"
    try:
        async with svc.engine.begin() as conn:
            p = await users.decide_request(conn, int(a[1]), approve=approve, admin=admin, now=svc.now())
            if p.telegram_id is not None:
                await outbox.enqueue(
                    conn, key=f"putus:{p.id}:{a[0]}:{svc.now().isoformat()}", chat_id=p.telegram_id,
                    text=teks.DISETUJUI_KE_PENGGUNA.format(peran=PERAN_LABEL[p.role]) if approve
                    else teks.DITOLAK_KE_PENGGUNA, kind="info", now=svc.now())
    except AksesError as exc:
        await query.answer(str(exc), show_alert=True)
        return
    await query.answer("Disetujui." if approve else "Ditolak.")
    svc.wake_outbox()
    if approve and p.telegram_id is not None:
        with contextlib.suppress(TelegramError):  # the menu is a convenience; /help works without it
            await menu.pasang_menu(context.bot, p.telegram_id, p.role, context.perintah)
    original = getattr(query.message, "text", "") or ""
    await query.edit_message_text(teks.PUTUSAN_ADMIN.format(
        teks=original, putusan="Disetujui" if approve else "Ditolak", admin=admin.name))


def _bantuan(peran: str | None, tersedia: frozenset[str]) -> str:
    lines = [teks.BANTUAN_JUDUL.format(peran=PERAN_LABEL.get(peran or "", "belum terdaftar"))]
    lines += [f"/{p.nama} — {p.keterangan}" for p in akses.menu(peran, tersedia)]
    return "\n".join([*lines, "", teks.BANTUAN_TOMBOL])


async def cmd_help(update: Update, context: PantauContext) -> None:
    """The commands of the user's role."""
    p = context.pengguna
    assert update.effective_message is not None
    await update.effective_message.reply_text(_bantuan(p.role if p and p.aktif else None, context.perintah),
                                              reply_markup=await menu.papan_utama(context))


async def cmd_profil(update: Update, context: PantauContext) -> None:
    """Who am I, in which role and scope."""
    p = context.aktif
    assert update.effective_message is not None
    unit = "-"
    async with context.layanan.engine.connect() as conn:
        if p.unit_code:
            u = await org.unit_by_code(conn, p.unit_code)
            unit = f"{u.name} ({u.code})" if u else p.unit_code
        tps = await org.list_tps(conn, ids=sorted(p.tps_ids)) if p.tps_ids else []
    await update.effective_message.reply_text(teks.PROFIL.format(
        nama=p.name, peran=PERAN_LABEL[p.role], status=p.status, unit=unit,
        tps=", ".join(f"{x.kode} ({x.nama})" for x in tps) or "-"))


async def cmd_undang(update: Update, context: PantauContext) -> None:
    """Admins create an invite code: /undang <peran> <unit> [TPS …]."""
    msg = update.effective_message
    assert msg is not None
    a = context.args or []
    if len(a) < 2:
        await msg.reply_text(teks.UNDANG_PAKAI)
        return
    svc, admin = context.layanan, context.aktif
    peran, unit, tps = a[0].lower(), a[1], a[2:]
    try:
        async with svc.engine.begin() as conn:
            inv = await users.create_invite(conn, role=peran, unit_code=unit, tps_codes=tps,
                                            max_uses=max(1, len(tps)) if peran == "petugas" else 1,
                                            expires_at=svc.now() + MASA_UNDANGAN, created_by=admin.id,
                                            actor=admin.name, now=svc.now())
    except AksesError as exc:
        await msg.reply_text(f"{exc}\n\n{teks.UNDANG_PAKAI}")
        return
    await msg.reply_text(teks.UNDANGAN_DIBUAT.format(
        peran=PERAN_LABEL[inv.role], cakupan=inv.unit_code or "-", sampai=format_datetime(inv.expires_at, svc.timezone),
        pakai=inv.max_uses, kode=inv.code, tautan=tautan_undangan(svc.bot_username, inv.code)))


def tautan_undangan(bot_username: str, code: str) -> str:
    """The deep link that registers with a code."""
    return f"https://t.me/{bot_username}?start={code}"


async def cmd_batal(update: Update, context: PantauContext) -> None:
    """/batal outside any conversation."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(teks.TIDAK_ADA_PROSES)


def daftar() -> list[BaseHandler[Any, PantauContext, Any]]:
    """The account handlers, in order."""
    return [
        percakapan_minta(),
        CommandHandler("start", cmd_start),
        CommandHandler(["help", "bantuan"], cmd_help),
        CommandHandler("profil", cmd_profil),
        CommandHandler("undang", cmd_undang),
        CallbackQueryHandler(on_putus, pattern=r"^putus:"),
    ]
