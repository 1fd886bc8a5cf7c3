"""dbt runs inside the CLI's process and parses the project once per run, not once per year: the years
share one manifest (scripts/dbt_runner.py). Checked on the run log of the `simulated` fixture (3 years)."""

from __future__ import annotations

import json
import re

from conftest import END, ROOT, START


def run_log(simulated: dict) -> list[dict]:
    run_id = re.search(r"^run (\S+):", simulated["output"], re.MULTILINE).group(1)
    return [json.loads(line) for line in (ROOT / "logs" / f"run_{run_id}.jsonl").read_text().splitlines()]


def test_a_multi_year_run_parses_the_project_once(simulated):
    years = list(range(START, END + 1))
    invocations = [line for line in run_log(simulated) if line["event"] == "dbt_invocation"]
    assert [line["year"] for line in invocations] == years
    assert all(line["returncode"] == 0 for line in invocations)
    # dbt loads a manifest (a full or partial parse) before the first year only
    assert [line["manifest_loads"] for line in invocations] == [1] + [0] * (len(years) - 1)


def test_every_year_is_still_its_own_dbt_invocation_with_its_hooks(simulated):
    lines = run_log(simulated)
    starts = [line for line in lines if line["event"] == "dbt_start"]  # the on-run-start preflight
    ends = [line for line in lines if line["event"] == "dbt_end"]  # the on-run-end hook
    assert [line["simulation_year"] for line in starts] == list(range(START, END + 1))
    assert [line["simulation_year"] for line in ends] == list(range(START, END + 1))
    assert len({line["invocation_id"] for line in starts}) == len(starts)
    assert all(line["status"] == "success" for line in ends)
