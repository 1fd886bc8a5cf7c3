"""The checkpoint's digest of a year (written by the on-run-end hook) and the digest resume and status compute
from the database (scripts/store/db.py) are one definition: for the same database they agree, including for
a year that is not complete (a replication without its snapshot)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from conftest import ROOT, run_planalign
from planalign.engine.config import resolve
from planalign.keys import RunKey
from planalign.store import db as store
from planalign.store import runsafety


def test_a_year_checkpointed_without_its_snapshot_agrees_with_resume(simulated, tmp_path):
    """dbt run by hand for a year with a selection that builds the events but not the snapshot (all selected
    nodes pass): the hook must not record as done a year that resume cannot match. Before one definition,
    the checkpoint was done with a NULL snapshot digest, while resume's digest of the same database was
    md5('0:'): `resume` said the year "no longer matches its checkpoint" although nothing had changed since,
    and `status` said MISMATCH."""
    folder = tmp_path / "copy"
    shutil.copytree(simulated["folder"], folder, ignore=shutil.ignore_patterns("*.lock", "backups"))
    database = folder / simulated["db"].name
    effective = resolve(simulated["scenario"])
    with duckdb.connect(str(database)) as con:
        con.execute("delete from fct_workforce_snapshot where scenario_id = 'fixture' and simulation_year = 2027")
    config = effective.run_config()
    env = dict(os.environ, PLANALIGN_DB=str(database), DBT_PROFILES_DIR=str(ROOT), PLANALIGN_YEAR="2027",
               PLANALIGN_CONFIG_HASH=runsafety.config_hash(config), PLANALIGN_CENSUS_SHA256=config["census_sha256"])
    built = subprocess.run([str(Path(sys.executable).parent / "dbt"), "build", "--select", "tag:yearly",
                            "--exclude", "fct_workforce_snapshot+", "config.meta.start_year_only:true",
                            "resource_type:unit_test", "--vars", json.dumps(effective.dbt_vars())],
                           cwd=ROOT, env=env, capture_output=True, text=True)
    assert built.returncode == 0, built.stdout[-4000:]
    assert "fct_yearly_events" in built.stdout and "fct_workforce_snapshot" not in built.stdout

    checkpoint = runsafety.read_checkpoint(database, RunKey("fixture", "baseline"), 2027)
    recorded = None if checkpoint is None else tuple(
        checkpoint.get(key) for key in ("event_rows", "events_digest", "snapshot_rows", "snapshot_digest"))
    computed = store.year_digests(database, RunKey("fixture", "baseline")).get(2027)
    assert recorded == computed, "the checkpoint's digest and resume's digest of the same database differ"
    assert computed is None, "a year without its snapshot is not complete: no digest can match it"

    plan = run_planalign("resume", "--scenario", str(simulated["scenario"]), "--dry-run", db=database).stdout
    assert "year 2027 has no completed checkpoint" in plan, plan
    assert "skip: 2025, 2026" in plan and "run: 2027" in plan, plan
