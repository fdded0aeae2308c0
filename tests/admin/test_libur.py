"""The Hari libur page and the holiday import: admins add and lift days (audited, CSRF), pimpinan only read, and a
change moves the deadlines at once and takes back a queued reminder (the clock in 2025)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import sqlalchemy as sa
from openpyxl import Workbook
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import audit, impor, libur, tenggat, users
from storage import tables as t
from storage.tenggat import Kiriman, Pesan
from tests.admin.bantuan import Jam, buat_web, klien, masuk
from tests.bot.pengingat_uji import baris_outbox, lokal
from tests.storage.libur_uji import ZONA, tahun_2025


def render(k: Kiriman) -> Pesan:
    return Pesan(f"{k.langkah.kode} {k.tenggat.judul}")


async def _q1(engine: AsyncEngine) -> tenggat.Tenggat:
    async with engine.connect() as conn:
        ds = await tenggat.daftar_tenggat(conn, zona=ZONA, jenis=["pelaporan"])
    return next(d for d in ds if d.ref == "2025-Q1" and d.unit_code == "KUL-UML")


async def test_a_holiday_added_on_the_web_moves_a_deadline_and_takes_back_a_queued_reminder(
        engine: AsyncEngine) -> None:
    await tahun_2025(engine)
    pagi = lokal(date(2025, 4, 11), 7)
    await tenggat.sapu(engine, now=pagi, render=render, zona=ZONA)
    q1 = await _q1(engine)
    assert q1.batas == lokal(date(2025, 4, 14), 23, 59)
    assert await baris_outbox(engine, tenggat.kunci_prefix(q1.id))  # H-3 waits in the outbox
    w = buat_web(engine, Jam(lokal(date(2025, 4, 11), 7, 20)))
    async with klien(w) as c:
        token = await masuk(c, w, "admin")
        page = await c.get("/libur?tahun=2025")
        assert page.status_code == 200 and "Hari Raya Idul Fitri" in page.text and "cuti bersama" in page.text
        assert "Senin, 31 Maret 2025" in page.text and 'action="/libur/tambah' in page.text
        halaman_tenggat = (await c.get("/tenggat")).text
        assert "digeser karena Idul Fitri" in halaman_tenggat and "digeser karena Tahun Baru Masehi" in halaman_tenggat
        r = await c.post("/libur/tambah", data={"csrf": token, "tanggal": "Jumat, 11 April 2025",
                                                "nama": "Libur daerah", "jenis": "daerah"})
        assert r.status_code == 303 and r.headers["location"] == "/libur?tahun=2025&ok=libur_disimpan"
        assert "tenggat yang terdampak sudah digeser" in (await c.get(r.headers["location"])).text
        assert (await _q1(engine)).batas == lokal(date(2025, 4, 15), 23, 59)
        assert await baris_outbox(engine, tenggat.kunci_prefix(q1.id)) == []
        # the Tenggat page says why it moved
        assert "digeser karena Idul Fitri, Libur daerah" in (await c.get("/tenggat")).text
        # lifting it again
        r = await c.post("/libur/hapus", data={"csrf": token, "tanggal": "2025-04-11"})
        assert r.status_code == 303
        assert (await _q1(engine)).batas == lokal(date(2025, 4, 14), 23, 59)
        # wrong input: one message each, nothing written
        for data, pesan in [({"tanggal": "31 Februari 2025", "nama": "x"}, "Februari 2025 hanya sampai"),
                            ({"tanggal": "", "nama": "x"}, "Tanggal belum diisi"),
                            ({"tanggal": "3 Maret 2025", "nama": ""}, "Nama hari libur belum diisi"),
                            ({"tanggal": "3 Maret 2025", "nama": "x", "jenis": "rahasia"}, "tidak dikenal"),
                            ({"tanggal": "1 Januari 2025", "nama": "Tahun Baru Masehi", "jenis": "nasional"},
                             "sudah tercatat")]:
            r = await c.post("/libur/tambah", data={"csrf": token, **data})
            assert r.status_code == 400 and pesan in r.text, (data, r.text[-500:])
        r = await c.post("/libur/hapus", data={"csrf": token, "tanggal": "3 Maret 2025"})
        assert r.status_code == 400 and "bukan hari libur yang tercatat" in r.text
        # no CSRF token: refused
        r = await c.post("/libur/tambah", data={"tanggal": "3 Maret 2025", "nama": "x"})
        assert r.status_code == 403
        csv = (await c.get("/libur?tahun=2025&unduh=csv")).text
        assert "2025-03-31,Hari Raya Idul Fitri,nasional,paket" in csv
    async with engine.connect() as conn:
        rec = [a for a in await audit.recent(conn, entity="hari_libur")]
        assert [a.action for a in rec] == ["hapus", "tambah"] and rec[1].actor.startswith("Admin Demo")
        assert date(2025, 3, 3) not in {x.tanggal for x in await libur.daftar(conn, 2025)}


async def test_pimpinan_read_the_page_but_change_nothing(engine: AsyncEngine) -> None:
    w = buat_web(engine)
    async with klien(w) as c:
        token = await masuk(c, w, "pimpinan")
        page = await c.get("/libur?tahun=2024")
        assert page.status_code == 200 and "Hari Pemilihan Kepala Daerah" in page.text
        assert 'action="/libur/tambah' not in page.text and "Jadikan hari kerja" not in page.text
        for url, data in (("/libur/tambah", {"tanggal": "3 Maret 2025", "nama": "x"}),
                          ("/libur/hapus", {"tanggal": "27 November 2024"})):
            r = await c.post(url, data={"csrf": token, **data})
            assert r.status_code == 403
    async with engine.connect() as conn:
        assert date(2025, 3, 3) not in {x.tanggal for x in await libur.daftar(conn, 2025)}
        assert all(x.aktif for x in await libur.daftar(conn, 2024))
    async with klien(w) as c:  # a year out of range falls back to this year
        await masuk(c, w, "admin")
        assert "Hari libur 2024" in (await c.get("/libur?tahun=99999")).text


def _xlsx(rows: list[list[str]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


async def test_holiday_import_dry_run_errors_and_commit(engine: AsyncEngine) -> None:
    await tahun_2025(engine)
    head = ["tanggal", "nama", "jenis", "aksi"]
    bad = _xlsx([head, ["19 Februari 2025", "HUT Provinsi", "daerah", ""], ["31/02/2025", "x", "", ""],
                 ["19-02-2025", "Dua kali", "", ""], ["3 Maret 2025", "", "daerah", ""],
                 ["4 Maret 2025", "x", "provinsi", ""], ["5 Maret 2025", "", "", "hapus"],
                 ["6 Maret 2025", "x", "", "ganti"]])
    tabel = impor.read_file("libur.xlsx", bad)
    async with engine.connect() as conn:
        p = await impor.dry_run(conn, "libur", tabel)
    assert p.pesan() == [
        "baris 3: tanggal: Tanggal 31 Februari 2025 tidak ada: Februari 2025 hanya sampai tanggal 28.",
        "baris 4: tanggal 19 Februari 2025 sudah ada di baris 2",
        "baris 5: Nama hari libur belum diisi.",
        "baris 6: Jenis hari libur 'provinsi' tidak dikenal; pilih nasional, cuti_bersama, daerah.",
        "baris 7: 5 Maret 2025 bukan hari libur yang tercatat, tidak dapat dihapus",
        "baris 8: aksi 'ganti' tidak dikenal; pilih tambah atau hapus"]
    q1 = await _q1(engine)
    pagi = lokal(date(2025, 4, 11), 7)
    await tenggat.sapu(engine, now=pagi, render=render, zona=ZONA)
    good = ("tanggal;nama;jenis;aksi\n11/04/2025;Libur daerah;daerah;tambah\n19 Februari 2025;HUT Provinsi;;\n"
            "30 Mei 2025;;;hapus\n1 Januari 2025;Tahun Baru 2025;nasional;\n")
    tabel = impor.read_file("libur.csv", good.encode())
    async with engine.begin() as conn:
        admin = await users.by_demo_key(conn, "admin")
        assert admin is not None
        p = await impor.commit(conn, "libur", tabel, actor=admin, berkas="libur.csv",
                               now=pagi.replace(minute=30), tz_name=ZONA)
    assert (p.hitung("baru"), p.hitung("ubah")) == (2, 2)
    rows_ = {x.tanggal: x for x in await _daftar(engine)}
    assert rows_[date(2025, 2, 19)].jenis == "daerah" and not rows_[date(2025, 5, 30)].aktif
    assert rows_[date(2025, 1, 1)].nama == "Tahun Baru 2025"
    assert (await _q1(engine)).batas == lokal(date(2025, 4, 15), 23, 59)  # moved at once
    assert await baris_outbox(engine, tenggat.kunci_prefix(q1.id)) == []  # and the queued H-3 taken back
    async with engine.connect() as conn:
        rec = (await audit.recent(conn, entity="libur"))[0]
    assert rec.action == "impor" and rec.new["baru"] == 2


async def _daftar(engine: AsyncEngine) -> list[libur.Libur]:
    async with engine.connect() as conn:
        return await libur.daftar(conn, 2025)


async def test_the_import_page_offers_the_holiday_template(engine: AsyncEngine) -> None:
    w = buat_web(engine, Jam(datetime(2025, 1, 6, 2, tzinfo=UTC)))
    async with klien(w) as c:
        await masuk(c, w, "admin")
        assert "Hari libur" in (await c.get("/impor")).text
        tpl = await c.get("/impor/templat/libur.csv")
        assert tpl.status_code == 200 and tpl.content.startswith(b"\xef\xbb\xbftanggal,nama,jenis,aksi")
    async with engine.connect() as conn:
        assert (await conn.execute(sa.select(sa.func.count()).select_from(t.holidays))).scalar_one() > 40
