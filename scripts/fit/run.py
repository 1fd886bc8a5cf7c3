"""`fit_history`: snapshots in, the fitted assumption tables, scenario file and report out."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

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


def check_name(name: str) -> None:
    if not NAME.fullmatch(name):
        raise PlanAlignError(f"NAME '{name}' is not a valid scenario name",
                             hint="use lower-case letters, digits and _ starting with a letter, e.g. NAME=acme")


def fit_history(paths: list[Path], name: str, force: bool = False, root: Path = PROJECT_ROOT,
                sheet: str | None = None, pay_band_increase: float | None = None) -> FitResult:
    """Fit the engine's assumptions from 2+ yearly snapshots and write them under `root`; `sheet` names the sheet
    of .xlsx snapshots (default: each workbook's first). The pay bands are the shipped ones as of the first
    snapshot's year, moving by `pay_band_increase` a year (default: the shipped workforce.pay_band_increase);
    they are not estimated."""
    started = time.perf_counter()
    check_name(name)
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
            enrollment_rows, enrollment = est.enrollment_estimates(con, defaults)
            estimates += enrollment_rows
    finally:
        con.close()
    tables, settings = assemble_tables(estimates, defaults, levels, merit, cola, enrollment, pay_range,
                                       (band_rate, history.years[-1] - history.years[0]))
    result = FitResult(name, history, estimates, outputs, pooled=sum(1 for e in estimates
                                                                            if e.pooled and e.method != "default"))
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


def check_exposure_identity(cells: list[tuple], person_years: int) -> None:
    """Every person-year is in exactly one termination cell: the cells' exposures add up to the total."""
    total = sum(cell[3] for cell in cells)
    if total != person_years:
        raise PlanAlignError(f"internal check failed: the termination cells hold {total:,.0f} person-years, the "
                             f"history {person_years:,}", hint="report this with the command you ran",
                             exit_code=1)
