"""Arrival reports at TPS (/tiba) through the real Application: every step, every deviation, escalations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.fakebotapi import FakeBotApi
from storage import arrivals, audit, org
from storage import tables as t
from tests.bot.harness import BotUji, bot_uji
from tests.storage.test_arrivals import item_ids, petugas

H_MIN_1 = datetime(2024, 11, 26, 3, 0, tzinfo=UTC)  # Selasa, 26 November 2024 pukul 10.00 WIB
SESUDAH_BATAS = datetime(2024, 11, 26, 17, 30, tzinfo=UTC)  # Rabu, 27 November 2024 pukul 00.30 WIB
PETUGAS, OPERATOR_KOTA = 910007, 910006
LAINNYA = (910001, 910002, 910003, 910004, 910005)  # admin, leaders, province operators
OPERATOR_SELATAN = 5550300


async def tps_kota(engine: AsyncEngine, n: int = 4) -> list[tuple[int, str]]:
    async with engine.connect() as conn:
        return [(x.id, x.kode) for x in await org.list_tps(conn, kabkota="KAB-1771", limit=n)]


async def kirim_foto(b: BotUji, tg: int) -> None:
    upd = await b.api.send_photo(tg, file_id="foto-logistik-1")
    await b.app.process_update(upd.to_update(b.app.bot))


async def kirim_lokasi(b: BotUji, tg: int, lat: float, lon: float) -> None:
    upd = await b.api.send_location(tg, lat, lon)
    await b.app.process_update(upd.to_update(b.app.bot))


async def mulai(b: BotUji, tps_id: int, tg: int = PETUGAS) -> str:
    await b.kirim(tg, "/tiba")
    await b.tekan(tg, f"tb:tps:{tps_id}")
    return b.api.last(tg).text or ""


async def sampai_ringkasan(b: BotUji, tg: int = PETUGAS, *, foto: bool = True) -> str:
    """From the mode step to the summary: pick-up, just now, a photo (or a typed reason for none)."""
    await b.tekan(tg, "tb:moda:PICKUP")
    await b.tekan(tg, "tb:kini")
    if foto:
        await kirim_foto(b, tg)
    else:
        await b.kirim(tg, "kamera HP rusak")
    return b.api.last(tg).text or ""


async def laporan(engine: AsyncEngine, tps_id: int) -> list[arrivals.LaporanTiba]:
    async with engine.connect() as conn:
        return await arrivals.riwayat(conn, tps_id)


def bertombol(b: BotUji, tg: int = PETUGAS) -> str:
    """The text of the user's latest message with buttons (the step's message, edited in place)."""
    return next(m.text or "" for m in reversed(b.api.messages(tg)) if m.buttons)


def hitung(api: FakeBotApi) -> dict[int, int]:
    return {c: len(api.messages(c)) for c in (PETUGAS, OPERATOR_KOTA, OPERATOR_SELATAN, *LAINNYA)}


async def operator_selatan(b: BotUji) -> None:
    """A logistics officer of another kab/kota (Bengkulu Selatan), to check nothing leaks to them."""
    async with b.engine.begin() as conn:
        unit = await org.unit_by_code(conn, "KAB-1701")
        assert unit is not None
        await conn.execute(t.users.insert().values(telegram_id=OPERATOR_SELATAN, name="Operator Selatan",
                                                   role="operator", status="aktif", unit_id=unit.id,
                                                   created_at=b.jam.now))
    b.api.add_user(OPERATOR_SELATAN, "Operator Selatan")


async def test_one_tap_happy_path_gives_a_receipt(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        b.jam.now = H_MIN_1
        (tps_id, kode), *_ = await tps_kota(engine)
        out = await b.kirim(PETUGAS, "/start")
        assert "/tiba" in out[-1].text  # reachable from the start menu
        out = await b.kirim(PETUGAS, "/tiba")
        assert out[-1].text.startswith("Laporan logistik tiba. Pilih TPS Anda")
        assert [r[0][1] for r in out[-1].buttons][:3] == [f"tb:tps:{i}" for i, _ in (await tps_kota(engine, 3))]
        list_id = out[-1].message_id
        await b.tekan(PETUGAS, f"tb:tps:{tps_id}")
        periksa = b.api.last(PETUGAS)
        assert periksa.message_id == list_id and periksa.edited  # the same message, edited
        assert "Yang seharusnya tiba:" in periksa.text and "• Kotak suara: 2 buah" in periksa.text
        assert "Semua lengkap dan baik" in str(periksa.buttons)
        await b.tekan(PETUGAS, "tb:ok")
        ringkasan = await sampai_ringkasan(b)
        assert "Barang: semua lengkap dan baik" in ringkasan and "Diantar dengan: Mobil Pick Up" in ringkasan
        assert "Tiba: Selasa, 26 November 2024 pukul 10.00 WIB" in ringkasan and "Foto: ada" in ringkasan
        assert "⚠️" not in ringkasan
        await b.tekan(PETUGAS, "tb:kirim")
        receipt = b.api.last(PETUGAS).text
        assert f"Nomor tanda terima: TB-{kode}-1" in receipt and "lengkap, baik dan tepat waktu" in receipt
        assert not b.api.last(PETUGAS).buttons
        assert b.api.unanswered_callbacks() == []
        # the /start reply, the TPS list (edited up to the photo question), the summary after the photo (edited
        # into the receipt): a whole report in two bot messages
        assert len(b.api.messages(PETUGAS)) == 3
        # a double tap on "Kirim" does not store twice
        await b.tekan(PETUGAS, "tb:kirim", message_id=b.api.last(PETUGAS).message_id)
        assert b.jawaban_terakhir() == "Menu ini sudah kedaluwarsa. Silakan mulai lagi dari perintahnya."
        assert await b.kirim_outbox() == 0  # nothing to escalate
    rows = await laporan(engine, tps_id)
    assert len(rows) == 1
    r = rows[0]
    assert (r.versi, r.jenis, r.tepat, r.lengkap, r.terlambat, r.moda) == (1, "baru", True, True, False, "PICKUP")
    assert r.foto_file_id and r.tiba_pada == H_MIN_1 and r.reporter == "Petugas KPPS Demo" and len(r.baris) == 14


async def test_one_tps_officer_starts_at_once_and_the_mode_step_reads_nothing(engine: AsyncEngine) -> None:
    (tps_id, kode), *_ = await tps_kota(engine)
    satu = 5550210
    await petugas(engine, [tps_id], tg=satu, nama="Petugas Satu TPS")
    reads: list[str] = []
    event.listen(engine.sync_engine, "before_cursor_execute",
                 lambda *a: reads.append(a[2]) if a[2].startswith("SELECT") else None)
    async with bot_uji(engine) as b:
        b.jam.now = H_MIN_1
        b.api.add_user(satu, "Petugas Satu TPS")
        out = await b.kirim(satu, "/tiba")  # one TPS: no list, straight to what should arrive
        assert f"TPS {kode}" in out[-1].text and "Yang seharusnya tiba:" in out[-1].text
        reads.clear()
        await b.tekan(satu, "tb:ok")  # the modes were read with the TPS; the user is known to the guard
        assert reads == []
        assert "Mobil Pick Up" in str(b.api.last(satu).buttons)
        # a report begun before the modes were kept with the TPS (an older version's state) still gets them
        await b.kirim(satu, "/tiba")
        assert b.app.user_data[satu]["tiba"].pop("moda_pilihan")
        await b.tekan(satu, "tb:ok")
        assert "Mobil Pick Up" in str(b.api.last(satu).buttons)
        ringkasan = await sampai_ringkasan(b, satu)
        assert "Diantar dengan: Mobil Pick Up" in ringkasan
        await b.tekan(satu, "tb:kirim")
        assert f"Nomor tanda terima: TB-{kode}-1" in (b.api.last(satu).text or "")


def hitung_bangun(b: BotUji) -> list[int]:
    """Count the wake-ups of the outbox sender from now on."""
    svc = b.app.bot_data["layanan"]
    bangun: list[int] = []
    asli = svc.wake_outbox

    def wake() -> None:
        bangun.append(1)
        asli()

    svc.wake_outbox = wake
    return bangun


async def test_every_deviation_kind_and_the_escalation_reaches_only_the_kabkota_officer(engine: AsyncEngine) -> None:
    items = await item_ids(engine)
    async with bot_uji(engine) as b:
        b.jam.now = H_MIN_1
        await operator_selatan(b)
        (tps_id, kode), *_ = await tps_kota(engine)
        await mulai(b, tps_id)
        await b.tekan(PETUGAS, "tb:beda")
        assert "Belum ada penyimpangan" in b.api.last(PETUGAS).text
        # short by 1, with a note after the number
        await b.tekan(PETUGAS, f"tb:brg:{items['KOTAK']}")
        assert "Kotak suara (seharusnya 2 buah)" in b.api.last(PETUGAS).text
        await b.tekan(PETUGAS, "tb:dev:kurang")
        assert "angka 0–2" in b.api.last(PETUGAS).text
        out = await b.kirim(PETUGAS, "1 tertinggal di PPS")
        assert "Kotak suara: kurang 1 (tertinggal di PPS)" in out[-1].text
        # damaged 12 ballots
        await b.tekan(PETUGAS, f"tb:brg:{items['SS-GUB']}")
        await b.tekan(PETUGAS, "tb:dev:rusak")
        out = await b.kirim(PETUGAS, "rusak 12 basah")  # the step's own word first, as people type it
        assert "rusak 12 (basah)" in out[-1].text
        # wrong type, with a note
        await b.tekan(PETUGAS, f"tb:brg:{items['DPC']}")
        await b.tekan(PETUGAS, "tb:dev:salah")
        out = await b.kirim(PETUGAS, "daftar calon kabupaten lain")
        assert "Daftar pasangan calon: salah jenis (daftar calon kabupaten lain)" in out[-1].text
        # a deviation recorded by mistake is removed again
        await b.tekan(PETUGAS, f"tb:brg:{items['TINTA']}")
        await b.tekan(PETUGAS, "tb:dev:salah")
        await b.tekan(PETUGAS, "tb:lewat")
        assert "Tinta: salah jenis" in b.api.last(PETUGAS).text
        await b.tekan(PETUGAS, f"tb:brg:{items['TINTA']}")
        await b.tekan(PETUGAS, "tb:dev:hapus")
        assert "Tinta" not in b.api.last(PETUGAS).text.split("Sudah dicatat:")[1]
        await b.tekan(PETUGAS, "tb:selesai")
        ringkasan = await sampai_ringkasan(b)
        assert "• Kotak suara: kurang 1" in ringkasan and "• Daftar pasangan calon: salah jenis" in ringkasan
        before = hitung(b.api)
        bangun = hitung_bangun(b)
        await b.tekan(PETUGAS, "tb:kirim")
        assert bangun == [1]  # the escalation is queued: the outbox looks now, not at its next poll
        receipt = b.api.last(PETUGAS).text
        assert "tercatat ada masalah" in receipt and "petugas logistik KPU Kota Bengkulu (1 orang)" in receipt
        assert "Kotak suara: kurang 1 buah (tertinggal di PPS)" in receipt
        assert await b.kirim_outbox() == 1
        after = hitung(b.api)
        assert {c for c in after if after[c] != before[c]} == {OPERATOR_KOTA}  # nobody outside the scope
        esk = b.api.last(OPERATOR_KOTA)
        assert f"Masalah logistik di TPS {kode}" in esk.text and "Pelapor: Petugas KPPS Demo" in esk.text
        assert "Surat suara Pemilihan Gubernur: rusak 12 lembar (basah)" in esk.text
        assert "Daftar pasangan calon: salah jenis" in esk.text and f"TB-{kode}-1" in esk.text
        data = esk.buttons[0][0][1]
        assert data is not None and data.startswith("es:")
        await b.tekan(OPERATOR_KOTA, data, message_id=esk.message_id)
        assert "tulis catatan penanganannya" in (b.api.last(OPERATOR_KOTA).text or "")
        await b.tekan(OPERATOR_KOTA, data.replace("es:", "es:l:"))  # Tanpa catatan
        kalimat = f"Masalah di TPS {kode} (beberapa masalah) sudah ditangani oleh Operator Logistik Demo"
        assert (b.api.last(OPERATOR_KOTA).text or "").startswith(f"✅ {kalimat}")
        handled = b.api.message(OPERATOR_KOTA, esk.message_id)
        assert "✅ Ditangani oleh Operator Logistik Demo KPU Kota Bengkulu" in (handled.text or "")
        assert not handled.buttons
        await b.tekan(OPERATOR_KOTA, data, message_id=esk.message_id)  # double tap
        assert f"Masalah di TPS {kode} sudah ditangani oleh Operator Logistik" in (b.jawaban_terakhir() or "")
        assert await b.kirim_outbox() == 1
        assert (b.api.last(PETUGAS).text or "").startswith(kalimat)
        # the handling is shown in /logistik too
        out = await b.kirim(OPERATOR_KOTA, "/logistik")
        assert "Eskalasi terbuka: 0" in out[0].text
        await b.tekan(OPERATOR_KOTA, "lg:e:0", message_id=out[0].message_id)
        shown = b.api.message(OPERATOR_KOTA, out[0].message_id).text or ""
        assert shown.startswith("Tidak ada eskalasi terbuka.") and "Terakhir ditangani:" in shown
        assert f"TPS {kode} — beberapa masalah: ditangani oleh Operator Logistik Demo KPU Kota Bengkulu" in shown
    r = (await laporan(engine, tps_id))[0]
    by = {x.item_id: x for x in r.baris}
    assert (by[items["KOTAK"]].diterima, by[items["KOTAK"]].catatan) == (1, "tertinggal di PPS")
    assert by[items["SS-GUB"]].rusak == 12
    assert (by[items["DPC"]].salah_jenis, by[items["TINTA"]].salah_jenis) == (True, False)
    assert not r.tepat and not r.lengkap
    async with engine.connect() as conn:
        esks = (await conn.execute(sa.select(t.escalations))).all()
        log = await audit.recent(conn, entity="eskalasi")
    assert [(e.jenis, e.status) for e in esks] == [("gabungan", "ditangani")]
    assert log[0].action == "tangani"


async def test_officer_of_another_kabkota_cannot_handle_it(engine: AsyncEngine) -> None:
    items = await item_ids(engine)
    async with bot_uji(engine) as b:
        b.jam.now = H_MIN_1
        await operator_selatan(b)
        (tps_id, _), *_ = await tps_kota(engine)
        await mulai(b, tps_id)
        await b.tekan(PETUGAS, "tb:beda")
        await b.tekan(PETUGAS, f"tb:brg:{items['SEGEL']}")
        await b.tekan(PETUGAS, "tb:dev:kurang")
        await b.kirim(PETUGAS, "20")
        await b.tekan(PETUGAS, "tb:selesai")
        await sampai_ringkasan(b)
        await b.tekan(PETUGAS, "tb:kirim")
        await b.kirim_outbox()
        data = b.api.last(OPERATOR_KOTA).buttons[0][0][1]
        # the Selatan officer forges the button on their own last message
        out = await b.kirim(OPERATOR_SELATAN, "/logistik")
        await b.tekan(OPERATOR_SELATAN, str(data), message_id=out[0].message_id)
        assert b.jawaban_terakhir() == "Eskalasi ini di luar cakupan wilayah Anda."
        await b.tekan(PETUGAS, str(data), message_id=b.api.last(PETUGAS).message_id)
        assert b.jawaban_terakhir() == "Maaf, tombol ini bukan untuk peran Anda."
        await b.tekan(OPERATOR_KOTA, "es:99999")
        assert "kedaluwarsa" in (b.jawaban_terakhir() or "")
        await b.tekan(OPERATOR_KOTA, "es:abc")
        assert "kedaluwarsa" in (b.jawaban_terakhir() or "")
        assert b.api.unanswered_callbacks() == []
    async with engine.connect() as conn:
        assert (await conn.execute(sa.select(t.escalations.c.status))).scalars().all() == ["terbuka"]


@pytest.mark.parametrize(
    ("ketik", "pesan"),
    [
        ("dua", "Tulis dengan angka"),
        ("-1", "Jumlah tidak boleh negatif"),
        ("1.000.000.000", "melebihi batas maksimum 2"),
        ("3", "melebihi batas maksimum 2"),
        ("1,5", "bilangan bulat"),
        ("３", "angka biasa"),
        ("🙂", "bukan angka"),
    ],
)
async def test_wrong_numbers_are_refused_and_asked_again(engine: AsyncEngine, ketik: str, pesan: str) -> None:
    items = await item_ids(engine)
    async with bot_uji(engine) as b:
        b.jam.now = H_MIN_1
        (tps_id, _), *_ = await tps_kota(engine)
        await mulai(b, tps_id)
        await b.tekan(PETUGAS, "tb:beda")
        await b.tekan(PETUGAS, f"tb:brg:{items['KOTAK']}")
        await b.tekan(PETUGAS, "tb:dev:kurang")
        out = await b.kirim(PETUGAS, ketik)
        assert pesan in out[-1].text and "Ketik lagi angkanya (0–2)" in out[-1].text
        out = await b.kirim(PETUGAS, "2")  # the same question is still open
        assert "Kotak suara: kurang 2" in out[-1].text
        # damaged can be at most what arrived (none of the boxes did)
        await b.tekan(PETUGAS, f"tb:brg:{items['KOTAK']}")
        await b.tekan(PETUGAS, "tb:dev:rusak")
        out = await b.kirim(PETUGAS, "1")
        assert "melebihi batas maksimum 0" in out[-1].text
        await b.tekan(PETUGAS, "tb:dev:kembali")
        assert "Kotak suara: kurang 2" in bertombol(b)


async def test_correction_keeps_history(engine: AsyncEngine) -> None:
    items = await item_ids(engine)
    async with bot_uji(engine) as b:
        b.jam.now = H_MIN_1
        (tps_id, kode), *_ = await tps_kota(engine)
        await mulai(b, tps_id)
        await b.tekan(PETUGAS, "tb:ok")
        await sampai_ringkasan(b)
        await b.tekan(PETUGAS, "tb:kirim")
        b.jam.now += timedelta(minutes=30)
        text = await mulai(b, tps_id)
        assert f"sudah punya laporan TB-{kode}-1 (versi 1)" in text and "lengkap, baik dan tepat waktu" in text
        await b.tekan(PETUGAS, "tb:jenis:koreksi")
        out = await b.kirim(PETUGAS, "x")
        assert "terlalu pendek" in out[-1].text
        out = await b.kirim(PETUGAS, "salah hitung surat suara")
        assert out[-1].text.startswith(f"Koreksi laporan TPS {kode}")
        await b.tekan(PETUGAS, "tb:beda")
        await b.tekan(PETUGAS, f"tb:brg:{items['SS-BUP']}")
        await b.tekan(PETUGAS, "tb:dev:kurang")
        await b.kirim(PETUGAS, "10")
        await b.tekan(PETUGAS, "tb:selesai")
        ringkasan = await sampai_ringkasan(b)
        assert "Jenis: koreksi (salah hitung surat suara)" in ringkasan
        await b.tekan(PETUGAS, "tb:kirim")
        assert f"TB-{kode}-2" in b.api.last(PETUGAS).text
    rows = await laporan(engine, tps_id)
    assert [(r.versi, r.jenis, r.lengkap) for r in rows] == [(1, "baru", True), (2, "koreksi", False)]
    assert rows[1].alasan == "salah hitung surat suara"


async def test_additional_delivery_adds_up(engine: AsyncEngine) -> None:
    items = await item_ids(engine)
    async with bot_uji(engine) as b:
        b.jam.now = H_MIN_1
        (tps_id, kode), *_ = await tps_kota(engine)
        await mulai(b, tps_id)
        await b.tekan(PETUGAS, "tb:beda")
        await b.tekan(PETUGAS, f"tb:brg:{items['KOTAK']}")
        await b.tekan(PETUGAS, "tb:dev:kurang")
        await b.kirim(PETUGAS, "1")
        await b.tekan(PETUGAS, "tb:selesai")
        await sampai_ringkasan(b)
        await b.tekan(PETUGAS, "tb:kirim")
        b.jam.now += timedelta(hours=3)
        text = await mulai(b, tps_id)
        assert "ada masalah (kurang)" in text
        await b.tekan(PETUGAS, "tb:jenis:tambahan")
        text = b.api.last(PETUGAS).text
        assert "Yang masih ditunggu:" in text and "• Kotak suara: 1 buah" in text and "Tinta" not in text
        await b.tekan(PETUGAS, "tb:ok")
        ringkasan = await sampai_ringkasan(b, foto=False)
        assert "Jenis: kiriman tambahan" in ringkasan and "Foto: tidak ada (kamera HP rusak)" in ringkasan
        await b.tekan(PETUGAS, "tb:kirim")
        assert f"TB-{kode}-2" in b.api.last(PETUGAS).text and "tepat waktu" in b.api.last(PETUGAS).text
        # complete now: another additional delivery has nothing to wait for
        await mulai(b, tps_id)
        await b.tekan(PETUGAS, "tb:jenis:tambahan")
        assert "tidak ada kiriman tambahan yang ditunggu" in (b.jawaban_terakhir() or "")
    rows = await laporan(engine, tps_id)
    assert [(r.versi, r.jenis, r.lengkap, r.tepat) for r in rows] == [(1, "baru", False, False),
                                                                     (2, "tambahan", True, True)]
    assert {x.item_id: x.diterima for x in rows[1].baris}[items["KOTAK"]] == 2
    assert rows[1].alasan_tanpa_foto == "kamera HP rusak" and rows[1].foto_file_id is None


async def test_late_report_is_flagged_and_escalated(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        b.jam.now = SESUDAH_BATAS
        (tps_id, _), *_ = await tps_kota(engine)
        await mulai(b, tps_id)
        await b.tekan(PETUGAS, "tb:ok")
        ringkasan = await sampai_ringkasan(b)
        assert "⚠️ Melewati batas tiba TPS ini (Selasa, 26 November 2024 pukul 23.59 WIB)" in ringkasan
        await b.tekan(PETUGAS, "tb:kirim")
        assert "Tiba terlambat" in b.api.last(PETUGAS).text
        assert await b.kirim_outbox() == 1
        assert "Tiba terlambat (melewati batas H-1)" in b.api.last(OPERATOR_KOTA).text
    r = (await laporan(engine, tps_id))[0]
    assert r.terlambat and r.lengkap and not r.tepat


async def test_typed_arrival_time(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        b.jam.now = H_MIN_1
        (tps_id, _), *_ = await tps_kota(engine)
        await mulai(b, tps_id)
        await b.tekan(PETUGAS, "tb:ok")
        await b.tekan(PETUGAS, "tb:moda:MOTOR")
        for ketik, pesan in (("11.00", "masa depan"), ("25/11/2024 14.00", "sebelum pengiriman dimulai"),
                             ("besok pagi", "tidak dikenali"), ("26/11/2024", "tidak dikenali")):
            out = await b.kirim(PETUGAS, ketik)
            assert pesan in out[-1].text and "Baru saja" in str(out[-1].buttons)
        await b.kirim(PETUGAS, "pukul 07.45")
        await b.kirim(PETUGAS, "baterai habis " + "🔋" * 3000)  # huge unicode: kept, cut to one sane length
        await b.tekan(PETUGAS, "tb:lokasi")
        await kirim_lokasi(b, PETUGAS, -3.7928, 102.2608)
        ringkasan = b.api.last(PETUGAS).text
        assert "Tiba: Selasa, 26 November 2024 pukul 07.45 WIB" in ringkasan and "Lokasi: dibagikan" in ringkasan
        await b.tekan(PETUGAS, "tb:kirim")
    r = (await laporan(engine, tps_id))[0]
    assert (r.moda, r.lat, r.lon) == ("MOTOR", -3.7928, 102.2608)
    assert r.alasan_tanpa_foto is not None and len(r.alasan_tanpa_foto) == 300
    assert r.alasan_tanpa_foto.startswith("baterai habis 🔋")
    assert r.tiba_pada == datetime(2024, 11, 26, 0, 45, tzinfo=UTC)


async def test_photo_can_be_skipped_with_a_reason_unless_mandatory(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        b.jam.now = H_MIN_1
        (tps_id, _), *_ = await tps_kota(engine)
        await mulai(b, tps_id)
        await b.tekan(PETUGAS, "tb:ok")
        await b.tekan(PETUGAS, "tb:moda:PICKUP")
        await b.tekan(PETUGAS, "tb:kini")
        await kirim_lokasi(b, PETUGAS, -3.79, 102.26)  # a location instead of a photo
        assert "Yang ditunggu adalah foto" in b.api.last(PETUGAS).text
        out = await b.kirim(PETUGAS, "ok")  # text too short to be a reason
        assert "terlalu pendek" in out[-1].text and "ketuk salah satu alasan" in out[-1].text
        # the bare skip button of an earlier version still asks for a typed reason
        await b.tekan(PETUGAS, "tb:tanpafoto")
        assert any((m.text or "").startswith("Mengapa tanpa foto?") for m in b.api.messages(PETUGAS))
        out = await b.kirim(PETUGAS, "  ")
        assert "terlalu pendek" in out[-1].text
        await b.kirim(PETUGAS, "sinyal lemah, foto gagal terkirim")
        assert "Foto: tidak ada (sinyal lemah, foto gagal terkirim)" in bertombol(b)
        out = await b.kirim(PETUGAS, "lokasi?")  # text at the summary
        assert "ketuk salah satu tombol" in out[-1].text
        await b.kirim(PETUGAS, "/batal")
        async with engine.begin() as conn:
            await arrivals.atur(conn, arrivals.FOTO_WAJIB, True, actor="admin", now=b.jam.now)
        await mulai(b, tps_id)
        await b.tekan(PETUGAS, "tb:ok")
        await b.tekan(PETUGAS, "tb:moda:PICKUP")
        await b.tekan(PETUGAS, "tb:kini")
        text = b.api.last(PETUGAS)
        assert "Foto wajib" in text.text and "tanpafoto" not in str(text.buttons)
        await b.tekan(PETUGAS, "tb:tanpafoto")  # forged
        assert "Foto wajib" in (b.jawaban_terakhir() or "")
        out = await b.kirim(PETUGAS, "tidak ada kamera")
        assert "Foto wajib" in out[-1].text
        await kirim_foto(b, PETUGAS)
        await b.tekan(PETUGAS, "tb:kirim")
    rows = await laporan(engine, tps_id)
    assert len(rows) == 1 and rows[0].foto_file_id  # the cancelled first attempt stored nothing


async def test_two_officers_disagreeing_is_flagged_as_a_conflict(engine: AsyncEngine) -> None:
    items = await item_ids(engine)
    (tps_id, kode), *_ = await tps_kota(engine)
    await petugas(engine, [tps_id], tg=5550200, nama="Petugas PPS Kedua")
    async with bot_uji(engine) as b:
        b.jam.now = H_MIN_1
        await mulai(b, tps_id)
        await b.tekan(PETUGAS, "tb:ok")
        await sampai_ringkasan(b)
        await b.tekan(PETUGAS, "tb:kirim")
        await mulai(b, tps_id, tg=5550200)
        await b.tekan(5550200, "tb:jenis:koreksi")
        await b.kirim(5550200, "kotak suara hanya satu")
        await b.tekan(5550200, "tb:beda")
        await b.tekan(5550200, f"tb:brg:{items['KOTAK']}")
        await b.tekan(5550200, "tb:dev:kurang")
        await b.kirim(5550200, "1")
        await b.tekan(5550200, "tb:selesai")
        await sampai_ringkasan(b, 5550200)
        await b.tekan(5550200, "tb:kirim")
        # the problem and the conflict, to the one kab/kota officer (one message per second per chat)
        assert await b.kirim_outbox() == 1
        b.jam.now += timedelta(seconds=2)
        assert await b.kirim_outbox() == 1
        texts = [m.text for m in b.api.messages(OPERATOR_KOTA)[-2:]]
        assert any(f"Laporan berbeda untuk TPS {kode}" in (x or "") for x in texts)
        konflik = next(x for x in texts if x and "Laporan berbeda" in x)
        assert (f"TB-{kode}-1 oleh Petugas KPPS Demo berbeda dengan laporan TB-{kode}-2 oleh Petugas PPS Kedua"
                in konflik)
    async with engine.connect() as conn:
        kinds = (await conn.execute(sa.select(t.escalations.c.jenis).order_by(t.escalations.c.id))).scalars().all()
    assert kinds == ["kurang", "konflik"]


async def test_another_tps_code_is_refused(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        b.jam.now = H_MIN_1
        tps = await tps_kota(engine)
        other_id, other_kode = tps[3]
        await b.kirim(PETUGAS, "/tiba")
        out = await b.kirim(PETUGAS, other_kode)
        assert out[-1].text == (f"TPS {other_kode} bukan TPS tugas Anda. "
                                "Anda hanya dapat melapor untuk TPS Anda sendiri.")
        await b.tekan(PETUGAS, f"tb:tps:{other_id}")  # forged button
        assert b.jawaban_terakhir() == "TPS itu bukan TPS tugas Anda."
        for forged in ("tb:tps:abc", "tb:tps", "tb:tps:1:2"):
            await b.tekan(PETUGAS, forged)
            assert "kedaluwarsa" in (b.jawaban_terakhir() or "")
        out = await b.kirim(PETUGAS, "17.99.99.9999-999")
        assert "tidak ditemukan di antara TPS Anda" in out[-1].text
        out = await b.kirim(PETUGAS, tps[1][1])  # own code typed: straight in
        assert "Yang seharusnya tiba:" in out[-1].text
        assert b.api.unanswered_callbacks() == []
    async with engine.connect() as conn:
        assert (await conn.execute(sa.select(sa.func.count()).select_from(t.arrival_reports))).scalar_one() == 0


async def test_many_tps_are_searched(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        tps = await org.list_tps(conn, kabkota="KAB-1771", limit=9)
    await petugas(engine, [x.id for x in tps], tg=5550400, nama="Petugas PPS Banyak")
    async with bot_uji(engine) as b:
        b.jam.now = H_MIN_1
        out = await b.kirim(5550400, "/tiba")
        assert "Anda bertugas di 9 TPS" in out[-1].text and len(out[-1].buttons) == 7  # 6 TPS + Batal
        out = await b.kirim(5550400, "2001-00")
        assert out[-1].text.startswith("Ditemukan") and len(out[-1].buttons) >= 2
        out = await b.kirim(5550400, tps[8].kode.rsplit(".", 1)[1])  # e.g. "2002-004": one match, straight in
        assert "Yang seharusnya tiba:" in out[-1].text and tps[8].kode in out[-1].text


async def test_roles_cancel_and_restart_mid_report(engine: AsyncEngine) -> None:
    api = FakeBotApi()
    (tps_id, _), *_ = await tps_kota(engine)
    async with bot_uji(engine, api=api) as b:
        b.jam.now = H_MIN_1
        out = await b.kirim(OPERATOR_KOTA, "/tiba")
        assert "tidak tersedia untuk peran Anda" in out[-1].text
        await mulai(b, tps_id)
        out = await b.kirim(PETUGAS, "/batal")
        assert "Dibatalkan" in out[-1].text
        await b.tekan(PETUGAS, "tb:ok")  # the cancelled report's button
        assert "kedaluwarsa" in (b.jawaban_terakhir() or "")
        await mulai(b, tps_id)
        await b.tekan(PETUGAS, "tb:ok")
        await b.tekan(PETUGAS, "tb:moda:KAPAL")
    async with bot_uji(engine, api=api, jam=b.jam) as b2:  # the bot restarts halfway
        await b2.tekan(PETUGAS, "tb:kini")
        assert "Kirim satu foto" in b2.api.last(PETUGAS).text
        await kirim_foto(b2, PETUGAS)
        assert "Diantar dengan: Kapal Laut" in b2.api.last(PETUGAS).text
        await b2.tekan(PETUGAS, "tb:batal")
        assert "Dibatalkan" in b2.api.last(PETUGAS).text
        out = await b2.kirim(PETUGAS, "halo")
        assert "belum paham" in out[-1].text
    assert await laporan(engine, tps_id) == []


async def test_text_where_a_button_is_expected_and_stale_buttons(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        b.jam.now = H_MIN_1
        (tps_id, _), *_ = await tps_kota(engine)
        await mulai(b, tps_id)
        out = await b.kirim(PETUGAS, "sudah semua")
        assert "ketuk salah satu tombol" in out[-1].text
        await b.tekan(PETUGAS, "tb:brg:1")  # a button of a step we are not at
        assert "kedaluwarsa" in (b.jawaban_terakhir() or "")
        await b.tekan(PETUGAS, "tb:beda")
        for forged in ("tb:brg:99999", "tb:brg:x", "tb:dev:kurang"):
            await b.tekan(PETUGAS, forged)
            assert "kedaluwarsa" in (b.jawaban_terakhir() or "")
        await b.tekan(PETUGAS, "tb:selesai")
        await b.tekan(PETUGAS, "tb:moda:ROKET")
        assert "kedaluwarsa" in (b.jawaban_terakhir() or "")
        assert b.api.unanswered_callbacks() == []
