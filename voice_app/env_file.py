"""The `.env` file, read the same way by every entry point: `veille`, the clock, the web process
and `scripts/run`.

As Flask's CLI does: python-dotenv finds `.env` in the current directory or the nearest parent,
and a variable already set in the environment wins over the file. `python -m voice_app.env_file`
prints the file's variables as shell `export` lines, so `scripts/run` reads it the same way;
`python -m voice_app.env_file --default NAME=VALUE "comment"` writes a setting the file does not
give yet (how `scripts/run` turns on the demo's compressed clock for every process).
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


def write_default(name: str, value: str, comment: str, directory: str = ".") -> bool:
    """Give `name` the value `value` in `.env` (created in `directory` when there is none)
    unless the file already gives it one; True when written."""
    path = find_env_file() or os.path.join(directory, ENV_FILE)
    current = dotenv.dotenv_values(path, encoding="utf-8") if os.path.exists(path) else {}
    if current.get(name):
        return False
    if name in current:  # present but empty: set in place
        dotenv.set_key(path, name, value, quote_mode="never", encoding="utf-8")
        return True
    with open(path, "a", encoding="utf-8") as stream:
        stream.write(f"\n# {comment}\n{name}={value}\n")
    return True


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--default"] and len(argv) == 3 and "=" in argv[1]:
        name, _, value = argv[1].partition("=")
        write_default(name, value, argv[2])
        return 0
    for name, value in env_file_values().items():
        if _SHELL_NAME.match(name):
            print(f"export {name}={shlex.quote(value)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
