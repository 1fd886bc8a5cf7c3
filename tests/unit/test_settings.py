"""Every PLANALIGN_* environment variable is declared once, in scripts/settings.py: every name the code uses is
declared and every declared one is read where the registry says; Python reads them through settings.get();
the defaults written in profiles.yml and the macros are the registry's; RUNBOOK.md's table lists the user
settings with the registry's defaults; a refused value is one line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import ROOT
from planalign import settings
from planalign.errors import PlanAlignError

NAME = re.compile(r"\bPLANALIGN_[A-Z][A-Z0-9_]*")
# Declared before anything reads them, and why (remove the entry when the code reads it: the test says so).
NOT_READ_YET: dict[str, str] = {}  # a setting declared before the code that reads it lands: name -> why


def _files(*patterns: str) -> list[Path]:
    return sorted({path for pattern in patterns for path in ROOT.glob(pattern)})


PYTHON = [path for path in _files("scripts/**/*.py", "hooks/**/*.py") if path.name != "settings.py"]
READERS = {
    "python": PYTHON,
    "profiles.yml": [ROOT / "profiles.yml"],
    "macros": _files("macros/**/*.sql", "models/**/*.sql", "tests/critical/*.sql", "analyses/*.sql"),
}
CODE = [*PYTHON, *READERS["macros"], *_files("models/**/*.yml"), ROOT / "profiles.yml", ROOT / "dbt_project.yml",
        ROOT / "Makefile"]


def _text(paths: list[Path]) -> str:
    return "\n".join(path.read_text() for path in paths)


def test_every_name_the_code_uses_is_declared_and_every_declared_one_is_read():
    used = {name: [path.relative_to(ROOT) for path in CODE if name in NAME.findall(path.read_text())]
            for name in set(NAME.findall(_text(CODE)))}
    undeclared = {name: where for name, where in used.items() if name not in settings.SETTINGS}
    assert not undeclared, f"declare these in scripts/settings.py (SETTINGS): {undeclared}"
    for setting in settings.SETTINGS.values():
        readers = [reader for reader in setting.readers if setting.name in _text(READERS[reader])]
        if setting.name in NOT_READ_YET:
            assert not readers, f"{setting.name} is read now: remove it from NOT_READ_YET"
            continue
        assert setting.readers and readers == list(setting.readers), (
            f"{setting.name}: declared as read by {setting.readers}, found in {readers}")


def test_python_reads_the_environment_through_the_registry():
    reads = re.compile(r"""(getenv|environ\.get)\(\s*["']PLANALIGN_|environ\[\s*["']PLANALIGN_\w+["']\s*\](?!\s*=)"""
                       r"""|envvar\s*=\s*["']PLANALIGN_""")
    for path in PYTHON:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            assert not reads.search(line), (f"{path.relative_to(ROOT)}:{number} reads a PLANALIGN_ variable "
                                            f"itself; use settings.get(): {line.strip()}")
    python_reads = set(re.findall(r"""\bget\(\s*["'](PLANALIGN_\w+)["']""", _text(PYTHON)))
    for setting in settings.SETTINGS.values():
        if "python" in setting.readers and setting.name not in NOT_READ_YET:
            assert setting.name in python_reads, f"{setting.name} is read in Python, but not through settings.get()"


def test_the_defaults_written_in_jinja_are_the_registry_defaults():
    env_var = re.compile(r"""env_var\(\s*['"](PLANALIGN_\w+)['"]\s*(?:,\s*('[^']*'|"[^"]*"|[\w.]+))?\s*\)""")
    found = 0
    for path in [*READERS["macros"], ROOT / "profiles.yml", ROOT / "dbt_project.yml"]:
        for name, default in env_var.findall(path.read_text()):
            found += 1
            declared = settings.SETTINGS[name].default
            if default[:1] in {"'", '"'} and default[1:-1]:
                written = default[1:-1]
            else:  # no default, '', or an expression (dbt's invocation_id): no value of its own
                written = None
            assert written == declared, (f"{path.relative_to(ROOT)}: env_var('{name}') defaults to {written!r}, "
                                         f"scripts/settings.py declares {declared!r}")
    assert found >= 10


def test_runbook_lists_every_user_setting_with_its_default():
    text = (ROOT / "RUNBOOK.md").read_text()
    section = text[text.index("## Memory and speed"):]
    section = section[:section.index("\n## ", 1)]
    assert "| variable | default | meaning |" in section
    rows = [line.split(" | ") for line in section.splitlines()
            if line.startswith("| `PLANALIGN_")]
    table = {cells[0].strip("| `"): cells[1] for cells in rows}
    users = {name: setting for name, setting in settings.SETTINGS.items() if setting.user}
    assert sorted(table) == sorted(users), "RUNBOOK.md's table and the user settings of scripts/settings.py differ"
    for name, setting in users.items():
        assert table[name] == setting.shown_default(), (
            f"RUNBOOK.md: {name}'s default is written {table[name]!r}, scripts/settings.py has "
            f"{setting.shown_default()!r}")


@pytest.mark.parametrize("name", [name for name, setting in settings.SETTINGS.items() if setting.accepts])
def test_a_refused_value_is_one_line_naming_the_variable_and_what_it_accepts(name):
    setting = settings.SETTINGS[name]
    with pytest.raises(PlanAlignError) as refused:
        settings.get(name, {name: "nonsense!"})
    message = refused.value.message
    assert message == f"{name}='nonsense!' is not {setting.accepts.phrase}" and "\n" not in message
    assert refused.value.hint
    assert settings.get(name, {}) == setting.default
    if setting.user:
        with pytest.raises(PlanAlignError):
            settings.check_tuning({name: "nonsense!"})


def test_unset_or_empty_gives_the_default_and_a_set_value_is_returned_as_set():
    assert settings.get("PLANALIGN_DBT_THREADS", {}) == "2"
    assert settings.get("PLANALIGN_KEEP_INTERMEDIATE", {"PLANALIGN_KEEP_INTERMEDIATE": ""}) == "0"
    assert settings.get("PLANALIGN_DBT_THREADS", {"PLANALIGN_DBT_THREADS": "3"}) == "3"
    assert settings.get("PLANALIGN_THREADS", {}, fallback="") == ""
    assert settings.get("PLANALIGN_SSN_SALT", {}) is None
    with pytest.raises(PlanAlignError, match="PLANALIGN_THREADS='' is not a whole number"):
        settings.get("PLANALIGN_THREADS", {"PLANALIGN_THREADS": ""})  # profiles.yml would pass '' to DuckDB
    with pytest.raises(KeyError):
        settings.get("PLANALIGN_NOT_A_SETTING", {})
