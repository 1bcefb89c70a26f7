"""The house rules between apps (CONVENTIONS.md, "Between apps: layers, not a web"),
checked from the source's own imports, tests and migrations aside.

Apps sit on floors; an app imports from its own floor (never forming a cycle) or from
lower floors, and across apps only the public doors: ``models``, ``selectors``,
``services``, the registry's ``stations.access`` and ``stations.hours``, and anything in
``core``. docs/architecture.md is the same map in words; a new app goes on a floor here
and there.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS_DIR = ROOT / "yizhan"

FLOORS: dict[str, int] = {
    "core": 0,
    "accounts": 1,
    "regions": 1,
    "notifications": 1,
    "stations": 2,
    "visitors": 2,
    "operations": 3,
    "feedback": 3,
    "devices": 3,
    "supplies": 3,
    "volunteers": 3,
    "signage": 3,
    "finder": 4,
    "evidence": 4,
    "evaluation": 4,
    "lockers": 4,
    "planning": 4,
    "demo": 5,
}
# The doors another app may use: a module's last dotted part, or a whole module.
PUBLIC_KINDS = frozenset({"models", "selectors", "services"})
PUBLIC_MODULES = frozenset({"yizhan.stations.access", "yizhan.stations.hours"})
ORCHESTRATION = frozenset({"demo"})  # may use any app's public doors, of any floor


@dataclass(frozen=True)
class Use:
    source: str  # path relative to the repository
    line: int
    app: str  # the importing app
    target_app: str
    module: str  # the imported module, dotted
    names: tuple[str, ...]  # names taken from it ("*" for a plain import)


def _apps() -> list[str]:
    return sorted(p.name for p in APPS_DIR.iterdir() if p.is_dir() and (p / "__init__.py").exists())


def _sources() -> list[Path]:
    out = []
    for path in sorted(APPS_DIR.rglob("*.py")):
        rel = path.relative_to(APPS_DIR).parts
        if "tests" in rel or "migrations" in rel:
            continue
        out.append(path)
    return out


def _module_of(dotted: str, name: str) -> tuple[str, str | None]:
    """``from dotted import name``: the module it reads (a submodule when ``name`` is
    one) and the name taken from it (None for a submodule)."""
    candidate = ROOT.joinpath(*f"{dotted}.{name}".split("."))
    if candidate.with_suffix(".py").exists() or (candidate / "__init__.py").exists():
        return f"{dotted}.{name}", None
    return dotted, name


_DOTTED = re.compile(r"yizhan(?:\.[a-z_][a-z0-9_]*)+(?::[A-Za-z_][A-Za-z0-9_]*)?")


def _absolute(path: Path, node: ast.ImportFrom) -> str:
    """The absolute module of a (possibly relative) ``from … import``."""
    if node.level == 0:
        return node.module or ""
    package = list(path.relative_to(ROOT).with_suffix("").parts)[: -node.level]
    return ".".join([*package, *([node.module] if node.module else [])])


def _imports(path: Path, tree: ast.Module) -> list[tuple[int, str, tuple[str, ...]]]:
    """Every module the file reads: import statements anywhere (in functions too,
    relative ones resolved), and dotted ``yizhan.…`` strings (``importlib``, "module:name"
    paths), which import as surely as a statement does."""
    found: list[tuple[int, str, tuple[str, ...]]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name, ("*",)) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(path, node)
            per_module: dict[str, list[str]] = defaultdict(list)
            for alias in node.names:
                module, name = _module_of(base, alias.name)
                per_module[module].append(name or "*")
            found += [(node.lineno, m, tuple(n)) for m, n in per_module.items()]
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and _DOTTED.fullmatch(node.value)
        ):
            module, _, name = node.value.partition(":")
            # A module inside an app (not a salt, an app label or a provider's name).
            target = ROOT.joinpath(*module.split("."))
            real = target.with_suffix(".py").exists() or (target / "__init__.py").exists()
            if real and module.count(".") >= 2:
                found.append((node.lineno, module, (name or "*",)))
    return found


def _uses() -> list[Use]:
    uses = []
    for path in _sources():
        app = path.relative_to(APPS_DIR).parts[0]
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, module, names in _imports(path, tree):
            parts = module.split(".")
            if parts[0] != "yizhan" or len(parts) < 2 or parts[1] == app:
                continue
            uses.append(
                Use(
                    source=str(path.relative_to(ROOT)),
                    line=line,
                    app=app,
                    target_app=parts[1],
                    module=module,
                    names=names,
                )
            )
    return uses


USES = _uses()


def _show(uses: list[Use]) -> str:
    return "\n".join(f"  {u.source}:{u.line} imports {u.module} {u.names}" for u in uses)


def test_every_app_has_a_floor() -> None:
    missing = [a for a in _apps() if a not in FLOORS]
    assert not missing, f"put these apps on a floor (here and docs/architecture.md): {missing}"


def test_no_app_imports_from_a_higher_floor() -> None:
    up = [u for u in USES if FLOORS.get(u.target_app, 99) > FLOORS.get(u.app, -1)]
    assert not up, "imports from a higher floor (use a hook in core):\n" + _show(up)


def test_apps_form_no_cycle() -> None:
    graph: dict[str, set[str]] = defaultdict(set)
    for u in USES:
        graph[u.app].add(u.target_app)
    pairs = sorted(
        {tuple(sorted((a, b))) for a in list(graph) for b in graph[a] if a in graph.get(b, ())}
    )
    assert not pairs, f"apps that import each other: {pairs}"
    # Longer cycles: a depth-first search over the app graph.
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(app: str) -> list[str] | None:
        state[app] = 1
        path.append(app)
        for nxt in sorted(graph.get(app, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[app] = 2
        path.pop()
        return None

    for app in sorted(graph):
        if app not in state:
            cycle = visit(app)
            assert cycle is None, "an import cycle between apps: " + " → ".join(cycle)


def test_across_apps_only_the_public_doors() -> None:
    bad = []
    for u in USES:
        if u.target_app == "core":
            continue
        kind = u.module.split(".")[2] if len(u.module.split(".")) > 2 else ""
        if u.module in PUBLIC_MODULES or kind in PUBLIC_KINDS:
            continue
        bad.append(u)
    assert not bad, (
        "across apps only models, selectors, services, stations.access and stations.hours:\n"
        + _show(bad)
    )


def test_no_private_names_across_apps() -> None:
    bad = [u for u in USES if any(n.startswith("_") for n in u.names)]
    assert not bad, "private names imported from another app:\n" + _show(bad)


def test_orchestration_is_only_on_top() -> None:
    """Nothing imports the demo, and only the demo sits on the top floor."""
    bad = [u for u in USES if u.target_app in ORCHESTRATION]
    assert not bad, "the demo is imported by an app:\n" + _show(bad)
    top = max(FLOORS.values())
    assert sorted(a for a, f in FLOORS.items() if f == top) == sorted(ORCHESTRATION)


def _defs(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        (n.lineno, n.name)
        for n in ast.walk(tree)
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
    ]


def test_permission_helpers_live_in_the_access_module() -> None:
    access = APPS_DIR / "stations" / "access.py"
    prefixes = ("_require_", "may_", "_may_", "can_", "_can_")
    bad = [
        f"  {p.relative_to(ROOT)}:{line} {name}"
        for p in _sources()
        if p != access
        for line, name in _defs(p)
        if name.startswith(prefixes)
    ]
    assert not bad, "permission helpers outside yizhan/stations/access.py:\n" + "\n".join(bad)


def test_the_time_zone_is_named_in_one_place() -> None:
    """Code names the zone only in core/time.py (Django's TIME_ZONE setting aside);
    prose may mention it."""
    home = APPS_DIR / "core" / "time.py"
    bad = []
    for p in [*_sources(), *sorted((ROOT / "config").rglob("*.py"))]:
        if p == home:
            continue
        tree = ast.parse(p.read_text(encoding="utf-8"))
        setting = {
            id(n.value)
            for n in ast.walk(tree)
            if isinstance(n, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "TIME_ZONE" for t in n.targets)
        }
        for n in ast.walk(tree):
            zone = isinstance(n, ast.Constant) and n.value == "Asia/Shanghai"
            called = ""
            if isinstance(n, ast.Call):
                called = getattr(n.func, "id", "") or getattr(n.func, "attr", "")
            # ZoneInfo(…) however imported, or a fixed offset: timezone(timedelta(hours=8)).
            call = called == "ZoneInfo" or (
                called == "timezone"
                and isinstance(n, ast.Call)
                and any(isinstance(a, ast.Call) for a in n.args)
            )
            named = isinstance(n, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "SHANGHAI" for t in n.targets
            )
            if (zone and id(n) not in setting) or call or named:
                bad.append(f"  {p.relative_to(ROOT)}:{n.lineno}")  # type: ignore[attr-defined]
    assert not bad, "the zone is named outside yizhan/core/time.py:\n" + "\n".join(bad)


def test_the_remind_command_imports_no_app() -> None:
    [command] = list(APPS_DIR.glob("*/management/commands/remind.py"))
    tree = ast.parse(command.read_text(encoding="utf-8"))
    imported: list[str] = []
    for n in ast.walk(tree):
        if isinstance(n, ast.Import):
            imported += [a.name for a in n.names]
        elif isinstance(n, ast.ImportFrom) and n.module:
            imported.append(n.module)
    apps = [m for m in imported if m and m.startswith("yizhan.") and m.split(".")[1] != "core"]
    assert not apps, f"the remind command walks core's registry and imports no app: {apps}"


def test_spreadsheets_are_written_in_core() -> None:
    """Every XLSX and CSV a person downloads is written by core/xlsx.py or core/csv.py,
    where text that Excel would run as a formula stays text. (Reading uploads with
    openpyxl is the registry's import; the demo writes its own input files.)"""
    bad = []
    for p in _sources():
        app = p.relative_to(APPS_DIR).parts[0]
        if app == "core":
            continue
        tree = ast.parse(p.read_text(encoding="utf-8"))
        for n in ast.walk(tree):
            if isinstance(n, ast.ImportFrom) and n.module and n.module.startswith("openpyxl"):
                taken = {a.name for a in n.names}
                if taken & {"Workbook", "Worksheet"} and not n.module.endswith("worksheet"):
                    bad.append(f"  {p.relative_to(ROOT)}:{n.lineno} imports {sorted(taken)}")
            if isinstance(n, ast.Attribute) and n.attr == "Workbook":
                bad.append(f"  {p.relative_to(ROOT)}:{n.lineno} openpyxl.Workbook")
            if (
                isinstance(n, ast.Attribute)
                and n.attr in {"writer", "DictWriter"}
                and getattr(n.value, "id", "") == "csv"
                and app not in ORCHESTRATION
            ):
                bad.append(f"  {p.relative_to(ROOT)}:{n.lineno} csv.{n.attr}")
    assert not bad, "spreadsheets written outside core:\n" + "\n".join(bad)


def test_no_private_attributes_of_other_apps() -> None:
    """``from yizhan.x import selectors`` then ``selectors._helper`` is a private name too."""
    bad = []
    for p in _sources():
        app = p.relative_to(APPS_DIR).parts[0]
        tree = ast.parse(p.read_text(encoding="utf-8"))
        aliases: set[str] = set()
        for n in ast.walk(tree):
            if isinstance(n, ast.ImportFrom) and n.level == 0 and n.module:
                for a in n.names:
                    module, name = _module_of(n.module, a.name)
                    parts = module.split(".")
                    if name is None and parts[0] == "yizhan" and parts[1] != app:
                        aliases.add(a.asname or a.name)
            elif isinstance(n, ast.Import):
                for a in n.names:
                    parts = a.name.split(".")
                    if a.asname and parts[0] == "yizhan" and len(parts) > 1 and parts[1] != app:
                        aliases.add(a.asname)
        for n in ast.walk(tree):
            if (
                isinstance(n, ast.Attribute)
                and isinstance(n.value, ast.Name)
                and n.value.id in aliases
                and n.attr.startswith("_")
                and not n.attr.startswith("__")
            ):
                bad.append(f"  {p.relative_to(ROOT)}:{n.lineno} {n.value.id}.{n.attr}")
    assert not bad, "private names of another app:\n" + "\n".join(bad)


def test_data_migrations_import_no_app_code() -> None:
    """RunPython works on the historical models (apps.get_model), never on today's code."""
    bad = []
    for p in sorted(APPS_DIR.glob("*/migrations/*.py")):
        text = p.read_text(encoding="utf-8")
        if "RunPython" not in text:
            continue
        for line, module, _names in _imports(p, ast.parse(text)):
            if module.startswith("yizhan.") and ".migrations" not in module:
                bad.append(f"  {p.relative_to(ROOT)}:{line} imports {module}")
    assert not bad, "data migrations importing app code:\n" + "\n".join(bad)


def _doc_floors() -> dict[str, int]:
    """The floor table of docs/architecture.md: app → floor, read row by row (a row with
    an empty first cell continues the floor above)."""
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    out: dict[str, int] = {}
    floor = -1
    for line in doc.split("## The floors", 1)[1].split("\n## ", 1)[0].splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 2 or not line.startswith("|") or set(cells[0]) <= {"-"} and cells[0]:
            continue
        if cells[0][:1].isdigit():
            floor = int(cells[0].split()[0])
        for app in re.findall(r"`([a-z_]+)`", cells[1]):
            out[app] = floor
    return out


def test_the_docs_put_every_app_on_its_floor() -> None:
    documented = _doc_floors()
    wrong = {
        app: (floor, documented.get(app))
        for app, floor in FLOORS.items()
        if documented.get(app) != floor
    }
    assert not wrong, f"docs/architecture.md's floor table disagrees (app: here, docs): {wrong}"
