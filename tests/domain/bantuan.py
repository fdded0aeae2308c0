"""Shared helpers for the domain tests."""

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import settings

from domain.errors import ParseError

# No example database: results never depend on examples saved by earlier runs.
CEPAT = settings(max_examples=150, database=None, deadline=None)


def pesan_galat(fungsi: Callable[..., Any], *args: Any, **kwargs: Any) -> str:
    """Call ``fungsi`` expecting a ParseError and return its Indonesian message."""
    with pytest.raises(ParseError) as info:
        fungsi(*args, **kwargs)
    assert str(info.value) == info.value.pesan
    assert info.value.pesan.strip() != ""
    return info.value.pesan
