"""invite codes are stored as their sha256 hash, like login links; existing codes are hashed in place

Revision ID: 0011
Revises: 0010
"""

import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_invites = sa.table("invites", sa.column("id", sa.Integer), sa.column("code", sa.String),
                    sa.column("code_hash", sa.String))


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8", "surrogatepass")).hexdigest()


def upgrade() -> None:
    with op.batch_alter_table("invites", schema=None) as batch_op:
        batch_op.add_column(sa.Column("code_hash", sa.String(64), nullable=True))
    conn = op.get_bind()
    for id_, code in conn.execute(sa.select(_invites.c.id, _invites.c.code)).all():
        conn.execute(_invites.update().where(_invites.c.id == id_).values(code_hash=_hash(code)))
    with op.batch_alter_table("invites", schema=None) as batch_op:
        batch_op.alter_column("code_hash", existing_type=sa.String(64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_invites_code_hash"), ["code_hash"])
        batch_op.drop_constraint(batch_op.f("uq_invites_code"), type_="unique")
        batch_op.drop_column("code")


def downgrade() -> None:
    # The codes cannot be recovered from their hashes: downgraded invites keep the hash as their code, so they no
    # longer redeem (revoke them and make new ones).
    with op.batch_alter_table("invites", schema=None) as batch_op:
        batch_op.add_column(sa.Column("code", sa.String(64), nullable=True))
    op.execute(_invites.update().values(code=_invites.c.code_hash))
    with op.batch_alter_table("invites", schema=None) as batch_op:
        batch_op.alter_column("code", existing_type=sa.String(64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_invites_code"), ["code"])
        batch_op.drop_constraint(batch_op.f("uq_invites_code_hash"), type_="unique")
        batch_op.drop_column("code_hash")
