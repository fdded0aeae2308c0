"""A generated national dataset for benchmarks: 38 provinces, 514 KPU kab/kota, 7.277 kecamatan, 823.220 TPS.

Everything here is generated and marked so: kecamatan, desa and TPS names carry "(dibuat)" and `generated = true`,
kab/kota names are "Kab/Kota 32.01 (dibuat)", indicators note "data nasional dibuat", realisations, stage
completions and budget rows have the source "dibuat", arrival receipts are numbered "GEN-…", and app_settings
holds the key "nasional" with the seed. Only the national totals (provinces, kab/kota per province, kecamatan,
TPS) follow the 2024 figures; the spread over provinces uses rough shares of the voter list, rounded by the
largest remainder so the totals are exact. The same seed gives the same data.

Rows go in with executemany batches (RETURNING ids where children need them) inside one transaction, so a
national dataset takes a couple of minutes on SQLite and an interrupted run leaves nothing behind.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage import demo, logistik, pemilihan
from storage import tables as t

JUMLAH_KABKOTA = 514
JUMLAH_KECAMATAN = 7_277
JUMLAH_TPS = 823_220
TPS_PER_DESA = 9.8
SEED_BAWAAN = 20240214
HARI_PEMUNGUTAN = date(2024, 11, 27)
SUMBER = "dibuat"
Skala = Literal["nasional", "provinsi"]

# (code, name, time zone, kab/kota, rough share of the national voter list in percent — a spread, not a fact)
PROVINSI: tuple[tuple[str, str, str, int, float], ...] = (
    ("11", "Aceh", "Asia/Jakarta", 23, 1.8), ("12", "Sumatera Utara", "Asia/Jakarta", 33, 5.0),
    ("13", "Sumatera Barat", "Asia/Jakarta", 19, 2.0), ("14", "Riau", "Asia/Jakarta", 12, 2.3),
    ("15", "Jambi", "Asia/Jakarta", 11, 1.3), ("16", "Sumatera Selatan", "Asia/Jakarta", 17, 3.1),
    ("17", "Bengkulu", "Asia/Jakarta", 10, 0.7), ("18", "Lampung", "Asia/Jakarta", 15, 3.1),
    ("19", "Kepulauan Bangka Belitung", "Asia/Jakarta", 7, 0.5), ("21", "Kepulauan Riau", "Asia/Jakarta", 7, 0.8),
    ("31", "DKI Jakarta", "Asia/Jakarta", 6, 4.0), ("32", "Jawa Barat", "Asia/Jakarta", 27, 17.6),
    ("33", "Jawa Tengah", "Asia/Jakarta", 35, 13.9), ("34", "DI Yogyakarta", "Asia/Jakarta", 5, 1.4),
    ("35", "Jawa Timur", "Asia/Jakarta", 38, 15.2), ("36", "Banten", "Asia/Jakarta", 8, 4.4),
    ("51", "Bali", "Asia/Makassar", 9, 1.6), ("52", "Nusa Tenggara Barat", "Asia/Makassar", 10, 1.9),
    ("53", "Nusa Tenggara Timur", "Asia/Makassar", 22, 2.0), ("61", "Kalimantan Barat", "Asia/Pontianak", 14, 1.8),
    ("62", "Kalimantan Tengah", "Asia/Pontianak", 14, 0.9), ("63", "Kalimantan Selatan", "Asia/Makassar", 13, 1.4),
    ("64", "Kalimantan Timur", "Asia/Makassar", 10, 1.3), ("65", "Kalimantan Utara", "Asia/Makassar", 5, 0.2),
    ("71", "Sulawesi Utara", "Asia/Makassar", 15, 1.0), ("72", "Sulawesi Tengah", "Asia/Makassar", 13, 1.1),
    ("73", "Sulawesi Selatan", "Asia/Makassar", 24, 3.2), ("74", "Sulawesi Tenggara", "Asia/Makassar", 17, 1.0),
    ("75", "Gorontalo", "Asia/Makassar", 6, 0.4), ("76", "Sulawesi Barat", "Asia/Makassar", 6, 0.5),
    ("81", "Maluku", "Asia/Jayapura", 11, 0.7), ("82", "Maluku Utara", "Asia/Jayapura", 10, 0.5),
    ("91", "Papua", "Asia/Jayapura", 9, 0.5), ("92", "Papua Barat", "Asia/Jayapura", 7, 0.2),
    ("93", "Papua Selatan", "Asia/Jayapura", 4, 0.2), ("94", "Papua Tengah", "Asia/Jayapura", 8, 0.6),
    ("95", "Papua Pegunungan", "Asia/Jayapura", 8, 0.7), ("96", "Papua Barat Daya", "Asia/Jayapura", 6, 0.2),
)
BENCH_USERS: dict[str, tuple[str, str, str, int, bool]] = {
    "nas-admin": ("Admin Nasional (dibuat)", "admin", "RI", 920001, False),
    "nas-pimpinan": ("Pimpinan KPU RI (dibuat)", "pimpinan", "RI", 920002, True),
    "nas-pimpinan-jabar": ("Pimpinan KPU Provinsi Jawa Barat (dibuat)", "pimpinan", "PROV-32", 920003, True),
    "nas-operator-kab": ("Operator KPU Kab/Kota 32.01 (dibuat)", "operator", "KAB-3201", 920004, False),
}


class SudahAdaData(Exception):
    """The database is not empty (the Bengkulu demo or another dataset is there); pass reset to wipe it."""


@dataclass(frozen=True)
class HasilNasional:
    """What a generation made."""

    provinsi: int
    kabkota: int
    kecamatan: int
    desa: int
    tps: int
    laporan_tiba: int
    baris_tiba: int
    indikator: int
    realisasi: int


def bagi(total: int, bobot: Sequence[float], minimum: int = 0) -> list[int]:
    """Split a total over weights exactly (largest remainder), each part at least `minimum`."""
    n = len(bobot)
    if n == 0:
        return []
    if total < minimum * n:
        raise ValueError(f"{total} tidak cukup untuk {n} bagian minimal {minimum}")
    sisa_total = total - minimum * n
    jumlah = sum(bobot) or 1.0
    kasar = [sisa_total * b / jumlah for b in bobot]
    bagian = [math.floor(x) for x in kasar]
    kurang = sisa_total - sum(bagian)
    for i in sorted(range(n), key=lambda i: (kasar[i] - bagian[i], -i), reverse=True)[:kurang]:
        bagian[i] += 1
    return [b + minimum for b in bagian]


@dataclass(frozen=True)
class _Kab:
    code: str
    wil: str
    prov: str
    kecamatan: int
    tps: int


def rencana(skala: Skala = "nasional", faktor: float = 1.0, seed: int = SEED_BAWAAN,
            provinsi: str = "32") -> list[_Kab]:
    """The kab/kota to generate with their kecamatan and TPS counts (the national spread, then the scope)."""
    rng = random.Random(seed)
    kab_bobot: list[tuple[str, str, str, float]] = []
    for kode, _nama, _tz, n_kab, share in PROVINSI:
        w = [rng.uniform(0.5, 1.5) for _ in range(n_kab)]
        s = sum(w)
        kab_bobot += [(f"KAB-{kode}{i + 1:02d}", f"{kode}.{i + 1:02d}", kode, share * x / s) for i, x in enumerate(w)]
    n_kec = max(JUMLAH_KABKOTA, round(JUMLAH_KECAMATAN * faktor))
    n_tps = max(n_kec, round(JUMLAH_TPS * faktor))
    kec = bagi(n_kec, [math.sqrt(b) for *_, b in kab_bobot], minimum=1)
    tps = bagi(n_tps - n_kec, [b for *_, b in kab_bobot])
    out = [_Kab(code, wil, prov, k, k + x) for (code, wil, prov, _), k, x in zip(kab_bobot, kec, tps, strict=True)]
    return out if skala == "nasional" else [k for k in out if k.prov == provinsi]


def _batch(rows: Iterator[dict[str, Any]], n: int) -> Iterator[list[dict[str, Any]]]:
    buf: list[dict[str, Any]] = []
    for r in rows:
        buf.append(r)
        if len(buf) >= n:
            yield buf
            buf = []
    if buf:
        yield buf


async def _ids(conn: AsyncConnection, table: sa.Table, rows: list[dict[str, Any]]) -> list[int]:
    """Insert rows and return their ids in the same order."""
    if not rows:
        return []
    res = await conn.execute(table.insert().returning(table.c.id, sort_by_parameter_order=True), rows)
    return list(res.scalars().all())


async def generate(engine: AsyncEngine, *, skala: Skala = "nasional", seed: int = SEED_BAWAAN, faktor: float = 1.0,
                   reset: bool = False, persen_tiba: float = 60.0, batch: int = 10_000, provinsi: str = "32",
                   kemajuan: Callable[[str], None] | None = None) -> HasilNasional:
    """Generate the dataset in one transaction; refuses a non-empty database unless reset (which wipes it)."""
    lapor = kemajuan or (lambda _s: None)
    async with engine.begin() as conn:
        ada = (await conn.execute(sa.select(sa.func.count()).select_from(t.units))).scalar_one()
        if ada:
            if not reset:
                demo_ada = await demo.is_loaded(conn)
                raise SudahAdaData("Basis data ini sudah berisi " + ("data demo Bengkulu" if demo_ada else "data")
                                   + "; pakai --reset untuk menghapusnya lebih dulu.")
            lapor("menghapus data lama")
            await demo.wipe(conn)
        hasil = await _isi(conn, rencana(skala, faktor, seed, provinsi), random.Random(seed), persen_tiba, batch,
                           skala, seed, faktor, lapor)
    if engine.dialect.name == "postgresql":
        # Fresh statistics: until autovacuum gets to the new rows the planner thinks the tables are tiny (an IK6
        # count ran as 493.595 index probes, 0,9 s instead of 0,3).
        lapor("statistik PostgreSQL (ANALYZE)")
        async with engine.connect() as conn:
            await conn.execute(sa.text("ANALYZE"))
            await conn.commit()
    return hasil


async def _isi(conn: AsyncConnection, kabs: list[_Kab], rng: random.Random, persen_tiba: float, batch: int,
               skala: str, seed: int, faktor: float, lapor: Callable[[str], None]) -> HasilNasional:
    prov_dipakai = sorted({k.prov for k in kabs})
    info = {p[0]: p for p in PROVINSI}
    lapor(f"unit: {len(prov_dipakai)} provinsi, {len(kabs)} kab/kota")
    ri = (await _ids(conn, t.units, [{"code": "RI", "name": "KPU Republik Indonesia (data nasional dibuat)",
                                      "kind": "satker", "parent_id": None, "kode_wilayah": None, "org": "NAS",
                                      "timezone": "Asia/Jakarta"}]))[0]
    prov_ids = dict(zip(prov_dipakai, await _ids(conn, t.units, [
        {"code": f"PROV-{p}", "name": f"KPU Provinsi {info[p][1]}", "kind": "satker", "parent_id": ri,
         "kode_wilayah": p, "org": "NAS", "timezone": info[p][2]} for p in prov_dipakai]), strict=True))
    kab_ids = dict(zip([k.code for k in kabs], await _ids(conn, t.units, [
        {"code": k.code, "name": f"KPU Kab/Kota {k.wil} (dibuat)", "kind": "kabkota", "parent_id": prov_ids[k.prov],
         "kode_wilayah": k.wil, "org": "NAS", "timezone": info[k.prov][2]} for k in kabs]), strict=True))
    items = await _logistik(conn, kabs, kab_ids, info)
    n = await _wilayah_tps(conn, kabs, kab_ids, items, rng, persen_tiba, batch, lapor)
    lapor("ringkasan ketibaan per kab/kota")
    await logistik.hitung_ulang(conn)
    lapor("tahapan pemutakhiran")
    await _tahapan(conn, list(kab_ids.values()), rng)
    lapor("indikator, PK dan realisasi")
    n_ind, n_real = await _kinerja(conn, ri, prov_ids, kab_ids, rng)
    await _anggaran(conn, ri)
    await _pengguna(conn)
    await conn.execute(t.app_settings.insert().values(key="nasional", value={
        "dibuat": True, "skala": skala, "seed": seed, "faktor": faktor, "tps": n[2],
        "keterangan": "data nasional dibuat untuk uji beban; bukan data resmi"}))
    return HasilNasional(len(prov_dipakai), len(kabs), n[0], n[1], n[2], n[3], n[4], n_ind, n_real)


async def _logistik(conn: AsyncConnection, kabs: list[_Kab], kab_ids: dict[str, int],
                    info: dict[str, tuple[str, str, str, int, float]]) -> dict[str, int]:
    rows = demo.read_csv(demo.BKL / "logistik_jenis.csv")
    ids = await _ids(conn, t.logistics_items, [{
        "kode": r["kode"], "nama": r["nama"], "satuan": r["satuan"],
        "per_tps": int(r["per_tps"]) if r["per_tps"] else None,
        "cadangan_persen": "2.5" if not r["per_tps"] else None, "aturan": r["aturan"],
        "dari_seed": r["dari_seed"].startswith("ya"), "urutan": i + 1} for i, r in enumerate(rows)])
    h1 = HARI_PEMUNGUTAN - timedelta(days=1)
    jadwal: list[dict[str, Any]] = []
    for k in kabs:
        tz = ZoneInfo(info[k.prov][2])
        jadwal.append({"kabkota_unit_id": kab_ids[k.code], "kirim_mulai": h1 - timedelta(days=2), "kirim_selesai": h1,
                       "batas_tiba": datetime.combine(h1, time(23, 59), tzinfo=tz).astimezone(UTC),
                       "batas_tiba_sulit": datetime.combine(h1 - timedelta(days=1), time(23, 59), tzinfo=tz)
                       .astimezone(UTC), "catatan": "jadwal dibuat (data nasional)"})
    await conn.execute(t.logistics_schedule.insert(), jadwal)
    # The same schedule as an election event, so /tiba, /logistik and /gudang find it running.
    await pemilihan.simpan(conn, pemilihan.MasukanPemilihan(
        kode=f"PILKADA-{HARI_PEMUNGUTAN.year}-DIBUAT", nama=f"Pilkada Serentak {HARI_PEMUNGUTAN.year} (dibuat)",
        jenis="pilkada", tahun=HARI_PEMUNGUTAN.year, jadwal=[
            pemilihan.JadwalKabkota(j["kabkota_unit_id"], j["kirim_mulai"], j["batas_tiba"], j["batas_tiba_sulit"],
                                    HARI_PEMUNGUTAN) for j in jadwal]), actor="nasional", now=datetime.now(UTC))
    return dict(zip([r["kode"] for r in rows], ids, strict=True))


async def _wilayah_tps(conn: AsyncConnection, kabs: list[_Kab], kab_ids: dict[str, int], items: dict[str, int],
                       rng: random.Random, persen_tiba: float, batch: int,
                       lapor: Callable[[str], None]) -> tuple[int, int, int, int, int]:
    now = datetime.now(UTC)
    kec_rows: list[dict[str, Any]] = []
    for k in kabs:
        kec_rows += [{"kode": f"{k.wil}.{i + 1:03d}", "nama": f"Kecamatan {k.wil}.{i + 1:03d} (dibuat)",
                      "tingkat": "kecamatan", "parent_id": None, "kabkota_unit_id": kab_ids[k.code],
                      "generated": True} for i in range(k.kecamatan)]
    kec_ids: list[int] = []
    for b in _batch(iter(kec_rows), batch):
        kec_ids += await _ids(conn, t.wilayah, b)
    lapor(f"wilayah: {len(kec_ids)} kecamatan")
    # TPS per kecamatan, then desa per kecamatan (about ten TPS each), kab/kota by kab/kota.
    per_kec: list[tuple[int, str, int, int]] = []  # (kabkota unit id, kecamatan code, kecamatan id, tps)
    pos = 0
    for k in kabs:
        tps = bagi(k.tps, [rng.uniform(0.4, 1.6) for _ in range(k.kecamatan)], minimum=1)
        for n in tps:
            per_kec.append((kab_ids[k.code], kec_rows[pos]["kode"], kec_ids[pos], n))
            pos += 1
    del kec_rows
    desa_plan: list[tuple[dict[str, Any], int, int, int]] = []  # (row, kab id, kec id, tps in desa)
    for kab_id, kec_kode, kec_id, n in per_kec:
        n_desa = max(1, round(n / TPS_PER_DESA))
        for j, m in enumerate(bagi(n, [rng.uniform(0.6, 1.4) for _ in range(n_desa)], minimum=1)):
            kode = f"{kec_kode}.{j + 1:04d}"
            desa_plan.append(({"kode": kode, "nama": f"Desa {kode} (dibuat)", "tingkat": "desa", "parent_id": kec_id,
                               "kabkota_unit_id": kab_id, "generated": True}, kab_id, kec_id, m))
    desa_ids: list[int] = []
    for b in _batch((d[0] for d in desa_plan), batch):
        desa_ids += await _ids(conn, t.wilayah, b)
    lapor(f"wilayah: {len(desa_ids)} desa")

    def tps_rows() -> Iterator[dict[str, Any]]:
        for (row, kab_id, kec_id, m), desa_id in zip(desa_plan, desa_ids, strict=True):
            for x in range(m):
                yield {"kode": f"{row['kode']}-{x + 1:03d}", "nama": f"TPS {x + 1:03d}", "kabkota_unit_id": kab_id,
                       "kecamatan_id": kec_id, "desa_id": desa_id, "dpt": rng.randint(150, 350),
                       "sulit": rng.random() < 0.03, "generated": True}

    n_tps = n_lap = n_baris = 0
    batas = datetime.combine(HARI_PEMUNGUTAN - timedelta(days=1), time(23, 59), tzinfo=ZoneInfo("Asia/Jakarta"))
    for b in _batch(tps_rows(), batch):
        ids = await _ids(conn, t.tps, b)
        n_tps += len(ids)
        laporan, dpt = [], []
        for tps_id, row in zip(ids, b, strict=True):
            if rng.random() * 100 >= persen_tiba:
                continue
            terlambat = rng.random() < 0.02
            lengkap = rng.random() < 0.96
            tiba = batas + timedelta(hours=rng.uniform(1, 10)) if terlambat else batas - timedelta(
                hours=rng.uniform(2, 60))
            laporan.append({"tps_id": tps_id, "versi": 1, "jenis": "baru", "nomor": f"GEN-{tps_id:07d}",
                            "tiba_pada": tiba.astimezone(UTC), "moda": rng.choice(("mobil", "motor", "perahu")),
                            "foto_file_id": None, "alasan_tanpa_foto": "data dibuat", "lat": None, "lon": None,
                            "alasan": None, "lengkap": lengkap, "terlambat": terlambat,
                            "tepat": lengkap and not terlambat, "reporter_id": None, "created_at": now})
            dpt.append((row["dpt"], lengkap))
        lap_ids = await _ids(conn, t.arrival_reports, laporan)
        baris = []
        for rid, (d, lengkap) in zip(lap_ids, dpt, strict=True):
            surat = d + math.ceil(d * 0.025)
            for kode, harap in (("KOTAK", 2), ("KANTONG", 1), ("SS-GUB", surat)):
                if kode in items:
                    baris.append({"report_id": rid, "item_id": items[kode], "diharapkan": harap,
                                  "diterima": harap if lengkap or kode != "SS-GUB" else harap - rng.randint(1, 20),
                                  "rusak": 0, "salah_jenis": False, "catatan": None})
        if baris:
            await conn.execute(t.arrival_lines.insert(), baris)
        n_lap += len(lap_ids)
        n_baris += len(baris)
        if n_tps % (batch * 10) < batch:
            lapor(f"TPS: {n_tps}, laporan kedatangan: {n_lap}")
    return len(kec_ids), len(desa_ids), n_tps, n_lap, n_baris


async def _tahapan(conn: AsyncConnection, kab_ids: list[int], rng: random.Random) -> None:
    stages = demo.read_csv(demo.BKL / "pemutakhiran_2024.csv")
    ids = await _ids(conn, t.voter_stages, [
        {"tahun": 2024, "no": int(r["no"]), "nama": r["tahapan"], "mulai": date.fromisoformat(r["mulai"]),
         "selesai": date.fromisoformat(r["selesai"]), "pelaksana": r["pelaksana"]} for r in stages])
    now = datetime.now(UTC)
    rows = []
    for sid, r in zip(ids, stages, strict=True):
        mulai, selesai = date.fromisoformat(r["mulai"]), date.fromisoformat(r["selesai"])
        for k in kab_ids:
            x = rng.random()
            if x < 0.01:
                continue  # not done yet: "lewat batas" once the stage is over
            hari = rng.randint(1, 5) if x < 0.04 else -rng.randint(0, 2)
            rows.append({"stage_id": sid, "unit_id": k, "versi": 1, "selesai_pada": max(mulai, selesai + timedelta(
                days=hari)), "catatan": "data nasional (dibuat)", "author_id": None, "sumber": SUMBER,
                "created_at": now})
    for b in _batch(iter(rows), 10_000):
        await conn.execute(t.stage_completions.insert(), b)


def _nilai_acak(jenis: str, target: str, rng: random.Random) -> str:
    if jenis == "opini":
        return "Proses" if rng.random() < 0.3 else "WTP"
    if jenis == "predikat":
        return rng.choice(("B", "BB", "B", "A"))
    angka = float(target)
    return f"{max(0.0, min(100.0 if jenis == 'persen' else angka * 1.2, angka * rng.uniform(0.85, 1.05))):.2f}" \
        .rstrip("0").rstrip(".")


async def _kinerja(conn: AsyncConnection, ri: int, prov_ids: dict[str, int], kab_ids: dict[str, int],
                   rng: random.Random) -> tuple[int, int]:
    now = datetime.now(UTC)
    iku = demo.read_csv(demo.BKL / "indikator_sekretariat.csv")
    iku_ids = await _ids(conn, t.indicators, [{
        "kode": r["kode"], "nama": r["indikator"], "jenis": r["jenis"], "polaritas": "naik", "satuan": None,
        "unit_id": ri, "parent_id": None, "tingkat": "renstra", "sasaran_no": int(r["sasaran_no"]),
        "sasaran": r["sasaran"], "frekuensi": "tahun", "agregasi": "terakhir",
        "otomatis": {"IK4": "pemutakhiran", "IK6": "logistik"}.get(r["kode"]),
        "catatan": "data nasional dibuat (nilai contoh dari IKU KPU Provinsi Bengkulu)"} for r in iku])
    targets: list[dict[str, Any]] = []
    reals: list[dict[str, Any]] = []
    for i, r in zip(iku_ids, iku, strict=True):
        targets += [{"indicator_id": i, "tahun": y, "periode": str(y), "sumber": "renstra",
                     "nilai": r[f"target_{y}"]} for y in range(2020, 2025)]
        targets.append({"indicator_id": i, "tahun": 2024, "periode": "2024", "sumber": "pk",
                        "nilai": r["target_pk_2024"]})
        reals += [{"indicator_id": i, "tahun": y, "periode": str(y), "versi": 1, "nilai": r[f"realisasi_{y}"],
                   "bukti": [], "sumber": SUMBER, "status": "disetujui", "created_at": now} for y in range(2021, 2025)]
    n_ind = len(iku_ids)

    async def pk(unit_id: int, awalan: str, induk: list[int]) -> list[int]:
        nonlocal n_ind
        ids = await _ids(conn, t.indicators, [{
            "kode": f"{awalan}-{n + 1}", "nama": f"{r['indikator']} ({awalan}, dibuat)", "jenis": r["jenis"],
            "polaritas": "naik", "unit_id": unit_id, "parent_id": p, "tingkat": "pk",
            "sasaran_no": int(r["sasaran_no"]), "sasaran": r["sasaran"], "frekuensi": "triwulan",
            "agregasi": "terakhir", "catatan": "data nasional dibuat"} for n, (r, p) in enumerate(zip(iku, induk,
                                                                                                    strict=True))])
        n_ind += len(ids)
        doc = (await _ids(conn, t.pk_documents, [{"unit_id": unit_id, "tahun": 2024, "versi": 1, "jenis": "awal",
                                                  "tanggal": date(2024, 1, 2)}]))[0]
        await conn.execute(t.pk_items.insert(), [{"pk_id": doc, "indicator_id": i, "urutan": n + 1,
                                                  "target": r["target_pk_2024"]}
                                                 for n, (i, r) in enumerate(zip(ids, iku, strict=True))])
        for i, r in zip(ids, iku, strict=True):
            targets.append({"indicator_id": i, "tahun": 2024, "periode": "2024", "sumber": "pk",
                            "nilai": r["target_pk_2024"]})
            for q in range(1, 5):
                reals.append({"indicator_id": i, "tahun": 2024, "periode": f"2024-Q{q}", "versi": 1,
                              "nilai": _nilai_acak(r["jenis"], r["target_pk_2024"], rng), "bukti": [],
                              "sumber": SUMBER, "status": "disetujui" if rng.random() < 0.95 else "diajukan",
                              "created_at": now})
        return ids

    prov_pk = {p: await pk(uid, f"P{p}", iku_ids) for p, uid in prov_ids.items()}
    for code, uid in kab_ids.items():
        await pk(uid, f"K{code.removeprefix('KAB-')}", prov_pk[code.removeprefix("KAB-")[:2]])
    for b in _batch(iter(targets), 10_000):
        await conn.execute(t.indicator_targets.insert(), b)
    for b in _batch(iter(reals), 10_000):
        await conn.execute(t.realisations.insert(), b)
    return n_ind, len(reals)


async def _anggaran(conn: AsyncConnection, ri: int) -> None:
    now = datetime.now(UTC)
    for r in demo.read_csv(demo.BKL / "anggaran_program.csv"):
        if r["tahun"] != "2024":
            continue
        # The province's program figures, scaled up: a plausible national shape, clearly not a fact.
        line = (await _ids(conn, t.budget_lines, [{"tahun": 2024, "kode": r["kode"], "tingkat": "program",
                                                   "parent_id": None, "nama": f"{r['program']} (dibuat)",
                                                   "pagu": int(r["pagu"]) * 38, "unit_id": ri}]))[0]
        await conn.execute(t.budget_realisations.insert().values(
            budget_line_id=line, periode="2024", versi=1, jumlah=int(r["realisasi"]) * 38,
            catatan="data nasional dibuat", sumber=SUMBER, created_at=now))


async def _pengguna(conn: AsyncConnection) -> None:
    units = {c: i for c, i in (await conn.execute(sa.select(t.units.c.code, t.units.c.id))).all()}
    now = datetime.now(UTC)
    rows = [{"telegram_id": tg, "name": nama, "role": peran, "status": "aktif", "unit_id": units[unit],
             "is_head": kepala, "demo_key": key, "created_at": now}
            for key, (nama, peran, unit, tg, kepala) in BENCH_USERS.items() if unit in units]
    await conn.execute(t.users.insert(), rows)
