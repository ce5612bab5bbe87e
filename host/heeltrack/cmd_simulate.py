"""`heeltrack simulate`: write simulated, labelled foot-IMU traces and their truth JSON.

    heeltrack simulate --out sim/ --seed 1 --count 20 --kind session
    heeltrack simulate --out sim/ --seed 1 --count 20 --ranges wide
    heeltrack simulate --out sim/ --seed 5 --kind distractors --minutes 10 --rate 104 --jitter

Each trace i gives DIR/sim_<kind>_<seed+i>.csv (trace CSV with # foot and # rate_hz) and
DIR/sim_<kind>_<seed+i>.truth.json (the analysis JSON of the truth, plus distractors);
with --ranges wide the names are sim_<kind>_wide_<seed+i>.*; --kinematics adds
DIR/sim_..._<seed+i>.kin.csv, the sensor's true motion at 100 Hz (heeltrack.sim.output).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from heeltrack.errors import UserError

HELP = "write simulated labelled foot-IMU traces (MPU6050 model) with their truth JSON"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, help="directory for the CSV and .truth.json files")
    p.add_argument("--seed", type=int, default=0, help="seed of the first trace (default 0)")
    p.add_argument("--count", type=int, default=1, help="number of traces (default 1)")
    p.add_argument("--kind", default="session", help="session (default), distractors or set")
    p.add_argument(
        "--exercise",
        default=None,
        help="for --kind set: heel_raise, heel_walk, toe_tap or ankle_circle",
    )
    p.add_argument(
        "--minutes",
        type=float,
        default=None,
        help="length of a session/distractors trace (default: drawn)",
    )
    p.add_argument(
        "--ranges",
        default="default",
        help="default (the simulator's usual people and sensors) or wide (the space of real "
        "feet: quicker, bigger, wobblier reps, other contacts, sensors and distractors)",
    )
    p.add_argument("--rate", type=float, default=100.0, help="output rate in Hz (default 100)")
    p.add_argument(
        "--jitter", action="store_true", help="jittered timestamps, clock error and dropped samples"
    )
    p.add_argument(
        "--kinematics",
        action="store_true",
        help="also write the sensor's true motion at 100 Hz (.kin.csv: world position, "
        "velocity, and the rotation from the trace's axes to the world)",
    )


def _prepare(out: str) -> Path:
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise UserError(f"--out {out}: exists and is not a directory; give a directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UserError(f"--out {out}: cannot create the directory ({e.strerror})") from None
    except ValueError:
        raise UserError(f"--out {out!r}: not a valid path; give a directory name") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise UserError(f"--out {out}: directory is not writable; choose another one")
    return path


def run(args: argparse.Namespace) -> int:
    from heeltrack.sim import EXERCISES, KINDS, RANGE_NAMES, simulate, simulate_set
    from heeltrack.sim.output import write_simulation

    if args.count < 1 or args.count > 100000:
        raise UserError(f"--count must be between 1 and 100000, got {args.count}")
    if args.kind not in KINDS:
        raise UserError(f"--kind {args.kind!r} is unknown; use one of {', '.join(KINDS)}")
    if args.ranges not in RANGE_NAMES:
        raise UserError(f"--ranges {args.ranges!r} is unknown; use one of {', '.join(RANGE_NAMES)}")
    if args.exercise is not None and (args.kind != "set" or args.exercise not in EXERCISES):
        raise UserError(f"--exercise needs --kind set and one of {', '.join(EXERCISES)}")
    if args.minutes is not None and not 0.2 <= args.minutes <= 120:
        raise UserError(f"--minutes must be between 0.2 and 120, got {args.minutes:g}")
    if not 10 <= args.rate <= 1000:
        raise UserError(f"--rate must be between 10 and 1000 Hz, got {args.rate:g}")
    out = _prepare(args.out)
    for i in range(args.count):
        seed = args.seed + i
        kin = None
        if args.exercise:
            result = simulate_set(
                seed,
                args.exercise,
                rate_hz=args.rate,
                jitter=args.jitter,
                ranges=args.ranges,
                with_kinematics=args.kinematics,
            )
        else:
            result = simulate(
                seed,
                args.kind,
                args.minutes,
                args.rate,
                args.jitter,
                ranges=args.ranges,
                with_kinematics=args.kinematics,
            )
        trace, truth = result[0], result[1]
        if args.kinematics:
            kin = result[2]
        wide = "_wide" if args.ranges == "wide" else ""
        stem = out / f"sim_{args.kind}{wide}_{seed}"
        comment = f"source: heeltrack simulate seed {seed} ranges {args.ranges}"
        write_simulation(stem, trace, truth, kin, args.rate, comment)
        sets = ", ".join(f"{s['exercise']}x{s['count']}" for s in truth["sets"]) or "no sets"
        print(f"{stem}.csv  {trace.duration_s:.0f} s  {truth['foot']} foot  {sets}")
    return 0
