"""Deadlines (*tenggat*) and their reminders: generation, recipients, "already reported", snoozes, the sweep.

Deadlines are generated from their sources (``sinkronkan``): rencana aksi activities (planned start and end),
realisation reporting periods (N working days after each period, holidays from the ``holidays`` table),
voter-list stages (their end date, per KPU kab/kota, or the province's data section for the province's own
stages, closed by a completion marked for the province unit), the logistics H-1 cut-off (per kab/kota, and the
earlier one for TPS sulit); admins add manual ones.

Recipients are resolved when a reminder is due, never stored: a user who joins later is included, a revoked
one is not. The people responsible are the users of the deadline's role in its unit (or, when the unit has
none, in its sub-units); the unit head is the active ``is_head`` user of the unit or of its nearest ancestor
that has one; the pimpinan are the active pimpinan of the top unit.

The sweep (``sapu``) asks the policy (``domain.pengingat``) which step is due for every (deadline, recipient)
and queues it in the outbox under ``pengingat:<deadline>:<user>:<step>``. The key is unique, so a second sweep,
a second worker or a restart never queues twice; the keys already there are also how the sweep knows what
went out. A reminder still waiting in the outbox when its deadline is reported (or the user snoozes, is
revoked, or the kind is paused) is taken back out before it is sent.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain import pengingat as kebijakan_mod
from domain.entitas import PERAN
from domain.errors import ParseError
from domain.harikerja import HariLibur, Kalender
from domain.kinerja import cakupan_unit
from domain.pemutakhiran import tahapan_provinsi
from domain.pengingat import JENIS, Aturan, Kebijakan, Langkah, Tingkat
from domain.periode import JenisPeriode, Periode, batas_lapor, batas_lapor_digeser, parse_periode, periode_tahun
from domain.rencana import akhir_bulan
from storage import audit, logistik, outbox, pemilihan
from storage import tables as t
from storage.sql import dialect_insert, insert_ignore

log = logging.getLogger("pantau.pengingat")

KUNCI_JEDA = "pengingat.jeda"  # app_settings: list of paused kinds
KUNCI_ATURAN = "pengingat.aturan"  # app_settings: policy overrides per kind (domain.pengingat.Kebijakan)
KUNCI_HARI_KERJA = "pengingat.hari_kerja_lapor"  # app_settings: working days after a period to report
KUNCI_UNIT_PROVINSI = "pengingat.unit_tahapan_provinsi"  # app_settings: unit code for the province's stages
HARI_KERJA_BAWAAN = 5
UNIT_PROVINSI_BAWAAN = "PDI-DATIN"
# The kinds whose flows (/realisasi, /rencana) take the operator's reporting scope (domain.kinerja.cakupan_unit):
# their reminders go only to operators who may report the deadline's unit.
JENIS_LINGKUP_LAPOR = frozenset({"pelaporan", "rencana_aksi"})
LABEL_JENIS = {
    "rencana_aksi": "rencana aksi",
    "pelaporan": "pelaporan realisasi",
    "pemutakhiran": "tahapan pemutakhiran",
    "logistik": "logistik H-1",
    "manual": "tenggat manual",
}
PREFIKS = "pengingat:"
KIND_PENGINGAT = "pengingat"
KIND_ESKALASI = "eskalasi"


class TenggatError(Exception):
    """A deadline operation that cannot go ahead; the message is for the user (Indonesian)."""


# --- types -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tenggat:
    """A deadline, with its unit and the time zone its reminders follow."""

    id: int
    jenis: str
    ref: str
    judul: str
    batas: datetime
    unit_id: int | None
    unit_code: str | None
    unit_nama: str | None
    peran: str
    dijeda: bool
    zona: str
    unit_jenis: str | None = None  # the unit's kind (kabkota, bagian, …): which flow a reminder's button opens


@dataclass(frozen=True)
class Penerima:
    """A user a reminder can go to."""

    user_id: int
    telegram_id: int
    nama: str
    peran: str
    unit_id: int | None


@dataclass(frozen=True)
class Status:
    """Whether a deadline is reported, and if not what is missing (for the message and its buttons)."""

    selesai: bool
    belum: tuple[str, ...] = ()  # indicator codes, TPS codes …
    sudah: int | None = None  # how many of `total` are done (logistics: TPS with an arrival report)
    total: int | None = None
    per_pengguna: dict[int, tuple[str, ...]] = field(default_factory=dict)  # petugas -> their TPS not reported
    unit_lapor: int | None = None  # stages: the unit whose completion closes it (a KPU kab/kota, or the province)


@dataclass(frozen=True)
class Kiriman:
    """One reminder to queue: which deadline, to whom, which step, and what to say about it."""

    tenggat: Tenggat
    penerima: Penerima
    langkah: Langkah
    status: Status
    penanggung: tuple[str, ...]  # names of the people responsible (escalations name them)
    melapor: bool = False  # the recipient may report the deadline's unit (it is in their unit's reporting scope)

    @property
    def kunci(self) -> str:
        """The outbox key: one message per (deadline, recipient, step), ever."""
        return kunci(self.tenggat.id, self.penerima.user_id, self.langkah.kode)


@dataclass(frozen=True)
class Pesan:
    """A rendered message: text and inline keyboard (Bot API dict form)."""

    teks: str
    markup: dict[str, Any] | None = None


Render = Callable[[Kiriman], Pesan]


@dataclass(frozen=True)
class Rencana:
    """One reminder the policy sends (or sent) in a window: the preview's row."""

    waktu: datetime
    tenggat: Tenggat
    penerima: Penerima
    langkah: Langkah
    status: str  # rencana (to come), terkirim / antri / gagal / diblokir (in the outbox), terlewat (skipped)


@dataclass
class HasilSapu:
    """What one sweep did."""

    diantrekan: int = 0
    sudah_ada: int = 0
    dibatalkan: int = 0
    tenggat: int = 0
    pasangan: int = 0
    disinkronkan: int = 0


def kunci(deadline_id: int, user_id: int, step: str) -> str:
    """The outbox key of a reminder."""
    return f"{PREFIKS}{deadline_id}:{user_id}:{step}"


def urai_kunci(key: str) -> tuple[int, int, str] | None:
    """(deadline id, user id, step) from a reminder's outbox key, or None when it is not one."""
    if not key.startswith(PREFIKS):
        return None
    parts = key[len(PREFIKS):].split(":")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    return int(parts[0]), int(parts[1]), parts[2]


# --- settings ----------------------------------------------------------------------------------------


async def _setelan(conn: AsyncConnection, key: str) -> Any:
    return (await conn.execute(sa.select(t.app_settings.c.value).where(t.app_settings.c.key == key))
            ).scalar_one_or_none()


async def _setelan_terkunci(conn: AsyncConnection, key: str, kosong: Any) -> Any:
    """A setting read for a change: its row is created if missing and locked until the transaction ends
    (PostgreSQL; SQLite has one writer at a time), so two admins changing it at once do not lose a change."""
    await insert_ignore(conn, t.app_settings, {"key": key, "value": kosong}, conflict=["key"])
    return (await conn.execute(sa.select(t.app_settings.c.value).where(t.app_settings.c.key == key)
                               .with_for_update())).scalar_one()


async def _simpan_setelan(conn: AsyncConnection, key: str, value: Any) -> None:
    stmt = dialect_insert(conn, t.app_settings).values(key=key, value=value)
    await conn.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={"value": value}))


async def kebijakan(conn: AsyncConnection) -> Kebijakan:
    """The reminder policy: defaults with the admin's overrides (a broken setting falls back to defaults)."""
    try:
        return Kebijakan.dari_setelan(await _setelan(conn, KUNCI_ATURAN))
    except ParseError as exc:
        log.error("setelan %s diabaikan: %s", KUNCI_ATURAN, exc)
        return Kebijakan()


async def atur_kebijakan(conn: AsyncConnection, jenis: str, aturan: Aturan | None, *, actor: str,
                         actor_id: int | None, now: datetime) -> Kebijakan:
    """Set one kind's reminder rule (None: back to the default), audited; the next sweep follows it."""
    if jenis not in JENIS:
        raise TenggatError(f"Jenis tenggat {jenis!r} tidak dikenal.")
    lama = await _setelan_terkunci(conn, KUNCI_ATURAN, {})
    setelan = dict(lama) if isinstance(lama, Mapping) else {}
    try:
        Kebijakan.dari_setelan(setelan)
    except ParseError:  # a broken setting is ignored whole (kebijakan() uses the defaults): start afresh
        setelan = {}
    sebelumnya = setelan.pop(jenis, None)
    if aturan is not None:
        setelan[jenis] = aturan.model_dump(mode="json")
    hasil = Kebijakan.dari_setelan(setelan)
    await _simpan_setelan(conn, KUNCI_ATURAN, setelan)
    await audit.record(conn, actor=actor, actor_id=actor_id, action="ubah", entity="kebijakan_pengingat",
                       entity_id=jenis, old=sebelumnya, new=setelan.get(jenis, "bawaan"), now=now)
    return hasil


async def jenis_dijeda(conn: AsyncConnection) -> frozenset[str]:
    """The deadline kinds an admin paused."""
    value = await _setelan(conn, KUNCI_JEDA)
    return frozenset(v for v in value or [] if v in JENIS)


async def atur_jeda(conn: AsyncConnection, jenis: str, jeda: bool, *, actor: str, actor_id: int | None,
                    now: datetime) -> frozenset[str]:
    """Pause (or resume) every reminder of a kind; returns the paused kinds."""
    if jenis not in JENIS:
        raise TenggatError(f"Jenis tenggat {jenis!r} tidak dikenal.")
    nilai = await _setelan_terkunci(conn, KUNCI_JEDA, [])
    lama = frozenset(v for v in nilai or [] if v in JENIS)
    baru = lama | {jenis} if jeda else lama - {jenis}
    if baru != lama:
        await _simpan_setelan(conn, KUNCI_JEDA, sorted(baru))
        await audit.record(conn, actor=actor, actor_id=actor_id, action="jeda" if jeda else "lanjut",
                           entity="jenis_tenggat", entity_id=jenis, old=sorted(lama), new=sorted(baru), now=now)
    return baru


async def hari_libur(conn: AsyncConnection) -> Kalender:
    """The working-day calendar: the holidays in force (national, cuti bersama, regional)."""
    h = t.holidays
    rows = (await conn.execute(sa.select(h.c.tanggal, h.c.nama, h.c.jenis).where(h.c.aktif.is_(True)))).all()
    return Kalender(HariLibur(r.tanggal, r.nama, r.jenis) for r in rows)


async def alasan_geser(conn: AsyncConnection, refs: Iterable[str]) -> dict[str, str]:
    """Reporting deadlines (by period code) that holidays moved later: {"2025-Q1": "digeser karena Idul Fitri"}."""
    kalender = await hari_libur(conn)
    n = await hari_kerja_lapor(conn)
    out: dict[str, str] = {}
    for ref in set(refs):
        try:
            p = parse_periode(ref)
        except ParseError:
            continue
        nama = batas_lapor_digeser(p, n, kalender)
        if nama:
            out[ref] = "digeser karena " + ", ".join(nama)
    return out


async def hari_kerja_lapor(conn: AsyncConnection) -> int:
    """How many working days after a period its realisation is due."""
    value = await _setelan(conn, KUNCI_HARI_KERJA)
    return value if isinstance(value, int) and 0 <= value <= 60 else HARI_KERJA_BAWAAN


# --- deadlines ---------------------------------------------------------------------------------------

_D = t.deadlines
_U = t.units


def _tenggat(r: Any, zona: str) -> Tenggat:
    return Tenggat(r.id, r.jenis, r.ref, r.judul, r.batas, r.unit_id, r.unit_code, r.unit_nama, r.peran, r.dijeda,
                   r.unit_tz or zona, r.unit_jenis)


def _q_tenggat() -> sa.Select[Any]:
    return (sa.select(_D, _U.c.code.label("unit_code"), _U.c.name.label("unit_nama"), _U.c.timezone.label("unit_tz"),
                      _U.c.kind.label("unit_jenis"))
            .select_from(_D.outerjoin(_U, _U.c.id == _D.c.unit_id)))


async def daftar_tenggat(conn: AsyncConnection, *, zona: str, dari: datetime | None = None,
                         sampai: datetime | None = None, ids: Iterable[int] | None = None,
                         jenis: Iterable[str] | None = None, termasuk_jeda: bool = True) -> list[Tenggat]:
    """Deadlines (optionally with ``batas`` in [dari, sampai], some ids or kinds), by time then id."""
    q = _q_tenggat().order_by(_D.c.batas, _D.c.id)
    if dari is not None:
        q = q.where(_D.c.batas >= dari)
    if sampai is not None:
        q = q.where(_D.c.batas <= sampai)
    if ids is not None:
        q = q.where(_D.c.id.in_(list(ids)))
    if jenis is not None:
        q = q.where(_D.c.jenis.in_(list(jenis)))
    if not termasuk_jeda:
        q = q.where(_D.c.dijeda.is_(False))
    return [_tenggat(r, zona) for r in (await conn.execute(q)).all()]


async def tenggat_by_id(conn: AsyncConnection, deadline_id: int, *, zona: str) -> Tenggat | None:
    """One deadline."""
    r = (await conn.execute(_q_tenggat().where(_D.c.id == deadline_id))).first()
    return _tenggat(r, zona) if r else None


async def tambah_manual(conn: AsyncConnection, *, judul: str, batas: datetime, unit_code: str | None, peran: str,
                        dijeda: bool, actor: str, actor_id: int | None, now: datetime) -> int:
    """An admin's own deadline (optionally paused, to check it with the preview before it goes live)."""
    judul = " ".join(judul.split())
    if not judul or len(judul) > 300:
        raise TenggatError("Judul tenggat harus diisi (paling panjang 300 karakter).")
    if peran not in PERAN:
        raise TenggatError(f"Peran {peran!r} tidak dikenal. Pilih salah satu: {', '.join(PERAN)}.")
    if batas.tzinfo is None:
        raise TenggatError("Waktu batas harus berzona waktu.")
    unit_id = None
    if unit_code:
        unit_id = (await conn.execute(sa.select(_U.c.id).where(sa.func.upper(_U.c.code) == unit_code.upper()))
                   ).scalar_one_or_none()
        if unit_id is None:
            raise TenggatError(f"Unit {unit_code!r} tidak dikenal.")
    ref = f"manual:{now:%Y%m%d%H%M%S%f}"
    res = await conn.execute(_D.insert().values(jenis="manual", ref=ref, judul=judul, batas=batas, unit_id=unit_id,
                                                peran=peran, dijeda=dijeda, created_at=now))
    pk = res.inserted_primary_key
    assert pk is not None
    deadline_id = int(pk[0])
    await audit.record(conn, actor=actor, actor_id=actor_id, action="buat", entity="tenggat", entity_id=deadline_id,
                       new={"judul": judul, "batas": batas.isoformat(), "unit": unit_code, "peran": peran,
                            "dijeda": dijeda}, now=now)
    return deadline_id


async def atur_jeda_tenggat(conn: AsyncConnection, deadline_id: int, jeda: bool, *, actor: str,
                            actor_id: int | None, now: datetime) -> bool:
    """Pause or resume one deadline; False when it does not exist."""
    res = await conn.execute(_D.update().where(_D.c.id == deadline_id).values(dijeda=jeda))
    if res.rowcount:
        await audit.record(conn, actor=actor, actor_id=actor_id, action="jeda" if jeda else "lanjut",
                           entity="tenggat", entity_id=deadline_id, new={"dijeda": jeda}, now=now)
    return bool(res.rowcount)


# --- generation ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Calon:
    jenis: str
    ref: str
    unit_id: int
    judul: str
    batas: datetime
    peran: str = "operator"


@dataclass(frozen=True)
class HasilSinkron:
    """How many generated deadlines a sync created, changed and removed."""

    dibuat: int
    diubah: int
    dihapus: int

    @property
    def total(self) -> int:
        """Every change."""
        return self.dibuat + self.diubah + self.dihapus


async def _zona_unit(conn: AsyncConnection, zona: str) -> dict[int, str]:
    return {i: tz or zona for i, tz in (await conn.execute(sa.select(_U.c.id, _U.c.timezone))).all()}


async def _calon_rencana(conn: AsyncConnection, zona_unit: dict[int, str]) -> list[_Calon]:
    ra = t.rencana_aksi
    out: list[_Calon] = []
    for r in (await conn.execute(sa.select(ra).order_by(ra.c.id))).all():
        tz = zona_unit[r.unit_id]
        nama = f"{r.kode} {r.uraian}"
        out.append(_Calon("rencana_aksi", f"ra:{r.id}:mulai", r.unit_id, f"Mulai kegiatan {nama}",
                          kebijakan_mod.akhir_hari(date(r.tahun, r.bulan_mulai, 1), tz)))
        out.append(_Calon("rencana_aksi", f"ra:{r.id}:selesai", r.unit_id, f"Selesaikan kegiatan {nama}",
                          kebijakan_mod.akhir_hari(akhir_bulan(r.tahun, r.bulan_selesai), tz)))
    return out


async def _pk_berlaku(conn: AsyncConnection) -> dict[tuple[int, int], list[tuple[date, int]]]:
    """(unit, year) -> [(signed on, document id)] oldest version first."""
    pk = t.pk_documents
    out: dict[tuple[int, int], list[tuple[date, int]]] = {}
    for r in (await conn.execute(sa.select(pk).order_by(pk.c.versi))).all():
        out.setdefault((r.unit_id, r.tahun), []).append((r.tanggal, r.id))
    return out


def _dokumen_untuk(versi: list[tuple[date, int]], p: Periode) -> int:
    """The PK version in force at the period's end (the first one when none was signed yet)."""
    berlaku = [doc for tanggal, doc in versi if tanggal <= p.selesai]
    return berlaku[-1] if berlaku else versi[0][1]


async def _indikator_pk(conn: AsyncConnection) -> dict[int, list[tuple[int, str, str]]]:
    """PK document -> [(indicator id, kode, frekuensi)] of the indicators reported by hand, in order."""
    i, it = t.indicators, t.pk_items
    q = (sa.select(it.c.pk_id, i.c.id, i.c.kode, i.c.frekuensi).join(i, i.c.id == it.c.indicator_id)
         .where(i.c.otomatis.is_(None)).order_by(it.c.pk_id, it.c.urutan))
    out: dict[int, list[tuple[int, str, str]]] = {}
    for pk_id, ind, kode, frek in (await conn.execute(q)).all():
        out.setdefault(pk_id, []).append((ind, kode, frek))
    return out


_FREKUENSI: dict[str, JenisPeriode] = {"bulan": "bulan", "triwulan": "triwulan", "tahun": "tahun"}


async def _calon_pelaporan(conn: AsyncConnection, zona_unit: dict[int, str]) -> list[_Calon]:
    libur = await hari_libur(conn)
    n = await hari_kerja_lapor(conn)
    versi = await _pk_berlaku(conn)
    indikator = await _indikator_pk(conn)
    out: list[_Calon] = []
    for (unit_id, tahun), docs in sorted(versi.items()):
        for jenis in ("bulan", "triwulan", "tahun"):
            for p in periode_tahun(tahun, _FREKUENSI[jenis]):
                doc = _dokumen_untuk(docs, p)
                if any(frek == jenis for _, _, frek in indikator.get(doc, [])):
                    batas = kebijakan_mod.akhir_hari(batas_lapor(p, n, libur), zona_unit[unit_id])
                    out.append(_Calon("pelaporan", p.kode, unit_id, f"Laporan realisasi kinerja {p.label}", batas))
    return out


async def _unit_provinsi(conn: AsyncConnection) -> int | None:
    code = await _setelan(conn, KUNCI_UNIT_PROVINSI) or UNIT_PROVINSI_BAWAAN
    found = (await conn.execute(sa.select(_U.c.id).where(_U.c.code == code))).scalar_one_or_none()
    if found is not None:
        return int(found)
    root = (await conn.execute(sa.select(_U.c.id).where(_U.c.parent_id.is_(None)).order_by(_U.c.id).limit(1))
            ).scalar_one_or_none()
    return None if root is None else int(root)


async def _calon_tahapan(conn: AsyncConnection, zona_unit: dict[int, str]) -> list[_Calon]:
    vs = t.voter_stages
    kab = list((await conn.execute(sa.select(_U.c.id).where(_U.c.kind == "kabkota").order_by(_U.c.code))
                ).scalars().all())
    prov = await _unit_provinsi(conn)
    out: list[_Calon] = []
    for r in (await conn.execute(sa.select(vs).order_by(vs.c.tahun, vs.c.no))).all():
        provinsi = tahapan_provinsi(r.pelaksana)
        units = ([prov] if prov is not None else []) if provinsi else kab
        for unit_id in units:
            out.append(_Calon("pemutakhiran", f"tahapan:{r.id}", unit_id, f"Tahapan {r.no}: {r.nama}",
                              kebijakan_mod.akhir_hari(r.selesai, zona_unit[unit_id])))
    return out


async def _calon_logistik(conn: AsyncConnection) -> list[_Calon]:
    ls = t.logistics_schedule
    sulit: dict[int, int] = dict((await conn.execute(
        sa.select(t.tps.c.kabkota_unit_id, sa.func.count()).where(t.tps.c.sulit.is_(True))
        .group_by(t.tps.c.kabkota_unit_id))).all())
    out: list[_Calon] = []
    for r in (await conn.execute(sa.select(ls).order_by(ls.c.kabkota_unit_id))).all():
        out.append(_Calon("logistik", "h1", r.kabkota_unit_id, "Logistik tiba di semua TPS (batas H-1)", r.batas_tiba))
        if sulit.get(r.kabkota_unit_id):
            out.append(_Calon("logistik", "h1-sulit", r.kabkota_unit_id, "Logistik tiba di TPS sulit",
                              r.batas_tiba_sulit))
    return out


async def sinkronkan(conn: AsyncConnection, *, zona: str, now: datetime) -> HasilSinkron:
    """Bring the generated deadlines in line with their sources; writes only what changed (idempotent)."""
    zona_unit = await _zona_unit(conn, zona)
    calon = [*await _calon_rencana(conn, zona_unit), *await _calon_pelaporan(conn, zona_unit),
             *await _calon_tahapan(conn, zona_unit), *await _calon_logistik(conn)]
    mau = {(c.jenis, c.ref, c.unit_id): c for c in calon}
    ada = {(r.jenis, r.ref, r.unit_id): r for r in (await conn.execute(
        sa.select(_D.c.id, _D.c.jenis, _D.c.ref, _D.c.unit_id, _D.c.judul, _D.c.batas, _D.c.peran)
        .where(_D.c.jenis != "manual"))).all()}
    dibuat = diubah = 0
    for key, c in mau.items():
        lama = ada.get(key)
        if lama is None:
            values = {"jenis": c.jenis, "ref": c.ref, "unit_id": c.unit_id, "judul": c.judul, "batas": c.batas,
                      "peran": c.peran, "dijeda": False, "created_at": now}
            # Two workers syncing at once: the unique (jenis, ref, unit) makes the second insert a no-op.
            dibuat += await insert_ignore(conn, _D, values, conflict=["jenis", "ref", "unit_id"])
        elif (lama.judul, lama.batas, lama.peran) != (c.judul, c.batas, c.peran):
            await conn.execute(_D.update().where(_D.c.id == lama.id).values(judul=c.judul, batas=c.batas,
                                                                            peran=c.peran))
            if lama.batas != c.batas:  # a reminder still waiting names the old moment: take it back
                await _batalkan(conn, [kunci_prefix(lama.id)], now=now)
            diubah += 1
    hapus = [r.id for key, r in ada.items() if key not in mau]
    for i in range(0, len(hapus), 500):
        await conn.execute(t.reminder_snoozes.delete().where(t.reminder_snoozes.c.deadline_id.in_(hapus[i:i + 500])))
        await conn.execute(_D.delete().where(_D.c.id.in_(hapus[i:i + 500])))
    return HasilSinkron(dibuat, diubah, len(hapus))


# --- who gets reminded ----------------------------------------------------------------------------------


@dataclass
class Direktori:
    """Every active user by unit and role, and the unit tree: resolves recipients."""

    induk: dict[int, int | None]
    anak: dict[int | None, list[int]]
    per_unit_peran: dict[tuple[int | None, str], list[Penerima]]
    kepala_unit: dict[int, list[Penerima]]
    semua: list[Penerima]
    jenis_unit: dict[int, str]
    _lingkup: dict[int, frozenset[int]] = field(default_factory=dict)

    def _turunan(self, unit_id: int) -> list[int]:
        out, stack = [], [unit_id]
        while stack:
            u = stack.pop()
            out.append(u)
            stack.extend(self.anak.get(u, []))
        return out

    def akar(self, unit_id: int | None) -> int | None:
        """The top unit above (or at) a unit."""
        seen: set[int] = set()
        while unit_id is not None and self.induk.get(unit_id) is not None and unit_id not in seen:
            seen.add(unit_id)
            unit_id = self.induk[unit_id]
        return unit_id

    def berperan(self, unit_id: int | None, peran: str, *, turunan: bool) -> list[Penerima]:
        """Users of a role in a unit (and its sub-units); every unit when unit_id is None."""
        if unit_id is None:
            return [p for p in self.semua if p.peran == peran]
        units = self._turunan(unit_id) if turunan else [unit_id]
        return [p for u in units for p in self.per_unit_peran.get((u, peran), [])]

    def melapor_untuk(self, unit_id: int | None) -> frozenset[int]:
        """The units an operator of this unit reports for (``domain.kinerja.cakupan_unit``, the flows' own rule)."""
        if unit_id is None:
            return frozenset()
        if unit_id not in self._lingkup:
            self._lingkup[unit_id] = frozenset(cakupan_unit(unit_id, self.induk, self.jenis_unit))
        return self._lingkup[unit_id]

    def unit_tahapan(self, unit_id: int | None) -> int | None:
        """The unit whose stage completion closes a stage deadline of this unit: a KPU kab/kota itself, else the
        province above it (the province's own stages are reminded to its data section, marked for the province)."""
        if unit_id is None or self.jenis_unit.get(unit_id) == "kabkota":
            return unit_id
        return self.akar(unit_id)

    def penanggung(self, d: Tenggat) -> list[Penerima]:
        """The people responsible: the unit's users of the role, else those of its direct sub-units.

        Only one level down, and never into a KPU kab/kota (an office of its own): a Bagian's deadline goes to
        its Sub Bagian's operators, the province's own deadline does not go to every operator in the province.
        For reporting and action-plan deadlines only sub-units that report for the unit (their reporting scope
        holds it: a Sub Bagian for its Bagian) are asked, so every reminder is one its recipient can act on.
        """
        if d.jenis == "manual":
            return self.berperan(d.unit_id, d.peran, turunan=True)
        own = self.berperan(d.unit_id, d.peran, turunan=False)
        if own or d.unit_id is None:
            return own
        anak = [u for u in self.anak.get(d.unit_id, []) if self.jenis_unit.get(u) != "kabkota"]
        if d.jenis in JENIS_LINGKUP_LAPOR:
            anak = [u for u in anak if d.unit_id in self.melapor_untuk(u)]
        return [p for u in anak for p in self.per_unit_peran.get((u, d.peran), [])]

    def kepala(self, unit_id: int | None) -> list[Penerima]:
        """The head of the unit, or of its nearest ancestor that has one."""
        seen: set[int] = set()
        while unit_id is not None and unit_id not in seen:
            seen.add(unit_id)
            if self.kepala_unit.get(unit_id):
                return self.kepala_unit[unit_id]
            unit_id = self.induk.get(unit_id)
        return []

    def pimpinan(self, unit_id: int | None) -> list[Penerima]:
        """The pimpinan of the top unit above the deadline's unit (all top units' when it has none)."""
        if unit_id is None:
            return [p for p in self.semua if p.peran == "pimpinan" and p.unit_id is not None
                    and self.induk.get(p.unit_id) is None]
        return self.per_unit_peran.get((self.akar(unit_id), "pimpinan"), [])


async def direktori(conn: AsyncConnection) -> Direktori:
    """Load the active users and the unit tree once for a sweep."""
    units = (await conn.execute(sa.select(_U.c.id, _U.c.parent_id, _U.c.kind))).all()
    induk = {u.id: u.parent_id for u in units}
    anak: dict[int | None, list[int]] = {}
    for u in units:
        anak.setdefault(u.parent_id, []).append(u.id)
    rows = (await conn.execute(
        sa.select(t.users.c.id, t.users.c.telegram_id, t.users.c.name, t.users.c.role, t.users.c.unit_id,
                  t.users.c.is_head)
        .where(t.users.c.status == "aktif", t.users.c.telegram_id.is_not(None)).order_by(t.users.c.id))).all()
    per_unit_peran: dict[tuple[int | None, str], list[Penerima]] = {}
    kepala: dict[int, list[Penerima]] = {}
    semua: list[Penerima] = []
    for r in rows:
        p = Penerima(r.id, r.telegram_id, r.name, r.role, r.unit_id)
        semua.append(p)
        per_unit_peran.setdefault((r.unit_id, r.role), []).append(p)
        if r.is_head and r.unit_id is not None:
            kepala.setdefault(r.unit_id, []).append(p)
    return Direktori(induk, anak, per_unit_peran, kepala, semua, {u.id: u.kind for u in units})


# --- "already reported" --------------------------------------------------------------------------------


def _ra_id(ref: str) -> tuple[int, str] | None:
    parts = ref.split(":")
    if len(parts) == 3 and parts[0] == "ra" and parts[1].isdigit():
        return int(parts[1]), parts[2]
    return None


def _tahapan_id(ref: str) -> int | None:
    parts = ref.split(":")
    return int(parts[1]) if len(parts) == 2 and parts[0] == "tahapan" and parts[1].isdigit() else None


async def _status_rencana(conn: AsyncConnection, ds: list[Tenggat]) -> dict[int, Status]:
    refs = {d.id: _ra_id(d.ref) for d in ds}
    ids = sorted({r[0] for r in refs.values() if r})
    p = t.rencana_progress
    latest = sa.select(p.c.rencana_id, sa.func.max(p.c.versi).label("v")).where(p.c.rencana_id.in_(ids)) \
        .group_by(p.c.rencana_id).subquery()
    status = dict((await conn.execute(
        sa.select(p.c.rencana_id, p.c.status).join(latest, sa.and_(latest.c.rencana_id == p.c.rencana_id,
                                                                    latest.c.v == p.c.versi)))).all())
    out: dict[int, Status] = {}
    for d in ds:
        ref = refs[d.id]
        now = status.get(ref[0]) if ref else None
        selesai = now == "selesai" or (ref is not None and ref[1] == "mulai" and now == "berjalan")
        out[d.id] = Status(selesai)
    return out


async def _status_pelaporan(conn: AsyncConnection, ds: list[Tenggat]) -> dict[int, Status]:
    versi = await _pk_berlaku(conn)
    indikator = await _indikator_pk(conn)
    butuh: dict[int, list[tuple[int, str]]] = {}
    periode: dict[int, Periode] = {}
    for d in ds:
        try:
            p = parse_periode(d.ref)
        except ParseError:
            continue
        docs = versi.get((d.unit_id or 0, p.tahun))
        if not docs:
            continue
        periode[d.id] = p
        butuh[d.id] = [(i, k) for i, k, frek in indikator.get(_dokumen_untuk(docs, p), []) if frek == p.jenis]
    ind_ids = sorted({i for v in butuh.values() for i, _ in v})
    kodes = sorted({p.kode for p in periode.values()})
    r = t.realisations
    dilapor: set[tuple[int, str]] = set()
    for i in range(0, len(ind_ids), 500):
        chunk = ind_ids[i:i + 500]
        latest = (sa.select(r.c.indicator_id, r.c.periode, sa.func.max(r.c.versi).label("v"))
                  .where(r.c.indicator_id.in_(chunk), r.c.periode.in_(kodes))
                  .group_by(r.c.indicator_id, r.c.periode).subquery())
        q = sa.select(r.c.indicator_id, r.c.periode).join(latest, sa.and_(
            latest.c.indicator_id == r.c.indicator_id, latest.c.periode == r.c.periode, latest.c.v == r.c.versi)
        ).where(r.c.status != "dikembalikan")
        dilapor |= {(a, b) for a, b in (await conn.execute(q)).all()}
    out: dict[int, Status] = {}
    for d in ds:
        if d.id not in butuh:
            out[d.id] = Status(False)
            continue
        kode = periode[d.id].kode
        belum = tuple(k for i, k in butuh[d.id] if (i, kode) not in dilapor)
        out[d.id] = Status(not belum, belum, len(butuh[d.id]) - len(belum), len(butuh[d.id]))
    return out


async def _status_tahapan(conn: AsyncConnection, ds: list[Tenggat], dir_: Direktori) -> dict[int, Status]:
    ids = sorted({s for d in ds if (s := _tahapan_id(d.ref)) is not None})
    sc = t.stage_completions
    done = {(s, u) for s, u in (await conn.execute(
        sa.select(sc.c.stage_id, sc.c.unit_id).where(sc.c.stage_id.in_(ids)).distinct())).all()}
    out: dict[int, Status] = {}
    for d in ds:
        unit = dir_.unit_tahapan(d.unit_id)  # the province's stage (deadline of its data section): marked for PROV
        out[d.id] = Status((_tahapan_id(d.ref), unit) in done, unit_lapor=unit)
    return out


async def _status_logistik(conn: AsyncConnection, ds: list[Tenggat], dir_: Direktori) -> dict[int, Status]:
    kab = sorted({d.unit_id for d in ds if d.unit_id is not None})
    ar, tp = t.arrival_reports, t.tps
    dilapor = sa.exists().where(ar.c.tps_id == tp.c.id)
    one = sa.literal(1)
    # Per kab/kota and sulit flag: how many TPS, how many with an arrival report (counted in SQL, not row by row).
    counts: dict[tuple[int, bool], tuple[int, int]] = {}
    for u, sulit, n, done in (await conn.execute(
            sa.select(tp.c.kabkota_unit_id, tp.c.sulit, sa.func.count(), sa.func.sum(sa.case((dilapor, one), else_=0)))
            .where(tp.c.kabkota_unit_id.in_(kab)).group_by(tp.c.kabkota_unit_id, tp.c.sulit))).all():
        counts[(u, bool(sulit))] = (int(n), int(done or 0))
    # The active petugas' TPS in these kab/kota, with whether each has reported: kab/kota -> petugas -> TPS.
    aktif = set(p.user_id for p in dir_.berperan(None, "petugas", turunan=False))
    milik: dict[int, dict[int, list[tuple[str, bool, bool]]]] = {}
    for uid, kode, u, sulit, done in (await conn.execute(
            sa.select(t.user_tps.c.user_id, tp.c.kode, tp.c.kabkota_unit_id, tp.c.sulit, dilapor)
            .join(tp, tp.c.id == t.user_tps.c.tps_id).join(t.users, t.users.c.id == t.user_tps.c.user_id)
            .where(tp.c.kabkota_unit_id.in_(kab), t.users.c.role == "petugas", t.users.c.status == "aktif")
            .order_by(tp.c.kode))).all():
        if uid in aktif:
            milik.setdefault(u, {}).setdefault(uid, []).append((kode, bool(sulit), bool(done)))
    out: dict[int, Status] = {}
    for d in ds:
        sulit_saja = d.ref == "h1-sulit"
        jenis = (True,) if sulit_saja else (True, False)
        total = sum(counts.get((d.unit_id or 0, s), (0, 0))[0] for s in jenis)
        sudah = sum(counts.get((d.unit_id or 0, s), (0, 0))[1] for s in jenis)
        per_user: dict[int, tuple[str, ...]] = {}
        for uid, items in milik.get(d.unit_id or 0, {}).items():
            mine = [(kode, done) for kode, s, done in items if s or not sulit_saja]
            if mine:
                per_user[uid] = tuple(kode for kode, done in mine if not done)
        out[d.id] = Status(sudah >= total, (), sudah, total, per_user)
    return out


async def _tahun_tenggat(conn: AsyncConnection, ds: Sequence[Tenggat]) -> dict[int, int]:
    """The budget year each deadline belongs to: its period's, its activity's or stage's, else its date's."""
    ra = {d.id: r[0] for d in ds if d.jenis == "rencana_aksi" and (r := _ra_id(d.ref))}
    th = {d.id: s for d in ds if d.jenis == "pemutakhiran" and (s := _tahapan_id(d.ref)) is not None}
    tahun_ra = dict((await conn.execute(sa.select(t.rencana_aksi.c.id, t.rencana_aksi.c.tahun).where(
        t.rencana_aksi.c.id.in_(sorted(set(ra.values())))))).all()) if ra else {}
    tahun_th = dict((await conn.execute(sa.select(t.voter_stages.c.id, t.voter_stages.c.tahun).where(
        t.voter_stages.c.id.in_(sorted(set(th.values())))))).all()) if th else {}
    out: dict[int, int] = {}
    for d in ds:
        if d.id in ra and ra[d.id] in tahun_ra:
            out[d.id] = tahun_ra[ra[d.id]]
        elif d.id in th and th[d.id] in tahun_th:
            out[d.id] = tahun_th[th[d.id]]
        else:
            try:
                out[d.id] = parse_periode(d.ref).tahun if d.jenis == "pelaporan" else d.batas.year
            except ParseError:
                out[d.id] = d.batas.year
    return out


async def status(conn: AsyncConnection, ds: Sequence[Tenggat], dir_: Direktori) -> dict[int, Status]:
    """Whether each deadline is reported (checked against the rows the reporting flows write); a deadline of a
    closed budget year counts as settled, since nothing can be reported into that year any more."""
    ditutup = set((await conn.execute(sa.select(t.tahun_anggaran.c.tahun).where(
        t.tahun_anggaran.c.status == "ditutup"))).scalars().all())
    if ditutup:
        tahun = await _tahun_tenggat(conn, ds)
        selesai = {d.id: Status(True) for d in ds if tahun[d.id] in ditutup}
        if selesai:
            return selesai | await status(conn, [d for d in ds if d.id not in selesai], dir_)
    per_jenis: dict[str, list[Tenggat]] = {}
    for d in ds:
        per_jenis.setdefault(d.jenis, []).append(d)
    out: dict[int, Status] = {}
    fungsi: dict[str, Callable[[AsyncConnection, list[Tenggat]], Awaitable[dict[int, Status]]]] = {
        "rencana_aksi": _status_rencana, "pelaporan": _status_pelaporan}
    for jenis, items in per_jenis.items():
        if jenis in fungsi:
            out.update(await fungsi[jenis](conn, items))
        elif jenis == "pemutakhiran":
            out.update(await _status_tahapan(conn, items, dir_))
        elif jenis == "logistik":
            out.update(await _status_logistik(conn, items, dir_))
        else:
            out.update({d.id: Status(False) for d in items})
    return out


def penerima_per_tingkat(d: Tenggat, st: Status, dir_: Direktori) -> dict[Tingkat, list[Penerima]]:
    """Who gets which tier of a deadline's reminders now (nobody once it is reported)."""
    if st.selesai:
        return {"penanggung": [], "kepala": [], "pimpinan": []}
    penanggung = dir_.penanggung(d)
    if d.jenis == "logistik":
        # Petugas of TPS not yet reported are responsible too; one who has reported all theirs is done.
        penanggung = penanggung + [p for p in dir_.berperan(None, "petugas", turunan=False)
                                   if st.per_pengguna.get(p.user_id)]
    # Each person once per deadline, at the lowest tier they are in: a head who is also the pimpinan (the
    # Sekretaris heads the province) gets one escalation, not two on the same morning.
    seen = {p.user_id for p in penanggung}
    kepala = [p for p in dir_.kepala(d.unit_id) if p.user_id not in seen]
    seen |= {p.user_id for p in kepala}
    pimpinan = [p for p in dir_.pimpinan(d.unit_id) if p.user_id not in seen]
    return {"penanggung": penanggung, "kepala": kepala, "pimpinan": pimpinan}


# --- snoozes ------------------------------------------------------------------------------------------------


async def tunda(conn: AsyncConnection, deadline_id: int, user_id: int, *, sampai: datetime, now: datetime) -> None:
    """Snooze one deadline's reminders for one user until ``sampai``; a waiting reminder is taken back."""
    s = t.reminder_snoozes
    stmt = dialect_insert(conn, s).values(deadline_id=deadline_id, user_id=user_id, until=sampai, created_at=now)
    await conn.execute(stmt.on_conflict_do_update(index_elements=["deadline_id", "user_id"],
                                                  set_={"until": sampai, "created_at": now}))
    await _batalkan(conn, [kunci_prefix(deadline_id, user_id)], now=now)


def kunci_prefix(deadline_id: int, user_id: int | None = None) -> str:
    """The outbox key prefix of a deadline's (and a user's) reminders."""
    return f"{PREFIKS}{deadline_id}:" + ("" if user_id is None else f"{user_id}:")


async def penundaan(conn: AsyncConnection, deadline_ids: Sequence[int],
                    now: datetime) -> dict[tuple[int, int], datetime]:
    """Snoozes (deadline, user) -> until that are active or ended within the last day (their re-reminder)."""
    s = t.reminder_snoozes
    out: dict[tuple[int, int], datetime] = {}
    ids = list(deadline_ids)
    for i in range(0, len(ids), 500):
        q = sa.select(s.c.deadline_id, s.c.user_id, s.c.until).where(s.c.deadline_id.in_(ids[i:i + 500]),
                                                                      s.c.until > now - timedelta(days=1))
        out.update({(d, u): until for d, u, until in (await conn.execute(q)).all()})
    return out


_PREFIKS_PER_HAPUS = 100


async def _batalkan(conn: AsyncConnection, prefixes: Sequence[str], *, now: datetime) -> int:
    """Take queued, unclaimed reminders with these key prefixes out of the outbox (they were never sent)."""
    o = t.outbox
    n = 0
    for i in range(0, len(prefixes), _PREFIKS_PER_HAPUS):  # one statement for the usual few
        res = await conn.execute(o.delete().where(
            sa.or_(*(o.c.dedup_key.startswith(p, autoescape=True) for p in prefixes[i:i + _PREFIKS_PER_HAPUS])),
            o.c.status == outbox.ANTRI, o.c.kind.in_((KIND_PENGINGAT, KIND_ESKALASI)),
            sa.or_(o.c.claimed_until.is_(None), o.c.claimed_until < now)))
        n += res.rowcount or 0
    return n


async def tarik_pengingat_tps(conn: AsyncConnection, tps_id: int, *, now: datetime) -> int:
    """A TPS reported: take back the logistics reminders waiting for its officers (the caller's transaction).

    An officer with another TPS still to report gets a fresh reminder (naming only that one) from the next sweep.
    """
    tp, dl, ut = t.tps, t.deadlines, t.user_tps
    # The kab/kota's logistics deadlines × the TPS's officers, in one query
    pasangan = (await conn.execute(
        sa.select(dl.c.id, ut.c.user_id)
        .select_from(tp.join(dl, sa.and_(dl.c.unit_id == tp.c.kabkota_unit_id, dl.c.jenis == "logistik"))
                     .join(ut, ut.c.tps_id == tp.c.id))
        .where(tp.c.id == tps_id).order_by(dl.c.id, ut.c.user_id))).all()
    return await _batalkan(conn, [kunci_prefix(d, u) for d, u in pasangan], now=now)


async def pengingat_basi(conn: AsyncConnection, key: str) -> bool:
    """Whether an officer's logistics reminder about to go out is no longer needed: all their TPS have reported.

    Checked by the sender just before sending; other reminders are checked by the minute's sweep.
    """
    p = urai_kunci(key)
    if p is None:
        return False
    dl, tp, ar = t.deadlines, t.tps, t.arrival_reports
    d = (await conn.execute(sa.select(dl.c.jenis, dl.c.ref, dl.c.unit_id).where(dl.c.id == p[0]))).first()
    if d is None or d.jenis != "logistik":
        return False
    belum = sa.case((~sa.exists().where(ar.c.tps_id == tp.c.id), 1), else_=0)
    q = (sa.select(sa.func.count(), sa.func.sum(belum)).select_from(t.user_tps.join(tp, tp.c.id == t.user_tps.c.tps_id))
         .where(t.user_tps.c.user_id == p[1], tp.c.kabkota_unit_id == d.unit_id))
    if d.ref == "h1-sulit":
        q = q.where(tp.c.sulit.is_(True))
    tps, sisa = (await conn.execute(q)).one()
    # Only an officer's reminder is about their own TPS; a kab/kota operator's is about all (the sweep's job).
    return bool(tps) and not sisa


async def buang_pengingat(conn: AsyncConnection, outbox_id: int) -> bool:
    """Remove one queued reminder that is no longer needed (it was never sent)."""
    o = t.outbox
    res = await conn.execute(o.delete().where(o.c.id == outbox_id, o.c.status == outbox.ANTRI,
                                              o.c.kind == KIND_PENGINGAT))
    return (res.rowcount or 0) == 1


# --- the sweep -----------------------------------------------------------------------------------------------


@dataclass
class _Bahan:
    """Everything a sweep or a preview reads, once."""

    kebijakan: Kebijakan
    tenggat: list[Tenggat]
    direktori: Direktori
    status: dict[int, Status]
    tunda: dict[tuple[int, int], datetime]
    kunci: dict[str, tuple[str, datetime]]  # outbox key -> (status, queued at), for the deadlines looked at
    kalender: Kalender = field(default_factory=Kalender)


async def _kunci_outbox(conn: AsyncConnection, sejak: datetime) -> dict[str, tuple[str, datetime]]:
    # not_before is never earlier than created_at, and a reminder is queued only after its step's time, so
    # the keys of every step whose window is still open have not_before >= the oldest such step's time.
    o = t.outbox
    q = sa.select(o.c.dedup_key, o.c.status, o.c.created_at).where(o.c.kind.in_((KIND_PENGINGAT, KIND_ESKALASI)),
                                                                   o.c.not_before >= sejak)
    return {k: (s, c) for k, s, c in (await conn.execute(q)).all()}


def _ulang(d: Tenggat, langkah: list[Langkah], until: datetime | None,
           kunci_: dict[str, tuple[str, datetime]], user_id: int) -> Langkah | None:
    """The "ingatkan besok" re-reminder of one person, if the regular step current at the snooze's end went
    out before it (so nothing new would come); the regular step deferred by the snooze needs no repeat."""
    if until is None:
        return None
    z = kebijakan_mod.pengingat_ulang(langkah, until, d.batas, d.zona)
    if z is None:
        return None
    reg = next((x for x in langkah if x.waktu <= until < x.akhir), None)
    sent = kunci_.get(kunci(d.id, user_id, reg.kode)) if reg else None
    return z if sent is not None and sent[1] < until else None


def _rentang_maks(k: Kebijakan) -> tuple[timedelta, timedelta]:
    pairs = [kebijakan_mod.rentang(k.untuk(j)) for j in JENIS]
    return max(p[0] for p in pairs), max(p[1] for p in pairs)


async def _kunci_tertentu(conn: AsyncConnection, keys: Sequence[str]) -> dict[str, tuple[str, datetime]]:
    o = t.outbox
    out: dict[str, tuple[str, datetime]] = {}
    for i in range(0, len(keys), 500):
        q = sa.select(o.c.dedup_key, o.c.status, o.c.created_at).where(o.c.dedup_key.in_(keys[i:i + 500]))
        out.update({k: (s, c) for k, s, c in (await conn.execute(q)).all()})
    return out


async def _bahan(conn: AsyncConnection, *, dari: datetime, sampai: datetime, zona: str, now: datetime,
                 termasuk_jeda: bool, ids: Iterable[int] | None = None, user_id: int | None = None) -> _Bahan:
    k = await kebijakan(conn)
    sebelum, sesudah = _rentang_maks(k)
    # A deadline has steps from `sebelum` before it to `sesudah` after it: look only at those that can.
    ds = await daftar_tenggat(conn, zona=zona, dari=dari - sesudah, sampai=sampai + sebelum, ids=ids,
                              termasuk_jeda=termasuk_jeda)
    if not termasuk_jeda:
        dijeda = await jenis_dijeda(conn)
        ds = [d for d in ds if d.jenis not in dijeda]
    dir_ = await direktori(conn)
    st = await status(conn, ds, dir_)
    tunda_ = await penundaan(conn, [d.id for d in ds], now)
    kalender = await hari_libur(conn)
    if user_id is None:
        keys = await _kunci_outbox(conn, min(dari, now) - sesudah - sebelum) if ds else {}
    else:
        # One person's reminders (/pengingat): look up exactly their possible keys, not every recent one.
        mine = [d for d in ds if any(p.user_id == user_id for ps in penerima_per_tingkat(d, st[d.id], dir_).values()
                                     for p in ps)]
        ds = mine
        candidates = [kunci(d.id, user_id, x.kode) for d in mine
                      for steps in kebijakan_mod.jadwal(k.untuk(d.jenis), d.batas, d.zona, kalender).values()
                      for x in steps]
        candidates += [kunci(d.id, user_id, f"z{until.astimezone(ZoneInfo(d.zona)):%Y%m%d}")
                       for (di, u), until in tunda_.items() for d in mine if di == d.id and u == user_id]
        keys = await _kunci_tertentu(conn, candidates)
    return _Bahan(k, ds, dir_, st, tunda_, keys, kalender)


async def rencana_sapu(conn: AsyncConnection, *, now: datetime, zona: str) -> tuple[list[Kiriman], _Bahan]:
    """What a sweep at ``now`` queues: for each (deadline, recipient, tier) the step due now, if not queued yet."""
    b = await _bahan(conn, dari=now, sampai=now, zona=zona, now=now, termasuk_jeda=False)
    out: list[Kiriman] = []
    for d in b.tenggat:
        st = b.status[d.id]
        if st.selesai:
            continue
        aturan = b.kebijakan.untuk(d.jenis)
        if kebijakan_mod.sunyi(now, aturan, d.zona, b.kalender):
            continue
        tiers = kebijakan_mod.jadwal(aturan, d.batas, d.zona, b.kalender)
        orang = penerima_per_tingkat(d, st, b.direktori)
        nama_penanggung = tuple(p.nama for p in orang["penanggung"])
        for tingkat, langkah in tiers.items():
            # The step due now is the same for everyone in a tier; only snoozes differ per person, so the
            # policy is asked once per tier and each person's snooze is checked after it (same rule).
            due = kebijakan_mod.langkah_jatuh_tempo(langkah, now, aturan, d.zona, kalender=b.kalender)
            for p in orang[tingkat]:
                until = b.tunda.get((d.id, p.user_id))
                if until is not None and now < until:
                    continue
                melapor = (d.jenis in JENIS_LINGKUP_LAPOR and d.unit_id is not None
                           and d.unit_id in b.direktori.melapor_untuk(p.unit_id))
                if due is not None and kunci(d.id, p.user_id, due.kode) not in b.kunci:
                    out.append(Kiriman(d, p, due, st, nama_penanggung, melapor))
                    continue
                z = _ulang(d, langkah, until, b.kunci, p.user_id)
                if z is not None and z.waktu <= now < z.akhir and kunci(d.id, p.user_id, z.kode) not in b.kunci:
                    out.append(Kiriman(d, p, z, st, nama_penanggung, melapor))
    return out, b


async def _antrean_basi(conn: AsyncConnection, b: _Bahan, now: datetime, zona: str) -> list[str]:
    """Queued reminders the policy would no longer send: reported, paused, snoozed, the user left, or queued today
    and today became a day without reminders."""
    o = t.outbox
    libur_hari_ini = _mungkin_libur(b.kebijakan, b.kalender, now)
    # when queued matters only on a holiday or weekend: on other days the column is not read (every minute)
    kolom = o.c.not_before if libur_hari_ini else sa.null()
    antre = dict((await conn.execute(sa.select(o.c.dedup_key, kolom).where(
        o.c.kind.in_((KIND_PENGINGAT, KIND_ESKALASI)), o.c.status == outbox.ANTRI,
        sa.or_(o.c.claimed_until.is_(None), o.c.claimed_until < now)))).all())
    if not antre:
        return []
    parsed = {key: p for key in antre if (p := urai_kunci(key)) is not None}
    known = {d.id: d for d in b.tenggat}
    missing = sorted({p[0] for p in parsed.values()} - set(known))
    extra = await daftar_tenggat(conn, zona=zona, ids=missing) if missing else []
    dijeda = await jenis_dijeda(conn)
    st = {**b.status, **(await status(conn, extra, b.direktori) if extra else {})}
    tunda_ = {**b.tunda, **(await penundaan(conn, [d.id for d in extra], now) if extra else {})}
    semua = {**known, **{d.id: d for d in extra}}
    basi: list[str] = []
    cache: dict[int, set[int]] = {}
    for key, (deadline_id, user_id, _) in parsed.items():
        d = semua.get(deadline_id)
        if d is None or d.dijeda or d.jenis in dijeda or st[d.id].selesai:
            basi.append(key)
            continue
        if libur_hari_ini and _hari_tanpa_kirim(d, b.kebijakan, b.kalender, now, antre[key]):  # a new holiday
            basi.append(key)
            continue
        if (until := tunda_.get((deadline_id, user_id))) is not None and now < until:
            basi.append(key)
            continue
        if deadline_id not in cache:
            cache[deadline_id] = {p.user_id for ps in penerima_per_tingkat(d, st[d.id], b.direktori).values()
                                  for p in ps}
        if user_id not in cache[deadline_id]:
            basi.append(key)
    return basi


def _mungkin_libur(k: Kebijakan, kalender: Kalender, now: datetime) -> bool:
    """Whether some rule sends nothing today in some time zone (UTC-12 to UTC+14): else nothing queued needs a look
    at its rule (this runs every minute, for every queued reminder)."""
    hari = {(now + timedelta(hours=h)).date() for h in (-12, 0, 14)}
    return any(not kalender.boleh(d, a.hari_kirim) for d in hari for a in k.aturan.values())


def _hari_tanpa_kirim(d: Tenggat, k: Kebijakan, kalender: Kalender, now: datetime, antre: datetime) -> bool:
    """Whether a reminder queued today (at ``antre``) is for a day its rule now sends nothing on (a holiday, or a
    weekend under a working-days rule). One queued on an earlier day and still waiting is left to the sender."""
    tz = ZoneInfo(d.zona)
    hari = now.astimezone(tz).date()
    # the cheap test first: on most days every rule sends, and this runs for every queued reminder
    return not kalender.boleh(hari, k.untuk(d.jenis).hari_kirim) and antre.astimezone(tz).date() == hari


async def tarik_hari_tanpa_kirim(conn: AsyncConnection, *, now: datetime, zona: str) -> int:
    """Take back the queued reminders whose rule sends nothing today (the day was just made a holiday)."""
    o = t.outbox
    antre = dict((await conn.execute(sa.select(o.c.dedup_key, o.c.not_before).where(
        o.c.kind.in_((KIND_PENGINGAT, KIND_ESKALASI)), o.c.status == outbox.ANTRI,
        sa.or_(o.c.claimed_until.is_(None), o.c.claimed_until < now)))).all())
    parsed = {key: p[0] for key in antre if (p := urai_kunci(key)) is not None}
    if not parsed:
        return 0
    k, kalender = await kebijakan(conn), await hari_libur(conn)
    ds = {d.id: d for d in await daftar_tenggat(conn, zona=zona, ids=sorted(set(parsed.values())))}
    basi = [key for key, did in parsed.items()
            if did in ds and _hari_tanpa_kirim(ds[did], k, kalender, now, antre[key])]
    return await _batalkan(conn, basi, now=now) if basi else 0


async def sapu(engine: AsyncEngine, *, now: datetime, render: Render, zona: str, sinkron: bool = False,
               batch: int = 500) -> HasilSapu:
    """One sweep: optionally sync the deadlines, queue every reminder due now, take back the stale ones."""
    hasil = HasilSapu()
    if sinkron:
        async with engine.begin() as conn:
            # The election event whose schedule is in force follows the calendar (its logistics deadlines too).
            await pemilihan.berlakukan(conn, now.astimezone(ZoneInfo(zona)).date())
            hasil.disinkronkan = (await sinkronkan(conn, zona=zona, now=now)).total
    async with engine.connect() as conn:
        kiriman, bahan = await rencana_sapu(conn, now=now, zona=zona)
        basi = await _antrean_basi(conn, bahan, now, zona)
    hasil.tenggat = len(bahan.tenggat)
    hasil.pasangan = len(kiriman)
    if basi:
        async with engine.begin() as conn:
            hasil.dibatalkan = await _batalkan(conn, basi, now=now)
    # Chunks of `batch` per transaction: SQLite has one writer, and handlers must not wait for a big sweep.
    for i in range(0, len(kiriman), batch):
        chunk = kiriman[i:i + batch]
        async with engine.begin() as conn:
            added = await _antrekan(conn, chunk, render, now)
        hasil.diantrekan += added
        hasil.sudah_ada += len(chunk) - added
    return hasil


async def _antrekan(conn: AsyncConnection, kiriman: Sequence[Kiriman], render: Render, now: datetime) -> int:
    """Queue reminders in one statement; a key already in the outbox is skipped. Returns how many were queued."""
    pesan = []
    for k in kiriman:
        p = render(k)
        pesan.append(outbox.PesanBaru(key=k.kunci, chat_id=k.penerima.telegram_id, text=p.teks, reply_markup=p.markup,
                                      kind=KIND_ESKALASI if k.langkah.eskalasi else KIND_PENGINGAT))
    return await outbox.enqueue_many(conn, pesan, now=now)


# --- preview (the same policy, over a window) -------------------------------------------------------------


async def pratinjau(conn: AsyncConnection, *, dari: datetime, sampai: datetime, now: datetime, zona: str,
                    user_id: int | None = None, termasuk_jeda: bool = False,
                    ids: Iterable[int] | None = None) -> list[Rencana]:
    """Every reminder the policy sends between ``dari`` and ``sampai`` given what is known at ``now``; sends nothing.

    A step appears at the first moment a minute-by-minute sweep would send it (after quiet hours and an
    active snooze); steps in the past are marked with their outbox status, or ``terlewat`` when a sweep
    skipped them (downtime, a snooze, a pause).
    """
    b = await _bahan(conn, dari=dari, sampai=sampai, zona=zona, now=now, termasuk_jeda=termasuk_jeda, ids=ids,
                     user_id=user_id)
    out: list[Rencana] = []
    for d in b.tenggat:
        st = b.status[d.id]
        if st.selesai:
            continue
        aturan = b.kebijakan.untuk(d.jenis)
        orang = penerima_per_tingkat(d, st, b.direktori)
        for tingkat, langkah in kebijakan_mod.jadwal(aturan, d.batas, d.zona, b.kalender).items():
            for p in orang[tingkat]:
                if user_id is not None and p.user_id != user_id:
                    continue
                until = b.tunda.get((d.id, p.user_id))
                z = _ulang(d, langkah, until, b.kunci, p.user_id)
                for step in [*langkah, *([z] if z else [])]:
                    sent = b.kunci.get(kunci(d.id, p.user_id, step.kode))
                    # what went out is shown when it went out; what is to come, when a sweep will send it
                    saat = sent[1] if sent else kebijakan_mod.saat_kirim(step, aturan, d.zona, until, b.kalender)
                    if saat is None or not dari <= saat <= sampai:
                        continue
                    if sent is not None:
                        state = sent[0]
                    else:
                        state = "rencana" if saat >= now or step.waktu <= now < step.akhir else "terlewat"
                    out.append(Rencana(saat, d, p, step, state))
    out.sort(key=lambda r: (r.waktu, r.penerima.user_id, r.tenggat.id, r.langkah.kode))
    return out


# --- what /jadwal and the digest show -------------------------------------------------------------------------


@dataclass(frozen=True)
class Baris:
    """A deadline (or the same deadline across several units) with how many units have not reported."""

    jenis: str
    ref: str
    judul: str
    batas: datetime
    zona: str
    units: tuple[str, ...]  # unit codes
    belum: tuple[str, ...]  # unit codes not reported yet
    dijeda: bool
    digeser: str = ""  # "digeser karena Idul Fitri": holidays moved this reporting deadline later


def _gabung(ds: list[Tenggat], st: dict[int, Status], geser: Mapping[str, str] | None = None) -> list[Baris]:
    groups: dict[tuple[str, str, datetime], list[Tenggat]] = {}
    for d in ds:
        groups.setdefault((d.jenis, d.ref, d.batas), []).append(d)
    out = []
    for (jenis, ref, batas), items in groups.items():
        units = tuple(d.unit_code or "-" for d in items)
        belum = tuple(d.unit_code or "-" for d in items if not st[d.id].selesai)
        out.append(Baris(jenis, ref, items[0].judul, batas, items[0].zona, units, belum,
                         all(d.dijeda for d in items), (geser or {}).get(ref, "") if jenis == "pelaporan" else ""))
    out.sort(key=lambda b: (b.batas, b.judul))
    return out


def _dalam_cakupan(ds: list[Tenggat], user_id: int, unit_ids: list[int] | None, dir_: Direktori,
                   st: dict[int, Status]) -> list[Tenggat]:
    if unit_ids is None:
        return ds
    scope = set(unit_ids)
    return [d for d in ds if (d.unit_id in scope) or any(
        p.user_id == user_id for p in penerima_per_tingkat(d, Status(False, per_pengguna=st[d.id].per_pengguna),
                                                           dir_)["penanggung"])]


@dataclass(frozen=True)
class Jadwal:
    """Deadlines in a user's scope: the coming ones and the overdue ones."""

    akan_datang: list[Baris]
    terlambat: list[Baris]


async def jadwal_pengguna(conn: AsyncConnection, *, user_id: int, unit_ids: list[int] | None, now: datetime,
                          zona: str, hari: int = 14, lewat_hari: int = 30) -> Jadwal:
    """The next ``hari`` days of deadlines and the overdue ones (up to ``lewat_hari`` back) in the user's scope."""
    ds = await daftar_tenggat(conn, zona=zona, dari=now - timedelta(days=lewat_hari), sampai=now + timedelta(days=hari))
    dir_ = await direktori(conn)
    st = await status(conn, ds, dir_)
    ds = _dalam_cakupan(ds, user_id, unit_ids, dir_, st)
    coming = [d for d in ds if d.batas >= now]
    late = [d for d in ds if d.batas < now and not st[d.id].selesai]
    geser = await alasan_geser(conn, {d.ref for d in ds if d.jenis == "pelaporan"})
    return Jadwal(_gabung(coming, st, geser), _gabung(late, st, geser))


@dataclass(frozen=True)
class Ringkasan:
    """The pimpinan's morning digest."""

    hari_ini: list[Baris]
    terlambat: dict[str, list[Baris]]  # unit label -> overdue deadlines
    logistik: list[tuple[str, int, int]] | None  # (kab/kota name, TPS reported, TPS) on distribution days

    @property
    def kosong(self) -> bool:
        """Nothing worth a message."""
        return not self.hari_ini and not self.terlambat and not self.logistik


async def ringkasan(conn: AsyncConnection, *, unit_ids: list[int] | None, now: datetime, zona: str,
                    lewat_hari: int = 30) -> Ringkasan:
    """Due today, overdue by unit, and during distribution days the logistics progress, within a scope."""
    today = now.astimezone(ZoneInfo(zona)).date()
    ds = await daftar_tenggat(conn, zona=zona, dari=now - timedelta(days=lewat_hari), sampai=now + timedelta(days=2),
                              termasuk_jeda=False)
    if unit_ids is not None:
        scope = set(unit_ids)
        ds = [d for d in ds if d.unit_id in scope]
    dir_ = await direktori(conn)
    st = await status(conn, ds, dir_)
    hari_ini = [d for d in ds if d.batas.astimezone(ZoneInfo(d.zona)).date() == today]
    late: dict[str, list[Tenggat]] = {}
    for d in ds:
        if d.batas < now and not st[d.id].selesai and d not in hari_ini:
            late.setdefault(f"{d.unit_nama or 'Tanpa unit'} ({d.unit_code or '-'})", []).append(d)
    return Ringkasan(_gabung(hari_ini, st), {k: _gabung(v, st) for k, v in sorted(late.items())},
                     await _progres_logistik(conn, today, unit_ids))


async def _progres_logistik(conn: AsyncConnection, today: date, unit_ids: list[int] | None
                            ) -> list[tuple[str, int, int]] | None:
    ls = t.logistics_schedule
    q = sa.select(ls.c.kabkota_unit_id, ls.c.kirim_mulai, ls.c.batas_tiba)
    rows = (await conn.execute(q)).all()
    if unit_ids is not None:
        rows = [r for r in rows if r.kabkota_unit_id in set(unit_ids)]
    starts = [r.kirim_mulai for r in rows if r.kirim_mulai is not None]
    if not rows or not starts or not min(starts) <= today <= max(r.batas_tiba.date() for r in rows) + timedelta(1):
        return None
    acara = await pemilihan.berjalan(conn, today)
    counts = await logistik.counts_by_kabkota(conn, [r.kabkota_unit_id for r in rows],
                                              pemilihan_id=acara.id if acara else None)
    return [(c.nama, c.tiba, c.tps) for c in counts]


async def penerima_ringkasan(conn: AsyncConnection) -> list[Penerima]:
    """The active pimpinan, who get the morning digest."""
    return [p for p in (await direktori(conn)).semua if p.peran == "pimpinan"]


# --- what /pengingat shows -------------------------------------------------------------------------------------


async def penerima_tenggat(conn: AsyncConnection, d: Tenggat) -> set[int]:
    """The users who get any reminder of the deadline now (any tier)."""
    dir_ = await direktori(conn)
    st = (await status(conn, [d], dir_))[d.id]
    return {p.user_id for ps in penerima_per_tingkat(d, Status(False, per_pengguna=st.per_pengguna), dir_).values()
            for p in ps}
