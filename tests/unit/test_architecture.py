"""The domain core stays pure: it imports no framework, SDK, ORM or scheduler."""

from __future__ import annotations

import ast
from pathlib import Path

import voice_app.domain

FORBIDDEN = {"flask", "twilio", "sqlalchemy", "apscheduler", "werkzeug", "requests", "db"}
DOMAIN_DIR = Path(voice_app.domain.__file__).parent


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_domain_modules_import_no_framework_sdk_orm_or_scheduler():
    offenders = {
        path.name: sorted(imported_roots(path) & FORBIDDEN)
        for path in DOMAIN_DIR.rglob("*.py")
        if imported_roots(path) & FORBIDDEN
    }
    assert offenders == {}


def test_the_check_catches_a_forbidden_import(tmp_path):
    module = tmp_path / "bad.py"
    module.write_text("from sqlalchemy import select\nimport flask.json\n")
    assert imported_roots(module) & FORBIDDEN == {"sqlalchemy", "flask"}


def test_the_web_process_never_starts_a_scheduler():
    web_dir = DOMAIN_DIR.parent / "web"
    offenders = {
        path.name: sorted(imported_roots(path) & {"apscheduler", "scheduler"})
        for path in web_dir.rglob("*.py")
        if imported_roots(path) & {"apscheduler", "scheduler"}
    }
    assert offenders == {}


def test_dependencies_point_inward_services_never_import_the_web_layer():
    services_dir = DOMAIN_DIR.parent / "services"
    offenders = [
        path.name for path in services_dir.rglob("*.py")
        if "voice_app.web" in path.read_text() or "flask" in imported_roots(path)
    ]
    assert offenders == []


# --- The layering, whole: every "never" of docs/architecture.md ---------------------------------

ROOT = DOMAIN_DIR.parent.parent
PACKAGES = {  # a layer: the folder holding it
    "voice_app.domain": ROOT / "voice_app" / "domain",
    "voice_app.services": ROOT / "voice_app" / "services",
    "voice_app.telephony": ROOT / "voice_app" / "telephony",
    "db": ROOT / "db",
    "scheduler": ROOT / "scheduler",
}
OURS = ("voice_app", "db", "scheduler", "bench", "tests")
NEVER = {  # layer -> the modules it never imports (a module, or anything under it)
    "voice_app.domain": {"voice_app", "db", "scheduler", "bench", "tests"},  # but itself
    "voice_app.services": {"voice_app.web", "scheduler", "voice_app.telephony", "voice_app.bootstrap"},
    "db": {"voice_app.services", "voice_app.web", "voice_app.telephony"},
    "voice_app.telephony": {"voice_app.web", "voice_app.services"},
    "scheduler": {"voice_app.web"},
}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> set[str]:
    """Every module of ours `path` imports, anywhere in it (a function's lazy import too),
    relative imports resolved."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[:len(package) - node.level + 1] + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)  # `from pkg import module`
    return {name for name in found if name.split(".")[0] in OURS}


def under(name: str, modules: set[str]) -> bool:
    return any(name == module or name.startswith(module + ".") for module in modules)


def violations(path: Path, never: set[str]) -> list[str]:
    return sorted(name for name in imported_modules(path)
                  if under(name, never) and not (name == "voice_app" or under(name, {"voice_app.domain"})))


def layering_violations() -> dict[str, list[str]]:
    found = {}
    for layer, folder in PACKAGES.items():
        for path in folder.rglob("*.py"):
            if bad := violations(path, NEVER[layer]):
                found[module_name(path)] = bad
    return found


def test_every_layer_imports_only_inward():
    assert layering_violations() == {}


def test_the_layering_check_catches_a_violation_even_relative_or_lazy(tmp_path, monkeypatch):
    package = tmp_path / "voice_app" / "telephony"
    package.mkdir(parents=True)
    module = package / "bad.py"
    module.write_text("def later():\n    from ..services import call_events\n"
                      "from voice_app.web.voice import blueprint\nfrom voice_app.domain import call_flow\n")
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    assert violations(module, NEVER["voice_app.telephony"]) == [
        "voice_app.services", "voice_app.services.call_events", "voice_app.web.voice",
        "voice_app.web.voice.blueprint"]


def test_the_domain_may_import_only_itself(tmp_path, monkeypatch):
    (tmp_path / "voice_app" / "domain").mkdir(parents=True)
    module = tmp_path / "voice_app" / "domain" / "bad.py"
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    module.write_text("from voice_app.domain.outcomes import Outcome\nfrom voice_app.config import Settings\n"
                      "import db.models\n")
    assert violations(module, NEVER["voice_app.domain"]) == ["db.models", "voice_app.config",
                                                           "voice_app.config.Settings"]


def test_every_source_folder_has_its_rules():
    folders = {path.parent for path in (ROOT / "voice_app").glob("*/__init__.py")}
    assert folders - set(PACKAGES.values()) == {ROOT / "voice_app" / "web"}  # the outermost layer
