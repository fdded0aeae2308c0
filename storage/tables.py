"""The database schema: SQLAlchemy Core tables, the single source for Alembic migrations."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """A timestamp stored as naive UTC and read back as an aware UTC datetime on every backend."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC)


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer, primary_key=True, autoincrement=True)


def _draf() -> sa.Column[str]:
    """The bot's draft id: the same draft submitted again (a second tap, a retried update) finds its row."""
    return sa.Column("draf", sa.String(32), nullable=True)


def _created() -> sa.Column[datetime]:
    return sa.Column("created_at", UTCDateTime, nullable=False)


# --- organisation and territory ---------------------------------------------------------------

units = sa.Table(
    "units",
    metadata,
    _id(),
    sa.Column("code", sa.String(40), nullable=False, unique=True),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),  # satker, bagian, subbagian, kabkota
    sa.Column("parent_id", sa.Integer, sa.ForeignKey("units.id"), nullable=True),
    sa.Column("kode_wilayah", sa.String(20), nullable=True),
    sa.Column("org", sa.String(20), nullable=False),  # the organisation (demo: BKL, BTENG)
    sa.Column("timezone", sa.String(40), nullable=True),
)

wilayah = sa.Table(
    "wilayah",
    metadata,
    _id(),
    sa.Column("kode", sa.String(30), nullable=False, unique=True),
    sa.Column("nama", sa.String(200), nullable=False),
    sa.Column("tingkat", sa.String(12), nullable=False),  # kecamatan, desa
    sa.Column("parent_id", sa.Integer, sa.ForeignKey("wilayah.id"), nullable=True),
    sa.Column("kabkota_unit_id", sa.Integer, sa.ForeignKey("units.id"), nullable=False, index=True),
    sa.Column("generated", sa.Boolean, nullable=False, server_default=sa.false()),
)

tps = sa.Table(
    "tps",
    metadata,
    _id(),
    sa.Column("kode", sa.String(40), nullable=False, unique=True),
    sa.Column("nama", sa.String(120), nullable=False),
    sa.Column("kabkota_unit_id", sa.Integer, sa.ForeignKey("units.id"), nullable=False, index=True),
    sa.Column("kecamatan_id", sa.Integer, sa.ForeignKey("wilayah.id"), nullable=False, index=True),
    sa.Column("desa_id", sa.Integer, sa.ForeignKey("wilayah.id"), nullable=False),
    sa.Column("dpt", sa.Integer, nullable=False),
    sa.Column("sulit", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("generated", sa.Boolean, nullable=False, server_default=sa.false()),
)

# --- people and access ---------------------------------------------------------------------------

users = sa.Table(
    "users",
    metadata,
    _id(),
    sa.Column("telegram_id", sa.BigInteger, nullable=True, unique=True),
    sa.Column("username", sa.String(64), nullable=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("role", sa.String(12), nullable=False),  # admin, pimpinan, operator, petugas
    sa.Column("status", sa.String(12), nullable=False),  # aktif, menunggu, dicabut
    sa.Column("unit_id", sa.Integer, sa.ForeignKey("units.id"), nullable=True),
    sa.Column("is_head", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("demo_key", sa.String(40), nullable=True, unique=True),
    _created(),
)

user_tps = sa.Table(
    "user_tps",
    metadata,
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("tps_id", sa.Integer, sa.ForeignKey("tps.id", ondelete="CASCADE"), primary_key=True),
)

invites = sa.Table(
    "invites",
    metadata,
    _id(),
    # sha256 hex of the code; the code itself is shown once, when it is made, and never stored
    sa.Column("code_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("role", sa.String(12), nullable=False),
    sa.Column("unit_id", sa.Integer, sa.ForeignKey("units.id"), nullable=True),
    sa.Column("tps_codes", sa.JSON, nullable=False),
    sa.Column("max_uses", sa.Integer, nullable=False),
    sa.Column("uses", sa.Integer, nullable=False, server_default="0"),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("revoked_at", UTCDateTime, nullable=True),
    sa.Column("created_by", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
    _created(),
)

# --- performance (SAKIP) -------------------------------------------------------------------------

indicators = sa.Table(
    "indicators",
    metadata,
    _id(),
    sa.Column("kode", sa.String(40), nullable=False, unique=True),
    sa.Column("nama", sa.Text, nullable=False),
    sa.Column("jenis", sa.String(12), nullable=False),  # persen, angka, indeks, predikat, opini
    sa.Column("polaritas", sa.String(6), nullable=False),  # naik, turun
    sa.Column("satuan", sa.String(40), nullable=True),
    sa.Column("unit_id", sa.Integer, sa.ForeignKey("units.id"), nullable=False, index=True),
    sa.Column("parent_id", sa.Integer, sa.ForeignKey("indicators.id"), nullable=True),
    sa.Column("tingkat", sa.String(12), nullable=False),  # renstra (IKU), pk, kegiatan
    sa.Column("sasaran_no", sa.Integer, nullable=True),
    sa.Column("sasaran", sa.Text, nullable=True),
    sa.Column("frekuensi", sa.String(10), nullable=False, server_default="triwulan"),
    sa.Column("agregasi", sa.String(10), nullable=False, server_default="terakhir"),
    sa.Column("otomatis", sa.String(20), nullable=True),  # pemutakhiran, logistik
    sa.Column("catatan", sa.Text, nullable=True),
)

indicator_targets = sa.Table(
    "indicator_targets",
    metadata,
    _id(),
    sa.Column("indicator_id", sa.Integer, sa.ForeignKey("indicators.id"), nullable=False),
    sa.Column("tahun", sa.Integer, nullable=False),
    sa.Column("periode", sa.String(10), nullable=False),  # "2024" or "2024-Q1" / "2024-M03"
    sa.Column("sumber", sa.String(10), nullable=False),  # renstra, pk
    sa.Column("nilai", sa.String(40), nullable=False),  # canonical value text
    # copied from last year when the year was opened (no Renstra target for it): to be confirmed by an admin
    sa.Column("perlu_konfirmasi", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.UniqueConstraint("indicator_id", "periode", "sumber", name="uq_indicator_targets_key"),
)

pk_documents = sa.Table(
    "pk_documents",
    metadata,
    _id(),
    sa.Column("unit_id", sa.Integer, sa.ForeignKey("units.id"), nullable=False),
    sa.Column("tahun", sa.Integer, nullable=False),
    sa.Column("versi", sa.Integer, nullable=False),
    sa.Column("jenis", sa.String(12), nullable=False),  # awal, perubahan
    sa.Column("tanggal", sa.Date, nullable=False),
    sa.Column("draf", sa.Boolean, nullable=False, server_default=sa.false()),  # copied when the year was opened
    sa.UniqueConstraint("unit_id", "tahun", "versi", name="uq_pk_documents_key"),
)

pk_items = sa.Table(
    "pk_items",
    metadata,
    _id(),
    sa.Column("pk_id", sa.Integer, sa.ForeignKey("pk_documents.id", ondelete="CASCADE"), nullable=False),
    sa.Column("indicator_id", sa.Integer, sa.ForeignKey("indicators.id"), nullable=False),
    sa.Column("urutan", sa.Integer, nullable=False),
    sa.Column("target", sa.String(40), nullable=False),
    sa.Column("perlu_konfirmasi", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.UniqueConstraint("pk_id", "indicator_id", name="uq_pk_items_key"),
)

realisations = sa.Table(
    "realisations",
    metadata,
    _id(),
    sa.Column("indicator_id", sa.Integer, sa.ForeignKey("indicators.id"), nullable=False),
    sa.Column("tahun", sa.Integer, nullable=False),
    sa.Column("periode", sa.String(10), nullable=False),
    sa.Column("versi", sa.Integer, nullable=False),
    sa.Column("nilai", sa.String(40), nullable=False),  # canonical, "Proses" when pending
    sa.Column("bukti", sa.JSON, nullable=False),  # evidence refs (file ids, links)
    sa.Column("catatan", sa.Text, nullable=True),
    sa.Column("hambatan", sa.Text, nullable=True),
    sa.Column("upaya", sa.Text, nullable=True),
    sa.Column("alasan_koreksi", sa.Text, nullable=True),
    sa.Column("author_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
    sa.Column("sumber", sa.String(12), nullable=False),  # bot, web, impor, seed
    sa.Column("status", sa.String(14), nullable=False),  # diajukan, disetujui, dikembalikan
    sa.Column("verified_by", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
    sa.Column("verified_at", UTCDateTime, nullable=True),
    sa.Column("verify_note", sa.Text, nullable=True),
    _draf(),
    _created(),
    sa.UniqueConstraint("indicator_id", "periode", "versi", name="uq_realisations_key"),
    sa.Index("ix_realisations_draf", "draf", unique=True),
)

# --- budget and action plan ----------------------------------------------------------------------

budget_lines = sa.Table(
    "budget_lines",
    metadata,
    _id(),
    sa.Column("tahun", sa.Integer, nullable=False),
    sa.Column("kode", sa.String(40), nullable=False),
    sa.Column("tingkat", sa.String(10), nullable=False),  # program, kegiatan, output
    sa.Column("parent_id", sa.Integer, sa.ForeignKey("budget_lines.id"), nullable=True),
    sa.Column("nama", sa.Text, nullable=False),
    sa.Column("pagu", sa.BigInteger, nullable=False),
    sa.Column("unit_id", sa.Integer, sa.ForeignKey("units.id"), nullable=True),
    sa.UniqueConstraint("tahun", "kode", name="uq_budget_lines_key"),
)

budget_realisations = sa.Table(
    "budget_realisations",
    metadata,
    _id(),
    sa.Column("budget_line_id", sa.Integer, sa.ForeignKey("budget_lines.id"), nullable=False),
    sa.Column("periode", sa.String(10), nullable=False),
    sa.Column("versi", sa.Integer, nullable=False),
    sa.Column("jumlah", sa.BigInteger, nullable=False),  # cumulative Rupiah spent up to the period's end
    sa.Column("catatan", sa.Text, nullable=True),
    sa.Column("author_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
    sa.Column("sumber", sa.String(12), nullable=False),
    _draf(),
    _created(),
    sa.UniqueConstraint("budget_line_id", "periode", "versi", name="uq_budget_realisations_key"),
    sa.Index("ix_budget_realisations_draf", "draf", unique=True),
)

# A DIPA (revisi 0) and its revisions; each budget line's pagu per revision. budget_lines.pagu is the newest's.
budget_revisions = sa.Table(
    "budget_revisions",
    metadata,
    _id(),
    sa.Column("tahun", sa.Integer, nullable=False),
    sa.Column("ke", sa.Integer, nullable=False),  # 0: the first DIPA, 2: "revisi DIPA ke-2"
    sa.Column("dokumen", sa.String(8), nullable=False),  # DIPA, POK
    sa.Column("tanggal", sa.Date, nullable=False),
    sa.Column("berkas", sa.String(200), nullable=True),
    sa.Column("author_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
    _created(),
    sa.UniqueConstraint("tahun", "ke", name="uq_budget_revisions_key"),
)

budget_line_pagu = sa.Table(
    "budget_line_pagu",
    metadata,
    _id(),
    sa.Column("budget_line_id", sa.Integer, sa.ForeignKey("budget_lines.id", ondelete="CASCADE"), nullable=False),
    sa.Column("revisi_id", sa.Integer, sa.ForeignKey("budget_revisions.id", ondelete="CASCADE"), nullable=False),
    sa.Column("pagu", sa.BigInteger, nullable=False),
    sa.UniqueConstraint("budget_line_id", "revisi_id", name="uq_budget_line_pagu_key"),
)

output_realisations = sa.Table(
    "output_realisations",
    metadata,
    _id(),
    sa.Column("tahun", sa.Integer, nullable=False),
    sa.Column("indikator_kode", sa.String(40), nullable=False),
    sa.Column("output", sa.Text, nullable=False),
    sa.Column("persen", sa.Numeric(7, 2), nullable=False),
)

rencana_aksi = sa.Table(
    "rencana_aksi",
    metadata,
    _id(),
    sa.Column("tahun", sa.Integer, nullable=False),
    sa.Column("kode", sa.String(40), nullable=False),
    sa.Column("uraian", sa.Text, nullable=False),
    sa.Column("pagu", sa.BigInteger, nullable=False),
    sa.Column("volume", sa.Integer, nullable=False),
    sa.Column("satuan", sa.String(40), nullable=False),
    sa.Column("unit_id", sa.Integer, sa.ForeignKey("units.id"), nullable=False),
    sa.Column("bulan_mulai", sa.Integer, nullable=False),
    sa.Column("bulan_selesai", sa.Integer, nullable=False),
    sa.Column("jadwal_demo", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.UniqueConstraint("tahun", "kode", name="uq_rencana_aksi_key"),
)

rencana_progress = sa.Table(
    "rencana_progress",
    metadata,
    _id(),
    sa.Column("rencana_id", sa.Integer, sa.ForeignKey("rencana_aksi.id"), nullable=False),
    sa.Column("versi", sa.Integer, nullable=False),
    sa.Column("status", sa.String(12), nullable=False),  # belum, berjalan, selesai
    sa.Column("progres", sa.Integer, nullable=False),
    sa.Column("catatan", sa.Text, nullable=True),
    sa.Column("author_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
    _draf(),
    _created(),
    sa.UniqueConstraint("rencana_id", "versi", name="uq_rencana_progress_key"),
    sa.Index("ix_rencana_progress_draf", "draf", unique=True),
)

# --- voter list update -------------------------------------------------------------------------

voter_stages = sa.Table(
    "voter_stages",
    metadata,
    _id(),
    sa.Column("tahun", sa.Integer, nullable=False),
    sa.Column("no", sa.Integer, nullable=False),
    sa.Column("nama", sa.Text, nullable=False),
    sa.Column("mulai", sa.Date, nullable=False),
    sa.Column("selesai", sa.Date, nullable=False),
    sa.Column("pelaksana", sa.String(40), nullable=False),
    sa.UniqueConstraint("tahun", "no", name="uq_voter_stages_key"),
)

stage_completions = sa.Table(
    "stage_completions",
    metadata,
    _id(),
    sa.Column("stage_id", sa.Integer, sa.ForeignKey("voter_stages.id"), nullable=False),
    sa.Column("unit_id", sa.Integer, sa.ForeignKey("units.id"), nullable=False),
    sa.Column("versi", sa.Integer, nullable=False),
    sa.Column("selesai_pada", sa.Date, nullable=False),
    sa.Column("catatan", sa.Text, nullable=True),
    sa.Column("author_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
    sa.Column("sumber", sa.String(12), nullable=False),
    _draf(),
    _created(),
    sa.UniqueConstraint("stage_id", "unit_id", "versi", name="uq_stage_completions_key"),
    sa.Index("ix_stage_completions_draf", "draf", unique=True),
)

# --- election events ---------------------------------------------------------------------------
# An election is an event inside a year (a Pemilu, a Pilkada, a re-vote): its schedule per kab/kota, the
# elections it holds (each with its ballot), its ballot norms and the arrival reports filed while it ran.

pemilihan = sa.Table(
    "pemilihan",
    metadata,
    _id(),
    sa.Column("kode", sa.String(30), nullable=False, unique=True),
    sa.Column("nama", sa.String(120), nullable=False),
    sa.Column("jenis", sa.String(12), nullable=False),  # pemilu, pilkada, psu
    sa.Column("tahun", sa.Integer, nullable=False),
    sa.Column("status", sa.String(14), nullable=False),  # direncanakan, selesai, dibatalkan
    sa.Column("demo", sa.Boolean, nullable=False, server_default=sa.false()),
    _created(),
)

pemilihan_jadwal = sa.Table(
    "pemilihan_jadwal",
    metadata,
    _id(),
    sa.Column("pemilihan_id", sa.Integer, sa.ForeignKey("pemilihan.id", ondelete="CASCADE"), nullable=False),
    sa.Column("kabkota_unit_id", sa.Integer, sa.ForeignKey("units.id"), nullable=False),
    sa.Column("kirim_mulai", sa.Date, nullable=False),
    sa.Column("batas_tiba", UTCDateTime, nullable=False),
    sa.Column("batas_tiba_sulit", UTCDateTime, nullable=False),
    sa.Column("pemungutan", sa.Date, nullable=False),
    sa.UniqueConstraint("pemilihan_id", "kabkota_unit_id", name="uq_pemilihan_jadwal_key"),
)

pemilihan_surat = sa.Table(
    "pemilihan_surat",
    metadata,
    _id(),
    sa.Column("pemilihan_id", sa.Integer, sa.ForeignKey("pemilihan.id", ondelete="CASCADE"), nullable=False),
    sa.Column("nama", sa.String(120), nullable=False),  # e.g. Pemilihan Gubernur dan Wakil Gubernur
    sa.Column("item_kode", sa.String(20), nullable=False),  # its ballot among logistics_items
    sa.UniqueConstraint("pemilihan_id", "item_kode", name="uq_pemilihan_surat_key"),
)

pemilihan_norma = sa.Table(
    "pemilihan_norma",
    metadata,
    _id(),
    sa.Column("pemilihan_id", sa.Integer, sa.ForeignKey("pemilihan.id", ondelete="CASCADE"), nullable=False),
    sa.Column("item_kode", sa.String(20), nullable=False),
    sa.Column("per_tps", sa.Integer, nullable=True),  # fixed norm, or None when derived from DPT
    sa.Column("cadangan_persen", sa.Numeric(5, 2), nullable=True),
    sa.UniqueConstraint("pemilihan_id", "item_kode", name="uq_pemilihan_norma_key"),
)

# --- logistics ---------------------------------------------------------------------------------

logistics_items = sa.Table(
    "logistics_items",
    metadata,
    _id(),
    sa.Column("kode", sa.String(20), nullable=False, unique=True),
    sa.Column("nama", sa.String(120), nullable=False),
    sa.Column("satuan", sa.String(20), nullable=False),
    sa.Column("per_tps", sa.Integer, nullable=True),  # fixed norm, or None when derived from DPT
    sa.Column("cadangan_persen", sa.Numeric(5, 2), nullable=True),  # ballots: DPT + reserve
    sa.Column("aturan", sa.Text, nullable=True),
    sa.Column("dari_seed", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("urutan", sa.Integer, nullable=False),
)

transport_modes = sa.Table(
    "transport_modes",
    metadata,
    _id(),
    sa.Column("kode", sa.String(20), nullable=False, unique=True),
    sa.Column("nama", sa.String(80), nullable=False),
    sa.Column("ke_ppk", sa.Integer, nullable=True),
    sa.Column("ke_pps", sa.Integer, nullable=True),
    sa.Column("ke_tps", sa.Integer, nullable=True),
)

logistics_schedule = sa.Table(
    "logistics_schedule",
    metadata,
    _id(),
    sa.Column("kabkota_unit_id", sa.Integer, sa.ForeignKey("units.id"), nullable=False, unique=True),
    sa.Column("kirim_mulai", sa.Date, nullable=True),
    sa.Column("kirim_selesai", sa.Date, nullable=True),
    sa.Column("batas_tiba", UTCDateTime, nullable=False),  # H-1 cut-off for ordinary TPS
    sa.Column("batas_tiba_sulit", UTCDateTime, nullable=False),  # earlier for TPS sulit
    sa.Column("catatan", sa.Text, nullable=True),
)

supplier_deliveries = sa.Table(
    "supplier_deliveries",
    metadata,
    _id(),
    sa.Column("kabkota_unit_id", sa.Integer, sa.ForeignKey("units.id"), nullable=True),
    sa.Column("item_id", sa.Integer, sa.ForeignKey("logistics_items.id"), nullable=True),
    sa.Column("jenis", sa.String(120), nullable=False),
    sa.Column("kemasan", sa.Integer, nullable=False),
    sa.Column("tanggal_kirim", sa.Date, nullable=True),
    sa.Column("tiba_mulai", sa.Date, nullable=True),
    sa.Column("tiba_selesai", sa.Date, nullable=True),
    sa.Column("kondisi", sa.String(20), nullable=False, server_default="baik"),
    sa.Column("moda", sa.String(40), nullable=True),
    sa.Column("catatan", sa.Text, nullable=True),
    sa.Column("author_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
    _draf(),
    _created(),
    sa.Index("ix_supplier_deliveries_draf", "draf", unique=True),
)

dispatches = sa.Table(
    "dispatches",
    metadata,
    _id(),
    sa.Column("kabkota_unit_id", sa.Integer, sa.ForeignKey("units.id"), nullable=False),
    sa.Column("tujuan", sa.String(8), nullable=False),  # ppk, pps, tps
    sa.Column("kecamatan_id", sa.Integer, sa.ForeignKey("wilayah.id"), nullable=True),
    sa.Column("tps_id", sa.Integer, sa.ForeignKey("tps.id"), nullable=True),
    sa.Column("tanggal", sa.Date, nullable=False),
    sa.Column("moda", sa.String(20), nullable=True),
    sa.Column("author_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
    _draf(),
    _created(),
    sa.Index("ix_dispatches_draf", "draf", unique=True),
)

arrival_reports = sa.Table(
    "arrival_reports",
    metadata,
    _id(),
    sa.Column("tps_id", sa.Integer, sa.ForeignKey("tps.id"), nullable=False, index=True),
    sa.Column("pemilihan_id", sa.Integer, nullable=True, index=True),  # the election event (storage.pemilihan)
    sa.Column("versi", sa.Integer, nullable=False),
    sa.Column("jenis", sa.String(10), nullable=False),  # baru, koreksi, tambahan
    sa.Column("nomor", sa.String(30), nullable=False, unique=True),  # receipt number
    sa.Column("tiba_pada", UTCDateTime, nullable=False),
    sa.Column("moda", sa.String(20), nullable=True),
    sa.Column("foto_file_id", sa.String(200), nullable=True),
    sa.Column("alasan_tanpa_foto", sa.Text, nullable=True),
    sa.Column("lat", sa.Float, nullable=True),
    sa.Column("lon", sa.Float, nullable=True),
    sa.Column("alasan", sa.Text, nullable=True),
    sa.Column("lengkap", sa.Boolean, nullable=False),
    sa.Column("terlambat", sa.Boolean, nullable=False),
    sa.Column("tepat", sa.Boolean, nullable=False),
    sa.Column("reporter_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
    # The bot's draft id: submitting one draft again (a second tap, a retried update) finds this report.
    sa.Column("draf", sa.String(32), nullable=True),
    _created(),
    sa.UniqueConstraint("tps_id", "versi", name="uq_arrival_reports_key"),
    sa.Index("ix_arrival_reports_draf", "draf", unique=True),
)

arrival_lines = sa.Table(
    "arrival_lines",
    metadata,
    _id(),
    sa.Column("report_id", sa.Integer, sa.ForeignKey("arrival_reports.id", ondelete="CASCADE"), nullable=False),
    sa.Column("item_id", sa.Integer, sa.ForeignKey("logistics_items.id"), nullable=False),
    sa.Column("diharapkan", sa.Integer, nullable=False),
    sa.Column("diterima", sa.Integer, nullable=False),
    sa.Column("rusak", sa.Integer, nullable=False, server_default="0"),
    sa.Column("salah_jenis", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("catatan", sa.Text, nullable=True),
    sa.UniqueConstraint("report_id", "item_id", name="uq_arrival_lines_key"),
)

escalations = sa.Table(
    "escalations",
    metadata,
    _id(),
    sa.Column("jenis", sa.String(20), nullable=False),  # kurang, rusak, salah_jenis, terlambat, konflik
    sa.Column("kabkota_unit_id", sa.Integer, sa.ForeignKey("units.id"), nullable=False),
    sa.Column("tps_id", sa.Integer, sa.ForeignKey("tps.id"), nullable=True),
    sa.Column("report_id", sa.Integer, sa.ForeignKey("arrival_reports.id"), nullable=True),
    sa.Column("uraian", sa.Text, nullable=False),
    sa.Column("status", sa.String(12), nullable=False),  # terbuka, ditangani
    sa.Column("handled_by", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
    sa.Column("handled_at", UTCDateTime, nullable=True),
    sa.Column("handled_note", sa.Text, nullable=True),
    _created(),
)

# Per election event and kab/kota: its TPS and how their latest arrival reports of that event judge them
# (storage.logistik keeps it in the same transaction as every report and recomputes it after bulk loads), so a
# national count reads 514 rows, not 823.220. pemilihan_id 0: the reports filed while no event ran (no foreign key).
tiba_kabkota = sa.Table(
    "tiba_kabkota",
    metadata,
    sa.Column("pemilihan_id", sa.Integer, primary_key=True, autoincrement=False, server_default="0"),
    sa.Column("kabkota_unit_id", sa.Integer, sa.ForeignKey("units.id", ondelete="CASCADE"), primary_key=True,
              autoincrement=False),
    *(sa.Column(nama, sa.Integer, nullable=False, server_default="0")
      for nama in ("tps", "sulit", "tiba", "tiba_sulit", "tepat", "bermasalah", "terlambat", "tepat_sulit",
                   "bermasalah_sulit", "terlambat_sulit")),
)

# --- budget years ---------------------------------------------------------------------------------

# A budget year: opened (from the year before), run, closed. Closing stores the values the year published in
# `final`; every report of a closed year reads them, and writes dated in it are refused until it is reopened.
tahun_anggaran = sa.Table(
    "tahun_anggaran",
    metadata,
    sa.Column("tahun", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("status", sa.String(8), nullable=False),  # dibuka, ditutup
    sa.Column("dari_tahun", sa.Integer, nullable=True),
    sa.Column("dibuka_oleh", sa.String(120), nullable=False),
    sa.Column("dibuka_pada", UTCDateTime, nullable=False),
    sa.Column("ditutup_oleh", sa.String(120), nullable=True),
    sa.Column("ditutup_pada", UTCDateTime, nullable=True),
    sa.Column("dibuka_kembali_oleh", sa.String(120), nullable=True),
    sa.Column("dibuka_kembali_pada", UTCDateTime, nullable=True),
    sa.Column("alasan_buka_kembali", sa.Text, nullable=True),
    sa.Column("final", sa.JSON, nullable=True),
)

# --- deadlines, messages, audit --------------------------------------------------------------------

deadlines = sa.Table(
    "deadlines",
    metadata,
    _id(),
    sa.Column("jenis", sa.String(20), nullable=False),  # rencana_aksi, pelaporan, pemutakhiran, logistik, manual
    sa.Column("ref", sa.String(80), nullable=False),  # what it is about, e.g. "stage:3", "ind:IK1:2024-Q1"
    sa.Column("judul", sa.Text, nullable=False),
    sa.Column("batas", UTCDateTime, nullable=False),
    sa.Column("unit_id", sa.Integer, sa.ForeignKey("units.id"), nullable=True),
    sa.Column("peran", sa.String(12), nullable=False),  # role of the responsible recipients
    sa.Column("dijeda", sa.Boolean, nullable=False, server_default=sa.false()),
    _created(),
    sa.UniqueConstraint("jenis", "ref", "unit_id", name="uq_deadlines_key"),
)

holidays = sa.Table(
    "holidays",
    metadata,
    sa.Column("tanggal", sa.Date, primary_key=True),
    sa.Column("nama", sa.String(120), nullable=False),
    sa.Column("jenis", sa.String(20), nullable=False, server_default="nasional"),  # nasional, cuti_bersama, daerah
    sa.Column("sumber", sa.String(10), nullable=False, server_default="admin"),  # paket (holidays package), data, admin
    # False: an admin lifted the day (a later decree); the row stays so that refilling does not bring it back.
    sa.Column("aktif", sa.Boolean, nullable=False, server_default=sa.true()),
)

outbox = sa.Table(
    "outbox",
    metadata,
    _id(),
    sa.Column("dedup_key", sa.String(200), nullable=False, unique=True),
    sa.Column("chat_id", sa.BigInteger, nullable=False, index=True),
    sa.Column("kind", sa.String(20), nullable=False),  # eskalasi, pengingat, persetujuan, siaran, alarm
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("parse_mode", sa.String(10), nullable=True),
    sa.Column("reply_markup", sa.JSON, nullable=True),
    sa.Column("status", sa.String(10), nullable=False),  # antri, terkirim, gagal, diblokir
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("not_before", UTCDateTime, nullable=False, index=True),
    sa.Column("claimed_until", UTCDateTime, nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("message_id", sa.BigInteger, nullable=True),
    _created(),
    sa.Column("sent_at", UTCDateTime, nullable=True),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    _id(),
    sa.Column("at", UTCDateTime, nullable=False, index=True),
    sa.Column("actor_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
    sa.Column("actor", sa.String(120), nullable=False),  # readable: name, "sistem", "cli"
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("entity", sa.String(40), nullable=False),
    sa.Column("entity_id", sa.String(80), nullable=True),
    sa.Column("old", sa.JSON, nullable=True),
    sa.Column("new", sa.JSON, nullable=True),
)

app_settings = sa.Table(
    "app_settings",
    metadata,
    sa.Column("key", sa.String(80), primary_key=True),
    sa.Column("value", sa.JSON, nullable=False),
)

bot_persistence = sa.Table(
    "bot_persistence",
    metadata,
    sa.Column("kind", sa.String(20), primary_key=True),  # user_data, chat_data, bot_data, conv:<name>
    sa.Column("key", sa.String(80), primary_key=True),
    sa.Column("data", sa.JSON, nullable=False),
    sa.Column("diubah", UTCDateTime, nullable=True),  # when the row was last written (None: before 0010)
)

# --- reminders and the admin web ------------------------------------------------------------------

reminder_snoozes = sa.Table(
    "reminder_snoozes",
    metadata,
    _id(),
    sa.Column("deadline_id", sa.Integer, sa.ForeignKey("deadlines.id", ondelete="CASCADE"), nullable=False),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("until", UTCDateTime, nullable=False),
    _created(),
    sa.UniqueConstraint("deadline_id", "user_id", name="uq_reminder_snoozes_key"),
)

web_logins = sa.Table(
    "web_logins",
    metadata,
    _id(),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),  # sha256 hex; the token itself is never stored
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("used_at", UTCDateTime, nullable=True),
    _created(),
)

web_sessions = sa.Table(
    "web_sessions",
    metadata,
    _id(),
    sa.Column("session_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("revoked_at", UTCDateTime, nullable=True),
    _created(),
)

# --- admin web: imports (the uploaded file is kept between the dry run and the commit) ----------------

web_imports = sa.Table(
    "web_imports",
    metadata,
    _id(),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("dataset", sa.String(30), nullable=False),  # tps, pengguna, indikator, target, pk, ...
    sa.Column("berkas", sa.String(200), nullable=False),  # the uploaded file's name
    sa.Column("isi", sa.LargeBinary, nullable=False),  # the file as uploaded, kept as evidence; never parsed again
    sa.Column("tabel", sa.LargeBinary, nullable=True),  # the rows as read once at upload (impor_berkas.Tabel)
    sa.Column("galat_berkas", sa.Text, nullable=True),  # why the file could not be read, when it could not
    sa.Column("baris", sa.Integer, nullable=False, server_default="0"),
    sa.Column("galat", sa.Integer, nullable=False, server_default="0"),
    _created(),
    sa.Column("committed_at", UTCDateTime, nullable=True),
)

# --- reminders and broadcasts (pengingat, siaran) --------------------------------------------------

broadcasts = sa.Table(
    "broadcasts",
    metadata,
    _id(),
    sa.Column("teks", sa.Text, nullable=False),
    sa.Column("peran", sa.String(12), nullable=True),  # None: every role
    sa.Column("unit_id", sa.Integer, sa.ForeignKey("units.id"), nullable=True),  # None: every unit
    sa.Column("penerima", sa.Integer, nullable=False),  # how many messages were queued
    sa.Column("author_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
    _created(),
)

# --- scale-out: webhook workers (skala) --------------------------------------------------------------

processed_updates = sa.Table(
    "processed_updates",
    metadata,
    sa.Column("update_id", sa.BigInteger, primary_key=True, autoincrement=False),  # Telegram's update_id
    sa.Column("user_id", sa.BigInteger, nullable=True),  # the Telegram user behind it (None: channel posts)
    sa.Column("received_at", UTCDateTime, nullable=False),
    # Forwarded to the worker owning the user's partition (bot/pekerja.py): the partition, the update's JSON, and
    # whether the owner took it (an update handled where it arrived has no JSON and was taken at once).
    sa.Column("partisi", sa.SmallInteger, nullable=True),
    sa.Column("isi", sa.Text, nullable=True),
    sa.Column("diambil", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Index("ix_processed_updates_user", "user_id", "update_id"),
    sa.Index("ix_processed_updates_received_at", "received_at"),
    sa.Index("ix_processed_updates_antrean", "partisi", "update_id", postgresql_where=sa.text("NOT diambil"),
             sqlite_where=sa.text("NOT diambil")),
)

# --- the LKjIP: decrees and the figures a published report prints -----------------------------------

keputusan = sa.Table(
    "keputusan",
    metadata,
    _id(),
    sa.Column("tahun", sa.Integer, nullable=False, index=True),
    sa.Column("nomor", sa.String(40), nullable=False),
    sa.Column("tentang", sa.Text, nullable=False),
    sa.Column("status", sa.String(40), nullable=False),
    sa.UniqueConstraint("tahun", "nomor", name="uq_keputusan_key"),
)

# A figure as a published LKjIP prints it where it differs from the data (the report contradicts itself): the
# draft prints the published figure and shows the contradiction (`catatan`) as a footnote.
angka_terbit = sa.Table(
    "angka_terbit",
    metadata,
    _id(),
    sa.Column("tahun", sa.Integer, nullable=False),
    sa.Column("tabel", sa.String(10), nullable=False),
    sa.Column("baris", sa.String(40), nullable=False),
    sa.Column("kolom", sa.String(40), nullable=False),
    sa.Column("nilai", sa.String(60), nullable=False),
    sa.Column("lokasi", sa.Text, nullable=True),
    sa.Column("catatan", sa.Text, nullable=False),
    sa.UniqueConstraint("tahun", "tabel", "baris", "kolom", name="uq_angka_terbit_key"),
)
