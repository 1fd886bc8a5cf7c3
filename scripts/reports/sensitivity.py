"""The sensitivity report (make sensitivity): a tornado chart on an HTML page, a CSV table and a workbook sheet.

The metric of every point comes from the report models (scripts/store/db.py: each replication's horizon net cost in
rpt_scenario_metrics; a difference from a base is the mean of the paired per-replication differences, taken by
planalign.cli.sensitivity); this module only orders the rows by their swing and draws them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

from planalign.engine.uncertainty import Range
from planalign.reports import html as report_html
from planalign.reports import xlsx as report_xlsx
from planalign.store import db

LOW_COLOR, HIGH_COLOR = "#1f5f8b", "#c0392b"
COLUMNS = ["assumption", "setting", "range_source", "low_rate", "central_rate", "high_rate", "metric_at_low_amount",
           "metric_central_amount", "metric_at_high_amount", "swing_amount", "run_scenario_id", "low_replication_ids",
           "high_replication_ids"]


@dataclass
class Row:
    """One assumption of the tornado: its range and the metric of the runs at its low and high value."""

    range: Range
    low_replications: str  # the replication ids of the point at the low value in the study's run ("3", "41-60")
    high_replications: str
    at_low: float
    at_high: float

    @property
    def swing(self) -> float:
        return abs(self.at_high - self.at_low)

    def values(self, central: float, run_scenario_id: str) -> tuple:
        uncertain = self.range.uncertain
        return (uncertain.label, uncertain.path, self.range.source, self.range.low, self.range.central,
                self.range.high, round(self.at_low, 2), round(central, 2), round(self.at_high, 2),
                round(self.swing, 2), run_scenario_id, self.low_replications, self.high_replications)


@dataclass
class Study:
    """What was run and how the metric reads."""

    scenario_id: str
    plan_design_id: str
    base_design_id: str | None
    first_year: int
    last_year: int
    replications: int
    central: float
    run_scenario_id: str  # the variant whose replications are the points (replications 1..R: the central point)
    rows: list[Row]
    side_name: str = ""  # the side studied as the user named it (a batch's scenario/design)

    @property
    def metric(self) -> str:
        span = f"{self.first_year}-{self.last_year}"
        if self.base_design_id:
            return f"net employer cost {span}, {self.side_name or self.plan_design_id} minus {self.base_design_id}"
        return f"net employer cost {span}"

    @property
    def ordered(self) -> list[Row]:
        return sorted(self.rows, key=lambda row: (-row.swing, row.range.key))

    @property
    def runs(self) -> str:
        if self.replications == 1:
            return ("each point is one replication, with the random draws of the Monte Carlo set's replication 1 "
                    "(the swings are the assumptions' effects on the same people and events; the set's other "
                    "replications would move every point together)")
        if self.replications:
            return (f"each point is the mean of {self.replications} Monte Carlo replications (random draws only: "
                    "the assumptions are the point's)")
        return "each point is the single deterministic run"

    def notes(self) -> list[str]:
        return [f"Tornado of the {self.metric} (gross employer cost - forfeitures used, summed over the years; "
                "rpt_scenario_metrics"
                + (", the difference paired replication by replication" if self.base_design_id else "")
                + f"). Central value {money(self.central)}: scenario {self.scenario_id} as written.",
                "Each assumption is moved to its low and then its high value with everything else at the central "
                "value; every point has the same census, seed and random draws (common random numbers), so a "
                f"swing is the assumption's effect, not noise; {self.runs}. The points are the replications of "
                f"scenario {self.run_scenario_id} (the replications at low and at high; the central point is the "
                "first), each the same run, event for event, as --set <setting>=<value> gives.",
                "The range comes from: 'fitted 90% interval' (make fit's estimate), 'stated range' (the documented "
                "default +/- points, or the scenario's uncertainty_ranges), 'VARY' (given on the command line). "
                "Swing = |metric at high - metric at low|; rows are sorted by swing."]


def money(value: float, signed: bool = False) -> str:
    """$1.23M, $456K, $789 (signed: with its + or -)."""
    sign = ("+" if value > 0 else "-" if value < 0 else "") if signed else ("-" if value < 0 else "")
    size = abs(value)
    if size >= 1e6:
        return f"{sign}${size / 1e6:,.2f}M"
    if size >= 1e4:
        return f"{sign}${size / 1e3:,.0f}K"
    return f"{sign}${size:,.0f}"


def rate(value: float, path: str) -> str:
    if path.endswith("_shift"):  # a shift in points (pay growth, participation, opt-out, deferral)
        return f"{value * 100:+.2f} pt"
    return f"{value * 100:.2f}%"


def money_ticks(low: float, high: float, signed: bool) -> dict[str, list]:
    """About six round tick values over [low, high], labelled as the tables write money (-$380K, not $-380k)."""
    span = max(high - low, 1.0)
    magnitude = 10 ** math.floor(math.log10(span / 6))
    step = next(magnitude * factor for factor in (1, 2, 2.5, 5, 10) if span / (magnitude * factor) <= 7)
    values = [step * k for k in range(math.ceil(low / step), math.floor(high / step) + 1)]
    return {"tickvals": values, "ticktext": [money(value, signed=signed and value != 0) for value in values]}


def tornado(study: Study) -> go.Figure:
    """Horizontal bars from the central value to the metric at each end, the widest swing on top; each bar
    labelled with the assumption's value and the metric there."""
    ordered = list(reversed(study.ordered))  # plotly draws the first category at the bottom
    names = [f"{row.range.uncertain.label}<br><sub>{row.range.source}</sub>" for row in ordered]
    figure = go.Figure()
    for end, color, label in (("low", LOW_COLOR, "at the low value"), ("high", HIGH_COLOR, "at the high value")):
        metrics = [row.at_low if end == "low" else row.at_high for row in ordered]
        values = [row.range.low if end == "low" else row.range.high for row in ordered]
        figure.add_bar(
            y=names, x=[metric - study.central for metric in metrics], base=study.central, orientation="h",
            name=label, marker_color=color,
            text=[f"{rate(value, row.range.uncertain.path)}: {money(metric, signed=bool(study.base_design_id))}"
                  for value, metric, row in zip(values, metrics, ordered, strict=True)],
            textposition="outside", cliponaxis=False,
            hovertemplate="%{y}<br>" + label + ": %{text}<extra></extra>")
    figure.add_vline(x=study.central, line={"color": "#2c3e50", "width": 2},
                     annotation_text=f"central {money(study.central)}", annotation_position="top")
    spread = max([row.swing for row in study.rows] + [abs(study.central) * 0.01, 1.0])
    low = min([study.central] + [min(row.at_low, row.at_high) for row in study.rows])
    high = max([study.central] + [max(row.at_low, row.at_high) for row in study.rows])
    figure.update_layout(
        title=f"Sensitivity of the {study.metric}", template="plotly_white", barmode="group", bargap=0.25,
        height=max(400, 160 + 70 * len(study.rows)), margin={"l": 220, "r": 40, "t": 70, "b": 105},
        # the legend at the figure's foot, below the axis title whatever the figure's height
        legend={"orientation": "h", "yref": "container", "y": 0.01, "yanchor": "bottom", "x": 0.5,
                "xanchor": "center"},
        xaxis={"title": f"{study.metric} (US dollars)", "range": [low - 0.45 * spread, high + 0.45 * spread],
               **money_ticks(low - 0.45 * spread, high + 0.45 * spread, bool(study.base_design_id))},
        yaxis={"title": ""})
    return figure


# the workbook's columns (the CSV keeps COLUMNS): what a reader calls them, in the order of COLUMNS
SHEET_COLUMNS = ["assumption", "setting", "range from", "low", "central", "high", "at low", "at central", "at high",
                 "swing", "points run as (audit)", "replications at low", "replications at high"]
SHEET_NOTE = ("low, central, high: the assumption's values (a rate in percent; a shift in percentage points, "
              "-3.00 pt for three points lower); at low, at central, at high and swing: the metric in dollars.")


def sheet_rows(study: Study, alternative: str | None = None) -> tuple[list[str], list[tuple], list[dict[str, str]]]:
    """The tornado as workbook rows: SHEET_COLUMNS (after an 'alternative' column when given), a shift's values in
    points ('pt'), a rate's in percent, the metric in dollars; with each row's kinds."""
    columns = (["alternative"] if alternative else []) + SHEET_COLUMNS
    rows, kinds = [], []
    for found in study.ordered:
        values = list(found.values(study.central, study.run_scenario_id))
        shift = found.range.uncertain.path.endswith("_shift")
        if shift:  # -0.03 is written -3 and read "-3.00 pt"
            values[3:6] = [round(value * 100, 6) for value in values[3:6]]
        rows.append(tuple(([alternative] if alternative else []) + values))
        kinds.append({**dict.fromkeys(SHEET_COLUMNS[3:6], "pt" if shift else "percent2"),
                      **dict.fromkeys(SHEET_COLUMNS[6:10], "money")})
    return columns, rows, kinds


def sheet(study: Study) -> tuple:
    columns, rows, kinds = sheet_rows(study)
    return ("Sensitivity", columns, rows, [*study.notes(), SHEET_NOTE], {}, kinds)


def write(study: Study, folder: Path, provenance: list[tuple[str, Any]]) -> dict[str, Path]:
    """<folder>/<name>.html, .csv and .xlsx; name says what the metric is (net_cost, or net_cost_vs_<base>)."""
    name = f"net_cost_vs_{study.base_design_id}" if study.base_design_id else "net_cost"
    folder.mkdir(parents=True, exist_ok=True)
    out = {"csv": folder / f"{name}.csv", "html": folder / f"{name}.html", "xlsx": folder / f"{name}.xlsx"}
    db.write_rows_csv(COLUMNS, [row.values(study.central, study.run_scenario_id) for row in study.ordered], out["csv"])
    report_xlsx.write_workbook(out["xlsx"], [sheet(study)])
    rows = [(row.range.uncertain.label, row.range.source, rate(row.range.low, row.range.uncertain.path),
             rate(row.range.central, row.range.uncertain.path), rate(row.range.high, row.range.uncertain.path),
             money(row.at_low), money(row.at_high), money(row.swing)) for row in study.ordered]
    table = {"title": "The assumptions, widest swing first",
             "columns": ["assumption", "range", "low", "central", "high", "metric at low", "metric at high",
                         "swing"],
             "rows": [list(row) for row in rows], "numeric": [False, False, True, True, True, True, True, True]}
    top = study.ordered[0] if study.rows else None
    headline = [{"value": money(study.central, signed=bool(study.base_design_id)),
                 "label": f"central: {study.metric}", "band": ""}]
    if top:
        headline.append({"value": money(top.swing), "label": f"widest swing: {top.range.uncertain.label}",
                         "band": f"{rate(top.range.low, top.range.uncertain.path)} to "
                                 f"{rate(top.range.high, top.range.uncertain.path)} ({top.range.source})"})
    report_html.render(out["html"], title=f"Sensitivity: {study.scenario_id} / {study.plan_design_id}",
                       subtitle=study.notes()[0], headline=headline, headline_note=" ".join(study.notes()[1:]),
                       charts=[report_html.figure_html(tornado(study), "chart-tornado")], tables=[table],
                       census=None, tripwires=None, provenance=provenance, replications=0, wide_charts=True)
    return out
