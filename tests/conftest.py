"""Shared test fixtures. Tests that need the MicroPython unix port use `micropython_bin`;
they fail (never skip) when it is missing, so CI cannot go green without them; the same for
the real recordings (real_recordings())."""

from __future__ import annotations

from pathlib import Path

import pytest

from heeltrack.micropython import find_micropython


@pytest.fixture(autouse=True)
def utc_is_local_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """The views show local time; the tests' expected times are UTC, whatever the machine's."""
    import time

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()


@pytest.fixture(scope="session")
def micropython_bin() -> str:
    return find_micropython()


def shared_dir() -> Path:
    """../shared beside the checkout (as CI lays it out), else the workplace copy."""
    beside = Path(__file__).resolve().parents[2] / "shared"
    return beside if beside.is_dir() else Path("/work/shared")


REAL_DIR = shared_dir() / "data" / "real"


def real_recordings() -> list[Path]:
    """The real recordings' CSV files; an error (the run fails, nothing is skipped) if the
    checkout has no ../shared/data/real beside it."""
    files = sorted(REAL_DIR.glob("*.csv"))
    if not files:
        raise RuntimeError(
            f"no real recordings in {REAL_DIR}: the tests need ../shared/data/real beside the "
            "checkout (CI lays it out so)"
        )
    return files
