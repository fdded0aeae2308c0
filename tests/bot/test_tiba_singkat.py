"""/tiba for a field officer on a weak signal: the taps from /tiba to a receipt counted through the real Application
and the fake Bot API, the mode offered first, one-tap reasons for no photo, the location from the summary and the
reported time offered first by a correction."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import arrivals, logistik, org, users
from tests.bot.harness import BotUji, bot_uji
from tests.bot.test_tiba import (
    H_MIN_1,
    OPERATOR_KOTA,
    PETUGAS,
    hitung_bangun,
    kirim_foto,
    kirim_lokasi,
    laporan,
    tps_kota,
)
from tests.storage.test_arrivals import petugas

SATU = 5550600  # an officer with one TPS
PENUGASAN = 5550601  # an officer with two TPS


class Hitung:
    """Drives a report as a user would: by the buttons' labels on the latest keyboard, counting every input."""

    def __init__(self, b: BotUji, tg: int) -> None:
        self.b, self.tg, self.masukan, self.ketikan = b, tg, 0, 0

    def tombol(self) -> list[str]:
        return [label for row in self.b.api.buttons(self.tg) for label, _ in row]

    async def ketuk(self, label: str) -> str:
        """Tap the button whose label contains `label` (it must be on the latest keyboard)."""
        assert any(label in x for x in self.tombol()), (label, self.tombol())
        self.masukan += 1
        sebelum = len(self.b.api.messages(self.tg))
        upd = await self.b.api.press_button(self.tg, label)
        await self.b.app.process_update(upd.to_update(self.b.app.bot))
        if len(self.b.api.messages(self.tg)) > sebelum:
            return self.b.api.last(self.tg).text or ""
        return self.b.api.message(self.tg, upd["callback_query"]["message"]["message_id"]).text or ""

    async def foto(self) -> str:
        self.masukan += 1
        await kirim_foto(self.b, self.tg)
        return self.b.api.last(self.tg).text or ""

    async def ketik(self, text: str) -> str:
        self.masukan += 1
        self.ketikan += 1
        out = await self.b.kirim(self.tg, text)
        return out[-1].text or ""


async def satu_tps(engine: AsyncEngine) -> tuple[int, str]:
    (tps_id, kode), *_ = await tps_kota(engine)
    await petugas(engine, [tps_id], tg=SATU, nama="Petugas Satu TPS")
    return tps_id, kode


async def kirim_gudang_ke_tps(b: BotUji, moda: str) -> None:
    """The kab/kota's logistics officer records a dispatch to every TPS of the city through /gudang."""
    await b.kirim(OPERATOR_KOTA, "/gudang")
    for data in ("gd:kirim", "gd:tuju:tps", "gd:kec:0", "gd:tgl:0", f"gd:moda:{moda}", "gd:simpan"):
        await b.tekan(OPERATOR_KOTA, data)


async def test_all_fine_is_five_taps_without_typing_to_a_receipt(engine: AsyncEngine) -> None:
    tps_id, kode = await satu_tps(engine)
    async with bot_uji(engine) as b:
        b.jam.now = H_MIN_1
        b.api.add_user(SATU, "Petugas Satu TPS")
        await kirim_gudang_ke_tps(b, "MOTOR")
        h = Hitung(b, SATU)
        await b.kirim(SATU, "/tiba")  # one TPS: no TPS choice
        assert h.tombol()[0] == "✅ Semua lengkap dan baik"
        await h.ketuk("Semua lengkap dan baik")
        # the mode the kab/kota dispatched with, first; every other mode one tap further
        assert h.tombol() == ["🚚 Sepeda Motor/Sepeda Kayuh (seperti kiriman gudang)", "Moda lain…", "✖️ Batal"]
        await h.ketuk("seperti kiriman gudang")
        assert h.tombol()[0] == "🕒 Baru saja (pukul 10.00 WIB)"
        await h.ketuk("Baru saja")
        assert h.tombol()[:3] == ["📵 Kamera/HP rusak", "📶 Sinyal lemah", "🙈 Lupa memotret"]
        ringkasan = await h.ketuk("Kamera/HP rusak")
        assert "Foto: tidak ada (kamera/HP rusak)" in ringkasan and "Lokasi: tidak dibagikan" in ringkasan
        assert "Diantar dengan: Sepeda Motor/Sepeda Kayuh" in ringkasan
        assert h.tombol() == ["✅ Kirim laporan", "📍 Tambah lokasi", "✖️ Batal"]
        bangun = hitung_bangun(b)
        terima = await h.ketuk("Kirim laporan")
        assert f"Nomor tanda terima: TB-{kode}-1" in terima
        assert bangun == []  # nothing was queued: the outbox is not woken to find nothing (a write on SQLite)
        assert (h.masukan, h.ketikan) == (5, 0)
        # one bot message for the whole report: every step edited the answer to /tiba
        assert [m.text for m in b.api.messages(SATU)] == [terima]
        assert b.api.unanswered_callbacks() == []
    r = (await laporan(engine, tps_id))[0]
    assert (r.moda, r.alasan_tanpa_foto, r.foto_file_id, r.lat, r.tepat) == ("MOTOR", "kamera/HP rusak", None, None,
                                                                              True)


async def test_with_a_photo_it_is_five_inputs_too(engine: AsyncEngine) -> None:
    tps_id, kode = await satu_tps(engine)
    async with bot_uji(engine) as b:
        b.jam.now = H_MIN_1
        b.api.add_user(SATU, "Petugas Satu TPS")
        h = Hitung(b, SATU)
        await b.kirim(SATU, "/tiba")
        await h.ketuk("Semua lengkap dan baik")
        # no dispatch and no earlier report: every mode, the most used to reach a TPS first (not the aircraft)
        assert h.tombol()[:3] == ["Mobil Pick Up", "Sepeda Motor/Sepeda Kayuh", "Sepeda Motor Modifikasi (roda "
                                                                                  "dililit rantai)"]
        assert "Pesawat/Helikopter" in h.tombol()
        await h.ketuk("Mobil Pick Up")
        await h.ketuk("Baru saja")
        ringkasan = await h.foto()
        assert "Foto: ada" in ringkasan and "Diantar dengan: Mobil Pick Up" in ringkasan
        terima = await h.ketuk("Kirim laporan")
        assert f"TB-{kode}-1" in terima and "lengkap, baik dan tepat waktu" in terima
        assert (h.masukan, h.ketikan) == (5, 0)
    r = (await laporan(engine, tps_id))[0]
    assert r.foto_file_id and r.alasan_tanpa_foto is None


async def test_the_officers_last_mode_is_offered_first_and_a_dispatch_to_tps_before_it(engine: AsyncEngine) -> None:
    (a, _), (b_id, _), (c, _), *_ = await tps_kota(engine)
    await petugas(engine, [a, b_id, c], tg=PENUGASAN, nama="Petugas Tiga TPS")
    async with engine.connect() as conn:
        kota = await org.unit_by_code(conn, "KAB-1771")
        operator = await users.by_telegram_id(conn, OPERATOR_KOTA)
        kec = (await logistik.counts_by_kecamatan(conn, kota.id))[0] if kota else None
        tps_c = await org.list_tps(conn, ids=[c])
    assert kota is not None and operator is not None and kec is not None
    async with bot_uji(engine) as b:
        b.jam.now = H_MIN_1
        b.api.add_user(PENUGASAN, "Petugas Tiga TPS")
        h = Hitung(b, PENUGASAN)
        await b.kirim(PENUGASAN, "/tiba")
        await b.tekan(PENUGASAN, f"tb:tps:{a}")
        await h.ketuk("Semua lengkap dan baik")
        await h.ketuk("Speedboat/Perahu")
        await h.ketuk("Baru saja")
        await h.ketuk("Sinyal lemah")
        await h.ketuk("Kirim laporan")
        # the next TPS: the mode this officer reported last
        await b.kirim(PENUGASAN, "/tiba")
        await b.tekan(PENUGASAN, f"tb:tps:{b_id}")
        await h.ketuk("Semua lengkap dan baik")
        assert h.tombol()[0] == "🚚 Speedboat/Perahu (seperti laporan Anda sebelumnya)"
        # "Moda lain…" reaches every mode
        await h.ketuk("Moda lain…")
        assert len(h.tombol()) == 12 and "Kuda/Angkutan Tenaga Hewan" in h.tombol()
        await h.ketuk("Dipikul/Jalan Kaki")
        await h.ketuk("Baru saja")
        await h.ketuk("Lupa memotret")
        await h.ketuk("Kirim laporan")
        # dispatches that did not bring the logistics to this TPS are no hint: to PPK, to another kecamatan, a
        # dispatch a year old, one dated after today
        async with engine.begin() as conn:
            lain = [x for x in (await logistik.counts_by_kecamatan(conn, kota.id)) if x.nama != tps_c[0].kecamatan]
            for tujuan, kec_id, tgl, moda in (("ppk", None, date(2024, 11, 25), "TRUK"),
                                              ("tps", lain[0].id, date(2024, 11, 25), "KAPAL"),
                                              ("tps", None, date(2023, 11, 25), "LORI"),
                                              ("tps", None, date(2024, 11, 27), "HEWAN")):
                await logistik.catat_pengiriman(conn, kabkota_unit_id=kota.id, tujuan=tujuan, kecamatan_id=kec_id,
                                                tanggal=tgl, moda=moda, oleh=operator, now=b.jam.now)
        await b.kirim(PENUGASAN, "/tiba")
        await b.tekan(PENUGASAN, f"tb:tps:{c}")
        await h.ketuk("Semua lengkap dan baik")
        assert h.tombol()[0] == "🚚 Dipikul/Jalan Kaki (seperti laporan Anda sebelumnya)"
        await b.kirim(PENUGASAN, "/batal")
        # a dispatch to every TPS of the city beats the officer's habit; one to the TPS's kecamatan beats that
        async with engine.begin() as conn:
            await logistik.catat_pengiriman(conn, kabkota_unit_id=kota.id, tujuan="tps", kecamatan_id=None,
                                            tanggal=date(2024, 11, 25), moda="4WD", oleh=operator, now=b.jam.now)
        await b.kirim(PENUGASAN, "/tiba")
        await b.tekan(PENUGASAN, f"tb:tps:{c}")
        await h.ketuk("Semua lengkap dan baik")
        assert h.tombol()[0] == "🚚 Mobil Khusus (double gardan) (seperti kiriman gudang)"
        await b.kirim(PENUGASAN, "/batal")
        async with engine.begin() as conn:
            kec_c = next(x for x in await logistik.counts_by_kecamatan(conn, kota.id)
                         if x.nama == tps_c[0].kecamatan)
            await logistik.catat_pengiriman(conn, kabkota_unit_id=kota.id, tujuan="tps", kecamatan_id=kec_c.id,
                                            tanggal=date(2024, 11, 24), moda="MOTOR-MOD", oleh=operator,
                                            now=b.jam.now)
        await b.kirim(PENUGASAN, "/tiba")
        await b.tekan(PENUGASAN, f"tb:tps:{c}")
        await h.ketuk("Semua lengkap dan baik")
        assert h.tombol()[0].startswith("🚚 Sepeda Motor Modifikasi")
        # stale and forged mode buttons
        await b.tekan(PENUGASAN, "tb:moda:ROKET")
        assert "kedaluwarsa" in (b.jawaban_terakhir() or "")
        await h.ketuk("Sepeda Motor Modifikasi")
        await b.tekan(PENUGASAN, "tb:modalain")  # the mode message's button, tapped again after it changed
        assert "kedaluwarsa" in (b.jawaban_terakhir() or "")
        await b.tekan(PENUGASAN, "tb:moda:PICKUP")  # a double tap on the mode
        assert "kedaluwarsa" in (b.jawaban_terakhir() or "")
        out = await b.kirim(PENUGASAN, "perahu")  # text where the time is asked: not a time
        assert "tidak dikenali" in (out[-1].text or "")
        await h.ketuk("Baru saja")
        await h.ketuk("Kamera/HP rusak")
        await h.ketuk("Kirim laporan")
        assert b.api.unanswered_callbacks() == []
    assert [r.moda for r in await laporan(engine, c)] == ["MOTOR-MOD"]
    assert [r.moda for r in await laporan(engine, b_id)] == ["PIKUL"]


async def test_photo_reasons_typed_reason_and_the_mandatory_photo(engine: AsyncEngine) -> None:
    tps_id, _ = await satu_tps(engine)
    async with bot_uji(engine) as b:
        b.jam.now = H_MIN_1
        b.api.add_user(SATU, "Petugas Satu TPS")
        h = Hitung(b, SATU)

        async def ke_foto() -> None:
            await b.kirim(SATU, "/tiba")
            await h.ketuk("Semua lengkap dan baik")
            await h.ketuk("Mobil Pick Up")
            await h.ketuk("Baru saja")

        await ke_foto()
        for forged in ("tb:tanpafoto:roket", "tb:tanpafoto:kamera:2"):
            await b.tekan(SATU, forged)
            assert "kedaluwarsa" in (b.jawaban_terakhir() or "")
        # a typed reason at the photo step (huge and unicode: kept, cut)
        ringkasan = await h.ketik("HP dipinjam 📱 " + "x" * 1000)
        assert "Foto: tidak ada (HP dipinjam 📱 xxx" in ringkasan
        await b.tekan(SATU, "tb:tanpafoto:lupa", message_id=b.api.messages(SATU)[0].message_id)  # stale button
        assert "kedaluwarsa" in (b.jawaban_terakhir() or "")
        await h.ketuk("Kirim laporan")
        assert len((await laporan(engine, tps_id))[0].alasan_tanpa_foto or "") == 300
        # the admin makes the photo mandatory: no reason buttons, and none is accepted
        async with engine.begin() as conn:
            await arrivals.atur(conn, arrivals.FOTO_WAJIB, True, actor="admin", now=b.jam.now)
        await b.kirim(SATU, "/tiba")
        await b.tekan(SATU, "tb:jenis:koreksi")
        await h.ketik("salah pilih moda")
        await h.ketuk("Semua lengkap dan baik")
        await h.ketuk("Mobil Pick Up")
        await h.ketuk("Tetap")
        assert "Foto wajib" in (b.api.last(SATU).text or "") and h.tombol() == ["✖️ Batal"]
        await b.tekan(SATU, "tb:tanpafoto:kamera")  # forged
        assert "Foto wajib" in (b.jawaban_terakhir() or "")
        out = await b.kirim(SATU, "kamera rusak")
        assert "Foto wajib" in (out[-1].text or "")
        ringkasan = await h.foto()
        assert "Foto: ada" in ringkasan
        await h.ketuk("Kirim laporan")
    rows = await laporan(engine, tps_id)
    assert [(r.versi, bool(r.foto_file_id)) for r in rows] == [(1, False), (2, True)]


@pytest.mark.parametrize("kunci", ["kamera", "sinyal", "lupa"])
async def test_each_reason_button_is_stored_as_its_words(engine: AsyncEngine, kunci: str) -> None:
    tps_id, _ = await satu_tps(engine)
    async with bot_uji(engine) as b:
        b.jam.now = H_MIN_1
        b.api.add_user(SATU, "Petugas Satu TPS")
        await b.kirim(SATU, "/tiba")
        for data in ("tb:ok", "tb:moda:PICKUP", "tb:kini", f"tb:tanpafoto:{kunci}"):
            await b.tekan(SATU, data)
        await b.tekan(SATU, f"tb:tanpafoto:{kunci}")  # a double tap: the summary is already shown
        assert "kedaluwarsa" in (b.jawaban_terakhir() or "")
        await b.tekan(SATU, "tb:kirim")
    alasan = {"kamera": "kamera/HP rusak", "sinyal": "sinyal lemah", "lupa": "lupa memotret"}[kunci]
    assert (await laporan(engine, tps_id))[0].alasan_tanpa_foto == alasan


async def test_the_location_is_added_from_the_summary(engine: AsyncEngine) -> None:
    tps_id, _ = await satu_tps(engine)
    async with bot_uji(engine) as b:
        b.jam.now = H_MIN_1
        b.api.add_user(SATU, "Petugas Satu TPS")
        h = Hitung(b, SATU)
        await b.kirim(SATU, "/tiba")
        await h.ketuk("Semua lengkap dan baik")
        await b.tekan(SATU, "tb:lokasi")  # the summary's button before the summary
        assert "kedaluwarsa" in (b.jawaban_terakhir() or "")
        await h.ketuk("Mobil Pick Up")
        await h.ketuk("Baru saja")
        await h.ketuk("Sinyal lemah")
        teks = await h.ketuk("Tambah lokasi")
        assert teks.startswith("Bagikan lokasi Anda") and h.tombol() == ["⬅️ Kembali ke ringkasan"]
        await b.tekan(SATU, "tb:lokasi")  # a double tap: the same question stays
        assert b.api.last(SATU).text == teks
        out = await b.kirim(SATU, "di balai desa")  # text instead of a location
        assert "Yang ditunggu adalah lokasi" in (out[-1].text or "")
        await kirim_foto(b, SATU)  # a photo instead of a location
        assert "Yang ditunggu adalah lokasi" in (b.api.last(SATU).text or "")
        ringkasan = await h.ketuk("Kembali ke ringkasan")  # back without a location
        assert "Lokasi: tidak dibagikan" in ringkasan and "📍 Tambah lokasi" in h.tombol()
        await h.ketuk("Tambah lokasi")
        await kirim_lokasi(b, SATU, -3.8, 102.27)
        ringkasan = b.api.last(SATU).text or ""
        assert ringkasan.startswith("Periksa laporan Anda") and "Lokasi: dibagikan" in ringkasan
        assert h.tombol() == ["✅ Kirim laporan", "📍 Ganti lokasi", "✖️ Batal"]
        await b.tekan(SATU, "tb:ringkasan")  # the location question's button, after the location came
        assert "kedaluwarsa" in (b.jawaban_terakhir() or "")
        await h.ketuk("Kirim laporan")
        assert b.api.unanswered_callbacks() == []
    r = (await laporan(engine, tps_id))[0]
    assert (r.lat, r.lon, r.alasan_tanpa_foto) == (-3.8, 102.27, "sinyal lemah")


async def test_a_correction_offers_the_reported_time_first(engine: AsyncEngine) -> None:
    tps_id, kode = await satu_tps(engine)
    async with bot_uji(engine) as b:
        b.jam.now = H_MIN_1
        b.api.add_user(SATU, "Petugas Satu TPS")
        h = Hitung(b, SATU)
        await b.kirim(SATU, "/tiba")
        await h.ketuk("Semua lengkap dan baik")
        await h.ketuk("Mobil Pick Up")
        await b.tekan(SATU, "tb:tetap")  # a first report has no reported time
        assert "kedaluwarsa" in (b.jawaban_terakhir() or "")
        assert "Tetap" not in str(h.tombol())
        await h.ketik("08.30")
        await h.ketuk("Kamera/HP rusak")
        await h.ketuk("Kirim laporan")
        b.jam.now += timedelta(hours=5)  # 15.00 WIB
        out = await b.kirim(SATU, "/tiba")
        assert f"sudah punya laporan TB-{kode}-1" in (out[-1].text or "")
        await h.ketuk("Koreksi")
        await h.ketik("kotak suara salah hitung")
        await h.ketuk("Semua lengkap dan baik")
        await h.ketuk("Mobil Pick Up")
        teks = b.api.last(SATU).text or ""
        assert "Laporan sebelumnya: Selasa, 26 November 2024 pukul 08.30 WIB" in teks
        assert h.tombol()[:2] == ["✔️ Tetap 26 November 2024 pukul 08.30 WIB", "🕒 Baru saja (pukul 15.00 WIB)"]
        out = await b.kirim(SATU, "besok")  # a wrong time: asked again with both buttons
        assert "tidak dikenali" in (out[-1].text or "")
        assert [x for row in out[-1].buttons for x, _ in row][:2] == h.tombol()[:2]
        await h.ketuk("Tetap 26 November")
        await b.tekan(SATU, "tb:tetap")  # a double tap
        assert "kedaluwarsa" in (b.jawaban_terakhir() or "")
        ringkasan = await h.ketuk("Lupa memotret")
        assert "Tiba: Selasa, 26 November 2024 pukul 08.30 WIB" in ringkasan
        await h.ketuk("Kirim laporan")
        # an additional delivery arrives anew: "Baru saja" first, no "Tetap"
    rows = await laporan(engine, tps_id)
    assert [(r.versi, r.jenis, r.tiba_pada) for r in rows] == [
        (1, "baru", datetime(2024, 11, 26, 1, 30, tzinfo=UTC)), (2, "koreksi", datetime(2024, 11, 26, 1, 30,
                                                                                         tzinfo=UTC))]


async def test_an_additional_delivery_is_offered_just_now_not_the_reported_time(engine: AsyncEngine) -> None:
    tps_id, _ = await satu_tps(engine)
    async with bot_uji(engine) as b:
        b.jam.now = H_MIN_1
        b.api.add_user(SATU, "Petugas Satu TPS")
        await b.kirim(SATU, "/tiba")
        await b.tekan(SATU, "tb:beda")
        await b.tekan(SATU, f"tb:brg:{(await _kotak(engine))}")
        await b.tekan(SATU, "tb:dev:kurang")
        await b.kirim(SATU, "1")
        for data in ("tb:selesai", "tb:moda:PICKUP", "tb:kini", "tb:tanpafoto:kamera", "tb:kirim"):
            await b.tekan(SATU, data)
        b.jam.now += timedelta(hours=2)
        await b.kirim(SATU, "/tiba")
        for data in ("tb:jenis:tambahan", "tb:ok", "tb:moda:PICKUP"):
            await b.tekan(SATU, data)
        labels = [x for row in b.api.buttons(SATU) for x, _ in row]
        assert labels[0].startswith("🕒 Baru saja") and not any("Tetap" in x for x in labels)
        await b.tekan(SATU, "tb:tetap")  # forged
        assert "kedaluwarsa" in (b.jawaban_terakhir() or "")
    assert len(await laporan(engine, tps_id)) == 1


async def _kotak(engine: AsyncEngine) -> int:
    from tests.storage.test_arrivals import item_ids
    return (await item_ids(engine))["KOTAK"]


@pytest.mark.parametrize("data", ["tb:modalain", "tb:tetap", "tb:tanpafoto:kamera", "tb:lokasi", "tb:ringkasan"])
async def test_the_new_buttons_are_for_field_officers_only(engine: AsyncEngine, data: str) -> None:
    async with bot_uji(engine) as b:
        b.jam.now = H_MIN_1
        out = await b.kirim(OPERATOR_KOTA, "/logistik")
        await b.tekan(OPERATOR_KOTA, data, message_id=out[0].message_id)
        assert b.jawaban_terakhir() == "Maaf, tombol ini bukan untuk peran Anda."
        # the officer's own buttons outside a report are stale
        out = await b.kirim(PETUGAS, "/start")
        await b.tekan(PETUGAS, data, message_id=out[-1].message_id)
        assert "kedaluwarsa" in (b.jawaban_terakhir() or "")
        assert b.api.unanswered_callbacks() == []


@pytest.mark.parametrize("langkah", ["alasan", "lokasi"])
async def test_a_new_step_telegram_never_showed_is_resumed_by_lanjutkan(engine: AsyncEngine, langkah: str) -> None:
    from tests.bot.test_balasan_sibuk import SINGKAT

    tps_id, kode = await satu_tps(engine)
    async with bot_uji(engine, kendali=SINGKAT) as b:
        b.jam.now = H_MIN_1
        b.api.add_user(SATU, "Petugas Satu TPS")
        await b.kirim(SATU, "/tiba")
        for data in ("tb:ok", "tb:moda:PICKUP", "tb:kini"):
            await b.tekan(SATU, data)
        if langkah == "lokasi":
            await b.tekan(SATU, "tb:tanpafoto:sinyal")
        b.api.fail_next("editMessageText", 502, times=1000)
        await b.tekan(SATU, "tb:tanpafoto:sinyal" if langkah == "alasan" else "tb:lokasi")
        b.api.clear_faults()
        assert await b.kirim_outbox() == 1
        lanjut = b.api.last(SATU)
        assert lanjut.buttons == [[("▶️ Lanjutkan", "tb:lanjut")]]
        await b.tekan(SATU, "tb:lanjut", message_id=lanjut.message_id)
        teks = b.api.last(SATU).text or ""
        if langkah == "alasan":  # the reason was kept: the summary that never came
            assert teks.startswith("Periksa laporan Anda") and "Foto: tidak ada (sinyal lemah)" in teks
        else:  # the location question never showed: the user is still at the summary, and adds it from there
            assert teks.startswith("Periksa laporan Anda") and "📍 Tambah lokasi" in str(b.api.last(SATU).buttons)
            await b.tekan(SATU, "tb:lokasi")
            assert (b.api.last(SATU).text or "").startswith("Bagikan lokasi Anda")
            await kirim_lokasi(b, SATU, -3.8, 102.27)
        await b.tekan(SATU, "tb:kirim")
        assert f"Nomor tanda terima: TB-{kode}-1" in (b.api.last(SATU).text or "")
    r = (await laporan(engine, tps_id))[0]
    assert r.alasan_tanpa_foto == "sinyal lemah" and (r.lat is not None) == (langkah == "lokasi")
