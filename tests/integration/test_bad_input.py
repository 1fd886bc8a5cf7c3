"""Bad input, table-driven: scenario files, command lines, database paths and retry classes.

Each case runs the real CLI against a copy of a good simulated database (or a bad database path) and states
its outcome: refused with exit 2 and a keyword, or it works. Either way there is no traceback, and nothing in
the good database changed (digests of the marts and the run log, and no backup made): every check runs
before the lock, the backup, the clear and dbt. Most cases refuse before dbt starts, so the table is cheap.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from textwrap import dedent

import pytest

from conftest import END, ROOT, START, run_planalign
from digests import table_digest

TABLES = ("fct_yearly_events", "fct_workforce_snapshot", "fct_headcount_plan", "planalign_run_log")
REFUSE, WORK = "refuse", "work"


@dataclass
class Case:
    id: str
    args: list[str]
    outcome: str  # REFUSE (exit 2) or WORK (exit 0)
    keyword: str  # in stdout + stderr
    files: dict[str, str] = field(default_factory=dict)  # scenario and other files, {census} and {tmp} filled in
    database: str | None = None  # a bad database path (under {tmp}) made by `make_path`; None: the good copy
    absent: str | None = None  # a text that must not appear (a configuration dump, a retry)
    env: dict[str, str] = field(default_factory=dict)  # tuning settings in the environment


def scenario(body: str) -> str:
    return "census_path: {census}\n" + dedent(body)


GOOD = scenario(f"""\
    scenario_id: fixture
    start_year: {START}
    end_year: {END}
    """)

CASES = [
    # ---- scenario files ---------------------------------------------------------------------------
    Case("duplicate_top_level_key", ["simulate", "--scenario", "{tmp}/s.yml"], REFUSE,
         "key 'start_year' appears twice (lines 3 and 5)",
         {"s.yml": scenario(f"scenario_id: fixture\nstart_year: {START}\nend_year: {END}\nstart_year: 2026\n")}),
    Case("duplicate_nested_key", ["simulate", "--scenario", "{tmp}/s.yml"], REFUSE,
         "key 'workforce.target_growth_rate' appears twice (lines 6 and 7)",
         {"s.yml": GOOD + "workforce:\n  target_growth_rate: 0.03\n  target_growth_rate: 0.30\n"}),
    Case("duplicate_key_in_a_list_item", ["simulate", "--scenario", "{tmp}/s.yml"], REFUSE,
         "key 'plan_design.match_tiers[0].match_rate' appears twice",
         {"s.yml": GOOD + dedent("""\
            plan_design:
              extends: baseline
              id: dup_tiers
              match_tiers:
                - {deferral_from: 0, deferral_to: 0.03, match_rate: 1, match_rate: 0.5}
            """)}),
    Case("duplicate_key_in_an_extends_parent", ["simulate", "--scenario", "{tmp}/child.yml"], REFUSE,
         "parent.yml: key 'random_seed' appears twice (lines 5 and 6)",
         {"parent.yml": GOOD + "random_seed: 1\nrandom_seed: 2\n", "child.yml": "extends: parent.yml\n"}),
    Case("end_year_before_start_year", ["simulate", "--scenario", "{tmp}/s.yml"], REFUSE,
         f"invalid configuration: end_year 2024 is before start_year {START}",
         {"s.yml": scenario(f"scenario_id: fixture\nstart_year: {START}\nend_year: 2024\n")},
         absent="total_termination_rate"),
    Case("too_many_years", ["simulate", "--scenario", "{tmp}/s.yml"], REFUSE,
         f"start_year {START} to end_year 2099 is {2099 - START + 1} years",
         {"s.yml": scenario(f"scenario_id: fixture\nstart_year: {START}\nend_year: 2099\n")},
         absent="random_seed"),
    Case("promotion_after_raise", ["simulate", "--scenario", "{tmp}/s.yml"], REFUSE,
         "promotion_month_day 06-01 falls after raise_month_day 04-01",
         {"s.yml": GOOD + "workforce:\n  promotion_month_day: '06-01'\n"}, absent="default_cola_rate"),
    Case("variant_escalation_without_rate", ["simulate", "--scenario", "{tmp}/s.yml"], REFUSE,
         "is_auto_escalation needs escalation_rate and escalation_cap above 0 (escalation_rate 0,",
         {"s.yml": GOOD + "plan_design: {extends: baseline, id: no_step, escalation_rate: 0}\n"},
         absent="match_tiers"),
    Case("variant_tier_edges_reversed", ["simulate", "--scenario", "{tmp}/s.yml"], REFUSE,
         "deferral_from 0.05 must be below deferral_to 0.03",
         {"s.yml": GOOD + dedent("""\
            plan_design:
              extends: baseline
              id: reversed
              match_tiers: [{deferral_from: 0.05, deferral_to: 0.03, match_rate: 1}]
            """)}, absent="vesting"),
    Case("unknown_setting", ["simulate", "--scenario", "{tmp}/s.yml"], REFUSE,
         "unknown key 'growth_rate' in workforce (did you mean 'target_growth_rate'?)",
         {"s.yml": GOOD + "workforce:\n  growth_rate: 0.05\n"}),
    Case("not_yaml", ["simulate", "--scenario", "{tmp}/s.yml"], REFUSE, "not valid YAML",
         {"s.yml": GOOD + "workforce: [unclosed\n"}),
    Case("a_list_not_a_mapping", ["simulate", "--scenario", "{tmp}/s.yml"], REFUSE,
         "s.yml: expected a mapping of settings (key: value lines) at the top level, not a list",
         {"s.yml": "- scenario_id: fixture\n"}),
    Case("a_scalar_not_a_mapping", ["check-config", "{tmp}/s.yml"], REFUSE,
         "s.yml: expected a mapping of settings (key: value lines) at the top level, not a string",
         {"s.yml": "baseline\n"}),
    Case("a_number_not_a_mapping", ["simulate", "--scenario", "{tmp}/s.yml"], REFUSE,
         "s.yml: expected a mapping of settings (key: value lines) at the top level, not a number",
         {"s.yml": "0\n"}, absent="Field required"),
    Case("empty_file", ["simulate", "--scenario", "{tmp}/s.yml"], REFUSE, "s.yml is empty: it holds no settings",
         {"s.yml": ""}, absent="Field required"),
    Case("only_comments_and_blank_lines", ["check-config", "{tmp}/s.yml"], REFUSE,
         "s.yml is empty: it holds no settings", {"s.yml": "# to do\n\n   \n# fill in\n"}, absent="Field required"),
    Case("empty_extends_parent", ["simulate", "--scenario", "{tmp}/child.yml"], REFUSE,
         "parent.yml is empty: it holds no settings (extended by",
         {"parent.yml": "\n", "child.yml": "extends: parent.yml\n"}, absent="Field required"),
    Case("extends_cycle", ["simulate", "--scenario", "{tmp}/a.yml"], REFUSE, "scenario extends cycle",
         {"a.yml": "extends: b.yml\n", "b.yml": "extends: a.yml\n"}),
    Case("same_key_in_sibling_mappings_works", ["simulate", "--scenario", "{tmp}/s.yml", "--dry-run"], WORK,
         "dry run (simulate",
         {"s.yml": GOOD + "plan_design:\n  extends: baseline\n  id: two_tiers\n  match_tiers:\n"
                          "    - {deferral_from: 0, deferral_to: 0.03, match_rate: 1}\n"
                          "    - {deferral_from: 0.03, deferral_to: 0.05, match_rate: 0.5}\n"}),
    # ---- command lines ----------------------------------------------------------------------------
    Case("set_without_value", ["simulate", "--scenario", "{tmp}/s.yml", "--set", "random_seed"], REFUSE,
         "expected key.path=value", {"s.yml": GOOD}),
    Case("set_with_a_duplicate_key", ["simulate", "--scenario", "{tmp}/s.yml", "--set", "workforce={a: 1, a: 2}"],
         REFUSE, "key 'workforce.a' appears twice", {"s.yml": GOOD}),
    Case("set_out_of_range", ["simulate", "--scenario", "{tmp}/s.yml", "--set", "workforce.target_growth_rate=5"],
         REFUSE, "workforce.target_growth_rate = 5", {"s.yml": GOOD}),
    Case("set_unknown_key", ["simulate", "--scenario", "{tmp}/s.yml", "--set", "workforce.speed=1"], REFUSE,
         "unknown key 'speed' in workforce (the keys there: cola_scale, default_cola_rate,", {"s.yml": GOOD}),
    Case("end_before_start", ["simulate", "--scenario", "{tmp}/s.yml", "--start", "2027", "--end", "2026"], REFUSE,
         "END 2026 is before START 2027", {"s.yml": GOOD}),
    Case("year_before_start_year", ["year", "--scenario", "{tmp}/s.yml", "2020"], REFUSE,
         f"year 2020 is before the run's first year {START}", {"s.yml": GOOD}),
    Case("clear_all_from_a_later_year", ["simulate", "--scenario", "{tmp}/s.yml", "--clear", "all", "--start",
                                         str(START + 1)], REFUSE, "--clear all removes every year", {"s.yml": GOOD}),
    Case("unknown_plan_design", ["simulate", "--scenario", "{tmp}/s.yml", "--plan-design", "nosuch"], REFUSE,
         "plan design 'nosuch' is not in seeds/plan_designs.csv", {"s.yml": GOOD}),
    Case("negative_replications", ["simulate", "--scenario", "{tmp}/s.yml", "--replications", "-1"], REFUSE,
         "replications = -1", {"s.yml": GOOD}),
    Case("unknown_scenario", ["resume", "--scenario", "no_such_scenario"], REFUSE, "scenario file not found"),
    # ---- database paths (every kind of command) ---------------------------------------------------
    Case("db_is_a_directory_simulate", ["simulate", "--scenario", "{tmp}/s.yml"], REFUSE, "is a directory",
         {"s.yml": GOOD}, database="dir"),
    Case("db_is_a_directory_status", ["status"], REFUSE, "is a directory", database="dir"),
    Case("db_named_main_simulate", ["simulate", "--scenario", "{tmp}/s.yml"], REFUSE,
         "is named 'main', a name DuckDB keeps for itself", {"s.yml": GOOD}, database="main"),
    Case("db_named_scratch_status", ["status"], REFUSE, "is named 'scratch'", database="scratch"),
    Case("db_under_a_file_year", ["year", "--scenario", "{tmp}/s.yml", str(START)], REFUSE,
         "which is a file, not a folder", {"s.yml": GOOD}, database="under_file"),
    Case("db_under_a_file_workforce_at", ["workforce-at", "--date", f"{START}-06-30"], REFUSE,
         "which is a file, not a folder", database="under_file"),
    Case("db_is_a_csv_resume", ["resume", "--scenario", "{tmp}/s.yml"], REFUSE, "is not a DuckDB database file",
         {"s.yml": GOOD}, database="csv"),
    Case("db_is_random_bytes_compare", ["compare", "--base", "fixture", "--alt", "other"], REFUSE,
         "is not a DuckDB database file", database="random"),
    Case("db_is_empty_export", ["export", "--scenario", "{tmp}/s.yml"], REFUSE, "is an empty file",
         {"s.yml": GOOD}, database="empty"),
    Case("db_is_a_device_timeline", ["timeline", "--employee", "EMP_0000001"], REFUSE, "is not a regular file",
         database="/dev/null"),
    # root passes os.access everywhere, but cannot create files in /sys or /proc: a real write failure
    Case("db_folder_not_writable_batch", ["batch", "--scenarios", "{tmp}/s.yml"], REFUSE,
         "cannot create files in /sys (Permission denied)", {"s.yml": GOOD}, database="/sys/planalign.duckdb"),
    Case("db_folder_not_writable_restore", ["restore", "--yes"], REFUSE, "cannot create files in /proc",
         database="/proc/planalign.duckdb"),
    Case("db_missing_folder_dry_run_works", ["simulate", "--scenario", "{tmp}/s.yml", "--dry-run"], WORK,
         "backup: no (nothing to back up yet)", {"s.yml": GOOD}, database="missing"),
    Case("db_missing_folder_status_works", ["status"], WORK, "(not created yet)", database="missing"),
    # ---- tuning settings in the environment -------------------------------------------------------
    Case("dbt_threads_zero", ["simulate", "--scenario", "{tmp}/s.yml"], REFUSE,
         "PLANALIGN_DBT_THREADS='0' is not a whole number from 1 to 16", {"s.yml": GOOD},
         env={"PLANALIGN_DBT_THREADS": "0"}),
    Case("duckdb_threads_a_word", ["year", "--scenario", "{tmp}/s.yml", str(START + 1)], REFUSE,
         "PLANALIGN_THREADS='four' is not a whole number", {"s.yml": GOOD}, env={"PLANALIGN_THREADS": "four"}),
    Case("memory_limit_without_a_unit_batch", ["batch", "--scenarios", "{tmp}/s.yml"], REFUSE,
         "PLANALIGN_MEMORY_LIMIT='lots' is not a size such as 2GB", {"s.yml": GOOD},
         env={"PLANALIGN_MEMORY_LIMIT": "lots"}),
    Case("dbt_log_level_unknown", ["simulate", "--scenario", "{tmp}/s.yml"], REFUSE,
         "PLANALIGN_DBT_LOG_LEVEL='verbose' is not one of debug, info, warn, error, none", {"s.yml": GOOD},
         env={"PLANALIGN_DBT_LOG_LEVEL": "verbose"}),
    Case("keep_intermediate_a_word", ["simulate", "--scenario", "{tmp}/s.yml"], REFUSE,
         "PLANALIGN_KEEP_INTERMEDIATE='yes' is not 0 or 1", {"s.yml": GOOD},
         env={"PLANALIGN_KEEP_INTERMEDIATE": "yes"}),
    # ---- retry classes ----------------------------------------------------------------------------
    Case("is_a_directory_is_not_retried", ["year", "--scenario", "{tmp}/s.yml", str(START + 1)], REFUSE,
         "is a directory", {"s.yml": GOOD}, database="dir", absent="retry"),
]


def make_path(kind: str, folder: Path) -> Path:
    """A bad (or missing) database path of the kind named, under folder."""
    if kind.startswith("/"):
        return Path(kind)
    path = folder / "bad" / f"{kind}.duckdb"
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "dir":
        path.mkdir()
    elif kind == "under_file":
        path.parent.joinpath("plain.txt").write_text("not a folder\n")
        return path.parent / "plain.txt" / "planalign.duckdb"
    elif kind == "csv":
        path.write_text("employee_id,birth_date\nA,1980-01-01\n")
    elif kind == "random":
        path.write_bytes(bytes((i * 37 + 11) % 256 for i in range(4096)))
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "missing":
        return folder / "bad" / "not" / "yet" / "planalign.duckdb"
    return path


@pytest.fixture(scope="module")
def good(tmp_path_factory, simulated) -> dict:
    """A copy of the session's simulated database, its digests, and its (empty) backup folder."""
    folder = tmp_path_factory.mktemp("bad_input")
    db = folder / "good.duckdb"
    shutil.copyfile(simulated["db"], db)
    return {"db": db, "census": simulated["census"], "digests": {t: table_digest(db, t) for t in TABLES}}


def ran_logs() -> set[str]:
    """The logs a run leaves: logs/run_<run_id>.jsonl from its start, logs/dbt_<run_id>_<year>.log per dbt call."""
    return {path.name for pattern in ("run_*.jsonl", "dbt_*.log") for path in (ROOT / "logs").glob(pattern)}


RUN_LOG = re.compile(r"(?:run|dbt)_\d{8}T\d{6}Z_(\d+)[_.]")


def logs_of_process(names: set[str], pid: int) -> set[str]:
    """Those of a run of process `pid` (a run id ends in its process id), and any of a name not understood;
    another pytest-xdist worker's runs write logs meanwhile, and they are not this command's."""
    return {name for name in names if (match := RUN_LOG.match(name)) is None or int(match.group(1)) == pid}


def backups(db: Path) -> list[Path]:
    return sorted((db.parent / "backups").rglob("*.duckdb"))


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input(case: Case, good: dict, tmp_path: Path) -> None:
    def fill(text: str) -> str:
        return text.replace("{census}", str(good["census"])).replace("{tmp}", str(tmp_path))

    for name, text in case.files.items():
        (tmp_path / name).write_text(fill(text))
    args = [fill(arg) for arg in case.args]
    db = make_path(case.database, tmp_path) if case.database else good["db"]
    logs_before = ran_logs()
    result = run_planalign(*args, db=db, check=False, env_extra=case.env or None)
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    assert result.returncode == (2 if case.outcome == REFUSE else 0), output
    assert case.keyword in output, output
    if case.absent:
        assert case.absent not in output, output
    assert logs_of_process(ran_logs() - logs_before, result.pid) == set(), \
        "a run started (a run log or a dbt log was written)"
    assert {t: table_digest(good["db"], t) for t in TABLES} == good["digests"], "the good database changed"
    assert backups(good["db"]) == [], "a refused run made a backup"
    if case.database == "missing":
        assert not db.parent.exists(), "checking the path created its folder"


def test_a_database_held_by_another_program_is_retried_then_works(good: dict) -> None:
    """Transient: a DuckDB lock held by another program is waited out (read-only commands too)."""
    holder = subprocess.Popen([sys.executable, "-c", (
        "import duckdb, time\n"
        f"con = duckdb.connect({str(good['db'])!r})\n"
        "print('holding', flush=True)\n"
        "time.sleep(1.5)\n")], stdout=subprocess.PIPE, text=True, env=dict(os.environ))
    assert holder.stdout.readline().strip() == "holding"
    result = run_planalign("status", db=good["db"], check=False)
    holder.wait()
    assert result.returncode == 0, result.stderr
    assert "database locked by another program (retry 1/3 in 2s)" in result.stderr
    assert "fixture / baseline (single run)" in result.stdout
    assert {t: table_digest(good["db"], t) for t in TABLES} == good["digests"]


def test_an_empty_scenario_file_is_one_line_and_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "empty.yml"
    path.write_text("\n# nothing yet\n")
    for args in (["check-config", str(path)], ["simulate", "--scenario", str(path)]):
        result = run_planalign(*args, db=tmp_path / "planalign.duckdb", check=False)
        assert result.returncode == 2, result.stdout + result.stderr
        lines = result.stderr.splitlines()
        assert lines[:2] == [
            f"error: {path} is empty: it holds no settings",
            "  hint: write at least start_year and end_year, or `extends: baseline` and the settings that differ "
            "(as scenarios/high_growth.yml does)"], args
        # check-config goes on through every file and ends with how many failed
        assert lines[2:] == ([] if args[0] == "simulate" else [
            f"error: check-config: 1 of {lines[2].split(' of ')[1].split()[0]} checks failed: {path}",
            "  hint: each is explained above; fix them and run make check-config again"]), args
