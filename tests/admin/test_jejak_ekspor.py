"""Every web download is audited (who, which list, which filters, how many rows); revocations name their actor by
id; the audit log's download masks secrets as every other export of it does."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from datetime import UTC, datetime

import openpyxl
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from admin.app import create_app
from admin.inti import COOKIE
from storage import audit, users
from storage import tables as t
from tests.admin.bantuan import buat_web, klien, masuk

NOW = datetime(2024, 11, 24, 8, 0, tzinfo=UTC)


async def _ekspor_terakhir(engine: AsyncEngine) -> audit.CatatanAudit:
    async with engine.connect() as conn:
        log = await audit.recent(conn, entity="dataset", limit=1)
    assert log and log[0].action == "ekspor"
    return log[0]


async def _id(engine: AsyncEngine, demo: str) -> int:
    async with engine.connect() as conn:
        u = await users.by_demo_key(conn, demo)
    assert u is not None
    return u.id


async def test_csv_and_xlsx_downloads_are_audited_with_their_filters_and_rows(engine: AsyncEngine) -> None:
    w = buat_web(engine)
    async with klien(w) as c:
        await masuk(c, w, "admin")
        r = await c.get("/tps", params={"kabkota": "KAB-1771", "unduh": "csv"})
        rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
        assert r.status_code == 200 and len(rows) > 100
        rec = await _ekspor_terakhir(engine)
        assert rec.actor_id == await _id(engine, "admin") and rec.entity_id == "tps.csv"
        assert rec.new == {"dataset": "tps", "format": "csv", "saringan": {"kabkota": "KAB-1771"},
                           "baris": len(rows) - 1, "lewat": "web", "selesai": True}
        r = await c.get("/tps", params={"kabkota": "KAB-1771", "sulit": "tidak", "unduh": "xlsx"})
        ws = openpyxl.load_workbook(io.BytesIO(r.content)).worksheets[0]
        rec = await _ekspor_terakhir(engine)
        assert rec.entity_id == "tps.xlsx" and rec.new["baris"] == ws.max_row - 1 > 0
        assert rec.new["saringan"] == {"kabkota": "KAB-1771", "sulit": "tidak"}
    async with klien(w) as c:  # a read-only leader's download is just as visible
        await masuk(c, w, "pimpinan")
        r = await c.get("/realisasi", params={"unduh": "csv"})
        rec = await _ekspor_terakhir(engine)
        assert rec.actor_id == await _id(engine, "pimpinan") and rec.new["dataset"] == "realisasi"
        assert rec.new["baris"] == r.content.decode("utf-8-sig").count("\r\n") - 1


async def test_the_audit_download_and_page_mask_secrets_like_the_cli(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await audit.record(conn, actor="Admin", action="cabut", entity="undangan", entity_id="KODEAMAT9x2",
                           new={"kode": "KODEAMAT9x2", "peran": "operator"}, now=NOW)
        await audit.record(conn, actor="Admin", action="masuk", entity="web", entity_id=1,
                           new={"token": "tokenrahasia77", "sesi": {"csrf": "csrfrahasia"}}, now=NOW)
    w = buat_web(engine)
    async with klien(w) as c:
        await masuk(c, w, "admin")
        for fmt in ("csv", "xlsx"):
            r = await c.get("/audit", params={"unduh": fmt})
            if fmt == "csv":
                isi = r.content.decode("utf-8-sig")
            else:
                wb = openpyxl.load_workbook(io.BytesIO(r.content))
                isi = "\n".join(str(v) for row in wb.worksheets[0].iter_rows(values_only=True) for v in row)
            assert "(disembunyikan)" in isi and "operator" in isi, fmt
            for rahasia in ("KODEAMAT9x2", "tokenrahasia77", "csrfrahasia"):
                assert rahasia not in isi, (fmt, rahasia)
        halaman = (await c.get("/audit")).text  # the page itself, old and new values and the record's id
        assert "(disembunyikan)" in halaman and "operator" in halaman
        for rahasia in ("KODEAMAT9x2", "tokenrahasia77", "csrfrahasia"):
            assert rahasia not in halaman, rahasia


async def test_revocations_on_the_web_record_the_actors_id(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        rina, _ = await users.request_access(conn, telegram_id=5550001, name="Rina", username=None, role="operator",
                                             unit_code="KUL-UML", tps_codes=[], now=NOW)
    w = buat_web(engine)
    admin_id = await _id(engine, "admin")
    async with klien(w) as c:
        token = await masuk(c, w, "admin")
        r = await c.post("/pengguna/undangan", data={"csrf": token, "peran": "operator", "unit": "KUL-UML"})
        assert re.search(r"https://t\.me/pantau_bot\?start=([\w-]+)", r.text)  # shown once, when made
        async with engine.connect() as conn:
            nomor = (await conn.execute(sa.select(sa.func.max(t.invites.c.id)))).scalar_one()
        assert (await c.post(f"/pengguna/undangan/{nomor}/cabut", data={"csrf": token})).status_code == 303
        assert (await c.post(f"/pengguna/{rina.id}/cabut", data={"csrf": token})).status_code == 303
    async with engine.connect() as conn:
        cabut = (await conn.execute(sa.select(t.audit_log.c.entity, t.audit_log.c.actor_id)
                                    .where(t.audit_log.c.action == "cabut"))).all()
    assert sorted(cabut) == [("pengguna", admin_id), ("undangan", admin_id)]


async def test_a_download_dropped_part_way_is_still_audited(engine: AsyncEngine) -> None:
    w = buat_web(engine)
    async with klien(w) as c:
        await masuk(c, w, "admin")
        sesi = c.cookies.get(COOKIE)
    assert sesi
    app = create_app(w)
    terkirim: list[bytes] = []
    putus = asyncio.Event()

    async def receive() -> dict[str, object]:
        await putus.wait()
        return {"type": "http.disconnect"}

    async def send(msg: dict[str, object]) -> None:
        if msg["type"] == "http.response.body":
            terkirim.append(msg["body"])  # type: ignore[arg-type]
            putus.set()  # the browser goes away after the first piece
            await asyncio.sleep(0.05)

    scope = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1",
             "method": "GET", "scheme": "http", "path": "/tps", "raw_path": b"/tps", "root_path": "",
             "query_string": b"unduh=csv", "headers": [(b"host", b"127.0.0.1:8080"),
                                                       (b"cookie", f"{COOKIE}={sesi}".encode())],
             "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8080)}
    await app(scope, receive, send)
    async with engine.connect() as conn:  # written before the response ended, not when the garbage is collected
        log = await audit.recent(conn, entity="dataset", limit=1)
    assert log and log[0].new["selesai"] is False and 0 < log[0].new["baris"] < 3452
    assert len(terkirim) < 4
