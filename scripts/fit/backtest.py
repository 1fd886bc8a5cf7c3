"""`backtest`: fit on the earlier snapshots of a history, simulate the held-out years, compare with what happened.

The last HOLDOUT snapshots are held out. The rest are fitted with `fit_history` into the backtest's own folder
(reports/backtest/<name>/: never the user's assumptions/<name> or scenarios/<name>.yml). The fitted scenario is
simulated from the last training snapshot over the held-out years as a Monte Carlo set (replications 1..R of
one seed: common random numbers) into its own database there. By default each held-out year is simulated with
the headcount growth actually observed in it (a planner knows the hiring plan): the engine takes one growth
rate per run, so the years are built one at a time, each with its own rate, on the state the year before
left. GROWTH=fitted uses the fitted growth for every year. With SCENARIO= nothing is fitted: that scenario's own
assumptions are simulated (the true ones of a history census-history wrote), restarted from the last training
snapshot as a continuation of the run that began at the scenario's start year (its pay bands stand in that year).

Both sides are measured by the same definitions, in plain DuckDB SQL here (not the engine's models): the
held-out census files give the actual values; each replication's Dec 31 state (fct_workforce_snapshot, the
rows census-history would write as a census file, with or without the year's leavers as the held-out files
have them) gives a predicted value. docs/fitting.md ("Backtest") states every definition.
"""

from __future__ import annotations

import json
import math
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
from scipy import stats

from planalign.engine import years as year_protocol
from planalign.engine.config import Effective, resolve, scenario_file
from planalign.engine.results import RunObserver
from planalign.errors import PlanAlignError
from planalign.fit import estimate as est
from planalign.fit.history import Snapshot, level_of, load_history, order_snapshots
from planalign.fit.output import Outputs
from planalign.fit.run import FitResult, check_name, fit_history
from planalign.fit.scorecard import BAND, write_scorecard
from planalign.paths import PROJECT_ROOT

GROWTHS = ("observed", "fitted")
# The file name of the default database (in the backtest's own folder): dbt parses the project for a database's
# file name only (runner.parse_environment), so a backtest reuses the parse a default run saved, and the run
# after it reuses the backtest's, where another name made each of them parse the whole project again.
DATABASE_NAME = "planalign.duckdb"


@dataclass
class Metric:
    """One compared quantity of one held-out year: the actual and every replication's predicted value."""

    year: int  # the simulated plan year (its state is the snapshot of year + 1)
    metric: str
    key: str  # "level 2", or "" for the whole workforce
    unit: str  # count, share, money, rate
    actual: float
    predicted: list[float]
    band_method: str = "replications"
    scored: bool = True  # False: shown, not counted in the share inside the band (headcount under observed growth)
    low: float = math.nan
    high: float = math.nan

    @property
    def mean(self) -> float:
        return float(np.mean(self.predicted))

    @property
    def error(self) -> float:
        return self.mean - self.actual

    @property
    def relative_error(self) -> float:
        return self.error / self.actual if self.actual else math.nan

    @property
    def inside(self) -> bool:
        digits = 2 if self.unit in ("count", "money") else 8  # compared as shown, not by float noise
        return round(self.low, digits) <= round(self.actual, digits) <= round(self.high, digits)


@dataclass
class Backtest:
    name: str
    folder: Path
    training: list[Snapshot]
    held_out: list[Snapshot]
    replications: int
    growth: str
    growth_rates: dict[int, float]  # simulated year -> target_growth_rate used
    convention: str  # dated or absent: how the held-out files show leavers
    seed: int
    fit: FitResult | None = None
    scenario: Path | None = None  # SCENARIO=: the scenario whose assumptions were simulated instead of a fit
    metrics: list[Metric] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    scorecard: dict[str, Path] = field(default_factory=dict)

    @property
    def years(self) -> list[int]:
        return [snapshot.year - 1 for snapshot in self.held_out]

    @property
    def coverage(self) -> tuple[int, int]:
        """(metrics inside their band, metrics scored)."""
        counted = [m for m in self.metrics if m.scored]
        return sum(m.inside for m in counted), len(counted)


def split_history(paths: Sequence[Path], holdout: int) -> tuple[list[Snapshot], list[Snapshot]]:
    """The training and held-out snapshots, refused in one line when the split leaves no fit or no test."""
    if holdout < 1:
        raise PlanAlignError(f"HOLDOUT must be at least 1, got {holdout}",
                             hint="HOLDOUT is the number of last snapshots held out, e.g. HOLDOUT=1")
    if holdout >= len(paths):
        raise PlanAlignError(f"HOLDOUT={holdout} holds out all {len(paths)} snapshot(s): nothing is left to fit on",
                             hint="give more snapshots in HISTORY or a smaller HOLDOUT (a backtest needs 2 training "
                                  "snapshots plus the held-out ones)")
    if len(paths) - holdout < 2:
        raise PlanAlignError(f"HOLDOUT={holdout} of {len(paths)} snapshots leaves {len(paths) - holdout} to fit on; "
                             "a fit needs at least 2",
                             hint=f"give at least {holdout + 2} snapshots in HISTORY, or a smaller HOLDOUT")
    snapshots = order_snapshots([Path(p) for p in paths])
    return snapshots[:-holdout], snapshots[-holdout:]


def check_request(replications: int, growth: str) -> None:
    if replications < 2:
        raise PlanAlignError(f"REPLICATIONS must be at least 2, got {replications}: one replication has no band",
                             hint="e.g. REPLICATIONS=20 (the band is the 10th to 90th percentile of the "
                                  "replications)")
    if growth not in GROWTHS:
        raise PlanAlignError(f"GROWTH must be observed or fitted, got {growth!r}",
                             hint="observed (default): each held-out year's actual headcount growth; fitted: the "
                                  "growth fitted on the training years")


def backtest(paths: Sequence[Path], holdout: int = 1, replications: int = 20, name: str = "backtest",
             growth: str = "observed", seed: int | None = None, out: Path | None = None,
             observer: RunObserver | None = None, scenario: str | None = None) -> Backtest:
    """Fit, simulate and score (see the module docstring) into `out` (default reports/backtest/<name>/). The
    request and the held-out files are refused before anything is written; a refused fit leaves an earlier
    backtest of the folder as it was. `scenario`: simulate that scenario's assumptions instead of a fit."""
    check_name(name)
    check_request(replications, growth)
    training, held_out = split_history(paths, holdout)
    folder = (out or PROJECT_ROOT / "reports" / "backtest" / name).resolve()
    check_folder(folder)
    given = None if scenario is None else given_scenario(scenario)
    con = duckdb.connect()
    try:
        con.execute("set threads = 2")
        clock = time.perf_counter()
        actual = read_actuals(con, [training[-1], *held_out])
        convention = "dated" if actual["dated"] else "absent"
        if given is None:
            fit = fit_into(folder, [s.path for s in training], name)
            fitted_growth = next(e.estimate for e in fit.estimates if e.name == "target_growth_rate")
        else:
            fit, fitted_growth = None, given.scenario.workforce.target_growth_rate
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            (folder / MARKER).write_text("written by planalign backtest; a new backtest of this name replaces the "
                                         "folder\n")
        after_fit = time.perf_counter()
        result = Backtest(name, folder, training, held_out, replications, growth,
                          {}, convention, 0, fit, None if given is None else given.chain[0])
        result.seconds["fit"] = round(after_fit - clock, 1)
        effectives = configurations(result, actual["growth"], fitted_growth, seed)
        result.seed = effectives[0].scenario.random_seed
        database = folder / "run" / DATABASE_NAME
        if growth == "observed":
            year_protocol.simulate_year_by_year(database, effectives, "backtest", observer, lean=True)
        else:
            year_protocol.simulate_into(database, effectives[0], "backtest", observer, lean=True)
        after_simulation = time.perf_counter()
        result.seconds["simulate"] = round(after_simulation - after_fit, 1)
        read_predictions(con, database, effectives[0], result)
        result.metrics = score(con, result, actual["levels"], actual["has_deferrals"])
    finally:
        con.close()
    if convention == "absent":
        result.notes.append("the held-out files leave leavers out (absent convention): a hire who left within the "
                            "year is in no file, so new-hire terminations are not compared and hires are the "
                            "hires still employed on Jan 1")
    if not actual["has_deferrals"]:
        result.notes.append("the history has no deferral_rate: participation and deferral are not compared")
    result.scorecard = write_scorecard(result)
    result.seconds["score"] = round(time.perf_counter() - after_simulation, 1)
    return result


MARKER = ".planalign-backtest"  # a folder holding it was written by a backtest: a new one may replace it


def check_folder(folder: Path) -> None:
    """The backtest writes into a new or empty folder, or replaces an earlier backtest's: never anything else."""
    if folder.exists() and not folder.is_dir():
        raise PlanAlignError(f"the backtest folder {folder} is a file", hint="name a folder with --out, or move the "
                                                                             "file away")
    if folder.is_dir() and any(folder.iterdir()) and not (folder / MARKER).is_file():
        raise PlanAlignError(f"{folder} holds files that are not a backtest's; a backtest writes into a new or "
                             "empty folder, or replaces an earlier backtest", hint="name another folder with --out")


def fit_into(folder: Path, paths: list[Path], name: str) -> FitResult:
    """fit_history into a staging folder beside `folder`; only when the fit succeeded is an earlier backtest's
    folder replaced by it (a refused fit leaves the earlier backtest as it was)."""
    stage = folder.parent / f".{folder.name}.fitting"
    shutil.rmtree(stage, ignore_errors=True)
    try:
        fit = fit_history(paths, name, force=True, root=stage)
        shutil.rmtree(folder, ignore_errors=True)
        stage.replace(folder)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    (folder / MARKER).write_text("written by planalign backtest; a new backtest of this name replaces the folder\n")
    fit.outputs = Outputs(folder, name)
    # the fitted scenario names its tables relative to the project: point it at the backtest's own copy
    scenario = fit.outputs.scenario
    scenario.write_text(scenario.read_text().replace(
        f"\nassumptions: assumptions/{name}\n",
        f"\nassumptions: {json.dumps(str(fit.outputs.assumptions.resolve()))}\n"))
    return fit


def given_scenario(name: str) -> Effective:
    """SCENARIO= of a backtest: the scenario file, resolved (so a bad one is refused before anything is written)."""
    return resolve(scenario_file(name), {})


def configurations(result: Backtest, observed: dict[int, float], fitted_growth: float,
                   seed: int | None) -> list[Effective]:
    """backtest.yml: the fitted scenario with the backtest's own tables (or SCENARIO=, as it is), census, years and
    replications; one configuration per held-out year, each with its target growth."""
    fit = result.fit
    years = result.years
    for year in years:
        result.growth_rates[year] = round(observed[year] if result.growth == "observed" else fitted_growth, 8)
    path = result.folder / "backtest.yml"
    if result.scenario is None:
        source = [f"# Written by `planalign backtest`: the fit of {', '.join(s.path.name for s in result.training)} "
                  f"simulated over {years[0]}-{years[-1]}.",
                  f"extends: scenarios/{result.name}.yml",
                  f"scenario_id: {result.name}",
                  f"assumptions: {json.dumps(str(fit.outputs.assumptions.resolve()))}"]
    else:
        # The scenario's run began at its own start year: the history's hires since the first snapshot are the plan's
        # new hires, and its job_levels hold the bands of its start year (unless it says which year they are).
        own = resolve(result.scenario, {}).scenario
        band_year = own.workforce.pay_band_year or own.start_year
        source = [f"# Written by `planalign backtest`: the assumptions of {result.scenario} (not fitted) simulated "
                  f"over {years[0]}-{years[-1]}.",
                  f"extends: {json.dumps(str(result.scenario))}",
                  f"scenario_id: {result.name}",
                  f"census_new_hires_since: '{result.training[0].year}-01-01'",
                  "workforce:",
                  f"  pay_band_year: {band_year}"]
    lines = [source[0],
             "# Each year's workforce.target_growth_rate (growth " + result.growth + "): "
             + ", ".join(f"{year}: {rate!r}" for year, rate in result.growth_rates.items()),
             *source[1:],
             f"census_path: {json.dumps(str(result.training[-1].path.resolve()))}",
             f"start_year: {years[0]}",
             f"end_year: {years[-1]}",
             f"replications: {result.replications}"]
    if seed is not None:
        lines.append(f"random_seed: {seed}")
    path.write_text("\n".join(lines) + "\n")
    return [resolve(path, {}, [f"workforce.target_growth_rate={result.growth_rates[year]!r}"]) for year in years]


# ---- the two sides, in one table of states ---------------------------------------------------------

STATE_COLUMNS = ("source varchar, replication_id integer, snapshot_year integer, employee_id varchar, "
                 "hire_date date, termination_date date, annual_compensation double, job_level integer, "
                 "deferral_rate double")


def read_actuals(con: duckdb.DuckDBPyConnection, snapshots: list[Snapshot]) -> dict:
    """The last training snapshot and the held-out ones into `states` (source 'actual', replication 0), read
    and refused by the fit's own reader; the observed growth of each simulated year."""
    est.register_seeds(con)
    levels = [int(row["job_level"]) for row in est.Defaults().levels]
    load_history(con, [s.path for s in snapshots], levels)
    con.execute(f"create or replace table states ({STATE_COLUMNS})")
    con.execute(f"""
        insert into states
        select 'actual', 0, s.snapshot_year, s.employee_id, s.hire_date, s.termination_date,
            s.annual_compensation, {level_of('s')}, s.deferral_rate
        from snapshots as s""")
    active = dict(con.execute(f"select snapshot_year, count(*) from states where {ACTIVE} group by all").fetchall())
    years = [s.year for s in snapshots]
    growth = {}
    for year in years[:-1]:
        if not active.get(year):
            raise PlanAlignError(f"{snapshots[years.index(year)].path.name} has nobody active on Jan 1 {year}",
                                 hint="the backtest starts from the last training snapshot: it needs employees")
        growth[year] = active.get(year + 1, 0) / active[year] - 1
    dated, deferrals = con.execute(
        f"select count(termination_date) > 0, count(deferral_rate) > 0 from states "
        f"where snapshot_year > {years[0]}").fetchone()
    return {"growth": growth, "dated": bool(dated), "has_deferrals": bool(deferrals), "levels": levels}


ACTIVE = ("hire_date <= make_date(snapshot_year, 1, 1) and (termination_date is null "
          "or termination_date >= make_date(snapshot_year, 1, 1))")


def read_predictions(con: duckdb.DuckDBPyConnection, database: Path, effective: Effective, result: Backtest) -> None:
    """Every replication's state on Jan 1 of each held-out snapshot year into `states` (source 'predicted'):
    the Dec 31 snapshot of the year before, its leavers of that year kept only when the held-out files keep
    theirs; the start (the last training snapshot) is the same for every replication."""
    key = effective.key
    start = result.training[-1].year
    con.execute(f"attach '{str(database).replace(chr(39), chr(39) * 2)}' as run (read_only)")
    try:
        con.execute(f"""
            insert into states
            select 'predicted', replications.replication_id, states.snapshot_year, states.employee_id,
                states.hire_date, states.termination_date, states.annual_compensation, states.job_level,
                states.deferral_rate
            from states
            cross join (select unnest(range(1, {result.replications + 1})) as replication_id) as replications
            where states.source = 'actual' and states.snapshot_year = {start}""")
        con.execute("""
            insert into states
            select 'predicted', replication_id, simulation_year + 1, employee_id, hire_date,
                case when employment_status <> 'active' then termination_date end,
                cast(cast(annual_compensation as decimal(18, 2)) as double), job_level,
                cast(cast(deferral_rate as decimal(6, 4)) as double)
            from run.fct_workforce_snapshot
            where scenario_id = $scenario and plan_design_id = $plan and list_contains($replications, replication_id)
                and simulation_year between $first and $last
                and (employment_status = 'active' or $with_leavers)""",
                    {**key.params, "first": result.years[0], "last": result.years[-1],
                     "with_leavers": result.convention == "dated"})
    finally:
        con.execute("detach run")


# ---- the metrics ----------------------------------------------------------------------------------

STATES_SQL = f"""
with

actives as (
    select * from states where {ACTIVE}
),

starts as (
    select * from actives where snapshot_year = $year
),

ends as (
    select * from actives where snapshot_year = $year + 1
),
"""

METRICS_SQL = STATES_SQL + """

end_rows as (
    select * from states where snapshot_year = $year + 1
),

sides as (
    select distinct source, replication_id from states where snapshot_year = $year + 1
),

headcounts as (
    select source, replication_id,
        count(*) filter (snapshot_year = $year) as start_headcount,
        count(*) filter (snapshot_year = $year + 1) as headcount,
        avg(annual_compensation) filter (snapshot_year = $year) as start_pay,
        avg(annual_compensation) filter (snapshot_year = $year + 1) as average_pay,
        count(*) filter (snapshot_year = $year + 1 and deferral_rate > 0) as participants,
        avg(deferral_rate) filter (snapshot_year = $year + 1 and deferral_rate > 0) as average_deferral
    from actives
    where snapshot_year in ($year, $year + 1)
    group by all
),

leavers as (
    select starts.source, starts.replication_id, count(*) as experienced_terminations
    from starts
    anti join ends
        on starts.source = ends.source and starts.replication_id = ends.replication_id
        and starts.employee_id = ends.employee_id
    group by all
),

hires as (
    select end_rows.source, end_rows.replication_id, count(*) as hires,
        count(*) filter (end_rows.termination_date < make_date($year + 1, 1, 1)) as new_hire_terminations
    from end_rows
    anti join starts
        on end_rows.source = starts.source and end_rows.replication_id = starts.replication_id
        and end_rows.employee_id = starts.employee_id
    where end_rows.hire_date >= make_date($year, 1, 1) and end_rows.hire_date < make_date($year + 1, 1, 1)
    group by all
)

select sides.source, sides.replication_id, headcounts.start_headcount, headcounts.headcount,
    coalesce(leavers.experienced_terminations, 0) as experienced_terminations,
    coalesce(hires.hires, 0) as hires, coalesce(hires.new_hire_terminations, 0) as new_hire_terminations,
    headcounts.start_pay, headcounts.average_pay, headcounts.participants, headcounts.average_deferral
from sides
left join headcounts on sides.source = headcounts.source and sides.replication_id = headcounts.replication_id
left join leavers on sides.source = leavers.source and sides.replication_id = leavers.replication_id
left join hires on sides.source = hires.source and sides.replication_id = hires.replication_id
order by sides.source, sides.replication_id
"""

LEVELS_SQL = STATES_SQL + """

moves as (
    select starts.source, starts.replication_id, starts.job_level, count(*) as promotions
    from starts
    inner join ends
        on starts.source = ends.source and starts.replication_id = ends.replication_id
        and starts.employee_id = ends.employee_id
    where starts.job_level <> ends.job_level
    group by all
),

mix as (
    select source, replication_id, job_level, count(*) as employees
    from ends
    group by all
)

select coalesce(moves.source, mix.source), coalesce(moves.replication_id, mix.replication_id),
    coalesce(moves.job_level, mix.job_level), coalesce(moves.promotions, 0), coalesce(mix.employees, 0)
from moves
full outer join mix
    on moves.source = mix.source and moves.replication_id = mix.replication_id and moves.job_level = mix.job_level
"""


def score(con: duckdb.DuckDBPyConnection, result: Backtest, levels: list[int], has_deferrals: bool) -> list[Metric]:
    metrics = [metric for year in result.years for metric in score_year(con, result, year, levels, has_deferrals)]
    for metric in metrics:
        if metric.band_method == "replications":
            metric.low, metric.high = replication_band(metric.predicted)
    return metrics


def replication_band(values: list[float]) -> tuple[float, float]:
    """The P10-P90 band of R replications as a prediction interval for one more year drawn like them: the
    quantiles at the plotting position p (R + 1) (numpy's "weibull" method; the k-th smallest of R draws sits on
    average at the k / (R + 1) quantile of their distribution), so a new draw falls inside 80% of the time.
    numpy's default position p (R - 1) + 1 gives the sample's own percentiles, a band that holds a new draw 66% of
    the time at 10 replications and 73% at 20 (tests/unit/test_backtest_arithmetic.py); below rank 1 or above rank
    R the band is the smallest or largest value."""
    low, high = np.percentile(np.asarray(values, dtype=float), BAND, method="weibull")
    return float(low), float(high)


def score_year(con: duckdb.DuckDBPyConnection, result: Backtest, year: int, levels: list[int],
               has_deferrals: bool) -> list[Metric]:
    """The metrics of one held-out year, both sides by the same SQL (docs/fitting.md, "Backtest")."""
    metrics: list[Metric] = []
    replication_ids = list(range(1, result.replications + 1))
    rows = con.execute(METRICS_SQL, {"year": year}).fetchall()
    columns = ["source", "replication_id", "start_headcount", "headcount", "experienced_terminations", "hires",
               "new_hire_terminations", "start_pay", "average_pay", "participants", "average_deferral"]
    sides = {(row[0], row[1]): dict(zip(columns, row, strict=True)) for row in rows}
    actual = sides[("actual", 0)]
    predicted = [sides[("predicted", r)] for r in replication_ids]

    def add(metric: str, unit: str, value, key: str = "", band: str = "replications",
            actual_row: dict = actual, predicted_rows: list = predicted) -> Metric:
        metrics.append(Metric(year, metric, key, unit, float(value(actual_row)),
                              [float(value(row)) for row in predicted_rows], band))
        return metrics[-1]

    # under the observed growth the headcount is the plan the simulation was given, not a prediction
    add("headcount", "count", lambda r: r["headcount"]).scored = result.growth != "observed"
    terminations = add("experienced terminations", "count", lambda r: r["experienced_terminations"],
                       band=BINOMIAL)
    binomial_band(terminations, [[(r["start_headcount"], r["experienced_terminations"])] for r in predicted])
    if result.convention == "dated":
        hires = add("hires", "count", lambda r: r["hires"], band=BINOMIAL)
        binomial_band(hires, [[(r["start_headcount"], r["experienced_terminations"]),
                               (r["hires"], r["new_hire_terminations"])] for r in predicted])
        leavers = add("new-hire terminations", "count", lambda r: r["new_hire_terminations"], band=BINOMIAL)
        binomial_band(leavers, [[(r["hires"], r["new_hire_terminations"])] for r in predicted])
    else:
        hires = add("hires still employed on Jan 1", "count", lambda r: r["hires"], band=BINOMIAL)
        binomial_band(hires, [[(r["start_headcount"], r["experienced_terminations"])] for r in predicted])
    by_level: dict[tuple, dict[int, tuple[int, int]]] = {}
    for source, replication, level, promotions, employees in con.execute(
            LEVELS_SQL, {"year": year}).fetchall():
        by_level.setdefault((source, replication), {})[level] = (promotions, employees)
    actual_levels = by_level.get(("actual", 0), {})
    predicted_levels = [by_level.get(("predicted", r), {}) for r in replication_ids]
    seen = sorted(set(actual_levels).union(*predicted_levels) & set(levels))
    for level in seen:
        add("promotions", "count", lambda r, lv=level: r.get(lv, (0, 0))[0], f"from level {level}",
            actual_row=actual_levels, predicted_rows=predicted_levels)
    for level in seen:
        def share(r, lv=level):
            total = sum(employees for _, employees in r.values())
            return r.get(lv, (0, 0))[1] / total if total else 0.0
        add("level mix", "share", share, f"level {level}", actual_row=actual_levels,
            predicted_rows=predicted_levels)
    add("average pay", "money", lambda r: r["average_pay"])
    add("pay growth", "rate", lambda r: r["average_pay"] / r["start_pay"] - 1)
    if has_deferrals:
        add("participation", "share", lambda r: r["participants"] / r["headcount"] if r["headcount"] else 0.0)
        add("average deferral rate of participants", "rate", lambda r: r["average_deferral"] or 0.0)
    return metrics


BINOMIAL = "replications + binomial scatter"


def binomial_band(metric: Metric, components: list[list[tuple[int, int]]]) -> None:
    """The band of a count the engine sets exactly (round(headcount x rate) leavers, and the hires that reach
    the growth target): each replication's count plus the binomial scatter a real year has around the rates
    the engine applied (count / base of each (base, count) component; hires move with both termination counts
    they replace), as an equal mixture over the replications; its 10th and 90th percentiles. Each binomial is
    cut where its tails fall below 1e-12 (scipy.stats.binom)."""
    parts = []
    for value, pieces in zip(metric.predicted, components, strict=True):
        first, pmf = int(value), np.ones(1)
        for base, count in pieces:
            if base <= 0 or count <= 0 or count >= base:
                continue  # a rate of 0 or 1 has no scatter
            p = count / base
            low, high = int(stats.binom.ppf(1e-12, base, p)), int(stats.binom.isf(1e-12, base, p))
            first += low - count
            pmf = np.convolve(pmf, stats.binom.pmf(np.arange(low, high + 1), base, p))
        parts.append((first, pmf))
    start = min(first for first, _ in parts)
    mixture = np.zeros(max(first + len(pmf) for first, pmf in parts) - start)
    for first, pmf in parts:
        mixture[first - start:first - start + len(pmf)] += pmf / len(parts)
    cdf = np.cumsum(mixture) / mixture.sum()
    metric.low = float(start + np.searchsorted(cdf, BAND[0] / 100 - 1e-9))
    metric.high = float(start + np.searchsorted(cdf, BAND[1] / 100 - 1e-9))
