"""The layers in ARCHITECTURE.md, held: the domain imports no framework, the services no SQLAlchemy."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[2] / "bot"
DOMAIN = sorted(
    [*(BOT / "careplan").glob("*.py"), *(BOT / "safety").glob("*.py"), *(BOT / "directory").glob("*.py")]
)
SERVICES = [
    *sorted((BOT / "services").glob("*.py")),
    *(BOT / f"{name}.py" for name in ("review_services", "account_services", "directory_services")),
]
NOT_IN_THE_DOMAIN = (
    "rasa",
    "rasa_sdk",
    "sqlalchemy",
    "fastapi",
    "starlette",
    "sanic",
    "bot.store",
    "bot.console",
    "actions",
)


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def _within(name: str, packages: tuple[str, ...]) -> bool:
    return any(name == package or name.startswith(package + ".") for package in packages)


@pytest.mark.parametrize("path", DOMAIN, ids=lambda p: str(p.relative_to(BOT)))
def test_the_domain_imports_no_framework_and_no_store(path: Path) -> None:
    assert not [name for name in imported(path) if _within(name, NOT_IN_THE_DOMAIN)]


@pytest.mark.parametrize("path", SERVICES, ids=lambda p: str(p.relative_to(BOT)))
def test_the_services_import_nothing_from_sqlalchemy(path: Path) -> None:
    assert not [name for name in imported(path) if _within(name, ("sqlalchemy",))]
