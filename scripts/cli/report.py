"""Reporting: `compare` - two or more simulated scenarios (or scenario/design pairs) side by side;
`workforce-at` - the time machine, the workforce on a date; `timeline` - one employee's events.

The numbers come from rpt_ models and the report queries in analyses/ (run by scripts/store/db.py); this module
only picks the rows and writes them.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from planalign.cli import options
from planalign.engine import uncertainty
from planalign.engine.config import resolve, scenario_file
from planalign.errors import PlanAlignError
from planalign.keys import MONTE_CARLO, SINGLE, Replications, RunKey
from planalign.paths import PROJECT_ROOT, checked_database, database_path, report_folder, reports_root
from planalign.reports import html as report_html
from planalign.reports import summary, units
from planalign.reports import xlsx as report_xlsx
from planalign.store import db

HEADLINE = ("end_headcount", "employer_match", "employer_core", "employer_cost", "forfeitures_used",
            "net_employer_cost", "participation_rate")


def _side(con, text: str) -> tuple[str, str, set[str]]:
    """`scenario` or `scenario/design` -> (scenario, design, replication sets stored: single, monte_carlo)."""
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


def write_comparison(database: Path, base: str, alt: str, file_format: str = "csv",
                     study: summary.Study | None = None) -> Path:
    """reports/compare/<base>__vs__<alt>.csv: per year and for the horizon, both sides, the differences
    and - when both sides have Monte Carlo replications - their P10-P90 bands and the paired difference's.
    study: the decision summary's reads of the same base (gather_study), whose rpt_decision_summary and
    rpt_winners_losers rows of this pair are used instead of reading them again."""
    with db.read_only(database) as con:
        base_key, alt_key = _pair_keys(con, base, alt)
        columns, rows = db.comparison(con, base_key, alt_key)
        decision, winners = study.pair(alt_key) if study else (None, None)
        if decision is None:
            decision, winners = db.decision_summary(con, base_key, alt_key), db.winners_losers(con, base_key, alt_key)
    if not rows:
        raise PlanAlignError(f"{base} and {alt} have no simulated year in common")
    folder = reports_root(database) / "compare"
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"{_key_name(base_key)}__vs__{_key_name(alt_key)}.csv"
    db.write_rows_csv(columns, rows, out)
    db.write_rows_csv(*winners, out.with_name(out.stem + "_winners_losers.csv"))
    with db.read_only(database) as con:
        report_html.write_comparison_report(con, out.with_suffix(".html"), base_key, alt_key, columns, rows,
                                            decision=decision, winners=winners)
        if file_format == "xlsx":
            report_xlsx.write_workbook(out.with_suffix(".xlsx"), [
                *comparison_sheets(columns, rows, base_key, alt_key, _bands_note(con, base_key, alt_key)),
                ("Decision summary", *decision_sheet(decision, _bands_note(con, base_key, alt_key))),
                ("Winners and losers", *_winners_sheet(
                    winners, rows[0][columns.index("replication_set")] == MONTE_CARLO,
                    sign_note(base_key.pair, alt_key.pair))),
                *((f"Provenance {label}"[:31], ["setting", "value"], _provenance_rows(con, side))
                  for label, side in (("base", base_key), ("alt", alt_key)))])
    return out


SIGN = ("Differences are alternative minus base (positive: the alternative is higher); rel_difference is the "
        "difference over the base value.")


def sign_note(base: str, alt: str) -> str:
    return f"Base: {base}. Alternative: {alt}. {SIGN}"


HORIZON_COLUMNS = ("base_value", "alt_value", "abs_difference", "difference_p10", "difference_p90", "rel_difference",
                   "base_p10", "base_p90", "alt_p10", "alt_p90")


def _bands_note(con, base: RunKey, alt: RunKey) -> str:
    """Which kind of band the pair's P10-P90 are, from the stored settings of both sides."""
    if not base.replications.is_monte_carlo:
        return "A single run of each side: no bands."
    return f"The P10-P90 bands cover {report_html.comparison_band_kind(con, base, alt)}."


def comparison_sheets(columns: list[str], rows: list[tuple], base: RunKey, alt: RunKey,
                      bands_kind: str = "") -> list[tuple]:
    """The comparison workbook's sheets: the horizon as a table of metrics (each with what its figure is: a total
    over the years or the value at the end), and every year in long form; both name the sides and the sign."""
    period = columns.index("period")
    yearly = [row for row in rows if row[period] != "horizon"]
    years = sorted({row[period] for row in yearly})
    name = columns.index("metric")
    horizon = [(units.metric(row[name]).label, row[name],
                units.horizon_label(row[name], years[0], years[-1]) if years else "",
                *(row[columns.index(column)] for column in HORIZON_COLUMNS))
               for row in rows if row[period] == "horizon"]
    note = sign_note(base.pair, alt.pair)
    bands = ("P10 and P90 over the paired replications (the same draws on both sides). " + bands_kind
             if base.replications.is_monte_carlo else "A single run of each side: no bands.")
    shown = [c for c in columns if c not in {"replication_set", "period_sort", "metric_sort"}]
    return [("Horizon", ["label", "metric", "figure", *HORIZON_COLUMNS], horizon,
             [note, "Figure: costs, deferrals, pay, hires and terminations are totals over the years; headcounts, "
                    "average pay, rates and balances are values at the end of the last year. " + bands]),
            ("By year", shown, [tuple(row[columns.index(c)] for c in shown) for row in yearly], [note, bands])]


DECISION_COLUMNS = ("period", "value_kind", "metric_label", "metric", "base_value", "alt_value", "abs_difference",
                    "difference_p10", "difference_p90", "rel_difference")


def _winners_sheet(winners: tuple[list[str], list[tuple]], monte_carlo: bool, sign: str) -> tuple:
    """The pair's winners and losers as a sheet: readable headers, counts as counts and dollars as dollars."""
    columns, rows, kinds = summary.winners_table(*winners, monte_carlo)
    notes = [sign, "Employer contributions (match + core) over the years, person by person"
             + ("; counts are averages per replication." if monte_carlo else ".")]
    return columns, rows, notes, kinds


def decision_sheet(summary: list[dict], bands: str = "") -> tuple[list[str], list[tuple], list[str]]:
    """The pair's rpt_decision_summary as a workbook sheet (the horizon first), its headline above the table and
    which kind of band its P10-P90 are."""
    rows = sorted(summary, key=lambda row: (row["period"] != "horizon", row["period_sort"], row["row_sort"]))
    notes = sorted({row["headline"] for row in summary if row["headline"]})
    return (list(DECISION_COLUMNS), [tuple(row[c] for c in DECISION_COLUMNS) for row in rows],
            [*notes, SIGN, *([bands] if bands else [])])


def _pair_keys(con, base: str, alt: str) -> tuple[RunKey, RunKey]:
    """The stored runs the two sides name, compared in a replication set both have (Monte Carlo when both do)."""
    base_id, base_design, base_sets = _side(con, base)
    alt_id, alt_design, alt_sets = _side(con, alt)
    common = base_sets & alt_sets
    if not common:
        raise PlanAlignError(f"{base} and {alt} cannot be compared: one is a single run, the other only "
                             "Monte Carlo replications", hint="run both the same way (REPLICATIONS=)")
    # a Monte Carlo set of each side when both have one (the count does not matter to the comparison)
    replications = Replications(1 if MONTE_CARLO in common else 0)
    return RunKey(base_id, base_design, replications), RunKey(alt_id, alt_design, replications)


def _key_name(key: RunKey) -> str:
    return _name(key.scenario_id, key.plan_design_id)


def gather_study(database: Path, base: str, alts: list[str]) -> summary.Study:
    """What the decision summary of BASE against every ALT reads, in one read-only pass: each pair's
    rpt_decision_summary and rpt_winners_losers, every design's rpt_compliance_summary and provenance."""
    with db.read_only(database) as con:
        pairs = [_pair_keys(con, base, alt) for alt in alts]
        keys = [pairs[0][0], *(alt_key for _, alt_key in pairs)]
        decisions = [db.decision_summary(con, base_key, alt_key) for base_key, alt_key in pairs]
        winners = [db.winners_losers(con, base_key, alt_key) for base_key, alt_key in pairs]
        compliance = db.compliance_summary(con, keys)
        provenance = [report_html._provenance(con, key) for key in keys]
        settings = [_provenance_rows(con, key) for key in keys]
        drawn = [json.loads(db.report_provenance(con, key)["settings_json"] or "{}").get("parameter_uncertainty")
                 for key in keys]
    return summary.Study(base=keys[0], alts=keys[1:], names=[_key_name(key) for key in keys], decisions=decisions,
                         winners=winners, compliance=compliance, provenance=provenance, settings=settings,
                         band_kind=band_kind(keys[0].replications.is_monte_carlo, any(drawn)))


def band_kind(monte_carlo: bool, assumptions_drawn: bool) -> str:
    """Which kind of band the summary shows, in words (the kinds named as every other report names them)."""
    if not monte_carlo:
        return "No bands: one deterministic run of each design."
    paired = "Bands: P10 to P90 over the paired replications (the same draws under every design), covering"
    if assumptions_drawn:
        return (f"{paired} {uncertainty.BAND_BOTH}: each replication also drew the uncertain assumptions, so the "
                "bands include what we do not know about the rates.")
    return (f"{paired} {uncertainty.BAND_RANDOM}: the random variation of who leaves, is hired and enrolls, at the "
            "assumptions as given; they do not include uncertainty about the assumptions themselves.")


def decision_summary_table(study: summary.Study) -> tuple[list[str], list[list]]:
    """rpt_decision_summary of the base against every alternative as one wide table: per period (the horizon
    first) and figure, the base's value, then each alternative's value, difference, its P10-P90 (Monte Carlo
    sets) and relative difference. Arranged here, computed by the model."""
    columns = ["period", "value_kind", "metric", "figure", study.names[0]]
    for name in study.names[1:]:
        columns += [name, f"{name} - base", f"{name} - base P10", f"{name} - base P90", f"{name} vs base (relative)"]
    return columns, [[line["period"], line["value_kind"], line["metric"], line["label"], line["base"],
                      *summary.alt_values(line)] for line in summary.design_rows(study)]


COMPLIANCE_CSV = ("scenario_id", "plan_design_id", "simulation_year", "test_name", "outcome", "result_reason",
                  "replications", "passed", "failed", "exempt", "not_applicable", "fail_probability",
                  "fail_probability_low", "fail_probability_high", "median_margin", "refund_mean", "qnec_cost_mean",
                  "qnec_cost_p10", "qnec_cost_p90", "ndt_correction", "applied_employer_cost_mean", "rule_section")


def write_decision_summary(database: Path, study: summary.Study) -> tuple[list[Path], list[str]]:
    """<reports>/compare/<base>__decision_summary.csv (the table, its headlines as the first rows), .html (the page
    with every design side by side, compliance and winners and losers) and .xlsx (the workbook), and
    <base>__compliance_summary.csv (the tests of every design)."""
    columns, rows = decision_summary_table(study)
    if not rows:
        raise PlanAlignError(f"{study.names[0]} and {', '.join(study.names[1:])} have no simulated year in common")
    folder = reports_root(database) / "compare"
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"{study.names[0]}__decision_summary.csv"
    db.write_rows_csv(columns, [[kind, "", "", text, *[None] * (len(columns) - 4)]
                                for kind, text in [*(("headline", text) for text in study.headlines if text),
                                                   ("bands", study.band_kind)]] + rows, out)
    order = {key.pair: index for index, key in enumerate(study.keys)}
    tests = sorted(study.compliance, key=lambda row: (row["simulation_year"], row["test_name"],
                                                     order[f"{row['scenario_id']}/{row['plan_design_id']}"]))
    compliance = out.with_name(f"{study.names[0]}__compliance_summary.csv")
    db.write_rows_csv(["design", *COMPLIANCE_CSV], [
        (study.names[order[f"{row['scenario_id']}/{row['plan_design_id']}"]], *(row[c] for c in COMPLIANCE_CSV))
        for row in tests], compliance)
    page = summary.write_page(study, out.with_suffix(".html"))
    provenance = ("Provenance", ["design", "setting", "value"],
                  [(name, setting, value) for name, rows in zip(study.names, study.settings, strict=True)
                   for setting, value in rows])
    sheets = [summary.decision_sheet(study), summary.compliance_sheet(study), summary.winners_sheet(study)]
    written = [out, page]
    if study.tornadoes:
        sheets.append(summary.tornado_sheet(study))
        tornado = out.with_name(f"{study.names[0]}__sensitivity.csv")
        db.write_rows_csv(summary.tornado_columns(), summary.tornado_rows(study), tornado)
        written.append(tornado)
    book = report_xlsx.write_workbook(out.with_suffix(".xlsx"), [*sheets, provenance])
    return [*written[:2], book, compliance, *written[2:]], [text for text in study.headlines if text]


def _provenance_rows(con, key: RunKey) -> list[tuple]:
    provenance = db.report_provenance(con, key)
    settings = json.loads(provenance.pop("settings_json") or "{}")
    design = provenance.pop("design")
    return ([(key, str(value)) for key, value in provenance.items()]
            + [(key, str(value)) for key, value in sorted(settings.items())]
            + [(f"design: {key}", str(value)) for key, value in design.items()]
            + list(report_html.versions()))


def _name(scenario_id: str, plan_design_id: str) -> str:
    """The scenario's name alone when it ran its own design, else scenario-design."""
    try:
        own = resolve(scenario_file(scenario_id)).plan_design_id
    except PlanAlignError:
        own = None
    return scenario_id if own == plan_design_id else f"{scenario_id}-{plan_design_id}"


def print_headline(path: Path) -> None:
    """The horizon's headline metrics, each with what its figure is (a total over the years, or the value at the
    end), rates in percent and their differences in points."""
    import csv

    with path.open(newline="") as handle:
        every = list(csv.DictReader(handle))
    years = sorted({row["period"] for row in every if row["period"] != "horizon"})
    for row in (row for row in every if row["period"] == "horizon" and row["metric"] in HEADLINE):
        rate = units.metric(row["metric"]).unit == units.RATE
        scale, unit, points = (100, "%", " pt") if rate else (1, "", "")
        values = [float(row[key]) * scale for key in ("base_value", "alt_value", "abs_difference")]
        rel = f"{float(row['rel_difference']) * 100:+.1f}%" if row.get("rel_difference") else ""
        band = ""
        if row.get("difference_p10"):
            low, high = (float(row[key]) * scale for key in ("difference_p10", "difference_p90"))
            band = f"  difference P10..P90 {low:+,.2f}{points} .. {high:+,.2f}{points}"
        figure = units.horizon_label(row["metric"], years[0], years[-1]) if years else ""
        click.echo(f"  {row['metric']:<22} {figure:<20} base {values[0]:>16,.2f}{unit:1}  alt {values[1]:>16,.2f}"
                   f"{unit:1}  diff {values[2]:>+15,.2f}{points:3} {rel:>8}{band}")


@click.command("compare")
@click.option("--base", required=True, help="scenario or scenario/design: the reference side")
@click.option("--alt", "alts", required=True, multiple=True,
              help="scenario or scenario/design to compare with BASE (repeatable; space-separated in make)")
@click.option("--format", "file_format", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True,
              help="xlsx: also write the comparison as an Excel workbook (the CSV and HTML page are always written)")
def compare_command(base: str, alts: tuple[str, ...], file_format: str) -> None:
    """Write reports/compare/<base>__vs__<alt>.csv for each ALT: per year and for the whole horizon,
    each metric for both sides with absolute and relative differences (and bands with replications)."""
    database = checked_database(writing=False)
    if not database.exists():
        raise PlanAlignError(f"no database at {database}", hint="simulate first (make simulate or make batch)")
    names = [name for text in alts for name in text.split()]
    study = gather_study(database, base, names)
    for alt in names:
        path = write_comparison(database, base, alt, file_format, study=study)
        click.echo(f"{base} vs {alt}: {path.relative_to(PROJECT_ROOT)} (and .html"
                   + (", .xlsx" if file_format == "xlsx" else "") + "); over the horizon:")
        print_headline(path)
    echo_decision_summary(database, study)


def echo_decision_summary(database: Path, study: summary.Study) -> None:
    """Write the decision summary and say where it is: the page and workbook to hand over, then the CSVs."""
    paths, headlines = write_decision_summary(database, study)
    csv_path, page, book, compliance, *tornado = (_shown(path) for path in paths)
    click.echo(f"decision summary: {page} (page), {book} (workbook), {csv_path}, {compliance}"
               + "".join(f", {path}" for path in tornado) + " (CSV)")
    for headline in headlines:
        click.echo(f"  {headline}")


@click.command("export")
@options.configuration
@click.option("--format", "file_format", type=click.Choice(["xlsx", "parquet", "csv"]), default="xlsx",
              show_default=True, help="xlsx: a workbook for people; parquet / csv: the snapshot and events for tools")
def export_command(scenario_name: str, census_path: str | None, census_sheet: str | None, plan_design_id: str | None,
                   sets: tuple[str, ...], replications: int | None, file_format: str) -> None:
    """Export a simulated scenario: an Excel workbook (summary by year, breakdowns, comparisons, compliance tests
    and their corrections, IRS limits, census rejects, provenance), or its snapshot and events as Parquet or CSV."""
    effective = options.effective(scenario_name, census_path, plan_design_id, sets, replications,
                                  census_sheet=census_sheet)
    database = checked_database(writing=False)
    if not database.exists():
        raise PlanAlignError(f"no database at {database}", hint="simulate first (make simulate)")
    with db.read_only(database) as con:
        key = _stored_key(con, effective.key, asked=replications is not None)
        folder = report_folder(database, key.scenario_id, key.plan_design_id)
        suffix = key.replications.file_suffix
        if file_format != "xlsx":
            for table in ("fct_workforce_snapshot", "fct_yearly_events"):
                out = db.export_table(con, table, key, folder / f"{table}{suffix}.{file_format}", file_format)
                click.echo(f"wrote {out.relative_to(PROJECT_ROOT)}")
            return
        sheets = _summary_sheets(con, key)
        if db.has_table(con, "rpt_workforce_breakdown"):
            sheets.append(("Breakdowns", *db.report_breakdowns(con, key)))
        comparison = db.comparisons_from(con, key)
        if comparison[1]:
            sheets.append(("Comparisons", *comparison, [
                f"{key.label} as the base; the alternative of each row is alt_scenario_id / alt_plan_design_id. "
                + SIGN,
                "Period 'horizon': totals over the years for costs, deferrals, pay, hires and terminations; the "
                "value at the end of the last year for headcounts, average pay, rates and balances."]))
        if db.has_table(con, "rpt_nondiscrimination_corrections"):
            sheets.append(("Compliance", *db.report_compliance_sheet(con, key)))
        sheets += [("IRS limits", *db.report_irs_limits(con, key)),
                   ("Census reconciliation", *db.report_census(con, key)),
                   ("Census rejects", *db.report_rejects(con, key)),
                   *([("Census warnings", *db.report_warnings(con, key))]
                     if db.has_table(con, "stg_census__warnings") else []),
                   ("Provenance", ["setting", "value"], _provenance_rows(con, key))]
        out = report_xlsx.write_workbook(folder / f"workbook{suffix}.xlsx", sheets)
    click.echo(f"wrote {out.relative_to(PROJECT_ROOT)} ({', '.join(name for name, *_ in sheets)})")


def _stored_key(con, key: RunKey, asked: bool) -> RunKey:
    """The replication set of (scenario, design) to export: the one asked for (REPLICATIONS=, or the scenario's
    replications), or - when nothing was asked and only a Monte Carlo set is stored - that set; refused in one
    line when the database holds no such set (never a workbook of empty sheets)."""
    label = key.pair
    stored = {kind for design, kind in db.designs_of(con, key.scenario_id) if design == key.plan_design_id}
    if not stored:
        raise PlanAlignError(f"{label} has no simulated years in {database_path()}",
                             hint=f"run it first: make simulate SCENARIO={key.scenario_id}")
    count = db.monte_carlo_count(con, key.scenario_id, key.plan_design_id)
    if key.replications.kind in stored and (not key.replications.is_monte_carlo or count == key.replications.count):
        return key
    if not asked and not key.replications.is_monte_carlo and stored == {MONTE_CARLO}:
        return RunKey(key.scenario_id, key.plan_design_id, Replications(count))
    held = " and ".join(([f"a Monte Carlo set of {count}"] if MONTE_CARLO in stored else [])
                        + (["the single run"] if SINGLE in stored else []))
    say = f"REPLICATIONS={count}" if MONTE_CARLO in stored else "REPLICATIONS=0"
    raise PlanAlignError(f"{label} has no {key.replications.label} in {database_path()} (it holds {held})",
                         hint=f"say which set to export, e.g. make export SCENARIO={key.scenario_id} {say}")


SUMMARY_NOTE = ("Per year, and over the horizon: totals for flows (costs, hires), the value at the end (or start) "
                "for headcount, pay and rates; column horizon_is says which.")


def _summary_sheets(con, key: RunKey) -> list[tuple]:
    """The summary as a wide table (metrics x years, then the horizon), and the single run's audit lines."""
    if key.replications.is_monte_carlo:
        columns, rows = db.report_bands(con, key)
        wide = units.wide(columns, rows, (("mean_value", "mean"), ("p10_value", "P10"), ("p90_value", "P90")))
        note = (f"{key.replications.count} Monte Carlo replications: mean, P10 and P90 over the replications, "
                f"bands of {report_html.band_kind(con, key)}.")
        return [("Summary", *wide, [f"{key.label}: {note}", SUMMARY_NOTE])]
    wide = units.wide(*db.report_metrics(con, key), (("metric_value", "value"),))
    return [("Summary", *wide, [f"{key.label}: the single deterministic run.", SUMMARY_NOTE]),
            ("Audit by year", *db.report_years(con, key))]


# ---- time machine and timeline ----------------------------------------------------------------------

replication = click.option("--replication", "replication_id", type=int, default=0, show_default=True,
                           help="replication id: 0 = the single run, 1..N = a Monte Carlo replication")


def _run_key(con, scenario_name: str, plan_design_id: str | None, replication_id: int) -> RunKey:
    """The stored (scenario, design) the user means (the design defaults like compare's); the replication is
    given apart: one replication of a set, not the set."""
    scenario_id = scenario_name
    if scenario_name.endswith((".yml", ".yaml")):  # a scenario file: its own id, which may differ from its name
        scenario_id = resolve(scenario_file(scenario_name)).scenario_id
    scenario_id, plan_design_id, _ = _side(con, f"{scenario_id}/{plan_design_id}" if plan_design_id else scenario_id)
    key = RunKey(scenario_id, plan_design_id)
    if not db.simulated_years(con, key, replication_id):
        count = db.monte_carlo_count(con, scenario_id, plan_design_id)
        if replication_id == 0 and count:
            raise PlanAlignError(f"{scenario_id}/{plan_design_id} is a Monte Carlo set of {count} replications in "
                                 "the database, with no single run (replication 0)",
                                 hint=f"say which replication, e.g. REPLICATION=1 (1..{count}); in the CLI "
                                      "--replication 1")
        raise PlanAlignError(f"{scenario_id}/{plan_design_id} has no replication {replication_id} in the database",
                             hint="replication 0 is the single run; Monte Carlo sets are 1..N (make status)")
    return key


def _database() -> Path:
    database = checked_database(writing=False)
    if not database.exists():
        raise PlanAlignError(f"no database at {database}", hint="simulate first (make simulate or make batch)")
    return database


def _shown(path: Path) -> str:
    return str(path.relative_to(PROJECT_ROOT)) if path.is_relative_to(PROJECT_ROOT) else str(path)


@click.command("workforce-at")
@click.option("--date", "as_of", required=True, metavar="YYYY-MM-DD", help="the date D (in a simulated year)")
@options.scenario
@options.plan_design
@replication
def workforce_at_command(as_of: str, scenario_name: str, plan_design_id: str | None, replication_id: int) -> None:
    """The time machine: write reports/<scenario>/<design>/workforce_<date>.csv, the workforce on DATE -
    status, job level, pay, deferral rate, enrollment - folded from the staged census and every event dated
    on or before DATE, plus the balances of the last year end (analyses/workforce_at_date.sql)."""
    try:
        date = dt.date.fromisoformat(as_of)
    except ValueError:
        raise PlanAlignError(f"'{as_of}' is not a date", hint="write it as YYYY-MM-DD, e.g. 2027-06-30") from None
    with db.read_only(_database()) as con:
        key = _run_key(con, scenario_name, plan_design_id, replication_id)
        scenario_id, plan_design_id = key.scenario_id, key.plan_design_id
        years = db.simulated_years(con, key, replication_id)
        if date.year not in years:
            raise PlanAlignError(f"{date} is not in a simulated year of {scenario_id}/{plan_design_id}",
                                 hint=f"simulated years: {years[0]}-{years[-1]}")
        if not db.has_recorded_job_levels(con, key, replication_id):
            raise PlanAlignError(
                f"{_shown(_database())} has no record of the job levels {scenario_id}/{plan_design_id} was run "
                "with (table dim_assumptions): the run was made by a version of PlanAlign before that record "
                "existed, and the time machine needs it to rebuild the census's levels as the run did",
                hint=f"rerun the scenario into this database (make simulate SCENARIO={scenario_id}), or point "
                     "PLANALIGN_DB at a database built by this version")
        columns, rows = db.workforce_at(con, key, replication_id, date.isoformat())
        active, pay, participants = db.workforce_at_summary(con, key, replication_id, date.isoformat())
    out = report_folder(_database(), scenario_id, plan_design_id) / f"workforce_{date.isoformat()}.csv"
    db.write_rows_csv(columns, rows, out)
    click.echo(f"{scenario_id}/{plan_design_id} on {date}: {active:,} active, total pay {pay:,.2f}, "
               f"{participants:,} participants ({len(rows):,} rows in {_shown(out)})")


TIMELINE_HEADINGS = {"simulation_year": "year", "event_sequence": "seq", "effective_date": "date",
                     "event_type": "event", "amount": "amount", "compensation_before": "pay before",
                     "compensation_after": "pay after", "job_level_before": "lvl before",
                     "job_level_after": "lvl after", "deferral_rate_before": "def before",
                     "deferral_rate_after": "def after", "reason": "reason"}


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}"
    if hasattr(value, "as_tuple"):  # Decimal money
        return f"{value:,.2f}"
    return str(value)


def print_table(columns: list[str], rows: list[tuple]) -> None:
    """An aligned text table of the columns that have a heading (numbers right-aligned)."""
    shown = [i for i, name in enumerate(columns) if name in TIMELINE_HEADINGS]
    cells = [[_cell(row[i]) for i in shown] for row in rows]
    headings = [TIMELINE_HEADINGS[columns[i]] for i in shown]
    widths = [max(len(h), *(len(r[k]) for r in cells)) for k, h in enumerate(headings)]
    numeric = [all(r[k] == "" or r[k].replace(",", "").replace(".", "").replace("-", "").isdigit() for r in cells)
               for k in range(len(headings))]

    def line(values: list[str]) -> str:
        return "  ".join(v.rjust(w) if num else v.ljust(w)
                         for v, w, num in zip(values, widths, numeric, strict=True)).rstrip()

    click.echo(line(headings))
    for row in cells:
        click.echo(line(row))


@click.command("timeline")
@click.option("--employee", "employee_id", required=True, help="employee id, e.g. EMP_0000123")
@options.scenario
@options.plan_design
@replication
def timeline_command(employee_id: str, scenario_name: str, plan_design_id: str | None, replication_id: int) -> None:
    """One employee's events in order (year, event sequence) with dates, amounts, pay, level and deferral
    before/after and reason; writes reports/<scenario>/<design>/timeline_<employee>.csv
    (analyses/employee_timeline.sql)."""
    with db.read_only(_database()) as con:
        key = _run_key(con, scenario_name, plan_design_id, replication_id)
        scenario_id, plan_design_id = key.scenario_id, key.plan_design_id
        columns, rows = db.employee_timeline(con, key, replication_id, employee_id)
    if not rows:
        raise PlanAlignError(f"employee '{employee_id}' has no events in {scenario_id}/{plan_design_id} "
                             f"replication {replication_id}",
                             hint="ids look like EMP_0000123 (census) or NH_2026_000042 (hires); "
                                  "make workforce-at DATE=<date> lists everyone employed on a date")
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in employee_id)
    out = report_folder(_database(), scenario_id, plan_design_id) / f"timeline_{safe}.csv"
    db.write_rows_csv(columns, rows, out)
    click.echo(f"{employee_id} in {scenario_id}/{plan_design_id}: {len(rows)} events ({_shown(out)})")
    print_table(columns, rows)
