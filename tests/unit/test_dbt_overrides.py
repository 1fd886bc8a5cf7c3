"""The registry of PlanAlign's overrides of dbt's internals (planalign.dbt.overrides): each one's check passes on
the installed dbt, and fails with one clear message when what it relies on is gone."""

from __future__ import annotations

import dataclasses
from importlib import metadata

import pytest

from planalign.dbt import overrides
from planalign.engine import years
from planalign.errors import PlanAlignError
from planalign.paths import PROJECT_ROOT
from planalign.store import runsafety

NAMES = ["cte_injection", "environment_swap", "manifest_reuse", "node_reset", "connection_close",
         "test_materialization", "test_scope"]


def test_the_registry_lists_every_override_once_with_its_table_row():
    assert [override.name for override in overrides.REGISTRY] == NAMES
    rows = overrides.TABLE.splitlines()[2:]
    assert [row.split("|")[1].strip(" `") for row in rows] == NAMES
    for override in overrides.REGISTRY:
        assert override.what and override.why and override.gain and override.where


def test_docs_architecture_shows_exactly_the_registry():
    """docs/architecture.md shows the registry's own table (name, where, what it does, why, what it buys),
    between its two markers: an override added, removed or reworded in the registry fails here until the
    doc is updated (paste planalign.dbt.overrides.TABLE between the markers)."""
    text = (PROJECT_ROOT / "docs" / "architecture.md").read_text()
    begin = text.index("<!-- generated: the registry planalign.dbt.overrides.TABLE")
    shown = text[text.index("\n", begin) + 1:text.index("\n<!-- end of the registry's table -->")]
    assert shown == overrides.TABLE
    names = [row.split("|")[1].strip(" `") for row in shown.splitlines()[2:]]
    assert names == [override.name for override in overrides.REGISTRY]
    gains = [row.split("|")[5].strip() for row in shown.splitlines()[2:]]
    assert gains == [override.gain for override in overrides.REGISTRY]


@pytest.mark.parametrize("override", overrides.REGISTRY, ids=lambda override: override.name)
def test_the_installed_dbt_has_what_the_override_relies_on(override):
    override.check()


def _drop_field(monkeypatch, cls, name):
    kept = {key: value for key, value in cls.__dataclass_fields__.items() if key != name}
    monkeypatch.setattr(cls, "__dataclass_fields__", kept)


def _break_cte_injection(monkeypatch):
    from dbt import compilation

    monkeypatch.setattr(compilation, "inject_ctes_into_sql", lambda sql, ctes, dialect: sql)
    return "takes (sql, ctes, dialect)"


def _break_manifest_reuse(monkeypatch):
    from dbt.cli.main import dbtRunner

    monkeypatch.setattr(dbtRunner, "__init__", lambda self, callbacks=None: None)
    return "dbtRunner takes (callbacks)"


def _break_node_reset(monkeypatch):
    from dbt.contracts.graph import nodes

    _drop_field(monkeypatch, nodes.GenericTestNode, "_pre_injected_sql")
    return "GenericTestNode has no field _pre_injected_sql"


def _break_connection_close(monkeypatch):
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    monkeypatch.delattr(DuckDBConnectionManager, "_ENV")
    return "no class attribute _ENV"


def _break_environment_swap(monkeypatch):
    from dbt.cli import requires

    monkeypatch.setattr(requires, "get_env", lambda: {})
    return "get_env does not read os.environ"


def _break_test_materialization(monkeypatch):
    macros, materializations = overrides._global_macros()  # noqa: SLF001
    without = {name: arguments for name, arguments in macros.items() if name != "get_test_sql"}
    monkeypatch.setattr(overrides, "_global_macros", lambda: (without, materializations))
    return "no macro get_test_sql"


def _break_test_scope(monkeypatch):
    macros, materializations = overrides._global_macros()  # noqa: SLF001
    renamed = {**macros, "get_where_subquery": ["relation_or_source"]}
    monkeypatch.setattr(overrides, "_global_macros", lambda: (renamed, materializations))
    return "get_where_subquery takes (relation_or_source), not (relation)"


BREAKS = {"cte_injection": _break_cte_injection, "environment_swap": _break_environment_swap,
          "manifest_reuse": _break_manifest_reuse, "node_reset": _break_node_reset,
          "connection_close": _break_connection_close, "test_materialization": _break_test_materialization,
          "test_scope": _break_test_scope}


@pytest.mark.parametrize("name", NAMES)
def test_a_missing_piece_of_dbt_fails_the_check_with_one_clear_message(monkeypatch, name):
    missing = BREAKS[name](monkeypatch)
    with pytest.raises(PlanAlignError) as raised:
        overrides.BY_NAME[name].check()
    message = raised.value.message
    assert f"dbt override '{name}'" in message and missing in message, message
    assert f"dbt-core {metadata.version('dbt-core')}" in message
    assert f"dbt-duckdb {metadata.version('dbt-duckdb')}" in message
    assert "\n" not in message
    assert "PLANALIGN_PLAIN_DBT=1" in raised.value.hint
    # the other overrides are not affected
    for other in overrides.REGISTRY:
        if other.name != name:
            other.check()


def test_a_run_stops_before_it_takes_the_lock_when_dbt_lacks_an_override(monkeypatch, tmp_path):
    _break_connection_close(monkeypatch)
    monkeypatch.setattr(overrides, "_CHECKED", [])
    monkeypatch.delenv("PLANALIGN_PLAIN_DBT", raising=False)
    database = tmp_path / "planalign.duckdb"
    run = years.Run(database, "simulate")
    with pytest.raises(PlanAlignError, match="dbt override 'connection_close'") as raised:
        years.start(run, [2025], ["baseline/baseline"])
    assert raised.value.exit_code == 2
    assert not runsafety.lock_path(database).exists()
    # plain mode relies on none of them: the run goes ahead
    monkeypatch.setenv("PLANALIGN_PLAIN_DBT", "1")
    overrides.preflight()


def test_two_broken_overrides_are_one_line_naming_both(monkeypatch):
    _break_connection_close(monkeypatch)
    _break_test_scope(monkeypatch)
    with pytest.raises(PlanAlignError) as raised:
        overrides.check_all()
    assert "'connection_close'" in raised.value.message and "(also: test_scope)" in raised.value.message


@pytest.mark.parametrize("value, plain", [(None, False), ("", False), ("0", False), (" 0 ", False), ("1", True),
                                          ("1\n", True)])
def test_plain_dbt_accepts_unset_0_or_1(value, plain):
    assert overrides.plain_dbt({} if value is None else {"PLANALIGN_PLAIN_DBT": value}) is plain


@pytest.mark.parametrize("value", ["yes", "true", "2", "on", "01x"])
def test_plain_dbt_refuses_anything_else_in_one_line(value):
    with pytest.raises(PlanAlignError) as raised:
        overrides.plain_dbt({"PLANALIGN_PLAIN_DBT": value})
    assert raised.value.message == f"PLANALIGN_PLAIN_DBT={value!r} is not 0 or 1"
    assert raised.value.exit_code == 2


def test_the_node_fields_checked_are_the_ones_the_reset_writes():
    """runner._as_parsed resets exactly the fields the node_reset check looks for."""
    import inspect

    from dbt.contracts.graph import nodes

    from planalign.dbt import runner

    source = inspect.getsource(runner._as_parsed)  # noqa: SLF001
    assert {field for field in overrides.NODE_FIELDS if f"node.{field} =" in source} == set(overrides.NODE_FIELDS)
    assert set(overrides.NODE_FIELDS) <= {field.name for field in dataclasses.fields(nodes.ModelNode)}
