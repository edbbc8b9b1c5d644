"""Files written whole or not at all: a temporary file beside the target, renamed into place."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["replacing"]


@contextlib.contextmanager
def replacing(path: Path, *, suffix: str = ".part") -> Iterator[Path]:
    """Yield a temporary file beside *path*; move it onto *path* when the block succeeds.

    The file gets the permissions a plain ``open()`` would give it (``mkstemp`` makes it
    readable by its owner only). When the block raises, the temporary file is removed and
    *path* is left as it was.
    """
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    part = Path(name)
    try:
        yield part
        part.chmod(0o666 & ~_umask())
        part.replace(path)
    except BaseException:
        part.unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
