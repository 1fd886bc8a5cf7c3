"""The in-process speed-up of dbt's CTE injection gives exactly the text dbt's own function gives."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

from dbt.compilation import inject_ctes_into_sql as dbt_inject

from conftest import ROOT
from planalign.dbt.patches import fast_inject_ctes

CTES = [SimpleNamespace(sql=" __dbt__cte__int_a as (\nselect 1 as a\n)"),
        SimpleNamespace(sql=" __dbt__cte__int_b as (\nselect 2 as b -- a comment; with a semicolon\n)")]






def test_the_same_text_as_dbt_on_every_compiled_node_of_the_project(tmp_path):
    """Every model, analysis and test of the project, compiled by dbt, given the same CTEs."""
    env = dict(os.environ, PLANALIGN_DB=str(tmp_path / "compile.duckdb"), DBT_PROFILES_DIR=str(ROOT),
               PLANALIGN_YEAR="2025")
    result = subprocess.run([str(Path(sys.executable).with_name("dbt")), "compile", "-q", "--target-path",
                             str(tmp_path / "target"), "--exclude", "resource_type:unit_test"],
                            cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    compiled = sorted((tmp_path / "target" / "compiled").rglob("*.sql"))
    assert len(compiled) > 100
    fast = fast_inject_ctes(dbt_inject)
    for path in compiled:
        sql = path.read_text()
        assert fast(sql, CTES) == dbt_inject(sql, CTES), path
