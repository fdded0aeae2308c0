"""The bot tells an operator, in Indonesian, why a report dated in a closed year is refused and who can reopen it."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from reports import tahun as laporan_tahun
from storage import tables as t
from tests.bot.harness import bot_uji, demo_tg


async def test_rencana_into_a_closed_year_is_refused_with_the_reason(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await laporan_tahun.tutup(conn, 2024, today=date(2025, 2, 28), actor="Admin Demo", actor_id=None,
                                  now=datetime(2025, 2, 28, 3, 0, tzinfo=UTC))
        act = (await conn.execute(sa.select(t.rencana_aksi.c.id).where(t.rencana_aksi.c.kode == "6871.QGE.002"))
               ).scalar_one()
    async with bot_uji(engine) as b:
        op = await demo_tg(engine, "operator-uml")
        await b.kirim(op, "/rencana")
        await b.tekan(op, f"ra:a:{act}")
        await b.tekan(op, "ra:s:selesai")
        text = b.api.last(op).content
    assert "Tahun anggaran 2024 sudah ditutup" in text and "oleh Admin Demo" in text
    assert "Hanya admin yang dapat membukanya kembali, dengan alasan" in text
    async with engine.connect() as conn:
        assert (await conn.execute(sa.select(sa.func.count()).select_from(t.rencana_progress))).scalar_one() == 0
