"""The decision summary of a batch (or of a comparison): every design side by side, the base first, as one HTML
page and one workbook a consultant can hand over. Per year and over the horizon, each design's figures from
rpt_decision_summary, each alternative's difference from the base with the P10-P90 of the paired difference and
its headline sentence; the nondiscrimination tests of every design and year from rpt_compliance_summary (pass or
fail, or the probability of failing for a Monte Carlo set, and what correcting a failure costs); who gains and who
loses under each alternative from rpt_winners_losers. Every figure is a cell of those models: this module only
arranges and formats them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planalign.keys import RunKey
from planalign.reports import html, units
from planalign.reports import sensitivity as tornado_report

# one colour per design, the base first
DESIGN_COLORS = (html.BASE_COLOR, html.ALT_COLOR, "#27ae60", "#8e44ad", "#d68910", "#16a085", "#7f8c8d")
SIGN = ("Differences are alternative minus base (positive: the alternative is higher); relative differences are "
        "over the base's value.")
# the by-year charts: a design's level, and each alternative's difference from the base with its band
YEAR_CHARTS = ("net_employer_cost", "employer_cost_pct_of_pay", "participation_rate", "average_deferral_rate")
# the charts at the top of the page: each alternative's horizon difference with its P10-P90 band
OVERVIEW_CHARTS = ("net_employer_cost", "employer_cost_pct_of_pay")
TEST_LABELS = {"adp": "ADP: deferrals", "acp": "ACP: match", "coverage_deferral": "coverage: deferrals",
               "coverage_match": "coverage: match", "coverage_core": "coverage: core", "top_heavy": "top-heavy"}


@dataclass
class Study:
    """What the summary reads, gathered by the CLI (planalign.cli.report.gather_study)."""

    base: RunKey
    alts: list[RunKey]
    names: list[str]  # the designs' names, the base first
    decisions: list[list[dict[str, Any]]]  # rpt_decision_summary rows of each alternative against the base
    winners: list[tuple[list[str], list[tuple]]]  # rpt_winners_losers of each alternative against the base
    compliance: list[dict[str, Any]]  # rpt_compliance_summary rows of every design
    provenance: list[dict[str, Any]]  # html._provenance of every design, the base first
    settings: list[list[tuple]]  # the same as (setting, value) rows, for the workbook
    band_kind: str  # which kind of band the figures show, in words
    # the sensitivity of each alternative's difference from the base (a batch's study; reports/sensitivity.py)
    tornadoes: list[tornado_report.Study] = field(default_factory=list)

    @property
    def keys(self) -> list[RunKey]:
        return [self.base, *self.alts]

    def pair(self, alt: RunKey) -> tuple[list[dict[str, Any]] | None, tuple[list[str], list[tuple]] | None]:
        """The decision summary rows and the winners and losers of the base against this alternative (None, None
        when it is not one of the study's)."""
        if alt not in self.alts:
            return None, None
        index = self.alts.index(alt)
        return self.decisions[index], self.winners[index]

    @property
    def replications(self) -> int:
        counts = [row["replications"] for rows in self.decisions for row in rows]
        return min(counts) if counts and self.base.replications.is_monte_carlo else 0

    @property
    def years(self) -> list[int]:
        return sorted({int(row["period_sort"]) for rows in self.decisions for row in rows
                       if row["period"] != "horizon"})

    @property
    def headlines(self) -> list[str]:
        return [next((row["headline"] for row in rows if row["headline"]), "") for rows in self.decisions]


def design_rows(study: Study) -> list[dict[str, Any]]:
    """One line per (period, figure), the horizon first then each year: what the figure is, the base's value, and
    per alternative its value, the difference, its P10-P90 and the relative difference (None where that pair
    has no such row)."""
    lines: dict[tuple, dict[str, Any]] = {}
    for index, rows in enumerate(study.decisions):
        for row in rows:
            key = (row["period"] != "horizon", row["period_sort"], row["row_sort"])
            line = lines.setdefault(key, {
                "period": row["period"], "year": None if row["period"] == "horizon" else int(row["period_sort"]),
                "value_kind": row["value_kind"], "metric": row["metric"], "label": row["metric_label"],
                "base": row["base_value"], "alts": [None] * len(study.alts)})
            line["alts"][index] = {"value": row["alt_value"], "difference": row["abs_difference"],
                                   "p10": row["difference_p10"], "p90": row["difference_p90"],
                                   "relative": row["rel_difference"]}
    return [lines[key] for key in sorted(lines)]


ALT_FIELDS = ("value", "difference", "p10", "p90", "relative")


def alt_values(line: dict[str, Any]) -> list[Any]:
    """A line's alternatives, flat: each one's value, difference, P10, P90 and relative difference."""
    return [value for alt in line["alts"] for value in ([alt[k] for k in ALT_FIELDS] if alt else [None] * 5)]


# ---- the page ------------------------------------------------------------------------------------------------


def _cell(text: str, css: str = "num", **data: Any) -> dict[str, Any]:
    return {"text": text, "class": css, "data": {k.replace("_", "-"): v for k, v in data.items() if v is not None}}


def _unit_column(metric: str) -> str:
    return html._unit_column(metric)


def _design_header(study: Study) -> tuple[list[str], list[str]]:
    """The design columns' labels and keys: every design's value (the base first), then each alternative's
    difference from the base and the P10-P90 of the paired difference."""
    labels = [f"{study.names[0]} (base)", *study.names[1:]]
    keys = [f"design:{name}" for name in study.names]
    for name in study.names[1:]:
        labels += [f"{name} − base", f"{name} − base, P10 to P90"]
        keys += [f"difference:{name}", f"band:{name}"]
    return labels, keys


def figures_table(study: Study, lines: list[dict[str, Any]], title: str, by_year: bool) -> dict[str, Any]:
    """The decision summary as a table: a row per figure (and year), a column per design, then the differences."""
    labels, keys = _design_header(study)
    rows = []
    for line in lines:
        column = _unit_column(line["metric"])
        cells = [_cell(line["label"], ""), _cell(str(line["year"]) if by_year else line["value_kind"], ""),
                 _cell(html.fmt(column, line["base"]))]
        cells += [_cell(html.fmt(column, alt["value"]) if alt else "") for alt in line["alts"]]
        for alt in line["alts"]:
            cells += [_cell(html.fmt(column, alt["difference"], signed=True) if alt else "", "num highlight"),
                      _cell(html._range(column, alt["p10"], alt["p90"], signed=True) if alt else "")]
        rows.append(cells)
    return {"title": title, "columns": ["figure", "year" if by_year else "what the figure is", *labels],
            "keys": ["metric", "year" if by_year else "figure", *keys], "rows": rows}


def _test_label(name: str) -> str:
    return TEST_LABELS.get(name, name.replace("_", " "))


def _probability(value: Any) -> str:
    return html._unsigned_zero(f"{float(value) * 100:.0f}%")


def compliance_cell(row: dict[str, Any] | None) -> dict[str, Any]:
    """One design's result of one test in one year: pass/fail (single run), or the probability of failing with its
    count and 90% interval (Monte Carlo set); exempt and not applicable with their reason."""
    if row is None:
        return _cell("", "")
    reason = row["result_reason"] or ""
    if row["outcome"] in ("exempt", "not_applicable"):
        return _cell("exempt" if row["outcome"] == "exempt" else "n/a", "muted", outcome=row["outcome"],
                     reason=reason, fail_probability=row["fail_probability"])
    css = "bad" if row["failed"] else "ok"
    # ADP/ACP: how far from the limit (negative: over it), in points of pay
    points = None if row["median_margin"] is None else float(row["median_margin"]) * 100
    margin = "" if points is None else f"margin {html._unsigned_zero(f'{points:+.2f}')} pt"
    if row["replication_set"] == "single":
        return _cell(row["outcome"], css, outcome=row["outcome"], fail_probability=row["fail_probability"],
                     median_margin=row["median_margin"], detail=margin or None)
    interval = ""
    if row["fail_probability_low"] is not None:
        interval = f"; 90%: {_probability(row['fail_probability_low'])}–{_probability(row['fail_probability_high'])}"
    return _cell(_probability(row["fail_probability"]), css, outcome=row["outcome"],
                 fail_probability=row["fail_probability"], median_margin=row["median_margin"],
                 detail=f"{row['failed']} of {row['replications']} failed{interval}"
                        + (f"; median {margin}" if margin else ""))


def compliance_table(study: Study, lines: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Per year: the net employer cost of every design, then every test rpt_compliance_summary has for the year,
    each design's result side by side."""
    if not study.compliance:
        return None
    found = {(row["simulation_year"], row["test_name"], f"{row['scenario_id']}/{row['plan_design_id']}"): row
             for row in study.compliance}
    tests = sorted({(year, name) for year, name, _ in found})
    net = {line["year"]: line for line in lines if line["metric"] == "net_employer_cost" and line["year"]}
    rows = []
    for year in sorted({year for year, _ in tests}):
        line = net.get(year)
        if line:
            values = [line["base"], *(alt["value"] if alt else None for alt in line["alts"])]
            rows.append([_cell(str(year), ""), _cell("employer cost net of forfeitures used", "strong"),
                         _cell("", ""), *(_cell(html.fmt("value_money", value)) for value in values)])
        for _, name in (test for test in tests if test[0] == year):
            first = next(found[(year, name, key.pair)] for key in study.keys if (year, name, key.pair) in found)
            rows.append([_cell(str(year), ""), _cell(_test_label(name), "", test=name),
                         _cell(first["rule_section"] or "", "rule"),
                         *(compliance_cell(found.get((year, name, key.pair))) for key in study.keys)])
    title = ("Compliance side by side: the probability of failing each test, by design and year"
             if study.replications else "Compliance side by side: each test passed or failed, by design and year")
    return {"title": title,
            "columns": ["year", "test", "rule", f"{study.names[0]} (base)", *study.names[1:]],
            "keys": ["year", "test", "rule", *(f"design:{name}" for name in study.names)], "rows": rows}


def corrections_table(study: Study) -> dict[str, Any] | None:
    """The tests some design fails in some replication: what correcting the failures costs each design, by refund
    to the HCEs and by a QNEC to the NHCEs (means over every replication, 0 where the test passed)."""
    failing = sorted({(row["simulation_year"], row["test_name"]) for row in study.compliance
                      if row["failed"] and row["refund_mean"] is not None})
    if not failing:
        return None
    found = {(row["simulation_year"], row["test_name"], f"{row['scenario_id']}/{row['plan_design_id']}"): row
             for row in study.compliance}
    rows = []
    for year, name in failing:
        cells = [_cell(str(year), ""), _cell(_test_label(name), "", test=name)]
        for key in study.keys:
            row = found.get((year, name, key.pair))
            if row is None or row["refund_mean"] is None:
                cells += [_cell("", ""), _cell("", ""), _cell("", "")]
                continue
            qnec = html.fmt("value_money", row["qnec_cost_mean"]) if row["qnec_cost_mean"] is not None else \
                "n/a (prior-year testing)"
            cells += [_cell(html.fmt("value_money", row["refund_mean"])), _cell(qnec), _cell(row["ndt_correction"], "")]
        rows.append(cells)
    columns, keys = ["year", "test"], ["year", "test"]
    for name in study.names:
        columns += [f"{name}: refund", f"{name}: QNEC", f"{name}: applied"]
        keys += [f"refund:{name}", f"qnec:{name}", f"applied:{name}"]
    return {"title": "Correcting the failures: refund or QNEC, mean cost per year", "columns": columns, "keys": keys,
            "rows": rows}


def overview_charts(study: Study, lines: list[dict[str, Any]]) -> list[str]:
    """Each alternative's difference from the base over the horizon, with the P10-P90 of the paired difference as
    an error bar: the decision at a glance, at the top of the page."""
    charts = []
    horizon = {line["metric"]: line for line in lines if line["period"] == "horizon"}
    for metric in OVERVIEW_CHARTS:
        line = horizon.get(metric)
        if line is None:
            continue
        described = units.metric(metric)
        band = ", bars P10 to P90 of the paired difference" if study.replications else ""
        figure = html._figure(f"{described.label}: alternative minus base<br><sup>{line['value_kind']}{band}</sup>",
                              "")
        figure.update_layout(height=170 + 45 * len(study.alts), margin={"l": 60, "r": 40, "t": 60, "b": 40},
                             modebar={"remove": ["zoom", "pan", "select", "lasso2d", "zoomIn", "zoomOut",
                                                 "autoScale", "resetScale"]})
        scale = html.points(described.unit, [1.0])[0]  # a difference of rates in percentage points
        for index, (name, alt) in enumerate(zip(study.names[1:], line["alts"], strict=True)):
            if alt is None or alt["difference"] is None:
                continue
            difference = float(alt["difference"]) * scale
            error = None
            if alt["p10"] is not None:
                error = {"type": "data", "symmetric": False, "array": [float(alt["p90"]) * scale - difference],
                         "arrayminus": [difference - float(alt["p10"]) * scale], "thickness": 2, "width": 8}
            figure.add_scatter(x=[difference], y=[name], mode="markers", error_x=error, name=name,
                               marker={"size": 12, "color": DESIGN_COLORS[(index + 1) % len(DESIGN_COLORS)]})
        # zero and every band end inside the axis, with a margin: no marker or bar on the edge
        ends = [0.0, *(float(alt[k]) * scale for alt in line["alts"] if alt for k in ("difference", "p10", "p90")
                       if alt[k] is not None)]
        pad = (max(ends) - min(ends)) * 0.08 or 1.0
        figure.add_vline(x=0, line={"color": "#5d6d7e", "width": 1})
        html._axis(figure, described.unit, row="xaxis", difference=True)
        figure.update_xaxes(range=[min(ends) - pad, max(ends) + pad])
        figure.update_layout(xaxis={"dtick": None, "title": (f"{html.POINTS_TITLE} of pay: alternative minus base"
                                                             if described.unit == units.RATE else
                                                             f"{units.unit_title(described.unit)}: "
                                                             "alternative minus base")},
                             yaxis={"title": "alternative", "autorange": "reversed"}, showlegend=False)
        charts.append(html._html(figure, f"chart-overview-{metric}"))
    return charts


def year_charts(study: Study, lines: list[dict[str, Any]]) -> list[str]:
    """Per figure two charts: every design's level by year, and each alternative's difference from the base with
    the P10-P90 of the paired difference as a band, on its own axes."""
    charts = []
    for metric in YEAR_CHARTS:
        picked = [line for line in lines if line["metric"] == metric and line["year"] is not None]
        if not picked:
            continue
        described = units.metric(metric)
        years = [line["year"] for line in picked]
        levels = html._figure(f"{described.label}<br><sup>every design"
                              + (f", mean of {study.replications} replications" if study.replications else "")
                              + "</sup>", "")
        levels.add_scatter(x=years, y=[float(line["base"]) for line in picked], name=f"{study.names[0]} (base)",
                           mode="lines+markers", line={"color": DESIGN_COLORS[0], "width": 3})
        difference = html._figure(f"{described.label}<br><sup>alternative minus base"
                                  + (", band P10 to P90 of the paired difference" if study.replications else "")
                                  + "</sup>", "")
        for index, name in enumerate(study.names[1:]):
            color = DESIGN_COLORS[(index + 1) % len(DESIGN_COLORS)]
            values = [line["alts"][index] for line in picked]
            if any(value is None for value in values):
                continue
            levels.add_scatter(x=years, y=[float(value["value"]) for value in values], name=name,
                               mode="lines+markers", line={"color": color})
            means = html.points(described.unit, [float(value["difference"]) for value in values])
            if values[0]["p10"] is not None:
                html._band(difference, years, html.points(described.unit, [float(value["p10"]) for value in values]),
                           html.points(described.unit, [float(value["p90"]) for value in values]), means, name, color)
            else:
                difference.add_scatter(x=years, y=means, name=name, mode="lines+markers", line={"color": color})
        difference.add_hline(y=0, line={"color": "#5d6d7e", "width": 1})
        html._axis(levels, described.unit)
        html._axis(difference, described.unit, difference=True)
        charts += [html._html(levels, f"chart-levels-{metric}"), html._html(difference, f"chart-difference-{metric}")]
    return charts


def write_page(study: Study, out: Path) -> Path:
    lines = design_rows(study)
    years = study.years
    span = f"{years[0]}-{years[-1]}" if years else ""
    monte_carlo = bool(study.replications)
    headlines = [{"name": name, "sentence": sentence}
                 for name, sentence in zip(study.names[1:], study.headlines, strict=True)]
    winners = [{"chart": html.winners_chart(*table, title=f"{name}: winners and losers by pay band",
                                            div_id=f"chart-winners-{index}"),
                "table": html.winners_table(*table, monte_carlo,
                                            title=f"{name} against {study.names[0]}: employer contributions "
                                                  f"over {span}, person by person")}
               for index, (name, table) in enumerate(zip(study.names[1:], study.winners, strict=True))]
    return html.render(
        out, template="summary.html.j2",
        title=f"Decision summary: {study.names[0]} against {', '.join(study.names[1:])}",
        subtitle=(f"Designs as columns, the base ({study.names[0]}) first. {SIGN}"),
        band_note=study.band_kind, replications=study.replications, headlines=headlines,
        overview=overview_charts(study, lines),
        lead=figures_table(study, [line for line in lines if line["period"] == "horizon"],
                           f"Over the horizon {span}", by_year=False),
        lead_note=("Costs are totals over the years (present values discounted as the column says); cost as % of pay "
                   "and per participant are ratios over the years; participation, the average deferral rate and "
                   "headcount are values at the end of the last year."),
        compliance=compliance_table(study, lines), corrections=corrections_table(study),
        monte_carlo=monte_carlo, charts=year_charts(study, lines),
        by_year=figures_table(study, [line for line in lines if line["period"] != "horizon"], "By year",
                              by_year=True),
        winners=winners, tornadoes=tornado_sections(study),
        provenance=[(f"{'base' if index == 0 else 'alternative'}: {name}", provenance)
                    for index, (name, provenance) in enumerate(zip(study.names, study.provenance, strict=True))])


def tornado_sections(study: Study) -> list[dict[str, Any]]:
    """Per alternative: the tornado of its net cost difference from the base, its table and how it was run."""
    sections = []
    for index, found in enumerate(study.tornadoes):
        path = lambda row: row.range.uncertain.path  # noqa: E731
        sections.append({
            "title": f"{found.side_name}: sensitivity of the {found.metric}",
            "chart": html._html(tornado_report.tornado(found), f"chart-tornado-{index}"),
            "notes": found.notes()[1:],
            "columns": ["assumption", "range", "low", "central", "high", "difference at low",
                        "difference at high", "swing"],
            "rows": [(row.range.uncertain.label, row.range.source, tornado_report.rate(row.range.low, path(row)),
                      tornado_report.rate(row.range.central, path(row)),
                      tornado_report.rate(row.range.high, path(row)), tornado_report.money(row.at_low, signed=True),
                      tornado_report.money(row.at_high, signed=True), tornado_report.money(row.swing))
                     for row in found.ordered]})
    return sections


def tornado_columns() -> list[str]:
    return ["alternative", *tornado_report.COLUMNS]


def tornado_rows(study: Study) -> list[tuple]:
    return [(found.side_name, *row.values(found.central, found.run_scenario_id))
            for found in study.tornadoes for row in found.ordered]


def tornado_sheet(study: Study) -> tuple:
    notes = [f"Each alternative's net employer cost over the horizon minus the base's ({study.names[0]}), with one "
             "assumption at its low or its high value and the others at their central values, in both designs.",
             *(study.tornadoes[0].notes()[1:] if study.tornadoes else []), tornado_report.SHEET_NOTE]
    columns, rows, kinds = ["alternative", *tornado_report.SHEET_COLUMNS], [], []
    for found in study.tornadoes:
        _, more, more_kinds = tornado_report.sheet_rows(found, found.side_name)
        rows += more
        kinds += more_kinds
    return ("Sensitivity", columns, rows, notes, {}, kinds)


# ---- the workbook --------------------------------------------------------------------------------------------


def decision_sheet(study: Study) -> tuple:
    """The decision summary as a wide sheet: a row per period and figure, a column per design (the base first),
    then each alternative's difference, its P10-P90 and the relative difference; each row in its figure's unit."""
    columns = ["year", "figure", "label", "metric", study.names[0]]
    kinds: dict[str, str] = {"year": "year", study.names[0]: "metric"}
    for name in study.names[1:]:
        more = [name, f"{name} - base", f"{name} - base P10", f"{name} - base P90", f"{name} vs base (relative)"]
        columns += more
        kinds.update({more[0]: "metric"}, **dict.fromkeys(more[1:4], "metric_difference"), **{more[4]: "percent"})
    rows = []
    for line in design_rows(study):
        rows.append((line["year"] if line["year"] is not None else "horizon", line["value_kind"], line["label"],
                     line["metric"], line["base"], *alt_values(line)))
    notes = [f"Base: {study.names[0]}. Alternatives: {', '.join(study.names[1:])}. {SIGN}",
             *study.headlines, study.band_kind,
             "Column figure: a total over the years, a present value, a ratio over the years, or the value at the end "
             "of the last year; by year, the year's own figure.",
             "Rates (participation, average deferral, cost as % of pay) read in percent to 2 decimals; a difference "
             "of two rates and its P10-P90 are percentage points (+0.42% is 0.42 points, as the page's +0.42 pt); "
             "the relative column is a share of the base's value."]
    return ("Decision summary", columns, rows, notes, kinds)


def compliance_sheet(study: Study) -> tuple:
    """The tests side by side: a row per year and test, per design its outcome, probability of failing (with the
    90% interval of a Monte Carlo set) and the mean cost of correcting by refund and by QNEC."""
    found = {(row["simulation_year"], row["test_name"], f"{row['scenario_id']}/{row['plan_design_id']}"): row
             for row in study.compliance}
    columns = ["year", "test", "rule"]
    kinds = {"year": "year"}
    fields = (("outcome", "outcome", "text"), ("fail_probability", "probability of failing", "percent"),
              ("fail_probability_low", "90% low", "percent"), ("fail_probability_high", "90% high", "percent"),
              ("failed", "replications failed", "count"), ("replications", "replications", "count"),
              ("refund_mean", "refund (mean)", "money"), ("qnec_cost_mean", "QNEC (mean)", "money"))
    for name in study.names:
        for _, label, kind in fields:
            columns.append(f"{name}: {label}")
            kinds[columns[-1]] = kind
    rows = []
    for year, test in sorted({(year, test) for year, test, _ in found}):
        first = next(found[(year, test, key.pair)] for key in study.keys if (year, test, key.pair) in found)
        row: list[Any] = [year, test, first["rule_section"]]
        for key in study.keys:
            found_row = found.get((year, test, key.pair))
            row += [found_row[field] if found_row else None for field, _, _ in fields]
        rows.append(tuple(row))
    notes = [f"Base: {study.names[0]}. Alternatives: {', '.join(study.names[1:])}.",
             "Outcome: pass (no replication failed), fail (all failed), mixed (some failed), exempt (safe harbor), "
             "not_applicable. Probability of failing: the share of the replications that failed (0 or 1 for a "
             "single run), with its 90% Wilson score interval for a Monte Carlo set.",
             "Refund and QNEC: what correcting an ADP/ACP failure costs, mean over every replication (0 where the "
             "test passed); the QNEC is blank under prior-year testing. Rules: rpt_compliance_summary, docs/rules.md."]
    return ("Compliance", columns, rows, notes, kinds)


# rpt_winners_losers' columns as the workbook names them, with each one's kind (counts of people, dollars)
WINNERS_SHEET = {"dimension": ("by", "text"), "band_label": ("band", "text"), "replications": ("replications", "count"),
                 "people": ("people", "people"), "winners": ("people who gain", "people"),
                 "losers": ("people who lose", "people"), "unchanged": ("people unchanged", "people"),
                 "base_employer_contributions": ("base: employer contributions", "money"),
                 "alt_employer_contributions": ("alternative: employer contributions", "money"),
                 "mean_change": ("mean change per person", "money"), "p10_change": ("P10 change", "money"),
                 "p90_change": ("P90 change", "money"), "mean_gain": ("mean gain of those who gain", "money"),
                 "mean_loss": ("mean loss of those who lose", "money")}


def winners_table(columns: list[str], rows: list[tuple], monte_carlo: bool) -> tuple[list[str], list[tuple],
                                                                                     dict[str, str]]:
    """rpt_winners_losers rows for a workbook: readable headers and dimensions ('pay band'), each column's kind
    (counts per replication to one decimal for a Monte Carlo set)."""
    named = [WINNERS_SHEET.get(column, (column, "text")) for column in columns]
    people = "count_mean" if monte_carlo else "count"
    at = columns.index("dimension") if "dimension" in columns else None
    out = [tuple(value.replace("_", " ") if i == at and isinstance(value, str) else value
                 for i, value in enumerate(row)) for row in rows]
    return ([label for label, _ in named], out,
            {label: people if kind == "people" else kind for label, kind in named if kind != "text"})


def winners_sheet(study: Study) -> tuple:
    columns, rows, kinds = ["alternative"], [], {}
    for name, (found_columns, table) in zip(study.names[1:], study.winners, strict=True):
        named, more, kinds = winners_table(found_columns, table, bool(study.replications))
        columns = ["alternative", *named]
        rows += [(name, *row) for row in more]
    notes = [f"Each alternative against the base {study.names[0]}: employer contributions (match + core) over the "
             "years, person by person; a Monte Carlo set's counts are averages per replication. " + SIGN]
    return ("Winners and losers", columns, rows, notes, kinds)
