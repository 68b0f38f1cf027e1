"""`python -m bot.action_server --actions actions --port 5055`: Rasa SDK's action server, locked.

Rasa SDK's own server (`python -m rasa_sdk`) answers anyone who can reach its port:
a forged call naming `action_delete_my_data` and a phone number as the sender deleted
that person's plan, and forged drafts and risk flags worked the same way. It also
inflates a compressed body without any limit, logs a failed action's whole error
(SQLAlchemy's text holds the statement's values: a person's words, their phone
number) and sends the whole tracker back in the error's body, which Rasa then logs.

This server runs the same actions with Rasa SDK's executor, and:

- refuses every call but `/health` without `Authorization: Bearer <ACTION_SERVER_TOKEN>`
  (401): Rasa sends it from endpoints.yml's `action_endpoint.headers` (issue 13, item 1);
- inflates a deflate or gzip body only up to ACTION_SERVER_MAX_BODY_BYTES, and refuses
  a larger one (413), as it refuses a larger body sent as it is;
- logs a failed action as its name and the exception's type only, and answers with
  neither the tracker nor the exception's text (issue 13, item 5).

It will not start without a token. Beside the actions it runs one task: every
OUTBOX_RETRY_SECONDS, what was queued while the database was down (bot/store/outbox.py)
is written to it (`bot.services.delivery.deliver_pending`, issue 13, item 12).
"""

from __future__ import annotations

import argparse
import asyncio
import hmac
import json
import logging
import os
import types
import zlib
from collections.abc import Awaitable, Callable
from typing import Any

from rasa_sdk import utils
from rasa_sdk.cli.arguments import add_endpoint_arguments
from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME
from rasa_sdk.executor import ActionExecutor
from rasa_sdk.interfaces import ActionExecutionRejection, ActionNotFoundException
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.config import Settings

logger = logging.getLogger("bot.action_server")  # also when run as __main__

OPEN_PATHS = frozenset({"/health"})  # says "ok" and nothing else: for health checks without the token
_WBITS = {"deflate": zlib.MAX_WBITS, "gzip": zlib.MAX_WBITS | 16}  # zlib's format (what Rasa sends), gzip's


class BodyTooLarge(Exception):
    pass


class BadBody(Exception):
    pass


class ActionFailed(Exception):
    """An action raised: its name only, so nothing of the person's reaches a log or a reply."""

    def __init__(self, action_name: str) -> None:
        super().__init__(f"Custom action '{action_name}' failed.")
        self.action_name = action_name


class GuardedExecutor(ActionExecutor):
    """Rasa SDK's executor, with every action's failure reduced to the action's name and the
    exception's type: an error's text can hold anything the action held."""

    async def run(self, action_call: dict[str, Any]) -> dict[str, Any] | None:
        name = str(action_call.get("next_action"))
        try:
            return await super().run(action_call)
        except (ActionExecutionRejection, ActionNotFoundException):
            raise
        except Exception as error:
            logger.error("action %s failed: %s", name, _type_name(error))
            raise ActionFailed(name) from None


def _type_name(error: BaseException) -> str:
    kind = type(error)
    return kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


def authorized(request: Request, token: str) -> bool:
    given = request.headers.get("Authorization", "")
    return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


def inflate(body: bytes, encoding: str, limit: int) -> bytes:
    """The body decoded (Content-Encoding identity, deflate or gzip), never more than `limit` bytes."""
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding not in _WBITS:
        raise BadBody(f"unsupported Content-Encoding {encoding[:20]!r}")
    inflater = zlib.decompressobj(wbits=_WBITS[encoding])
    try:
        data = inflater.decompress(body, limit + 1)
    except zlib.error:
        raise BadBody("the body is not valid compressed data") from None
    if len(data) > limit or inflater.unconsumed_tail:
        raise BodyTooLarge()
    if not inflater.eof:
        raise BadBody("the compressed body is cut short")
    return data


def create_app(
    action_package: str | types.ModuleType,
    token: str,
    max_body_bytes: int,
    background: Callable[[], Awaitable[None]] | None = None,
) -> Sanic:
    """The action server's app; `background`, if given, runs beside it while it serves."""
    if not token:
        raise SystemExit("ACTION_SERVER_TOKEN is empty: set it in .env (make run writes one).")
    app = Sanic("whatmatters_actions", configure_logging=False)
    app.config.REQUEST_MAX_SIZE = max_body_bytes  # a larger body as it is: 413 before it is read
    executor = GuardedExecutor()
    executor.register_package(action_package)
    if background is not None:
        app.add_task(background)

    @app.middleware("request")
    async def authenticate(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS or authorized(request, token):
            return None
        return response.json({"error": "Unauthorized"}, status=401, headers={"WWW-Authenticate": "Bearer"})

    @app.get("/health")
    async def health(_: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    @app.post("/webhook")
    async def webhook(request: Request) -> HTTPResponse:
        try:
            body = inflate(request.body, request.headers.get("Content-Encoding", ""), max_body_bytes)
            action_call = json.loads(body)
        except BodyTooLarge:
            return response.json({"error": f"The body is over {max_body_bytes} bytes."}, status=413)
        except (BadBody, ValueError):
            return response.json({"error": "Invalid body request"}, status=400)
        if not isinstance(action_call, dict):
            return response.json({"error": "Invalid body request"}, status=400)
        utils.check_version_compatibility(action_call.get("version"))
        try:
            result = await executor.run(action_call)
        except ActionExecutionRejection as rejection:
            # Rasa reads the name and lets its other policies choose; the message is ours, not the action's.
            name = rejection.action_name
            rejected = {"error": f"Custom action '{name}' rejected execution.", "action_name": name}
            return response.json(rejected, status=400)
        except ActionNotFoundException as missing:
            logger.error("no action named %s", missing.action_name)
            return response.json({"error": missing.message, "action_name": missing.action_name}, status=404)
        except ActionFailed as failed:
            return response.json({"error": str(failed), "action_name": failed.action_name}, status=500)
        return response.json(result)

    @app.get("/actions")
    async def actions(_: Request) -> HTTPResponse:
        return response.json([{"name": name} for name in executor.actions])

    @app.exception(Exception)
    async def failed(request: Request, error: Exception) -> HTTPResponse:
        # Anything else (a malformed request Sanic refused, or a fault of ours): its kind and
        # status, never the request's body nor the error's text.
        status = getattr(error, "status_code", 500)
        if status >= 500:
            logger.error("%s %s failed: %s", request.method, request.path, _type_name(error))
        return response.json({"error": "The action server could not handle this request."}, status=status)

    return app


async def prepare_then_deliver_queued_work() -> None:
    """At start-up, the community matching is loaded (issue 16) before the outbox's rounds begin."""
    await prepare_matching()
    await deliver_queued_work()


async def prepare_matching() -> None:
    """Load spaCy for the community suggestions now, not in the first person's last turn."""
    from actions import adapters
    from bot import directory_services

    try:
        practice = adapters.settings().practice_id
        loaded = await asyncio.to_thread(directory_services.prepare_matching, adapters.database(), practice)
    except Exception as error:  # the database is down, say: the first draft loads it instead
        logger.error("loading the community matching failed: %s", _type_name(error))
        return
    if loaded:
        logger.info("community matching loaded for practice %s's directory", practice)


async def deliver_queued_work() -> None:
    """Every OUTBOX_RETRY_SECONDS, what waits in the outbox is written, if the database answers."""
    from actions import adapters  # the plan store the actions use
    from bot.services import delivery

    while True:
        await asyncio.sleep(adapters.settings().outbox_retry_seconds)
        try:
            await asyncio.to_thread(delivery.deliver_pending, adapters.database())
        except Exception as error:  # still down, most likely: the next round tries again
            logger.error("writing queued work failed: %s", _type_name(error))


def main(arguments: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="What Matters' action server (Rasa SDK, locked)")
    add_endpoint_arguments(parser)  # Rasa SDK's own options: --actions, --port, --ssl-*, ...
    utils.add_logging_level_option_arguments(parser)
    utils.add_logging_file_arguments(parser)
    args = parser.parse_args(arguments)
    utils.configure_colored_logging(args.loglevel)
    root = logging.getLogger(APPLICATION_ROOT_LOGGER_NAME)
    utils.configure_file_logging(root, args.log_file, args.loglevel, args.logging_config_file)
    utils.update_sanic_log_level()
    from rasa_sdk.endpoint import create_ssl_context
    from rasa_sdk.plugin import plugin_manager

    # No CORS, whatever --cors says (only Rasa calls the action server, never a browser), and no
    # --auto-reload: the actions are the ones it started with.
    settings = Settings.from_env()  # the environment, then .env
    app = create_app(
        args.actions or "actions", settings.action_server_token, settings.action_server_max_body_bytes,
        background=prepare_then_deliver_queued_work,
    )  # fmt: skip
    plugin_manager().hook.attach_sanic_app_extensions(app=app)
    ssl = create_ssl_context(args.ssl_certificate, args.ssl_keyfile, args.ssl_password)
    host = os.environ.get("SANIC_HOST", "0.0.0.0")
    logger.info("Action server on %s://%s:%s", "https" if ssl else "http", host, args.port)
    app.run(host, args.port, ssl=ssl, workers=utils.number_of_sanic_workers(), access_log=False)


if __name__ == "__main__":
    main()
