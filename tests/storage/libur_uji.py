"""Helpers for the holiday tests: the demo carried into 2025 (its PKs signed again for 2025), deadlines synced."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import libur, tenggat
from storage import tables as t

ZONA = "Asia/Jakarta"


async def tahun_2025(engine: AsyncEngine) -> None:
    """Every 2024 PK document signed again for 2025 with the same indicators; holidays filled, deadlines synced."""
    pk, it = t.pk_documents, t.pk_items
    async with engine.begin() as conn:
        docs = (await conn.execute(sa.select(pk).where(pk.c.tahun == 2024, pk.c.versi == 1))).all()
        for d in docs:
            res = await conn.execute(pk.insert().values(unit_id=d.unit_id, tahun=2025, versi=1, jenis="awal",
                                                        tanggal=date(2025, 1, 2)))
            assert res.inserted_primary_key is not None
            baru = int(res.inserted_primary_key[0])
            items = (await conn.execute(sa.select(it).where(it.c.pk_id == d.id))).all()
            if items:
                await conn.execute(it.insert(), [{"pk_id": baru, "indicator_id": i.indicator_id, "urutan": i.urutan,
                                                  "target": i.target} for i in items])
        await libur.isi_libur_data(conn, zona=ZONA)
        await tenggat.sinkronkan(conn, zona=ZONA, now=datetime(2025, 1, 2, tzinfo=UTC))
