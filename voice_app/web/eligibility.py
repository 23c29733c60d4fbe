"""`/regles`: who is watched — the organisation's eligibility rules, previewed before saving
(blueprint `rules`, a landlord's coordinators and admins) — and the languages the call speaks."""

from __future__ import annotations

from flask import Blueprint
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_wtf import FlaskForm

from voice_app.domain.eligibility import HOUSEHOLD_CHOICES
from voice_app.services import eligibility_settings
from voice_app.services.eligibility_settings import RulesRefused
from voice_app.services.ivr_languages import language_uses
from voice_app.web.access import for_area
from voice_app.web.access import me
from voice_app.web.extensions import get_veille
from voice_app.web.inputs import whole_number

blueprint = Blueprint("rules", __name__)


def _landlord_id() -> int:
    user = me()
    if not user.is_landlord_staff:
        abort(404)
    return user.organisation_id


def _age(name: str, current: int) -> int | None:
    raw = request.form.get(f"{name}_min_age", str(current)).strip()
    return whole_number(raw, 0, 999)


def _posted(current: dict) -> dict:
    form = request.form
    return {
        "manual": {"enabled": form.get("manual_enabled") == "on"},
        "alone": {
            "enabled": form.get("alone_enabled") == "on",
            "min_age": _age("alone", current["alone"]["min_age"]),
            "household": form.get("alone_household", "alone"),
        },
        "couple": {
            "enabled": form.get("couple_enabled") == "on",
            "min_age": _age("couple", current["couple"]["min_age"]),
        },
        "flagged": {
            "enabled": form.get("flagged_enabled") == "on",
            "min_age": _age("flagged", current["flagged"]["min_age"]),
        },
    }


def _page(values: dict, previews=None, status: int = 200):
    languages = language_uses(get_veille(), me().organisation_id)
    return render_template(
        "rules/rules.html", values=values, previews=previews, households=HOUSEHOLD_CHOICES, form=FlaskForm(),
        languages=languages,
    ), status


@blueprint.route("/regles", methods=["GET", "POST"])
@for_area("volunteers")
def rules():
    landlord_id, veille = _landlord_id(), get_veille()
    current = eligibility_settings.current_rules(veille, landlord_id)
    if request.method == "GET":
        return _page(current, eligibility_settings.preview(veille, landlord_id, current))
    if not FlaskForm().validate_on_submit():
        abort(400)
    values = _posted(current)
    try:
        if request.form.get("action") == "enregistrer":
            eligibility_settings.save(veille, landlord_id, values, me().id)
            flash("Règles enregistrées : elles servent aux prochaines inscriptions.", "info")
            return redirect(url_for("rules.rules"))
        return _page(values, eligibility_settings.preview(veille, landlord_id, values))
    except RulesRefused as error:
        for problem in error.problems:
            flash(problem, "error")
        return _page(values, status=400)
