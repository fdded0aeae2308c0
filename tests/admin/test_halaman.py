"""The pages do what they say: dashboard figures, TPS paging at scale, users and invites, verification,
escalations, the outbox, norms, deadlines, arrival history with photos, the audit log, and exports."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.pengingat import Kebijakan
from storage import audit, outbox, tenggat, users
from storage import tables as t
from tests.admin.bantuan import Jam, buat_web, klien, masuk

NOW = datetime(2024, 11, 24, 8, 0, tzinfo=UTC)


async def test_dashboard_shows_the_builders_figures_and_charts(engine: AsyncEngine) -> None:
    w = buat_web(engine)
    async with klien(w) as c:
        await masuk(c, w, "pimpinan")
        r = await c.get("/")
        assert "90,24 %" in r.text and "Rp128.414.940.749" in r.text and "Rp142.297.821.000" in r.text
        assert "0 / 3.452" in r.text  # no arrival yet in the demo
        for name in ("capaian", "anggaran", "pemutakhiran", "logistik"):
            assert f'src="/grafik/{name}.png"' in r.text
            png = await c.get(f"/grafik/{name}.png")
            assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n" and len(png.content) > 5000
        assert (await c.get("/grafik/rahasia.png")).status_code == 404
    async with klien(w) as c:  # a Kepala Bagian sees the capaian of their own unit
        await masuk(c, w, "kabag-kul")
        r = await c.get("/")
        assert "Bagian Keuangan, Umum dan Logistik" in r.text


async def test_the_dashboards_logistics_chart_says_when_its_counts_are_from(engine: AsyncEngine,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from reports import grafik_logistik

    judul: list[str] = []
    asli = grafik_logistik.gambar

    def intip(j: str, baris: Any, per: str | None = None) -> Any:
        fig = asli(j, baris, per)
        judul.extend(x.get_text() for x in fig.texts)
        return fig

    monkeypatch.setattr(grafik_logistik, "gambar", intip)
    grafik_logistik._render.cache_clear()  # drawn now, not taken from an earlier test's identical chart
    w = buat_web(engine, Jam(datetime(2026, 12, 7, 3, 15, tzinfo=UTC)))
    async with klien(w) as c:
        await masuk(c, w, "pimpinan")
        assert (await c.get("/grafik/logistik.png")).status_code == 200
    assert "per Senin, 7 Desember 2026 pukul 10.15 WIB" in judul  # as the bot's /logistik chart says it


async def test_tps_pages_filters_and_export(engine: AsyncEngine) -> None:
    w = buat_web(engine)
    async with klien(w) as c:
        await masuk(c, w, "admin")
        first = await c.get("/tps")
        codes = re.findall(r'<td><a href="/ketibaan/([^"]+)">', first.text)
        assert len(codes) == 50 and codes == sorted(codes) and "3.452 TPS cocok" in first.text
        nxt = re.search(r'href="([^"]*setelah=[^"]+)"', first.text)
        assert nxt
        second = await c.get(nxt.group(1).replace("&amp;", "&"))
        codes2 = re.findall(r'<td><a href="/ketibaan/([^"]+)">', second.text)
        assert len(codes2) == 50 and codes2[0] > codes[-1]
        back = re.search(r'href="([^"]*sebelum=[^"]+)"', second.text)
        assert back
        again = await c.get(back.group(1).replace("&amp;", "&"))
        assert re.findall(r'<td><a href="/ketibaan/([^"]+)">', again.text) == codes
        assert "93 TPS cocok" in (await c.get("/tps?sulit=ya")).text
        kota = await c.get("/tps?kabkota=KAB-1771")
        assert "516 TPS cocok" in kota.text and 'name="kecamatan"' in kota.text
        kec = re.search(r'<option value="(\d+)">17\.71\.01 ', kota.text)
        assert kec
        one_kec = await c.get(f"/tps?kabkota=KAB-1771&kecamatan={kec.group(1)}")
        assert all(x.startswith("17.71.01.") for x in re.findall(r'<td><a href="/ketibaan/([^"]+)">', one_kec.text))
        assert "1 TPS cocok" in (await c.get("/tps?q=17.71.01.2001-001")).text
        assert "0 TPS cocok" in (await c.get("/tps?q=%25")).text  # a wildcard typed is a character, not a pattern
        assert (await c.get("/tps?kecamatan=abc&sulit=entah&setelah=")).status_code == 200
        exp = await c.get("/tps?kabkota=KAB-1771&unduh=csv&setelah=17.71")
        assert exp.headers["content-disposition"].startswith('attachment; filename="pantau-tps-')
        rows = list(csv.reader(io.StringIO(exp.content.decode("utf-8-sig"))))
        assert rows[0][0] == "kode" and len(rows) == 517  # every page, not just one


async def test_invites_requests_roles_and_revocation(engine: AsyncEngine) -> None:
    w = buat_web(engine)
    async with engine.begin() as conn:
        rina, _ = await users.request_access(conn, telegram_id=5550001, name="Rina", username=None, role="operator",
                                             unit_code="KUL-UML", tps_codes=[], now=NOW)
    async with klien(w) as c:
        token = await masuk(c, w, "admin")
        r = await c.post("/pengguna/undangan", data={"csrf": token, "peran": "petugas", "unit": "KAB-1771",
                                                     "tps": "17.71.01.2001-001, 17.71.01.2001-002", "pakai": "2",
                                                     "hari": "3"})
        assert r.status_code == 200  # the code is on this response only
        code = re.search(r"https://t\.me/pantau_bot\?start=([\w-]+)", r.text)
        nomor = re.search(r'action="/pengguna/undangan/(\d+)/cabut"', r.text)
        assert code and nomor and "Kode undangan dibuat." in r.text
        later = await c.get("/pengguna")
        assert code.group(1) not in later.text and "start=" not in later.text and f"#{nomor.group(1)}" in later.text
        assert code.group(1) not in (await c.get("/pengguna?unduh=csv")).text
        bad = await c.post("/pengguna/undangan", data={"csrf": token, "peran": "operator", "unit": "NOPE"})
        assert bad.status_code == 400 and "Unit &#39;NOPE&#39; tidak dikenal" in bad.text
        bad = await c.post("/pengguna/undangan", data={"csrf": token, "peran": "petugas", "pakai": "1,5"})
        assert bad.status_code == 400
        assert (await c.post(f"/pengguna/undangan/{code.group(1)}/cabut", data={"csrf": token})).status_code == 400
        assert (await c.post(f"/pengguna/undangan/{nomor.group(1)}/cabut", data={"csrf": token})).status_code == 303
        again = await c.post(f"/pengguna/undangan/{nomor.group(1)}/cabut", data={"csrf": token})
        assert again.status_code == 400 and "sudah dicabut" in again.text
        assert (await c.post(f"/pengguna/{rina.id}/setujui", data={"csrf": token})).status_code == 303
        twice = await c.post(f"/pengguna/{rina.id}/tolak", data={"csrf": token})
        assert twice.status_code == 400 and "sudah diproses" in twice.text
        r = await c.post(f"/pengguna/{rina.id}/ubah", data={"csrf": token, "peran": "pimpinan", "unit": "KUL"})
        assert r.status_code == 303
        me = await c.get("/pengguna")
        admin_id = re.search(r'action="/pengguna/(\d+)/ubah"', me.text)
        assert admin_id
        async with engine.connect() as conn:
            admin = await users.by_demo_key(conn, "admin")
        assert admin is not None
        self_demote = await c.post(f"/pengguna/{admin.id}/ubah", data={"csrf": token, "peran": "operator",
                                                                        "unit": "KUL"})
        assert self_demote.status_code == 400 and "akun Anda sendiri" in self_demote.text
        assert (await c.post(f"/pengguna/{rina.id}/cabut", data={"csrf": token})).status_code == 303
        assert (await c.post("/pengguna/99999/cabut", data={"csrf": token})).status_code == 400
    async with engine.connect() as conn:
        p = await users.by_id(conn, rina.id)
        log = await audit.recent(conn, entity="pengguna", limit=5)
        q = await outbox.delivery_report(conn, f"putus:{rina.id}:")
        inv = (await conn.execute(sa.select(t.invites.c.revoked_at, t.invites.c.max_uses))).one()
    assert p is not None and (p.role, p.unit_code, p.status) == ("pimpinan", "KUL", "dicabut")
    change = next(x for x in log if x.action == "ubah")
    assert change.old["role"] == "operator" and change.new == {"role": "pimpinan", "unit": "KUL", "tps": []}
    assert q["antri"] == 1 and inv.revoked_at is not None and inv.max_uses == 2


async def test_verification_escalations_outbox_norms_and_deadlines(engine: AsyncEngine) -> None:
    w = buat_web(engine)
    async with engine.begin() as conn:
        ind = (await conn.execute(sa.select(t.indicators.c.id).where(t.indicators.c.kode == "IK1"))).scalar_one()
        real = (await conn.execute(t.realisations.insert().values(
            indicator_id=ind, tahun=2025, periode="2025-Q1", versi=1, nilai="90", bukti=[], sumber="bot",
            status="diajukan", created_at=NOW))).inserted_primary_key[0]
        kab = (await conn.execute(sa.select(t.units.c.id).where(t.units.c.code == "KAB-1771"))).scalar_one()
        esc = (await conn.execute(t.escalations.insert().values(
            jenis="kurang", kabkota_unit_id=kab, uraian="Surat suara kurang 20 lembar", status="terbuka",
            created_at=NOW))).inserted_primary_key[0]
        await outbox.enqueue(conn, key="uji:1", chat_id=910001, text="Halo", kind="info", now=NOW)
        mid = (await conn.execute(sa.select(t.outbox.c.id))).scalar_one()
        await outbox.mark_failed(conn, mid, error="Bad Request", now=NOW)
        dl = (await conn.execute(t.deadlines.insert().values(
            jenis="manual", ref="uji:web", judul="Rapat", batas=NOW + timedelta(days=3), unit_id=None,
            peran="operator", created_at=NOW))).inserted_primary_key[0]
    async with klien(w) as c:
        token = await masuk(c, w, "admin")
        assert "Kirim ulang" in (await c.get("/outbox")).text
        assert (await c.post(f"/outbox/{mid}/ulang", data={"csrf": token})).status_code == 303
        assert (await c.post(f"/outbox/{mid}/ulang", data={"csrf": token})).status_code == 400
        assert "Setujui" in (await c.get("/realisasi?status=diajukan")).text
        r = await c.post(f"/realisasi/{real}/verifikasi", data={"csrf": token, "keputusan": "kembalikan",
                                                                "catatan": "bukti kurang"})
        assert r.status_code == 303
        again = await c.post(f"/realisasi/{real}/verifikasi", data={"csrf": token, "keputusan": "setujui"})
        assert again.status_code == 400 and "sudah diverifikasi sebelumnya" in again.text
        assert "Surat suara kurang" in (await c.get("/eskalasi?status=terbuka")).text
        assert (await c.post(f"/eskalasi/{esc}/tangani", data={"csrf": token, "catatan": "dikirim"})).status_code == 303
        assert (await c.post(f"/eskalasi/{esc}/tangani", data={"csrf": token})).status_code == 400
        assert (await c.post("/logistik/KOTAK", data={"csrf": token, "per_tps": "3"})).status_code == 303
        bad = await c.post("/logistik/KOTAK", data={"csrf": token, "per_tps": "3", "cadangan": "2,5"})
        assert bad.status_code == 400 and "Isi salah satu" in bad.text
        assert (await c.post("/logistik/NOPE", data={"csrf": token, "per_tps": "1"})).status_code == 400
        assert (await c.post(f"/tenggat/{dl}/jeda", data={"csrf": token, "jeda": "ya"})).status_code == 303
        tenggat = await c.get("/tenggat")
        assert "Lanjutkan" in tenggat.text and "H-7, H-3, H-1, hari H pukul 07.00" in tenggat.text
        log = await c.get("/audit?entitas=norma_logistik")
        assert "per_tps: 2" in log.text and "per_tps: 3" in log.text and "KOTAK" in log.text
    async with engine.connect() as conn:
        st = (await conn.execute(sa.select(t.realisations.c.status, t.realisations.c.verify_note)
                                 .where(t.realisations.c.id == real))).one()
        es = (await conn.execute(sa.select(t.escalations.c.status).where(t.escalations.c.id == esc))).scalar_one()
        ob = (await conn.execute(sa.select(t.outbox.c.status).where(t.outbox.c.id == mid))).scalar_one()
        jeda = (await conn.execute(sa.select(t.deadlines.c.dijeda).where(t.deadlines.c.id == dl))).scalar_one()
        actions = {(r.entity, r.action) for r in await audit.recent(conn, limit=20)}
    assert tuple(st) == ("dikembalikan", "bukti kurang") and es == "ditangani" and ob == "antri" and jeda is True
    assert {("realisasi", "kembalikan"), ("eskalasi", "tangani"), ("outbox", "kirim_ulang"),
            ("norma_logistik", "ubah"), ("tenggat", "ubah")} <= actions


async def test_closing_and_reopening_a_reporting_period(engine: AsyncEngine) -> None:
    w = buat_web(engine)
    async with klien(w) as c:
        await masuk(c, w, "pimpinan")
        page = await c.get("/realisasi")
        assert "Belum ada periode yang ditutup" in page.text and 'action="/periode"' not in page.text
    async with klien(w) as c:
        token = await masuk(c, w, "admin")
        r = await c.post("/periode", data={"csrf": token, "aksi": "tutup", "periode": "TW I 2024"})
        assert r.status_code == 303 and "periode_ditutup" in r.headers["location"]
        assert "Ditutup: <b>Triwulan I 2024</b>" in (await c.get("/realisasi")).text
        bad = await c.post("/periode", data={"csrf": token, "aksi": "tutup", "periode": "kuartal lima"})
        assert bad.status_code == 400 and "tidak dikenali" in bad.text
        assert (await c.post("/periode", data={"csrf": token, "aksi": "hapus", "periode": "2024"})).status_code == 404
        assert (await c.post("/periode", data={"csrf": token, "aksi": "buka", "periode": "2024-Q1"})).status_code == 303
        assert "Belum ada periode yang ditutup" in (await c.get("/realisasi")).text
    async with engine.connect() as conn:
        log = await audit.recent(conn, entity="periode")
    assert [(x.action, x.entity_id, x.actor) for x in log][:2] == [("buka_periode", "2024-Q1", log[0].actor),
                                                                   ("tutup_periode", "2024-Q1", log[0].actor)]
    assert log[0].actor and log[0].actor != "cli"


async def test_arrival_history_with_photos(engine: AsyncEngine) -> None:
    fetched: list[str] = []

    async def ambil(file_id: str) -> bytes:
        fetched.append(file_id)
        return b"\xff\xd8\xff\xe0foto"

    w = buat_web(engine, ambil_foto=ambil)
    async with engine.begin() as conn:
        tps = (await conn.execute(sa.select(t.tps.c.id).where(t.tps.c.kode == "17.71.01.2001-001"))).scalar_one()
        item = (await conn.execute(sa.select(t.logistics_items.c.id).where(t.logistics_items.c.kode == "KOTAK"))
                ).scalar_one()
        ids = []
        for v, lengkap in ((1, False), (2, True)):
            rid = (await conn.execute(t.arrival_reports.insert().values(
                tps_id=tps, versi=v, jenis="baru" if v == 1 else "koreksi", nomor=f"TB-{v}", tiba_pada=NOW,
                foto_file_id=f"foto-{v}", lengkap=lengkap, terlambat=False, tepat=lengkap, created_at=NOW,
                alasan=None if v == 1 else "salah hitung"))).inserted_primary_key[0]
            await conn.execute(t.arrival_lines.insert().values(report_id=rid, item_id=item, diharapkan=2,
                                                               diterima=1 if v == 1 else 2))
            ids.append(rid)
    async with klien(w) as c:
        await masuk(c, w, "pimpinan")
        page = await c.get("/ketibaan/17.71.01.2001-001")
        assert "Versi 1" in page.text and "Versi 2" in page.text and "salah hitung" in page.text
        assert f'src="/foto/{ids[0]}"' in page.text and f'src="/foto/{ids[1]}"' in page.text
        img = await c.get(f"/foto/{ids[1]}")
        assert img.status_code == 200 and img.headers["content-type"] == "image/jpeg" and fetched == ["foto-2"]
        listing = await c.get("/ketibaan")
        assert "17.71.01.2001-001" in listing.text and "2 (koreksi)" in listing.text
        assert "Belum ada laporan" in (await c.get("/ketibaan?kabkota=KAB-1701")).text
        assert (await c.get("/ketibaan/17.99.99.9999-999")).status_code == 404
        exp = await c.get("/ketibaan/17.71.01.2001-001?unduh=csv")
        assert exp.status_code == 200 and exp.text.count("TB-") == 2


async def test_exports_neutralise_formulas_and_open_in_excel(engine: AsyncEngine) -> None:
    w = buat_web(engine, Jam())
    async with engine.begin() as conn:
        await conn.execute(t.users.insert().values(telegram_id=5550002, name="=HYPERLINK(\"x\")", role="operator",
                                                   status="menunggu", created_at=NOW))
    async with klien(w) as c:
        await masuk(c, w, "admin")
        x = await c.get("/pengguna?unduh=xlsx")
        assert x.headers["content-type"].startswith("application/vnd.openxmlformats")
        ws = load_workbook(io.BytesIO(x.content)).worksheets[0]
        names = [r[2] for r in ws.iter_rows(min_row=2, values_only=True)]
        assert "'=HYPERLINK(\"x\")" in names
        text = (await c.get("/pengguna?unduh=csv")).content.decode("utf-8-sig")
        assert "'=HYPERLINK" in text
        for path in ("/unit", "/indikator", "/pk", "/rencana-aksi", "/tenggat", "/logistik", "/logistik?data=kemajuan",
                     "/ketibaan", "/realisasi", "/eskalasi", "/outbox", "/audit"):
            sep = "&" if "?" in path else "?"
            for fmt in ("csv", "xlsx"):
                r = await c.get(f"{path}{sep}unduh={fmt}")
                assert r.status_code == 200 and "attachment" in r.headers["content-disposition"], (path, fmt)


async def test_admin_changes_a_kinds_reminder_policy_and_puts_it_back(engine: AsyncEngine) -> None:
    w = buat_web(engine)
    isian = {"jenis": "pelaporan", "sebelum": "H-5, H-2, H", "jam_pagi": "08.30", "lewat_hari": "3",
             "eskalasi_kepala": "1", "eskalasi_pimpinan": "", "sunyi_mulai": "20.00", "sunyi_selesai": "06.00"}
    async with klien(w) as c:
        await masuk(c, w, "pimpinan")
        page = await c.get("/tenggat")
        assert 'action="/tenggat/kebijakan"' not in page.text  # read-only for a leader
    async with klien(w) as c:
        token = await masuk(c, w, "admin")
        assert 'action="/tenggat/kebijakan"' in (await c.get("/tenggat")).text
        r = await c.post("/tenggat/kebijakan", data={"csrf": token, **isian})
        assert r.status_code == 303 and "kebijakan_diubah" in r.headers["location"]
        page = (await c.get("/tenggat?ok=kebijakan_diubah")).text
        assert "H-5, H-2, hari H pukul 08.30; lewat batas: harian selama 3 hari, ke kepala unit hari ke-1;" in page
        # wrong input: a clear message, nothing changed
        for salah, pesan_ in [({"sebelum": "seminggu"}, "tidak dikenali"), ({"jam_pagi": "22.00"}, "jam tenang"),
                              ({"lewat_hari": "1.000"}, "melebihi"), ({"eskalasi_kepala": "0"}, "kosongkan"),
                              ({"jenis": "liburan"}, "tidak dikenal"), ({"jam_pagi": "𝟖.00"}, "Jam")]:
            bad = await c.post("/tenggat/kebijakan", data={"csrf": token, **isian, **salah})
            assert bad.status_code == 400 and pesan_ in bad.text, (salah, bad.text[-600:])
        assert (await c.post("/tenggat/kebijakan", data={**isian})).status_code == 403  # no CSRF token
        async with engine.connect() as conn:
            aturan = (await tenggat.kebijakan(conn)).untuk("pelaporan")
        assert (aturan.sebelum, aturan.jam_pagi, aturan.lewat_hari, aturan.eskalasi_kepala,
                aturan.eskalasi_pimpinan) == ((5, 2, 0), time(8, 30), 3, 1, None)
        r = await c.post("/tenggat/kebijakan", data={"csrf": token, **isian, "aksi": "bawaan"})
        assert r.status_code == 303
    async with engine.connect() as conn:
        k = await tenggat.kebijakan(conn)
        log = await audit.recent(conn, entity="kebijakan_pengingat")
    assert k.untuk("pelaporan") == Kebijakan().untuk("pelaporan")
    assert [(x.action, x.entity_id) for x in log] == [("ubah", "pelaporan"), ("ubah", "pelaporan")]
    assert log[0].new == "bawaan" and log[1].new["sebelum"] == [5, 2, 0]
