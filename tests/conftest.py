"""Shared test fixtures. Tests that need the MicroPython unix port use `micropython_bin`;
they fail (never skip) when it is missing, so CI cannot go green without them."""

from __future__ import annotations

from pathlib import Path

import pytest

from heeltrack.micropython import find_micropython


@pytest.fixture(scope="session")
def micropython_bin() -> str:
    return find_micropython()


def shared_dir() -> Path:
    """../shared beside the checkout (as CI lays it out), else the workplace copy."""
    beside = Path(__file__).resolve().parents[2] / "shared"
    return beside if beside.is_dir() else Path("/work/shared")


REAL_DIR = shared_dir() / "data" / "real"
