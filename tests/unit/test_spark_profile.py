"""The CLI opens the SparkSession that dbt-spark then uses (planalign.store.spark): its parameters must be the ones
profiles.yml's output spark gives dbt by hand, for every setting, unset or set."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest
import yaml

from conftest import ROOT
from planalign.store import spark

SET = {"PLANALIGN_DB": "/data/acme.duckdb", "PLANALIGN_SPARK_MASTER": "spark://head:7077",
       "PLANALIGN_SPARK_DRIVER_MEMORY": "16g", "PLANALIGN_SPARK_WAREHOUSE": "/lake/planalign",
       "PLANALIGN_SPARK_SHUFFLE_PARTITIONS": "200"}


def _profile_parameters(environ: dict[str, str]) -> dict[str, str]:
    """profiles.yml's spark output rendered as dbt renders it (env_var with its default)."""
    def env_var(name: str, default: str | None = None) -> str:
        if name in environ:
            return environ[name]
        assert default is not None, f"profiles.yml: env_var('{name}') has no default"
        return default

    outputs = yaml.safe_load((ROOT / "profiles.yml").read_text())["planalign"]["outputs"]
    assert outputs["spark"]["method"] == "session" and outputs["spark"]["type"] == "spark"
    return {name: jinja2.Template(value).render(env_var=env_var)
            for name, value in outputs["spark"]["server_side_parameters"].items()}


@pytest.mark.parametrize("environ", [{}, SET], ids=["defaults", "every setting set"])
def test_the_cli_session_has_the_parameters_of_profiles_yml(monkeypatch, environ):
    for name in SET:
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    database = Path(environ.get("PLANALIGN_DB", "db/planalign.duckdb"))
    assert spark.parameters(database) == _profile_parameters(environ)


def test_the_warehouse_is_beside_the_database_unless_set(monkeypatch):
    monkeypatch.delenv("PLANALIGN_SPARK_WAREHOUSE", raising=False)
    assert spark.warehouse(Path("/data/acme.duckdb")) == Path("/data/acme.duckdb.spark-warehouse")
    monkeypatch.setenv("PLANALIGN_SPARK_WAREHOUSE", "/lake/planalign")
    assert spark.warehouse(Path("/data/acme.duckdb")) == Path("/lake/planalign")
