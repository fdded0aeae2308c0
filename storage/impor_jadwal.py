"""Imports of schedules: the voter-list stage schedule of a year (any stage list: an election's updating or the
continuous updating's periodic recapitulations) and an election event (its schedule per kab/kota, then its
elections with their ballots and ballot norms). Same dry run, row-level errors and templates as storage.impor,
which lists these datasets with its own.
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.angka import parse_count, parse_percent
from domain.tanggal import parse_date, parse_tahun, parse_time
from storage import pemilihan
from storage import tables as t
from storage.giliran import bergiliran
from storage.impor import BarisImpor, Dataset, _dup, _k, _parse, _perlu, _units

DATASETS: tuple[Dataset, ...] = (
    Dataset("tahapan_pemutakhiran", "Jadwal tahapan pemutakhiran data pemilih", (
        _k("tahun", "tahun jadwal"),
        _k("no", "nomor urut tahapan (bilangan bulat; nomor yang sudah ada diperbarui)"),
        _k("nama", "nama tahapan, mis. Rekapitulasi Daftar Pemilih Berkelanjutan bulan Januari"),
        _k("mulai", "tanggal mulai, mis. 25 Januari 2025"),
        _k("selesai", "tanggal selesai"),
        _k("pelaksana", "KPU, KPU Provinsi, KPU Kab/Kota, PPK, PPS atau Pantarlih"),
    ), (("2025", "1", "Rekapitulasi Daftar Pemilih Berkelanjutan bulan Januari", "25 Januari 2025",
         "7 Februari 2025", "KPU Kab/Kota"),)),
    Dataset("pemilihan", "Pemilihan: jadwal per kab/kota", (
        _k("kode", "kode pemilihan yang unik, mis. PSU-2025-KAB1771 (kode yang sudah ada: jadwalnya diganti)"),
        _k("nama", "nama pemilihan, mis. Pemungutan Suara Ulang Kota Bengkulu 2025"),
        _k("jenis", "pemilu, pilkada atau psu (pemungutan suara ulang)"),
        _k("kabkota", "kode unit KPU kab/kota, mis. KAB-1771"),
        _k("kirim_mulai", "tanggal distribusi logistik mulai"),
        _k("pemungutan", "hari pemungutan suara"),
        _k("batas_tiba", "batas logistik tiba di TPS, mis. 26 November 2025 23.59 (kosong: H-1 pukul 23.59)",
           False),
        _k("batas_tiba_sulit", "batas untuk TPS sulit (kosong: sehari sebelum batas_tiba)", False),
    ), (("PSU-2025-KAB1771", "Pemungutan Suara Ulang Kota Bengkulu 2025", "psu", "KAB-1771", "10 Mei 2025",
         "14 Mei 2025", "", ""),)),
    Dataset("pemilihan_surat", "Pemilihan: jenis pemilihan, surat suara dan normanya", (
        _k("pemilihan", "kode pemilihan yang sudah ada (impor jadwalnya dulu)"),
        _k("nama", "jenis pemilihan, mis. Pemilihan Walikota dan Wakil Walikota"),
        _k("surat_suara", "kode jenis logistik surat suaranya, mis. SS-BUP"),
        _k("cadangan_persen", "cadangan surat suara dari DPT, mis. 2,5 (kosong: 2,5)", False),
    ), (("PSU-2025-KAB1771", "Pemilihan Walikota dan Wakil Walikota", "SS-BUP", "2,5"),)),
)

CADANGAN_BAWAAN = "2.5"


def _akhir_hari(d: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(d, time(23, 59), tzinfo=tz).astimezone(UTC)


def _tanggal_jam(teks: str, tz: ZoneInfo) -> datetime:
    """"26 November 2025 23.59" (or a date alone, 23.59) as UTC."""
    bagian = teks.strip().rsplit(" ", 1)
    if len(bagian) == 2 and re.fullmatch(r"\d{1,2}[.:]\d{2}", bagian[1]):
        d, j = parse_date(bagian[0]), parse_time(bagian[1])
    else:
        d, j = parse_date(teks), time(23, 59)
    return datetime.combine(d, j, tzinfo=tz).astimezone(UTC)


async def _cek_tahapan(conn: AsyncConnection, rows: list[BarisImpor], tz: ZoneInfo) -> None:
    v = t.voter_stages
    ada = {(r.tahun, r.no) for r in (await conn.execute(sa.select(v.c.tahun, v.c.no))).all()}
    seen: dict[tuple[Any, Any], int] = {}
    async for b in bergiliran(rows):
        if not _perlu(b, "tahun", "no", "nama", "mulai", "selesai", "pelaksana"):
            continue
        tahun = _parse(b, "tahun", parse_tahun)
        no = _parse(b, "no", lambda s: parse_count(s, maximum=999), "nomor")
        if no == 0:
            b.galat.append("nomor tahapan mulai dari 1")
        if _dup(seen, (tahun, no), b, f"tahapan {no} tahun {tahun}"):
            continue
        mulai = _parse(b, "mulai", parse_date, "tanggal mulai")
        selesai = _parse(b, "selesai", parse_date, "tanggal selesai")
        if mulai and selesai and mulai > selesai:
            b.galat.append("tanggal mulai sesudah tanggal selesai")
        if mulai and tahun and selesai and not (mulai.year <= tahun <= selesai.year):
            b.galat.append(f"tahapan ini tidak berlangsung pada tahun {tahun}")
        pelaksana = " ".join(b.data["pelaksana"].split())
        if len(pelaksana) > 40:
            b.galat.append("pelaksana terlalu panjang (maksimal 40 karakter)")
        if not b.galat:
            b.aksi = "ubah" if (tahun, no) in ada else "baru"
            b.nilai = {"tahun": tahun, "no": no, "nama": " ".join(b.data["nama"].split()), "mulai": mulai,
                       "selesai": selesai, "pelaksana": pelaksana}


async def _tulis_tahapan(conn: AsyncConnection, rows: list[BarisImpor], tz: ZoneInfo, now: datetime) -> list[str]:
    v = t.voter_stages
    for b in rows:
        if b.aksi == "ubah":  # a revised schedule: the stage keeps its id and the completions marked on it
            await conn.execute(v.update().where(v.c.tahun == b.nilai["tahun"], v.c.no == b.nilai["no"])
                               .values(**b.nilai))
        else:
            await conn.execute(v.insert().values(**b.nilai))
    return [f"{b.nilai['tahun']}:{b.nilai['no']}" for b in rows]


async def _cek_pemilihan(conn: AsyncConnection, rows: list[BarisImpor], tz: ZoneInfo) -> None:
    units = await _units(conn)
    ada = {e.kode for e in await pemilihan.semua(conn)}
    kepala: dict[str, tuple[str, str, int]] = {}  # kode -> (nama, jenis, tahun) of its first row
    seen: dict[tuple[str, str], int] = {}
    async for b in bergiliran(rows):
        if not _perlu(b, "kode", "nama", "jenis", "kabkota", "kirim_mulai", "pemungutan"):
            continue
        kode = b.data["kode"].strip().upper()
        if len(kode) > 30 or not re.fullmatch(r"[A-Z0-9_.-]+", kode):
            b.galat.append(f"kode '{b.data['kode'].strip()}' tidak sah (huruf, angka, - atau _; maks. 30)")
        jenis = b.data["jenis"].strip().lower()
        if jenis not in pemilihan.JENIS:
            b.galat.append(f"jenis '{jenis}' tidak dikenal; pilih {', '.join(pemilihan.JENIS)}")
        kab = b.data["kabkota"].strip().upper()
        u = units.get(kab)
        if u is None or u.kind != "kabkota":
            b.galat.append(f"'{b.data['kabkota'].strip()}' bukan kode KPU kab/kota yang dikenal")
        if _dup(seen, (kode, kab), b, f"kab/kota {kab} untuk {kode}"):
            continue
        kirim = _parse(b, "kirim_mulai", parse_date, "tanggal kirim")
        hari = _parse(b, "pemungutan", parse_date, "hari pemungutan suara")
        zona = ZoneInfo(u.timezone) if u is not None and u.timezone else tz
        baca = functools.partial(_tanggal_jam, tz=zona)
        teks_batas = b.data.get("batas_tiba", "").strip()
        batas = (_parse(b, "batas_tiba", baca, "batas tiba") if teks_batas else
                 _akhir_hari(hari - timedelta(days=1), zona) if hari else None)
        teks_sulit = b.data.get("batas_tiba_sulit", "").strip()
        sulit = (_parse(b, "batas_tiba_sulit", baca, "batas tiba TPS sulit")
                 if teks_sulit else batas - timedelta(days=1) if batas else None)
        if kirim and hari and kirim > hari:
            b.galat.append("distribusi mulai sesudah hari pemungutan suara")
        if batas and hari and batas.astimezone(zona).date() >= hari:
            b.galat.append("batas tiba harus sebelum hari pemungutan suara")
        if batas and sulit and sulit > batas:
            b.galat.append("batas tiba TPS sulit tidak boleh sesudah batas tiba biasa")
        if hari:
            nama = " ".join(b.data["nama"].split())[:120]
            pertama = kepala.setdefault(kode, (nama, jenis, hari.year))
            if pertama[:2] != (nama, jenis):
                b.galat.append(f"nama atau jenis pemilihan {kode} berbeda dengan baris sebelumnya")
        if not b.galat and u is not None and hari and kirim and batas and sulit:
            b.aksi = "ubah" if kode in ada else "baru"
            b.nilai = {"kode": kode, "jadwal": pemilihan.JadwalKabkota(u.id, kirim, batas, sulit, hari)}
    async for b in bergiliran(rows):
        if b.nilai:
            b.nilai["kepala"] = kepala[b.nilai["kode"]]


async def _tulis_pemilihan(conn: AsyncConnection, rows: list[BarisImpor], tz: ZoneInfo, now: datetime
                           ) -> list[str]:
    per: dict[str, list[BarisImpor]] = {}
    for b in rows:
        per.setdefault(b.nilai["kode"], []).append(b)
    for kode, bs in per.items():
        nama, jenis, _ = bs[0].nilai["kepala"]
        lama = await pemilihan.by_kode(conn, kode)
        jadwal = [b.nilai["jadwal"] for b in bs]
        tahun = min(j.pemungutan for j in jadwal).year
        await pemilihan.simpan(conn, pemilihan.MasukanPemilihan(
            kode=kode, nama=nama, jenis=jenis, tahun=tahun, jadwal=jadwal,
            surat=await pemilihan.surat(conn, lama.id) if lama else (),
            norma=await pemilihan.norma(conn, lama.id) if lama else ()), actor="impor", now=now)
    await pemilihan.berlakukan(conn, now.astimezone(tz).date(), ulang=True)
    return [f"{b.nilai['kode']}:{b.nilai['jadwal'].kabkota_unit_id}" for b in rows]


async def _cek_surat(conn: AsyncConnection, rows: list[BarisImpor], tz: ZoneInfo) -> None:
    acara = {e.kode: e for e in await pemilihan.semua(conn)}
    items = {r.kode: r for r in (await conn.execute(sa.select(t.logistics_items.c.kode,
                                                              t.logistics_items.c.per_tps))).all()}
    seen: dict[tuple[str, str], int] = {}
    async for b in bergiliran(rows):
        if not _perlu(b, "pemilihan", "nama", "surat_suara"):
            continue
        kode = b.data["pemilihan"].strip().upper()
        e = acara.get(kode)
        if e is None:
            b.galat.append(f"pemilihan {kode} belum ada; impor jadwal pemilihannya dulu")
        item = b.data["surat_suara"].strip().upper()
        if item not in items:
            b.galat.append(f"jenis logistik {item} tidak dikenal; tambahkan lewat impor norma logistik")
        elif items[item].per_tps is not None:
            b.galat.append(f"{item} bukan surat suara (jumlahnya tetap per TPS, bukan dari DPT)")
        if _dup(seen, (kode, item), b, f"surat suara {item} untuk {kode}"):
            continue
        teks_cad = b.data.get("cadangan_persen", "").strip()
        cad = _parse(b, "cadangan_persen", parse_percent, "cadangan") if teks_cad else parse_percent(CADANGAN_BAWAAN)
        if cad is not None and cad > 100:
            b.galat.append("cadangan lebih dari 100 % tidak masuk akal")
        if not b.galat and e is not None:
            b.aksi = "ubah"  # the event exists; its elections are replaced by the file's
            b.nilai = {"id": e.id, "surat": pemilihan.Surat(" ".join(b.data["nama"].split())[:120], item),
                       "norma": pemilihan.Norma(item, None, cad)}


async def _tulis_surat(conn: AsyncConnection, rows: list[BarisImpor], tz: ZoneInfo, now: datetime) -> list[str]:
    s, n = t.pemilihan_surat, t.pemilihan_norma
    for pid in {b.nilai["id"] for b in rows}:
        await conn.execute(s.delete().where(s.c.pemilihan_id == pid))
        ballots = [b.nilai["norma"].item_kode for b in rows if b.nilai["id"] == pid]
        await conn.execute(n.delete().where(n.c.pemilihan_id == pid, n.c.item_kode.in_(ballots)))
    await conn.execute(s.insert(), [{"pemilihan_id": b.nilai["id"], "nama": b.nilai["surat"].nama,
                                     "item_kode": b.nilai["surat"].item_kode} for b in rows])
    await conn.execute(n.insert(), [{"pemilihan_id": b.nilai["id"], "item_kode": b.nilai["norma"].item_kode,
                                     "per_tps": None, "cadangan_persen": b.nilai["norma"].cadangan_persen}
                                    for b in rows])
    await pemilihan.berlakukan(conn, now.astimezone(tz).date(), ulang=True)
    return [f"{b.nilai['id']}:{b.nilai['surat'].item_kode}" for b in rows]


CEK = {"tahapan_pemutakhiran": _cek_tahapan, "pemilihan": _cek_pemilihan, "pemilihan_surat": _cek_surat}
TULIS = {"tahapan_pemutakhiran": _tulis_tahapan, "pemilihan": _tulis_pemilihan, "pemilihan_surat": _tulis_surat}

