"""The yearly cycle, walked with the clock on 5 January 2027 and on 15 July 2027 (a year opened late) on an
installation that ran 2026 (the demo loaded on 7 December 2026): open 2027 from 2026, import its budget (and a DIPA
revision), targets, PK, rencana aksi and a stage schedule from files, report and verify a realisation (January's
late 2026 report; a mid-year one), close 2026, and see 2026's final report unchanged by a later attempt to report
into it. The steps are shared; each test says what its date changes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain.entitas import Pengguna
from reports import anggaran as laporan_anggaran
from reports import capaian
from reports import tahun as laporan_tahun
from storage import demo, impor, kinerja, users
from storage import tables as t
from storage import tahun as tahun_anggaran

DEMO = date(2026, 12, 7)  # the installation was set up while 2026 ran
HARI = date(2027, 1, 5)
NOW = datetime(2027, 1, 5, 2, 0, tzinfo=UTC)
TUTUP = datetime(2027, 2, 26, 2, 0, tzinfo=UTC)  # after the LKjIP 2026 was published
JULI = date(2027, 7, 15)
JULI_NOW = datetime(2027, 7, 15, 2, 0, tzinfo=UTC)

ANGGARAN = """tahun;dokumen;revisi;tanggal;program;kegiatan;output;uraian;pagu;unit
2027;DIPA;0;4 Januari 2027;WA;;;Program Dukungan Manajemen;10.000.000.000;
2027;DIPA;0;4 Januari 2027;WA;6871;;Dukungan umum dan logistik;2.000.000.000;
2027;DIPA;0;4 Januari 2027;WA;6871;6871.QGE.001;Pengelolaan barang milik negara;1,5 miliar;KUL-UML
2027;DIPA;0;4 Januari 2027;CQ;;;Program Penyelenggaraan Pemilu;4.000.000.000;
"""
REVISI = """tahun,dokumen,revisi,tanggal,program,kegiatan,output,uraian,pagu
2027,DIPA,2,15 Juli 2027,WA,,,Program Dukungan Manajemen,11.000.000.000
2027,DIPA,2,15 Juli 2027,WA,6871,6871.QGE.001,Pengelolaan barang milik negara,1.750.000.000
"""
PK = """unit,tahun,jenis,tanggal,indikator,target
KUL-UML,2027,awal,4 Januari 2027,KUL-UML-1,100
KUL-UML,2027,awal,4 Januari 2027,KUL-UML-2,95
KUL-UML,2027,awal,4 Januari 2027,KUL-UML-3,100
"""
TARGET = """indikator,tahun,sumber,nilai
IK1,2027,pk,100
IK6,2027,pk,100
"""
TAHAPAN = """tahun,no,nama,mulai,selesai,pelaksana
2027,1,Rekapitulasi Daftar Pemilih Berkelanjutan bulan Januari 2027,25 Januari 2027,7 Februari 2027,KPU Kab/Kota
2027,2,Rekapitulasi Daftar Pemilih Berkelanjutan triwulan II 2027,1 Juli 2027,14 Juli 2027,KPU Provinsi
"""
RENCANA = """tahun,kode,uraian,pagu,volume,satuan,unit,bulan_mulai,bulan_selesai
2027,6871.QGE.001,Pengelolaan barang milik negara,1.500.000.000,1,Laporan,KUL-UML,Januari,Desember
"""


async def _user(conn: AsyncConnection, key: str) -> Pengguna:
    u = await users.by_demo_key(conn, key)
    assert u is not None
    return u


async def _impor(engine: AsyncEngine, dataset: str, isi: str, admin: Pengguna,
                 now: datetime = NOW) -> impor.Pratinjau:
    tabel = impor.read_file(f"{dataset}.csv", isi.encode())
    async with engine.begin() as conn:
        return await impor.commit(conn, dataset, tabel, actor=admin, berkas=f"{dataset}.csv", now=now)


async def _ind(conn: AsyncConnection, kode: str) -> int:
    return (await conn.execute(sa.select(t.indicators.c.id).where(t.indicators.c.kode == kode))).scalar_one()


async def _buka_dan_isi(eng: AsyncEngine, now: datetime) -> Pengguna:
    """On ``now``: open 2027 from 2026 (twice: the second run changes nothing), read its checklist, import its
    budget, targets, signed PK, rencana aksi and stage schedule, then a DIPA revision. Returns the admin."""
    await demo.load(eng, today=DEMO)
    async with eng.begin() as conn:
        admin = await _user(conn, "admin")
        assert (await tahun_anggaran.get(conn, 2027)) is None  # nobody opened 2027 yet
        h = await laporan_tahun.buka(conn, 2027, dari=None, actor="Admin", actor_id=admin.id, now=now)
        assert (h.dari, h.sudah_ada, h.target_renstra) == (2026, False, 0) and h.target_tahun_lalu > 0
        assert "KUL-UML" in h.pk
        jumlah = (await conn.execute(sa.select(sa.func.count()).select_from(t.pk_items))).scalar_one()
        assert (await laporan_tahun.buka(conn, 2027, dari=2026, actor="Admin", actor_id=None, now=now)).sudah_ada
        assert (await conn.execute(sa.select(sa.func.count()).select_from(t.pk_items))).scalar_one() == jumlah
        awal = {b.kode: b for b in (await laporan_tahun.status(conn, 2027)).baris}
    assert not awal["pk"].ok and "0 dari" in awal["pk"].jumlah and "perlu dikonfirmasi" not in awal["pk"].jumlah
    assert "KUL-UML: 0 dari 3 target dikonfirmasi (draf dari tahun lalu)" in awal["pk"].rincian
    assert (awal["anggaran"].ok, awal["rencana_aksi"].ok, awal["tahapan"].ok) == (False, False, False)
    assert awal["anggaran"].langkah and "Mata anggaran" in awal["anggaran"].langkah

    # Budget lines, targets, the signed PK, the rencana aksi and the stage schedule, from files.
    p = await _impor(eng, "anggaran", ANGGARAN, admin, now)
    assert (p.hitung("baru"), p.hitung("ubah")) == (4, 0)
    for dataset, isi in (("target", TARGET), ("pk", PK), ("rencana_aksi", RENCANA),
                         ("tahapan_pemutakhiran", TAHAPAN)):
        assert (await _impor(eng, dataset, isi, admin, now)).ok, dataset
    async with eng.connect() as conn:
        ag = await laporan_anggaran.build(conn, 2027)
        siap = {b.kode: b for b in (await laporan_tahun.status(conn, 2027)).baris}
        pk = await kinerja.latest_pk(conn, (await _user(conn, "operator-uml")).unit_id or 0, 2027)
    assert (ag.pagu, [o.kode for o in ag.output]) == (14_000_000_000, ["6871.QGE.001"])
    assert siap["anggaran"].ok and "4 mata anggaran; DIPA awal 4 Januari 2027" in siap["anggaran"].jumlah
    assert siap["rencana_aksi"].ok and siap["periode"].ok and siap["tahapan"].ok
    assert "KUL-UML: 3 dari 3 target dikonfirmasi" in siap["pk"].rincian
    assert pk is not None and [x[1] for x in pk] == ["100", "95", "100"]

    # A DIPA revision is a new version with its date; reports use the newest; an old number is refused per row.
    p = await _impor(eng, "anggaran", REVISI, admin, now)
    assert p.hitung("ubah") == 2
    async with eng.connect() as conn:
        ag = await laporan_anggaran.build(conn, 2027)
        versi = (await conn.execute(sa.select(t.budget_line_pagu.c.pagu).join(
            t.budget_lines, t.budget_lines.c.id == t.budget_line_pagu.c.budget_line_id).where(
            t.budget_lines.c.kode == "6871.QGE.001", t.budget_lines.c.tahun == 2027)
            .order_by(t.budget_line_pagu.c.id))).scalars().all()
        siap = {b.kode: b for b in (await laporan_tahun.status(conn, 2027)).baris}
        tabel = impor.read_file("r.csv", REVISI.encode())
        lagi = await impor.dry_run(conn, "anggaran", tabel)
    assert ag.pagu == 15_000_000_000 and versi == [1_500_000_000, 1_750_000_000]
    assert ag.revisi == "revisi DIPA ke-2, 15 Juli 2027"
    assert "revisi DIPA ke-2 15 Juli 2027" in siap["anggaran"].jumlah
    assert lagi.pesan()[0] == ("baris 2: revisi ke-2 tahun 2027 tidak lebih baru dari revisi ke-2 yang sudah "
                               "diimpor; beri nomor revisi berikutnya")
    return admin


async def _lapor(eng: AsyncEngine, tahun: int, periode: str, nilai: str, hari: date, now: datetime) -> None:
    """KUL-UML-1's realisation of the period, reported by its operator and verified by the Kepala Bagian."""
    async with eng.begin() as conn:
        op, kabag = await _user(conn, "operator-uml"), await _user(conn, "kabag-kul")
        r = await kinerja.submit(conn, author=op, indicator_id=await _ind(conn, "KUL-UML-1"), tahun=tahun,
                                 periode=periode, nilai=nilai, bukti=[], hambatan=None, upaya=None,
                                 alasan_koreksi=None, today=hari, now=now)
        await kinerja.decide(conn, r.id, approve=True, note=None, verifier=kabag, now=now)


async def _realisasi(eng: AsyncEngine, tahun: int, hari: date) -> Any:
    """KUL-UML-1's row of the unit's capaian report of the year."""
    async with eng.connect() as conn:
        lap = (await capaian.build(conn, tahun, "KUL-UML", today=hari)).model_dump(mode="json")
    return next(x for x in lap["indikator"] if x["kode"] == "KUL-UML-1")


async def _tutup_2026(eng: AsyncEngine, admin: Pengguna, tutup: datetime) -> tuple[dict[str, Any], Any]:
    """Close 2026 (once: a second close is refused); its stored final values and its capaian report."""
    async with eng.begin() as conn:
        final = await laporan_tahun.tutup(conn, 2026, today=tutup.date(), actor="Admin", actor_id=admin.id,
                                          now=tutup)
        with pytest.raises(Exception, match="sudah ditutup"):
            await laporan_tahun.tutup(conn, 2026, today=tutup.date(), actor="Admin", actor_id=None, now=tutup)
    async with eng.connect() as conn:
        return final, (await capaian.build(conn, 2026, "KUL-UML", today=tutup.date())).model_dump(mode="json")


async def _2026_tetap(eng: AsyncEngine, laporan_2026: Any, hari: date, now: datetime) -> None:
    """A later attempt to report into 2026 is refused with the reason; 2026's final report does not move."""
    async with eng.begin() as conn:
        op = await _user(conn, "operator-uml")
        with pytest.raises(tahun_anggaran.TahunDitutup, match="Tahun anggaran 2026 sudah ditutup") as e:
            await kinerja.submit(conn, author=op, indicator_id=await _ind(conn, "KUL-UML-1"), tahun=2026,
                                 periode="2026-Q4", nilai="40", bukti=[], hambatan=None, upaya=None,
                                 alasan_koreksi="salah ketik", today=hari, now=now)
        assert "Hanya admin" in e.value.pesan
        tabel = impor.read_file("pk.csv", PK.replace("2027", "2026").encode())
        tolak = await impor.dry_run(conn, "pk", tabel)
        tabel = impor.read_file("i.csv", b"kode,nama,jenis,unit,tingkat,tahun,target\n"
                                                b"KUL-UML-9,BMN tercatat,persen,KUL-UML,kegiatan,2026,100\n")
        tolak_ind = await impor.dry_run(conn, "indikator", tabel)
    assert tolak.pesan()[0].startswith("baris 2: tahun anggaran 2026 sudah ditutup")
    assert tolak_ind.pesan() == ["baris 2: tahun anggaran 2026 sudah ditutup; angka akhirnya tidak diubah lagi "
                                 "(admin dapat membukanya kembali dengan alasan di halaman Tahun anggaran)"]
    async with eng.connect() as conn:
        assert (await capaian.build(conn, 2026, "KUL-UML", today=hari)).model_dump(mode="json") == laporan_2026
        assert (await tahun_anggaran.get(conn, 2027)).status == "dibuka"  # type: ignore[union-attr]


async def _final(eng: AsyncEngine, final: dict[str, Any], periode: str) -> list[str]:
    """The stored final values of KUL-UML-1's period (every indicator's are stored; this one is the test's)."""
    async with eng.connect() as conn:
        ind = await _ind(conn, "KUL-UML-1")
    return [x["nilai"] for x in final["realisasi"] if x["periode"] == periode and x["indicator_id"] == ind]


async def test_the_yearly_cycle_on_5_january_2027(empty_engine: AsyncEngine) -> None:
    eng = empty_engine
    admin = await _buka_dan_isi(eng, NOW)
    # January: 2026 is still open for its late reports (its Q4), and 2027's first report comes in too.
    await _lapor(eng, 2026, "2026-Q4", "97", HARI, NOW)
    await _lapor(eng, 2027, "2027-Q1", "20", HARI, NOW)
    final, laporan_2026 = await _tutup_2026(eng, admin, TUTUP)
    assert await _final(eng, final, "2026-Q4") == ["97"]
    row = next(x for x in laporan_2026["indikator"] if x["kode"] == "KUL-UML-1")
    assert (row["realisasi"], row["capaian_persen"]) == ("97", 97.0)
    await _2026_tetap(eng, laporan_2026, HARI, TUTUP)


async def test_the_yearly_cycle_in_mid_year(empty_engine: AsyncEngine) -> None:
    eng = empty_engine
    # 15 July 2027: 2027 was never opened (the imports come late) and 2026 is still open.
    admin = await _buka_dan_isi(eng, JULI_NOW)
    await _lapor(eng, 2027, "2027-Q2", "48", JULI, JULI_NOW)
    row = await _realisasi(eng, 2027, JULI)
    assert row["realisasi"] == "48"
    async with eng.connect() as conn:
        y26 = await tahun_anggaran.get(conn, 2026)
    assert y26 is None or y26.status != "ditutup"
    final, laporan_2026 = await _tutup_2026(eng, admin, JULI_NOW)
    assert final["realisasi"] and not await _final(eng, final, "2027-Q2")  # 2027's report is none of 2026's
    await _2026_tetap(eng, laporan_2026, JULI, JULI_NOW)
    assert (await _realisasi(eng, 2027, JULI))["realisasi"] == "48"  # 2027 runs on
