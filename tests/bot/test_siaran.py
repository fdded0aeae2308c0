"""/siaran through the real Application: role and scope, preview, confirmation, the outbox, the delivery report."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from handlers import teks
from storage import audit, siaran
from storage import tables as t
from tests.bot.harness import BotUji, bot_uji

ADMIN, PIMPINAN, KABAG, OP_DATIN, OP_UML, OP_KOTA, PETUGAS = 910001, 910002, 910003, 910004, 910005, 910006, 910007


async def _sampai_pratinjau(b: BotUji, peran: str, unit: str | None, isi: str) -> str:
    out = await b.kirim(ADMIN, "/siaran")
    assert out[-1].text == "Siaran: kepada peran apa?"
    assert [r[0][1] for r in out[-1].buttons] == ["sr:peran:semua", "sr:peran:admin", "sr:peran:pimpinan",
                                                  "sr:peran:operator", "sr:peran:petugas"]
    await b.tekan(ADMIN, f"sr:peran:{peran}")
    if unit is None:
        out = await b.tekan(ADMIN, "sr:unit:semua")
    else:
        out = await b.kirim(ADMIN, unit)
    assert out[-1].text.startswith("Tulis isi siaran ("), out[-1].text
    out = await b.kirim(ADMIN, isi)
    return out[-1].text


async def test_a_broadcast_to_a_role_in_a_scope_with_preview_confirmation_and_report(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        pratinjau = await _sampai_pratinjau(b, "operator", "KAB-1771", "Rapat koordinasi logistik pukul 14.00.")
        assert pratinjau == ("Pratinjau siaran kepada 1 penerima (Operator, KAB-1771):\n\n📢 Pengumuman\n\n"
                             "Rapat koordinasi logistik pukul 14.00.\n\nKirim sekarang?")
        assert await b.kirim_outbox() == 0  # nothing goes before the confirmation
        await b.tekan(ADMIN, "sr:kirim")
        done = b.api.last(ADMIN)
        assert done.text.startswith("Siaran #1 diantrekan untuk 1 penerima.")
        assert done.buttons == [[("📊 Laporan pengiriman", "sr:lap:1")]]
        assert await b.kirim_outbox() == 1
        assert b.api.last(OP_KOTA).text == "📢 Pengumuman\n\nRapat koordinasi logistik pukul 14.00."
        assert [m.text for m in b.api.messages(OP_UML)] == []
        out = await b.tekan(ADMIN, "sr:lap:1")
        assert out[-1].text.splitlines()[1:] == ["Penerima: 1", "Terkirim: 1", "Gagal: 0", "Diblokir: 0",
                                                 "Masih antre: 0"]
        await b.tekan(ADMIN, "sr:kirim", message_id=done.message_id)  # a double tap after it went out
        assert b.jawaban_terakhir() == teks.KEDALUWARSA
        async with engine.connect() as conn:
            log = await audit.recent(conn, entity="siaran", limit=1)
            assert (await siaran.laporan(conn, 1))["total"] == 1
        assert log[0].new == {"peran": "operator", "unit": "KAB-1771", "penerima": 1}
        assert b.api.unanswered_callbacks() == []


async def test_everyone_and_a_blocked_recipient_in_the_report(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        b.api.block(PETUGAS, notify=False)
        pratinjau = await _sampai_pratinjau(b, "semua", None, "Selamat bertugas!")
        assert pratinjau.startswith("Pratinjau siaran kepada 7 penerima (Semua peran, Semua unit)")
        await b.tekan(ADMIN, "sr:kirim")
        for _ in range(3):
            await b.kirim_outbox()
            b.jam.now = b.jam.now.replace(second=b.jam.now.second + 2)
        out = await b.tekan(ADMIN, "sr:lap:1")
        assert "Penerima: 7\nTerkirim: 6\nGagal: 0\nDiblokir: 1\nMasih antre: 0" in out[-1].text
        assert b.api.last(PIMPINAN).text == "📢 Pengumuman\n\nSelamat bertugas!"


async def test_scope_reaches_sub_units_and_petugas_through_their_tps(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        assert "kepada 2 penerima (Semua peran, KUL)" in await _sampai_pratinjau(b, "semua", "KUL", "x")
        await b.kirim(ADMIN, "/batal")
        assert "kepada 2 penerima (Semua peran, KAB-1771)" in await _sampai_pratinjau(b, "semua", "kab-1771", "x")
        await b.tekan(ADMIN, "sr:batal")
        assert b.api.last(ADMIN).text == "Siaran dibatalkan. Tidak ada pesan yang dikirim."
        assert await b.kirim_outbox() == 0


async def test_wrong_input_gets_a_reason_and_the_same_question(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        await b.kirim(ADMIN, "/siaran")
        await b.tekan(ADMIN, "sr:peran:raja")
        assert b.jawaban_terakhir() == teks.KEDALUWARSA
        await b.tekan(ADMIN, "sr:peran:petugas")
        out = await b.kirim(ADMIN, "KAB-9999")
        assert out[-1].text.startswith("Unit 'KAB-9999' tidak dikenal.")
        out = await b.kirim(ADMIN, "KUL")  # a unit with no petugas
        assert out[-1].text.startswith("Tidak ada pengguna aktif pada peran dan cakupan itu.")
        out = await b.kirim(ADMIN, "dua kata")
        assert out[-1].text.startswith("Kepada unit mana?")
        out = await b.kirim(ADMIN, "ÜñïçødeКод🙂" * 10)
        assert out[-1].text.startswith("Kepada unit mana?")
        out = await b.kirim(ADMIN, "KAB-1771")
        assert out[-1].text.startswith("Tulis isi siaran (1 penerima)")
        await b.api.send_photo(ADMIN, caption="foto")
        await b.app.process_update(b.api.pending_updates()[-1].to_update(b.app.bot))
        assert b.api.last(ADMIN).text == "Siaran hanya berupa teks. Tulis isinya, atau /batal."
        out = await b.kirim(ADMIN, "x" * 3501)
        assert out[-1].text == ("Isi siaran terlalu panjang (3.501 karakter; paling banyak 3.500). "
                                "Persingkat lalu kirim lagi.")
        out = await b.kirim(ADMIN, "Pesan 🙂 dengan <b>tag</b> & simbol")
        assert "📢 Pengumuman\n\nPesan 🙂 dengan <b>tag</b> & simbol" in out[-1].text
        await b.tekan(ADMIN, "sr:kirim")
        assert await b.kirim_outbox() == 1
        assert b.api.last(PETUGAS).text == "📢 Pengumuman\n\nPesan 🙂 dengan <b>tag</b> & simbol"  # sent as plain text


async def test_only_admins_broadcast_and_forged_report_buttons_are_stale(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        out = await b.kirim(PIMPINAN, "/siaran")
        assert out[-1].text.startswith("Maaf, perintah ini tidak tersedia untuk peran Anda")
        await b.kirim(ADMIN, "/siaran")
        for data in ("sr:lap:abc", "sr:lap:999", "sr:lap", "sr:kirim"):
            await b.tekan(ADMIN, data)
        answers = [a.text for a in b.api.callback_answers[-4:]]
        assert answers == [teks.KEDALUWARSA, "Siaran itu tidak ditemukan.", teks.KEDALUWARSA, teks.KEDALUWARSA]
        await b.kirim(ADMIN, "/siaran")  # starting again mid-way starts over
        assert b.api.last(ADMIN).text == "Siaran: kepada peran apa?"
        out = await b.kirim(ADMIN, "/batal")
        assert out[-1].text == "Siaran dibatalkan. Tidak ada pesan yang dikirim."
        async with engine.connect() as conn:
            assert (await conn.execute(sa.select(sa.func.count()).select_from(t.broadcasts))).scalar_one() == 0
