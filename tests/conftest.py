"""Shared fixtures: a small census with every kind of bad row, and real dbt runs on it."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import yaml

from digests import table_digest
from planalign.paths import reports_root

ROOT = Path(__file__).resolve().parents[1]
START, END = 2025, 2027

# One row per reject reason (and one excluded row), appended to a generated census.
BAD_ROWS = [
    # employee_id, birth_date, hire_date, termination_date, pay, level, hours, deferral, expected
    ("", "1980-01-01", "2010-01-01", "", "50000", "1", "40", "", "missing_employee_id"),
    ("DUP_1", "1980-01-01", "2010-01-01", "", "50000", "1", "40", "", "duplicate_employee_id"),
    ("DUP_1", "1981-01-01", "2011-01-01", "", "51000", "1", "40", "", "duplicate_employee_id"),
    ("BAD_BIRTH", "not-a-date", "2010-01-01", "", "50000", "1", "40", "", "unparseable_birth_date"),
    ("BAD_HIRE", "1980-01-01", "2019-13-45", "", "50000", "1", "40", "", "unparseable_hire_date"),
    ("BAD_TERM", "1980-01-01", "2010-01-01", "someday", "50000", "1", "40", "", "unparseable_termination_date"),
    ("ZERO_PAY", "1980-01-01", "2010-01-01", "", "0", "1", "40", "", "invalid_compensation"),
    ("NEG_PAY", "1980-01-01", "2010-01-01", "", "-100", "1", "40", "", "invalid_compensation"),
    ("NULL_PAY", "1980-01-01", "2010-01-01", "", "", "1", "40", "", "invalid_compensation"),
    ("BIG_DEFERRAL", "1980-01-01", "2010-01-01", "", "50000", "1", "40", "6", "deferral_rate_out_of_range"),
    ("NEG_DEFERRAL", "1980-01-01", "2010-01-01", "", "50000", "1", "40", "-0.1", "deferral_rate_out_of_range"),
    ("BIRTH_AFTER_HIRE", "2015-01-01", "2010-01-01", "", "50000", "1", "40", "", "birth_after_hire"),
    ("LATE_HIRE", "1980-01-01", "2025-06-01", "", "50000", "1", "40", "", "hire_after_start"),
    ("TERM_BEFORE_HIRE", "1980-01-01", "2010-01-01", "2009-01-01", "50000", "1", "40", "", "termination_before_hire"),
    ("BAD_LEVEL", "1980-01-01", "2010-01-01", "", "50000", "9", "40", "", "unknown_job_level"),
    ("TEXT_HOURS", "1980-01-01", "2010-01-01", "", "50000", "1", "abc", "", "invalid_hours_per_week"),
    ("TEXT_LEVEL", "1980-01-01", "2010-01-01", "", "50000", "two", "40", "", "unknown_job_level"),
    ("LEAVES_IN_2025", "1980-01-01", "2010-01-01", "2025-06-30", "50000", "1", "40", "", "termination_after_start"),
    ("LEFT_2023", "1980-01-01", "2010-01-01", "2023-05-01", "50000", "1", "40", "", None),
]
EXPECTED_REJECTS = sorted((row[0], row[8]) for row in BAD_ROWS if row[8])


def pytest_configure(config) -> None:
    """Under pytest-xdist (make test: two workers), each worker's dbt writes its artifacts (manifest.json,
    run_results.json, the saved parse) into its own target/pytest-<worker>/ through dbt's DBT_TARGET_PATH, which
    PlanAlign reads them from too (planalign.paths.dbt_target_dir): two runs at once never read each other's."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        os.environ["DBT_TARGET_PATH"] = f"target/pytest-{worker}"


def run_planalign(*args: str, db: Path, check: bool = True,
                  env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """`planalign ARGS` in a process of its own; the result also carries the process id (`.pid`), which ends the
    run id of every run it starts (logs/run_<run id>.jsonl, logs/dbt_<run id>_<year>.log)."""
    env = dict(os.environ, PLANALIGN_DB=str(db), **(env_extra or {}))
    command = [sys.executable, "-m", "planalign", *args]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    stdout, stderr = process.communicate()
    result = subprocess.CompletedProcess(command, process.returncode, stdout, stderr)
    result.pid = process.pid
    if check and result.returncode != 0:
        raise AssertionError(f"planalign {' '.join(args)} failed ({result.returncode}):\n"
                             f"{result.stdout}\n{result.stderr}")
    return result


def reports_of(db: Path) -> Path:
    """Where the reports of a run into this database go (reports/db_<name>_<tag>/ for a test's database)."""
    return reports_root(db)


def write_scenario(path: Path, census: Path, **overrides) -> Path:
    scenario = {
        "scenario_id": "fixture", "plan_design_id": "baseline", "start_year": START, "end_year": END,
        "random_seed": 42, "census_path": str(census),
        "workforce": {"total_termination_rate": 0.12, "target_growth_rate": 0.03,
                      "new_hire_termination_rate": 0.25},
    }
    workforce = overrides.pop("workforce", {})
    scenario.update(overrides)
    scenario["workforce"].update(workforce)
    path.write_text(yaml.safe_dump(scenario))
    return path


def query(db: Path, sql: str, params=None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


@pytest.fixture(scope="session")
def fixture_census(tmp_path_factory) -> Path:
    """300 generated employees plus one row of every bad kind."""
    folder = tmp_path_factory.mktemp("census")
    path = folder / "fixture_census.csv"
    run_planalign("census", "--n", "300", "--seed", "11", "--out", str(path), db=folder / "unused.duckdb")
    with path.open("a", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        for row in BAD_ROWS:
            writer.writerow([*row[:6], row[6], row[7], "", "123-45-6789"])
    return path


@pytest.fixture(scope="session")
def simulated(tmp_path_factory, fixture_census) -> dict:
    """The fixture census simulated for three years, as a user would: planalign simulate."""
    folder = tmp_path_factory.mktemp("simulated")
    scenario = write_scenario(folder / "fixture.yml", fixture_census)
    db = folder / "fixture.duckdb"
    result = run_planalign("simulate", "--scenario", str(scenario), db=db)
    # every relation's digest as the run left it: later tests write into this database (a re-run year, another
    # configuration's per-run tables), so a comparison with "the normal run" reads these
    names = [row[0] for row in query(db, "select table_name from information_schema.tables "
                                         "where table_schema = 'main' and table_name <> 'planalign_run_log' "
                                         "order by 1")]
    return {"db": db, "scenario": scenario, "census": fixture_census, "output": result.stdout,
            "folder": folder, "digests": {name: table_digest(db, name) for name in names}}


def render_in_chromium(page: Path, screenshot: Path) -> tuple[str, str]:
    """Load an HTML file in headless Chromium with every host unresolvable (no network): the DOM after
    its scripts ran, and the browser's log (console messages included). Keeps a screenshot."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "headless Chromium is required (apt-get install chromium; .ci/run installs it)"
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    common = [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
              "--host-resolver-rules=MAP * ~NOTFOUND", "--virtual-time-budget=10000", "--window-size=1280,1800",
              "--enable-logging=stderr", "--v=0"]
    dom = subprocess.run([*common, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    shot = subprocess.run([*common, f"--screenshot={screenshot}", page.as_uri()], capture_output=True, text=True,
                          timeout=120)
    assert dom.returncode == 0 and shot.returncode == 0, dom.stderr[-2000:] + shot.stderr[-2000:]
    return dom.stdout, dom.stderr


def console_errors(log: str) -> list[str]:
    return [line for line in log.splitlines()
            if "CONSOLE" in line and ("Uncaught" in line or "Error" in line or ":ERROR:" in line)]


def sensitivity_sheet_rows(sheet) -> list[dict]:
    """A workbook's Sensitivity sheet as one mapping per row, after checking each cell reads as what it is: the
    assumption's values in percent (a rate) or in points (a shift, held as points: -3 for three points lower), the
    metric in whole dollars."""
    header = next(r for r in range(1, 12) if sheet.cell(r, 1).value in ("assumption", "alternative"))
    columns = [cell.value for cell in sheet[header]]
    rows = []
    for cells in sheet.iter_rows(min_row=header + 1):
        row = {column: cell for column, cell in zip(columns, cells, strict=True)}
        shift = row["setting"].value.endswith("_shift")
        for column in ("low", "central", "high"):
            assert row[column].number_format == ('+0.00" pt";-0.00" pt";0.00" pt"' if shift else "0.00%"), column
        for column in ("at low", "at central", "at high", "swing"):
            assert row[column].number_format == "$#,##0", column
        rows.append({column: cell.value for column, cell in row.items()})
    return rows


# ---- helpers shared by the unit and the integration tests ----

def duckdb_error(database: str | None = None, sql: str | None = None) -> str:
    try:
        con = duckdb.connect(database or ":memory:")
        if sql:
            con.execute(sql).fetchall()
        con.close()
    except duckdb.Error as exc:
        return str(exc)
    raise AssertionError("no error")


def os_error(action) -> OSError:
    try:
        action()
    except OSError as exc:
        return exc
    raise AssertionError("no error")


def bench_row(employees: int, wall: float, sha: str, **extra: object) -> dict[str, object]:
    return {"date_utc": "2026-11-23T07:00:00Z", "git_sha": sha, "git_dirty": 0, "employees": employees, "years": 5,
            "replications": 0, "wall_seconds": wall, "year_seconds": "3.0/2.0", "sql_seconds": wall / 2,
            "non_sql_share": 0.5, "test_share": 0.25, "peak_rss_tree_mib": 400, "peak_rss_largest_mib": 300,
            "dbt_invocations": 5, "node_runs": 410, "event_rows": 12345, "snapshot_rows": 6789,
            "database_mib": 24.3, **extra}


@pytest.fixture(scope="session")
def engine_history(tmp_path_factory) -> Path:
    """20,000 employees, 4 yearly snapshots (2025-2028) simulated by the engine from the far-from-default
    assumptions of tests/fixtures/fit_truth/ (make census-history); truth/ holds what the engine read."""
    folder = tmp_path_factory.mktemp("engine_history") / "history"
    run_planalign("census-history", "--n", "20000", "--years", "4", "--scenario",
                  "tests/fixtures/fit_truth/scenario.yml", "--out", str(folder), "--seed", "7",
                  db=folder.parent / "unused.duckdb")
    return folder
