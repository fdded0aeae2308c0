"""election events: an event (Pemilu, Pilkada, re-vote) with its schedule per kab/kota, its elections (ballots)
and ballot norms; arrival reports belong to an event; an existing logistics schedule becomes one event

Revision ID: 0015
Revises: 0010
"""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

import storage.tables

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pemilihan",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kode", sa.String(length=30), nullable=False),
        sa.Column("nama", sa.String(length=120), nullable=False),
        sa.Column("jenis", sa.String(length=12), nullable=False),
        sa.Column("tahun", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=14), nullable=False),
        sa.Column("demo", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", storage.tables.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pemilihan")),
        sa.UniqueConstraint("kode", name=op.f("uq_pemilihan_kode")),
    )
    op.create_table(
        "pemilihan_jadwal",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("pemilihan_id", sa.Integer(), nullable=False),
        sa.Column("kabkota_unit_id", sa.Integer(), nullable=False),
        sa.Column("kirim_mulai", sa.Date(), nullable=False),
        sa.Column("batas_tiba", storage.tables.UTCDateTime(), nullable=False),
        sa.Column("batas_tiba_sulit", storage.tables.UTCDateTime(), nullable=False),
        sa.Column("pemungutan", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["pemilihan_id"], ["pemilihan.id"], ondelete="CASCADE",
                                name=op.f("fk_pemilihan_jadwal_pemilihan_id_pemilihan")),
        sa.ForeignKeyConstraint(["kabkota_unit_id"], ["units.id"],
                                name=op.f("fk_pemilihan_jadwal_kabkota_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pemilihan_jadwal")),
        sa.UniqueConstraint("pemilihan_id", "kabkota_unit_id", name="uq_pemilihan_jadwal_key"),
    )
    for nama, kolom in (("pemilihan_surat", [sa.Column("nama", sa.String(length=120), nullable=False)]),
                        ("pemilihan_norma", [sa.Column("per_tps", sa.Integer(), nullable=True),
                                             sa.Column("cadangan_persen", sa.Numeric(5, 2), nullable=True)])):
        op.create_table(
            nama,
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("pemilihan_id", sa.Integer(), nullable=False),
            sa.Column("item_kode", sa.String(length=20), nullable=False),
            *kolom,
            sa.ForeignKeyConstraint(["pemilihan_id"], ["pemilihan.id"], ondelete="CASCADE",
                                    name=op.f(f"fk_{nama}_pemilihan_id_pemilihan")),
            sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{nama}")),
            sa.UniqueConstraint("pemilihan_id", "item_kode", name=f"uq_{nama}_key"),
        )
    # A plain column and index (no table rebuild on SQLite: arrival_lines and escalations refer to this table).
    op.add_column("arrival_reports", sa.Column("pemilihan_id", sa.Integer(), nullable=True))
    op.create_index(op.f("ix_arrival_reports_pemilihan_id"), "arrival_reports", ["pemilihan_id"], unique=False)
    _pindahkan_jadwal()


def _pindahkan_jadwal() -> None:
    """The logistics schedule already loaded (the 2024 Pilkada) becomes one event with its reports and norms."""
    bind = op.get_bind()
    ls = sa.table("logistics_schedule", sa.column("kabkota_unit_id"), sa.column("kirim_mulai"),
                  sa.column("batas_tiba", storage.tables.UTCDateTime()),
                  sa.column("batas_tiba_sulit", storage.tables.UTCDateTime()))
    rows = bind.execute(sa.select(ls)).all()
    if not rows:
        return
    # H-1 23.59 local is the same UTC date as H-1 in every Indonesian time zone, so voting day is the day after.
    tahun = max(r.batas_tiba for r in rows).year
    p = sa.table("pemilihan", sa.column("id"), sa.column("kode"), sa.column("nama"), sa.column("jenis"),
                 sa.column("tahun"), sa.column("status"), sa.column("demo"),
                 sa.column("created_at", storage.tables.UTCDateTime()))
    bind.execute(p.insert().values(kode=f"PILKADA-{tahun}", nama=f"Pilkada Serentak {tahun}", jenis="pilkada",
                                   tahun=tahun, status="selesai", demo=False, created_at=datetime.now(UTC)))
    pid = bind.execute(sa.select(p.c.id).where(p.c.kode == f"PILKADA-{tahun}")).scalar_one()
    j = sa.table("pemilihan_jadwal", sa.column("pemilihan_id"), sa.column("kabkota_unit_id"),
                 sa.column("kirim_mulai"), sa.column("batas_tiba", storage.tables.UTCDateTime()),
                 sa.column("batas_tiba_sulit", storage.tables.UTCDateTime()), sa.column("pemungutan"))
    bind.execute(j.insert(), [{
        "pemilihan_id": pid, "kabkota_unit_id": r.kabkota_unit_id,
        "kirim_mulai": r.kirim_mulai or r.batas_tiba.date() - timedelta(days=2), "batas_tiba": r.batas_tiba,
        "batas_tiba_sulit": r.batas_tiba_sulit, "pemungutan": r.batas_tiba.date() + timedelta(days=1)}
        for r in rows])
    items = sa.table("logistics_items", sa.column("kode"), sa.column("nama"), sa.column("per_tps"),
                     sa.column("cadangan_persen"))
    barang = bind.execute(sa.select(items)).all()
    bind.execute(sa.table("pemilihan_norma", sa.column("pemilihan_id"), sa.column("item_kode"),
                          sa.column("per_tps"), sa.column("cadangan_persen")).insert(),
                 [{"pemilihan_id": pid, "item_kode": b.kode, "per_tps": b.per_tps,
                   "cadangan_persen": b.cadangan_persen} for b in barang])
    surat = [{"pemilihan_id": pid, "item_kode": b.kode, "nama": b.nama.removeprefix("Surat suara ")}
             for b in barang if b.per_tps is None]
    if surat:
        bind.execute(sa.table("pemilihan_surat", sa.column("pemilihan_id"), sa.column("item_kode"),
                              sa.column("nama")).insert(), surat)
    ar = sa.table("arrival_reports", sa.column("pemilihan_id"))
    bind.execute(ar.update().values(pemilihan_id=pid))


def downgrade() -> None:
    op.drop_index(op.f("ix_arrival_reports_pemilihan_id"), table_name="arrival_reports")
    op.drop_column("arrival_reports", "pemilihan_id")
    op.drop_table("pemilihan_norma")
    op.drop_table("pemilihan_surat")
    op.drop_table("pemilihan_jadwal")
    op.drop_table("pemilihan")
