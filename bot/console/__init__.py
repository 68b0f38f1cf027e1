"""The professional review console: pages and a JSON API over the draft plans (see app.py)."""

from bot.console.app import create_app

__all__ = ["create_app"]
