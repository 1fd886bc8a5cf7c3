"""The plan design passed in the dbt var plan_design gives exactly what the seeds give."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, START, query
from digests import year_digests
from planalign.engine.config import resolve

DESIGN_COLUMNS = ("description, min_eligibility_age, eligibility_service_days, entry_frequency, is_auto_enroll, "
                  "auto_enroll_scope, auto_enroll_rate, auto_enroll_days, opt_out_window_days, enrollment_profile_id, "
                  "is_auto_escalation, escalation_rate, escalation_cap, escalation_opt_out_rate, match_formula_id, "
                  "match_cap_rate, match_min_service_years, match_requires_last_day, match_min_annual_hours, "
                  "core_formula_id, core_min_service_years, core_requires_last_day, core_min_annual_hours, "
                  "vesting_schedule_id, match_tiers, core_tiers, vesting_schedule, enrollment_behavior, design_sha256")




def test_design_from_the_var_builds_the_same_year_as_the_seeds(simulated, tmp_path):
    """The CLI passes the resolved design as var plan_design; a direct dbt build without it reads the seeds.
    Both give the same start year and the same stored design."""
    variables = resolve(simulated["scenario"]).dbt_vars()
    variables.pop("plan_design")
    db = tmp_path / "from_seeds.duckdb"
    env = dict(os.environ, PLANALIGN_DB=str(db), DBT_PROFILES_DIR=str(ROOT), PLANALIGN_YEAR=str(START))
    result = subprocess.run([str(Path(sys.executable).parent / "dbt"), "build", "--full-refresh",
                             "--exclude", "resource_type:unit_test", "--vars", json.dumps(variables)],
                            cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]
    settings = query(db, "select settings_json from dim_scenario_settings")
    assert json.loads(settings[0][0])["plan_design_source"] == "seed"
    assert json.loads(query(simulated["db"], "select settings_json from dim_scenario_settings")[0][0])[
        "plan_design_source"] == "var"
    for table in ("fct_yearly_events", "fct_workforce_snapshot"):
        ours, theirs = year_digests(db, table, "fixture"), year_digests(simulated["db"], table, "fixture")
        assert ours[START] == theirs[START], table
    design_sql = f"select {DESIGN_COLUMNS} from dim_plan_designs where scenario_id = 'fixture'"
    from_seeds, from_var = query(db, design_sql), query(simulated["db"], design_sql)
    assert len(from_var) == 1 and from_var == from_seeds
    assert json.loads(from_var[0][-5]) == [  # match_tiers: the baseline's safe harbor basic match, sorted
        {"deferral_from": 0.0, "deferral_to": 0.03, "match_rate": 1.0, "max_service_years": 999,
         "min_service_years": 0, "tier_number": 1},
        {"deferral_from": 0.03, "deferral_to": 0.05, "match_rate": 0.5, "max_service_years": 999,
         "min_service_years": 0, "tier_number": 2}]
