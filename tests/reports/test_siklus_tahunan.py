"""The yearly cycle on 5 January 2027: open 2027 from 2026, import its budget (and a DIPA revision), targets, PK
and rencana aksi from files, report and verify January's late 2026 report, close 2026, and see 2026's final
report unchanged by a later attempt to report into it."""

from __future__ import annotations

from datetime import UTC, date, datetime

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

HARI = date(2027, 1, 5)
DEMO_HARI = date(2024, 11, 24)
NOW = datetime(2027, 1, 5, 2, 0, tzinfo=UTC)
TUTUP = datetime(2027, 2, 26, 2, 0, tzinfo=UTC)  # after the LKjIP 2026 was published

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
RENCANA = """tahun,kode,uraian,pagu,volume,satuan,unit,bulan_mulai,bulan_selesai
2027,6871.QGE.001,Pengelolaan barang milik negara,1.500.000.000,1,Laporan,KUL-UML,Januari,Desember
"""


async def _user(conn: AsyncConnection, key: str) -> Pengguna:
    u = await users.by_demo_key(conn, key)
    assert u is not None
    return u


async def _impor(engine: AsyncEngine, dataset: str, isi: str, admin: Pengguna) -> impor.Pratinjau:
    tabel = impor.read_file(f"{dataset}.csv", isi.encode())
    async with engine.begin() as conn:
        return await impor.commit(conn, dataset, tabel, actor=admin, berkas=f"{dataset}.csv", now=NOW)


async def _ind(conn: AsyncConnection, kode: str) -> int:
    return (await conn.execute(sa.select(t.indicators.c.id).where(t.indicators.c.kode == kode))).scalar_one()


async def test_the_yearly_cycle_on_5_january_2027(empty_engine: AsyncEngine) -> None:
    eng = empty_engine
    await demo.load(eng, today=DEMO_HARI)  # the published 2024 only: this test runs the years after it itself
    async with eng.begin() as conn:
        admin = await _user(conn, "admin")
        # The demo has no 2026 yet: open it from the published 2024, as a year run the year before would be.
        h26 = await laporan_tahun.buka(conn, 2026, dari=2024, actor="Admin", actor_id=admin.id,
                                       now=datetime(2026, 1, 2, tzinfo=UTC))
        assert not h26.sudah_ada and "KUL-UML" in h26.pk
        # 5 January 2027: open 2027 from 2026. Twice: the second run says so and changes nothing.
        h = await laporan_tahun.buka(conn, 2027, dari=None, actor="Admin", actor_id=admin.id, now=NOW)
        assert (h.dari, h.sudah_ada, h.target_renstra) == (2026, False, 0) and h.target_tahun_lalu > 0
        jumlah = (await conn.execute(sa.select(sa.func.count()).select_from(t.pk_items))).scalar_one()
        assert (await laporan_tahun.buka(conn, 2027, dari=2026, actor="Admin", actor_id=None, now=NOW)).sudah_ada
        assert (await conn.execute(sa.select(sa.func.count()).select_from(t.pk_items))).scalar_one() == jumlah
        awal = {b.kode: b for b in (await laporan_tahun.status(conn, 2027)).baris}
    assert not awal["pk"].ok and "0 dari" in awal["pk"].jumlah and "perlu dikonfirmasi" not in awal["pk"].jumlah
    assert "KUL-UML: 0 dari 3 target dikonfirmasi (draf dari tahun lalu)" in awal["pk"].rincian
    assert (awal["anggaran"].ok, awal["rencana_aksi"].ok) == (False, False)
    assert awal["anggaran"].langkah and "Mata anggaran" in awal["anggaran"].langkah

    # Budget lines, targets, the signed PK and the rencana aksi, from files.
    p = await _impor(eng, "anggaran", ANGGARAN, admin)
    assert (p.hitung("baru"), p.hitung("ubah")) == (4, 0)
    for dataset, isi in (("target", TARGET), ("pk", PK), ("rencana_aksi", RENCANA)):
        assert (await _impor(eng, dataset, isi, admin)).ok
    async with eng.connect() as conn:
        ag = await laporan_anggaran.build(conn, 2027)
        siap = {b.kode: b for b in (await laporan_tahun.status(conn, 2027)).baris}
        pk = await kinerja.latest_pk(conn, (await _user(conn, "operator-uml")).unit_id or 0, 2027)
    assert (ag.pagu, [o.kode for o in ag.output]) == (14_000_000_000, ["6871.QGE.001"])
    assert siap["anggaran"].ok and "4 mata anggaran; DIPA awal 4 Januari 2027" in siap["anggaran"].jumlah
    assert siap["rencana_aksi"].ok and siap["periode"].ok
    assert "KUL-UML: 3 dari 3 target dikonfirmasi" in siap["pk"].rincian
    assert pk is not None and [x[1] for x in pk] == ["100", "95", "100"]

    # A DIPA revision is a new version with its date; reports use the newest; an old number is refused per row.
    p = await _impor(eng, "anggaran", REVISI, admin)
    assert p.hitung("ubah") == 2
    async with eng.connect() as conn:
        ag = await laporan_anggaran.build(conn, 2027)
        versi = (await conn.execute(sa.select(t.budget_line_pagu.c.pagu).join(
            t.budget_lines, t.budget_lines.c.id == t.budget_line_pagu.c.budget_line_id).where(
            t.budget_lines.c.kode == "6871.QGE.001").order_by(t.budget_line_pagu.c.id))).scalars().all()
        siap = {b.kode: b for b in (await laporan_tahun.status(conn, 2027)).baris}
        tabel = impor.read_file("r.csv", REVISI.encode())
        lagi = await impor.dry_run(conn, "anggaran", tabel)
    assert ag.pagu == 15_000_000_000 and versi == [1_500_000_000, 1_750_000_000]
    assert ag.revisi == "revisi DIPA ke-2, 15 Juli 2027"
    assert "revisi DIPA ke-2 15 Juli 2027" in siap["anggaran"].jumlah
    assert lagi.pesan()[0] == ("baris 2: revisi ke-2 tahun 2027 tidak lebih baru dari revisi ke-2 yang sudah "
                               "diimpor; beri nomor revisi berikutnya")

    # January's late report for 2026 (its Q4), verified by the Kepala Bagian; then 2026 is closed.
    async with eng.begin() as conn:
        op, kabag = await _user(conn, "operator-uml"), await _user(conn, "kabag-kul")
        uml1 = await _ind(conn, "KUL-UML-1")
        r = await kinerja.submit(conn, author=op, indicator_id=uml1, tahun=2026, periode="2026-Q4", nilai="97",
                                 bukti=[], hambatan=None, upaya=None, alasan_koreksi=None, today=HARI, now=NOW)
        await kinerja.decide(conn, r.id, approve=True, note=None, verifier=kabag, now=NOW)
        r27 = await kinerja.submit(conn, author=op, indicator_id=uml1, tahun=2027, periode="2027-Q1", nilai="20",
                                   bukti=[], hambatan=None, upaya=None, alasan_koreksi=None, today=HARI, now=NOW)
        await kinerja.decide(conn, r27.id, approve=True, note=None, verifier=kabag, now=NOW)
        final = await laporan_tahun.tutup(conn, 2026, today=TUTUP.date(), actor="Admin", actor_id=admin.id,
                                          now=TUTUP)
        with pytest.raises(Exception, match="sudah ditutup"):
            await laporan_tahun.tutup(conn, 2026, today=TUTUP.date(), actor="Admin", actor_id=None, now=TUTUP)
    assert [(x["periode"], x["nilai"]) for x in final["realisasi"]] == [("2026-Q4", "97")]
    async with eng.connect() as conn:
        laporan_2026 = (await capaian.build(conn, 2026, "KUL-UML", today=TUTUP.date())).model_dump(mode="json")
    row = next(x for x in laporan_2026["indikator"] if x["kode"] == "KUL-UML-1")
    assert (row["realisasi"], row["capaian_persen"]) == ("97", 97.0)

    # A later attempt to report into 2026 is refused with the reason; 2026's final report does not move.
    async with eng.begin() as conn:
        with pytest.raises(tahun_anggaran.TahunDitutup, match="Tahun anggaran 2026 sudah ditutup") as e:
            await kinerja.submit(conn, author=op, indicator_id=uml1, tahun=2026, periode="2026-Q4", nilai="40",
                                 bukti=[], hambatan=None, upaya=None, alasan_koreksi="salah ketik", today=HARI,
                                 now=TUTUP)
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
        assert (await capaian.build(conn, 2026, "KUL-UML", today=HARI)).model_dump(mode="json") == laporan_2026
        assert (await tahun_anggaran.get(conn, 2027)).status == "dibuka"  # type: ignore[union-attr]
