"""A deterministic, realistic synthetic census of any size, written by DuckDB.

Every value is an md5-based draw of (seed, row, purpose), like the simulation's draws,
so the same N and seed give the same file byte for byte on any machine.
"""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
from pathlib import Path

import duckdb

from planalign.engine.census_policy import is_utf8
from planalign.engine.defaults import project_vars
from planalign.errors import PlanAlignError
from planalign.paths import PROJECT_ROOT

# Share of the census at each job level (1..5); pay bands come from seeds/job_levels.csv.
LEVEL_MIX = [0.42, 0.30, 0.16, 0.08, 0.04]
# Mean age by level; ages are clamped into [20, 70).
LEVEL_MEAN_AGE = [31, 37, 42, 46, 50]
# Deferral rates of those already enrolled, with their shares.
DEFERRAL_MIX = [
    (0.02, 0.08), (0.03, 0.15), (0.04, 0.12), (0.05, 0.12),
    (0.06, 0.25), (0.08, 0.10), (0.10, 0.12), (0.15, 0.06),
]


def _draw(purpose: str) -> str:
    """u in (0, 1) for the current row `i`, from md5(seed|i|purpose)."""
    return (
        f"((cast(('0x' || substr(md5(concat_ws('|', $seed, i, '{purpose}')), 1, 13)) as bigint)"
        " + 0.5) / cast(4503599627370496 as double))"
    )


def _pick(draw: str, options: list[tuple[object, float]]) -> str:
    """A CASE that maps a uniform draw onto weighted options."""
    total = sum(weight for _, weight in options)
    cumulative, branches = 0.0, []
    for value, weight in options[:-1]:
        cumulative += weight / total
        branches.append(f"when {draw} < {cumulative!r} then {value!r}")
    return f"(case {' '.join(branches)} else {options[-1][0]!r} end)"


def census_sql(as_of: dt.date) -> str:
    level = _pick(_draw("level"), [(i + 1, w) for i, w in enumerate(LEVEL_MIX)])
    mean_age = "list_extract([" + ", ".join(map(str, LEVEL_MEAN_AGE)) + "], job_level)"
    spread = f"(({_draw('age_1')} + {_draw('age_2')} + {_draw('age_3')}) - 1.5) * 20"
    deferral = _pick(_draw("deferral"), DEFERRAL_MIX)
    hours = _pick(_draw("hours"), [(40, 0.92), (30, 0.05), (20, 0.03)])
    return f"""
    with rows as (
        select i, {level} as job_level from range(1, $n + 1) as t(i)
    ),
    people as (
        select
            rows.i,
            rows.job_level,
            least(69.9, greatest(20.0, {mean_age} + {spread})) as age_years,
            {_draw('tenure')} as tenure_draw,
            {_draw('pay')} as pay_draw,
            {_draw('enrolled')} as enrolled_draw,
            {_draw('enroll_lag')} as enroll_lag_draw,
            {_draw('terminated')} as terminated_draw,
            {_draw('termination_lag')} as termination_lag_draw,
            {_draw('ssn')} as ssn_draw,
            {deferral} as deferral_choice,
            {hours} as hours_per_week
        from rows
    ),
    dated as (
        select
            people.*,
            -- service is skewed short: exponential with a 5-year mean, started at 18 at the earliest
            least(-ln(people.tenure_draw) * 5.0, people.age_years - 18.0) as tenure_years
        from people
    ),
    final as (
        select
            'EMP_' || lpad(cast(dated.i as varchar), 7, '0') as employee_id,
            cast($as_of::date - cast(floor(dated.age_years * 365.25) as integer) as date) as birth_date,
            cast($as_of::date - cast(floor(dated.tenure_years * 365.25) as integer) as date) as hire_date,
            case when dated.terminated_draw < 0.02
                then cast($as_of::date - cast(floor(dated.termination_lag_draw
                    * least(364, floor(dated.tenure_years * 365.25))) as integer) as date)
            end as termination_date,
            cast(round((bands.min_compensation + (bands.max_compensation - bands.min_compensation)
                * (0.6 * dated.pay_draw + 0.4 * least(dated.tenure_years / 15.0, 1.0))) / 100) * 100
                as decimal(18, 2)) as annual_compensation,
            dated.job_level,
            dated.hours_per_week,
            case when dated.enrolled_draw < 0.50 + 0.05 * dated.job_level
                then cast(dated.deferral_choice as decimal(6, 4)) end as deferral_rate,
            case when dated.enrolled_draw < 0.50 + 0.05 * dated.job_level
                then cast($as_of::date - cast(floor(dated.tenure_years * 365.25
                    * (1 - dated.enroll_lag_draw) * 0.9) as integer) as date) end as enrollment_date,
            '9' || lpad(cast(cast(floor(dated.ssn_draw * 100000000) as bigint) as varchar), 8, '0')
                as ssn_digits
        from dated
        inner join read_csv($levels, header = true) as bands
            on dated.job_level = bands.job_level
    )
    select
        employee_id, birth_date, hire_date, termination_date, annual_compensation, job_level,
        hours_per_week, deferral_rate, enrollment_date,
        substr(ssn_digits, 1, 3) || '-' || substr(ssn_digits, 4, 2) || '-' || substr(ssn_digits, 6, 4)
            as ssn
    from final
    order by employee_id
    """


def write_census(n: int, seed: int, out: Path, as_of: dt.date) -> int:
    if n < 1:
        raise PlanAlignError(f"N must be at least 1, got {n}")
    suffix = out.suffix.lower()
    if suffix not in {".csv", ".parquet"}:
        raise PlanAlignError(f"OUT must end in .csv or .parquet, got {out}")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    options = "(format csv, header true)" if suffix == ".csv" else "(format parquet)"
    con = duckdb.connect()
    try:
        con.execute("set threads = 1")  # one writer thread keeps row order and bytes identical
        params = {"n": n, "seed": str(seed), "as_of": as_of.isoformat(),
                  "levels": str(PROJECT_ROOT / "seeds" / "job_levels.csv")}
        relation = f"({census_sql(as_of)})"
        con.execute(f"copy {relation} to '{tmp}' {options}", params)
    except (duckdb.IOException, OSError) as exc:
        raise PlanAlignError(f"could not write {out}: {exc}",
                             hint="check the folder exists and the disk has room") from None
    finally:
        con.close()
    tmp.replace(out)
    return n


def census_column_names() -> tuple[dict[str, list[str]], list[str]]:
    project = project_vars()
    return project["census_columns"], project["census_required_columns"]


DELIMITERS = (",", ";", "\t", "|")
ENCODING_HINT = ("set census_encoding: cp1252 (Windows exports) or latin-1 in the scenario "
                 "(or --set census_encoding=cp1252), or re-export the file as UTF-8")


def csv_header_names(line: str) -> list[str]:
    """The header's column names, split as staging splits them (macros/census/census_csv_header.sql):
    the delimiter is whichever of , ; tab | occurs most often (a comma on a tie)."""
    delimiter = max(DELIMITERS, key=lambda candidate: (line.count(candidate), -DELIMITERS.index(candidate)))
    return [name.strip().strip('"').strip().lower() for name in line.split(delimiter)]


def _decoded_csv(path: Path, encoding: str) -> str:
    """The file's text; refuses an empty file or bytes that are not text in `encoding`, naming the line."""
    data = path.read_bytes()
    if not data.strip():
        raise PlanAlignError(f"census file {path} is empty ({len(data)} bytes)",
                             hint="export the census again: a header row and one row per employee")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") and is_utf8(encoding):
        raise PlanAlignError(f"census file {path} is UTF-16 text, not {encoding}",
                             hint="set census_encoding: utf-16 in the scenario, or re-export the file as UTF-8")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise PlanAlignError(
            f"census file {path}, line {line}: byte 0x{data[exc.start]:02x} is not {encoding} text",
            hint=ENCODING_HINT if is_utf8(encoding) else
            f"check census_encoding ({encoding}): the file is in another encoding") from None


def _csv_columns(path: Path, encoding: str) -> list[str]:
    lines = _decoded_csv(path, encoding).lstrip("\ufeff").splitlines()
    names = csv_header_names(lines[0])
    _refuse_duplicates(path, names)
    if not any(line.strip() for line in lines[1:]):
        raise PlanAlignError(f"census file {path} is empty: a header and no rows",
                             hint="export the census again with one row per employee")
    return names


def _parquet_columns(path: Path) -> list[str]:
    try:
        with duckdb.connect() as con:
            names = [row[0] for row in con.execute(
                "select name from parquet_schema(?) where num_children is null or num_children = 0",
                [str(path)]).fetchall()]
            rows = con.execute("select sum(num_rows) from parquet_file_metadata(?)", [str(path)]).fetchone()[0]
    except duckdb.Error as exc:
        first_line = str(exc).splitlines()[0]
        raise PlanAlignError(f"census file {path} cannot be read: {first_line}",
                             hint="export the census again as Parquet, or as a UTF-8 CSV with a header row") from None
    names = [name.lower() for name in names]
    _refuse_duplicates(path, names)
    if not rows:
        raise PlanAlignError(f"census file {path} is empty: no rows",
                             hint="export the census again with one row per employee")
    return names


def _refuse_duplicates(path: Path, names: list[str]) -> None:
    seen: set[str] = set()
    for position, name in enumerate(names, start=1):
        if name and name in seen:
            raise PlanAlignError(
                f"census file {path}: the header has the column '{name}' twice "
                f"(columns {names.index(name) + 1} and {position})",
                hint="rename or remove one of them; staging cannot tell which one holds the data")
        seen.add(name)


def check_census_file(path: Path, encoding: str = "utf-8") -> None:
    """Fail before anything runs when the census file cannot be read, is empty, is not text in its
    encoding, names a column twice or lacks a required column."""
    if not path.exists():
        raise PlanAlignError(f"census file not found: {path}",
                             hint="pass CENSUS=path/to/census.csv (or .parquet), or run `make census`")
    if path.is_dir() or path.suffix.lower() not in {".csv", ".parquet"}:
        raise PlanAlignError(f"census file {path} is neither .csv nor .parquet",
                             hint="export the census as CSV (with a header row) or Parquet")
    try:
        names = _parquet_columns(path) if path.suffix.lower() == ".parquet" else _csv_columns(path, encoding)
    except OSError as exc:
        raise PlanAlignError(f"census file {path} cannot be read: {exc.strerror or exc}",
                             hint="check the file's permissions") from None
    aliases, required = census_column_names()
    missing = [name for name in required if not set(names) & {a.lower() for a in aliases[name]}]
    if missing:
        accepted = "; ".join(f"{name}: {' or '.join(aliases[name])}" for name in missing)
        raise PlanAlignError(f"census file {path} has no column for {', '.join(missing)}",
                             hint=f"accepted column names: {accepted}")


def census_for_dbt(path: Path, encoding: str, folder: Path) -> Path:
    """The census as dbt reads it: the file itself when it is UTF-8 (or Parquet), else a UTF-8 copy
    in `folder` (named by the content's sha256, lines kept as they are, so line numbers still hold)."""
    if path.suffix.lower() == ".parquet" or is_utf8(encoding):
        return path
    check_census_file(path, encoding)  # in any year: a later year also reads the census (its tripwire)
    data = path.read_bytes()
    copy = folder / f"{hashlib.sha256(data).hexdigest()[:16]}.{codecs.lookup(encoding).name}.csv"
    if not copy.exists():
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        partial = copy.with_name(copy.name + ".partial")
        partial.write_bytes(_decoded_csv(path, encoding).encode("utf-8"))
        partial.chmod(0o600)
        partial.replace(copy)
    return copy
