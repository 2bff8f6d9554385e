"""The layer rule: commands/ never builds SQL nor works the session; every query and rule about data is in storage/.

A command gets its data from a well-named function in storage/ (storage/issues.py, storage/directory.py …) and
hands it `ctx.session`; it imports nothing from sqlmodel or sqlalchemy (so no select, update, delete, func, col)
and calls no `.exec(` / `.execute(` and no session method (get, add, commit, refresh …). The session's type, where a
signature needs it, comes from storage.db under TYPE_CHECKING.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = sorted((ROOT / "commands").rglob("*.py"))
ORM = {"sqlmodel", "sqlalchemy"}
QUERYING = {"exec", "execute"}  # whatever the receiver: commands run no statements
SESSION_WORK = {
    "get",
    "add",
    "add_all",
    "commit",
    "delete",
    "refresh",
    "flush",
    "rollback",
    "merge",
    "scalar",
    "scalars",
    "query",
}


def _is_session(node: ast.expr) -> bool:
    """`session` or `<anything>.session` (`ctx.session`, `later.session`)."""
    return (isinstance(node, ast.Name) and node.id == "session") or (isinstance(node, ast.Attribute) and node.attr == "session")


def violations(source: str) -> list[tuple[int, str]]:
    """(line, what) for each ORM import, statement run or session call in the source, in line order."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in ORM:
            found.append((node.lineno, f"from {node.module} import {', '.join(a.name for a in node.names)}"))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, f"import {a.name}") for a in node.names if a.name.split(".")[0] in ORM]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            method = node.func.attr
            if method in QUERYING:
                found.append((node.lineno, f".{method}(…)"))
            elif method in SESSION_WORK and _is_session(node.func.value):
                found.append((node.lineno, f"session.{method}(…)"))
    return sorted(found)


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: str(p.relative_to(ROOT)))
def test_commands_leave_queries_to_storage(path: Path):
    found = violations(path.read_text(encoding="utf-8"))
    where = str(path.relative_to(ROOT))
    assert not found, "commands/ never builds SQL: move the query into a function in storage/\n" + "\n".join(
        f"{where}:{line}: {what}" for line, what in found
    )


REPORTS = sorted((ROOT / "reports").rglob("*.py"))


@pytest.mark.parametrize("path", REPORTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_reports_render_and_leave_queries_to_storage(path: Path):
    """reports/ renders the rows storage/ reads (storage/report_rows.py): no ORM import, no statement run."""
    found = violations(path.read_text(encoding="utf-8"))
    where = str(path.relative_to(ROOT))
    assert not found, "reports/ only renders: move the query into storage/report_rows.py\n" + "\n".join(
        f"{where}:{line}: {what}" for line, what in found
    )
    assert REPORTS, "reports/ is checked"


def test_every_command_module_is_checked():
    assert {"issue.py", "dept.py", "channels.py", "where.py", "base.py"} <= {p.name for p in COMMANDS}


def test_the_check_sees_what_it_forbids():
    bad = "\n".join(
        [
            "from sqlmodel import Session, select",
            "from sqlalchemy import delete, func, update",
            "import sqlalchemy.orm",
            "rows = ctx.session.exec(select(Issue))",
            "issue = later.session.get(Issue, 1)",
            "session.execute(update(Issue))",
            "ctx.session.commit()",
            "from sqlmodel import col",
        ]
    )
    assert [line for line, _ in violations(bad)] == [1, 2, 3, 4, 5, 6, 7, 8]


def test_the_check_lets_storage_calls_and_plain_dicts_be():
    fine = "\n".join(
        [
            "from storage.issues import get_issue",
            "issue = get_issue(ctx.session, 1)",
            "names.update({'a': 1})",
            "value = meta.get('project_id')",
            "cards.add(card)",
        ]
    )
    assert violations(fine) == []


# bot → reminders → commands → storage; reports/ renders files beside commands (it borrows their wording helpers,
# and /report calls it). Imports under `if TYPE_CHECKING:` are types only and do not count.
UPPER = {
    "storage": ("bot", "commands", "reminders", "reports"),
    "commands": ("bot", "reminders"),
    "reports": ("bot", "reminders"),
}


def _type_only(tree: ast.Module) -> set[ast.AST]:
    guarded = [n for n in ast.walk(tree) if isinstance(n, ast.If) and "TYPE_CHECKING" in ast.unparse(n.test)]
    return {inner for n in guarded for stmt in n.body for inner in ast.walk(stmt)}


def upward_imports(source: str, layer: str) -> list[tuple[int, str]]:
    """Imports a module of `layer` makes from the layers above it."""
    tree = ast.parse(source)
    type_only = _type_only(tree)
    found = []
    for node in ast.walk(tree):
        if node in type_only:
            continue
        names = (
            [node.module or ""]
            if isinstance(node, ast.ImportFrom)
            else [alias.name for alias in node.names]
            if isinstance(node, ast.Import)
            else []
        )
        found += [(node.lineno, name) for name in names if name.split(".")[0] in UPPER[layer]]
    return found


@pytest.mark.parametrize(
    "path",
    [p for layer in UPPER for p in sorted((ROOT / layer).rglob("*.py")) if "migrations" not in p.parts],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_lower_layers_import_nothing_from_above(path: Path):
    layer = path.relative_to(ROOT).parts[0]
    assert upward_imports(path.read_text(encoding="utf-8"), layer) == []


def test_the_upward_check_sees_an_upward_import():
    source = "from commands.text import clean\nimport bot.cli\nfrom storage import db\nif TYPE_CHECKING:\n    import bot.x"
    assert upward_imports(source, "storage") == [(1, "commands.text"), (2, "bot.cli")]
