"""The house's layers, read from the imports of every module (ARCHITECTURE.md): the pipeline and
the control plane on top, resources/ and payments/ under them, the store at the bottom.

A module that reaches up a layer (a resource importing the control plane, the store importing
a resource) or a circle of resource modules fails here, naming the import.
"""
import ast
from pathlib import Path

import stripe_emu

PACKAGE = Path(stripe_emu.__file__).resolve().parent
# The front doors: what serves requests or wraps the app for users. Nothing below imports them.
FRONT = {"stripe_emu.app", "stripe_emu.control", "stripe_emu.testing", "stripe_emu.server",
         "stripe_emu.http11", "stripe_emu.wsgi", "stripe_emu.wsgiref_server",
         "stripe_emu.__main__", "stripe_emu.pytest_plugin", "stripe_emu.seeding"}
BELOW = ("stripe_emu.resources", "stripe_emu.payments", "stripe_emu.store",
         "stripe_emu.testcards", "stripe_emu.events", "stripe_emu.expand", "stripe_emu.params",
         "stripe_emu.spec", "stripe_emu.search", "stripe_emu.ids", "stripe_emu.errors",
         "stripe_emu.webhooks", "stripe_emu.idempotency", "stripe_emu.faults")


def _modules():
    """{module name: path} of every module of the package."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = ("stripe_emu", *path.relative_to(PACKAGE).with_suffix("").parts)
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


MODULES = _modules()


def _imports(name):
    """[(imported name, line)] of module `name`, at any depth of its code; `from . import x`
    names the module x when there is one."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            for alias in node.names:
                full = f"{base}.{alias.name}"
                found.append((full if full in MODULES else base, node.lineno))
    return found


def _within(name, prefixes):
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def test_the_store_imports_nothing_above_it():
    for name in MODULES:
        if _within(name, ["stripe_emu.store"]):
            for imported, line in _imports(name):
                assert not _within(imported, ["stripe_emu"]) or \
                    _within(imported, ["stripe_emu.store"]), f"{name}:{line} imports {imported}"


def test_only_the_store_talks_to_sqlite():
    for name in MODULES:
        if not _within(name, ["stripe_emu.store"]):
            for imported, line in _imports(name):
                assert imported != "sqlite3", f"{name}:{line} imports sqlite3"


def test_nothing_below_the_pipeline_imports_a_front_door():
    checked = [name for name in MODULES if _within(name, BELOW)]
    assert "stripe_emu.resources.customers" in checked and "stripe_emu.store.db" in checked
    for name in checked:
        for imported, line in _imports(name):
            assert not _within(imported, FRONT) and not imported.startswith(
                "stripe_emu.control"), f"{name}:{line} imports {imported}"


def test_resource_modules_import_each_other_without_a_circle():
    resources = [name for name in MODULES if name.startswith("stripe_emu.resources.")]
    graph = {name: {imported for imported, _ in _imports(name) if imported in resources}
             for name in resources}
    assert "stripe_emu.resources.payment_sources" in graph["stripe_emu.resources.customers"]
    done, path = set(), []

    def visit(name):
        assert name not in path, "resource modules import each other in a circle: " + \
            " → ".join(path[path.index(name):] + [name])
        if name in done:
            return
        path.append(name)
        for imported in graph[name]:
            visit(imported)
        path.pop()
        done.add(name)

    for name in graph:
        visit(name)


def test_the_control_plane_does_not_import_the_app_that_dispatches_to_it():
    control_plane = [name for name in MODULES if name.startswith("stripe_emu.control")]
    assert "stripe_emu.control" in control_plane and "stripe_emu.control_redirect" in control_plane
    for name in control_plane:
        for imported, line in _imports(name):
            assert imported != "stripe_emu.app", f"{name}:{line} imports {imported}"
