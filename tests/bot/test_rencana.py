"""/rencana end to end: this month's activities, status and progress, lateness, the action-plan report."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import audit
from storage import tables as t
from tests.bot.bantuan_kinerja import laporan_json, tekan_paksa
from tests.bot.harness import bot_uji, demo_tg


async def _id(engine: AsyncEngine, kode: str) -> int:
    async with engine.connect() as conn:
        return (await conn.execute(sa.select(t.rencana_aksi.c.id).where(t.rencana_aksi.c.kode == kode))).scalar_one()


async def test_progress_and_lateness(engine: AsyncEngine, database_url: str, monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    late = await _id(engine, "6871.QGE.002")  # planned July–October: late on 24 November unless done
    async with bot_uji(engine) as b:
        op = await demo_tg(engine, "operator-uml")
        out = await b.kirim(op, "/rencana")
        text = out[-1].content
        assert "Rencana aksi KUL-UML — November 2024" in text
        shown = [d for row in b.api.buttons(op) for _, d in row]
        ids = {k: await _id(engine, k) for k in ("3355.EBA.994", "3360.EBA.994", "6871.QGE.001", "6871.QGE.002",
                                                  "6871.QGE.003")}
        assert sorted(d for d in shown if d) == sorted(f"ra:a:{i}" for i in ids.values())
        assert ("6871.QGE.002  Pengelolaan Pengadaan Barang dan Jasa [KUL]\n"
                "   jadwal Jul–Okt (jadwal demo) · belum mulai 0 % · ⚠ TERLAMBAT") in text
        other = await _id(engine, "6709.QGE.001")  # PDI's
        assert "bukan milik unit Anda" in (await tekan_paksa(b, op, f"ra:a:{other}") or "")
        await b.tekan(op, f"ra:a:{late}")
        assert "Status kegiatan ini sekarang?" in b.api.last(op).content
        assert "kedaluwarsa" in (await tekan_paksa(b, op, "ra:s:hilang") or "")
        await b.tekan(op, "ra:s:berjalan")
        for text, expected in [("150", "0 sampai 99"), ("100", "pilih status Selesai"), ("abc", "bukan angka"),
                               ("40,5", "persen bulat"), ("-3", "tidak boleh negatif")]:
            out = await b.kirim(op, text)
            assert expected in out[-1].content, text
        out = await b.kirim(op, "60 %")
        assert "berjalan 60 %" in out[-1].content and "TERLAMBAT" in out[-1].content
        await b.kirim(op, "/rencana")
        await b.tekan(op, f"ra:a:{late}")
        await b.tekan(op, "ra:s:selesai")
        assert "selesai 100 %" in b.api.last(op).content and "TERLAMBAT" not in b.api.last(op).content
        await b.kirim(op, "/rencana")
        await b.tekan(op, f"ra:a:{ids['6871.QGE.003']}")
        await b.tekan(op, "ra:s:berjalan")
        await b.kirim(op, "/batal")
        # done and past its end: no longer offered
        await b.kirim(op, "/rencana")
        assert f"ra:a:{late}" not in [d for row in b.api.buttons(op) for _, d in row]
    async with engine.connect() as conn:
        rows = (await conn.execute(sa.select(t.rencana_progress).order_by(t.rencana_progress.c.id))).all()
        log = await audit.recent(conn, entity="rencana_aksi")
    assert [(r.rencana_id, r.versi, r.status, r.progres) for r in rows] == [(late, 1, "berjalan", 60),
                                                                           (late, 2, "selesai", 100)]
    assert len(log) == 2
    js = await laporan_json(database_url, monkeypatch, capsys, tmp_path, "rencana-aksi", "--year", "2024")
    row = next(r for r in js["kegiatan"] if r["kode"] == "6871.QGE.002")
    assert (row["status"], row["progres"], row["terlambat"]) == ("selesai", 100, False)
    other_row = next(r for r in js["kegiatan"] if r["kode"] == "6871.QGE.003")
    assert (other_row["status"], other_row["progres"]) == ("belum", 0)  # the cancelled update left nothing


async def test_unit_without_activities(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        kota = await demo_tg(engine, "operator-kota")
        out = await b.kirim(kota, "/rencana")
        assert "Tidak ada kegiatan rencana aksi KAB-1771" in out[-1].content
