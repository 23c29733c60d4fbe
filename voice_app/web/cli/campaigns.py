"""`veille campaigns ...` and `veille rounds ...`: what coordinators type to run campaigns.

Output is French; times are shown in Paris time; phone numbers only ever masked.
"""

from __future__ import annotations

import functools
from datetime import date
from datetime import datetime

import click
from flask.cli import AppGroup

from voice_app.domain.calendar import PARIS
from voice_app.domain.calendar import paris_date
from voice_app.domain.campaigns import ALL_DAYS
from voice_app.domain.campaigns import DEFAULT_WINDOWS
from voice_app.domain.campaigns import FRENCH_DAY_NAMES
from voice_app.domain.campaigns import FRENCH_LABELS
from voice_app.domain.campaigns import WORKING_DAYS
from voice_app.domain.campaigns import CampaignPolicy
from voice_app.domain.campaigns import Window
from voice_app.domain.campaigns import parse_days
from voice_app.domain.campaigns import parse_window
from voice_app.domain.campaigns import urgent_policy
from voice_app.domain.figures import FIRST_YEAR
from voice_app.domain.figures import LAST_YEAR
from voice_app.domain.figures import in_calendar
from voice_app.domain.rounds import round_starting_on
from voice_app.services.campaigns import campaign_policy
from voice_app.services.campaigns import count_targeted_tenants
from voice_app.services.campaigns import create_campaign
from voice_app.services.campaigns import get_campaign
from voice_app.services.campaigns import list_campaigns
from voice_app.services.campaigns import set_campaign_active
from voice_app.services.planning import PlanResult
from voice_app.services.planning import plan_round
from voice_app.services.rounds import close_finished_rounds
from voice_app.services.rounds import list_rounds
from voice_app.web.cli.options import organisation_option
from voice_app.web.cli.output import CAMPAIGN_KINDS
from voice_app.web.cli.output import STATES
from voice_app.web.cli.output import TARGETS
from voice_app.web.cli.output import french_word
from voice_app.web.cli.output import number
from voice_app.web.cli.output import table
from voice_app.web.extensions import get_veille

DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")


class FrenchDate(click.ParamType):
    """A date typed as 2026-11-24 or 24/11/2026."""

    name = "date"

    def convert(self, value, param, ctx) -> date:
        if isinstance(value, date):
            return value
        for pattern in DATE_FORMATS:
            try:
                found = datetime.strptime(value.strip(), pattern).date()
            except ValueError:
                continue
            if not in_calendar(found):  # year 1 or 9999 overflows in time-zone arithmetic
                self.fail(f"date hors bornes : {value!r} (années {FIRST_YEAR} à {LAST_YEAR})", param, ctx)
            return found
        self.fail(f"date illisible : {value!r} (attendu : AAAA-MM-JJ ou JJ/MM/AAAA)", param, ctx)


def _fail_on_bad_input(function):
    """Turn a domain or service ValueError (French message) into a clean CLI error."""
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except ValueError as error:
            raise click.ClickException(str(error)) from error

    return wrapper


def paris_time(moment: datetime, with_day: bool = True) -> str:
    local = moment.astimezone(PARIS)
    day = f"{FRENCH_DAY_NAMES[local.weekday()]}. {local:%d/%m/%Y} " if with_day else ""
    return f"{day}{local:%H:%M}"


# AppGroup: every command runs inside the application context (get_veille works).
@click.group("campaigns", cls=AppGroup, help="Campagnes : qui est appelé, quand, combien de fois.")
def campaigns() -> None:
    """Campaigns: who is called, when, how often."""


@campaigns.command("create", help="Créer la campagne NOM.")
@click.argument("name", metavar="NOM")
@click.option("--weekdays", help="Jours de tournée d'une campagne hebdomadaire, ex. mon,wed (défaut : mon).")
@click.option("--urgent", is_flag=True, help="Campagne urgente (canicule) : tous les jours, fériés compris.")
@click.option("--site", "sites", multiple=True, help="Cibler les locataires de ce site (répétable).")
@click.option("--tenants", "references", multiple=True, help="Cibler ces références (répétable ou a,b,c).")
@click.option("--window", "windows", multiple=True, help='Fenêtre d\'appel, ex. "mon-fri 10:00-12:30".')
@click.option("--every-day", is_flag=True, help="Tournée quotidienne, fenêtres tous les jours de la semaine.")
@click.option("--include-holidays", is_flag=True, help="Appeler aussi les jours fériés.")
@click.option("--max-attempts", type=int, help="Tentatives par tournée (défaut : 3).")
@click.option("--retry-gap", type=int, help="Minutes au moins entre deux tentatives (défaut : 120).")
@click.option("--round-days", type=int, help="Jours d'appel d'une tournée (défaut : 2, 1 si quotidienne).")
@click.option("--calls-per-second", type=float, help="Appels lancés par seconde au plus (défaut : 1).")
@click.option("--max-concurrent", type=int, help="Appels simultanés au plus (défaut : 10).")
@click.option("--starts-on", type=FrenchDate(), help="Premier jour de la campagne (défaut : aujourd'hui).")
@click.option("--ends-on", type=FrenchDate(), help="Dernier jour de la campagne.")
@_fail_on_bad_input
@organisation_option
def create(name, weekdays, urgent, sites, references, windows, every_day, include_holidays, max_attempts,
           retry_gap, round_days, calls_per_second, max_concurrent, starts_on, ends_on, organisation) -> None:
    """Create campaign NAME."""
    if sites and references:
        raise click.UsageError("Choisissez --site ou --tenants, pas les deux.")
    if weekdays and (every_day or urgent):
        raise click.UsageError("--weekdays concerne les campagnes hebdomadaires "
                               "(sans --every-day ni --urgent).")
    policy = _policy(weekdays, urgent, windows, every_day, include_holidays, {
        "max_attempts": max_attempts, "retry_gap_minutes": retry_gap, "round_days": round_days,
        "calls_per_second": calls_per_second, "max_concurrent_calls": max_concurrent})
    references = [r.strip() for value in references for r in value.split(",")]
    target = "site" if sites else "list" if references else "all"
    campaign = create_campaign(get_veille(), name, policy, target=target, sites=sites,
                               tenant_references=references, urgent=urgent, starts_on=starts_on,
                               ends_on=ends_on, organisation_id=organisation.id)
    click.echo(f"Campagne « {campaign.name} » créée.")
    _echo_policy(policy)


def _policy(weekdays, urgent, windows, every_day, include_holidays, numbers: dict) -> CampaignPolicy:
    policy = urgent_policy() if urgent else CampaignPolicy()
    changes = {name: value for name, value in numbers.items() if value is not None}
    every_day_windows = every_day or urgent
    if every_day:
        changes.setdefault("round_days", 1)
        changes.update(rhythm="daily", weekdays=ALL_DAYS)
    if weekdays:
        changes["weekdays"] = parse_days(weekdays)
    default_days = ALL_DAYS if every_day_windows else WORKING_DAYS
    if windows:
        changes["windows"] = tuple(parse_window(text, default_days) for text in windows)
    elif every_day:
        changes["windows"] = tuple(Window(w.start, w.end, ALL_DAYS) for w in DEFAULT_WINDOWS)
    if include_holidays:
        changes["include_holidays"] = True
    return policy.with_changes(**changes)


def _echo_policy(policy: CampaignPolicy) -> None:
    if policy.rhythm == "daily":
        click.echo("  Rythme : tous les jours")
    else:
        days = ", ".join(FRENCH_LABELS[d] for d in sorted(policy.weekdays))
        click.echo(f"  Rythme : chaque semaine, le {days}")
    click.echo("  Fenêtres (heure de Paris) : " + " ; ".join(w.label() for w in policy.windows)
               + (", jours fériés compris" if policy.include_holidays else ", sauf jours fériés"))
    half_day = ", dans des demi-journées différentes" if policy.retry_other_half_day else ""
    click.echo(f"  Tentatives : {policy.max_attempts} par tournée, espacées d'au moins "
               f"{policy.retry_gap_minutes} min{half_day}")
    click.echo(f"  Durée d'une tournée : {policy.round_days} jour(s) d'appel")
    click.echo(f"  Débit : {number(policy.calls_per_second)} appel(s)/s, "
               f"{policy.max_concurrent_calls} simultanés au plus")


@campaigns.command("list", help="Lister les campagnes.")
@_fail_on_bad_input
@organisation_option
def list_command(organisation) -> None:
    """List the campaigns."""
    veille = get_veille()
    found = list_campaigns(veille, organisation.id)
    if not found:
        click.echo("Aucune campagne.")
        return
    now = veille.clock()
    rows = [(campaign.name, french_word(CAMPAIGN_KINDS, campaign.kind),
             "active" if campaign.active else "en pause", french_word(TARGETS, campaign.target),
             number(count_targeted_tenants(veille, campaign, now)))
            for campaign in found]
    table(("Nom", "Type", "État", "Cible", "Locataires"), rows)


@campaigns.command("show", help="Afficher la campagne NOM : règles, cible, dernières tournées.")
@click.argument("name", metavar="NOM")
@_fail_on_bad_input
@organisation_option
def show(name: str, organisation) -> None:
    """Show campaign NAME: policy, target and latest rounds."""
    veille = get_veille()
    campaign = get_campaign(veille, name, organisation.id)
    state = "active" if campaign.active else "en pause"
    click.echo(f"Campagne « {campaign.name} » ({french_word(CAMPAIGN_KINDS, campaign.kind)}, {state})")
    target = {"all": "tous les locataires inscrits", "site": "sites : " + ", ".join(campaign.target_sites),
              "list": "liste de locataires"}[campaign.target]
    click.echo(f"  Cible : {target} ({count_targeted_tenants(veille, campaign, veille.clock())} aujourd'hui)")
    period = f"du {campaign.starts_on:%d/%m/%Y}" if campaign.starts_on else "sans date de début"
    click.echo(f"  Période : {period}" + (f" au {campaign.ends_on:%d/%m/%Y}" if campaign.ends_on else ""))
    _echo_policy(campaign_policy(campaign))
    _echo_rounds(list_rounds(veille, campaign.id, limit=5))


@campaigns.command("pause", help="Mettre en pause la campagne NOM (plus aucun appel ni nouvelle tournée).")
@click.argument("name", metavar="NOM")
@_fail_on_bad_input
@organisation_option
def pause(name: str, organisation) -> None:
    """Pause campaign NAME: no call from now on (the round under way's neither), no new round."""
    set_campaign_active(get_veille(), name, False, organisation.id)
    click.echo(f"Campagne « {name} » en pause : plus aucun appel, même de la tournée en cours, "
               "et aucune nouvelle tournée ne sera planifiée.")


@campaigns.command("resume", help="Reprendre la campagne NOM.")
@click.argument("name", metavar="NOM")
@_fail_on_bad_input
@organisation_option
def resume(name: str, organisation) -> None:
    """Resume campaign NAME."""
    set_campaign_active(get_veille(), name, True, organisation.id)
    click.echo(f"Campagne « {name} » reprise.")


@click.group("rounds", cls=AppGroup, help="Tournées : planification et clôture.")
def rounds() -> None:
    """Rounds: planning and closing campaign occurrences."""


@rounds.command("plan", help="Planifier les tournées du jour (ou celle d'une campagne à --date).")
@click.option("--campaign", "campaign_name", help="Une seule campagne (défaut : toutes les actives).")
@click.option("--date", "day", type=FrenchDate(), help="Jour de la tournée (défaut : aujourd'hui).")
@click.option("--dry-run", is_flag=True, help="Montrer qui serait appelé et quand, sans rien enregistrer.")
@click.option("--show", "show_count", type=click.IntRange(0, 100_000), default=50, show_default=True,
              help="Appels listés en --dry-run (0 : tous).")
@_fail_on_bad_input
@organisation_option
def plan(campaign_name: str | None, day: date | None, dry_run: bool, show_count: int, organisation) -> None:
    """Plan today's rounds (or one campaign's round on --date)."""
    veille = get_veille()
    now = veille.clock()
    if campaign_name:
        names = [campaign_name]
    else:
        wanted = day or paris_date(now)
        names = [c.name for c in list_campaigns(veille, organisation.id)
                 if c.active and round_starting_on(campaign_policy(c), wanted) is not None]
        if not names:
            click.echo(f"Aucune tournée prévue le {wanted:%d/%m/%Y}.")
            return
    for name in names:
        result = plan_round(veille, name, day, now=now, dry_run=dry_run, preview_limit=show_count,
                            organisation_id=organisation.id)
        _echo_plan(result, dry_run)


def _echo_plan(result: PlanResult, dry_run: bool) -> None:
    span = result.span
    title = (f"Tournée « {result.campaign_name} » du {paris_time(span.starts_at)} "
             f"au {paris_time(span.ends_at)}")
    if result.round_id is not None and not result.created:
        simulation = " (simulation, rien n'est enregistré)" if dry_run else ""
        click.echo(f"{title}{simulation} : déjà planifiée ({number(result.attempts)} appel(s)), "
                   "rien de nouveau.")
    elif dry_run:
        click.echo(f"{title} (simulation, rien n'est enregistré) : {number(result.attempts)} appel(s), "
                   f"{number(result.rate)} appel(s)/s")
        if result.preview:
            click.echo(f"  {'Heure (Paris)':<25} {'Référence':<20} Téléphone")
        for call in result.preview:
            click.echo(f"  {paris_time(call.due_at)}:{call.due_at.astimezone(PARIS):%S}  "
                       f"{call.reference:<20} {call.masked_phone}")
        hidden = result.attempts - len(result.preview)
        if hidden > 0:
            click.echo(f"  … et {hidden} autre(s).")
    else:
        click.echo(f"{title} : {number(result.attempts)} appel(s) planifié(s).")
    if result.over_capacity:
        click.echo("  Attention : la tournée dépasse ce que le débit permet ; augmentez --calls-per-second "
                   "ou --max-concurrent (les appels en retard seront annulés à la clôture).")


@rounds.command("list", help="Lister les dernières tournées.")
@click.option("--campaign", "campaign_name", help="Une seule campagne.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=20, show_default=True,
              help="Nombre de tournées affichées.")
@_fail_on_bad_input
@organisation_option
def list_rounds_command(campaign_name: str | None, limit: int, organisation) -> None:
    """List the latest rounds."""
    veille = get_veille()
    campaign_id = get_campaign(veille, campaign_name, organisation.id).id if campaign_name else None
    _echo_rounds(list_rounds(veille, campaign_id, limit, organisation_id=organisation.id))


def _echo_rounds(summaries) -> None:
    if not summaries:
        click.echo("Aucune tournée.")
        return
    click.echo("Tournées :")
    rows = []
    for summary in summaries:
        round_ = summary.round
        state = "clôturée" if round_.status == "closed" else "en cours"
        counts = ", ".join(f"{french_word(STATES, key)} {number(n)}"
                           for key, n in sorted(summary.counts.items()))
        rows.append((f"{paris_time(round_.starts_at)} → {paris_time(round_.ends_at)}", summary.campaign_name,
                     state, number(round_.planned_count), counts or "aucun appel"))
    table(("Période", "Campagne", "État", "Prévus", "Appels par état"), rows, indent="  ")


@rounds.command("close", help="Clôturer les tournées terminées et créer les suivis « injoignable ».")
@_fail_on_bad_input
def close() -> None:
    """Close the rounds that are over (or settled) and open the unreachable follow-ups."""
    veille = get_veille()
    closed = close_finished_rounds(veille, veille.clock())
    click.echo(f"{closed} tournée(s) clôturée(s).")

