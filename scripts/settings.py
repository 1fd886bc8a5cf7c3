"""The environment settings that tune a run (README "Performance", RUNBOOK "Memory and speed"), refused with
one line before a run starts when dbt or DuckDB could not use them."""

from __future__ import annotations

import os
import re

from planalign.errors import PlanAlignError

# DuckDB's memory_limit: a number and a unit (1GB, 512MiB, 2.5 GB) or a share of the machine's memory (50%)
MEMORY = re.compile(r"\d+(\.\d+)?\s*([KMGT]i?B|B)|\d+(\.\d+)?\s*%", re.IGNORECASE)
# name -> (smallest, largest) for the whole-number settings
COUNTS = {
    "PLANALIGN_THREADS": (1, 1024),      # DuckDB worker threads
    "PLANALIGN_DBT_THREADS": (1, 16),    # dbt nodes built at once
    "PLANALIGN_BACKUP_KEEP": (0, 1000),  # backups kept beside the database (0: every one)
}
HINT = 'unset it for the default, or see RUNBOOK.md "Memory and speed"'
# dbt's own log file (logs/dbt.log): 'info' by default; 'debug' adds every SQL statement dbt sends, at
# about 10% of a run's wall time (10,000 employees x 5 years), for troubleshooting
DBT_LOG_LEVELS = ("debug", "info", "warn", "error", "none")


def machine_cores() -> int:
    """The processors this process may run on (a container's or a taskset's share, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def check_tuning(environ: dict[str, str] | None = None) -> None:
    """Refuse a tuning setting that is not a whole number in its range, or a memory limit DuckDB cannot read."""
    environ = os.environ if environ is None else environ
    for name, (smallest, largest) in COUNTS.items():
        value = environ.get(name)
        if value is None:
            continue
        if not value.strip().isdigit() or not smallest <= int(value) <= largest:
            raise PlanAlignError(f"{name}={value!r} is not a whole number from {smallest} to {largest}", hint=HINT)
    level = environ.get("PLANALIGN_DBT_LOG_LEVEL")
    if level is not None and level.strip().lower() not in DBT_LOG_LEVELS:
        raise PlanAlignError(f"PLANALIGN_DBT_LOG_LEVEL={level!r} is not one of {', '.join(DBT_LOG_LEVELS)}", hint=HINT)
    keep = environ.get("PLANALIGN_KEEP_INTERMEDIATE")
    if keep is not None and keep.strip() not in {"0", "1", ""}:
        raise PlanAlignError(f"PLANALIGN_KEEP_INTERMEDIATE={keep!r} is not 0 or 1", hint=HINT)
    memory = environ.get("PLANALIGN_MEMORY_LIMIT")
    if memory is not None and not MEMORY.fullmatch(memory.strip()):
        raise PlanAlignError(f"PLANALIGN_MEMORY_LIMIT={memory!r} is not a size such as 2GB, 512MB or 50%",
                             hint=HINT)


def keep_intermediate(environ: dict[str, str]) -> bool:
    """PLANALIGN_KEEP_INTERMEDIATE=1: write the yearly intermediate tables to <database>.intermediate.duckdb, for
    inspection, instead of keeping them in memory for their year's build (about 10% slower at 100,000)."""
    return environ.get("PLANALIGN_KEEP_INTERMEDIATE", "").strip() == "1"
