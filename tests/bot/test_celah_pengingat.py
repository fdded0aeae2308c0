"""Every reminder is one its recipient can act on in the bot: the two gaps between reminders and reporting flows.

1. The province's own voter-list stages (KPU, KPU Provinsi) are reminded to its data section (PDI-DATIN) and are
   marked in /tahapan for the province unit: marking one stops the deadline (no more reminders, no escalation).
2. A Bagian's reporting deadline goes to its Sub Bagian's operators (the Bagian has none in the demo), and
   /realisasi lets them report the Bagian's PK: the reminder's ``rl:mulai`` button opens the flow for them.

The sweep is the real one (bot.pengingat.sapu) on the bot's clock; the outbox goes through the harness's sender.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import pengingat
from bot.fakebotapi import SentMessage
from handlers import teks
from handlers.teks import kinerja as tk
from storage import outbox, tenggat
from storage import tables as t
from tests.bot.bantuan_kinerja import tekan_paksa
from tests.bot.harness import BotUji, bot_uji
from tests.bot.pengingat_uji import baris_outbox, lokal, tambah_pengguna, unit_id

ZONA = "Asia/Jakarta"
KABAG, OP_DATIN, OP_UML, OP_KOTA, PETUGAS = 910003, 910004, 910005, 910006, 910007


async def _sapu(b: BotUji, at: datetime) -> int:
    """A sweep at ``at`` (the bot's clock too), then deliver everything it queued."""
    b.jam.now = at
    hasil = await pengingat.sapu(b.engine, now=at, zona=ZONA)
    for _ in range(40):
        await b.kirim_outbox()
        async with b.engine.connect() as conn:
            if not (await outbox.counts(conn))["antri"]:
                break
        b.jam.now += timedelta(seconds=1.1)  # the sender paces each chat
    return hasil.diantrekan


def _pengingat(b: BotUji, tg: int, data: str) -> SentMessage:
    """The newest reminder in the user's chat that carries this button."""
    return next(m for m in reversed(b.api.messages(tg)) if any(d == data for row in m.buttons for _, d in row))


async def _tenggat(engine: AsyncEngine, jenis: str, ref: str, unit: str) -> tenggat.Tenggat:
    async with engine.connect() as conn:
        uid = await unit_id(conn, unit)
        ds = await tenggat.daftar_tenggat(conn, zona=ZONA, jenis=[jenis])
    return next(d for d in ds if d.ref == ref and d.unit_id == uid)


async def _status(engine: AsyncEngine, d: tenggat.Tenggat) -> tenggat.Status:
    async with engine.connect() as conn:
        return (await tenggat.status(conn, [d], await tenggat.direktori(conn)))[d.id]


async def _rencana(engine: AsyncEngine, d: tenggat.Tenggat, dari: datetime, hari: int) -> list[tuple[int, str]]:
    """(user id, step) the policy would still send for the deadline in the next days (the preview, sends nothing)."""
    async with engine.connect() as conn:
        rows = await tenggat.pratinjau(conn, dari=dari, sampai=dari + timedelta(days=hari), now=dari, zona=ZONA,
                                       ids=[d.id])
    return [(r.penerima.user_id, r.langkah.kode) for r in rows]


async def test_a_province_stage_marked_in_tahapan_stops_reminding(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        prov = await unit_id(conn, "PROV")
        s1 = int((await conn.execute(sa.select(t.voter_stages.c.id).where(t.voter_stages.c.no == 1))).scalar_one())
        datin = int((await conn.execute(sa.select(t.users.c.id).where(t.users.c.telegram_id == OP_DATIN))
                     ).scalar_one())
    async with bot_uji(engine) as b:
        h1 = lokal(date(2024, 5, 30), 7)  # stage 1 (Penerimaan DP4, KPU) ends Friday 31 May 2024
        assert await _sapu(b, h1)
        d = await _tenggat(engine, "pemutakhiran", f"tahapan:{s1}", "PDI-DATIN")  # the province's data section
        st = await _status(engine, d)
        assert not st.selesai and st.unit_lapor == prov  # closed by a completion for the province unit
        # unmarked, the policy goes on: the day itself, overdue days, the escalation to the Sekretaris
        assert {k for _, k in await _rencana(engine, d, h1 + timedelta(minutes=1), 10)} >= {"h0", "t1", "t7", "e1"}
        data = f"th:mulai:{s1}:{prov}"
        reminder = _pengingat(b, OP_DATIN, data)
        assert "Tahapan 1: Penerimaan DP4" in (reminder.text or "")
        assert "Ketuk tombol di bawah bila tahapan sudah selesai" in (reminder.text or "")
        out = await b.tekan(OP_DATIN, data, message_id=reminder.message_id)
        assert out[0].content.startswith("Tahapan 1: Penerimaan DP4 (batas 31 Mei 2024)")
        await b.tekan(OP_DATIN, "th:hari")
        await b.tekan(OP_DATIN, "th:lewati")
        assert ("Tersimpan: tahapan 1 (Penerimaan DP4) untuk Sekretariat KPU Provinsi Bengkulu selesai 30 Mei 2024"
                " — tepat waktu") in b.api.last(OP_DATIN).content
        assert (await _status(engine, d)).selesai
        assert await _rencana(engine, d, h1 + timedelta(minutes=1), 10) == []
        # the following mornings (the day, overdue, the escalation days): nothing more of it, to anyone
        for day in (31, 1, 2, 4):
            await _sapu(b, lokal(date(2024, 5 if day == 31 else 6, day), 7))
        keys = [r.dedup_key for r in await baris_outbox(engine, tenggat.kunci_prefix(d.id))]
        assert keys == [tenggat.kunci(d.id, datin, "h1")]
        # a kab/kota operator's button for the province unit is refused (outside their scope)
        await b.kirim(OP_KOTA, "/jadwal")
        assert await tekan_paksa(b, OP_KOTA, data) == tk.TH_BUKAN_CAKUPAN
        assert b.api.unanswered_callbacks() == []


async def test_lapor_button_of_a_bagians_reminder_works_for_its_sub_bagian(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        assert await _sapu(b, lokal(date(2024, 3, 28), 7))  # H-7 of Triwulan I 2024 (Good Friday: a day earlier)
        data = "rl:mulai:KUL-1:2024-Q1"
        reminder = _pengingat(b, OP_UML, data)
        assert "Untuk: Operator Bagian Keuangan, Umum dan Logistik (KUL)" in (reminder.text or "")
        assert [d for row in reminder.buttons for _, d in row if d and d.startswith("rl:")] == [
            data, "rl:mulai:KUL-2:2024-Q1", "rl:mulai:KUL-3:2024-Q1"]
        out = await b.tekan(OP_UML, data, message_id=reminder.message_id)
        assert len(out) == 1 and out[0].content.startswith("KUL-1  ")
        assert "Perjanjian Kinerja Bagian Keuangan, Umum dan Logistik (KUL)" in out[0].content
        assert out[0].buttons == [[("Triwulan I 2024 (berjalan)", "rl:p:2024-Q1")]]
        await b.tekan(OP_UML, "rl:p:2024-Q1")
        await b.kirim(OP_UML, "100")
        for _ in range(3):
            await b.tekan(OP_UML, "rl:lanjut")
        await b.tekan(OP_UML, "rl:kirim")
        assert "Laporan KUL-1 Triwulan I 2024 tersimpan sebagai versi 1" in b.api.last(OP_UML).content
        await b.kirim_outbox()
        assert "Indikator: KUL-1" in b.api.last(KABAG).content  # verified by the Kepala Bagian
        # the next reminder of that deadline asks only for what is still missing
        d = await _tenggat(engine, "pelaporan", "2024-Q1", "KUL")
        assert (await _status(engine, d)).belum == ("KUL-2", "KUL-3", "KUL-4")
        await _sapu(b, lokal(d.batas.astimezone(ZoneInfo(ZONA)).date() - timedelta(days=3), 7))
        nxt = _pengingat(b, OP_UML, "rl:mulai:KUL-2:2024-Q1")
        assert nxt.message_id > reminder.message_id
        assert "rl:mulai:KUL-1:2024-Q1" not in [x for row in nxt.buttons for _, x in row]
        # not for another Bagian's operator, nor a petugas
        await b.kirim(OP_DATIN, "/jadwal")
        assert await tekan_paksa(b, OP_DATIN, data) == tk.RL_BUKAN_UNIT
        await b.kirim(PETUGAS, "/jadwal")
        assert await tekan_paksa(b, PETUGAS, data) == teks.TOMBOL_TIDAK_BERWENANG
        assert b.api.unanswered_callbacks() == []


async def test_reporting_reminders_go_only_to_operators_who_report_the_unit(engine: AsyncEngine) -> None:
    """The fallback to sub-units follows the reporting scope: a Bagian's operator does not report the province's
    PK, so the province's reporting deadline does not go to them (a manual deadline still goes to everyone below)."""
    async def penanggung(d: tenggat.Tenggat) -> list[int]:
        async with engine.connect() as conn:
            dir_ = await tenggat.direktori(conn)
            st = (await tenggat.status(conn, [d], dir_))[d.id]
        return [p.telegram_id for p in tenggat.penerima_per_tingkat(d, st, dir_)["penanggung"]]

    async with engine.begin() as conn:
        await tenggat.sinkronkan(conn, zona=ZONA, now=lokal(date(2024, 1, 1), 7))
        await tambah_pengguna(conn, tg=930011, nama="Operator Bagian KUL", peran="operator", unit="KUL",
                              now=lokal(date(2024, 1, 1), 7))
        manual = await tenggat.tambah_manual(conn, judul="Rapat", batas=lokal(date(2024, 12, 2), 16),
                                             unit_code="PROV", peran="operator", dijeda=False, actor="uji",
                                             actor_id=None, now=lokal(date(2024, 1, 1), 7))
        d_manual = await tenggat.tenggat_by_id(conn, manual, zona=ZONA)
    assert await penanggung(await _tenggat(engine, "pelaporan", "2024-Q4", "PROV")) == []
    assert await penanggung(await _tenggat(engine, "pelaporan", "2024-Q1", "KUL")) == [930011]  # its own now
    assert await penanggung(await _tenggat(engine, "pelaporan", "2024-Q1", "PDI")) == [OP_DATIN]  # its Sub Bagian
    assert d_manual is not None and 930011 in await penanggung(d_manual)
