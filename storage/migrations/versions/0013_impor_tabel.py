"""an upload keeps the rows read from it once (and why it could not be read), so it is never parsed again

Revision ID: 0013
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("web_imports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tabel", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("galat_berkas", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("web_imports", schema=None) as batch_op:
        batch_op.drop_column("galat_berkas")
        batch_op.drop_column("tabel")
