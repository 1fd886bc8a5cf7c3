"""The SQL of `census-history` and `calibrate`: a simulated year's snapshot written as a census file, the
assumption tables a run read, and the pay growth of a run (docs/rules.md, "Average pay growth")."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import duckdb

from planalign.keys import RunKey
from planalign.paths import PROJECT_ROOT

SEEDS = PROJECT_ROOT / "seeds"

# The census layout `planalign census` writes (engine/census.py): these columns, in this order and these types.
CENSUS_COLUMNS = ("employee_id", "birth_date", "hire_date", "termination_date", "annual_compensation", "job_level",
                  "hours_per_week", "deferral_rate", "enrollment_date", "ssn")
# What a simulated year leaves that a restart from its file reads (docs/census.md): the year's wages (the next year's
# look-back pay for the Roth catch-up and HCE rules) and the Dec 31 balances by source (vesting and forfeitures).
# Without them a restart took the pay rate as last year's wages and started every account at 0.
STATE_COLUMNS = ("prior_year_compensation", "account_balance_deferral", "account_balance_match",
                 "account_balance_core")
CSV_OPTIONS = "(format csv, header true)"
# The assumption tables a run reads (seeds, possibly a scenario's own), written to truth/ as the engine loaded them.
ASSUMPTION_TABLES = ("job_levels", "hazard_age_bands", "hazard_tenure_bands", "cola_rates", "new_hire_age_mix",
                     "enrollment_behavior", "voluntary_deferral_rates", "promotion_transitions", "match_response",
                     "irs_limits")
RUN_STAMPS = ("run_id", "built_at", "created_at")

# A synthetic SSN for an employee the census did not have (a hire): 9xx-xx-xxxx, a range never issued, drawn
# from md5(seed | employee_id | 'ssn') like the census generator's.
_SYNTHETIC_SSN = (
    "'9' || lpad(cast(cast(('0x' || substr(md5(concat_ws('|', $seed, snapshot.employee_id, 'ssn')), 1, 13)) "
    "as bigint) % 100000000 as varchar), 8, '0')"
)

SNAPSHOT_AS_CENSUS = f"""
with

census as (
    select employee_id, ssn from read_csv($census, header = true, all_varchar = true)
),

snapshot as (
    select * from fct_workforce_snapshot
    where scenario_id = $scenario and plan_design_id = $plan and replication_id = $replication
        and simulation_year = $year and (employment_status = 'active' or $with_leavers)
),

final as (
    select
        snapshot.employee_id,
        snapshot.birth_date,
        snapshot.hire_date,
        case when snapshot.employment_status <> 'active' then snapshot.termination_date end as termination_date,
        cast(snapshot.annual_compensation as decimal(18, 2)) as annual_compensation,
        snapshot.job_level,
        case when snapshot.hours_per_week = round(snapshot.hours_per_week)
            then cast(cast(snapshot.hours_per_week as integer) as varchar)
            else cast(snapshot.hours_per_week as varchar) end as hours_per_week,
        cast(snapshot.deferral_rate as decimal(6, 4)) as deferral_rate,
        snapshot.enrollment_date,
        cast(snapshot.prorated_compensation as decimal(18, 2)) as prior_year_compensation,
        cast(snapshot.employee_balance_amount as decimal(18, 2)) as account_balance_deferral,
        cast(snapshot.match_balance_amount as decimal(18, 2)) as account_balance_match,
        cast(snapshot.core_balance_amount as decimal(18, 2)) as account_balance_core,
        coalesce(census.ssn, substr(ssn_digits, 1, 3) || '-' || substr(ssn_digits, 4, 2) || '-'
            || substr(ssn_digits, 6, 4)) as ssn
    from (select *, {_SYNTHETIC_SSN} as ssn_digits from snapshot) as snapshot
    left join census on snapshot.employee_id = census.employee_id
)

select {", ".join(CENSUS_COLUMNS + STATE_COLUMNS)} from final order by employee_id
"""


def _connect_writer() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("set threads = 1")  # one writer thread keeps row order and bytes identical
    return con


def write_snapshot_census(database: Path, key: RunKey, year: int, census: Path, seed: int, with_leavers: bool,
                          out: Path) -> tuple[int, int]:
    """The state after year `year` (replication 0) as a census file: the Dec 31 actives, and with_leavers also
    the year's leavers with their termination date. Returns (rows, leavers)."""
    con = _connect_writer()
    try:
        con.execute(f"attach '{_quoted(database)}' as run (read_only)")
        con.execute("use run")
        params = {"census": str(census), "scenario": key.scenario_id, "plan": key.plan_design_id,
                  "replication": 0, "year": year, "with_leavers": with_leavers, "seed": str(seed)}
        con.execute(f"copy ({SNAPSHOT_AS_CENSUS}) to '{_quoted(out)}' {CSV_OPTIONS}", params)
        rows, leavers = con.execute(
            "select count(*), count(termination_date) from read_csv($out, header = true, all_varchar = true)",
            {"out": str(out)}).fetchone()
    finally:
        con.close()
    return rows, leavers


def write_census_without_leavers(census: Path, out: Path) -> tuple[int, int]:
    """A census file less its rows with a termination date, every other row's text as it was. Returns
    (rows written, rows left out)."""
    con = _connect_writer()
    try:
        source = "read_csv($census, header = true, all_varchar = true)"
        con.execute(f"copy (select * from {source} where termination_date is null order by employee_id) "
                    f"to '{_quoted(out)}' {CSV_OPTIONS}", {"census": str(census)})
        kept, dropped = con.execute(
            f"select count(*) filter (termination_date is null), count(termination_date) from {source}",
            {"census": str(census)}).fetchone()
    finally:
        con.close()
    return kept, dropped


def census_rows(census: Path) -> tuple[int, int]:
    """(rows, rows with a termination date) of a census CSV."""
    con = _connect_writer()
    try:
        return con.execute("select count(*), count(termination_date) "
                           "from read_csv($census, header = true, all_varchar = true)",
                           {"census": str(census)}).fetchone()
    finally:
        con.close()


def write_truth_tables(database: Path, key: RunKey, folder: Path) -> list[str]:
    """The assumption tables and the resolved plan design of the run, as the engine loaded them, one CSV each
    (run stamps left out). Returns the file names. A workforce assumption table comes from dim_assumptions
    (the rows the run read: the scenario's own table, or the seed), in the seed's column order and with the
    values' text as stored; the IRS limits and the plan design from their tables."""
    con = _connect_writer()
    written = []
    try:
        con.execute(f"attach '{_quoted(database)}' as run (read_only)")
        con.execute("use run")
        present = {row[0] for row in con.execute(
            "select table_name from information_schema.tables where table_catalog = 'run' "
            "and table_schema = 'main'").fetchall()}
        stored = {}
        if "dim_assumptions" in present:
            stored = {name: rows for name, rows in con.execute(
                "select table_name, arg_min(rows_json, simulation_year) from dim_assumptions "
                "where scenario_id = $scenario and plan_design_id = $plan group by table_name",
                {"scenario": key.scenario_id, "plan": key.plan_design_id}).fetchall()}
        for table in (*ASSUMPTION_TABLES, "dim_plan_designs"):
            if table in stored:
                _write_stored_table(table, stored[table], folder / f"{table}.csv")
                written.append(f"{table}.csv")
                continue
            if table not in present:
                continue
            columns = [row[0] for row in con.execute(
                "select column_name from information_schema.columns where table_catalog = 'run' "
                "and table_schema = 'main' and table_name = ? order by ordinal_position", [table]).fetchall()
                if row[0] not in RUN_STAMPS]
            where = (" where scenario_id = $scenario and plan_design_id = $plan"
                     if table == "dim_plan_designs" else "")
            params = {"scenario": key.scenario_id, "plan": key.plan_design_id} if where else {}
            name = "plan_design.csv" if table == "dim_plan_designs" else f"{table}.csv"
            listed = ", ".join(f'"{column}"' for column in columns)
            con.execute(f"copy (select {listed} from {table}{where} order by all) to '{_quoted(folder / name)}' "
                        f"{CSV_OPTIONS}", params)
            written.append(name)
    finally:
        con.close()
    return written


def _write_stored_table(table: str, rows_json: str, path: Path) -> None:
    """One table of dim_assumptions as CSV: the seed's header, each value's text as stored (0.300000 stays)."""
    with (SEEDS / f"{table}.csv").open(newline="") as handle:
        header = next(csv.reader(handle))
    rows = json.loads(rows_json, parse_float=str, parse_int=str)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if row.get(column) is None else row[column] for column in header])


def stored_settings(con: duckdb.DuckDBPyConnection, key: RunKey) -> tuple[dict[str, Any], str]:
    """The settings the engine stored for the run (dim_scenario_settings) and its configuration hash."""
    settings_json, config_hash = con.execute(
        "select settings_json, config_hash from dim_scenario_settings where scenario_id = ? and plan_design_id = ?",
        [key.scenario_id, key.plan_design_id]).fetchone()
    return json.loads(settings_json), config_hash


def pay_growth(con: duckdb.DuckDBPyConnection, key: RunKey, end: int, years: int) -> tuple[float, int, float,
                                                                                             float, float, float]:
    """Average pay growth over the horizon (docs/rules.md): per replication, the compound annual growth of the
    mean annual_compensation of the actives, from the staged census (the start year's Jan 1 workforce) to the
    Dec 31 actives of `end`, over `years` years; then the mean over the replications.
    Returns (growth, replications, lowest, highest, census mean pay, end mean pay)."""
    return con.execute(
        """
        with census as (
            select avg(annual_compensation) as mean_pay from stg_census__employees
            where scenario_id = $scenario and plan_design_id = $plan
        ),
        ended as (
            select replication_id, avg(annual_compensation) as mean_pay from fct_workforce_snapshot
            where scenario_id = $scenario and plan_design_id = $plan and list_contains($replications, replication_id)
                and simulation_year = $end and employment_status = 'active'
            group by replication_id
        ),
        grown as (
            select ended.mean_pay, census.mean_pay as census_pay,
                power(ended.mean_pay / census.mean_pay, 1.0 / $years) - 1 as growth
            from ended cross join census
        )
        select avg(growth), count(*), min(growth), max(growth), any_value(census_pay), avg(mean_pay) from grown
        """, {**key.params, "end": end, "years": years}).fetchone()


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")


LEVEL_FLOWS = """
with

snapshot as (
    select replication_id, simulation_year, employee_id, is_new_hire, employment_status, job_level
    from fct_workforce_snapshot
    where scenario_id = $scenario and plan_design_id = $plan and list_contains($replications, replication_id)
        and simulation_year between $start and $end
),

events as (
    select replication_id, simulation_year, employee_id, event_type, job_level_before, job_level_after
    from fct_yearly_events
    where scenario_id = $scenario and plan_design_id = $plan and list_contains($replications, replication_id)
        and simulation_year between $start and $end and event_type in ('hire', 'promotion')
),

first_promotions as (
    select replication_id, employee_id, arg_min(job_level_before, simulation_year) as job_level_before
    from events
    where event_type = 'promotion' and simulation_year = $start
    group by replication_id, employee_id
),

flows as (
    select coalesce(first_promotions.job_level_before, snapshot.job_level) as job_level, 'start' as flow
    from snapshot
    left join first_promotions
        on snapshot.replication_id = first_promotions.replication_id
        and snapshot.employee_id = first_promotions.employee_id
    where snapshot.simulation_year = $start and not snapshot.is_new_hire
    union all
    select job_level, 'end' from snapshot where simulation_year = $end and employment_status = 'active'
    union all
    select job_level, 'terminations' from snapshot where employment_status <> 'active'
    union all
    select job_level_after, 'hires' from events where event_type = 'hire'
    union all
    select job_level_after, 'promotions_in' from events where event_type = 'promotion'
    union all
    select job_level_before, 'promotions_out' from events where event_type = 'promotion'
    union all
    select events.job_level_after, 'hires_kept'
    from snapshot
    inner join events
        on snapshot.replication_id = events.replication_id and snapshot.employee_id = events.employee_id
    where snapshot.simulation_year = $end and snapshot.employment_status = 'active' and events.event_type = 'hire'
)

select job_level, flow, count(*) from flows group by all order by all
"""


def level_flows(con: duckdb.DuckDBPyConnection, key: RunKey, start: int, end: int) -> dict[int, dict[str, int]]:
    """Per job level, pooled over the run's replications, over the years start..end: the Jan 1 workforce of
    `start` (at its Jan 1 level), the Dec 31 actives of `end`, and the flows in between (hires at their hire
    level, terminations at their level when leaving, promotions in and out), plus hires_kept: the horizon's
    hires still active on Dec 31 of `end`, by the level they were hired at.
    Per level: start + hires - terminations + promotions_in - promotions_out = end."""
    counts: dict[int, dict[str, int]] = {}
    for level, flow, count in con.execute(LEVEL_FLOWS, {**key.params, "start": start, "end": end}).fetchall():
        counts.setdefault(level, {})[flow] = count
    return counts
