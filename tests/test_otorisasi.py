"""The authorization matrix: every command, button prefix, web route and download × every role in its own scope,
in another kab/kota, in another organisation (BTENG), revoked, an unregistered account, and each of them in a
group chat.

One table holds the expected outcome. ``y``: the actor got through to the target (Kota Bengkulu's field data, the
province's budget and realisations, or, for rows without a target, past the role check); ``-``: refused, or the
target is out of sight. In a group chat ``-`` means the bot answered with the pointer to the private chat and
nothing else: no other message there or in the private chat, no file, nothing written. The bot is the real
Application over the fake Bot API, the web the real Starlette app (which has no group chats: the web ignores the
group column). Commands, button prefixes and routes are read from the running apps: one added without a row fails
this test.

The web has one more kind of actor: a unit head whose role is operator (a Kepala Sub Bagian), whose web is only the
inbox of what waits for their verification. Its columns follow a "|" in a web row's code: the head of the target
report's unit (PDI-DATIN), the head of another unit (KUL-UML), of a unit of another organisation (BTENG-PDI), the
head of PDI-DATIN deciding on a report they wrote themselves, and a revoked head of PDI-DATIN. A web row without
them means "-----": refused everywhere (the dashboard sends them to the inbox; every other page answers 403).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.routing import Route
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler

from admin.app import create_app
from admin.inti import COOKIE
from domain import akses
from domain.entitas import PERAN_LABEL
from handlers import teks
from storage import org, users, web
from storage import tables as t
from tests.admin.bantuan import buat_web, klien
from tests.bot.harness import BotUji, bot_uji

# Columns: per role its own scope, another kab/kota (KAB-1701), another organisation (BTENG), revoked; then an
# unregistered account; then the same own-scope accounts of each role and the unregistered one, in a group chat.
# Own scope: the admin and the pimpinan of the province, Kota Bengkulu's operator and petugas (the demo's). Every
# pimpinan here heads their unit.
PERAN_KOLOM = ("admin", "pimpinan", "operator", "petugas")
VARIAN = ("", "@kab", "@bteng", "-x")
DI_GRUP = "#grup"
AKTOR_PRIBADI = (*(f"{p}{v}" for p in PERAN_KOLOM for v in VARIAN), "asing")
AKTOR_GRUP = tuple(f"{p}{DI_GRUP}" for p in (*PERAN_KOLOM, "asing"))
AKTOR = (*AKTOR_PRIBADI, *AKTOR_GRUP)
# The operator heads of the web (the columns after "|"): own unit, another unit, another organisation, deciding on
# their own report, revoked.
AKTOR_KEPALA = ("opkepala", "opkepala@lain", "opkepala@bteng", "opkepala~sendiri", "opkepala-x")
UNIT_KEPALA = {"opkepala": "PDI-DATIN", "opkepala@lain": "KUL-UML", "opkepala@bteng": "BTENG-PDI",
               "opkepala~sendiri": "PDI-DATIN", "opkepala-x": "PDI-DATIN"}
UNIT = {"admin": "PDI-REN", "pimpinan": "PROV", "operator": "KAB-1771", "petugas": "KAB-1771"}
UNIT_VARIAN = {"@kab": "KAB-1701", "@bteng": "BTENG-KUL"}
DEMO = {"pimpinan": "pimpinan", "operator": "operator-kota", "petugas": "petugas"}
ANGGARAN, KOTA = "142.297.821.000", "Kota Bengkulu"

# Each code: admin, pimpinan, operator, petugas (own, @kab, @bteng, revoked), unregistered, then the group column
# (admin, pimpinan, operator, petugas, unregistered in a group chat): nothing gets through in a group, ever. A row
# may leave the group column out; it then means the same "-----".
SEMUA, SEMUA_ASING = "yyy- yyy- yyy- yyy- - -----", "yyy- yyy- yyy- yyy- y -----"
ADMIN, WEB = "yyy- ---- ---- ---- - -----", "yyy- yyy- ---- ---- - -----"
OPERATOR, PELAPOR = "---- ---- yyy- ---- - -----", "yyy- yyy- yyy- ---- - -----"
PROVINSI = "yyy- y--- ---- ---- - -----"  # the province's own data: admins and its leader
KOTA_SAJA = "yyy- y--- y--- ---- - -----"  # Kota Bengkulu's field data: admins, the province's leader, its operator
PETUGAS_KOTA = "---- ---- ---- y--- - -----"  # Kota Bengkulu's petugas, at their own TPS
OPERATOR_KOTA = "---- ---- y--- ---- - -----"  # Kota Bengkulu's operator, for its own stages
ASING_SAJA = "---- ---- ---- ---- y -----"  # only an unregistered account asks for access
PUBLIK = "yyyy yyyy yyyy yyyy y ----- | yyyyy"  # the web's login pages (no group column on the web)
WEB_KEPALA = WEB + " | yyyy-"  # every web session, an operator head's too

# kind, name (command, button prefix, or "METHOD path"), variant -> (what is checked, expected)
TABEL: dict[tuple[str, str, str], tuple[str, str]] = {
    ("cmd", "start", ""): ("peran", SEMUA_ASING),
    ("cmd", "help", ""): ("peran", SEMUA_ASING),
    ("cmd", "bantuan", ""): ("peran", SEMUA_ASING),
    ("cmd", "batal", ""): ("peran", SEMUA_ASING),
    ("cmd", "profil", ""): ("peran", SEMUA),
    ("cmd", "jadwal", ""): ("peran", SEMUA),
    ("cmd", "pengingat", ""): ("peran", SEMUA),
    ("cmd", "tiba", ""): ("penanda:17.71.", PETUGAS_KOTA),
    ("cmd", "realisasi", ""): ("peran", OPERATOR),
    ("cmd", "anggaran_lapor", ""): ("peran", OPERATOR),
    ("cmd", "rencana", ""): ("peran", OPERATOR),
    ("cmd", "tahapan", ""): ("peran", OPERATOR),
    ("cmd", "gudang", ""): ("peran", OPERATOR),
    ("cmd", "verifikasi", ""): ("peran", PELAPOR),
    ("cmd", "eskalasi", ""): ("penanda:Surat suara kurang 20", KOTA_SAJA),
    ("cmd", "capaian", ""): ("peran", PELAPOR),
    ("cmd", "logistik", ""): (f"penanda:{KOTA}", KOTA_SAJA),
    ("cmd", "anggaran", ""): (f"penanda:{ANGGARAN}", PROVINSI),
    ("cmd", "pemutakhiran", ""): (f"penanda:{KOTA}", KOTA_SAJA),
    ("cmd", "ekspor", ""): ("peran", ADMIN),
    ("cmd", "siaran", ""): ("peran", ADMIN),
    ("cmd", "undang", ""): ("peran", ADMIN),
    ("cmd", "web", ""): ("penanda:/masuk/", WEB),  # an operator gets a link only as a unit head (tests/admin)
    ("tombol", "ag", "ag:v:2024"): (f"penanda:{ANGGARAN}", PROVINSI),
    ("tombol", "al", "al:p:2024-11"): ("peran", OPERATOR),
    ("tombol", "cp", "cp:v:PDI-DATIN:2024:0"): ("sampai", PROVINSI),
    ("tombol", "ek", "ek:x"): ("peran", ADMIN),
    ("tombol", "es", "es:l:{eskalasi}"): ("db:eskalasi", KOTA_SAJA),
    ("tombol", "gd", "gd:terima"): ("peran", OPERATOR),
    ("tombol", "lg", "lg:k:{kota}"): (f"penanda:{KOTA}", KOTA_SAJA),
    ("tombol", "lj", "lj:d:2024"): ("peran", ADMIN),
    ("tombol", "minta", "minta:operator"): ("peran", ASING_SAJA),
    ("tombol", "pg", "pg:tunda:999999"): ("peran", SEMUA),
    ("tombol", "pm", "pm:x:2024"): ("peran", PELAPOR),
    ("tombol", "putus", "putus:1:setuju"): ("peran", ADMIN),
    ("tombol", "ra", "ra:mulai:999999"): ("peran", OPERATOR),
    ("tombol", "rl", "rl:mulai:999999:2024-Q3"): ("peran", OPERATOR),
    ("tombol", "sr", "sr:batal"): ("peran", ADMIN),
    ("tombol", "tb", "tb:mulai:{tps_kode}"): ("sampai", PETUGAS_KOTA),
    ("tombol", "th", "th:mulai:{tahapan}:{kota}"): ("sampai", OPERATOR_KOTA),
    ("tombol", "vf", "vf:ok:{realisasi}"): ("db:realisasi", PROVINSI),
    ("web", "GET /", "logistik"): (f"penanda:{KOTA}", PROVINSI),
    ("web", "GET /", "anggaran"): (f"penanda:{ANGGARAN}", PROVINSI),
    ("web", "GET /", "pemutakhiran"): ("penanda: / 200</strong>", PROVINSI),  # 20 stages × 10 kab/kota
    ("web", "GET /masuk", ""): ("publik", PUBLIK),
    ("web", "POST /masuk", ""): ("publik", PUBLIK),
    ("web", "GET /masuk/{token}", "/masuk/bukan-token"): ("publik", PUBLIK),
    ("web", "GET /grafik/{nama}.png", "/grafik/logistik.png"): ("peran", WEB),
    ("web", "GET /pengguna", ""): ("peran", ADMIN),
    ("web", "GET /pengguna", "?unduh=csv"): ("peran", ADMIN),
    ("web", "POST /pengguna/undangan", ""): ("peran", ADMIN),
    ("web", "POST /pengguna/undangan/{code}/cabut", "/pengguna/undangan/bukan-kode/cabut"): ("peran", ADMIN),
    ("web", "POST /pengguna/{id:int}/setujui", "/pengguna/{korban}/setujui"): ("peran", ADMIN),
    ("web", "POST /pengguna/{id:int}/tolak", "/pengguna/{korban}/tolak"): ("peran", ADMIN),
    ("web", "POST /pengguna/{id:int}/ubah", "/pengguna/{korban}/ubah"): ("peran", ADMIN),
    ("web", "POST /pengguna/{id:int}/cabut", "/pengguna/999999/cabut"): ("peran", ADMIN),
    ("web", "GET /unit", ""): ("penanda:KAB-1771", PROVINSI),
    ("web", "GET /unit", "?unduh=csv"): ("penanda:KAB-1771", PROVINSI),
    ("web", "GET /tps", "?kabkota=KAB-1771"): ("penanda:{tps_kode}", PROVINSI),
    ("web", "GET /tps", "?kabkota=KAB-1771&unduh=csv"): ("penanda:{tps_kode}", PROVINSI),
    ("web", "GET /tps", "?unduh=xlsx"): ("unduhan", WEB),
    ("web", "GET /indikator", ""): ("penanda:PDI-DATIN-2", PROVINSI),
    ("web", "GET /indikator", "?unduh=csv"): ("penanda:PDI-DATIN-2", PROVINSI),
    ("web", "GET /pk", ""): ("penanda:PDI-DATIN", PROVINSI),
    ("web", "GET /pk", "?unduh=csv"): ("penanda:PDI-DATIN", PROVINSI),
    ("web", "GET /rencana-aksi", ""): ("penanda:3355.EBA.994", PROVINSI),
    ("web", "GET /rencana-aksi", "?unduh=csv"): ("penanda:3355.EBA.994", PROVINSI),
    ("web", "GET /tenggat", ""): ("penanda:KAB-1771", PROVINSI),
    ("web", "GET /tenggat", "?unduh=csv"): ("penanda:KAB-1771", PROVINSI),
    ("web", "POST /tenggat/{id:int}/jeda", "/tenggat/999999/jeda"): ("peran", ADMIN),
    ("web", "POST /tenggat/kebijakan", ""): ("peran", ADMIN),
    ("web", "GET /logistik", ""): (f"penanda:{KOTA}", PROVINSI),
    ("web", "POST /logistik/{kode}", "/logistik/BUKAN"): ("peran", ADMIN),
    ("web", "GET /ketibaan", ""): ("penanda:{tps_kode}", PROVINSI),
    ("web", "GET /ketibaan", "?unduh=csv"): ("penanda:{tps_kode}", PROVINSI),
    ("web", "GET /ketibaan/{kode}", "/ketibaan/{tps_kode}"): ("penanda:{tps_kode}", PROVINSI),
    ("web", "GET /foto/{id:int}", "/foto/{laporan}"): ("unduhan", PROVINSI),
    ("web", "GET /realisasi", ""): ("penanda:PDI-DATIN-2", PROVINSI),
    ("web", "GET /realisasi", "?unduh=csv"): ("penanda:PDI-DATIN-2", PROVINSI),
    ("web", "GET /realisasi", "?untuk=saya"): ("peran", WEB),
    # admins, and a head on the reports of their units (the province's pimpinan here), as the bot's vf button
    # an operator head: on their own unit's report only, never on their own report
    ("web", "POST /realisasi/{id:int}/verifikasi", "/realisasi/{realisasi}/verifikasi"): (
        "db:realisasi", PROVINSI + " | y----"),
    # the inbox: every session may open it; a fresh report shows (with its buttons) only to the head it waits for,
    # the nearest one up the tree (here PDI-DATIN's operator head, not the province's pimpinan), never its author
    ("web", "GET /verifikasi", ""): ("peran", WEB_KEPALA),
    ("web", "GET /verifikasi", "kotak"): ("kotak", "---- ---- ---- ---- - | y----"),
    ("web", "POST /periode", ""): ("peran", ADMIN),
    ("web", "GET /eskalasi", ""): ("penanda:Surat suara kurang 20", PROVINSI),
    ("web", "GET /eskalasi", "?unduh=csv"): ("penanda:Surat suara kurang 20", PROVINSI),
    ("web", "POST /eskalasi/{id:int}/tangani", "/eskalasi/999999/tangani"): ("peran", ADMIN),
    ("web", "GET /outbox", ""): ("peran", ADMIN),
    ("web", "GET /outbox", "?unduh=csv"): ("peran", ADMIN),
    ("web", "POST /outbox/{id:int}/ulang", "/outbox/999999/ulang"): ("peran", ADMIN),
    ("web", "GET /audit", ""): ("peran", ADMIN),
    ("web", "GET /audit", "?unduh=csv"): ("peran", ADMIN),
    ("web", "GET /tahun", ""): ("peran", WEB),
    ("web", "GET /pemilihan", ""): ("peran", WEB),
    ("web", "GET /libur", ""): ("peran", WEB),
    ("web", "GET /libur", "?unduh=csv"): ("peran", WEB),
    ("web", "POST /libur/tambah", ""): ("peran", ADMIN),
    ("web", "POST /libur/hapus", ""): ("peran", ADMIN),
    ("web", "GET /unduh/lkjip.docx", "?tahun=2024"): ("unduhan", PROVINSI),
    ("web", "POST /tahun", ""): ("peran", ADMIN),
    ("web", "GET /impor", ""): ("peran", ADMIN),
    ("web", "POST /impor", ""): ("peran", ADMIN),
    ("web", "GET /impor/templat/{dataset}.{fmt}", "/impor/templat/tps.csv"): ("peran", ADMIN),
    ("web", "GET /impor/{id:int}", "/impor/999999"): ("peran", ADMIN),
    ("web", "POST /impor/{id:int}/simpan", "/impor/999999/simpan"): ("peran", ADMIN),
    ("web", "POST /keluar", ""): ("keluar", WEB_KEPALA),  # last of the web rows: it ends the session
}

# The /start and /help menu's buttons ("mn:<command>"): each gets through exactly where its command does; a command
# that has no menu button (or none at all), forged into one, is a stale menu for everybody.
TABEL.update({("tombol", "mn", f"mn:{c}"): TABEL[("cmd", c, "")] for c in sorted(akses.PERINTAH_MENU)})
TABEL.update({("tombol", "mn", "mn:undang"): ("sampai", "---- ---- ---- ---- - -----"),
              ("tombol", "mn", "mn:tidak_ada"): ("sampai", "---- ---- ---- ---- - -----")})


def harapan(kode: str, *, kepala: bool = False) -> dict[str, bool]:
    """The expected outcome of each actor from a row's "yyy- ... | y----" code; the operator heads' only when
    ``kepala`` (the web)."""
    utama, _, bagian_kepala = kode.partition("|")
    huruf = utama.replace(" ", "")
    if len(huruf) == len(AKTOR_PRIBADI):
        huruf += "-" * len(AKTOR_GRUP)
    assert len(huruf) == len(AKTOR), kode
    out = {a: h == "y" for a, h in zip(AKTOR, huruf, strict=True)}
    if kepala:
        k = bagian_kepala.strip() or "-" * len(AKTOR_KEPALA)
        out.update({a: h == "y" for a, h in zip(AKTOR_KEPALA, k, strict=True)})
    return out


@dataclass
class Dunia:
    """The actors (Telegram id and user id) and the targets in Kota Bengkulu and the province."""

    tg: dict[str, int]
    uid: dict[str, int]
    nilai: dict[str, Any]


async def _dunia(engine: AsyncEngine) -> Dunia:
    now = datetime(2024, 11, 24, 8, 0, tzinfo=UTC)
    tg: dict[str, int] = {}
    uid: dict[str, int] = {}
    async with engine.begin() as conn:
        kode = {u.code: u.id for u in await org.units(conn)}
        tps_1701 = (await org.list_tps(conn, kabkota="KAB-1701", limit=1))[0].id
        for a in AKTOR_PRIBADI[:-1]:
            peran = a.split("@")[0].split("-")[0]
            varian = a[len(peran):]
            demo = await users.by_demo_key(conn, DEMO[peran]) if varian in ("", "-x") and peran in DEMO else None
            if demo is not None and varian == "":
                tg[a], uid[a] = demo.telegram_id or 0, demo.id
                continue
            unit = UNIT_VARIAN.get(varian, UNIT[peran])
            tid = 6_000_000 + len(tg)
            baru = (await conn.execute(t.users.insert().values(
                telegram_id=tid, name=f"Uji {a}", role=peran, status="aktif", unit_id=kode[unit],
                is_head=peran == "pimpinan", created_at=now))).inserted_primary_key[0]
            tps = (demo.tps_ids if demo else frozenset()) if varian != "@kab" else frozenset({tps_1701})
            if peran == "petugas" and tps:
                await conn.execute(t.user_tps.insert(), [{"user_id": baru, "tps_id": i} for i in tps])
            tg[a], uid[a] = tid, baru
        tg["asing"], uid["asing"] = 6_999_999, 0
        for a in AKTOR_GRUP:  # the same accounts, writing in a group chat
            tg[a], uid[a] = tg[a.removesuffix(DI_GRUP)], uid[a.removesuffix(DI_GRUP)]
        petugas = await users.by_demo_key(conn, "petugas")
        assert petugas is not None
        tps_kota = (await org.list_tps(conn, ids=sorted(petugas.tps_ids)))[0]
        eskalasi = (await conn.execute(t.escalations.insert().values(
            jenis="kurang", kabkota_unit_id=kode["KAB-1771"], tps_id=tps_kota.id, uraian="Surat suara kurang 20 lembar",
            status="terbuka", created_at=now))).inserted_primary_key[0]
        tahapan = (await conn.execute(sa.select(t.voter_stages.c.id).where(t.voter_stages.c.pelaksana.like("%Kab%"))
                                      .order_by(t.voter_stages.c.no).limit(1))).scalar_one()
        korban = (await conn.execute(t.users.insert().values(
            telegram_id=6_888_888, name="Uji Korban", role="operator", status="menunggu", unit_id=kode["KUL-UML"],
            created_at=now))).inserted_primary_key[0]
        await _realisasi_baru(conn)
        laporan = (await conn.execute(t.arrival_reports.insert().values(**await _laporan_tiba(
            conn, tps_kota.id, petugas.id, now)))).inserted_primary_key[0]
    return Dunia(tg, uid, {"eskalasi": eskalasi, "kota": kode["KAB-1771"], "tps_kode": tps_kota.kode,
                           "tahapan": tahapan, "korban": korban, "laporan": laporan})


async def _laporan_tiba(conn: Any, tps_id: int, petugas_id: int, now: datetime) -> dict[str, Any]:
    """An arrival report row with a photo (only the columns the table requires, plus the photo)."""
    kolom: dict[str, Any] = {"tps_id": tps_id, "versi": 1, "tahun": 2024, "jenis": "baru", "tiba_pada": now,
                             "nomor": "TB-UJI-1",
                             "reporter_id": petugas_id, "created_at": now, "foto_file_id": "foto-uji",
                             "lengkap": True, "tepat": True, "terlambat": False, "moda": "PICKUP"}
    ada = {c.name for c in t.arrival_reports.columns}
    wajib = {c.name for c in t.arrival_reports.columns if not c.nullable and c.server_default is None
             and not c.primary_key}
    hilang = wajib - set(kolom)
    assert not hilang, f"arrival_reports needs {hilang}"
    return {k: v for k, v in kolom.items() if k in ada}


async def _cabut(engine: AsyncEngine, d: Dunia) -> None:
    async with engine.begin() as conn:
        await conn.execute(t.users.update().where(t.users.c.id.in_([d.uid[a] for a in AKTOR if a.endswith("-x")]))
                           .values(status="dicabut"))


# --- the bot ------------------------------------------------------------------------------------------------


def _isi_app(app: Any) -> tuple[set[str], set[str]]:
    """The commands and callback-data prefixes the Application handles."""
    cmds: set[str] = set()
    prefixes: set[str] = set()

    def jalan(hs: Any) -> None:
        for h in hs:
            if isinstance(h, ConversationHandler):
                jalan(h.entry_points)
                for v in h.states.values():
                    jalan(v)
                jalan(h.fallbacks)
            elif isinstance(h, CommandHandler):
                cmds.update(h.commands)
            elif isinstance(h, CallbackQueryHandler) and h.pattern is not None:
                m = re.match(r"\^([a-z]+):", getattr(h.pattern, "pattern", str(h.pattern)))
                if m:
                    prefixes.add(m.group(1))

    for hs in app.handlers.values():
        jalan(hs)
    return cmds, prefixes


def _penolakan() -> set[str]:
    """What the guard answers when the role or the account's status does not allow the update."""
    return {teks.DICABUT, teks.BELUM_TERDAFTAR, teks.MENUNGGU, teks.DITOLAK, teks.TOMBOL_TIDAK_BERWENANG,
            *(teks.TIDAK_BERWENANG.format(peran=label) for label in PERAN_LABEL.values())}


def _isi(d: Dunia, s: str) -> str:
    return s.format(**d.nilai)


async def _jalankan(b: BotUji, tg: int, aksi: Callable[[], Awaitable[None]]
                    ) -> tuple[list[str], list[str], list[str]]:
    """Run one action; returns the new and edited messages of the chat, their buttons, and the callback answers."""
    lama = {m.message_id: m.content for m in b.api.messages(tg)}
    n = len(b.api.callback_answers)
    await aksi()
    baru = [m for m in b.api.messages(tg) if lama.get(m.message_id) != m.content]
    return [m.content for m in baru], [str(m.buttons) for m in baru], [a.text or "" for a in b.api.callback_answers[n:]]


async def _tekan(b: BotUji, tg: int, data: str) -> None:
    await b.api.press(tg, b.api.messages(tg)[-1].message_id, data)
    await b.app.process_update(b.api.pending_updates()[-1].to_update(b.app.bot))


async def _status(engine: AsyncEngine, tabel: sa.Table, rid: int) -> str:
    async with engine.connect() as conn:
        return str((await conn.execute(sa.select(tabel.c.status).where(tabel.c.id == rid))).scalar_one())


async def _realisasi_baru(conn: Any, penulis_id: int | None = None) -> int:
    """A fresh submitted version of PDI-DATIN-2, written by the demo operator of PDI-DATIN (or by this user)."""
    ind = (await conn.execute(sa.select(t.indicators.c.id).where(t.indicators.c.kode == "PDI-DATIN-2"))
           ).scalar_one()
    versi = (await conn.execute(sa.select(sa.func.max(t.realisations.c.versi)).where(
        t.realisations.c.indicator_id == ind, t.realisations.c.periode == "2024-Q3"))).scalar_one() or 0
    penulis = await users.by_demo_key(conn, "operator")
    assert penulis is not None
    return int((await conn.execute(t.realisations.insert().values(
        indicator_id=ind, tahun=2024, periode="2024-Q3", versi=versi + 1, nilai="90", bukti=[], status="diajukan",
        sumber="bot", author_id=penulis_id or penulis.id,
        created_at=datetime(2024, 10, 3, tzinfo=UTC)))).inserted_primary_key[0])


async def _satu_bot(b: BotUji, d: Dunia, kunci: tuple[str, str, str], cek: str, aktor: str) -> bool:
    """Whether the actor got through on one bot row."""
    jenis, nama, data = kunci
    tg = d.tg[aktor]
    if cek == "db:realisasi":
        async with b.engine.begin() as conn:
            d.nilai["realisasi"] = await _realisasi_baru(conn)
    if aktor.endswith(DI_GRUP):
        return await _satu_grup(b, d, kunci, cek, tg)
    if jenis == "cmd":
        teks_, tombol, jawab = await _jalankan(b, tg, lambda: _kirim(b, tg, f"/{nama}"))
    else:
        isi = _isi(d, data)
        teks_, tombol, jawab = await _jalankan(b, tg, lambda: _tekan(b, tg, isi))
    await b.kirim(tg, "/batal")  # leave any conversation the row opened
    semua = [*teks_, *jawab]
    ditolak = any(x.strip() in _penolakan() for x in semua if x) or (jenis == "cmd" and not teks_)
    if cek == "db:eskalasi":
        berhasil = await _status(b.engine, t.escalations, d.nilai["eskalasi"]) == "ditangani"
        async with b.engine.begin() as conn:  # open it again for the next actor
            await conn.execute(t.escalations.update().where(t.escalations.c.id == d.nilai["eskalasi"]).values(
                status="terbuka", handled_by=None, handled_at=None, handled_note=None))
        return berhasil
    if cek == "db:realisasi":
        return await _status(b.engine, t.realisations, d.nilai["realisasi"]) == "disetujui"
    if ditolak:
        return False
    if cek.startswith("penanda:"):
        return _isi(d, cek.removeprefix("penanda:")) in "\n".join(semua + tombol)
    if cek == "sampai":  # not refused by a scope check further in (out of scope, not your TPS, a stale menu)
        return not any(k in x for x in jawab for k in ("di luar cakupan", "bukan TPS", "kedaluwarsa"))
    return True


async def _kirim(b: BotUji, tg: int, text: str) -> None:
    await b.kirim(tg, text)


# --- the bot in a group chat --------------------------------------------------------------------------------

GRUP_TOMBOL = -100_500_000  # a group holding one bot message (the pointer) to press forged buttons on
# What an update could write: logins, invites, accounts, messages to send, the audit log, reports, decisions.
JEJAK = (t.web_logins, t.invites, t.users, t.outbox, t.audit_log, t.arrival_reports, t.realisations,
         t.escalations)


async def _jejak(engine: AsyncEngine) -> tuple[Any, ...]:
    """Row counts of the tables an update could write to, and the escalations' and realisations' states."""
    hitung = [sa.select(sa.func.count()).select_from(tb).scalar_subquery() for tb in JEJAK]
    keadaan = [sa.select(sa.func.count()).where(t.escalations.c.status == "ditangani").scalar_subquery(),
               sa.select(sa.func.count()).where(t.realisations.c.status != "diajukan").scalar_subquery()]
    async with engine.connect() as conn:
        return tuple((await conn.execute(sa.select(*hitung, *keadaan))).one())


async def _grup_baru(b: BotUji) -> int:
    """A fresh group chat, so the pointer's pause from an earlier row does not hide what the bot says now."""
    n = b.app.bot_data.setdefault("uji_grup", 0) + 1
    b.app.bot_data["uji_grup"] = n
    b.api.add_group(-100_600_000 - n, f"Grup uji {n}")
    return -100_600_000 - n


async def _satu_grup(b: BotUji, d: Dunia, kunci: tuple[str, str, str], cek: str, tg: int) -> bool:
    """Whether anything but the pointer to the private chat came out of one row sent in a group chat."""
    jenis, nama, data = kunci
    teguran = teks.HANYA_PRIBADI.format(bot=b.api.bot_username)
    grup = await _grup_baru(b) if jenis == "cmd" else GRUP_TOMBOL
    pribadi = {m.message_id: m.content for m in b.api.messages(tg)}
    di_grup = {m.message_id: m.content for m in b.api.messages(grup)}
    berkas, jawaban, awal = len(b.api.calls), len(b.api.callback_answers), await _jejak(b.engine)
    if jenis == "cmd":
        upd = await b.api.send_text(tg, f"/{nama}", chat_id=grup)
        harus = [teguran]
    else:
        upd = await b.api.press(tg, b.api.messages(grup)[0].message_id, _isi(d, data), chat_id=grup)
        harus = []
    await b.app.process_update(upd.to_update(b.app.bot))
    bocor = [m.content for m in b.api.messages(tg) if pribadi.get(m.message_id) != m.content]
    kata = [m.content for m in b.api.messages(grup) if di_grup.get(m.message_id) != m.content]
    dijawab = [(a.text, a.show_alert) for a in b.api.callback_answers[jawaban:]]
    kirim_berkas = [c for c in b.api.calls[berkas:] if c.method.lower() in ("senddocument", "sendphoto")]
    return bool(bocor or kata != harus or kirim_berkas or await _jejak(b.engine) != awal
                or dijawab != ([] if jenis == "cmd" else [(teguran, True)]))


async def test_bot_matrix(engine: AsyncEngine) -> None:
    d = await _dunia(engine)
    async with bot_uji(engine) as b:
        cmds, prefixes = _isi_app(b.app)
        assert cmds == {n for j, n, _ in TABEL if j == "cmd"}, "a command without a row in TABEL (or a stale row)"
        assert prefixes == {n for j, n, _ in TABEL if j == "tombol"} == set(akses.TOMBOL), "a button prefix"
        for a in AKTOR_PRIBADI:
            b.api.add_user(d.tg[a], f"Uji {a}")
            await b.kirim(d.tg[a], "/start")
        b.api.add_group(GRUP_TOMBOL, "Koordinasi KPU")
        await b.app.process_update((await b.api.send_text(d.tg["admin"], "/start", chat_id=GRUP_TOMBOL)
                                    ).to_update(b.app.bot))
        await _cabut(engine, d)
        salah = []
        for kunci, (cek, kode) in TABEL.items():
            if kunci[0] == "web":
                continue
            for a, boleh in harapan(kode).items():
                dapat = await _satu_bot(b, d, kunci, cek, a)
                if dapat != boleh:
                    salah.append(f"{kunci[1]} {kunci[2]} as {a}: expected {'y' if boleh else '-'}, got "
                                 f"{'y' if dapat else '-'}")
    assert not salah, "\n".join(salah)


# --- the web ------------------------------------------------------------------------------------------------


def _rute_web() -> set[str]:
    """Every route and method of the admin web (HEAD and the static files aside)."""
    w = buat_web(None)  # type: ignore[arg-type]
    out = set()
    for r in create_app(w).routes:
        if isinstance(r, Route):
            out.update(f"{m} {r.path}" for m in (r.methods or ()) if m != "HEAD")
    return out


async def _sesi(engine: AsyncEngine, d: Dunia, a: str, now: datetime) -> tuple[str, str] | None:
    """A live session (cookie, CSRF) for an actor who may hold one; the revoked get theirs before the revocation."""
    async with engine.begin() as conn:
        p = await users.by_id(conn, d.uid[a]) if a != "asing" else None
        if p is None or not web.boleh_web(p):
            return None
        token, s = await web.create_session(conn, p, now=now)
        return token, s.csrf


async def _kepala_operator(engine: AsyncEngine, d: Dunia) -> None:
    """The operator heads of the web's extra columns."""
    now = datetime(2024, 11, 24, 8, 0, tzinfo=UTC)
    async with engine.begin() as conn:
        kode = {u.code: u.id for u in await org.units(conn)}
        for i, a in enumerate(AKTOR_KEPALA):
            d.tg[a] = 6_500_000 + i
            d.uid[a] = (await conn.execute(t.users.insert().values(
                telegram_id=d.tg[a], name=f"Uji {a}", role="operator", status="aktif", is_head=True,
                unit_id=kode[UNIT_KEPALA[a]], created_at=now))).inserted_primary_key[0]


async def test_web_matrix(engine: AsyncEngine) -> None:
    d = await _dunia(engine)
    assert _rute_web() == {n for j, n, _ in TABEL if j == "web"}, "a web route without a row in TABEL"
    assert all("|" not in kode for (j, _, _), (_, kode) in TABEL.items() if j != "web")
    await _kepala_operator(engine, d)
    w = buat_web(engine, ambil_foto=_foto)
    aktor = (*AKTOR_PRIBADI, *AKTOR_KEPALA)
    sesi = {a: await _sesi(engine, d, a, w.now()) for a in aktor}
    await _cabut(engine, d)
    async with engine.begin() as conn:
        await conn.execute(t.users.update().where(t.users.c.id == d.uid["opkepala-x"]).values(status="dicabut"))
    salah = []
    for a in aktor:
        async with klien(w) as c:
            if sesi[a]:
                c.cookies.set(COOKIE, sesi[a][0])  # type: ignore[index]
            csrf = sesi[a][1] if sesi[a] else ""  # type: ignore[index]
            for (jenis, nama, varian), (cek, kode) in TABEL.items():
                if jenis != "web":
                    continue
                metode, pola = nama.split(" ", 1)
                if cek in ("db:realisasi", "kotak"):  # a fresh report waiting to be decided, for each actor
                    async with engine.begin() as conn:
                        d.nilai["realisasi"] = await _realisasi_baru(
                            conn, d.uid[a] if a.endswith("~sendiri") else None)
                url = _isi(d, varian) if varian.startswith("/") else pola + (varian if varian.startswith("?") else "")
                if metode == "GET":
                    r = await c.get(url)
                else:
                    r = await c.post(url, data={"csrf": csrf, "token": "bukan-token", "keputusan": "setujui"})
                boleh = harapan(kode, kepala=True)[a]
                dapat = (await _status(engine, t.realisations, d.nilai["realisasi"]) == "disetujui"
                         if cek == "db:realisasi" else _lolos(r, cek, d))
                if dapat != boleh:
                    salah.append(f"{nama} {varian} as {a}: expected {'y' if boleh else '-'}, got "
                                 f"{'y' if dapat else '-'} ({r.status_code})")
    assert not salah, "\n".join(salah)


async def _foto(file_id: str) -> bytes:
    return b"\x89PNG uji"


def _lolos(r: Any, cek: str, d: Dunia) -> bool:
    if cek == "publik":
        return r.status_code < 500
    if cek == "keluar":
        return r.status_code == 303 and r.headers.get("location") == "/masuk?ok=keluar"
    ditolak = r.status_code in (401, 403) or (r.status_code in (302, 303) and
                                              r.headers.get("location", "").startswith("/masuk"))
    if ditolak:
        return False
    if cek == "unduhan":
        return r.status_code == 200
    if cek == "kotak":  # the fresh report waits in this inbox, with its Setujui / Kembalikan
        return r.status_code == 200 and f'action="/realisasi/{d.nilai["realisasi"]}/verifikasi"' in r.text
    if cek.startswith("penanda:"):
        return r.status_code == 200 and _isi(d, cek.removeprefix("penanda:")) in r.text
    return True


def test_every_role_has_a_column() -> None:
    """The matrix covers every role there is."""
    assert set(PERAN_KOLOM) == set(akses.SEMUA)
