"""/gudang through the real Application: supplier deliveries and dispatches of a KPU kab/kota warehouse."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import audit, logistik, org
from storage import tables as t
from tests.bot.harness import BotUji, bot_uji
from tests.storage.test_arrivals import item_ids

OPERATOR_KOTA, OPERATOR_DATIN, PIMPINAN, PETUGAS = 910006, 910004, 910002, 910007


def layar(b: BotUji, tg: int = OPERATOR_KOTA) -> str:
    """The menu message (the latest one with buttons), edited in place step by step."""
    return next(m.text or "" for m in reversed(b.api.messages(tg)) if m.buttons)


async def test_receiving_a_supplier_delivery(engine: AsyncEngine) -> None:
    items = await item_ids(engine)
    async with bot_uji(engine) as b:  # the clock: Minggu, 24 November 2024, 15.00 WIB
        out = await b.kirim(OPERATOR_KOTA, "/gudang")
        text = out[-1].text or ""
        assert text.startswith("Gudang KPU Kota Bengkulu") and "TPS: 516 · sudah dikirim: 0" in text
        assert text.count("belum ada") == 2
        await b.tekan(OPERATOR_KOTA, "gd:terima")
        assert "Kotak suara" in str(b.api.last(OPERATOR_KOTA).buttons)
        await b.tekan(OPERATOR_KOTA, f"gd:item:{items['KOTAK']}")
        assert "Kotak suara: berapa kemasan" in (b.api.last(OPERATOR_KOTA).text or "")
        for ketik, pesan in (("dua", "Tulis dengan angka"), ("-1", "tidak boleh negatif"), ("0", "minimal 1"),
                             ("1.000.000.000", "melebihi batas maksimum 100.000"), ("12,5", "bilangan bulat")):
            out = await b.kirim(OPERATOR_KOTA, ketik)
            assert pesan in (out[-1].text or "") and "Ketik lagi jumlah kemasannya" in (out[-1].text or ""), ketik
        out = await b.kirim(OPERATOR_KOTA, "746")
        assert "Tanggal diterima" in (out[-1].text or "")
        for ketik, pesan in (("25/11/2024", "tidak boleh di masa depan"), ("kemarin sore", "tidak dikenali"),
                             ("31/09/2024", "hanya sampai tanggal 30")):
            out = await b.kirim(OPERATOR_KOTA, ketik)
            assert pesan in (out[-1].text or ""), ketik
        out = await b.kirim(OPERATOR_KOTA, "18 Oktober 2024")
        assert "Bagaimana kondisinya?" in (out[-1].text or "")
        await b.tekan(OPERATOR_KOTA, "gd:kond:jelek")
        assert "kedaluwarsa" in (b.jawaban_terakhir() or "")
        await b.tekan(OPERATOR_KOTA, "gd:kond:sebagian")
        ringkas = b.api.last(OPERATOR_KOTA).text or ""
        assert "Kotak suara: 746 kemasan, diterima 18 Oktober 2024, kondisi sebagian rusak" in ringkas
        await b.tekan(OPERATOR_KOTA, "gd:simpan")
        assert b.jawaban_terakhir() == "✅ Tersimpan."
        status = b.api.last(OPERATOR_KOTA).text or ""
        assert "• 18 Oktober 2024: Kotak suara, 746 kemasan, sebagian rusak" in status
        await b.tekan(OPERATOR_KOTA, "gd:simpan")  # double tap on the old button: nothing more is stored
        assert "kedaluwarsa" in (b.jawaban_terakhir() or "")
        # "Hari ini" / "Kemarin" buttons
        await b.tekan(OPERATOR_KOTA, "gd:terima")
        await b.tekan(OPERATOR_KOTA, f"gd:item:{items['TINTA']}")
        await b.kirim(OPERATOR_KOTA, "143")
        await b.tekan(OPERATOR_KOTA, "gd:tgl:1")
        await b.tekan(OPERATOR_KOTA, "gd:kond:baik")
        await b.tekan(OPERATOR_KOTA, "gd:simpan")
        assert "• 23 November 2024: Tinta, 143 kemasan, baik" in (b.api.last(OPERATOR_KOTA).text or "")
        await b.tekan(OPERATOR_KOTA, "gd:batal")
        assert b.api.last(OPERATOR_KOTA).text == "Selesai. Ketik /gudang untuk membuka lagi."
        assert b.api.unanswered_callbacks() == []
    async with engine.connect() as conn:
        rows = (await conn.execute(sa.select(t.supplier_deliveries).where(
            t.supplier_deliveries.c.kabkota_unit_id.is_not(None)).order_by(t.supplier_deliveries.c.id))).all()
        log = await audit.recent(conn, entity="gudang_terima")
    assert [(r.jenis, r.kemasan, r.tiba_mulai, r.kondisi) for r in rows] == [
        ("Kotak suara", 746, date(2024, 10, 18), "sebagian"), ("Tinta", 143, date(2024, 11, 23), "baik")]
    assert len(log) == 2 and log[0].actor == "Operator Logistik Demo KPU Kota Bengkulu"


async def test_dispatch_to_a_kecamatan_then_to_every_tps(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        kota = await org.unit_by_code(conn, "KAB-1771")
        selatan = await org.unit_by_code(conn, "KAB-1701")
        assert kota is not None and selatan is not None
        kec = (await logistik.counts_by_kecamatan(conn, kota.id))[1]
        kec_lain = (await logistik.counts_by_kecamatan(conn, selatan.id))[0]
    async with bot_uji(engine) as b:
        await b.kirim(OPERATOR_KOTA, "/gudang")
        await b.tekan(OPERATOR_KOTA, "gd:kirim")
        await b.tekan(OPERATOR_KOTA, "gd:tuju:gudang")
        assert "kedaluwarsa" in (b.jawaban_terakhir() or "")
        await b.tekan(OPERATOR_KOTA, "gd:tuju:ppk")
        assert "Ke PPK di kecamatan mana?" in (b.api.last(OPERATOR_KOTA).text or "")
        await b.tekan(OPERATOR_KOTA, f"gd:kec:{kec_lain.id}")  # another kab/kota's kecamatan
        assert "kedaluwarsa" in (b.jawaban_terakhir() or "")
        out = await b.kirim(OPERATOR_KOTA, "kecamatan 2")
        assert "ketuk salah satu tombol" in (out[-1].text or "")
        await b.tekan(OPERATOR_KOTA, f"gd:kec:{kec.id}")
        await b.tekan(OPERATOR_KOTA, "gd:tgl:0")
        await b.tekan(OPERATOR_KOTA, "gd:moda:ROKET")
        assert "kedaluwarsa" in (b.jawaban_terakhir() or "")
        await b.tekan(OPERATOR_KOTA, "gd:moda:TRUK")
        ringkas = layar(b)
        assert f"Ke PPK {kec.nama}, tanggal 24 November 2024, dengan Mobil Truck" in ringkas
        await b.tekan(OPERATOR_KOTA, "gd:simpan")
        status = layar(b)
        assert f"sudah dikirim: {kec.tps}" in status and f"• 24 November 2024: ke PPK {kec.nama}, TRUK" in status
        await b.tekan(OPERATOR_KOTA, "gd:kirim")
        await b.tekan(OPERATOR_KOTA, "gd:tuju:tps")
        await b.tekan(OPERATOR_KOTA, "gd:kec:0")
        await b.kirim(OPERATOR_KOTA, "24/11/2024")
        await b.tekan(OPERATOR_KOTA, "gd:moda:PICKUP")
        await b.tekan(OPERATOR_KOTA, "gd:simpan")
        assert "sudah dikirim: 516" in layar(b)
        out = await b.kirim(OPERATOR_KOTA, "/batal")
        assert "Dibatalkan" in (out[-1].text or "")
    async with engine.connect() as conn:
        rows = (await conn.execute(sa.select(t.dispatches).order_by(t.dispatches.c.id))).all()
    assert [(r.tujuan, r.kecamatan_id, r.moda) for r in rows] == [("ppk", kec.id, "TRUK"), ("tps", None, "PICKUP")]


@pytest.mark.parametrize(("tg", "pesan"), [(OPERATOR_DATIN, "untuk operator KPU Kabupaten/Kota. Unit Anda: PDI-DATIN"),
                                            (PIMPINAN, "tidak tersedia untuk peran Anda"),
                                            (PETUGAS, "tidak tersedia untuk peran Anda")])
async def test_only_kabkota_operators(engine: AsyncEngine, tg: int, pesan: str) -> None:
    async with bot_uji(engine) as b:
        out = await b.kirim(tg, "/gudang")
        assert pesan in (out[-1].text or "")
        await b.tekan(tg, "gd:terima", message_id=out[-1].message_id)
        assert b.jawaban_terakhir() in ("Maaf, tombol ini bukan untuk peran Anda.",
                                        "Menu ini sudah kedaluwarsa. Silakan mulai lagi dari perintahnya.")
