"""Every place PlanAlign reaches into dbt's internals, in one registry, each with a check that the installed dbt
still has what it relies on.

The CLI runs every check once per run, before the first dbt invocation (`preflight`, from the year protocol):
on a dbt or dbt-duckdb that moved or renamed something, a run stops with one line naming the override, what
is missing and the installed versions, instead of a traceback from inside dbt (or, worse, a silently
different result). `PLANALIGN_PLAIN_DBT=1` runs with none of them (`plain_dbt`): every dbt invocation is a
plain `dbt` process and the override macros hand over to dbt's builtins; the results (events, snapshots,
every mart) are the same, only slower (tests/integration/test_plain_dbt.py).

The Python overrides live in this subpackage (scripts/dbt/: patches.py, runner.py); the macros that replace
dbt's builtins in macros/dbt_overrides/ (one macro per file, named after it). hooks/plugin.py is not one of
them: it uses dbt-duckdb's public plugin interface.

TABLE (for docs/architecture.md) is the same content as REGISTRY, as Markdown.

All of them together (PLAIN_MEASURED): the default census (5,000 employees x 5 years, `make simulate`, a new
database each run, 2 cores, 3 alternated pairs, the saved parse current for the normal run as after an earlier
run): normal 16.2 s (16.17, 16.18, 16.26), plain 37.5 s (37.61, 37.68, 37.13), a ratio of 2.3. A later year
takes 2.0 s against 6.2 s, of which dbt's own node execution is 1.6-1.8 s against 2.5-2.6 s; the rest of
plain's is a new dbt process per year (imports, loading and partially re-parsing the project).
"""

from __future__ import annotations

import dataclasses
import inspect
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path

from planalign import settings
from planalign.errors import PlanAlignError

PLAIN_DBT = "PLANALIGN_PLAIN_DBT"
PLAIN_HINT = f"{PLAIN_DBT}=1 runs dbt without any of PlanAlign's overrides (same results, slower)"
TURN_OFF = f"`{PLAIN_DBT}=1` (all of them at once)"
PLAIN_MEASURED = ("default census, 5,000 x 5 years, 2 cores, 3 alternated pairs: normal 16.2 s, "
                  f"{PLAIN_DBT}=1 37.5 s (ratio 2.3)")


def plain_dbt(environ: Mapping[str, str] | None = None) -> bool:
    """PLANALIGN_PLAIN_DBT: unset, empty or 0 (the default) runs dbt with PlanAlign's overrides; 1 runs it plain
    (a `dbt` process per invocation, dbt's builtin test materialization and get_where_subquery). Anything else
    is refused with one line."""
    return (settings.get("PLANALIGN_PLAIN_DBT", environ, fallback="") or "").strip() == "1"


class Missing(Exception):
    """What an override relies on and the installed dbt does not have (raised by a probe)."""


def versions() -> str:
    """The installed dbt packages an override depends on (dbt-adapters holds dbt's global project)."""
    found = []
    for package in ("dbt-core", "dbt-duckdb", "dbt-adapters"):
        try:
            found.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            found.append(f"{package} not installed")
    return ", ".join(found)


@dataclass(frozen=True)
class Override:
    name: str
    where: str
    what: str
    why: str
    gain: str
    probe: Callable[[], None]  # raises Missing (or ImportError, AttributeError) when dbt lacks what it relies on

    def check(self) -> None:
        """Raise PlanAlignError (one line: the override, what is missing, the versions; the hint: plain mode)."""
        try:
            self.probe()
        except (Missing, ImportError, AttributeError, TypeError, ValueError, OSError) as exc:
            raise PlanAlignError(
                f"dbt override {self.name!r} ({self.where}) does not fit the installed dbt ({versions()}): {exc}",
                hint=f"{PLAIN_HINT}; or install the versions pyproject.toml pins (make setup)") from None


# ---- what the overrides rely on ---------------------------------------------------------------------------

def _parameters(function: Callable, expected: list[str], label: str) -> None:
    """`function` takes `expected` first, and nothing more that it requires."""
    parameters = [p for p in inspect.signature(function).parameters.values() if p.name != "self"]
    names = [p.name for p in parameters]
    required = [p for p in parameters[len(expected):]
                if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    if names[:len(expected)] != expected or required:
        raise Missing(f"{label} takes ({', '.join(names)}), not ({', '.join(expected)})")


def _source_mentions(function: Callable, label: str, *texts: str) -> None:
    source = inspect.getsource(function)
    for text in texts:
        if text not in source:
            raise Missing(f"{label} no longer uses {text!r}")


MACRO = re.compile(r"\{%-?\s*macro\s+(\w+)\s*\(([^)]*)\)")
MATERIALIZATION = re.compile(r"\{%-?\s*materialization\s+(\w+)\s*,\s*(?:adapter\s*=\s*)?['\"]?(\w+)")


@cache
def _macros(package_path: str) -> tuple[dict[str, list[str]], set[tuple[str, str]]]:
    """The macros (name -> argument names) and materializations ((name, adapter)) an installed dbt package
    defines in its macros/ folder."""
    macros: dict[str, list[str]] = {}
    materializations: set[tuple[str, str]] = set()
    for path in sorted(Path(package_path, "macros").rglob("*.sql")):
        text = path.read_text(encoding="utf-8")
        for name, arguments in MACRO.findall(text):
            macros[name] = [part.split("=")[0].strip() for part in arguments.split(",") if part.strip()]
        materializations.update(MATERIALIZATION.findall(text))
    return macros, materializations


def _global_macros() -> tuple[dict[str, list[str]], set[tuple[str, str]]]:
    from dbt.include import global_project  # noqa: PLC0415 - dbt's imports take a second: only when checked

    return _macros(global_project.PACKAGE_PATH)


def _builtin_macro(name: str, arguments: list[str]) -> None:
    """dbt's global project defines macro `name` whose first arguments are `arguments`."""
    macros, _ = _global_macros()
    if name not in macros:
        raise Missing(f"dbt's global project defines no macro {name}")
    if macros[name][:len(arguments)] != arguments:
        raise Missing(f"dbt's macro {name} takes ({', '.join(macros[name])}), not ({', '.join(arguments)})")


def _probe_cte_injection() -> None:
    from dbt import compilation  # noqa: PLC0415

    current = compilation.inject_ctes_into_sql
    original = getattr(current, "planalign_original", current)
    _parameters(original, ["sql", "ctes"], "dbt.compilation.inject_ctes_into_sql")
    # the patch replaces the module's name: dbt must call the function through it
    _source_mentions(compilation.Compiler._recursively_prepend_ctes,  # noqa: SLF001
                     "dbt.compilation.Compiler._recursively_prepend_ctes", "inject_ctes_into_sql(")
    if "sql" not in {field.name for field in dataclasses.fields(compilation.InjectedCTE)}:
        raise Missing("dbt's InjectedCTE has no field sql")


def _probe_environment_swap() -> None:
    from dbt.cli import requires  # noqa: PLC0415
    from dbt.cli.main import cli  # noqa: PLC0415

    # dbt takes its environment (env_var(), its flags) from os.environ when an invocation starts
    _source_mentions(requires.preflight, "dbt.cli.requires.preflight", "get_env()")
    sentinel = "_PLANALIGN_ENV_SWAP_CHECK"  # not a setting: set and removed here
    os.environ[sentinel] = "1"
    try:
        if requires.get_env().get(sentinel) != "1":
            raise Missing("dbt.cli.requires.get_env does not read os.environ when called")
    finally:
        os.environ.pop(sentinel, None)
    for option, variable in (("profiles_dir", "DBT_PROFILES_DIR"), ("project_dir", "DBT_PROJECT_DIR")):
        params = [param for param in cli.commands["build"].params if param.name == option]
        envvar = params[0].envvar if params else None
        if variable not in ([envvar] if isinstance(envvar, str) else list(envvar or [])):
            raise Missing(f"dbt build's --{option.replace('_', '-')} is not read from {variable}")


def _probe_manifest_reuse() -> None:
    from dbt.cli.main import dbtRunner, dbtRunnerResult  # noqa: PLC0415
    from dbt.events import types  # noqa: PLC0415

    _parameters(dbtRunner.__init__, ["manifest", "callbacks"], "dbt.cli.main.dbtRunner")
    _parameters(dbtRunner.invoke, ["args"], "dbt.cli.main.dbtRunner.invoke")
    fields = {field.name for field in dataclasses.fields(dbtRunnerResult)}
    if not {"success", "exception", "result"} <= fields:
        raise Missing(f"dbt.cli.main.dbtRunnerResult has fields {sorted(fields)}, not success, exception, result")
    from planalign.dbt.runner import MANIFEST_LOAD_EVENT  # noqa: PLC0415

    if not hasattr(types, MANIFEST_LOAD_EVENT):
        raise Missing(f"dbt.events.types has no {MANIFEST_LOAD_EVENT} (the event counted as a manifest load)")


NODE_FIELDS = ("compiled", "compiled_code", "extra_ctes_injected", "extra_ctes", "_pre_injected_sql")


def _probe_node_reset() -> None:
    from dbt import compilation  # noqa: PLC0415
    from dbt.contracts.graph import nodes  # noqa: PLC0415

    for name in ("ModelNode", "SingularTestNode", "GenericTestNode", "SnapshotNode", "AnalysisNode", "HookNode",
                 "SqlNode"):
        fields = {field.name for field in dataclasses.fields(getattr(nodes, name))}
        lacking = [field for field in NODE_FIELDS if field not in fields]
        if lacking:
            raise Missing(f"dbt's {name} has no field {', '.join(lacking)}")
    # seeds compile nothing: the reset tells them by this read-only property
    if not isinstance(inspect.getattr_static(nodes.SeedNode, "extra_ctes_injected", None), property):
        raise Missing("dbt's SeedNode.extra_ctes_injected is no longer a property")
    _source_mentions(compilation.Compiler._recursively_prepend_ctes,  # noqa: SLF001
                     "dbt.compilation.Compiler._recursively_prepend_ctes", "extra_ctes_injected", "_pre_injected_sql")


def _probe_connection_close() -> None:
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager  # noqa: PLC0415
    from dbt.adapters.duckdb.environments import Environment  # noqa: PLC0415

    attributes = vars(DuckDBConnectionManager)
    for name in ("_ENV", "_LOCK"):
        if name not in attributes:
            raise Missing(f"dbt-duckdb's DuckDBConnectionManager has no class attribute {name}")
    lock = attributes["_LOCK"]
    if not (hasattr(lock, "__enter__") and hasattr(lock, "__exit__")):
        raise Missing("dbt-duckdb's DuckDBConnectionManager._LOCK is not a lock")
    if not callable(getattr(Environment, "close", None)):
        raise Missing("dbt-duckdb's Environment has no close()")


def _no_adapter_materialization(name: str) -> None:
    """dbt-duckdb defines no `materialization <name>` of its own (dbt would prefer it to the project's default)."""
    from dbt.include import duckdb  # noqa: PLC0415

    _, materializations = _macros(duckdb.PACKAGE_PATH)
    if any(found == name for found, _ in materializations):
        raise Missing(f"dbt-duckdb defines its own {name} materialization, which dbt prefers to the project's")


def _probe_test_materialization() -> None:
    _, materializations = _global_macros()
    if ("test", "default") not in materializations:
        raise Missing("dbt's global project defines no `materialization test, default` (macro "
                      "materialization_test_default, which plain mode calls)")
    _no_adapter_materialization("test")
    # the builtins the project's materialization calls, with the arguments it passes
    for name, arguments in (("get_limit_subquery_sql", ["sql", "limit"]),
                            ("get_test_sql", ["main_sql", "fail_calc", "warn_if", "error_if", "limit"]),
                            ("should_store_failures", []),
                            ("get_create_sql", ["relation", "sql"]),
                            ("statement", ["name", "fetch_result", "auto_begin"])):
        _builtin_macro(name, arguments)


def _probe_test_scope() -> None:
    from dbt.parser import generic_test_builders  # noqa: PLC0415

    _builtin_macro("get_where_subquery", ["relation"])
    _builtin_macro("default__get_where_subquery", ["relation"])
    # every generic test reads its model through get_where_subquery(ref(...)): the name the project overrides
    _source_mentions(generic_test_builders.TestBuilder.build_model_str,
                     "dbt.parser.generic_test_builders.TestBuilder.build_model_str", "get_where_subquery(")


REGISTRY: tuple[Override, ...] = (
    Override(
        "cte_injection", "scripts/dbt/patches.py: fast_inject_ctes, install",
        "replaces dbt.compilation.inject_ctes_into_sql: a model that starts with `with` gets its ephemeral CTEs "
        "after that word; anything else goes to dbt's function",
        "dbt runs sqlparse's full parser over each reader's compiled SQL (tens of kB) only to find its leading "
        "`with`; the text is the same (tests/integration/test_dbt_patches.py compares every compiled node)",
        "~2 s of a 10,000-employee 5-year run, whatever the census size",
        _probe_cte_injection),
    Override(
        "environment_swap", "scripts/dbt/runner.py: _process_state",
        "for each in-process dbt invocation, replaces os.environ with the year's environment (PLANALIGN_*, "
        "DBT_*), makes the project the working directory; restores both afterwards",
        "dbt in the CLI's process must see the environment and folder a dbt subprocess had: dbt takes env_var() "
        "values and its flags from os.environ when an invocation starts",
        "needed for correctness of in-process dbt (which the manifest reuse needs)",
        _probe_environment_swap),
    Override(
        "manifest_reuse", "scripts/dbt/runner.py: _MANIFESTS, _invoke",
        "parses the project once per run and database (module-level cache) and hands the manifest to every "
        "year's dbtRunner(manifest=...)",
        "a dbt process per year loaded and checked the manifest every year; the parse does not depend on the "
        "run (tests/integration/test_parse_once.py)",
        "10,000 x 5 years, new database each run: 21.1 -> 18.4 s",
        _probe_manifest_reuse),
    Override(
        "node_reset", "scripts/dbt/runner.py: _as_parsed",
        "before each build on the reused manifest, resets every node's private compile state (compiled, "
        "compiled_code, extra_ctes_injected, extra_ctes, _pre_injected_sql)",
        "a build compiles into the manifest's own nodes; the next year would reuse last year's SQL of an "
        "ephemeral model and leave its CTE out of its readers",
        "needed for correctness of the manifest reuse",
        _probe_node_reset),
    Override(
        "connection_close", "scripts/dbt/runner.py: _close_database",
        "after each in-process invocation, closes dbt-duckdb's DuckDBConnectionManager._ENV (under its _LOCK)",
        "dbt-duckdb keeps the database open in a class attribute until the process ends; the CLI opens it "
        "between years, and another program may",
        "needed for correctness of in-process dbt (the database is free between years, as after a dbt process)",
        _probe_connection_close),
    Override(
        "test_materialization", "macros/dbt_overrides/materialization_test_default.sql",
        "replaces dbt's test materialization: a passing data test is one query (its failure count); only a "
        "warning or failing test stores its rows in the audit schema",
        "dbt's drops, creates, commits and counts a table for every test with store_failures, passing or not",
        "10,000 x 5 years: wall ratio 0.919 (3 alternated pairs)",
        _probe_test_materialization),
    Override(
        "test_scope", "macros/dbt_overrides/get_where_subquery.sql",
        "replaces dbt's get_where_subquery, through which every generic test reads its model: a year's build "
        "tests only that year of the scenario, plan design and replications being built (the predicate is "
        "the project's macros/tests/test_scope.sql, which the critical tripwires also call themselves)",
        "so a year's tests cost the same in year 5 as in year 1; by hand (no year set) everything stored",
        "none measurable at 5,000 x 5 years (16.3 s either way, 3 alternated pairs); a generic test's cost "
        "otherwise grows with the years and scenarios stored",
        _probe_test_scope),
)
BY_NAME = {override.name: override for override in REGISTRY}

TABLE = "\n".join([
    "| override | where | what it does | why | measured gain | how to turn it off |",
    "|---|---|---|---|---|---|",
    *(f"| `{o.name}` | `{o.where}` | {o.what} | {o.why} | {o.gain} | {TURN_OFF} |" for o in REGISTRY),
])


def check_all() -> None:
    """Every override's check: the first failure's message (PlanAlignError), naming any others that failed."""
    failures: list[PlanAlignError] = []
    names: list[str] = []
    for override in REGISTRY:
        try:
            override.check()
        except PlanAlignError as exc:
            failures.append(exc)
            names.append(override.name)
    if failures:
        first = failures[0]
        also = f" (also: {', '.join(names[1:])})" if len(names) > 1 else ""
        raise PlanAlignError(first.message + also, hint=first.hint)


_CHECKED: list[bool] = []


def preflight() -> None:
    """Before a run's first dbt invocation: refuse a bad PLANALIGN_PLAIN_DBT; unless plain, check every override
    (once per process)."""
    if plain_dbt() or _CHECKED:
        return
    check_all()
    _CHECKED.append(True)
