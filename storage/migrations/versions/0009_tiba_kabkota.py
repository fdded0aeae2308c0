"""per-kab/kota summary of TPS arrivals, filled from the reports already there

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

KOLOM = ("tps", "sulit", "tiba", "tiba_sulit", "tepat", "bermasalah", "terlambat", "tepat_sulit",
         "bermasalah_sulit", "terlambat_sulit")

# Each TPS judged by its latest report (no newer version of the same TPS), as storage.logistik counts them.
ISI = """
INSERT INTO tiba_kabkota (kabkota_unit_id, tps, sulit, tiba, tiba_sulit, tepat, bermasalah, terlambat,
                          tepat_sulit, bermasalah_sulit, terlambat_sulit)
SELECT p.kabkota_unit_id, count(*),
       sum(CASE WHEN p.sulit THEN 1 ELSE 0 END),
       count(a.id),
       sum(CASE WHEN p.sulit AND a.id IS NOT NULL THEN 1 ELSE 0 END),
       sum(CASE WHEN a.tepat THEN 1 ELSE 0 END),
       sum(CASE WHEN NOT a.lengkap THEN 1 ELSE 0 END),
       sum(CASE WHEN a.terlambat THEN 1 ELSE 0 END),
       sum(CASE WHEN p.sulit AND a.tepat THEN 1 ELSE 0 END),
       sum(CASE WHEN p.sulit AND NOT a.lengkap THEN 1 ELSE 0 END),
       sum(CASE WHEN p.sulit AND a.terlambat THEN 1 ELSE 0 END)
FROM tps p
LEFT JOIN arrival_reports a ON a.tps_id = p.id
     AND NOT EXISTS (SELECT 1 FROM arrival_reports b WHERE b.tps_id = a.tps_id AND b.versi > a.versi)
GROUP BY p.kabkota_unit_id
"""


def upgrade() -> None:
    op.create_table(
        "tiba_kabkota",
        sa.Column("kabkota_unit_id", sa.Integer(), nullable=False),
        *(sa.Column(nama, sa.Integer(), server_default="0", nullable=False) for nama in KOLOM),
        sa.ForeignKeyConstraint(["kabkota_unit_id"], ["units.id"], name=op.f("fk_tiba_kabkota_kabkota_unit_id_units"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("kabkota_unit_id", name=op.f("pk_tiba_kabkota")),
    )
    op.execute(ISI)


def downgrade() -> None:
    op.drop_table("tiba_kabkota")
