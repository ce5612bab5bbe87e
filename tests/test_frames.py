"""The functions that run at every poll keep their frame on the C stack in MicroPython.

MicroPython (py/objfun.c, VM_MAX_STATE_ON_STACK) holds a bytecode function's frame on the C
stack only when its state, locals + value stack (N_STATE) and 3 words per nested try level
(N_EXC_STACK), is at most 11 words; a larger frame is a heap block allocated and freed at
every call. That leaves no garbage (and under heap_lock it falls back to the C stack, so the
zero-allocation tests cannot see it), but each call pays a search of the heap: 2-4k
instructions in the unix port once the heap is fragmented (benchmarks/bench_pipeline.py).
The unix port prints each code block's N_STATE and N_EXC_STACK with `-v -v`.

The engine's per-sample step, Engine.feed, is a viper function (accumulate.feed_sample),
and its biggest per-block functions are @micropython.native: machine code, whose frame is
on the C stack whatever its size; they must stay so (NATIVE: no bytecode block of that name).

Not here: MPU6050.read_fifo (two try blocks around three-argument I2C calls cannot fit;
one heap frame per poll).
"""

from __future__ import annotations

import re
import subprocess

from heel.motion import accumulate, engine
from heeltrack.micropython import find_micropython, micropython_env

WORDS = 11  # VM_MAX_STATE_ON_STACK / sizeof(word)
HOT = {  # module -> functions run at every poll (all code blocks of that name in the module)
    "heel.sampler": ("poll",),
    "heel.app": ("step",),
    "heel.feedback": ("update",),
    "heel.imu.fake_mpu6050": ("readfrom_mem_into", "_begin"),
    # every block of a rest on the floor; every still block while the floor pose is a held one
    "heel.motion.posture": ("_learn_flat", "_back_to_floor"),
}
NATIVE = {  # module -> functions compiled to machine code (viper/native): no bytecode block
    "heel.motion.accumulate": ("feed_sample",),
    "heel.motion.engine": ("_block",),
    "heel.motion.posture": ("update", "_track_gravity", "_same_pose"),
    "heel.motion.ankle_circle": ("block",),
    "heel.motion.sets": ("candidate",),
}


def frames(module: str) -> dict[str, list[int]]:
    """{code block name: [words of each block with that name]} for a firmware module."""
    proc = subprocess.run(
        [find_micropython(), "-v", "-v", "-c", f"import {module}"],
        capture_output=True,
        text=True,
        env=micropython_env(),
        check=True,
    )
    path = module.replace(".", "/") + ".py"
    out: dict[str, list[int]] = {}
    block = None
    state = 0
    for line in proc.stdout.splitlines():
        m = re.match(r"File (\S+), code block '([^']*)'", line)
        if m:
            block = m.group(2) if m.group(1).endswith(path) else None
        elif block and (m := re.match(r"\(N_STATE (\d+)\)", line)):
            state = int(m.group(1))
        elif block and (m := re.match(r"\(N_EXC_STACK (\d+)\)", line)):
            out.setdefault(block, []).append(state + 3 * int(m.group(1)))
            block = None
    return out


def test_hot_functions_fit_the_c_stack(micropython_bin: str) -> None:
    for module, names in HOT.items():
        found = frames(module)
        for name in names:
            assert found.get(name), f"{module}.{name}: no code block seen"
            assert max(found[name]) <= WORDS, f"{module}.{name}: {found[name]} words"


def test_the_engine_steps_are_native(micropython_bin: str) -> None:
    assert engine.Engine.feed is accumulate.feed_sample
    for module, names in NATIVE.items():
        found = frames(module)
        assert found.get("<module>"), f"{module}: the parse sees no bytecode blocks"
        for name in names:
            assert name not in found, f"{module}.{name} is bytecode ({found[name]} words)"


def test_the_check_sees_a_large_frame(micropython_bin: str) -> None:
    # App._on_event (many locals, two try levels) is far over: the parse finds real sizes
    assert max(frames("heel.app")["_on_event"]) > WORDS
