"""The demo's current year, derived from the published 2024: the same organisation and PK structure with demo
targets, budget lines with demo spending to date, the action plan spread over the year, a continuous voter-list
schedule around today, realisations submitted and verified; and with ``live`` an election event whose voting day
is three days away. Everything here is generated and marked: realisations, spending and stage completions carry
the source ``demo``, activities ``jadwal_demo``, the event ``demo``, names "(demo)".

2024 is never touched: every row written here belongs to the current year (or to the live event).
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.periode import JenisPeriode, Periode, periode_tahun
from storage import pemilihan
from storage import tables as t
from storage.db import inserted_id

ASAL = 2024  # the published year the current one is derived from
TANDA = "(demo)"
CATATAN = "data demo (dibuat)"
SEED = 20261207
# A continuous voter-list updating year (Pemutakhiran Data Pemilih Berkelanjutan): each month the KPU kab/kota
# recapitulate, each quarter the province does; names as the stages would be listed in an import.
BULAN = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
         "November", "Desember")


async def muat(conn: AsyncConnection, *, today: date, tz: ZoneInfo, live: bool, now: datetime) -> int | None:
    """Load the current year (``today.year``) when it is after 2024, and the live event; returns the year loaded."""
    tahun = today.year
    if tahun > ASAL:
        rng = random.Random(SEED + tahun)
        await _pk(conn, tahun)
        await _anggaran(conn, tahun, today, rng, now)
        await _rencana(conn, tahun, today, now)
        await _tahapan(conn, tahun, today, rng, now)
        await _realisasi(conn, tahun, today, now)
    if live:
        await _pemilihan_langsung(conn, today, tz, now)
    return tahun if tahun > ASAL else None


async def _pk(conn: AsyncConnection, tahun: int) -> None:
    """Each unit's latest 2024 PK becomes its January PK of ``tahun``, targets as in 2024 (demo targets)."""
    d, i = t.pk_documents, t.pk_items
    docs = (await conn.execute(sa.select(d).where(d.c.tahun == ASAL).order_by(d.c.unit_id, d.c.versi))).all()
    latest = {r.unit_id: r for r in docs}
    for r in latest.values():
        pk_id = inserted_id(await conn.execute(d.insert().values(
            unit_id=r.unit_id, tahun=tahun, versi=1, jenis="awal", tanggal=date(tahun, 1, 2))))
        items = (await conn.execute(sa.select(i).where(i.c.pk_id == r.id).order_by(i.c.urutan))).all()
        if items:
            await conn.execute(i.insert(), [{"pk_id": pk_id, "indicator_id": x.indicator_id, "urutan": x.urutan,
                                             "target": x.target} for x in items])
    # Every 2024 PK target again (the strategic indicators' too, which the Sekretaris' January PK carried).
    it = t.indicator_targets
    lama = (await conn.execute(sa.select(it.c.indicator_id, it.c.nilai)
                               .where(it.c.tahun == ASAL, it.c.periode == str(ASAL), it.c.sumber == "pk"))).all()
    if lama:
        await conn.execute(it.insert(), [{"indicator_id": k, "tahun": tahun, "periode": str(tahun), "sumber": "pk",
                                          "nilai": v} for k, v in lama])


def _bulan_lalu(today: date) -> int:
    """How many months of the year are over (spending reported up to the end of the last one)."""
    return today.month - 1


async def _anggaran(conn: AsyncConnection, tahun: int, today: date, rng: random.Random, now: datetime) -> None:
    """The 2024 budget lines again (program, kegiatan, output), with demo cumulative spending to last month."""
    b = t.budget_lines
    lama = (await conn.execute(sa.select(b).where(b.c.tahun == ASAL).order_by(b.c.id))).all()
    baru: dict[int, int] = {}
    for r in lama:  # parents precede children (inserted in that order)
        baru[r.id] = inserted_id(await conn.execute(b.insert().values(
            tahun=tahun, kode=r.kode, tingkat=r.tingkat, parent_id=baru.get(r.parent_id), nama=f"{r.nama} {TANDA}",
            pagu=r.pagu, unit_id=r.unit_id)))
    bulan = _bulan_lalu(today)
    if bulan == 0:
        return  # January: nothing spent up to a finished month yet
    periode = Periode(tahun=tahun, jenis="bulan", ke=bulan).kode
    rows: list[dict[str, Any]] = []
    for r in lama:
        if r.tingkat == "kegiatan":
            continue  # programs and outputs carry spending (as the seed does)
        serap = min(1.0, bulan / 12 * rng.uniform(0.75, 1.0))
        rows.append({"budget_line_id": baru[r.id], "periode": periode, "versi": 1, "jumlah": int(r.pagu * serap),
                     "catatan": CATATAN, "sumber": "demo", "created_at": now})
    await conn.execute(t.budget_realisations.insert(), rows)


async def _rencana(conn: AsyncConnection, tahun: int, today: date, now: datetime) -> None:
    """The 2024 activities again, spread over the year's months (a demo schedule), with demo progress."""
    r = t.rencana_aksi
    lama = (await conn.execute(sa.select(r).where(r.c.tahun == ASAL).order_by(r.c.id))).all()
    for n, x in enumerate(lama):
        mulai = n % 12 + 1
        selesai = min(12, mulai + (x.bulan_selesai - x.bulan_mulai))
        rid = inserted_id(await conn.execute(r.insert().values(
            tahun=tahun, kode=x.kode, uraian=x.uraian, pagu=x.pagu, volume=x.volume, satuan=x.satuan,
            unit_id=x.unit_id, bulan_mulai=mulai, bulan_selesai=selesai, jadwal_demo=True)))
        if selesai < today.month or (selesai == today.month and n % 2 == 0):
            status, progres = "selesai", 100
        elif mulai <= today.month:
            status, progres = "berjalan", 50
        else:
            continue
        await conn.execute(t.rencana_progress.insert().values(
            rencana_id=rid, versi=1, status=status, progres=progres, catatan=CATATAN, created_at=now))


def _akhir_bulan(tahun: int, bulan: int) -> date:
    return (date(tahun + (bulan == 12), bulan % 12 + 1, 1)) - timedelta(days=1)


async def _tahapan(conn: AsyncConnection, tahun: int, today: date, rng: random.Random, now: datetime) -> None:
    """A continuous updating year: a monthly recapitulation by every KPU kab/kota (in the first week of the next
    month) and a quarterly one by the province; the ones due by today are marked done on time (source demo)."""
    stages: list[dict[str, Any]] = []
    for bulan in range(1, 13):
        akhir = _akhir_bulan(tahun, bulan)
        stages.append({"tahun": tahun, "no": len(stages) + 1, "pelaksana": "KPU Kab/Kota",
                       "nama": f"Rekapitulasi Daftar Pemilih Berkelanjutan bulan {BULAN[bulan - 1]} {TANDA}",
                       "mulai": akhir - timedelta(days=6), "selesai": akhir + timedelta(days=7)})
        if bulan % 3 == 0:
            stages.append({"tahun": tahun, "no": len(stages) + 1, "pelaksana": "KPU Provinsi",
                           "nama": f"Rekapitulasi Triwulan {['I', 'II', 'III', 'IV'][bulan // 3 - 1]} "
                                   f"tingkat provinsi {TANDA}",
                           "mulai": akhir + timedelta(days=1), "selesai": akhir + timedelta(days=14)})
    await conn.execute(t.voter_stages.insert(), stages)
    v = t.voter_stages
    ids = (await conn.execute(sa.select(v.c.id, v.c.mulai, v.c.selesai, v.c.pelaksana)
                              .where(v.c.tahun == tahun))).all()
    kab = (await conn.execute(sa.select(t.units.c.id).where(t.units.c.kind == "kabkota", t.units.c.org == "BKL")
                              )).scalars().all()
    prov = (await conn.execute(sa.select(t.units.c.id).where(t.units.c.code == "PROV"))).scalar_one_or_none()
    rows: list[dict[str, Any]] = []
    for sid, mulai, selesai, pelaksana in ids:
        if selesai > today:
            continue
        # Indicator 4 counts every stage per KPU kab/kota; the province's own stages are marked by it too.
        for u in [*kab, *([prov] if prov and pelaksana != "KPU Kab/Kota" else [])]:
            rows.append({"stage_id": sid, "unit_id": u, "versi": 1, "sumber": "demo", "created_at": now,
                         "selesai_pada": max(mulai, selesai - timedelta(days=rng.randint(0, 3))),
                         "catatan": CATATAN})
    if rows:
        await conn.execute(t.stage_completions.insert(), rows)


def _periode_demo(frekuensi: str, tahun: int, today: date) -> list[Periode]:
    """The periods a demo realisation is reported for: the months or quarters already over; for a yearly
    indicator the year itself once its first quarter is over (a value to date)."""
    if frekuensi == "tahun":
        return [Periode(tahun=tahun, jenis="tahun", ke=1)] if today > date(tahun, 3, 31) else []
    jenis: JenisPeriode = "bulan" if frekuensi == "bulan" else "triwulan"
    return [p for p in periode_tahun(tahun, jenis) if p.selesai < today]


async def _realisasi(conn: AsyncConnection, tahun: int, today: date, now: datetime) -> None:
    """For the periods already over, a realisation at the target: verified, except the latest period of every
    second indicator, which waits for the unit head, so /capaian and the verification flow have something to
    show. Each is reported by its unit's operator (when the demo has one) three days after its period ended."""
    it, ind, u = t.indicator_targets, t.indicators, t.users
    q = (sa.select(ind.c.id, ind.c.frekuensi, it.c.nilai, ind.c.unit_id)
         .select_from(it.join(ind, ind.c.id == it.c.indicator_id))
         .where(it.c.tahun == tahun, it.c.periode == str(tahun), it.c.sumber == "pk", ind.c.otomatis.is_(None))
         .order_by(ind.c.id))
    operator: dict[int, int] = {}
    for uid, unit in (await conn.execute(sa.select(u.c.id, u.c.unit_id).where(
            u.c.role == "operator", u.c.status == "aktif", u.c.is_head.is_(False)).order_by(u.c.id))).all():
        operator.setdefault(unit, uid)
    rows: list[dict[str, Any]] = []
    for n, (ind_id, frekuensi, target, unit_id) in enumerate((await conn.execute(q)).all()):
        periode = _periode_demo(frekuensi, tahun, today)
        for p in periode:
            disetujui = n % 2 == 0 or p != periode[-1]
            diajukan = min(now, datetime.combine(p.selesai + timedelta(days=3), time(3, 0), tzinfo=UTC))
            rows.append({"indicator_id": ind_id, "tahun": tahun, "periode": p.kode, "versi": 1, "nilai": target,
                         "bukti": [], "catatan": CATATAN, "sumber": "demo", "author_id": operator.get(unit_id),
                         "status": "disetujui" if disetujui else "diajukan",
                         "verified_at": min(now, diajukan + timedelta(days=1)) if disetujui else None,
                         "created_at": diajukan})
    if rows:
        await conn.execute(t.realisations.insert(), rows)


async def _pemilihan_langsung(conn: AsyncConnection, today: date, tz: ZoneInfo, now: datetime) -> None:
    """A demo election event whose voting day is three days away: the 2024 kab/kota, ballots and norms."""
    hari = today + timedelta(days=3)

    def akhir(d: date) -> datetime:
        return datetime.combine(d, time(23, 59), tzinfo=tz).astimezone(UTC)

    kab = (await conn.execute(sa.select(t.units.c.id).where(t.units.c.kind == "kabkota", t.units.c.org == "BKL")
                              .order_by(t.units.c.code))).scalars().all()
    items = (await conn.execute(sa.select(t.logistics_items.c.kode, t.logistics_items.c.nama,
                                          t.logistics_items.c.per_tps, t.logistics_items.c.cadangan_persen)
                                .order_by(t.logistics_items.c.urutan))).all()
    await pemilihan.simpan(conn, pemilihan.MasukanPemilihan(
        kode=f"DEMO-{hari:%Y%m%d}", nama=f"Pemungutan Suara Ulang Demo {hari.year} {TANDA}", jenis="psu",
        tahun=hari.year, demo=True,
        jadwal=[pemilihan.JadwalKabkota(u, today - timedelta(days=2), akhir(hari - timedelta(days=1)),
                                        akhir(hari - timedelta(days=2)), hari) for u in kab],
        surat=[pemilihan.Surat(n.removeprefix("Surat suara "), k) for k, n, per, _ in items if per is None],
        norma=[pemilihan.Norma(k, per, None if c is None else c) for k, _, per, c in items]),
        actor="demo", now=now)
    await pemilihan.berlakukan(conn, today)
    # yesterday every kab/kota's warehouse sent the TPS their logistics by pick-up: /tiba offers that mode first
    await conn.execute(t.dispatches.insert(), [
        {"kabkota_unit_id": u, "tujuan": "tps", "kecamatan_id": None, "tanggal": today - timedelta(days=1),
         "moda": "PICKUP", "created_at": now} for u in kab])
