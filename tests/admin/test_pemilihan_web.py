"""The *Pemilihan* page: every election event with its kind, year, status and voting days; the running and the next
one marked; read-only (no forms, no POST route)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import demo, pemilihan
from storage import tables as t
from tests.admin.bantuan import Jam, buat_web, klien, masuk

DES = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
WIB = ZoneInfo("Asia/Jakarta")


async def _psu_2027(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        kab = (await conn.execute(sa.select(t.units.c.id).where(t.units.c.kind == "kabkota"))).scalars().all()
        hari = date(2027, 11, 24)
        h1 = datetime(2027, 11, 23, 23, 59, tzinfo=WIB)
        await pemilihan.simpan(conn, pemilihan.MasukanPemilihan(
            kode="PSU-2027", nama="Pemungutan Suara Ulang 2027", jenis="psu", tahun=2027,
            jadwal=[pemilihan.JadwalKabkota(u, hari - timedelta(days=2), h1, h1 - timedelta(days=1), hari)
                    for u in kab]), actor="uji", now=DES)


async def test_the_running_and_the_next_event_are_marked(engine: AsyncEngine) -> None:
    await demo.load(engine, reset=True, live=True, today=DES.date())
    await _psu_2027(engine)
    w = buat_web(engine, Jam(DES))
    async with klien(w) as c:
        await masuk(c, w, "pimpinan")
        page = await c.get("/pemilihan")
        assert (await c.post("/pemilihan", data={})).status_code == 405  # nothing to change here
    assert page.status_code == 200, page.text
    html = page.text
    assert "Pilkada Serentak 2024" in html and "27 November 2024" in html
    assert "Sedang berjalan: <strong>Pemungutan Suara Ulang Demo" in html and "10 Desember 2026" in html
    assert "Berikutnya: <strong>Pemungutan Suara Ulang 2027</strong>, pemungutan suara 24 November 2027" in html
    assert "26 Agustus 2027" in html  # monitored from three months before voting
    baris = [r for r in html.split("<tr>") if "<td>" in r]
    assert [("berjalan" in r, "berikutnya" in r) for r in baris] == [(False, False), (True, False), (False, True)]
    assert "Pemungutan suara ulang" in html and "<td>2026</td>" in html
    assert 'method="post"' not in html.split("<main>")[1]  # read-only


async def test_without_events_it_says_none_is_scheduled(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(t.arrival_reports.delete())
        await conn.execute(t.pemilihan.delete())
    w = buat_web(engine, Jam(DES))
    async with klien(w) as c:
        await masuk(c, w, "admin")
        page = await c.get("/pemilihan")
    assert page.status_code == 200
    assert "Tidak ada pemilihan yang sedang berjalan per 7 Desember 2026" in page.text
    assert "Belum ada pemilihan yang dijadwalkan" in page.text and "Belum ada pemilihan." in page.text
