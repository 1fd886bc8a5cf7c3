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
def both_engines(tmp_path_factory) -> dict[str, dict[str, str]]:
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
    digests: dict[str, dict[str, str]] = {"duckdb": {}, "spark": {}}
    with duckdb.connect(str(duck), read_only=True) as con:
        for name in TABLES:
            digests["duckdb"][name] = arrow_digest(con.sql(f"select * from {name}").arrow())
    for name in TABLES:
        digests["spark"][name] = arrow_digest(pq.read_table(exported / f"{name}.parquet"))
    digests["output"] = {"spark": result.stdout}
    return digests


@pytest.mark.parametrize("table", TABLES)
def test_spark_gives_the_events_and_snapshots_duckdb_gives(both_engines, table):
    assert both_engines["spark"][table] == both_engines["duckdb"][table]


def test_every_year_was_built_on_spark(both_engines):
    for year in range(START, END + 1):
        assert f"{year}: " in both_engines["output"]["spark"] and "(Spark)" in both_engines["output"]["spark"]
