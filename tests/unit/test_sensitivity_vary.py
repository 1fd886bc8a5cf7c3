"""VARY parsing, the ranges of the uncertain assumptions (stated, fitted, given) and the parameter_uncertainty
settings: pure Python, no dbt."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from planalign.engine import uncertainty
from planalign.engine.config import NEUTRAL_SCALES, resolve, scenario_file
from planalign.errors import PlanAlignError


def test_values_and_points_parse():
    specs = uncertainty.parse_vary("workforce.total_termination_rate=0.10:0.14 pay_growth=-0.5pt:+0.5pt")
    assert [spec.key for spec in specs] == ["termination_rate", "pay_growth"]
    assert specs[0].values(0.12) == (0.10, 0.14)
    assert specs[1].values(0.0) == (-0.005, 0.005)
    assert uncertainty.parse_vary("growth=-1pt:+2pt")[0].values(0.03) == (0.02, 0.05)
    assert uncertainty.parse_vary(None) == [] and uncertainty.parse_vary("  ") == []


@pytest.mark.parametrize(("text", "says"), [
    ("workforce.total_terminaton_rate=0.1:0.2", "unknown assumption 'workforce.total_terminaton_rate' "
                                                 "(did you mean 'workforce.total_termination_rate'?)"),
    ("pay_grwth=-1pt:1pt", "did you mean 'pay_growth'?"),
    ("termination_rate=abc:0.2", "'abc' is not a number"),
    ("termination_rate=0.1:0.2x", "'0.2x' is not a number"),
    ("termination_rate=0.14:0.10", "low 0.14 is above high 0.10"),
    ("termination_rate=+1pt:-1pt", "low +1pt is above high -1pt"),
    ("termination_rate=0.1", "expected low:high"),
    ("termination_rate", "expected assumption=low:high"),
    ("termination_rate=0.1:0.2 workforce.total_termination_rate=0.1:0.2", "varied twice"),
])
def test_bad_vary_is_one_line(text, says):
    with pytest.raises(PlanAlignError) as caught:
        uncertainty.parse_vary(text)
    assert says in caught.value.message and "\n" not in caught.value.message
    assert caught.value.hint and caught.value.message.startswith("VARY '")


_number = st.floats(min_value=-0.5, max_value=0.9, allow_nan=False).map(lambda v: round(v, 4))


@given(key=st.sampled_from(sorted(uncertainty.UNCERTAIN)), a=_number, b=_number, points=st.booleans())
def test_any_well_formed_word_round_trips(key, a, b, points):
    low, high = sorted((a, b))
    unit = "pt" if points else ""
    spec = uncertainty.parse_vary(f"{key}={low:+g}{unit}:{high:+g}{unit}")[0]
    central = 0.1
    got_low, got_high = spec.values(central)
    expected = (central + low / 100, central + high / 100) if points else (low, high)
    assert math.isclose(got_low, expected[0], abs_tol=1e-9) and math.isclose(got_high, expected[1], abs_tol=1e-9)
    assert got_low <= got_high


@given(text=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_any_text_parses_or_is_refused_in_one_line(text):
    try:
        specs = uncertainty.parse_vary(text)
    except PlanAlignError as exc:
        assert exc.message.startswith("VARY ") and "\n" not in exc.message
    else:
        assert all(spec.key in uncertainty.UNCERTAIN for spec in specs)


def _baseline() -> dict:
    return resolve(scenario_file("baseline")).scenario.model_dump()


def test_defaults_are_stated_ranges_around_the_central_values():
    found = uncertainty.ranges(_baseline(), fitted={})
    assert [r.key for r in found] == list(uncertainty.DEFAULT_KEYS)
    by_key = {r.key: r for r in found}
    termination = by_key["termination_rate"]
    assert (termination.low, termination.central, termination.high) == (0.10, 0.12, 0.14)
    assert all(r.source == uncertainty.STATED and r.low <= r.central <= r.high for r in found)
    assert (by_key["pay_growth"].low, by_key["pay_growth"].high) == (-0.005, 0.005)


ESTIMATES_HEADER = "table,name,key,estimate,low_90,high_90,exposure,events,default,pooled,method\n"


def _fit(root, rows: str) -> None:
    """A make fit's folders under root: assumptions/acme/ and reports/fit/acme/estimates.csv with these rows."""
    (root / "assumptions" / "acme").mkdir(parents=True)
    report = root / "reports" / "fit" / "acme"
    report.mkdir(parents=True)
    (report / "estimates.csv").write_text(ESTIMATES_HEADER + rows)


def test_fitted_intervals_replace_the_stated_ranges(tmp_path):
    _fit(tmp_path,
        "workforce,total_termination_rate,,0.15,0.14,0.165,1000,150,0.12,,binomial\n"
        "workforce,new_hire_termination_rate,,0.25,,,10,0,0.25,,kept\n")
    fitted = uncertainty.fitted_intervals("assumptions/acme", tmp_path)
    assert fitted == {"termination_rate": (0.14, 0.165)}
    found = {r.key: r for r in uncertainty.ranges(_baseline(), fitted)}
    assert (found["termination_rate"].low, found["termination_rate"].high) == (0.14, 0.165)
    assert found["termination_rate"].source == uncertainty.FITTED
    assert found["new_hire_termination_rate"].source == uncertainty.STATED  # no interval: the stated range
    assert uncertainty.fitted_intervals("assumptions/example", tmp_path) == {}  # not a fit's folder
    assert uncertainty.fitted_intervals(None, tmp_path) == {}


def test_given_ranges_win_and_shift_from_the_central_value():
    specs = uncertainty.parse_vary("growth=-1pt:+1pt termination_rate=0.05:0.2")
    found = uncertainty.ranges(_baseline(), fitted={"termination_rate": (0.11, 0.13)}, specs=specs)
    assert [(r.key, r.low, r.high, r.source) for r in found] == [
        ("growth", 0.02, 0.04, uncertainty.GIVEN), ("termination_rate", 0.05, 0.2, uncertainty.GIVEN)]


def test_a_mixed_range_that_ends_below_its_start_is_refused():
    specs = uncertainty.parse_vary("termination_rate=0.2:-5pt")
    with pytest.raises(PlanAlignError, match="low 0.2 is above high 0.07"):
        uncertainty.ranges(_baseline(), fitted={}, specs=specs)


def test_parameter_uncertainty_off_leaves_the_vars_as_they_were():
    variables = resolve(scenario_file("baseline")).dbt_vars()
    assert "uncertain_settings" not in variables and "pay_growth_shift" not in variables
    assert NEUTRAL_SCALES["pay_growth_shift"] == 0.0


def test_parameter_uncertainty_passes_the_drawn_ranges():
    effective = resolve(scenario_file("baseline"), {"replications": 5},
                        ["parameter_uncertainty=true", "uncertainty_ranges.growth=[0.0, 0.05]"])
    drawn = effective.dbt_vars()["uncertain_settings"]
    assert set(drawn) == {"total_termination_rate", "new_hire_termination_rate", "target_growth_rate",
                          "pay_growth_shift", "voluntary_enrollment_shift", "opt_out_shift",
                          "voluntary_deferral_shift"}  # the per-replication assumptions only
    assert drawn["opt_out_shift"] == {"low": -0.05, "central": 0.0, "high": 0.05, "minimum": -1.0, "maximum": 1.0}
    assert drawn["target_growth_rate"] == {"low": 0.0, "central": 0.03, "high": 0.05, "minimum": -0.5, "maximum": 1.0}
    assert drawn["total_termination_rate"]["low"] == 0.10


@pytest.mark.parametrize(("sets", "says"), [
    (["parameter_uncertainty=true"], "needs a Monte Carlo set"),
    (["replications=3", "uncertainty_ranges.grwth=[0.0, 0.05]"], "did you mean 'growth'?"),
    (["replications=3", "uncertainty_ranges.growth=[0.05, 0.0]"], "low 0.05 is above high 0.0"),
    (["replications=3", "uncertainty_ranges.promotion_increase=[0.05, 0.1]"], "not drawn per replication"),
    (["replications=3", "uncertainty_ranges.growth=0.05"],
     "uncertainty_ranges.growth = 0.05: Input should be a valid list"),
])
def test_bad_uncertainty_settings_are_one_line(sets, says):
    with pytest.raises(PlanAlignError) as caught:
        resolve(scenario_file("baseline"), None, sets)
    assert says in caught.value.message and "\n" not in caught.value.message


def test_band_kind_reads_the_stored_settings():
    assert uncertainty.band_kind({}) == "random draws only"
    assert uncertainty.band_kind({"parameter_uncertainty": {"target_growth_rate": {}}}) == \
        "random draws and assumption uncertainty"


def _models_sql() -> dict[str, str]:
    from conftest import ROOT
    return {str(path.relative_to(ROOT)): path.read_text() for path in (ROOT / "models").rglob("*.sql")}


@pytest.mark.parametrize("key", sorted(uncertainty.UNCERTAIN))
def test_every_uncertain_setting_is_read_per_replication(key):
    """A study sets a point's assumption per replication (macro uncertain_setting): a model that reads the var
    itself would give every point the central value, and the tornado a zero swing that is not true."""
    import re
    name = uncertainty.var_name(uncertainty.UNCERTAIN[key])
    sql = _models_sql()
    # directly, or through shifted_rate (macros/uncertainty/shifted_rate.sql), which reads it with uncertain_setting
    through = {path for path, text in sql.items()
               if re.search(rf"(uncertain_setting\(\s*|shifted_rate\([^{{}}]*?)'{name}'", text)}
    assert through, f"no model reads {name} through uncertain_setting"
    for path, text in sql.items():
        for match in re.finditer(rf"var\(\s*['\"]{name}['\"]\s*\)(.{{0,12}})", text):
            # only a test of the neutral value (the SQL leaves a neutral shift out) may read the var itself
            assert match.group(1).lstrip().startswith(("!= 0", "== 0")), f"{path} reads var('{name}') itself"


def test_a_study_lays_its_points_out_as_groups_of_replications():
    points = uncertainty.points_var([{}, {"total_termination_rate": 0.1}, {"total_termination_rate": 0.14}], 20, 1)
    assert points["draws"] == 20 and points["first_draw"] == 1 and len(points["points"]) == 3
    assert uncertainty.point_replications(0, 20) == list(range(1, 21))
    assert uncertainty.point_replications(2, 20) == list(range(41, 61))
    assert uncertainty.point_replications(3, 1) == [4]
    with pytest.raises(ValueError):
        uncertainty.points_var([{}], 5, 0)  # the single run has one draw


def test_no_model_asks_the_draws_alone_whether_a_setting_varies():
    """A model that leaves a neutral setting out of its SQL must ask setting_varies (drawn, or set by a point of a
    sensitivity study): asking var('uncertain_settings') alone would drop a study's points."""
    from conftest import ROOT
    macros = {str(path.relative_to(ROOT)): path.read_text() for path in (ROOT / "macros").rglob("*.sql")
              if path.name not in ("uncertain_setting.sql", "simulation_settings.sql")}
    for path, text in {**_models_sql(), **macros}.items():
        assert "uncertain_settings" not in text, f"{path} reads var('uncertain_settings'); use setting_varies(name)"


# ---- participant behaviour: participation, opt-out and deferral as shifts in points ----------------------------

def test_behaviour_shifts_parse_and_range():
    specs = uncertainty.parse_vary("participation=-5pt:+5pt opt_out=-2pt:+3pt plan.voluntary_deferral_shift=-0.01:0.01")
    assert [spec.key for spec in specs] == ["participation", "opt_out", "deferral"]
    found = {r.key: r for r in uncertainty.ranges(_baseline(), fitted={}, specs=specs)}
    assert (found["participation"].low, found["participation"].central, found["participation"].high) == (
        -0.05, 0.0, 0.05)
    assert (found["opt_out"].low, found["opt_out"].high) == (-0.02, 0.03)
    assert (found["deferral"].low, found["deferral"].high) == (-0.01, 0.01)
    stated = {r.key: r for r in uncertainty.ranges(_baseline(), fitted={})}
    assert {key: (stated[key].low, stated[key].high) for key in ("participation", "opt_out", "deferral")} == {
        "participation": (-0.03, 0.03), "opt_out": (-0.05, 0.05), "deferral": (-0.01, 0.01)}
    assert {"participation", "opt_out", "deferral"} <= set(uncertainty.DEFAULT_KEYS)


def test_a_misspelt_behaviour_key_says_did_you_mean():
    with pytest.raises(PlanAlignError, match="did you mean 'participation'"):
        uncertainty.parse_vary("participaton=-5pt:+5pt")


@pytest.mark.parametrize(("setting", "value"), [("plan.voluntary_enrollment_shift", 1.2),
                                                 ("plan.opt_out_shift", -1.01),
                                                 ("plan.voluntary_deferral_shift", 5)])
def test_a_behaviour_shift_outside_its_bounds_is_refused_in_one_line(setting, value):
    with pytest.raises(PlanAlignError) as caught:
        resolve(scenario_file("baseline"), sets=[f"{setting}={value}"])
    assert setting in caught.value.message and "Input should be" in caught.value.message
    assert "\n" not in caught.value.message


def test_a_misspelt_behaviour_setting_says_did_you_mean():
    with pytest.raises(PlanAlignError) as caught:
        resolve(scenario_file("baseline"), sets=["plan.opt_out_shfit=0.05"])
    assert "did you mean 'opt_out_shift'" in caught.value.message and "\n" not in caught.value.message


def test_behaviour_shifts_at_zero_stay_out_of_the_vars_and_reach_them_when_set():
    assert not {"voluntary_enrollment_shift", "opt_out_shift", "voluntary_deferral_shift"} & set(
        resolve(scenario_file("baseline")).dbt_vars())
    variables = resolve(scenario_file("baseline"), sets=["plan.voluntary_enrollment_shift=0.1"]).dbt_vars()
    assert variables["voluntary_enrollment_shift"] == 0.1 and "opt_out_shift" not in variables


def test_fitted_band_intervals_give_the_shift_ranges(tmp_path):
    _fit(tmp_path,
        "enrollment_behavior.csv,voluntary_enrollment_rate,age 0-25,0.10,0.06,0.16,100,10,0.05,,\n"
        "enrollment_behavior.csv,voluntary_enrollment_rate,age 25-35,0.20,0.18,0.23,300,60,0.08,,\n"
        "enrollment_behavior.csv,opt_out_rate,age 0-25,0.2,,,0,0,0.2,not identifiable,default\n")
    fitted = uncertainty.fitted_intervals("assumptions/acme", tmp_path)
    # (100 x -0.04 + 300 x -0.02) / 400 = -0.025; (100 x 0.06 + 300 x 0.03) / 400 = 0.0375; opt-out has no interval
    assert fitted == {"participation": (-0.025, 0.0375)}
    scenario = _baseline()
    scenario["plan"]["voluntary_enrollment_shift"] = 0.01  # a fitted shift interval is around the scenario's shift
    found = {r.key: r for r in uncertainty.ranges(scenario, fitted)}
    assert math.isclose(found["participation"].low, -0.015) and math.isclose(found["participation"].high, 0.0475)
    assert found["participation"].source == uncertainty.FITTED and found["opt_out"].source == uncertainty.STATED
