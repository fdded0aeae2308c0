"""a report remembers the draft it was made from, so submitting the same draft twice stores it once

Revision ID: 0016
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


# A plain ADD COLUMN and a unique index: no table rebuild (other tables' foreign keys point at this one).


def upgrade() -> None:
    op.add_column("arrival_reports", sa.Column("draf", sa.String(32), nullable=True))
    op.create_index("ix_arrival_reports_draf", "arrival_reports", ["draf"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_arrival_reports_draf", table_name="arrival_reports")
    op.drop_column("arrival_reports", "draf")
