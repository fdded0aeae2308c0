"""Verification of realisations by the unit head (or the pimpinan over the unit): Setujui / Kembalikan.

The head receives each submission through the outbox with the buttons vf:ok:<id> and vf:kb:<id>. Approving is one
tap; returning asks for a reason (a step of the reporting conversation). Either way the status changes once
(a second tap, or a second head, is told it is decided), it is audited, and the operator is told via the outbox
(``storage.kinerja.decide``, the same rule as the web's).

/verifikasi lists what waits for this head (``storage.verifikasi.menunggu``), oldest first, one message per report
with the same two buttons, so a pushed message that scrolled away is never lost.
"""

from __future__ import annotations

import contextlib
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from domain.errors import ParseError
from domain.kinerja import DitolakError, periksa_alasan
from domain.periode import parse_periode
from domain.tanggal import format_datetime, lama_menunggu
from handlers import kirim, teks, tombol
from handlers.konteks import PantauContext
from handlers.pelaporan import SELESAI, bersihkan, draf, tolak_tombol
from handlers.teks import kepala as tkp
from handlers.teks import kinerja as tk
from reports.teks import nilai_teks
from storage import kinerja, verifikasi

VF = "vf"
ALASAN = "vf_alasan"
MAKS_BUTIR = 10  # messages one /verifikasi sends; the rest after these are decided


def _id(data: str | None, aksi: str) -> int | None:
    a = tombol.args(data, 2)
    return tombol.nomor(a[1]) if a is not None and a[0] == aksi else None


async def on_setujui(update: Update, context: PantauContext) -> None:
    """Setujui: the realisation becomes the verified value."""
    query, svc, p = update.callback_query, context.layanan, context.aktif
    assert query is not None
    rid = _id(query.data, "ok")
    if rid is None:
        await tolak_tombol(query, teks.KEDALUWARSA)
        return
    try:
        async with svc.engine.begin() as conn:
            await kinerja.decide(conn, rid, approve=True, note=None, verifier=p, now=svc.now())
    except DitolakError as exc:
        await tolak_tombol(query, exc.pesan)
        return
    await query.answer(tk.VF_DISETUJUI)
    svc.wake_outbox()
    asli = getattr(query.message, "text", "") or ""
    await query.edit_message_text(tk.VF_PUTUSAN.format(teks=asli, putusan="Disetujui", nama=p.name))


async def on_kembalikan(update: Update, context: PantauContext) -> object:
    """Kembalikan: ask the head for the reason first."""
    query, p = update.callback_query, context.aktif
    assert query is not None and update.effective_chat is not None
    bersihkan(context)
    rid = _id(query.data, "kb")
    if rid is None:
        await tolak_tombol(query, teks.KEDALUWARSA)
        return SELESAI
    try:
        async with context.layanan.engine.connect() as conn:
            r, ind = await kinerja.decidable(conn, rid, p)
    except DitolakError as exc:
        await tolak_tombol(query, exc.pesan)
        return SELESAI
    await query.answer()
    msg = query.message
    draf(context, VF).update(id=r.id, chat=update.effective_chat.id, msg=msg.message_id if msg else None,
                             teks=getattr(msg, "text", "") or "")
    await context.bot.send_message(update.effective_chat.id, tk.VF_MINTA_ALASAN.format(
        kode=ind.kode, periode=parse_periode(r.periode).label, nilai=nilai_teks(ind.jenis, r.nilai)))
    return ALASAN


async def on_alasan(update: Update, context: PantauContext) -> object:
    """The reason: return the report, tell the operator, mark the head's message."""
    msg, svc, p, d = update.effective_message, context.layanan, context.aktif, draf(context, VF)
    assert msg is not None
    if "id" not in d:
        await msg.reply_text(teks.KEDALUWARSA)
        return SELESAI
    try:
        alasan = periksa_alasan(msg.text or "")
    except ParseError as exc:
        await msg.reply_text(f"{exc.pesan} {tk.COBA_LAGI}")
        return ALASAN
    try:
        async with svc.engine.begin() as conn:
            await kinerja.decide(conn, int(d["id"]), approve=False, note=alasan, verifier=p, now=svc.now())
    except DitolakError as exc:
        bersihkan(context)
        await msg.reply_text(exc.pesan)
        return SELESAI
    bersihkan(context)
    svc.wake_outbox()
    if d.get("msg") and d.get("teks"):
        with contextlib.suppress(TelegramError):  # the old message may be gone; the decision is recorded anyway
            await context.bot.edit_message_text(tk.VF_PUTUSAN.format(teks=d["teks"], putusan="Dikembalikan",
                                                                     nama=p.name) + f"\nAlasan: {alasan}",
                                                chat_id=d["chat"], message_id=d["msg"])
    await msg.reply_text(tk.VF_DIKEMBALIKAN)
    return SELESAI


async def cmd_verifikasi(update: Update, context: PantauContext) -> None:
    """The head's inbox: each waiting report, oldest first, with its age and Setujui / Kembalikan."""
    msg, svc, p = update.effective_message, context.layanan, context.aktif
    assert msg is not None
    if not p.is_head:
        await msg.reply_text(tkp.VF_BUKAN_KEPALA)
        return
    async with svc.engine.connect() as conn:
        rows = await verifikasi.menunggu(conn, p)
    if not rows:
        await msg.reply_text(tkp.VF_KOSONG)
        return
    await msg.reply_text(tkp.VF_JUDUL.format(n=len(rows)))
    now = svc.now()
    for m in rows[:MAKS_BUTIR]:
        text = tkp.VF_BUTIR.format(
            kode=m.kode, periode=parse_periode(m.periode).label, usia=lama_menunggu(m.created_at, now), nama=m.nama,
            unit=m.unit, nilai=nilai_teks(m.jenis, m.nilai), versi=m.versi, pelapor=m.pelapor or "tidak tercatat",
            koreksi=tkp.VF_KOREKSI.format(alasan=tk.ringkas(m.alasan_koreksi, 200)) if m.alasan_koreksi else "",
            waktu=format_datetime(m.created_at, svc.timezone))
        await kirim.balas(msg, text, reply_markup=tombol.papan(
            [(tk.SETUJUI, tombol.data(VF, "ok", m.id)), (tk.KEMBALIKAN, tombol.data(VF, "kb", m.id))]))
    if len(rows) > MAKS_BUTIR:
        await msg.reply_text(tkp.VF_SISA.format(n=len(rows) - MAKS_BUTIR))


def masuk() -> list[BaseHandler[Any, PantauContext, Any]]:
    """Entry point: the Kembalikan button."""
    return [CallbackQueryHandler(on_kembalikan, pattern=r"^vf:kb:")]


def langkah() -> dict[object, list[BaseHandler[Any, PantauContext, Any]]]:
    """The reason step."""
    return {ALASAN: [MessageHandler(filters.TEXT & ~filters.COMMAND, on_alasan)]}


def daftar() -> list[BaseHandler[Any, PantauContext, Any]]:
    """/verifikasi and the Setujui button (the Kembalikan conversation is part of handlers.pelaporan)."""
    return [CommandHandler("verifikasi", cmd_verifikasi), CallbackQueryHandler(on_setujui, pattern=r"^vf:ok:")]
