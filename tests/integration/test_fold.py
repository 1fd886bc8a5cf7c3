"""Folding every event forward from the staged census reproduces every year's snapshot."""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections import defaultdict
from decimal import Decimal

from conftest import ROOT, query

COLUMNS = ("employee_id", "employment_status", "hire_date", "termination_date", "termination_reason",
           "job_level", "annual_compensation", "prorated_compensation", "age", "tenure_years", "is_new_hire")


def _years(start: dt.date, end: dt.date) -> float:
    return (end - start).days / 365.25


def _round2(value: float) -> Decimal:
    return Decimal(math.floor(value * 100 + 0.5)) / 100


def fold(db, scenario_id: str) -> dict[int, dict[str, dict]]:
    bands = list(csv.DictReader((ROOT / "seeds" / "job_levels.csv").open()))
    people = {}
    for employee_id, birth, hire, pay, level in query(db, """
            select employee_id, birth_date, hire_date, annual_compensation, job_level
            from stg_census__employees"""):
        if level is None:
            level = max(int(b["job_level"]) for b in bands if Decimal(b["min_compensation"]) <= pay)
        people[employee_id] = {"birth": birth, "hire": hire, "pay": pay, "level": level,
                               "termination": None, "reason": None}
    events = defaultdict(list)
    for row in query(db, """
            select simulation_year, employee_id, event_type, effective_date, compensation_after,
                   job_level_after, reason, birth_date
            from fct_yearly_events where scenario_id = ? order by simulation_year, employee_id, event_sequence""",
                     [scenario_id]):
        events[row[0]].append(row[1:])
    snapshots = {}
    for year in sorted(events):
        jan1, dec31 = dt.date(year, 1, 1), dt.date(year, 12, 31)
        days_in_year = (dec31 - jan1).days + 1
        actives = {e: p for e, p in people.items() if p["termination"] is None}
        state = {e: dict(p, new=False, changes=[(jan1, p["pay"])]) for e, p in actives.items()}
        for employee_id, kind, date, pay, level, reason, birth in events[year]:
            if kind == "hire":
                state[employee_id] = {"birth": birth, "hire": date, "pay": pay, "level": level,
                                      "termination": None, "reason": None, "new": True, "changes": [(date, pay)]}
                continue
            person = state[employee_id]
            if kind in ("promotion", "raise"):
                person["pay"], person["level"] = pay, level
                person["changes"].append((date, pay))
            elif kind == "termination":
                person["termination"], person["reason"] = date, reason
        snapshot = {}
        for employee_id, p in state.items():
            span_end = p["termination"] or dec31
            total = Decimal(0)
            changes = p["changes"]
            for i, (start, pay) in enumerate(changes):
                stop = changes[i + 1][0] if i + 1 < len(changes) else span_end + dt.timedelta(days=1)
                stop = min(stop, span_end + dt.timedelta(days=1))
                total += pay * max(0, (stop - max(start, p["hire"], jan1)).days)
            at = p["termination"] or dec31
            snapshot[employee_id] = {
                "employee_id": employee_id,
                "employment_status": "terminated" if p["termination"] else "active",
                "hire_date": p["hire"], "termination_date": p["termination"],
                "termination_reason": p["reason"], "job_level": p["level"], "annual_compensation": p["pay"],
                "prorated_compensation": _round2(float(total) / days_in_year),
                "age": _round2(_years(p["birth"], at)), "tenure_years": _round2(_years(p["hire"], at)),
                "is_new_hire": p["new"],
            }
            people[employee_id] = {k: p[k] for k in ("birth", "hire", "pay", "level", "termination", "reason")}
        snapshots[year] = snapshot
    return snapshots


def test_fold_of_events_reproduces_every_snapshot(simulated):
    db = simulated["db"]
    folded = fold(db, "fixture")
    assert sorted(folded) == [2025, 2026, 2027]
    cents = Decimal("0.01")
    for year, expected in folded.items():
        actual = {row[0]: dict(zip(COLUMNS, row, strict=True)) for row in query(
            db, f"select {', '.join(COLUMNS)} from fct_workforce_snapshot "
                "where scenario_id = 'fixture' and simulation_year = ?", [year])}
        assert actual.keys() == expected.keys(), year
        for employee_id, row in actual.items():
            want = expected[employee_id]
            for column in COLUMNS:
                got, exp = row[column], want[column]
                if column in ("prorated_compensation", "age", "tenure_years"):
                    # the SQL divides in double precision; a half-cent can round either way
                    assert abs(Decimal(got) - exp) <= cents, (year, employee_id, column, got, exp)
                else:
                    assert got == exp, (year, employee_id, column, got, exp)
