"""Every SQL statement the CLI sends to the database, in one place (dbt sends the rest); the report
queries (time machine, timeline) live in analyses/ and are read, bound and run here.

Reads go through read-only connections; the only writes are clearing a scenario's rows (after a
backup) and stamping the run log. Numbers shown to users come from the rpt_ models.
"""

from __future__ import annotations

import csv
import json
import logging
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import jinja2

from planalign.errors import PlanAlignError
from planalign.keys import MONTE_CARLO, SINGLE, RunKey
from planalign.paths import PROJECT_ROOT
from planalign.store import failures
from planalign.store.runsafety import mask

log = logging.getLogger(__name__)  # the command line shows warnings on stderr (planalign.cli.console)
BACKOFF_SECONDS = (2, 4, 8)
# the replication_set values the CLI's queries label rows with, as the report models do
_SET_NAMES = {"single": SINGLE, "monte_carlo": MONTE_CARLO}
MARTS_DIR = PROJECT_ROOT / "models" / "marts"
YEAR_KEY = ("scenario_id", "plan_design_id", "replication_id", "simulation_year")

# The digest of a set of replications: the one definition the on-run-end hook also renders for the checkpoint
# (macros/hooks/year_checkpoint_digests.sql, plain Jinja), with the query's parameters as its arguments.
DIGEST_MACRO = PROJECT_ROOT / "macros" / "hooks" / "year_checkpoint_digests.sql"


def digest_sql() -> str:
    """Per complete year of ($scenario, $plan, $replications): (year, event_rows, events_digest, snapshot_rows,
    snapshot_digest), as the checkpoint records them."""
    macros = jinja2.Environment(undefined=jinja2.StrictUndefined).from_string(DIGEST_MACRO.read_text()).module
    return str(macros.year_checkpoint_digests("rpt_year_digests", "$scenario", "$plan", "$replications"))


@contextmanager
def read_only(database: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection; a lock conflict with another program is retried after 2, 4, 8 s."""
    for attempt in range(len(BACKOFF_SECONDS) + 1):
        try:
            con = duckdb.connect(str(database), read_only=True)
            break
        except duckdb.Error as exc:
            if not failures.is_transient(str(exc)):
                raise PlanAlignError(f"cannot open the database {database}: {str(exc).splitlines()[0]}") from None
            if attempt == len(BACKOFF_SECONDS):
                raise PlanAlignError(f"the database {database} is in use by another process "
                                     f"(still locked after {len(BACKOFF_SECONDS)} retries)",
                                     hint="close the other program (a DuckDB shell?), then `make resume` "
                                          "(RUNBOOK.md, 'Locking')") from None
            wait = BACKOFF_SECONDS[attempt]
            log.warning("database locked by another program (retry %d/%d in %ds)", attempt + 1,
                        len(BACKOFF_SECONDS), wait)
            time.sleep(wait)
    try:
        yield con
    finally:
        con.close()


def has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return con.execute("select count(*) from information_schema.tables where table_name = ?", [name]).fetchone()[0] > 0


def replications_with_year(database: Path, key: RunKey, year: int) -> int:
    """How many of the replications have a snapshot for the year."""
    if not database.exists():
        return 0
    with read_only(database) as con:
        if not has_table(con, "fct_workforce_snapshot"):
            return 0
        return con.execute(
            "select count(distinct replication_id) from fct_workforce_snapshot where scenario_id = $scenario "
            "and plan_design_id = $plan and list_contains($replications, replication_id) and simulation_year = $year",
            {**key.params, "year": year}).fetchone()[0]


def stored_year_range(database: Path, key: RunKey) -> tuple[int | None, int | None]:
    """The first and last simulated years of the key's replication set in the database ((None, None): none)."""
    if not database.exists():
        return None, None
    with read_only(database) as con:
        if not has_table(con, "fct_workforce_snapshot"):
            return None, None
        return con.execute(
            "select min(simulation_year), max(simulation_year) from fct_workforce_snapshot "
            "where scenario_id = $scenario and plan_design_id = $plan and list_contains($replications, replication_id)",
            key.params).fetchone()


def highest_replication(database: Path, key: RunKey, year: int) -> int:
    """The highest replication id of the key's scenario and design with a snapshot for the year (0: none or
    only the single run)."""
    if not database.exists():
        return 0
    with read_only(database) as con:
        if not has_table(con, "fct_workforce_snapshot"):
            return 0
        return con.execute(
            "select coalesce(max(replication_id), 0) from fct_workforce_snapshot where scenario_id = $scenario "
            "and plan_design_id = $plan and simulation_year = $year",
            {"scenario": key.scenario_id, "plan": key.plan_design_id, "year": year}).fetchone()[0]


def census_counts(con: duckdb.DuckDBPyConnection, key: RunKey) -> list[tuple]:
    return con.execute(
        "select row_status, reject_reason, row_count, warned_row_count from rpt_census_reconciliation "
        "where scenario_id = ? and plan_design_id = ?", [key.scenario_id, key.plan_design_id]).fetchall()


def first_rejects(con: duckdb.DuckDBPyConnection, key: RunKey, limit: int) -> list[tuple]:
    """(census_row_number, census_line_number, reject_reason) of the first rejected census rows, in file order."""
    return con.execute(
        "select census_row_number, census_line_number, reject_reason from stg_census__rows "
        "where scenario_id = ? and plan_design_id = ? and row_status = 'rejected' "
        "order by census_row_number limit ?", [key.scenario_id, key.plan_design_id, limit]).fetchall()


def staged_count(con: duckdb.DuckDBPyConnection, key: RunKey) -> int:
    return con.execute("select count(*) from stg_census__employees where scenario_id = ? and plan_design_id = ?",
                       [key.scenario_id, key.plan_design_id]).fetchone()[0]


AUDIT_COLUMNS = ("start_headcount", "experienced_terminations", "reduction_in_force_terminations", "hires",
                 "new_hire_terminations", "end_headcount", "growth_rate", "average_compensation",
                 "participation_rate", "average_deferral_rate", "employee_contributions", "employer_match",
                 "employer_core", "forfeitures")


def audit_line(con: duckdb.DuckDBPyConnection, key: RunKey, year: int) -> tuple:
    """The year's audit figures (the mean over the replications of a Monte Carlo set)."""
    columns = ", ".join(f"avg({name})" for name in AUDIT_COLUMNS)
    return con.execute(
        f"select {columns} from rpt_year_audit where scenario_id = $scenario and plan_design_id = $plan "
        "and list_contains($replications, replication_id) and simulation_year = $year",
        {**key.params, "year": year}).fetchone()


def year_rows(con: duckdb.DuckDBPyConnection, key: RunKey, year: int) -> tuple[int, int]:
    row = con.execute(
        "select sum(event_rows), sum(snapshot_rows) from rpt_year_digests where scenario_id = $scenario "
        "and plan_design_id = $plan and list_contains($replications, replication_id) and simulation_year = $year",
        {**key.params, "year": year}).fetchone()
    return int(row[0] or 0), int(row[1] or 0)


def year_digests(database: Path, key: RunKey) -> dict[int, tuple]:
    """Per year, (event_rows, events_digest, snapshot_rows, snapshot_digest) over the set of replications."""
    if not database.exists():
        return {}
    try:
        with read_only(database) as con:
            if not has_table(con, "rpt_year_digests"):
                return {}
            rows = con.execute(digest_sql(), key.params).fetchall()
    except duckdb.Error:
        return {}
    return {row[0]: (int(row[1]), row[2], int(row[3]), row[4]) for row in rows}


def write_summary(con: duckdb.DuckDBPyConnection, out: Path, key: RunKey, start: int, end: int) -> Path:
    """The years' audit lines (a single run) or their Monte Carlo bands, as CSV."""
    tmp = out.with_name(out.name + ".tmp")
    if not key.replications.is_monte_carlo:
        sql = ("select * exclude (replication_id) from rpt_year_audit where scenario_id = $scenario "
               "and plan_design_id = $plan and replication_id = 0 and simulation_year between $start and $end "
               "order by simulation_year")
    else:
        sql = ("select * exclude (period_sort, metric_sort) from rpt_replication_bands "
               "where scenario_id = $scenario and plan_design_id = $plan "
               "and (period_sort between $start and $end or period = 'horizon') order by period_sort, metric_sort")
    params = {"scenario": key.scenario_id, "plan": key.plan_design_id, "start": start, "end": end}
    con.execute(f"copy ({sql}) to '{_quoted(tmp)}' (header true)", params)
    tmp.replace(out)
    return out


def employer_cost(con: duckdb.DuckDBPyConnection, key: RunKey, start: int, end: int) -> float | None:
    """Match + core over the years (the mean over the replications of a set)."""
    row = con.execute(
        "select avg(cost) from (select replication_id, sum(employer_match + employer_core) as cost "
        "from rpt_year_audit where scenario_id = $scenario and plan_design_id = $plan "
        "and list_contains($replications, replication_id) and simulation_year between $start and $end "
        "group by replication_id)",
        {**key.params, "start": start, "end": end}).fetchone()
    return float(row[0]) if row and row[0] is not None else None


def marts_with_years(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The stored marts (models/marts/) keyed by scenario, plan design, replication and year: the tables whose
    rows a clear removes. Found from their columns, so that a new yearly mart is never left out."""
    return [row[0] for row in con.execute(
        "select columns.table_name from information_schema.columns as columns "
        "inner join information_schema.tables as tables using (table_catalog, table_schema, table_name) "
        "where tables.table_type = 'BASE TABLE' and columns.table_catalog = current_database() "
        "and columns.table_schema = current_schema() and list_contains($marts, columns.table_name) "
        "and list_contains($key, columns.column_name) "
        "group by columns.table_name having count(*) = len($key) order by 1",
        {"marts": sorted(path.stem for path in MARTS_DIR.glob("*.sql")), "key": list(YEAR_KEY)}).fetchall()]


def clear_rows(database: Path, key: RunKey, from_year: int | None = None, above: int | None = None) -> None:
    """Delete the key's rows of the yearly marts: its replication set's years from from_year on (every year
    when None); or, with `above`, the replications above that number (a smaller Monte Carlo set replaces a
    larger one)."""
    if above is not None:
        condition, params = "replication_id > ?", [above]
    elif key.replications.is_monte_carlo:
        condition, params = "replication_id > 0", []
    else:
        condition, params = "replication_id = 0", []
    try:
        with duckdb.connect(str(database)) as con:
            for table in marts_with_years(con):
                con.execute(f"delete from {table} where scenario_id = ? and plan_design_id = ? "
                            f"and simulation_year >= ? and {condition}",
                            [key.scenario_id, key.plan_design_id, from_year or 0, *params])
    except duckdb.Error as exc:
        raise PlanAlignError(f"cannot clear scenario '{key.scenario_id}': {mask(str(exc))}",
                             hint="close other programs using the database and try again") from None


def checkpoint(database: Path) -> None:
    with duckdb.connect(str(database)) as con:
        con.execute("checkpoint")


def stamp_run_log(database: Path, rows: list[list[Any]]) -> None:
    """Run-level rows of main.planalign_run_log (the dbt hooks create it and stamp each invocation)."""
    try:
        with duckdb.connect(str(database)) as con:
            if not has_table(con, "planalign_run_log"):
                return
            for row in rows:
                con.execute(
                    "insert into main.planalign_run_log (run_id, command, event, scenario_id, plan_design_id, "
                    "simulation_year, config_hash, status, node_counts, logged_at) "
                    "values (?, ?, ?, ?, ?, ?, ?, ?, ?, cast(? as timestamp))", row)
    except duckdb.Error as exc:
        log.warning("could not stamp the run log table: %s", mask(str(exc)))


# ---- inspection -----------------------------------------------------------------------------------

def stored_counts(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str, int, dict[int, tuple[int, int]]]]:
    """Per stored (scenario, design, replication set): its replication count (the highest id of a Monte Carlo
    set) and per year (event rows, snapshot rows), in one pass over each mart - what `status` shows and compares
    with the checkpoints. Counting reads only the key columns (no row is hashed), so it stays quick on a large
    database; the digests (year_digests) are for resume and `status --verify`."""
    runs: dict[tuple[str, str, str], list] = {}
    for position, table in enumerate(("fct_workforce_snapshot", "fct_yearly_events")):
        if not has_table(con, table):
            continue
        for scenario_id, plan_design_id, kind, year, n, highest in con.execute(f"""
            select scenario_id, plan_design_id, case when replication_id = 0 then $single else $monte_carlo end,
                simulation_year, count(*), {'max(replication_id)' if position == 0 else '0'}
            from {table}
            group by all
            order by all
        """, _SET_NAMES).fetchall():
            if position == 0:
                run = runs.setdefault((scenario_id, plan_design_id, kind), [0, {}])
                run[0] = max(run[0], highest)
                run[1][year] = (0, n)
            elif (scenario_id, plan_design_id, kind) in runs and year in runs[(scenario_id, plan_design_id, kind)][1]:
                counts = runs[(scenario_id, plan_design_id, kind)][1]
                counts[year] = (n, counts[year][1])
    return [(*key, highest, counts) for key, (highest, counts) in runs.items()]


def last_runs(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], tuple]:
    """The newest run-level log row per (scenario, design): run id, command, status, time."""
    if not has_table(con, "planalign_run_log"):
        return {}
    rows = con.execute("""
        select scenario_id, plan_design_id, run_id, command, status, logged_at
        from main.planalign_run_log
        where event = 'end' and command in ('simulate', 'year', 'resume', 'batch')
        qualify row_number() over (partition by scenario_id, plan_design_id order by logged_at desc) = 1
    """).fetchall()
    return {(row[0], row[1]): row[2:] for row in rows}


def comparison(con: duckdb.DuckDBPyConnection, base: RunKey, alt: RunKey) -> tuple[list[str], list[tuple]]:
    """rpt_scenario_comparison of the two sides (compared in the base's replication set)."""
    cursor = con.execute(
        "select * from rpt_scenario_comparison where base_scenario_id = ? and base_plan_design_id = ? "
        "and alt_scenario_id = ? and alt_plan_design_id = ? and replication_set = ? "
        "order by period_sort, metric_sort",
        [base.scenario_id, base.plan_design_id, alt.scenario_id, alt.plan_design_id, base.replications.kind])
    columns = [d[0] for d in cursor.description]
    return columns, cursor.fetchall()


def decision_summary(con: duckdb.DuckDBPyConnection, base: RunKey, alt: RunKey) -> list[dict[str, Any]]:
    """rpt_decision_summary of one (base, alternative) pair, as dicts, the horizon's rows and then each year's."""
    cursor = con.execute(
        "select * from rpt_decision_summary where base_scenario_id = ? and base_plan_design_id = ? "
        "and alt_scenario_id = ? and alt_plan_design_id = ? and replication_set = ? order by period_sort, row_sort",
        [base.scenario_id, base.plan_design_id, alt.scenario_id, alt.plan_design_id, base.replications.kind])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


WINNERS_LOSERS_COLUMNS = ("dimension", "band_label", "replications", "people", "winners", "losers", "unchanged",
                          "base_employer_contributions", "alt_employer_contributions", "mean_change", "p10_change",
                          "p90_change", "mean_gain", "mean_loss")


def winners_losers(con: duckdb.DuckDBPyConnection, base: RunKey, alt: RunKey) -> tuple[list[str], list[tuple]]:
    """rpt_winners_losers of the two sides over their common years, 'all' first, then each dimension's bands."""
    cursor = con.execute(
        f"select {', '.join(WINNERS_LOSERS_COLUMNS)} from rpt_winners_losers where base_scenario_id = ? "
        "and base_plan_design_id = ? and alt_scenario_id = ? and alt_plan_design_id = ? and replication_set = ? "
        "order by case dimension when 'all' then 0 when 'job_level' then 1 when 'pay_band' then 2 "
        "when 'age_band' then 3 else 4 end, band_sort nulls last, band_label",
        [base.scenario_id, base.plan_design_id, alt.scenario_id, alt.plan_design_id, base.replications.kind])
    return [d[0] for d in cursor.description], cursor.fetchall()


def compliance_summary(con: duckdb.DuckDBPyConnection, keys: list[RunKey]) -> list[dict[str, Any]]:
    """rpt_compliance_summary of these runs (each in its replication set), by year and test; empty for a database
    built before the model existed."""
    if not keys or not has_table(con, "rpt_compliance_summary"):
        return []
    cursor = con.execute(
        "select * from rpt_compliance_summary where replication_set = ? "
        "and list_contains(?, scenario_id || '/' || plan_design_id) order by simulation_year, test_name",
        [keys[0].replications.kind, [key.pair for key in keys]])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def designs_of(con: duckdb.DuckDBPyConnection, scenario_id: str) -> list[tuple[str, str]]:
    """(plan design, replication set) stored for a scenario."""
    if not has_table(con, "fct_workforce_snapshot"):
        return []
    return con.execute(
        "select distinct plan_design_id, case when replication_id = 0 then $single else $monte_carlo end "
        "from fct_workforce_snapshot where scenario_id = $scenario order by 1, 2",
        {"scenario": scenario_id, **_SET_NAMES}).fetchall()


def write_rows_csv(columns: list[str], rows: list[tuple], out: Path) -> None:
    """Rows already computed by SQL, written as CSV atomically (no arithmetic here)."""
    tmp = out.with_name(out.name + ".tmp")
    with tmp.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
    tmp.replace(out)


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")


# ---- reports (numbers from the rpt_ models; Python only renders them) ------------------------------

def rows(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | list[Any] | None = None
         ) -> tuple[list[str], list[tuple]]:
    cursor = con.execute(sql, params or [])
    return [d[0] for d in cursor.description], cursor.fetchall()


def report_years(con: duckdb.DuckDBPyConnection, key: RunKey
                 ) -> tuple[list[str], list[tuple]]:
    """The single run's audit lines, one per year."""
    return rows(con, "select * exclude (scenario_id, plan_design_id, replication_id) from rpt_year_audit "
                     "where scenario_id = ? and plan_design_id = ? and replication_id = 0 order by simulation_year",
                [key.scenario_id, key.plan_design_id])


def report_bands(con: duckdb.DuckDBPyConnection, key: RunKey
                 ) -> tuple[list[str], list[tuple]]:
    """The Monte Carlo set's mean and P10/P50/P90 per year and metric."""
    return rows(con, "select period, metric, replications, mean_value, p10_value, p50_value, p90_value "
                     "from rpt_replication_bands where scenario_id = ? and plan_design_id = ? "
                     "order by period_sort, metric_sort", [key.scenario_id, key.plan_design_id])


def report_metrics(con: duckdb.DuckDBPyConnection, key: RunKey
                   ) -> tuple[list[str], list[tuple]]:
    """The single run's metrics per year and for the horizon (rpt_scenario_metrics), in long form."""
    return rows(con, "select period, metric, metric_value from rpt_scenario_metrics "
                     "where scenario_id = ? and plan_design_id = ? and replication_id = 0 "
                     "order by period_sort, metric_sort", [key.scenario_id, key.plan_design_id])


def report_headline(con: duckdb.DuckDBPyConnection, key: RunKey) -> tuple[list[str], list[tuple]]:
    """The run report's headline over the stored years, one row per figure: employer cost gross (match + core +
    QNEC) and net of the forfeitures used, per participant per year (over the participant-years: the Dec 31
    participants summed over the years) and as a share of the prorated pay; for a Monte Carlo set the mean over
    the replications and their P10 and P90 (as rpt_replication_bands computes them), for the single run its
    value."""
    return rows(con, """
        with per_replication as (
            select
                replication_id,
                min(period_sort) as first_year,
                max(period_sort) as last_year,
                cast(sum(metric_value) filter (where metric = 'employer_cost') as double) as employer_cost,
                cast(sum(metric_value) filter (where metric = 'net_employer_cost') as double) as net_employer_cost,
                cast(sum(metric_value) filter (where metric = 'employer_cost') as double)
                    / nullif(sum(metric_value) filter (where metric = 'participant_count'), 0)
                    as cost_per_participant_year,
                cast(sum(metric_value) filter (where metric = 'employer_cost') as double)
                    / nullif(sum(metric_value) filter (where metric = 'total_prorated_compensation'), 0)
                    as cost_share_of_pay
            from rpt_scenario_metrics
            where scenario_id = $scenario and plan_design_id = $plan and list_contains($replications, replication_id)
                and period <> 'horizon'
            group by replication_id
        ),
        figures as (
            unpivot per_replication
            on employer_cost, net_employer_cost, cost_per_participant_year, cost_share_of_pay
            into name figure value value
        )
        select
            figure,
            min(first_year) as first_year,
            max(last_year) as last_year,
            count(*) as replications,
            avg(value) as mean_value,
            quantile_cont(value, 0.1) as p10_value,
            quantile_cont(value, 0.9) as p90_value
        from figures
        group by figure
        order by case figure
            when 'employer_cost' then 1 when 'net_employer_cost' then 2 when 'cost_per_participant_year' then 3
            else 4 end
    """, key.params)


def monte_carlo_count(con: duckdb.DuckDBPyConnection, scenario_id: str, plan_design_id: str) -> int:
    """The size of the stored Monte Carlo set of a (scenario, design): its highest replication id, 0 if none."""
    if not has_table(con, "fct_workforce_snapshot"):
        return 0
    return con.execute("select coalesce(max(replication_id), 0) from fct_workforce_snapshot "
                       "where scenario_id = ? and plan_design_id = ?", [scenario_id, plan_design_id]).fetchone()[0]


def report_census(con: duckdb.DuckDBPyConnection, key: RunKey
                  ) -> tuple[list[str], list[tuple]]:
    return rows(con, "select row_status, coalesce(reject_reason, '') as reject_reason, row_count, "
                     "warned_row_count as kept_with_warnings "
                     "from rpt_census_reconciliation where scenario_id = ? and plan_design_id = ? "
                     "order by row_status, row_count desc, reject_reason", [key.scenario_id, key.plan_design_id])


def _percent(column: str) -> str:
    return f"printf('%.2f%%', {column} * 100) as {column}"


def _points(column: str, expression: str | None = None) -> str:
    """A difference of two rates (a test's margin: limit - HCE average) in signed percentage points, as the
    decision summary and the comparison pages write it: '+1.35 pt'."""
    return f"printf('%+.2f pt', {expression or column} * 100) as {column}"


def report_compliance(con: duckdb.DuckDBPyConnection, key: RunKey) -> tuple[list[str], list[tuple]]:
    """The nondiscrimination tests of rpt_nondiscrimination for the report's Compliance section: for the single
    run every test of every year with its figures; for a Monte Carlo set, per year and test, how many
    replications failed it. Empty for a database built before the tests existed."""
    if not has_table(con, "rpt_nondiscrimination"):
        return [], []
    params = [key.scenario_id, key.plan_design_id, key.replications.ids]
    if key.replications.is_monte_carlo:
        return rows(con, "select simulation_year, test_name, count(*) as replications, "
                         "count(*) filter (where result = 'fail') as failed, "
                         "printf('%.1f%%', 100.0 * count(*) filter (where result = 'fail') / count(*)) as fail_share, "
                         "string_agg(distinct result, ', ' order by result) as results, "
                         f"{_points('median_margin', 'median(margin)')}, any_value(rule_section) as rule "
                         "from rpt_nondiscrimination where scenario_id = ? and plan_design_id = ? "
                         "and list_contains(?, replication_id) group by simulation_year, test_name "
                         "order by simulation_year, test_name", params)
    return rows(con, "select simulation_year, test_name, result, hce_count, nhce_count, "
                     f"{_percent('hce_average')}, {_percent('nhce_average')}, {_percent('test_limit')}, "
                     f"{_points('margin')}, {_percent('nhce_average_needed')}, "
                     "format('{:,} of {:,}', hce_benefiting, hce_counted) as hce_benefiting, "
                     "format('{:,} of {:,}', nhce_benefiting, nhce_counted) as nhce_benefiting, "
                     f"{_percent('ratio_percentage')}, coalesce(result_reason, '') as reason, rule_section as rule, "
                     "cast(determination_date as varchar) as determination_date, "
                     f"{_percent('key_balance_share')}, {_percent('top_heavy_threshold')}, "
                     "format('${:,.2f}', key_balance_amount) as key_balance_amount, "
                     "format('${:,.2f}', total_balance_amount) as total_balance_amount, "
                     "format('{:,}', former_key_employees) as former_key_employees, "
                     "format('${:,.2f}', former_key_balance_amount) as former_key_balance_amount, "
                     "minimum_contribution_rate, "
                     "format('{:,}', minimum_contribution_employees) as minimum_contribution_employees, "
                     "format('${:,.2f}', minimum_contribution_amount) as minimum_contribution_amount "
                     "from rpt_nondiscrimination where scenario_id = ? and plan_design_id = ? "
                     "and list_contains(?, replication_id) order by simulation_year, test_name", params)


def report_corrections(con: duckdb.DuckDBPyConnection, key: RunKey) -> tuple[list[str], list[tuple]]:
    """What correcting each failed ADP/ACP test costs (rpt_nondiscrimination_corrections), for the report: for the
    single run each failed test with the refund, the QNEC and what the design applies; for a Monte Carlo set, per
    year and test, the mean refund and the QNEC cost's mean and P10-P90 over the replications (0 where it passed).
    Empty for a database built before the corrections existed."""
    if not has_table(con, "rpt_nondiscrimination_corrections"):
        return [], []
    params = [key.scenario_id, key.plan_design_id, key.replications.ids]
    where = "where scenario_id = ? and plan_design_id = ? and list_contains(?, replication_id)"
    if key.replications.is_monte_carlo:
        return rows(con, "select simulation_year, test_name, count(*) as replications, "
                         "count(*) filter (where result = 'fail') as failed, avg(refund_total) as refund_mean, "
                         "avg(qnec_cost) as qnec_cost_mean, quantile_cont(qnec_cost, 0.1) as qnec_cost_p10, "
                         "quantile_cont(qnec_cost, 0.9) as qnec_cost_p90, any_value(ndt_correction) as setting "
                         f"from rpt_nondiscrimination_corrections {where} and result in ('pass', 'fail') "
                         "group by simulation_year, test_name having count(*) filter (where result = 'fail') > 0 "
                         "order by simulation_year, test_name", params)
    return rows(con, "select simulation_year, test_name, excess_total, hces_refunded, recharacterized_total, "
                     "refund_total, forfeited_total, qnec_rate, qnec_nhces, qnec_cost, correction_applied, "
                     f"applied_employer_cost from rpt_nondiscrimination_corrections {where} and result = 'fail' "
                     "order by simulation_year, test_name", params)


def report_compliance_sheet(con: duckdb.DuckDBPyConnection, key: RunKey) -> tuple[list[str], list[tuple]]:
    """The workbook's Compliance sheet: every test of every year and replication from rpt_nondiscrimination (the
    top-heavy test's key share, balances and minimum contribution in its own columns, blank for the others), and for
    ADP and ACP the two corrections of a failure from rpt_nondiscrimination_corrections (blank for the others)."""
    return rows(con, """
        select
            tests.replication_id, tests.simulation_year, tests.test_name, tests.result, tests.result_reason,
            tests.hce_count, tests.nhce_count, tests.hce_average, tests.nhce_average, tests.test_limit, tests.margin,
            tests.nhce_average_needed, tests.ratio_percentage, tests.determination_date, tests.key_balance_share,
            tests.top_heavy_threshold, tests.key_balance_amount, tests.total_balance_amount,
            tests.former_key_employees, tests.former_key_balance_amount,
            tests.minimum_contribution_rate, tests.minimum_contribution_employees, tests.minimum_contribution_amount,
            corrections.excess_total, corrections.hces_refunded,
            corrections.recharacterized_total, corrections.refund_total, corrections.forfeited_total,
            corrections.qnec_rate, corrections.qnec_cost, corrections.correction_applied,
            corrections.applied_employer_cost, tests.rule_section
        from rpt_nondiscrimination as tests
        left join rpt_nondiscrimination_corrections as corrections
            using (scenario_id, plan_design_id, replication_id, simulation_year, test_name)
        where tests.scenario_id = ? and tests.plan_design_id = ? and list_contains(?, tests.replication_id)
        order by tests.replication_id, tests.simulation_year, tests.test_name""",
                [key.scenario_id, key.plan_design_id, key.replications.ids])


def report_census_warnings(con: duckdb.DuckDBPyConnection, key: RunKey
                           ) -> tuple[list[str], list[tuple]]:
    """(warning_reason, staged rows) of the census, most frequent first: the console's census line and the report."""
    return rows(con, "select warning_reason, count(*) as staged_rows from stg_census__warnings "
                     "where scenario_id = ? and plan_design_id = ? group by warning_reason "
                     "order by staged_rows desc, warning_reason", [key.scenario_id, key.plan_design_id])


def report_tripwires(con: duckdb.DuckDBPyConnection, key: RunKey
                     ) -> tuple[list[str], list[tuple]]:
    """The data tests of the latest build of each year, from the run log: test, years run, years failed."""
    return rows(con, """
        with builds as (
            select simulation_year, node_timings
            from main.planalign_run_log
            where scenario_id = ? and plan_design_id = ? and command = 'build' and event = 'end'
            qualify row_number() over (partition by simulation_year order by logged_at desc) = 1
        ),
        nodes as (
            select builds.simulation_year, unnest(from_json(builds.node_timings,
                '[{"node": "VARCHAR", "status": "VARCHAR", "seconds": "DOUBLE"}]')) as node
            from builds
        )
        select
            case
                when split_part(node.node, '.', 3) like 'assert%' or split_part(node.node, '.', 3) like 'critical%'
                    then split_part(node.node, '.', 3)
                else 'other data tests (grain, ranges, accepted values, relationships)'
            end as test_name,
            count(distinct node.node) as tests,
            count(*) as runs,
            count(*) filter (where node.status not in ('pass', 'success')) as failed_runs,
            string_agg(distinct node.status, ', ') as statuses
        from nodes
        where node.node like 'test.%'
        group by 1
        order by failed_runs desc, test_name like 'other%', test_name
    """, [key.scenario_id, key.plan_design_id])


def report_provenance(con: duckdb.DuckDBPyConnection, key: RunKey) -> dict[str, Any]:
    pair = [key.scenario_id, key.plan_design_id]
    settings = con.execute("select config_hash, settings_json, run_id, built_at from dim_scenario_settings "
                           "where scenario_id = ? and plan_design_id = ?", pair).fetchone()
    columns, design = rows(con, "select * exclude (scenario_id) from dim_plan_designs "
                                "where scenario_id = ? and plan_design_id = ?", [key.scenario_id, key.plan_design_id])
    git = con.execute("select git_sha from main.planalign_run_log where scenario_id = ? and plan_design_id = ? "
                      "and git_sha is not null order by logged_at desc limit 1",
                      [key.scenario_id, key.plan_design_id]).fetchone()
    return {"config_hash": settings[0] if settings else None, "settings_json": settings[1] if settings else "{}",
            "run_id": settings[2] if settings else None, "built_at": settings[3] if settings else None,
            "design": dict(zip(columns, design[0], strict=True)) if design else {},
            "git_sha": git[0] if git else None}


def report_irs_limits(con: duckdb.DuckDBPyConnection, key: RunKey
                      ) -> tuple[list[str], list[tuple]]:
    return rows(con, "select * exclude (scenario_id, plan_design_id, replication_id, run_id) from fct_irs_limits "
                     "where scenario_id = ? and plan_design_id = ? and replication_id = "
                     "(select min(replication_id) from fct_irs_limits where scenario_id = ? and plan_design_id = ?) "
                     "order by simulation_year", [key.scenario_id, key.plan_design_id] * 2)


def report_warnings(con: duckdb.DuckDBPyConnection, key: RunKey
                    ) -> tuple[list[str], list[tuple]]:
    return rows(con, "select * exclude (scenario_id, plan_design_id) from stg_census__warnings "
                     "where scenario_id = ? and plan_design_id = ? order by census_row_number, warning_reason",
                [key.scenario_id, key.plan_design_id])


def report_rejects(con: duckdb.DuckDBPyConnection, key: RunKey
                   ) -> tuple[list[str], list[tuple]]:
    return rows(con, "select * exclude (scenario_id, plan_design_id) from stg_census__rejects "
                     "where scenario_id = ? and plan_design_id = ? order by census_row_number",
                [key.scenario_id, key.plan_design_id])


def export_table(con: duckdb.DuckDBPyConnection, table: str, key: RunKey, out: Path, file_format: str) -> Path:
    """A scenario's rows of a mart, as Parquet or CSV (for other tools), written atomically."""
    tmp = out.with_name(out.name + ".tmp")
    options = "(format parquet)" if file_format == "parquet" else "(format csv, header true)"
    con.execute(f"copy (select * from {table} where scenario_id = $scenario and plan_design_id = $plan "
                f"and list_contains($replications, replication_id) order by all) to '{_quoted(tmp)}' {options}",
                key.params)
    tmp.replace(out)
    return out


def comparisons_from(con: duckdb.DuckDBPyConnection, key: RunKey) -> tuple[list[str], list[tuple]]:
    """Every comparison with this run as the base side (for the workbook)."""
    return rows(con, "select * exclude (replication_set, base_scenario_id, base_plan_design_id, period_sort, "
                     "metric_sort) from rpt_scenario_comparison where base_scenario_id = ? and base_plan_design_id = ? "
                     "and replication_set = ? order by alt_scenario_id, alt_plan_design_id, period_sort, metric_sort",
                [key.scenario_id, key.plan_design_id, key.replications.kind])


def report_breakdowns(con: duckdb.DuckDBPyConnection, key: RunKey) -> tuple[list[str], list[tuple]]:
    return rows(con, "select * exclude (scenario_id, plan_design_id) from rpt_workforce_breakdown "
                     "where scenario_id = $scenario and plan_design_id = $plan "
                     "and list_contains($replications, replication_id) order by all",
                key.params)


# ---- report queries kept in analyses/ (dbt compiles and lints them; the CLI binds their parameters) ----

_JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.DOTALL)
_REF = re.compile(r"\{\{\s*ref\(\s*'(\w+)'\s*\)\s*\}\}")
_PARAM = re.compile(r"\{\{\s*report_param\(\s*'(\w+)'\s*,[^}]*\)\s*\}\}")


def analysis_sql(name: str) -> str:
    """analyses/<name>.sql as DuckDB SQL: ref('x') -> x, report_param('p', default) -> $p."""
    text = (PROJECT_ROOT / "analyses" / f"{name}.sql").read_text()
    sql = _PARAM.sub(lambda m: f"${m.group(1)}", _REF.sub(lambda m: m.group(1), _JINJA_COMMENT.sub("", text)))
    if "{{" in sql or "{%" in sql:
        raise PlanAlignError(f"analyses/{name}.sql uses Jinja the CLI cannot run",
                             hint="keep report analyses to ref() and report_param()")
    return sql


def _analysis(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any]) -> tuple[list[str], list[tuple]]:
    cursor = con.execute(analysis_sql(name), params)
    return [d[0] for d in cursor.description], cursor.fetchall()


def simulated_years(con: duckdb.DuckDBPyConnection, key: RunKey,
                    replication_id: int) -> list[int]:
    if not has_table(con, "fct_workforce_snapshot"):
        return []
    return [row[0] for row in con.execute(
        "select distinct simulation_year from fct_workforce_snapshot where scenario_id = ? and plan_design_id = ? "
        "and replication_id = ? order by 1", [key.scenario_id, key.plan_design_id, replication_id]).fetchall()]


def has_recorded_job_levels(con: duckdb.DuckDBPyConnection, key: RunKey, replication_id: int) -> bool:
    """Whether dim_assumptions records the job_levels table the run of this replication's set read (a database
    built before dim_assumptions existed, or a run made before it did, has no such record)."""
    if not has_table(con, "dim_assumptions"):
        return False
    kind = MONTE_CARLO if replication_id else SINGLE
    return con.execute("select count(*) from dim_assumptions where scenario_id = ? and plan_design_id = ? "
                       "and replication_set = ? and table_name = 'job_levels'",
                       [key.scenario_id, key.plan_design_id, kind]).fetchone()[0] > 0


def workforce_at(con: duckdb.DuckDBPyConnection, key: RunKey, replication_id: int,
                 as_of_date: str) -> tuple[list[str], list[tuple]]:
    """The time machine (analyses/workforce_at_date.sql): the workforce on a date, from the events."""
    return _analysis(con, "workforce_at_date", {"scenario_id": key.scenario_id, "plan_design_id": key.plan_design_id,
                                                "replication_id": replication_id, "as_of_date": as_of_date})


def workforce_at_summary(con: duckdb.DuckDBPyConnection, key: RunKey,
                         replication_id: int, as_of_date: str) -> tuple[int, float, int]:
    """(active headcount, their total annual pay, active participants) on the date."""
    row = con.execute(
        "select count(*) filter (where employment_status = 'active'), "
        "coalesce(sum(annual_compensation) filter (where employment_status = 'active'), 0), "
        "count(*) filter (where employment_status = 'active' and enrollment_status = 'enrolled') "
        f"from ({analysis_sql('workforce_at_date')})",
        {"scenario_id": key.scenario_id, "plan_design_id": key.plan_design_id, "replication_id": replication_id,
         "as_of_date": as_of_date}).fetchone()
    return int(row[0]), float(row[1]), int(row[2])


def employee_timeline(con: duckdb.DuckDBPyConnection, key: RunKey, replication_id: int,
                      employee_id: str) -> tuple[list[str], list[tuple]]:
    """One employee's events in order (analyses/employee_timeline.sql)."""
    return _analysis(con, "employee_timeline", {"scenario_id": key.scenario_id, "plan_design_id": key.plan_design_id,
                                                "replication_id": replication_id, "employee_id": employee_id})


_DEFERRAL_BAND_COLUMN = re.compile(r"deferral_band_(\d+)_count")


def deferral_band_sort(column: str) -> int | None:
    """n of a deferral_band_<n>_count column of rpt_workforce_breakdown (the band_sort of a band of
    report_deferral_bands: the view has one such column per band); None for any other column."""
    match = _DEFERRAL_BAND_COLUMN.fullmatch(column)
    return int(match.group(1)) if match else None


def report_plan_distribution(con: duckdb.DuckDBPyConnection, key: RunKey) -> tuple[list[str], list[tuple]]:
    """Per year (the mean over a set's replications): deferral-band counts and limit hits, summed over
    the job-level breakdown (every employee is in exactly one level)."""
    columns = [row[0] for row in con.execute("describe rpt_workforce_breakdown").fetchall()]
    bands = [name for name in columns if deferral_band_sort(name) is not None]
    return rows(con, f"""
        select simulation_year, {", ".join(f"avg({name}) as {name}" for name in bands)},
            avg(limit_402g_count) as limit_402g_count, avg(limit_415c_count) as limit_415c_count,
            avg(limit_401a17_count) as limit_401a17_count, avg(match_cap_count) as match_cap_count
        from (
            select replication_id, simulation_year,
                {", ".join(f"sum({name}) as {name}" for name in bands)},
                sum(limit_402g_count) as limit_402g_count, sum(limit_415c_count) as limit_415c_count,
                sum(limit_401a17_count) as limit_401a17_count, sum(match_cap_count) as match_cap_count
            from rpt_workforce_breakdown
            where scenario_id = $scenario and plan_design_id = $plan and dimension = 'job_level'
                and list_contains($replications, replication_id)
            group by all
        )
        group by simulation_year
        order by simulation_year
    """, key.params)


def deferral_band_labels(con: duckdb.DuckDBPyConnection) -> dict[int, str]:
    """The label of each band of report_deferral_bands, by band_sort."""
    return dict(con.execute("select band_sort, band_label from report_deferral_bands order by band_sort").fetchall())


# ---- benchmark (a database written by one `planalign bench` run) -----------------------------------

_NODE_TIMINGS = ('[{"node": "VARCHAR", "status": "VARCHAR", "seconds": "DOUBLE", "started": "DOUBLE", '
                 '"completed": "DOUBLE"}]')


def bench_node_time(con: duckdb.DuckDBPyConnection) -> dict[str, float]:
    """From the run log the hooks write (one end row per dbt invocation, whether dbt ran as a subprocess or
    in-process): dbt invocations, node runs, and the wall seconds during which at least one node (one data
    test) was running. dbt builds several nodes at once (PLANALIGN_DBT_THREADS), so their times overlap:
    the seconds are the union of the nodes' [started, completed] intervals, not their sum."""
    if not has_table(con, "planalign_run_log"):
        return {"dbt_invocations": 0, "node_runs": 0, "sql_seconds": 0.0, "test_seconds": 0.0}
    row = con.execute(f"""
        with invocations as (
            select distinct invocation_id
            from main.planalign_run_log
            where invocation_id is not null
        ),
        ends as (
            select node_timings
            from main.planalign_run_log
            where event = 'end' and invocation_id is not null
        ),
        nodes as (
            select unnest(from_json(ends.node_timings, '{_NODE_TIMINGS}'), recursive := true)
            from ends
        ),
        intervals as (
            select node like 'test.%' as is_test, started, greatest(completed, started) as completed
            from nodes
            where started is not null
        ),
        {_interval_union("all_nodes", "true")},
        {_interval_union("test_nodes", "is_test")}
        select
            (select count(*) from invocations),
            (select count(*) from nodes),
            (select coalesce(sum(seconds), 0) from all_nodes),
            (select coalesce(sum(seconds), 0) from test_nodes)
    """).fetchone()
    return dict(zip(("dbt_invocations", "node_runs", "sql_seconds", "test_seconds"), row, strict=True))


def _interval_union(name: str, condition: str) -> str:
    """CTEs <name>: one row per island of overlapping intervals (where condition), with its length in seconds."""
    return f"""
        {name}_ordered as (
            select started, completed,
                max(completed) over (order by started, completed
                                     rows between unbounded preceding and 1 preceding) as reached
            from intervals
            where {condition}
        ),
        {name}_islands as (
            select started, completed,
                sum(case when reached is null or started > reached then 1 else 0 end)
                    over (order by started, completed rows unbounded preceding) as island
            from {name}_ordered
        ),
        {name} as (
            select max(completed) - min(started) as seconds
            from {name}_islands
            group by island
        )"""


def bench_year_ends(con: duckdb.DuckDBPyConnection) -> list[tuple[int, float]]:
    """(simulation year, Unix time its last dbt invocation ended), in year order. logged_at is the hook's
    now() in the session time zone; casting it back through timestamptz gives the instant."""
    if not has_table(con, "planalign_run_log"):
        return []
    return con.execute("""
        select simulation_year, epoch(max(cast(logged_at as timestamptz)))
        from main.planalign_run_log
        where event = 'end' and invocation_id is not null
        group by simulation_year
        order by simulation_year
    """).fetchall()


def bench_rows_written(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {f"{kind}_rows": (con.execute(f"select count(*) from main.{table}").fetchone()[0]
                             if has_table(con, table) else 0)
            for kind, table in (("event", "fct_yearly_events"), ("snapshot", "fct_workforce_snapshot"))}


# ---- sensitivity (make sensitivity): the horizon's net employer cost of each run, from the report models ------

def horizon_net_cost_by_replication(con: duckdb.DuckDBPyConnection, key: RunKey) -> dict[int, float]:
    """The horizon's net employer cost of each replication of one run (rpt_scenario_metrics), by replication id."""
    rows = con.execute(
        "select replication_id, metric_value from rpt_scenario_metrics where scenario_id = $scenario "
        "and plan_design_id = $plan and list_contains($replications, replication_id) and period = 'horizon' "
        "and metric = 'net_employer_cost' and metric_value is not null", key.params).fetchall()
    return {int(replication): float(value) for replication, value in rows}


def stored_settings(con: duckdb.DuckDBPyConnection, key: RunKey) -> dict[str, Any]:
    """The stored settings of a (scenario, design) (dim_scenario_settings), {} when none are stored."""
    if not has_table(con, "dim_scenario_settings"):
        return {}
    row = con.execute("select settings_json from dim_scenario_settings where scenario_id = ? and plan_design_id = ?",
                      [key.scenario_id, key.plan_design_id]).fetchone()
    return json.loads(row[0]) if row and row[0] else {}
