"""The export processes' pool: a workbook whose pool was stopped under it (another export's process died or ran
too long) is written again in the fresh pool, once."""

from __future__ import annotations

from concurrent.futures.process import BrokenProcessPool
from typing import Any

import pytest

from reports import proses


async def test_a_workbook_is_written_again_when_another_export_broke_the_pool(
        monkeypatch: pytest.MonkeyPatch) -> None:
    panggilan: list[tuple[Any, ...]] = []

    async def jalankan(fungsi: Any, *args: Any, **kw: Any) -> tuple[bytes, int]:
        panggilan.append(args)
        if len(panggilan) == 1:
            raise BrokenProcessPool("another export's process died")
        return b"xlsx", 3

    monkeypatch.setattr(proses, "jalankan", jalankan)
    assert await proses.xlsx(len, "laporan") == (b"xlsx", 3)
    assert len(panggilan) == 2


async def test_a_workbook_that_breaks_the_pool_twice_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    async def jalankan(fungsi: Any, *args: Any, **kw: Any) -> tuple[bytes, int]:
        raise BrokenProcessPool("this workbook kills its process")

    monkeypatch.setattr(proses, "jalankan", jalankan)
    with pytest.raises(BrokenProcessPool):
        await proses.xlsx(len, "laporan")
