"""The documentation names only things that exist: files and folders, make targets, CLI commands.

Pure Python and fast: reads the Markdown, the Makefile and the CLI's source; runs nothing and imports
neither dbt nor the CLI. Every broken reference is reported at once, as file:line.

Which documents: README.md, RUNBOOK.md and every docs/*.md.

What counts as a reference, and the rule for each:

(a) Paths.
    - A relative Markdown link `[text](target)` (not a URL, not mailto:, not a bare #anchor) must name an
      existing file or folder, relative to the document's folder. When the target is a Markdown file
      with a #fragment, that file must have a heading whose GitHub anchor is the fragment; a bare
      `#fragment` must be a heading of the document itself.
    - An inline code span (`...`, outside fenced code blocks) is read as a path when it is a single
      token made only of path characters (letters, digits, `_ . - /`) and either contains a `/` whose
      first segment is a top-level entry of the repository (`models/...`, `docs/...`, `.ci/run`) or
      ends in a source extension (.md .yml .yaml .csv .sql .py .toml .j2 .json .png .txt .cfg .sh).
      Such a path must exist relative to the repository root (or to the document's folder). A bare
      file name without a `/` must be the name of some file in the repository; outputs named bare
      (`report.html`, `summary.json`) are not source extensions and are not checked.
    - Not checked, on purpose: anything with a placeholder or a pattern (`<scenario>`, `*`, `{a,b}`,
      `$VAR`, `...`), URLs, absolute paths, spans with spaces or `=` (commands and settings), fenced
      code blocks (examples of commands whose paths are the reader's), and paths under folders whose
      content is generated or the user's own: reports/, db/, logs/, artifacts/, target/, bench/,
      dbt_packages/, .venv/ and data/ (censuses are inputs; only data/census_default.csv ships).
(b) Make targets: `make <target>` in inline code or fenced code (after any VAR=value words, before
    `#` comments); every target named must be a rule of the Makefile.
(c) CLI commands: `planalign <command>` in inline code or fenced code; the command must be one the
    CLI registers. The names are read from the Python source under scripts/ (ast): `@<x>.command(...)`
    and `@<x>.group(...)` decorators, their `name` or first argument, else click's default name from
    the function (underscores to dashes, a `_command`/`_cmd`/`_group`/`_grp` suffix dropped), plus
    `add_command(cmd, "name")` aliases.
"""

from __future__ import annotations

import ast
import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", ROOT / "RUNBOOK.md", *sorted((ROOT / "docs").glob("*.md"))]

SOURCE_EXTENSIONS = (".md", ".yml", ".yaml", ".csv", ".sql", ".py", ".toml", ".j2", ".json", ".png", ".txt",
                     ".cfg", ".sh")
# a bare file name (no folder) is checked only for these: .json and .png files named bare are outputs
BARE_EXTENSIONS = tuple(extension for extension in SOURCE_EXTENSIONS if extension not in {".json", ".png"})
TARGET_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
GENERATED = ("reports/", "db/", "logs/", "artifacts/", "target/", "bench/", "dbt_packages/", ".venv/", "data/")
PATH_TOKEN = re.compile(r"[A-Za-z0-9_./-]+")
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)|!\[[^\]]*\]\(([^)\s]+)\)")
INLINE_CODE = re.compile(r"(`+)(.+?)\1")
SKIPPED_FILES = {".git", ".venv", "dbt_packages", "target", "logs", "reports", "db", "artifacts", "bench",
                 "__pycache__", ".pytest_cache", ".ruff_cache"}


# ---- reading the documents -------------------------------------------------------------------------

def split_lines(text: str) -> list[tuple[int, str, bool]]:
    """(line number, line, inside a fenced code block) for every line; fence lines themselves are code."""
    out, fenced = [], False
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith(("```", "~~~")):
            out.append((number, line, True))
            fenced = not fenced
            continue
        out.append((number, line, fenced))
    return out


def inline_code(line: str) -> list[str]:
    return [match.group(2).strip() for match in INLINE_CODE.finditer(line)]


def github_anchor(heading: str) -> str:
    """The fragment GitHub gives a heading: lower case, punctuation dropped, spaces to dashes."""
    text = re.sub(r"`([^`]*)`", r"\1", heading.strip()).lower()
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    found: set[str] = set()
    counts: dict[str, int] = {}
    for _, line, fenced in split_lines(path.read_text()):
        match = re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", line)
        if fenced or not match:
            continue
        anchor = github_anchor(match.group(1))
        n = counts.get(anchor, 0)
        counts[anchor] = n + 1
        found.add(anchor if n == 0 else f"{anchor}-{n}")
    return found


# ---- what exists -----------------------------------------------------------------------------------

def repository_names() -> set[str]:
    names = set()
    for path in ROOT.rglob("*"):
        if path.is_file() and not SKIPPED_FILES & set(path.relative_to(ROOT).parts):
            names.add(path.name)
    return names


def make_targets() -> set[str]:
    targets = set()
    for line in (ROOT / "Makefile").read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.%/$() -]+?)\s*::?(?!=)", line)
        if match and not line.startswith("\t"):
            targets.update(name for name in match.group(1).split() if "$" not in name and "%" not in name)
    return targets


def _default_command_name(function: str) -> str:
    name = function
    for suffix in ("_command", "_cmd", "_group", "_grp"):
        if name.endswith(suffix) and name != suffix:
            name = name[: -len(suffix)]
            break
    return name.replace("_", "-").lower()


def cli_commands() -> set[str]:
    """Every command name the CLI registers, read from the source (nothing is imported)."""
    names: set[str] = set()
    for path in sorted((ROOT / "scripts").rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for decorator in node.decorator_list:
                    if not (isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute)
                            and decorator.func.attr in {"command", "group"}):
                        continue
                    given = [kw.value for kw in decorator.keywords if kw.arg == "name"] + decorator.args[:1]
                    literal = next((v.value for v in given if isinstance(v, ast.Constant)
                                    and isinstance(v.value, str)), None)
                    names.add(literal or _default_command_name(node.name))
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                  and node.func.attr == "add_command"):
                given = [kw.value for kw in node.keywords if kw.arg == "name"] + node.args[1:2]
                names.update(v.value for v in given if isinstance(v, ast.Constant) and isinstance(v.value, str))
    return names


# ---- the checks --------------------------------------------------------------------------------------

def _exists(target: str, document: Path) -> bool:
    clean = target.rstrip("/")
    return (ROOT / clean).exists() or (document.parent / clean).exists()


def looks_like_path(token: str) -> bool:
    if not PATH_TOKEN.fullmatch(token) or token.startswith(("/", "-")) or ".." in token:
        return False
    if token.startswith(GENERATED):
        return False
    if "/" in token:
        first = token.split("/", 1)[0]
        return (ROOT / first).exists() or token.endswith(SOURCE_EXTENSIONS)
    return not token.startswith(".") and token.endswith(BARE_EXTENSIONS)


def path_problems(document: Path, names: set[str]) -> list[str]:
    problems = []
    text = document.read_text()
    own = anchors(document)
    for number, line, fenced in split_lines(text):
        if fenced:
            continue
        for match in LINK.finditer(line):
            target = match.group(1) or match.group(2)
            if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto:, ...
                continue
            target, _, fragment = target.partition("#")
            if not target:
                if fragment and fragment not in own:
                    problems.append(f"{number}: link to #{fragment}: no such heading in this document")
                continue
            linked = (document.parent / target).resolve()
            if not linked.exists():
                problems.append(f"{number}: link to {target}: no such file or folder")
            elif fragment and linked.suffix == ".md" and fragment not in anchors(linked):
                problems.append(f"{number}: link to {target}#{fragment}: no such heading in {target}")
        for code in inline_code(line):
            if not looks_like_path(code):
                continue
            if "/" in code:
                if not _exists(code, document):
                    problems.append(f"{number}: `{code}`: no such file or folder in the repository")
            elif code not in names:
                problems.append(f"{number}: `{code}`: no file of that name in the repository")
    return problems


def _commands(text: str) -> list[list[str]]:
    """The shell commands of a piece of code: split on && || ; | and newlines, comments dropped."""
    commands = []
    for line in text.splitlines():
        line = re.split(r"\s#", " " + line, maxsplit=1)[0]
        for segment in re.split(r"&&|\|\||;|\|", line):
            try:
                words = shlex.split(segment)
            except ValueError:
                words = segment.split()
            if words:
                commands.append(words)
    return commands


def _invoked(words: list[str], program: str) -> list[str]:
    """The arguments of `program` when it is the command word (after VAR=value words), else none."""
    index = 0
    while index < len(words) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", words[index]):
        index += 1
    if index >= len(words) or Path(words[index]).name != program:
        return []
    return words[index + 1:]


def command_problems(document: Path, targets: set[str], commands: set[str]) -> list[str]:
    problems = []
    for number, line, fenced in split_lines(document.read_text()):
        pieces = [line] if fenced else inline_code(line)
        for piece in pieces:
            for words in _commands(piece):
                for word in _invoked(words, "make"):
                    if "=" in word or not TARGET_NAME.fullmatch(word) or "..." in word:
                        continue  # VAR=value, an option, a placeholder such as <target> or ...
                    if word not in targets:
                        problems.append(f"{number}: `make {word}`: no such target in the Makefile")
                arguments = _invoked(words, "planalign")
                if arguments and not arguments[0].startswith("-") and "<" not in arguments[0]:
                    if arguments[0] not in commands:
                        problems.append(f"{number}: `planalign {arguments[0]}`: the CLI has no such command")
    return problems


# ---- the tests -------------------------------------------------------------------------------------

def _report(problems: dict[Path, list[str]]) -> str:
    return "\n".join(f"{path.relative_to(ROOT)}:{problem}" for path, found in problems.items() for problem in found)


def test_the_readers_of_the_references_find_something():
    """Guards the guard: if the Makefile or the CLI could not be read, every reference would look broken
    or, worse, none would be checked."""
    assert {"simulate", "validate", "setup"} <= make_targets()
    assert {"simulate", "resume", "workforce-at", "bench-compare"} <= cli_commands()
    assert looks_like_path("docs/rules.md") and looks_like_path("models/marts")
    assert not looks_like_path("reports/<scenario>/report.html") and not looks_like_path("scenario/design")
    assert github_anchor("Errors and their fixes") == "errors-and-their-fixes"
    assert github_anchor("The year protocol: `dbt build`") == "the-year-protocol-dbt-build"


def test_documents_name_only_existing_paths():
    names = repository_names()
    problems = {document: path_problems(document, names) for document in DOCUMENTS}
    if any(problems.values()):
        pytest.fail("broken paths or links:\n" + _report(problems), pytrace=False)


def test_documents_name_only_existing_make_targets_and_commands():
    targets, commands = make_targets(), cli_commands()
    problems = {document: command_problems(document, targets, commands) for document in DOCUMENTS}
    if any(problems.values()):
        pytest.fail("unknown make targets or CLI commands:\n" + _report(problems), pytrace=False)
