"""Helpers shared by the reporting-flow tests (realisasi, verifikasi, anggaran_lapor, rencana, tahapan)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cli import main
from tests.bot.harness import BotUji


def tombol_dengan(b: BotUji, tg: int, awalan: str) -> dict[str, str]:
    """The buttons of the user's last keyboard whose label starts with … : label -> callback data."""
    return {label: data for row in b.api.buttons(tg) for label, data in row if data and label.startswith(awalan)}


def data_tombol(b: BotUji, tg: int, label_awal: str) -> str:
    """The callback data of the one button on the last keyboard whose label starts with label_awal."""
    found = tombol_dengan(b, tg, label_awal)
    assert len(found) == 1, (label_awal, b.api.buttons(tg))
    return next(iter(found.values()))


async def tekan_paksa(b: BotUji, tg: int, data: str) -> str | None:
    """Press forged/stale callback data on the user's newest message; returns the callback answer text."""
    msg_id = b.api.messages(tg)[-1].message_id
    await b.api.press(tg, msg_id, data)
    await b.app.process_update(b.api.pending_updates()[-1].to_update(b.app.bot))
    return b.api.callback_answers[-1].text


async def kirim_dokumen(b: BotUji, tg: int, nama: str, isi: bytes = b"%PDF-1.4 bukti") -> None:
    """The user sends a document."""
    upd = await b.api.send_document(tg, nama, isi, "application/pdf")
    await b.app.process_update(upd.to_update(b.app.bot))


async def kirim_foto(b: BotUji, tg: int) -> None:
    """The user sends a photo."""
    upd = await b.api.send_photo(tg)
    await b.app.process_update(upd.to_update(b.app.bot))


async def indikator_id(engine: AsyncEngine, kode: str) -> int:
    """An indicator's id by code."""
    from storage import tables as t

    async with engine.connect() as conn:
        return (await conn.execute(sa.select(t.indicators.c.id).where(t.indicators.c.kode == kode))).scalar_one()


async def laporan_json(url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp: Path,
                       *args: str) -> Any:
    """`pantau report <args> --format json` on the test database, parsed."""
    monkeypatch.chdir(tmp)  # no stray .env is read
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    capsys.readouterr()
    rc = await asyncio.to_thread(main, ["report", *args, "--format", "json"])  # the CLI runs its own event loop
    out = capsys.readouterr()
    assert rc == 0, out.err
    return json.loads(out.out)


def baris(js: dict[str, Any], kode: str) -> dict[str, Any]:
    """One indicator row of a capaian report (children included)."""
    for r in js["indikator"]:
        if r["kode"] == kode:
            return dict(r)
        for c in r.get("anak", []):
            if c["kode"] == kode:
                return dict(c)
    raise AssertionError(f"{kode} tidak ada di laporan")
