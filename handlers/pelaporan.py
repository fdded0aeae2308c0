"""What the unit reporting flows share: one conversation for /realisasi, /anggaran_lapor, /rencana, /tahapan,
the head's "Kembalikan" reason and the logistics officer's note on a handled escalation, plus small helpers.

The flows are steps of ONE ConversationHandler (built here, registered by handlers.realisasi) so that starting
one flow while another is half done simply replaces it: with separate conversations both would stay open and
the older one would swallow the text meant for the newer one.
"""

from __future__ import annotations

import contextlib
import functools
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from telegram import CallbackQuery, Message, Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ConversationHandler, TypeHandler

from domain import akses
from handlers import gangguan, kirim, mulai, teks, tombol
from handlers.konteks import PantauContext, percakapan

WAKTU_PERCAKAPAN = timedelta(minutes=30)
DRAF = ("rl", "al", "ra", "th", "vf", "es")  # user_data keys of the flows' drafts (JSON values only)
SELESAI = ConversationHandler.END
ID_DRAF = "draf"  # the draft's id, stored with the saved row: the same draft submitted again is stored once


def hari_ini(context: PantauContext) -> date:
    """Today's date in the bot's time zone (from the injectable clock)."""
    return context.layanan.now().astimezone(ZoneInfo(context.layanan.timezone)).date()


def draf(context: PantauContext, kunci: str) -> dict[str, Any]:
    """The draft of one flow in user_data (created, with a new draft id, when missing)."""
    assert context.user_data is not None
    d = context.user_data.setdefault(kunci, {})
    assert isinstance(d, dict)
    if ID_DRAF not in d:
        # Made when the flow starts, so that the save's update handled again still carries the same id.
        d[ID_DRAF] = secrets.token_hex(8)
    return d


def bersihkan(context: PantauContext) -> None:
    """Forget every flow's draft (a new flow starts, or the current one ends)."""
    if context.user_data is not None:
        for k in DRAF:
            context.user_data.pop(k, None)


def draf_terpilih(update: Update, context: PantauContext, kunci: str) -> dict[str, Any]:
    """The draft of a flow whose item was just accepted; a reminder's button starts the flow afresh, as its
    command does (other drafts forgotten), and is remembered so that a second tap starts nothing new."""
    if mulai.dari_pengingat(update.callback_query):
        bersihkan(context)
        d = draf(context, kunci)
        mulai.tandai(d, update.callback_query)
        return d
    return draf(context, kunci)


async def sudah_dimulai(update: Update, context: PantauContext, kunci: str) -> bool:
    """A second tap on the reminder button that started this flow: answered, nothing starts again."""
    assert update.callback_query is not None
    return await mulai.sudah_dimulai(update.callback_query, (context.user_data or {}).get(kunci))


async def pilih(query: CallbackQuery, pilihan: str) -> None:
    """Answer a button and close its keyboard, leaving the choice visible (so a second tap finds nothing)."""
    await query.answer()
    if mulai.dari_pengingat(query):
        return  # a reminder keeps its text and its other buttons; the flow goes on in a new message
    asli = getattr(query.message, "text", None) or ""
    baru = f"{asli}\n\n✓ {pilihan}" if asli else f"✓ {pilihan}"
    # Closing the keyboard is a courtesy: a message too old to edit must not break the step.
    with contextlib.suppress(TelegramError):
        if len(baru) <= kirim.BATAS:
            await query.edit_message_text(baru)
        else:
            await query.edit_message_reply_markup(reply_markup=None)


def tahun_argumen(context: PantauContext) -> int:
    """The year of `/perintah 2024` (a past year, for late reports), else this year."""
    tahun = hari_ini(context).year
    a = context.args or []
    if len(a) == 1 and a[0].isascii() and a[0].isdigit() and len(a[0]) == 4 and 2000 <= int(a[0]) <= tahun:
        return int(a[0])
    return tahun


async def tolak_tombol(query: CallbackQuery, pesan: str) -> None:
    """Refuse a button press with a short alert (the keyboard stays for another choice)."""
    await query.answer(pesan[:190], show_alert=True)


async def tolak(update: Update, pesan: str) -> None:
    """Refuse a step: an alert for a button, a reply for a message (the same question stays open)."""
    if update.callback_query is not None:
        await tolak_tombol(update.callback_query, pesan)
    else:
        assert update.effective_message is not None
        await update.effective_message.reply_text(pesan)


async def jawab(update: Update, context: PantauContext, text: str, markup: Any = None) -> Message:
    """Reply in the chat of the update (after a button too), split when long; the keyboard goes on the last part."""
    assert update.effective_chat is not None
    if update.effective_message is not None and update.callback_query is None:
        return await kirim.balas(update.effective_message, text, reply_markup=markup)
    parts = kirim.potong(text)
    sent: Message | None = None
    for i, part in enumerate(parts):
        sent = await context.bot.send_message(update.effective_chat.id, part,
                                              reply_markup=markup if i == len(parts) - 1 else None)
    assert sent is not None
    return sent


async def tanda_terima(update: Update, context: PantauContext, kunci: str, text: str) -> None:
    """Show the receipt of a save; when Telegram will not take it within the bound, it goes through the outbox."""
    try:
        await jawab(update, context, text)
    except TelegramError as exc:
        if not gangguan.sibuk(exc):
            raise
        # Saved, and the draft already cleared: the receipt must still reach the user (once per key).
        assert update.effective_user is not None
        await gangguan.antrekan_tanda_terima(context.layanan, update.effective_user.id, kunci, text)


LANGKAH = "langkah"  # the step whose question the user last saw (where a "Lanjutkan" button resumes)


def catat_langkah(kunci: str, handlers: list[BaseHandler[Any, PantauContext, Any]]) -> list[
        BaseHandler[Any, PantauContext, Any]]:
    """Make each handler record in the flow's draft the step it showed, once shown.

    A handler that fails (Telegram would not take its question) records nothing, so the draft keeps the step
    the user last saw.
    """
    for h in handlers:
        h.callback = _mencatat(kunci, h.callback)
    return handlers


def _mencatat(kunci: str, fn: Any) -> Any:
    @functools.wraps(fn)
    async def langkah(update: Update, context: PantauContext) -> Any:
        hasil = await fn(update, context)
        d = (context.user_data or {}).get(kunci)
        if isinstance(hasil, str) and isinstance(d, dict):
            d[LANGKAH] = hasil
        return hasil
    return langkah


Tanya = Callable[[Update, PantauContext, dict[str, Any], str], Awaitable[object]]


@dataclass(frozen=True)
class Sambungan:
    """How a flow resumes after Telegram would not show one of its steps (the outbox's "Lanjutkan" button)."""

    kunci: str  # the draft's key in user_data (also the prefix of the flow's button data, unless `awalan`)
    perintah: str  # the command that starts the flow, e.g. "/rencana"
    laporan: str  # what the user is reporting, for the message: "laporan rencana aksi"
    mulai: Callable[[Update, PantauContext], Awaitable[object]]  # the command's handler: starts afresh
    tanya: Tanya  # ask again the question of a step, from the draft; returns the state it leaves the flow in
    awalan: str = ""  # the prefix of the flow's button data, when not the draft's key
    kode: str = "kode"  # the draft's key of what the message names (an indicator's code, a unit's name)

    @property
    def tombol(self) -> str:
        """The prefix of the flow's button data."""
        return self.awalan or self.kunci


_SAMBUNGAN: dict[str, Sambungan] = {}


def sambungan(s: Sambungan) -> BaseHandler[Any, PantauContext, Any]:
    """Register the flow's resume message and return the handler of its "Lanjutkan" button (an entry point)."""
    _SAMBUNGAN[s.kunci] = s
    return catat_langkah(s.kunci, [CallbackQueryHandler(functools.partial(_sambung, s),
                                                         pattern=rf"^{s.tombol}:sambung$")])[0]


def _lanjutan_alur(update: Update, context: Any) -> gangguan.Lanjutan | None:
    """The resume message of the registered flow this update belongs to, if any."""
    for s in list(_SAMBUNGAN.values()):
        hasil = _lanjutan(s, update, context)
        if hasil is not None:
            return hasil
    return None


gangguan.daftarkan(_lanjutan_alur)


def _lanjutan(s: Sambungan, update: Update, context: Any) -> gangguan.Lanjutan | None:
    d = (context.user_data or {}).get(s.kunci)
    q, msg = update.callback_query, update.message
    dimulai = isinstance(d, dict) and LANGKAH in d
    milik = ((q is not None and ((q.data or "").startswith(f"{s.tombol}:")
                                 or q.data == f"{akses.MENU}:{s.perintah.removeprefix('/')}"))  # its menu button
             or (msg is not None and (msg.text or "").split(" ")[0].split("@")[0] == s.perintah)
             # a typed answer; another command belongs to its own flow (a /gudang menu stays open meanwhile)
             or (msg is not None and not (msg.text or "").startswith("/") and dimulai))
    if not milik:
        return None
    kode = d.get(s.kode) if dimulai and isinstance(d, dict) else None
    pesan = (teks.SIBUK_LANJUT.format(laporan=s.laporan, kode=kode) if kode
             else teks.SIBUK_MULAI.format(laporan=s.laporan))
    return gangguan.Lanjutan(pesan, tombol.data(s.tombol, "sambung"))


async def _sambung(s: Sambungan, update: Update, context: PantauContext) -> object:
    """The "Lanjutkan" button: ask again the question of the step the user last saw, with what they entered."""
    q, d = update.callback_query, (context.user_data or {}).get(s.kunci)
    assert q is not None
    langkah = d.get(LANGKAH) if isinstance(d, dict) else None
    await q.answer()
    if not isinstance(d, dict) or not isinstance(langkah, str):
        return await s.mulai(update, context)
    return await s.tanya(update, context, d, langkah)


async def on_batal(update: Update, context: PantauContext) -> int:
    """/batal (or a Batal button) inside a reporting flow: nothing is saved."""
    bersihkan(context)
    if update.callback_query is not None:
        await pilih(update.callback_query, "Batal")
        assert update.effective_chat is not None
        await context.bot.send_message(update.effective_chat.id, teks.DIBATALKAN)
    else:
        assert update.effective_message is not None
        await update.effective_message.reply_text(teks.DIBATALKAN)
    return SELESAI


async def on_habis(update: object, context: PantauContext) -> None:
    """The flow was abandoned: say so politely; nothing is saved."""
    bersihkan(context)
    if isinstance(update, Update) and update.effective_chat is not None:
        await context.bot.send_message(update.effective_chat.id, teks.WAKTU_HABIS)


def percakapan_pelaporan() -> ConversationHandler[PantauContext]:
    """The one reporting conversation, made of each flow's entry points and steps."""
    from handlers import anggaran_lapor, eskalasi, realisasi, rencana, tahapan, verifikasi

    modules = (realisasi, anggaran_lapor, rencana, tahapan, verifikasi, eskalasi)
    entry: list[BaseHandler[Any, PantauContext, Any]] = [h for m in modules for h in m.masuk()]
    states: dict[object, list[BaseHandler[Any, PantauContext, Any]]] = {}
    for m in modules:
        states.update(m.langkah())
    states[ConversationHandler.TIMEOUT] = [TypeHandler(Update, on_habis)]
    return percakapan(
        entry_points=entry, states=states, fallbacks=[CommandHandler("batal", on_batal)],
        name="pelaporan", persistent=True, conversation_timeout=WAKTU_PERCAKAPAN, allow_reentry=True,
    )
