"""What a page accepts from a URL, a query string or a form before anything reaches the
database: ids the database's integer columns can hold, and text without NUL bytes.

A link someone edited, an old bookmark or a forged request gets a 404 or a 400, never a 500:
PostgreSQL refuses an `integer` above 2,147,483,647 and any text holding a NUL byte, SQLite an
integer above 2^63, and `str.isdigit()` accepts "²", which `int()` does not.
"""

from __future__ import annotations

from flask import Flask
from flask import abort
from flask import request
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # PostgreSQL's `integer`, the type of every id column
WEBHOOKS = ("voice", "bridge_hooks")  # signature first: they judge their own input


class DatabaseId(IntegerConverter):
    """`<int:...>` in every route: a number too large for an id does not match (404)."""

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002 (werkzeug's name)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def database_id(raw: str | None, lowest: int = 1) -> int | None:
    """`raw` as an id when it is one (ASCII digits, from `lowest` up to an id column's largest),
    else None. (A filter may give 0 a meaning of its own: "nobody's".)"""
    if not raw or not (raw.isascii() and raw.isdigit()):
        return None
    number = int(raw)
    return number if lowest <= number <= MAX_ID else None


def utf8(raw: bytes) -> bool:
    try:
        raw.decode()
    except UnicodeDecodeError:
        return False
    return True


def has_nul(values) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values.getlist(key)) for key in values)


def use_database_ids(app: Flask) -> None:
    """Before any route is registered: every `<int:...>` becomes a `DatabaseId`."""
    app.url_map.converters["int"] = DatabaseId


def refuse_unusable_text(app: Flask) -> None:
    """Refuse, with a 400, a page or API request whose path, query string or form holds a NUL
    byte, or whose query string is not UTF-8 (browsers percent-encode theirs). Registered after
    the request size limits: reading the form here must already obey the upload's own."""

    @app.before_request
    def refuse_nul_bytes():
        if request.blueprint in WEBHOOKS:
            return
        if not utf8(request.query_string):  # werkzeug's `args` would raise a UnicodeDecodeError
            abort(400)
        if "\x00" in request.path or has_nul(request.args) or has_nul(request.form):
            abort(400)
        if request.is_json and b"\\u0000" in request.get_data().lower():
            abort(400)
