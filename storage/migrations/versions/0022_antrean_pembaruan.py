"""webhook updates forwarded to the worker owning their user's partition: the partition, the update and whether
its owner took it

Revision ID: 0022
Revises: 0021
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("processed_updates") as batch:
        batch.add_column(sa.Column("partisi", sa.SmallInteger(), nullable=True))
        batch.add_column(sa.Column("isi", sa.Text(), nullable=True))
        batch.add_column(sa.Column("diambil", sa.Boolean(), server_default=sa.true(), nullable=False))
    op.create_index("ix_processed_updates_antrean", "processed_updates", ["partisi", "update_id"],
                    postgresql_where=sa.text("NOT diambil"), sqlite_where=sa.text("NOT diambil"))


def downgrade() -> None:
    op.drop_index("ix_processed_updates_antrean", table_name="processed_updates")
    with op.batch_alter_table("processed_updates") as batch:
        batch.drop_column("diambil")
        batch.drop_column("isi")
        batch.drop_column("partisi")
