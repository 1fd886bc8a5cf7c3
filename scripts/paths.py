"""Where things live: the project root, the database (and whether that path can be one), the logs."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from planalign import settings
from planalign.errors import PlanAlignError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = PROJECT_ROOT / settings.SETTINGS["PLANALIGN_DB"].default
DEFAULT_SCENARIO = PROJECT_ROOT / "scenarios" / "baseline.yml"
LOG_DIR = PROJECT_ROOT / "logs"


def dbt_target_dir() -> Path:
    """Where dbt writes its artifacts (manifest.json, run_results.json, its saved parse): target/, or the folder
    dbt's own setting DBT_TARGET_PATH names (relative to the project). The tests give each pytest-xdist worker its
    own, so that two dbt runs at once never read each other's run_results.json or saved parse."""
    return PROJECT_ROOT / (os.environ.get("DBT_TARGET_PATH") or "target")


def database_path() -> Path:
    """The DuckDB file: PLANALIGN_DB when set (relative to the current directory), else db/."""
    configured = settings.get("PLANALIGN_DB", fallback=None)
    return Path(configured).resolve() if configured else DEFAULT_DB


def reports_root(database: Path) -> Path:
    """Where the reports of a database go: reports/ for the default database; for any other,
    reports/db_<name>_<8 hex digits of its absolute path>/, so that runs into different databases never overwrite
    each other's reports (two databases of the same name in different folders included)."""
    database = Path(database).resolve()
    if database == DEFAULT_DB.resolve():
        return PROJECT_ROOT / "reports"
    tag = hashlib.md5(str(database).encode(), usedforsecurity=False).hexdigest()[:8]
    return PROJECT_ROOT / "reports" / f"db_{database.stem}_{tag}"


def report_folder(database: Path, scenario_id: str, plan_design_id: str) -> Path:
    """reports/[db_<name>_<tag>/]<scenario>/<design>/, created."""
    folder = reports_root(database) / scenario_id / plan_design_id
    folder.mkdir(parents=True, exist_ok=True)
    return folder


DUCKDB_MAGIC = b"DUCK"  # bytes 8-11 of every DuckDB database file
DB_HINT = "set PLANALIGN_DB to a DuckDB file in a folder you can write, e.g. PLANALIGN_DB=db/planalign.duckdb"


def checked_database(writing: bool) -> Path:
    """The database path, refused with one line before anything runs (lock, backup, dbt) when it cannot be
    one: a directory, under a file, not a DuckDB file, or (for commands that write) in a folder that cannot
    be written. A missing folder is created by the commands that write (they check that it can be)."""
    database = database_path()
    check_database(database, writing)
    return database


# DuckDB calls an opened database by its file name without the extension: these names are taken (its own
# catalog and schema names, and the alias of the run's scratch database in profiles.yml)
RESERVED_DATABASE_NAMES = frozenset({"main", "temp", "system", "scratch"})


def check_database(database: Path, writing: bool) -> None:
    if database.stem.lower() in RESERVED_DATABASE_NAMES:
        raise PlanAlignError(f"the database file {database} is named '{database.stem}', a name DuckDB keeps for itself",
                             hint=f"choose another file name, e.g. {database.with_name('planalign.duckdb')}")
    if database.is_dir():
        raise PlanAlignError(f"the database path {database} is a directory, not a database file", hint=DB_HINT)
    folder = database.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise PlanAlignError(f"the database path {database} is under {folder}, which is a file, not a folder",
                             hint=DB_HINT)
    if database.exists():
        _check_database_file(database, writing)
    if writing:
        _check_writable_folder(folder, database)


def _check_database_file(database: Path, writing: bool) -> None:
    if not database.is_file():
        raise PlanAlignError(f"the database path {database} is not a regular file", hint=DB_HINT)
    try:
        with database.open("r+b" if writing else "rb") as handle:
            head = handle.read(12)
    except OSError as exc:
        raise PlanAlignError(f"the database {database} cannot be {'written' if writing else 'read'}: "
                             f"{exc.strerror}", hint=DB_HINT) from None
    if not head:
        raise PlanAlignError(f"{database} is an empty file, not a DuckDB database",
                             hint="remove it (a run creates the database), or set PLANALIGN_DB to another file")
    if head[8:12] != DUCKDB_MAGIC:
        raise PlanAlignError(f"{database} is not a DuckDB database file (a CSV, a text or another kind of file)",
                             hint="set PLANALIGN_DB to a .duckdb file made by PlanAlign, or to a new file name")


def _check_writable_folder(folder: Path, database: Path) -> None:
    """Try to create a file there: os.access is no answer (root passes it where writing still fails)."""
    probe = folder / f".planalign_write_probe_{os.getpid()}"
    try:
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        os.unlink(probe)
    except OSError as exc:
        raise PlanAlignError(f"the database {database} cannot be written: cannot create files in {folder} "
                             f"({exc.strerror})", hint=DB_HINT) from None
