"""`census-history`: yearly census files produced by the engine itself from a known scenario.

census_<start>.csv is a generated census (engine/census.py) dated Dec 31 of start - 1; census_<Y + 1>.csv is the
state after simulated year Y (replication 0 of one real run of the scenario from that census), in the same
layout. The run's database stays in <out>/run/ (every row traces to its events: make timeline with
PLANALIGN_DB=<out>/run/history.duckdb); truth/ holds the settings and assumption tables the engine used.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from planalign.engine import years as year_protocol
from planalign.engine.census import write_census
from planalign.engine.config import SCENARIO_DIR, resolve, scenario_file, seed_hashes
from planalign.engine.results import RunObserver
from planalign.errors import PlanAlignError
from planalign.paths import check_database
from planalign.store import db
from planalign.store import history as store

LEAVERS = ("dated", "absent")
MAX_YEARS = 50
RUN_FOLDER = "run"
DATABASE_NAME = "history.duckdb"


@dataclass
class HistoryFile:
    path: Path
    year: int  # the plan year the file opens (its state is Jan 1 of this year)
    rows: int
    leavers: int


@dataclass
class History:
    out: Path
    files: list[HistoryFile] = field(default_factory=list)
    truth: Path | None = None
    database: Path | None = None


def check_request(n: int, count: int, leavers: str, out: Path) -> None:
    if n < 1:
        raise PlanAlignError(f"N must be at least 1, got {n}", hint="e.g. make census-history N=20000 YEARS=4 OUT=...")
    if not 1 <= count <= MAX_YEARS:
        raise PlanAlignError(f"YEARS must be from 1 to {MAX_YEARS}, got {count}",
                             hint="YEARS counts the census files: the generated one, then one per simulated year")
    if leavers not in LEAVERS:
        raise PlanAlignError(f"LEAVERS must be dated or absent, got {leavers!r}",
                             hint="dated (default): each file also lists the previous year's leavers; "
                                  "absent: leavers disappear")
    if out.exists() and not out.is_dir():
        raise PlanAlignError(f"OUT {out} is a file, not a folder", hint="name a new folder, e.g. OUT=data/history/")
    if out.is_dir() and any(out.iterdir()):
        raise PlanAlignError(f"OUT {out} already holds files; census-history writes into a new or empty folder only",
                             hint="name another folder, or delete this one if its history is no longer needed")


def write_history(n: int, count: int, scenario_name: str, out: Path, seed: int = 7, leavers: str = "dated",
                  sets: Sequence[str] = (), observer: RunObserver | None = None) -> History:
    """Write `count` census files into `out` (see the module's docstring). Everything is checked first."""
    out = out.resolve()
    check_request(n, count, leavers, out)
    path = scenario_file(scenario_name)
    base = resolve(path, {"replications": 0}, sets)
    start = base.start_year
    end = start + count - 2  # the last simulated year: the last file opens end + 1
    run_folder = out / RUN_FOLDER
    database = run_folder / DATABASE_NAME
    check_database(database, writing=True)
    generated = run_folder / f"census_{start}_generated.csv"
    history = History(out)
    out.mkdir(parents=True, exist_ok=True)
    run_folder.mkdir(exist_ok=True)
    write_census(n, seed, generated, dt.date(start - 1, 12, 31))
    first = out / f"census_{start}.csv"
    if leavers == "dated":
        shutil.copyfile(generated, first)
        rows, gone = store.census_rows(first)
    else:
        rows, gone = store.write_census_without_leavers(generated, first)[0], 0
    history.files.append(HistoryFile(first, start, rows, gone))
    effective = None
    if count >= 2:
        options = {"census_path": str(generated), "replications": 0, "end_year": end}
        effective = resolve(path, options, sets)
        year_protocol.simulate_into(database, effective, "census-history", observer)
        for year in range(start, end + 1):
            target = out / f"census_{year + 1}.csv"
            rows, gone = store.write_snapshot_census(database, effective.key, year, generated, seed,
                                                     leavers == "dated", target)
            history.files.append(HistoryFile(target, year + 1, rows, gone))
        history.database = database
    history.truth = write_truth(out / "truth", base if effective is None else effective, database if count >= 2
                                else None, n, seed, leavers, [f.year for f in history.files])
    if count < 2:
        shutil.rmtree(run_folder)
    return history


def write_truth(folder: Path, effective, database: Path | None, n: int, seed: int, leavers: str,
                opened: list[int]) -> Path:
    """truth/: settings.json (what the engine was told and what it stored) and the assumption tables it read."""
    folder.mkdir(parents=True, exist_ok=True)
    scenario = effective.scenario
    truth: dict = {
        "scenario_id": effective.scenario_id,
        "scenario_files": [_shown(p) for p in effective.chain],
        "sets": list(effective.sets),
        "plan_design_id": effective.plan_design_id,
        "random_seed": scenario.random_seed,
        "start_year": scenario.start_year,
        "simulated_years": list(range(scenario.start_year, opened[-1])),
        "replication_id": 0,
        "census": {"generated_employees": n, "generator_seed": seed,
                   "as_of": f"{scenario.start_year - 1}-12-31", "leavers": leavers},
        "files": [f"census_{year}.csv" for year in opened],
        "workforce": scenario.workforce.model_dump(),
        "plan": scenario.plan.model_dump(),
        "plan_design": effective.design.as_var(),
        "seed_sha256": {f"seeds/{name}.csv": sha for name, sha in seed_hashes().items()},
    }
    tables: list[str] = []
    if database is not None:
        with db.read_only(database) as con:
            stored, config_hash = store.stored_settings(con, effective.key)
        truth["engine_settings"] = stored
        truth["config_hash"] = config_hash
        tables = store.write_truth_tables(database, effective.key, folder)
    truth["tables"] = tables
    path = folder / "settings.json"
    path.write_text(json.dumps(truth, indent=1, sort_keys=True, default=str) + "\n")
    return path


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(SCENARIO_DIR.parent))
    except ValueError:
        return str(path)
