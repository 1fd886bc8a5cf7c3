"""Every model is documented and has a grain test; every column of the marts and reports is
documented, checked against the relations that a real run builds (the `simulated` fixture)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, query

GRAIN_TESTS = {"unique", "unique_combination_of_columns"}
DOCUMENTED_FOLDERS = ("marts", "reports")
# Justified exceptions, (model, column): columns that may stay undocumented. Keep it near empty.
UNDOCUMENTED_COLUMNS: set[tuple[str, str]] = set()
# Models whose grain is a row-count test of at most one row (a one-row table is its own grain):
# int_plan_design_selected and int_irs_limits_resolved carry a critical "exactly one row" test.
ONE_ROW_TEST = "expect_table_row_count_to_be_between"


@pytest.fixture(scope="module")
def manifest(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("docs")
    env = dict(os.environ, PLANALIGN_DB=str(folder / "parse.duckdb"), DBT_PROFILES_DIR=str(ROOT))
    result = subprocess.run([str(Path(sys.executable).with_name("dbt")), "parse", "--target-path",
                             str(folder / "target")], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads((folder / "target" / "manifest.json").read_text())


def project_models(manifest: dict) -> dict[str, dict]:
    return {node_id: node for node_id, node in manifest["nodes"].items()
            if node["resource_type"] == "model" and node["package_name"] == "planalign"}


def is_grain_test(test: dict) -> bool:
    metadata = test.get("test_metadata") or {}
    if metadata.get("name") in GRAIN_TESTS:
        return True
    kwargs = metadata.get("kwargs") or {}
    return metadata.get("name") == ONE_ROW_TEST and kwargs.get("max_value") is not None \
        and float(kwargs["max_value"]) <= 1


def test_every_model_has_a_description_and_a_grain_test(manifest):
    models = project_models(manifest)
    assert len(models) > 40
    grains = {node_id: 0 for node_id in models}
    for node in manifest["nodes"].values():
        if node["resource_type"] == "test" and is_grain_test(node):
            attached = node.get("attached_node") or next(iter(node["depends_on"]["nodes"]), None)
            if attached in grains:
                grains[attached] += 1
    undescribed = sorted(node["name"] for node in models.values() if not node["description"].strip())
    without_grain = sorted(models[node_id]["name"] for node_id, count in grains.items() if count == 0)
    assert undescribed == []
    assert without_grain == []


def documented_models(manifest: dict) -> list[dict]:
    return sorted((node for node in project_models(manifest).values()
                   if node["original_file_path"].startswith(tuple(f"models/{f}/" for f in DOCUMENTED_FOLDERS))),
                  key=lambda node: node["name"])


def test_every_mart_and_report_column_is_documented(manifest, simulated):
    models = documented_models(manifest)
    assert {node["name"] for node in models} >= {"fct_workforce_snapshot", "rpt_year_audit", "rpt_workforce_breakdown"}
    problems = []
    for node in models:
        actual = [row[0] for row in query(simulated["db"], f'describe "{node["alias"]}"')]
        documented = {name: column["description"].strip() for name, column in node["columns"].items()}
        for column in actual:
            if (node["name"], column) not in UNDOCUMENTED_COLUMNS and not documented.get(column):
                problems.append(f"{node['name']}.{column}: not documented")
        problems += [f"{node['name']}.{name}: documented but not in the relation"
                     for name in documented if name not in actual]
    assert problems == []
