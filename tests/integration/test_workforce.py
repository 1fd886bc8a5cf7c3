"""Workforce invariants on the three-year fixture run: exact growth, accounting, event rules."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

from conftest import END, START, query


def round_half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def test_every_year_ends_exactly_on_the_growth_target(simulated):
    db = simulated["db"]
    rows = query(db, """
        select simulation_year,
               count(*) filter (where not is_new_hire) as start_headcount,
               count(*) filter (where employment_status = 'active') as end_headcount
        from fct_workforce_snapshot where scenario_id = 'fixture'
        group by 1 order by 1""")
    assert [r[0] for r in rows] == list(range(START, END + 1))
    previous_end = None
    for year, start, end in rows:
        assert end == round_half_up(Decimal(start) * Decimal("1.03")), year
        if previous_end is not None:
            assert start == previous_end, f"{year} does not start from {year - 1}'s end"
        previous_end = end


def test_hires_and_terminations_follow_the_documented_arithmetic(simulated):
    rows = query(simulated["db"], """
        select p.simulation_year, p.start_headcount,
               count(*) filter (where e.reason = 'experienced_hazard'),
               count(*) filter (where e.event_type = 'hire'),
               count(*) filter (where e.reason = 'new_hire_hazard')
        from fct_headcount_plan p
        join fct_yearly_events e using (scenario_id, plan_design_id, simulation_year)
        where p.scenario_id = 'fixture' group by 1, 2 order by 1""")
    for year, n, experienced, hires, new_hire_terms in rows:
        terms = round_half_up(Decimal(n) * Decimal("0.12"))
        target = round_half_up(Decimal(n) * Decimal("1.03"))
        net = target - (n - terms)
        expected_hires = math.ceil(Decimal(net) / Decimal("0.75")) if net > 0 else 0
        assert experienced == terms, year
        assert hires == expected_hires > 0, year
        assert new_hire_terms == hires - net, year


def test_no_event_after_termination_and_none_before_hire(simulated):
    late = query(simulated["db"], """
        with t as (select employee_id, simulation_year, effective_date, event_sequence
                   from fct_yearly_events where event_type = 'termination')
        select count(*) from fct_yearly_events e join t using (employee_id)
        where e.simulation_year > t.simulation_year
           or (e.simulation_year = t.simulation_year
               and (e.effective_date > t.effective_date or e.event_sequence > t.event_sequence))""")
    assert late == [(0,)]
    early = query(simulated["db"], """
        select count(*) from fct_workforce_snapshot
        where termination_date < hire_date
           or (is_new_hire and hire_date < make_date(simulation_year, 1, 1))""")
    assert early == [(0,)]
    new_hire_terms = query(simulated["db"], """
        select count(*) from fct_yearly_events t join fct_yearly_events h using (employee_id, simulation_year)
        where t.reason = 'new_hire_hazard' and h.event_type = 'hire'
          and not (t.effective_date > h.effective_date
                   and t.effective_date <= make_date(t.simulation_year, 12, 31))""")
    assert new_hire_terms == [(0,)]


def test_merit_only_for_those_employed_on_the_raise_date(simulated):
    wrong = query(simulated["db"], """
        select count(*) from fct_yearly_events r
        join fct_workforce_snapshot s using (scenario_id, plan_design_id, simulation_year, employee_id)
        where r.event_type = 'raise'
          and (s.is_new_hire or (s.termination_date is not null and s.termination_date <= r.effective_date))""")
    assert wrong == [(0,)]
    raised = query(simulated["db"], """
        select count(*) from fct_workforce_snapshot s
        where not s.is_new_hire
          and (s.termination_date is null or s.termination_date > make_date(s.simulation_year, 4, 1))
          and not exists (select 1 from fct_yearly_events r where r.event_type = 'raise'
                          and r.employee_id = s.employee_id and r.simulation_year = s.simulation_year)""")
    assert raised == [(0,)]


def test_promotions_respect_bands_and_eligibility(simulated):
    bad = query(simulated["db"], """
        select count(*) from fct_yearly_events e
        join read_csv('seeds/job_levels.csv') l on l.job_level = e.job_level_after
        join fct_workforce_snapshot s using (scenario_id, plan_design_id, simulation_year, employee_id)
        where e.event_type = 'promotion'
          and (e.compensation_after < l.min_compensation or e.compensation_after > l.max_compensation
               or e.job_level_after <> e.job_level_before + 1
               or datediff('day', s.hire_date, e.effective_date) / 365.25 < 1)""")
    assert bad == [(0,)]
    assert query(simulated["db"], "select count(*) from fct_yearly_events where event_type = 'promotion'")[0][0] > 0


def test_audit_lines_and_summary_are_printed(simulated):
    out = simulated["output"]
    for year in range(START, END + 1):
        assert f"\n{year} " in out
    assert "+3.0" in out
    assert "rejected:" in out and "stg_census__rejects" in out
