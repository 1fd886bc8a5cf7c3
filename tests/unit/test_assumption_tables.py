"""The workforce assumption tables: the shipped seeds and a scenario's own copies follow one set of rules, a
broken table is refused in one line naming the file, the line and the rule, and the configuration hash covers
every table a run reads."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml

from conftest import ROOT
from planalign.engine import assumptions
from planalign.engine.config import resolve
from planalign.errors import PlanAlignError

SEEDS = ROOT / "seeds"


def _folder(tmp_path: Path, **tables: str) -> Path:
    folder = tmp_path / "acme"
    folder.mkdir(exist_ok=True)
    for name, text in tables.items():
        (folder / f"{name}.csv").write_text(text)
    return folder


def _scenario(tmp_path: Path, spec) -> Path:
    path = tmp_path / "study.yml"
    path.write_text(yaml.safe_dump({"extends": str(ROOT / "scenarios" / "baseline.yml"), "assumptions": spec}))
    return path


def _seed_text(name: str) -> str:
    return (SEEDS / f"{name}.csv").read_text()


def _refused(tmp_path: Path, spec) -> str:
    with pytest.raises(PlanAlignError) as caught:
        resolve(_scenario(tmp_path, spec))
    return str(caught.value)


def test_the_shipped_seeds_follow_the_rules_and_declare_their_types():
    assumptions.check_shipped_seeds()
    for name in assumptions.TABLES:
        with (SEEDS / f"{name}.csv").open() as handle:
            header = next(csv.reader(handle))
        assert header == list(assumptions.column_types(name)), name


def test_the_shipped_matrix_is_todays_one_level_up():
    rows = list(csv.DictReader((SEEDS / "promotion_transitions.csv").open()))
    assert [(r["from_level"], r["to_level"], r["base_rate"]) for r in rows] == [
        ("1", "2", "0.14"), ("2", "3", "0.10"), ("3", "4", "0.06"), ("4", "5", "0.04")]
    assert "promotion_base_rate" not in _seed_text("job_levels").splitlines()[0]


def test_a_folder_replaces_only_its_tables(tmp_path):
    lower = _seed_text("job_levels").replace(",0.032,", ",0.022,")
    effective = resolve(_scenario(tmp_path, str(_folder(tmp_path, job_levels=lower))))
    var = effective.dbt_vars()["assumptions"]
    assert set(var) == set(assumptions.TABLES)
    assert var["job_levels"]["source"].endswith("acme/job_levels.csv") and var["job_levels"]["rows"][0]["merit_rate"] \
        == "0.022"
    assert all(var[name]["source"] == "seed" and var[name]["rows"] is None
               for name in assumptions.TABLES if name != "job_levels")


def test_editing_a_table_changes_the_configuration_hash(tmp_path):
    folder = _folder(tmp_path, cola_rates=_seed_text("cola_rates"))
    scenario = _scenario(tmp_path, str(folder))
    before = resolve(scenario).run_config()
    (folder / "cola_rates.csv").write_text(_seed_text("cola_rates").replace("2026,0.000", "2026,0.030"))
    after = resolve(scenario).run_config()
    assert before != after
    assert before["assumptions"]["cola_rates"]["sha256"] != after["assumptions"]["cola_rates"]["sha256"]


def test_inline_tables_and_inheritance(tmp_path):
    rows = [{"simulation_year": 2025, "cola_rate": 0.01}]
    parent = _scenario(tmp_path, {"tables": {"cola_rates": rows}})
    child = tmp_path / "child.yml"
    child.write_text(yaml.safe_dump({"extends": str(parent), "description": "inherits"}))
    var = resolve(child).dbt_vars()["assumptions"]["cola_rates"]
    assert var["rows"] == [{"simulation_year": "2025", "cola_rate": "0.01"}] and var["source"].endswith("(inline)")


@pytest.mark.parametrize("table, edit, expected", [
    ("job_levels", lambda t: t.replace("Associate,38000,62000,0.16,0.032", "Associate,38000,62000,0.16,1.5"),
     "job_levels.csv line 2: merit_rate 1.5 is not a rate in [0, 1]"),
    ("job_levels", lambda t: t.replace("Senior,82000,135000", "Senior,135000,82000"),
     "job_levels.csv line 4: min_compensation 135000 must be below max_compensation 82000"),
    ("job_levels", lambda t: t.replace("\n5,Director", "\n6,Director"),
     "job_level must run 1, 2, ... 5 without gaps"),
    ("job_levels", lambda t: t.replace(",0.02\n", ",0.05\n"), "new_hire_weight adds up to 1.03, not 1"),
    ("job_levels", lambda t: t.replace("new_hire_weight", "hire_weight"), "line 1: unknown column hire_weight"),
    ("job_levels", lambda t: t.replace("0.16,", "0.16,x,", 1), "line 2: 8 fields, the header has 7"),
    ("hazard_age_bands", lambda t: t.replace("25_34,25,35", "25_34,26,35"),
     "hazard_age_bands.csv line 3: band [26, 35) leaves a gap"),
    ("hazard_tenure_bands", lambda t: t.replace("3_4,3,5", "3_4,2,5"),
     "hazard_tenure_bands.csv line 4: band [2, 5) overlaps"),
    ("hazard_tenure_bands", lambda t: t.replace("1.60,0.00", "1.60,-0.5"),
     "line 2: promotion_multiplier -0.5 is negative"),
    ("voluntary_deferral_rates", lambda t: t.replace("0.020000,0.100000", "0.020000,0.1000001"),
     "line 2: weight 0.1000001 has more than 6 decimals"),
    ("promotion_transitions", lambda t: t + "1,3,0.90\n",
     "promotion_transitions.csv line 6: the base_rate of the moves out of level 1 add up to 1.04, more than 1"),
    ("promotion_transitions", lambda t: t + "1,7,0.01\n", "line 6: to_level 7 is not a level of job_levels"),
    ("promotion_transitions", lambda t: t + "2,2,0.01\n", "line 6: from_level and to_level are both 2"),
    ("cola_rates", lambda t: t.replace("2024,", "twenty,"), "line 2: simulation_year twenty is not a whole number"),
    ("new_hire_age_mix", lambda t: t.replace("25,0.20", "22,0.20"), "line 3: age 22 is listed twice (line 2 too)"),
])
def test_a_broken_table_is_refused_naming_file_line_and_rule(tmp_path, table, edit, expected):
    folder = _folder(tmp_path, **{table: edit(_seed_text(table))})
    message = _refused(tmp_path, str(folder))
    assert expected in message, message
    assert f"{table}.csv" in message


def test_the_old_promotion_column_is_refused_with_where_it_went(tmp_path):
    old = ("job_level,level_name,min_compensation,max_compensation,termination_base_rate,promotion_base_rate,"
           "merit_rate,new_hire_weight\n1,Associate,38000,62000,0.16,0.14,0.035,1.0\n")
    folder = _folder(tmp_path, job_levels=old)
    with pytest.raises(PlanAlignError) as caught:
        resolve(_scenario(tmp_path, str(folder)))
    assert "promotion_base_rate is no longer a column of job_levels" in str(caught.value)
    assert "promotion_transitions.csv" in caught.value.hint


def test_unknown_files_folders_and_keys_are_refused(tmp_path):
    folder = _folder(tmp_path, joblevels="a\n")
    assert "joblevels.csv is not an assumption table" in _refused(tmp_path, str(folder))
    assert "the folder nowhere/at/all does not exist" in _refused(tmp_path, "nowhere/at/all")
    assert "assumptions.tables.levels: not an assumption table" in _refused(tmp_path, {"tables": {"levels": []}})
    assert "assumptions.folders: unknown key" in _refused(tmp_path, {"folders": "x"})
    assert "assumptions.tables.cola_rates[0]: no column cola_rate" in _refused(
        tmp_path, {"tables": {"cola_rates": [{"simulation_year": 2025}]}})


def test_the_scenarios_enrollment_behaviour_reaches_the_plan_design(tmp_path):
    text = _seed_text("enrollment_behavior").replace("standard,0,25,0.200000", "standard,0,25,0.300000")
    effective = resolve(_scenario(tmp_path, str(_folder(tmp_path, enrollment_behavior=text))))
    assert str(effective.design.enrollment_behavior[0].opt_out_rate) == "0.300000"


def test_the_example_folder_is_valid():
    effective = resolve(ROOT / "scenarios" / "example_assumptions.yml")
    assert set(effective.assumptions.own) == {"job_levels"}


@pytest.mark.parametrize("value, ok", [([0, 1], True), ([0.25, 0.75], True), ([0.5, 0.5], False),
                                       ([-0.1, 1], False), ([0, 1.2], False), ([0.1], False)])
def test_new_hire_pay_range_is_validated(tmp_path, value, ok):
    path = tmp_path / "s.yml"
    path.write_text(yaml.safe_dump({"extends": str(ROOT / "scenarios" / "baseline.yml"),
                                    "workforce": {"new_hire_pay_range": value}}))
    if ok:
        assert resolve(path).dbt_vars()["new_hire_pay_range"] == [float(v) for v in value]
    else:
        with pytest.raises(PlanAlignError, match="new_hire_pay_range"):
            resolve(path)
