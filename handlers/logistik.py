"""/logistik: arrival of logistics at TPS for leaders and operators, limited to their scope."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from handlers import kirim
from handlers.konteks import PantauContext
from reports import logistik, teks
from storage import users


async def cmd_logistik(update: Update, context: PantauContext) -> None:
    """Arrival of logistics, limited to the kab/kota in the user's scope."""
    assert update.effective_message is not None
    async with context.layanan.engine.connect() as conn:
        lap = await logistik.build(conn, await users.scope_kabkota_ids(conn, context.aktif))
    await kirim.balas(update.effective_message, teks.logistik(lap))


def daftar() -> list[BaseHandler[Any, PantauContext, Any]]:
    """The logistics summary command."""
    return [CommandHandler("logistik", cmd_logistik)]
