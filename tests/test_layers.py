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


# bot → reminders → commands → reports → words → storage: /report calls reports/, which words dates, durations, names
# and questions with words/ (below both), never with commands/. Imports under `if TYPE_CHECKING:` do not count.
UPPER = {
    "storage": ("bot", "commands", "reminders", "reports", "words"),
    "words": ("bot", "commands", "reminders", "reports"),
    "commands": ("bot", "reminders"),
    "reports": ("bot", "reminders", "commands"),
    "reminders": ("bot",),
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


# --- the whole tree: SQL only in storage/, no import cycle, each package imports only from below -------------------

PACKAGES = ("bot", "commands", "reminders", "reports", "storage", "words")
# What a module outside storage/ may take from sqlmodel/sqlalchemy: the types its signatures name and the errors it
# catches; never a statement builder (select, update, delete, insert, text, func, col, or_ …).
ORM_ALLOWED = {"sqlmodel": {"Session"}, "sqlalchemy.engine": {"Engine"}, "sqlalchemy.exc": {"*"}}


def _tree_files(*packages: str) -> list[Path]:
    return [p for pkg in packages for p in sorted((ROOT / pkg).rglob("*.py")) if "migrations" not in p.parts]


def sql_outside_storage(source: str) -> list[tuple[int, str]]:
    """(line, what) for each statement builder imported from sqlmodel/sqlalchemy and each statement run (`.exec(`,
    `.execute(`): the SQL a module outside storage/ must leave to a function in storage/."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, f"import {a.name}") for a in node.names if a.name.split(".")[0] in ORM]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in ORM:
            allowed = ORM_ALLOWED.get(node.module, set())
            bad = [a.name for a in node.names if "*" not in allowed and a.name not in allowed]
            if bad:
                found.append((node.lineno, f"from {node.module} import {', '.join(bad)}"))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in QUERYING:
            found.append((node.lineno, f".{node.func.attr}(…)"))
    return sorted(found)


@pytest.mark.parametrize(
    "path", _tree_files("bot", "commands", "reminders", "reports", "words"), ids=lambda p: str(p.relative_to(ROOT))
)
def test_sql_lives_in_storage_only(path: Path):
    found = sql_outside_storage(path.read_text(encoding="utf-8"))
    where = str(path.relative_to(ROOT))
    assert not found, "SQL lives in storage/: move the query into a named function there\n" + "\n".join(
        f"{where}:{line}: {what}" for line, what in found
    )


def test_the_sql_check_sees_a_query_and_lets_types_be():
    source = "\n".join(
        [
            "from sqlmodel import Session, select",
            "from sqlalchemy import text",
            "from sqlalchemy.engine import Engine",
            "from sqlalchemy.exc import OperationalError",
            "rows = session.exec(select(Project)).all()",
            "def f():\n    from sqlmodel import col",
        ]
    )
    assert [line for line, _ in sql_outside_storage(source)] == [1, 2, 5, 7]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(source: str, module: str, known: set[str], *, is_package: bool = False) -> set[str]:
    """The modules of `known` that `module` imports when it runs: at the top or inside a function (a lazy import is
    still an edge); not under `if TYPE_CHECKING:`, which never runs. `from pkg import sub` names the module pkg.sub."""
    tree = ast.parse(source)
    type_only = _type_only(tree)
    package = module if is_package else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if node in type_only:
            continue
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                stem = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*stem, *([node.module] if node.module else [])])
            targets = [f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in known] or [base]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != module:
                found.add(target)
    return found


def import_graph(files: dict[str, str], packages: set[str] = frozenset()) -> dict[str, set[str]]:
    """Module → the modules (among `files`) it imports."""
    known = set(files)
    return {m: imported_modules(source, m, known, is_package=m in packages) for m, source in files.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, iterative), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph.get(nxt, ())))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return sorted(found)


def _whole_tree() -> tuple[dict[str, str], set[str]]:
    files = {module_name(p): p.read_text(encoding="utf-8") for p in _tree_files(*PACKAGES)}
    packages = {module_name(p) for p in _tree_files(*PACKAGES) if p.name == "__init__.py"}
    return files, packages


def test_no_import_cycle_in_the_whole_tree():
    files, packages = _whole_tree()
    assert len(files) > 100, "the whole tree is read"
    found = cycles(import_graph(files, packages))
    assert not found, "import cycles (lazy imports count; give the shared part a module below both):\n" + "\n".join(
        " ↔ ".join(component) for component in found
    )


def test_the_cycle_check_sees_a_lazy_cycle_and_lets_type_imports_be():
    files = {
        "a": "import b",
        "b": "def f():\n    from c import x",
        "c": "from a import y",
        "d": "from e import z",
        "e": "if TYPE_CHECKING:\n    from d import w",
        "p": "",
        "p.q": "from p import r",
        "p.r": "from . import q",
    }
    assert cycles(import_graph(files, {"p"})) == [["a", "b", "c"], ["p.q", "p.r"]]


def test_every_package_import_goes_downwards():
    """The package rules above (UPPER), over every module of the tree, from the import graph."""
    files, packages = _whole_tree()
    wrong = [
        f"{module} → {target}"
        for module, targets in import_graph(files, packages).items()
        for target in sorted(targets)
        if target.split(".")[0] in UPPER.get(module.split(".")[0], ())
    ]
    assert not wrong, "an import against the layers (bot → reminders → commands/reports → storage):\n" + "\n".join(wrong)
