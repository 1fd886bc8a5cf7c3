"""Apache Spark for TARGET=spark: the run's one SparkSession, the functions the hooks plugin gives DuckDB, and the
reads the CLI makes between the years.

dbt-spark (method session) runs Spark inside this process and opens its session with profiles.yml's
server_side_parameters. The CLI opens that session first, with the same parameters (parameters(), which
tests/unit/test_spark_profile.py keeps equal to profiles.yml), so that it can register what a dbt-duckdb plugin
registers on DuckDB: planalign_ssn_hash, the salted SSN hash, whose salt never enters SQL. dbt then finds the
session open ("Using an existing Spark session") and every year of the run shares it: Spark starts once per run.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

from planalign import settings
from planalign.errors import PlanAlignError
from planalign.store import runsafety

SCHEMA = "planalign"  # profiles.yml output spark: schema
HINT = "run `make setup-spark` (installs dbt-spark and pyspark into .venv); Spark needs Java 17 or later"


def warehouse(database: Path) -> Path:
    """The warehouse folder: PLANALIGN_SPARK_WAREHOUSE, else <database>.spark-warehouse beside the database."""
    configured = settings.get("PLANALIGN_SPARK_WAREHOUSE")
    return Path(configured) if configured else Path(f"{database}.spark-warehouse")


def parameters(database: Path) -> dict[str, str]:
    """The session's configuration, as profiles.yml's output spark writes it (server_side_parameters)."""
    folder = str(warehouse(database))
    return {
        "spark.master": settings.get("PLANALIGN_SPARK_MASTER"),
        "spark.driver.memory": settings.get("PLANALIGN_SPARK_DRIVER_MEMORY"),
        "spark.sql.warehouse.dir": folder,
        "spark.hadoop.javax.jdo.option.ConnectionURL": f"jdbc:derby:;databaseName={folder}/metastore_db;create=true",
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={folder}",
        "spark.sql.shuffle.partitions": settings.get("PLANALIGN_SPARK_SHUFFLE_PARTITIONS"),
        "spark.sql.session.timeZone": "UTC",
        "spark.ui.enabled": "false",
        "spark.sql.parser.escapedStringLiterals": "true",
    }


def check_installed() -> None:
    """One line, before anything runs, when pyspark or dbt-spark is missing."""
    try:
        import dbt.adapters.spark  # noqa: F401, PLC0415
        import pyspark  # noqa: F401, PLC0415
    except ImportError as exc:
        raise PlanAlignError(f"TARGET=spark needs {exc.name}, which is not installed", hint=HINT) from None
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        raise PlanAlignError("TARGET=spark needs Java, which is not on the PATH", hint=HINT)


def session(database: Path) -> Any:
    """The run's SparkSession (opened once per process; later calls return it), with planalign_ssn_hash."""
    from pyspark.sql import SparkSession  # noqa: PLC0415 - pyspark is the optional extra spark
    from pyspark.sql.types import StringType  # noqa: PLC0415

    # Python UDFs run in worker processes: this interpreter (the venv's), not whatever `python3` is first on PATH
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    warehouse(database).mkdir(mode=0o700, parents=True, exist_ok=True)
    builder = SparkSession.builder.enableHiveSupport()
    for name, value in parameters(database).items():
        builder = builder.config(name, value)
    spark = builder.getOrCreate()
    salt = runsafety.ssn_salt(database.resolve())
    spark.udf.register("planalign_ssn_hash", lambda ssn: None if ssn is None else runsafety.ssn_hash(salt, ssn),
                       StringType())
    spark.sql(f"create database if not exists {SCHEMA}")
    return spark


def has_data(database: Path) -> bool:
    folder = warehouse(database)
    return folder.is_dir() and any(folder.iterdir())


def backup(database: Path, run_id: str) -> Path | None:
    """A local warehouse copied as a folder before the run's first write (<warehouse>.backups/<run_id>/); on a
    cluster, the engine's own table versions or snapshots do this instead (docs/scaling-out.md)."""
    folder = warehouse(database)
    if not has_data(database):
        return None
    target = folder.with_name(folder.name + ".backups") / run_id
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        shutil.copytree(folder, target)
    except OSError as exc:
        shutil.rmtree(target, ignore_errors=True)
        raise PlanAlignError(f"could not back up the Spark warehouse {folder} to {target}: {exc.strerror}",
                             hint="free disk space, then run again; nothing was written") from None
    return target


def year_rows(spark: Any, scenario_id: str, plan_design_id: str, replications: list[int], year: int) -> tuple[int, int]:
    """The year's event and snapshot rows over the run's replications."""
    where = (f"scenario_id = '{scenario_id}' and plan_design_id = '{plan_design_id}' and simulation_year = {int(year)}"
             f" and replication_id in ({', '.join(str(int(r)) for r in replications)})")
    events = spark.sql(f"select count(*) from {SCHEMA}.fct_yearly_events where {where}").collect()[0][0]
    snapshot = spark.sql(f"select count(*) from {SCHEMA}.fct_workforce_snapshot where {where}").collect()[0][0]
    return int(events), int(snapshot)


def read_table(spark: Any, name: str, where: str = "true") -> Any:
    """A table of the warehouse as a pyarrow table (for exports and parity checks)."""
    return spark.sql(f"select * from {SCHEMA}.{name} where {where}").toArrow()
