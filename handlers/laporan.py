"""Leaders' and operators' summaries: /capaian, /anggaran, /pemutakhiran (text, scoped)."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from domain.errors import ParseError
from domain.periode import Periode, parse_periode
from handlers import kirim
from handlers.konteks import PantauContext
from reports import anggaran, capaian, pemutakhiran, teks
from storage import users

PAKAI_CAPAIAN = "Pemakaian: /capaian [tahun] [triwulan], misalnya /capaian 2024 atau /capaian 2024 III."


def _argumen_capaian(args: list[str]) -> tuple[int | None, Periode | None]:
    if not args:
        return None, None
    if len(args) > 2 or not args[0].isdigit() or len(args[0]) != 4:
        raise ParseError(PAKAI_CAPAIAN)
    tahun = int(args[0])
    if len(args) == 1:
        return tahun, None
    return tahun, parse_periode(f"Triwulan {args[1].upper()} {tahun}")


async def cmd_capaian(update: Update, context: PantauContext) -> None:
    """Capaian for the organisation (leaders of the Sekretariat, admins) or the user's own unit."""
    msg, p = update.effective_message, context.aktif
    assert msg is not None
    try:
        tahun, sampai = _argumen_capaian(context.args or [])
    except ParseError as exc:
        await msg.reply_text(str(exc))
        return
    async with context.layanan.engine.connect() as conn:
        semua = await users.scope_unit_ids(conn, p) is None
        lap = await capaian.build(conn, tahun, None if semua else p.unit_code, sampai=sampai)
    await kirim.balas(msg, teks.capaian(lap))


async def cmd_anggaran(update: Update, context: PantauContext) -> None:
    """Budget absorption of the year."""
    assert update.effective_message is not None
    tahun = int(context.args[0]) if context.args and context.args[0].isdigit() else None
    async with context.layanan.engine.connect() as conn:
        lap = await anggaran.build(conn, tahun)
    await kirim.balas(update.effective_message, teks.anggaran(lap))


async def cmd_pemutakhiran(update: Update, context: PantauContext) -> None:
    """Voter-list stage status per kab/kota."""
    assert update.effective_message is not None
    async with context.layanan.engine.connect() as conn:
        lap = await pemutakhiran.build(conn, today=context.layanan.now().date())
    await kirim.balas(update.effective_message, teks.pemutakhiran(lap))


def daftar() -> list[BaseHandler[Any, PantauContext, Any]]:
    """The summary commands."""
    return [
        CommandHandler("capaian", cmd_capaian),
        CommandHandler("anggaran", cmd_anggaran),
        CommandHandler("pemutakhiran", cmd_pemutakhiran),
    ]
