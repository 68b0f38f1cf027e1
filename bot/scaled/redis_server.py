"""Our own Redis (the lock store), with its `requirepass` in a 0600 configuration file."""

from __future__ import annotations

import os

from bot.config import Settings
from bot.folders import private_folder
from bot.scaled.programs import find_program
from bot.servers import Server


def redis_server(settings: Settings, host: str, port: int, password: str) -> Server:
    """Redis, with `requirepass` in a 0600 configuration file (a command line is in `ps`)."""
    redis = find_program("Redis", ["redis-server"])
    data = private_folder(settings.run_dir / "redis", tighten=True)
    conf = data / "redis.conf"
    conf.unlink(missing_ok=True)
    descriptor = os.open(conf, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        # Locks last seconds: nothing to keep on disk.
        file.write(f'bind {host}\nport {port}\ndir "{data.resolve()}"\nsave ""\nrequirepass {password}\n')
    return Server("redis", [redis, str(conf.resolve())], f"tcp://{host}:{port}", {})
