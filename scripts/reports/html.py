"""HTML reports that open from the file system with no network: Plotly (its JavaScript embedded once)
for the charts, a Jinja2 template for the page. Every number comes from an rpt_ model through
scripts/store/db.py; this module only arranges and formats them.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
from importlib import metadata
from pathlib import Path
from typing import Any

import jinja2
import markupsafe
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from planalign.engine import uncertainty
from planalign.keys import MONTE_CARLO, RunKey
from planalign.reports import units
from planalign.store import db

TEMPLATES = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
                               autoescape=jinja2.select_autoescape(["html", "j2"]))
# a header that may break after an underscore, never inside a word: "qaca_switch" breaks as "qaca_ / switch",
# not "qaca_swi / tch" (the text escaped first, then the break opportunities added)
TEMPLATES.filters["breakable"] = lambda text: markupsafe.Markup(str(markupsafe.escape(text)).replace("_", "_<wbr>"))
PACKAGES = ("planalign", "dbt-core", "dbt-duckdb", "duckdb", "plotly", "Jinja2", "XlsxWriter")
MONEY = {"employee_contributions", "employer_match", "employer_core", "employer_cost", "forfeitures",
         "gross_employer_cost", "forfeitures_used", "net_employer_cost", "active_balances", "average_compensation",
         "total_prorated_compensation",
         "elective_deferral_limit", "catch_up_limit", "super_catch_up_limit", "annual_additions_limit",
         "compensation_limit", "excess_total", "recharacterized_total", "refund_total", "forfeited_total",
         "qnec_cost", "applied_employer_cost", "refund_mean", "qnec_cost_mean",
         "base_employer_contributions", "alt_employer_contributions", "mean_change", "p10_change", "p90_change",
         "mean_gain", "mean_loss"}
BASE_COLOR, ALT_COLOR, DIFFERENCE_COLOR = "#1f5f8b", "#c0392b", "#d68910"


def _unsigned_zero(text: str) -> str:
    """A figure that rounds to zero reads as zero: '0.0%', not '-0.0%' (a tiny negative) or '+0.0%'."""
    return text[1:] if text[:1] in "+-" and not any(ch in "123456789" for ch in text) else text


def fmt(column: str, value: Any, signed: bool = False) -> str:
    """A cell as a plan sponsor reads it: money with separators, rates as percentages, counts whole; signed
    (a difference) with its + or -, and never '-0.00'."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    sign = "+" if signed else ""
    if column == "value_rate" and signed:  # a difference of two rates: percentage points to 0.01, as the workbook
        text = f"{float(value) * 100:+,.2f} pt"
    elif column.endswith("_rate") or column in {"growth_rate", "participation_rate", "rel_difference"}:
        text = f"{float(value) * 100:{sign},.{1 if signed else 2}f}%"
    elif column == "value_count":
        text = f"{float(value):{sign},.0f}"
    elif column == "value_money":
        text = f"{'-' if float(value) < 0 else sign}${abs(float(value)):,.0f}"
    elif column in MONEY or column.endswith(("_value", "_difference", "_p10", "_p50", "_p90")):
        text = f"{float(value):{sign},.2f}"
    elif isinstance(value, float):
        text = f"{value:,.2f}"
    elif isinstance(value, int) and column != "simulation_year" and not column.endswith("year"):
        text = f"{value:,}"
    else:
        return str(value)
    return _unsigned_zero(text)


def table(columns: list[str], rows: list[tuple], title: str = "") -> dict[str, Any]:
    return {"title": title, "columns": columns,
            "rows": [[fmt(column, value) for column, value in zip(columns, row, strict=True)] for row in rows],
            "numeric": [isinstance(rows[0][i], int | float) or columns[i] in MONEY if rows else False
                        for i in range(len(columns))]}


# The Compliance section: readable headers, and the single run's tests in three tables narrow enough to read and
# print without scrolling (ADP/ACP figures, coverage figures, top-heavy figures), each row naming its rule.
COMPLIANCE_LABELS = {
    "simulation_year": "year", "test_name": "test", "result": "result", "hce_count": "HCEs", "nhce_count": "NHCEs",
    "hce_average": "HCE average", "nhce_average": "NHCE average", "test_limit": "limit", "margin": "margin",
    "nhce_average_needed": "NHCE average needed", "hce_benefiting": "HCEs benefiting",
    "nhce_benefiting": "NHCEs benefiting", "ratio_percentage": "ratio percentage", "reason": "reason",
    "rule": "rule", "replications": "replications", "failed": "failed", "fail_share": "failed share",
    "results": "results", "median_margin": "median margin", "determination_date": "determination date",
    "key_balance_share": "key share", "top_heavy_threshold": "threshold",
    "key_balance_amount": "key balances", "total_balance_amount": "all balances",
    "former_key_employees": "former keys left out", "former_key_balance_amount": "their balances",
    "minimum_contribution_rate": "minimum rate", "minimum_contribution_employees": "people given it",
    "minimum_contribution_amount": "minimum cost"}
COMPLIANCE_NUMERIC = {"simulation_year", "hce_count", "nhce_count", "hce_average", "nhce_average", "test_limit",
                      "margin", "nhce_average_needed", "hce_benefiting", "nhce_benefiting", "ratio_percentage",
                      "replications", "failed", "fail_share", "median_margin", "key_balance_share",
                      "top_heavy_threshold", "key_balance_amount", "total_balance_amount",
                      "former_key_employees", "former_key_balance_amount", "minimum_contribution_rate",
                      "minimum_contribution_employees", "minimum_contribution_amount"}
# (title, which tests: 'ratio' adp/acp, 'coverage' coverage_*, 'top_heavy', None all; columns)
COMPLIANCE_TABLES = (
    ("ADP and ACP", "ratio", ("simulation_year", "test_name", "result", "hce_count", "nhce_count", "hce_average",
                              "nhce_average", "test_limit", "margin", "nhce_average_needed", "reason", "rule")),
    ("Coverage, ratio percentage test", "coverage", ("simulation_year", "test_name", "result", "hce_benefiting",
                                                     "nhce_benefiting", "ratio_percentage", "reason", "rule")),
    ("Top-heavy test, IRC §416(g) and §416(c)(2): the key employees' share of the balances on Dec 31 of the prior "
     "year above 60% (fail: top-heavy, the minimum contribution is owed)",
     "top_heavy", ("simulation_year", "result", "key_balance_share", "key_balance_amount", "total_balance_amount",
                   "former_key_employees", "former_key_balance_amount", "minimum_contribution_rate",
                   "minimum_contribution_employees", "minimum_contribution_amount", "reason")))


def _test_kind(test_name: str) -> str:
    return "coverage" if test_name.startswith("coverage") else "top_heavy" if test_name == "top_heavy" else "ratio"


def compliance_tables(columns: list[str], rows: list[tuple], monte_carlo: bool) -> list[dict[str, Any]]:
    """The tables of the Compliance section: one for a Monte Carlo set (failures per year and test; for top_heavy,
    the replications that were top-heavy), three for a single run (ADP/ACP, coverage, top-heavy)."""
    if not rows:
        return []
    groups = [("", None, tuple(columns))] if monte_carlo else COMPLIANCE_TABLES
    tables = []
    for title, kind, names in groups:
        kept = [row for row in rows if kind is None or _test_kind(str(row[columns.index("test_name")])) == kind]
        if not kept:
            continue
        index = [columns.index(name) for name in names]
        part = table(list(names), [tuple(row[i] for i in index) for row in kept], title)
        part["labels"] = [COMPLIANCE_LABELS.get(name, name) for name in names]
        part["numeric"] = [name in COMPLIANCE_NUMERIC for name in names]
        tables.append(part)
    return tables


# The corrections of the failed ADP/ACP tests: what each costs, and what the design applies.
CORRECTION_LABELS = {
    "simulation_year": "year", "test_name": "test", "excess_total": "excess", "hces_refunded": "HCEs refunded",
    "recharacterized_total": "kept as catch-up", "refund_total": "refunded", "forfeited_total": "forfeited",
    "qnec_rate": "QNEC rate", "qnec_nhces": "NHCEs given a QNEC", "qnec_cost": "QNEC cost",
    "correction_applied": "applied", "applied_employer_cost": "employer cost", "replications": "replications",
    "failed": "failed", "refund_mean": "refunded, mean", "qnec_cost_mean": "QNEC cost, mean",
    "qnec_cost_p10": "QNEC cost, P10", "qnec_cost_p90": "QNEC cost, P90", "setting": "ndt_correction"}


def corrections_table(columns: list[str], rows: list[tuple]) -> dict[str, Any] | None:
    """The table of the corrections of failed ADP/ACP tests; None when no test failed."""
    if not rows:
        return None
    part = table(columns, rows)
    part["labels"] = [CORRECTION_LABELS.get(name, name) for name in columns]
    part["numeric"] = [name not in {"test_name", "correction_applied", "setting"} for name in columns]
    return part


def _figure(title: str, yaxis: str, percent: bool = False) -> go.Figure:
    figure = go.Figure()
    figure.update_layout(title=title, template="plotly_white", height=380, autosize=True,
                         margin={"l": 60, "r": 20, "t": 50, "b": 40},
                         legend={"orientation": "h", "y": -0.15}, yaxis_title=yaxis, modebar={"orientation": "v"},
                         xaxis={"dtick": 1, "title": "year"})
    if percent:
        figure.update_yaxes(tickformat=".1%")
    else:
        figure.update_yaxes(tickformat=",.0f")
    return figure


def _html(figure: go.Figure, name: str) -> str:
    return figure.to_html(full_html=False, include_plotlyjs=False, div_id=name,
                          config={"displaylogo": False, "responsive": True})


figure_html = _html  # for the other report modules (sensitivity)


def _column(columns: list[str], rows: list[tuple], name: str) -> list[Any]:
    index = columns.index(name)
    return [float(row[index]) if row[index] is not None else None for row in rows]


def single_run_charts(columns: list[str], rows: list[tuple]) -> list[str]:
    years = _column(columns, rows, "simulation_year")
    terms = [sum(v or 0 for v in values) for values in zip(
        *(_column(columns, rows, c) for c in ("experienced_terminations", "reduction_in_force_terminations",
                                              "new_hire_terminations")), strict=True)]
    flow = _figure("Headcount flow: start, terminations, hires, end", "employees")
    flow.add_bar(x=years, y=_column(columns, rows, "start_headcount"), name="start (Jan 1)", marker_color="#7f8c8d")
    flow.add_bar(x=years, y=[-t for t in terms], name="terminations", marker_color=ALT_COLOR)
    flow.add_bar(x=years, y=_column(columns, rows, "hires"), name="hires", marker_color="#27ae60")
    flow.add_bar(x=years, y=_column(columns, rows, "end_headcount"), name="end (Dec 31)", marker_color=BASE_COLOR)
    pay = _figure("Average pay of the Dec 31 actives", "")
    _axis(pay, units.MONEY)
    pay.add_scatter(x=years, y=_column(columns, rows, "average_compensation"), name="average pay", mode="lines+markers")
    cost = _figure("Employer cost by source", "")
    _axis(cost, units.MONEY)
    cost.update_layout(barmode="stack")
    cost.add_bar(x=years, y=_column(columns, rows, "employer_match"), name="match", marker_color=BASE_COLOR)
    if any(_column(columns, rows, "employer_core")):  # a design without core draws no empty core series
        cost.add_bar(x=years, y=_column(columns, rows, "employer_core"), name="core", marker_color="#8e44ad")
    cost.add_scatter(x=years, y=_column(columns, rows, "forfeitures"), name="forfeitures arising",
                     mode="lines+markers")
    cost.add_scatter(x=years, y=_column(columns, rows, "forfeitures_used"),
                     name="forfeitures used (prior year's, reducing cost)", mode="lines+markers")
    cost.add_scatter(x=years, y=_column(columns, rows, "net_employer_cost"), name="net employer cost",
                     mode="lines+markers", line={"width": 3, "color": "#2c3e50"})
    cost.add_scatter(x=years, y=_column(columns, rows, "employee_contributions"), name="employee deferrals",
                     mode="lines+markers", line={"dash": "dot"})
    plan = _figure("Participation and average deferral", "percent", percent=True)
    plan.add_scatter(x=years, y=_column(columns, rows, "participation_rate"), name="participation",
                     mode="lines+markers")
    plan.add_scatter(x=years, y=_column(columns, rows, "average_deferral_rate"), name="average deferral rate",
                     mode="lines+markers")
    return [_html(flow, "chart-headcount"), _html(pay, "chart-pay"), _html(cost, "chart-cost"),
            _html(plan, "chart-participation")]


BAND_CHARTS = (("end_headcount", "Year-end headcount", False), ("employer_cost", "Employer cost (match + core)", False),
               ("net_employer_cost", "Net employer cost (after forfeitures used)", False),
               ("employer_match", "Employer match", False), ("employer_core", "Employer core", False),
               ("participation_rate", "Participation", True), ("average_deferral_rate", "Average deferral rate", True))


def _band(figure: go.Figure, years: list[float], low: list[float], high: list[float], mean: list[float],
          name: str, color: str) -> None:
    red, green, blue = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    figure.add_scatter(x=years + years[::-1], y=high + low[::-1], fill="toself",
                       fillcolor=f"rgba({red}, {green}, {blue}, 0.25)",
                       line={"width": 1, "color": color, "dash": "dot"}, mode="lines", name=f"{name} P10-P90",
                       hoverinfo="skip")
    figure.add_scatter(x=years, y=mean, name=f"{name} mean", mode="lines+markers", line={"color": color})


def band_charts(sides: list[tuple[str, list[str], list[tuple]]]) -> list[str]:
    """One chart per metric, every side's P10-P90 band and mean on the same axes; a metric that is zero on every
    side and in every year (the core of a design without core) gets no chart, not an empty panel."""
    charts = []
    for metric, title, _ in BAND_CHARTS:
        if not any(row[columns.index("p90_value")] or row[columns.index("p10_value")]
                   for _, columns, rows in sides for row in rows if row[columns.index("metric")] == metric):
            continue
        # the title and, smaller below it, what the band is: a long title in one line ran out of the panel
        figure = _figure(f"{title}<br><sup>mean and P10-P90 over the replications</sup>", "")
        _axis(figure, units.metric(metric).unit)
        for (name, columns, rows), color in zip(sides, (BASE_COLOR, ALT_COLOR), strict=False):
            picked = [row for row in rows if row[columns.index("metric")] == metric
                      and row[columns.index("period")] != "horizon"]
            years = [float(row[columns.index("period")]) for row in picked]
            _band(figure, years, _column(columns, picked, "p10_value"), _column(columns, picked, "p90_value"),
                  _column(columns, picked, "mean_value"), name, color)
        charts.append(_html(figure, f"chart-band-{metric}"))
    return charts


POINTS_TITLE = "percentage points"


def points(unit: str, values: list[float]) -> list[float]:
    """A difference as its chart plots it: a difference of two rates in percentage points (x 100), others as is."""
    return [value * 100 for value in values] if unit == units.RATE else values


def _axis(figure: go.Figure, unit: str, row: str = "yaxis", difference: bool = False) -> None:
    """A value axis in its unit: dollars with a $ and separators, counts with separators, rates in percent; a
    difference of two rates (plotted through points()) in percentage points, never in percent."""
    title = units.unit_title(unit)
    if unit == units.RATE and difference:
        figure.update_layout({row: {"title": POINTS_TITLE, "tickformat": "+.2~f", "ticksuffix": " pt"}})
    elif unit == units.RATE:
        figure.update_layout({row: {"title": title, "tickformat": ".1%"}})
    elif unit == units.MONEY:
        # d3's currency format puts the sign before the dollar sign: -$50,000, never $-50,000
        figure.update_layout({row: {"title": title, "tickformat": "$,.0f"}})
    else:
        figure.update_layout({row: {"title": title, "tickformat": ",.0f"}})


COMPARISON_CHARTS = ("employer_cost", "net_employer_cost", "end_headcount", "participation_rate",
                     "average_deferral_rate", "employee_contributions")


def comparison_charts(columns: list[str], rows: list[tuple], base: str, alt: str) -> list[str]:
    """Per metric two charts side by side: both sides' levels (with their P10-P90 bands for Monte Carlo sets),
    and the difference alt - base on its own axes (with the P10-P90 band of the paired difference)."""
    charts = []
    yearly = [row for row in rows if row[columns.index("period")] != "horizon"]
    for name in COMPARISON_CHARTS:
        picked = [row for row in yearly if row[columns.index("metric")] == name]
        if not picked:
            continue
        described = units.metric(name)
        years = [float(row[columns.index("period")]) for row in picked]
        levels = _figure(f"{described.label}<br><sup>base and alternative</sup>", "")
        if picked[0][columns.index("difference_p10")] is not None:
            for side, color in (("base", BASE_COLOR), ("alt", ALT_COLOR)):
                _band(levels, years, _column(columns, picked, f"{side}_p10"), _column(columns, picked, f"{side}_p90"),
                      _column(columns, picked, f"{side}_value"), base if side == "base" else alt, color)
        else:
            levels.add_bar(x=years, y=_column(columns, picked, "base_value"), name=base, marker_color=BASE_COLOR)
            levels.add_bar(x=years, y=_column(columns, picked, "alt_value"), name=alt, marker_color=ALT_COLOR)
        _axis(levels, described.unit)
        difference = _figure(f"{described.label}<br><sup>alternative minus base</sup>", "")
        unit = described.unit
        if picked[0][columns.index("difference_p10")] is not None:
            _band(difference, years, points(unit, _column(columns, picked, "difference_p10")),
                  points(unit, _column(columns, picked, "difference_p90")),
                  points(unit, _column(columns, picked, "abs_difference")), "difference", DIFFERENCE_COLOR)
        else:
            difference.add_bar(x=years, y=points(unit, _column(columns, picked, "abs_difference")),
                               name="difference (alt - base)", marker_color=DIFFERENCE_COLOR)
        difference.add_hline(y=0, line={"color": "#5d6d7e", "width": 1})
        _axis(difference, unit, difference=True)
        if not any(_column(columns, picked, "difference_p90") + _column(columns, picked, "difference_p10")
                   + _column(columns, picked, "abs_difference")):
            difference.update_yaxes(range=[-1, 1], dtick=1)  # no difference at all: one clean zero line
        charts += [_html(levels, f"chart-compare-{name}"), _html(difference, f"chart-difference-{name}")]
    return charts


def _range(column: str, low: Any, high: Any, signed: bool = False) -> str:
    return "" if low is None or high is None else f"{fmt(column, low, signed)} to {fmt(column, high, signed)}"


def comparison_table(columns: list[str], rows: list[tuple], title: str, years: list[str]) -> dict[str, Any]:
    """The comparison as people read it: one row per metric (and year) with its label and unit, what a horizon
    figure is (a total over the years, or the value at their end), both sides, the difference alt - base with
    the P10-P90 of the paired difference right beside it, then each side's own band."""
    index = {name: i for i, name in enumerate(columns)}
    by_year = any(row[index["period"]] != "horizon" for row in rows)
    head = ["metric", "year" if by_year else "figure", "base", "alternative", "difference", "difference P10 to P90",
            "relative", "base P10 to P90", "alternative P10 to P90"]
    out = []
    for row in rows:
        name = row[index["metric"]]
        column = _unit_column(name)
        period = row[index["period"]]
        what = period if by_year else units.horizon_label(name, years[0], years[-1]) if years else period
        out.append([units.metric(name).label, what, fmt(column, row[index["base_value"]]),
                    fmt(column, row[index["alt_value"]]), fmt(column, row[index["abs_difference"]], signed=True),
                    _range(column, row[index["difference_p10"]], row[index["difference_p90"]], signed=True),
                    fmt("rel_difference", row[index["rel_difference"]], signed=True),
                    _range(column, row[index["base_p10"]], row[index["base_p90"]]),
                    _range(column, row[index["alt_p10"]], row[index["alt_p90"]])])
    return {"title": title, "columns": head, "rows": out, "numeric": [False, False] + [True] * 7}


def _unit_column(name: str) -> str:
    """A column name fmt() formats in the metric's unit."""
    return {units.RATE: "value_rate", units.MONEY: "value_money", units.COUNT: "value_count"}[units.metric(name).unit]


def versions() -> list[tuple[str, str]]:
    found = []
    for name in PACKAGES:
        try:
            found.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            found.append((name, "not installed"))
    return found


def render(out: Path, template: str = "report.html.j2", **context: Any) -> Path:
    page = TEMPLATES.get_template(template).render(
        plotly_js=get_plotlyjs(), generated_at=dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        versions=versions(), **context)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(page)
    tmp.replace(out)
    return out


def _plain(key: str, value: Any) -> str:
    """One setting as a person reads it: shares in percent, yes/no, none, numbers without trailing zeros."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | decimal.Decimal):
        if key.endswith("_shift"):  # a shift of a rate, in points (pay growth, participation, opt-out, deferral)
            return f"{float(value) * 100:+g} pt"
        if key.endswith(("_rate", "_share", "_from", "_to", "_cap", "_increase")) and abs(float(value)) <= 1:
            return f"{float(value) * 100:g}%"
        if key.endswith(("year", "seed")):  # a year or a seed is a label, not a quantity: no separators
            return str(value)
        return f"{float(value):,g}" if not isinstance(value, int) else f"{value:,}"
    return str(value)


def readable(key: str, value: Any) -> str | dict[str, Any]:
    """A provenance value without raw JSON: a list of records (match tiers, vesting schedule, enrollment by age)
    becomes a small table, a mapping 'name: value; ...', a list its items; everything else _plain."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            value = json.loads(value)
        except ValueError:
            return value
    if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        columns = list(dict.fromkeys(name for item in value for name in item))
        for name in list(columns):  # a range reads low to high: min_age before max_age
            if name.startswith("max_") and f"min_{name[4:]}" in columns:
                columns.remove(f"min_{name[4:]}")
                columns.insert(columns.index(name), f"min_{name[4:]}")
        return {"columns": [name.replace("_", " ") for name in columns],
                "rows": [[_plain(name, item.get(name)) for name in columns] for item in value]}
    if isinstance(value, dict):  # a nested mapping (the ranges parameter_uncertainty draws) in the setting's unit
        return "; ".join(f"{name.replace('_', ' ')}: " + (", ".join(f"{part} {_plain(name, number)}"
                                                                    for part, number in item.items())
                                                          if isinstance(item, dict) else _plain(name, item))
                         for name, item in value.items()) or "none"
    if isinstance(value, list):
        return ", ".join(_plain(key, item) for item in value) or "none"
    return _plain(key, value)


def band_kind(con: Any, key: RunKey) -> str:
    """Which kind of band a stored Monte Carlo set shows, from its stored settings (not guessed)."""
    return uncertainty.band_kind(db.stored_settings(con, key))


def comparison_band_kind(con: Any, base: RunKey, alt: RunKey) -> str:
    """The kind of band of a comparison: assumption uncertainty only when both sides drew their assumptions."""
    kinds = {band_kind(con, base), band_kind(con, alt)}
    if len(kinds) == 1:
        return kinds.pop()
    drew = base.pair if band_kind(con, base) != uncertainty.BAND_RANDOM else alt.pair
    return f"random draws, and assumption uncertainty on {drew} only (the other side keeps its central assumptions)"


def _provenance(con: Any, key: RunKey) -> dict[str, Any]:
    provenance = db.report_provenance(con, key)
    settings = json.loads(provenance["settings_json"] or "{}")
    design = provenance.pop("design")
    provenance["settings"] = [(name.replace("_", " "), readable(name, value))
                              for name, value in sorted(settings.items())]
    provenance["design"] = [(name.replace("_", " "), readable(name, value)) for name, value in sorted(design.items())
                            if name not in {"run_id", "simulation_year", "plan_design_id"}]
    return provenance


provenance_of = _provenance  # for the other report modules (sensitivity)


def plan_distribution_charts(columns: list[str], rows: list[tuple], labels: dict[int, str]) -> list[str]:
    """The deferral-rate distribution of the eligible Dec 31 actives (one bar per band of report_deferral_bands,
    labels by band_sort), and who hit which limit, per year."""
    years = _column(columns, rows, "simulation_year")
    deferrals = _figure("Deferral-rate distribution of the eligible (Dec 31)", "employees")
    deferrals.update_layout(barmode="stack")
    for name in columns:
        band_sort = db.deferral_band_sort(name)
        if band_sort is not None:
            deferrals.add_bar(x=years, y=_column(columns, rows, name), name=labels.get(band_sort, f"band {band_sort}"))
    limits = _figure("Limit hits: employees capped by each limit", "employees")
    for name, label in (("limit_402g_count", "402(g) deferral limit"), ("limit_415c_count", "415(c) annual additions"),
                        ("limit_401a17_count", "401(a)(17) compensation"), ("match_cap_count", "match cap")):
        limits.add_bar(x=years, y=_column(columns, rows, name), name=label)
    return [_html(deferrals, "chart-deferral-distribution"), _html(limits, "chart-limit-hits")]


# The run report's headline figures (rows of db.report_headline), in this order.
HEADLINE = (("employer_cost", "employer cost, gross (match + core + QNEC), total {first}-{last}", "value_money"),
            ("net_employer_cost", "employer cost net of the forfeitures used, total {first}-{last}", "value_money"),
            ("cost_per_participant_year", "gross employer cost per participant per year", "value_money"),
            ("cost_share_of_pay", "gross employer cost as a share of pay", "value_rate"))


def headline(columns: list[str], rows: list[tuple]) -> list[dict[str, str]]:
    """The headline figures: value, what it is (with its years), and for a Monte Carlo set its P10-P90."""
    found = {row[columns.index("figure")]: dict(zip(columns, row, strict=True)) for row in rows}
    figures = []
    for name, label, column in HEADLINE:
        row = found.get(name)
        if row is None or row["mean_value"] is None:
            continue
        mean = f"mean of {row['replications']} replications; " if row["replications"] > 1 else ""
        band = f"{mean}P10 to P90: {_range(column, row['p10_value'], row['p90_value'])}" if mean else ""
        figures.append({"value": fmt(column, row["mean_value"]),
                        "label": label.format(first=row["first_year"], last=row["last_year"]), "band": band})
    return figures


def write_run_report(con: Any, key: RunKey, description: str, folder: Path) -> Path:
    """<folder>/report.html (report_mc<N>.html for a Monte Carlo set); folder is paths.report_folder's."""
    replications = key.replications.count
    out = folder / f"report{key.replications.file_suffix}.html"
    if replications:
        columns, rows = db.report_bands(con, key)
        charts = band_charts([(key.scenario_id, columns, rows)])
        summary = wide_table(*units.wide(columns, rows, (("mean_value", "mean"), ("p10_value", "P10"),
                                                         ("p90_value", "P90"))),
                             f"Monte Carlo: mean, P10 and P90 over {replications} replications, by year")
    else:
        columns, rows = db.report_years(con, key)
        charts = single_run_charts(columns, rows)
        summary = wide_table(*units.wide(*db.report_metrics(con, key), (("metric_value", "value"),)),
                             "The years, as simulated")
    charts += plan_distribution_charts(*db.report_plan_distribution(con, key), db.deferral_band_labels(con))
    title = f"{key.scenario_id} / {key.plan_design_id}"
    return render(out, title=title, subtitle=description, charts=charts,
                  headline=headline(*db.report_headline(con, key)),
                  headline_note=("Per participant: the cost over the participant-years (the Dec 31 participants "
                                 "of each year, summed). Share of pay: over the prorated pay of every employee."),
                  tables=[summary],
                  compliance=compliance_tables(*db.report_compliance(con, key), monte_carlo=bool(replications)),
                  corrections=corrections_table(*db.report_corrections(con, key)),
                  census=table(*db.report_census(con, key)),
                  census_warnings=table(*db.report_census_warnings(con, key)),
                  tripwires=table(*db.report_tripwires(con, key)),
                  provenance=[(title, _provenance(con, key))],
                  replications=replications, band_kind=band_kind(con, key))


def wide_table(columns: list[str], rows: list[tuple], title: str) -> dict[str, Any]:
    """A units.wide table for the page: each metric's figures in its own unit, the raw metric name left out."""
    keep = [i for i, column in enumerate(columns) if column != "metric"]
    name = columns.index("metric")
    figures = {i for i, column in enumerate(columns) if column.isdigit() or column == "horizon"}
    out = [[fmt(_unit_column(row[name]), row[i]) if i in figures else ("" if row[i] is None else str(row[i]))
            for i in keep] for row in rows]
    return {"title": title, "columns": [columns[i].replace("horizon_is", "horizon figure is") for i in keep],
            "rows": out, "numeric": [i in figures for i in keep]}


# The comparison page's headline: these rows of rpt_decision_summary over the horizon, as the difference alt - base
DECISION_HEADLINE = ("net_employer_cost", "net_employer_cost_present_value", "employer_cost_pct_of_pay",
                     "employer_cost_per_participant", "participation_rate")


def decision_headline(summary: list[dict[str, Any]]) -> tuple[list[dict[str, str]], str]:
    """The differences a sponsor decides on (rpt_decision_summary, horizon), each with what it is and its band,
    and the pair's headline sentence."""
    horizon = {row["metric"]: row for row in summary if row["period"] == "horizon"}
    figures = []
    for name in DECISION_HEADLINE:
        row = horizon.get(name)
        if row is None or row["abs_difference"] is None:
            continue
        column = _unit_column(name)
        band = _range(column, row["difference_p10"], row["difference_p90"], signed=True)
        figures.append({"value": fmt(column, row["abs_difference"], signed=True),
                        "label": f"{row['metric_label']}, {row['value_kind']}: alternative minus base",
                        "band": f"P10 to P90 of the paired difference: {band}" if band else ""})
    sentence = next((row["headline"] for row in summary if row.get("headline")), "")
    return figures, sentence


WINNERS_LABELS = {"dimension": "by", "band_label": "band", "people": "people", "winners": "gain", "losers": "lose",
                  "unchanged": "unchanged", "mean_change": "mean change", "p10_change": "P10 change",
                  "p90_change": "P90 change", "mean_gain": "mean gain", "mean_loss": "mean loss"}


def winners_table(columns: list[str], rows: list[tuple], monte_carlo: bool,
                  title: str = "Winners and losers: employer contributions over the years, person by person"
                  ) -> dict[str, Any]:
    """rpt_winners_losers as people read it: counts whole (averages per replication to one decimal), dollars."""
    keep = [c for c in WINNERS_LABELS if c in columns]
    out = []
    for row in rows:
        values = dict(zip(columns, row, strict=True))
        out.append([values["dimension"].replace("_", " "), values["band_label"],
                    *(f"{float(values[c]):,.{1 if monte_carlo else 0}f}" for c in ("people", "winners", "losers",
                                                                                   "unchanged")),
                    *(fmt("value_money", values[c], signed=True) for c in keep[6:])])
    return {"title": title, "columns": [WINNERS_LABELS[c] for c in keep], "rows": out,
            "numeric": [False, False] + [True] * (len(keep) - 2)}


def winners_chart(columns: list[str], rows: list[tuple], title: str = "Winners and losers by pay band",
                  div_id: str = "chart-winners-losers") -> str:
    """Who gains, loses or is unchanged, by pay band (counts per replication)."""
    picked = [dict(zip(columns, row, strict=True)) for row in rows]
    picked = [row for row in picked if row["dimension"] == "pay_band"]
    bands = [row["band_label"] for row in picked]
    figure = _figure(title, "")
    figure.update_layout(barmode="stack", xaxis={"title": "pay band (full-year pay, last year)", "dtick": None})
    for name, label, color in (("winners", "gain", "#27ae60"), ("unchanged", "unchanged", "#aab7b8"),
                               ("losers", "lose", ALT_COLOR)):
        figure.add_bar(x=bands, y=[row[name] for row in picked], name=label, marker_color=color)
    _axis(figure, units.COUNT)
    return _html(figure, div_id)


def write_comparison_report(con: Any, out: Path, base: RunKey, alt: RunKey, columns: list[str],
                            rows: list[tuple], decision: list[dict[str, Any]] | None = None,
                            winners: tuple[list[str], list[tuple]] | None = None) -> Path:
    """The pair's comparison page; decision (rpt_decision_summary) and winners (rpt_winners_losers) of the pair
    when the caller has read them already (a batch reads them once for this page and the decision summary)."""
    base_label, alt_label = base.pair, alt.pair
    period = columns.index("period")
    horizon = [row for row in rows if row[period] == "horizon"]
    yearly = [row for row in rows if row[period] != "horizon"]
    monte_carlo = bool(rows) and rows[0][columns.index("replication_set")] == MONTE_CARLO
    replications = rows[0][columns.index("replications")] if monte_carlo else 0
    years = sorted({row[period] for row in yearly})
    sign = (f"base: {base_label}; alternative: {alt_label}. Differences are alternative minus base: a positive "
            "difference means the alternative is higher.")
    figures, sentence = decision_headline(db.decision_summary(con, base, alt) if decision is None else decision)
    winners = db.winners_losers(con, base, alt) if winners is None else winners
    return render(out, title=f"{base_label} vs {alt_label}", subtitle=sign,
                  headline=figures, headline_note=sentence,
                  lead=comparison_table(columns, horizon,
                                        f"Over the horizon {years[0]}-{years[-1]}" if years else "Over the horizon",
                                        years),
                  lead_note=("Costs, deferrals, pay, hires and terminations are totals over the years; headcounts, "
                             "average pay, participation and balances are values at the end of the last year "
                             "(column 'figure' says which)."
                             + (f" Bands: P10 to P90 over {replications} paired replications (common random "
                                "numbers: the same draws on both sides), so the difference band is the effect of "
                                f"the change, not noise. The bands cover {comparison_band_kind(con, base, alt)}."
                                if monte_carlo else "")),
                  charts=[*comparison_charts(columns, rows, base_label, alt_label), winners_chart(*winners)],
                  tables=[winners_table(*winners, monte_carlo), comparison_table(columns, yearly, "By year", years)],
                  census=None, tripwires=None,
                  provenance=[(label, _provenance(con, side)) for label, side in
                              ((f"base: {base_label}", base), (f"alternative: {alt_label}", alt))],
                  replications=replications, band_kind=comparison_band_kind(con, base, alt), highlight="difference")
