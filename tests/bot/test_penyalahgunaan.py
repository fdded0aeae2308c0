"""Abuse: hostile text at every parser and every conversation step, forged buttons from another scope, one user
flooding, oversized uploads, formula injection on export, path tricks in file names.

Nothing may crash (the error handler never runs: no "Kode rujukan"), every callback query is answered exactly
once, nothing of one scope reaches another, and every refusal is an Indonesian sentence. Parsers are fuzzed with
hypothesis directly; the conversations get hypothesis-made hostile text (generated up front with a fixed seed, so
a failure names its input) on a seeded random walk through every command of every demo role.
PANTAU_UJI_BERAT=1 walks longer and generates more.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import random
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncEngine

from domain import akses, angka, capaian, kinerja, logistik, periode, tanggal
from domain.errors import ParseError
from handlers import kirim, teks, tombol
from handlers.laporan import baca_capaian, baca_tahun
from reports import ekspor
from storage import org, users
from storage import tables as t
from storage.db import inserted_id
from tests.bot.harness import BotUji, Jam, bot_uji, demo_tg

BERAT = os.environ.get("PANTAU_UJI_BERAT") == "1"
H_MIN_1 = datetime(2024, 11, 26, 3, 0, tzinfo=UTC)

# --- hostile text -----------------------------------------------------------------------------------------------

TETAP = [
    "", " ", "\n\n", "0", "-1", "1e309", "NaN", "inf", "9" * 400, "1.000.000,00", "1,000,000.00", "١٢٣", "１２３",
    "Rp -5", "101 %", "½", "²", "'; DROP TABLE users; --", "1 OR 1=1", "\" OR \"\"=\"", "%", "_", "\\", "%00",
    "*tebal", "_miring", "`kode", "```", "[tautan](http://x)", "<b>", "</i>", "<script>alert(1)</script>",
    "&amp;", "=HYPERLINK(\"http://jahat\",\"klik\")", "+SUM(A1)", "-2+3", "@cmd", "\tTAB", "\rCR",
    "../../etc/passwd", "..\\..\\boot.ini", "CON", "/tiba", "/start abc", "/start " + "x" * 300,
    "\u202egnp.exe", "a\u200bb", "👍🏽" * 50, "e\u0301" * 30, "\u0000", "🇮🇩", "Ｗ" * 10, "x" * 4096,
    "17.71.01.2001-001", "KAB-1701", "TB-17.71.01.2001-001-1", "tb:tps:1", "2024-Q3", "31/02/2024", "25.61",
]


@st.composite
def _campur(draw: Any) -> str:
    """Pieces of the fixed hostile strings glued to random unicode."""
    parts = draw(st.lists(st.one_of(st.sampled_from(TETAP), st.text(max_size=20)), min_size=1, max_size=4))
    return "".join(parts)[:4096]


def teks_jahat(besar: bool = False) -> st.SearchStrategy[str]:
    """Hostile text as Telegram would deliver it (at most 4.096 characters; `besar`: also near that limit)."""
    dasar = [st.sampled_from(TETAP), st.text(max_size=60), _campur(),
             st.builds(lambda s, n: (s or "9") * n, st.text(min_size=1, max_size=3), st.integers(1, 1365))]
    if besar:
        dasar.append(st.text(alphabet=st.characters(codec="utf-8"), min_size=3900, max_size=4096))
    return st.one_of(*dasar)


def kumpulan(n: int, seed: int) -> list[str]:
    """n hostile strings made by hypothesis with a fixed seed (so the walk is reproducible)."""
    out: list[str] = []

    @settings(max_examples=n, database=None, derandomize=True, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck), deadline=None)
    @given(teks_jahat(besar=True))
    def kumpul(x: str) -> None:
        out.append(x)

    kumpul()
    random.Random(seed).shuffle(out)
    return out + TETAP


# --- every parser -------------------------------------------------------------------------------------------------

SEKARANG = datetime(2024, 11, 26, 3, 0, tzinfo=UTC)


def _nilai(jenis: capaian.JenisIndikator) -> Callable[[str], object]:
    return lambda s: capaian.parse_nilai(jenis, s)


PARSER: dict[str, Callable[[str], object]] = {
    "angka.parse_count": lambda s: angka.parse_count(s, maximum=10_000),
    "angka.parse_number": lambda s: angka.parse_number(s, allow_negative=True),
    "angka.parse_percent": angka.parse_percent,
    "angka.parse_rupiah": angka.parse_rupiah,
    **{f"capaian.parse_nilai:{j.value}": _nilai(j) for j in capaian.JenisIndikator},
    "kinerja.parse_progres": kinerja.parse_progres,
    "kinerja.parse_tautan": kinerja.parse_tautan,
    "logistik.parse_jumlah_catatan": lambda s: logistik.parse_jumlah_catatan(s, maximum=500),
    "logistik.parse_waktu_tiba": lambda s: logistik.parse_waktu_tiba(s, sekarang=SEKARANG, tz="Asia/Jakarta",
                                                                      paling_awal=datetime(2024, 11, 20, tzinfo=UTC)),
    "periode.parse_periode": periode.parse_periode,
    "tanggal.parse_bulan": tanggal.parse_bulan,
    "tanggal.parse_date": tanggal.parse_date,
    "tanggal.parse_tahun": tanggal.parse_tahun,
    "tanggal.parse_time": tanggal.parse_time,
    "handlers.laporan.baca_capaian": lambda s: baca_capaian(s.split()),
    "handlers.laporan.baca_tahun": lambda s: baca_tahun(s.split(), "/capaian [tahun]"),
}
# A refusal quotes the input shortened (domain.errors.kutip): no parser may repeat a huge input in its reply.
MUAT_SATU_PESAN = 3800  # a refusal plus the handler's "try again" must fit one 4.096-character message
BESAR = ["0" * 4096, "x" * 4096, "1" * 4095 + "x", "Januari" * 585, "/" * 4096, "08." * 1365, "Rp" + "9" * 4094]
BAHASA_MESIN = ("Traceback", "invalid literal", "could not convert", "object has no", "NoneType", "Error:",
                "unsupported operand", "out of range", "decimal.")


def test_every_domain_parser_is_fuzzed() -> None:
    import importlib
    import inspect
    import pkgutil

    import domain

    found = set()
    for m in pkgutil.iter_modules(domain.__path__):
        mod = importlib.import_module(f"domain.{m.name}")
        for name, fn in inspect.getmembers(mod, inspect.isfunction):
            if fn.__module__ == mod.__name__ and name.startswith("parse_"):
                found.add(f"{m.name}.{name}")
    covered = {k.split(":")[0] for k in PARSER}
    assert found <= covered, f"parser tanpa uji fuzz: {sorted(found - covered)}"


@settings(max_examples=500 if BERAT else 100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(teks_jahat())
def test_parsers_answer_or_refuse_in_indonesian(text: str) -> None:
    for name, parse in PARSER.items():
        try:
            parse(text)
        except ParseError as exc:
            assert exc.pesan and exc.pesan.strip(), name
            assert not any(m in exc.pesan for m in BAHASA_MESIN), (name, exc.pesan)
            assert len(exc.pesan) <= MUAT_SATU_PESAN, (name, "a refusal must fit one message")


def _terlalu_panjang() -> set[str]:
    out = set()
    for text in BESAR:
        for name, parse in PARSER.items():
            try:
                parse(text)
            except ParseError as exc:
                if len(exc.pesan) > MUAT_SATU_PESAN:
                    out.add(name.split(":")[0])
    return out


def test_no_parser_echoes_a_huge_input() -> None:
    assert not _terlalu_panjang()


@settings(max_examples=300 if BERAT else 100, deadline=None)
@given(st.text(max_size=80), st.integers(min_value=0, max_value=6))
def test_forged_callback_data_is_never_mistaken_for_real(data: str, n: int) -> None:
    got = tombol.args(data, n)
    assert got is None or (len(got) == n and data.count(":") == n)
    for prefix in akses.TOMBOL:
        try:
            real = tombol.data(prefix, data[:20])
        except ValueError:
            continue
        assert len(real.encode()) <= 64 and real.startswith(prefix + ":")


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=20_000))
def test_long_replies_split_never_truncated_on_any_text(text: str) -> None:
    parts = kirim.potong(text)
    assert all(len(p) <= 4096 for p in parts)
    isi = parts if len(parts) == 1 else [p.rsplit("\n", 1)[0] for p in parts]  # without "(bersambung i/n)"
    # no character is lost (line breaks at the cuts may move; kirim.potong drops leading blank lines)
    assert "".join(isi).replace("\n", "") == text.replace("\n", "")
    if text.strip():
        assert all(p.strip() for p in parts)  # Telegram refuses an empty message


# --- every conversation step: a seeded random walk ----------------------------------------------------------------

AKTOR = ("admin", "pimpinan", "kabag-kul", "operator", "operator-uml", "operator-kota", "petugas")


class Penjaga:
    """After every step: no error handler, every callback answered once, no 'Kode rujukan' anywhere."""

    def __init__(self, b: BotUji, caplog: pytest.LogCaptureFixture) -> None:
        self.b, self.caplog = b, caplog

    def periksa(self, langkah: str) -> None:
        galat = [r for r in self.caplog.records if r.name == "pantau.galat" and r.levelno >= logging.ERROR]
        assert not galat, f"{langkah}: {galat[0].getMessage()[:3000]}"
        assert not self.b.api.unanswered_callbacks(), langkah
        assert all(self.b.api.callback_answer_count(a.query_id) == 1 for a in self.b.api.callback_answers), langkah


def _pesan(b: BotUji, tg: int) -> list[Any]:
    try:
        return b.api.messages(tg)
    except LookupError:
        return []


async def _tekan_apa_saja(b: BotUji, tg: int, data: str) -> None:
    """Press `data` on the user's latest message (with or without a keyboard), as a client could forge it."""
    msgs = _pesan(b, tg)
    if not msgs:
        await b.kirim(tg, "/start")
        msgs = _pesan(b, tg)
    mid = next((m.message_id for m in reversed(msgs) if m.buttons), msgs[-1].message_id)
    await b.app.process_update((await b.api.press(tg, mid, data)).to_update(b.app.bot))


def _palsukan(rng: random.Random, asli: str) -> str:
    """A forged variant of real callback data: other ids, junk, a cut, another prefix."""
    parts = asli.split(":")
    pilihan = rng.randrange(5)
    if pilihan == 0 and len(parts) > 1:
        parts[-1] = str(rng.choice([0, -1, 999_999_999, 2**63, 1, 2, 3]))
    elif pilihan == 1:
        parts.append(rng.choice(["x", "", "1", "'; --"]))
    elif pilihan == 2:
        parts = parts[:1]
    elif pilihan == 3:
        parts[0] = rng.choice(sorted(akses.TOMBOL))
    else:
        return rng.choice(["", ":", "::::", "tb", "es:abc", "lg:kab:99999", "ek:tps:exe", "x" * 64])
    return ":".join(parts)[:64]


async def _jalan(b: BotUji, tg: int, perintah: list[str], rng: random.Random, teks_: Iterator[str],
                 langkah: int, penjaga: Penjaga, tercatat: list[str], hitung: Counter[str] | None = None) -> None:
    hitung = hitung if hitung is not None else Counter()
    for cmd in perintah:
        await b.kirim(tg, f"/{cmd}")
        penjaga.periksa(f"{tg} /{cmd}")
        for i in range(langkah):
            msgs = _pesan(b, tg)
            tombol_ = [d for m in msgs[-2:] for row in m.buttons for _, d in row if d]
            tercatat.extend(tombol_)
            r = rng.random()
            if tombol_ and r < 0.45:
                aksi = rng.choice(tombol_)
                await _tekan_apa_saja(b, tg, aksi)
            elif r < (0.62 if tombol_ else 0.15):
                asli = rng.choice(tombol_) if tombol_ else rng.choice(sorted(akses.TOMBOL)) + ":1"
                aksi = "palsu " + _palsukan(rng, asli)
                await _tekan_apa_saja(b, tg, aksi[6:])
            else:
                r2 = rng.random()
                if r2 < 0.08:
                    aksi = "foto"
                    upd = await b.api.send_photo(tg, file_id=f"foto-{rng.randrange(9)}", caption=next(teks_)[:1024])
                    await b.app.process_update(upd.to_update(b.app.bot))
                elif r2 < 0.12:
                    aksi = "dokumen"
                    nama = rng.choice(["../../etc/passwd", "a/b.pdf", "=1+1.xlsx", "CON"])
                    upd = await b.api.send_document(tg, nama, b"%PDF-1.4 bukan apa-apa", "application/pdf")
                    await b.app.process_update(upd.to_update(b.app.bot))
                elif r2 < 0.15:
                    aksi = "lokasi"
                    upd = await b.api.send_location(tg, rng.uniform(-90, 90), rng.uniform(-180, 180))
                    await b.app.process_update(upd.to_update(b.app.bot))
                else:
                    aksi = next(teks_)
                    await b.kirim(tg, aksi)
            hitung["palsu" if aksi.startswith("palsu ") else "tekan" if aksi in tombol_ else
                   aksi if aksi in ("foto", "dokumen", "lokasi") else "teks"] += 1
            penjaga.periksa(f"{tg} /{cmd} langkah {i}: {aksi[:200]!r}")
        await b.kirim(tg, "/batal")


async def test_random_walk_with_hostile_input_through_every_command_of_every_role(
        engine: AsyncEngine, caplog: pytest.LogCaptureFixture) -> None:
    rng = random.Random(20241127)
    teks_ = iter(kumpulan(1500 if BERAT else 250, 7) * 20)
    caplog.set_level(logging.ERROR, logger="pantau.galat")
    hitung: Counter[str] = Counter()
    async with bot_uji(engine, jam=Jam(H_MIN_1)) as b:
        penjaga = Penjaga(b, caplog)
        semua = sorted(b.app.bot_data["perintah"])
        for kunci in AKTOR:
            tg = await demo_tg(engine, kunci)
            async with engine.connect() as conn:
                p = await users.by_telegram_id(conn, tg)
            assert p is not None
            perintah = [c for c in semua if akses.boleh_perintah(p.role, c) and c not in ("batal",)]
            await _jalan(b, tg, perintah, rng, teks_, 10 if BERAT else 4, penjaga, [], hitung)
        # someone nobody registered: every command, hostile text, forged access-request buttons
        b.api.add_user(5559001, "=HYPERLINK(\"http://jahat\")", username=None)
        await _jalan(b, 5559001, ["start", "tiba", "ekspor", "help"], rng, teks_, 6, penjaga, [], hitung)
        # the walk really went through buttons, forgeries and text (a walk that did nothing proves nothing)
        assert hitung["tekan"] >= 40 and hitung["palsu"] >= 10 and hitung["teks"] >= 60, hitung
        isi = [m.content for tg in [*(await _semua_tg(engine)), 5559001] for m in _pesan(b, tg)]
        assert all(len(x) <= 4096 for x in isi)
        assert not any("Kode rujukan" in x for x in isi)


async def _semua_tg(engine: AsyncEngine) -> list[int]:
    return [await demo_tg(engine, k) for k in AKTOR]


# --- forged buttons from another scope ----------------------------------------------------------------------------

TABEL_TULIS = ("arrival_reports", "realisations", "budget_realisations", "output_realisations", "rencana_progress",
               "stage_completions", "supplier_deliveries", "dispatches", "broadcasts", "invites", "reminder_snoozes")


async def _jejak(engine: AsyncEngine) -> dict[str, Any]:
    """Row counts of every table a button could write, and the escalations' states."""
    async with engine.connect() as conn:
        out: dict[str, Any] = {}
        for name in TABEL_TULIS:
            out[name] = (await conn.execute(sa.select(sa.func.count()).select_from(t.metadata.tables[name])))\
                .scalar_one()
        out["eskalasi"] = sorted((await conn.execute(sa.select(t.escalations.c.id, t.escalations.c.status))).all())
        out["pengguna"] = sorted((await conn.execute(sa.select(t.users.c.id, t.users.c.role, t.users.c.status)))
                                 .all())
    return out


async def _pengguna_lain(b: BotUji, tg: int, role: str, unit: str, tps: list[int] | None = None) -> None:
    async with b.engine.begin() as conn:
        u = await org.unit_by_code(conn, unit)
        assert u is not None
        res = await conn.execute(t.users.insert().values(telegram_id=tg, name=f"Lain {tg}", role=role, status="aktif",
                                                         unit_id=u.id, created_at=H_MIN_1))
        if tps:
            await conn.execute(t.user_tps.insert(), [{"user_id": inserted_id(res), "tps_id": x} for x in tps])
    b.api.add_user(tg, f"Lain {tg}")


async def test_buttons_of_one_scope_pressed_in_another_are_refused_and_leak_nothing(
        engine: AsyncEngine, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="pantau.galat")
    rng = random.Random(5)
    teks_ = iter(kumpulan(80, 3) * 20)
    async with bot_uji(engine, jam=Jam(H_MIN_1)) as b:
        penjaga = Penjaga(b, caplog)
        async with engine.connect() as conn:
            tps_selatan = [x.id for x in await org.list_tps(conn, kabkota="KAB-1701", limit=2)]
        petugas_selatan, operator_selatan = 5559101, 5559102
        await _pengguna_lain(b, petugas_selatan, "petugas", "KAB-1701", tps_selatan)
        await _pengguna_lain(b, operator_selatan, "operator", "KAB-1701")
        # what the Kota Bengkulu officer, the Kota logistics operator and a KUL operator are offered
        tombol_kota: list[str] = []
        for kunci in ("petugas", "operator-kota", "operator-uml"):
            tg = await demo_tg(engine, kunci)
            async with engine.connect() as conn:
                p = await users.by_telegram_id(conn, tg)
            assert p is not None
            perintah = [c for c in sorted(b.app.bot_data["perintah"]) if akses.boleh_perintah(p.role, c)
                        and c in ("tiba", "gudang", "logistik", "realisasi", "rencana", "anggaran_lapor", "tahapan",
                                  "jadwal", "pengingat")]
            await _jalan(b, tg, perintah, rng, teks_, 5, penjaga, tombol_kota)
        tombol_kota = sorted(set(tombol_kota))
        assert any(d.startswith("tb:tps:") for d in tombol_kota) and any(d.startswith("lg:") for d in tombol_kota)
        sebelum = await _jejak(engine)
        for tg in (petugas_selatan, operator_selatan):
            mulai = len(_pesan(b, tg))
            await b.kirim(tg, "/start")
            for data in tombol_kota:
                await _tekan_apa_saja(b, tg, data)
                penjaga.periksa(f"{tg} menekan {data}")
            # nothing of Kota Bengkulu (TPS codes 17.71…) reached an officer of Bengkulu Selatan
            for m in _pesan(b, tg)[mulai:]:
                assert "17.71." not in m.content, (tg, m.content[:300])
            for a in b.api.callback_answers:
                assert "17.71." not in (a.text or "")
        assert await _jejak(engine) == sebelum


# --- one user flooding --------------------------------------------------------------------------------------------


async def test_a_flooding_user_gets_one_polite_message_and_every_button_an_answer(
        engine: AsyncEngine, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="pantau.galat")
    teks_ = kumpulan(60, 11)
    async with bot_uji(engine, laju=(10, 10.0)) as b:
        penjaga = Penjaga(b, caplog)
        tg, lain = await demo_tg(engine, "petugas"), await demo_tg(engine, "pimpinan")
        await b.kirim(tg, "/tiba")
        for i, text in enumerate(teks_):  # all within one instant of the test clock
            if i % 3 == 0:
                await _tekan_apa_saja(b, tg, f"tb:tps:{i}")
            else:
                await b.kirim(tg, text or ".")
            penjaga.periksa(f"banjir {i}")
        isi = [m.content for m in b.api.messages(tg)]
        assert isi.count(teks.TERLALU_CEPAT) + [a.text for a in b.api.callback_answers].count(teks.TERLALU_CEPAT) == 1
        assert "Sekretaris" in (await b.kirim(lain, "/profil"))[-1].content  # the others are unaffected


# --- oversized uploads and path tricks ------------------------------------------------------------------------------


async def test_oversized_uploads_and_path_tricks_in_file_names_are_harmless(
        engine: AsyncEngine, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="pantau.galat")
    async with bot_uji(engine, jam=Jam(H_MIN_1)) as b:
        penjaga = Penjaga(b, caplog)
        besar = b"\0" * (21 * 1024 * 1024)  # over the Bot API's 20 MB download limit
        for kunci in ("petugas", "operator-uml", "admin"):
            tg = await demo_tg(engine, kunci)
            for nama in ("../../../etc/passwd", "..\\..\\windows\\win.ini", "/etc/shadow", "a/b/../c.xlsx",
                         "=cmd|' /C calc'!A0.csv", "<img src=x onerror=alert(1)>.pdf", "x" * 300 + ".pdf"):
                upd = await b.api.send_document(tg, nama, besar if nama.startswith("/") else b"isi", "text/csv")
                await b.app.process_update(upd.to_update(b.app.bot))
                penjaga.periksa(f"{kunci} dokumen {nama[:40]}")
            upd = await b.api.send_photo(tg, content=besar[:1024] + b"bukan jpeg")
            await b.app.process_update(upd.to_update(b.app.bot))
            penjaga.periksa(f"{kunci} foto rusak")
    # the admin web's import reads the bytes it was given, never a path named by the upload
    from storage import impor

    tabel = impor.read_file("../../../../etc/passwd.csv", b"kode,nama\nA,B\n")
    assert tabel.kolom == ["kode", "nama"] and tabel.baris == [(2, ["A", "B"])]
    with pytest.raises(impor.ImporError, match="Jenis berkas"):
        impor.read_file("/etc/passwd", b"root:x:0:0")
    with pytest.raises(impor.ImporError, match="terlalu besar"):
        impor.read_file("besar.csv", b"x" * 1001, maks_byte=1000)


# --- formula injection on export ------------------------------------------------------------------------------------


async def test_hostile_names_and_notes_are_inert_in_csv_and_xlsx_exports(engine: AsyncEngine, tmp_path: Any) -> None:
    from openpyxl import load_workbook

    jahat = ["=HYPERLINK(\"http://jahat\",\"klik\")", "+SUM(A1:A9)", "-2+3", "@cmd", "\t=1", "\r=1"]
    async with engine.begin() as conn:
        for i, nama in enumerate(jahat):
            await conn.execute(t.users.insert().values(telegram_id=5559200 + i, name=nama, username=None,
                                                       role="petugas", status="menunggu", created_at=H_MIN_1))
    konteks = ekspor.Konteks(hari_ini=H_MIN_1.date())
    buf = io.StringIO()
    async with engine.connect() as conn:
        await ekspor.tulis(conn, "pengguna", "csv", buf, konteks=konteks)
        await ekspor.tulis(conn, "pengguna", "xlsx", tmp_path / "p.xlsx", konteks=konteks)
    sel = [c for row in csv.reader(io.StringIO(buf.getvalue())) for c in row]
    for nama in jahat:
        assert nama not in sel and ("'" + nama) in sel
    wb = load_workbook(tmp_path / "p.xlsx", read_only=True)
    # XlsxWriter stores a carriage return as _x000D_ (the OOXML escape), which openpyxl hands back as is
    nilai = [c.replace("_x000D_", "\r") for ws in wb.worksheets for row in ws.iter_rows(values_only=True)
             for c in row if isinstance(c, str)]
    wb.close()
    for nama in jahat:
        assert nama not in nilai and ("'" + nama) in nilai
    assert not any(v.startswith(("=", "+", "-", "@", "\t", "\r")) for v in nilai)


async def test_a_huge_value_at_the_realisasi_value_step_gets_a_polite_refusal(
        engine: AsyncEngine, caplog: pytest.LogCaptureFixture) -> None:
    from tests.bot.bantuan_kinerja import data_tombol

    caplog.set_level(logging.ERROR, logger="pantau.galat")
    async with bot_uji(engine) as b:
        op = await demo_tg(engine, "operator-uml")
        await b.kirim(op, "/realisasi")
        await b.tekan(op, data_tombol(b, op, "KUL-UML-1 ·"))
        await b.tekan(op, "rl:p:2024-Q3")
        await b.kirim(op, "0" * 4000 + "x")
        Penjaga(b, caplog).periksa("nilai 4.001 karakter")


async def test_nul_characters_are_replaced_before_any_handler_on_every_backend(
        engine: AsyncEngine, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="pantau.galat")
    async with bot_uji(engine, jam=Jam(H_MIN_1)) as b:
        penjaga = Penjaga(b, caplog)
        baru = 5559301
        b.api.add_user(baru, "Bu\x00di")
        await b.kirim(baru, "/start")
        await b.tekan(baru, "minta:pimpinan")
        await b.kirim(baru, "K\x00UL")  # PostgreSQL would refuse the NUL even as a query parameter
        await b.kirim(baru, "KUL")
        penjaga.periksa("permintaan akses dengan NUL")
        async with engine.connect() as conn:
            p = await users.by_telegram_id(conn, baru)
        assert p is not None and p.name == "Bu\ufffddi"
        tg = await demo_tg(engine, "petugas")
        await b.kirim(tg, "/tiba")
        await b.kirim(tg, "17.71\x00.01")  # the TPS search step queries the database with the typed text
        await _tekan_apa_saja(b, tg, "tb:tps:\x00")
        penjaga.periksa("tiba dengan NUL")
        assert b.jawaban_terakhir() == teks.KEDALUWARSA


@pytest.mark.parametrize("arg", ["2147483648", "99999999999", "9223372036854775808", "٣", "-1", ""])
def test_a_button_id_out_of_any_id_columns_range_is_no_id(arg: str) -> None:
    from handlers import tombol

    assert tombol.nomor(arg) is None
    assert tombol.nomor("999999999") == 999_999_999 and tombol.nomor("0") == 0
