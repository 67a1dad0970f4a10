"""Shared fixtures. `../shared/cp-data` is third-party data: read in place, never copied."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
CP_DATA = SHARED / "cp-data"


@pytest.fixture(scope="session")
def cp_data() -> Path:
    if not CP_DATA.is_dir():
        pytest.skip(f"../shared/cp-data not found beside the checkout ({CP_DATA})")
    return CP_DATA
