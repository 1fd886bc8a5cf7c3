"""A census history: the yearly snapshots, read into one DuckDB table, checked, and turned into person-years.

A snapshot's date is January 1 of the 4-digit year in its file name (census_2024.csv is the workforce at the
start of 2024). Consecutive snapshots t, t+1 give one interval: everyone active on Jan 1 of t is one
person-year, and either stays (active on Jan 1 of t+1) or leaves. A leaver is recognised both ways: the row
is still in the next file with a termination date (the termination-date convention), or the person is absent
from it (the absent convention). Hires of the interval are the rows of t+1 hired in [Jan 1 t, Jan 1 t+1) who
were not active at t; anyone else new in t+1 is flagged and kept out of the new-hire statistics.

Reading goes through read_snapshot(con, path, sheet), the one place that knows file formats: CSV and Parquet
by DuckDB, a workbook (.xlsx) by the census reader shared with the simulation (engine/census.py read_census),
all returning the same canonical varchar columns and the row's line (the sheet row for a workbook).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from planalign.engine import census_excel
from planalign.engine.census import census_column_names, read_census
from planalign.errors import PlanAlignError

CANONICAL = ["employee_id", "birth_date", "hire_date", "termination_date", "annual_compensation", "job_level",
             "deferral_rate", "enrollment_date"]
YEAR_IN_NAME = re.compile(r"(?<![0-9])(19[0-9]{2}|20[0-9]{2}|2100)(?![0-9])")
FIT_HINT = "a fit needs 2 or more yearly snapshots named with their year, e.g. census_2023.csv census_2024.csv"


@dataclass(frozen=True)
class Snapshot:
    path: Path
    year: int
    sha256: str
    rows: int = 0

    @property
    def date(self) -> dt.date:
        return dt.date(self.year, 1, 1)


@dataclass
class History:
    """The snapshots, the leaver convention found, and the rows kept out of the new-hire statistics."""

    snapshots: list[Snapshot]
    convention: str = ""
    leavers_by_date: int = 0
    leavers_by_absence: int = 0
    hires_seen_leaving: bool = False
    flagged: list[dict] = field(default_factory=list)  # file, row (line), year, reason: no ids
    person_years: int = 0
    has_deferrals: bool = False

    @property
    def years(self) -> list[int]:
        return [snapshot.year for snapshot in self.snapshots]


def snapshot_year(path: Path) -> int:
    """The 4-digit year in the file name, refused in one line when there is none or more than one."""
    years = YEAR_IN_NAME.findall(path.stem)
    if len(set(years)) != 1:
        found = "no 4-digit year" if not years else f"{len(set(years))} years ({', '.join(sorted(set(years)))})"
        raise PlanAlignError(f"the census file name {path.name} has {found}: its year cannot be read",
                             hint="name each snapshot with the year it starts, e.g. census_2024.csv "
                                  "= the workforce on Jan 1 2024")
    return int(years[0])


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def order_snapshots(paths: list[Path]) -> list[Snapshot]:
    """The snapshots by year, refused when fewer than 2, missing, sharing a year or not consecutive."""
    if len(paths) < 2:
        raise PlanAlignError(f"a fit needs at least 2 yearly snapshots, got {len(paths)}", hint=FIT_HINT)
    by_year: dict[int, Path] = {}
    for path in paths:
        if not path.is_file():
            raise PlanAlignError(f"the census file {path} does not exist", hint="check the HISTORY file names")
        year = snapshot_year(path)
        if year in by_year:
            raise PlanAlignError(f"{by_year[year].name} and {path.name} are both the snapshot of {year}",
                                 hint="give one snapshot per year")
        by_year[year] = path
    years = sorted(by_year)
    gaps = [f"{a}->{b}" for a, b in zip(years, years[1:], strict=False) if b != a + 1]
    if gaps:
        raise PlanAlignError(f"the snapshot years are not consecutive ({', '.join(gaps)}): each year's "
                             "transitions need the snapshot of the year before",
                             hint="add the missing years' snapshots, or fit each consecutive run separately")
    return [Snapshot(by_year[year], year, _sha256(by_year[year])) for year in years]


def _column_map(names: list[str], path: Path) -> dict[str, str]:
    aliases, required = census_column_names()
    lowered = {name.strip().lower(): name for name in names}
    mapping = {}
    for canonical in CANONICAL:
        for alias in aliases.get(canonical, [canonical]):
            if alias in lowered:
                mapping[canonical] = lowered[alias]
                break
    missing = [name for name in required if name not in mapping]
    if missing:
        raise PlanAlignError(f"{path.name} has no column {', '.join(missing)} (columns: {', '.join(names)})",
                             hint="every snapshot needs employee_id, birth_date, hire_date and annual_compensation "
                                  "(see docs/census.md for the accepted names)")
    return mapping


def read_snapshot(con: duckdb.DuckDBPyConnection, path: Path, sheet: str | None = None) -> duckdb.DuckDBPyRelation:
    """One snapshot as a relation of the canonical columns (varchar, NULL when the file has no such column)
    plus `file_row`, the row's line in the file (CSV and .xlsx: the header is line / sheet row 1, as the user
    sees it) or its row number (Parquet). A workbook (.xlsx, .xlsm) is read by the census reader
    (planalign.engine.census.read_census: sheet `sheet`, else the first; typed cells as the census text, the
    same refusals as a census)."""
    suffix = path.suffix.lower()
    quoted = str(path).replace("'", "''")
    if sheet is not None and not census_excel.is_xlsx(path):
        raise PlanAlignError(f"{path.name}: a sheet ('{sheet}') was named but the snapshot is not a workbook",
                             hint="remove CENSUS_SHEET= (--census-sheet), or give .xlsx snapshots")
    if census_excel.is_xlsx(path):
        table = read_census(con, path, sheet=sheet, name="fit_sheet_rows")
        columns = ", ".join(f'"{name}"' for name in CANONICAL)
        return table.project(f"{columns}, census_line_number as file_row")
    try:
        if suffix == ".csv":
            raw = con.sql(f"select * from read_csv('{quoted}', header = true, all_varchar = true)")
            first_row = 2
        elif suffix == ".parquet":
            raw = con.sql(f"select * from read_parquet('{quoted}')")
            first_row = 1
        else:
            raise PlanAlignError(f"{path.name}: a snapshot must be .csv, .parquet or .xlsx, got "
                                 f"'{suffix or 'no suffix'}'", hint="export the census as CSV, Parquet or .xlsx")
        mapping = _column_map(list(raw.columns), path)
    except duckdb.Error as exc:
        raise PlanAlignError(f"{path.name} could not be read: {str(exc).splitlines()[0]}",
                             hint="check that the file is a census CSV (with a header) or Parquet") from None
    columns = ", ".join(
        f'cast("{mapping[name]}" as varchar) as {name}' if name in mapping else f"cast(null as varchar) as {name}"
        for name in CANONICAL)
    return raw.project(f"{columns}, row_number() over () + {first_row - 1} as file_row")


CHECKS = [
    # (name, condition on the raw varchar columns, column named in the message)
    ("missing employee_id", "nullif(trim(employee_id), '') is null", "employee_id"),
    ("unparseable birth_date", "try_cast(birth_date as date) is null", "birth_date"),
    ("unparseable hire_date", "try_cast(hire_date as date) is null", "hire_date"),
    ("unparseable termination_date",
     "nullif(trim(termination_date), '') is not null and try_cast(termination_date as date) is null",
     "termination_date"),
    ("annual_compensation not a positive number",
     "coalesce(try_cast(annual_compensation as double), 0) <= 0", "annual_compensation"),
    ("unparseable job_level",
     "nullif(trim(job_level), '') is not null and try_cast(try_cast(job_level as double) as integer) is null",
     "job_level"),
    ("unparseable deferral_rate",
     "nullif(trim(deferral_rate), '') is not null and try_cast(deferral_rate as double) is null", "deferral_rate"),
    ("unparseable enrollment_date",
     "nullif(trim(enrollment_date), '') is not null and try_cast(enrollment_date as date) is null",
     "enrollment_date"),
]


def load_history(con: duckdb.DuckDBPyConnection, paths: list[Path], levels: list[int],
                 sheet: str | None = None) -> History:
    """Read every snapshot into the table `snapshots` (typed), refusing bad rows in one line each."""
    snapshots = order_snapshots(paths)
    counted = []
    con.execute("create or replace table snapshots (snapshot_year integer, file_row bigint, employee_id varchar, "
                "birth_date date, hire_date date, termination_date date, annual_compensation double, "
                "job_level integer, deferral_rate double, enrollment_date date)")
    for snapshot in snapshots:
        con.register("snapshot_file", read_snapshot(con, snapshot.path, sheet))
        try:
            con.execute("create or replace temp table raw_snapshot as select * from snapshot_file")
        except duckdb.Error as exc:
            raise PlanAlignError(f"{snapshot.path.name} could not be read: {str(exc).splitlines()[0]}",
                                 hint="check that the file is a census CSV (with a header) or Parquet") from None
        con.unregister("snapshot_file")
        for name, condition, column in CHECKS:
            bad = con.execute(f"select file_row, {column} from raw_snapshot where {condition} "
                          "order by file_row limit 1").fetchone()
            if bad:
                raise PlanAlignError(f"{snapshot.path.name} row {bad[0]}, column {column}: {name}",
                                     hint="correct the row in the file (dates as YYYY-MM-DD, pay as a number) "
                                          "and run the fit again")
        duplicate = con.execute("select min(file_row), count(*) from raw_snapshot group by trim(employee_id) "
                            "having count(*) > 1 order by 1 limit 1").fetchone()
        if duplicate:
            raise PlanAlignError(f"{snapshot.path.name} row {duplicate[0]}, column employee_id: the id appears "
                                 f"{duplicate[1]} times in the snapshot", hint="keep one row per employee")
        con.execute(f"""
            insert into snapshots
            select {snapshot.year}, file_row, trim(employee_id), cast(birth_date as date), cast(hire_date as date),
                cast(nullif(trim(termination_date), '') as date), cast(annual_compensation as double),
                cast(cast(nullif(trim(job_level), '') as double) as integer),
                cast(nullif(trim(deferral_rate), '') as double),
                cast(nullif(trim(enrollment_date), '') as date)
            from raw_snapshot""")
        unknown = con.execute(
            f"select min(file_row), min(job_level) from snapshots where snapshot_year = {snapshot.year} "
            f"and job_level is not null and job_level not in ({', '.join(map(str, levels))})").fetchone()
        if unknown[0] is not None:
            raise PlanAlignError(f"{snapshot.path.name} row {unknown[0]}, column job_level: level {unknown[1]} is "
                                 "not a level of seeds/job_levels.csv",
                                 hint=f"use the levels {', '.join(map(str, levels))}")
        rows = con.execute(f"select count(*) from snapshots where snapshot_year = {snapshot.year}").fetchone()[0]
        con.execute("drop table raw_snapshot")
        counted.append(Snapshot(snapshot.path, snapshot.year, snapshot.sha256, rows))
    history = History(counted)
    history.has_deferrals = con.execute(
        "select count(*) > 0 from snapshots where deferral_rate is not null or enrollment_date is not null"
    ).fetchone()[0]
    return history


def _active(alias: str, on: str) -> str:
    """Employed on the date `on`: hired on or before it, not terminated before it (a leaver is employed on
    the termination day)."""
    return f"({alias}.hire_date <= {on} and ({alias}.termination_date is null or {alias}.termination_date >= {on}))"


def _level(alias: str) -> str:
    """The census level, else the highest level whose minimum pay is at or below the pay (1 if none), as the
    engine stages it."""
    return (f"coalesce({alias}.job_level, (select coalesce(max(job_levels.job_level), 1) from job_levels "
            f"where job_levels.min_compensation <= {alias}.annual_compensation))")


def _band(table: str, low: str, high: str, value: str) -> str:
    return (f"(select {table}.band from {table} where {value} >= {table}.{low} and {value} < {table}.{high} "
            f"order by {table}.{low} limit 1)")


def build_person_years(con: duckdb.DuckDBPyConnection, history: History, promotion_month_day: str) -> None:
    """The tables `person_years` (one row per employee active on Jan 1 of a snapshot year that has a next
    snapshot: bands, outcome, next level and pay) and `hires` (the rows of t+1 hired within the interval),
    and the history's convention and flagged rows. Refuses a history that cannot support a fit."""
    years = history.years
    first, last = years[0], years[-1]
    month, day = (int(part) for part in promotion_month_day.split("-"))
    start = "make_date(s.snapshot_year, 1, 1)"
    promotion_date = f"make_date(s.snapshot_year, {month}, {day})"
    age = f"date_diff('day', s.birth_date, {start}) / 365.25"
    tenure = f"date_diff('day', s.hire_date, {start}) / 365.25"
    promotion_age = f"date_diff('day', s.birth_date, {promotion_date}) / 365.25"
    promotion_tenure = f"date_diff('day', s.hire_date, {promotion_date}) / 365.25"
    con.execute(f"""
        create or replace table person_years as
        with starts as (
            select s.*, {_level('s')} as level_at_start, {age} as age_years, {tenure} as tenure_years,
                {promotion_age} as promotion_age_years, {promotion_tenure} as promotion_tenure_years
            from snapshots as s
            where s.snapshot_year < {last} and {_active('s', start)}
        ),
        nexts as (
            select n.snapshot_year - 1 as from_year, n.employee_id, {_level('n')} as level_at_end,
                n.annual_compensation, n.deferral_rate, n.enrollment_date,
                {_active('n', 'make_date(n.snapshot_year, 1, 1)')} as is_active
            from snapshots as n
            where n.snapshot_year > {first}
        )
        select
            s.snapshot_year,
            s.employee_id,
            s.level_at_start,
            {_band('age_bands', 'min_age', 'max_age', 's.age_years')} as age_band,
            {_band('tenure_bands', 'min_tenure', 'max_tenure', 's.tenure_years')} as tenure_band,
            {_band('age_bands', 'min_age', 'max_age', 's.promotion_age_years')} as promotion_age_band,
            {_band('tenure_bands', 'min_tenure', 'max_tenure', 's.promotion_tenure_years')} as promotion_tenure_band,
            s.promotion_tenure_years >= 1 as is_promotion_tenure,
            s.age_years,
            s.annual_compensation as pay_at_start,
            s.deferral_rate as deferral_at_start,
            s.enrollment_date as enrollment_at_start,
            s.hire_date,
            date_diff('day', s.birth_date, make_date(s.snapshot_year + 1, 1, 1)) / 365.25 as age_at_end,
            date_diff('day', s.hire_date, make_date(s.snapshot_year + 1, 1, 1)) as service_days_at_end,
            case when nexts.employee_id is null then 'absent' when nexts.is_active then 'stayed' else 'dated' end
                as outcome,
            nexts.level_at_end,
            nexts.annual_compensation as pay_at_end,
            nexts.deferral_rate as deferral_at_end,
            nexts.enrollment_date as enrollment_at_end
        from starts as s
        left join nexts
            on s.snapshot_year = nexts.from_year and s.employee_id = nexts.employee_id
    """)
    con.execute(f"""
        create or replace table new_rows as
        select
            n.snapshot_year - 1 as interval_year,
            n.file_row,
            n.employee_id,
            n.hire_date >= make_date(n.snapshot_year - 1, 1, 1) and n.hire_date < make_date(n.snapshot_year, 1, 1)
                as is_hire_of_interval,
            n.termination_date is not null and n.termination_date < make_date(n.snapshot_year, 1, 1) as has_left,
            {_level('n')} as job_level,
            date_diff('day', n.birth_date, n.hire_date) / 365.25 as age_at_hire,
            date_diff('day', n.birth_date, n.enrollment_date) / 365.25 as age_at_enrollment,
            n.annual_compensation,
            n.deferral_rate,
            n.enrollment_date,
            n.enrollment_date >= make_date(n.snapshot_year - 1, 1, 1) as is_enrolled_in_interval
        from snapshots as n
        where n.snapshot_year > {first}
            and not exists (
                select 1 from person_years as p
                where p.snapshot_year = n.snapshot_year - 1 and p.employee_id = n.employee_id)
            and (n.termination_date is null or n.termination_date >= make_date(n.snapshot_year - 1, 1, 1))
    """)
    con.execute("create or replace table hires as select * from new_rows where is_hire_of_interval")
    for earlier, later in zip(history.snapshots, history.snapshots[1:], strict=False):
        overlap = con.execute(f"select count(*) from person_years where snapshot_year = {earlier.year} "
                              "and outcome <> 'absent'").fetchone()[0]
        if overlap == 0:
            raise PlanAlignError(f"no employee active in {earlier.path.name} appears in {later.path.name}: the "
                                 "two snapshots share no employee_id, so nobody can be followed",
                                 hint="use the same employee ids in every snapshot (not row numbers or "
                                      "re-generated ids)")
    by_outcome = dict(con.execute("select outcome, count(*) from person_years group by outcome").fetchall())
    history.person_years = sum(by_outcome.values())
    history.leavers_by_date = by_outcome.get("dated", 0)
    history.leavers_by_absence = by_outcome.get("absent", 0)
    if history.leavers_by_date + history.leavers_by_absence == 0:
        raise PlanAlignError(f"nobody active in one snapshot is gone from the next ({history.person_years:,} "
                             "person-years, no leaver): termination rates cannot be fitted",
                             hint="check that the later snapshots are real later censuses (leavers dropped or "
                                  "given a termination_date), not copies of one file")
    if history.leavers_by_absence == 0:
        history.convention = "termination date (leavers stay in the next snapshot with a termination_date)"
    elif history.leavers_by_date == 0:
        history.convention = "absent (leavers are missing from the next snapshot)"
    else:
        history.convention = (f"both: {history.leavers_by_date:,} leavers with a termination_date, "
                              f"{history.leavers_by_absence:,} absent from the next snapshot")
    history.hires_seen_leaving = history.leavers_by_date > 0
    flagged = con.execute("select interval_year + 1, file_row, job_level from new_rows "
                          "where not is_hire_of_interval order by 1, 2").fetchall()
    names = {snapshot.year: snapshot.path.name for snapshot in history.snapshots}
    history.flagged = [{"file": names[year], "row": row,
                        "reason": "new in this snapshot, not active in the previous one, hire date outside "
                                  f"{year - 1}"}
                       for year, row, _ in flagged]
