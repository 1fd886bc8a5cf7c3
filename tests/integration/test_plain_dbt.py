"""PLANALIGN_PLAIN_DBT=1 runs dbt with none of PlanAlign's overrides of its internals (planalign.dbt.overrides):
a plain `dbt` process per year, dbt's own test materialization and get_where_subquery. The results must be
those of the normal run: the fixture census simulated as the `simulated` fixture does, every relation compared."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from conftest import END, ROOT, START, query, run_planalign, write_scenario
from digests import table_digest
from planalign.paths import dbt_target_dir

PLAIN = {"PLANALIGN_PLAIN_DBT": "1"}
AUDIT = "main_dbt_test__audit"


@pytest.fixture(scope="module")
def plain(simulated, tmp_path_factory) -> dict:
    """The `simulated` run again, in plain mode, into its own database; the SSN salt is the normal run's (it is
    kept beside the database), so that the hashed SSNs compare too. dbt's artifacts of the last year are read
    before any other test runs dbt."""
    folder = tmp_path_factory.mktemp("plain")
    shutil.copy(simulated["folder"] / ".planalign_ssn_salt", folder / ".planalign_ssn_salt")
    scenario = write_scenario(folder / "fixture.yml", simulated["census"])
    db = folder / "fixture.duckdb"
    result = run_planalign("simulate", "--scenario", str(scenario), db=db, env_extra=PLAIN)
    artifacts = {name: json.loads((dbt_target_dir() / name).read_text()) for name in ("manifest.json",
                                                                                       "run_results.json")}
    return {"db": db, "output": result.stdout, **artifacts}


def relations(db) -> list[str]:
    """Every table and view of the simulation (marts, reports, staging, seeds), less the run log."""
    return [row[0] for row in query(db, "select table_name from information_schema.tables "
                                        "where table_schema = 'main' and table_name <> 'planalign_run_log' "
                                        "order by 1")]


def test_plain_dbt_gives_the_normal_runs_results(simulated, plain):
    """Against the normal run's digests as its simulation left them (other tests write into that database)."""
    expected = simulated["digests"]
    names = sorted(expected)
    assert {"fct_yearly_events", "fct_workforce_snapshot", "dim_plan_designs", "rpt_year_audit"} <= set(names)
    assert relations(plain["db"]) == names
    differing = [name for name in names if table_digest(plain["db"], name) != expected[name]]
    assert differing == []
    assert query(plain["db"], "select distinct simulation_year from fct_workforce_snapshot order by 1") == \
        [(year,) for year in range(START, END + 1)]


def test_plain_dbt_runs_none_of_the_overrides(simulated, plain):
    run_id = re.search(r"^run (\S+):", plain["output"], re.MULTILINE).group(1)
    log = [json.loads(line) for line in (ROOT / "logs" / f"run_{run_id}.jsonl").read_text().splitlines()]
    invocations = [line for line in log if line["event"] == "dbt_invocation"]
    # a dbt process per year, each loading its own manifest (no manifest reuse, no in-process dbt)
    assert [(line["year"], line.get("plain_dbt"), line["manifest_loads"]) for line in invocations] == \
        [(year, True, 1) for year in range(START, END + 1)]

    # dbt's own test materialization: every test stores its rows, a passing one an empty table; the
    # project's stores only failures and drops a passing test's table
    def audit_rows(db) -> dict[str, int]:
        tables = [row[0] for row in query(db, f"select table_name from information_schema.tables "
                                              f"where table_schema = '{AUDIT}'")]
        return {table: query(db, f'select count(*) from {AUDIT}."{table}"')[0][0] for table in tables}

    stored = audit_rows(plain["db"])
    assert len([table for table, rows in stored.items() if rows == 0]) > 20, stored
    assert 0 not in audit_rows(simulated["db"]).values()

    # dbt's own get_where_subquery: a generic test of a yearly mart reads the whole table (the project's reads
    # the year's rows through a dbt_subquery); the critical tripwires still call test_scope themselves
    nodes = plain["manifest.json"]["nodes"]
    generic = {result["unique_id"]: result.get("compiled_code") or "" for result in plain["run_results.json"]["results"]
               if (nodes.get(result["unique_id"], {}).get("attached_node") or "").endswith(".fct_yearly_events")}
    assert generic, "no generic test of fct_yearly_events in the last year's build"
    assert all("dbt_subquery" not in code and f"simulation_year = {END}" not in code for code in generic.values())


def test_a_plain_dbt_value_other_than_0_or_1_is_refused_in_one_line(simulated, tmp_path):
    result = run_planalign("simulate", "--scenario", str(simulated["scenario"]), db=tmp_path / "refused.duckdb",
                           check=False, env_extra={"PLANALIGN_PLAIN_DBT": "yes"})
    assert result.returncode == 2, result.stdout + result.stderr
    assert "PLANALIGN_PLAIN_DBT='yes' is not 0 or 1" in result.stderr.splitlines()[0]
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "refused.duckdb").exists()
