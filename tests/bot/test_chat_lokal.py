"""`pantau chat` (local mode) and the outbox: a session shows its own user's queued messages only, the newest few
of a backlog, and the buttons pushed to that user can be pressed."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.chat import ALASAN_DISISIHKAN, BATAS_ANTREAN, chat
from bot.settings import Settings
from storage import outbox
from storage import tables as t
from tests.bot.harness import bot_uji, demo_tg
from tests.bot.test_realisasi import _lapor, _rows


def _naskah(*baris: str) -> Callable[[], str]:
    it = iter([f"{b}\n" for b in baris])
    return lambda: next(it, "")


async def _antre(engine: AsyncEngine, chat_id: int, n: int, awalan: str, kind: str = "pengingat") -> None:
    async with engine.begin() as conn:
        await outbox.enqueue_many(conn, [outbox.PesanBaru(f"uji:{awalan}:{i}", chat_id, f"{awalan} nomor {i}", kind)
                                                          for i in range(1, n + 1)],
                                  now=datetime.now(UTC))


async def _status(engine: AsyncEngine, chat_id: int) -> dict[str, int]:
    async with engine.connect() as conn:
        rows = (await conn.execute(sa.select(t.outbox.c.status, sa.func.count()).where(t.outbox.c.chat_id == chat_id)
                                   .group_by(t.outbox.c.status))).all()
    return {s: int(n) for s, n in rows}


async def test_a_session_shows_its_own_backlog_summarised_and_leaves_the_others_queued(
        engine: AsyncEngine, database_url: str, tmp_path: Path) -> None:
    petugas, kabag = await demo_tg(engine, "petugas"), await demo_tg(engine, "kabag-kul")
    await _antre(engine, petugas, 12, "Pengingat petugas")
    await _antre(engine, kabag, 3, "Untuk kepala", kind="persetujuan")
    out = io.StringIO()
    rc = await chat(Settings(DATABASE_URL=database_url), "petugas", lines=_naskah("/keluar"), out=out,
                    files=tmp_path)
    teks = out.getvalue()
    assert rc == 0
    lama = 12 - BATAS_ANTREAN
    assert f"[antrean] {lama} pesan lama untuk Anda tidak ditampilkan ({lama} pengingat); 5 terbaru menyusul." in teks
    assert "[antrean] 3 pesan untuk pengguna lain menunggu (kabag-kul: 3)" in teks
    # the newest five, in order, and nothing older, nothing of the head's
    ditampilkan = [b for b in teks.splitlines() if b.startswith("bot> Pengingat petugas")]
    assert ditampilkan == [f"bot> Pengingat petugas nomor {i}" for i in range(8, 13)]
    assert "Untuk kepala" not in teks
    assert await _status(engine, petugas) == {"terkirim": 5, "gagal": lama}
    assert await _status(engine, kabag) == {"antri": 3}
    async with engine.connect() as conn:
        alasan = set((await conn.execute(sa.select(t.outbox.c.last_error).where(
            t.outbox.c.chat_id == petugas, t.outbox.c.status == "gagal"))).scalars())
    assert alasan == {ALASAN_DISISIHKAN}  # set aside with a reason, not lost: the web's outbox page resends
    # the head's own session gets them, with no backlog line (three is within the limit)
    out = io.StringIO()
    await chat(Settings(DATABASE_URL=database_url), "kabag-kul", lines=_naskah("/keluar"), out=out, files=tmp_path)
    teks = out.getvalue()
    assert "pesan lama" not in teks and "pengguna lain" not in teks
    assert [b for b in teks.splitlines() if b.startswith("bot> Untuk kepala")] == [
        f"bot> Untuk kepala nomor {i}" for i in (1, 2, 3)]
    assert await _status(engine, kabag) == {"terkirim": 3}


async def test_a_session_without_backlog_says_nothing_about_queues(engine: AsyncEngine, database_url: str,
                                                                 tmp_path: Path) -> None:
    out = io.StringIO()
    await chat(Settings(DATABASE_URL=database_url), "pimpinan", lines=_naskah("/keluar"), out=out, files=tmp_path)
    assert "[antrean]" not in out.getvalue()


async def test_the_heads_session_presses_the_buttons_pushed_to_the_head(engine: AsyncEngine, database_url: str,
                                                                      tmp_path: Path) -> None:
    op, kabag = await demo_tg(engine, "operator-uml"), await demo_tg(engine, "kabag-kul")
    async with bot_uji(engine) as b:  # two reports, each pushed to the head with Setujui / Kembalikan
        await _lapor(b, op, "KUL-UML-2", "2024-Q4", "70")
        await _lapor(b, op, "KUL-UML-1", "2024-Q4", "80")
    assert await _status(engine, kabag) == {"antri": 2}
    settings = Settings(DATABASE_URL=database_url)
    # the operator's session does not show the head's messages, it says where they wait
    out = io.StringIO()
    await chat(settings, "operator-uml", lines=_naskah("/keluar"), out=out, files=tmp_path)
    assert "Setujui" not in out.getvalue() and "(kabag-kul: 2)" in out.getvalue()
    # the head's session: both messages, each with its own pressable numbers; #3 approves the second report
    out = io.StringIO()
    await chat(settings, "kabag-kul", lines=_naskah("#3", "/keluar"), out=out, files=tmp_path)
    teks = out.getvalue()
    assert teks.count("menunggu verifikasi Anda") >= 2, teks
    assert "[#1 ✅ Setujui]  [#2 ↩️ Kembalikan]" in teks and "[#3 ✅ Setujui]  [#4 ↩️ Kembalikan]" in teks
    assert "Disetujui" in teks or "disetujui" in teks
    assert "[antre untuk operator-uml: 1 pesan; tampil di pantau chat --as operator-uml]" in teks
    status = {kode: (await _rows(engine, kode))[-1].status for kode in ("KUL-UML-1", "KUL-UML-2")}
    assert status == {"KUL-UML-1": "disetujui", "KUL-UML-2": "diajukan"}, status


def test_pantau_chat_on_the_command_line_keeps_others_queued(cli: Callable[[list[str]], int], database_url: str,
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    import asyncio

    from storage.db import create_engine

    async def siapkan() -> int:
        eng = create_engine(database_url)
        try:
            kabag = await demo_tg(eng, "kabag-kul")
            await _antre(eng, kabag, 2, "Untuk kepala", kind="persetujuan")
            return kabag
        finally:
            await eng.dispose()

    kabag = asyncio.run(siapkan())
    monkeypatch.setattr(sys, "stdin", io.StringIO("/start\n/keluar\n"))
    assert cli(["chat", "--as", "pimpinan"]) == 0
    keluar = capsys.readouterr().out
    assert "2 pesan untuk pengguna lain menunggu (kabag-kul: 2)" in keluar and "Untuk kepala" not in keluar

    async def status() -> dict[str, int]:
        eng = create_engine(database_url)
        try:
            return await _status(eng, kabag)
        finally:
            await eng.dispose()

    assert asyncio.run(status()) == {"antri": 2}


async def test_no_session_on_the_database_of_a_connected_bot(engine: AsyncEngine, database_url: str,
                                                              tmp_path: Path) -> None:
    """With a Telegram token the queue is real people's: a session would deliver it to a terminal, or set it aside."""
    petugas = await demo_tg(engine, "petugas")
    await _antre(engine, petugas, 7, "Pengingat petugas")
    out = io.StringIO()
    rc = await chat(Settings(DATABASE_URL=database_url, TELEGRAM_BOT_TOKEN="123456:ABCdefGHIjklMNO"), "petugas",
                    lines=_naskah("/keluar"), out=out, files=tmp_path)
    assert rc == 2 and "hanya untuk mode lokal" in out.getvalue()
    assert await _status(engine, petugas) == {"antri": 7}
