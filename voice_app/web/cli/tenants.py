"""`veille tenants ...` and `veille enrolment ...`."""

from __future__ import annotations

import click


@click.group("tenants")
def tenants() -> None:
    """Tenant file import and listing."""


@click.group("enrolment")
def enrolment() -> None:
    """Eligibility rules and enrolment."""
