"""`sensitivity`: a tornado of the horizon's net employer cost (or its difference from a base design), each
uncertain assumption at its low and its high value, one at a time.

Every point is a scenario variant (`--set scenario_id=<variant>` plus the assumption's `--set`), run as `batch`
runs its grid: one database, one lock, one backup, the same census and seed, so the points share their random
draws (common random numbers) and a swing is the assumption's effect. The metric is read from the report models
(scripts/store/db.py); scripts/reports/sensitivity.py draws it.
"""

from __future__ import annotations

from dataclasses import dataclass

import click

from planalign.cli import options
from planalign.cli.console import Console
from planalign.engine import uncertainty, years
from planalign.engine.config import Effective
from planalign.errors import PlanAlignError
from planalign.keys import RunKey
from planalign.paths import PROJECT_ROOT, checked_database, report_folder
from planalign.reports import html as report_html
from planalign.reports import sensitivity as report
from planalign.store import db

MAX_ID = 40  # the scenario id's part of a variant id (ids are at most 64 characters)


@dataclass
class Point:
    """One run of the study: the variant's id, the --set that makes it, and its configurations (alt, base)."""

    scenario_id: str
    change: str
    alt: Effective
    base: Effective | None


def value_text(value: float) -> str:
    """A value for --set that YAML reads back as the same float (never 1e-05, which YAML reads as a string)."""
    text = f"{value:.10f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def variant_id(scenario_id: str, tag: str) -> str:
    return f"{scenario_id[:MAX_ID]}__sens_{tag}"


def make_point(database, scenario: str, census: str | None, design: str | None, base: str | None,
               sets: tuple[str, ...], replications: int | None, start: int | None, tag: str,
               change: tuple[str, ...], scenario_id: str) -> Point:
    variant = variant_id(scenario_id, tag)
    # the variant draws nothing: a tornado moves one assumption at a time around fixed central values
    point_sets = (*sets, *change, f"scenario_id={variant}", "parameter_uncertainty=false")
    alt = options.effective_from(database, scenario, census, design, point_sets, replications, start)
    base_effective = (options.effective_from(database, scenario, census, base, point_sets, replications, start)
                      if base else None)
    return Point(variant, " ".join(change) or "central values", alt, base_effective)


def metric(con, point: Point) -> float:
    """The horizon's net employer cost of the point (or its difference from the base design), from the models."""
    key = point.alt.key
    value = (db.horizon_net_cost_difference(con, point.base.key, key) if point.base is not None
             else db.horizon_net_cost(con, key))
    if value is None:
        raise PlanAlignError(f"no net employer cost over the horizon for {key.label} in the database",
                             hint="the run did not finish; run make sensitivity again")
    return value


@click.command("sensitivity")
@options.scenario
@options.census
@options.plan_design
@click.option("--base", "base_design", default=None,
              help="base plan design: the metric is the difference of the net cost from the base, run under the "
                   "same assumptions (paired)")
@click.option("--vary", default=None, metavar='"KEY=LOW:HIGH ..."',
              help="the assumptions and their ranges, e.g. \"termination_rate=0.10:0.14 pay_growth=-0.5pt:+0.5pt\" "
                   "(default: the documented set, each +/- its fitted 90% interval or stated range)")
@options.sets
@options.replications
@options.start
@click.option("--end", type=int, default=None, help="last year (default: the scenario's end_year)")
@options.verbose
def sensitivity_command(scenario_name: str, census_path: str | None, plan_design_id: str | None,
                        base_design: str | None, vary: str | None, sets: tuple[str, ...], replications: int | None,
                        start: int | None, end: int | None, verbose: bool) -> None:
    """Tornado of the horizon's net employer cost: each assumption at its low and its high value, paired runs
    (same census and seed) in one database; writes <reports>/<scenario>/<design>/sensitivity/."""
    specs = uncertainty.parse_vary(vary)  # refused in one line before anything runs
    database = checked_database(writing=True)
    central = options.effective_from(database, scenario_name, census_path, plan_design_id, sets, replications, start)
    if base_design and base_design == central.plan_design_id:
        raise PlanAlignError(f"BASE={base_design} is the design being studied",
                             hint="name another design as the base (e.g. BASE=baseline PLAN=qaca)")
    found = central.uncertainty_ranges(specs or None)
    first = central.start_year if start is None else start
    last = central.end_year if end is None else end
    if last < first:
        raise PlanAlignError(f"END {last} is before START {first}")
    common = (database, scenario_name, census_path, plan_design_id, base_design, sets, replications, start)
    scenario_id = central.scenario_id
    points = {"central": make_point(*common, "central", (), scenario_id)}
    for index, found_range in enumerate(found, start=1):
        for end_name, value in (("low", found_range.low), ("high", found_range.high)):
            points[f"{found_range.key}:{end_name}"] = make_point(
                *common, f"{index:02d}_{end_name}", (f"{found_range.uncertain.path}={value_text(value)}",),
                scenario_id)
    run_points(database, list(points.values()), first, last, verbose)
    with db.read_only(database) as con:
        central_value = metric(con, points["central"])
        rows = [report.Row(r, points[f"{r.key}:low"].scenario_id, points[f"{r.key}:high"].scenario_id,
                           metric(con, points[f"{r.key}:low"]), metric(con, points[f"{r.key}:high"]))
                for r in found]
        study = report.Study(scenario_id, central.plan_design_id, base_design, first, last,
                             central.replications.count, central_value, points["central"].scenario_id, rows)
        provenance = [(f"central: {points['central'].alt.label}",
                       report_html.provenance_of(con, RunKey(points["central"].scenario_id, central.plan_design_id,
                                                             central.replications)))]
        out = report.write(study, report_folder(database, scenario_id, central.plan_design_id) / "sensitivity",
                           provenance)
    click.echo(f"\nsensitivity of the {study.metric}: central {report.money(central_value, bool(base_design))}")
    for row in study.ordered:
        click.echo(f"  {row.range.uncertain.label:<42} {row.range.source:<20} "
                   f"{report.rate(row.range.low, row.range.uncertain.path):>9} .. "
                   f"{report.rate(row.range.high, row.range.uncertain.path):<9} "
                   f"{report.money(row.at_low):>10} .. {report.money(row.at_high):<10} swing {report.money(row.swing)}")
    click.echo(f"tornado: {out['html'].relative_to(PROJECT_ROOT)} (and .csv, .xlsx)")


def run_points(database, points: list[Point], first: int, last: int, verbose: bool) -> None:
    """Every point's runs (the base design first when there is one, then the design studied), as batch runs a
    grid: one lock and one backup; each variant's years are cleared first (clear all), so its horizon is
    START..END and nothing of an earlier study with other years lingers."""
    run = years.Run(database, "sensitivity", Console(verbose=verbose), write_reports=False)
    plans = [(point.change, years.plan_years(database, effective, first, last, "all"))
             for point in points for effective in (point.base, point.alt) if effective is not None]
    years.start(run, list(range(first, last + 1)), [plan.effective.label for _, plan in plans])
    status = "failed"
    try:
        for index, (change, plan) in enumerate(plans, start=1):
            click.echo(f"== {index}/{len(plans)} {plan.effective.label}: {change}")
            years.execute(run, plan)
            # the first run built every report view and ran every check of the rules; the others differ from it
            # by one setting: they build what the reports read and run the marts' checks and the tripwires only
            # (a lean run, as a backtest's; no year checkpoint: make sensitivity re-runs them whole)
            run.lean = True
        status = "success"
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    finally:
        years.finish(run, status)
