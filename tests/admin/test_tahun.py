"""The *Tahun anggaran* page: pimpinan read the checklist; an admin opens, closes and reopens (CSRF, audited); the
budget-line import has its template and row-level errors on the web."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from admin import teks
from storage import audit
from storage import tables as t
from tests.admin.bantuan import Jam, buat_web, klien, masuk

NOW = datetime(2027, 1, 5, 2, 0, tzinfo=UTC)


async def test_pimpinan_reads_the_checklist_and_cannot_change_a_year(engine: AsyncEngine) -> None:
    w = buat_web(engine, Jam(NOW))
    async with klien(w) as c:
        token = await masuk(c, w, "pimpinan")
        page = await c.get("/tahun?tahun=2025")
        assert page.status_code == 200
        assert "Kesiapan tahun 2025 (belum dibuka)" in page.text and "✗ Perjanjian Kinerja" in page.text
        assert 'name="aksi"' not in page.text  # read-only: no forms
        r = await c.post("/tahun", data={"csrf": token, "aksi": "buka", "tahun": "2025"})
        assert r.status_code == 403 and teks.TIDAK_BERWENANG in r.text
    async with engine.connect() as conn:
        assert (await conn.execute(sa.select(sa.func.count()).select_from(t.tahun_anggaran))).scalar_one() == 0


async def test_admin_opens_closes_and_reopens_a_year(engine: AsyncEngine) -> None:
    w = buat_web(engine, Jam(NOW))
    async with klien(w) as c:
        token = await masuk(c, w, "admin")
        assert (await c.post("/tahun", data={"aksi": "buka", "tahun": "2025"})).status_code == 403  # no CSRF
        assert (await c.post("/tahun", data={"csrf": "palsu", "aksi": "buka", "tahun": "2025"})).status_code == 403
        bad = await c.post("/tahun", data={"csrf": token, "aksi": "buka", "tahun": "20x5"})
        assert bad.status_code == 400 and "empat angka" in bad.text
        r = await c.post("/tahun", data={"csrf": token, "aksi": "buka", "tahun": "2025", "dari": "2024"})
        assert r.status_code == 303 and r.headers["location"] == "/tahun?tahun=2025&ok=tahun_dibuka"
        page = await c.get(r.headers["location"])
        assert teks.OK["tahun_dibuka"] in page.text and "Kesiapan tahun 2025 (dibuka)" in page.text
        assert "KUL-UML: 0 dari 3 target dikonfirmasi (draf dari tahun lalu)" in page.text
        again = await c.post("/tahun", data={"csrf": token, "aksi": "buka", "tahun": "2025"})
        assert again.headers["location"].endswith("ok=tahun_sudah_ada")
        dini = await c.post("/tahun", data={"csrf": token, "aksi": "tutup", "tahun": "2027"})
        assert dini.status_code == 400 and "Tahun anggaran 2027 belum berakhir" in dini.text
        r = await c.post("/tahun", data={"csrf": token, "aksi": "tutup", "tahun": "2025"})
        assert r.status_code == 303 and r.headers["location"].endswith("ok=tahun_ditutup")
        assert "Buka kembali tahun 2025" in (await c.get("/tahun?tahun=2025")).text
        kosong = await c.post("/tahun", data={"csrf": token, "aksi": "buka_kembali", "tahun": "2025", "alasan": " "})
        assert kosong.status_code == 400 and "perlu alasan" in kosong.text
        r = await c.post("/tahun", data={"csrf": token, "aksi": "buka_kembali", "tahun": "2025",
                                         "alasan": "opini BPK terbit"})
        assert r.status_code == 303 and r.headers["location"].endswith("ok=tahun_dibuka_kembali")
        tidak = await c.post("/tahun", data={"csrf": token, "aksi": "buka_kembali", "tahun": "2025", "alasan": "x"})
        assert tidak.status_code == 400 and "tidak dalam keadaan ditutup" in tidak.text
        assert (await c.post("/tahun", data={"csrf": token, "aksi": "hapus", "tahun": "2025"})).status_code == 400
    async with engine.connect() as conn:
        log = await audit.recent(conn, entity="tahun_anggaran")
    assert [(x.action, x.actor) for x in log] == [("buka_kembali", log[0].actor), ("tutup", log[0].actor),
                                                  ("buka", log[0].actor)]
    assert log[0].actor.startswith("Admin Demo") and log[0].new["alasan"] == "opini BPK terbit"


async def test_budget_import_template_and_row_errors_on_the_web(engine: AsyncEngine) -> None:
    w = buat_web(engine, Jam(NOW))
    async with klien(w) as c:
        token = await masuk(c, w, "admin")
        tpl = await c.get("/impor/templat/anggaran.csv")
        assert tpl.status_code == 200 and tpl.text.splitlines()[0].lstrip("\ufeff").startswith(
            "tahun,dokumen,revisi,tanggal,program,kegiatan,output,uraian,pagu,unit")
        assert (await c.get("/impor/templat/anggaran.xlsx")).status_code == 200
        isi = ("tahun,revisi,tanggal,program,kegiatan,output,uraian,pagu,unit\n"
               "2025,0,2 Januari 2025,WA,,,Dukungan,1.000,\n"
               "2025,0,2 Januari 2025,WA,9999,9999.AAA.001,Output tanpa kegiatan,10,XX\n"
               "2025,1,3 Januari 2025,CQ,,,Pemilu,5,\n"
               "2025,0,2 Januari 2025,WA,,,Lagi,5,\n"
               "2025,0,2 Januari 2025,CQ,,,Pemilu,lima,\n")
        r = await c.post("/impor", data={"csrf": token, "dataset": "anggaran"},
                         files={"berkas": ("dipa.csv", isi.encode(), "text/csv")})
        assert r.status_code == 303
        page = await c.get(r.headers["location"])
    assert "baris 3: unit &#39;XX&#39; tidak dikenal" in page.text or "baris 3: unit 'XX' tidak dikenal" in page.text
    assert "baris 4: satu berkas satu dokumen" in page.text
    assert "baris 5: kode WA muncul lagi (sudah ada di baris 2)" in page.text
    assert "baris 6: pagu" in page.text
