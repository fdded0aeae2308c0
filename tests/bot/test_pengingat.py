"""Reminders through the real Application and the real outbox sender: messages, buttons, /pengingat, /jadwal,
the digest, the jobs, and delivery exactly once across a restart, a double sweep, an outage and a 429 storm."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import pengingat
from bot.app import build_application, running
from bot.cli import main
from bot.fakebotapi import FakeBotApi
from bot.outbox import OutboxSender
from bot.settings import Settings
from handlers import teks
from storage import outbox, tenggat
from storage import tables as t
from storage.db import create_engine
from tests.bot.harness import BotUji, Jam, bot_uji
from tests.bot.pengingat_uji import baris_outbox, lapor_tiba, lokal, tps_kab

ZONA = "Asia/Jakarta"
SEKRETARIS, KABAG, OP_DATIN, OP_UML, OP_KOTA, PETUGAS, ADMIN = 910002, 910003, 910004, 910005, 910006, 910007, 910001


async def _kota(engine: AsyncEngine) -> tenggat.Tenggat:
    async with engine.connect() as conn:
        uid = (await conn.execute(sa.select(t.units.c.id).where(t.units.c.code == "KAB-1771"))).scalar_one()
        return next(d for d in await tenggat.daftar_tenggat(conn, zona=ZONA, jenis=["logistik"]) if d.unit_id == uid)


async def _sapu(b: BotUji, at: datetime) -> tenggat.HasilSapu:
    b.jam.now = at
    return await pengingat.sapu(b.engine, now=at, zona=ZONA)


async def _kirim_semua(b: BotUji) -> int:
    """Deliver everything due, a second apart per chat as the sender paces it (the clock moves on)."""
    total = 0
    for _ in range(30):
        n = await b.kirim_outbox()
        total += n
        async with b.engine.connect() as conn:
            if not (await outbox.counts(conn))["antri"]:
                break
        b.jam.now += timedelta(seconds=1.1)
    return total


def _teks(b: BotUji, chat: int) -> list[str]:
    return [m.text for m in b.api.messages(chat)] if b._ada(chat) else []


async def test_a_reminder_says_what_by_when_for_whom_and_offers_the_flow_and_a_snooze(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        await _sapu(b, lokal(date(2024, 11, 23), 7))
        assert await _kirim_semua(b) == 3
        kota = await _kota(engine)
        msg = b.api.last(OP_KOTA)
        assert msg.text.splitlines()[:4] == [
            "⏰ Pengingat H-3", "Logistik tiba di semua TPS (batas H-1)",
            "Batas: Selasa, 26 November 2024 pukul 23.59 WIB", "Untuk: Operator KPU Kota Bengkulu (KAB-1771)"]
        assert "TPS yang sudah melapor: 0 dari 516" in msg.text
        assert msg.buttons == [[("🔕 Ingatkan besok", f"pg:tunda:{kota.id}")]]
        petugas = b.api.last(PETUGAS)
        assert "Untuk: Petugas TPS KPU Kota Bengkulu (KAB-1771)" in petugas.text
        assert petugas.buttons[0] == [("📦 17.71.01.2001-001", "tb:mulai:17.71.01.2001-001")]
        # a reporting deadline: a button per indicator not yet reported (the realisasi flow's entry, with the period)
        await _sapu(b, lokal(date(2024, 3, 28), 7))  # H-7 falls on Good Friday: the Thursday before
        await _kirim_semua(b)
        uml = [m for m in b.api.messages(OP_UML) if "Triwulan I 2024" in m.text]
        assert len(uml) == 2  # its own Sub Bagian's, and the Bagian's (it has no operator of its own)
        buttons = sorted(x for m in uml for row in m.buttons for x in row if x[1] and x[1].startswith("rl:"))
        # its own unit's indicators and its Bagian's: /realisasi lets a Sub Bagian report its Bagian's PK too
        # (at most three flow buttons per reminder)
        assert buttons == [("📝 Lapor KUL-1", "rl:mulai:KUL-1:2024-Q1"), ("📝 Lapor KUL-2", "rl:mulai:KUL-2:2024-Q1"),
                           ("📝 Lapor KUL-3", "rl:mulai:KUL-3:2024-Q1"),
                           ("📝 Lapor KUL-UML-1", "rl:mulai:KUL-UML-1:2024-Q1"),
                           ("📝 Lapor KUL-UML-2", "rl:mulai:KUL-UML-2:2024-Q1"),
                           ("📝 Lapor KUL-UML-3", "rl:mulai:KUL-UML-3:2024-Q1")]
        bagian = next(m for m in uml if "Indikator yang belum dilaporkan: KUL-1" in m.text)
        assert "Ketuk tombol indikator" in bagian.text and "Untuk: Operator Bagian Keuangan" in bagian.text
        assert "Indikator yang belum dilaporkan: KUL-UML-1, KUL-UML-2, KUL-UML-3" in "".join(m.text for m in uml)
        assert all(len(d.encode()) <= 64 for m in b.api.messages(OP_UML) for row in m.buttons for _, d in row if d)


async def test_escalation_names_the_people_responsible(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        await _sapu(b, lokal(date(2024, 11, 27), 7))
        await _kirim_semua(b)
        esc = next(m for m in b.api.messages(SEKRETARIS) if "KAB-1771" in m.text)
        assert esc.text.startswith("🔺 Eskalasi: belum selesai, terlambat 1 hari")
        assert "Penanggung jawab: Operator Logistik Demo KPU Kota Bengkulu, Petugas KPPS Demo" in esc.text
        assert esc.buttons == [[("🔕 Ingatkan besok", f"pg:tunda:{(await _kota(engine)).id}")]]  # no report button
        assert "⚠️ Terlambat 1 hari" in b.api.last(OP_KOTA).text


async def test_ingatkan_besok_reminds_again_tomorrow_morning_and_nothing_before(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        await _sapu(b, lokal(date(2024, 11, 23), 7))  # H-3 (the next regular step, H-1, is two days later)
        await _kirim_semua(b)
        kota = await _kota(engine)
        b.jam.now = lokal(date(2024, 11, 23), 9, 30)
        await b.tekan(OP_KOTA, f"pg:tunda:{kota.id}")
        assert b.jawaban_terakhir() == ('Baik, pengingat "Logistik tiba di semua TPS (batas H-1)" ditunda sampai '
                                        "Minggu, 24 November 2024 pukul 07.00 WIB.")
        await b.tekan(OP_KOTA, f"pg:tunda:{kota.id}")  # a double tap changes nothing
        assert "ditunda sampai Minggu, 24 November 2024" in (b.jawaban_terakhir() or "")
        out = await b.kirim(OP_KOTA, "/pengingat")
        assert "— pengingat ulang (ingatkan besok): Logistik tiba" in out[0].text
        assert "(ditunda sampai Minggu, 24 November 2024 pukul 07.00 WIB)" in out[0].text
        for at in (lokal(date(2024, 11, 23), 12), lokal(date(2024, 11, 24), 6, 59)):
            assert (await _sapu(b, at)).diantrekan == 0
        await _sapu(b, lokal(date(2024, 11, 24), 7))  # tomorrow morning: reminded again, once
        await _sapu(b, lokal(date(2024, 11, 24), 7, 1))
        await _kirim_semua(b)
        heads = [x.splitlines()[0] for x in _teks(b, OP_KOTA) if x.startswith("⏰")]
        assert heads == ["⏰ Pengingat H-3", "⏰ Pengingat lagi, seperti yang Anda minta kemarin"]
        assert [x.splitlines()[0] for x in _teks(b, PETUGAS)] == ["⏰ Pengingat H-3"]  # the petugas did not snooze
        await _sapu(b, lokal(date(2024, 11, 25), 7))  # and the schedule goes on
        await _kirim_semua(b)
        assert _teks(b, OP_KOTA)[-1].startswith("⏰ Pengingat: tenggat BESOK (H-1)")
        # snoozed the evening before a regular step: that step is the reminder, not a second one
        b.jam.now = lokal(date(2024, 11, 25), 20)
        await b.tekan(OP_KOTA, f"pg:tunda:{kota.id}")
        await _sapu(b, lokal(date(2024, 11, 26), 7))
        await _sapu(b, lokal(date(2024, 11, 26), 7, 1))
        await _kirim_semua(b)
        assert [x.splitlines()[0] for x in _teks(b, OP_KOTA) if x.startswith("⏰")][-2:] == [
            "⏰ Pengingat: tenggat BESOK (H-1)", "⏰ Pengingat: tenggat HARI INI"]
        # forged or stale buttons, and a deadline that is not yours
        for data in ("pg:tunda:abc", "pg:tunda:999999", "pg:tunda", f"pg:tunda:{kota.id}:x", "pg:tunda:" + "9" * 40):
            await b.tekan(OP_KOTA, data)
            assert b.jawaban_terakhir() == teks.KEDALUWARSA
        await b.kirim(OP_DATIN, "/pengingat")
        await b.tekan(OP_DATIN, f"pg:tunda:{kota.id}", message_id=b.api.last(OP_DATIN).message_id)
        assert b.jawaban_terakhir() == "Pengingat ini bukan untuk Anda."
        assert b.api.unanswered_callbacks() == []
        rows = [r for r in await baris_outbox(engine) if r.chat_id == OP_KOTA]
        assert len(rows) == len([x for x in _teks(b, OP_KOTA) if x.startswith("⏰")]) == 4


async def test_pengingat_lists_the_users_coming_reminders(engine: AsyncEngine) -> None:
    async with bot_uji(engine, jam=Jam(lokal(date(2024, 11, 20), 9))) as b:
        out = await b.kirim(OP_KOTA, "/pengingat")
        assert out[0].text.splitlines()[:5] == [
            "Pengingat Anda 14 hari ke depan:",
            "• Sabtu, 23 November 2024 pukul 07.00 WIB — H-3: Logistik tiba di semua TPS (batas H-1) (KAB-1771)",
            "• Senin, 25 November 2024 pukul 07.00 WIB — H-1: Logistik tiba di semua TPS (batas H-1) (KAB-1771)",
            "• Selasa, 26 November 2024 pukul 07.00 WIB — hari H: Logistik tiba di semua TPS (batas H-1) (KAB-1771)",
            "• Rabu, 27 November 2024 pukul 07.00 WIB — terlambat 1 hari: Logistik tiba di semua TPS (batas H-1) "
            "(KAB-1771)"]
        assert len(out) == 1  # not an admin: no pause switches
        out = await b.kirim(OP_DATIN, "/pengingat")
        assert out[0].text == "Tidak ada pengingat untuk Anda dalam 14 hari ke depan."


async def test_admins_pause_and_resume_a_kind(engine: AsyncEngine) -> None:
    async with bot_uji(engine, jam=Jam(lokal(date(2024, 11, 23), 6))) as b:
        out = await b.kirim(ADMIN, "/pengingat")
        assert out[-1].text.startswith("Jenis pengingat (admin):") and "• logistik H-1: aktif" in out[-1].text
        await b.tekan(ADMIN, "pg:jeda:logistik")
        assert b.jawaban_terakhir() is not None and "dijeda" in b.jawaban_terakhir()  # type: ignore[operator]
        edited = b.api.last(ADMIN)
        assert "• logistik H-1: dijeda" in edited.text
        assert ("▶️ Lanjutkan logistik H-1", "pg:lanjut:logistik") in [x for row in edited.buttons for x in row]
        await b.tekan(ADMIN, "pg:jeda:logistik")  # a double tap on the old button: answered, nothing edited
        assert "dijeda" in (b.jawaban_terakhir() or "")
        assert (await _sapu(b, lokal(date(2024, 11, 23), 7))).diantrekan == 1  # only the rencana aksi reminder
        await b.tekan(ADMIN, "pg:lanjut:logistik")
        assert (await _sapu(b, lokal(date(2024, 11, 23), 8))).diantrekan == 2  # caught up once
        for data in ("pg:jeda:rahasia", "pg:jeda", "pg:hapus:logistik"):
            await b.tekan(ADMIN, data)
            assert b.jawaban_terakhir() == teks.KEDALUWARSA
        await b.kirim(OP_KOTA, "/pengingat")
        await b.tekan(OP_KOTA, "pg:jeda:logistik", message_id=b.api.last(OP_KOTA).message_id)
        assert b.jawaban_terakhir() == "Hanya admin yang dapat menjeda jenis pengingat."
        async with engine.connect() as conn:
            assert await tenggat.jenis_dijeda(conn) == frozenset()


async def test_jadwal_shows_overdue_and_the_next_fourteen_days_in_scope(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:  # 24 November 2024, 15.00 WIB
        kota = (await b.kirim(OP_KOTA, "/jadwal"))[-1].text
        assert kota.splitlines() == [
            "Tidak ada tenggat yang terlambat. 👍", "",
            "📅 Tenggat 14 hari ke depan:",
            "• Selasa, 26 November 2024 pukul 23.59 WIB — Logistik tiba di semua TPS (batas H-1) (KAB-1771)"]
        assert (await b.kirim(PETUGAS, "/jadwal"))[-1].text == kota
        kabag = (await b.kirim(KABAG, "/jadwal"))[-1].text
        assert kabag.startswith("⚠️ Terlambat dan belum selesai:\n• Kamis, 31 Oktober 2024 pukul 23.59 WIB — "
                                "Selesaikan kegiatan 6871.QGE.002")
        assert "KAB-" not in kabag
        semua = (await b.kirim(SEKRETARIS, "/jadwal"))[-1].text
        assert "Logistik tiba di semua TPS (batas H-1) — 10 dari 10 unit belum" in semua
        assert "Logistik tiba di TPS sulit — 7 dari 7 unit belum" in semua
        async with engine.begin() as conn:
            await lapor_tiba(conn, await tps_kab(conn, "KAB-1771"), b.jam.now)
        kota = (await b.kirim(OP_KOTA, "/jadwal"))[-1].text
        assert kota.endswith("(KAB-1771) ✅")


async def test_the_morning_digest_for_pimpinan(engine: AsyncEngine) -> None:
    now = lokal(date(2024, 11, 26), 7)
    assert await pengingat.kirim_ringkasan(engine, now=now, zona=ZONA) == 2
    assert await pengingat.kirim_ringkasan(engine, now=now + timedelta(minutes=5), zona=ZONA) == 0
    rows = {r.chat_id: r.text for r in await baris_outbox(engine, "ringkasan:")}
    assert set(rows) == {SEKRETARIS, KABAG}
    assert rows[SEKRETARIS].splitlines()[:4] == [
        "☀️ Ringkasan pagi, Selasa, 26 November 2024", "", "Tenggat hari ini:",
        "• pukul 23.59 WIB — Logistik tiba di semua TPS (batas H-1) — 10 dari 10 unit belum"]
    assert "Logistik tiba di TPS (masa distribusi): 0 dari 3.452 TPS (0,00 %)" in rows[SEKRETARIS]
    assert "• KPU Kota Bengkulu: 0/516" in rows[SEKRETARIS]
    assert "Bagian Keuangan, Umum dan Logistik (KUL)\n• Kamis, 31 Oktober 2024" in rows[KABAG]
    assert "masa distribusi" not in rows[KABAG] and "KAB-" not in rows[KABAG]


async def test_the_sweeper_catches_the_digest_up_once_in_the_morning(engine: AsyncEngine) -> None:
    jam = Jam(lokal(date(2024, 11, 26), 6, 30))
    p = pengingat.Penyapu(engine, zona=ZONA, clock=jam)
    await p.jalan()
    assert await baris_outbox(engine, "ringkasan:") == []
    jam.now = lokal(date(2024, 11, 26), 7, 0)
    await p.jalan()
    await p.jalan(jam.now + timedelta(minutes=1))
    assert await p.ringkasan() == 0  # the daily job finds it done
    assert len(await baris_outbox(engine, "ringkasan:")) == 2
    # after a restart the same morning nothing is queued twice (the key is per day and person)
    await pengingat.Penyapu(engine, zona=ZONA, clock=jam).jalan()
    assert len(await baris_outbox(engine, "ringkasan:")) == 2


async def test_the_jobs_are_registered_on_ptbs_job_queue(engine: AsyncEngine) -> None:
    settings = Settings(DATABASE_URL="sqlite:///unused.db")
    app = build_application(settings, engine, api=FakeBotApi(), send_outbox=True)
    async with running(app):
        assert app.job_queue is not None
        jobs = {j.name: j for j in app.job_queue.jobs()}
        assert set(jobs) >= {"pengingat", "ringkasan"}
        assert jobs["ringkasan"].next_t is not None
        assert jobs["ringkasan"].next_t.astimezone(ZoneInfo(ZONA)).strftime("%H.%M") == "07.00"
        assert isinstance(app.bot_data["penyapu"], pengingat.Penyapu)
    quiet = build_application(settings, engine, api=FakeBotApi(), send_outbox=False)
    async with running(quiet):
        assert quiet.job_queue is None or not quiet.job_queue.jobs()


# --- exactly once, whatever happens ---------------------------------------------------------------------------


async def _sekali(engine: AsyncEngine, api: FakeBotApi) -> None:
    """Every reminder row is sent, and each reached its chat exactly once."""
    rows = await baris_outbox(engine)
    assert rows and {r.status for r in rows} == {"terkirim"}
    per_chat: dict[int, int] = {}
    for r in rows:
        per_chat[r.chat_id] = per_chat.get(r.chat_id, 0) + 1
    for chat, n in per_chat.items():
        assert len(api.messages(chat)) == n, chat
        assert len({m.text for m in api.messages(chat)}) == n  # no message twice


async def test_a_restart_between_enqueue_and_send_delivers_once(engine: AsyncEngine) -> None:
    api = FakeBotApi()
    at = lokal(date(2024, 11, 23), 7)
    async with bot_uji(engine, api=api, jam=Jam(at)) as b:
        assert (await _sapu(b, at)).diantrekan == 3
        async with engine.begin() as conn:  # a sender claimed one and died before sending it
            assert len(await outbox.claim(conn, now=at, limit=1)) == 1
    async with bot_uji(engine, api=api, jam=Jam(at + timedelta(minutes=1))) as b:  # the restarted bot
        assert (await _sapu(b, at + timedelta(minutes=1))).diantrekan == 0
        assert await b.kirim_outbox() == 2  # the claimed one waits for its lease
        b.jam.now = at + timedelta(minutes=2)
        assert await b.kirim_outbox() == 1
        assert await b.kirim_outbox() == 0
    await _sekali(engine, api)


async def test_a_double_sweep_delivers_once(engine: AsyncEngine) -> None:
    at = lokal(date(2024, 11, 27), 7)
    async with bot_uji(engine, jam=Jam(at)) as b:
        results = await asyncio.gather(*(pengingat.sapu(engine, now=at, zona=ZONA) for _ in range(3)))
        assert sum(r.diantrekan for r in results) == 12  # voting day is a holiday: no rencana aksi reminder
        await _kirim_semua(b)  # the Sekretaris gets ten escalations: one a second per chat
        await _sekali(engine, b.api)


async def test_a_six_hour_outage_catches_up_once_with_the_latest_step(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        await _sapu(b, lokal(date(2024, 11, 25), 7))  # H-1
        await _kirim_semua(b)
        await _sapu(b, lokal(date(2024, 11, 26), 3))  # then down from 03.00 to 09.00 on the day
        await _sapu(b, lokal(date(2024, 11, 26), 9))
        await _sapu(b, lokal(date(2024, 11, 26), 9, 1))
        await _kirim_semua(b)
        assert [x.splitlines()[0] for x in _teks(b, OP_KOTA)] == ["⏰ Pengingat: tenggat BESOK (H-1)",
                                                                  "⏰ Pengingat: tenggat HARI INI"]
    # a longer outage (H-3 and H-1 missed) still sends one reminder, the current one, not a burst
    async with engine.begin() as conn:
        await conn.execute(t.outbox.delete())
    async with bot_uji(engine) as b:
        await _sapu(b, lokal(date(2024, 11, 26), 15))
        await _kirim_semua(b)
        assert [x.splitlines()[0] for x in _teks(b, OP_KOTA)] == ["⏰ Pengingat: tenggat HARI INI"]
        await _sekali(engine, b.api)


async def test_a_429_storm_from_the_bot_api_ends_with_every_reminder_delivered_once(engine: AsyncEngine) -> None:
    at = lokal(date(2024, 11, 27), 7)
    async with bot_uji(engine, jam=Jam(at)) as b:
        assert (await pengingat.sapu(engine, now=at, zona=ZONA)).diantrekan == 12  # holiday: logistics only
        # Telegram answers 429 (retry after 1 s) to the next four sends: each one pauses all sending
        b.api.fail_next("sendMessage", 429, retry_after=1, times=4)
        sender = OutboxSender(engine, b.app.bot, rate_per_s=30, per_chat_interval_s=0.05)
        stop = asyncio.Event()
        task = asyncio.create_task(sender.run(stop))
        try:
            await b.api.wait_for(lambda: len(b.api.calls_to("sendMessage")) >= 12 + 4, timeout=15)
            await b.api.wait_idle()
        finally:
            stop.set()
            await asyncio.wait_for(task, 10)
        assert len(b.api.calls_to("sendMessage")) == 12 + 4  # each storm answer retried, nothing sent twice
        await _sekali(engine, b.api)
    async with engine.connect() as conn:
        assert (await outbox.counts(conn))["terkirim"] == 12


async def test_reminders_never_go_out_between_nine_in_the_evening_and_six(engine: AsyncEngine) -> None:
    # a manual deadline at 05.00: its overdue mornings are at 07.00; a sweep in the night sends nothing
    async with engine.begin() as conn:
        await tenggat.tambah_manual(conn, judul="Uji malam", batas=lokal(date(2024, 11, 20), 5), unit_code="KAB-1771",
                                    peran="operator", dijeda=False, actor="uji", actor_id=None,
                                    now=datetime(2024, 11, 1, tzinfo=UTC))
    async with bot_uji(engine) as b:
        for jam_ in (21, 22, 23):
            assert (await _sapu(b, lokal(date(2024, 11, 20), jam_))).diantrekan == 0
        for jam_ in (0, 3, 5):
            assert (await _sapu(b, lokal(date(2024, 11, 21), jam_))).diantrekan == 0
        # the quiet hours end: the step that is current (H-1, never sent: nobody swept) goes, once
        assert (await _sapu(b, lokal(date(2024, 11, 21), 6))).diantrekan == 1
        assert (await _sapu(b, lokal(date(2024, 11, 21), 6, 1))).diantrekan == 0
        assert [r.dedup_key.rsplit(":", 1)[1] for r in await baris_outbox(engine)] == ["h1"]


# --- the command line preview ------------------------------------------------------------------------------


def _tabel(out: str) -> list[str]:
    """The rows of a preview's table (after its header and column line, before the moved deadlines)."""
    baris = out.splitlines()
    if len(baris) < 6:
        return []
    assert baris[4] == "" and baris[5].startswith("Waktu (WIB)       Penerima")
    isi = baris[6:]
    return isi[:isi.index("")] if "" in isi else isi


def test_cli_preview_lists_what_the_sweep_would_send(cli: Callable[[list[str]], int],
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    now = ["--now", "2024-11-20T00:00:00+00:00"]
    assert cli(["reminders", "preview", "--from", "2024-11-23", "--to", "23/11/2024", *now]) == 0
    keluar = capsys.readouterr().out
    out = _tabel(keluar)
    assert keluar.splitlines()[3] == "Jumlah: 3 pengingat (tanpa tenggat dan jenis yang dijeda)" and len(out) == 3
    # a long name is cut after its last whole word, with "…"
    assert out[0].startswith("2024-11-23 07.00  Operator Demo Sub Bagian Umum dan… (910005)       #")
    assert "(910006)" in out[1] and "Logistik tiba di semua TPS (batas H-1) [KAB-1771]  H-3  rencana" in out[1]
    assert cli(["reminders", "preview", "--from", "2024-11-19", "--to", "2024-11-28", "--format", "json", *now]) == 0
    js = json.loads(capsys.readouterr().out)
    assert js["jumlah"] == len(js["pengingat"]) > 10
    row = next(r for r in js["pengingat"] if r["penerima"]["telegram_id"] == PETUGAS)
    assert row == {"waktu": "2024-11-23T00:00:00+00:00", "waktu_lokal": "Sabtu, 23 November 2024 pukul 07.00 WIB",
                   "penerima": {"id": row["penerima"]["id"], "telegram_id": PETUGAS, "nama": "Petugas KPPS Demo",
                                "peran": "petugas"},
                   "tenggat": {"id": row["tenggat"]["id"], "jenis": "logistik", "ref": "h1",
                               "judul": "Logistik tiba di semua TPS (batas H-1)", "unit": "KAB-1771",
                               "batas": "2024-11-26T16:59:00+00:00", "digeser": None},
                   "langkah": "h3", "tingkat": "penanggung", "status": "rencana", "langkah_digeser": None}
    # an admin's new deadline, paused, checked with the preview, then made live
    assert cli(["reminders", "add", "--title", "Rekap DPT", "--due", "Senin, 2 Desember 2024 16.00",
                "--unit", "KAB-1771", "--paused"]) == 0
    added = capsys.readouterr().out
    deadline = added.split("#", 1)[1].split(" ", 1)[0]
    assert "batas Senin, 2 Desember 2024 pukul 16.00 WIB" in added and f"resume {deadline}" in added
    window = ["--from", "2024-11-24", "--to", "2024-12-10", "--deadline", deadline, *now]
    assert cli(["reminders", "preview", *window]) == 0
    assert capsys.readouterr().out.splitlines()[3] == (
        f"Jumlah: 0 pengingat (tanpa tenggat dan jenis yang dijeda; hanya tenggat #{deadline})")
    assert cli(["reminders", "preview", *window, "--include-paused"]) == 0
    keluar = capsys.readouterr().out
    assert keluar.splitlines()[3] == f"Jumlah: 12 pengingat (hanya tenggat #{deadline})"
    steps = [line.split("  ")[-2] for line in _tabel(keluar)]
    assert steps == ["H-7", "H-3", "H-1", "hari H", "terlambat 1 hari", "eskalasi kepala unit", "terlambat 2 hari",
                     "terlambat 3 hari", "terlambat 4 hari", "terlambat 5 hari", "terlambat 6 hari",
                     "terlambat 7 hari"]
    assert cli(["reminders", "resume", deadline]) == 0
    capsys.readouterr()
    assert cli(["reminders", "preview", *window]) == 0
    assert len(_tabel(capsys.readouterr().out)) == 12


def test_cli_preview_says_what_it_shows_and_cuts_long_names_at_a_word(
        cli: Callable[[list[str]], int], capsys: pytest.CaptureFixture[str], database_url: str) -> None:
    async def siapkan() -> None:
        e = create_engine(database_url)
        try:
            async with e.begin() as conn:  # a recipient and a deadline with long names, a unicode one among them
                await conn.execute(sa.text("UPDATE users SET name = :n WHERE telegram_id = :t"),
                                   {"n": "Petugas KPPS Ñoño Abdurrahmanwijayakusumaningrat Sulistyowati Demo",
                                    "t": PETUGAS})
                await tenggat.tambah_manual(conn, judul="Rekapitulasi penerimaan kotak suara dan bilik suara "
                                            "kecamatan Selebar sebelum pleno", batas=lokal(date(2024, 12, 2), 16),
                                            unit_code="KAB-1771", peran="operator", dijeda=False, actor="uji",
                                            actor_id=None, now=datetime(2024, 11, 1, tzinfo=UTC))
        finally:
            await e.dispose()
    asyncio.run(siapkan())
    now = ["--now", "2024-11-20T00:00:00+00:00"]
    assert cli(["reminders", "preview", "--from", "2024-11-23", "--to", "2024-11-25", *now]) == 0
    keluar = capsys.readouterr().out
    kepala = keluar.splitlines()[:6]
    rows = _tabel(keluar)
    assert kepala[:4] == ["Pratinjau pengingat tenggat (tidak ada yang dikirim)",
                          "Tanggal: Sabtu, 23 November 2024 s.d. Senin, 25 November 2024",
                          "Dihitung per: Rabu, 20 November 2024 pukul 07.00 WIB",
                          f"Jumlah: {len(rows)} pengingat (tanpa tenggat dan jenis yang dijeda)"]
    assert kepala[5].split() == ["Waktu", "(WIB)", "Penerima", "(ID", "Telegram)", "Tenggat", "[unit]", "Langkah",
                                 "Status"]
    petugas = [r for r in rows if f"({PETUGAS})" in r]
    assert petugas and all(r[18:53] == "Petugas KPPS Ñoño…                 " for r in petugas)
    rekap = [r for r in rows if "#" in r and "Rekapitulasi" in r]
    assert rekap and all("Rekapitulasi penerimaan kotak suara dan bilik… [KAB-1771]" in r for r in rekap)
    # every cut name ends at a whole word of the original
    for r in rows:
        nama = r[18:52].rstrip()
        if nama.endswith("…"):
            assert any(asli.startswith(nama[:-1] + " ") for asli in (
                "Operator Demo Sub Bagian Umum dan Logistik", "Operator Logistik Demo KPU Kota Bengkulu",
                "Petugas KPPS Ñoño Abdurrahmanwijayakusumaningrat Sulistyowati Demo")), nama


@pytest.mark.parametrize(("args", "pesan"), [
    (["preview", "--from", "2024-11-28", "--to", "2024-11-19"], "--to harus"),
    (["preview", "--from", "kemarin", "--to", "2024-11-19"], "tidak dikenali"),
    (["preview", "--from", "2024-01-01", "--to", "2026-01-01"], "Rentang paling panjang"),
    (["add", "--title", "x", "--due", "31/02/2024"], "Februari 2024 hanya sampai"),
    (["add", "--title", "x", "--due", "2024-12-01", "--unit", "NOPE"], "Unit 'NOPE' tidak dikenal"),
    (["add", "--title", " ", "--due", "2024-12-01"], "Judul tenggat harus diisi"),
    (["resume", "999999"], "Tenggat 999999 tidak ditemukan"),
])
def test_cli_refuses_wrong_input_with_one_line(args: list[str], pesan: str, database_url: str,
                                               monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["reminders", *args]) == 2
    err = capsys.readouterr().err
    assert pesan in err and len(err.strip().splitlines()) == 1
