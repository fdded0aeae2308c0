"""budget years (opened, closed with their final values), DIPA revisions, draft PKs and targets to confirm

Revision ID: 0014
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

import storage.tables

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tahun_anggaran",
        sa.Column("tahun", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("dari_tahun", sa.Integer(), nullable=True),
        sa.Column("dibuka_oleh", sa.String(length=120), nullable=False),
        sa.Column("dibuka_pada", storage.tables.UTCDateTime(), nullable=False),
        sa.Column("ditutup_oleh", sa.String(length=120), nullable=True),
        sa.Column("ditutup_pada", storage.tables.UTCDateTime(), nullable=True),
        sa.Column("dibuka_kembali_oleh", sa.String(length=120), nullable=True),
        sa.Column("dibuka_kembali_pada", storage.tables.UTCDateTime(), nullable=True),
        sa.Column("alasan_buka_kembali", sa.Text(), nullable=True),
        sa.Column("final", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("tahun", name=op.f("pk_tahun_anggaran")),
    )
    op.create_table(
        "budget_revisions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tahun", sa.Integer(), nullable=False),
        sa.Column("ke", sa.Integer(), nullable=False),
        sa.Column("dokumen", sa.String(length=8), nullable=False),
        sa.Column("tanggal", sa.Date(), nullable=False),
        sa.Column("berkas", sa.String(length=200), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", storage.tables.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_budget_revisions_author_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_revisions")),
        sa.UniqueConstraint("tahun", "ke", name="uq_budget_revisions_key"),
    )
    op.create_table(
        "budget_line_pagu",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("budget_line_id", sa.Integer(), nullable=False),
        sa.Column("revisi_id", sa.Integer(), nullable=False),
        sa.Column("pagu", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["budget_line_id"], ["budget_lines.id"], ondelete="CASCADE",
                                name=op.f("fk_budget_line_pagu_budget_line_id_budget_lines")),
        sa.ForeignKeyConstraint(["revisi_id"], ["budget_revisions.id"], ondelete="CASCADE",
                                name=op.f("fk_budget_line_pagu_revisi_id_budget_revisions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_line_pagu")),
        sa.UniqueConstraint("budget_line_id", "revisi_id", name="uq_budget_line_pagu_key"),
    )
    for table in ("indicator_targets", "pk_items"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("perlu_konfirmasi", sa.Boolean(), server_default=sa.false(),
                                          nullable=False))
    with op.batch_alter_table("pk_documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("draf", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("pk_documents", schema=None) as batch_op:
        batch_op.drop_column("draf")
    for table in ("pk_items", "indicator_targets"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("perlu_konfirmasi")
    op.drop_table("budget_line_pagu")
    op.drop_table("budget_revisions")
    op.drop_table("tahun_anggaran")
