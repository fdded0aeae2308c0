"""every flow's saved row remembers the draft it was made from, so submitting the same draft twice stores it once

Revision ID: 0019
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

TABEL = ("realisations", "budget_realisations", "rencana_progress", "stage_completions", "supplier_deliveries",
         "dispatches")


# A plain ADD COLUMN and a unique index per table: no table rebuild (other tables' foreign keys point at some).


def upgrade() -> None:
    for tabel in TABEL:
        op.add_column(tabel, sa.Column("draf", sa.String(32), nullable=True))
        op.create_index(f"ix_{tabel}_draf", tabel, ["draf"], unique=True)


def downgrade() -> None:
    for tabel in reversed(TABEL):
        op.drop_index(f"ix_{tabel}_draf", table_name=tabel)
        op.drop_column(tabel, "draf")
