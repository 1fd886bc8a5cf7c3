"""Where things live: the project root, the database, the logs."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = PROJECT_ROOT / "db" / "planalign.duckdb"
DEFAULT_SCENARIO = PROJECT_ROOT / "scenarios" / "baseline.yml"
LOG_DIR = PROJECT_ROOT / "logs"


def database_path() -> Path:
    """The DuckDB file: PLANALIGN_DB when set (relative to the current directory), else db/."""
    configured = os.environ.get("PLANALIGN_DB")
    return Path(configured).resolve() if configured else DEFAULT_DB

