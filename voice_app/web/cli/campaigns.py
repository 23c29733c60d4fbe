"""`veille campaigns ...` and `veille rounds ...`."""

from __future__ import annotations

import click


@click.group("campaigns")
def campaigns() -> None:
    """Campaigns: who is called, when, how often."""


@click.group("rounds")
def rounds() -> None:
    """Rounds: planning and closing campaign occurrences."""
