"""`sensitivity`: a tornado of the horizon's net employer cost (or its difference from a base), each uncertain
assumption at its low and its high value, one at a time. `batch` draws the same tornado for every alternative
against its base at the end of a grid.

A study runs every point at once, as the replications of one scenario variant (<scenario>__sens) per side (the
design studied, and the base when there is one): point p is replications p*R+1..(p+1)*R, it sets its assumption
(var sensitivity_points, macro uncertain_setting) and its replications draw the random numbers of the plain
run's replications 1..R (or of the single run, R = 1; macro uniform_draw). So a point is, event for event, the
run a user would make apart with `--set <assumption>=<value>`, and all the points share their draws (common
random numbers): a swing is the assumption's effect. One build per year and side instead of one per point.
The metric is read from the report models (scripts/store/db.py); scripts/reports/sensitivity.py draws it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import click

from planalign.cli import options
from planalign.cli.console import Console
from planalign.engine import uncertainty, years
from planalign.engine.config import MAX_REPLICATIONS, Effective
from planalign.errors import PlanAlignError
from planalign.keys import RunKey
from planalign.paths import PROJECT_ROOT, checked_database, report_folder
from planalign.reports import html as report_html
from planalign.reports import sensitivity as report
from planalign.store import db

MAX_ID = 58  # the scenario id's part of a variant id (ids are at most 64 characters)


@dataclass(frozen=True)
class Point:
    """One point of the study: its tag, what it sets for people, and the vars it sets (none: the central point)."""

    tag: str
    change: str
    settings: dict[str, float]


@dataclass(frozen=True)
class Side:
    """A (scenario, design) the study runs: the name the user gave, and the effective configuration of its
    variant (the points as its replications)."""

    name: str
    effective: Effective
    draws: int

    @property
    def key(self) -> RunKey:
        return self.effective.key


def variant_id(scenario_id: str) -> str:
    return f"{scenario_id[:MAX_ID]}__sens"


def study_points(found: list[uncertainty.Range]) -> list[Point]:
    """The central point, then each assumption at its low and its high value."""
    points = [Point("central", "central values", {})]
    for found_range in found:
        name = uncertainty.var_name(found_range.uncertain)
        for end, value in (("low", found_range.low), ("high", found_range.high)):
            points.append(Point(f"{found_range.key}:{end}", f"{found_range.uncertain.path}={value:g}",
                                {name: value}))
    return points


def side(database, scenario: str, census: str | None, design: str | None, sets: tuple[str, ...],
         replications: int | None, start: int | None, points: list[Point], name: str | None = None,
         draws: int | None = None) -> Side:
    """The variant of (scenario, design) that runs every point: the plain run's replication set decides the
    draws (a Monte Carlo set of R: every point is R replications, or the first `draws` of them; the single run:
    one each)."""
    plain = options.effective_from(database, scenario, census, design, sets, replications, start)
    draws = min(draws or plain.replications.count, plain.replications.count) or 1
    total = len(points) * draws
    if total > MAX_REPLICATIONS:
        raise PlanAlignError(f"the study needs {len(points)} points x {draws} replications = {total} replications, "
                             f"more than {MAX_REPLICATIONS}",
                             hint="vary fewer assumptions (VARY=) or use fewer replications (REPLICATIONS=)")
    # the variant draws nothing: a tornado moves one assumption at a time around fixed central values
    variant_sets = (*sets, f"scenario_id={variant_id(plain.scenario_id)}", "parameter_uncertainty=false")
    effective = options.effective_from(database, scenario, census, design, variant_sets, total, start)
    effective.study_points = uncertainty.points_var(
        [point.settings for point in points], draws, 1 if plain.replications.is_monte_carlo else 0)
    return Side(name or plain.label, effective, draws)


def run_sides(run: years.Run, sides: list[Side], first: int, last: int, resume: bool = False) -> None:
    """Every side's years (the base first), each variant's years cleared first (clear all), so its horizon is
    first..last and nothing of an earlier study with other years lingers; with resume, the years whose
    checkpoint matches are kept (a batch RESUME=1). A run whose report views are built (run.lean) builds what
    the reports read and runs the marts' checks and the tripwires only. Both callers (`sensitivity`,
    `batch-study`) make the run with write_reports=False: a variant's replications are the study's points, not
    draws, so it has no run report or summary CSV of its own."""
    plans = [years.plan_resume(run.database, s.effective, last) if resume
             else years.plan_years(run.database, s.effective, first, last, "all") for s in sides]
    for index, plan in enumerate(plans, start=1):
        click.echo(f"== sensitivity {index}/{len(plans)} {plan.effective.label}: "
                   f"{len(plan.effective.replication_ids)} replications")
        years.execute(run, plan)
        run.lean = True


def point_values(con, s: Side, points: list[Point]) -> list[float]:
    """Each point's horizon net employer cost on one side: the mean over its replications (rpt_scenario_metrics)."""
    by_replication = db.horizon_net_cost_by_replication(con, s.key)
    values = []
    for index, point in enumerate(points):
        ids = uncertainty.point_replications(index, s.draws)
        missing = [i for i in ids if i not in by_replication]
        if missing:
            raise PlanAlignError(f"no net employer cost over the horizon for {s.key.label} replication "
                                 f"{missing[0]} ({point.change}) in the database",
                                 hint="the run did not finish; run the study again")
        values.append(math.fsum(by_replication[i] for i in ids) / s.draws)
    return values


def replication_text(index: int, draws: int) -> str:
    ids = uncertainty.point_replications(index, draws)
    return str(ids[0]) if len(ids) == 1 else f"{ids[0]}-{ids[-1]}"


def studies(database, sides: list[Side], found: list[uncertainty.Range], points: list[Point], first: int,
            last: int, scenario_id: str) -> list[report.Study]:
    """The tornado of every side against the first when there are several (the difference of the horizon's net
    cost, paired replication by replication: the same draws), else of the one side's net cost."""
    with db.read_only(database) as con:
        values = [point_values(con, s, points) for s in sides]
    base = sides[0] if len(sides) > 1 else None
    out = []
    for s, side_values in zip(sides[1:] if base else sides, values[1:] if base else values, strict=True):
        metric = [v - b for v, b in zip(side_values, values[0], strict=True)] if base else side_values
        index = {point.tag: i for i, point in enumerate(points)}
        rows = [report.Row(r, replication_text(index[f"{r.key}:low"], s.draws),
                           replication_text(index[f"{r.key}:high"], s.draws),
                           metric[index[f"{r.key}:low"]], metric[index[f"{r.key}:high"]]) for r in found]
        out.append(report.Study(scenario_id, s.effective.plan_design_id, base.name if base else None, first, last,
                                s.draws if s.effective.study_points["first_draw"] else 0, metric[0],
                                s.effective.scenario_id, rows, side_name=s.name))
    return out


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
    points = study_points(found)
    common = (database, scenario_name, census_path)
    rest = (sets, replications, start, points)
    sides = ([side(*common, base_design, *rest, name=base_design)] if base_design else []) + \
        [side(*common, plan_design_id, *rest, name=central.plan_design_id)]
    run = years.Run(database, "sensitivity", Console(verbose=verbose), write_reports=False)
    with years.running(run, list(range(first, last + 1)), [s.effective.label for s in sides]):
        run_sides(run, sides, first, last)
    study = studies(database, sides, found, points, first, last, central.scenario_id)[0]
    with db.read_only(database) as con:
        provenance = [(f"central: {central.label}",
                       report_html.provenance_of(con, sides[-1].key))]
    out = report.write(study, report_folder(database, central.scenario_id, central.plan_design_id) / "sensitivity",
                       provenance)
    echo_study(study)
    click.echo(f"tornado: {out['html'].relative_to(PROJECT_ROOT)} (and .csv, .xlsx)")


def echo_study(study: report.Study) -> None:
    central = report.money(study.central, bool(study.base_design_id))
    click.echo(f"\nsensitivity of the {study.metric}: central {central}")
    for row in study.ordered:
        click.echo(f"  {row.range.uncertain.label:<42} {row.range.source:<20} "
                   f"{report.rate(row.range.low, row.range.uncertain.path):>9} .. "
                   f"{report.rate(row.range.high, row.range.uncertain.path):<9} "
                   f"{report.money(row.at_low):>10} .. {report.money(row.at_high):<10} swing {report.money(row.swing)}")
