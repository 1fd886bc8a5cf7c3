"""Scenario files: extends chains, deep merge, inline plan-design variants, --set, and the parity of
the scenario schema with what dbt reads. Fast: no simulation runs here."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conftest import ROOT, run_planalign
from planalign.engine.config import resolve
from planalign.errors import PlanAlignError


def write(path: Path, content: dict) -> Path:
    path.write_text(yaml.safe_dump(content))
    return path




def test_a_cycle_and_an_unknown_parent_are_refused_with_the_chain_named(tmp_path):
    write(tmp_path / "a.yml", {"extends": "b.yml", "scenario_id": "a"})
    write(tmp_path / "b.yml", {"extends": "a.yml", "scenario_id": "b"})
    with pytest.raises(PlanAlignError, match=r"extends cycle: .*a\.yml -> .*b\.yml -> .*a\.yml"):
        resolve(tmp_path / "a.yml")
    orphan = write(tmp_path / "orphan.yml", {"extends": "no_such_parent", "scenario_id": "orphan"})
    with pytest.raises(PlanAlignError, match=r"no_such_parent\.yml \(extended by .*orphan\.yml\)"):
        resolve(orphan)
    result = run_planalign("simulate", "--scenario", str(tmp_path / "a.yml"), "--dry-run",
                           db=tmp_path / "x.duckdb", check=False)
    assert result.returncode == 2 and "Traceback" not in result.stderr and "extends cycle" in result.stderr




def test_set_overrides_one_setting_and_is_validated_like_the_file(tmp_path):
    effective = resolve(ROOT / "scenarios" / "baseline.yml", sets=[
        "workforce.target_growth_rate=0.07", "replications=3", "plan_design.id=ae5",
        "plan_design.auto_enroll_rate=0.05"])
    assert effective.scenario.workforce.target_growth_rate == 0.07
    assert effective.scenario.workforce.total_termination_rate == 0.12
    assert effective.replication_ids == [1, 2, 3]
    assert effective.plan_design_id == "ae5" and str(effective.design.auto_enroll_rate) == "0.05"
    assert effective.dbt_vars()["target_growth_rate"] == 0.07
    for assignment, message in (("workforce.target_growth_rate=5", "workforce.target_growth_rate = 5"),
                                ("workforce.typo=1", "unknown key 'typo' in workforce"),
                                ("nonsense", "expected key.path=value")):
        result = run_planalign("simulate", "--set", assignment, "--dry-run", db=tmp_path / "x.duckdb", check=False)
        assert result.returncode == 2, result.stdout
        assert message in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "x.duckdb").exists()
