"""/eskalasi for the kab/kota logistics officer: the open problems in their scope, oldest first, and handling one
with an optional note.

``es:<id>`` (on /eskalasi's list and on the pushed escalation) asks for the note, a step of the one reporting
conversation (handlers.pelaporan); ``es:l:<id>`` (Tanpa catatan) handles it without one, in or outside the flow.
Either way ``storage.arrivals.tangani`` records it once: a second tap, or a second officer, is told who handled it
and when. The officer and the reporter read the same sentence ("… sudah ditangani oleh <nama>: <catatan>.").
"""

from __future__ import annotations

import contextlib
from typing import Any

from telegram import Message, Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from domain import logistik as lg
from domain.errors import ParseError
from domain.kinerja import teks_bebas
from domain.tanggal import format_datetime, lama_menunggu
from handlers import kirim, teks, tombol
from handlers.konteks import PantauContext
from handlers.pelaporan import SELESAI, bersihkan, draf, tolak_tombol
from handlers.teks import kepala as tk
from handlers.teks import logistik as tl
from storage import arrivals, outbox
from storage.arrivals import Eskalasi
from storage.cakupan import cakupan

ES = "es"
CATATAN = "es_catatan"
MAKS_BUTIR = 10


def _jenis(e: Eskalasi) -> str:
    return lg.LABEL_MASALAH.get(e.jenis, e.jenis)


def kalimat_ditangani(e: Eskalasi, nama: str, catatan: str | None) -> str:
    """The one sentence the officer and the reporter both read."""
    return tk.ES_DITANGANI.format(kode=e.tps_kode or "-", jenis=_jenis(e), nama=nama,
                                  catatan=f": {catatan}" if catatan else "")


def _sudah(e: Eskalasi, context: PantauContext) -> str:
    if e.handled_by and e.handled_at:
        return tk.ES_SUDAH.format(kode=e.tps_kode or "-", nama=e.handled_by,
                                  waktu=format_datetime(e.handled_at, context.layanan.timezone),
                                  catatan=f": {e.handled_note}" if e.handled_note else "")
    return tk.ES_TIDAK_BERLAKU.format(catatan=e.handled_note or "-")


async def cmd_eskalasi(update: Update, context: PantauContext) -> None:
    """The open problems in the user's scope, oldest first, each with its TPS, problem, age and a button."""
    msg, svc = update.effective_message, context.layanan
    assert msg is not None
    async with svc.engine.connect() as conn:
        scope = (await cakupan(conn, context.aktif)).kabkota_list
        rows, total = ([], 0) if scope == [] else await arrivals.eskalasi_terbuka(
            conn, scope, limit=MAKS_BUTIR, terlama_dulu=True)
    if not rows:
        await msg.reply_text(tk.ES_KOSONG)
        return
    await msg.reply_text(tk.ES_JUDUL.format(n=total))
    now = svc.now()
    for e in rows:
        text = tk.ES_BUTIR.format(kode=e.tps_kode or "-", jenis=_jenis(e), usia=lama_menunggu(e.created_at, now),
                                  uraian=e.uraian, pelapor=e.pelapor or "-",
                                  waktu=format_datetime(e.created_at, svc.timezone))
        await kirim.balas(msg, text, reply_markup=tombol.papan([(tk.ES_TANDAI, tombol.data(ES, e.id))]))
    if total > len(rows):
        await msg.reply_text(tk.ES_SISA.format(n=total - len(rows)))


async def _milik(update: Update, context: PantauContext, esk_id: int) -> Eskalasi | None:
    """The escalation when the user may act on it and it is still open; otherwise the refusal is answered."""
    q = update.callback_query
    assert q is not None
    async with context.layanan.engine.connect() as conn:
        found = await arrivals.eskalasi_by_ids(conn, [esk_id])
        boleh = bool(found) and (await cakupan(conn, context.aktif)).tindak_kabkota(found[0].kabkota_unit_id)
    if not found:
        await tolak_tombol(q, teks.KEDALUWARSA)
        return None
    if not boleh:
        await tolak_tombol(q, tl.BUKAN_CAKUPAN)
        return None
    if found[0].status != arrivals.TERBUKA:
        await tolak_tombol(q, _sudah(found[0], context))
        return None
    return found[0]


async def on_tandai(update: Update, context: PantauContext) -> object:
    """Tandai ditangani: ask for the note (or Tanpa catatan)."""
    q = update.callback_query
    assert q is not None and update.effective_chat is not None
    bersihkan(context)
    a = tombol.args(q.data, 1)
    esk = await _milik(update, context, n) if a and (n := tombol.nomor(a[0])) is not None else None
    if esk is None:
        if not (a and tombol.nomor(a[0]) is not None):
            await tolak_tombol(q, teks.KEDALUWARSA)
        return SELESAI
    await q.answer()
    m = q.message
    draf(context, ES).update(id=esk.id, chat=update.effective_chat.id, msg=m.message_id if m else None,
                             teks=m.text if isinstance(m, Message) and m.text else "")
    await context.bot.send_message(update.effective_chat.id, tk.ES_MINTA_CATATAN.format(kode=esk.tps_kode or "-"),
                                   reply_markup=tombol.papan([(tk.ES_TANPA_CATATAN, tombol.data(ES, "l", esk.id))]))
    return CATATAN


async def on_catatan(update: Update, context: PantauContext) -> object:
    """The typed note: handle it with the note."""
    msg, d = update.effective_message, draf(context, ES)
    assert msg is not None
    if "id" not in d:
        await msg.reply_text(teks.KEDALUWARSA)
        return SELESAI
    try:
        catatan = teks_bebas(msg.text or "", lg.MAKS_CATATAN, "Catatan")
    except ParseError as exc:
        await msg.reply_text(tk.ES_CATATAN_SALAH.format(galat=exc.pesan),
                             reply_markup=tombol.papan([(tk.ES_TANPA_CATATAN, tombol.data(ES, "l", d["id"]))]))
        return CATATAN
    bersihkan(context)
    await msg.reply_text(await _tangani(context, int(d["id"]), catatan, d))
    return SELESAI


async def on_tanpa_catatan(update: Update, context: PantauContext) -> object:
    """Tanpa catatan: handle it without a note (also a button left from an earlier flow)."""
    q = update.callback_query
    assert q is not None
    a = tombol.args(q.data, 2)
    if a is None or a[0] != "l" or (n := tombol.nomor(a[1])) is None:
        await tolak_tombol(q, teks.KEDALUWARSA)
        return SELESAI
    esk = await _milik(update, context, n)
    d = dict(draf(context, ES))
    bersihkan(context)
    if esk is None:
        return SELESAI
    await q.answer()
    with contextlib.suppress(TelegramError):  # the prompt's button goes; the decision is what matters
        await q.edit_message_reply_markup(reply_markup=None)
    assert update.effective_chat is not None
    await context.bot.send_message(update.effective_chat.id, await _tangani(
        context, esk.id, None, d if d.get("id") == esk.id else {}))
    return SELESAI


async def _tangani(context: PantauContext, esk_id: int, catatan: str | None, d: dict[str, Any]) -> str:
    """Record the handling once (``storage.arrivals.tangani``), tell the reporter, mark the list's message."""
    svc, p = context.layanan, context.aktif
    async with svc.engine.begin() as conn:
        found = await arrivals.eskalasi_by_ids(conn, [esk_id])
        if not found or not (await cakupan(conn, p)).tindak_kabkota(found[0].kabkota_unit_id):
            return teks.KEDALUWARSA if not found else tl.BUKAN_CAKUPAN
        esk = found[0]
        if not await arrivals.tangani(conn, esk.id, oleh=p, now=svc.now(), catatan=catatan):
            return _sudah((await arrivals.eskalasi_by_ids(conn, [esk.id]))[0], context)
        kalimat = kalimat_ditangani(esk, p.name, lg.catatan_bersih(catatan))
        if esk.pelapor_tg is not None:
            await outbox.enqueue(conn, key=f"eskalasi-ditangani:{esk.id}", chat_id=esk.pelapor_tg, kind="info",
                                 text=kalimat, now=svc.now())
    svc.wake_outbox()
    if d.get("msg") and d.get("teks"):
        with contextlib.suppress(TelegramError):  # the list's message may be gone; the handling is recorded
            await context.bot.edit_message_text(
                d["teks"] + tl.DITANGANI.format(nama=p.name, waktu=format_datetime(svc.now(), svc.timezone)),
                chat_id=d["chat"], message_id=d["msg"])
    return "✅ " + kalimat


def masuk() -> list[BaseHandler[Any, PantauContext, Any]]:
    """Entry point of the note step: Tandai ditangani."""
    return [CallbackQueryHandler(on_tandai, pattern=rf"^{ES}:\d+$")]


def langkah() -> dict[object, list[BaseHandler[Any, PantauContext, Any]]]:
    """The note step."""
    return {CATATAN: [CallbackQueryHandler(on_tanpa_catatan, pattern=rf"^{ES}:l:"),
                      MessageHandler(filters.TEXT & ~filters.COMMAND, on_catatan)]}


def daftar() -> list[BaseHandler[Any, PantauContext, Any]]:
    """/eskalasi, Tanpa catatan outside the flow, and any other (stale) es: button."""
    return [CommandHandler("eskalasi", cmd_eskalasi), CallbackQueryHandler(on_tanpa_catatan, pattern=rf"^{ES}:")]
