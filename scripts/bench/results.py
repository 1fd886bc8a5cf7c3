"""The benchmark record: benchmarks/results.csv (one row per measured run) and its Markdown tables.

Pure formatting and file handling, no measuring: `planalign.bench.run` measures and calls these.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path

from planalign import settings
from planalign.paths import PROJECT_ROOT

DEFAULT_RESULTS = PROJECT_ROOT / settings.SETTINGS["PLANALIGN_BENCH_RESULTS"].default


def results_path() -> Path:
    """PLANALIGN_BENCH_RESULTS (relative to the current directory), else benchmarks/results.csv."""
    configured = settings.get("PLANALIGN_BENCH_RESULTS", fallback=None)
    return Path(configured) if configured else DEFAULT_RESULTS

# Every row has every column, in this order; a file with an older header is rewritten with this one.
COLUMNS = (
    "date_utc", "git_sha", "git_dirty", "employees", "years", "replications", "census_seed",
    "wall_seconds", "year_seconds", "sql_seconds", "other_seconds", "non_sql_share", "test_seconds", "test_share",
    "peak_rss_tree_mib", "peak_rss_largest_mib", "dbt_invocations", "node_runs",
    "event_rows", "snapshot_rows", "database_mib",
    "cpu_model", "cores", "memory_gib", "os", "python", "duckdb", "dbt_core",
    "planalign_threads", "planalign_memory_limit", "planalign_dbt_threads", "planalign_dbt_log_level",
    "planalign_keep_intermediate", "load_1m", "notes",
)

# (column, heading, format) of the table printed after a bench
RUN_TABLE = (
    ("employees", "employees", "{:,.0f}"),
    ("years", "years", "{:.0f}"),
    ("wall_seconds", "wall s", "{:.1f}"),
    ("year_seconds", "per year s", "{}"),
    ("sql_seconds", "SQL s", "{:.1f}"),
    ("non_sql_share", "non-SQL", "{:.0%}"),
    ("test_share", "tests", "{:.0%}"),
    ("peak_rss_tree_mib", "peak RSS MiB", "{:,.0f}"),
    ("peak_rss_largest_mib", "largest process MiB", "{:,.0f}"),
    ("dbt_invocations", "dbt calls", "{:.0f}"),
    ("node_runs", "nodes run", "{:,.0f}"),
    ("event_rows", "events", "{:,.0f}"),
    ("snapshot_rows", "snapshot rows", "{:,.0f}"),
    ("database_mib", "DB MiB", "{:,.0f}"),
)

# (column, label, format) compared by `bench-compare`
COMPARED = (
    ("wall_seconds", "wall s", "{:.1f}"),
    ("sql_seconds", "SQL s", "{:.1f}"),
    ("other_seconds", "non-SQL s", "{:.1f}"),
    ("test_seconds", "tests s", "{:.1f}"),
    ("peak_rss_tree_mib", "peak RSS MiB (tree)", "{:,.0f}"),
    ("peak_rss_largest_mib", "largest process MiB", "{:,.0f}"),
    ("dbt_invocations", "dbt calls", "{:.0f}"),
    ("node_runs", "nodes run", "{:,.0f}"),
    ("event_rows", "events", "{:,.0f}"),
    ("snapshot_rows", "snapshot rows", "{:,.0f}"),
    ("database_mib", "DB MiB", "{:,.1f}"),
)


def read_rows(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def append_row(path: Path, row: dict[str, object]) -> None:
    """Append one run; a missing file gets the header, a file with another header is rewritten with COLUMNS."""
    unknown = set(row) - set(COLUMNS)
    if unknown:
        raise ValueError(f"not benchmark columns: {sorted(unknown)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    header = _header(path)
    if header == list(COLUMNS):
        with path.open("a", newline="") as handle:
            csv.DictWriter(handle, COLUMNS, lineterminator="\n").writerow(_cells(row))
        return
    rows = [*read_rows(path), row] if header else [row]
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, COLUMNS, lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(_cells(r) for r in rows)
    tmp.replace(path)


def _header(path: Path) -> list[str] | None:
    if not path.exists() or path.stat().st_size == 0:
        return None
    with path.open(newline="") as handle:
        return next(csv.reader(handle), None)


def _cells(row: dict[str, object]) -> dict[str, object]:
    return {column: "" if row.get(column) is None else row.get(column) for column in COLUMNS}


def _number(value: object) -> float | None:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _show(value: object, fmt: str) -> str:
    number = _number(value)
    if fmt == "{}" or number is None:
        return "" if value is None else str(value)
    return fmt.format(number)


def markdown(headings: Sequence[str], lines: Iterable[Sequence[str]]) -> str:
    """A Markdown table; cells holding a '|' are escaped."""
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(str(cell).replace("|", "\\|") for cell in cells) + " |"

    return "\n".join([line(headings), line(["---"] * len(headings)), *(line(cells) for cells in lines)])


def run_table(rows: Sequence[dict[str, object]]) -> str:
    """The runs just measured, one line each."""
    return markdown([heading for _, heading, _ in RUN_TABLE],
                    ([_show(row.get(column), fmt) for column, _, fmt in RUN_TABLE] for row in rows))


def machine_line(row: dict[str, object]) -> str:
    """Where a row was measured, in one sentence."""
    knobs = ", ".join(f"{name}={row[column]}" for name, column in (("PLANALIGN_THREADS", "planalign_threads"),
                                                                  ("PLANALIGN_MEMORY_LIMIT", "planalign_memory_limit"),
                                                                  ("PLANALIGN_DBT_THREADS", "planalign_dbt_threads"))
                      if row.get(column))
    return (f"{row.get('cpu_model')}, {row.get('cores')} cores, {row.get('memory_gib')} GiB, {row.get('os')}; "
            f"Python {row.get('python')}, duckdb {row.get('duckdb')}, dbt-core {row.get('dbt_core')}"
            + (f"; {knobs}" if knobs else ""))


def _key(row: dict[str, str]) -> tuple[str, str, str]:
    return row.get("employees", ""), row.get("years", ""), row.get("replications", "")


def latest_pairs(rows: Sequence[dict[str, str]]) -> list[tuple[dict[str, str], dict[str, str]]]:
    """Per (employees, years, replications): (previous, latest) rows, in the order of the latest rows."""
    seen: dict[tuple[str, str, str], list[dict[str, str]]] = {}
    for row in rows:
        seen.setdefault(_key(row), []).append(row)
    groups = [group for group in seen.values() if len(group) >= 2]
    groups.sort(key=lambda group: (_number(group[-1].get("employees")) or 0, _number(group[-1].get("years")) or 0))
    return [(group[-2], group[-1]) for group in groups]


def _ratio(previous: object, latest: object) -> str:
    before, after = _number(previous), _number(latest)
    if before is None or after is None or before == 0:
        return ""
    return f"{after / before:.2f}"


def _label(row: dict[str, str]) -> str:
    dirty = "+dirty" if row.get("git_dirty") in {"1", "true", "True"} else ""
    return f"{row.get('date_utc', '')[:16]} {row.get('git_sha', '')[:9]}{dirty}"


def compare_table(rows: Sequence[dict[str, str]]) -> str | None:
    """The latest row of each size beside the previous one of the same size and years; None if none has two."""
    pairs = latest_pairs(rows)
    if not pairs:
        return None
    lines = []
    for previous, latest in pairs:
        size = f"{_show(latest.get('employees'), '{:,.0f}')} × {latest.get('years')} years" + (
            f" × {latest['replications']} replications" if latest.get("replications") not in {"", "0", None} else "")
        lines.append([size, "run", _label(previous), _label(latest), "latest ÷ previous"])
        lines.extend([size, label, _show(previous.get(column), fmt), _show(latest.get(column), fmt),
                      _ratio(previous.get(column), latest.get(column))] for column, label, fmt in COMPARED)
    return markdown(["census", "metric", "previous", "latest", "ratio"], lines)
