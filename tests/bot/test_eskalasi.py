"""/eskalasi: the logistics officer's open problems, oldest first, handled once with an optional note that the
reporter reads word for word."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.entitas import PERAN_LABEL
from handlers import teks
from storage import org, users
from storage import tables as t
from tests.bot.bantuan_kinerja import tekan_paksa
from tests.bot.harness import BotUji, Jam, bot_uji, demo_tg
from tests.test_otorisasi import _laporan_tiba

NOW = datetime(2024, 11, 26, 8, 0, tzinfo=UTC)
OP_KOTA_2 = 7_200_001


async def _dunia(engine: AsyncEngine) -> tuple[int, int, str, int]:
    """Two open problems in Kota Bengkulu (3 days and 2 hours old), one in another kab/kota, a second officer."""
    async with engine.begin() as conn:
        kode = {u.code: u.id for u in await org.units(conn)}
        petugas = await users.by_demo_key(conn, "petugas")
        assert petugas is not None
        tps = (await org.list_tps(conn, ids=sorted(petugas.tps_ids)))[0]
        lap = (await conn.execute(t.arrival_reports.insert().values(
            **await _laporan_tiba(conn, tps.id, petugas.id, NOW - timedelta(days=3))))).inserted_primary_key[0]
        ids = []
        # the older one first, so that newest-first (by id or by time) and oldest-first differ
        for umur, uraian in ((timedelta(days=3), "Surat suara kurang 20"),
                             (timedelta(hours=2), "Tinta kurang 1 botol")):
            ids.append((await conn.execute(t.escalations.insert().values(
                jenis="kurang", kabkota_unit_id=kode["KAB-1771"], tps_id=tps.id, report_id=lap, uraian=uraian,
                status="terbuka", created_at=NOW - umur))).inserted_primary_key[0])
        tps_lain = (await org.list_tps(conn, kabkota="KAB-1701", limit=1))[0]
        await conn.execute(t.escalations.insert().values(
            jenis="rusak", kabkota_unit_id=kode["KAB-1701"], tps_id=tps_lain.id, uraian="Kotak suara rusak di Bengkulu "
            "Selatan", status="terbuka", created_at=NOW - timedelta(days=5)))
        await conn.execute(t.users.insert().values(telegram_id=OP_KOTA_2, name="Operator Kedua", role="operator",
                                                   status="aktif", unit_id=kode["KAB-1771"], created_at=NOW))
    return ids[0], ids[1], tps.kode, petugas.telegram_id or 0


async def _butir(b: BotUji, tg: int) -> list[tuple[int, str]]:
    out = await b.kirim(tg, "/eskalasi")
    return [(m.message_id, m.content) for m in out if m.buttons]


async def test_the_list_oldest_first_in_scope_and_a_note_the_reporter_reads_word_for_word(engine: AsyncEngine
                                                                                          ) -> None:
    lama, _, kode, pelapor = await _dunia(engine)
    async with bot_uji(engine, jam=Jam(NOW)) as b:
        op = await demo_tg(engine, "operator-kota")
        out = await b.kirim(op, "/eskalasi")
        assert out[0].content == "2 masalah logistik terbuka di wilayah Anda (yang terlama dulu):"
        butir = [(m.message_id, m.content) for m in out if m.buttons]
        assert [c.splitlines()[0] for _, c in butir] == [
            f"⚠️ TPS {kode} — kurang · menunggu 3 hari", f"⚠️ TPS {kode} — kurang · menunggu 2 jam"]
        assert "Surat suara kurang 20" in butir[0][1] and "Bengkulu Selatan" not in "".join(c for _, c in butir)
        # Tandai ditangani: the note is asked; a note too long is refused and asked again
        await b.tekan(op, f"es:{lama}", message_id=butir[0][0])
        assert "tulis catatan penanganannya" in b.api.last(op).content
        salah = await b.kirim(op, "x" * 301)
        assert "Catatan terlalu panjang" in salah[-1].content and salah[-1].buttons
        jawab = await b.kirim(op, "20 surat suara dikirim pukul 14.00")
        kalimat = (f"Masalah di TPS {kode} (kurang) sudah ditangani oleh Operator Logistik Demo KPU Kota Bengkulu: "
                   "20 surat suara dikirim pukul 14.00.")
        assert jawab[-1].content == f"✅ {kalimat}"
        assert "✅ Ditangani oleh" in b.api.message(op, butir[0][0]).content
        assert await b.kirim_outbox() == 1
        assert b.api.last(pelapor).content == kalimat  # the reporter reads the same sentence
        # double tap on the list's button: recorded once, told who and when
        await b.tekan(op, f"es:{lama}", message_id=butir[0][0])
        assert (b.jawaban_terakhir() or "") == (
            f"Masalah di TPS {kode} sudah ditangani oleh Operator Logistik Demo KPU Kota Bengkulu pada Selasa, "
            "26 November 2024 pukul 15.00 WIB: 20 surat suara dikirim pukul 14.00.")
        assert [c for _, c in await _butir(b, op)] == [butir[1][1]]
    async with engine.connect() as conn:
        jejak = (await conn.execute(sa.select(t.audit_log.c.new).where(t.audit_log.c.action == "tangani"))).all()
        note = (await conn.execute(sa.select(t.escalations.c.handled_note)
                                   .where(t.escalations.c.id == lama))).scalar_one()
    assert note == "20 surat suara dikirim pukul 14.00"
    assert [r.new for r in jejak] == [{"status": "ditangani", "catatan": note}]  # once, with the note


async def test_two_officers_at_once_record_it_once(engine: AsyncEngine) -> None:
    lama, _, kode, _ = await _dunia(engine)
    async with bot_uji(engine, jam=Jam(NOW)) as b:
        op = await demo_tg(engine, "operator-kota")
        b.api.add_user(OP_KOTA_2, "Operator Kedua")
        for tg in (op, OP_KOTA_2):
            await _butir(b, tg)
            await b.tekan(tg, f"es:{lama}")
        await b.tekan(op, f"es:l:{lama}")  # Tanpa catatan
        assert b.api.last(op).content.startswith(f"✅ Masalah di TPS {kode} (kurang) sudah ditangani oleh Operator")
        assert b.api.last(op).content.endswith("Kota Bengkulu.")
        out = await b.kirim(OP_KOTA_2, "Sudah saya kirim juga")
        assert out[-1].content.startswith(f"Masalah di TPS {kode} sudah ditangani oleh Operator Logistik Demo")
        assert "pada Selasa, 26 November 2024" in out[-1].content
        # the flow is over: the next text is not taken as a note
        assert "tulis catatan" not in (await b.kirim(OP_KOTA_2, "halo"))[-1].content
    async with engine.connect() as conn:
        n = (await conn.execute(sa.select(sa.func.count()).select_from(t.audit_log)
                                .where(t.audit_log.c.action == "tangani"))).scalar_one()
    assert n == 1


async def test_stale_forged_out_of_scope_and_the_wrong_role(engine: AsyncEngine) -> None:
    lama, _, _, pelapor = await _dunia(engine)
    async with bot_uji(engine, jam=Jam(NOW)) as b:
        op = await demo_tg(engine, "operator-kota")
        await b.kirim(op, "/start")
        for forged in ("es:abc", "es:l:abc", "es:l", "es:99999999", "es:l:99999999", "es:x:1",
                       "es:2147483648", "es:l:99999999999"):  # beyond PostgreSQL's integer
            assert "kedaluwarsa" in (await tekan_paksa(b, op, forged) or ""), forged
        async with engine.connect() as conn:
            lain = (await conn.execute(sa.select(t.escalations.c.id).where(
                t.escalations.c.uraian.like("%Bengkulu Selatan")))).scalar_one()
        assert "di luar cakupan" in (await tekan_paksa(b, op, f"es:{lain}") or "")
        assert "di luar cakupan" in (await tekan_paksa(b, op, f"es:l:{lain}") or "")
        # a field officer may neither list nor handle
        ditolak = teks.TIDAK_BERWENANG.format(peran=PERAN_LABEL["petugas"])
        assert (await b.kirim(pelapor, "/eskalasi"))[-1].content == ditolak
        assert await tekan_paksa(b, pelapor, f"es:l:{lama}") == teks.TOMBOL_TIDAK_BERWENANG
        # /batal in the note step: nothing recorded
        await b.tekan(op, f"es:{lama}", message_id=(await _butir(b, op))[0][0])
        assert "Dibatalkan" in (await b.kirim(op, "/batal"))[-1].content
    async with engine.connect() as conn:
        st = (await conn.execute(sa.select(t.escalations.c.status).where(t.escalations.c.id == lama))).scalar_one()
    assert st == "terbuka"
