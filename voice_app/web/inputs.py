"""What a page accepts from a URL, a query string or a form before anything reaches the
database: ids the database's integer columns can hold, and text without NUL bytes (a JSON body
is checked where it is read, after the caller is authenticated: `json_has_nul`).

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
FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


class DatabaseId(IntegerConverter):
    """`<int:...>` in every route: a number too large for an id does not match (404)."""

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002 (werkzeug's name)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def whole_number(raw: str | None, lowest: int, highest: int) -> int | None:
    """`raw` as a whole number from `lowest` to `highest` when it is one (ASCII digits only:
    `int()` refuses "²", which `str.isdigit()` accepts), else None."""
    if not raw or not (raw.isascii() and raw.isdigit()):
        return None
    number = int(raw)
    return number if lowest <= number <= highest else None


def database_id(raw: str | None, lowest: int = 1) -> int | None:
    """`raw` as an id when it is one (from `lowest` up to an id column's largest), else None.
    (A filter may give 0 a meaning of its own: "nobody's".)"""
    return whole_number(raw, lowest, MAX_ID)


def posted_id(raw: str | None) -> int | None:
    """A form's choice of a person or a thing: None when left empty ("nobody", "everyone"), the id
    when it is one; anything else is a forged form (400), never taken for the empty choice."""
    if not raw:
        return None
    found = database_id(raw)
    if found is None:
        abort(400)
    return found


def utf8(raw: bytes) -> bool:
    try:
        raw.decode()
    except UnicodeDecodeError:
        return False
    return True


def has_nul(values) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values.getlist(key)) for key in values)


def json_has_nul(value) -> bool:
    """Does a parsed JSON document hold a NUL character in any key or string?"""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(json_has_nul(key) or json_has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(json_has_nul(item) for item in value)
    return False


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
        if "\x00" in request.path or has_nul(request.args):
            abort(400)
        # Only a form is read here: another body (the API's JSON) may be larger than the pages'
        # limit, which its blueprint raises after this hook.
        if request.mimetype in FORMS and has_nul(request.form):
            abort(400)
