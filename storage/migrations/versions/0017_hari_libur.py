"""holidays know their kind (nasional, cuti_bersama, daerah), where they came from (the holidays package or an
admin) and whether they are in force (an admin can lift a package day without the next fill bringing it back)

Revision ID: 0017
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("holidays", schema=None) as batch_op:
        batch_op.add_column(sa.Column("jenis", sa.String(length=20), nullable=False, server_default="nasional"))
        batch_op.add_column(sa.Column("sumber", sa.String(length=10), nullable=False, server_default="admin"))
        batch_op.add_column(sa.Column("aktif", sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table("holidays", schema=None) as batch_op:
        batch_op.drop_column("aktif")
        batch_op.drop_column("sumber")
        batch_op.drop_column("jenis")
