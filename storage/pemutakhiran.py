"""Voter-list update stages and their completion per unit (versioned)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.cakupan import BERTINDAK_DI_LAPANGAN
from domain.entitas import Pengguna, Tahapan, Unit
from domain.kinerja import DitolakError, periksa_tanggal_selesai
from domain.pemutakhiran import ditandai_oleh
from domain.tanggal import format_date
from storage import audit, org
from storage import tables as t
from storage import tahun as tahun_anggaran
from storage.cakupan import cakupan


async def stages(conn: AsyncConnection, tahun: int) -> list[Tahapan]:
    """The stages of a year in order."""
    q = sa.select(t.voter_stages).where(t.voter_stages.c.tahun == tahun).order_by(t.voter_stages.c.no)
    return [Tahapan(r.id, r.tahun, r.no, r.nama, r.mulai, r.selesai, r.pelaksana)
            for r in (await conn.execute(q)).all()]


async def completions(conn: AsyncConnection, tahun: int) -> dict[tuple[int, int], date]:
    """The latest completion date per (stage id, unit id)."""
    q = (sa.select(t.stage_completions.c.stage_id, t.stage_completions.c.unit_id,
                   t.stage_completions.c.selesai_pada)
         .join(t.voter_stages, t.voter_stages.c.id == t.stage_completions.c.stage_id)
         .where(t.voter_stages.c.tahun == tahun).order_by(t.stage_completions.c.versi))
    return {(s, u): d for s, u, d in (await conn.execute(q)).all()}


async def latest_year(conn: AsyncConnection) -> int | None:
    """The latest year that has stages."""
    return (await conn.execute(sa.select(sa.func.max(t.voter_stages.c.tahun)))).scalar_one_or_none()


# --- stage completions by operators (performance reporting feature) ----------------------------------------

@dataclass(frozen=True)
class Penyelesaian:
    """The latest recorded completion of one stage by one unit."""

    stage_id: int
    unit_id: int
    versi: int
    selesai_pada: date
    catatan: str | None


def _tahapan(r: sa.Row) -> Tahapan:
    return Tahapan(r.id, r.tahun, r.no, r.nama, r.mulai, r.selesai, r.pelaksana)


async def stage(conn: AsyncConnection, stage_id: int) -> Tahapan | None:
    """One stage by id."""
    r = (await conn.execute(sa.select(t.voter_stages).where(t.voter_stages.c.id == stage_id))).first()
    return _tahapan(r) if r else None


async def unit_completions(conn: AsyncConnection, tahun: int, unit_id: int) -> dict[int, Penyelesaian]:
    """The latest completion of each stage of the year by one unit, by stage id."""
    c = t.stage_completions
    q = (sa.select(c.c.stage_id, c.c.unit_id, c.c.versi, c.c.selesai_pada, c.c.catatan)
         .join(t.voter_stages, t.voter_stages.c.id == c.c.stage_id)
         .where(t.voter_stages.c.tahun == tahun, c.c.unit_id == unit_id).order_by(c.c.versi))
    return {r.stage_id: Penyelesaian(*r) for r in (await conn.execute(q)).all()}


async def kabkota_for(conn: AsyncConnection, user: Pengguna) -> list[Unit]:
    """The KPU kab/kota whose stages the user marks: those they may act on (``domain.cakupan``)."""
    ck = await cakupan(conn, user)
    return [u for u in await org.units(conn, "kabkota") if ck.tindak_kabkota(u.id)]


async def units_for(conn: AsyncConnection, user: Pengguna) -> list[Unit]:
    """The units whose stages an operator marks: ``kabkota_for``, and for the province's staff (any unit of the
    province's secretariat) first the province itself, for its own stages (``domain.pemutakhiran.tahapan_provinsi``)."""
    ck = await cakupan(conn, user)
    semua = await org.units(conn)
    kab = [u for u in semua if u.kind == "kabkota" and ck.tindak_kabkota(u.id)]
    # Only a satker with KPU kab/kota under it is a province (another organisation's tree is not).
    prov = [u for u in semua if u.id == ck.satker_id] if kab and ck.peran in BERTINDAK_DI_LAPANGAN else []
    return prov + kab


async def mark_done(conn: AsyncConnection, *, stage_id: int, unit_id: int, selesai_pada: date, catatan: str | None,
                    alasan: str | None, author: Pengguna, allowed_unit_ids: list[int], today: date,
                    now: datetime, draf: str | None = None) -> Penyelesaian:
    """Record that a unit finished a stage on a date (a correction, with a reason, is a new version).

    The unit is a KPU kab/kota (any stage) or the province (its own stages only). A draft (`draf`) already
    stored by this author gives back its version and writes nothing.
    """
    if unit_id not in set(allowed_unit_ids):
        raise DitolakError("Anda hanya dapat menandai tahapan untuk KPU Provinsi atau KPU kabupaten/kota dalam "
                           "cakupan Anda.")
    sc = t.stage_completions
    if draf is not None and (sudah := (await conn.execute(sa.select(
            sc.c.stage_id, sc.c.unit_id, sc.c.versi, sc.c.selesai_pada, sc.c.catatan)
            .where(sc.c.draf == draf, sc.c.author_id == author.id))).first()) is not None:
        return Penyelesaian(*sudah)
    s = await stage(conn, stage_id)
    if s is None:
        raise DitolakError("Tahapan ini tidak ditemukan.")
    await tahun_anggaran.periksa_terbuka(conn, s.tahun)
    kind = (await conn.execute(sa.select(t.units.c.kind).where(t.units.c.id == unit_id))).scalar_one_or_none()
    if kind is None or not ditandai_oleh(s.pelaksana, kind):
        raise DitolakError(f"Tahapan {s.no} dilaksanakan oleh {s.pelaksana}, bukan KPU Provinsi: tandai untuk "
                           "KPU kabupaten/kota.")
    periksa_tanggal_selesai(selesai_pada, s.mulai, today)
    done = (await unit_completions(conn, s.tahun, unit_id)).get(s.id)
    alasan = alasan.strip() if alasan else None
    if done is not None and not alasan:
        raise DitolakError(f"Tahapan {s.no} sudah ditandai selesai pada {format_date(done.selesai_pada)} "
                           f"(versi {done.versi}). Untuk mengubahnya, pilih Koreksi dan tulis alasannya.")
    versi = (done.versi if done else 0) + 1
    note = f"Koreksi: {alasan}" + (f" — {catatan}" if catatan else "") if done else catatan
    await conn.execute(t.stage_completions.insert().values(
        stage_id=s.id, unit_id=unit_id, versi=versi, selesai_pada=selesai_pada, catatan=note, author_id=author.id,
        sumber="bot", draf=draf, created_at=now))
    await audit.record(conn, actor=author.name, actor_id=author.id, action="koreksi" if done else "lapor",
                       entity="tahapan", entity_id=f"{s.id}:{unit_id}",
                       old={"versi": done.versi, "selesai_pada": done.selesai_pada.isoformat()} if done else None,
                       new={"tahapan": s.no, "versi": versi, "selesai_pada": selesai_pada.isoformat(),
                            "alasan": alasan}, now=now)
    return Penyelesaian(s.id, unit_id, versi, selesai_pada, note)
