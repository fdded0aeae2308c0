"""Budget lines (program, kegiatan, output) and their cumulative spending over time."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.angka import format_rupiah
from domain.entitas import MataAnggaran, Pengguna
from domain.kinerja import Belanja, DitolakError, periksa_belanja, periksa_periode
from domain.periode import Periode, parse_periode
from domain.tanggal import format_date
from storage import audit, kinerja
from storage import tables as t
from storage import tahun as tahun_anggaran
from storage.db import inserted_id


async def lines(conn: AsyncConnection, tahun: int, tingkat: str | None = None) -> list[MataAnggaran]:
    """Budget lines of a year with the latest cumulative spending (latest period, latest version); a closed year's
    are the values stored when it was closed."""
    final = await tahun_anggaran.final(conn, tahun)
    if final is not None:
        return [m for m in tahun_anggaran.final_lines(final, tahun) if tingkat is None or m.tingkat == tingkat]
    q = sa.select(t.budget_lines).where(t.budget_lines.c.tahun == tahun).order_by(t.budget_lines.c.id)
    if tingkat:
        q = q.where(t.budget_lines.c.tingkat == tingkat)
    rows = (await conn.execute(q)).all()
    reals = (await conn.execute(
        sa.select(t.budget_realisations.c.budget_line_id, t.budget_realisations.c.periode,
                  t.budget_realisations.c.versi, t.budget_realisations.c.jumlah)
        .where(t.budget_realisations.c.budget_line_id.in_([r.id for r in rows])))).all()
    latest: dict[int, tuple[tuple[object, int], int]] = {}
    for line_id, periode, versi, jumlah in reals:
        key = (parse_periode(periode).selesai, versi)
        if line_id not in latest or key > latest[line_id][0]:  # type: ignore[operator]
            latest[line_id] = (key, jumlah)
    return [MataAnggaran(r.id, r.tahun, r.kode, r.tingkat, r.nama, r.pagu,
                         latest[r.id][1] if r.id in latest else None, r.parent_id, r.unit_id) for r in rows]


async def catatan(conn: AsyncConnection, tahun: int) -> dict[str, str]:
    """The note of each budget line's latest spending version (the one its realisation comes from), by line code."""
    b, bl = t.budget_realisations, t.budget_lines
    rows = (await conn.execute(sa.select(bl.c.kode, b.c.periode, b.c.versi, b.c.catatan)
                               .join(bl, bl.c.id == b.c.budget_line_id).where(bl.c.tahun == tahun))).all()
    latest: dict[str, tuple[tuple[object, int], str | None]] = {}
    for kode, periode, versi, teks in rows:
        key = (parse_periode(periode).selesai, versi)
        if kode not in latest or key > latest[kode][0]:  # type: ignore[operator]
            latest[kode] = (key, teks)
    return {k: v for k, (_, v) in latest.items() if v}


async def revisi_terbaru(conn: AsyncConnection, tahun: int) -> str | None:
    """The newest imported DIPA/POK of a year, as its name and date ("revisi DIPA ke-2, 15 Juli 2027")."""
    rv = t.budget_revisions
    r = (await conn.execute(sa.select(rv.c.ke, rv.c.dokumen, rv.c.tanggal).where(rv.c.tahun == tahun)
                            .order_by(rv.c.ke.desc()).limit(1))).first()
    if r is None:
        return None
    return f"{f'{r.dokumen} awal' if r.ke == 0 else f'revisi {r.dokumen} ke-{r.ke}'}, {format_date(r.tanggal)}"


async def latest_year(conn: AsyncConnection) -> int | None:
    """The latest year that has budget lines."""
    return (await conn.execute(sa.select(sa.func.max(t.budget_lines.c.tahun)))).scalar_one_or_none()


# --- spending reports by unit operators (performance reporting feature) -------------------------------------

def _mata(r: sa.Row, realisasi: int | None = None) -> MataAnggaran:
    return MataAnggaran(r.id, r.tahun, r.kode, r.tingkat, r.nama, r.pagu, realisasi, r.parent_id, r.unit_id)


async def line(conn: AsyncConnection, line_id: int) -> MataAnggaran | None:
    """One budget line (without spending)."""
    r = (await conn.execute(sa.select(t.budget_lines).where(t.budget_lines.c.id == line_id))).first()
    return _mata(r) if r else None


async def output_lines(conn: AsyncConnection, tahun: int, unit_ids: list[int]) -> list[MataAnggaran]:
    """The output-level budget lines of the given units for a year, with their latest cumulative spending."""
    return [m for m in await lines(conn, tahun, "output") if m.unit_id in set(unit_ids)]


async def spending(conn: AsyncConnection, line_id: int) -> list[Belanja]:
    """Every version of a line's cumulative spending, by period end then version (oldest first)."""
    b = t.budget_realisations
    rows = (await conn.execute(sa.select(b).where(b.c.budget_line_id == line_id))).all()
    out = [Belanja(r.id, r.budget_line_id, r.periode, r.versi, r.jumlah, r.catatan, r.created_at) for r in rows]
    return sorted(out, key=lambda x: (parse_periode(x.periode).selesai, parse_periode(x.periode).mulai, x.versi))


def per_period(versions: list[Belanja]) -> dict[str, Belanja]:
    """The latest version of each period."""
    out: dict[str, Belanja] = {}
    for v in versions:  # oldest first, so the last one written wins
        if v.periode not in out or v.versi > out[v.periode].versi:
            out[v.periode] = v
    return out


def neighbours(versions: list[Belanja], p: Periode) -> tuple[tuple[str, int] | None, tuple[str, int] | None]:
    """The latest cumulative amount reported before the period and the earliest after it, with their labels."""
    latest = sorted(per_period(versions).values(), key=lambda v: parse_periode(v.periode).selesai)
    before = [v for v in latest if parse_periode(v.periode).selesai < p.mulai]
    after = [v for v in latest if parse_periode(v.periode).mulai > p.selesai]
    return ((parse_periode(before[-1].periode).label, before[-1].jumlah) if before else None,
            (parse_periode(after[0].periode).label, after[0].jumlah) if after else None)


async def record_spending(conn: AsyncConnection, *, line_id: int, periode: str, jumlah: int, alasan: str | None,
                          author: Pengguna, allowed_unit_ids: list[int], today: date, now: datetime,
                          draf: str | None = None) -> Belanja:
    """Record a line's cumulative spending up to a month's end as a new version (checked, audited).

    A draft (`draf`) already stored by this author gives back its version and writes nothing.
    """
    m = await line(conn, line_id)
    if m is None or m.tingkat != "output" or m.unit_id not in set(allowed_unit_ids):
        raise DitolakError("Mata anggaran ini bukan milik unit Anda; laporkan hanya output unit Anda.")
    br = t.budget_realisations
    if draf is not None and (sudah := (await conn.execute(sa.select(
            br.c.id, br.c.budget_line_id, br.c.periode, br.c.versi, br.c.jumlah, br.c.catatan, br.c.created_at)
            .where(br.c.draf == draf, br.c.author_id == author.id))).first()) is not None:
        return Belanja(*sudah)
    await tahun_anggaran.periksa_terbuka(conn, m.tahun)
    p = parse_periode(periode)
    periksa_periode(p, "bulan", m.tahun, today, await kinerja.closed_periods(conn))
    versions = await spending(conn, m.id)
    same = [v for v in versions if v.periode == p.kode]
    alasan = alasan.strip() if alasan else None
    if same and not alasan:
        raise DitolakError(f"{p.label} sudah dilaporkan ({format_rupiah(same[-1].jumlah)}); laporan baru adalah "
                           "koreksi dan perlu alasan.")
    sebelum, sesudah = neighbours(versions, p)
    periksa_belanja(jumlah, m.pagu, sebelum, sesudah, koreksi=alasan is not None)
    versi = (max(v.versi for v in same) if same else 0) + 1
    catatan = f"Koreksi: {alasan}" if alasan else None
    res = await conn.execute(t.budget_realisations.insert().values(
        budget_line_id=m.id, periode=p.kode, versi=versi, jumlah=jumlah, catatan=catatan, author_id=author.id,
        sumber="bot", draf=draf, created_at=now))
    rid = inserted_id(res)
    await audit.record(conn, actor=author.name, actor_id=author.id, action="koreksi" if alasan else "lapor",
                       entity="realisasi_anggaran", entity_id=rid,
                       old={"versi": same[-1].versi, "jumlah": same[-1].jumlah} if same else None,
                       new={"kode": m.kode, "periode": p.kode, "versi": versi, "jumlah": jumlah, "alasan": alasan},
                       now=now)
    return Belanja(rid, m.id, p.kode, versi, jumlah, catatan, now)
