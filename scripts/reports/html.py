"""HTML reports that open from the file system with no network: Plotly (its JavaScript embedded once)
for the charts, a Jinja2 template for the page. Every number comes from an rpt_ model through
scripts/store/db.py; this module only arranges and formats them.
"""

from __future__ import annotations

import datetime as dt
import json
from importlib import metadata
from pathlib import Path
from typing import Any

import jinja2
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from planalign.keys import MONTE_CARLO, RunKey
from planalign.paths import PROJECT_ROOT
from planalign.store import db

TEMPLATES = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
                               autoescape=jinja2.select_autoescape(["html", "j2"]))
PACKAGES = ("planalign", "dbt-core", "dbt-duckdb", "duckdb", "plotly", "Jinja2", "XlsxWriter")
MONEY = {"employee_contributions", "employer_match", "employer_core", "employer_cost", "forfeitures",
         "gross_employer_cost", "forfeitures_used", "net_employer_cost", "active_balances", "average_compensation",
         "total_prorated_compensation",
         "elective_deferral_limit", "catch_up_limit", "super_catch_up_limit", "annual_additions_limit",
         "compensation_limit", "excess_total", "recharacterized_total", "refund_total", "forfeited_total",
         "qnec_cost", "applied_employer_cost", "refund_mean", "qnec_cost_mean"}
BASE_COLOR, ALT_COLOR = "#1f5f8b", "#c0392b"


def fmt(column: str, value: Any) -> str:
    """A cell as a plan sponsor reads it: money with separators, rates as percentages."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if column.endswith("_rate") or column in {"growth_rate", "participation_rate", "rel_difference"}:
        return f"{float(value) * 100:,.2f}%"
    if column in MONEY or column.endswith(("_value", "_difference", "_p10", "_p50", "_p90")):
        return f"{float(value):,.2f}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int) and column != "simulation_year" and not column.endswith("year"):
        return f"{value:,}"
    return str(value)


def table(columns: list[str], rows: list[tuple], title: str = "") -> dict[str, Any]:
    return {"title": title, "columns": columns,
            "rows": [[fmt(column, value) for column, value in zip(columns, row, strict=True)] for row in rows],
            "numeric": [isinstance(rows[0][i], int | float) or columns[i] in MONEY if rows else False
                        for i in range(len(columns))]}


# The Compliance section: readable headers, and the single run's tests in two tables narrow enough to read and
# print without scrolling (ADP/ACP figures, coverage figures), each row naming its rule.
COMPLIANCE_LABELS = {
    "simulation_year": "year", "test_name": "test", "result": "result", "hce_count": "HCEs", "nhce_count": "NHCEs",
    "hce_average": "HCE average", "nhce_average": "NHCE average", "test_limit": "limit", "margin": "margin",
    "nhce_average_needed": "NHCE average needed", "hce_benefiting": "HCEs benefiting",
    "nhce_benefiting": "NHCEs benefiting", "ratio_percentage": "ratio percentage", "reason": "reason",
    "rule": "rule", "replications": "replications", "failed": "failed", "fail_share": "failed share",
    "results": "results", "median_margin": "median margin"}
COMPLIANCE_NUMERIC = {"simulation_year", "hce_count", "nhce_count", "hce_average", "nhce_average", "test_limit",
                      "margin", "nhce_average_needed", "hce_benefiting", "nhce_benefiting", "ratio_percentage",
                      "replications", "failed", "fail_share", "median_margin"}
COMPLIANCE_TABLES = (
    ("ADP and ACP", False, ("simulation_year", "test_name", "result", "hce_count", "nhce_count", "hce_average",
                            "nhce_average", "test_limit", "margin", "nhce_average_needed", "reason", "rule")),
    ("Coverage, ratio percentage test", True, ("simulation_year", "test_name", "result", "hce_benefiting",
                                               "nhce_benefiting", "ratio_percentage", "reason", "rule")))


def compliance_tables(columns: list[str], rows: list[tuple], monte_carlo: bool) -> list[dict[str, Any]]:
    """The tables of the Compliance section: one for a Monte Carlo set (failures per year and test), two for a
    single run (ADP/ACP, coverage)."""
    if not rows:
        return []
    groups = [("", None, tuple(columns))] if monte_carlo else COMPLIANCE_TABLES
    tables = []
    for title, coverage, names in groups:
        index = [columns.index(name) for name in names]
        kept = [row for row in rows if coverage is None
                or str(row[columns.index("test_name")]).startswith("coverage") == coverage]
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
                         legend={"orientation": "h", "y": -0.15}, yaxis_title=yaxis,
                         xaxis={"dtick": 1, "title": "year"})
    if percent:
        figure.update_yaxes(tickformat=".1%")
    else:
        figure.update_yaxes(tickformat=",.0f")
    return figure


def _html(figure: go.Figure, name: str) -> str:
    return figure.to_html(full_html=False, include_plotlyjs=False, div_id=name,
                          config={"displaylogo": False, "responsive": True})


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
    pay = _figure("Average pay of the Dec 31 actives", "$")
    pay.add_scatter(x=years, y=_column(columns, rows, "average_compensation"), name="average pay", mode="lines+markers")
    cost = _figure("Employer cost by source", "$")
    cost.update_layout(barmode="stack")
    cost.add_bar(x=years, y=_column(columns, rows, "employer_match"), name="match", marker_color=BASE_COLOR)
    cost.add_bar(x=years, y=_column(columns, rows, "employer_core"), name="core", marker_color="#8e44ad")
    cost.add_scatter(x=years, y=_column(columns, rows, "forfeitures"), name="forfeitures arising",
                     mode="lines+markers")
    cost.add_scatter(x=years, y=_column(columns, rows, "forfeitures_used"),
                     name="forfeitures used (prior year's, reducing cost)", mode="lines+markers")
    cost.add_scatter(x=years, y=_column(columns, rows, "net_employer_cost"), name="net employer cost",
                     mode="lines+markers", line={"width": 3, "color": "#2c3e50"})
    cost.add_scatter(x=years, y=_column(columns, rows, "employee_contributions"), name="employee deferrals",
                     mode="lines+markers", line={"dash": "dot"})
    plan = _figure("Participation and average deferral", "share", percent=True)
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
    figure.add_scatter(x=years + years[::-1], y=high + low[::-1], fill="toself", fillcolor=color, opacity=0.2,
                       line={"width": 0}, name=f"{name} P10-P90", hoverinfo="skip")
    figure.add_scatter(x=years, y=mean, name=f"{name} mean", mode="lines+markers", line={"color": color})


def band_charts(sides: list[tuple[str, list[str], list[tuple]]]) -> list[str]:
    """One chart per metric, every side's P10-P90 band and mean on the same axes."""
    charts = []
    for metric, title, percent in BAND_CHARTS:
        figure = _figure(f"{title}: mean and P10-P90 over the replications", "share" if percent else "",
                         percent=percent)
        for (name, columns, rows), color in zip(sides, (BASE_COLOR, ALT_COLOR), strict=False):
            picked = [row for row in rows if row[columns.index("metric")] == metric
                      and row[columns.index("period")] != "horizon"]
            years = [float(row[columns.index("period")]) for row in picked]
            _band(figure, years, _column(columns, picked, "p10_value"), _column(columns, picked, "p90_value"),
                  _column(columns, picked, "mean_value"), name, color)
        charts.append(_html(figure, f"chart-band-{metric}"))
    return charts


def comparison_charts(columns: list[str], rows: list[tuple], base: str, alt: str) -> list[str]:
    charts = []
    yearly = [row for row in rows if row[columns.index("period")] != "horizon"]
    for metric, title, percent in (("employer_cost", "Employer cost (match + core)", False),
                                   ("net_employer_cost", "Net employer cost (after forfeitures used)", False),
                                   ("end_headcount", "Year-end headcount", False),
                                   ("participation_rate", "Participation", True),
                                   ("average_deferral_rate", "Average deferral rate", True),
                                   ("employee_contributions", "Employee deferrals", False)):
        picked = [row for row in yearly if row[columns.index("metric")] == metric]
        years = [float(row[columns.index("period")]) for row in picked]
        figure = _figure(f"{title}: {base} vs {alt}", "share" if percent else "$", percent=percent)
        if picked and picked[0][columns.index("difference_p10")] is not None:
            for side, color in (("base", BASE_COLOR), ("alt", ALT_COLOR)):
                _band(figure, years, _column(columns, picked, f"{side}_p10"), _column(columns, picked, f"{side}_p90"),
                      _column(columns, picked, f"{side}_value"), base if side == "base" else alt, color)
        else:
            figure.add_bar(x=years, y=_column(columns, picked, "base_value"), name=base, marker_color=BASE_COLOR)
            figure.add_bar(x=years, y=_column(columns, picked, "alt_value"), name=alt, marker_color=ALT_COLOR)
        figure.add_scatter(x=years, y=_column(columns, picked, "abs_difference"), name="difference (alt - base)",
                           mode="lines+markers", yaxis="y2", line={"color": "#f39c12", "width": 3})
        figure.update_layout(yaxis2={"overlaying": "y", "side": "right", "title": "difference",
                                     "tickformat": ".2%" if percent else ",.0f", "showgrid": False})
        charts.append(_html(figure, f"chart-compare-{metric}"))
    return charts


def versions() -> list[tuple[str, str]]:
    found = []
    for name in PACKAGES:
        try:
            found.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            found.append((name, "not installed"))
    return found


def render(out: Path, **context: Any) -> Path:
    page = TEMPLATES.get_template("report.html.j2").render(
        plotly_js=get_plotlyjs(), generated_at=dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        versions=versions(), **context)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(page)
    tmp.replace(out)
    return out


def _provenance(con: Any, key: RunKey) -> dict[str, Any]:
    provenance = db.report_provenance(con, key)
    settings = json.loads(provenance["settings_json"] or "{}")
    design = provenance.pop("design")
    provenance["settings"] = sorted(settings.items())
    provenance["design"] = sorted((k, v) for k, v in design.items())
    return provenance


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


def write_run_report(con: Any, key: RunKey, description: str) -> Path:
    """reports/<scenario>/<design>/report.html (report_mc<N>.html for a Monte Carlo set)."""
    replications = key.replications.count
    name = f"report{key.replications.file_suffix}.html"
    out = PROJECT_ROOT / "reports" / key.scenario_id / key.plan_design_id / name
    if replications:
        columns, rows = db.report_bands(con, key)
        charts = band_charts([(key.scenario_id, columns, rows)])
    else:
        columns, rows = db.report_years(con, key)
        charts = single_run_charts(columns, rows)
    charts += plan_distribution_charts(*db.report_plan_distribution(con, key), db.deferral_band_labels(con))
    title = f"{key.scenario_id} / {key.plan_design_id}"
    return render(out, title=title, subtitle=description, charts=charts,
                  tables=[table(columns, rows, "Monte Carlo bands by year and metric" if replications
                                else "The years, as simulated")],
                  compliance=compliance_tables(*db.report_compliance(con, key), monte_carlo=bool(replications)),
                  corrections=corrections_table(*db.report_corrections(con, key)),
                  census=table(*db.report_census(con, key)),
                  census_warnings=table(*db.report_census_warnings(con, key)),
                  tripwires=table(*db.report_tripwires(con, key)),
                  provenance=[(title, _provenance(con, key))],
                  replications=replications)


def write_comparison_report(con: Any, out: Path, base: RunKey, alt: RunKey, columns: list[str],
                            rows: list[tuple]) -> Path:
    base_label, alt_label = base.pair, alt.pair
    horizon = [row for row in rows if row[columns.index("period")] == "horizon"]
    shown = [c for c in columns if c not in {"replication_set", "base_scenario_id", "base_plan_design_id",
                                             "alt_scenario_id", "alt_plan_design_id", "period_sort", "metric_sort"}]
    picked = [[row[columns.index(c)] for c in shown] for row in rows]
    horizon_rows = [[row[columns.index(c)] for c in shown] for row in horizon]
    return render(out, title=f"{base_label} vs {alt_label}", subtitle="alt - base; differences highlighted",
                  charts=comparison_charts(columns, rows, base_label, alt_label),
                  tables=[table(shown, horizon_rows, "Over the horizon"), table(shown, picked, "By year")],
                  census=None, tripwires=None,
                  provenance=[(label, _provenance(con, side)) for label, side in
                              ((base_label, base), (alt_label, alt))],
                  replications=rows[0][columns.index("replications")] if rows and
                  rows[0][columns.index("replication_set")] == MONTE_CARLO else 0,
                  highlight="abs_difference")
