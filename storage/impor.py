"""Imports from CSV/XLSX: a dry run with row-level errors in Indonesian, then an all-or-nothing, audited commit.

Row numbers are the ones a spreadsheet shows: the header is row 1, the first data row is row 2.
Every check runs in batches (one query per 500 keys), so a file with tens of thousands of rows is checked in
seconds; the commit runs the same checks again inside its transaction and writes nothing when any row fails.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.angka import parse_count, parse_percent, parse_rupiah
from domain.capaian import JenisIndikator, parse_nilai
from domain.entitas import PERAN, Pengguna
from domain.errors import ParseError
from domain.periode import parse_periode
from domain.tanggal import parse_bulan, parse_date, parse_tahun, parse_time
from storage import audit, libur, logistik
from storage import tables as t
from storage.giliran import bergiliran
from storage.impor_berkas import MAKS_BARIS as MAKS_BARIS
from storage.impor_berkas import MAKS_BYTE as MAKS_BYTE
from storage.impor_berkas import ImporError as ImporError
from storage.impor_berkas import Tabel as Tabel
from storage.impor_berkas import read_file as read_file
from storage.impor_berkas import ukuran as ukuran

POTONG = 500  # keys per IN (...) query


@dataclass(frozen=True)
class Kolom:
    """A column of an import template."""

    nama: str
    wajib: bool
    keterangan: str


@dataclass(frozen=True)
class Dataset:
    """What an import takes: its columns and an example row for the template."""

    kode: str
    judul: str
    kolom: tuple[Kolom, ...]
    contoh: tuple[tuple[str, ...], ...]


def _k(nama: str, keterangan: str, wajib: bool = True) -> Kolom:
    return Kolom(nama, wajib, keterangan)


DATASETS: dict[str, Dataset] = {d.kode: d for d in (
    Dataset("tps", "Daftar TPS", (
        _k("kode", "kode TPS: kode desa + nomor, mis. 17.71.01.2001-001"),
        _k("nama", "nama TPS, mis. TPS 001"),
        _k("kabkota", "kode unit KPU kab/kota, mis. KAB-1771"),
        _k("kecamatan", "nama kecamatan (wajib bila kecamatannya belum ada)", False),
        _k("desa", "nama desa/kelurahan (wajib bila desanya belum ada)", False),
        _k("dpt", "jumlah pemilih (DPT)"),
        _k("sulit", "ya bila TPS sulit dijangkau; kosong atau tidak bila bukan", False),
    ), (("17.71.01.2001-901", "TPS 901", "KAB-1771", "", "", "412", "tidak"),)),
    Dataset("pengguna", "Pengguna", (
        _k("nama", "nama lengkap"),
        _k("peran", "admin, pimpinan, operator atau petugas"),
        _k("telegram_id", "ID Telegram (angka)"),
        _k("unit", "kode unit, mis. KUL-UML atau KAB-1771 (wajib untuk pimpinan dan operator)", False),
        _k("tps", "kode TPS untuk petugas, dipisah titik koma", False),
        _k("kepala", "ya bila kepala unit", False),
    ), (("Operator Contoh", "operator", "123456789", "KUL-UML", "", "tidak"),)),
    Dataset("indikator", "Indikator kinerja", (
        _k("kode", "kode indikator yang unik, mis. KUL-UML-9"),
        _k("nama", "nama indikator"),
        _k("jenis", "persen, angka, indeks, predikat atau opini"),
        _k("polaritas", "naik (lebih tinggi lebih baik, bawaan) atau turun", False),
        _k("satuan", "satuan, mis. dokumen", False),
        _k("unit", "kode unit pemilik, mis. KUL-UML"),
        _k("induk", "kode indikator induk (cascading), bila ada", False),
        _k("tingkat", "renstra, pk atau kegiatan"),
        _k("sasaran_no", "nomor sasaran", False),
        _k("sasaran", "uraian sasaran", False),
        _k("frekuensi", "bulan, triwulan (bawaan) atau tahun", False),
        _k("tahun", "tahun target (bila target diisi)", False),
        _k("target", "target tahunan sesuai jenisnya, mis. 100 atau B", False),
    ), (("KUL-UML-9", "Persentase barang milik negara yang tercatat", "persen", "naik", "", "KUL-UML", "",
         "kegiatan", "2", "Terwujudnya dukungan sarana dan prasarana", "triwulan", "2025", "100"),)),
    Dataset("target", "Target indikator", (
        _k("indikator", "kode indikator yang sudah ada"),
        _k("tahun", "tahun"),
        _k("periode", "periode: kosong = setahun, atau 2025-Q1, 2025-M03", False),
        _k("sumber", "pk (bawaan) atau renstra", False),
        _k("nilai", "target sesuai jenis indikatornya"),
    ), (("IK1", "2025", "", "pk", "100"),)),
    Dataset("pk", "Perjanjian kinerja (PK)", (
        _k("unit", "kode unit, mis. KUL"),
        _k("tahun", "tahun PK"),
        _k("jenis", "awal atau perubahan"),
        _k("tanggal", "tanggal penandatanganan, mis. 2 Januari 2025"),
        _k("indikator", "kode indikator yang sudah ada"),
        _k("target", "target sesuai jenis indikatornya"),
    ), (("KUL", "2025", "awal", "2 Januari 2025", "KUL-1", "100"),)),
    Dataset("rencana_aksi", "Rencana aksi", (
        _k("tahun", "tahun"),
        _k("kode", "kode kegiatan/output, mis. 6871.QGE.001"),
        _k("uraian", "uraian kegiatan"),
        _k("pagu", "pagu dalam Rupiah, mis. 1.500.000.000"),
        _k("volume", "volume (bilangan bulat)"),
        _k("satuan", "satuan volume, mis. Dokumen"),
        _k("unit", "kode unit penanggung jawab"),
        _k("bulan_mulai", "bulan mulai: 1-12 atau nama bulan"),
        _k("bulan_selesai", "bulan selesai: 1-12 atau nama bulan"),
    ), (("2025", "6871.QGE.001", "Penyusunan laporan kinerja", "150.000.000", "1", "Dokumen", "PDI-REN",
         "Januari", "Maret"),)),
    Dataset("tenggat", "Tenggat", (
        _k("jenis", "rencana_aksi, pelaporan, pemutakhiran, logistik atau manual"),
        _k("ref", "rujukan unik, mis. ind:IK1:2025-Q1"),
        _k("judul", "judul yang tampil di pengingat"),
        _k("tanggal", "tanggal batas, mis. 10 April 2025"),
        _k("jam", "jam batas (bawaan 23.59), waktu setempat", False),
        _k("unit", "kode unit yang bertanggung jawab", False),
        _k("peran", "peran penerima pengingat: admin, pimpinan, operator, petugas"),
    ), (("manual", "rapat:2025-04", "Rapat evaluasi triwulan I", "10 April 2025", "09.00", "PDI-REN",
         "operator"),)),
    Dataset("norma_logistik", "Norma logistik", (
        _k("kode", "kode jenis logistik, mis. KOTAK"),
        _k("nama", "nama jenis logistik"),
        _k("satuan", "satuan, mis. buah"),
        _k("per_tps", "jumlah tetap per TPS (kosong bila dihitung dari DPT)", False),
        _k("cadangan_persen", "untuk surat suara: cadangan dari DPT, mis. 2,5", False),
        _k("aturan", "keterangan aturan", False),
    ), (("KOTAK", "Kotak suara", "buah", "2", "", "1 Gubernur + 1 Bupati/Walikota per TPS"),)),
    Dataset("anggaran", "Mata anggaran (DIPA/POK)", (
        _k("tahun", "tahun anggaran"),
        _k("dokumen", "DIPA (bawaan) atau POK", False),
        _k("revisi", "0 untuk DIPA awal, 2 untuk revisi DIPA ke-2 (sama untuk semua baris berkas)", False),
        _k("tanggal", "tanggal DIPA atau revisinya, mis. 2 Januari 2025"),
        _k("program", "kode program, mis. WA atau CQ"),
        _k("kegiatan", "kode kegiatan, mis. 6871 (kosong pada baris program)", False),
        _k("output", "kode output, mis. 6871.QGE.001 (kosong pada baris program dan kegiatan)", False),
        _k("uraian", "nama program, kegiatan atau output"),
        _k("pagu", "pagu dalam Rupiah, mis. 1.500.000.000"),
        _k("unit", "kode unit yang melaporkan belanja output ini, mis. PDI-REN", False),
    ), (("2025", "DIPA", "0", "2 Januari 2025", "WA", "", "", "Program Dukungan Manajemen", "9.203.578.000", ""),
        ("2025", "DIPA", "0", "2 Januari 2025", "WA", "6871", "", "Perencanaan dan data", "1.250.000.000", ""),
        ("2025", "DIPA", "0", "2 Januari 2025", "WA", "6871", "6871.QGE.001", "Laporan kinerja", "150.000.000",
         "PDI-REN"))),
    Dataset("libur", "Hari libur", (
        _k("tanggal", "tanggal, mis. 19 Februari 2025"),
        _k("nama", "nama hari libur (wajib untuk tambah)", False),
        _k("jenis", "nasional, cuti_bersama atau daerah (bawaan daerah)", False),
        _k("aksi", "tambah (bawaan) atau hapus (hari itu menjadi hari kerja)", False),
    ), (("19 Februari 2025", "HUT Provinsi", "daerah", "tambah"),)),
)}


@dataclass
class BarisImpor:
    """One data row: its spreadsheet row number, the cells, what the commit would do, and its errors."""

    no: int
    data: dict[str, str]
    aksi: str = "baru"  # baru, ubah
    galat: list[str] = field(default_factory=list)
    nilai: dict[str, Any] = field(default_factory=dict)  # parsed values for the commit


@dataclass
class Pratinjau:
    """The result of a dry run (or a commit)."""

    dataset: str
    kolom: list[str]
    baris: list[BarisImpor]
    galat_berkas: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No error anywhere: the commit may go ahead."""
        return not self.galat_berkas and not any(b.galat for b in self.baris)

    @property
    def jumlah_galat(self) -> int:
        """Rows with at least one error."""
        return sum(1 for b in self.baris if b.galat)

    def pesan(self) -> list[str]:
        """Every error as a line: "baris 12: kode TPS … sudah ada"."""
        return [*self.galat_berkas, *(f"baris {b.no}: {g}" for b in self.baris for g in b.galat)]

    def hitung(self, aksi: str) -> int:
        """How many rows the commit would create (baru) or change (ubah)."""
        return sum(1 for b in self.baris if b.aksi == aksi and not b.galat)


class ImporGagal(Exception):
    """A commit refused because some row has an error; nothing was written."""

    def __init__(self, pratinjau: Pratinjau) -> None:
        super().__init__(f"{len(pratinjau.pesan())} galat")
        self.pratinjau = pratinjau


# --- checks -----------------------------------------------------------------------------------------


def _pk(res: sa.CursorResult[Any]) -> int:
    key = res.inserted_primary_key
    assert key is not None
    return int(key[0])


def _chunks(xs: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for i in range(0, len(xs), POTONG):
        yield xs[i:i + POTONG]


def _kunci(keys: Iterable[Any]) -> list[Any]:
    return sorted(set(keys) - {""})


async def _existing(conn: AsyncConnection, col: sa.Column[Any], keys: Iterable[Any]) -> set[Any]:
    ks = await asyncio.to_thread(_kunci, keys)  # 200.000 keys take a good part of a second to sort
    found: set[Any] = set()
    for part in _chunks(ks):
        found.update((await conn.execute(sa.select(col).where(col.in_(part)))).scalars().all())
    return found


async def _rows(conn: AsyncConnection, table: sa.Table, col: sa.Column[Any], keys: Iterable[Any]) -> list[Any]:
    out: list[Any] = []
    for part in _chunks(await asyncio.to_thread(_kunci, keys)):
        out += (await conn.execute(sa.select(table).where(col.in_(part)))).all()
    return out


async def _units(conn: AsyncConnection) -> dict[str, Any]:
    return {r.code.upper(): r for r in (await conn.execute(sa.select(t.units))).all()}


def _ya(s: str) -> bool:
    v = s.strip().lower()
    if v in ("", "tidak", "t", "n", "no", "0", "false", "bukan"):
        return False
    if v in ("ya", "y", "yes", "1", "true", "sulit"):
        return True
    raise ParseError(f"isi 'ya' atau 'tidak', bukan '{s}'")


def _dup(seen: dict[Any, int], key: Any, b: BarisImpor, label: str) -> bool:
    if key in seen:
        b.galat.append(f"{label} muncul lagi (sudah ada di baris {seen[key]})")
        return True
    seen[key] = b.no
    return False


def _parse(b: BarisImpor, kolom: str, fn: Callable[[str], Any], label: str | None = None) -> Any:
    try:
        return fn(b.data.get(kolom, ""))
    except ParseError as e:
        b.galat.append(f"{label or kolom}: {e.pesan}")
        return None


def _perlu(b: BarisImpor, *kolom: str) -> bool:
    kosong = [k for k in kolom if not b.data.get(k, "").strip()]
    for k in kosong:
        b.galat.append(f"kolom {k} belum diisi")
    return not kosong


_RE_TPS = re.compile(r"^(\d{2}\.\d{2})\.(\d{2})\.(\d{4})-(\d{3})$")


async def _cek_tps(conn: AsyncConnection, rows: list[BarisImpor], tz: ZoneInfo) -> None:
    units = await _units(conn)
    ada = await _existing(conn, t.tps.c.kode, (b.data.get("kode", "").strip() for b in rows))
    wil_kode = set()
    async for b in bergiliran(rows):
        m = _RE_TPS.match(b.data.get("kode", "").strip())
        if m:
            wil_kode |= {f"{m[1]}.{m[2]}", f"{m[1]}.{m[2]}.{m[3]}"}
    wil = {r.kode: r for r in await _rows(conn, t.wilayah, t.wilayah.c.kode, wil_kode)}
    seen: dict[str, int] = {}
    baru_wil: dict[str, str] = {}
    async for b in bergiliran(rows):
        if not _perlu(b, "kode", "nama", "kabkota", "dpt"):
            continue
        kode = b.data["kode"].strip()
        m = _RE_TPS.match(kode)
        if not m:
            b.galat.append(f"kode TPS '{kode}' tidak sah; tulis seperti 17.71.01.2001-001")
            continue
        if _dup(seen, kode, b, f"kode TPS {kode}"):
            continue
        if kode in ada:
            b.galat.append(f"kode TPS {kode} sudah ada")
        kab = units.get(b.data["kabkota"].strip().upper())
        if kab is None or kab.kind != "kabkota":
            b.galat.append(f"kab/kota '{b.data['kabkota'].strip()}' tidak dikenal; tulis kode unitnya, mis. KAB-1771")
        elif kab.kode_wilayah and m[1] != kab.kode_wilayah:
            b.galat.append(f"kode TPS {kode} bukan wilayah {kab.code} (kodenya berawal {kab.kode_wilayah})")
        kec, desa = f"{m[1]}.{m[2]}", f"{m[1]}.{m[2]}.{m[3]}"
        for kode_w, kolom, tingkat in ((kec, "kecamatan", "kecamatan"), (desa, "desa", "desa")):
            w = wil.get(kode_w)
            if w is not None:
                if kab is not None and w.kabkota_unit_id != kab.id:
                    b.galat.append(f"{tingkat} {kode_w} milik kab/kota lain")
            elif not b.data.get(kolom, "").strip() and kode_w not in baru_wil:
                b.galat.append(f"{tingkat} {kode_w} belum ada: isi kolom {kolom} dengan namanya")
            elif b.data.get(kolom, "").strip():
                baru_wil.setdefault(kode_w, b.data[kolom].strip()[:200])
        dpt = _parse(b, "dpt", lambda s: parse_count(s, maximum=1000), "DPT")
        sulit = _parse(b, "sulit", _ya)
        if not b.galat and kab is not None:
            b.nilai = {"kode": kode, "nama": b.data["nama"].strip()[:120], "kab_id": kab.id, "kec": kec,
                       "desa": desa, "kec_nama": baru_wil.get(kec), "desa_nama": baru_wil.get(desa), "dpt": dpt,
                       "sulit": sulit}


async def _tulis_tps(conn: AsyncConnection, rows: list[BarisImpor], tz: ZoneInfo) -> list[str]:
    have = await _existing(conn, t.wilayah.c.kode, (k for b in rows for k in (b.nilai["kec"], b.nilai["desa"])))
    kec = {b.nilai["kec"]: b for b in rows if b.nilai["kec"] not in have}
    if kec:
        await conn.execute(t.wilayah.insert(), [{"kode": k, "nama": b.nilai["kec_nama"], "tingkat": "kecamatan",
                                                 "parent_id": None, "kabkota_unit_id": b.nilai["kab_id"],
                                                 "generated": False} for k, b in kec.items()])
    ids = {r.kode: r.id for r in await _rows(conn, t.wilayah, t.wilayah.c.kode, (b.nilai["kec"] for b in rows))}
    desa = {b.nilai["desa"]: b for b in rows if b.nilai["desa"] not in have}
    if desa:
        await conn.execute(t.wilayah.insert(), [{"kode": k, "nama": b.nilai["desa_nama"], "tingkat": "desa",
                                                 "parent_id": ids[b.nilai["kec"]], "kabkota_unit_id": b.nilai["kab_id"],
                                                 "generated": False} for k, b in desa.items()])
    desa_ids = {r.kode: r.id for r in await _rows(conn, t.wilayah, t.wilayah.c.kode, (b.nilai["desa"] for b in rows))}
    for part in _chunks(rows):
        await conn.execute(t.tps.insert(), [{
            "kode": b.nilai["kode"], "nama": b.nilai["nama"], "kabkota_unit_id": b.nilai["kab_id"],
            "kecamatan_id": ids[b.nilai["kec"]], "desa_id": desa_ids[b.nilai["desa"]], "dpt": b.nilai["dpt"],
            "sulit": b.nilai["sulit"], "generated": False} for b in part])
    await logistik.hitung_ulang(conn, sorted({b.nilai["kab_id"] for b in rows}))
    return [b.nilai["kode"] for b in rows]


async def _cek_pengguna(conn: AsyncConnection, rows: list[BarisImpor], tz: ZoneInfo) -> None:
    units = await _units(conn)
    tg_ids = [b.data.get("telegram_id", "").strip() for b in rows]
    ada = await _existing(conn, t.users.c.telegram_id, (int(x) for x in tg_ids if x.isascii() and x.isdigit()
                                                         and len(x) < 16))
    kode_tps = {k for b in rows for k in _daftar_tps(b.data.get("tps", ""))}
    tps_ada = {r.kode: r.id for r in await _rows(conn, t.tps, t.tps.c.kode, kode_tps)}
    seen: dict[int, int] = {}
    async for b in bergiliran(rows):
        if not _perlu(b, "nama", "peran", "telegram_id"):
            continue
        peran = b.data["peran"].strip().lower()
        if peran not in PERAN:
            b.galat.append(f"peran '{b.data['peran'].strip()}' tidak dikenal; pilih {', '.join(PERAN)}")
        tg = b.data["telegram_id"].strip()
        if not (tg.isascii() and tg.isdigit() and 0 < len(tg) < 16 and int(tg) > 0):
            b.galat.append(f"ID Telegram '{tg}' tidak sah; isi angka, mis. 123456789")
            continue
        if _dup(seen, int(tg), b, f"ID Telegram {tg}"):
            continue
        if int(tg) in ada:
            b.galat.append(f"ID Telegram {tg} sudah terdaftar")
        unit = b.data.get("unit", "").strip()
        u = units.get(unit.upper()) if unit else None
        if unit and u is None:
            b.galat.append(f"unit '{unit}' tidak dikenal")
        elif not unit and peran in ("pimpinan", "operator"):
            b.galat.append(f"peran {peran} harus menyebut unitnya")
        tps = _daftar_tps(b.data.get("tps", ""))
        for k in tps:
            if k not in tps_ada:
                b.galat.append(f"kode TPS {k} tidak dikenal")
        if peran == "petugas" and not tps:
            b.galat.append("petugas harus diberi minimal satu kode TPS")
        kepala = _parse(b, "kepala", _ya)
        if not b.galat:
            b.nilai = {"name": b.data["nama"].strip()[:200], "role": peran, "telegram_id": int(tg),
                       "unit_id": u.id if u else None, "is_head": kepala, "tps": [tps_ada[k] for k in tps]}


def _daftar_tps(s: str) -> list[str]:
    return list(dict.fromkeys(k for k in re.split(r"[;\s]+", s.strip()) if k))


async def _tulis_pengguna(conn: AsyncConnection, rows: list[BarisImpor], tz: ZoneInfo, now: datetime) -> list[str]:
    keys = []
    for b in rows:
        v = b.nilai
        uid = _pk(await conn.execute(t.users.insert().values(
            telegram_id=v["telegram_id"], name=v["name"], role=v["role"], status="aktif", unit_id=v["unit_id"],
            is_head=v["is_head"], created_at=now)))
        if v["tps"]:
            await conn.execute(t.user_tps.insert(), [{"user_id": uid, "tps_id": i} for i in v["tps"]])
        keys.append(str(v["telegram_id"]))
    return keys


_JENIS = tuple(j.value for j in JenisIndikator)


def _nilai(jenis: str) -> Callable[[str], str]:
    return lambda s: parse_nilai(JenisIndikator(jenis), s).canonical()


async def _cek_indikator(conn: AsyncConnection, rows: list[BarisImpor], tz: ZoneInfo) -> None:
    units = await _units(conn)
    ditutup = await _tahun_ditutup(conn)
    ada = await _existing(conn, t.indicators.c.kode, (b.data.get("kode", "").strip() for b in rows))
    induk_ada = {r.kode: r.id for r in await _rows(conn, t.indicators, t.indicators.c.kode,
                                                   (b.data.get("induk", "").strip() for b in rows))}
    seen: dict[str, int] = {}
    async for b in bergiliran(rows):
        if not _perlu(b, "kode", "nama", "jenis", "unit", "tingkat"):
            continue
        kode = b.data["kode"].strip()
        if len(kode) > 40:
            b.galat.append("kode indikator terlalu panjang (maksimal 40 karakter)")
        if _dup(seen, kode, b, f"kode indikator {kode}"):
            continue
        if kode in ada:
            b.galat.append(f"kode indikator {kode} sudah ada")
        jenis = b.data["jenis"].strip().lower()
        if jenis not in _JENIS:
            b.galat.append(f"jenis '{b.data['jenis'].strip()}' tidak dikenal; pilih {', '.join(_JENIS)}")
        polaritas = b.data.get("polaritas", "").strip().lower() or "naik"
        if polaritas not in ("naik", "turun"):
            b.galat.append(f"polaritas '{polaritas}' tidak dikenal; isi naik atau turun")
        u = units.get(b.data["unit"].strip().upper())
        if u is None:
            b.galat.append(f"unit '{b.data['unit'].strip()}' tidak dikenal")
        tingkat = b.data["tingkat"].strip().lower()
        if tingkat not in ("renstra", "pk", "kegiatan"):
            b.galat.append(f"tingkat '{tingkat}' tidak dikenal; isi renstra, pk atau kegiatan")
        induk = b.data.get("induk", "").strip()
        if induk and induk not in induk_ada and induk not in seen:
            b.galat.append(f"indikator induk {induk} tidak dikenal")
        frek = b.data.get("frekuensi", "").strip().lower() or "triwulan"
        if frek not in ("bulan", "triwulan", "tahun"):
            b.galat.append(f"frekuensi '{frek}' tidak dikenal; isi bulan, triwulan atau tahun")
        no = _parse(b, "sasaran_no", lambda s: parse_count(s, maximum=99) if s.strip() else None, "nomor sasaran")
        tahun = target = None
        if b.data.get("target", "").strip():
            tahun = _parse(b, "tahun", parse_tahun)
            _cek_tahun_ditutup(b, tahun, ditutup)
            if jenis in _JENIS:
                target = _parse(b, "target", _nilai(jenis))
        if not b.galat and u is not None:
            b.nilai = {"kode": kode, "nama": b.data["nama"].strip(), "jenis": jenis, "polaritas": polaritas,
                       "satuan": b.data.get("satuan", "").strip()[:40] or None, "unit_id": u.id, "induk": induk,
                       "tingkat": tingkat, "sasaran_no": no, "sasaran": b.data.get("sasaran", "").strip() or None,
                       "frekuensi": frek, "tahun": tahun, "target": target}


async def _tulis_indikator(conn: AsyncConnection, rows: list[BarisImpor], tz: ZoneInfo) -> list[str]:
    ids: dict[str, int] = {}
    for b in rows:
        v = b.nilai
        parent = None
        if v["induk"]:
            parent = ids.get(v["induk"]) or (await conn.execute(
                sa.select(t.indicators.c.id).where(t.indicators.c.kode == v["induk"]))).scalar_one()
        ids[v["kode"]] = _pk(await conn.execute(t.indicators.insert().values(
            kode=v["kode"], nama=v["nama"], jenis=v["jenis"], polaritas=v["polaritas"], satuan=v["satuan"],
            unit_id=v["unit_id"], parent_id=parent, tingkat=v["tingkat"], sasaran_no=v["sasaran_no"],
            sasaran=v["sasaran"], frekuensi=v["frekuensi"], agregasi="terakhir")))
        if v["target"] is not None:
            await conn.execute(t.indicator_targets.insert().values(
                indicator_id=ids[v["kode"]], tahun=v["tahun"], periode=str(v["tahun"]),
                sumber="renstra" if v["tingkat"] == "renstra" else "pk", nilai=v["target"]))
    return list(ids)


async def _indikator_ada(conn: AsyncConnection, kode: Iterable[str]) -> dict[str, Any]:
    return {r.kode: r for r in await _rows(conn, t.indicators, t.indicators.c.kode, kode)}


async def _cek_target(conn: AsyncConnection, rows: list[BarisImpor], tz: ZoneInfo) -> None:
    ditutup = await _tahun_ditutup(conn)
    ind = await _indikator_ada(conn, (b.data.get("indikator", "").strip() for b in rows))
    ada = {(r.indicator_id, r.periode, r.sumber): r.nilai for r in await _rows(
        conn, t.indicator_targets, t.indicator_targets.c.indicator_id, (i.id for i in ind.values()))}
    seen: dict[tuple[str, str, str], int] = {}
    async for b in bergiliran(rows):
        if not _perlu(b, "indikator", "tahun", "nilai"):
            continue
        kode = b.data["indikator"].strip()
        i = ind.get(kode)
        if i is None:
            b.galat.append(f"indikator {kode} tidak dikenal")
        tahun = _parse(b, "tahun", parse_tahun)
        _cek_tahun_ditutup(b, tahun, ditutup)
        periode = str(tahun) if tahun else None
        if tahun and b.data.get("periode", "").strip():
            p = _parse(b, "periode", parse_periode)
            if p is not None and p.tahun != tahun:
                b.galat.append(f"periode {p.kode} bukan tahun {tahun}")
            periode = p.kode if p is not None else None
        sumber = b.data.get("sumber", "").strip().lower() or "pk"
        if sumber not in ("pk", "renstra"):
            b.galat.append(f"sumber '{sumber}' tidak dikenal; isi pk atau renstra")
        nilai = _parse(b, "nilai", _nilai(i.jenis)) if i else None
        if periode and _dup(seen, (kode, periode, sumber), b, f"target {kode} {periode} ({sumber})"):
            continue
        if not b.galat and i is not None:
            lama = ada.get((i.id, periode, sumber))
            b.aksi = "ubah" if lama is not None else "baru"
            b.nilai = {"indicator_id": i.id, "kode": kode, "tahun": tahun, "periode": periode, "sumber": sumber,
                       "nilai": nilai, "lama": lama}


async def _tulis_target(conn: AsyncConnection, rows: list[BarisImpor], tz: ZoneInfo) -> list[str]:
    tg = t.indicator_targets
    for b in rows:
        v = b.nilai
        if b.aksi == "ubah":
            await conn.execute(tg.update().where(tg.c.indicator_id == v["indicator_id"], tg.c.periode == v["periode"],
                                                 tg.c.sumber == v["sumber"]).values(nilai=v["nilai"],
                                                                                    perlu_konfirmasi=False))
        else:
            await conn.execute(tg.insert().values(indicator_id=v["indicator_id"], tahun=v["tahun"],
                                                  periode=v["periode"], sumber=v["sumber"], nilai=v["nilai"]))
    return [f"{b.nilai['kode']}:{b.nilai['periode']}:{b.nilai['sumber']}"
            f"{'' if b.aksi == 'baru' else ' ' + str(b.nilai['lama']) + ' → ' + b.nilai['nilai']}" for b in rows]


async def _cek_pk(conn: AsyncConnection, rows: list[BarisImpor], tz: ZoneInfo) -> None:
    units = await _units(conn)
    ditutup = await _tahun_ditutup(conn)
    ind = await _indikator_ada(conn, (b.data.get("indikator", "").strip() for b in rows))
    seen: dict[tuple[Any, ...], int] = {}
    async for b in bergiliran(rows):
        if not _perlu(b, "unit", "tahun", "jenis", "tanggal", "indikator", "target"):
            continue
        u = units.get(b.data["unit"].strip().upper())
        if u is None:
            b.galat.append(f"unit '{b.data['unit'].strip()}' tidak dikenal")
        tahun = _parse(b, "tahun", parse_tahun)
        _cek_tahun_ditutup(b, tahun, ditutup)
        jenis = b.data["jenis"].strip().lower()
        if jenis not in ("awal", "perubahan"):
            b.galat.append(f"jenis PK '{jenis}' tidak dikenal; isi awal atau perubahan")
        tanggal = _parse(b, "tanggal", parse_date)
        kode = b.data["indikator"].strip()
        i = ind.get(kode)
        if i is None:
            b.galat.append(f"indikator {kode} tidak dikenal")
        target = _parse(b, "target", _nilai(i.jenis)) if i else None
        dok = (b.data["unit"].strip().upper(), tahun, jenis, tanggal)
        if _dup(seen, (*dok, kode), b, f"indikator {kode} dalam PK yang sama"):
            continue
        if not b.galat and u is not None and i is not None:
            b.nilai = {"unit_id": u.id, "unit": u.code, "tahun": tahun, "jenis": jenis, "tanggal": tanggal,
                       "indicator_id": i.id, "target": target, "dok": dok}


async def _tulis_pk(conn: AsyncConnection, rows: list[BarisImpor], tz: ZoneInfo) -> list[str]:
    d = t.pk_documents
    docs: dict[tuple[Any, ...], list[BarisImpor]] = {}
    for b in rows:
        docs.setdefault(b.nilai["dok"], []).append(b)
    keys = []
    for items in docs.values():
        v = items[0].nilai
        versi = ((await conn.execute(sa.select(sa.func.max(d.c.versi)).where(
            d.c.unit_id == v["unit_id"], d.c.tahun == v["tahun"]))).scalar_one() or 0) + 1
        pk_id = _pk(await conn.execute(d.insert().values(unit_id=v["unit_id"], tahun=v["tahun"], versi=versi,
                                                      jenis=v["jenis"], tanggal=v["tanggal"])))
        await conn.execute(t.pk_items.insert(), [{"pk_id": pk_id, "indicator_id": b.nilai["indicator_id"],
                                                  "urutan": n + 1, "target": b.nilai["target"]}
                                                 for n, b in enumerate(items)])
        keys.append(f"{v['unit']}:{v['tahun']}:v{versi}")
        # A signed PK confirms the targets its indicators got as drafts when the year was opened.
        tg = t.indicator_targets
        for b in items:
            await conn.execute(tg.update().where(
                tg.c.indicator_id == b.nilai["indicator_id"], tg.c.periode == str(v["tahun"]), tg.c.sumber == "pk",
                tg.c.perlu_konfirmasi.is_(True)).values(nilai=b.nilai["target"], perlu_konfirmasi=False))
    return keys


def _bulan(s: str) -> int:
    s = s.strip()
    if s.isascii() and s.isdigit():
        if not 1 <= int(s) <= 12:
            raise ParseError(f"bulan {s} tidak ada; isi 1 sampai 12 atau nama bulan")
        return int(s)
    return parse_bulan(s)


async def _cek_rencana_aksi(conn: AsyncConnection, rows: list[BarisImpor], tz: ZoneInfo) -> None:
    units = await _units(conn)
    ditutup = await _tahun_ditutup(conn)
    ada = {(r.tahun, r.kode) for r in await _rows(conn, t.rencana_aksi, t.rencana_aksi.c.kode,
                                                  (b.data.get("kode", "").strip() for b in rows))}
    seen: dict[tuple[Any, str], int] = {}
    async for b in bergiliran(rows):
        if not _perlu(b, "tahun", "kode", "uraian", "pagu", "volume", "satuan", "unit", "bulan_mulai",
                      "bulan_selesai"):
            continue
        tahun = _parse(b, "tahun", parse_tahun)
        _cek_tahun_ditutup(b, tahun, ditutup)
        kode = b.data["kode"].strip()
        if len(kode) > 40:
            b.galat.append("kode terlalu panjang (maksimal 40 karakter)")
        if _dup(seen, (tahun, kode), b, f"kode {kode}"):
            continue
        if (tahun, kode) in ada:
            b.galat.append(f"kegiatan {kode} tahun {tahun} sudah ada")
        pagu = _parse(b, "pagu", parse_rupiah)
        volume = _parse(b, "volume", lambda s: parse_count(s, maximum=10_000_000))
        u = units.get(b.data["unit"].strip().upper())
        if u is None:
            b.galat.append(f"unit '{b.data['unit'].strip()}' tidak dikenal")
        mulai = _parse(b, "bulan_mulai", _bulan, "bulan mulai")
        selesai = _parse(b, "bulan_selesai", _bulan, "bulan selesai")
        if mulai and selesai and mulai > selesai:
            b.galat.append("bulan mulai sesudah bulan selesai")
        if not b.galat and u is not None:
            b.nilai = {"tahun": tahun, "kode": kode, "uraian": b.data["uraian"].strip(), "pagu": pagu,
                       "volume": volume, "satuan": b.data["satuan"].strip()[:40], "unit_id": u.id,
                       "bulan_mulai": mulai, "bulan_selesai": selesai, "jadwal_demo": False}


async def _tulis_rencana_aksi(conn: AsyncConnection, rows: list[BarisImpor], tz: ZoneInfo) -> list[str]:
    await conn.execute(t.rencana_aksi.insert(), [b.nilai for b in rows])
    return [f"{b.nilai['tahun']}:{b.nilai['kode']}" for b in rows]


JENIS_TENGGAT = ("rencana_aksi", "pelaporan", "pemutakhiran", "logistik", "manual")


async def _cek_tenggat(conn: AsyncConnection, rows: list[BarisImpor], tz: ZoneInfo) -> None:
    units = await _units(conn)
    ada = {(r.jenis, r.ref, r.unit_id) for r in await _rows(conn, t.deadlines, t.deadlines.c.ref,
                                                            (b.data.get("ref", "").strip() for b in rows))}
    seen: dict[tuple[Any, ...], int] = {}
    async for b in bergiliran(rows):
        if not _perlu(b, "jenis", "ref", "judul", "tanggal", "peran"):
            continue
        jenis = b.data["jenis"].strip().lower()
        if jenis not in JENIS_TENGGAT:
            b.galat.append(f"jenis tenggat '{jenis}' tidak dikenal; pilih {', '.join(JENIS_TENGGAT)}")
        ref = b.data["ref"].strip()
        if len(ref) > 80:
            b.galat.append("ref terlalu panjang (maksimal 80 karakter)")
        unit = b.data.get("unit", "").strip()
        u = units.get(unit.upper()) if unit else None
        if unit and u is None:
            b.galat.append(f"unit '{unit}' tidak dikenal")
        peran = b.data["peran"].strip().lower()
        if peran not in PERAN:
            b.galat.append(f"peran '{peran}' tidak dikenal; pilih {', '.join(PERAN)}")
        tanggal = _parse(b, "tanggal", parse_date)
        jam = _parse(b, "jam", lambda s: parse_time(s) if s.strip() else time(23, 59))
        key = (jenis, ref, u.id if u else None)
        if _dup(seen, key, b, f"tenggat {jenis} {ref}"):
            continue
        if key in ada:
            b.galat.append(f"tenggat {jenis} {ref} untuk unit ini sudah ada")
        if not b.galat and tanggal is not None and jam is not None:
            batas = datetime.combine(tanggal, jam, tzinfo=ZoneInfo(u.timezone) if u and u.timezone else tz)
            b.nilai = {"jenis": jenis, "ref": ref, "judul": b.data["judul"].strip(), "batas": batas.astimezone(UTC),
                       "unit_id": u.id if u else None, "peran": peran, "dijeda": False}


async def _tulis_tenggat(conn: AsyncConnection, rows: list[BarisImpor], tz: ZoneInfo, now: datetime) -> list[str]:
    await conn.execute(t.deadlines.insert(), [{**b.nilai, "created_at": now} for b in rows])
    return [f"{b.nilai['jenis']}:{b.nilai['ref']}" for b in rows]


async def _cek_norma_logistik(conn: AsyncConnection, rows: list[BarisImpor], tz: ZoneInfo) -> None:
    ada = {r.kode: r for r in (await conn.execute(sa.select(t.logistics_items))).all()}
    seen: dict[str, int] = {}
    async for b in bergiliran(rows):
        if not _perlu(b, "kode", "nama", "satuan"):
            continue
        kode = b.data["kode"].strip().upper()
        if len(kode) > 20 or not re.fullmatch(r"[A-Z0-9_.-]+", kode):
            b.galat.append(f"kode '{b.data['kode'].strip()}' tidak sah (huruf, angka, - atau _; maks. 20)")
        if _dup(seen, kode, b, f"kode {kode}"):
            continue
        per_tps = _parse(b, "per_tps", lambda s: parse_count(s, maximum=100_000) if s.strip() else None,
                         "jumlah per TPS")
        cad = _parse(b, "cadangan_persen", lambda s: parse_percent(s) if s.strip() else None, "cadangan")
        if b.data.get("per_tps", "").strip() and b.data.get("cadangan_persen", "").strip():
            b.galat.append("isi salah satu saja: per_tps atau cadangan_persen")
        elif not b.data.get("per_tps", "").strip() and not b.data.get("cadangan_persen", "").strip():
            b.galat.append("isi per_tps (jumlah tetap per TPS) atau cadangan_persen (surat suara: DPT + cadangan)")
        if cad is not None and cad > 100:
            b.galat.append("cadangan lebih dari 100 % tidak masuk akal")
        lama = ada.get(kode)
        if not b.galat:
            b.aksi = "ubah" if lama is not None else "baru"
            b.nilai = {"kode": kode, "nama": b.data["nama"].strip()[:120], "satuan": b.data["satuan"].strip()[:20],
                       "per_tps": per_tps, "cadangan_persen": cad, "aturan": b.data.get("aturan", "").strip() or None,
                       "lama": None if lama is None else {"per_tps": lama.per_tps, "cadangan_persen": None if
                                                          lama.cadangan_persen is None else str(lama.cadangan_persen)}}


async def _tulis_norma_logistik(conn: AsyncConnection, rows: list[BarisImpor], tz: ZoneInfo) -> list[str]:
    li = t.logistics_items
    urutan = (await conn.execute(sa.select(sa.func.max(li.c.urutan)))).scalar_one() or 0
    keys = []
    for b in rows:
        v = {k: b.nilai[k] for k in ("nama", "satuan", "per_tps", "cadangan_persen", "aturan")}
        if b.aksi == "ubah":
            await conn.execute(li.update().where(li.c.kode == b.nilai["kode"]).values(**v))
            keys.append(f"{b.nilai['kode']} {b.nilai['lama']} → per_tps={v['per_tps']}, "
                        f"cadangan={v['cadangan_persen']}")
        else:
            urutan += 1
            await conn.execute(li.insert().values(kode=b.nilai["kode"], dari_seed=False, urutan=urutan, **v))
            keys.append(b.nilai["kode"])
    return keys


async def _tahun_ditutup(conn: AsyncConnection) -> set[int]:
    ta = t.tahun_anggaran
    return set((await conn.execute(sa.select(ta.c.tahun).where(ta.c.status == "ditutup"))).scalars().all())


def _cek_tahun_ditutup(b: BarisImpor, tahun: int | None, ditutup: set[int]) -> None:
    if tahun in ditutup:
        b.galat.append(f"tahun anggaran {tahun} sudah ditutup; angka akhirnya tidak diubah lagi (admin dapat "
                       "membukanya kembali dengan alasan di halaman Tahun anggaran)")


_TINGKAT_ANGGARAN = {"program": 0, "kegiatan": 1, "output": 2}


def _revisi(s: str) -> int:
    return parse_count(s, maximum=99) if s.strip() else 0


async def _cek_anggaran(conn: AsyncConnection, rows: list[BarisImpor], tz: ZoneInfo) -> None:
    units = await _units(conn)
    ditutup = await _tahun_ditutup(conn)
    bl, rv = t.budget_lines, t.budget_revisions
    seen: dict[tuple[Any, str], int] = {}
    dok: tuple[Any, ...] | None = None  # (tahun, dokumen, revisi, tanggal) of the first good row
    parsed: list[tuple[BarisImpor, int, str, str, str | None]] = []
    async for b in bergiliran(rows):
        if not _perlu(b, "tahun", "tanggal", "program", "uraian", "pagu"):
            continue
        tahun = _parse(b, "tahun", parse_tahun)
        dokumen = b.data.get("dokumen", "").strip().upper() or "DIPA"
        if dokumen not in ("DIPA", "POK"):
            b.galat.append(f"dokumen '{b.data['dokumen'].strip()}' tidak dikenal; isi DIPA atau POK")
        ke = _parse(b, "revisi", _revisi, "revisi")
        tanggal = _parse(b, "tanggal", parse_date)
        _cek_tahun_ditutup(b, tahun, ditutup)
        program, kegiatan = b.data["program"].strip(), b.data.get("kegiatan", "").strip()
        output = b.data.get("output", "").strip()
        if output and not kegiatan:
            b.galat.append("baris output perlu kode kegiatannya")
        kode = output or kegiatan or program
        tingkat = "output" if output else "kegiatan" if kegiatan else "program"
        induk = kegiatan if output else program if kegiatan else None
        if len(kode) > 40:
            b.galat.append("kode terlalu panjang (maksimal 40 karakter)")
        pagu = _parse(b, "pagu", parse_rupiah)
        unit = b.data.get("unit", "").strip()
        u = units.get(unit.upper()) if unit else None
        if unit and u is None:
            b.galat.append(f"unit '{unit}' tidak dikenal")
        if b.galat or tahun is None:
            continue
        this = (tahun, dokumen, ke, tanggal)
        if dok is None:
            dok = this
        elif this != dok:
            b.galat.append(f"satu berkas satu dokumen: baris ini {dokumen} revisi ke-{ke} tahun {tahun} tanggal "
                           f"{tanggal}, baris sebelumnya {dok[1]} revisi ke-{dok[2]} tahun {dok[0]} tanggal {dok[3]}")
            continue
        if _dup(seen, (tahun, kode), b, f"kode {kode}"):
            continue
        b.nilai = {"tahun": tahun, "kode": kode, "tingkat": tingkat, "induk": induk, "nama": b.data["uraian"].strip(),
                   "pagu": pagu, "unit_id": u.id if u else None}
        parsed.append((b, tahun, kode, tingkat, induk))
    if dok is None:
        return
    tahun, dokumen, ke, tanggal = dok
    ada = {r.kode: r for r in (await conn.execute(sa.select(bl).where(bl.c.tahun == tahun))).all()}
    terbaru = (await conn.execute(sa.select(sa.func.max(rv.c.ke)).where(rv.c.tahun == tahun))).scalar_one()
    di_berkas = {kode: tingkat for _, _, kode, tingkat, _ in parsed}
    async for b, _, kode, tingkat, induk in bergiliran(parsed):
        if terbaru is not None and ke <= terbaru:
            b.galat.append(f"revisi ke-{ke} tahun {tahun} tidak lebih baru dari revisi ke-{terbaru} yang sudah "
                           "diimpor; beri nomor revisi berikutnya")
        lama = ada.get(kode)
        if lama is not None and lama.tingkat != tingkat:
            b.galat.append(f"kode {kode} sudah ada sebagai {lama.tingkat}, bukan {tingkat}")
        if induk is not None:
            harus = "program" if tingkat == "kegiatan" else "kegiatan"
            punya = di_berkas.get(induk) or (ada[induk].tingkat if induk in ada else None)
            if punya != harus:
                b.galat.append(f"{harus} {induk} tidak ada di berkas ini maupun di mata anggaran tahun {tahun}")
        b.aksi = "ubah" if lama is not None else "baru"
        b.nilai |= {"lama": lama.pagu if lama is not None else None, "dokumen": dokumen, "ke": ke,
                    "tanggal": tanggal}


async def _tulis_anggaran(conn: AsyncConnection, rows: list[BarisImpor], tz: ZoneInfo, now: datetime, *,
                          berkas: str, author_id: int | None) -> list[str]:
    bl = t.budget_lines
    v0 = rows[0].nilai
    rev = _pk(await conn.execute(t.budget_revisions.insert().values(
        tahun=v0["tahun"], ke=v0["ke"], dokumen=v0["dokumen"], tanggal=v0["tanggal"], berkas=berkas[:200],
        author_id=author_id, created_at=now)))
    ids = {k: i for k, i in (await conn.execute(sa.select(bl.c.kode, bl.c.id).where(bl.c.tahun == v0["tahun"]))).all()}
    keys = []
    # Parents first, so every kegiatan and output finds the line above it.
    for b in sorted(rows, key=lambda b: _TINGKAT_ANGGARAN[b.nilai["tingkat"]]):
        v = b.nilai
        values = {"nama": v["nama"], "pagu": v["pagu"], "parent_id": ids.get(v["induk"]) if v["induk"] else None,
                  "unit_id": v["unit_id"]}
        if v["kode"] in ids:  # a revision is always the newest (checked), so its pagu is the one reports use
            await conn.execute(bl.update().where(bl.c.id == ids[v["kode"]]).values(**values))
        else:
            ids[v["kode"]] = _pk(await conn.execute(bl.insert().values(tahun=v["tahun"], kode=v["kode"],
                                                                      tingkat=v["tingkat"], **values)))
        await conn.execute(t.budget_line_pagu.insert().values(budget_line_id=ids[v["kode"]], revisi_id=rev,
                                                              pagu=v["pagu"]))
        keys.append(f"{v['kode']}" + (f" {v['lama']} → {v['pagu']}" if v["lama"] is not None else ""))
    return keys


Cek = Callable[[AsyncConnection, list[BarisImpor], ZoneInfo], Awaitable[None]]
_CEK: dict[str, Cek] = {
    "tps": _cek_tps, "pengguna": _cek_pengguna, "indikator": _cek_indikator, "target": _cek_target, "pk": _cek_pk,
    "rencana_aksi": _cek_rencana_aksi, "tenggat": _cek_tenggat, "norma_logistik": _cek_norma_logistik,
    "anggaran": _cek_anggaran,
    "libur": libur.cek_impor,
}

Tulis = Callable[[AsyncConnection, list[BarisImpor], ZoneInfo, datetime], Awaitable[list[str]]]
_TULIS_LAIN: dict[str, Tulis] = {}  # datasets of other modules (storage.impor_jadwal), added at the end of this one


async def dry_run(conn: AsyncConnection, dataset: str, tabel: Tabel, *, tz_name: str = "Asia/Jakarta") -> Pratinjau:
    """Check every row of a file read by read_file, without writing anything."""
    header, rows = tabel.kolom, tabel.baris
    spec = DATASETS.get(dataset)
    if spec is None:
        raise ImporError(f"Jenis impor '{dataset}' tidak dikenal.")
    names = [k.nama for k in spec.kolom]
    p = Pratinjau(dataset, names, [])
    missing = [k.nama for k in spec.kolom if k.wajib and k.nama not in header]
    if missing:
        p.galat_berkas.append(f"kolom wajib tidak ada: {', '.join(missing)}. Baris pertama harus berisi judul "
                              f"kolom seperti di templat: {', '.join(names)}")
        return p
    if not rows:
        p.galat_berkas.append("berkas tidak berisi baris data (hanya judul kolom)")
        return p
    p.baris = await asyncio.to_thread(_baris, header, names, rows)  # pure work, off the event loop
    await _CEK[dataset](conn, p.baris, ZoneInfo(tz_name))  # look-ups, then row checks that give way (giliran)
    return p


def _baris(header: list[str], names: list[str], rows: list[tuple[int, list[str]]]) -> list[BarisImpor]:
    """The file's rows as the dataset's named cells."""
    dipakai = [(i, h) for i, h in enumerate(header) if h in names]
    return [BarisImpor(n, {h: (row[i] if i < len(row) else "") for i, h in dipakai}) for n, row in rows]


async def commit(conn: AsyncConnection, dataset: str, tabel: Tabel, *, actor: Pengguna, berkas: str, now: datetime,
                 tz_name: str = "Asia/Jakarta") -> Pratinjau:
    """Check again and write every row in the caller's transaction, with one audit record; ImporGagal if any fails."""
    p = await dry_run(conn, dataset, tabel, tz_name=tz_name)
    if not p.ok:
        raise ImporGagal(p)
    tz = ZoneInfo(tz_name)
    if dataset == "pengguna":
        keys = await _tulis_pengguna(conn, p.baris, tz, now)
    elif dataset == "tenggat":
        keys = await _tulis_tenggat(conn, p.baris, tz, now)
    elif dataset == "anggaran":
        keys = await _tulis_anggaran(conn, p.baris, tz, now, berkas=berkas, author_id=actor.id)
    elif dataset == "libur":
        keys = await libur.tulis_impor(conn, p.baris, now=now, zona=tz_name)
    elif dataset in _TULIS_LAIN:
        keys = await _TULIS_LAIN[dataset](conn, p.baris, tz, now)
    else:
        tulis = {"tps": _tulis_tps, "indikator": _tulis_indikator, "target": _tulis_target, "pk": _tulis_pk,
                 "rencana_aksi": _tulis_rencana_aksi, "norma_logistik": _tulis_norma_logistik}[dataset]
        keys = await tulis(conn, p.baris, tz)
    await audit.record(conn, actor=actor.name, actor_id=actor.id, action="impor", entity=dataset, entity_id=berkas[:80],
                       new={"berkas": berkas, "baris": len(p.baris), "baru": p.hitung("baru"),
                            "ubah": p.hitung("ubah"), "kunci": keys[:200],
                            "kunci_lain": max(0, len(keys) - 200)}, now=now)
    return p


# --- uploads kept between the dry run and the commit ---------------------------------------------------


@dataclass(frozen=True)
class Unggahan:
    """An uploaded file waiting for (or past) its commit; galat_berkas says why it could not be read."""

    id: int
    user_id: int
    dataset: str
    berkas: str
    baris: int
    galat: int
    created_at: datetime
    committed_at: datetime | None
    galat_berkas: str | None = None


MASA_UNGGAHAN = timedelta(hours=24)


async def keep_upload(conn: AsyncConnection, *, user_id: int, dataset: str, berkas: str, isi: bytes,
                      tabel: Tabel | None, galat_berkas: str | None = None, baris: int, galat: int,
                      now: datetime) -> int:
    """Store an upload with the rows read from it (or why it could not be read); old uncommitted ones are dropped."""
    await conn.execute(t.web_imports.delete().where(t.web_imports.c.committed_at.is_(None),
                                                    t.web_imports.c.created_at < now - MASA_UNGGAHAN))
    # Encoding a large table takes a moment: not on the event loop.
    blob = None if tabel is None else await asyncio.to_thread(tabel.ke_bytes)
    res = await conn.execute(t.web_imports.insert().values(
        user_id=user_id, dataset=dataset, berkas=berkas[:200], isi=isi, baris=baris, galat=galat, created_at=now,
        tabel=blob, galat_berkas=galat_berkas))
    return _pk(res)


_KOLOM_UNGGAHAN = [c for c in t.web_imports.c if c.name not in ("isi", "tabel")]


def _unggahan(r: Any) -> Unggahan:
    return Unggahan(r.id, r.user_id, r.dataset, r.berkas, r.baris, r.galat, r.created_at, r.committed_at,
                    r.galat_berkas)


async def upload(conn: AsyncConnection, upload_id: int) -> Unggahan | None:
    """One stored upload (without its content)."""
    r = (await conn.execute(sa.select(*_KOLOM_UNGGAHAN).where(t.web_imports.c.id == upload_id))).first()
    return _unggahan(r) if r else None


async def upload_rows(conn: AsyncConnection, upload_id: int) -> Tabel | None:
    """The rows read from an upload when it arrived; None when it could not be read."""
    isi = (await conn.execute(sa.select(t.web_imports.c.tabel).where(t.web_imports.c.id == upload_id))).scalar()
    # Decompressing and decoding a large table takes a moment: not on the event loop.
    return None if isi is None else await asyncio.to_thread(Tabel.dari_bytes, bytes(isi))


async def mark_committed(conn: AsyncConnection, upload_id: int, *, now: datetime) -> bool:
    """Mark an upload committed, once (a second click or a replayed form finds it done)."""
    res = await conn.execute(t.web_imports.update().where(t.web_imports.c.id == upload_id,
                                                          t.web_imports.c.committed_at.is_(None))
                             .values(committed_at=now))
    return res.rowcount == 1


async def recent_uploads(conn: AsyncConnection, limit: int = 20) -> list[Unggahan]:
    """The newest uploads (without their content)."""
    q = sa.select(*_KOLOM_UNGGAHAN).order_by(t.web_imports.c.id.desc()).limit(limit)
    return [_unggahan(r) for r in (await conn.execute(q)).all()]


def _tambah_dataset() -> None:
    """The schedule imports (voter-list stages, election events) live in their own module; list them here too."""
    from storage import impor_jadwal

    for d in impor_jadwal.DATASETS:
        DATASETS[d.kode] = d
    _CEK.update(impor_jadwal.CEK)
    _TULIS_LAIN.update(impor_jadwal.TULIS)


_tambah_dataset()
