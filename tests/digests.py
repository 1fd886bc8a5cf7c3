"""Digests of the event store and snapshots, run stamps (run_id, created_at, built_at) left out."""

from __future__ import annotations

from pathlib import Path

import duckdb

STAMPS = ("run_id", "created_at", "built_at")


def table_digest(db: Path, table: str, where: str = "true") -> str:
    with duckdb.connect(str(db), read_only=True) as con:
        columns = [row[0] for row in con.execute(f"describe {table}").fetchall() if row[0] not in STAMPS]
        listed = ", ".join(columns)
        return con.execute(
            f"select md5(string_agg(row_text, '\n' order by row_text)) from "
            f"(select cast(row({listed}) as varchar) as row_text from {table} where {where})"
        ).fetchone()[0]


def year_digests(db: Path, table: str, scenario_id: str) -> dict[int, str]:
    with duckdb.connect(str(db), read_only=True) as con:
        years = [r[0] for r in con.execute(
            f"select distinct simulation_year from {table} where scenario_id = ? order by 1",
            [scenario_id]).fetchall()]
    return {year: table_digest(db, table, f"scenario_id = '{scenario_id}' and simulation_year = {year}")
            for year in years}


def arrow_digest(table, leave_out: tuple[str, ...] = ()) -> str:
    """The digest of a table read out of any engine (a pyarrow Table), computed here, not by an engine: the
    run stamps left out, columns by name (Spark puts partition columns last), every value as canonical text
    (a decimal with its scale, a double's shortest round-trip repr, a date in ISO form, NULL as \\N), the rows
    sorted. Two engines holding the same rows give the same digest. leave_out: columns compared otherwise."""
    import hashlib  # noqa: PLC0415

    names = sorted(name for name in table.column_names if name not in STAMPS and name not in leave_out)
    columns = [table.column(name).to_pylist() for name in names]

    def text(value) -> str:
        if value is None:
            return "\\N"
        if isinstance(value, float):
            return repr(value)
        if hasattr(value, "isoformat"):
            return value.isoformat()
        return str(value)

    rows = sorted("\t".join(text(column[i]) for column in columns) for i in range(table.num_rows))
    return hashlib.md5(("\t".join(names) + "\n" + "\n".join(rows)).encode()).hexdigest()
