"""Which failures are worth retrying: one explicit classification for the engine, db and run safety.

Transient: another program holds DuckDB's lock on the file, or an I/O call was interrupted or would have
blocked; waiting can make them succeed. Everything else is permanent and stops at once: a path that is a
directory or cannot be written, a file that is not a DuckDB database, values out of range or that do not
convert, a table whose columns differ from what this version writes, and a full disk (permanent for the
run: nothing frees space by itself; free it, then `make resume`). A text that matches nothing known is
permanent too: retrying an unknown failure only delays its message.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass

# (marker, reason): the first permanent marker found wins over any transient one (a lock error that says
# "Permission denied" is a permission problem, not a conflict).
PERMANENT = (
    ("No space left on device", "disk_full"),
    ("the disk is full", "disk_full"),
    ("Is a directory", "is_a_directory"),
    ("Not a directory", "not_a_directory"),
    ("Permission denied", "permission_denied"),
    ("Read-only file system", "read_only_file_system"),
    ("not a valid DuckDB database file", "not_a_database"),
    ("Out of Range Error", "out_of_range"),
    ("Conversion Error", "conversion"),
    ("schemas on this incremental model are out of sync", "schema_mismatch"),
)
TRANSIENT = (
    ("Could not set lock on file", "lock_conflict"),
    ("Conflicting lock", "lock_conflict"),
    ("Resource temporarily unavailable", "interrupted_io"),
    ("Interrupted system call", "interrupted_io"),
)
TRANSIENT_ERRNOS = {errno.EINTR: "interrupted_io", errno.EAGAIN: "interrupted_io", errno.EBUSY: "lock_conflict"}


@dataclass(frozen=True)
class Failure:
    transient: bool
    reason: str


def classify(text: str) -> Failure:
    """The class of a failure from its message (DuckDB's, dbt's, or an OSError's)."""
    folded = text.lower()
    for marker, reason in PERMANENT:
        if marker.lower() in folded:
            return Failure(False, reason)
    for marker, reason in TRANSIENT:
        if marker.lower() in folded:
            return Failure(True, reason)
    return Failure(False, "unknown")


def classify_os_error(exc: OSError) -> Failure:
    """An OSError by its errno: interrupted, would block or busy are transient; anything else is not."""
    if exc.errno in TRANSIENT_ERRNOS:
        return Failure(True, TRANSIENT_ERRNOS[exc.errno])
    return classify(exc.strerror or str(exc))


def is_transient(text: str) -> bool:
    return classify(text).transient
