"""`veille tenants opt-out ...`: the opt-out requests waiting for a coordinator.

"9 then 9" on a call to the service number is only a request (caller id proves nothing): it is
confirmed on Veille's next call to the tenant's number on file, or here by a coordinator who
knows the tenant. Messages are French: coordinators read them."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from voice_app.domain.calendar import PARIS
from voice_app.services.opt_outs import OptOutRequestError
from voice_app.services.opt_outs import confirm_request
from voice_app.services.opt_outs import dismiss_request
from voice_app.services.opt_outs import pending_requests
from voice_app.web.cli.options import organisation_option
from voice_app.web.extensions import get_veille


@click.group("opt-out", cls=AppGroup)
def opt_out() -> None:
    """Opt-out requests made by calling the service number."""


@opt_out.command("list")
@organisation_option
def list_command(organisation) -> None:
    """List the pending requests, oldest first."""
    pending = pending_requests(get_veille(), organisation.id)
    for request in pending:
        asked = request.requested_at.astimezone(PARIS)
        click.echo(f"{request.reference}\t{request.name}\tdemandé le {asked:%d/%m/%Y à %H:%M}")
    click.echo(f"{len(pending)} demande(s) d'arrêt des appels en attente.")


@opt_out.command("confirm")
@click.argument("reference")
@organisation_option
def confirm_command(reference: str, organisation) -> None:
    """Confirm REFERENCE's request: their calls stop for good, their numbers are erased."""
    _settle(confirm_request, reference, organisation, f"Demande confirmée : « {reference} » ne sera plus "
                                                      "appelé ; ses numéros ne sont gardés que sous forme "
                                                      "d'empreinte.")


@opt_out.command("dismiss")
@click.argument("reference")
@organisation_option
def dismiss_command(reference: str, organisation) -> None:
    """Dismiss REFERENCE's request: their calls go on."""
    _settle(dismiss_request, reference, organisation,
            f"Demande écartée : les appels de « {reference} » continuent.")


def _settle(action, reference: str, organisation, done: str) -> None:
    try:
        action(get_veille(), reference, organisation_id=organisation.id)  # the audit says "système"
    except OptOutRequestError as error:
        click.echo(f"Rien n'a été modifié : {error}", err=True)
        raise click.exceptions.Exit(1) from None
    click.echo(done)
