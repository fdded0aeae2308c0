"""Imports: reading CSV/XLSX, the dry run's row-level errors in Indonesian, the all-or-nothing audited commit."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.entitas import Pengguna
from reports.tabel import write_csv
from storage import audit, impor, users
from storage import tables as t
from tests.admin.bantuan import buat_web, klien, masuk

NOW = datetime(2024, 11, 24, 8, 0, tzinfo=UTC)
TPS_HEAD = "kode,nama,kabkota,kecamatan,desa,dpt,sulit\n"


def _csv(text: str) -> impor.Tabel:
    return impor.read_file("data.csv", text.encode())


async def _admin(engine: AsyncEngine) -> Pengguna:
    async with engine.connect() as conn:
        u = await users.by_demo_key(conn, "admin")
    assert u is not None
    return u


async def _count(engine: AsyncEngine, table: sa.Table) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(sa.select(sa.func.count()).select_from(table))).scalar_one())


async def _dry(engine: AsyncEngine, dataset: str, text: str) -> impor.Pratinjau:
    async with engine.connect() as conn:
        return await impor.dry_run(conn, dataset, _csv(text))


async def _commit(engine: AsyncEngine, dataset: str, text: str) -> impor.Pratinjau:
    admin = await _admin(engine)
    async with engine.begin() as conn:
        return await impor.commit(conn, dataset, _csv(text), actor=admin, berkas="data.csv", now=NOW)


async def test_tps_with_one_bad_row_is_refused_whole_then_the_fixed_file_commits(engine: AsyncEngine) -> None:
    before = await _count(engine, t.tps)
    bad = (TPS_HEAD + "17.71.01.2001-901,TPS 901,KAB-1771,,,412,tidak\n"
           "17.71.01.2001-001,TPS 001,KAB-1771,,,300,\n"
           "17.71.99.2001-001,TPS 001,KAB-1771,Kecamatan Baru,Desa Baru,1.234,ya\n")
    p = await _dry(engine, "tps", bad)
    assert not p.ok
    assert p.pesan() == ["baris 3: kode TPS 17.71.01.2001-001 sudah ada",
                         "baris 4: DPT: Jumlah 1.234 melebihi batas maksimum 1.000."]
    with pytest.raises(impor.ImporGagal):
        await _commit(engine, "tps", bad)
    assert await _count(engine, t.tps) == before  # all or nothing
    good = (TPS_HEAD + "17.71.01.2001-901,TPS 901,KAB-1771,,,412,tidak\n"
            "17.71.99.2001-001,TPS 001,KAB-1771,Kecamatan Baru,Desa Baru,234,ya\n"
            "17.71.99.2001-002,TPS 002,KAB-1771,,,300,\n")
    p = await _commit(engine, "tps", good)
    assert p.ok and p.hitung("baru") == 3
    assert await _count(engine, t.tps) == before + 3
    async with engine.connect() as conn:
        rec = (await audit.recent(conn, entity="tps", limit=1))[0]
        kec = (await conn.execute(sa.select(t.wilayah.c.nama).where(t.wilayah.c.kode == "17.71.99"))).scalar_one()
        sulit = (await conn.execute(sa.select(t.tps.c.sulit, t.tps.c.generated)
                                    .where(t.tps.c.kode == "17.71.99.2001-001"))).one()
    assert rec.action == "impor" and rec.new["baru"] == 3 and "17.71.99.2001-002" in rec.new["kunci"]
    assert kec == "Kecamatan Baru" and tuple(sulit) == (True, False)


@pytest.mark.parametrize(("row", "pesan"), [
    ("17.71.01.2001,TPS,KAB-1771,,,300,", "kode TPS '17.71.01.2001' tidak sah"),
    ("17.01.01.2001-950,TPS,KAB-1771,,,300,", "bukan wilayah KAB-1771 (kodenya berawal 17.71)"),
    ("17.71.01.2001-950,TPS,KAB-9999,,,300,", "kab/kota 'KAB-9999' tidak dikenal"),
    ("17.71.01.2001-950,TPS,KUL,,,300,", "kab/kota 'KUL' tidak dikenal"),
    ("17.71.01.2001-950,TPS,KAB-1771,,,tiga ratus,", "DPT:"),
    ("17.71.01.2001-950,TPS,KAB-1771,,,-5,", "tidak boleh negatif"),
    ("17.71.01.2001-950,TPS,KAB-1771,,,300,mungkin", "sulit: isi 'ya' atau 'tidak'"),
    ("17.71.55.2001-950,TPS,KAB-1771,,,300,", "kecamatan 17.71.55 belum ada: isi kolom kecamatan"),
    ("17.71.01.2001-950,,KAB-1771,,,300,", "kolom nama belum diisi"),
    ("17.71.01.2001-950,TPS,KAB-1771,,,١٢٣,", "DPT:"),
])
async def test_tps_row_errors_are_indonesian_and_name_the_row(engine: AsyncEngine, row: str, pesan: str) -> None:
    p = await _dry(engine, "tps", TPS_HEAD + row + "\n")
    assert not p.ok and p.pesan()[0].startswith("baris 2: ") and pesan in p.pesan()[0], p.pesan()


async def test_duplicates_inside_the_file_name_the_first_row(engine: AsyncEngine) -> None:
    p = await _dry(engine, "tps", TPS_HEAD + "17.71.01.2001-950,A,KAB-1771,,,300,\n" * 2)
    assert p.pesan() == ["baris 3: kode TPS 17.71.01.2001-950 muncul lagi (sudah ada di baris 2)"]


@pytest.mark.parametrize(("nama", "isi", "pesan"), [
    ("data.txt", b"kode\n", "Jenis berkas tidak didukung"),
    ("data.xls", b"\xd0\xcf\x11\xe0", "Jenis berkas tidak didukung"),
    ("data.csv", b"", "Berkas kosong"),
    ("data.csv", b"PK\x03\x04rest", "bukan CSV"),
    ("data.xlsx", b"kode,nama\n", "bukan XLSX"),
    ("data.xlsx", b"PK\x03\x04broken", "rusak"),
])
def test_wrong_files_are_refused(nama: str, isi: bytes, pesan: str) -> None:
    with pytest.raises(impor.ImporError, match=pesan):
        impor.read_file(nama, isi)


def test_size_limit_has_a_clear_message() -> None:
    with pytest.raises(impor.ImporError, match=r"terlalu besar \(2 MB\); batasnya 1 MB"):
        impor.read_file("data.csv", b"a" * (2 * 1024 * 1024), maks_byte=1024 * 1024)


def test_csv_with_semicolons_bom_and_excel_quotes_is_read() -> None:
    tabel = impor.read_file("d.csv", "\ufeffKode;Nama TPS;DPT\n'=1;\"TPS; 1\";1,5\n".encode())
    assert tabel.kolom == ["kode", "nama_tps", "dpt"] and tabel.baris == [(2, ["=1", "TPS; 1", "1,5"])]


def test_a_neutralised_export_reads_back_as_it_was() -> None:
    """Export neutralises after NFKC; the import undoes it by the same rule, fullwidth and small forms too."""
    nilai = ["\uff1d1+1", "=SUM(A1)", "+62 811", "-5", "@x", "\ufe661", "\uff0bA", "'biasa", "biasa"]
    buf = io.StringIO()
    write_csv(["kode"], [[v] for v in nilai], buf)
    assert buf.getvalue().count("'") == 8  # seven neutralised, and the one already there
    hasil = impor.read_file("d.csv", buf.getvalue().encode())
    assert [b[0] for _, b in hasil.baris] == nilai


def test_xlsx_cells_become_indonesian_text() -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["kode", "angka", "pecahan", "tanggal", "kosong"])
    ws.append(["A", 412, 2.5, datetime(2025, 4, 10), None])
    buf = io.BytesIO()
    wb.save(buf)
    tabel = impor.read_file("d.xlsx", buf.getvalue())
    assert tabel.kolom == ["kode", "angka", "pecahan", "tanggal", "kosong"]
    assert tabel.baris == [(2, ["A", "412", "2,5", "2025-04-10"])]


async def test_missing_columns_and_no_rows(engine: AsyncEngine) -> None:
    p = await _dry(engine, "tps", "kode,nama\n17.71.01.2001-950,A\n")
    assert not p.ok and "kolom wajib tidak ada: kabkota, dpt" in p.pesan()[0]
    p = await _dry(engine, "tps", TPS_HEAD)
    assert p.pesan() == ["berkas tidak berisi baris data (hanya judul kolom)"]


async def test_users_import(engine: AsyncEngine) -> None:
    head = "nama,peran,telegram_id,unit,tps,kepala\n"
    bad = (head + "Ani,operator,5550101,KUL-UML,,\n"
           "Budi,petugas,5550102,KAB-1771,17.71.01.2001-001;17.99.99.9999-999,\n"
           "Citra,raja,910001,,,\n"
           "Dedi,operator,12ab,,,\n"
           "Eka,pimpinan,5550101,,,\n")
    p = await _dry(engine, "pengguna", bad)
    assert p.pesan() == [
        "baris 3: kode TPS 17.99.99.9999-999 tidak dikenal",
        "baris 4: peran 'raja' tidak dikenal; pilih admin, pimpinan, operator, petugas",
        "baris 4: ID Telegram 910001 sudah terdaftar",
        "baris 5: ID Telegram '12ab' tidak sah; isi angka, mis. 123456789",
        "baris 6: ID Telegram 5550101 muncul lagi (sudah ada di baris 2)",
    ]
    p = await _commit(engine, "pengguna", head + "Ani,operator,5550101,KUL-UML,,\n"
                      "Budi,petugas,5550102,KAB-1771,17.71.01.2001-001 17.71.01.2001-002,ya\n")
    async with engine.connect() as conn:
        budi = await users.by_telegram_id(conn, 5550102)
    assert budi is not None and budi.role == "petugas" and len(budi.tps_ids) == 2 and budi.is_head


async def test_indicators_and_targets(engine: AsyncEngine) -> None:
    head = "kode,nama,jenis,polaritas,satuan,unit,induk,tingkat,sasaran_no,sasaran,frekuensi,tahun,target\n"
    p = await _dry(engine, "indikator", head + "IK1,Sudah ada,persen,,,PROV,,renstra,,,,,\n"
                   "X1,Baru,predikat,,,PROV,,pk,,,,2025,Z\n"
                   "X2,Baru,persen,miring,,NOPE,IK99,kegiatan,,,,2025,101 persen\n")
    assert p.pesan()[0] == "baris 2: kode indikator IK1 sudah ada"
    assert "baris 3: target: Nilai 'Z' tidak sesuai: indikator predikat diisi salah satu predikat" in p.pesan()[1]
    assert "baris 4: polaritas 'miring' tidak dikenal; isi naik atau turun" in p.pesan()
    assert "baris 4: unit 'NOPE' tidak dikenal" in p.pesan()
    assert "baris 4: indikator induk IK99 tidak dikenal" in p.pesan()
    await _commit(engine, "indikator", head + "X1,Indeks baru,indeks,turun,,PDI,,kegiatan,2,,tahun,2025,\"79,5\"\n"
                  "X2,Anak,persen,,,PDI-REN,X1,kegiatan,,,,2025,95 %\n")
    async with engine.connect() as conn:
        rows = (await conn.execute(sa.select(t.indicators.c.kode, t.indicators.c.polaritas, t.indicator_targets.c.nilai)
                                   .join(t.indicator_targets).where(t.indicators.c.kode.in_(["X1", "X2"]))
                                   .order_by(t.indicators.c.kode))).all()
    assert [tuple(r) for r in rows] == [("X1", "turun", "79.5"), ("X2", "naik", "95")]
    # targets: a new one and a change (old → new in the audit)
    p = await _commit(engine, "target", "indikator,tahun,periode,sumber,nilai\nX1,2025,,pk,80\nIK1,2024,,pk,95\n"
                      "IK1,2025,2025-Q1,pk,90\n")
    assert [b.aksi for b in p.baris] == ["ubah", "ubah", "baru"]
    async with engine.connect() as conn:
        rec = (await audit.recent(conn, entity="target", limit=1))[0]
    assert "IK1:2024:pk 100 → 95" in rec.new["kunci"]
    p = await _dry(engine, "target", "indikator,tahun,periode,sumber,nilai\nIK1,2025,2024-Q1,pk,90\nIK3a,2025,,x,B\n")
    assert p.pesan() == ["baris 2: periode 2024-Q1 bukan tahun 2025",
                         "baris 3: sumber 'x' tidak dikenal; isi pk atau renstra"]


async def test_pk_import_makes_a_new_version(engine: AsyncEngine) -> None:
    head = "unit,tahun,jenis,tanggal,indikator,target\n"
    async with engine.connect() as conn:
        before = (await conn.execute(sa.select(sa.func.max(t.pk_documents.c.versi)).join(t.units).where(
            t.units.c.code == "KUL", t.pk_documents.c.tahun == 2024))).scalar_one()
    p = await _dry(engine, "pk", head + "KUL,2024,perubahan,31 Februari 2024,KUL-1,100\n")
    assert p.pesan()[0].startswith("baris 2: tanggal: ")
    await _commit(engine, "pk", head + "KUL,2024,perubahan,2 Desember 2024,KUL-1,95\n"
                  "KUL,2024,perubahan,2 Desember 2024,KUL-2,100\n")
    async with engine.connect() as conn:
        versi = (await conn.execute(sa.select(sa.func.max(t.pk_documents.c.versi)).join(t.units).where(
            t.units.c.code == "KUL", t.pk_documents.c.tahun == 2024))).scalar_one()
        items = (await conn.execute(
            sa.select(t.pk_items.c.target)
            .select_from(t.pk_items.join(t.pk_documents, t.pk_documents.c.id == t.pk_items.c.pk_id)
                         .join(t.units, t.units.c.id == t.pk_documents.c.unit_id))
            .where(t.units.c.code == "KUL", t.pk_documents.c.versi == versi).order_by(t.pk_items.c.urutan)
        )).scalars().all()
    assert versi == before + 1 and items == ["95", "100"]  # earlier versions stay


async def test_rencana_aksi_deadlines_and_norms(engine: AsyncEngine) -> None:
    p = await _dry(engine, "rencana_aksi", "tahun,kode,uraian,pagu,volume,satuan,unit,bulan_mulai,bulan_selesai\n"
                   "2024,6709.QGE.001,Ada,1,1,x,PDI,1,2\n2025,A.1,B,1,5 juta,x,PDI,Maret,Jan\n")
    assert p.pesan()[0] == "baris 2: kegiatan 6709.QGE.001 tahun 2024 sudah ada"
    assert "baris 3: volume:" in p.pesan()[1] and p.pesan()[2] == "baris 3: bulan mulai sesudah bulan selesai"
    await _commit(engine, "rencana_aksi", "tahun,kode,uraian,pagu,volume,satuan,unit,bulan_mulai,bulan_selesai\n"
                  "2025,A.1,Kegiatan,\"Rp1.500.000\",2,Dokumen,PDI-REN,Januari,3\n")
    await _commit(engine, "tenggat", "jenis,ref,judul,tanggal,jam,unit,peran\n"
                  "manual,rapat:1,Rapat,10 April 2025,09.00,PDI-REN,operator\n")
    async with engine.connect() as conn:
        batas = (await conn.execute(sa.select(t.deadlines.c.batas).where(t.deadlines.c.ref == "rapat:1"))).scalar_one()
    assert batas == datetime(2025, 4, 10, 2, 0, tzinfo=UTC)  # 09.00 WIB
    p = await _dry(engine, "tenggat", "jenis,ref,judul,tanggal,jam,unit,peran\nmanual,rapat:1,R,10/04/2025,,PDI-REN,"
                   "operator\nlain,x,R,10/04/2025,25.00,,operator\n")
    assert p.pesan()[0] == "baris 2: tenggat manual rapat:1 untuk unit ini sudah ada"
    assert "baris 3: jenis tenggat 'lain' tidak dikenal" in p.pesan()[1] and "baris 3: jam: Jam 25" in p.pesan()[2]
    p = await _commit(engine, "norma_logistik", "kode,nama,satuan,per_tps,cadangan_persen,aturan\n"
                      "KOTAK,Kotak suara,buah,3,,\nHOLO,Stiker hologram,lembar,,\"2,5\",\n")
    assert [b.aksi for b in p.baris] == ["ubah", "baru"]
    p = await _dry(engine, "norma_logistik", "kode,nama,satuan,per_tps,cadangan_persen\nA,a,b,1,2\nB,b,c,,\n")
    assert p.pesan() == ["baris 2: isi salah satu saja: per_tps atau cadangan_persen",
                         "baris 3: isi per_tps (jumlah tetap per TPS) atau cadangan_persen (surat suara: DPT + "
                         "cadangan)"]


async def test_web_import_flow_with_templates(engine: AsyncEngine) -> None:
    w = buat_web(engine, maks_unggah=64 * 1024)
    async with klien(w) as c:
        token = await masuk(c, w, "admin")
        tpl = await c.get("/impor/templat/tps.csv")
        assert tpl.status_code == 200 and tpl.content.startswith(b"\xef\xbb\xbfkode,nama,kabkota")
        x = await c.get("/impor/templat/pk.xlsx")
        ws = load_workbook(io.BytesIO(x.content)).worksheets
        assert [c.value for c in ws[0][1]] == ["unit", "tahun", "jenis", "tanggal", "indikator", "target"]
        assert ws[1].title == "petunjuk"
        bad = TPS_HEAD + "17.71.01.2001-901,TPS 901,KAB-1771,,,412,\n17.71.01.2001-001,TPS 001,KAB-1771,,,300,\n"
        r = await c.post("/impor", data={"csrf": token, "dataset": "tps"},
                         files={"berkas": ("tps.csv", bad.encode(), "text/csv")})
        assert r.status_code == 303
        page = await c.get(r.headers["location"])
        assert "baris 3: kode TPS 17.71.01.2001-001 sudah ada" in page.text and "/simpan" not in page.text
        uid = r.headers["location"].rsplit("/", 1)[1]
        refused = await c.post(f"/impor/{uid}/simpan", data={"csrf": token})
        assert refused.status_code == 400 and "Tidak ada yang disimpan" in refused.text
        good = TPS_HEAD + "17.71.01.2001-901,TPS 901,KAB-1771,,,412,\n"
        r = await c.post("/impor", data={"csrf": token, "dataset": "tps"},
                         files={"berkas": ("tps.csv", good.encode(), "text/csv")})
        page = await c.get(r.headers["location"])
        assert "Semua 1 baris lolos pemeriksaan: 1 baru" in page.text
        uid = r.headers["location"].rsplit("/", 1)[1]
        done = await c.post(f"/impor/{uid}/simpan", data={"csrf": token})
        assert done.status_code == 303
        assert "Sudah disimpan" in (await c.get(done.headers["location"])).text
        twice = await c.post(f"/impor/{uid}/simpan", data={"csrf": token})
        assert twice.status_code == 409 and "sudah disimpan sebelumnya" in twice.text
        # wrong type, too big, no file
        r = await c.post("/impor", data={"csrf": token, "dataset": "tps"},
                         files={"berkas": ("tps.pdf", b"%PDF", "application/pdf")})
        assert r.status_code == 400 and "Jenis berkas tidak didukung" in r.text
        r = await c.post("/impor", data={"csrf": token, "dataset": "tps"},
                         files={"berkas": ("tps.csv", b"a" * (65 * 1024), "text/csv")})
        assert r.status_code == 400 and "Berkas terlalu besar; batasnya 64 KB" in r.text
        r = await c.post("/impor", data={"csrf": token, "dataset": "tps"},
                         files={"berkas": ("tps.csv", b"a" * (200 * 1024), "text/csv")})
        assert r.status_code == 413
        r = await c.post("/impor", data={"csrf": token, "dataset": "tps"})
        assert r.status_code == 400 and "Pilih berkas" in r.text
        r = await c.post("/impor", data={"csrf": token, "dataset": "rahasia"},
                         files={"berkas": ("tps.csv", good.encode(), "text/csv")})
        assert r.status_code == 400
    async with engine.connect() as conn:
        assert (await conn.execute(sa.select(sa.func.count()).select_from(t.tps)
                                   .where(t.tps.c.kode == "17.71.01.2001-901"))).scalar_one() == 1


async def test_only_the_uploader_commits(engine: AsyncEngine) -> None:
    w = buat_web(engine)
    async with engine.begin() as conn:
        other = (await conn.execute(t.users.insert().values(telegram_id=5550999, name="Admin Lain", role="admin",
                                                            status="aktif", created_at=NOW))).inserted_primary_key[0]
        isi = (TPS_HEAD + "17.71.01.2001-901,T,KAB-1771,,,1,\n").encode()
        uid = await impor.keep_upload(conn, user_id=other, dataset="tps", berkas="a.csv", isi=isi,
                                      tabel=impor.read_file("a.csv", isi), baris=1, galat=0, now=NOW)
    async with klien(w) as c:
        token = await masuk(c, w, "admin")
        r = await c.post(f"/impor/{uid}/simpan", data={"csrf": token})
        assert r.status_code == 403 and "milik admin lain" in r.text
