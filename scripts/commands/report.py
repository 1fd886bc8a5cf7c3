"""Reporting: `compare` - two or more simulated scenarios (or scenario/design pairs) side by side.

The numbers come from the rpt_scenario_comparison model; this module only picks the rows and writes them.
"""

from __future__ import annotations

from pathlib import Path

import click

from scripts import db
from scripts.config import resolve, scenario_file
from scripts.errors import PlanAlignError
from scripts.paths import PROJECT_ROOT, database_path

HEADLINE = ("end_headcount", "employer_match", "employer_core", "employer_cost", "participation_rate")


def _side(con, text: str) -> tuple[str, str, set[str]]:
    """`scenario` or `scenario/design` -> (scenario, design, replication sets stored)."""
    scenario_id, _, plan_design_id = text.partition("/")
    stored = db.designs_of(con, scenario_id)
    designs = sorted({design for design, _ in stored})
    if not stored:
        raise PlanAlignError(f"scenario '{scenario_id}' has no simulated years in {database_path()}",
                             hint=f"run it first: make simulate SCENARIO={scenario_id} (or make batch)")
    if not plan_design_id:
        if len(designs) == 1:
            plan_design_id = designs[0]
        else:
            try:
                plan_design_id = resolve(scenario_file(scenario_id)).plan_design_id
            except PlanAlignError:
                plan_design_id = ""
            if plan_design_id not in designs:
                raise PlanAlignError(f"scenario '{scenario_id}' has several plan designs ({', '.join(designs)})",
                                     hint=f"say which: {scenario_id}/{designs[0]}")
    if plan_design_id not in designs:
        raise PlanAlignError(f"scenario '{scenario_id}' has no plan design '{plan_design_id}' in the database",
                             hint=f"stored: {', '.join(designs)}")
    return scenario_id, plan_design_id, {s for d, s in stored if d == plan_design_id}


def write_comparison(database: Path, base: str, alt: str) -> Path:
    """reports/compare/<base>__vs__<alt>.csv: per year and for the horizon, both sides, the differences
    and - when both sides have Monte Carlo replications - their P10-P90 bands and the paired difference's."""
    with db.read_only(database) as con:
        base_id, base_design, base_sets = _side(con, base)
        alt_id, alt_design, alt_sets = _side(con, alt)
        common = base_sets & alt_sets
        if not common:
            raise PlanAlignError(f"{base} and {alt} cannot be compared: one is a single run, the other only "
                                 "Monte Carlo replications", hint="run both the same way (REPLICATIONS=)")
        replication_set = "monte_carlo" if "monte_carlo" in common else "single"
        columns, rows = db.comparison(con, (base_id, base_design), (alt_id, alt_design), replication_set)
    if not rows:
        raise PlanAlignError(f"{base} and {alt} have no simulated year in common")
    folder = PROJECT_ROOT / "reports" / "compare"
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"{_name(base_id, base_design)}__vs__{_name(alt_id, alt_design)}.csv"
    db.write_rows_csv(columns, rows, out)
    return out


def _name(scenario_id: str, plan_design_id: str) -> str:
    """The scenario's name alone when it ran its own design, else scenario-design."""
    try:
        own = resolve(scenario_file(scenario_id)).plan_design_id
    except PlanAlignError:
        own = None
    return scenario_id if own == plan_design_id else f"{scenario_id}-{plan_design_id}"


def print_headline(path: Path) -> None:
    import csv

    with path.open(newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["period"] == "horizon" and row["metric"] in HEADLINE]
    for row in rows:
        band = (f"  difference P10-P90 {float(row['difference_p10']):>14,.2f} .. {float(row['difference_p90']):,.2f}"
                if row.get("difference_p10") else "")
        rel = f"{float(row['rel_difference']) * 100:+.1f}%" if row.get("rel_difference") else ""
        scale, unit = (100, "%") if row["metric"].endswith("_rate") else (1, "")
        values = [float(row[key]) * scale for key in ("base_value", "alt_value", "abs_difference")]
        if band:
            low, high = (float(row[key]) * scale for key in ("difference_p10", "difference_p90"))
            band = f"  difference P10..P90 {low:,.2f}{unit} .. {high:,.2f}{unit}"
        click.echo(f"  {row['metric']:<22} base {values[0]:>16,.2f}{unit:1}  alt {values[1]:>16,.2f}{unit:1}  "
                   f"diff {values[2]:>+15,.2f}{unit:1} {rel:>8}{band}")


@click.command("compare")
@click.option("--base", required=True, help="scenario or scenario/design: the reference side")
@click.option("--alt", "alts", required=True, multiple=True,
              help="scenario or scenario/design to compare with BASE (repeatable; space-separated in make)")
def compare_command(base: str, alts: tuple[str, ...]) -> None:
    """Write reports/compare/<base>__vs__<alt>.csv for each ALT: per year and for the whole horizon,
    each metric for both sides with absolute and relative differences (and bands with replications)."""
    database = database_path()
    if not database.exists():
        raise PlanAlignError(f"no database at {database}", hint="simulate first (make simulate or make batch)")
    for alt in [name for text in alts for name in text.split()]:
        path = write_comparison(database, base, alt)
        click.echo(f"{base} vs {alt}: {path.relative_to(PROJECT_ROOT)}; over the horizon:")
        print_headline(path)
