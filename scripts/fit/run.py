"""`fit_history`: snapshots in, the fitted assumption tables, scenario file and report out."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from planalign.engine.plan_designs import load_plan_design, match_maximizing_rate, plan_design_ids
from planalign.errors import PlanAlignError
from planalign.fit import estimate as est
from planalign.fit.history import History, build_person_years, load_history
from planalign.fit.output import Outputs, assemble_tables, write_outputs
from planalign.paths import PROJECT_ROOT

NAME = re.compile(r"[a-z][a-z0-9_]{0,62}")


@dataclass
class FitResult:
    name: str
    history: History
    estimates: list[est.Estimate]
    outputs: Outputs
    seconds: float = 0.0
    pooled: int = 0
    notes: list[str] = field(default_factory=list)
    history_plan: str | None = None  # the design the history's deferrals were chosen under, when not the default


def check_name(name: str) -> None:
    if not NAME.fullmatch(name):
        raise PlanAlignError(f"NAME '{name}' is not a valid scenario name",
                             hint="use lower-case letters, digits and _ starting with a letter, e.g. NAME=acme")


def fit_history(paths: list[Path], name: str, force: bool = False, root: Path = PROJECT_ROOT,
                sheet: str | None = None, pay_band_increase: float | None = None,
                history_plan: str | None = None) -> FitResult:
    """Fit the engine's assumptions from 2+ yearly snapshots and write them under `root`; `sheet` names the sheet
    of .xlsx snapshots (default: each workbook's first). The pay bands are the shipped ones as of the first
    snapshot's year, moving by `pay_band_increase` a year (default: the shipped workforce.pay_band_increase);
    they are not estimated. `history_plan` names the seeded design the history's deferral rates were chosen under
    (default: the census plan of the baseline scenario, var census_plan_design_id): its match-maximizing rate is
    the one the match response is measured at."""
    started = time.perf_counter()
    check_name(name)
    plan_id, match_rate = history_match_rate(history_plan)
    outputs = Outputs(root, name)
    outputs.refuse_overwrite(force)
    defaults = est.Defaults()
    levels = [int(row["job_level"]) for row in defaults.levels]
    con = duckdb.connect()
    try:
        con.execute("set threads = 2")
        est.register_seeds(con)
        history = load_history(con, [Path(p) for p in paths], levels, sheet)
        band_rate = float(defaults.vars["pay_band_increase"] if pay_band_increase is None else pay_band_increase)
        est.register_year_bands(con, history.years, band_rate)
        build_person_years(con, history, str(defaults.vars["promotion_month_day"]))
        estimates, term_cells = est.termination_estimates(con, history, defaults, levels)
        check_exposure_identity(term_cells, history.person_years)
        estimates.append(est.new_hire_termination(con, history, defaults))
        promotion_bands, transitions, _ = est.promotion_estimates(con, defaults, levels)
        raises, merit, cola = est.raise_estimates(con, defaults, levels, history.years)
        estimates += promotion_bands + transitions + raises
        estimates.append(est.promotion_increase(con, defaults, merit, cola))
        estimates.append(est.growth_estimate(con, history, defaults))
        hiring, pay_range = est.hiring_estimates(con, defaults, levels)
        estimates += hiring
        enrollment = None
        if history.has_deferrals:
            enrollment_rows, enrollment = est.enrollment_estimates(con, defaults, match_rate)
            estimates += enrollment_rows
    finally:
        con.close()
    tables, settings = assemble_tables(estimates, defaults, levels, merit, cola, enrollment, pay_range,
                                       (band_rate, history.years[-1] - history.years[0]))
    result = FitResult(name, history, estimates, outputs, pooled=sum(1 for e in estimates
                                                                            if e.pooled and e.method != "default"),
                       history_plan=history_plan)
    if history.has_deferrals:
        result.notes.append(f"match response measured at the match-maximizing rate of the plan design '{plan_id}' "
                            + (f"({match_rate:g})" if match_rate is not None else "(none: it has no match)")
                            + ("" if history_plan else "; HISTORY_PLAN= names another"))
    if not history.hires_seen_leaving:
        result.notes.append("new_hire_termination_rate kept at its default: under the absent convention a hire who "
                            "left within the year is in no snapshot")
    if not history.has_deferrals:
        result.notes.append("no deferral_rate or enrollment_date in the history: the enrollment tables are the "
                            "shipped ones")
    result.notes.append(f"pay bands: the shipped bands as those of {history.years[0]}, moved by pay_band_increase "
                        f"{band_rate:g} a year (not estimated); job_levels.csv holds them as of {history.years[-1]}")
    result.seconds = time.perf_counter() - started
    write_outputs(outputs, tables, settings, result)
    return result


def history_match_rate(history_plan: str | None) -> tuple[str, float | None]:
    """The history's plan (a seeded design id; default the var census_plan_design_id) and its match-maximizing
    rate, refused in one line when the id is not a seeded design."""
    plan_id = history_plan or str(est.project_vars()["census_plan_design_id"])
    if plan_id not in plan_design_ids():
        raise PlanAlignError(f"HISTORY_PLAN '{plan_id}' is not a plan design of seeds/plan_designs.csv",
                             hint=f"name the design the history's deferrals were chosen under: "
                                  f"{', '.join(plan_design_ids())}")
    rate = match_maximizing_rate(load_plan_design(plan_id))
    return plan_id, None if rate is None else float(rate)


def check_exposure_identity(cells: list[tuple], person_years: int) -> None:
    """Every person-year is in exactly one termination cell: the cells' exposures add up to the total."""
    total = sum(cell[3] for cell in cells)
    if total != person_years:
        raise PlanAlignError(f"internal check failed: the termination cells hold {total:,.0f} person-years, the "
                             f"history {person_years:,}", hint="report this with the command you ran",
                             exit_code=1)
