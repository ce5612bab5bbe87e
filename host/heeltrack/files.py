"""Writing files so that an error or a crash never leaves half of one behind.

    from heeltrack.files import write_atomic
    write_atomic(Path("out/report.html"), text)        # str (UTF-8) or bytes

The data goes to a temporary file in the same directory, which is then renamed over the target
(os.replace: atomic on one filesystem). UserError (one line) if it cannot be written.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from heeltrack.errors import UserError


def write_atomic(path: Path, data: str | bytes, mode: int = 0o644) -> None:
    """Write `data` to `path` atomically."""

    def dump(tmp: str) -> None:
        with open(tmp, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)

    write_atomic_with(path, dump, mode)


def write_atomic_with(path: Path, write: Callable[[str], None], mode: int = 0o644) -> None:
    """Let write(temporary path) make the file, then rename it over `path`."""
    directory = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise UserError(f"{path} is a directory; give a file name")
    if not directory.is_dir():
        raise UserError(f"cannot write {path}: the directory {directory} does not exist")
    tmp = ""
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
        os.close(fd)
        write(tmp)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError as e:
        if tmp:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise UserError(f"cannot write {path}: {e.strerror}") from None


def find_executable(env_var: str, name: str, missing: str) -> str:
    """A program's path: $env_var if set (it must be an executable file), else `name` on
    PATH; UserError(missing) when neither."""
    configured = os.environ.get(env_var)
    if configured:
        if not (os.path.isfile(configured) and os.access(configured, os.X_OK)):
            raise UserError(f"{env_var}={configured} is not an executable file; fix the setting")
        return configured
    found = shutil.which(name)
    if not found:
        raise UserError(missing)
    return found
