"""workforce.pay_band_increase: the bands of job_levels move by the rate each year after the start year, for hires
and promotion clamps. Recomputed here in Python from seeds/job_levels.csv and each event's own draw."""

from __future__ import annotations

import csv
from decimal import ROUND_HALF_UP, Decimal

import pytest

from conftest import END, ROOT, START, query, run_planalign
from digests import table_digest

RATE = 0.10


def cents(value: float) -> Decimal:
    return Decimal(repr(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def bands(year: int) -> dict[int, tuple[float, float]]:
    """The seed's bands moved to `year`, as the model rounds them (2 decimals)."""
    with (ROOT / "seeds" / "job_levels.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    factor = (1 + RATE) ** (year - START)
    return {int(row["job_level"]): (round(float(row["min_compensation"]) * factor, 2),
                                   round(float(row["max_compensation"]) * factor, 2)) for row in rows}


@pytest.fixture(scope="module")
def moved(simulated, tmp_path_factory):
    db = tmp_path_factory.mktemp("pay_bands") / "moved.duckdb"
    run_planalign("simulate", "--scenario", str(simulated["scenario"]), "--set",
                  f"workforce.pay_band_increase={RATE}", db=db)
    return db


def test_the_start_year_is_unmoved(simulated, moved):
    where = f"simulation_year = {START}"
    assert table_digest(moved, "fct_yearly_events", where) == table_digest(simulated["db"], "fct_yearly_events", where)


def test_hires_are_paid_within_the_year_s_moved_band(moved):
    hires = query(moved, "select simulation_year, job_level_after, draw, compensation_after from fct_yearly_events "
                         "where event_type = 'hire' and simulation_year > ?", [START])
    assert {year for year, *_ in hires} == set(range(START + 1, END + 1))
    above_the_seed = 0
    for year, level, draw, pay in hires:
        low, high = bands(year)[level]
        assert Decimal(pay) == cents(low + draw * (high - low)), (year, level, draw, pay)
        above_the_seed += pay > bands(START)[level][1]
    assert above_the_seed > 0  # the band really moved: some hires are paid above the seed's top


def test_promotions_are_clamped_into_the_year_s_moved_band(moved):
    increase = Decimal(str(query(moved, "select json_extract(settings_json, '$.promotion_increase') "
                                        "from dim_scenario_settings")[0][0]))
    rows = query(moved, "select simulation_year, job_level_after, compensation_before, compensation_after "
                        "from fct_yearly_events where event_type = 'promotion' and reason = 'promotion_draw'")
    assert rows
    for year, level, before, after in rows:
        low, high = bands(year)[level]
        raised = (Decimal(before) * (1 + increase)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        assert Decimal(after) == min(max(raised, cents(low)), cents(high)), (year, level, before, after)


def test_the_setting_is_stored_and_hashed(simulated, moved):
    stored = query(moved, "select json_extract(settings_json, '$.pay_band_increase'), config_hash "
                          "from dim_scenario_settings")[0]
    default = query(simulated["db"], "select json_extract(settings_json, '$.pay_band_increase'), config_hash "
                                     "from dim_scenario_settings")[0]
    assert float(stored[0]) == RATE and stored[1] != default[1]
