"""Simulated recordings as files: the trace CSV, its truth JSON and, if asked, the sensor's
true motion (what `heeltrack simulate` writes).

    >>> trace, truth, kin = simulate(3, with_kinematics=True)
    >>> write_simulation(Path("out/sim_session_3"), trace, truth, kin, 100.0, "seed 3")
    # out/sim_session_3.csv, .truth.json, .kin.csv: each whole or not at all
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from heeltrack.files import write_atomic, write_atomic_with
from heeltrack.sim.render import Kinematics
from heeltrack.trace import Trace, write_trace

KIN_HEADER = "t_s,px_m,py_m,pz_m,vx_mps,vy_mps,vz_mps,r00,r01,r02,r10,r11,r12,r20,r21,r22"


def write_kinematics(path: str | Path, kin: Kinematics) -> None:
    """The sensor's true motion as CSV: time (the trace's clock), world position and velocity
    of the sensor (z up, the starting floor at z = 0), and the row-major rotation that turns a
    vector in the trace's axes into the world frame."""
    table = np.column_stack([kin.t, kin.pos, kin.vel, kin.rot.reshape(len(kin.t), 9)])
    np.savetxt(path, table, delimiter=",", header=KIN_HEADER, comments="", fmt="%.6f")


def write_simulation(
    stem: Path,
    trace: Trace,
    truth: dict[str, Any],
    kin: Kinematics | None,
    rate_hz: float,
    comment: str,
) -> None:
    """STEM.kin.csv (if `kin`), STEM.truth.json, then STEM.csv, each whole or not at all
    (heeltrack.files: UserError if one cannot be written)."""

    def trace_csv(tmp: str) -> None:
        t, acc, gyro = trace.t, trace.acc, trace.gyro
        write_trace(tmp, t, acc, gyro, foot=trace.foot, rate_hz=rate_hz, comments=[comment])

    if kin is not None:
        kin_path = stem.with_name(stem.name + ".kin.csv")
        write_atomic_with(kin_path, lambda tmp: write_kinematics(tmp, kin))
    write_atomic(stem.with_name(stem.name + ".truth.json"), json.dumps(truth, indent=1) + "\n")
    write_atomic_with(stem.with_name(stem.name + ".csv"), trace_csv)
