"""Reports read as what each number is: the workbook's cell formats per metric, the pages' axes and figures,
the wide summary tables, the headline, readable provenance, and a report folder per database."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from planalign.paths import DEFAULT_DB, PROJECT_ROOT, reports_root
from planalign.reports import html, units
from planalign.reports.xlsx import write_workbook

ROOT = Path(__file__).resolve().parents[2]
FORMATS = {units.COUNT: "#,##0", units.MONEY: "$#,##0", units.RATE: "0.00%"}
# a difference of two values of a metric: rates in signed percentage points (the pages' "+0.42 pt")
DIFFERENCES = {**FORMATS, units.RATE: "+0.00%;-0.00%;0.00%"}


def test_the_horizon_rules_are_the_scenario_metrics_macros():
    """units.METRICS says which horizon figure is a total and which a value at the start or end: the same rule
    as the macro that computes it, for every metric the macro reports."""
    macro = (ROOT / "macros" / "ops" / "scenario_metrics.sql").read_text()
    rules = dict(re.findall(r"\('(\w+)', '(sum|first|last)'\)", macro))
    assert len(rules) >= 15
    assert {name: units.metric(name).horizon for name in rules} == rules
    assert set(rules) <= set(units.METRICS), "describe every reported metric in units.METRICS"


def test_a_long_form_sheet_formats_each_row_as_its_metric(tmp_path):
    """The defect: one format for the whole value column made headcounts read $7,833.00 and participation
    $0.66. Each row's value cells now take its metric's unit; years and replication counts stay plain."""
    columns = ["period", "metric", "replications", "mean_value", "p10_value", "p90_value"]
    rows = [("2025", "end_headcount", 20, 7833.0, 7800.0, 7850.0),
            ("2025", "participation_rate", 20, 0.66, 0.65, 0.67),
            ("2025", "employer_cost", 20, 1234567.891, 1200000.0, 1300000.0),
            ("horizon", "hires", 20, 5213.0, 5200.0, 5230.0)]
    path = write_workbook(tmp_path / "book.xlsx", [("Bands", columns, rows, ["a note", "another"])])
    sheet = openpyxl.load_workbook(path)["Bands"]
    assert sheet["A1"].value == "a note" and [c.value for c in sheet[4]] == columns
    assert sheet.freeze_panes == "A5"
    for r, row in enumerate(rows, start=5):
        expected = FORMATS[units.metric(row[1]).unit]
        assert [sheet.cell(r, c).number_format for c in (4, 5, 6)] == [expected] * 3, row[1]
        assert sheet.cell(r, 3).number_format == "#,##0"
        assert sheet.cell(r, 4).value == pytest.approx(row[3])


def test_a_wide_sheet_formats_years_plain_and_figures_by_metric(tmp_path):
    columns, rows = units.wide(["period", "metric", "metric_value"], [
        ("2025", "end_headcount", Decimal("100")), ("2026", "end_headcount", Decimal("110")),
        ("horizon", "end_headcount", Decimal("110")), ("2025", "employer_cost", Decimal("10.5")),
        ("2026", "employer_cost", Decimal("20.25")), ("horizon", "employer_cost", Decimal("30.75"))],
        (("metric_value", "value"),))
    path = write_workbook(tmp_path / "wide.xlsx", [("Summary", columns, rows),
                                                   ("Years", ["simulation_year", "hires"], [(2025, 3)])])
    book = openpyxl.load_workbook(path)
    sheet = book["Summary"]
    assert [c.value for c in sheet[1]] == ["label", "metric", "2025", "2026", "horizon", "horizon_is"]
    assert [sheet.cell(2, c).number_format for c in (3, 4, 5)] == ["#,##0"] * 3
    assert [sheet.cell(3, c).number_format for c in (3, 4, 5)] == ["$#,##0"] * 3
    assert sheet.cell(2, 6).value == "at the end of 2026" and sheet.cell(3, 6).value == "total 2025-2026"
    assert book["Years"].cell(2, 1).number_format == "0" and book["Years"].cell(2, 2).number_format == "#,##0"


def test_the_wide_table_holds_every_figure_of_the_long_rows_once():
    long = [(str(year), metric, stat * 10 + year) for year in (2025, 2026, 2027)
            for stat, metric in enumerate(("hires", "participation_rate"))]
    long += [("horizon", "hires", 1), ("horizon", "participation_rate", 2)]
    columns, rows = units.wide(["period", "metric", "v"], long, (("v", "value"),))
    cells = {(row[1], column): value for row in rows for column, value in zip(columns, row, strict=True)
             if column.isdigit() or column == "horizon"}
    assert cells == {(metric, period): value for period, metric, value in long}
    assert [row[-1] for row in rows] == ["total 2025-2027", "at the end of 2027"]


@pytest.mark.parametrize("column, value, signed, text", [
    ("value_rate", -0.00001, True, "0.00 pt"), ("value_rate", 0.118, True, "+11.80 pt"),
    ("value_rate", 0.0021, True, "+0.21 pt"),
    ("value_rate", 0.8204, False, "82.04%"), ("rel_difference", -0.00004, True, "0.0%"),
    ("value_money", -0.3, True, "$0"), ("value_money", -2643211.7, True, "-$2,643,212"),
    ("value_money", 4056451.01, True, "+$4,056,451"), ("value_count", 5688.0, False, "5,688"),
    ("value_count", -0.2, True, "0"), ("abs_difference", -0.001, True, "0.00")])
def test_figures_read_as_what_they_are_and_never_as_minus_zero(column, value, signed, text):
    assert html.fmt(column, value, signed) == text


def _layout(chart: str) -> dict:
    """The layout plotly embedded in a chart's HTML."""
    call = chart[chart.index("Plotly.newPlot("):]
    decoder = json.JSONDecoder()
    start = call.index("[")
    _, end = decoder.raw_decode(call[start:])
    layout, _ = decoder.raw_decode(call[start + end:].lstrip(", "))
    return layout


COMPARISON_COLUMNS = ["replication_set", "period", "metric", "replications", "base_value", "alt_value",
                      "abs_difference", "rel_difference", "base_p10", "base_p90", "alt_p10", "alt_p90",
                      "difference_p10", "difference_p50", "difference_p90"]


def _comparison_rows() -> list[tuple]:
    rows = []
    for year in ("2025", "2026", "horizon"):
        for metric, base, alt in (("end_headcount", 100, 100), ("employer_cost", 1e6, 1.1e6),
                                  ("participation_rate", 0.82, 0.94), ("average_deferral_rate", 0.07, 0.07),
                                  ("employee_contributions", 2e6, 2.5e6), ("net_employer_cost", 9e5, 1e6)):
            rows.append(("monte_carlo", year, metric, 3, base, alt, alt - base, (alt - base) / base, base * 0.99,
                         base * 1.01, alt * 0.99, alt * 1.01, (alt - base) * 0.9, alt - base, (alt - base) * 1.1))
    return rows


def test_comparison_charts_have_units_on_every_axis_and_the_difference_on_its_own_chart():
    """The defects: a headcount axis in $, rates as 0.82, the difference on a second axis over the levels."""
    charts = html.comparison_charts(COMPARISON_COLUMNS, _comparison_rows(), "base/a", "alt/b")
    by_id = {re.search(r'id="([\w-]+)"', chart).group(1): _layout(chart) for chart in charts}
    for name in html.COMPARISON_CHARTS:
        unit = units.metric(name).unit
        for kind in ("compare", "difference"):
            layout = by_id[f"chart-{kind}-{name}"]
            axis = layout["yaxis"]
            assert "yaxis2" not in layout, "no second axis over the levels"
            points = kind == "difference" and unit == units.RATE  # a difference of rates: percentage points
            assert axis["title"]["text"] == (html.POINTS_TITLE if points else units.unit_title(unit)), (kind, name)
            assert (axis.get("tickformat") == "$,.0f") == (unit == units.MONEY), (kind, name)
            assert (axis.get("tickformat") == ".1%") == (unit == units.RATE and not points), (kind, name)
            assert (axis.get("ticksuffix") == " pt") == points, (kind, name)
    difference = by_id["chart-difference-employer_cost"]
    assert "minus" in difference["title"]["text"]


def test_the_comparison_table_labels_totals_and_end_values_and_puts_the_band_beside_the_difference():
    rows = [row for row in _comparison_rows() if row[1] == "horizon"]
    part = html.comparison_table(COMPARISON_COLUMNS, rows, "Over the horizon", ["2025", "2026"])
    assert part["columns"][:6] == ["metric", "figure", "base", "alternative", "difference", "difference P10 to P90"]
    figures = {row[0]: row for row in part["rows"]}
    assert figures["Employer cost, gross (match + core + QNEC)"][1] == "total 2025-2026"
    assert figures["Headcount on Dec 31"][1] == "at the end of 2026"
    assert figures["Participation"][2:5] == ["82.00%", "94.00%", "+12.00 pt"]
    assert figures["Headcount on Dec 31"][2] == "100" and "$" not in figures["Headcount on Dec 31"][4]
    assert figures["Average deferral rate"][4] == "0.00 pt"


def test_the_headline_names_its_figures_and_their_band():
    columns = ["figure", "first_year", "last_year", "replications", "mean_value", "p10_value", "p90_value"]
    rows = [("employer_cost", 2026, 2030, 20, 5.0e6, 4.4e6, 5.6e6),
            ("cost_per_participant_year", 2026, 2030, 20, 3132.4, 3125.0, 3140.0),
            ("cost_share_of_pay", 2026, 2030, 20, 0.0314, 0.0313, 0.0316)]
    figures = html.headline(columns, rows)
    assert [figure["value"] for figure in figures] == ["$5,000,000", "$3,132", "3.14%"]
    assert "total 2026-2030" in figures[0]["label"] and "P10 to P90: $4,400,000 to $5,600,000" in figures[0]["band"]
    single = html.headline(columns, [(*row[:3], 1, *row[4:]) for row in rows])
    assert all(figure["band"] == "" for figure in single)


def test_provenance_shows_tables_and_plain_values_not_raw_json():
    tiers = json.dumps([{"deferral_from": 0.0, "deferral_to": 0.03, "match_rate": 1.0, "tier_number": 1},
                        {"deferral_from": 0.03, "deferral_to": 0.05, "match_rate": 0.5, "tier_number": 2}])
    table = html.readable("match_tiers", tiers)
    assert table["columns"] == ["deferral from", "deferral to", "match rate", "tier number"]
    assert table["rows"] == [["0%", "3%", "100%", "1"], ["3%", "5%", "50%", "2"]]
    assert html.readable("limit_rounding", {"catch_up": 500, "compensation": 5000}) == \
        "catch up: 500; compensation: 5,000"
    assert html.readable("is_auto_enroll", True) == "yes" and html.readable("match_cap_rate", None) == "none"
    assert html.readable("auto_enroll_rate", Decimal("0.060000")) == "6%"


def test_runs_into_different_databases_write_their_reports_to_different_folders(tmp_path):
    """The defect: a run into another database overwrote reports/<scenario>/<design>/report.html."""
    assert reports_root(DEFAULT_DB) == PROJECT_ROOT / "reports"
    one, two = tmp_path / "a" / "acme.duckdb", tmp_path / "b" / "acme.duckdb"
    roots = {reports_root(one), reports_root(two), reports_root(DEFAULT_DB)}
    assert len(roots) == 3
    assert reports_root(one).parent == PROJECT_ROOT / "reports" and reports_root(one).name.startswith("db_acme_")
    assert reports_root(one) == reports_root(one.parent / "." / "acme.duckdb"), "the same file, the same folder"


def test_a_difference_of_rates_is_plotted_in_points_not_percent():
    """The defect: the participation difference chart read "30.0%" on a "percent" axis; 30 points it is."""
    charts = html.comparison_charts(COMPARISON_COLUMNS, _comparison_rows(), "base/a", "alt/b")
    chart = next(chart for chart in charts if 'id="chart-difference-participation_rate"' in chart)
    call = chart[chart.index("Plotly.newPlot("):]
    data, _ = json.JSONDecoder().raw_decode(call[call.index("["):])
    mean = next(trace for trace in data if trace["name"] == "difference mean")
    assert mean["y"] == pytest.approx([12.0, 12.0]), "0.94 - 0.82 as 12 points"


def test_a_long_form_sheet_formats_differences_of_rates_in_points(tmp_path):
    """The defect: a participation difference of 0.0042 read 0.4% (and a small one 0.0%); it reads +0.42% now,
    two decimals of a percentage point, and the levels 81.36%, as the pages show them."""
    columns = ["period", "metric", "base_value", "alt_value", "abs_difference", "rel_difference", "difference_p10",
               "difference_p90"]
    rows = [("horizon", "participation_rate", 0.8136, 0.8178, 0.0042, 0.0052, 0.0031, 0.0055),
            ("horizon", "net_employer_cost", 1e6, 1.1e6, 1e5, 0.1, 9e4, 1.1e5),
            ("horizon", "end_headcount", 900, 910, 10, 0.011, 8, 12)]
    path = write_workbook(tmp_path / "book.xlsx", [("Comparison", columns, rows)])
    sheet = openpyxl.load_workbook(path)["Comparison"]
    for r, row in enumerate(rows, start=2):
        unit = units.metric(row[1]).unit
        formats = [sheet.cell(r, c).number_format for c in range(3, 9)]
        assert formats == [FORMATS[unit], FORMATS[unit], DIFFERENCES[unit], "0.0%", DIFFERENCES[unit],
                           DIFFERENCES[unit]], row[1]
        assert sheet.cell(r, 5).value == pytest.approx(row[4]), "the value stays the CSV's fraction"


def test_provenance_reads_raises_and_shifts_and_ranges_low_to_high():
    """The defects: promotion_increase 0.087 and pay_band_increase 0.025 as raw fractions beside 4% and 5%; the
    enrollment behaviour table with max age before min age; parameter_uncertainty's ranges as raw dicts."""
    assert html.readable("promotion_increase", 0.087) == "8.7%"
    assert html.readable("pay_band_increase", 0.025) == "2.5%"
    assert html.readable("opt_out_shift", -0.05) == "-5 pt" and html.readable("pay_growth_shift", 0.005) == "+0.5 pt"
    behaviour = json.dumps([{"max_age": 25, "min_age": 0, "opt_out_rate": 0.2, "voluntary_enrollment_rate": 0.05}])
    assert html.readable("enrollment_behavior", behaviour)["columns"] == [
        "min age", "max age", "opt out rate", "voluntary enrollment rate"]
    drawn = {"total_termination_rate": {"low": 0.1, "central": 0.12, "high": 0.14},
             "opt_out_shift": {"low": -0.05, "central": 0.0, "high": 0.05}}
    assert html.readable("parameter_uncertainty", drawn) == (
        "total termination rate: low 10%, central 12%, high 14%; opt out shift: low -5 pt, central +0 pt, high +5 pt")


def test_the_headline_gives_the_difference_to_its_bands_precision():
    """The defect: "costs $2.4M more ... (P10-P90 of the difference $2.29M to $2.50M)": the figure to one place in
    millions, its band to two. Every money_words() of the headline (the figure and both ends of its band) is
    rendered here with the model's own arguments and run in DuckDB on $2,391,723.26."""
    import duckdb
    import jinja2

    macro = (ROOT / "macros" / "reports" / "discount_rates.sql").read_text()
    macro = macro[macro.index("{% macro money_words"):]
    model = (ROOT / "models" / "reports" / "rpt_decision_summary.sql").read_text()
    headline = model[model.index("headlines as ("):]
    calls = re.findall(r"\{\{ (money_words\([^}]*\)) \}\}", headline)
    assert len(calls) == 4, calls  # more, less, and the two ends of the band

    class Dbt:
        @staticmethod
        def type_string() -> str:
            return "varchar"

    texts = set()
    for call in calls:
        argument = re.match(r"money_words\('(-?)(\w+)'", call)
        expression = call.replace(f"'{argument.group(1)}{argument.group(2)}'", "'x'", 1)
        sql = jinja2.Environment().from_string(macro + "{{ " + expression + " }}").render(dbt=Dbt)
        texts.add(duckdb.connect().execute(f"select {sql} from (select 2391723.26 as x)").fetchone()[0])
    assert texts == {"$2.39M"}


def test_a_header_breaks_after_an_underscore_and_stays_escaped():
    """The defect: design names in the decision summary's headers broke mid-word ("qaca_swi / tch")."""
    breakable = html.TEMPLATES.filters["breakable"]
    assert str(breakable("qaca_switch <b>")) == "qaca_<wbr>switch &lt;b&gt;"


def test_a_wide_tables_labels_wrap_so_its_last_columns_fit_the_page():
    """The defect: the run report's Monte Carlo table (labels up to 55 characters, never wrapped) ran past the
    page, its last column 'horizon figure is' cut to 'at the' behind a horizontal scroll."""
    head = html.TEMPLATES.get_template("_head.html.j2").render(plotly_js="")
    rule = re.search(r'table\.data td\[data-column="label"\][^{]*\{([^}]*)\}', head)
    assert rule and "white-space: normal" in rule.group(1)
