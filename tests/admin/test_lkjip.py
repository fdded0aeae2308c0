"""The LKjIP draft on the web: admins and pimpinan of the whole organisation download it; a narrower scope, no
session or a wrong year is refused."""

from __future__ import annotations

import io

import docx
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import audit, users
from tests.admin.bantuan import buat_web, klien, masuk

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


async def test_admin_downloads_the_draft_from_the_dashboard(engine: AsyncEngine) -> None:
    w = buat_web(engine)
    async with klien(w) as c:
        await masuk(c, w, "admin")
        dasbor = await c.get("/")
        assert 'href="/unduh/lkjip.docx?tahun=2024"' in dasbor.text
        r = await c.get("/unduh/lkjip.docx?tahun=2024")
    assert r.status_code == 200 and r.headers["content-type"] == DOCX
    assert 'filename="draf-lkjip-2024.docx"' in r.headers["content-disposition"]
    doc = docx.Document(io.BytesIO(r.content))
    assert any(p.text.startswith("Tabel 3.2 ") for p in doc.paragraphs)
    async with engine.connect() as conn:  # the draft is an export like every other download
        rec = (await audit.recent(conn, entity="dataset", limit=1))[0]
        admin = await users.by_demo_key(conn, "admin")
    assert admin is not None and rec.action == "ekspor" and rec.actor_id == admin.id
    assert rec.entity_id == "lkjip.docx" and rec.new["saringan"] == {"tahun": 2024} and rec.new["lewat"] == "web"
    assert isinstance(rec.new["baris"], int) and rec.new["baris"] > 0


async def test_pimpinan_of_the_whole_organisation_may_download(engine: AsyncEngine) -> None:
    w = buat_web(engine)
    async with klien(w) as c:
        await masuk(c, w, "pimpinan")
        assert "Unduh draf LKjIP" in (await c.get("/")).text
        r = await c.get("/unduh/lkjip.docx")
    assert r.status_code == 200 and r.headers["content-type"] == DOCX


async def test_a_narrower_scope_no_session_and_a_wrong_year_are_refused(engine: AsyncEngine) -> None:
    w = buat_web(engine)
    async with klien(w) as c:
        r = await c.get("/unduh/lkjip.docx")
        assert r.status_code == 303 and r.headers["location"] == "/masuk"
        await masuk(c, w, "kabag-kul")  # a Kepala Bagian: his Bagian only
        assert "Unduh draf LKjIP" not in (await c.get("/")).text
        r = await c.get("/unduh/lkjip.docx")
        assert r.status_code == 403 and r.headers["content-type"].startswith("text/html")
    async with klien(w) as c:
        await masuk(c, w, "admin")
        for salah in ("20x4", "1999", "-1", "99999"):
            r = await c.get(f"/unduh/lkjip.docx?tahun={salah}")
            assert r.status_code == 400, salah
