"""The demo on any date: every flow of every demo role works without a year; last year's late reports; the
running election event of /tiba, /logistik and /gudang (through the real Application and the fake Bot API)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from domain import akses
from reports import capaian
from storage import arrivals, demo, demo_kini, pemilihan, tahun_laporan, users
from storage import tables as t
from tests.bot.harness import BotUji, Jam, bot_uji, demo_tg

DES = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)  # 09.00 WIB
JAN = datetime(2027, 1, 5, 2, 0, tzinfo=UTC)
JUL = datetime(2027, 7, 15, 2, 0, tzinfo=UTC)  # a year without an election
WIB = ZoneInfo("Asia/Jakarta")
GAGAL = "terjadi kesalahan"


def _teks(out: list) -> str:  # type: ignore[type-arg]
    return "\n".join(m.content for m in out)


async def _semua(b: BotUji, kunci: str, perintah: str) -> str:
    out = _teks(await b.kirim(await demo_tg(b.engine, kunci), perintah))
    assert out and GAGAL not in out.lower(), (kunci, perintah, out)
    return out


@pytest.mark.parametrize("saat", [DES, JAN, JUL], ids=["7-des-2026", "5-jan-2027", "pertengahan-2027"])
async def test_every_demo_role_works_on_the_current_year_without_typing_it(engine: AsyncEngine,
                                                                          saat: datetime) -> None:
    await demo.load(engine, reset=True, today=saat.date())
    y = saat.year
    async with bot_uji(engine, jam=Jam(saat)) as b:
        rl = await _semua(b, "operator", "/realisasi")
        assert f"PK {y} yang berlaku" in rl and "belum memiliki" not in rl
        op = await demo_tg(engine, "operator")
        await b.tekan(op, next(d for row in b.api.buttons(op) for _, d in row if d and d.startswith("rl:i:")))
        periode = [label for row in b.api.buttons(op) for label, _ in row]
        assert periode and all(str(y) in p for p in periode), periode  # 2025/2026 has no PK before it
        assert f"tahun {y}" in await _semua(b, "operator-uml", "/anggaran_lapor")
        ra = await _semua(b, "operator-uml", "/rencana")
        assert "Rencana aksi KUL-UML" in ra and "Belum ada" not in ra
        assert f"pemutakhiran data pemilih {y}" in await _semua(b, "operator-kota", "/tahapan")
        for kunci in ("pimpinan", "kabag-kul", "admin"):
            for perintah in ("/capaian", "/anggaran", "/pemutakhiran", "/jadwal"):
                await _semua(b, kunci, perintah)
        assert f"tahun {y}" in await _semua(b, "pimpinan", f"/capaian {y}")
        # No election in the demo's current year without --live: the logistics flows say so, in Indonesian.
        for kunci, perintah in (("petugas", "/tiba"), ("pimpinan", "/logistik"), ("operator-kota", "/gudang")):
            out = await _semua(b, kunci, perintah)
            assert "tidak ada pemilihan yang sedang berjalan" in out and "Belum ada pemilihan yang dijadwalkan" in out


async def test_current_year_leaves_2024_as_published(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        before = (await conn.execute(sa.select(sa.func.count()).select_from(t.realisations)
                                     .where(t.realisations.c.tahun == 2024))).scalar_one()
    await demo.load(engine, reset=True, today=DES.date())
    async with engine.connect() as conn:
        after = (await conn.execute(sa.select(sa.func.count()).select_from(t.realisations)
                                    .where(t.realisations.c.tahun == 2024))).scalar_one()
        kini = (await conn.execute(sa.select(t.realisations.c.status, t.realisations.c.sumber)
                                   .where(t.realisations.c.tahun == 2026))).all()
        pagu = {y: (await conn.execute(sa.select(sa.func.sum(t.budget_lines.c.pagu)).where(
            t.budget_lines.c.tahun == y, t.budget_lines.c.tingkat == "program"))).scalar_one() for y in (2024, 2026)}
        nama = (await conn.execute(sa.select(t.voter_stages.c.nama).where(t.voter_stages.c.tahun == 2026))
                ).scalars().all()
    assert after == before
    assert {s for s, _ in kini} == {"disetujui", "diajukan"} and {s for _, s in kini} == {"demo"}
    assert pagu[2024] == 142_297_821_000 and pagu[2026] is not None
    assert all("(demo)" in n for n in nama) and any("Desember" in n for n in nama)
    async with engine.connect() as conn:
        lap = await capaian.build(conn, 2026, today=DES.date())
    ik = {r.kode: r for r in lap.indikator}
    # The strategic indicators have this year's targets, some values verified, some waiting; IK4 is computed.
    assert ik["IK1"].status == "tercapai" and ik["IK2"].status == "menunggu"
    assert ik["IK4"].capaian_persen == 100


async def _lapor_2026_di_januari(b: BotUji, op: int) -> list[str]:
    await b.kirim(op, "/realisasi")
    await b.tekan(op, next(d for row in b.api.buttons(op) for _, d in row if d and d.startswith("rl:i:")))
    return [d or "" for row in b.api.buttons(op) for _, d in row]


async def test_january_offers_last_years_open_periods_until_it_is_closed(
        engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    await demo.load(engine, reset=True, today=DES.date())
    op = await demo_tg(engine, "operator")
    async with bot_uji(engine, jam=Jam(JAN)) as b:
        # 2027 has no PK yet: January's /realisasi is last year's, with its last quarter open.
        out = _teks(await b.kirim(op, "/realisasi"))
        assert "PK 2026 yang berlaku" in out
    async with engine.begin() as conn:
        await demo_kini._pk(conn, 2027)
    async with bot_uji(engine, jam=Jam(JAN)) as b:
        data = await _lapor_2026_di_januari(b, op)
        assert "rl:p:2027-Q1" in data and "rl:p:2026-Q4" in data
        await b.tekan(op, "rl:p:2026-Q4")
        assert "Triwulan IV 2026" in b.api.last(op).content or "TW IV 2026" in b.api.last(op).content
        # A year typed is that year only.
        out = _teks(await b.kirim(op, "/realisasi 2024"))
        assert "PK 2024 yang berlaku" in out
        # Once 2026 is closed its periods are no longer offered.
        monkeypatch.setattr(tahun_laporan, "tahun_ditutup", _tutup_2026)
        data = await _lapor_2026_di_januari(b, op)
        assert "rl:p:2027-Q1" in data and "rl:p:2026-Q4" not in data


async def _tutup_2026(conn: object, tahun: int) -> bool:
    return tahun == 2026


async def test_nothing_this_year_names_the_years_that_exist(engine: AsyncEngine) -> None:
    async with bot_uji(engine, jam=Jam(DES)) as b:  # the demo as loaded on 24 November 2024: 2024 only
        out = _teks(await b.kirim(await demo_tg(engine, "operator"), "/realisasi"))
        assert "belum memiliki Perjanjian Kinerja tahun 2026" in out and "/realisasi 2024" in out
        out = _teks(await b.kirim(await demo_tg(engine, "operator-uml"), "/anggaran_lapor"))
        assert "tahun 2024" in out and "/anggaran_lapor 2024" in out
        out = _teks(await b.kirim(await demo_tg(engine, "operator-uml"), "/rencana"))
        assert "/rencana 2024" in out
        out = _teks(await b.kirim(await demo_tg(engine, "operator-uml"), "/rencana 2024"))
        assert "Rencana aksi KUL-UML — 2024" in out
        assert "pemutakhiran data pemilih 2024" in _teks(await b.kirim(await demo_tg(engine, "operator-kota"),
                                                                        "/tahapan"))


async def test_live_demo_runs_an_event_three_days_ahead_and_reports_belong_to_it(engine: AsyncEngine) -> None:
    await demo.load(engine, reset=True, live=True, today=DES.date())
    petugas = await demo_tg(engine, "petugas")
    async with bot_uji(engine, jam=Jam(DES)) as b:
        out = _teks(await b.kirim(petugas, "/tiba"))
        assert "Pilih TPS Anda" in out
        out = _teks(await b.tekan(petugas, next(d for row in b.api.buttons(petugas) for _, d in row
                                                  if d and ":tps:" in d)))
        assert GAGAL not in out.lower() and b.api.buttons(petugas)
        lg = _teks(await b.kirim(await demo_tg(engine, "pimpinan"), "/logistik"))
        assert "Ketibaan logistik di TPS" in lg and "TPS: 3.452" in lg
    async with engine.connect() as conn:
        jalan = await pemilihan.berjalan(conn, DES.date())
        ik6_2024 = await arrivals.persen_tepat(conn, 2024)
    assert jalan is not None and jalan.pemungutan == date(2026, 12, 10) and jalan.jenis == "psu"
    assert ik6_2024 is None  # no report of the 2024 event: its published value stands


async def test_between_events_the_next_one_is_named(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        kab = (await conn.execute(sa.select(t.units.c.id).where(t.units.c.kind == "kabkota"))).scalars().all()
        hari = date(2027, 11, 24)
        h1 = datetime(2027, 11, 23, 23, 59, tzinfo=WIB).astimezone(UTC)
        await pemilihan.simpan(conn, pemilihan.MasukanPemilihan(
            kode="PSU-2027", nama="Pemungutan Suara Ulang 2027", jenis="psu", tahun=2027,
            jadwal=[pemilihan.JadwalKabkota(u, hari - timedelta(days=2), h1, h1 - timedelta(days=1), hari)
                    for u in kab]), actor="uji", now=JUL)
    async with bot_uji(engine, jam=Jam(JUL)) as b:
        out = _teks(await b.kirim(await demo_tg(engine, "petugas"), "/tiba"))
    assert "tidak ada pemilihan yang sedang berjalan" in out
    assert "Pemungutan Suara Ulang 2027, pemungutan suara 24 November 2027" in out
    assert "26 Agustus 2027" in out  # monitored from three months before voting


async def test_january_budget_report_offers_last_years_outputs_too(engine: AsyncEngine) -> None:
    await demo.load(engine, reset=True, today=DES.date())
    op = await demo_tg(engine, "operator-uml")
    async with bot_uji(engine, jam=Jam(JAN)) as b:
        out = _teks(await b.kirim(op, "/anggaran_lapor"))  # no 2027 budget yet: 2026's
        assert "tahun 2026" in out
    async with engine.begin() as conn:
        await demo_kini._anggaran(conn, 2027, JAN.date(), demo_kini.random.Random(1), JAN)
    async with bot_uji(engine, jam=Jam(JAN)) as b:
        out = _teks(await b.kirim(op, "/anggaran_lapor"))
        assert "tahun 2027" in out and "Tahun 2026 belum ditutup" in out
        lalu = [d for row in b.api.buttons(op) for label, d in row if label.startswith("2026 · ")]
        assert lalu
        await b.tekan(op, lalu[0])
        bulan = [d for row in b.api.buttons(op) for _, d in row]
        assert "al:p:2026-M12" in bulan and not any("2027" in (d or "") for d in bulan)


@pytest.mark.parametrize("saat", [DES, JAN, JUL], ids=["7-des-2026", "5-jan-2027", "pertengahan-2027"])
async def test_every_command_of_every_demo_role_answers_without_error(engine: AsyncEngine, saat: datetime) -> None:
    await demo.load(engine, reset=True, live=saat == DES, today=saat.date())
    n = 0
    async with bot_uji(engine, jam=Jam(saat)) as b:
        for kunci in demo.DEMO_USERS:
            tg = await demo_tg(engine, kunci)
            async with engine.connect() as conn:
                u = await users.by_demo_key(conn, kunci)
            assert u is not None
            for p in akses.menu(u.role, b.app.bot_data.get("perintah")):
                out = _teks(await b.kirim(tg, f"/{p.nama}"))
                assert out and GAGAL not in out.lower(), (kunci, p.nama, out)
                await b.kirim(tg, "/batal")
                n += 1
    assert n >= 40, n  # every role's menu was walked


# /capaian, /anggaran and /pemutakhiran without a year: this year when it has data, else the years that have data.
RINGKASAN = (("pimpinan", "/capaian"), ("pimpinan", "/anggaran"), ("operator-kota", "/pemutakhiran"))


async def _ringkasan(b: BotUji) -> dict[str, str]:
    return {perintah: await _semua(b, kunci, perintah) for kunci, perintah in RINGKASAN}


async def test_summaries_show_this_year_when_it_has_data(engine: AsyncEngine) -> None:
    await demo.load(engine, reset=True, today=DES.date())
    async with bot_uji(engine, jam=Jam(DES)) as b:
        out = await _ringkasan(b)
    for perintah, teks_ in out.items():
        assert "2026" in teks_ and "Belum ada data" not in teks_, (perintah, teks_)
    await demo.load(engine, reset=True, today=JAN.date())
    async with bot_uji(engine, jam=Jam(JAN)) as b:
        out = await _ringkasan(b)
    for perintah, teks_ in out.items():
        assert "2027" in teks_ and "Belum ada data" not in teks_, (perintah, teks_)


async def test_summaries_in_january_before_the_year_has_data_name_the_years(engine: AsyncEngine) -> None:
    await demo.load(engine, reset=True, today=DES.date())  # 2026 ran; nobody opened 2027 yet
    async with bot_uji(engine, jam=Jam(JAN)) as b:
        out = await _ringkasan(b)
    for perintah, teks_ in out.items():
        assert "Belum ada data" in teks_ and "tahun 2027" in teks_, (perintah, teks_)
        assert f"{perintah} 2026" in teks_ and "2024" in teks_, (perintah, teks_)  # the latest year as example


async def test_a_2024_report_is_no_arrival_and_no_report_to_correct_in_a_later_event(engine: AsyncEngine) -> None:
    await demo.load(engine, reset=True, live=True, today=DES.date(), tutup_terbit=False)
    p = await demo_tg(engine, "petugas")
    async with engine.connect() as conn:
        petugas = await users.by_telegram_id(conn, p)
        assert petugas is not None
        tps_id = min(petugas.tps_ids)
    # Filed during the 2024 distribution: it belongs to the Pilkada 2024.
    h1 = datetime(2024, 11, 26, 3, 0, tzinfo=UTC)
    async with engine.begin() as conn:
        lama = await arrivals.simpan_laporan(conn, arrivals.MasukanTiba(
            tps_id=tps_id, jenis="baru", baris=(), tiba_pada=h1, moda="PICKUP", foto_file_id="f"),
            pelapor=petugas, now=h1)
        jalan = await pemilihan.berjalan(conn, DES.date())
    assert jalan is not None and lama.laporan.pemilihan_id not in (None, jalan.id)
    async with bot_uji(engine, jam=Jam(DES)) as b:
        lg = _teks(await b.kirim(await demo_tg(engine, "pimpinan"), "/logistik"))
        assert "TPS: 3.452 · sudah tiba: 0 · belum lapor: 3.452" in lg  # the running event has no report yet
        await b.kirim(p, "/tiba")
        out = _teks(await b.tekan(p, f"tb:tps:{tps_id}"))
        tombol = [label for row in b.api.buttons(p) for label, _ in row]
    assert lama.laporan.nomor not in out and not any("Koreksi" in x for x in tombol), (out, tombol)
    # A report of the running event is its arrival (and the 2024 one still is 2024's only).
    async with engine.begin() as conn:
        await arrivals.simpan_laporan(conn, arrivals.MasukanTiba(
            tps_id=tps_id, jenis="baru", baris=(), tiba_pada=DES, moda="PICKUP", foto_file_id="f"),
            pelapor=petugas, now=DES)
    async with bot_uji(engine, jam=Jam(DES)) as b:
        lg = _teks(await b.kirim(await demo_tg(engine, "pimpinan"), "/logistik"))
    assert "TPS: 3.452 · sudah tiba: 1 · belum lapor: 3.451" in lg
