"""The notes of the seed files: each one translated for readers or deliberately left out, and only Indonesian
notes reach the database."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import demo
from storage import tables as t
from storage.catatan_seed import CATATAN_SEED, catatan_seed

# words of the seed files' English notes; none may reach a reader
INGGRIS = (" the ", " prints ", "Can be", " says ", " is ", " for ", "OCR")


def _catatan_berkas() -> dict[tuple[str, str], str]:
    out = {("indikator_sekretariat.csv", r["kode"]): r["catatan"]
           for r in demo.read_csv(demo.BKL / "indikator_sekretariat.csv")}
    out |= {("anggaran_program.csv", f"{r['tahun']} {r['kode']}"): r["catatan"]
            for r in demo.read_csv(demo.BKL / "anggaran_program.csv")}
    return {k: v for k, v in out.items() if v.strip()}


def test_every_seed_note_is_decided_and_indonesian() -> None:
    assert set(CATATAN_SEED) == set(_catatan_berkas())
    for teks in filter(None, CATATAN_SEED.values()):
        assert not any(w in f" {teks} " for w in INGGRIS), teks
    assert catatan_seed("anggaran_program.csv", "2024 WA", "") is None  # no note: nothing stored


def test_an_undecided_note_is_refused() -> None:
    with pytest.raises(KeyError):
        catatan_seed("indikator_sekretariat.csv", "IK1", "a new note nobody translated")


async def test_only_indonesian_notes_are_loaded(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        ind = (await conn.execute(sa.select(t.indicators.c.kode, t.indicators.c.catatan)
                                  .where(t.indicators.c.catatan.isnot(None)))).all()
        belanja = (await conn.execute(sa.select(t.budget_realisations.c.catatan)
                                      .where(t.budget_realisations.c.sumber == "seed"))).scalars().all()
    iku = {k: c for k, c in ind if not k.startswith(("BTENG-", "KUL", "TPH", "PDI"))}
    assert set(iku) == {"IK3a", "IK3b", "IK3c"}
    for teks in [c for _, c in ind] + [c for c in belanja if c]:
        assert not any(w in f" {teks} " for w in INGGRIS), teks
