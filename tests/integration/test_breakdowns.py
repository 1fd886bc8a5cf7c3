"""rpt_workforce_breakdown: every dimension adds up exactly to the year totals of rpt_year_audit,
and within every band start + hires - terminations = end."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import duckdb
import pytest

from conftest import END, START, query
from planalign.dbt.runner import run_dbt
from planalign.engine.config import resolve
from planalign.keys import RunKey
from planalign.reports import html as report_html
from planalign.store import db as planalign_db

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


# report_deferral_bands with its top band (10%+) split in two: a sixth band
SIX_DEFERRAL_BANDS = [("0%", 1, 0, 0.0001), ("1-3%", 2, 0.0001, 0.03), ("3-6%", 3, 0.03, 0.06),
                      ("6-10%", 4, 0.06, 0.10), ("10-12%", 5, 0.10, 0.12), ("12%+", 6, 0.12, 1.01)]


@pytest.fixture(scope="module")
def six_bands(simulated, tmp_path_factory) -> Path:
    """A copy of the fixture run whose report_deferral_bands seed holds six bands, the breakdown rebuilt by dbt."""
    db = tmp_path_factory.mktemp("six_bands") / "six_bands.duckdb"
    shutil.copyfile(simulated["db"], db)
    with duckdb.connect(str(db)) as con:
        con.execute("delete from report_deferral_bands")
        con.executemany("insert into report_deferral_bands values (?, ?, ?, ?)", SIX_DEFERRAL_BANDS)
    run = run_dbt(["run", "--select", "rpt_workforce_breakdown"], resolve(simulated["scenario"]).dbt_vars(),
                  year=END, run_id=f"test-{uuid.uuid4().hex[:12]}", database=db)
    assert run.returncode == 0, run.output[-4000:]
    return db


def test_a_sixth_deferral_band_is_a_sixth_column_and_no_one_is_dropped(six_bands):
    columns = [row[0] for row in query(six_bands, "describe rpt_workforce_breakdown")]
    assert [name for name in columns if name.startswith("deferral_band_")] == \
        [f"deferral_band_{n}_count" for n in range(1, 7)]
    counts = " + ".join(f"deferral_band_{n}_count" for n in range(1, 7))
    assert query(six_bands, f"""
        select dimension, band_label, simulation_year from rpt_workforce_breakdown where {counts} != eligible_count
    """) == []
    in_sixth = query(six_bands, "select simulation_year, sum(deferral_band_6_count) from rpt_workforce_breakdown "
                                "where dimension = 'job_level' group by 1 order by 1")
    assert [year for year, _ in in_sixth] == list(range(START, END + 1)) and all(n > 0 for _, n in in_sixth)
    # the run report's deferral chart has the sixth band too
    with planalign_db.read_only(six_bands) as con:
        distribution = planalign_db.report_plan_distribution(con, RunKey("fixture", "baseline"))
        labels = planalign_db.deferral_band_labels(con)
    assert "deferral_band_6_count" in distribution[0] and labels[6] == "12%+"
    assert '"12%+"' in report_html.plan_distribution_charts(*distribution, labels)[0]
