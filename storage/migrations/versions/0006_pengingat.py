"""reminders and broadcasts

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

import storage.tables

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "broadcasts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("teks", sa.Text(), nullable=False),
        sa.Column("peran", sa.String(length=12), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("penerima", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", storage.tables.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_broadcasts_unit_id_units")),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_broadcasts_author_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcasts")),
    )


def downgrade() -> None:
    op.drop_table("broadcasts")
