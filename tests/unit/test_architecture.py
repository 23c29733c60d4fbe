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
