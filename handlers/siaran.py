"""/siaran (admins): a broadcast to a role and/or a unit, with a preview and a confirmation, sent through the
outbox (paced within Telegram's limits), and a delivery report (sent, failed, blocked) behind a button.

Buttons: ``sr:peran:<role|semua>``, ``sr:unit:semua``, ``sr:kirim``, ``sr:batal`` inside the conversation,
``sr:lap:<broadcast id>`` for the report afterwards.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from domain.angka import format_number
from domain.entitas import PERAN, PERAN_LABEL
from domain.tanggal import format_datetime
from handlers import teks, tombol
from handlers.konteks import PantauContext, percakapan
from handlers.teks import pengingat as tx
from storage import siaran

PERAN_S, CAKUPAN, ISI, KONFIRMASI = range(4)
WAKTU_PERCAKAPAN = timedelta(minutes=15)
K_PERAN, K_UNIT, K_TEKS = "siaran_peran", "siaran_unit", "siaran_teks"


def _bersihkan(context: PantauContext) -> None:
    if context.user_data is not None:
        for k in (K_PERAN, K_UNIT, K_TEKS):
            context.user_data.pop(k, None)


async def cmd_siaran(update: Update, context: PantauContext) -> int:
    """Step 1: which role."""
    assert update.effective_message is not None
    _bersihkan(context)
    rows = [[(tx.SIARAN_SEMUA_PERAN, tombol.data("sr", "peran", "semua"))]]
    rows += [[(PERAN_LABEL[r], tombol.data("sr", "peran", r))] for r in PERAN]
    await update.effective_message.reply_text(tx.SIARAN_PILIH_PERAN, reply_markup=tombol.papan(*rows))
    return PERAN_S


async def on_peran(update: Update, context: PantauContext) -> int:
    """Step 2: which unit (typed code) or every unit."""
    query = update.callback_query
    assert query is not None and context.user_data is not None
    a = tombol.args(query.data, 2)
    if a is None or a[0] != "peran" or a[1] not in (*PERAN, "semua"):
        await query.answer(teks.KEDALUWARSA, show_alert=True)
        return PERAN_S
    await query.answer()
    context.user_data[K_PERAN] = None if a[1] == "semua" else a[1]
    await query.edit_message_text(tx.SIARAN_PILIH_CAKUPAN, reply_markup=tombol.papan(
        [(tx.SIARAN_SEMUA_UNIT, tombol.data("sr", "unit", "semua"))]))
    return CAKUPAN


async def _ke_isi(update: Update, context: PantauContext, unit: str | None) -> int:
    assert context.user_data is not None and update.effective_chat is not None
    peran = context.user_data.get(K_PERAN)
    try:
        async with context.layanan.engine.connect() as conn:
            orang = await siaran.penerima(conn, peran=peran, unit_code=unit)
    except siaran.SiaranError as exc:
        await context.bot.send_message(update.effective_chat.id, f"{exc} {tx.SIARAN_PILIH_CAKUPAN}")
        return CAKUPAN
    if not orang:
        await context.bot.send_message(update.effective_chat.id, tx.SIARAN_TIDAK_ADA)
        return CAKUPAN
    context.user_data[K_UNIT] = unit
    await context.bot.send_message(update.effective_chat.id,
                                   tx.SIARAN_TULIS.format(n=len(orang), maks=siaran.MAKS_TEKS))
    return ISI


async def on_unit_semua(update: Update, context: PantauContext) -> int:
    """Every unit."""
    query = update.callback_query
    assert query is not None
    if tombol.args(query.data, 2) != ["unit", "semua"]:
        await query.answer(teks.KEDALUWARSA, show_alert=True)
        return CAKUPAN
    await query.answer()
    await query.edit_message_reply_markup(None)
    return await _ke_isi(update, context, None)


async def on_unit_teks(update: Update, context: PantauContext) -> int:
    """A typed unit code (its sub-units come along)."""
    msg = update.effective_message
    assert msg is not None
    code = (msg.text or "").strip()
    if not code or len(code) > 40 or " " in code:
        await msg.reply_text(tx.SIARAN_PILIH_CAKUPAN)
        return CAKUPAN
    return await _ke_isi(update, context, code.upper())


async def on_isi(update: Update, context: PantauContext) -> int:
    """Step 3: the text; then the preview with Send / Cancel."""
    msg = update.effective_message
    assert msg is not None and context.user_data is not None
    isi = (msg.text or "").strip()
    if not isi:
        await msg.reply_text(tx.SIARAN_KOSONG)
        return ISI
    if len(isi) > siaran.MAKS_TEKS:
        await msg.reply_text(tx.SIARAN_TERLALU_PANJANG.format(n=format_number(len(isi)),
                                                              maks=format_number(siaran.MAKS_TEKS)))
        return ISI
    peran, unit = context.user_data.get(K_PERAN), context.user_data.get(K_UNIT)
    async with context.layanan.engine.connect() as conn:
        n = len(await siaran.penerima(conn, peran=peran, unit_code=unit))
    context.user_data[K_TEKS] = isi
    await msg.reply_text(
        tx.SIARAN_PRATINJAU.format(n=n, peran=PERAN_LABEL.get(peran or "", tx.SIARAN_SEMUA_PERAN),
                                   cakupan=unit or tx.SIARAN_SEMUA_UNIT, isi=tx.SIARAN_HEADER + isi),
        reply_markup=tombol.papan([(tx.SIARAN_KIRIM, tombol.data("sr", "kirim")),
                                   (tx.SIARAN_BATAL, tombol.data("sr", "batal"))]))
    return KONFIRMASI


async def on_bukan_teks(update: Update, context: PantauContext) -> int:
    """A photo or sticker where the text was expected."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(tx.SIARAN_BUKAN_TEKS)
    return ISI


async def on_konfirmasi(update: Update, context: PantauContext) -> int:
    """Step 4: send (queue one message per recipient, in one transaction) or cancel."""
    query, svc, admin = update.callback_query, context.layanan, context.aktif
    assert query is not None and context.user_data is not None
    if query.data == "sr:batal":
        await query.answer()
        _bersihkan(context)
        await query.edit_message_text(tx.SIARAN_DIBATALKAN)
        return ConversationHandler.END
    isi = context.user_data.get(K_TEKS)
    if query.data != "sr:kirim" or not isinstance(isi, str):
        await query.answer(teks.KEDALUWARSA, show_alert=True)
        return ConversationHandler.END
    try:
        async with svc.engine.begin() as conn:
            sid, n = await siaran.kirim(conn, teks=isi, peran=context.user_data.get(K_PERAN),
                                        unit_code=context.user_data.get(K_UNIT), author_id=admin.id,
                                        actor=admin.name, now=svc.now(), header=tx.SIARAN_HEADER)
    except siaran.SiaranError as exc:
        await query.answer(str(exc), show_alert=True)
        _bersihkan(context)
        return ConversationHandler.END
    await query.answer()
    _bersihkan(context)
    svc.wake_outbox()
    await query.edit_message_text(tx.SIARAN_DIANTREKAN.format(id=sid, n=n), reply_markup=tombol.papan(
        [(tx.SIARAN_TOMBOL_LAPORAN, tombol.data("sr", "lap", sid))]))
    return ConversationHandler.END


async def on_batal(update: Update, context: PantauContext) -> int:
    """/batal inside the broadcast."""
    assert update.effective_message is not None
    _bersihkan(context)
    await update.effective_message.reply_text(tx.SIARAN_DIBATALKAN)
    return ConversationHandler.END


async def on_habis(update: object, context: PantauContext) -> None:
    """The broadcast was abandoned: say so politely."""
    _bersihkan(context)
    if isinstance(update, Update) and update.effective_chat is not None:
        await context.bot.send_message(update.effective_chat.id, teks.WAKTU_HABIS)


async def on_laporan(update: Update, context: PantauContext) -> None:
    """The delivery report of one broadcast, as a new message (its numbers change while it is sent)."""
    query, svc = update.callback_query, context.layanan
    assert query is not None
    a = tombol.args(query.data, 2)
    if a is None or a[0] != "lap" or not a[1].isdigit() or len(a[1]) > 12:
        await query.answer(teks.KEDALUWARSA, show_alert=True)
        return
    async with svc.engine.connect() as conn:
        s = await siaran.by_id(conn, int(a[1]))
        lap = await siaran.laporan(conn, int(a[1])) if s else None
    if s is None or lap is None:
        await query.answer(tx.SIARAN_TIDAK_DITEMUKAN, show_alert=True)
        return
    await query.answer()
    assert update.effective_chat is not None
    await context.bot.send_message(update.effective_chat.id, tx.SIARAN_LAPORAN.format(
        id=s.id, waktu=format_datetime(s.created_at, svc.timezone), total=lap["total"], terkirim=lap["terkirim"],
        gagal=lap["gagal"], diblokir=lap["diblokir"], antri=lap["antri"]))


def percakapan_siaran() -> ConversationHandler[PantauContext]:
    """The broadcast conversation (persistent: a restart halfway loses nothing)."""
    return percakapan(
        entry_points=[CommandHandler("siaran", cmd_siaran)],
        states={
            PERAN_S: [CallbackQueryHandler(on_peran, pattern=r"^sr:peran:")],
            CAKUPAN: [CallbackQueryHandler(on_unit_semua, pattern=r"^sr:unit:"),
                      MessageHandler(filters.TEXT & ~filters.COMMAND, on_unit_teks)],
            ISI: [MessageHandler(filters.TEXT & ~filters.COMMAND, on_isi),
                  MessageHandler(~filters.COMMAND, on_bukan_teks)],
            KONFIRMASI: [CallbackQueryHandler(on_konfirmasi, pattern=r"^sr:(kirim|batal)$")],
            ConversationHandler.TIMEOUT: [TypeHandler(Update, on_habis)],
        },
        fallbacks=[CommandHandler("batal", on_batal)],
        name="siaran", persistent=True, conversation_timeout=WAKTU_PERCAKAPAN, allow_reentry=True,
    )


def daftar() -> list[BaseHandler[Any, PantauContext, Any]]:
    """The broadcast conversation and its report button."""
    return [percakapan_siaran(), CallbackQueryHandler(on_laporan, pattern=r"^sr:lap:")]
