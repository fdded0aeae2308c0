"""Arrival reports at TPS (versioned), their escalations, and indicator 6 (share of TPS with a *tepat* arrival).

One report = one version of a TPS's state (``versi`` 1, 2, …); a correction (``koreksi``) replaces the state,
an additional delivery (``tambahan``) adds to it (see domain.logistik). Reports never change once written; the
latest version of a TPS is what counts. Any problem opens an escalation for the logistics officers of the
TPS's KPU kab/kota (active operators of that unit; PPK/PPS staff are registered as such operators for now,
since Pantau has no kecamatan/desa scope for accounts). A newer report of the same TPS supersedes that TPS's
open problem escalations (they are closed with a note), so at most one problem escalation per TPS is open.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain import logistik as lg
from domain.cakupan import boleh_lapor_tps
from domain.entitas import Pengguna, Tps
from storage import audit, logistik, org, pemilihan, tembolok, tenggat
from storage import tables as t
from storage import tahun as tahun_anggaran
from storage.sql import dialect_insert

FOTO_WAJIB = "logistik.foto_wajib"
KRITERIA_TEPAT = "logistik.kriteria_tepat"
TERBUKA, DITANGANI = "terbuka", "ditangani"
_a, _l, _e = t.arrival_reports, t.arrival_lines, t.escalations


class LogistikError(Exception):
    """A report or an action that cannot go ahead; the message is for the user (Indonesian)."""


class VersiBentrok(LogistikError):
    """Another report of the same TPS took this version number first (the transaction must be retried)."""


@dataclass(frozen=True)
class Moda:
    """A transport mode."""

    kode: str
    nama: str
    ke_tps: int | None = None  # how many TPS of the 2024 data were reached this way (most used first in /tiba)


@dataclass(frozen=True)
class Pengaturan:
    """What an admin configures for arrival reports."""

    foto_wajib: bool = False
    kriteria: tuple[str, ...] = lg.KRITERIA


@dataclass(frozen=True)
class LaporanTiba:
    """One version of a TPS's arrival report."""

    id: int
    tps_id: int
    versi: int
    jenis: str
    nomor: str
    tiba_pada: datetime
    moda: str | None
    foto_file_id: str | None
    alasan_tanpa_foto: str | None
    lat: float | None
    lon: float | None
    alasan: str | None
    lengkap: bool
    terlambat: bool
    tepat: bool
    reporter_id: int | None
    reporter: str | None
    created_at: datetime
    baris: tuple[lg.Baris, ...] = ()
    pemilihan_id: int | None = None  # the election event it was filed in (None: none ran)


@dataclass(frozen=True)
class KonteksTps:
    """Everything a report about one TPS needs: the TPS, its deadline, what should arrive, its latest report of
    the event being reported (an earlier event's report is another delivery, not one to correct or add to)."""

    tps: Tps
    kabkota_unit_id: int
    kecamatan_id: int
    batas: datetime | None
    paling_awal: datetime | None
    kebutuhan: tuple[tuple[lg.JenisLogistik, int], ...]
    terakhir: LaporanTiba | None


@dataclass(frozen=True)
class Penerima:
    """Someone an escalation goes to."""

    user_id: int
    telegram_id: int
    nama: str


@dataclass(frozen=True)
class Eskalasi:
    """A problem at a TPS waiting for (or handled by) a kab/kota officer."""

    id: int
    jenis: str
    kabkota_unit_id: int
    tps_id: int | None
    tps_kode: str | None
    report_id: int | None
    nomor: str | None
    uraian: str
    status: str
    pelapor: str | None
    pelapor_tg: int | None
    handled_by: str | None
    handled_at: datetime | None
    handled_note: str | None
    created_at: datetime


@dataclass(frozen=True)
class MasukanTiba:
    """What the officer reported (for ``tambahan``: what this additional delivery brought)."""

    tps_id: int
    jenis: str
    baris: tuple[lg.Baris, ...]
    tiba_pada: datetime
    moda: str | None = None
    foto_file_id: str | None = None
    alasan_tanpa_foto: str | None = None
    lat: float | None = None
    lon: float | None = None
    alasan: str | None = None
    draf: str | None = None  # the draft's id: the same draft submitted again is stored once


@dataclass(frozen=True)
class HasilLaporan:
    """What storing a report did."""

    laporan: LaporanTiba
    konteks: KonteksTps
    masalah: list[str]
    uraian: list[str]
    kriteria: dict[str, bool]
    eskalasi: list[Eskalasi] = field(default_factory=list)
    penerima: list[Penerima] = field(default_factory=list)
    ulang: bool = False  # this draft had been stored before: nothing was written now


# --- reference data and settings -------------------------------------------------------------------


# The statements of the arrival report's steps are built once: building one (and its cache key) anew costs more
# than running it (a parameter per call instead).
_Q_JENIS = sa.select(t.logistics_items).order_by(t.logistics_items.c.urutan, t.logistics_items.c.id)
_Q_MODA = (sa.select(t.transport_modes.c.kode, t.transport_modes.c.nama, t.transport_modes.c.ke_tps)
           .order_by(t.transport_modes.c.id))
_Q_ATURAN = (sa.select(t.app_settings.c.key, t.app_settings.c.value)
             .where(t.app_settings.c.key.in_([FOTO_WAJIB, KRITERIA_TEPAT])))


async def _singgah(conn: AsyncConnection, tabel: str, muat: Callable[[], Awaitable[Any]]) -> Any:
    """Master data through the engine's short-lived cache (storage.tembolok): a report reads it at two steps."""
    return await tembolok.untuk(conn.engine, tabel, (tabel,)).ambil(tabel, muat, conn=conn)


async def jenis_logistik(conn: AsyncConnection) -> list[lg.JenisLogistik]:
    """The kinds of logistics items in their order."""
    async def muat() -> tuple[lg.JenisLogistik, ...]:
        return tuple(lg.JenisLogistik(r.id, r.kode, r.nama, r.satuan, r.per_tps,
                                      None if r.cadangan_persen is None else Decimal(str(r.cadangan_persen)),
                                      r.urutan) for r in (await conn.execute(_Q_JENIS)).all())

    return list(await _singgah(conn, "logistics_items", muat))


async def moda_transportasi(conn: AsyncConnection) -> list[Moda]:
    """The transport modes (data/moda_transportasi_2024.csv)."""
    async def muat() -> tuple[Moda, ...]:
        return tuple(Moda(k, n, ke) for k, n, ke in (await conn.execute(_Q_MODA)).all())

    return list(await _singgah(conn, "transport_modes", muat))


async def pengaturan(conn: AsyncConnection) -> Pengaturan:
    """The configured photo rule and tepat criteria (defaults when unset or unreadable)."""
    async def muat() -> Pengaturan:
        rows = dict((await conn.execute(_Q_ATURAN)).all())
        kriteria = rows.get(KRITERIA_TEPAT)
        if not (isinstance(kriteria, list) and kriteria and all(k in lg.KRITERIA for k in kriteria)):
            kriteria = list(lg.KRITERIA)
        return Pengaturan(foto_wajib=rows.get(FOTO_WAJIB) is True, kriteria=tuple(kriteria))

    aturan: Pengaturan = await _singgah(conn, "app_settings", muat)
    return aturan


async def atur(conn: AsyncConnection, key: str, value: Any, *, actor: str, actor_id: int | None = None,
               now: datetime) -> None:
    """Set one logistics setting (audited)."""
    if key == FOTO_WAJIB and not isinstance(value, bool):
        raise LogistikError("Nilai foto wajib harus ya atau tidak.")
    if key == KRITERIA_TEPAT:
        lg.tepat(dict.fromkeys(lg.KRITERIA, True), value)  # raises on an empty or unknown list
    if key not in (FOTO_WAJIB, KRITERIA_TEPAT):
        raise LogistikError(f"Pengaturan {key!r} tidak dikenal.")
    old = (await conn.execute(sa.select(t.app_settings.c.value).where(t.app_settings.c.key == key))).scalar()
    stmt = dialect_insert(conn, t.app_settings).values(key=key, value=value)
    await conn.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={"value": value}))
    await audit.record(conn, actor=actor, actor_id=actor_id, action="ubah", entity="pengaturan", entity_id=key,
                       old=old, new=value, now=now)


# --- reading reports ---------------------------------------------------------------------------------


def _laporan(r: sa.Row, baris: Sequence[lg.Baris] = ()) -> LaporanTiba:
    return LaporanTiba(r.id, r.tps_id, r.versi, r.jenis, r.nomor, r.tiba_pada, r.moda, r.foto_file_id,
                       r.alasan_tanpa_foto, r.lat, r.lon, r.alasan, r.lengkap, r.terlambat, r.tepat, r.reporter_id,
                       r.reporter, r.created_at, tuple(baris), r.pemilihan_id)


_Q_BARIS = (sa.select(_l).where(_l.c.report_id.in_(sa.bindparam("ids", expanding=True)))
            .order_by(_l.c.report_id, _l.c.item_id))


async def _baris(conn: AsyncConnection, report_ids: Sequence[int]) -> dict[int, list[lg.Baris]]:
    out: dict[int, list[lg.Baris]] = {}
    if not report_ids:
        return out
    for r in (await conn.execute(_Q_BARIS, {"ids": list(report_ids)})).all():
        out.setdefault(r.report_id, []).append(
            lg.Baris(r.item_id, r.diharapkan, r.diterima, r.rusak, r.salah_jenis, r.catatan))
    return out


_REPORT_COLS = (_a, t.users.c.name.label("reporter"))
_REPORT_FROM = _a.outerjoin(t.users, t.users.c.id == _a.c.reporter_id)
_ACARA = sa.func.coalesce(_a.c.pemilihan_id, logistik.TANPA_ACARA) == sa.bindparam("acara")
_Q_TERAKHIR = (sa.select(*_REPORT_COLS).select_from(_REPORT_FROM)
               .where(_a.c.tps_id == sa.bindparam("tps_id"), _ACARA).order_by(_a.c.versi.desc()).limit(1))
_LATEST = (sa.select(_a.c.tps_id, sa.func.max(_a.c.versi).label("v"))
           .where(_a.c.tps_id.in_(sa.bindparam("ids", expanding=True)), _ACARA).group_by(_a.c.tps_id).subquery())
_Q_VERSI_TERAKHIR = sa.select(*_REPORT_COLS).select_from(
    _REPORT_FROM.join(_LATEST, sa.and_(_LATEST.c.tps_id == _a.c.tps_id, _LATEST.c.v == _a.c.versi)))


async def riwayat(conn: AsyncConnection, tps_id: int) -> list[LaporanTiba]:
    """Every version of a TPS's report, oldest first."""
    rows = (await conn.execute(sa.select(*_REPORT_COLS).select_from(_REPORT_FROM).where(_a.c.tps_id == tps_id)
                               .order_by(_a.c.versi))).all()
    lines = await _baris(conn, [r.id for r in rows])
    return [_laporan(r, lines.get(r.id, [])) for r in rows]


def _acara(pemilihan_id: int | None) -> int:
    return logistik.TANPA_ACARA if pemilihan_id is None else pemilihan_id


async def terakhir(conn: AsyncConnection, tps_id: int, pemilihan_id: int | None = None) -> LaporanTiba | None:
    """The latest version of a TPS's report of the event (None: of the reports filed while no event ran), or
    None."""
    r = (await conn.execute(_Q_TERAKHIR, {"tps_id": tps_id, "acara": _acara(pemilihan_id)})).first()
    if r is None:
        return None
    return _laporan(r, (await _baris(conn, [r.id])).get(r.id, []))


async def versi_terakhir(conn: AsyncConnection, tps_ids: Sequence[int],
                         pemilihan_id: int | None = None) -> dict[int, LaporanTiba]:
    """The latest report of the event (without its lines) of each of these TPS that has one."""
    if not tps_ids:
        return {}
    q = await conn.execute(_Q_VERSI_TERAKHIR, {"ids": list(tps_ids), "acara": _acara(pemilihan_id)})
    return {r.tps_id: _laporan(r) for r in q.all()}


async def cari_tps(conn: AsyncConnection, tps_ids: Sequence[int], teks: str, *, limit: int = 8) -> list[Tps]:
    """Among the given TPS, those whose code, name or desa contains the text (case-insensitive)."""
    kata = teks.strip().lower()[:60]
    if not kata or not tps_ids:
        return []
    semua = await org.list_tps(conn, ids=list(tps_ids))
    return [x for x in semua if kata in x.kode.lower() or kata in x.nama.lower() or kata in x.desa.lower()][:limit]


_KAB, _KEC, _DESA, _JADWAL = t.units.alias("kab"), t.wilayah.alias("kec"), t.wilayah.alias("desa"), t.logistics_schedule
_d = t.dispatches
# One query for the TPS, its places, its kab/kota's schedule and the first dispatch that covers it.
_KIRIM_PERTAMA = (sa.select(sa.func.min(_d.c.tanggal)).where(
    _d.c.kabkota_unit_id == t.tps.c.kabkota_unit_id,
    sa.or_(_d.c.kecamatan_id.is_(None), _d.c.kecamatan_id == t.tps.c.kecamatan_id),
    sa.or_(_d.c.tps_id.is_(None), _d.c.tps_id == t.tps.c.id)).scalar_subquery())
_Q_KONTEKS = (
    sa.select(t.tps, _KAB.c.code.label("kab_code"), _KAB.c.name.label("kab_name"), _KAB.c.timezone,
              _KEC.c.nama.label("kec_nama"), _DESA.c.nama.label("desa_nama"), _JADWAL.c.kirim_mulai,
              _JADWAL.c.batas_tiba, _JADWAL.c.batas_tiba_sulit, _KIRIM_PERTAMA.label("kirim_pertama"))
    .select_from(t.tps.join(_KAB, _KAB.c.id == t.tps.c.kabkota_unit_id)
                 .join(_KEC, _KEC.c.id == t.tps.c.kecamatan_id).join(_DESA, _DESA.c.id == t.tps.c.desa_id)
                 .outerjoin(_JADWAL, _JADWAL.c.kabkota_unit_id == t.tps.c.kabkota_unit_id))
    .where(t.tps.c.id == sa.bindparam("tps_id")))


async def konteks_tps(conn: AsyncConnection, tps_id: int, *, tz: str = "Asia/Jakarta",
                      pemilihan_id: int | None = None) -> KonteksTps | None:
    """The TPS with its deadline, the earliest plausible arrival, what should arrive and its latest report of the
    event (``pemilihan.untuk_laporan`` of the day)."""
    row = (await conn.execute(_Q_KONTEKS, {"tps_id": tps_id})).first()
    if row is None:
        return None
    tps = Tps(row.id, row.kode, row.nama, row.kab_code, row.kab_name, row.kec_nama, row.desa_nama, row.dpt,
              row.sulit, row.generated)
    # (A driver that hands an aggregate of a DATE column back as text gets it parsed here.)
    mulai = [x if isinstance(x, date) else date.fromisoformat(x)
             for x in (row.kirim_mulai, row.kirim_pertama) if x is not None]
    zona = ZoneInfo(row.timezone or tz)
    paling_awal = datetime.combine(min(mulai), time(0), tzinfo=zona) if mulai else None
    batas = lg.batas_tps(tps.sulit, row.batas_tiba, row.batas_tiba_sulit) if row.batas_tiba else None
    items = await jenis_logistik(conn)
    return KonteksTps(tps, row.kabkota_unit_id, row.kecamatan_id, batas, paling_awal,
                      tuple((i, lg.jumlah_diharapkan(i, tps.dpt)) for i in items),
                      await terakhir(conn, tps_id, pemilihan_id))


# The mode a TPS's logistics most likely came with: the kab/kota's dispatch to TPS that covers it (the most
# specific one, then the latest) of this year up to today, else the mode this officer reported last at their TPS.
_Q_MODA_KIRIM = (sa.select(_d.c.moda).select_from(t.tps.join(_d, _d.c.kabkota_unit_id == t.tps.c.kabkota_unit_id))
                 .where(t.tps.c.id == sa.bindparam("tps_id"), _d.c.tujuan == "tps", _d.c.moda.is_not(None),
                        sa.or_(_d.c.kecamatan_id.is_(None), _d.c.kecamatan_id == t.tps.c.kecamatan_id),
                        sa.or_(_d.c.tps_id.is_(None), _d.c.tps_id == t.tps.c.id),
                        _d.c.tanggal >= sa.bindparam("awal"), _d.c.tanggal <= sa.bindparam("hari"))
                 .order_by(_d.c.tps_id.is_(None), _d.c.kecamatan_id.is_(None), _d.c.tanggal.desc(), _d.c.id.desc())
                 .limit(1))
_Q_MODA_TERAKHIR = (sa.select(_a.c.moda).where(_a.c.tps_id.in_(sa.bindparam("ids", expanding=True)),
                                               _a.c.reporter_id == sa.bindparam("uid"), _a.c.moda.is_not(None))
                    .order_by(_a.c.id.desc()).limit(1))
KIRIMAN_GUDANG, TERAKHIR_ANDA = "gudang", "terakhir"
SARAN_HARI = 60  # how far back a warehouse dispatch still suggests the mode (a December dispatch counts in January)


async def moda_saran(conn: AsyncConnection, tps_id: int, *, hari: date,
                     pelapor: Pengguna | None = None) -> tuple[str, str] | None:
    """The mode to offer first for a report of this TPS and where it comes from: (kode, ``KIRIMAN_GUDANG``) for
    the /gudang dispatch to TPS that covers it (in the ``SARAN_HARI`` days up to ``hari``), else (kode,
    ``TERAKHIR_ANDA``) for the mode the officer reported last at one of their TPS; None when neither is known."""
    kirim = (await conn.execute(_Q_MODA_KIRIM, {"tps_id": tps_id, "awal": hari - timedelta(days=SARAN_HARI),
                                                "hari": hari})).scalar()
    if kirim:
        return str(kirim), KIRIMAN_GUDANG
    if pelapor is None or pelapor.id is None:
        return None
    ids = sorted(set(pelapor.tps_ids) | {tps_id})
    terakhir_ = (await conn.execute(_Q_MODA_TERAKHIR, {"ids": ids, "uid": pelapor.id})).scalar()
    return (str(terakhir_), TERAKHIR_ANDA) if terakhir_ else None


# --- writing a report --------------------------------------------------------------------------------


async def penerima_eskalasi(conn: AsyncConnection, kabkota_unit_id: int) -> list[Penerima]:
    """The logistics officers of a KPU kab/kota: its active operators with a Telegram account."""
    u = t.users
    q = (sa.select(u.c.id, u.c.telegram_id, u.c.name)
         .where(u.c.role == "operator", u.c.status == "aktif", u.c.unit_id == kabkota_unit_id,
                u.c.telegram_id.is_not(None)).order_by(u.c.id))
    return [Penerima(i, tg, n) for i, tg, n in (await conn.execute(q)).all()]


def _lengkapi(kebutuhan: Sequence[tuple[lg.JenisLogistik, int]], baris: Sequence[lg.Baris]) -> list[lg.Baris]:
    """Every expected item gets a line: the ones the officer did not mention arrived as expected."""
    given = {b.item_id: b for b in baris}
    known = {i.id for i, _ in kebutuhan}
    if set(given) - known:
        raise LogistikError("Barang yang dilaporkan tidak dikenal.")
    return [given.get(i.id) or lg.sesuai(i.id, n) for i, n in kebutuhan]


async def _versi_berikut(conn: AsyncConnection, tps_id: int) -> int:
    """The TPS's next version number: versions number every report of the TPS, whatever its event."""
    q = sa.select(sa.func.coalesce(sa.func.max(_a.c.versi), 0)).where(_a.c.tps_id == tps_id)
    return int((await conn.execute(q)).scalar_one()) + 1


async def simpan_laporan(conn: AsyncConnection, masukan: MasukanTiba, *, pelapor: Pengguna, now: datetime,
                         tz: str = "Asia/Jakarta") -> HasilLaporan:
    """Store one report as the TPS's next version, with its escalations and audit record (caller's transaction)."""
    if not boleh_lapor_tps(pelapor, masukan.tps_id):
        raise LogistikError("TPS itu bukan TPS tugas Anda.")
    if masukan.draf is not None and (sudah := await _dari_draf(conn, masukan.draf, tz=tz)) is not None:
        return sudah
    if masukan.jenis not in lg.JENIS_LAPORAN:
        raise LogistikError("Jenis laporan tidak dikenal.")
    if masukan.tiba_pada > now:
        raise LogistikError("Waktu tiba tidak boleh di masa depan.")
    try:
        await tahun_anggaran.periksa_terbuka(conn, masukan.tiba_pada.astimezone(ZoneInfo(tz)).year)
    except tahun_anggaran.TahunDitutup as exc:
        raise LogistikError(exc.singkat) from exc
    acara = await pemilihan.untuk_laporan(conn, now.astimezone(ZoneInfo(tz)).date())
    ktx = await konteks_tps(conn, masukan.tps_id, tz=tz, pemilihan_id=acara)
    if ktx is None:
        raise LogistikError("TPS tidak ditemukan.")
    lama = ktx.terakhir
    jenis, alasan = masukan.jenis, lg.catatan_bersih(masukan.alasan)
    if lama is None:
        jenis, alasan = "baru", None
    elif jenis == "baru":
        jenis, alasan = "koreksi", lg.ALASAN_BERSAMAAN
    telat = lg.terlambat(masukan.tiba_pada, ktx.batas)
    if jenis == "tambahan" and lama is not None:
        # As in a first report, an outstanding item the officer does not mention arrived as still needed.
        given = {b.item_id for b in masukan.baris}
        datang = [*masukan.baris, *(b for b in lg.kebutuhan_tambahan(lama.baris) if b.item_id not in given)]
        baris = lg.gabung(lama.baris, datang)
        telat = lg.terlambat_gabungan(lama.lengkap, lama.terlambat, telat)
    else:
        baris = _lengkapi(ktx.kebutuhan, masukan.baris)
    pengaturan_ = await pengaturan(conn)
    nilai = lg.penilaian(baris, telat)
    masalah = lg.masalah(baris, telat)
    versi = await _versi_berikut(conn, masukan.tps_id)
    nomor = lg.nomor_tanda_terima(ktx.tps.kode, versi)
    values: dict[str, Any] = {"tps_id": masukan.tps_id, "versi": versi, "jenis": jenis, "nomor": nomor,
              "tiba_pada": masukan.tiba_pada, "moda": masukan.moda, "foto_file_id": masukan.foto_file_id,
              "alasan_tanpa_foto": lg.catatan_bersih(masukan.alasan_tanpa_foto), "lat": masukan.lat,
              "lon": masukan.lon, "alasan": alasan, "lengkap": lg.lengkap(baris), "terlambat": telat,
              "tepat": lg.tepat(nilai, pengaturan_.kriteria), "reporter_id": pelapor.id, "created_at": now,
              "draf": masukan.draf, "pemilihan_id": acara}
    try:
        rid = _pk(await conn.execute(_a.insert().values(**values)))
    except sa.exc.IntegrityError:
        # Another version with this number, or this draft stored concurrently: the caller tries once more,
        # and then finds the draft's report.
        raise VersiBentrok("Laporan lain untuk TPS ini tersimpan pada saat yang sama.") from None
    await conn.execute(_l.insert(), [{"report_id": rid, "item_id": b.item_id, "diharapkan": b.diharapkan,
                                      "diterima": b.diterima, "rusak": b.rusak, "salah_jenis": b.salah_jenis,
                                      "catatan": b.catatan} for b in baris])
    await logistik.catat_laporan(conn, ktx.kabkota_unit_id, ktx.tps.sulit,
                                 (lama.tepat, lama.lengkap, lama.terlambat) if lama else None,
                                 (values["tepat"], values["lengkap"], telat), pemilihan_id=acara)
    laporan = LaporanTiba(rid, masukan.tps_id, versi, jenis, nomor, masukan.tiba_pada, masukan.moda,
                          masukan.foto_file_id, values["alasan_tanpa_foto"], masukan.lat, masukan.lon, alasan,
                          values["lengkap"], telat, values["tepat"], pelapor.id, pelapor.name, now, tuple(baris),
                          acara)
    # A newer report is the TPS's current state: earlier open problem escalations are superseded by it.
    await conn.execute(_e.update().where(_e.c.tps_id == masukan.tps_id, _e.c.status == TERBUKA,
                                         _e.c.jenis != "konflik")
                       .values(status=DITANGANI, handled_at=now, handled_note=f"Diperbarui oleh laporan {nomor}"))
    nama = {i.id: (i.nama, i.satuan) for i, _ in ktx.kebutuhan}
    uraian = lg.uraian_masalah(baris, nama, telat)
    baru: list[int] = []
    if masalah:
        baru.append(await _eskalasi(conn, lg.jenis_eskalasi(masalah), ktx, rid, "\n".join(uraian), now))
    if (jenis == "koreksi" and lama is not None and lama.reporter_id not in (None, pelapor.id)
            and lg.berbeda(lama.baris, baris)):
        teks = f"Laporan {lama.nomor} oleh {lama.reporter} berbeda dengan laporan {nomor} oleh {pelapor.name}."
        baru.append(await _eskalasi(conn, "konflik", ktx, rid, teks, now))
    # The TPS has reported: reminders still waiting for its officers are taken back with it.
    await tenggat.tarik_pengingat_tps(conn, masukan.tps_id, now=now)
    await audit.record(conn, actor=pelapor.name, actor_id=pelapor.id, action="lapor", entity="laporan_tiba",
                       entity_id=nomor, now=now,
                       new={"tps": ktx.tps.kode, "versi": versi, "jenis": jenis, "tepat": values["tepat"],
                            "terlambat": telat, "kriteria": nilai, "masalah": masalah})
    return HasilLaporan(laporan, ktx, masalah, uraian, nilai, await eskalasi_by_ids(conn, baru),
                        await penerima_eskalasi(conn, ktx.kabkota_unit_id) if baru else [])


async def _dari_draf(conn: AsyncConnection, draf: str, *, tz: str) -> HasilLaporan | None:
    """What storing this draft did the first time (its report, problems and escalations), or None."""
    r = (await conn.execute(sa.select(*_REPORT_COLS).select_from(_REPORT_FROM).where(_a.c.draf == draf))).first()
    if r is None:
        return None
    lap = _laporan(r, (await _baris(conn, [r.id])).get(r.id, []))
    ktx = await konteks_tps(conn, lap.tps_id, tz=tz, pemilihan_id=lap.pemilihan_id)
    assert ktx is not None
    nama = {i.id: (i.nama, i.satuan) for i, _ in ktx.kebutuhan}
    ids = (await conn.execute(sa.select(_e.c.id).where(_e.c.report_id == lap.id).order_by(_e.c.id))).scalars().all()
    return HasilLaporan(lap, ktx, lg.masalah(lap.baris, lap.terlambat),
                        lg.uraian_masalah(lap.baris, nama, lap.terlambat), lg.penilaian(lap.baris, lap.terlambat),
                        await eskalasi_by_ids(conn, ids),
                        await penerima_eskalasi(conn, ktx.kabkota_unit_id) if ids else [], ulang=True)


async def _eskalasi(conn: AsyncConnection, jenis: str, ktx: KonteksTps, report_id: int, uraian: str,
                    now: datetime) -> int:
    res = await conn.execute(_e.insert().values(jenis=jenis, kabkota_unit_id=ktx.kabkota_unit_id,
                                                tps_id=ktx.tps.id, report_id=report_id, uraian=uraian,
                                                status=TERBUKA, created_at=now))
    return _pk(res)


def _pk(res: sa.CursorResult[Any]) -> int:
    key = res.inserted_primary_key
    assert key is not None
    return int(key[0])


# --- escalations -------------------------------------------------------------------------------------

_PELAPOR = t.users.alias("pelapor")
_PENANGAN = t.users.alias("penangan")
_ESK_COLS = (_e, t.tps.c.kode.label("tps_kode"), _a.c.nomor, _PELAPOR.c.name.label("pelapor"),
             _PELAPOR.c.telegram_id.label("pelapor_tg"), _PENANGAN.c.name.label("penangan"))
_ESK_FROM = (_e.outerjoin(t.tps, t.tps.c.id == _e.c.tps_id).outerjoin(_a, _a.c.id == _e.c.report_id)
             .outerjoin(_PELAPOR, _PELAPOR.c.id == _a.c.reporter_id)
             .outerjoin(_PENANGAN, _PENANGAN.c.id == _e.c.handled_by))


def _esk(r: sa.Row) -> Eskalasi:
    return Eskalasi(r.id, r.jenis, r.kabkota_unit_id, r.tps_id, r.tps_kode, r.report_id, r.nomor, r.uraian,
                    r.status, r.pelapor, r.pelapor_tg, r.penangan, r.handled_at, r.handled_note, r.created_at)


async def eskalasi_by_ids(conn: AsyncConnection, ids: Sequence[int]) -> list[Eskalasi]:
    """Escalations by id, in id order."""
    if not ids:
        return []
    q = sa.select(*_ESK_COLS).select_from(_ESK_FROM).where(_e.c.id.in_(list(ids))).order_by(_e.c.id)
    return [_esk(r) for r in (await conn.execute(q)).all()]


async def eskalasi_terbuka(conn: AsyncConnection, kabkota_ids: Sequence[int] | None, *, limit: int = 20,
                           offset: int = 0, terlama_dulu: bool = False) -> tuple[list[Eskalasi], int]:
    """Open escalations (newest first, or oldest first) in the given kab/kota (None: all), and how many there
    are."""
    where = [_e.c.status == TERBUKA]
    if kabkota_ids is not None:
        where.append(_e.c.kabkota_unit_id.in_(list(kabkota_ids)))
    total = (await conn.execute(sa.select(sa.func.count()).select_from(_e).where(*where))).scalar_one()
    urut = (_e.c.created_at, _e.c.id) if terlama_dulu else (_e.c.id.desc(),)
    q = sa.select(*_ESK_COLS).select_from(_ESK_FROM).where(*where).order_by(*urut).limit(limit).offset(offset)
    return [_esk(r) for r in (await conn.execute(q)).all()], int(total)


async def eskalasi_ditangani(conn: AsyncConnection, kabkota_ids: Sequence[int] | None, *,
                             limit: int = 5) -> list[Eskalasi]:
    """The escalations a person marked handled most recently (superseded ones left out)."""
    q = (sa.select(*_ESK_COLS).select_from(_ESK_FROM).where(_e.c.status == DITANGANI, _e.c.handled_by.is_not(None))
         .order_by(_e.c.handled_at.desc(), _e.c.id.desc()).limit(limit))
    if kabkota_ids is not None:
        q = q.where(_e.c.kabkota_unit_id.in_(list(kabkota_ids)))
    return [_esk(r) for r in (await conn.execute(q)).all()]


async def tangani(conn: AsyncConnection, eskalasi_id: int, *, oleh: Pengguna, now: datetime,
                  catatan: str | None = None) -> bool:
    """Mark an open escalation handled (audited); False when it was handled already."""
    note = lg.catatan_bersih(catatan)
    res = await conn.execute(_e.update().where(_e.c.id == eskalasi_id, _e.c.status == TERBUKA)
                             .values(status=DITANGANI, handled_by=oleh.id, handled_at=now, handled_note=note))
    if res.rowcount != 1:
        return False
    await audit.record(conn, actor=oleh.name, actor_id=oleh.id, action="tangani", entity="eskalasi",
                       entity_id=eskalasi_id, old={"status": TERBUKA},
                       new={"status": DITANGANI, **({"catatan": note} if note else {})}, now=now)
    return True


# --- indicator 6 -------------------------------------------------------------------------------------


async def tepat_dari_semua(conn: AsyncConnection, tahun: int, *, sampai: date | None = None,
                           tz: str = "Asia/Jakarta") -> tuple[int, int] | None:
    """Indicator 6 counts: (TPS whose latest arrival report of the year is tepat, all TPS).

    The year (and ``sampai``, inclusive) is counted in local time. The denominator is every TPS, not only those
    that reported: a TPS without a report has not shown a tepat distribution. None (pending, not zero) when no
    TPS reported an arrival in that year.
    """
    zona = ZoneInfo(tz)
    awal, akhir = datetime(tahun, 1, 1, tzinfo=zona), datetime(tahun + 1, 1, 1, tzinfo=zona)
    if sampai is not None:
        akhir = min(akhir, datetime.combine(sampai, time(0), tzinfo=zona) + timedelta(days=1))
    b = _a.alias("lebih_baru")
    # Only reports of the year's election events count (or of no event: filed before events existed), so a
    # report filed for a later event never changes this year's figure, whatever date it carries.
    acara = sa.select(t.pemilihan.c.id).where(t.pemilihan.c.tahun == tahun).scalar_subquery()
    milik = sa.or_(_a.c.pemilihan_id.is_(None), _a.c.pemilihan_id.in_(acara))
    # A report of the year counts when no newer version of its TPS is of the same year: an anti-join on the
    # (tps_id, versi) key, not a max(versi) per TPS joined back (2–3× slower at 493.595 reports on PostgreSQL).
    q = (sa.select(sa.func.count(), sa.func.sum(sa.case((_a.c.tepat, 1), else_=0)))
         .where(_a.c.tiba_pada >= awal, _a.c.tiba_pada < akhir, milik,
                ~sa.exists().where(b.c.tps_id == _a.c.tps_id, b.c.versi > _a.c.versi, b.c.tiba_pada >= awal,
                                   b.c.tiba_pada < akhir,
                                   sa.or_(b.c.pemilihan_id.is_(None), b.c.pemilihan_id.in_(acara)))))
    reported, tepat_ = (await conn.execute(q)).one()
    if not reported:
        return None
    total = (await conn.execute(sa.select(sa.func.count()).select_from(t.tps))).scalar_one()
    return int(tepat_ or 0), int(total)


async def persen_tepat(conn: AsyncConnection, tahun: int, *, tz: str = "Asia/Jakarta") -> Decimal | None:
    """Indicator 6 as a share (0–100) of all TPS (``tepat_dari_semua``); None while pending."""
    n = await tepat_dari_semua(conn, tahun, tz=tz)
    return Decimal(n[0]) * 100 / Decimal(n[1]) if n and n[1] else None
