"""Shared test fixtures. Tests that need the MicroPython unix port use `micropython_bin`;
they fail (never skip) when it is missing, so CI cannot go green without them."""

from __future__ import annotations

import pytest

from heeltrack.micropython import find_micropython


@pytest.fixture(scope="session")
def micropython_bin() -> str:
    return find_micropython()
