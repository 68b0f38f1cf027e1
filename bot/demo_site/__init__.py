"""A made-up practice's website with the chat widget on it, to try the widget as a patient would.

    python -m bot demo-site      (started by `make run` at DEMO_SITE_PORT, 8090)

It is served from its own origin, as a real practice's site is: the widget's requests to the Rasa
server are then cross-origin, and WIDGET_ALLOWED_ORIGINS must name this origin. The page's
Content-Security-Policy is the one a practice's site needs to allow the widget and nothing more.
"""

from __future__ import annotations

import html
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from string import Template
from urllib.parse import urlsplit

from bot.config import Settings

HERE = Path(__file__).resolve().parent


def render_page(settings: Settings) -> str:
    """The demo page, with the one script tag a practice adds, pointing at this Rasa server."""
    values = {
        "practice_name": settings.practice_name,
        "practice_hours": settings.practice_hours,
        "practice_phone": settings.practice_phone,
        "practice_id": settings.practice_id,
        "rasa_url": settings.rasa_url,
    }
    template = Template((HERE / "page.html").read_text(encoding="utf-8"))
    return template.substitute({name: html.escape(value) for name, value in values.items()})


def content_security_policy(rasa_url: str) -> str:
    """Scripts and styles from this site and the chat server; connections to the chat server only."""
    websocket = urlsplit(rasa_url)._replace(scheme="wss" if rasa_url.startswith("https") else "ws").geturl()
    return (
        f"default-src 'self'; script-src 'self' {rasa_url}; style-src 'self' {rasa_url}; "
        f"connect-src {rasa_url} {websocket}; img-src 'self'; base-uri 'none'; object-src 'none'; "
        "frame-ancestors 'none'"
    )


class _Handler(BaseHTTPRequestHandler):
    def __init__(self, *args: object, page: str, policy: str, **kwargs: object) -> None:
        self.files = {
            "/": ("text/html; charset=utf-8", page.encode()),
            "/site.css": ("text/css; charset=utf-8", (HERE / "site.css").read_bytes()),
            "/health": ("text/plain; charset=utf-8", b"ok"),
        }
        self.policy = policy
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:
        found = self.files.get(urlsplit(self.path).path)
        status, (content_type, body) = (200, found) if found else (404, ("text/plain", b"Not found"))
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Security-Policy", self.policy)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass  # nothing worth keeping: the page is the same for everyone


def serve(settings: Settings) -> None:
    """Serve the demo page until stopped."""
    handler = partial(_Handler, page=render_page(settings), policy=content_security_policy(settings.rasa_url))
    with ThreadingHTTPServer((settings.demo_site_host, settings.demo_site_port), handler) as server:
        server.serve_forever()
