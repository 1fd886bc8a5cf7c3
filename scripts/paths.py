"""Where things live: the project root, the database, the dbt executable."""

from __future__ import annotations

import os
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = PROJECT_ROOT / "db" / "planalign.duckdb"
DEFAULT_SCENARIO = PROJECT_ROOT / "scenarios" / "baseline.yml"
LOG_DIR = PROJECT_ROOT / "logs"


def database_path() -> Path:
    """The DuckDB file: PLANALIGN_DB when set (relative to the current directory), else db/."""
    configured = os.environ.get("PLANALIGN_DB")
    return Path(configured).resolve() if configured else DEFAULT_DB


def dbt_executable() -> str:
    """The dbt that belongs to this interpreter's environment."""
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else "dbt"
