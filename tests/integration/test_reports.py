"""Reports people read: the HTML report in a real (headless) browser with no network, the workbook."""

from __future__ import annotations

import re

import openpyxl
import pytest

from conftest import END, ROOT, START, console_errors, query, render_in_chromium, reports_of, run_planalign
from planalign.reports import units

FORMATS = {units.COUNT: "#,##0", units.MONEY: "$#,##0", units.RATE: "0.00%"}

SCREENSHOTS = ROOT / "artifacts" / "screenshots"


def test_the_run_report_draws_its_charts_offline_and_its_table_matches_the_database(simulated):
    page = reports_of(simulated["db"]) / "fixture" / "baseline" / "report.html"
    assert page.exists(), "every run writes its report"
    html = page.read_text()
    assert page.stat().st_size < 10 * 2**20
    assert not re.search(r"<script[^>]+src=", html), "self-contained: no external script"
    assert "cdn." not in html.split("<body>")[1]
    dom, log = render_in_chromium(page, SCREENSHOTS / "run_report.png")
    assert console_errors(log) == [], console_errors(log)
    assert dom.count('class="main-svg"') >= 6 * 2, "every chart drew (plotly makes two svg layers a chart)"
    assert dom.count("js-plotly-plot") >= 6
    assert "Deferral-rate distribution" in dom and "402(g) deferral limit" in dom
    expected = dict(query(simulated["db"], "select simulation_year, end_headcount from rpt_year_audit "
                                           "where scenario_id = 'fixture' and replication_id = 0"))
    row = re.search(r'data-column="label">Headcount on Dec 31</td>(.*?)</tr>', dom).group(1)
    cells = dict(re.findall(r'data-column="(\d{4})">([\d,]+)</td>', row))
    assert {int(year): int(end.replace(",", "")) for year, end in cells.items()} == expected
    assert set(expected) == set(range(START, END + 1))
    assert f"at the end of {END}" in row
    for section in ("Census reconciliation", "Tripwires", "Provenance", "config hash", "census sha256",
                    "design: match tiers", "dbt-core"):
        assert section in dom, section
    assert (SCREENSHOTS / "run_report.png").stat().st_size > 10_000


def test_the_run_report_has_a_headline_no_empty_panel_and_readable_provenance(simulated):
    """The headline against a recomputation in plain Python from the audit lines; the design has no core, so
    no core series; the provenance names the user's census and shows the match tiers as a table, not JSON."""
    html = (reports_of(simulated["db"]) / "fixture" / "baseline" / "report.html").read_text()
    audit = query(simulated["db"], "select employer_cost, participant_count, total_prorated_compensation, "
                                   "forfeitures from rpt_year_audit where scenario_id = 'fixture' "
                                   "and replication_id = 0 order by simulation_year")
    cost = sum(float(row[0]) for row in audit)
    # net: each year's cost less last year's forfeitures (the designs reduce employer contributions with them)
    net = cost - sum(min(float(before[3]), float(row[0])) for before, row in zip(audit, audit[1:], strict=False))
    per_participant = cost / sum(row[1] for row in audit)
    share = cost / sum(float(row[2]) for row in audit)
    figures = re.findall(r'<div class="value">([^<]+)</div><div class="what">([^<]+)</div>', html)
    assert figures == [(f"${cost:,.0f}", f"employer cost, gross (match + core + QNEC), total {START}-{END}"),
                       (f"${net:,.0f}", f"employer cost net of the forfeitures used, total {START}-{END}"),
                       (f"${per_participant:,.0f}", "gross employer cost per participant per year"),
                       (f"{share * 100:.2f}%", "gross employer cost as a share of pay")]
    assert query(simulated["db"], "select sum(employer_core) from rpt_year_audit where scenario_id = 'fixture'") \
        == [(0,)]
    assert '"name":"core"' not in html, "no empty core series for a design without core"
    provenance = html.split("<h2>Provenance</h2>", 1)[1]
    assert f"<dt>census file</dt><dd>{simulated['census'].name}</dd>" in provenance
    assert '[{"' not in provenance and "{'" not in provenance, "no raw JSON or Python reprs"
    assert '<th>deferral from</th>' in provenance and "<td class=\"num\">100%</td>" in provenance


def test_the_workbook_formats_every_figure_as_what_it_is(simulated):
    """Summary as a wide table (metrics x years, then the horizon and what it is), each row formatted in its
    metric's unit, read back with openpyxl; the figures equal rpt_scenario_metrics'."""
    run_planalign("export", "--scenario", str(simulated["scenario"]), "--format", "xlsx", db=simulated["db"])
    book = openpyxl.load_workbook(reports_of(simulated["db"]) / "fixture" / "baseline" / "workbook.xlsx")
    sheet = book["Summary"]
    header = [cell.value for cell in sheet[4]]
    years = [str(year) for year in range(START, END + 1)]
    assert header == ["label", "metric", *years, "horizon", "horizon_is"] and sheet.freeze_panes == "A5"
    stored = {(metric, period): float(value) for metric, period, value in query(
        simulated["db"], "select metric, period, metric_value from rpt_scenario_metrics "
                         "where scenario_id = 'fixture' and replication_id = 0")}
    seen = set()
    for row in sheet.iter_rows(min_row=5):
        metric = row[1].value
        seen.add(metric)
        described = units.metric(metric)
        for cell, period in zip(row[2:-1], [*years, "horizon"], strict=True):
            assert cell.number_format == FORMATS[described.unit], (metric, period, cell.number_format)
            assert cell.value == pytest.approx(stored[(metric, period)]), (metric, period)
        assert row[-1].value == units.horizon_label(metric, START, END)
    assert {"end_headcount", "participation_rate", "employer_cost", "hires"} <= seen
    audit = book["Audit by year"]
    audit_header = [cell.value for cell in audit[1]]
    for column, number_format in (("simulation_year", "0"), ("end_headcount", "#,##0"),
                                  ("employer_match", "$#,##0"), ("participation_rate", "0.0%")):
        assert audit.cell(row=2, column=audit_header.index(column) + 1).number_format == number_format, column


def test_the_workbook_has_its_sheets_with_real_formats_and_the_database_numbers(simulated):
    result = run_planalign("export", "--scenario", str(simulated["scenario"]), "--format", "xlsx",
                           db=simulated["db"])
    path = reports_of(simulated["db"]) / "fixture" / "baseline" / "workbook.xlsx"
    assert "workbook.xlsx" in result.stdout and path.exists()
    book = openpyxl.load_workbook(path)
    assert {"Summary", "Audit by year", "IRS limits", "Census reconciliation", "Census rejects", "Provenance"} <= \
        set(book.sheetnames)
    summary = book["Audit by year"]
    header = [cell.value for cell in summary[1]]
    assert summary.freeze_panes == "A2"
    match = header.index("employer_match") + 1
    first = summary.cell(row=2, column=match)
    db_match = query(simulated["db"], "select employer_match from rpt_year_audit where scenario_id = 'fixture' "
                                      "and replication_id = 0 and simulation_year = ?", [START])[0][0]
    assert round(first.value, 2) == float(db_match) and "$" in first.number_format
    rate = summary.cell(row=2, column=header.index("participation_rate") + 1)
    assert "%" in rate.number_format
    limits = book["IRS limits"]
    assert limits.cell(row=2, column=1).value == START
    rejects = book["Census rejects"]
    assert rejects.max_row - 1 == query(simulated["db"], "select count(*) from stg_census__rejects "
                                                         "where scenario_id = 'fixture'")[0][0]
    provenance = {row[0].value: row[1].value for row in book["Provenance"].iter_rows(min_row=2)}
    assert provenance["config_hash"] and provenance["census_sha256"] and provenance["plan_design_id"] == "baseline"
    run_planalign("export", "--scenario", str(simulated["scenario"]), "--format", "parquet", db=simulated["db"])
    events = reports_of(simulated["db"]) / "fixture" / "baseline" / "fct_yearly_events.parquet"
    assert query(simulated["db"], f"select count(*) from read_parquet('{events}')") == \
        query(simulated["db"], "select count(*) from fct_yearly_events where scenario_id = 'fixture'")
