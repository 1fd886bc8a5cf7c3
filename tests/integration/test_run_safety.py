"""Run safety with real processes: a SIGKILL mid-run and resume, locking, config changes, restore,
backup rotation, a failed preflight, owner-only files and masked secrets."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import psutil
import pytest
import yaml

from conftest import ROOT, query, run_planalign, write_scenario
from digests import table_digest, year_digests
from planalign.paths import dbt_target_dir
from planalign.store import runsafety

TABLES = ("fct_yearly_events", "fct_workforce_snapshot", "fct_headcount_plan")


def digests(db: Path, scenario_id: str = "fixture") -> dict:
    return {table: year_digests(db, table, scenario_id) for table in TABLES}


def start_planalign(*args: str, db: Path, env: dict | None = None) -> subprocess.Popen:
    """A CLI run in its own process group, as a user's shell would start it."""
    return subprocess.Popen([sys.executable, "-m", "planalign", *args], cwd=ROOT,
                            env=dict(os.environ, PLANALIGN_DB=str(db), **(env or {})),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)


def checkpoints(db: Path, scenario_id: str = "fixture", plan: str = "baseline") -> set[str]:
    folder = db.parent / "checkpoints" / db.stem / scenario_id / plan / "single"
    return {p.name for p in folder.glob("year_*")}


def wait_for(predicate, timeout: float = 240, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def five_years(tmp_path_factory, fixture_census) -> dict:
    """The fixture census simulated 2025-2029 without interruption: the reference."""
    folder = tmp_path_factory.mktemp("five")
    scenario = write_scenario(folder / "five.yml", fixture_census, end_year=2029)
    db = folder / "reference.duckdb"
    run_planalign("simulate", "--scenario", str(scenario), db=db)
    return {"scenario": scenario, "db": db, "digests": digests(db), "folder": folder}


def test_sigkill_in_year_three_then_resume_matches_an_uninterrupted_run(five_years, tmp_path):
    db = tmp_path / "killed.duckdb"
    run = start_planalign("simulate", "--scenario", str(five_years["scenario"]), db=db)
    # year 3 (2027) is under way once year 2026's checkpoint is done and the 2027 build has written a table
    # (the year's dbt log is written line by line)
    wait_for(lambda: "year_2026.done" in checkpoints(db), what="year 2026 to finish")
    # this run's 2027 log: its run id ends in the process id (other pytest-xdist workers write logs meanwhile)
    wait_for(lambda: any("OK created sql" in path.read_text() for path in ROOT.glob(f"logs/dbt_*_{run.pid}_2027.log")),
             what="year 2027 to write its first table")
    assert run.poll() is None, "the run finished before it could be killed"
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    assert "year_2027.done" not in checkpoints(db)
    killed_run_ids = dict(query(db, "select simulation_year, min(run_id) from fct_yearly_events group by 1"))

    result = run_planalign("resume", "--scenario", str(five_years["scenario"]), db=db)
    assert "resume: year 2027 has no completed checkpoint" in result.stdout
    assert digests(db) == five_years["digests"]
    after = dict(query(db, "select simulation_year, min(run_id) from fct_yearly_events group by 1"))
    assert after[2025] == killed_run_ids[2025] and after[2026] == killed_run_ids[2026], "years 1-2 were recomputed"
    assert after[2027] != killed_run_ids.get(2027)
    assert {f"year_{y}.done" for y in range(2025, 2030)} <= checkpoints(db)
    assert "every year 2025-2029 is done" in run_planalign("resume", "--scenario", str(five_years["scenario"]),
                                                           db=db).stdout


def test_a_second_run_is_refused_and_the_first_finishes_unharmed(five_years, tmp_path):
    db = tmp_path / "shared.duckdb"
    first = start_planalign("simulate", "--scenario", str(five_years["scenario"]), "--end", "2026", db=db)
    lock = db.with_name(db.name + ".lock")
    wait_for(lock.exists, what="the first run's lock")
    holder = json.loads(lock.read_text())
    second = run_planalign("year", "--scenario", str(five_years["scenario"]), "2025", db=db, check=False)
    assert second.returncode == 2
    assert f"in use by run {holder['run_id']} (PID {holder['pid']})" in second.stderr
    assert "Traceback" not in second.stderr
    output, _ = first.communicate(timeout=300)
    assert first.returncode == 0, output
    ref = five_years["digests"]
    got = digests(db)
    assert all(got[t] == {y: ref[t][y] for y in (2025, 2026)} for t in TABLES)
    assert not lock.exists()


def test_a_transient_lock_conflict_is_retried_with_backoff(five_years, tmp_path):
    db = tmp_path / "busy.duckdb"
    scenario = str(five_years["scenario"])
    run_planalign("simulate", "--scenario", scenario, "--end", "2025", db=db)
    holder = subprocess.Popen([sys.executable, "-c", (
        "import duckdb, sys, time\n"
        f"con = duckdb.connect({str(db)!r})\n"
        "print('holding', flush=True)\n"
        "time.sleep(3)\n")], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "holding"
    result = run_planalign("year", "--scenario", scenario, "2026", db=db)
    holder.wait()
    assert "database locked by another program (retry 1/3 in 2s)" in result.stderr
    assert "success" in result.stdout


def test_a_stale_lock_of_a_dead_process_is_cleared(five_years, tmp_path):
    db = tmp_path / "stale.duckdb"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    db.with_name(db.name + ".lock").write_text(json.dumps({"run_id": "ghost", "pid": dead.pid}))
    result = run_planalign("simulate", "--scenario", str(five_years["scenario"]), "--end", "2025", db=db)
    assert "success" in result.stdout


def test_the_lock_liveness_check_knows_live_dead_and_zombie_holders(tmp_path):
    """psutil, not /proc: a live holder keeps the lock; a dead or a zombie (killed, unreaped) one does not."""
    db = tmp_path / "liveness.duckdb"
    lock = db.with_name(db.name + ".lock")
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    zombie = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        lock.write_text(json.dumps({"run_id": "live", "pid": live.pid}))
        assert runsafety.lock_holder(db)["run_id"] == "live" and lock.exists()
        wait_for(lambda: psutil.Process(zombie.pid).status() == psutil.STATUS_ZOMBIE, timeout=30, what="a zombie")
        lock.write_text(json.dumps({"run_id": "zombie", "pid": zombie.pid}))
        assert runsafety.lock_holder(db) is None and not lock.exists()
    finally:
        live.kill()
        live.wait()
        zombie.wait()
    lock.write_text(json.dumps({"run_id": "dead", "pid": live.pid}))
    assert runsafety.lock_holder(db) is None and not lock.exists()


def test_a_changed_config_makes_resume_start_over(five_years, tmp_path):
    db = tmp_path / "changed.duckdb"
    census = Path(yaml.safe_load(five_years["scenario"].read_text())["census_path"])
    original = write_scenario(tmp_path / "original.yml", census, end_year=2025)
    run_planalign("simulate", "--scenario", str(original), db=db)
    assert "every year 2025-2025 is done" in run_planalign("resume", "--scenario", str(original), db=db).stdout
    changed = write_scenario(tmp_path / "changed.yml", census, end_year=2025, random_seed=7)
    result = run_planalign("resume", "--scenario", str(changed), db=db)
    assert "the configuration changed" in result.stdout and "random_seed: 42 -> 7" in result.stdout
    assert "years 2025-2025" in result.stdout
    assert query(db, "select count(distinct run_id) from fct_yearly_events")[0][0] == 1


def test_backups_rotate_and_restore_brings_back_the_pre_run_state_exactly(five_years, tmp_path):
    db = tmp_path / "restore.duckdb"
    scenario = str(five_years["scenario"])
    keep_two = {"PLANALIGN_BACKUP_KEEP": "2"}
    run_planalign("simulate", "--scenario", scenario, "--end", "2025", db=db)
    made = []
    for _ in range(3):  # each run backs up once, before its first write
        result = run_planalign("year", "--scenario", scenario, "2026", db=db, env_extra=keep_two)
        made.append(result.stdout.split("backup ")[1].split(";")[0])
    folder = db.parent / "backups" / db.stem
    assert sorted(str(p) for p in folder.glob("*.duckdb")) == sorted(made[-2:])
    assert (folder / "LATEST").read_text().strip() == Path(made[-1]).name

    before = {t: table_digest(db, t) for t in TABLES}
    run_planalign("simulate", "--scenario", scenario, "--start", "2027", "--end", "2027", db=db, env_extra=keep_two)
    assert query(db, "select max(simulation_year) from fct_yearly_events")[0][0] == 2027
    refused = run_planalign("restore", db=db, check=False)  # no --yes and no terminal: not confirmed
    assert refused.returncode != 0 and query(db, "select max(simulation_year) from fct_yearly_events")[0][0] == 2027
    latest = (folder / "LATEST").read_text().strip()  # the backup of the 2027 run: the state before it
    restored = run_planalign("restore", "--yes", db=db)
    assert {t: table_digest(db, t) for t in TABLES} == before
    assert query(db, "select max(simulation_year) from fct_yearly_events")[0][0] == 2026
    # who restored which backup, and when: a run-log row in the restored database and a jsonl line
    (run_id, status, details, logged_at), = query(
        db, "select run_id, status, node_counts, logged_at from planalign_run_log where command = 'restore'")
    record = json.loads(details)
    assert status == "success" and record["backup"] == latest and record["database"] == str(db)
    assert record["user"] and record["pid"] > 0 and logged_at is not None
    assert latest in restored.stdout
    (line,) = [json.loads(text) for text in (ROOT / "logs" / f"run_{run_id}.jsonl").read_text().splitlines()]
    assert line["event"] == "restore" and line["backup"] == record["backup"] and line["user"] == record["user"]


def test_a_failed_preflight_writes_nothing(five_years, tmp_path):
    db = tmp_path / "preflight.duckdb"
    run_planalign("simulate", "--scenario", str(five_years["scenario"]), "--end", "2025", db=db)
    tables = (*TABLES, "planalign_run_log")
    before = {table: table_digest(db, table) for table in tables}
    backups_before = sorted((db.parent / "backups").rglob("*.duckdb"))
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        db.with_name(db.name + ".lock").write_text(json.dumps({"run_id": "someone_else", "pid": holder.pid}))
        env = dict(os.environ, PLANALIGN_DB=str(db), DBT_PROFILES_DIR=str(ROOT), PLANALIGN_YEAR="2026")
        result = subprocess.run([str(Path(sys.executable).parent / "dbt"), "build", "--select", "tag:yearly",
                                 "--exclude", "tag:staging"], cwd=ROOT, env=env, capture_output=True, text=True)
        assert result.returncode != 0
        assert "in use by run someone_else" in result.stdout
        assert {table: table_digest(db, table) for table in tables} == before, "a refused run wrote rows"
        assert sorted((db.parent / "backups").rglob("*.duckdb")) == backups_before, "a refused run made a backup"
        assert json.loads(db.with_name(db.name + ".lock").read_text())["run_id"] == "someone_else"
    finally:
        holder.kill()
        holder.wait()


def test_files_are_owner_only_and_secrets_never_logged(five_years, tmp_path):
    db = tmp_path / "private.duckdb"
    secret = "s3cr3t-salt-value-42"
    result = run_planalign("simulate", "--scenario", str(five_years["scenario"]), "--end", "2026", db=db,
                           env_extra={"PLANALIGN_SSN_SALT": secret})
    run_id = result.stdout.split("run ")[1].split(":")[0]
    files = [db, *(db.parent / "backups").rglob("*.duckdb"), *(db.parent / "checkpoints").rglob("*.done"),
             ROOT / "logs" / f"run_{run_id}.jsonl", *ROOT.glob(f"logs/dbt_{run_id}_*.log"),
             ROOT / "artifacts" / "runs" / run_id / "summary.json"]
    assert len(files) >= 7
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    for path in [*ROOT.glob(f"logs/*{run_id}*"), ROOT / "logs" / "dbt.log", *dbt_target_dir().rglob("*.sql")]:
        text = path.read_text(errors="replace")
        assert secret not in text, path
        assert "123-45-6789" not in text, path  # the SSN of the fixture's bad rows
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from planalign_run_log where run_id = ?", [run_id]).fetchone()[0] >= 6
