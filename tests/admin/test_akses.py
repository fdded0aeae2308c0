"""Every route's authorization: anonymous, the wrong role, the right role; CSRF refusal on every POST."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.routing import Mount, Route

from admin.app import routes
from storage import users
from tests.admin.bantuan import buat_web, jadi_operator, klien, masuk

# GET pages: path -> admin only?
HALAMAN: dict[str, bool] = {
    "/": False,
    "/unit": False,
    "/tps": False,
    "/indikator": False,
    "/pk": False,
    "/rencana-aksi": False,
    "/tenggat": False,
    "/libur": False,
    "/logistik": False,
    "/ketibaan": False,
    "/ketibaan/17.71.01.2001-001": False,
    "/realisasi": False,
    "/eskalasi": False,
    "/grafik/capaian.png": False,
    "/pengguna": True,
    "/outbox": True,
    "/audit": True,
    "/impor": True,
    "/impor/templat/tps.csv": True,
    "/impor/1": True,
    "/tahun": False,
    "/pemilihan": False,
    "/verifikasi": False,
}
# Every state-changing route (all admin only; pimpinan is read-only).
AKSI = [
    "/pengguna/undangan",
    "/pengguna/undangan/KODE/cabut",
    "/pengguna/2/setujui",
    "/pengguna/2/tolak",
    "/pengguna/2/ubah",
    "/pengguna/2/cabut",
    "/tenggat/1/jeda",
    "/tenggat/kebijakan",
    "/libur/tambah",
    "/libur/hapus",
    "/logistik/KOTAK",
    "/realisasi/1/verifikasi",
    "/periode",
    "/eskalasi/1/tangani",
    "/outbox/1/ulang",
    "/impor",
    "/impor/1/simpan",
    "/tahun",
]
# Routes that need no session by design (login, logout and static files are tested in test_masuk.py), and the
# photo route, tested below.
TERBUKA = {"/masuk", "/masuk/{token}", "/keluar", "/static"}
TERPISAH = {"/foto/{id:int}", "/unduh/lkjip.docx"}  # the draft: tests/admin/test_lkjip.py


def test_every_route_is_in_the_matrix() -> None:
    """A new route without an authorization test fails here."""
    tested = set(HALAMAN) | set(AKSI) | TERBUKA | TERPISAH
    templates = {"/ketibaan/{kode}": "/ketibaan/17.71.01.2001-001", "/grafik/{nama}.png": "/grafik/capaian.png",
                 "/impor/templat/{dataset}.{fmt}": "/impor/templat/tps.csv", "/impor/{id:int}": "/impor/1",
                 "/pengguna/undangan/{code}/cabut": "/pengguna/undangan/KODE/cabut",
                 "/impor/{id:int}/simpan": "/impor/1/simpan", "/tenggat/{id:int}/jeda": "/tenggat/1/jeda",
                 "/logistik/{kode}": "/logistik/KOTAK", "/realisasi/{id:int}/verifikasi": "/realisasi/1/verifikasi",
                 "/eskalasi/{id:int}/tangani": "/eskalasi/1/tangani", "/outbox/{id:int}/ulang": "/outbox/1/ulang"}
    for r in routes():
        path = r.path
        if isinstance(r, Mount):
            assert path in TERBUKA
            continue
        assert isinstance(r, Route)
        concrete = templates.get(path, path.replace("{id:int}", "2"))
        assert concrete in tested or path in TERBUKA | TERPISAH, f"{path} has no authorization test"


@pytest.mark.parametrize("path", list(HALAMAN))
async def test_anonymous_is_sent_to_login(engine: AsyncEngine, path: str) -> None:
    async with klien(buat_web(engine)) as c:
        r = await c.get(path)
        assert r.status_code == 303 and r.headers["location"] == "/masuk"


@pytest.mark.parametrize("path", AKSI)
async def test_anonymous_posts_are_refused(engine: AsyncEngine, path: str) -> None:
    async with klien(buat_web(engine)) as c:
        r = await c.post(path, data={"csrf": "x"})
        assert r.status_code == 403 and "masuk" in r.text


async def test_pages_by_role(engine: AsyncEngine) -> None:
    w = buat_web(engine)
    async with engine.begin() as conn:  # an upload for /impor/1
        from storage import impor

        admin = await users.by_demo_key(conn, "admin")
        assert admin is not None
        await impor.keep_upload(conn, user_id=admin.id, dataset="tps", berkas="a.csv", isi=b"kode\n",
                                tabel=impor.read_file("a.csv", b"kode\n"), baris=0, galat=0, now=w.now())
    async with klien(w) as pimpinan, klien(w) as admin_c, klien(w) as kabag:
        await masuk(pimpinan, w, "pimpinan")
        await masuk(kabag, w, "kabag-kul")
        await masuk(admin_c, w, "admin")
        for path, admin_only in HALAMAN.items():
            r = await admin_c.get(path)
            assert r.status_code == 200, (path, r.status_code)
            for c in (pimpinan, kabag):
                r = await c.get(path)
                if admin_only:
                    assert r.status_code == 403 and "tidak tersedia untuk peran Anda" in r.text, path
                else:
                    assert r.status_code == 200, (path, r.status_code)


async def test_a_user_who_became_an_operator_loses_the_web(engine: AsyncEngine) -> None:
    w = buat_web(engine)
    async with klien(w) as c:
        await masuk(c, w, "kabag-kul")
        await jadi_operator(engine, "kabag-kul", kepala=False)
        for path in HALAMAN:
            r = await c.get(path)
            assert r.status_code == 303 and r.headers["location"] == "/masuk", path


async def test_an_operator_head_opens_only_their_inbox(engine: AsyncEngine) -> None:
    """A head whose role is operator: the inbox and its decisions; every other page and action is refused."""
    w = buat_web(engine)
    await jadi_operator(engine, "kabag-kul")
    async with klien(w) as c:
        token = await masuk(c, w, "kabag-kul")
        # the session started in the middle of a pimpinan's (now an operator's) day: the same answer everywhere
        for path in HALAMAN:
            r = await c.get(path)
            if path == "/verifikasi":
                assert r.status_code == 200
                assert '<a href="/verifikasi" aria-current="page">Verifikasi</a>' in r.text
                assert 'href="/realisasi"' not in r.text and 'href="/unit"' not in r.text  # the menu: the inbox only
            elif path == "/":
                assert r.status_code == 303 and r.headers["location"] == "/verifikasi"
            else:
                assert r.status_code == 403, (path, r.status_code)
                assert "hanya dapat membuka daftar laporan yang menunggu verifikasi Anda" in r.text, path
                assert '<a href="/verifikasi">Buka daftar verifikasi Anda</a>' in r.text
        for path in ("/realisasi?unduh=csv", "/tps?unduh=xlsx", "/unduh/lkjip.docx?tahun=2024", "/foto/1",
                     "/realisasi?untuk=saya"):
            assert (await c.get(path)).status_code == 403, path
        for path in AKSI:
            r = await c.post(path, data={"csrf": token, "keputusan": "setujui", "peran": "admin", "unit": "PROV"})
            if path.endswith("/verifikasi"):  # the rule decides: no report 1 waits for this head
                assert r.status_code in (400, 404), (path, r.status_code)
            else:
                assert r.status_code == 403 and "menunggu verifikasi Anda" in r.text, (path, r.status_code)
        # logging out works as for everyone
        r = await c.post("/keluar", data={"csrf": token})
        assert r.status_code == 303 and r.headers["location"] == "/masuk?ok=keluar"


@pytest.mark.parametrize("path", AKSI)
async def test_pimpinan_is_read_only(engine: AsyncEngine, path: str) -> None:
    w = buat_web(engine)
    if path.endswith("/verifikasi"):  # a head verifies what waits for them (tests/bot/test_kepala.py); others read
        from storage import tables as t

        async with engine.begin() as conn:
            await conn.execute(t.users.update().where(t.users.c.demo_key == "pimpinan").values(is_head=False))
    async with klien(w) as c:
        token = await masuk(c, w, "pimpinan")
        r = await c.post(path, data={"csrf": token, "peran": "admin", "unit": "PROV"})
        assert r.status_code == 403, (path, r.status_code)


@pytest.mark.parametrize("path", AKSI)
async def test_posts_without_a_valid_csrf_token_are_refused(engine: AsyncEngine, path: str) -> None:
    w = buat_web(engine)
    async with klien(w) as c:
        token = await masuk(c, w, "admin")
        for data in ({}, {"csrf": ""}, {"csrf": token[:-1] + ("A" if token[-1] != "A" else "B")},
                     {"csrf": "ü" * 43}):
            r = await c.post(path, data=data)
            assert r.status_code == 403 and "Formulir ini kedaluwarsa" in r.text, (path, data)
        # a multipart form without the token is refused the same way
        r = await c.post(path, files={"berkas": ("a.csv", b"x\n", "text/csv")})
        assert r.status_code == 403


@pytest.mark.parametrize("path", AKSI)
async def test_admin_with_the_token_gets_through(engine: AsyncEngine, path: str) -> None:
    w = buat_web(engine)
    async with klien(w) as c:
        token = await masuk(c, w, "admin")
        r = await c.post(path, data={"csrf": token})
        # The guard let it through: the action answers on its own terms (done, not found, or a form error).
        assert r.status_code in (200, 303, 400, 404), (path, r.status_code, r.text[:300])
        assert "Formulir ini kedaluwarsa" not in r.text and "tidak tersedia untuk peran" not in r.text


async def test_photo_needs_a_session(engine: AsyncEngine) -> None:
    w = buat_web(engine)
    async with klien(w) as c:
        assert (await c.get("/foto/1")).headers["location"] == "/masuk"
        await masuk(c, w, "pimpinan")
        assert (await c.get("/foto/1")).status_code == 404  # no such report
