"""Reports people read: the HTML report in a real (headless) browser with no network, the workbook."""

from __future__ import annotations

import re

import openpyxl

from conftest import END, ROOT, START, console_errors, query, render_in_chromium, run_planalign

SCREENSHOTS = ROOT / "artifacts" / "screenshots"


def test_the_run_report_draws_its_charts_offline_and_its_table_matches_the_database(simulated):
    page = ROOT / "reports" / "fixture" / "baseline" / "report.html"
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
    cells = re.findall(r'<tr><td class="num" data-column="simulation_year">(\d+)</td>.*?'
                       r'data-column="end_headcount">([\d,]+)</td>', dom)
    assert {int(year): int(end.replace(",", "")) for year, end in cells} == expected
    assert set(expected) == set(range(START, END + 1))
    for section in ("Census reconciliation", "Tripwires", "Provenance", "config hash", "census_sha256",
                    "dbt-core", "design: match_tiers"):
        assert section in dom, section
    assert (SCREENSHOTS / "run_report.png").stat().st_size > 10_000


def test_the_workbook_has_its_sheets_with_real_formats_and_the_database_numbers(simulated):
    result = run_planalign("export", "--scenario", str(simulated["scenario"]), "--format", "xlsx",
                           db=simulated["db"])
    path = ROOT / "reports" / "fixture" / "baseline" / "workbook.xlsx"
    assert "workbook.xlsx" in result.stdout and path.exists()
    book = openpyxl.load_workbook(path)
    assert {"Summary by year", "IRS limits", "Census reconciliation", "Census rejects", "Provenance"} <= \
        set(book.sheetnames)
    summary = book["Summary by year"]
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
    events = ROOT / "reports" / "fixture" / "baseline" / "fct_yearly_events.parquet"
    assert query(simulated["db"], f"select count(*) from read_parquet('{events}')") == \
        query(simulated["db"], "select count(*) from fct_yearly_events where scenario_id = 'fixture'")
