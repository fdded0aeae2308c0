"""`pantau report lkjip --year 2024 --format docx|pdf [--output FILE]`: the LKjIP draft as a file."""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine

from domain.angka import format_number
from reports import lkjip, lkjip_docx
from storage import audit

FORMAT = ("docx", "pdf")


class GalatLkjip(Exception):
    """A user error or a missing converter: one line, a non-zero exit."""


async def laporan(engine: AsyncEngine, a: argparse.Namespace, tz: str) -> str:
    """Write the draft to a file and say where."""
    if a.format not in FORMAT:
        raise GalatLkjip("Draf LKjIP tersedia sebagai --format docx atau --format pdf.")
    today = datetime.now(ZoneInfo(tz)).date()
    async with engine.connect() as conn:
        data = await lkjip.build(conn, a.year, today=today)
    isi = await asyncio.to_thread(lkjip_docx.render, data)
    if a.format == "pdf":
        try:
            isi = await asyncio.to_thread(lkjip_docx.ke_pdf, isi)
        except lkjip_docx.PdfTidakTersedia as exc:
            raise GalatLkjip(str(exc)) from None
    path = Path(a.output or f"lkjip-{data.tahun}.{a.format}")
    path.write_bytes(isi)
    async with engine.begin() as conn:  # audited like `pantau export` (the actor is "cli")
        await audit.record_export(conn, actor="cli", actor_id=None, dataset="lkjip", fmt=a.format,
                                  rows=lkjip.baris_audit(data), via="cli", filters={"tahun": data.tahun},
                                  now=datetime.now(UTC), berkas=str(path))
    return f"Draf LKjIP {data.tahun} ditulis: {path} ({format_number(round(len(isi) / 1024))} KB)."
