"""docs/openapi.yaml documents the API the code serves: regenerate it with `make openapi`."""

from __future__ import annotations

from pathlib import Path

import yaml
from fastapi import FastAPI

DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"


def test_the_openapi_file_matches_the_code(app: FastAPI) -> None:
    documented = yaml.safe_load(DOCUMENT.read_text())

    assert documented == app.openapi(), "docs/openapi.yaml is out of date: run `make openapi`"


def test_the_document_covers_every_api_route(app: FastAPI) -> None:
    documented = yaml.safe_load(DOCUMENT.read_text())
    served = {
        (route.path, method.lower())
        for route in app.routes
        if route.path.startswith("/api/")
        for method in getattr(route, "methods", ())
    }

    assert {(path, method) for path, item in documented["paths"].items() for method in item} == served
    assert set(documented["components"]["securitySchemes"]) == {"apiToken", "consoleSession"}
