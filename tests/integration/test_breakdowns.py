"""rpt_workforce_breakdown: every dimension adds up exactly to the year totals of rpt_year_audit,
and within every band start + hires - terminations = end."""

from __future__ import annotations

import pytest

from conftest import END, START, query

KEYS = "scenario_id, plan_design_id, replication_id, simulation_year"
DIMENSIONS = ("job_level", "age_band", "tenure_band", "pay_band")
# breakdown measure -> the rpt_year_audit expression it must add up to
TOTALS = {
    "headcount_start": "start_headcount",
    "headcount_end": "end_headcount",
    "hires": "hires",
    "terminations": "experienced_terminations + reduction_in_force_terminations + new_hire_terminations",
    "eligible_count": "eligible_count",
    "participant_count": "participant_count",
    "employee_contributions": "employee_contributions",
    "employer_match": "employer_match",
    "employer_core": "employer_core",
    "employer_cost": "employer_cost",
    "forfeitures": "forfeitures",
}


def audit_totals(db) -> dict[tuple, tuple]:
    rows = query(db, f"select {KEYS}, {', '.join(TOTALS.values())} from rpt_year_audit")
    return {tuple(row[:4]): tuple(row[4:]) for row in rows}


@pytest.mark.parametrize("dimension", DIMENSIONS)
def test_every_dimension_adds_up_to_the_year_audit(simulated, dimension):
    db = simulated["db"]
    sums = ", ".join(f"sum({measure})" for measure in TOTALS)
    rows = query(db, f"select {KEYS}, {sums} from rpt_workforce_breakdown where dimension = ? group by {KEYS}",
                 [dimension])
    breakdown = {tuple(row[:4]): tuple(row[4:]) for row in rows}
    audit = audit_totals(db)
    assert sorted(key[3] for key in audit) == list(range(START, END + 1))
    assert breakdown.keys() == audit.keys()
    for key, expected in audit.items():
        got = dict(zip(TOTALS, breakdown[key], strict=True))
        assert got == dict(zip(TOTALS, expected, strict=True)), (dimension, key)


def test_every_employee_falls_in_a_seeded_band(simulated):
    unbanded = query(simulated["db"], "select dimension, count(*) from rpt_workforce_breakdown "
                                      "where band_sort is null group by dimension")
    assert unbanded == []


def test_bands_balance_and_deferral_bands_cover_the_eligible(simulated):
    broken = query(simulated["db"], """
        select dimension, band_label, simulation_year from rpt_workforce_breakdown
        where headcount_start + hires - terminations != headcount_end
           or deferral_band_1_count + deferral_band_2_count + deferral_band_3_count
              + deferral_band_4_count + deferral_band_5_count != eligible_count
           or deferral_band_1_count < eligible_count - participant_count
    """)
    assert broken == []
    promotions = query(simulated["db"], f"""
        select {KEYS}, dimension, sum(promotions) from rpt_workforce_breakdown group by all
    """)
    events = dict(((*row[:4],), row[4]) for row in query(simulated["db"], f"""
        select {KEYS}, count(*) from fct_yearly_events where event_type = 'promotion' group by all
    """))
    assert events and all(row[5] == events.get(tuple(row[:4]), 0) for row in promotions)
