"""admin web

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

import storage.tables

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_imports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("dataset", sa.String(length=30), nullable=False),
        sa.Column("berkas", sa.String(length=200), nullable=False),
        sa.Column("isi", sa.LargeBinary(), nullable=False),
        sa.Column("baris", sa.Integer(), server_default="0", nullable=False),
        sa.Column("galat", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", storage.tables.UTCDateTime(), nullable=False),
        sa.Column("committed_at", storage.tables.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_web_imports_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_imports")),
    )


def downgrade() -> None:
    op.drop_table("web_imports")
