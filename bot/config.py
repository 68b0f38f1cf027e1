"""Settings, read once from the environment and `.env` (python-dotenv).

Every setting is documented in `.env.example`; the defaults run the product on
one machine with SQLite and no other services. Relative paths are taken from
the project's folder, wherever a command is run from.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import load_dotenv

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SQLITE_PREFIX = "sqlite:///"

# Messaging channels (bot/channels). Rasa reads them through credentials.yml, which
# fails on an unset variable: blank means the channel is off.
MESSAGING_SETTINGS = (
    "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_SMS_NUMBER", "TWILIO_WHATSAPP_NUMBER",
    "TWILIO_WEBHOOK_URL", "TWILIO_API_URL",
    "TELEGRAM_ACCESS_TOKEN", "TELEGRAM_SECRET_TOKEN", "TELEGRAM_WEBHOOK_URL", "TELEGRAM_API_URL",
)  # fmt: skip


@dataclass(frozen=True)
class Settings:
    practice_id: str
    practice_name: str
    practice_phone: str
    practice_hours: str
    max_message_chars: int
    database_url: str
    rasa_host: str
    rasa_port: int
    rasa_auth_token: str
    tracker_store_db: Path
    action_server_host: str
    action_server_port: int
    action_endpoint_url: str
    run_dir: Path
    # The review console (bot/console). Defaults keep older callers working.
    console_host: str = "127.0.0.1"
    console_port: int = 8000
    console_secret_key: str = ""
    console_secure_cookies: bool = False
    # Signing in to the console: wrong passwords allowed before a wait (per account, and per client
    # address, where a whole practice may share one), and the longest the wait grows to.
    console_login_free_attempts: int = 5
    console_login_free_attempts_per_address: int = 50
    console_login_max_lockout_minutes: int = 60
    # Proxies whose X-Forwarded-For uvicorn believes: without it, behind a proxy every client
    # would share the proxy's address (and its sign-in limit).
    console_forwarded_allow_ips: str = "127.0.0.1"
    # The largest request body the console takes (bytes): anything larger is refused (413).
    console_max_body_bytes: int = 1_048_576
    # Messaging channels: each of MESSAGING_SETTINGS, blank when unset.
    messaging: dict[str, str] = field(default_factory=dict, hash=False)  # Settings stays hashable
    # The web widget (bot/channels/webchat.py) and the demo practice page (bot/demo_site).
    demo_site_host: str = "127.0.0.1"
    demo_site_port: int = 8090
    widget_allowed_origins: tuple[str, ...] = ("http://127.0.0.1:8090",)
    # Scaled out (`make run-scaled`, bot/scaled/): Rasa replicas and action servers behind nginx.
    redis_url: str = "redis://127.0.0.1:6379/1"
    lock_store_key_prefix: str = "whatmatters"
    scaled_rasa_ports: tuple[int, ...] = (5006, 5007)
    scaled_action_ports: tuple[int, ...] = (5056, 5057)
    # Where the console reads conversations when Rasa's tracker store is a database server.
    tracker_store_url: str = ""
    # The action server's shared secret: Rasa sends it (endpoints.yml), the action server
    # refuses any call without it (bot/action_server.py). And the largest body it takes,
    # inflated if it came compressed (bytes).
    action_server_token: str = ""
    action_server_max_body_bytes: int = 10_000_000
    # What could not be written while the database was down (bot/store/outbox.py), and how
    # often the action server tries to write it (seconds).
    outbox_path: Path = PROJECT_ROOT / "var" / "outbox.jsonl"
    outbox_retry_seconds: float = 10.0
    # At the end of a conversation, name up to three local groups from the practice's directory
    # that the team may talk about (never after a risk disclosure). Off unless a practice turns it on.
    mention_local_groups: bool = False

    @classmethod
    def from_env(cls) -> Settings:
        # Values already in the environment win over .env, so tests and
        # deployments can override any of them.
        load_dotenv(PROJECT_ROOT / ".env", override=False)
        env = os.environ.get
        action_port = int(env("ACTION_SERVER_PORT", "5055"))
        demo_host, demo_port = env("DEMO_SITE_HOST", "127.0.0.1"), int(env("DEMO_SITE_PORT", "8090"))
        return cls(
            practice_id=env("PRACTICE_ID", "demo-practice"),
            practice_name=env("PRACTICE_NAME", "your GP practice"),
            practice_phone=env("PRACTICE_PHONE", "the number on your practice's website"),
            practice_hours=env("PRACTICE_HOURS", "Monday to Friday, 8am to 6:30pm"),
            max_message_chars=int(env("MAX_MESSAGE_CHARS", "2000")),
            database_url=_absolute_sqlite(env("DATABASE_URL") or f"{SQLITE_PREFIX}var/whatmatters.db"),
            rasa_host=env("RASA_HOST", "127.0.0.1"),
            rasa_port=int(env("RASA_PORT", "5005")),
            rasa_auth_token=env("RASA_AUTH_TOKEN", ""),
            tracker_store_db=_project_path(env("TRACKER_STORE_DB", "var/rasa_tracker.db")),
            action_server_host=env("ACTION_SERVER_HOST", "127.0.0.1"),
            action_server_port=action_port,
            action_endpoint_url=env("ACTION_ENDPOINT_URL", f"http://127.0.0.1:{action_port}/webhook"),
            run_dir=_project_path(env("RUN_DIR", "var")),
            console_host=env("CONSOLE_HOST", "127.0.0.1"),
            console_port=int(env("CONSOLE_PORT", "8000")),
            console_secret_key=env("CONSOLE_SECRET_KEY", ""),
            console_secure_cookies=_true(env("CONSOLE_SECURE_COOKIES", "false")),
            console_login_free_attempts=int(env("CONSOLE_LOGIN_FREE_ATTEMPTS", "5")),
            console_login_free_attempts_per_address=int(env("CONSOLE_LOGIN_FREE_ATTEMPTS_PER_ADDRESS", "50")),
            console_login_max_lockout_minutes=int(env("CONSOLE_LOGIN_MAX_LOCKOUT_MINUTES", "60")),
            console_forwarded_allow_ips=env("CONSOLE_FORWARDED_ALLOW_IPS", "127.0.0.1"),
            console_max_body_bytes=int(env("CONSOLE_MAX_BODY_BYTES") or "1048576"),
            messaging={name: env(name, "") for name in MESSAGING_SETTINGS},
            demo_site_host=demo_host,
            demo_site_port=demo_port,
            # The demo page's origin unless set: a .env older than the widget keeps working.
            widget_allowed_origins=_origins(
                env("WIDGET_ALLOWED_ORIGINS") or f"http://{demo_host}:{demo_port}"
            ),
            redis_url=env("REDIS_URL", "redis://127.0.0.1:6379/1"),
            lock_store_key_prefix=env("LOCK_STORE_KEY_PREFIX", "whatmatters"),
            scaled_rasa_ports=_ports(env("SCALED_RASA_PORTS", "5006,5007")),
            scaled_action_ports=_ports(env("SCALED_ACTION_PORTS", "5056,5057")),
            tracker_store_url=env("TRACKER_STORE_URL", ""),
            action_server_token=env("ACTION_SERVER_TOKEN", ""),
            action_server_max_body_bytes=int(env("ACTION_SERVER_MAX_BODY_BYTES") or "10000000"),
            outbox_path=_project_path(env("OUTBOX_PATH", "var/outbox.jsonl")),
            outbox_retry_seconds=float(env("OUTBOX_RETRY_SECONDS", "10")),
            mention_local_groups=_true(env("MENTION_LOCAL_GROUPS", "false")),
        )

    @property
    def rasa_url(self) -> str:
        return f"http://{self.rasa_host}:{self.rasa_port}"

    @property
    def console_url(self) -> str:
        return f"http://{self.console_host}:{self.console_port}"

    @property
    def demo_site_url(self) -> str:
        return f"http://{self.demo_site_host}:{self.demo_site_port}"


def _true(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes")


def _origins(value: str) -> tuple[str, ...]:
    """Comma-separated origins, as browsers send them: no path and no trailing slash."""
    origins = tuple(origin.strip().rstrip("/") for origin in value.split(",") if origin.strip())
    if "*" in origins:
        raise ValueError("WIDGET_ALLOWED_ORIGINS may not be '*': list the practice's own origins.")
    return origins


def _ports(value: str) -> tuple[int, ...]:
    """Ports from a comma-separated list: 5006,5007 gives (5006, 5007)."""
    return tuple(int(port) for port in value.split(",") if port.strip())


def _project_path(path: str) -> Path:
    candidate = Path(path)
    return candidate if candidate.is_absolute() else PROJECT_ROOT / candidate


def _absolute_sqlite(url: str) -> str:
    """sqlite:///var/x.db means var/x.db in the project, not in the current folder."""
    if not url.startswith(SQLITE_PREFIX) or url == f"{SQLITE_PREFIX}:memory:":
        return url
    return SQLITE_PREFIX + str(_project_path(url[len(SQLITE_PREFIX) :]))
