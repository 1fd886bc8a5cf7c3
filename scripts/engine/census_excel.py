"""A census in an Excel workbook (.xlsx, .xlsm), read with python-calamine (typed cells).

A sheet is read as a table: the header is the sheet's first non-blank row, every later row that holds
a value is a data row, and a row keeps its sheet row number (the number Excel shows at its left), so a
rejected row is named as the user sees it: row 7 of sheet Employees. Cells become the text staging
parses (models/staging/census), by their type:

    date cell                   YYYY-MM-DD
    date-and-time cell          its date, YYYY-MM-DD (the time is dropped, as for a Parquet TIMESTAMP)
    number holding a whole      without a decimal part: 1001.0 -> "1001" (an id, a level, a pay of 85000)
    other number                its shortest exact decimal: 0.06 -> "0.06", 85000.5 -> "85000.5"
    boolean                     "true" or "false"
    text                        as written (a date written as text is parsed by the CSV rules)
    empty                       null

so the same census as CSV and as .xlsx stage to the same rows.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path

import python_calamine

from planalign.errors import PlanAlignError

XLSX_SUFFIXES = (".xlsx", ".xlsm")
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an old .xls, or an .xlsx encrypted with a password
ZIP_SIGNATURE = b"PK\x03\x04"
SAVE_AS_HINT = "open it in Excel and save it as an Excel Workbook (.xlsx) or as CSV UTF-8"


def is_xlsx(path: Path) -> bool:
    return path.suffix.lower() in XLSX_SUFFIXES


@dataclass
class SheetTable:
    """A sheet as a census table: its name, the header's row, the column names (lower case, trimmed; ''
    for a blank header cell), and per data row its sheet row number and its cells as text (None = empty)."""

    sheet: str
    header_row: int
    names: list[str]
    rows: list[tuple[int, list[str | None]]]

    def where(self, path: Path) -> str:
        return f"sheet {self.sheet} in {path.name}"


def cell_text(value: object) -> str | None:
    """One cell as the text staging parses (see the module's docstring)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        if math.isfinite(value) and value == math.floor(value) and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, int):
        return str(value)
    text = str(value)
    return text if text.strip() else None


def _open(path: Path) -> python_calamine.CalamineWorkbook:
    with path.open("rb") as handle:
        head = handle.read(8)
    if head == OLE_SIGNATURE:
        raise PlanAlignError(
            f"census file {path} is password-protected or an old binary .xls workbook, which cannot be read",
            hint="remove the password (Excel: File > Info > Protect Workbook), or " + SAVE_AS_HINT)
    if head[:4] != ZIP_SIGNATURE:
        raise PlanAlignError(f"census file {path} is not an Excel workbook (.xlsx): it may be damaged",
                             hint=SAVE_AS_HINT)
    try:
        return python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # noqa: BLE001 - calamine raises its own error types for a damaged file
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise PlanAlignError(f"census file {path} cannot be read as a workbook: {reason}",
                             hint=SAVE_AS_HINT) from None


def sheet_names(path: Path) -> list[str]:
    return list(_open(path).sheet_names)


def read_sheet(path: Path, sheet: str | None = None) -> SheetTable:
    """The sheet `sheet` (default: the first) of the workbook at `path` as a census table. Refuses, in one
    line each: a damaged or password-protected file, a sheet that does not exist (the sheets are listed),
    and a sheet with no header row."""
    workbook = _open(path)
    names = list(workbook.sheet_names)
    if not names:
        raise PlanAlignError(f"census file {path} has no sheet", hint=SAVE_AS_HINT)
    name = names[0] if sheet is None else sheet
    if name not in names:
        raise PlanAlignError(f"census file {path} has no sheet named '{sheet}'; its sheets are: "
                             + ", ".join(f"'{n}'" for n in names),
                             hint="set census_sheet (or CENSUS_SHEET=, --census-sheet) to one of them, "
                                  "or leave it unset to read the first sheet")
    try:
        cells = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
    except Exception as exc:  # noqa: BLE001 - a damaged sheet inside a readable workbook
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise PlanAlignError(f"census file {path}, sheet {name} cannot be read: {reason}",
                             hint=SAVE_AS_HINT) from None
    finally:
        workbook.close()
    header: tuple[int, list[str]] | None = None
    rows: list[tuple[int, list[str | None]]] = []
    for number, raw in enumerate(cells, start=1):
        texts = [cell_text(value) for value in raw]
        if not any(text is not None for text in texts):
            continue  # a blank row is not a row; numbers still count it
        if header is None:
            header = (number, [(text or "").strip().strip('"').strip().lower() for text in texts])
        else:
            rows.append((number, texts))
    if header is None:
        raise PlanAlignError(f"census file {path}: sheet {name} is empty (no header row)",
                             hint="put the header (employee_id, birth_date, ...) in the sheet's first row and "
                                  "one row per employee below it, or name another sheet with census_sheet")
    return SheetTable(name, header[0], header[1], rows)
