"""the LKjIP draft: decrees of the year and the figures a published report prints

Revision ID: 0018
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "keputusan",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tahun", sa.Integer(), nullable=False),
        sa.Column("nomor", sa.String(length=40), nullable=False),
        sa.Column("tentang", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_keputusan")),
        sa.UniqueConstraint("tahun", "nomor", name="uq_keputusan_key"),
    )
    op.create_index(op.f("ix_keputusan_tahun"), "keputusan", ["tahun"], unique=False)
    op.create_table(
        "angka_terbit",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tahun", sa.Integer(), nullable=False),
        sa.Column("tabel", sa.String(length=10), nullable=False),
        sa.Column("baris", sa.String(length=40), nullable=False),
        sa.Column("kolom", sa.String(length=40), nullable=False),
        sa.Column("nilai", sa.String(length=60), nullable=False),
        sa.Column("lokasi", sa.Text(), nullable=True),
        sa.Column("catatan", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_angka_terbit")),
        sa.UniqueConstraint("tahun", "tabel", "baris", "kolom", name="uq_angka_terbit_key"),
    )


def downgrade() -> None:
    op.drop_table("angka_terbit")
    op.drop_index(op.f("ix_keputusan_tahun"), table_name="keputusan")
    op.drop_table("keputusan")
