"""Assumptions per scenario with real dbt: a scenario's own tables reach the models, scenarios with different
tables share a database without touching each other, the seeds passed as a scenario's own tables give the
seeds' results exactly, and the promotion matrix moves people across and down levels at the stated rates."""

from __future__ import annotations

import csv
import math
import shutil
from pathlib import Path

import yaml

from conftest import END, ROOT, query, run_planalign, write_scenario
from planalign.engine.assumptions import TABLES

SEEDS = ROOT / "seeds"


def _rows_digest(db: Path, table: str, scenario_id: str, to_year: int) -> str:
    """md5 of the table's rows of one scenario, without the scenario id (and event_id, made from it) and the run
    stamps."""
    columns = [row[0] for row in query(db, f"describe {table}")
               if row[0] not in {"scenario_id", "event_id", "run_id", "created_at", "built_at"}]
    return query(db, f"select md5(string_agg(t, chr(10) order by t)) from (select cast(row({', '.join(columns)}) "
                     f"as varchar) as t from {table} where scenario_id = ? and simulation_year <= ?)",
                 [scenario_id, to_year])[0][0]


def _folder(root: Path, name: str, **tables: str) -> Path:
    folder = root / name
    folder.mkdir()
    for table, text in tables.items():
        (folder / f"{table}.csv").write_text(text)
    return folder


def test_scenarios_with_their_own_tables_share_a_database(simulated, tmp_path):
    shared = tmp_path / "shared.duckdb"
    shutil.copy(simulated["db"], shared)
    before = {table: _rows_digest(shared, table, "fixture", END) for table in ("fct_yearly_events",
                                                                              "fct_workforce_snapshot")}
    # acme has its own merit and level names (the names change no number: rpt_workforce_breakdown's labels only)
    acme_levels = ((SEEDS / "job_levels.csv").read_text().replace("0.16,0.032", "0.22,0.020")
                   .replace("Associate", "Analyst").replace("Director", "Partner"))
    acme = write_scenario(tmp_path / "acme.yml", simulated["census"], scenario_id="acme", end_year=2026,
                          assumptions=str(_folder(tmp_path, "acme_tables", job_levels=acme_levels)))
    seeds_copy = _folder(tmp_path, "seed_copies", **{t: (SEEDS / f"{t}.csv").read_text() for t in TABLES})
    same = write_scenario(tmp_path / "same.yml", simulated["census"], scenario_id="same", end_year=2026,
                          assumptions=str(seeds_copy))
    run_planalign("simulate", "--scenario", str(acme), db=shared)
    run_planalign("simulate", "--scenario", str(same), db=shared)
    alone = tmp_path / "alone.duckdb"
    run_planalign("simulate", "--scenario", str(acme), db=alone)

    for table in ("fct_yearly_events", "fct_workforce_snapshot"):
        # the other scenario's rows are untouched
        assert _rows_digest(shared, table, "fixture", END) == before[table]
        # acme in a shared database = acme alone
        assert _rows_digest(shared, table, "acme", 2026) == _rows_digest(alone, table, "acme", 2026)
        # the seeds given as the scenario's own tables (the var path) = the seeds themselves, byte for byte
        assert _rows_digest(shared, table, "same", 2026) == _rows_digest(shared, table, "fixture", 2026)
        # and acme's tables took effect
        assert _rows_digest(shared, table, "acme", 2026) != _rows_digest(shared, table, "fixture", 2026)
    # level 1's raise in 2025: acme's merit 0.020 + the seed's COLA of 2025
    cola = {row["simulation_year"]: float(row["cola_rate"])
            for row in csv.DictReader((SEEDS / "cola_rates.csv").open(newline=""))}["2025"]
    merit = query(shared, "select count(*), max(abs(compensation_after - compensation_before * ?)) "
                          "from fct_yearly_events where scenario_id = 'acme' and event_type = 'raise' "
                          "and job_level_after = 1 and simulation_year = 2025", [1 + 0.020 + cola])
    assert merit[0][0] > 0 and merit[0][1] <= 0.01, merit

    # each scenario's breakdown rows carry its own level names, whichever scenario built the view last ("same")
    labels = {scenario: set(names.split("|")) for scenario, names in query(
        shared, "select scenario_id, string_agg(distinct band_label, '|') from rpt_workforce_breakdown "
                "where dimension = 'job_level' group by 1")}
    seed_names = {"Associate", "Professional", "Senior", "Manager", "Director"}
    assert labels["fixture"] == seed_names and labels["same"] == seed_names, labels
    assert labels["acme"] == {"Analyst", "Professional", "Senior", "Manager", "Partner"}, labels

    stored = query(shared, "select scenario_id, table_name, table_source, row_count from dim_assumptions "
                           "order by 1, 2")
    assert ("acme", "job_levels", str(tmp_path / "acme_tables" / "job_levels.csv"), 5) in stored
    assert ("fixture", "job_levels", "seed", 5) in stored and len(stored) == 3 * len(TABLES)
    assert query(shared, "select count(distinct content_sha256) from dim_assumptions "
                         "where table_name = 'promotion_transitions'") == [(1,)]

    # editing a table of the folder: resume sees it and starts over
    (tmp_path / "acme_tables" / "job_levels.csv").write_text(acme_levels.replace("0.22,0.020", "0.22,0.021"))
    dry = run_planalign("resume", "--scenario", str(acme), "--dry-run", db=alone)
    assert "assumption table job_levels" in dry.stdout and "changed" in dry.stdout, dry.stdout


def test_the_promotion_matrix_skips_and_demotes_at_the_stated_rates(tmp_path):
    matrix = "from_level,to_level,base_rate\n1,2,0.14\n1,3,0.30\n2,3,0.10\n3,2,0.20\n3,4,0.06\n4,5,0.04\n"
    folder = _folder(tmp_path, "matrix", promotion_transitions=matrix)
    scenario = write_scenario(tmp_path / "matrix.yml", ROOT / "data" / "census_default.csv", scenario_id="matrix",
                              end_year=2025, assumptions=str(folder), workforce={"new_hire_pay_range": [0.25, 0.5]})
    db = tmp_path / "matrix.duckdb"
    run_planalign("simulate", "--scenario", str(scenario), db=db)
    moves = query(db, "select job_level_before, job_level_after, probability, draw, compensation_before, "
                      "compensation_after, reason from fct_yearly_events where event_type = 'promotion'")
    bands = {row[0]: (row[1], row[2]) for row in query(db, "select job_level, min_compensation, max_compensation "
                                                           "from job_levels")}
    base = {(1, 2): 0.14, (1, 3): 0.30, (2, 3): 0.10, (3, 2): 0.20, (3, 4): 0.06, (4, 5): 0.04}
    for before, after, probability, draw, pay_before, pay_after, reason in moves:
        # the draw lies in the target's slice of the cumulative probabilities, in to_level order
        multiplier = probability / base[(before, after)]
        earlier = sum(rate for (f, t), rate in base.items() if f == before and t < after) * multiplier
        assert earlier - 1e-12 <= draw < earlier + probability + 1e-12
        low, high = bands[after]
        if after < before:  # a demotion keeps the pay, clamped into the lower band
            assert reason == "demotion_draw" and pay_after == min(max(pay_before, low), high)
        else:
            assert reason == "promotion_draw" and low <= pay_after <= high
    from_one = [after for before, after, *_ in moves if before == 1]
    skips = from_one.count(3)
    share = 0.30 / 0.44  # each employee's odds of 1->3 against 1->2 are the base rates' (same multipliers)
    assert len(from_one) > 200
    assert abs(skips / len(from_one) - share) < 4 * math.sqrt(share * (1 - share) / len(from_one))
    assert any(after == 2 for before, after, *_ in moves if before == 3)
    # new_hire_pay_range [0.25, 0.5]: every hire's pay in that part of the band
    for level, pay in query(db, "select job_level_after, compensation_after from fct_yearly_events "
                                "where event_type = 'hire'"):
        low, high = (float(value) for value in bands[level])
        assert low + (high - low) * 0.25 - 0.01 <= float(pay) <= low + (high - low) * 0.5 + 0.01
    assert yaml.safe_load(scenario.read_text())["assumptions"] == str(folder)
