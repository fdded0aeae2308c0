"""/logistik through the real Application: summary, chart, drill-down, scope; and agreement with the CLI."""

from __future__ import annotations

import asyncio
import json
import re
import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cli import main as cli_main
from domain import logistik as lg
from domain.angka import format_percent
from domain.entitas import Pengguna
from reports import grafik_logistik
from storage import arrivals, logistik, org
from storage import tables as t
from tests.bot.harness import BotUji, bot_uji
from tests.storage.test_arrivals import demo_petugas, item_ids, petugas

H_MIN_1 = datetime(2024, 11, 26, 3, 0, tzinfo=UTC)
SESUDAH = datetime(2024, 11, 26, 17, 30, tzinfo=UTC)
PIMPINAN, OPERATOR, OPERATOR_KOTA, PETUGAS = 910002, 910004, 910006, 910007


async def unit_id(engine: AsyncEngine, code: str) -> int:
    async with engine.connect() as conn:
        u = await org.unit_by_code(conn, code)
    assert u is not None
    return u.id


async def lapor(engine: AsyncEngine, p: Pengguna, tps_id: int, *baris: lg.Baris, jenis: str = "baru",
                tiba: datetime = H_MIN_1, alasan: str | None = None) -> arrivals.HasilLaporan:
    async with engine.begin() as conn:
        return await arrivals.simpan_laporan(conn, arrivals.MasukanTiba(
            tps_id=tps_id, jenis=jenis, baris=baris, tiba_pada=tiba, moda="TRUK", alasan=alasan),
            pelapor=p, now=max(tiba, H_MIN_1))


async def skenario(engine: AsyncEngine) -> None:
    """A known set of reports across kab/kota: tepat, short, late, damaged, TPS sulit, a correction."""
    items = await item_ids(engine)
    async with engine.connect() as conn:
        kota = await org.list_tps(conn, kabkota="KAB-1771", limit=3)
        seluma_sulit = await org.list_tps(conn, kabkota="KAB-1705", sulit=True, limit=2)
        seluma = await org.list_tps(conn, kabkota="KAB-1705", sulit=False, limit=1)
        utara = await org.list_tps(conn, kabkota="KAB-1703", limit=2)
    p = await demo_petugas(engine)
    await lapor(engine, p, kota[0].id)
    await lapor(engine, p, kota[1].id, lg.dengan_penyimpangan(items["KOTAK"], 2, kurang=1))
    await lapor(engine, p, kota[2].id, tiba=SESUDAH)
    q = await petugas(engine, [x.id for x in seluma_sulit + seluma + utara], tg=5550500, nama="Petugas Seluma")
    await lapor(engine, q, seluma_sulit[0].id, tiba=datetime(2024, 11, 25, 8, 0, tzinfo=UTC))
    await lapor(engine, q, seluma_sulit[1].id)  # after the TPS sulit deadline (25 Nov 23.59 WIB)
    await lapor(engine, q, seluma[0].id, lg.dengan_penyimpangan(items["SS-GUB"], 400, rusak=3))
    await lapor(engine, q, utara[0].id, lg.dengan_penyimpangan(items["TINTA"], 2, salah_jenis=True))
    await lapor(engine, q, utara[0].id, jenis="koreksi", alasan="tinta ternyata benar")
    await lapor(engine, q, utara[1].id, lg.dengan_penyimpangan(items["BILIK"], 2, kurang=2), tiba=SESUDAH)


def angka(s: str) -> int:
    return int(s.replace(".", ""))


def baca_ringkasan(text: str) -> dict[str, Any]:
    """The counts of the /logistik text, by the names the JSON uses."""
    m = re.search(r"TPS: ([\d.]+) · sudah tiba: ([\d.]+) · belum lapor: ([\d.]+)\n"
                  r"Tepat: ([\d.]+) · bermasalah: ([\d.]+) · terlambat: ([\d.]+)\n"
                  r"TPS sulit: ([\d.]+) · tiba: ([\d.]+) · tepat: ([\d.]+) · bermasalah: ([\d.]+) · "
                  r"terlambat: ([\d.]+)\nEskalasi terbuka: ([\d.]+)\n"
                  r"Persentase TPS tepat \(IK6, otomatis\): (.+)", text)
    assert m is not None, text
    keys = ("total_tps", "tiba", "belum", "tepat", "bermasalah", "terlambat", "tps_sulit", "tiba_sulit",
            "tepat_sulit", "bermasalah_sulit", "terlambat_sulit", "eskalasi_terbuka")
    out: dict[str, Any] = {k: angka(v) for k, v in zip(keys, m.groups()[:-1], strict=True)}
    out["persen"] = m.group(13)
    return out


def baca_baris(text: str) -> dict[str, tuple[int, ...]]:
    rows = re.findall(r"^(.+): ([\d.]+)/([\d.]+) · ([\d.]+) · ([\d.]+) · ([\d.]+)$", text, re.M)
    return {nama: tuple(angka(x) for x in rest) for nama, *rest in rows}


async def json_cli(database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                   tmp_path: Any) -> Any:
    """`pantau report logistik --format json` on this database (local mode), parsed."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    assert await asyncio.to_thread(cli_main, ["report", "logistik", "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


async def test_json_of_the_cli_and_the_bot_agree_on_every_count(engine: AsyncEngine, database_url: str,
                                                                monkeypatch: pytest.MonkeyPatch,
                                                                capsys: pytest.CaptureFixture[str],
                                                                tmp_path: Any) -> None:
    await skenario(engine)
    js = await json_cli(database_url, monkeypatch, capsys, tmp_path)
    async with bot_uji(engine) as b:
        b.jam.now = SESUDAH
        out = await b.kirim(PIMPINAN, "/logistik")
    text = out[0].text or ""
    bot = baca_ringkasan(text)
    for key, value in bot.items():
        if key != "persen":
            assert js[key] == value, key
    assert bot["persen"] == format_percent(js["persen_tepat"])
    assert (js["tiba"], js["tepat"], js["bermasalah"], js["terlambat"]) == (8, 3, 3, 3)
    assert (js["tiba_sulit"], js["tepat_sulit"], js["terlambat_sulit"], js["eskalasi_terbuka"]) == (2, 1, 1, 5)
    baris = baca_baris(text)
    assert len(baris) == 10
    for k in js["kabkota"]:
        nama = k["nama"].removeprefix("KPU ").removeprefix("Kabupaten ")
        assert baris[nama] == (k["tiba"], k["tps"], k["tepat"], k["bermasalah"], k["terlambat"]), nama
        assert any(f"{nama} · {k['belum']:,} belum".replace(",", ".") == label
                   for row in out[0].buttons for label, _ in row)
    async with engine.connect() as conn:
        assert js["persen_tepat"] == pytest.approx(float(await arrivals.persen_tepat(conn, 2024) or 0), abs=0.005)
    # the kab/kota view agrees with its row
    async with bot_uji(engine) as b:
        out = await b.kirim(OPERATOR_KOTA, "/logistik")
    kota = next(k for k in js["kabkota"] if k["kode"] == "KAB-1771")
    r = baca_ringkasan(out[0].text or "")
    assert (r["total_tps"], r["tiba"], r["tepat"], r["bermasalah"], r["terlambat"], r["eskalasi_terbuka"]) == (
        kota["tps"], kota["tiba"], kota["tepat"], kota["bermasalah"], kota["terlambat"], kota["eskalasi_terbuka"])


async def test_leader_gets_summary_chart_and_drills_down(engine: AsyncEngine) -> None:
    await skenario(engine)
    kota_id = await unit_id(engine, "KAB-1771")
    async with engine.connect() as conn:
        kec = (await logistik.counts_by_kecamatan(conn, kota_id))[0]
    async with bot_uji(engine) as b:
        b.jam.now = SESUDAH
        out = await b.kirim(PIMPINAN, "/logistik")
        assert [m.kind for m in out] == ["text", "photo"]
        assert (out[1].photo or b"").startswith(b"\x89PNG")
        assert out[1].caption == "Ketibaan logistik di TPS per kab/kota"
        text = out[0].text or ""
        assert text.startswith("Ketibaan logistik di TPS (per pukul 00.30 WIB)") and "TPS: 3.452" in text
        assert len(text) <= 4096
        labels = [label for row in out[0].buttons for label, _ in row]
        assert "Kota Bengkulu · 513 belum" in labels and "⚠️ Eskalasi terbuka (5)" in labels
        await b.tekan(PIMPINAN, f"lg:k:{kota_id}")
        assert len(b.api.messages(PIMPINAN)) == 2  # edited in place, not a new message
        view = b.api.message(PIMPINAN, out[0].message_id)
        assert (view.text or "").startswith("KPU Kota Bengkulu (per pukul 00.30 WIB)")
        assert "Petugas logistik: Operator Logistik Demo KPU Kota Bengkulu" in (view.text or "")
        assert "Per kecamatan" in (view.text or "") and "⬅️ Semua kab/kota" in str(view.buttons)
        kec_labels = [label for row in view.buttons for label, _ in row if label.endswith(" belum")]
        assert kec_labels and len(set(kec_labels)) == len(kec_labels)  # never two buttons that read the same
        assert all(x.count("(") == x.count(")") for x in kec_labels)  # never cut inside a bracket
        await b.tekan(PIMPINAN, f"lg:c:{kec.id}:0")
        view = b.api.message(PIMPINAN, out[0].message_id)
        total = kec.tps - 3
        assert f"TPS yang belum lapor di {kec.nama}: {total} TPS (halaman 1/{-(-total // 10)})" in (view.text or "")
        assert "Penanggung jawab kab/kota: Operator Logistik Demo KPU Kota Bengkulu" in (view.text or "")
        assert "petugas: belum ada" in (view.text or "")
        await b.tekan(PIMPINAN, f"lg:c:{kec.id}:1")
        assert "(halaman 2/" in (b.api.message(PIMPINAN, out[0].message_id).text or "")
        assert "◀️ Sebelumnya" in str(b.api.message(PIMPINAN, out[0].message_id).buttons)
        await b.tekan(PIMPINAN, f"lg:c:{kec.id}:999")  # past the end: the last page
        assert "Berikutnya" not in str(b.api.message(PIMPINAN, out[0].message_id).buttons)
        await b.tekan(PIMPINAN, f"lg:k:{kota_id}")
        await b.tekan(PIMPINAN, "lg:e:0")
        esk = b.api.message(PIMPINAN, out[0].message_id).text or ""
        assert esk.startswith("Eskalasi terbuka: 5") and "Petugas Seluma" in esk and "Kotak suara: kurang 1" in esk
        await b.tekan(PIMPINAN, "lg:p")
        assert (b.api.message(PIMPINAN, out[0].message_id).text or "").startswith("Ketibaan logistik di TPS")
        assert len(b.api.messages(PIMPINAN)) == 2
        await b.tekan(PIMPINAN, "lg:p")  # nothing changed: no identical edit (Telegram would refuse it)
        assert b.jawaban_terakhir() == "Tidak ada perubahan."
        for forged in ("lg:x", "lg:k:abc", "lg:c:1", "lg:k:999999", "lg:c:999999:0", "lg:p:1", "lg:e"):
            await b.tekan(PIMPINAN, forged)
            assert "kedaluwarsa" in (b.jawaban_terakhir() or ""), forged
        assert b.api.unanswered_callbacks() == []


async def test_a_kabkota_officer_sees_only_their_kabkota(engine: AsyncEngine) -> None:
    await skenario(engine)
    selatan = await unit_id(engine, "KAB-1705")
    async with engine.connect() as conn:
        kec_selatan = (await logistik.counts_by_kecamatan(conn, selatan))[0]
    async with bot_uji(engine) as b:
        b.jam.now = SESUDAH
        out = await b.kirim(OPERATOR_KOTA, "/logistik")
        text = out[0].text or ""
        assert text.startswith("KPU Kota Bengkulu") and "Seluma" not in text
        assert "Semua kab/kota" not in str(out[0].buttons)
        assert out[1].caption == "Ketibaan logistik di TPS — Kota Bengkulu, per kecamatan"
        await b.tekan(OPERATOR_KOTA, "lg:e:0")
        esk = b.api.message(OPERATOR_KOTA, out[0].message_id).text or ""
        assert esk.startswith("Eskalasi terbuka: 2") and "Petugas Seluma" not in esk
        for forged in (f"lg:k:{selatan}", f"lg:c:{kec_selatan.id}:0"):
            await b.tekan(OPERATOR_KOTA, forged)
            assert "kedaluwarsa" in (b.jawaban_terakhir() or "")
        await b.tekan(OPERATOR_KOTA, "lg:p")  # "all kab/kota" of a one-kab/kota scope is that kab/kota
        assert (b.api.message(OPERATOR_KOTA, out[0].message_id).text or "").startswith("KPU Kota Bengkulu")
        out = await b.kirim(PETUGAS, "/logistik")
        assert "tidak tersedia untuk peran Anda" in (out[-1].text or "")
        await b.tekan(PETUGAS, "lg:p", message_id=_pesan_terakhir(b, PETUGAS))
        assert b.jawaban_terakhir() == "Maaf, tombol ini bukan untuk peran Anda."


def _pesan_terakhir(b: BotUji, tg: int) -> int:
    return b.api.messages(tg)[-1].message_id


async def test_the_chart_is_rendered_off_the_event_loop(engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[str] = []
    asli = grafik_logistik.render_png

    waktu: list[str | None] = []

    def spy(judul: str, baris: Any, per: str | None = None) -> bytes:
        threads.append(threading.current_thread().name)
        waktu.append(per)
        return asli(judul, baris, per)

    monkeypatch.setattr(grafik_logistik, "render_png", spy)
    async with bot_uji(engine) as b:
        await b.kirim(OPERATOR, "/logistik")  # province staff: every kab/kota
    assert threads and threads[0] != threading.main_thread().name
    assert waktu[0] and " pukul " in waktu[0]  # the chart says when its counts are from


async def test_a_failing_chart_still_leaves_the_numbers(engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    def rusak(judul: str, baris: Any, per: str | None = None) -> bytes:
        raise ValueError("no fonts")

    monkeypatch.setattr(grafik_logistik, "render_png", rusak)
    async with bot_uji(engine) as b:
        out = await b.kirim(PIMPINAN, "/logistik")
    assert [m.kind for m in out] == ["text"] and "TPS: 3.452" in (out[0].text or "")
    assert "Persentase TPS tepat (IK6, otomatis): –" in (out[0].text or "")  # nobody reported yet: pending


def test_chart_bytes_are_cached_for_identical_data() -> None:
    rows = [("Kota Bengkulu", 516, 3, 1), ("Seluma", 374, 3, 1)]
    a = grafik_logistik.render_png("Uji", rows)
    assert a.startswith(b"\x89PNG") and grafik_logistik.render_png("Uji", list(rows)) is a
    assert grafik_logistik.render_png("Uji", []).startswith(b"\x89PNG")


async def test_no_kabkota_in_scope(engine: AsyncEngine) -> None:
    async with bot_uji(engine) as b:
        async with engine.begin() as conn:
            await conn.execute(t.users.insert().values(telegram_id=5550600, name="Tanpa Unit", role="operator",
                                                       status="aktif", unit_id=None, created_at=b.jam.now))
        b.api.add_user(5550600, "Tanpa Unit")
        out = await b.kirim(5550600, "/logistik")
        assert out[-1].text == "Tidak ada kab/kota dalam cakupan Anda."
