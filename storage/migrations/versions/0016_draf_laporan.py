"""a report remembers the draft it was made from, so submitting the same draft twice stores it once

Revision ID: 0016
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("arrival_reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("draf", sa.String(32), nullable=True))
        batch_op.create_unique_constraint("uq_arrival_reports_draf", ["draf"])


def downgrade() -> None:
    with op.batch_alter_table("arrival_reports", schema=None) as batch_op:
        batch_op.drop_constraint("uq_arrival_reports_draf", type_="unique")
        batch_op.drop_column("draf")
