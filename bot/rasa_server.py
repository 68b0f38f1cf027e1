"""`python -m bot.rasa_server run ...`: Rasa's own command line, with one fix to Rasa 3.6,
the API token taken from the environment and Rasa's telemetry always off.

Telemetry: Rasa sends usage events and crash reports (with tracebacks, which can
hold a person's words) to third parties unless told not to, and it is on by
default in ~/.config/rasa. Health software never does that, so it is turned
off here for every Rasa command we run, whatever the environment says.

The token (RASA_AUTH_TOKEN) is Rasa's master key: on a command line, anyone on
the machine could read it in `ps` or /proc/<pid>/cmdline. Rasa 3.6 reads it only
from `--auth-token`, so this wrapper adds that option to the arguments Rasa
parses inside this process, which leaves the process's own argv without it.

Request bodies: Rasa's web server (Sanic) takes bodies of up to 100 MB by default,
and reads each into memory before any channel looks at it. Here every Sanic app in
the process takes at most `request_max_size(MAX_MESSAGE_CHARS)`: room for a message
ten times over the limit, however it is encoded (so a long paste still gets the
channels' kind "please shorten" reply, bot/channels/limits.py), and its envelope;
a bigger body is no one typing, and Sanic answers it 413 before reading it. Set as
Sanic's own environment variables, which Sanic reads when Rasa creates its app.

Rasa checks every reply from the action server against a JSON schema with
`jsonschema.validate`, which first checks the schema itself, a constant,
against the JSON Schema metaschema: 2 ms of the 2.4 ms each check takes, on
every turn of the interview. Here replies are checked by a validator built
once; a reply that fails still goes through Rasa's own check, which raises
Rasa's explanation. Every Rasa command we run goes through here (bot/servers.py,
bot/training.py, the Makefile, deploy/); BENCHMARKS.md has the figures.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, MutableMapping
from functools import lru_cache
from typing import Any

from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction

from bot.config import Settings

_rasa_check = RemoteAction._validate_action_result
TOKEN_VARIABLE = "RASA_AUTH_TOKEN"
TOKEN_OPTION = "--auth-token"
TELEMETRY_VARIABLE = "RASA_TELEMETRY_ENABLED"  # Rasa reads it before its own config file
# Sanic's configuration from the environment (SANIC_<name>), read when an app is created.
REQUEST_SIZE_VARIABLES = ("SANIC_REQUEST_MAX_SIZE", "SANIC_WEBSOCKET_MAX_SIZE")
LONG_MESSAGE_FACTOR = 10  # as the widget's socket.io buffer (bot/channels/webchat.py)
# The most bytes one character can take in a body: a character outside the BMP is
# 12 bytes as a JSON escape (two \uXXXX) and as a form field (four %XX).
BYTES_PER_CHARACTER = 12
ENVELOPE_BYTES = 64 * 1024  # the JSON or form around the text (a Telegram update's is the largest)


@lru_cache(maxsize=1)
def _reply_validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def check_reply(action: RemoteAction, reply: dict[str, Any]) -> bool:
    """Rasa's check of an action server reply, with the schema checked only once."""
    if _reply_validator().is_valid(reply):
        return True
    return _rasa_check(action, reply)


def apply_fix() -> None:
    RemoteAction._validate_action_result = check_reply  # type: ignore[method-assign]


def rasa_arguments(arguments: list[str], environ: Mapping[str, str]) -> list[str]:
    """The arguments for Rasa's parser: with the API on and no token given, the one in
    the environment. As --name=value, so a token that begins with "-" is never read as
    an option (issue 13, item 11)."""
    token = environ.get(TOKEN_VARIABLE, "")
    given = any(arg == TOKEN_OPTION or arg.startswith(f"{TOKEN_OPTION}=") for arg in arguments)
    if not token or given or "--enable-api" not in arguments:
        return arguments
    return [*arguments, f"{TOKEN_OPTION}={token}"]


def request_max_size(max_message_chars: int) -> int:
    """The largest request body Rasa's server takes (bytes), for a MAX_MESSAGE_CHARS."""
    return LONG_MESSAGE_FACTOR * max_message_chars * BYTES_PER_CHARACTER + ENVELOPE_BYTES


def limit_request_size(environ: MutableMapping[str, str], max_message_chars: int) -> None:
    """Sanic's body (and websocket message) cap, whatever the environment said."""
    for variable in REQUEST_SIZE_VARIABLES:
        environ[variable] = str(request_max_size(max_message_chars))


def main() -> None:
    os.environ[TELEMETRY_VARIABLE] = "false"
    limit_request_size(os.environ, Settings.from_env().max_message_chars)
    apply_fix()
    from rasa.__main__ import main as rasa_main

    # Rasa parses sys.argv, a copy in this process: /proc/<pid>/cmdline keeps the original.
    sys.argv = [sys.argv[0], *rasa_arguments(sys.argv[1:], os.environ)]
    rasa_main()


if __name__ == "__main__":
    main()
