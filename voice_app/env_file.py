"""The `.env` file, read the same way by every entry point: `veille`, the clock, the web process
and `scripts/run`.

As Flask's CLI does: python-dotenv finds `.env` in the current directory or the nearest parent,
and a variable already set in the environment wins over the file. `python -m voice_app.env_file`
prints the file's variables as shell `export` lines, so `scripts/run` reads it the same way.
"""

from __future__ import annotations

import os
import re
import shlex
import sys

import dotenv

ENV_FILE = ".env"
_SHELL_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def find_env_file() -> str | None:
    """The `.env` of the current directory or its nearest parent, or None."""
    return dotenv.find_dotenv(ENV_FILE, usecwd=True) or None


def env_file_values() -> dict[str, str]:
    """The variables `.env` would add: those not already set in the environment."""
    path = find_env_file()
    if path is None:
        return {}
    values = dotenv.dotenv_values(path, encoding="utf-8")
    return {name: value for name, value in values.items() if value is not None and name not in os.environ}


def load_env_file() -> dict[str, str]:
    """Add the variables of `.env` to the environment (never overriding one already set)."""
    added = env_file_values()
    os.environ.update(added)
    return added


def main() -> int:
    for name, value in env_file_values().items():
        if _SHELL_NAME.match(name):
            print(f"export {name}={shlex.quote(value)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
