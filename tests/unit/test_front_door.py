"""The front door without a simulation: make refuses a command-line variable its target does not take (and never
one of the environment), the docs' make commands use the variables their targets take, and check-config reports
every bad scenario file with "unknown key ... (did you mean ...)"."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", ROOT / "RUNBOOK.md", *sorted((ROOT / "docs").glob("*.md"))]


def _environment(**extra: str) -> dict[str, str]:
    """This environment without what a calling make (make test-fast) passes down to a sub-make."""
    return {**{k: v for k, v in os.environ.items() if k not in {"MAKELEVEL", "MAKEFLAGS", "MFLAGS"}}, **extra}


def make(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """make -n: the Makefile parsed and the recipe printed, nothing run."""
    return subprocess.run(["make", "-n", "--no-print-directory", *args], cwd=ROOT, capture_output=True, text=True,
                          env=_environment(**(env or {})), timeout=60)


@pytest.mark.parametrize("args, wrong, takes", [
    (("simulate", "SCENARO=acme"), "SCENARO=", "SCENARIO"),
    (("batch", "SCENARIOS=a b", "REPLICATION=20"), "REPLICATION=", "REPLICATIONS"),
    (("version", "SCENARIO=acme"), "SCENARIO=", "no variables"),
    (("compare", "BASE=a", "ALTS=b"), "ALTS=", "ALT"),
])
def test_a_misspelt_variable_on_the_command_line_is_refused_with_the_known_ones(args, wrong, takes):
    result = make(*args)
    assert result.returncode == 2 and result.stdout == ""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert f"unknown variable {wrong}" in lines[0] and f"{args[0]} takes:" in lines[0] and takes in lines[0]


def test_the_variables_a_target_takes_and_the_environment_pass():
    result = make("simulate", "SCENARIO=baseline", "START=2026", "END=2030", "SET=a.b=1 c.d=2", "PLANALIGN_DB=x",
                  env={"SCENARO": "typo in the environment", "REPLICATION": "3"})
    assert result.returncode == 0, result.stderr
    assert "--start 2026 --end 2030" in result.stdout and "--set a.b=1 --set c.d=2" in result.stdout
    batch = make("batch", "SCENARIOS=a b", "REPLICATIONS=20", "START=2026", "END=2030")
    assert batch.returncode == 0 and "--replications 20" in batch.stdout and "--start 2026 --end 2030" in batch.stdout


def _target_variables() -> dict[str, set[str]]:
    """vars_<target> of the Makefile, expanded by make itself."""
    makefile = (ROOT / "Makefile").read_text()
    targets = re.findall(r"^vars_([\w-]+) :=", makefile, flags=re.MULTILINE)
    script = "".join(f"\t@echo '{target}: $(vars_{target})'\n" for target in targets)
    result = subprocess.run(["make", "-s", "--no-print-directory", "-f", "-", "show"], cwd=ROOT, capture_output=True,
                            text=True, input=f"include Makefile\nshow:\n{script}", env=_environment(), timeout=60)
    assert result.returncode == 0, result.stderr
    return {line.split(":")[0]: set(line.split(":")[1].split()) for line in result.stdout.splitlines()}


def test_every_make_command_in_the_docs_uses_variables_its_target_takes():
    takes = _target_variables()
    assert {"simulate", "batch", "workforce-at"} <= set(takes) and "REPLICATIONS" in takes["batch"]
    problems, checked = [], 0
    for document in DOCS:
        for number, line in enumerate(document.read_text().splitlines(), start=1):
            for target, rest in re.findall(r"\bmake ([a-z][\w-]*)((?: +[A-Z_]+=(?:\"[^\"]*\"|\S+))+)", line):
                checked += 1
                names = set(re.findall(r"\b([A-Z_]+)=", rest)) - {"PYTHON"}
                wrong = {name for name in names if not name.startswith("PLANALIGN_")} - takes.get(target, set())
                if wrong:
                    problems.append(f"{document.name}:{number}: make {target} {sorted(wrong)}")
    assert checked > 30 and problems == []


def test_check_config_reports_every_bad_file_with_did_you_mean(tmp_path):
    one = tmp_path / "one.yml"
    one.write_text(yaml.safe_dump({"extends": "baseline", "scenario_id": "one",
                                   "workforce": {"total_terminaton_rate": 0.1}}))
    two = tmp_path / "two.yml"
    two.write_text(yaml.safe_dump({"extends": "baseline", "scenario_id": "two", "start_yeer": 2026}))
    good = ROOT / "scenarios" / "baseline.yml"
    result = subprocess.run([sys.executable, "-m", "planalign", "check-config", str(one), str(good), str(two)],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 3, result.stderr  # one per bad file, then the count
    assert "unknown key 'total_terminaton_rate' in workforce (did you mean 'total_termination_rate'?)" in errors[0]
    assert "unknown key 'start_yeer' (did you mean 'start_year'?)" in errors[1]
    assert "2 of" in errors[2] and "one.yml" in errors[2] and "two.yml" in errors[2]
    assert "Extra inputs" not in result.stderr and "allowed range" not in result.stderr
    assert "ok: baseline.yml" in result.stdout, "the good file between them was checked too"


@pytest.mark.parametrize(("target", "passed"), [(None, False), ("duckdb", False), ("spark", True)])
def test_make_simulate_passes_the_target_to_the_cli(target, passed):
    result = make("simulate", *([f"TARGET={target}"] if target else []))
    assert result.returncode == 0, result.stderr
    assert ("--target spark" in result.stdout.strip().splitlines()[-1]) is passed


def test_make_refuses_an_unknown_target_in_one_line():
    result = make("simulate", "TARGET=sprak")
    assert result.returncode != 0 and result.stdout == ""
    assert "unknown TARGET=sprak; use TARGET=duckdb (the default) or TARGET=spark" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
