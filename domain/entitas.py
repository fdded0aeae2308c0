"""The things Pantau keeps, as plain immutable types that repositories return."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

PERAN = ("admin", "pimpinan", "operator", "petugas")
PERAN_LABEL = {"admin": "Admin", "pimpinan": "Pimpinan", "operator": "Operator", "petugas": "Petugas TPS"}


@dataclass(frozen=True)
class Unit:
    """A unit of the organisation: satker, bagian, sub bagian or KPU kab/kota."""

    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None
    kode_wilayah: str | None = None
    timezone: str | None = None


@dataclass(frozen=True)
class Tps:
    """A polling station."""

    id: int
    kode: str
    nama: str
    kabkota_code: str
    kabkota: str
    kecamatan: str
    desa: str
    dpt: int
    sulit: bool
    generated: bool = False


@dataclass(frozen=True)
class Pengguna:
    """A registered (or pending, or revoked) user."""

    id: int
    telegram_id: int | None
    name: str
    role: str
    status: str
    unit_id: int | None
    unit_code: str | None
    is_head: bool = False
    tps_ids: frozenset[int] = field(default_factory=frozenset)
    demo_key: str | None = None

    @property
    def aktif(self) -> bool:
        """Whether the user may use the bot."""
        return self.status == "aktif"


@dataclass(frozen=True)
class Indikator:
    """A performance indicator with its kind and polarity."""

    id: int
    kode: str
    nama: str
    jenis: str
    polaritas: str
    unit_id: int
    parent_id: int | None
    tingkat: str
    sasaran_no: int | None
    sasaran: str | None
    frekuensi: str
    agregasi: str
    otomatis: str | None
    catatan: str | None = None


@dataclass(frozen=True)
class Realisasi:
    """One version of a reported realisation."""

    id: int
    indicator_id: int
    tahun: int
    periode: str
    versi: int
    nilai: str
    status: str
    sumber: str
    created_at: datetime
    author_id: int | None = None
    catatan: str | None = None
    alasan_koreksi: str | None = None

    @property
    def terverifikasi(self) -> bool:
        """Verified by the unit head (seed figures count as verified)."""
        return self.status == "disetujui"


@dataclass(frozen=True)
class MataAnggaran:
    """A budget line (program, kegiatan or output) with its allocation and latest cumulative spending."""

    id: int
    tahun: int
    kode: str
    tingkat: str
    nama: str
    pagu: int
    realisasi: int | None
    parent_id: int | None
    unit_id: int | None


@dataclass(frozen=True)
class Tahapan:
    """A voter-list update stage."""

    id: int
    tahun: int
    no: int
    nama: str
    mulai: date
    selesai: date
    pelaksana: str


@dataclass(frozen=True)
class RencanaAksi:
    """An action-plan activity with its planned months and latest progress."""

    id: int
    tahun: int
    kode: str
    uraian: str
    pagu: int
    volume: int
    satuan: str
    unit_code: str
    bulan_mulai: int
    bulan_selesai: int
    jadwal_demo: bool
    status: str
    progres: int
