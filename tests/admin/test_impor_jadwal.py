"""Imports of the voter-list stage schedule and of election events: dry run, row-level Indonesian errors,
all-or-nothing commit, templates on the web, and the imported event running in the bot."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cli import main
from storage import impor, pemilihan, pemutakhiran
from storage import tables as t
from tests.admin.bantuan import buat_web, klien, masuk
from tests.admin.test_impor import _commit, _count, _dry
from tests.bot.harness import Jam, bot_uji, demo_tg

TAHAP = "tahun,no,nama,mulai,selesai,pelaksana\n"
ACARA = "kode,nama,jenis,kabkota,kirim_mulai,pemungutan,batas_tiba,batas_tiba_sulit\n"
SURAT = "pemilihan,nama,surat_suara,cadangan_persen\n"
WIB = ZoneInfo("Asia/Jakarta")


async def test_stage_schedule_dry_run_errors_then_commit_and_revision(engine: AsyncEngine) -> None:
    bad = (TAHAP + "2025,1,Rekapitulasi bulan Januari,25 Januari 2025,7 Februari 2025,KPU Kab/Kota\n"
           "2025,1,Rekapitulasi lagi,25 Januari 2025,7 Februari 2025,KPU Kab/Kota\n"
           "2025,2,Rekapitulasi bulan Februari,7 Maret 2025,22 Februari 2025,KPU Kab/Kota\n"
           "2025,3,Rekapitulasi bulan Maret,31 Februari 2025,7 April 2025,\n"
           "2025,0,Nol,1 Maret 2025,2 Maret 2025,KPU\n"
           "2025,4,Di tahun lain,1 Maret 2026,2 Maret 2026,KPU\n")
    p = await _dry(engine, "tahapan_pemutakhiran", bad)
    assert p.pesan() == [
        "baris 3: tahapan 1 tahun 2025 muncul lagi (sudah ada di baris 2)",
        "baris 4: tanggal mulai sesudah tanggal selesai",
        "baris 5: kolom pelaksana belum diisi",
        "baris 6: nomor tahapan mulai dari 1",
        "baris 7: tahapan ini tidak berlangsung pada tahun 2025",
    ]
    before = await _count(engine, t.voter_stages)
    with pytest.raises(impor.ImporGagal):
        await _commit(engine, "tahapan_pemutakhiran", bad)
    assert await _count(engine, t.voter_stages) == before
    good = (TAHAP + "2025,1,Rekapitulasi bulan Januari,25 Januari 2025,7 Februari 2025,KPU Kab/Kota\n"
            "2025,2,Rekapitulasi Triwulan I tingkat provinsi,1 April 2025,14 April 2025,KPU Provinsi\n")
    p = await _commit(engine, "tahapan_pemutakhiran", good)
    assert p.hitung("baru") == 2
    # A revised schedule changes the stage in place (its completions stay on it).
    revisi = "2025,1,Rekapitulasi bulan Januari (revisi),25 Januari 2025,10 Februari 2025,KPU Kab/Kota\n"
    p = await _commit(engine, "tahapan_pemutakhiran", TAHAP + revisi)
    assert p.hitung("ubah") == 1
    async with engine.connect() as conn:
        stages = await pemutakhiran.stages(conn, 2025)
    assert [(s.no, s.nama, s.selesai) for s in stages] == [
        (1, "Rekapitulasi bulan Januari (revisi)", date(2025, 2, 10)),
        (2, "Rekapitulasi Triwulan I tingkat provinsi", date(2025, 4, 14))]


async def test_event_import_checks_every_row_and_commits_whole(engine: AsyncEngine) -> None:
    bad = (ACARA + "PSU-2025,PSU Kota Bengkulu 2025,psu,KAB-1771,10 Mei 2025,14 Mei 2025,,\n"
           "PSU-2025,PSU Kota Bengkulu 2025,psu,KAB-1771,10 Mei 2025,14 Mei 2025,,\n"
           "PSU-2025,PSU Lain,psu,KAB-1701,10 Mei 2025,14 Mei 2025,,\n"
           "PSU-2025,PSU Kota Bengkulu 2025,psu,KUL,10 Mei 2025,14 Mei 2025,,\n"
           "PSU-2025,PSU Kota Bengkulu 2025,pilpres,KAB-1702,10 Mei 2025,14 Mei 2025,,\n"
           "PSU-2025,PSU Kota Bengkulu 2025,psu,KAB-1703,15 Mei 2025,14 Mei 2025,14 Mei 2025 08.00,\n"
           "PSU-2025,PSU Kota Bengkulu 2025,psu,KAB-1704,10 Mei 2025,14 Mei 2025,13 Mei 2025 23.59,"
           "13 Mei 2025 23.59 lewat\n"
           "PSU 2025!,PSU Kota Bengkulu 2025,psu,KAB-1705,10 Mei 2025,14 Mei 2025,,\n")
    p = await _dry(engine, "pemilihan", bad)
    assert p.pesan() == [
        "baris 3: kab/kota KAB-1771 untuk PSU-2025 muncul lagi (sudah ada di baris 2)",
        "baris 4: nama atau jenis pemilihan PSU-2025 berbeda dengan baris sebelumnya",
        "baris 5: 'KUL' bukan kode KPU kab/kota yang dikenal",
        "baris 6: jenis 'pilpres' tidak dikenal; pilih pemilu, pilkada, psu",
        "baris 6: nama atau jenis pemilihan PSU-2025 berbeda dengan baris sebelumnya",
        "baris 7: distribusi mulai sesudah hari pemungutan suara",
        "baris 7: batas tiba harus sebelum hari pemungutan suara",
        p.pesan()[7],  # the unreadable TPS sulit deadline, in the date parser's words
        "baris 9: kode 'PSU 2025!' tidak sah (huruf, angka, - atau _; maks. 30)",
    ]
    assert p.pesan()[7].startswith("baris 8: batas tiba TPS sulit:"), p.pesan()[7]
    with pytest.raises(impor.ImporGagal):
        await _commit(engine, "pemilihan", bad)
    assert await _count(engine, t.pemilihan_jadwal) == 10  # the demo's 2024 event only
    good = (ACARA + "PSU-2025,PSU Kota Bengkulu 2025,psu,KAB-1771,10 Mei 2025,14 Mei 2025,,\n"
            "PSU-2025,PSU Kota Bengkulu 2025,psu,KAB-1709,10 Mei 2025,14 Mei 2025,13 Mei 2025 12.00,"
            "12 Mei 2025 18.00\n")
    assert (await _commit(engine, "pemilihan", good)).hitung("baru") == 2
    surat_bad = (SURAT + "PSU-2025,Pemilihan Walikota dan Wakil Walikota,SS-BUP,\n"
                 "PSU-2025,Pemilihan Walikota lagi,SS-BUP,\n"
                 "PSU-2099,Pemilihan Gubernur,SS-GUB,\n"
                 "PSU-2025,Kotak,KOTAK,\n"
                 "PSU-2025,Pemilihan Gubernur,SS-GUB,250\n")
    p = await _dry(engine, "pemilihan_surat", surat_bad)
    assert p.pesan() == [
        "baris 3: surat suara SS-BUP untuk PSU-2025 muncul lagi (sudah ada di baris 2)",
        "baris 4: pemilihan PSU-2099 belum ada; impor jadwal pemilihannya dulu",
        "baris 5: KOTAK bukan surat suara (jumlahnya tetap per TPS, bukan dari DPT)",
        "baris 6: cadangan lebih dari 100 % tidak masuk akal",
    ]
    await _commit(engine, "pemilihan_surat", SURAT + "PSU-2025,Pemilihan Walikota dan Wakil Walikota,SS-BUP,3\n")
    async with engine.connect() as conn:
        e = await pemilihan.by_kode(conn, "PSU-2025")
        assert e is not None
        jadwal = await pemilihan.jadwal(conn, e.id)
        surat = await pemilihan.surat(conn, e.id)
        norma = await pemilihan.norma(conn, e.id)
        audit_ = (await conn.execute(sa.select(t.audit_log.c.action).where(t.audit_log.c.entity == "pemilihan_surat")
                                     )).scalars().all()
    assert (e.tahun, e.jenis, e.pemungutan) == (2025, "psu", date(2025, 5, 14))
    kota = next(j for j in jadwal if j.batas_tiba_sulit == datetime(2025, 5, 12, 18, 0, tzinfo=WIB))
    assert kota.batas_tiba == datetime(2025, 5, 13, 12, 0, tzinfo=WIB)
    lain = next(j for j in jadwal if j is not kota)  # defaults: H-1 23.59 and a day earlier for TPS sulit
    assert lain.batas_tiba == datetime(2025, 5, 13, 23, 59, tzinfo=WIB).astimezone(UTC)
    assert lain.batas_tiba_sulit == datetime(2025, 5, 12, 23, 59, tzinfo=WIB).astimezone(UTC)
    assert [(s.nama, s.item_kode) for s in surat] == [("Pemilihan Walikota dan Wakil Walikota", "SS-BUP")]
    assert [(n.item_kode, n.cadangan_persen) for n in norma] == [("SS-BUP", 3)]
    assert audit_ == ["impor"]


async def test_web_templates_and_the_imported_event_runs_in_the_bot(engine: AsyncEngine) -> None:
    w = buat_web(engine)
    async with klien(w) as c:
        token = await masuk(c, w, "admin")
        for kode in ("tahapan_pemutakhiran", "pemilihan", "pemilihan_surat"):
            tpl = await c.get(f"/impor/templat/{kode}.csv")
            assert tpl.status_code == 200, kode
        tpl = await c.get("/impor/templat/pemilihan.csv")
        assert tpl.content.startswith(b"\xef\xbb\xbfkode,nama,jenis,kabkota,kirim_mulai,pemungutan")
        berkas = ACARA + "PSU-2027,Pemungutan Suara Ulang 2027,psu,KAB-1771,20 Juli 2027,24 Juli 2027,,\n"
        r = await c.post("/impor", data={"csrf": token, "dataset": "pemilihan"},
                         files={"berkas": ("pemilihan.csv", berkas.encode(), "text/csv")})
        page = await c.get(r.headers["location"])
        assert "Semua 1 baris lolos pemeriksaan: 1 baru" in page.text
        done = await c.post(f"{r.headers['location']}/simpan", data={"csrf": token})
        assert done.status_code == 303
    async with bot_uji(engine, jam=Jam(datetime(2027, 7, 15, 2, 0, tzinfo=UTC))) as b:
        out = await b.kirim(await demo_tg(engine, "petugas"), "/tiba")
    assert "Pilih TPS Anda" in out[-1].content


def test_cli_prints_the_template_checks_then_commits(database_url: str, monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    assert main(["impor", "tahapan_pemutakhiran"]) == 0
    assert capsys.readouterr().out.startswith("tahun,no,nama,mulai,selesai,pelaksana\r\n2025,1,")
    berkas = tmp_path / "tahapan.csv"
    berkas.write_text(TAHAP + "2025,1,Rekap Januari,25 Januari 2025,7 Februari 2025,KPU Kab/Kota\n"
                      "2025,2,Rekap Februari,7 Maret 2025,1 Maret 2025,KPU Kab/Kota\n", encoding="utf-8")
    assert main(["impor", "tahapan_pemutakhiran", str(berkas), "--simpan"]) == 2
    err = capsys.readouterr().err
    assert "Tidak ada yang disimpan: 1 baris bergalat." in err and "baris 3: tanggal mulai sesudah" in err
    berkas.write_text(TAHAP + "2025,1,Rekap Januari,25 Januari 2025,7 Februari 2025,KPU Kab/Kota\n", encoding="utf-8")
    assert main(["impor", "tahapan_pemutakhiran", str(berkas), "--as", "operator"]) == 2
    assert "bukan admin aktif" in capsys.readouterr().err
    assert main(["impor", "tahapan_pemutakhiran", str(berkas)]) == 0
    out = capsys.readouterr().out
    assert "1 baru" in out and "--simpan" in out
    assert main(["impor", "tahapan_pemutakhiran", str(berkas), "--simpan"]) == 0
    assert "Tersimpan." in capsys.readouterr().out
    assert main(["impor", "tahapan_pemutakhiran", str(berkas), "--simpan"]) == 0
    assert "1 diubah" in capsys.readouterr().out
