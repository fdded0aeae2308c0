"""Capaian (achievement) per indicator, per sasaran and overall: the LKj's Tabel 3.2, 3.3 and 3.4.

Automatic indicators (``otomatis``) are computed, not reported, whenever their source has data for the year:

* ``pemutakhiran`` (indicator 4): the share of voter-list stages × KPU kab/kota finished on time among those due
  or done by the report date (``domain.pemutakhiran.persen_tepat_waktu`` over the latest stage completions);
* ``logistik`` (indicator 6): TPS whose latest arrival report of the year is *tepat* ÷ every TPS × 100, once any
  arrival report of that year exists.

Without such data (an earlier year, a period before the first stage ended, no arrival yet) the recorded
realisation (latest verified version) stands, as for every other indicator.

A closed year reads the values stored when it was closed (``storage.tahun``): its verified realisations and its
automatic indicators as computed then, so nothing written or imported later changes what it published.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.capaian import (
    HasilCapaian,
    JenisIndikator,
    Polaritas,
    hitung_capaian,
    kategori_sakip,
    nilai_from_canonical,
    rata_rata,
)
from domain.entitas import Indikator, Realisasi
from domain.kinerja import nilai_otomatis, persen_tps_tepat
from domain.pemutakhiran import persen_tepat_waktu, status_tahapan
from domain.periode import Periode, parse_periode
from domain.tanda import sumber_demo
from reports.tipe import Persen
from storage import kinerja, org, pemutakhiran, tanda_demo
from storage import tahun as tahun_anggaran


class BarisCapaian(BaseModel):
    """One indicator's line."""

    kode: str
    indikator: str
    jenis: str
    sasaran_no: int | None
    sasaran: str | None
    target: str | None
    realisasi: str | None
    capaian_persen: Persen
    status: str
    kategori: str | None
    otomatis: str | None = None
    terverifikasi: bool = False
    menunggu_verifikasi: bool = False
    periode_realisasi: str | None = None
    realisasi_diajukan: str | None = None  # the newest value still waiting for verification, shown apart
    dihitung: bool = False  # the realisation was computed (automatic indicator), not reported
    rincian_otomatis: str | None = None
    catatan: str | None = None  # the note recorded on the indicator (e.g. where the source contradicts itself)
    target_demo: bool = False  # demo data, not from a source document (domain.tanda marks it)
    realisasi_demo: bool = False
    anak: list[BarisCapaian] = []


class RingkasSasaran(BaseModel):
    """The mean capaian of one sasaran (target)."""

    no: int | None
    sasaran: str | None
    capaian_persen: Persen
    kategori: str | None


class LaporanCapaian(BaseModel):
    """The capaian report of a year for the organisation or one unit."""

    tahun: int
    sampai: str | None = None
    unit: str | None
    unit_nama: str | None
    pk_versi: str | None
    indikator: list[BarisCapaian]
    sasaran: list[RingkasSasaran]
    capaian_persen: Persen
    kategori: str | None

    def semua_baris(self) -> list[BarisCapaian]:
        """Every indicator row, cascaded children included."""
        return [x for r in self.indikator for x in (r, *r.anak)]

    def ada_demo(self) -> bool:
        """Whether any target or realisation shown is demo data."""
        return any(r.target_demo or r.realisasi_demo for r in self.semua_baris())


class Demo(BaseModel):
    """Which figures of a report are demo data: the indicators with demo targets, automatic sources fed by it."""

    target: set[int] = set()
    otomatis: set[str] = set()


def year_value(reals: list[Realisasi], tahun: int, agregasi: str) -> tuple[Realisasi | None, bool]:
    """The realisation that counts for the year (latest verified) and whether a newer one awaits verification."""
    verified: dict[str, Realisasi] = {}
    for r in reals:  # oldest version first
        if r.status == "disetujui":
            verified[r.periode] = r
    submitted = [r for r in reals if r.status == "diajukan"]
    if not verified:
        return None, bool(submitted)
    # "terakhir" (the latest period stands for the year) is the aggregation the seed's indicators use.
    chosen = verified.get(str(tahun)) or max(verified.values(), key=lambda r: parse_periode(r.periode).selesai)
    end = parse_periode(chosen.periode).selesai
    waiting = any(parse_periode(r.periode).selesai > end or (r.periode == chosen.periode and r.versi > chosen.versi)
                  for r in submitted)
    return chosen, waiting


def _kategori(h: HasilCapaian) -> str | None:
    return kategori_sakip(h.persen).kode if h.persen is not None else None


def _diajukan(reals: list[Realisasi], chosen: Realisasi | None) -> str | None:
    """The newest submitted value that is newer than the verified one (None when nothing waits)."""
    waiting = [r for r in reals if r.status == "diajukan"
               and (chosen is None or (parse_periode(r.periode).selesai, r.versi)
                    > (parse_periode(chosen.periode).selesai, chosen.versi))]
    if not waiting:
        return None
    return max(waiting, key=lambda r: (parse_periode(r.periode).selesai, r.versi)).nilai


def _row(ind: Indikator, target: str | None, reals: list[Realisasi], tahun: int,
         auto: dict[str, tuple[str, str]], demo: Demo) -> tuple[BarisCapaian, HasilCapaian]:
    jenis = JenisIndikator(ind.jenis)
    real, waiting = year_value(reals, tahun, ind.agregasi)
    computed = auto.get(ind.otomatis) if ind.otomatis else None
    nilai = computed[0] if computed else (real.nilai if real else None)
    if target is None:
        hasil = HasilCapaian(persen=None, status="menunggu", selisih_tingkat=None)
    else:
        hasil = hitung_capaian(jenis, Polaritas(ind.polaritas), nilai_from_canonical(jenis, target),
                               nilai_from_canonical(jenis, nilai) if nilai is not None else None)
    return BarisCapaian(
        kode=ind.kode, indikator=ind.nama, jenis=ind.jenis, sasaran_no=ind.sasaran_no, sasaran=ind.sasaran,
        target=target, realisasi=nilai, capaian_persen=hasil.persen, status=hasil.status,
        kategori=_kategori(hasil), otomatis=ind.otomatis, terverifikasi=computed is not None or real is not None,
        menunggu_verifikasi=waiting and computed is None, periode_realisasi=real.periode if real and not computed
        else None, realisasi_diajukan=None if computed else _diajukan(reals, real), dihitung=computed is not None,
        rincian_otomatis=computed[1] if computed else None, catatan=ind.catatan,
        target_demo=target is not None and ind.id in demo.target,
        realisasi_demo=nilai is not None and (ind.otomatis in demo.otomatis if computed else
                                              real is not None and sumber_demo(real.sumber))), hasil


async def automatic_values(conn: AsyncConnection, tahun: int, today: date,
                           sampai: Periode | None = None) -> dict[str, tuple[str, str]]:
    """The computed value (canonical text) and how it was computed, per automatic source with data for the year."""
    return {k: (v["nilai"], v["rincian"]) for k, v in (await automatic_inputs(conn, tahun, today, sampai)).items()}


async def automatic_inputs(conn: AsyncConnection, tahun: int, today: date,
                           sampai: Periode | None = None) -> dict[str, dict[str, Any]]:
    """Per automatic source with data for the year: its value, how it was computed, and the counts it came from."""
    out: dict[str, dict[str, Any]] = {}
    cutoff = min(today, sampai.selesai) if sampai else today
    stages = await pemutakhiran.stages(conn, tahun)
    if stages:
        kab = await org.units(conn, "kabkota")
        done = await pemutakhiran.completions(conn, tahun)
        statuses: list[str] = []
        for s in stages:
            for k in kab:
                d = done.get((s.id, k.id))
                statuses.append(status_tahapan(s.mulai, s.selesai, d if d and d <= cutoff else None, cutoff))
        persen = persen_tepat_waktu(statuses)
        if persen is not None:
            due = sum(1 for x in statuses if x in ("tepat_waktu", "terlambat", "lewat_batas"))
            tepat = statuses.count("tepat_waktu")
            out["pemutakhiran"] = {
                "nilai": nilai_otomatis(persen),
                "rincian": f"{tepat} dari {due} tahapan × KPU kabupaten/kota selesai tepat waktu",
                "masukan": {"tepat_waktu": tepat, "jatuh_tempo": due, "tahapan": len(stages), "kabkota": len(kab),
                            "per_status": {s: statuses.count(s) for s in sorted(set(statuses))},
                            "sampai": cutoff.isoformat()}}
    arrivals = await kinerja.arrivals_on_target(conn, tahun, sampai.selesai if sampai else None)
    if arrivals is not None:
        persen_tps = persen_tps_tepat(*arrivals)
        if persen_tps is not None:
            out["logistik"] = {
                "nilai": nilai_otomatis(persen_tps),
                "rincian": f"{arrivals[0]} dari {arrivals[1]} TPS menerima logistik secara tepat",
                "masukan": {"tps_tepat": arrivals[0], "tps": arrivals[1]}}
    return out


async def build(conn: AsyncConnection, tahun: int | None = None, unit: str | None = None,
                sampai: Periode | None = None, today: date | None = None) -> LaporanCapaian:
    """Build the capaian report; without a unit, the organisation's strategic indicators (Tabel 3.2).

    With `sampai`, only realisations of periods ending by that period's end count (e.g. up to Triwulan III).
    Automatic indicators are computed as of `today` (default: the real date) or the end of `sampai`.
    """
    tahun = tahun or (sampai.tahun if sampai else None) or await kinerja.latest_year(conn) or 0
    unit_obj = await org.unit_by_code(conn, unit) if unit else None
    if unit and unit_obj is None:
        raise LookupError(f"Unit {unit!r} tidak dikenal.")
    pk_versi: str | None = None
    if unit_obj is None:
        inds = await kinerja.strategic_indicators(conn)
        ids = [i.id for i in inds]
        tg = await kinerja.targets(conn, ids, tahun, "pk")
        tg_renstra = await kinerja.targets(conn, ids, tahun, "renstra")
        pairs = [(i, tg.get(i.id) or tg_renstra.get(i.id)) for i in inds]
    else:
        pk = await kinerja.latest_pk(conn, unit_obj.id, tahun)
        pairs = [(i, tgt) for i, tgt in (pk or [])]
        pk_versi = "terbaru" if pk else None
    ids = [i.id for i, _ in pairs]
    children = await kinerja.children_of(conn, ids) if unit_obj else {}
    child_ids = [c.id for cs in children.values() for c in cs]
    final = await tahun_anggaran.final(conn, tahun)
    reals = (tahun_anggaran.final_realisations(final, ids + child_ids, tahun) if final is not None
             else await kinerja.realisations(conn, ids + child_ids, tahun))
    if sampai is not None:
        reals = {k: [r for r in v if parse_periode(r.periode).selesai <= sampai.selesai] for k, v in reals.items()}
    child_targets = await kinerja.targets(conn, child_ids, tahun, "pk")
    auto: dict[str, tuple[str, str]] = {}
    if any(i.otomatis for i, _ in pairs) or any(c.otomatis for cs in children.values() for c in cs):
        if final is not None and (sampai is None or sampai.selesai >= date(tahun, 12, 31)):
            auto = {k: (v["nilai"], v["rincian"]) for k, v in final.get("otomatis", {}).items()}
        else:
            auto = await automatic_values(conn, tahun, today or date.today(), sampai)
    demo = Demo(target=await tanda_demo.target_demo(conn, tahun))
    if "pemutakhiran" in auto and await tanda_demo.penyelesaian_demo(conn, tahun):
        demo.otomatis.add("pemutakhiran")  # computed (now or when the year was closed) from completions a demo wrote
    rows: list[BarisCapaian] = []
    hasil: list[tuple[BarisCapaian, HasilCapaian]] = []
    for ind, target in pairs:
        row, h = _row(ind, target, reals.get(ind.id, []), tahun, auto, demo)
        row.anak = [_row(c, child_targets.get(c.id), reals.get(c.id, []), tahun, auto, demo)[0]
                    for c in children.get(ind.id, [])]
        rows.append(row)
        hasil.append((row, h))
    sasaran: list[RingkasSasaran] = []
    for no in dict.fromkeys(r.sasaran_no for r in rows):
        group = [h for r, h in hasil if r.sasaran_no == no]
        mean = rata_rata(group)
        first = next(r for r in rows if r.sasaran_no == no)
        sasaran.append(RingkasSasaran(no=no, sasaran=first.sasaran, capaian_persen=mean,
                                      kategori=kategori_sakip(mean).kode if mean is not None else None))
    overall = rata_rata([h for _, h in hasil])
    return LaporanCapaian(
        tahun=tahun, sampai=sampai.kode if sampai else None, unit=unit_obj.code if unit_obj else None,
        unit_nama=unit_obj.name if unit_obj else None,
        pk_versi=pk_versi, indikator=rows, sasaran=sasaran, capaian_persen=overall,
        kategori=kategori_sakip(overall).kode if overall is not None else None)
