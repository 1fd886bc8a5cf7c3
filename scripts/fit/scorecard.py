"""The backtest's scorecard: scorecard.csv (machine-readable, fixed decimals), scorecard.md and scorecard.html
(Jinja2, scripts/reports/templates/backtest.html.j2) in reports/backtest/<name>/. The same inputs give the same
bytes: no clock, no absolute path, files named by name and SHA-256."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2

from planalign.fit.output import TEMPLATES, csv_text

if TYPE_CHECKING:
    from planalign.fit.backtest import Backtest, Metric

BAND = (10, 90)  # the band's percentiles over the replications
# Which uncertainty the band holds (every report says so): the replications' random draws (and the binomial scatter
# of the counts the engine sets exactly), not the sampling error of the fitted assumptions.
BAND_KIND = "random draws only"
BAND_KIND_NOTE = ("the fitted assumptions are taken as exact: their sampling error (the 90% intervals of the fit "
                  "report) is not in the band, so an actual just outside it may be the fit's sampling error rather "
                  "than a wrong assumption; read the error with the fit report's intervals")

CSV_COLUMNS = ["year", "compared_with", "metric", "key", "unit", "actual", "predicted_mean", f"p{BAND[0]}",
               f"p{BAND[1]}", "error", "relative_error", "inside_band", "scored", "band_method"]


def _fixed(value: float, digits: int = 6) -> str:
    if value is None or math.isnan(value):
        return ""
    text = f"{value:.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def scorecard_csv(result: Backtest) -> str:
    names = {s.year - 1: s.path.name for s in result.held_out}
    rows: list[list[str]] = [CSV_COLUMNS]
    for m in result.metrics:
        rows.append([str(m.year), names[m.year], m.metric, m.key, m.unit, _fixed(m.actual), _fixed(m.mean),
                     _fixed(m.low), _fixed(m.high), _fixed(m.error), _fixed(m.relative_error),
                     "yes" if m.inside else "no", "yes" if m.scored else "no", m.band_method])
    return csv_text(rows)


# ---- shown to people ------------------------------------------------------------------------------

def _signed(text: str, value: float) -> str:
    return ("+" if value > 0 else "−" if value < 0 else "±") + text


def shown(unit: str, value: float, kind: str = "value", extra: int = 0) -> str:
    """A number as a reader expects it: counts with thousands separators, shares and rates in percent, pay in
    dollars; errors signed (points for shares and rates). `extra` adds decimals (see row_digits); kind "band"
    shows a count with its decimal even when whole (a row's mean and band alike)."""
    if value is None or math.isnan(value):
        return "–"
    magnitude = abs(value) if kind == "error" else value
    if unit == "count":
        whole = kind == "actual" or (kind in ("value", "error") and float(magnitude).is_integer())
        digits = 0 if not extra and whole else 1 + extra
        text = f"{magnitude:,.{digits}f}"
    elif unit == "money":
        text = f"${magnitude:,.{2 if extra else 0}f}"
    elif kind == "error":
        text = f"{magnitude * 100:.{2 + extra}f} pt"
    else:
        text = f"{magnitude * 100:.{2 + extra}f}%"
    return _signed(text, value) if kind == "error" else text


def row_digits(metric: Metric) -> int:
    """The extra decimals a row needs so that the shown actual and band agree with the inside/outside verdict
    (an actual just outside a narrow band would otherwise look inside it)."""
    def number(value: float, kind: str, extra: int) -> float:
        text = shown(metric.unit, value, kind, extra)
        return float(text.replace("$", "").replace(",", "").replace("%", "")) / (100 if text.endswith("%") else 1)

    for extra in range(4):
        looks_inside = (number(metric.low, "value", extra) <= number(metric.actual, "actual", extra)
                        <= number(metric.high, "value", extra))
        if looks_inside == metric.inside:
            return extra
    return 4


def _relative(value: float) -> str:
    if value is None or math.isnan(value):
        return "–"
    return _signed(f"{abs(value) * 100:.1f}%", value)


LABELS = {"count": "count", "share": "share of the Jan 1 actives", "money": "mean annual pay", "rate": "rate"}


def context(result: Backtest) -> dict:
    inside, total = result.coverage
    names = {s.year - 1: s.path.name for s in result.held_out}
    fit = result.fit
    rows = []
    for m in result.metrics:
        extra = row_digits(m)
        kind = "value" if all(float(v).is_integer() for v in (m.mean, m.low, m.high)) else "band"
        rows.append({
            "year": m.year, "compared_with": names[m.year], "metric": m.metric, "key": m.key,
            "actual": shown(m.unit, m.actual, "actual", extra), "mean": shown(m.unit, m.mean, kind, extra),
            "low": shown(m.unit, m.low, kind, extra), "high": shown(m.unit, m.high, kind, extra),
            "error": shown(m.unit, m.error, "error", extra),
            "relative": _relative(m.relative_error), "inside": "yes" if m.inside else "no",
            "scored": m.scored, "band_method": m.band_method})
    return {
        "name": result.name,
        "band": f"P{BAND[0]}–P{BAND[1]}",
        "band_kind": BAND_KIND,
        "band_kind_note": BAND_KIND_NOTE,
        "band_low": f"P{BAND[0]}", "band_high": f"P{BAND[1]}",
        "training": [{"file": s.path.name, "year": s.year, "sha256": s.sha256} for s in result.training],
        "held_out": [{"file": s.path.name, "year": s.year, "sha256": s.sha256} for s in result.held_out],
        "start": result.training[-1].path.name,
        "source": (f"Fitted on {', '.join(s.path.name for s in result.training)}" if result.scenario is None
                   else f"The assumptions of {result.scenario.name} (not fitted; the history's first snapshot "
                        f"{result.training[0].path.name})"),
        "years": result.years,
        "replications": result.replications,
        "seed": result.seed,
        "growth": result.growth,
        "growth_rates": [{"year": year, "rate": f"{rate * 100:.4f}%"} for year, rate in result.growth_rates.items()],
        "convention": ("dated: leavers are in the next file with their termination date"
                       if result.convention == "dated" else "absent: leavers are missing from the next file"),
        "fit_report": f"reports/fit/{result.name}/fit.html" if fit else "",
        "pooled": fit.pooled if fit else 0,
        "rows": rows,
        "inside": inside,
        "total": total,
        "share": f"{inside / total * 100:.0f}%" if total else "–",
        "notes": result.notes,
    }


def scorecard_markdown(data: dict) -> str:
    rates = "; ".join(f"{g['year']}: {g['rate']}" for g in data["growth_rates"])
    lines = [f"# Backtest scorecard: {data['name']}", "",
             f"{data['source']}; simulated from {data['start']} over "
             f"{', '.join(map(str, data['years']))} with {data['replications']} replications (seed {data['seed']}, "
             f"common random numbers); compared with {', '.join(h['file'] for h in data['held_out'])}.", "",
             f"- headcount growth: {data['growth']} ({rates})",
             f"- leaver convention of the held-out files: {data['convention']}",
             f"- band: {data['band']} of the replications as a prediction interval (their quantiles at p x (R + 1)); "
             "counts the engine sets exactly: plus the binomial scatter of a real year (docs/fitting.md)",
             f"- band kind: {data['band_kind']}: {data['band_kind_note']}",
             *([f"- fit report: {data['fit_report']} ({data['pooled']} estimates pooled toward their parent)"]
               if data["fit_report"] else [])]
    lines += [f"- note: {note}" for note in data["notes"]]
    lines += ["", "| year | metric | key | actual | predicted mean | "
              f"{data['band_low']} | {data['band_high']} | error | relative | inside band |",
              "|---|---|---|---:|---:|---:|---:|---:|---:|---|"]
    for r in data["rows"]:
        inside = r["inside"] if r["scored"] else f"{r['inside']} (the plan, not scored)"
        lines.append(f"| {r['year']} | {r['metric']} | {r['key']} | {r['actual']} | {r['mean']} | {r['low']} | "
                     f"{r['high']} | {r['error']} | {r['relative']} | {inside} |")
    lines += ["", f"**Inside the band: {data['inside']} of {data['total']} metrics ({data['share']}).**", ""]
    return "\n".join(lines)


def scorecard_html(data: dict) -> str:
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES),
                                     autoescape=jinja2.select_autoescape(["html", "j2"]))
    return environment.get_template("backtest.html.j2").render(**data)


def write_scorecard(result: Backtest) -> dict[str, Path]:
    data = context(result)
    written = {}
    for suffix, text in (("csv", scorecard_csv(result)), ("md", scorecard_markdown(data)),
                         ("html", scorecard_html(data))):
        path = result.folder / f"scorecard.{suffix}"
        path.write_text(text)
        written[suffix] = path
    return written
