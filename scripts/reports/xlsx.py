"""Excel workbooks with XlsxWriter: one sheet per table, real number formats (currency, percent, counts),
frozen headers and widths that fit. The rows come from scripts/store/db.py (the rpt_ models); nothing is
computed here."""

from __future__ import annotations

import datetime as dt
import decimal
from pathlib import Path
from typing import Any

import xlsxwriter

from planalign.reports.html import MONEY

# the nondiscrimination tests' ratios, averages and limits: shares of pay
COMPLIANCE_SHARES = {"hce_average", "nhce_average", "test_limit", "margin", "nhce_average_needed", "ratio_percentage"}


def _kind(column: str, values: list[Any]) -> str:
    if column.endswith("_rate") or column in {"rel_difference"} | COMPLIANCE_SHARES:
        return "percent"
    if column in MONEY or column.endswith(("_value", "_difference", "_p10", "_p50", "_p90", "_amount")):
        return "money"
    sample = next((v for v in values if v is not None), None)
    if isinstance(sample, bool):
        return "text"
    if isinstance(sample, int) and not column.endswith("year"):
        return "count"
    if isinstance(sample, float | decimal.Decimal):
        return "number"
    if isinstance(sample, dt.date | dt.datetime):
        return "date"
    return "text"


def _cell(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, list | dict):
        return str(value)
    return value


def write_workbook(out: Path, sheets: list[tuple[str, list[str], list[tuple]]]) -> Path:
    """sheets: (name, columns, rows). Written to a temp file, then renamed into place."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp.xlsx")
    workbook = xlsxwriter.Workbook(str(tmp), {"remove_timezone": True})
    formats = {
        "header": workbook.add_format({"bold": True, "bg_color": "#1F5F8B", "font_color": "#FFFFFF", "border": 1,
                                       "text_wrap": True, "valign": "top"}),
        "money": workbook.add_format({"num_format": "$#,##0.00"}),
        "percent": workbook.add_format({"num_format": "0.00%"}),
        "count": workbook.add_format({"num_format": "#,##0"}),
        "number": workbook.add_format({"num_format": "#,##0.00"}),
        "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
        "text": None,
    }
    for name, columns, rows in sheets:
        sheet = workbook.add_worksheet(name[:31])
        kinds = [_kind(column, [row[i] for row in rows]) for i, column in enumerate(columns)]
        for i, column in enumerate(columns):
            sheet.write(0, i, column, formats["header"])
            longest = max([len(column)] + [len(f"{row[i]:,.2f}" if isinstance(row[i], float | decimal.Decimal)
                                               else str(row[i])) for row in rows[:500]])
            sheet.set_column(i, i, min(max(10, longest + 2), 60), formats[kinds[i]])
        for r, row in enumerate(rows, start=1):
            for i, value in enumerate(row):
                value = _cell(value)
                if value is None:
                    continue
                if kinds[i] == "date":
                    sheet.write_datetime(r, i, dt.datetime.combine(value, dt.time()) if not isinstance(
                        value, dt.datetime) else value, formats["date"])
                else:
                    sheet.write(r, i, value, formats[kinds[i]])
        sheet.freeze_panes(1, 0)
        if rows:
            sheet.autofilter(0, 0, len(rows), len(columns) - 1)
    workbook.close()
    tmp.replace(out)
    return out
