"""/jadwal: the deadlines in the user's scope for the next 14 days, and what is overdue."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from handlers import kirim
from handlers.konteks import PantauContext
from handlers.pengingat import baris_jadwal
from handlers.teks import pengingat as tx
from storage import tenggat
from storage.cakupan import cakupan

HARI = 14
MAKS_BARIS = 60


def _bagian(judul: str, baris: list[tenggat.Baris], kosong: str) -> list[str]:
    if not baris:
        return [kosong]
    lines = [judul, *(baris_jadwal(b) for b in baris[:MAKS_BARIS])]
    if len(baris) > MAKS_BARIS:
        lines.append(tx.PENGINGAT_TERSEMBUNYI.format(n=len(baris) - MAKS_BARIS))
    return lines


async def cmd_jadwal(update: Update, context: PantauContext) -> None:
    """Overdue deadlines first, then the next 14 days, limited to the user's units (and what they answer for)."""
    msg, p, svc = update.effective_message, context.aktif, context.layanan
    assert msg is not None
    async with svc.engine.connect() as conn:
        scope = (await cakupan(conn, p)).unit_list
        j = await tenggat.jadwal_pengguna(conn, user_id=p.id, unit_ids=scope, now=svc.now(), zona=svc.timezone,
                                          hari=HARI)
    lines = _bagian(tx.JADWAL_TERLAMBAT, j.terlambat, tx.JADWAL_KOSONG_TERLAMBAT)
    lines += ["", *_bagian(tx.JADWAL_AKAN_DATANG.format(hari=HARI), j.akan_datang,
                           tx.JADWAL_KOSONG_DATANG.format(hari=HARI))]
    await kirim.balas(msg, "\n".join(lines))


def daftar() -> list[BaseHandler[Any, PantauContext, Any]]:
    """The /jadwal command."""
    return [CommandHandler("jadwal", cmd_jadwal)]
