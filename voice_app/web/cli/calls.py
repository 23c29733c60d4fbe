"""`veille calls ...`."""

from __future__ import annotations

import click


@click.group("calls")
def calls() -> None:
    """Calls commands."""
