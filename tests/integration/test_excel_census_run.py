"""The fixture census as an Excel workbook (real date and number cells, some dates typed as text, the
census on the second sheet) simulates to the same events, snapshots, rejects and warnings as the CSV,
with sheet rows as line numbers and the user's workbook named in the provenance."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import re
from pathlib import Path

import pytest
import xlsxwriter

from conftest import query, run_planalign, write_scenario
from digests import table_digest

# the census tables also keep each row's raw text, which differs where a date is typed as text (below)
SAME_TABLES = ("fct_yearly_events", "fct_workforce_snapshot", "fct_headcount_plan", "rpt_census_reconciliation",
               "int_plan_enrollments_drawn")
NUMBERS = {"annual_compensation", "job_level", "hours_per_week", "deferral_rate"}
DATES = {"birth_date", "hire_date", "termination_date", "enrollment_date"}
ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


def _as_workbook(census: Path, path: Path) -> tuple[int, int]:
    """Write the CSV census as a typed workbook: dates as date cells (but every 7th birth date as text
    MM/DD/YYYY and every 5th hire date as ISO text), numbers as number cells, the rest as text cells.
    Returns (date cells, dates as text) written."""
    with census.open(newline="") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    book = xlsxwriter.Workbook(str(path))
    date_cell = book.add_format({"num_format": "mm/dd/yyyy"})
    book.add_worksheet("Read me").write_string(0, 0, "The census is on the sheet Employees.")
    sheet = book.add_worksheet("Employees")
    sheet.write_row(0, 0, header)
    typed = texts = 0
    for r, row in enumerate(rows[1:], start=1):
        for c, (name, value) in enumerate(zip(header, row, strict=True)):
            if value == "":
                continue
            if name in DATES and ISO.fullmatch(value):
                try:
                    day = dt.date.fromisoformat(value)
                except ValueError:  # 2019-13-45 stays text: staging rejects it as a CSV's
                    sheet.write_string(r, c, value)
                    continue
                if name == "birth_date" and r % 7 == 0:
                    sheet.write_string(r, c, day.strftime("%m/%d/%Y"))
                    texts += 1
                elif name == "hire_date" and r % 5 == 0:
                    sheet.write_string(r, c, value)
                    texts += 1
                else:
                    sheet.write_datetime(r, c, dt.datetime(day.year, day.month, day.day), date_cell)
                    typed += 1
            elif name in NUMBERS and re.fullmatch(r"-?[0-9.]+", value):
                sheet.write_number(r, c, float(value))
            else:
                sheet.write_string(r, c, value)
    book.close()
    return typed, texts


@pytest.fixture(scope="module")
def excel_run(simulated, tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("excel")
    workbook = folder / "fixture_census.xlsx"
    typed, texts = _as_workbook(simulated["census"], workbook)
    assert typed > 500 and texts > 50
    scenario = write_scenario(folder / "fixture.yml", workbook, census_sheet="Employees")
    db = folder / "excel.duckdb"
    result = run_planalign("simulate", "--scenario", str(scenario), db=db)
    return {"db": db, "workbook": workbook, "output": result.stdout}


def test_a_workbook_simulates_to_the_same_results_as_the_csv(simulated, excel_run):
    for table in SAME_TABLES:
        assert table_digest(excel_run["db"], table) == simulated["digests"][table], table


def test_rejected_rows_carry_their_sheet_row(simulated, excel_run):
    rejects = "select employee_id, reject_reason, census_line_number from stg_census__rejects order by 3"
    csv_rejects, excel_rejects = query(simulated["db"], rejects), query(excel_run["db"], rejects)
    assert excel_rejects == csv_rejects and len(excel_rejects) >= 18
    every_row = ("select census_line_number, employee_id, row_status, reject_reason, warning_reasons, birth_date, "
                 "hire_date, termination_date, annual_compensation, job_level, hours_per_week, deferral_rate, "
                 "enrollment_date from stg_census__rows order by 1")
    assert query(excel_run["db"], every_row) == query(simulated["db"], every_row)
    # the header is row 1 of the sheet and no row is blank, so a row's sheet row is its CSV line
    first = excel_rejects[0]
    assert (f"first rejected: row {first[2]} of sheet Employees in fixture_census.xlsx ({first[1]})"
            in excel_run["output"])


def test_the_provenance_names_the_workbook_and_its_sheet(excel_run):
    settings = json.loads(query(excel_run["db"], "select settings_json from dim_scenario_settings")[0][0])
    assert settings["census_file"] == "fixture_census.xlsx" and settings["census_sheet"] == "Employees"
    assert settings["census_sha256"] == hashlib.sha256(excel_run["workbook"].read_bytes()).hexdigest()


def test_a_missing_sheet_is_refused_in_one_line(excel_run, tmp_path):
    result = run_planalign("simulate", "--scenario", "baseline", "--census", str(excel_run["workbook"]),
                           "--census-sheet", "Staff", db=tmp_path / "refused.duckdb", check=False)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "no sheet named 'Staff'" in errors[0] and "'Read me', 'Employees'" in errors[0]
    assert not (tmp_path / "refused.duckdb").exists()
