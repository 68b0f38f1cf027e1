"""`python -m bot.rasa_server run ...`: Rasa's own command line, with one fix to Rasa 3.6.

Rasa checks every reply from the action server against a JSON schema with
`jsonschema.validate`, which first checks the schema itself, a constant,
against the JSON Schema metaschema: 2 ms of the 2.4 ms each check takes, on
every turn of the interview. Here replies are checked by a validator built
once; a reply that fails still goes through Rasa's own check, which raises
Rasa's explanation. Every Rasa server we start runs this way (bot/servers.py,
deploy/); BENCHMARKS.md has the figures.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction

_rasa_check = RemoteAction._validate_action_result


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


def main() -> None:
    apply_fix()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
