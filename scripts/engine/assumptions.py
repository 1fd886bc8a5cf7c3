"""The workforce assumption tables of a scenario: the shipped seeds, or a scenario's own copies of them.

A scenario may say `assumptions: <folder>` (a folder of CSV files named like the seeds they replace, with the
same columns) and/or give tables inline (`assumptions: {folder: ..., tables: {cola_rates: [rows]}}`). A table
the scenario does not give is the shipped seed. Every table, the seeds included, is checked by the same rules
(RULES below) before anything runs; a broken one is refused in one line naming the file, the CSV line (or the
inline row) and the rule. The resolved tables travel to dbt as the var `assumptions`, read by the macro
`assumption()`; the column types are the seeds' (seeds/_seeds.yml), so a scenario's table is typed exactly
like the seed.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from planalign.errors import PlanAlignError
from planalign.paths import PROJECT_ROOT

SEEDS = PROJECT_ROOT / "seeds"
# The tables a scenario may replace, and the columns each is ordered (and keyed) by.
TABLES: dict[str, tuple[str, ...]] = {
    "job_levels": ("job_level",),
    "hazard_age_bands": ("min_age",),
    "hazard_tenure_bands": ("min_tenure",),
    "new_hire_age_mix": ("age",),
    "cola_rates": ("simulation_year",),
    "enrollment_behavior": ("enrollment_profile_id", "min_age"),
    "voluntary_deferral_rates": ("deferral_rate",),
    "promotion_transitions": ("from_level", "to_level"),
    "roth_elections": ("min_age",),
    "match_response": ("min_age",),
}
WEIGHT_TOLERANCE = Decimal("0.000001")
FIX_HINT = "fix the table (the rule is in the message); `make check-config` checks every table; nothing was run"


class TableError(ValueError):
    """A broken rule of one table; `line` is the CSV line number (or inline row number) when one row is at fault."""

    def __init__(self, message: str, line: int | None = None, hint: str = FIX_HINT) -> None:
        super().__init__(message)
        self.line = line
        self.hint = hint


@cache
def column_types(table: str) -> dict[str, str]:
    """The seed's column types, as seeds/_seeds.yml declares them (the one definition), in order. Text, which
    _seeds.yml writes `string` (the spelling DuckDB and Spark share), is `varchar` here, as the var assumptions
    (and so the configuration hash) has always carried it; the SQL spells it per engine (macro engine_type)."""
    declared = yaml.safe_load((SEEDS / "_seeds.yml").read_text())
    for seed in declared["seeds"]:
        if seed["name"] == table:
            return {column: "varchar" if data_type == "string" else data_type
                    for column, data_type in seed["config"]["column_types"].items()}
    raise KeyError(f"seeds/_seeds.yml declares no column types for {table}")


# ---- one row: values by type --------------------------------------------------------------------------

def _parse(table: str, column: str, text: Any, line: int) -> Any:
    """A cell as its seed type: int, Decimal (decimal and double columns) or str; refused when it is not one."""
    data_type = column_types(table)[column]
    raw = "" if text is None else str(text).strip()
    if raw == "":
        raise TableError(f"{column} is empty", line)
    if data_type == "integer":
        if not re.fullmatch(r"[+-]?\d+", raw):
            raise TableError(f"{column} {raw} is not a whole number", line)
        return int(raw)
    if data_type.startswith(("decimal", "double")):
        try:
            value = Decimal(raw)
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite():
            raise TableError(f"{column} {raw} is not a number", line)
        match = re.fullmatch(r"decimal\((\d+),\s*(\d+)\)", data_type)
        if match:
            precision, scale = int(match.group(1)), int(match.group(2))
            if -value.as_tuple().exponent > scale:
                raise TableError(f"{column} {raw} has more than {scale} decimals", line)
            if abs(value) >= Decimal(10) ** (precision - scale):
                raise TableError(f"{column} {raw} is too large (at most {precision - scale} digits before the "
                                 "decimal point)", line)
        return value
    return raw


# ---- the rules ----------------------------------------------------------------------------------------

Row = dict[str, Any]  # parsed values, plus "_line"


def _rate(rows: list[Row], *columns: str, low: Decimal = Decimal(0), high: Decimal = Decimal(1),
          what: str = "a rate in [0, 1]") -> None:
    for row in rows:
        for column in columns:
            if not low <= row[column] <= high:
                raise TableError(f"{column} {row[column]} is not {what}", row["_line"])


def _at_least_zero(rows: list[Row], *columns: str) -> None:
    for row in rows:
        for column in columns:
            if row[column] < 0:
                raise TableError(f"{column} {row[column]} is negative; it must be >= 0", row["_line"])


def _unique(rows: list[Row], *columns: str) -> None:
    seen: dict[tuple, int] = {}
    for row in rows:
        key = tuple(row[c] for c in columns)
        if key in seen:
            shown = ", ".join(f"{c} {row[c]}" for c in columns)
            raise TableError(f"{shown} is listed twice (line {seen[key]} too)", row["_line"])
        seen[key] = row["_line"]


def _weights_sum_to_one(rows: list[Row], column: str) -> None:
    total = sum((row[column] for row in rows), Decimal(0))
    if abs(total - 1) > WEIGHT_TOLERANCE:
        raise TableError(f"{column} adds up to {total}, not 1 (within {WEIGHT_TOLERANCE})")


def _bands(rows: list[Row], low: str, high: str, group: str | None = None) -> None:
    """[low, high) bands: low < high, starting at 0, each starting where the one before it ends."""
    keyed: dict[Any, list[Row]] = {}
    for row in rows:
        if row[low] < 0:
            raise TableError(f"{low} {row[low]} is negative", row["_line"])
        if row[low] >= row[high]:
            raise TableError(f"{low} {row[low]} must be below {high} {row[high]}", row["_line"])
        keyed.setdefault(row[group] if group else None, []).append(row)
    for members in keyed.values():
        bands = sorted(members, key=lambda r: r[low])
        if bands[0][low] != 0:
            raise TableError(f"the first band starts at {low} {bands[0][low]}, not 0: the bands must cover "
                             "every value from 0", bands[0]["_line"])
        for before, after in zip(bands, bands[1:], strict=False):
            if after[low] < before[high]:
                raise TableError(f"band [{after[low]}, {after[high]}) overlaps the band [{before[low]}, "
                                 f"{before[high]}) of line {before['_line']}", after["_line"])
            if after[low] > before[high]:
                raise TableError(f"band [{after[low]}, {after[high]}) leaves a gap after the band [{before[low]}, "
                                 f"{before[high]}) of line {before['_line']}", after["_line"])


def _not_empty(rows: list[Row]) -> None:
    if not rows:
        raise TableError("has no rows")


def _job_levels(rows: list[Row], tables: dict[str, list[Row]]) -> None:
    _not_empty(rows)
    _unique(rows, "job_level")
    _unique(rows, "level_name")
    for row in rows:
        if row["min_compensation"] <= 0:
            raise TableError(f"min_compensation {row['min_compensation']} must be above 0", row["_line"])
        if row["min_compensation"] >= row["max_compensation"]:
            raise TableError(f"min_compensation {row['min_compensation']} must be below max_compensation "
                             f"{row['max_compensation']}", row["_line"])
    levels = sorted(row["job_level"] for row in rows)
    if levels != list(range(1, len(rows) + 1)):
        raise TableError(f"job_level must run 1, 2, ... {len(rows)} without gaps (has {levels})")
    _rate(rows, "termination_base_rate", "merit_rate")
    _at_least_zero(rows, "new_hire_weight")
    _weights_sum_to_one(rows, "new_hire_weight")


def _hazard_bands(band: str, low: str, high: str) -> Callable[[list[Row], dict[str, list[Row]]], None]:
    def check(rows: list[Row], tables: dict[str, list[Row]]) -> None:
        _not_empty(rows)
        _unique(rows, band)
        _bands(rows, low, high)
        _at_least_zero(rows, "termination_multiplier", "promotion_multiplier")
    return check


def _new_hire_age_mix(rows: list[Row], tables: dict[str, list[Row]]) -> None:
    _not_empty(rows)
    _unique(rows, "age")
    _rate(rows, "age", low=Decimal(14), high=Decimal(80), what="an age at hire from 14 to 80")
    _at_least_zero(rows, "weight")
    _weights_sum_to_one(rows, "weight")


def _cola_rates(rows: list[Row], tables: dict[str, list[Row]]) -> None:
    _unique(rows, "simulation_year")
    _rate(rows, "simulation_year", low=Decimal(2000), high=Decimal(2150), what="a year from 2000 to 2150")
    _rate(rows, "cola_rate", low=Decimal("-0.1"), high=Decimal("0.2"),
          what="a COLA from -0.1 to 0.2 (the range of workforce.default_cola_rate)")


def _enrollment_behavior(rows: list[Row], tables: dict[str, list[Row]]) -> None:
    _not_empty(rows)
    _unique(rows, "enrollment_profile_id", "min_age")
    _bands(rows, "min_age", "max_age", group="enrollment_profile_id")
    _rate(rows, "opt_out_rate", "voluntary_enrollment_rate")


def _voluntary_deferral_rates(rows: list[Row], tables: dict[str, list[Row]]) -> None:
    _not_empty(rows)
    _unique(rows, "deferral_rate")
    _rate(rows, "deferral_rate")
    _at_least_zero(rows, "weight")
    _weights_sum_to_one(rows, "weight")


def _promotion_transitions(rows: list[Row], tables: dict[str, list[Row]]) -> None:
    _unique(rows, "from_level", "to_level")
    levels = {row["job_level"] for row in tables.get("job_levels", [])}
    for row in rows:
        for column in ("from_level", "to_level"):
            if row[column] not in levels:
                raise TableError(f"{column} {row[column]} is not a level of job_levels "
                                 f"({', '.join(str(v) for v in sorted(levels))})", row["_line"])
        if row["from_level"] == row["to_level"]:
            raise TableError(f"from_level and to_level are both {row['from_level']}: staying is what is left "
                             "when no move is drawn", row["_line"])
    _rate(rows, "base_rate")
    totals: dict[int, Decimal] = {}
    for row in rows:
        totals[row["from_level"]] = totals.get(row["from_level"], Decimal(0)) + row["base_rate"]
        if totals[row["from_level"]] > 1:
            raise TableError(f"the base_rate of the moves out of level {row['from_level']} add up to "
                             f"{totals[row['from_level']]}, more than 1", row["_line"])


def _roth_elections(rows: list[Row], tables: dict[str, list[Row]]) -> None:
    _not_empty(rows)
    _unique(rows, "min_age")
    _bands(rows, "min_age", "max_age")
    _rate(rows, "roth_election_rate", "roth_deferral_share")
    for row in rows:
        if row["roth_election_rate"] > 0 and row["roth_deferral_share"] == 0:
            raise TableError(f"roth_election_rate {row['roth_election_rate']} with roth_deferral_share 0: those "
                             "who elect Roth would put nothing in Roth (give the share they elect, or rate 0)",
                             row["_line"])


def _match_response(rows: list[Row], tables: dict[str, list[Row]]) -> None:
    _not_empty(rows)
    _unique(rows, "min_age")
    _bands(rows, "min_age", "max_age")
    _rate(rows, "enrollee_match_share", "move_up_share")


RULES: dict[str, Callable[[list[Row], dict[str, list[Row]]], None]] = {
    "job_levels": _job_levels,
    "hazard_age_bands": _hazard_bands("age_band", "min_age", "max_age"),
    "hazard_tenure_bands": _hazard_bands("tenure_band", "min_tenure", "max_tenure"),
    "new_hire_age_mix": _new_hire_age_mix,
    "cola_rates": _cola_rates,
    "enrollment_behavior": _enrollment_behavior,
    "voluntary_deferral_rates": _voluntary_deferral_rates,
    "promotion_transitions": _promotion_transitions,
    "roth_elections": _roth_elections,
    "match_response": _match_response,
}
# Columns a table once had: named with what to do instead of "unknown column".
MOVED_COLUMNS = {
    ("job_levels", "promotion_base_rate"): (
        "promotion_base_rate is no longer a column of job_levels: promotion rates are the transition matrix",
        "move each level's rate into promotion_transitions.csv as a row from_level,to_level,base_rate "
        "(e.g. 1,2,0.14) and delete the column"),
}


# ---- a table ------------------------------------------------------------------------------------------

@dataclass
class Table:
    """One assumption table as a run uses it."""

    name: str
    source: str            # "seed", or where the scenario's rows came from (a path relative to the project)
    where: str             # how an error names it: the file, or the inline key path
    texts: list[dict[str, str]]  # the rows as text, columns in the seed's order
    lines: list[int]       # each row's CSV line (or inline row number, from 1)
    sha256: str

    @property
    def is_seed(self) -> bool:
        return self.source == "seed"

    def describe_line(self, line: int | None) -> str:
        if line is None:
            return self.where
        if self.where.endswith(".csv"):
            return f"{self.where} line {line}"
        return f"{self.where}[{line - 1}]"

    def parsed(self) -> list[Row]:
        rows = []
        for text, line in zip(self.texts, self.lines, strict=True):
            try:
                row = {column: _parse(self.name, column, text[column], line) for column in column_types(self.name)}
            except TableError as exc:
                raise PlanAlignError(f"{self.describe_line(exc.line)}: {exc}", hint=exc.hint) from None
            row["_line"] = line
            rows.append(row)
        return rows

    def as_var(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "sha256": self.sha256,
            "row_count": len(self.texts),
            "order_by": list(TABLES[self.name]),
            "columns": column_types(self.name),
            "rows": None if self.is_seed else self.texts,
        }


def _short(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def _check_columns(name: str, header: list[str], where: str, line: int | None = None) -> None:
    expected = list(column_types(name))
    place = f"{where} line {line}" if line else where
    for column in header:
        if (name, column) in MOVED_COLUMNS:
            message, hint = MOVED_COLUMNS[(name, column)]
            raise PlanAlignError(f"{place}: {message}", hint=hint)
    seen: set[str] = set()
    for column in header:
        if column in seen:
            raise PlanAlignError(f"{place}: the column {column} appears twice", hint="keep one of them")
        seen.add(column)
    unknown = [c for c in header if c not in expected]
    if unknown:
        raise PlanAlignError(f"{place}: unknown column {unknown[0]} (the columns of {name} are: "
                             f"{', '.join(expected)})", hint=f"use the columns of seeds/{name}.csv exactly")
    missing = [c for c in expected if c not in header]
    if missing:
        raise PlanAlignError(f"{place}: no column {missing[0]} (the columns of {name} are: {', '.join(expected)})",
                             hint=f"use the columns of seeds/{name}.csv exactly")


def read_csv_table(name: str, path: Path, source: str | None = None) -> Table:
    """A table from a CSV file with a header (the seed itself, or a scenario's copy)."""
    where = _short(path)
    try:
        data = path.read_bytes()
        text = data.decode("utf-8-sig")
    except OSError as exc:
        raise PlanAlignError(f"cannot read {where}: {exc}", hint="check the file and its permissions") from None
    except UnicodeDecodeError as exc:
        raise PlanAlignError(f"{where}: byte {exc.object[exc.start]:#04x} is not UTF-8 text",
                             hint="save the file as UTF-8 CSV") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            raise PlanAlignError(f"{where} is empty: it needs a header line",
                                 hint=f"start it with the header of seeds/{name}.csv")
        header = [column.strip() for column in header]
        _check_columns(name, header, where, 1)
        texts, lines = [], []
        line = reader.line_num
        for cells in reader:
            first_line, line = line + 1, reader.line_num
            if not cells or all(not cell.strip() for cell in cells):
                continue
            if len(cells) != len(header):
                raise PlanAlignError(f"{where} line {first_line}: {len(cells)} fields, the header has {len(header)}",
                                     hint="one value per column on every line")
            texts.append({column: cells[header.index(column)].strip() for column in column_types(name)})
            lines.append(first_line)
    except csv.Error as exc:
        raise PlanAlignError(f"{where} line {reader.line_num}: not valid CSV ({exc})",
                             hint="fix the quoting on that line") from None
    return Table(name, source or where, where, texts, lines, hashlib.sha256(data).hexdigest())


def _inline_table(name: str, rows: Any, where: str) -> Table:
    if not isinstance(rows, list):
        raise PlanAlignError(f"{where}: expected a list of rows (one mapping per row), not {rows!r}",
                             hint=f"e.g. {name}: [{{{', '.join(f'{c}: ...' for c in column_types(name))}}}]")
    texts = []
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            raise PlanAlignError(f"{where}[{index}]: expected a mapping of column: value, not {row!r}",
                                 hint=f"the columns of {name} are: {', '.join(column_types(name))}")
        _check_columns(name, [str(k) for k in row], f"{where}[{index}]")
        texts.append({column: _text(row[column]) for column in column_types(name)})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(list(column_types(name)))
    writer.writerows([list(text.values()) for text in texts])
    return Table(name, f"{where.split(':')[0]} (inline)", where, texts, list(range(1, len(texts) + 1)),
                 hashlib.sha256(out.getvalue().encode()).hexdigest())


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return repr(value)
    return str(value)


# ---- a scenario's assumptions -------------------------------------------------------------------------

@dataclass
class Assumptions:
    """Every assumption table a run reads, by name (the seed where the scenario gives none)."""

    tables: dict[str, Table]

    def as_var(self) -> dict[str, Any]:
        return {name: table.as_var() for name, table in sorted(self.tables.items())}

    def rows(self, name: str) -> list[dict[str, str]]:
        return self.tables[name].texts

    def source(self, name: str) -> str:
        table = self.tables[name]
        return f"seeds/{name}.csv" if table.is_seed else table.where

    @property
    def own(self) -> dict[str, Table]:
        """The tables the scenario gives itself."""
        return {name: table for name, table in self.tables.items() if not table.is_seed}


def seed_table(name: str) -> Table:
    return read_csv_table(name, SEEDS / f"{name}.csv", source="seed")


def validate(tables: dict[str, Table]) -> None:
    """Every rule of every table; the first broken one is refused in one line (file, line, rule)."""
    parsed = {name: table.parsed() for name, table in tables.items()}
    for name in TABLES:
        try:
            RULES[name](parsed[name], parsed)
        except TableError as exc:
            raise PlanAlignError(f"{tables[name].describe_line(exc.line)}: {exc}", hint=exc.hint) from None


def resolve_assumptions(spec: Any, where: str = "") -> Assumptions:
    """The scenario's `assumptions:` (None, a folder, or {folder, tables}) resolved over the seeds, validated."""
    folder, inline = None, {}
    if isinstance(spec, str):
        folder = spec
    elif isinstance(spec, dict):
        unknown = sorted(set(spec) - {"folder", "tables"})
        if unknown:
            raise PlanAlignError(f"{where}assumptions.{unknown[0]}: unknown key (expected folder and/or tables)",
                                 hint="assumptions: {folder: assumptions/acme, tables: {cola_rates: [...]}}")
        folder = spec.get("folder")
        inline = spec.get("tables") or {}
        if not isinstance(inline, dict):
            raise PlanAlignError(f"{where}assumptions.tables: expected a mapping of table name: rows",
                                 hint=f"the tables are: {', '.join(TABLES)}")
        if folder is not None and not isinstance(folder, str):
            raise PlanAlignError(f"{where}assumptions.folder: expected a folder path, not {folder!r}",
                                 hint="e.g. folder: assumptions/acme (relative to the project, or absolute)")
    elif spec is not None:
        raise PlanAlignError(f"{where}assumptions: expected a folder path or a mapping, not {spec!r}",
                             hint="assumptions: assumptions/acme, or assumptions: {tables: {cola_rates: [...]}}")
    tables = {name: seed_table(name) for name in TABLES}
    if folder:
        path = Path(folder) if Path(folder).is_absolute() else PROJECT_ROOT / folder
        if not path.is_dir():
            raise PlanAlignError(f"{where}assumptions: the folder {folder} does not exist"
                                 + (" (it is a file)" if path.exists() else ""),
                                 hint="a folder of CSV files named like the seeds they replace, relative to the "
                                      "project root (e.g. assumptions/example) or absolute")
        for file in sorted(path.iterdir()):
            if file.name.startswith(".") or file.is_dir():
                continue
            if file.suffix != ".csv" or file.stem not in TABLES:
                raise PlanAlignError(f"{_short(file)} is not an assumption table",
                                     hint=f"name a table's file after it: {', '.join(f'{t}.csv' for t in TABLES)}")
            tables[file.stem] = read_csv_table(file.stem, file)
    for name, rows in inline.items():
        if name not in TABLES:
            raise PlanAlignError(f"{where}assumptions.tables.{name}: not an assumption table",
                                 hint=f"the tables are: {', '.join(TABLES)}")
        tables[name] = _inline_table(name, rows, f"{where}assumptions.tables.{name}")
    validate(tables)
    return Assumptions(tables)


def check_shipped_seeds() -> None:
    """The shipped seeds by the rules a scenario's tables follow (make check-config)."""
    validate({name: seed_table(name) for name in TABLES})
