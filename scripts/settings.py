"""Every PLANALIGN_* environment variable, declared once: its default, what it accepts, what it means and who
reads it. Python reads them through get() only; profiles.yml and the macros read them with env_var(), whose
literal defaults must be the ones declared here (tests/unit/test_settings.py, which also checks RUNBOOK.md's
table "Memory and speed" against the user settings).

User settings are for you to set, for a CLI run or for dbt by hand. Internal variables are what the CLI
passes to dbt (the year, the run id, the configuration hash...); you set them only to run dbt by hand the way
the CLI would. A value a setting cannot take is refused with one line before a run starts (check_tuning()).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from planalign.errors import PlanAlignError

HINT = 'unset it for the default, or see RUNBOOK.md "Memory and speed"'
# DuckDB's memory_limit: a number and a unit (1GB, 512MiB, 2.5 GB) or a share of the machine's memory (50%)
MEMORY = re.compile(r"\d+(\.\d+)?\s*([KMGT]i?B|B)|\d+(\.\d+)?\s*%", re.IGNORECASE)
# dbt's own log file (logs/dbt.log): 'info' by default; 'debug' adds every SQL statement dbt sends, at
# about 10% of a run's wall time (10,000 employees x 5 years), for troubleshooting
# the Spark driver's memory: a number and a JVM unit (4g, 512m)
SPARK_MEMORY = re.compile(r"\d+[kmgt]", re.IGNORECASE)
DBT_LOG_LEVELS = ("debug", "info", "warn", "error", "none")


@dataclass(frozen=True)
class Accepts:
    """What a setting accepts: a test of the text and the phrase that names it in the refusal."""

    test: Callable[[str], bool]
    phrase: str


def whole(smallest: int, largest: int) -> Accepts:
    return Accepts(lambda value: value.strip().isdigit() and smallest <= int(value) <= largest,
                   f"a whole number from {smallest} to {largest}")


def one_of(*values: str, phrase: str | None = None) -> Accepts:
    return Accepts(lambda value: value.strip().lower() in values, phrase or f"one of {', '.join(values)}")


SWITCH = one_of("0", "1", "", phrase="0 or 1")


@dataclass(frozen=True)
class Setting:
    name: str
    default: str | None  # used when the variable is unset (or empty); None: no value (see meaning)
    meaning: str
    readers: tuple[str, ...]  # python, profiles.yml, macros
    user: bool  # a user setting (RUNBOOK's table); else an internal variable the CLI passes to dbt
    accepts: Accepts | None = None
    cli_default: str | None = None  # what the CLI passes dbt when unset, if not the default

    def shown_default(self) -> str:
        """The default as RUNBOOK's table writes it."""
        default = "unset" if self.default is None else f"`{self.default}`"
        return f"{self.cli_default} ({default} for `dbt` run by hand)" if self.cli_default else default


SETTINGS: dict[str, Setting] = {setting.name: setting for setting in (
    # ---- user settings ----
    Setting("PLANALIGN_DB", "db/planalign.duckdb",
            "the DuckDB database file (relative to the current directory; the default, to the project)",
            ("python", "profiles.yml"), user=True),
    Setting("PLANALIGN_DBT_THREADS", "2",
            ("dbt nodes built at once: while DuckDB runs one node's SQL, dbt prepares the next; on Spark two "
             "nodes' statements overlap"),
            ("python", "profiles.yml"), user=True, accepts=whole(1, 16)),
    Setting("PLANALIGN_THREADS", "4", "DuckDB worker threads", ("python", "profiles.yml"), user=True,
            accepts=whole(1, 1024), cli_default="the machine's cores"),
    Setting("PLANALIGN_MEMORY_LIMIT", "2GB",
            "DuckDB's buffer memory (2GB, 600MB, 50%); above it DuckDB spills to <database>.tmp",
            ("python", "profiles.yml"), user=True,
            accepts=Accepts(lambda value: bool(MEMORY.fullmatch(value.strip())), "a size such as 2GB, 512MB or 50%")),
    Setting("PLANALIGN_KEEP_INTERMEDIATE", "0",
            "1 writes the yearly intermediate tables to <database>.intermediate.duckdb instead of memory",
            ("python",), user=True, accepts=SWITCH),
    Setting("PLANALIGN_DBT_LOG_LEVEL", "info",
            "what dbt writes to logs/dbt.log; debug adds every SQL statement (about 10% slower)",
            ("python",), user=True, accepts=one_of(*DBT_LOG_LEVELS)),
    Setting("PLANALIGN_BACKUP_KEEP", "5", "backups kept beside the database (0: every one)",
            ("python",), user=True, accepts=whole(0, 1000)),
    Setting("PLANALIGN_SSN_SALT", None,
            "the salt of the SSN hash; unset, a random salt made once and kept beside the database",
            ("python",), user=True),
    Setting("PLANALIGN_PLAIN_DBT", None,
            "1 runs dbt with none of the project's overrides of dbt internals: a plain dbt subprocess per "
            "year; results identical, slower",
            ("python", "macros"), user=True, accepts=SWITCH),
    Setting("PLANALIGN_BENCH_RESULTS", "benchmarks/results.csv",
            "the benchmark record `make bench` appends to and `make bench-compare` reads",
            ("python",), user=True),
    # ---- Apache Spark (TARGET=spark, profiles.yml output spark; docs/scaling-out.md) ----
    Setting("PLANALIGN_SPARK_MASTER", "local[2]",
            "Spark's master: local[N] runs Spark inside the CLI's process on N cores, or a cluster's URL",
            ("profiles.yml",), user=True),
    Setting("PLANALIGN_SPARK_DRIVER_MEMORY", "4g", "the Spark driver's heap (in local mode all of Spark's memory)",
            ("profiles.yml",), user=True,
            accepts=Accepts(lambda value: bool(SPARK_MEMORY.fullmatch(value.strip())), "a size such as 4g or 512m")),
    Setting("PLANALIGN_SPARK_WAREHOUSE", None,
            "the Spark warehouse folder and its metastore; unset, <database>.spark-warehouse beside PLANALIGN_DB",
            ("python", "profiles.yml"), user=True),
    Setting("PLANALIGN_SPARK_SHUFFLE_PARTITIONS", "4",
            "Spark's partitions after a join or aggregation (spark.sql.shuffle.partitions): a few per core",
            ("profiles.yml",), user=True, accepts=whole(1, 100000)),
    # ---- internal: what the CLI passes to dbt ----
    Setting("PLANALIGN_YEAR", None,
            "the simulated year (unset: var simulation_year, else start_year); a variable, not a var, so that "
            "the next year keeps dbt's partial parse", ("macros",), user=False),
    Setting("PLANALIGN_RUN_ID", None, "the run's id, shared by its years (unset: dbt's invocation id)",
            ("macros",), user=False),
    Setting("PLANALIGN_CONFIG_HASH", "direct-dbt", "the hash of the run's effective configuration",
            ("macros",), user=False),
    Setting("PLANALIGN_CENSUS_SHA256", "unknown", "the SHA-256 of the census file", ("macros",), user=False),
    Setting("PLANALIGN_GIT_SHA", "unknown",
            "the commit of the code; set, it replaces `git rev-parse HEAD` (a copy without .git)",
            ("python", "macros"), user=False),
    Setting("PLANALIGN_BACKUP", "on", "off when the run already made its one backup", ("python",), user=False,
            accepts=one_of("on", "off", "", phrase="on or off")),
    Setting("PLANALIGN_CHECKPOINT", "on", "off for a backtest's throw-away database: no year checkpoint is written",
            ("macros",), user=False, accepts=one_of("on", "off", "", phrase="on or off")),
    Setting("PLANALIGN_SCRATCH_PATH", ":memory:",
            "where the yearly intermediate tables live (catalog scratch); set from PLANALIGN_KEEP_INTERMEDIATE",
            ("profiles.yml",), user=False),
)}

_DEFAULT = object()


def get(name: str, environ: Mapping[str, str] | None = None, fallback: object = _DEFAULT) -> str | None:
    """The value of a PLANALIGN_* variable: as set, once it passes its check (else one line, PlanAlignError), or
    when unset or empty its declared default (or `fallback`: '' to tell 'unset' from the default)."""
    setting = SETTINGS[name]
    value = (os.environ if environ is None else environ).get(name)
    if value is not None and setting.accepts is not None and not setting.accepts.test(value):
        raise PlanAlignError(f"{name}={value!r} is not {setting.accepts.phrase}", hint=HINT)
    if value is None or not value.strip():
        return setting.default if fallback is _DEFAULT else fallback  # type: ignore[return-value]
    return value


def machine_cores() -> int:
    """The processors this process may run on (a container's or a taskset's share, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def check_tuning(environ: Mapping[str, str] | None = None) -> None:
    """Refuse, before a run starts, a user setting dbt, DuckDB or the CLI could not use."""
    for setting in SETTINGS.values():
        if setting.user:
            get(setting.name, environ)


def keep_intermediate(environ: Mapping[str, str]) -> bool:
    """PLANALIGN_KEEP_INTERMEDIATE=1: write the yearly intermediate tables to <database>.intermediate.duckdb, for
    inspection, instead of keeping them in memory for their year's build (about 10% slower at 100,000)."""
    return get("PLANALIGN_KEEP_INTERMEDIATE", environ).strip() == "1"
