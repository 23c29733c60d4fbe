"""`/campagnes`: a landlord's coordinators create, edit, pause and resume campaigns, preview
the next round and start an urgent round now (blueprint `campaigns`).

Only the landlord's own coordinators open these pages (area `campaigns`); anyone else, and a
campaign of another organisation, gets 404. Saving a campaign whose next round does not fit
its windows at its rate needs a second, explicit confirmation.
"""

from __future__ import annotations

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from voice_app.domain.campaigns import CampaignPolicy
from voice_app.domain.campaigns import InvalidPolicy
from voice_app.domain.campaigns import unknown_keys
from voice_app.domain.urgent_rounds import PRIORITY_AGE
from voice_app.services.campaign_changes import campaign_by_id
from voice_app.services.campaign_changes import create
from voice_app.services.campaign_changes import listed_references
from voice_app.services.campaign_changes import next_round_fit
from voice_app.services.campaign_changes import preview_next_round
from voice_app.services.campaign_changes import set_active
from voice_app.services.campaign_changes import start_urgent_round
from voice_app.services.campaign_changes import upcoming_round
from voice_app.services.campaign_changes import update
from voice_app.services.campaigns import CampaignError
from voice_app.services.campaigns import CampaignNotFound
from voice_app.services.campaigns import campaign_policy
from voice_app.services.campaigns import list_campaigns
from voice_app.services.rounds import list_rounds
from voice_app.web.access import audit_action
from voice_app.web.access import for_area
from voice_app.web.access import me
from voice_app.web.access import refuse
from voice_app.web.campaign_forms import RHYTHM_LABELS
from voice_app.web.campaign_forms import TARGET_LABELS
from voice_app.web.campaign_forms import CampaignForm
from voice_app.web.campaign_forms import ConfirmForm
from voice_app.web.campaign_forms import UrgentRoundForm
from voice_app.web.extensions import get_veille
from voice_app.web.pages import paris

blueprint = Blueprint("campaigns", __name__, url_prefix="/campagnes")

CONFIRM_FIELD = "confirm_over_capacity"
UNREADABLE = ("Les réglages enregistrés de cette campagne sont illisibles : le formulaire montre les "
              "réglages par défaut. Vérifiez-les et enregistrez ; d’ici là, l’horloge ne planifie "
              "pas ses tournées.")


def _landlord_id() -> int:
    return me().organisation_id  # the area opens to a landlord's own staff only


def _account_limit() -> float:
    return get_veille().settings.PROVIDER_MAX_CALLS_PER_SECOND


def _campaign(campaign_id: int):
    try:
        return campaign_by_id(get_veille(), _landlord_id(), campaign_id)
    except CampaignNotFound:
        refuse("campaign", campaign_id)


def _urgent_form() -> UrgentRoundForm:
    limit = _account_limit()
    return UrgentRoundForm(calls_per_second=limit, max_concurrent_calls=max(10, round(60 * limit)))


@blueprint.get("")
@for_area("campaigns")
def index():
    return _index_page(_urgent_form())


def _index_page(urgent_form: UrgentRoundForm, status: int = 200):
    veille = get_veille()
    campaigns = list_campaigns(veille, _landlord_id())
    return render_template(
        "campaigns/index.html", campaigns=campaigns, policies={c.id: _readable(c) for c in campaigns},
        rounds=list_rounds(veille, organisation_id=_landlord_id(), limit=10), urgent_form=urgent_form,
        account_limit=_account_limit(), priority_age=PRIORITY_AGE, target_labels=TARGET_LABELS), status


def _save(form: CampaignForm, campaign_id: int | None, extra: dict | None):
    """Validate, warn when the next round does not fit, then create or update; a page again
    (with the errors or the warning) when nothing was saved."""
    veille, user = get_veille(), me()
    campaign_request = form.to_request(extra) if form.validate_on_submit() else None
    if campaign_request is None:
        return None
    try:
        fit = next_round_fit(veille, _landlord_id(), campaign_request, veille.clock(),
                             campaign_id=campaign_id)
        if fit is not None and not fit[1].fits and request.form.get(CONFIRM_FIELD) != "1":
            return {"over_capacity": fit}
        if campaign_id is None:
            return {"saved": create(veille, _landlord_id(), campaign_request, actor=user.as_actor(),
                                    account_limit=_account_limit())}
        return {"saved": update(veille, _landlord_id(), campaign_id, campaign_request, actor=user.as_actor(),
                                account_limit=_account_limit())}
    except (CampaignError, InvalidPolicy) as error:
        form.form_errors.append(str(error))
        return None


def _form_page(form: CampaignForm, campaign=None, outcome: dict | None = None, status: int = 200):
    over_capacity = (outcome or {}).get("over_capacity")
    return render_template("campaigns/form.html", form=form, campaign=campaign, over_capacity=over_capacity,
                           account_limit=_account_limit(), confirm_field=CONFIRM_FIELD), status


@blueprint.route("/nouvelle", methods=["GET", "POST"])
@for_area("campaigns")
def new():
    form = CampaignForm(calls_per_second=_account_limit())
    if request.method == "GET":
        return _form_page(form)
    outcome = _save(form, None, None)
    if outcome and "saved" in outcome:
        flash(f"Campagne « {outcome['saved'].name} » créée.", "info")
        return redirect(url_for("campaigns.show", campaign_id=outcome["saved"].id))
    return _form_page(form, None, outcome, 200 if outcome else 422)


def _readable(campaign) -> CampaignPolicy | None:
    """The campaign's stored policy, or None when it no longer validates (edited by hand, or
    limits tightened since): its pages then ask for the settings again instead of failing."""
    try:
        return campaign_policy(campaign)
    except InvalidPolicy:
        return None


@blueprint.route("/<int:campaign_id>/modifier", methods=["GET", "POST"])
@for_area("campaigns")
def edit(campaign_id: int):
    campaign = _campaign(campaign_id)
    policy = _readable(campaign)
    form = CampaignForm()
    if request.method == "GET":
        form.fill_from(campaign.name, policy or CampaignPolicy(), campaign.target,
                       campaign.target_sites or [],
                       listed_references(get_veille(), campaign.id) if campaign.target == "list" else [])
        if policy is None:
            form.form_errors.append(UNREADABLE)
        return _form_page(form, campaign)
    outcome = _save(form, campaign.id, policy.extra if policy else unknown_keys(campaign.policy))
    if outcome and "saved" in outcome:
        flash("Campagne enregistrée. Les tournées déjà planifiées gardent leurs appels.", "info")
        return redirect(url_for("campaigns.show", campaign_id=campaign.id))
    return _form_page(form, campaign, outcome, 200 if outcome else 422)


@blueprint.get("/<int:campaign_id>")
@for_area("campaigns")
def show(campaign_id: int):
    veille = get_veille()
    campaign = _campaign(campaign_id)
    policy = _readable(campaign)
    if policy is None:  # the form says why
        return redirect(url_for("campaigns.edit", campaign_id=campaign.id))
    return render_template(
        "campaigns/show.html", campaign=campaign, policy=policy, form=ConfirmForm(),
        next_span=upcoming_round(campaign, policy, veille.clock()),
        rounds=list_rounds(veille, campaign.id, organisation_id=_landlord_id()),
        references=listed_references(veille, campaign.id) if campaign.target == "list" else [],
        target_labels=TARGET_LABELS, rhythm_labels=RHYTHM_LABELS)


def _set_active(campaign_id: int, active: bool, message: str):
    campaign = _campaign(campaign_id)
    if not ConfirmForm().validate_on_submit():
        flash("Le formulaire a expiré : recommencez.", "error")
    else:
        set_active(get_veille(), _landlord_id(), campaign.id, active, actor=me().as_actor())
        flash(message, "info")
    return redirect(url_for("campaigns.show", campaign_id=campaign.id))


@blueprint.post("/<int:campaign_id>/pause")
@for_area("campaigns")
def pause(campaign_id: int):
    return _set_active(campaign_id, False, "Campagne en pause : aucune nouvelle tournée ne sera planifiée.")


@blueprint.post("/<int:campaign_id>/reprise")
@for_area("campaigns")
def resume(campaign_id: int):
    return _set_active(campaign_id, True, "Campagne reprise.")


@blueprint.get("/<int:campaign_id>/simulation")
@for_area("campaigns")
def dry_run(campaign_id: int):
    veille = get_veille()
    campaign = _campaign(campaign_id)
    try:
        result = preview_next_round(veille, _landlord_id(), campaign.id, veille.clock())
        problem = None
    except (CampaignError, InvalidPolicy) as error:
        result, problem = None, str(error)
    audit_action("campaign.dry_run_viewed", "campaign", campaign.id, organisation_id=_landlord_id())
    return render_template("campaigns/dry_run.html", campaign=campaign, result=result, problem=problem)


@blueprint.post("/tournee-urgente")
@for_area("campaigns")
def urgent():
    veille = get_veille()
    form = UrgentRoundForm()
    if not form.validate_on_submit():
        return _urgent_refused(form, None)
    try:
        started = start_urgent_round(
            veille, _landlord_id(), veille.clock(), calls_per_second=form.calls_per_second.data,
            max_concurrent_calls=form.max_concurrent_calls.data, actor=me().as_actor(),
            account_limit=_account_limit())
    except (CampaignError, InvalidPolicy) as error:
        return _urgent_refused(form, str(error))
    if started.result is None:
        return _urgent_waits(started)
    if started.result.already_planned:
        flash("La tournée urgente d’aujourd’hui était déjà lancée : la voici.", "info")
    else:
        flash(f"Tournée urgente lancée : {started.result.attempts} appel(s), les plus fragiles d’abord.",
              "info")
    return redirect(url_for("rounds.show", round_id=started.result.round_id))


def _urgent_waits(started):
    """No window is left today: the campaign is active and the clock plans its next round."""
    span = started.next_span
    when = f"commencera le {paris(span.starts_at, '%d/%m/%Y à %H:%M')}" if span else "sera planifiée"
    flash(f"Plus aucune fenêtre d’appel aujourd’hui : la campagne urgente est active et sa prochaine "
          f"tournée {when}.", "info")
    return redirect(url_for("campaigns.show", campaign_id=started.campaign.id))


def _urgent_refused(form: UrgentRoundForm, problem: str | None):
    if problem:
        form.form_errors.append(problem)
    return _index_page(form, 422)
