"""`/tournees/<id>`: a round's progress, live (blueprint `rounds`).

The page loads `poll.js`, which fetches the figures fragment every few seconds and swaps it
in place: no reload, no inline script (the CSP forbids them). Landlord coordinators only;
a round of another organisation is 404.
"""

from __future__ import annotations

from flask import Blueprint
from flask import render_template

from voice_app.services.round_progress import RoundNotFound
from voice_app.services.round_progress import round_view
from voice_app.web.access import for_area
from voice_app.web.access import me
from voice_app.web.access import refuse
from voice_app.web.extensions import get_veille

blueprint = Blueprint("rounds", __name__, url_prefix="/tournees")

REFRESH_SECONDS = 5


def _view(round_id: int):
    try:
        return round_view(get_veille(), me().organisation_id, round_id)
    except RoundNotFound:
        refuse("round", round_id)


@blueprint.get("/<int:round_id>")
@for_area("campaigns")
def show(round_id: int):
    return render_template("campaigns/round.html", view=_view(round_id), now=get_veille().clock(),
                           refresh_seconds=REFRESH_SECONDS)


@blueprint.get("/<int:round_id>/progression")
@for_area("campaigns")
def progress(round_id: int):
    """The figures alone: the fragment the page swaps in."""
    return render_template("campaigns/_progress.html", view=_view(round_id), now=get_veille().clock())
