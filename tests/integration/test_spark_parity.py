"""The same models on Apache Spark give the same events and snapshots as on DuckDB (issue 23, first landing).

A 1,000-employee census, 3 years, workforce and plan: `planalign simulate` on DuckDB, then `planalign simulate
--target spark` (dbt-spark, method session, local Spark) on the same census, scenario and seed. Both stores are
read out of their engine (DuckDB's file with duckdb, Spark's warehouse with pyspark in its own process) and
digested here, by tests/digests.py arrow_digest: neither engine computes the digest it is checked by.

Marked spark: make test-spark runs it (minutes: Spark starts in its own JVM); every other pytest run leaves it
out. Without pyspark or dbt-spark it fails, with one line that says what to install; it never skips itself.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest

from conftest import ROOT, run_planalign
from digests import arrow_digest

pytestmark = pytest.mark.spark

EMPLOYEES, START, END = 1000, 2025, 2027
TABLES = ("fct_yearly_events", "fct_workforce_snapshot")
# the Spark warehouse read in a process of its own (the run's SparkSession ended with the CLI)
READ_SPARK = """
import sys
from pathlib import Path
import pyarrow.parquet as pq
from planalign.store import spark
session = spark.session(Path(sys.argv[1]))
for name in sys.argv[3:]:
    pq.write_table(spark.read_table(session, name), Path(sys.argv[2]) / f"{name}.parquet")
session.stop()
"""


def _require_spark() -> None:
    missing = [name for name in ("pyspark", "dbt.adapters.spark") if importlib.util.find_spec(name) is None]
    if missing:
        pytest.fail(f"{' and '.join(missing)} not installed: run `make setup-spark` first", pytrace=False)


@pytest.fixture(scope="module")
def both_engines(tmp_path_factory) -> dict[str, dict[str, Any]]:
    _require_spark()
    folder = tmp_path_factory.mktemp("spark_parity")
    census = folder / "census.csv"
    run_planalign("census", "--n", str(EMPLOYEES), "--seed", "7", "--out", str(census), db=folder / "unused.duckdb")
    years = ("--census", str(census), "--start", str(START), "--end", str(END))
    duck = folder / "duck.duckdb"
    run_planalign("simulate", *years, db=duck)
    on_spark = folder / "spark.duckdb"
    result = run_planalign("simulate", *years, "--target", "spark", db=on_spark)
    exported = folder / "spark_export"
    exported.mkdir()
    subprocess.run([sys.executable, "-c", READ_SPARK, str(on_spark), str(exported), *TABLES], cwd=ROOT,
                   check=True, capture_output=True, text=True)
    tables: dict[str, dict[str, Any]] = {"duckdb": {}, "spark": {}}
    with duckdb.connect(str(duck), read_only=True) as con:
        for name in TABLES:
            tables["duckdb"][name] = con.sql(f"select * from {name}").to_arrow_table()
    for name in TABLES:
        tables["spark"][name] = pq.read_table(exported / f"{name}.parquet")
    tables["output"] = {"spark": result.stdout}
    return tables


def test_spark_gives_the_snapshots_duckdb_gives(both_engines):
    assert (arrow_digest(both_engines["spark"]["fct_workforce_snapshot"])
            == arrow_digest(both_engines["duckdb"]["fct_workforce_snapshot"]))


def test_spark_gives_the_events_duckdb_gives(both_engines):
    """Every event, id, date, amount and draw is identical. Not yet the recorded termination probability
    (column probability, what the event reports, not what decided it): DuckDB's avg() of the decimal raw
    hazards is a double, Spark's a decimal, so the rescaled hazard differs in its last digits (2e-10 relative
    measured at 1,000 employees; docs/scaling-out.md "Not done yet"). Its own test bounds the difference."""
    assert (arrow_digest(both_engines["spark"]["fct_yearly_events"], leave_out=("probability",))
            == arrow_digest(both_engines["duckdb"]["fct_yearly_events"], leave_out=("probability",)))


def test_the_termination_probabilities_differ_only_in_their_last_digits(both_engines):
    def by_event(table: Any) -> dict[str, float | None]:
        return dict(zip(table.column("event_id").to_pylist(), table.column("probability").to_pylist(), strict=True))

    duck, on_spark = (by_event(both_engines[engine]["fct_yearly_events"]) for engine in ("duckdb", "spark"))
    assert duck.keys() == on_spark.keys()
    for event_id, value in duck.items():
        other = on_spark[event_id]
        assert (value is None) == (other is None), event_id
        if value is not None:
            assert other == pytest.approx(value, rel=1e-9, abs=0), event_id


def test_every_year_was_built_on_spark(both_engines):
    for year in range(START, END + 1):
        assert f"{year}: " in both_engines["output"]["spark"] and "(Spark)" in both_engines["output"]["spark"]
