"""An .xlsx census: typed cells read as the text staging parses, sheet rows as line numbers, one-line
refusals, `make census` writing a workbook, and read_census agreeing across CSV, Parquet and .xlsx."""

from __future__ import annotations

import datetime as dt
import hashlib
import zipfile
from pathlib import Path

import duckdb
import pytest
import python_calamine
import xlsxwriter

from planalign.engine import census_excel
from planalign.engine.census import census_for_dbt, check_census_file, read_census, write_census
from planalign.engine.config import resolve
from planalign.errors import PlanAlignError

HEADER = ["employee_id", "birth_date", "hire_date", "termination_date", "annual_compensation", "job_level",
          "deferral_rate", "ssn"]


def workbook(path: Path, sheets: dict[str, list[list[object]]], first_row: int = 0) -> Path:
    """A workbook whose sheets hold these rows (dates as real date cells, numbers as numbers, None empty),
    the first of them on the sheet's row first_row + 1."""
    book = xlsxwriter.Workbook(str(path))
    date_cell = book.add_format({"num_format": "yyyy-mm-dd"})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows, start=first_row):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, dt.datetime):
                    sheet.write_datetime(r, c, value, date_cell)
                elif isinstance(value, dt.date):
                    sheet.write_datetime(r, c, dt.datetime(value.year, value.month, value.day), date_cell)
                elif isinstance(value, bool):
                    sheet.write_boolean(r, c, value)
                elif isinstance(value, (int, float)):
                    sheet.write_number(r, c, value)
                else:
                    sheet.write_string(r, c, value)
    book.close()
    return path


def rows_of(path: Path, **options) -> list[dict]:
    with duckdb.connect() as con:
        relation = read_census(con, path, **options)
        names = [column[0] for column in relation.description]
        return [dict(zip(names, row, strict=True)) for row in relation.fetchall()]


def refusal(path: Path, **options) -> str:
    with pytest.raises(PlanAlignError) as caught:
        check_census_file(path, **options)
    assert "\n" not in caught.value.message
    return caught.value.message


@pytest.mark.parametrize(("value", "text"), [
    (dt.date(2019, 3, 1), "2019-03-01"),
    (dt.datetime(2019, 3, 1, 23, 59), "2019-03-01"),  # the date as written, whatever the time
    (1001.0, "1001"),                                 # a whole number without its .0
    (85000.5, "85000.5"),
    (0.06, "0.06"),
    (-0.1, "-0.1"),
    (7, "7"),
    (True, "true"),
    (False, "false"),
    ("03/01/2019", "03/01/2019"),                     # text stays text: staging parses it like a CSV's
    ("", None),
    ("   ", None),
    (None, None),
])
def test_a_cell_becomes_the_text_staging_parses(value, text):
    assert census_excel.cell_text(value) == text


def test_typed_cells_are_read_by_their_type(tmp_path):
    path = workbook(tmp_path / "typed.xlsx", {"Census": [
        HEADER,
        [1001.0, dt.date(1980, 1, 2), dt.datetime(2010, 5, 6, 8, 30), None, 85000.0, 2.0, 0.06, "123-45-6789"],
        ["E_2", "1980-01-02", "05/06/2010", "2023/12/31", 85000.25, 3, 0, 123456789],
    ]})
    first, second = rows_of(path)
    assert first == {"census_row_number": 1, "census_line_number": 2, "is_malformed_row": False,
                     "employee_id": "1001", "birth_date": "1980-01-02", "hire_date": "2010-05-06",
                     "termination_date": None, "annual_compensation": "85000", "job_level": "2",
                     "hours_per_week": None, "deferral_rate": "0.06", "enrollment_date": None, "ssn": "123-45-6789",
                     "ownership_pct": None, "is_officer": None, "prior_year_compensation": None,
                     "account_balance": None, "account_balance_deferral": None, "account_balance_match": None,
                     "account_balance_core": None}
    # dates stored as text are passed on as written, for staging's date rules (parse_census_date)
    assert (second["birth_date"], second["hire_date"], second["termination_date"]) == (
        "1980-01-02", "05/06/2010", "2023/12/31")
    assert (second["annual_compensation"], second["job_level"], second["deferral_rate"], second["ssn"]) == (
        "85000.25", "3", "0", "123456789")


def test_an_error_cell_is_empty(tmp_path):
    path = tmp_path / "errors.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Census")
    sheet.write_row(0, 0, HEADER)
    sheet.write_row(1, 0, ["E_1", "1980-01-02", "2010-05-06"])
    sheet.write_formula(1, 4, "=1/0", None, "#DIV/0!")
    sheet.write_formula(1, 5, "=NA()", None, "#N/A")
    book.close()
    (row,) = rows_of(path)
    assert (row["employee_id"], row["annual_compensation"], row["job_level"]) == ("E_1", None, None)


def test_line_numbers_are_sheet_rows_and_blank_rows_are_skipped(tmp_path):
    def row(n: int) -> list:
        return [f"E_{n}", dt.date(1980, 1, 2), dt.date(2010, 5, 6), None, 50000, 1, None, None]
    rows = [HEADER, row(0), [None] * 8, row(1), ["", "  "], row(2)]  # blank rows: empty, or only blanks
    # two blank rows above the header: it is the sheet's first non-blank row, on row 3
    path = workbook(tmp_path / "blank.xlsx", {"Census": rows}, first_row=2)
    read = rows_of(path)
    assert [(r["census_row_number"], r["census_line_number"], r["employee_id"]) for r in read] == [
        (1, 4, "E_0"), (2, 6, "E_1"), (3, 8, "E_2")]


def test_the_named_sheet_is_read_and_the_first_by_default(tmp_path):
    one = [HEADER, ["FIRST", dt.date(1980, 1, 2), dt.date(2010, 5, 6), None, 50000, 1, None, None]]
    two = [HEADER, ["SECOND", dt.date(1980, 1, 2), dt.date(2010, 5, 6), None, 50000, 1, None, None]]
    path = workbook(tmp_path / "two.xlsx", {"Notes": one, "Employees": two})
    assert [r["employee_id"] for r in rows_of(path)] == ["FIRST"]
    assert [r["employee_id"] for r in rows_of(path, sheet="Employees")] == ["SECOND"]


def test_a_missing_sheet_is_refused_with_the_sheets_there_are(tmp_path):
    path = workbook(tmp_path / "two.xlsx", {"Notes": [["x"]], "Employees": [HEADER]})
    message = refusal(path, sheet="Staff")
    assert "no sheet named 'Staff'" in message and "'Notes', 'Employees'" in message


def test_an_empty_sheet_and_a_header_without_rows_are_refused(tmp_path):
    path = workbook(tmp_path / "empty.xlsx", {"Census": [], "Header": [HEADER]})
    assert "sheet Census is empty (no header row)" in refusal(path)
    assert "has a header (row 1) and no rows" in refusal(path, sheet="Header")


def test_a_title_row_above_the_header_fails_the_header_check_with_a_hint(tmp_path):
    path = workbook(tmp_path / "title.xlsx", {"Census": [["Census as of 2024-12-31"], HEADER]})
    with pytest.raises(PlanAlignError) as caught:
        check_census_file(path)
    assert "has no column for employee_id" in caught.value.message
    assert "first non-blank row is its header" in caught.value.hint


def test_duplicate_columns_are_refused(tmp_path):
    path = workbook(tmp_path / "dup.xlsx", {"Census": [[*HEADER, "Hire_Date"], ["E", 1, 2, 3, 4, 5, 6, 7, 8]]})
    assert "the header has the column 'hire_date' twice (columns 3 and 9)" in refusal(path)


def test_old_protected_and_damaged_workbooks_are_refused_in_one_line(tmp_path):
    xls = tmp_path / "old.xls"
    xls.write_bytes(census_excel.OLE_SIGNATURE + b"\0" * 504)
    assert "old binary Excel workbook (.xls)" in refusal(xls)
    # a password-protected .xlsx is an OLE compound file, not a zip
    protected = tmp_path / "protected.xlsx"
    protected.write_bytes(census_excel.OLE_SIGNATURE + b"\0" * 504)
    assert "password-protected" in refusal(protected)
    not_a_workbook = tmp_path / "text.xlsx"
    not_a_workbook.write_text("employee_id,birth_date\n")
    assert "is not an Excel workbook" in refusal(not_a_workbook)
    damaged = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(damaged, "w") as archive:
        archive.writestr("hello.txt", "no workbook here")
    assert "cannot be read as a workbook" in refusal(damaged)


def test_census_sheet_is_refused_for_a_csv(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(",".join(HEADER) + "\nE,1980-01-01,2010-01-01,,50000,1,,\n")
    assert "census_sheet is set ('Census')" in refusal(path, sheet="Census")


def test_make_census_writes_a_workbook_with_date_cells_byte_for_byte(tmp_path):
    one, two = tmp_path / "one.xlsx", tmp_path / "two.xlsx"
    write_census(50, 3, one, dt.date(2024, 12, 31))
    write_census(50, 3, two, dt.date(2024, 12, 31))
    assert one.read_bytes() == two.read_bytes()
    book = python_calamine.CalamineWorkbook.from_path(str(one))
    rows = book.get_sheet_by_name("Census").to_python()
    assert rows[0][:3] == ["employee_id", "birth_date", "hire_date"]
    assert all(isinstance(row[1], dt.date) and isinstance(row[2], dt.date) for row in rows[1:])
    assert all(isinstance(row[4], float) for row in rows[1:])  # the pay is a number cell


def test_the_same_census_reads_alike_as_csv_parquet_and_xlsx(tmp_path):
    as_of = dt.date(2024, 12, 31)
    for suffix in ("csv", "parquet", "xlsx"):
        write_census(200, 5, tmp_path / f"c.{suffix}", as_of)
    csv, parquet, xlsx = (rows_of(tmp_path / f"c.{suffix}") for suffix in ("csv", "parquet", "xlsx"))
    assert len(csv) == len(parquet) == len(xlsx) == 200
    assert [r["census_line_number"] for r in xlsx] == [r["census_line_number"] for r in csv] == list(range(2, 202))
    assert all(r["census_line_number"] is None for r in parquet)

    def same(row: dict) -> tuple:  # the CSV writes pay as 85000.00 and rates as 0.0600: compare the values
        pay, rate = row["annual_compensation"], row["deferral_rate"]
        return (row["employee_id"], row["birth_date"], row["hire_date"], row["termination_date"], float(pay),
                row["job_level"], row["hours_per_week"], rate and float(rate), row["enrollment_date"], row["ssn"])
    assert [same(r) for r in xlsx] == [same(r) for r in csv] == [same(r) for r in parquet]


def test_read_census_splits_a_csv_as_staging_does(tmp_path):
    path = tmp_path / "awkward.csv"
    path.write_text('employee_id;birth_date;hire_date;annual_compensation\n'
                    'A;1980-01-01;2010-01-01;"136;700"\n'
                    '\n'
                    'B;1980-01-01;2010-01-01;1;2\n'
                    ' "C ""x""" ;1980-01-01;2010-01-01;50000\n')
    read = rows_of(path)
    assert [(r["census_line_number"], r["employee_id"], r["is_malformed_row"], r["annual_compensation"])
            for r in read] == [(2, "A", False, "136;700"), (4, "B", True, None), (5, 'C "x"', False, "50000")]


def test_the_sheet_copy_is_cached_by_content_and_sheet(tmp_path):
    rows = [HEADER, ["E", dt.date(1980, 1, 2), dt.date(2010, 5, 6), None, 50000, 1, None, None]]
    path = workbook(tmp_path / "c.xlsx", {"A": rows, "B": rows})
    first = census_for_dbt(path, "utf-8", tmp_path / "copies")
    assert first == census_for_dbt(path, "utf-8", tmp_path / "copies", "A")
    other = census_for_dbt(path, "utf-8", tmp_path / "copies", "B")
    assert other != first and first.name.startswith(hashlib.sha256(path.read_bytes()).hexdigest()[:16])
    with duckdb.connect() as con:
        assert con.execute(f"select _planalign_sheet_row, employee_id, birth_date from '{first}'").fetchall() == [
            (2, "E", "1980-01-02")]


def test_the_config_hash_covers_the_sheet_only_for_a_workbook(tmp_path):
    rows = [HEADER, ["E", dt.date(1980, 1, 2), dt.date(2010, 5, 6), None, 50000, 1, None, None]]
    path = workbook(tmp_path / "c.xlsx", {"A": rows, "B": rows})
    default = resolve("baseline").run_config()
    assert "census_sheet" not in default  # a CSV run's configuration (and so its hash) is unchanged
    first = resolve("baseline", {"census_path": str(path)}).run_config()
    named = resolve("baseline", {"census_path": str(path), "census_sheet": "B"}).run_config()
    assert first["census_sheet"] is None and named["census_sheet"] == "B"
    assert first["census_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
