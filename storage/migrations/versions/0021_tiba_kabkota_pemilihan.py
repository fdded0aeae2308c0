"""the per-kab/kota arrival summary kept per election event, recounted from the reports already there

Revision ID: 0021
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0019"
branch_labels = None
depends_on = None

KOLOM = ("tps", "sulit", "tiba", "tiba_sulit", "tepat", "bermasalah", "terlambat", "tepat_sulit",
         "bermasalah_sulit", "terlambat_sulit")

# Per event (0: reports filed while no event ran) and kab/kota, each TPS judged by its latest report of that event,
# as storage.logistik counts them.
ISI = """
INSERT INTO tiba_kabkota (pemilihan_id, kabkota_unit_id, tps, sulit, tiba, tiba_sulit, tepat, bermasalah,
                          terlambat, tepat_sulit, bermasalah_sulit, terlambat_sulit)
SELECT e.pid, p.kabkota_unit_id, count(*),
       sum(CASE WHEN p.sulit THEN 1 ELSE 0 END),
       count(a.id),
       sum(CASE WHEN p.sulit AND a.id IS NOT NULL THEN 1 ELSE 0 END),
       sum(CASE WHEN a.tepat THEN 1 ELSE 0 END),
       sum(CASE WHEN NOT a.lengkap THEN 1 ELSE 0 END),
       sum(CASE WHEN a.terlambat THEN 1 ELSE 0 END),
       sum(CASE WHEN p.sulit AND a.tepat THEN 1 ELSE 0 END),
       sum(CASE WHEN p.sulit AND NOT a.lengkap THEN 1 ELSE 0 END),
       sum(CASE WHEN p.sulit AND a.terlambat THEN 1 ELSE 0 END)
FROM (SELECT 0 AS pid UNION SELECT DISTINCT pemilihan_id FROM arrival_reports WHERE pemilihan_id IS NOT NULL) e
CROSS JOIN tps p
LEFT JOIN arrival_reports a ON a.tps_id = p.id AND coalesce(a.pemilihan_id, 0) = e.pid
     AND NOT EXISTS (SELECT 1 FROM arrival_reports b WHERE b.tps_id = a.tps_id AND b.versi > a.versi
                     AND coalesce(b.pemilihan_id, 0) = e.pid)
GROUP BY e.pid, p.kabkota_unit_id
HAVING e.pid = 0 OR count(a.id) > 0
"""


def _tabel(per_acara: bool) -> None:
    kunci = ["pemilihan_id", "kabkota_unit_id"] if per_acara else ["kabkota_unit_id"]
    op.create_table(
        "tiba_kabkota",
        *([sa.Column("pemilihan_id", sa.Integer(), server_default="0", nullable=False)] if per_acara else []),
        sa.Column("kabkota_unit_id", sa.Integer(), nullable=False),
        *(sa.Column(nama, sa.Integer(), server_default="0", nullable=False) for nama in KOLOM),
        sa.ForeignKeyConstraint(["kabkota_unit_id"], ["units.id"], name=op.f("fk_tiba_kabkota_kabkota_unit_id_units"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint(*kunci, name=op.f("pk_tiba_kabkota")),
    )


def upgrade() -> None:
    op.drop_table("tiba_kabkota")
    _tabel(True)
    op.execute(ISI)


def downgrade() -> None:
    # Back to one row per kab/kota: the latest report of every TPS, whatever its event, as before.
    op.drop_table("tiba_kabkota")
    _tabel(False)
    op.execute("""
INSERT INTO tiba_kabkota (kabkota_unit_id, tps, sulit, tiba, tiba_sulit, tepat, bermasalah, terlambat,
                          tepat_sulit, bermasalah_sulit, terlambat_sulit)
SELECT p.kabkota_unit_id, count(*), sum(CASE WHEN p.sulit THEN 1 ELSE 0 END), count(a.id),
       sum(CASE WHEN p.sulit AND a.id IS NOT NULL THEN 1 ELSE 0 END), sum(CASE WHEN a.tepat THEN 1 ELSE 0 END),
       sum(CASE WHEN NOT a.lengkap THEN 1 ELSE 0 END), sum(CASE WHEN a.terlambat THEN 1 ELSE 0 END),
       sum(CASE WHEN p.sulit AND a.tepat THEN 1 ELSE 0 END), sum(CASE WHEN p.sulit AND NOT a.lengkap THEN 1 ELSE 0 END),
       sum(CASE WHEN p.sulit AND a.terlambat THEN 1 ELSE 0 END)
FROM tps p
LEFT JOIN arrival_reports a ON a.tps_id = p.id
     AND NOT EXISTS (SELECT 1 FROM arrival_reports b WHERE b.tps_id = a.tps_id AND b.versi > a.versi)
GROUP BY p.kabkota_unit_id
""")
