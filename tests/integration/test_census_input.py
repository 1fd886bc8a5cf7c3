"""Census files as they really come from HR and payroll tools: every bad input ends in a refusal
(exit 2, one line, nothing in the database changed), rejected rows with a reason, rows kept with a
warning, or a run that simply works. Refusals cost a CLI start each; every row-level case sits in
one census run once (one dbt build of one year)."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT, query, reports_of, run_planalign, write_scenario
from digests import table_digest
from planalign.engine.census import read_census
from planalign.store import runsafety

HEADER = ("employee_id,birth_date,hire_date,termination_date,annual_compensation,job_level,hours_per_week,"
          "deferral_rate,enrollment_date,ssn")
GOOD = "{id},1980-01-01,2010-01-01,,50000,1,40,,,"
GUARDED_TABLES = ("fct_yearly_events", "fct_workforce_snapshot", "stg_census__rows", "dim_scenario_settings")


# ---- refusals: exit 2 with a keyword, before anything is written ----------------------------------

def _write(text: str | bytes, name: str = "census.csv"):
    def make(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(text.encode() if isinstance(text, str) else text)
        return path
    return make


def _parquet(table: pa.Table, name: str = "census.parquet"):
    def make(folder: Path) -> Path:
        path = folder / name
        pq.write_table(table, path)
        return path
    return make


def _good_rows(n: int) -> str:
    return "\n".join(GOOD.format(id=f"G{i}") for i in range(n))


@dataclass
class Refusal:
    name: str
    make: object
    keyword: str
    settings: dict = field(default_factory=dict)


REFUSALS = [
    Refusal("zero_bytes", _write(b""), "is empty (0 bytes)"),
    Refusal("blank_lines_only", _write("\n\n  \n"), "is empty"),
    Refusal("header_only", _write(HEADER + "\n"), "is empty: a header and no rows"),
    Refusal("header_and_blank_lines", _write(HEADER + "\n\n\n"), "is empty: a header and no rows"),
    Refusal("duplicate_column", _write(HEADER + ",hire_date\n" + _good_rows(2)),
            "the header has the column 'hire_date' twice"),
    Refusal("duplicate_column_other_case", _write("Employee_ID," + HEADER + "\n"),
            "the header has the column 'employee_id' twice"),
    Refusal("windows_1252_name",
            _write((HEADER + "\n" + _good_rows(1) + "\nJOS\xc9,1980-01-01,2010-01-01,,5,1,40,,,\n").encode("cp1252")),
            "line 3: byte 0xc9 is not utf-8"),
    Refusal("windows_1252_hint", _write((HEADER + "\nR\xe9mi,1980-01-01,2010-01-01,,50000,1,40,,,\n").encode("cp1252")),
            "census_encoding: cp1252"),
    Refusal("utf16_export", _write((HEADER + "\n" + _good_rows(2)).encode("utf-16")), "UTF-16"),
    Refusal("missing_required_column", _write("employee_id,birth_date,annual_compensation\nA,1980-01-01,5\n"),
            "no column for hire_date"),
    Refusal("semicolon_file_missing_column", _write("employee_id;birth_date;hire_date\nA;1980-01-01;2010-01-01\n"),
            "no column for annual_compensation"),
    Refusal("damaged_workbook", _write(b"PK\x03\x04 not a csv", "census.xlsx"), "cannot be read as a workbook"),
    Refusal("old_excel_workbook", _write(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "census.xls"), "old binary Excel"),
    Refusal("opendocument", _write(b"PK\x03\x04", "census.ods"), "neither .csv, .parquet nor .xlsx"),
    Refusal("not_parquet", _write(b"this is not parquet", "census.parquet"), "cannot be read"),
    Refusal("empty_parquet", _parquet(pa.table({"employee_id": pa.array([], pa.string()),
                                                "birth_date": pa.array([], pa.date32()),
                                                "hire_date": pa.array([], pa.date32()),
                                                "annual_compensation": pa.array([], pa.float64())})),
            "is empty: no rows"),
    Refusal("parquet_duplicate_column", _parquet(pa.Table.from_arrays(
        [pa.array(["A"]), pa.array([dt.date(1980, 1, 1)]), pa.array([dt.date(2010, 1, 1)]),
         pa.array([dt.date(2011, 1, 1)]), pa.array([50000.0])],
        names=["employee_id", "birth_date", "hire_date", "hire_date", "annual_compensation"])),
        "the header has the column 'hire_date' twice"),
    Refusal("census_not_found", lambda folder: folder / "nowhere.csv", "census file not found"),
    Refusal("unknown_check", _write(HEADER + "\n" + _good_rows(2)), "unknown check 'age_check'",
            {"census_checks": {"age_check": "warn"}}),
    Refusal("fixed_check_downgraded", _write(HEADER + "\n" + _good_rows(2)),
            "missing_employee_id cannot be 'warn'", {"census_checks": {"missing_employee_id": "warn"}}),
    Refusal("bad_severity", _write(HEADER + "\n" + _good_rows(2)), "must be 'reject' or 'warn'",
            {"census_checks": {"implausible_age": "ignore"}}),
    Refusal("unknown_encoding", _write(HEADER + "\n" + _good_rows(2)), "unknown text encoding 'win-1252'",
            {"census_encoding": "win-1252"}),
    Refusal("bound_out_of_range", _write(HEADER + "\n" + _good_rows(2)), "census_bounds.max_hours_per_week",
            {"census_bounds": {"max_hours_per_week": 500}}),
    Refusal("bounds_in_wrong_order", _write(HEADER + "\n" + _good_rows(2)), "must be below max_annual_compensation",
            {"census_bounds": {"min_annual_compensation": 500000, "max_annual_compensation": 400000}}),
    Refusal("unknown_time_zone", _write(HEADER + "\n" + _good_rows(2)), "unknown time zone",
            {"census_timezone": "Mars/Olympus"}),
]


@pytest.fixture(scope="module")
def guarded(simulated, tmp_path_factory) -> dict:
    """A copy of the simulated database, and the digests of what it holds."""
    folder = tmp_path_factory.mktemp("guarded")
    db = folder / "guarded.duckdb"
    shutil.copy(simulated["db"], db)
    return {"db": db, "folder": folder, "digests": {t: table_digest(db, t) for t in GUARDED_TABLES}}


@pytest.mark.parametrize("case", REFUSALS, ids=[case.name for case in REFUSALS])
def test_a_bad_census_is_refused_in_one_line_and_changes_nothing(case, guarded, tmp_path):
    census = case.make(tmp_path)
    scenario = write_scenario(tmp_path / "s.yml", census, **case.settings)
    result = run_planalign("simulate", "--scenario", str(scenario), db=guarded["db"], check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert case.keyword in result.stderr, output
    assert "Traceback" not in output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, output
    assert {t: table_digest(guarded["db"], t) for t in GUARDED_TABLES} == guarded["digests"]


# ---- rows: rejected with a reason, kept with a warning, or simply read ---------------------------

# (employee_id, the rest of the line after "<id>,", expected status, reason or warning)
ROW_CASES = [
    ("MAL_UNQUOTED_PAY", "1980-01-01,2010-01-01,,136,700.00,2,40,,,", "rejected", "malformed_row"),
    ("MAL_SHORT", "1980-01-01,2010-01-01,,50000", "rejected", "malformed_row"),
    ("MAL_STRAY_QUOTE", '1980-01-01,2010-01-01,,50"000,1,40,,,', "rejected", "malformed_row"),
    ("MAL_STRAY_DELIMITER", "1980-01-01,,2010-01-01,,50000,1,40,,,", "rejected", "malformed_row"),
    ("PAY_1E12", "1980-01-01,2010-01-01,,1e12,2,40,,,", "rejected", "compensation_above_maximum"),
    ("PAY_HUGE", "1980-01-01,2010-01-01,,99999999999999999999999,2,40,,,", "rejected",
     "compensation_above_maximum"),
    ("PAY_NAN", "1980-01-01,2010-01-01,,nan,2,40,,,", "rejected", "invalid_compensation"),
    ("HIRED_AT_5", "2005-01-01,2010-01-01,,50000,1,40,,,", "staged", "implausible_age_at_hire"),  # set to warn
    ("BORN_1900", "1900-01-01,1950-01-01,,50000,1,40,,,", "rejected", "implausible_age"),
    ("HOURS_90", "1980-01-01,2010-01-01,,50000,1,90,,,", "rejected", "invalid_hours_per_week"),
    ("LEVEL_2_5", "1980-01-01,2010-01-01,,60000,2.5,40,,,", "rejected", "unknown_job_level"),
    ("ENROLL_SOON", "1980-01-01,2010-01-01,,50000,1,40,0.05,soon,", "rejected", "unparseable_enrollment_date"),
    ("PAY_500", "1980-01-01,2010-01-01,,500,,40,,,", "staged", "compensation_below_minimum"),
    ("BAND_HIGH", "1980-01-01,2010-01-01,,200000,1,40,,,", "staged", "pay_outside_level_band"),
    ("QUOTED_PAY", '"1980-01-01","2010-01-01","","136,700.00","4","40","","",""', "staged", None),
    ("LEVEL_2_0", "1980-01-01,2010-01-01,,60000,2.0,40,,,", "staged", None),
    ("TZ_TEXT_DATES", "1980-01-01T00:00:00+01:00,2010-01-01 00:00:00-05:00,,60000,2,40,,,", "staged", None),
    ("NAME_\u00c9\u20ac", "1980-01-01,2010-01-01,,50000,1,40,,,", "staged", None),
]


@pytest.fixture(scope="module")
def row_run(fixture_census, tmp_path_factory) -> dict:
    """One census as another tool exports it, simulated for one year with implausible_age_at_hire: warn:
    Windows-1252 text, CRLF line ends, a blank line, 100 generated employees of whom 4% were hired at
    an implausible age (born two years before their hire date), then every row case."""
    folder = tmp_path_factory.mktemp("rows")
    lines = fixture_census.read_text().splitlines()
    employees = [line.split(",") for line in lines[1:] if line.startswith("EMP_")][:100]
    young = []
    for index, fields in enumerate(employees):
        if index % 25 == 0:
            fields[1] = (dt.date.fromisoformat(fields[2]) - dt.timedelta(days=730)).isoformat()
            young.append(fields[0])
    lines = [lines[0], *(",".join(fields) for fields in employees), ""]
    line_numbers = {}
    for employee_id, rest, _, _ in ROW_CASES:
        lines.append(f"{employee_id},{rest}")
        line_numbers[employee_id] = len(lines)
    census = folder / "hr_export.csv"
    census.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    scenario = write_scenario(folder / "s.yml", census, scenario_id="census_input", end_year=2025,
                              census_encoding="cp1252", census_checks={"implausible_age_at_hire": "warn"})
    db = folder / "rows.duckdb"
    result = run_planalign("simulate", "--scenario", str(scenario), db=db, check=False)
    return {"db": db, "result": result, "line_numbers": line_numbers, "raw": len(lines) - 2,
            "young": young, "scenario": scenario}


def test_the_row_census_runs_and_counts_every_row(row_run):
    result = row_run["result"]
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    counts = dict(query(row_run["db"], "select row_status, count(*) from stg_census__rows group by 1"))
    assert sum(counts.values()) == row_run["raw"]
    warned = query(row_run["db"], "select count(distinct census_row_number) from stg_census__warnings")[0][0]
    assert f"{row_run['raw']:,} rows = {counts['staged']:,} staged ({warned:,} with warnings)" in result.stdout
    assert "warned (kept): " in result.stdout and "malformed_row 4" in result.stdout
    page = (reports_of(row_run["db"]) / "census_input" / "baseline" / "report.html").read_text()
    assert "Census warnings" in page and "pay_outside_level_band" in page
    # the report names the file the user gave, never the UTF-8 copy dbt read (<sha>.cp1252.csv)
    assert "<dt>census file</dt><dd>hr_export.csv</dd>" in page and ".cp1252.csv" not in page
    run_planalign("export", "--scenario", str(row_run["scenario"]), "--format", "xlsx", db=row_run["db"])
    book = openpyxl.load_workbook(reports_of(row_run["db"]) / "census_input" / "baseline" / "workbook.xlsx")
    sheet = book["Census warnings"]
    assert sheet.max_row - 1 == query(row_run["db"], "select count(*) from stg_census__warnings")[0][0]


def test_four_percent_hired_at_an_implausible_age_simulate_in_full_with_warn(row_run):
    young_active = [e for e in row_run["young"] if query(
        row_run["db"], "select row_status from stg_census__rows where employee_id = ?", [e]) != [("excluded",)]]
    assert len(row_run["young"]) == 4 and young_active
    warned = query(row_run["db"], "select employee_id from stg_census__warnings "
                                  "where warning_reason = 'implausible_age_at_hire' and employee_id like 'EMP_%'")
    assert sorted(e for (e,) in warned) == sorted(young_active)
    generated = query(row_run["db"], "select row_status, count(*) from stg_census__rows "
                                     "where employee_id like 'EMP_%' group by 1")
    assert "rejected" not in dict(generated)
    in_snapshot = query(row_run["db"], "select count(*) from fct_workforce_snapshot where employee_id like 'EMP_%'")
    assert in_snapshot == [(dict(generated)["staged"],)]


@pytest.mark.parametrize("case", ROW_CASES, ids=[case[0] for case in ROW_CASES])
def test_each_bad_row_is_rejected_or_warned_with_its_reason_and_line(case, row_run):
    employee_id, _, status, reason = case
    rows = query(row_run["db"], "select row_status, reject_reason, warning_reasons, census_line_number "
                                "from stg_census__rows where employee_id = ?", [employee_id])
    assert len(rows) == 1, rows
    row_status, reject_reason, warnings, line_number = rows[0]
    assert row_status == status
    assert line_number == row_run["line_numbers"][employee_id]
    if status == "rejected":
        assert reject_reason == reason
        assert query(row_run["db"], "select census_line_number from stg_census__rejects where employee_id = ?",
                     [employee_id]) == [(line_number,)]
    else:
        assert reject_reason is None
        assert (reason in (warnings or "").split(",")) if reason else warnings is None
        in_snapshot = query(row_run["db"], "select count(*) from fct_workforce_snapshot where employee_id = ?",
                            [employee_id])[0][0]
        assert in_snapshot == 1


def test_values_read_from_the_awkward_rows(row_run):
    staged = {row[0]: row[1:] for row in query(row_run["db"], """
        select employee_id, birth_date, hire_date, annual_compensation, job_level from stg_census__rows
        where employee_id in ('QUOTED_PAY', 'LEVEL_2_0', 'TZ_TEXT_DATES', 'PAY_500')""")}
    assert staged["QUOTED_PAY"] == (dt.date(1980, 1, 1), dt.date(2010, 1, 1), decimal.Decimal("136700.00"), 4)
    assert staged["LEVEL_2_0"][3] == 2
    assert staged["TZ_TEXT_DATES"][:2] == (dt.date(1980, 1, 1), dt.date(2010, 1, 1))
    assert staged["PAY_500"][3] is None  # no level given: derived from pay later, as before
    warnings = query(row_run["db"], "select employee_id, warning_reason, census_line_number from stg_census__warnings "
                                    "where employee_id = 'BAND_HIGH'")
    assert warnings == [("BAND_HIGH", "pay_outside_level_band", row_run["line_numbers"]["BAND_HIGH"])]


# ---- Parquet: columns read by their type ----------------------------------------------------------

def _stage_only(census: Path, db: Path, scenario_id: str, **vars_) -> list[tuple]:
    """Build the census staging of one Parquet file with dbt itself (seeds from the copied database)."""
    variables = {"census_path": str(census), "scenario_id": scenario_id, **vars_}
    env = dict(os.environ, PLANALIGN_DB=str(db))
    dbt = str(Path(sys.executable).with_name("dbt"))
    done = subprocess.run([dbt, "run", "--select", "stg_census__rows", "--vars", json.dumps(variables)],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:]
    return query(db, "select employee_id, row_status, reject_reason, birth_date, hire_date, annual_compensation, "
                     "job_level, hours_per_week, deferral_rate from stg_census__rows where scenario_id = ? "
                     "order by census_row_number", [scenario_id])


@pytest.fixture(scope="module")
def parquet_db(simulated, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("parquet")
    db = folder / "parquet.duckdb"
    shutil.copy(simulated["db"], db)
    return db


def test_a_pandas_parquet_is_read_by_its_types(parquet_db, tmp_path):
    frame = pd.DataFrame({
        "employee_id": ["P1", "P2", "P3"],
        # tz-aware dates east of UTC: the date as written, not the UTC date before it
        "birth_date": pd.to_datetime(["1980-01-01", "1985-06-15", "1990-03-03"]).tz_localize("Europe/Berlin"),
        "hire_date": pd.to_datetime(["2010-01-01 00:00", "2012-02-01 08:30", "2015-05-05 23:59"]),
        "annual_compensation": [60000.0, 70000.5, 150000.0],
        "job_level": [2.0, None, 3.0],  # an integer column with a gap: pandas writes doubles
        "hours_per_week": pd.array([40, None, 30], dtype="Int64"),
        "deferral_rate": pd.array([0.06, None, 0.1], dtype="Float64"),
    })
    census = tmp_path / "pandas.parquet"
    frame.to_parquet(census)
    rows = _stage_only(census, parquet_db, "pandas_file")
    assert rows == [
        ("P1", "staged", None, dt.date(1980, 1, 1), dt.date(2010, 1, 1), decimal.Decimal("60000.00"), 2, 40.0, 0.06),
        ("P2", "staged", None, dt.date(1985, 6, 15), dt.date(2012, 2, 1), decimal.Decimal("70000.50"), None, 40.0,
         None),
        ("P3", "staged", None, dt.date(1990, 3, 3), dt.date(2015, 5, 5), decimal.Decimal("150000.00"), 3, 30.0, 0.1),
    ]


def test_a_pyarrow_parquet_is_read_by_its_types(parquet_db, tmp_path):
    tokyo = dt.timezone(dt.timedelta(hours=9))
    table = pa.table({
        "EMPLOYEE_ID": pa.array(["A1", "A2", "A3"]),
        "employee_birth_date": pa.array([dt.date(1980, 1, 1), dt.date(1981, 2, 2), None], pa.date32()),
        "employee_hire_date": pa.array([dt.datetime(2010, 1, 1, tzinfo=tokyo),
                                        dt.datetime(2011, 7, 1, 5, 0, tzinfo=tokyo),
                                        dt.datetime(2012, 1, 1, tzinfo=tokyo)], pa.timestamp("us", tz="Asia/Tokyo")),
        "employee_gross_compensation": pa.array([decimal.Decimal("136700.00"), decimal.Decimal("50000.10"),
                                                 decimal.Decimal("1.00")], pa.decimal128(18, 2)),
        "job_level": pa.array([4, None, 1], pa.int64()),
        "hours_per_week": pa.array([40, 37, None], pa.int32()),
    })
    census = tmp_path / "pyarrow.parquet"
    pq.write_table(table, census)
    # pyarrow keeps the zone only in its own schema: census_timezone names the zone the HR system wrote in
    rows = _stage_only(census, parquet_db, "pyarrow_file", census_timezone="Asia/Tokyo")
    assert rows == [
        ("A1", "staged", None, dt.date(1980, 1, 1), dt.date(2010, 1, 1), decimal.Decimal("136700.00"), 4, 40.0, None),
        ("A2", "staged", None, dt.date(1981, 2, 2), dt.date(2011, 7, 1), decimal.Decimal("50000.10"), None, 37.0,
         None),
        ("A3", "rejected", "unparseable_birth_date", None, dt.date(2012, 1, 1), decimal.Decimal("1.00"), 1, 40.0,
         None),
    ]


# ---- property: any garbage in any column is classified, never a crash ------------------------------

FIELD_TEXT = st.text(alphabet=st.characters(blacklist_characters="\r\n\x00", blacklist_categories=("Cs",)),
                     max_size=12)
FIELD = st.one_of(
    FIELD_TEXT,
    st.sampled_from(["", " ", '"', '""', ",", "nan", "inf", "-0", "1e308", "1e12", "2.0", "2.5", "0x10", "$1,000",
                     "2024-02-30", "1900-01-01", "2099-12-31", "2010-01-01T00:00:00+14:00", "01/02/2003",
                     "NULL", "-1", "0", "169", "1.0000001", "99999999999999999999999999"]),
    st.dates(min_value=dt.date(1850, 1, 1), max_value=dt.date(2100, 1, 1)).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.integers(min_value=-10**20, max_value=10**20).map(str),
)
ROW = st.lists(FIELD, min_size=2, max_size=12)


@pytest.fixture(scope="module")
def staging_sql(simulated, tmp_path_factory) -> dict:
    """stg_census__rows compiled once by dbt for a census with the canonical header; each example then runs
    that SQL on its own file (same header) in DuckDB, with the SSN hash the plugin registers."""
    folder = tmp_path_factory.mktemp("property")
    db = folder / "property.duckdb"
    shutil.copy(simulated["db"], db)
    placeholder = folder / "placeholder.csv"
    placeholder.write_text(HEADER + "\n" + _good_rows(1) + "\n")
    variables = {"census_path": str(placeholder), "scenario_id": "property"}
    done = subprocess.run([str(Path(sys.executable).with_name("dbt")), "compile", "--select", "stg_census__rows",
                           "--vars", json.dumps(variables), "--target-path", str(folder / "target")],
                          cwd=ROOT, env=dict(os.environ, PLANALIGN_DB=str(db)), capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:]
    compiled = next((folder / "target" / "compiled").rglob("stg_census__rows.sql")).read_text()
    assert str(placeholder) in compiled
    return {"db": db, "sql": compiled, "placeholder": str(placeholder), "folder": folder}


@settings(max_examples=30, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=st.lists(ROW, min_size=1, max_size=60))
def test_garbage_in_every_column_is_classified_and_rows_add_up(rows, staging_sql):
    census = staging_sql["folder"] / "garbage.csv"
    census.write_text(HEADER + "\n" + "\n".join(",".join(fields) for fields in rows) + "\n")
    sql = staging_sql["sql"].replace(staging_sql["placeholder"], str(census))
    with duckdb.connect(str(staging_sql["db"]), read_only=True) as con:
        con.create_function("planalign_ssn_hash", lambda ssn: runsafety.ssn_hash("property-salt", ssn),
                            ["VARCHAR"], "VARCHAR")
        result = con.execute(f"""
            select
                count(*),
                count(*) filter (where row_status in ('staged', 'rejected', 'excluded')),
                count(*) filter (where row_status = 'rejected' and reject_reason is null),
                count(*) filter (where row_status <> 'staged' and warning_reasons is not null),
                count(*) filter (where row_status = 'staged' and (annual_compensation is null or birth_date is null
                                 or hire_date is null or hours_per_week is null)),
                count(distinct census_line_number),
                min(census_line_number),
                max(census_line_number)
            from ({sql}) as staged""").fetchone()
    total, classified, reasonless, stray_warnings, unusable, lines, first, last = result
    assert total == classified == len(rows)
    assert reasonless == stray_warnings == unusable == 0
    assert (lines, first, last) == (len(rows), 2, len(rows) + 1)


def test_read_census_reads_the_file_as_staging_does(row_run):
    """planalign.engine.census.read_census (for other code that reads census-layout files) gives staging's
    rows: the same line numbers, the same malformed rows, the same text in every column."""
    census = Path(yaml.safe_load(row_run["scenario"].read_text())["census_path"])
    columns = ("employee_id", "birth_date", "hire_date", "termination_date", "annual_compensation", "job_level",
               "hours_per_week", "deferral_rate", "enrollment_date")
    with duckdb.connect() as con:
        relation = read_census(con, census, encoding="cp1252", name="read_census_rows")
        read = relation.select(f"census_row_number, census_line_number, is_malformed_row, {', '.join(columns)}"
                               ).order("census_row_number").fetchall()
    staged = query(row_run["db"], (
        "select census_row_number, census_line_number, coalesce(reject_reason = 'malformed_row', false), "
        + ", ".join(["employee_id", *(f"{name}_text" for name in columns[1:])])
        + " from stg_census__rows where scenario_id = 'census_input' order by 1"))
    assert len(read) == row_run["raw"] and any(row[2] for row in read)
    assert read == staged
