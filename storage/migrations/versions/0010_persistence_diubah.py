"""when each row of the bot's persistent state was last written (a conversation restored after a restart ends
when its step is older than its timeout)

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

import storage.tables

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bot_persistence", schema=None) as batch_op:
        batch_op.add_column(sa.Column("diubah", storage.tables.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("bot_persistence", schema=None) as batch_op:
        batch_op.drop_column("diubah")
