"""Excel workbooks with XlsxWriter: one sheet per table, real number formats (currency, percent, counts),
frozen headers and widths that fit. The rows come from scripts/store/db.py (the rpt_ models); nothing is
computed here."""

from __future__ import annotations

import datetime as dt
import decimal
from pathlib import Path
from typing import Any

import xlsxwriter

from planalign.reports import units
from planalign.reports.html import MONEY

# the nondiscrimination tests' ratios, averages and limits: shares of pay
COMPLIANCE_SHARES = {"hce_average", "nhce_average", "test_limit", "margin", "nhce_average_needed", "ratio_percentage",
                     "key_balance_share", "top_heavy_threshold", "minimum_contribution_rate"}
# the number format of each kind of cell: counts with separators, whole dollars, rates in percent, years plain
NUMBER_FORMATS = {"money": "$#,##0", "percent": "0.0%", "percent2": "0.00%", "count": "#,##0", "number": "#,##0.00",
                  "year": "0", "date": "yyyy-mm-dd", "count_mean": "#,##0.0",  # count_mean: a count per replication
                  # a difference of two rates: percentage points to 0.01, signed (the page's "+0.42 pt")
                  "points": "+0.00%;-0.00%;0.00%",
                  # a shift of a rate written in points (the cell holds -3 for three points lower): "-3.00 pt"
                  "pt": '+0.00" pt";-0.00" pt";0.00" pt"'}
# the smallest value each percent format shows as other than zero: below it a value is written as 0, so that noise
# in the last digits (-0.00001) does not read "-0.00%"
PERCENT_RESOLUTION = {"percent": 0.0005, "percent2": 0.00005, "points": 0.00005, "pt": 0.005}
# a metric's level (rates to 0.01%, as the pages show them) and a difference of two of its values
UNIT_KINDS = {units.COUNT: "count", units.MONEY: "money", units.RATE: "percent2"}
DIFFERENCE_KINDS = {**UNIT_KINDS, units.RATE: "points"}
# in a long-form sheet (a column `metric`, one row per metric) these columns hold the metric's own values
METRIC_VALUE_SUFFIXES = ("_value", "_difference", "_p10", "_p50", "_p90")


def _kind(column: str, values: list[Any]) -> str:
    if column in COMPLIANCE_SHARES:  # the tests' ratios are read to a hundredth of a percent
        return "percent2"
    if column.endswith("_rate") or column in {"rel_difference"}:
        return "percent"
    if column in MONEY or column.endswith(("_value", "_difference", "_p10", "_p50", "_p90", "_amount")):
        return "money"
    sample = next((v for v in values if v is not None), None)
    if isinstance(sample, bool):
        return "text"
    if column.endswith("year") or column == "period_sort":
        return "year"
    if isinstance(sample, int):
        return "count"
    if isinstance(sample, float | decimal.Decimal):
        return "number"
    if isinstance(sample, dt.date | dt.datetime):
        return "date"
    return "text"


def _cell(value: Any, kind: str = "text") -> Any:
    if isinstance(value, decimal.Decimal):
        value = float(value)
    if isinstance(value, float) and abs(value) < PERCENT_RESOLUTION.get(kind, 0.0):
        return 0.0
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, list | dict):
        return str(value)
    return value


def _row_kinds(columns: list[str], kinds: list[str], row: tuple, given: dict[str, str]) -> list[str]:
    """A long-form row's kinds: its value columns take the unit of the row's metric (a headcount row counts, a
    participation row is a rate), the others keep their column's kind. given: the sheet's own kinds by column,
    'metric' for a column in the row's metric unit (a wide sheet whose columns are designs)."""
    if "metric" not in columns:
        return kinds
    unit = units.metric(str(row[columns.index("metric")])).unit
    if given:
        return [UNIT_KINDS[unit] if given.get(column) == "metric" else
                DIFFERENCE_KINDS[unit] if given.get(column) == "metric_difference" else column_kind
                for column, column_kind in zip(columns, kinds, strict=True)]
    return [(DIFFERENCE_KINDS if "difference" in column else UNIT_KINDS)[unit]
            if (column.endswith(METRIC_VALUE_SUFFIXES) or column.isdigit() or column == "horizon")
            and column != "rel_difference" else column_kind
            for column, column_kind in zip(columns, kinds, strict=True)]


def write_workbook(out: Path, sheets: list[tuple]) -> Path:
    """sheets: (name, columns, rows), (name, columns, rows, notes), (name, columns, rows, notes, kinds) or
    (name, columns, rows, notes, kinds, row_kinds): notes are lines written above the header (what the sheet
    compares, its sign convention); kinds names the number format of some columns (a key of NUMBER_FORMATS,
    'metric': the unit of the row's metric, or 'metric_difference': a difference of two values in that unit, rates
    in percentage points), where the column's name and values do not say it; row_kinds, one mapping per row, the
    kinds of some of that row's cells (a sheet whose rows hold different units in one column). A row's own kinds
    (units.metric, row_kinds) beat its column's. Written to a temp file, then renamed into place."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp.xlsx")
    workbook = xlsxwriter.Workbook(str(tmp), {"remove_timezone": True})
    formats = {
        "header": workbook.add_format({"bold": True, "bg_color": "#1F5F8B", "font_color": "#FFFFFF", "border": 1,
                                       "text_wrap": True, "valign": "top"}),
        "note": workbook.add_format({"italic": True, "font_color": "#5D6D7E"}),
        **{kind: workbook.add_format({"num_format": number_format}) for kind, number_format in NUMBER_FORMATS.items()},
        "text": None,
    }
    for name, columns, rows, *more in sheets:
        notes = more[0] if more else []
        given = more[1] if len(more) > 1 else {}
        by_row = more[2] if len(more) > 2 else [{}] * len(rows)
        sheet = workbook.add_worksheet(name[:31])
        for r, note in enumerate(notes):
            sheet.write(r, 0, note, formats["note"])
        top = len(notes) + 1 if notes else 0
        kinds = [given[column] if given.get(column, "metric") not in ("metric", "metric_difference")
                 else _kind(column, [row[i] for row in rows]) for i, column in enumerate(columns)]
        for i, column in enumerate(columns):
            sheet.write(top, i, column, formats["header"])
            longest = max([len(column)] + [len(f"{row[i]:,.2f}" if isinstance(row[i], float | decimal.Decimal)
                                               else str(row[i])) for row in rows[:500]])
            sheet.set_column(i, i, min(max(10, longest + 2), 60), formats[kinds[i]])
        for r, (row, own) in enumerate(zip(rows, by_row, strict=True), start=top + 1):
            row_kinds = [own.get(column, kind) for column, kind in
                         zip(columns, _row_kinds(columns, kinds, row, given), strict=True)]
            for i, value in enumerate(row):
                value = _cell(value, row_kinds[i])
                if value is None:
                    continue
                if row_kinds[i] == "date":
                    sheet.write_datetime(r, i, dt.datetime.combine(value, dt.time()) if not isinstance(
                        value, dt.datetime) else value, formats["date"])
                else:
                    sheet.write(r, i, value, formats[row_kinds[i]])
        sheet.freeze_panes(top + 1, 0)
        # printed (or saved as PDF) as read on screen: landscape, all columns on one page width, header repeated
        sheet.set_landscape()
        sheet.fit_to_pages(1, 0)
        sheet.repeat_rows(top)
        if rows:
            sheet.autofilter(top, 0, top + len(rows), len(columns) - 1)
    workbook.close()
    tmp.replace(out)
    return out
