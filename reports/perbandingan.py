"""Capaian compared over the years (the LKj's Tabel 3.3) and against the Renstra's final target (Tabel 3.4).

Both call `reports.capaian.build` for the numbers of each year, so they agree with Tabel 3.2 and with /capaian;
Tabel 3.4 only measures the same realisation against a different target, with the same domain rule.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.capaian import (
    OPINI,
    PREDIKAT,
    HasilCapaian,
    JenisIndikator,
    Polaritas,
    hitung_capaian,
    kategori_sakip,
    nilai_from_canonical,
    rata_rata,
)
from reports import capaian
from reports.capaian import BarisCapaian, LaporanCapaian
from reports.tipe import Persen
from storage import kinerja
from storage import laporan as data


class NilaiTahun(BaseModel):
    """One indicator in one year."""

    tahun: int
    target: str | None
    realisasi: str | None
    capaian_persen: Persen
    status: str


class BarisBanding(BaseModel):
    """One indicator over the years, oldest first; `tren` compares the last two realisations."""

    kode: str
    indikator: str
    jenis: str
    sasaran_no: int | None
    tahun: list[NilaiTahun]
    tren: str | None  # naik, turun, tetap; None when either year has no realisation


class RingkasTahun(BaseModel):
    """The mean capaian of one year."""

    tahun: int
    capaian_persen: Persen
    kategori: str | None


class LaporanBanding(BaseModel):
    """Tabel 3.3: realisation and capaian of this year against earlier years."""

    tahun: int
    unit: str | None
    unit_nama: str | None
    daftar_tahun: list[int]
    indikator: list[BarisBanding]
    ringkasan: list[RingkasTahun]


class BarisRenstra(BaseModel):
    """One indicator against the Renstra's final target."""

    kode: str
    indikator: str
    jenis: str
    sasaran_no: int | None
    target_tahun: str | None
    capaian_tahun_persen: Persen
    target_renstra: str | None
    tahun_renstra: int | None
    realisasi: str | None
    capaian_persen: Persen
    status: str  # tercapai, tidak_tercapai, menunggu, tanpa_target


class LaporanRenstra(BaseModel):
    """Tabel 3.4: this year's realisation against the target at the end of the Renstra period."""

    tahun: int
    unit: str | None
    unit_nama: str | None
    tahun_akhir_renstra: int | None
    indikator: list[BarisRenstra]
    capaian_persen: Persen
    kategori: str | None


def _nilai_tahun(tahun: int, r: BarisCapaian | None) -> NilaiTahun:
    if r is None:
        return NilaiTahun(tahun=tahun, target=None, realisasi=None, capaian_persen=None, status="menunggu")
    return NilaiTahun(tahun=tahun, target=r.target, realisasi=r.realisasi, capaian_persen=r.capaian_persen,
                      status=r.status)


def _peringkat(jenis: str, kanonik: str) -> Decimal | None:
    j = JenisIndikator(jenis)
    nilai = nilai_from_canonical(j, kanonik)
    if nilai.pending:
        return None
    if nilai.angka is not None:
        return nilai.angka
    skala = PREDIKAT if j == JenisIndikator.predikat else OPINI
    return Decimal(skala.index(nilai.teks) + 1) if nilai.teks in skala else None


def tren(jenis: str, lalu: str | None, kini: str | None) -> str | None:
    """Whether the realisation went up, down or stayed (graded values by their rank); None when one is missing."""
    if lalu is None or kini is None:
        return None
    a, b = _peringkat(jenis, lalu), _peringkat(jenis, kini)
    if a is None or b is None:
        return None
    return "naik" if b > a else "turun" if b < a else "tetap"


async def banding_tahun(conn: AsyncConnection, tahun: int | None = None, unit: str | None = None,
                        jumlah: int = 4, today: date | None = None) -> LaporanBanding:
    """Tabel 3.3 for the last `jumlah` years up to `tahun` (years without any target or realisation left out)."""
    tahun = tahun or await kinerja.latest_year(conn) or 0
    laporan: dict[int, LaporanCapaian] = {}
    for y in range(tahun - jumlah + 1, tahun + 1):
        lap = await capaian.build(conn, y, unit, today=today)
        if y == tahun or any(r.target is not None or r.realisasi is not None for r in lap.indikator):
            laporan[y] = lap
    kini = laporan[tahun]
    daftar = sorted(laporan)
    per_tahun = {y: {r.kode: r for r in lap.indikator} for y, lap in laporan.items()}
    rows = []
    for r in kini.indikator:
        nilai = [_nilai_tahun(y, per_tahun[y].get(r.kode)) for y in daftar]
        lalu = nilai[-2].realisasi if len(nilai) > 1 else None
        rows.append(BarisBanding(kode=r.kode, indikator=r.indikator, jenis=r.jenis, sasaran_no=r.sasaran_no,
                                 tahun=nilai, tren=tren(r.jenis, lalu, r.realisasi)))
    ringkas = [RingkasTahun(tahun=y, capaian_persen=laporan[y].capaian_persen, kategori=laporan[y].kategori)
               for y in daftar]
    return LaporanBanding(tahun=tahun, unit=kini.unit, unit_nama=kini.unit_nama, daftar_tahun=daftar,
                          indikator=rows, ringkasan=ringkas)


async def banding_renstra(conn: AsyncConnection, tahun: int | None = None, unit: str | None = None,
                          today: date | None = None) -> LaporanRenstra:
    """Tabel 3.4: the year's realisations (as in Tabel 3.2) against the Renstra's final-year targets."""
    lap = await capaian.build(conn, tahun, unit, today=today)
    info = await data.indicators_by_kode(conn, [r.kode for r in lap.indikator])
    targets = await data.renstra_targets(conn, [i.id for i in info.values()])
    semua_tahun = [y for per in targets.values() for y in per if y >= lap.tahun]
    akhir = max(semua_tahun) if semua_tahun else None
    rows: list[BarisRenstra] = []
    hasil: list[HasilCapaian] = []
    for r in lap.indikator:
        ind = info.get(r.kode)
        target = targets.get(ind.id, {}).get(akhir) if ind and akhir else None
        if target is None or ind is None:
            h = HasilCapaian(persen=None, status="menunggu")
            status = "tanpa_target"
        else:
            jenis = JenisIndikator(ind.jenis)
            h = hitung_capaian(jenis, Polaritas(ind.polaritas), nilai_from_canonical(jenis, target),
                               nilai_from_canonical(jenis, r.realisasi) if r.realisasi is not None else None)
            status = h.status
            hasil.append(h)
        rows.append(BarisRenstra(
            kode=r.kode, indikator=r.indikator, jenis=r.jenis, sasaran_no=r.sasaran_no, target_tahun=r.target,
            capaian_tahun_persen=r.capaian_persen, target_renstra=target, tahun_renstra=akhir if target else None,
            realisasi=r.realisasi, capaian_persen=h.persen, status=status))
    mean = rata_rata(hasil)
    return LaporanRenstra(tahun=lap.tahun, unit=lap.unit, unit_nama=lap.unit_nama, tahun_akhir_renstra=akhir,
                          indikator=rows, capaian_persen=mean,
                          kategori=kategori_sakip(mean).kode if mean is not None else None)
