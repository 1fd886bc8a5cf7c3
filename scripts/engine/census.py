"""A deterministic, realistic synthetic census of any size, written by DuckDB.

Every value is an md5-based draw of (seed, row, purpose), like the simulation's draws,
so the same N and seed give the same file byte for byte on any machine.
"""

from __future__ import annotations

import codecs
import datetime as dt
import decimal
import hashlib
import re
from pathlib import Path

import duckdb
import numpy as np
import xlsxwriter

from planalign.engine import census_excel
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
    if suffix not in {".csv", ".parquet", ".xlsx"}:
        raise PlanAlignError(f"OUT must end in .csv, .parquet or .xlsx, got {out}")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    options = "(format csv, header true)" if suffix == ".csv" else "(format parquet)"
    con = duckdb.connect()
    try:
        con.execute("set threads = 1")  # one writer thread keeps row order and bytes identical
        params = {"n": n, "seed": str(seed), "as_of": as_of.isoformat(),
                  "levels": str(PROJECT_ROOT / "seeds" / "job_levels.csv")}
        relation = f"({census_sql(as_of)})"
        if suffix == ".xlsx":
            result = con.execute(f"select * from {relation}", params)
            _write_xlsx(tmp, [column[0] for column in result.description], result.fetchall())
        else:
            con.execute(f"copy {relation} to '{tmp}' {options}", params)
    except (duckdb.IOException, OSError) as exc:
        raise PlanAlignError(f"could not write {out}: {exc}",
                             hint="check the folder exists and the disk has room") from None
    finally:
        con.close()
    tmp.replace(out)
    return n


def _write_xlsx(path: Path, names: list[str], rows: list[tuple]) -> None:
    """The census as a workbook: one sheet, Census, a header row, then real date cells (yyyy-mm-dd),
    numbers and text. The document's dates are fixed, so the same rows give the same bytes."""
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    workbook.set_properties({"created": dt.datetime(2000, 1, 1)})
    date_cell = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet = workbook.add_worksheet("Census")
    sheet.write_row(0, 0, names)
    for number, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, dt.date):
                sheet.write_datetime(number, column, dt.datetime(value.year, value.month, value.day), date_cell)
            elif isinstance(value, (int, float, decimal.Decimal)):
                sheet.write_number(number, column, float(value))
            else:
                sheet.write_string(number, column, str(value))
    workbook.close()


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


def _xlsx_columns(path: Path, table: census_excel.SheetTable) -> list[str]:
    _refuse_duplicates(path, table.names)
    if not table.rows:
        raise PlanAlignError(f"census file {path}: {table.where(path)} has a header (row {table.header_row}) "
                             "and no rows", hint="put one row per employee below the header")
    return table.names


def check_census_file(path: Path, encoding: str = "utf-8", sheet: str | None = None) -> None:
    """Fail before anything runs when the census file cannot be read, is empty, is not text in its
    encoding, names a column twice or lacks a required column; for a workbook (.xlsx), also when the
    sheet does not exist or has no header, or the file is damaged or password-protected."""
    if not path.exists():
        raise PlanAlignError(f"census file not found: {path}",
                             hint="pass CENSUS=path/to/census.csv (or .parquet, .xlsx), or run `make census`")
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise PlanAlignError(f"census file {path} is an old binary Excel workbook (.xls), which is not read",
                             hint=census_excel.SAVE_AS_HINT)
    if path.is_dir() or suffix not in {".csv", ".parquet", *census_excel.XLSX_SUFFIXES}:
        raise PlanAlignError(f"census file {path} is neither .csv, .parquet nor .xlsx",
                             hint="export the census as CSV (with a header row), Parquet or an Excel workbook")
    if sheet is not None and not census_excel.is_xlsx(path):
        raise PlanAlignError(f"census_sheet is set ('{sheet}') but the census file {path} is not a workbook",
                             hint="remove census_sheet from the scenario (or --census-sheet), or pass an .xlsx census")
    try:
        if census_excel.is_xlsx(path):
            _check_sheet(path, census_excel.read_sheet(path, sheet))
            return
        names = _parquet_columns(path) if suffix == ".parquet" else _csv_columns(path, encoding)
    except OSError as exc:
        raise PlanAlignError(f"census file {path} cannot be read: {exc.strerror or exc}",
                             hint="check the file's permissions") from None
    _refuse_missing(path, names)


def _check_sheet(path: Path, table: census_excel.SheetTable) -> None:
    _refuse_missing(path, _xlsx_columns(path, table))


def _refuse_missing(path: Path, names: list[str]) -> None:
    aliases, required = census_column_names()
    missing = [name for name in required if not set(names) & {a.lower() for a in aliases[name]}]
    if missing:
        accepted = "; ".join(f"{name}: {' or '.join(aliases[name])}" for name in missing)
        where = "the sheet's first non-blank row is its header; " if census_excel.is_xlsx(path) else ""
        raise PlanAlignError(f"census file {path} has no column for {', '.join(missing)}",
                             hint=f"{where}accepted column names: {accepted}")


SHEET_ROW_COLUMN = "_planalign_sheet_row"  # the sheet row of a workbook's row, in its Parquet copy


def census_sheet_name(path: Path, sheet: str | None) -> str | None:
    """The sheet a workbook census is read from (the named one, else the first); None for other files."""
    if not census_excel.is_xlsx(path):
        return None
    return sheet if sheet is not None else census_excel.sheet_names(path)[0]


def census_for_dbt(path: Path, encoding: str, folder: Path, sheet: str | None = None) -> Path:
    """The census as dbt reads it: the file itself when it is UTF-8 (or Parquet); else a copy in `folder`,
    named by the content's sha256: a UTF-8 copy of a CSV in another encoding (lines kept as they are, so
    line numbers still hold), or a Parquet copy of a workbook's sheet (its cells as the text staging
    parses, each row with its sheet row number in the column _planalign_sheet_row)."""
    if census_excel.is_xlsx(path):
        return _sheet_copy(path, sheet, folder)
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


XLSX_COPY_VERSION = "1"  # bump when cell_text or the copy's layout changes: old copies are then not reused


def _sheet_copy(path: Path, sheet: str | None, folder: Path) -> Path:
    """The Parquet copy of the sheet; made (after the file's checks) only when no copy of this content and
    sheet exists, so a later year does not read the workbook again."""
    if not path.exists():
        check_census_file(path, sheet=sheet)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    name = census_sheet_name(path, sheet)
    key = hashlib.sha256(f"{digest}|{name}|{XLSX_COPY_VERSION}".encode()).hexdigest()
    copy = folder / f"{digest[:16]}.{key[:8]}.sheet.parquet"
    if not copy.exists():
        table = census_excel.read_sheet(path, name)
        _check_sheet(path, table)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        partial = copy.with_name(copy.name + ".partial")
        with duckdb.connect() as con:
            con.execute("set threads = 1")
            _sheet_relation(con, table, "census_sheet")
            con.execute(f"copy census_sheet to '{_sql_text(partial)}' (format parquet)")
        partial.chmod(0o600)
        partial.replace(copy)
    return copy


def _sql_text(value: object) -> str:
    return str(value).replace("'", "''")


def _sheet_relation(con: duckdb.DuckDBPyConnection, table: census_excel.SheetTable, name: str) -> None:
    """A temp table `name` of the sheet: _planalign_sheet_row, then every accepted census column the header
    names (text); other columns are left out, as staging ignores them."""
    accepted = {alias.lower() for aliases in census_column_names()[0].values() for alias in aliases}
    columns: dict[str, np.ndarray] = {
        SHEET_ROW_COLUMN: np.array([number for number, _ in table.rows], dtype=np.int64)}
    for position, column in enumerate(table.names):
        if column in accepted:
            columns[column] = np.array(
                [cells[position] if position < len(cells) else None for _, cells in table.rows], dtype=object)
    selects = [f'cast(sheet."{SHEET_ROW_COLUMN}" as bigint) as "{SHEET_ROW_COLUMN}"'] + [
        f'cast(sheet."{column}" as varchar) as "{column}"' for column in columns if column != SHEET_ROW_COLUMN]
    con.register("planalign_sheet_arrays", columns)
    try:
        con.execute(f"create or replace temp table {name} as select {', '.join(selects)} "
                    f'from planalign_sheet_arrays as sheet order by sheet."{SHEET_ROW_COLUMN}"')
    finally:
        con.unregister("planalign_sheet_arrays")


def read_census(con: duckdb.DuckDBPyConnection, path: Path, *, encoding: str = "utf-8", sheet: str | None = None,
                timezone: str = "UTC", name: str = "census_file_rows") -> duckdb.DuckDBPyRelation:
    """Read any census-layout file (CSV, Parquet, .xlsx) into the temp table `name` of `con`, as staging
    sees it before it parses a value, and return that table as a relation.

    read_census(con, path, *, encoding="utf-8", sheet=None, timezone="UTC", name="census_file_rows")

    - path: a .csv (read in `encoding`), .parquet or .xlsx/.xlsm file (sheet `sheet`, default the first).
      The file is checked first (check_census_file): a file staging would refuse raises PlanAlignError.
    - timezone: the zone of a Parquet TIMESTAMP WITH TIME ZONE column (census_timezone).
    - the table's columns, one row per data row in file order:
        census_row_number   bigint, 1 = the first data row
        census_line_number  bigint, the CSV line or the sheet row (header = 1); null for Parquet
        is_malformed_row    boolean, a CSV line whose fields do not match the header (its values are
                            null, but for the id)
        employee_id, birth_date, hire_date, termination_date, annual_compensation, job_level,
        hours_per_week, deferral_rate, enrollment_date, ssn, ownership_pct, is_officer,
        prior_year_compensation, account_balance, account_balance_deferral, account_balance_match,
        account_balance_core
                            varchar: the canonical columns (var census_columns), each the first
                            non-blank value among its accepted names, trimmed; null when blank or absent.
    The text is what stg_census__rows parses (dates by parse_census_date, numbers by try_cast), with the
    same rules per format as models/staging/census (see docs/census.md); the SSN is the raw value, so
    keep the table temporary."""
    check_census_file(path, encoding, sheet)
    raw = f"{name}_raw"
    if census_excel.is_xlsx(path):
        _sheet_relation(con, census_excel.read_sheet(path, sheet), raw)
        con.execute(f'create or replace temp table {raw} as select row_number() over () as census_row_number, '
                    f'"{SHEET_ROW_COLUMN}" as census_line_number, false as is_malformed_row, * '
                    f'exclude ("{SHEET_ROW_COLUMN}") from {raw}')
    elif path.suffix.lower() == ".parquet":
        _parquet_text(con, path, timezone, raw)
    else:
        _csv_text(con, path, encoding, raw)
    aliases = census_column_names()[0]
    present = {row[0].lower() for row in con.execute(f"describe {raw}").fetchall()}
    selects = []
    for canonical, names in aliases.items():
        values = [f"nullif(trim(cast(\"{alias.lower()}\" as varchar)), '')" for alias in names
                  if alias.lower() in present]
        expression = f"nullif(trim(coalesce({', '.join(values)})), '')" if values else "null"
        selects.append(f'cast({expression} as varchar) as "{canonical}"')
    con.execute(f"create or replace temp table {name} as select cast(census_row_number as bigint) as "
                f"census_row_number, cast(census_line_number as bigint) as census_line_number, is_malformed_row, "
                f"{', '.join(selects)} from {raw} order by census_row_number")
    con.execute(f"drop table {raw}")
    return con.table(name)


def _csv_text(con: duckdb.DuckDBPyConnection, path: Path, encoding: str, name: str) -> None:
    """A CSV split as macros/census/census_csv_text_columns.sql splits it: by lines (blank lines skipped,
    counted), a quoted field may hold the delimiter and doubled quotes, a line that is not a sequence of
    fields or has another number of fields than the header is malformed."""
    lines = _decoded_csv(path, encoding).lstrip("\ufeff").split("\n")
    lines = [line[:-1] if line.endswith("\r") else line for line in lines]
    if lines and lines[-1] == "":
        lines.pop()
    header = csv_header_names(lines[0])
    delimiter = max(DELIMITERS, key=lambda candidate: (lines[0].count(candidate), -DELIMITERS.index(candidate)))
    separator = re.escape(delimiter)
    field = rf'\s*"(?:[^"]|"")*"\s*|[^{separator}"]*'
    ids = {alias.lower() for alias in census_column_names()[0]["employee_id"]}
    wanted = [(position, column) for position, column in enumerate(header)
              if column and column in {a.lower() for names in census_column_names()[0].values() for a in names}]
    columns: dict[str, list] = {"census_row_number": [], "census_line_number": [], "is_malformed_row": []}
    columns.update({column: [] for _, column in wanted})
    row = 0
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip(" "):
            continue
        if '"' in line:
            fields = re.findall(f"{separator}({field})", delimiter + line)
            well_formed = re.fullmatch(f"(?:{field})(?:{separator}(?:{field}))*", line) is not None
        else:
            fields, well_formed = line.split(delimiter), True
        malformed = not (well_formed and len(fields) == len(header))
        row += 1
        columns["census_row_number"].append(row)
        columns["census_line_number"].append(number)
        columns["is_malformed_row"].append(malformed)
        for position, column in wanted:
            value = fields[position].strip(" ") if position < len(fields) else None
            if value is not None and len(value) >= 2 and value.startswith('"') and value.endswith('"'):
                value = value[1:-1].replace('""', '"')
            columns[column].append(None if malformed and column not in ids else value)
    arrays = {"census_row_number": np.array(columns.pop("census_row_number"), dtype=np.int64),
              "census_line_number": np.array(columns.pop("census_line_number"), dtype=np.int64),
              "is_malformed_row": np.array(columns.pop("is_malformed_row"), dtype=bool)}
    arrays.update({column: np.array(values, dtype=object) for column, values in columns.items()})
    selects = ", ".join(["census_row_number", "census_line_number", "is_malformed_row"]
                        + [f'cast("{column}" as varchar) as "{column}"' for _, column in wanted])
    con.register("planalign_csv_arrays", arrays)
    try:
        con.execute(f"create or replace temp table {name} as select {selects} from planalign_csv_arrays "
                    "order by census_row_number")
    finally:
        con.unregister("planalign_csv_arrays")


def _parquet_text(con: duckdb.DuckDBPyConnection, path: Path, timezone: str, name: str) -> None:
    """A Parquet census rendered to text by its column types, as census_parquet_text_columns.sql does (a
    TIMESTAMP WITH TIME ZONE in `timezone`)."""
    source = f"read_parquet('{_sql_text(path)}')"
    accepted = {a.lower() for names in census_column_names()[0].values() for a in names}
    selects = ["row_number() over () as census_row_number", "cast(null as bigint) as census_line_number",
               "false as is_malformed_row"]
    described = con.execute(f"describe select * from {source}").fetchall()
    for column, kind in ((row[0], row[1].upper()) for row in described):
        if column.lower() not in accepted:
            continue
        quoted = '"' + column.replace('"', '""') + '"'
        if kind == "DATE":
            value = f"strftime({quoted}, '%Y-%m-%d')"
        elif kind.startswith("TIMESTAMP") and ("TIME ZONE" in kind or kind == "TIMESTAMPTZ"):
            value = f"strftime(cast(timezone('{_sql_text(timezone)}', {quoted}) as date), '%Y-%m-%d')"
        elif kind.startswith("TIMESTAMP"):
            value = f"strftime(cast({quoted} as date), '%Y-%m-%d')"
        elif kind in ("DOUBLE", "FLOAT", "REAL"):
            value = (f"case when isfinite({quoted}) and {quoted} = floor({quoted}) and abs({quoted}) < 1e15 "
                     f"then cast(cast({quoted} as bigint) as varchar) else cast({quoted} as varchar) end")
        else:
            value = f"cast({quoted} as varchar)"
        selects.append(f'{value} as "{column.lower()}"')
    con.execute(f"create or replace temp table {name} as select {', '.join(selects)} from {source}")
