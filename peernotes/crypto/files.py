"""Writing key files so that a crash leaves either the old file or all of the new one.

The master key files (rotation) and the key vault's entries are written the same way: into a
private temporary file beside the target, flushed to disk, renamed over the target, and the
rename itself made durable by syncing the directory that holds it.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

#: Half-written files end in this; an interrupted writer's leftovers are found by it.
TEMPORARY_SUFFIX = ".tmp"


def write_whole(
    path: Path, data: bytes, *, before_write: Callable[[int], None] | None = None
) -> None:
    """Write `data` to `path` whole, readable only by its owner (mode 0600).

    `before_write` gets the temporary file's descriptor first (to give it an owner, say).

    Raises:
        OSError: nothing was replaced; the temporary file is gone.
    """
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}{TEMPORARY_SUFFIX}")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            if before_write is not None:
                before_write(handle.fileno())
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
        sync_directory(path.parent)
    except OSError:
        temporary.unlink(missing_ok=True)
        raise


def sync_directory(directory: Path) -> None:
    """Make a rename (or an unlink) durable: it lives in the directory, not the file."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
