"""The demo organisation: KPU Provinsi Bengkulu 2024 from the seed CSVs, plus clearly generated TPS and users."""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage import anggaran, demo_kini, libur, logistik, pemilihan, tenggat
from storage import tables as t
from storage import tahun as tahun_anggaran
from storage.catatan_seed import catatan_seed
from storage.db import inserted_id

SEED = Path(__file__).parent / "seed"
BKL = SEED / "bengkulu-2024"
VOTING_DAY = date(2024, 11, 27)
DEMO_SEED = 20241127
# Demo users: demo_key -> (name, role, unit code, telegram id, unit head?)
DEMO_USERS: dict[str, tuple[str, str, str | None, int, bool]] = {
    "admin": ("Admin Demo (Sub Bagian Perencanaan)", "admin", "PDI-REN", 910001, False),
    "pimpinan": ("Sekretaris Demo", "pimpinan", "PROV", 910002, True),
    "kabag-kul": ("Kepala Bagian KUL Demo", "pimpinan", "KUL", 910003, True),
    "operator": ("Operator Demo Sub Bagian Data dan Informasi", "operator", "PDI-DATIN", 910004, False),
    "operator-uml": ("Operator Demo Sub Bagian Umum dan Logistik", "operator", "KUL-UML", 910005, False),
    "operator-kota": ("Operator Logistik Demo KPU Kota Bengkulu", "operator", "KAB-1771", 910006, False),
    "petugas": ("Petugas KPPS Demo", "petugas", "KAB-1771", 910007, False),
}
# How the Bagian PK indicators feed the Sekretariat's strategic indicators (a reading made for the demo).
PK_TO_IKU = {
    "akuntabilitas kinerja": "IK3a",
    "laporan keuangan": "IK3b",
    "pertanggungjawaban": "IK3b",
    "sarana dan prasarana": "IK2",
    "sarana it": "IK2",
    "logistik": "IK6",
    "keputusan kpu": "IK5",
    "dana kampanye": "IK7",
    "aman dan damai": "IK7",
    "sengketa": "IK7",
    "pelatihan": "IK1",
    "pemutakhiran data pemilih": "IK4",
}


def read_csv(path: Path) -> list[dict[str, str]]:
    """Read a seed CSV into dictionaries."""
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@dataclass(frozen=True)
class LoadResult:
    """What a demo load did."""

    loaded: bool
    tps: int
    users: int
    shifted_days: int


def _now() -> datetime:
    return datetime.now(UTC)


def _local_end_of_day(d: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(d, time(23, 59), tzinfo=tz).astimezone(UTC)


async def _insert(conn: AsyncConnection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    if rows:
        await conn.execute(table.insert(), rows)


async def _ids(conn: AsyncConnection, table: sa.Table, key: str = "code") -> dict[str, int]:
    res = await conn.execute(sa.select(table.c[key], table.c.id))
    return {k: i for k, i in res.all()}


async def is_loaded(conn: AsyncConnection) -> bool:
    """Whether the demo is in the database already."""
    res = await conn.execute(sa.select(t.app_settings.c.value).where(t.app_settings.c.key == "demo"))
    return res.scalar_one_or_none() is not None


async def wipe(conn: AsyncConnection) -> None:
    """Delete every row of every table (children first)."""
    for table in reversed(t.metadata.sorted_tables):
        if table.name == "alembic_version":
            continue
        await conn.execute(table.delete())


TAHUN_TERBIT = (2021, 2022, 2023, 2024)  # years whose figures the LKjIP published: loaded closed


async def load(engine: AsyncEngine, *, reset: bool = False, live: bool = False, today: date | None = None,
               tz_name: str = "Asia/Jakarta", tutup_terbit: bool | None = None) -> LoadResult:
    """Load the demo in one transaction; idempotent unless reset.

    The published years (2021–2024) are loaded closed, with the LKjIP's figures as their final values, unless
    `tutup_terbit` is False (tests and benchmarks that replay 2024 while it runs). `live` adds an election event of
    the current year and leaves 2024 as published.
    """
    tutup = True if tutup_terbit is None else tutup_terbit
    tz = ZoneInfo(tz_name)
    today = today or datetime.now(tz).date()
    shift = 0  # 2024 stays as published; --live adds an election event three days ahead (storage.demo_kini)
    async with engine.begin() as conn:
        if await is_loaded(conn):
            if not reset:
                return LoadResult(False, 0, 0, 0)
            await wipe(conn)
        elif reset:
            await wipe(conn)
        tps_count = await _load_all(conn, shift, tz, today)
        await _pemilihan_2024(conn)
        kini = await demo_kini.muat(conn, today=today, tz=tz, live=live, now=_now())
        await logistik.hitung_ulang(conn)
        await libur.isi_libur_data(conn, zona=tz_name)  # before the deadlines: they count working days
        await tenggat.sinkronkan(conn, zona=tz_name, now=_now())  # the demo's deadlines, for /jadwal at once
        if tutup:
            await _tutup_terbit(conn)
        await conn.execute(t.app_settings.insert(), [{
            "key": "demo",
            "value": {"org": "BKL", "tahun": 2024, "geser_hari": shift, "tahun_kini": kini,
                      # the organisations and years whose targets the demo made up (storage.tanda_demo)
                      "target_demo": [["BTENG", 2024], *([[o, kini] for o in ("BKL", "BTENG")] if kini else [])],
                      "keterangan": "data demo KPU Provinsi Bengkulu 2024"
                      + (f" dan tahun {kini} (target, anggaran dan laporan demo)" if kini else "")
                      + (", pemilihan demo H-3" if live else "")},
        }])
        return LoadResult(True, tps_count, len(DEMO_USERS), shift)


async def _tutup_terbit(conn: AsyncConnection) -> None:
    """Close the published years with the figures the LKjIP gives: its recorded realisations (indicators 4 and 6
    included, as published, not recomputed from the generated demo data) and its budget tables."""
    for tahun in TAHUN_TERBIT:
        await tahun_anggaran.tutup(conn, tahun, otomatis={}, anggaran=await anggaran.lines(conn, tahun),
                                   actor="demo (angka LKjIP 2024)", now=_now())


async def _load_all(conn: AsyncConnection, shift: int, tz: ZoneInfo, today: date) -> int:
    def d(s: str) -> date:
        return date.fromisoformat(s) + timedelta(days=shift)

    await _load_units(conn)
    units = await _ids(conn, t.units)
    n_tps = await _load_tps(conn, units)
    await _load_users(conn, units)
    await _load_indicators(conn, units)
    await _load_budget(conn, units)
    await _load_stages(conn, units, d, today)
    await _load_logistics(conn, units, d, tz)
    await _load_lkjip(conn)
    await load_bengkulu_tengah(conn)
    return n_tps


async def _pemilihan_2024(conn: AsyncConnection) -> None:
    """The 2024 Pilkada as an election event: the loaded logistics schedule, ballots and norms."""
    ls, li = t.logistics_schedule, t.logistics_items
    jadwal = [pemilihan.JadwalKabkota(r.kabkota_unit_id, r.kirim_mulai, r.batas_tiba, r.batas_tiba_sulit,
                                      VOTING_DAY) for r in (await conn.execute(sa.select(ls))).all()]
    items = (await conn.execute(sa.select(li.c.kode, li.c.nama, li.c.per_tps, li.c.cadangan_persen)
                                .order_by(li.c.urutan))).all()
    pid = await pemilihan.simpan(conn, pemilihan.MasukanPemilihan(
        kode="PILKADA-2024", nama="Pilkada Serentak 2024", jenis="pilkada", tahun=2024, status="selesai",
        jadwal=jadwal, surat=[pemilihan.Surat(n.removeprefix("Surat suara "), k) for k, n, p, _ in items if p is None],
        norma=[pemilihan.Norma(k, p, c) for k, _, p, c in items]), actor="demo", now=_now())
    await conn.execute(t.app_settings.insert().values(key=pemilihan.BERLAKU, value={"id": pid}))


async def _load_units(conn: AsyncConnection) -> None:
    rows = read_csv(BKL / "units.csv")
    # Parents come before children in the file, so one pass resolves them.
    for r in rows:
        ids = await _ids(conn, t.units)
        await conn.execute(t.units.insert().values(
            code=r["code"], name=r["name"], kind=r["kind"], parent_id=ids.get(r["parent_code"]),
            kode_wilayah=r["kode_wilayah"] or None, org="BKL", timezone="Asia/Jakarta"))


def _spread(total: int, parts: int, rng: random.Random) -> list[int]:
    base = [total // parts] * parts
    for i in rng.sample(range(parts), total % parts):
        base[i] += 1
    return base


def generate_tps(kabkota: list[dict[str, str]], units: dict[str, int], kode_wilayah: dict[str, str],
                 seed: int = DEMO_SEED) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Generate kecamatan, desa and TPS rows with the seed's counts per kab/kota (names marked generated)."""
    rng = random.Random(seed)
    wil: list[dict[str, Any]] = []
    tps_rows: list[dict[str, Any]] = []
    for r in kabkota:
        unit_id = units[r["unit_code"]]
        base = kode_wilayah[r["unit_code"]]
        n_tps, n_sulit = int(r["jumlah_tps"]), int(r["tps_sulit"])
        n_kec = max(5, n_tps // 35)
        per_kec = _spread(n_tps, n_kec, rng)
        kab_tps: list[dict[str, Any]] = []
        for k in range(n_kec):
            kec_kode = f"{base}.{k + 1:02d}"
            enggano = r["unit_code"] == "KAB-1703" and k == n_kec - 1
            kec_dasar = "Enggano" if enggano else f"Kecamatan {k + 1:02d} {r['kabkota']}"
            kec_nama = kec_dasar if enggano else f"{kec_dasar} (dibuat)"
            wil.append({"kode": kec_kode, "nama": kec_nama, "tingkat": "kecamatan", "parent": None,
                        "unit_id": unit_id})
            n_desa = max(1, per_kec[k] // 5)
            per_desa = _spread(per_kec[k], n_desa, rng)
            for j in range(n_desa):
                desa_kode = f"{kec_kode}.{2001 + j}"
                wil.append({"kode": desa_kode, "nama": f"Desa {2001 + j} {kec_dasar} (dibuat)",
                            "tingkat": "desa", "parent": kec_kode, "unit_id": unit_id})
                for n in range(per_desa[j]):
                    kab_tps.append({"kode": f"{desa_kode}-{n + 1:03d}", "nama": f"TPS {n + 1:03d}",
                                    "kabkota_unit_id": unit_id, "kec": kec_kode, "desa": desa_kode,
                                    "dpt": rng.randint(300, 570), "sulit": False, "generated": True})
        # TPS sulit sit in the last kecamatan (islands and remote areas cluster; Enggano in Bengkulu Utara).
        for row in kab_tps[len(kab_tps) - n_sulit:] if n_sulit else []:
            row["sulit"] = True
        tps_rows.extend(kab_tps)
    return wil, tps_rows


async def _load_tps(conn: AsyncConnection, units: dict[str, int]) -> int:
    kabkota = read_csv(BKL / "tps_kabkota.csv")
    kode_wilayah = {r["code"]: r["kode_wilayah"] for r in read_csv(BKL / "units.csv") if r["kode_wilayah"]}
    wil, tps_rows = generate_tps(kabkota, units, kode_wilayah)
    kec = [w for w in wil if w["tingkat"] == "kecamatan"]
    await _insert(conn, t.wilayah, [{"kode": w["kode"], "nama": w["nama"], "tingkat": "kecamatan",
                                     "parent_id": None, "kabkota_unit_id": w["unit_id"],
                                     "generated": w["nama"] != "Enggano"} for w in kec])
    ids = await _ids(conn, t.wilayah, "kode")
    await _insert(conn, t.wilayah, [{"kode": w["kode"], "nama": w["nama"], "tingkat": "desa",
                                     "parent_id": ids[w["parent"]], "kabkota_unit_id": w["unit_id"],
                                     "generated": True} for w in wil if w["tingkat"] == "desa"])
    ids = await _ids(conn, t.wilayah, "kode")
    await _insert(conn, t.tps, [{
        "kode": r["kode"], "nama": r["nama"], "kabkota_unit_id": r["kabkota_unit_id"],
        "kecamatan_id": ids[r["kec"]], "desa_id": ids[r["desa"]], "dpt": r["dpt"], "sulit": r["sulit"],
        "generated": True} for r in tps_rows])
    return len(tps_rows)


async def _load_users(conn: AsyncConnection, units: dict[str, int]) -> None:
    now = _now()
    for key, (name, role, unit, tg, head) in DEMO_USERS.items():
        await conn.execute(t.users.insert().values(
            telegram_id=tg, name=name, role=role, status="aktif", unit_id=units.get(unit or ""),
            is_head=head, demo_key=key, created_at=now))
    # The demo field officer serves the first three TPS of Kota Bengkulu.
    uid = (await conn.execute(sa.select(t.users.c.id).where(t.users.c.demo_key == "petugas"))).scalar_one()
    tps_ids = (await conn.execute(sa.select(t.tps.c.id).where(t.tps.c.kabkota_unit_id == units["KAB-1771"])
                                  .order_by(t.tps.c.kode).limit(3))).scalars().all()
    await _insert(conn, t.user_tps, [{"user_id": uid, "tps_id": i} for i in tps_ids])


def _iku_for(nama: str) -> str | None:
    low = nama.lower()
    return next((k for key, k in PK_TO_IKU.items() if key in low), None)


async def _load_indicators(conn: AsyncConnection, units: dict[str, int]) -> None:
    now = _now()
    prov = units["PROV"]
    iku = read_csv(BKL / "indikator_sekretariat.csv")
    for r in iku:
        otomatis = {"IK4": "pemutakhiran", "IK6": "logistik"}.get(r["kode"])
        await conn.execute(t.indicators.insert().values(
            kode=r["kode"], nama=r["indikator"], jenis=r["jenis"], polaritas="naik", satuan=None,
            unit_id=prov, parent_id=None, tingkat="renstra", sasaran_no=int(r["sasaran_no"]),
            sasaran=r["sasaran"], frekuensi="tahun", agregasi="terakhir", otomatis=otomatis,
            catatan=catatan_seed("indikator_sekretariat.csv", r["kode"], r["catatan"])))
    ind = await _ids(conn, t.indicators, "kode")
    targets: list[dict[str, Any]] = []
    reals: list[dict[str, Any]] = []
    for r in iku:
        for year in range(2020, 2025):
            targets.append({"indicator_id": ind[r["kode"]], "tahun": year, "periode": str(year),
                            "sumber": "renstra", "nilai": r[f"target_{year}"]})
        targets.append({"indicator_id": ind[r["kode"]], "tahun": 2024, "periode": "2024", "sumber": "pk",
                        "nilai": r["target_pk_2024"]})
        for year in range(2021, 2025):
            reals.append({"indicator_id": ind[r["kode"]], "tahun": year, "periode": str(year), "versi": 1,
                          "nilai": r[f"realisasi_{year}"], "bukti": [], "sumber": "seed",
                          "status": "disetujui", "created_at": now,
                          "catatan": "dari LKjIP 2024" if year == 2024 else "dari LKjIP"})
    await _insert(conn, t.indicator_targets, targets)
    await _insert(conn, t.realisations, reals)
    # The Sekretaris' January PK carries the strategic indicators with their PK targets.
    pk_id = inserted_id(await conn.execute(t.pk_documents.insert().values(
        unit_id=prov, tahun=2024, versi=1, jenis="awal", tanggal=date(2024, 1, 2))))
    await _insert(conn, t.pk_items, [{"pk_id": pk_id, "indicator_id": ind[r["kode"]], "urutan": i + 1,
                                      "target": r["target_pk_2024"]} for i, r in enumerate(iku)])
    await _load_pk(conn, units, ind)


async def _load_pk(conn: AsyncConnection, units: dict[str, int], iku_ids: dict[str, int]) -> None:
    rows = read_csv(BKL / "perjanjian_kinerja_2024.csv")
    unit_rows = read_csv(BKL / "units.csv")
    parent_code = {r["code"]: r["parent_code"] for r in unit_rows}
    by_unit: dict[tuple[str, str], list[dict[str, str]]] = {}
    for r in rows:
        by_unit.setdefault((r["unit_code"], r["versi"]), []).append(r)
    by_name: dict[tuple[str, str], int] = {}  # (unit code, indicator text) -> indicator id
    for (unit, versi), items in by_unit.items():  # bagian rows precede their sub bagian in the file
        no = 1 if versi == "awal" else 2
        pk_id = inserted_id(await conn.execute(t.pk_documents.insert().values(
            unit_id=units[unit], tahun=2024, versi=no, jenis=versi,
            tanggal=date.fromisoformat(items[0]["tanggal"]))))
        for i, r in enumerate(items):
            kode = f"{unit}-{'P' if versi == 'perubahan' else ''}{i + 1}"
            parent = by_name.get((parent_code.get(unit, ""), r["indikator"]))
            if parent is None and unit in ("KUL", "TPH", "PDI"):
                iku = _iku_for(r["indikator"])
                parent = iku_ids.get(iku) if iku else None
            if parent is None and unit == "KUL-UML":
                parent = next((v for (u, n), v in by_name.items() if u == "KUL" and "logistik" in n.lower()), None)
            res = await conn.execute(t.indicators.insert().values(
                kode=kode, nama=r["indikator"], jenis=r["jenis"], polaritas="naik", unit_id=units[unit],
                parent_id=parent, tingkat="pk", sasaran_no=int(r["sasaran_no"]), sasaran=r["sasaran"],
                frekuensi="triwulan", agregasi="terakhir"))
            ind_id = inserted_id(res)
            by_name[(unit, r["indikator"])] = ind_id
            await conn.execute(t.pk_items.insert().values(pk_id=pk_id, indicator_id=ind_id, urutan=i + 1,
                                                          target=r["target"]))
            await conn.execute(t.indicator_targets.insert().values(
                indicator_id=ind_id, tahun=2024, periode="2024", sumber="pk", nilai=r["target"]))


def _catatan_anggaran(r: dict[str, str]) -> str:
    """Where a program's figure comes from, and what the report prints elsewhere."""
    catatan = catatan_seed("anggaran_program.csv", f"{r['tahun']} {r['kode']}", r["catatan"])
    return f"Tabel {r['sumber_tabel']} LKjIP" + (f"; {catatan}" if catatan else "")


async def _load_budget(conn: AsyncConnection, units: dict[str, int]) -> None:
    now = _now()
    for r in read_csv(BKL / "anggaran_program.csv"):
        line = inserted_id(await conn.execute(t.budget_lines.insert().values(
            tahun=int(r["tahun"]), kode=r["kode"], tingkat="program", nama=r["program"],
            pagu=int(r["pagu"]), unit_id=units["PROV"])))
        await conn.execute(t.budget_realisations.insert().values(
            budget_line_id=line, periode=r["tahun"], versi=1, jumlah=int(r["realisasi"]),
            catatan=_catatan_anggaran(r),
            sumber="seed", created_at=now))
    prog = {k: i for k, i in (await conn.execute(
        sa.select(t.budget_lines.c.kode, t.budget_lines.c.id).where(t.budget_lines.c.tahun == 2024))).all()}
    for r in read_csv(BKL / "anggaran_kegiatan_2024.csv"):
        await conn.execute(t.budget_lines.insert().values(
            tahun=2024, kode=r["kode"], tingkat="kegiatan", nama=r["kegiatan"], pagu=int(r["pagu"]),
            parent_id=prog[r["program"]], unit_id=units["PROV"]))
    keg = {k: i for k, i in (await conn.execute(
        sa.select(t.budget_lines.c.kode, t.budget_lines.c.id).where(t.budget_lines.c.tahun == 2024))).all()}
    ra = read_csv(BKL / "rencana_aksi_2024.csv")
    for r in ra:
        await conn.execute(t.rencana_aksi.insert().values(
            tahun=2024, kode=r["kode"], uraian=r["uraian"], pagu=int(r["pagu"]), volume=int(r["volume"]),
            satuan=r["satuan"], unit_id=units[r["unit_code"]], bulan_mulai=int(r["bulan_mulai"]),
            bulan_selesai=int(r["bulan_selesai"]), jadwal_demo=r["jadwal_dari_seed"] != "ya"))
        await conn.execute(t.budget_lines.insert().values(
            tahun=2024, kode=r["kode"], tingkat="output", nama=r["uraian"], pagu=int(r["pagu"]),
            parent_id=keg.get(r["kode"].split(".")[0]), unit_id=units[r["unit_code"]]))
    await _insert(conn, t.output_realisations, [
        {"tahun": 2024, "indikator_kode": r["indikator_kode"], "output": r["output"],
         "persen": r["realisasi_persen"]} for r in read_csv(BKL / "realisasi_output_2024.csv")])


async def _load_stages(conn: AsyncConnection, units: dict[str, int], d: Any, today: date) -> None:
    await _insert(conn, t.voter_stages, [
        {"tahun": 2024, "no": int(r["no"]), "nama": r["tahapan"], "mulai": d(r["mulai"]),
         "selesai": d(r["selesai"]), "pelaksana": r["pelaksana"]}
        for r in read_csv(BKL / "pemutakhiran_2024.csv")])
    # The report says every stage finished on time; the demo records that for stages already over,
    # as generated completions (source "demo") on or just before each stage's end date.
    rng = random.Random(DEMO_SEED)
    stages = (await conn.execute(sa.select(t.voter_stages.c.id, t.voter_stages.c.mulai, t.voter_stages.c.selesai)
                                 .order_by(t.voter_stages.c.no))).all()
    kab = [i for code, i in units.items() if code.startswith("KAB-")]
    now = _now()
    await _insert(conn, t.stage_completions, [
        {"stage_id": sid, "unit_id": u, "versi": 1, "sumber": "demo", "created_at": now,
         "selesai_pada": max(mulai, selesai - timedelta(days=rng.randint(0, 2))), "catatan": "data demo (dibuat)"}
        for sid, mulai, selesai in stages if selesai < today for u in kab])


async def _load_logistics(conn: AsyncConnection, units: dict[str, int], d: Any, tz: ZoneInfo) -> None:
    items = read_csv(BKL / "logistik_jenis.csv")
    await _insert(conn, t.logistics_items, [{
        "kode": r["kode"], "nama": r["nama"], "satuan": r["satuan"],
        "per_tps": int(r["per_tps"]) if r["per_tps"] else None,
        "cadangan_persen": "2.5" if not r["per_tps"] else None, "aturan": r["aturan"],
        "dari_seed": r["dari_seed"].startswith("ya"), "urutan": i + 1} for i, r in enumerate(items)])
    await _insert(conn, t.transport_modes, [{
        "kode": r["kode"], "nama": r["moda"], "ke_ppk": int(r["ke_ppk"]) if r["ke_ppk"] else None,
        "ke_pps": int(r["ke_pps"]) if r["ke_pps"] else None, "ke_tps": int(r["ke_tps"]) if r["ke_tps"] else None}
        for r in read_csv(BKL / "moda_transportasi_2024.csv")])
    h1 = d("2024-11-26")
    await _insert(conn, t.logistics_schedule, [{
        "kabkota_unit_id": units[r["unit_code"]], "kirim_mulai": d(r["kirim_mulai"]),
        "kirim_selesai": d(r["kirim_selesai"]),
        "batas_tiba": _local_end_of_day(h1, tz),
        # Default for TPS sulit: one day earlier than H-1 (an admin sets the real value per kab/kota).
        "batas_tiba_sulit": _local_end_of_day(h1 - timedelta(days=1), tz),
        "catatan": r["catatan"] or None} for r in read_csv(BKL / "tps_kabkota.csv")])
    now = _now()
    await _insert(conn, t.supplier_deliveries, [{
        "kabkota_unit_id": None, "item_id": None, "jenis": r["jenis_logistik"],
        "kemasan": int(r["jumlah_kemasan"]) if r["jumlah_kemasan"] else 0,
        "tanggal_kirim": d(r["tanggal_kirim"]), "tiba_mulai": d(r["tiba_mulai"]),
        "tiba_selesai": d(r["tiba_selesai"]), "moda": r["moda"], "catatan": r["catatan"] or None,
        "created_at": now} for r in read_csv(BKL / "pengiriman_penyedia_2024.csv")])


async def _load_lkjip(conn: AsyncConnection) -> None:
    await _insert(conn, t.keputusan, [{"tahun": int(r["tahun"]), "nomor": r["nomor"], "tentang": r["tentang"],
                                       "status": r["status"]} for r in read_csv(BKL / "keputusan_2024.csv")])
    await _insert(conn, t.angka_terbit, [{"tahun": 2024, **r} for r in read_csv(BKL / "lkjip_2024_terbit.csv")])


# --- a second organisation: KPU Kabupaten Bengkulu Tengah's performance tree (pohon kinerja) ------------------

BTENG = SEED / "bengkulu-tengah"
BTENG_UNITS: dict[str, str] = {  # the tree's `unit` column -> unit code (org BTENG)
    "KPU Kabupaten Bengkulu Tengah": "BTENG",
    "Sub Bagian Teknis Penyelenggaraan Pemilu, Partisipasi dan Hubungan Masyarakat": "BTENG-TPP",
    "Sub Bagian Hukum dan SDM": "BTENG-HSDM",
    "Sub Bagian Keuangan, Umum dan Logistik": "BTENG-KUL",
    "Sub Bagian Perencanaan, Data dan Informasi": "BTENG-PDI",
}
# Kind and target of the indicators that are not "Persentase … = 100"; the tree has no targets, so every
# target here (and the 100 of the others) is a demo default an admin must set, marked in the indicator's note.
BTENG_NILAI: dict[str, tuple[str, str]] = {
    "IK-JML-SENG": ("angka", "0"),
    "IK-REVISI": ("angka", "0"),
    "IK-SAK": ("angka", "12"),
    "IK-LPJ": ("angka", "12"),
    "IK-DIK": ("angka", "4"),
    "IKK-AKIP": ("predikat", "B"),
    "IKK-RB": ("indeks", "79"),
    "IKK-BPK": ("opini", "WTP"),
}
BTENG_CATATAN = "Target demo: pohon kinerja tidak memuat target; admin menetapkan target sebenarnya."
# The tree's copy adds this label to two "Jumlah …" indicators; the poster itself does not print it. Lower is
# better there is a reading of the indicator, so it goes in the note, and the name stays as the poster has it.
LABEL_TURUN = "(semakin kecil semakin baik)"
CATATAN_TURUN = "Polaritas turun (semakin kecil semakin baik) disimpulkan, tidak tertulis di pohon kinerja. "


def nama_polaritas(uraian: str) -> tuple[str, str, str]:
    """An indicator's name without the inferred label, its polarity, and the note saying the polarity is inferred."""
    awal = uraian.lower().find(LABEL_TURUN)
    if awal < 0:
        return uraian, "naik", ""
    nama = (uraian[:awal] + uraian[awal + len(LABEL_TURUN):]).strip()
    return " ".join(nama.split()), "turun", CATATAN_TURUN


async def load_bengkulu_tengah(conn: AsyncConnection) -> None:
    """Load the Bengkulu Tengah tree as organisation BTENG: the KPU kabupaten, its Sub Bagian, their 2024 PK.

    The KPU kabupaten is a satker of its own here (not one of the province's kab/kota units, whose TPS counts
    stay as they are). Its IKU (`iku_kab`) form its PK; each activity indicator (`indikator_kegiatan`) goes to
    the PK of the Sub Bagian running the activity and cascades to the IKU above the activity. The tree's copy
    labels two indicators "(semakin kecil semakin baik)": lower is better there, an inference said in the note.
    """
    rows = read_csv(BTENG / "pohon_kinerja.csv")
    by_id = {r["id"]: r for r in rows}
    await conn.execute(t.units.insert().values(code="BTENG", name="KPU Kabupaten Bengkulu Tengah", kind="satker",
                                               parent_id=None, kode_wilayah=None, org="BTENG",
                                               timezone="Asia/Jakarta"))
    top = (await _ids(conn, t.units))["BTENG"]
    for name, code in BTENG_UNITS.items():
        if code != "BTENG":
            await conn.execute(t.units.insert().values(code=code, name=name, kind="subbagian", parent_id=top,
                                                       org="BTENG", timezone="Asia/Jakarta"))
    units = await _ids(conn, t.units)

    def ancestor(r: dict[str, str], level: str) -> dict[str, str]:
        while r["level"] != level:
            r = by_id[r["parent_id"]]
        return r

    sasaran_no = {r["id"]: i + 1 for i, r in enumerate(x for x in rows if x["level"] == "sasaran_strategis")}
    kegiatan: dict[str, list[str]] = {}  # Sub Bagian -> its activities with indicators, in file order
    for x in rows:
        if x["level"] == "indikator_kegiatan":
            keg = by_id[x["parent_id"]]
            kegiatan.setdefault(keg["unit"], [])
            if keg["id"] not in kegiatan[keg["unit"]]:
                kegiatan[keg["unit"]].append(keg["id"])
    pk: dict[str, list[tuple[int, str]]] = {}  # unit code -> [(indicator id, target)]
    ids: dict[str, int] = {}
    for r in rows:  # parents precede children in the file
        if r["level"] not in ("iku_kab", "indikator_kegiatan"):
            continue
        if r["level"] == "iku_kab":
            unit, parent, ss = BTENG_UNITS[r["unit"]], None, ancestor(r, "sasaran_strategis")
            sasaran, no = ss["uraian"], sasaran_no[ss["id"]]
            iku = by_id[r["parent_id"]]
            note = f"Mendukung IKU KPU: {iku['uraian']}. " if iku["level"] == "iku_kpu" else ""
        else:
            keg = by_id[r["parent_id"]]
            unit, parent, sasaran = BTENG_UNITS[keg["unit"]], ids.get(keg["parent_id"]), keg["uraian"]
            above = by_id[keg["parent_id"]]  # an activity may serve a KPU IKU directly (no kabupaten IKU between)
            note = f"Mendukung IKU KPU: {above['uraian']}. " if above["level"] == "iku_kpu" else ""
            no = kegiatan[keg["unit"]].index(keg["id"]) + 1
        jenis, target = BTENG_NILAI.get(r["id"], ("persen", "100"))
        nama, polaritas, catatan_polaritas = nama_polaritas(r["uraian"])
        res = await conn.execute(t.indicators.insert().values(
            kode=f"BTENG-{r['id']}", nama=nama, jenis=jenis, polaritas=polaritas, unit_id=units[unit],
            parent_id=parent, tingkat="pk", sasaran_no=no, sasaran=sasaran,
            frekuensi="triwulan" if jenis in ("persen", "angka") else "tahun", agregasi="terakhir",
            catatan=note + catatan_polaritas + BTENG_CATATAN))
        ids[r["id"]] = inserted_id(res)
        pk.setdefault(unit, []).append((ids[r["id"]], target))
        await conn.execute(t.indicator_targets.insert().values(indicator_id=ids[r["id"]], tahun=2024, periode="2024",
                                                               sumber="pk", nilai=target))
    for unit, items in pk.items():
        doc = inserted_id(await conn.execute(t.pk_documents.insert().values(
            unit_id=units[unit], tahun=2024, versi=1, jenis="awal", tanggal=date(2024, 1, 2))))
        await _insert(conn, t.pk_items, [{"pk_id": doc, "indicator_id": i, "urutan": n + 1, "target": tg}
                                         for n, (i, tg) in enumerate(items)])


def iter_seed_files() -> Iterator[Path]:
    """Every seed file shipped with the project."""
    yield from sorted(SEED.rglob("*.csv"))
