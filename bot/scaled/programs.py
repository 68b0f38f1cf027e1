"""Finding the programs make run-scaled runs (nginx, PostgreSQL, Redis), or saying how to install them."""

from __future__ import annotations

import shutil

INSTALL_HINTS = {
    "nginx": "install nginx (Debian/Ubuntu: sudo apt-get install nginx; macOS: brew install nginx)",
    "PostgreSQL": "install PostgreSQL (Debian/Ubuntu: sudo apt-get install postgresql; "
    "macOS: brew install postgresql@15), or point DATABASE_URL at a running server",
    "Redis": "install Redis (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis), "
    "or point REDIS_URL at a running server",
}


def find_program(service: str, candidates: list[str]) -> str:
    for candidate in candidates:
        found = shutil.which(candidate)
        if found:
            return found
    raise SystemExit(f"{service} is needed for make run-scaled but was not found: {INSTALL_HINTS[service]}.")
