"""`veille demo ...`."""

from __future__ import annotations

import click


@click.group("demo")
def demo() -> None:
    """Demo commands."""
