"""Shared fixtures. `../shared/cp-data` is third-party data: read in place, never copied."""

from __future__ import annotations

import os
import sys
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


@pytest.fixture(scope="module")
def backend():
    """The sandbox the judge tests run on: native, or CPAGENT_TEST_BACKEND (unsafe: develop without isolation).

    Where native cannot start, the tests say why and run on the unsafe backend."""
    from sandbox.backend import open_backend
    from sandbox.errors import SandboxError

    name = os.environ.get("CPAGENT_TEST_BACKEND", "native")
    try:
        b = open_backend(name, insecure=name == "unsafe")
    except SandboxError as exc:
        print(f"{name} backend unavailable ({exc.message}); testing on the unsafe backend", file=sys.stderr)
        b = open_backend("unsafe", insecure=True)
    yield b
    b.close()
