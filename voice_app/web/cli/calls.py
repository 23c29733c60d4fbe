"""`veille calls ...`: `veille calls test TENANT_REFERENCE` places one call now and says how it went."""

from __future__ import annotations

import click
import requests
from flask.cli import with_appcontext

from voice_app.domain.phones import mask_phone
from voice_app.domain.provider import CallStatus
from voice_app.services.trial_calls import CallTestNeedsForce
from voice_app.services.trial_calls import CallTestRefused
from voice_app.services.trial_calls import CallTestReport
from voice_app.services.trial_calls import start_test_call
from voice_app.services.trial_calls import wait_for_end
from voice_app.web.cli.options import organisation_option
from voice_app.web.cli.output import CHOICES
from voice_app.web.cli.output import OUTCOMES
from voice_app.web.cli.output import PRIORITIES
from voice_app.web.cli.output import REASONS
from voice_app.web.cli.output import STATES
from voice_app.web.cli.output import STEPS
from voice_app.web.cli.output import french_word
from voice_app.web.cli.output import number
from voice_app.web.extensions import get_veille

HEALTH_TIMEOUT_SECONDS = 3.0
SIMULATOR_GRACE_SECONDS = 5.0
SIMULATED_INPUTS = {"silence": "silence", "hangup": "raccroche"}
SIMULATED_BEHAVIOURS = (("duplicated callbacks", "rappels en double"),
                        ("late callbacks", "rappels en retard"),
                        ("presses", "appuie sur"), ("says", "dit"), ("silent", "silencieux"),
                        ("hangs up", "raccroche"), ("hangup", "raccroche"), ("no answer", "ne répond pas"),
                        ("voicemail", "répondeur"), ("busy", "occupé"), ("wrong number", "mauvais numéro"))
PROVIDER_STATUSES = {CallStatus.QUEUED: "en file", CallStatus.INITIATED: "lancé", CallStatus.RINGING: "sonne",
                     CallStatus.IN_PROGRESS: "décroché", CallStatus.COMPLETED: "terminé",
                     CallStatus.BUSY: "occupé", CallStatus.NO_ANSWER: "pas de réponse",
                     CallStatus.FAILED: "échec", CallStatus.CANCELED: "annulé"}



@click.group("calls")
def calls() -> None:
    """Appels : appel de test."""


@calls.command("test")
@click.argument("tenant_reference", metavar="REFERENCE")
@click.option("--behaviour", metavar="COMPORTEMENT",
              help="Simulateur seulement : press:2,1 | say:oui | silent | hang-up | voicemail | "
                   "no-answer | busy | failed.")
@click.option("--timeout", type=click.FloatRange(min=0), default=120, show_default=True,
              help="Secondes d’attente de la fin de l’appel.")
@click.option("--force", is_flag=True,
              help="Appelle aussi un locataire non inscrit ou absent aujourd’hui : pour vérifier un numéro "
                   "avant l’inscription, avec l’accord du locataire. Jamais un locataire qui a demandé "
                   "l’arrêt des appels ni un numéro de la liste des numéros à ne plus appeler.")
@with_appcontext
@organisation_option
def test_call(tenant_reference: str, behaviour: str | None, timeout: float, force: bool,
              organisation) -> None:
    """Appelle maintenant le locataire de référence REFERENCE et affiche le déroulé de l’appel.

    Seuls les locataires inscrits et présents aujourd’hui sont appelés, sauf avec --force."""
    veille = get_veille()
    simulated = veille.settings.TELEPHONY_PROVIDER == "simulator"
    if behaviour and not simulated:
        raise click.ClickException(
            "--behaviour ne s’utilise qu’avec le simulateur (TELEPHONY_PROVIDER=simulator).")
    script = _scripting(veille.telephony, behaviour) if behaviour else None
    if simulated:
        _require_web_process(veille.settings.PUBLIC_BASE_URL)
    try:
        attempt_id, call_sid = start_test_call(veille, tenant_reference, before_dial=script, force=force,
                                              organisation_id=organisation.id)
    except CallTestNeedsForce as refused:
        raise click.ClickException(
            f"{refused} Pour vérifier son numéro avec son accord, relancez avec --force.") from None
    except CallTestRefused as refused:
        raise click.ClickException(str(refused)) from None
    report = wait_for_end(veille, attempt_id, timeout)
    record = _simulated_call(veille.telephony, call_sid) if simulated and call_sid else None
    click.echo(describe(report, tenant_reference, record))
    if not report.finished:
        raise SystemExit(1)


def _scripting(provider, spec: str):
    from voice_app.telephony.simulation.behaviours import parse_behaviour

    try:
        scripted = parse_behaviour(spec)
    except ValueError:
        raise click.BadParameter(f"comportement inconnu « {spec} »", param_hint="--behaviour") from None
    return lambda number: provider.script(number, scripted)


def _require_web_process(public_base_url: str) -> None:
    """With the simulator, the calls are played against our own web process: it must be up."""
    url = public_base_url.rstrip("/") + "/healthz"
    try:
        response = requests.get(url, timeout=HEALTH_TIMEOUT_SECONDS)
    except requests.RequestException:
        response = None
    if response is None or response.status_code != 200:
        state = "injoignable" if response is None else f"en erreur (HTTP {response.status_code})"
        raise click.ClickException(
            f"Le processus web est {state} à {url}. Le simulateur joue l’appel contre lui : "
            "démarrez-le (scripts/run, ou gunicorn \"voice_app.web:create_app()\") ou corrigez "
            "PUBLIC_BASE_URL, puis relancez l’appel de test.")


def _simulated_call(provider, call_sid: str):
    try:
        return provider.wait(call_sid, SIMULATOR_GRACE_SECONDS)
    except (KeyError, TimeoutError):
        return None


def french_behaviour(label: str) -> str:
    """The simulator's label of a tenant behaviour ("presses 2 1, late callbacks") in French."""
    for english, french in SIMULATED_BEHAVIOURS:
        label = label.replace(english, french)
    return label


def describe(report: CallTestReport, reference: str, record=None) -> str:
    """The report in French, phone number masked."""
    lines = [f"Appel de test vers {mask_phone(report.to_number)} (locataire {reference}), "
             f"tentative n° {report.attempt_id}, appel {report.provider_call_id or 'non passé'}."]
    statuses = " → ".join(french_word(PROVIDER_STATUSES, status) for status in report.provider_statuses)
    lines.append(f"Statuts reçus de l’opérateur : {statuses or 'aucun'}")
    if report.answered_by:
        who = "une personne" if report.answered_by == "human" else (
            "un répondeur" if report.answered_by.startswith("machine") else "inconnu (fax ou autre)")
        lines.append(f"Décroché par : {who}")
    if record is not None:
        inputs = ", ".join(french_word(SIMULATED_INPUTS, value) for value in record.inputs)
        lines.append(f"Simulateur : comportement « {french_behaviour(record.behaviour)} », "
                     f"saisies : {inputs or 'aucune'}")
    for step, key, meaning in report.responses:
        lines.append(f"Réponse à l’étape « {french_word(STEPS, step.split('.')[0])} » : "
                     f"{('touche ' + key) if key else 'mot reconnu'} ({french_word(CHOICES, meaning)})")
    if report.outcome:
        lines.append(f"Résultat : {french_word(OUTCOMES, report.outcome)}")
    for reason, priority in report.follow_ups:
        lines.append(f"Suivi créé pour un bénévole : {french_word(REASONS, reason)}, "
                     f"priorité {french_word(PRIORITIES, priority)}")
    if report.error:
        lines.append(f"Erreur de l’opérateur : {report.error}")
    if report.finished:
        lines.append(f"Appel terminé en {number(report.seconds, decimals=1)} s.")
    else:
        lines.append(f"L’appel n’est pas terminé après {number(report.seconds, decimals=0)} s "
                     f"(état : {french_word(STATES, report.state)}).")
    return "\n".join(lines)
