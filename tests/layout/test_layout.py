"""The rules of the tree that the folder names alone cannot show (docs/design.md, "Layout").

Each test reads the source with `ast` and fails naming the file (and line) that broke the rule.
"""
from __future__ import annotations

import ast
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
CORE = ROOT / "core"

# Where the clock may be read: the scheduler's loop (once a tick), the command line, the console, and the
# clients and endpoints that need the time of a request they make or answer; the sandbox mall keeps its own.
CLOCK_READERS = ("core/scheduler/loop.py", "core/__main__.py", "core/console/", "core/integrations/",
                 "core/public/", "core/sandbox/", "core/clock.py",
                 # Processes that stamp each write with the time it is made (a sync takes minutes of I/O):
                 # records of when, not rules.
                 "core/sync/engine.py", "core/sync/godomall_book.py", "core/shops/registry.py",
                 # The analysts' notebook API is an edge like the console: it reads the clock when asked.
                 "core/analyst/")
# Packages that take and return data and never open the store.
STORELESS = ("integrations", "messaging")
# Besides the console, the public pages are words too (for recipients, in Korean), so they may use core.i18n.
WORDS_USERS = ("console", "i18n", "public")


def _sources(folder: Path) -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(folder.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        yield rel, ast.parse(path.read_text(encoding="utf-8"), filename=rel)


def _imports(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """Every module an import names, with its line: `from core import x` names core and core.x."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.lineno, node.module
            for alias in node.names:
                yield node.lineno, f"{node.module}.{alias.name}"


def _package(rel: str) -> str:
    """core/sync/engine.py -> sync; core/store.py -> store."""
    parts = rel.split("/")
    return parts[1] if len(parts) > 2 else parts[1].removesuffix(".py")


def _is_under(name: str, module: str) -> bool:
    return name == module or name.startswith(module + ".")


def _broken(found: list[str], rule: str) -> str:
    return f"{rule}:\n  " + "\n  ".join(found)


def test_pages_import_only_the_console_and_the_words() -> None:
    found = []
    for rel, tree in [*_sources(ROOT / "pages"), ("app.py", ast.parse((ROOT / "app.py").read_text()))]:
        for line, name in _imports(tree):
            if _is_under(name, "core") and name != "core" and not (
                    _is_under(name, "core.console") or _is_under(name, "core.i18n")):
                found.append(f"{rel}:{line} imports {name}")
    assert not found, _broken(found, "pages import core.console and core.i18n only")


def test_core_never_imports_streamlit() -> None:
    found = [f"{rel}:{line} imports {name}" for rel, tree in _sources(CORE)
             for line, name in _imports(tree) if _is_under(name, "streamlit")]
    assert not found, _broken(found, "core imports without Streamlit")


def test_domain_packages_neither_import_the_console_nor_produce_words() -> None:
    found = []
    for rel, tree in _sources(CORE):
        package = _package(rel)
        for line, name in _imports(tree):
            if package not in ("console", "__main__") and _is_under(name, "core.console"):
                found.append(f"{rel}:{line} imports {name}")
            if package not in WORDS_USERS and rel != "core/__main__.py" and _is_under(name, "core.i18n"):
                found.append(f"{rel}:{line} imports {name} (raise an error with a key; the console words it)")
    assert not found, _broken(found, "domain packages never import core.console or produce console words")


def test_integrations_and_messaging_never_open_the_store() -> None:
    found = []
    for package in STORELESS:
        for rel, tree in _sources(CORE / package):
            for line, name in _imports(tree):
                if _is_under(name, "core.store"):
                    found.append(f"{rel}:{line} imports {name}")
            for node in ast.walk(tree):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "unit":
                    found.append(f"{rel}:{node.lineno} opens a unit of work")
    assert not found, _broken(found, "integrations/ and messaging/ take and return data, never open the store")


_WRITE = re.compile(r"\b(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM|MERGE\s+INTO|TRUNCATE)\s+"
                    r"([a-z_][a-z0-9_]*)\b", re.I)
_NOT_TABLES = {"set", "of", "on", "excluded"}


def _sql_writes(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """Tables named after INSERT INTO / UPDATE / DELETE FROM in string constants, and `upsert(con, "table", …)`."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            for match in _WRITE.finditer(node.value):
                table = match.group(1).lower()
                if table not in _NOT_TABLES and not node.value.lstrip().startswith(("The ", "A ")):
                    yield node.lineno, table
        elif isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "upsert":
            for arg in node.args[1:2]:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    yield node.lineno, arg.value


def test_each_table_has_one_module_that_writes_it() -> None:
    writers: dict[str, dict[str, int]] = defaultdict(dict)
    for rel, tree in _sources(CORE):
        if rel.startswith("core/sandbox/"):
            continue  # the simulated mall is another system; it never touches the store
        for line, table in _sql_writes(tree):
            writers[table].setdefault(rel, line)
    found = [f"{table} is written by " + ", ".join(f"{rel}:{line}" for rel, line in sorted(mods.items()))
             for table, mods in sorted(writers.items()) if len(mods) > 1]
    assert not found, _broken(found, "each table has one module that writes it; others call that module")


def _reads_clock(node: ast.AST) -> bool:
    """`clock.now()`, `clock.get_clock().now()`, or a wall-clock read (`datetime.now()`, `time.time()`)."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return False
    owner = node.func.value
    name = owner.id if isinstance(owner, ast.Name) else owner.attr if isinstance(owner, ast.Attribute) else ""
    return (node.func.attr == "now" and name in {"clock", "datetime"}) or (
        node.func.attr == "time" and name == "time")


def test_no_rule_reads_the_clock() -> None:
    found = []
    for rel, tree in _sources(CORE):
        if rel.startswith(CLOCK_READERS) or rel in {"core/log.py", "core/store.py"} or \
                rel.startswith("core/scheduler/"):
            continue  # edges; the log and the store's lock stamp wall time, not rule time
        for node in ast.walk(tree):
            if _reads_clock(node):
                found.append(f"{rel}:{node.lineno} reads the clock (take `now` as an argument)")
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                defaults = dict(zip(reversed([a.arg for a in node.args.args + node.args.kwonlyargs]),
                                    reversed(node.args.defaults + node.args.kw_defaults), strict=False))
                default = defaults.get("now")
                if isinstance(default, ast.Constant) and default.value is None:
                    found.append(f"{rel}:{node.lineno} {node.name}() lets `now` default to the clock")
    assert not found, _broken(found, "no rule reads the wall clock: the scheduler passes `now` down")


def test_the_stop_signal_is_an_argument_never_a_module_global() -> None:
    found = []
    for rel, tree in _sources(CORE):
        if rel == "core/clock.py":
            continue  # the clock itself: tests and `--now` set it before anything runs
        for node in ast.walk(tree):
            if isinstance(node, ast.Global):
                found.append(f"{rel}:{node.lineno} declares global {', '.join(node.names)}")
        for node in tree.body:
            targets = node.targets if isinstance(node, ast.Assign) else \
                [node.target] if isinstance(node, ast.AnnAssign) else []
            for target in targets:
                if isinstance(target, ast.Name) and "stop" in target.id.lower():
                    found.append(f"{rel}:{node.lineno} keeps {target.id} at module level")
    assert not found, _broken(found, "the stop signal is an argument, never a module global")
