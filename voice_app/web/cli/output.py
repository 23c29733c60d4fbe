"""How `veille` commands show things to a coordinator: French words for stored codes, French
numbers ("0,167", "46,9", "13 080") and aligned tables with a header row."""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Sequence

import click

from voice_app.domain.call_flow import State
from voice_app.domain.escalation import Priority
from voice_app.domain.escalation import Reason
from voice_app.domain.outcomes import Outcome

NARROW_NBSP = "\u202f"  # the French thousands separator

STATES = {State.DUE: "à passer", State.CLAIMED: "réservé", State.QUEUED: "en file", State.RINGING: "sonne",
          State.IN_PROGRESS: "en cours", State.ENDED: "terminé", State.CANCELLED: "annulé"}
OUTCOMES = {
    Outcome.OK: "tout va bien",
    Outcome.HELP_HEALTH: "besoin d’aide : santé",
    Outcome.HELP_FOOD: "besoin d’aide : courses ou repas",
    Outcome.HELP_OTHER: "besoin d’aide : autre chose",
    Outcome.LIVE_TRANSFER: "mis en relation avec un bénévole",
    Outcome.LIVE_TRANSFER_MISSED: "voulait parler à quelqu’un, aucun bénévole n’a pris l’appel",
    Outcome.OPT_OUT: "ne souhaite plus être appelé",
    Outcome.OPT_OUT_UNCONFIRMED: "a demandé l’arrêt des appels sans confirmer",
    Outcome.NO_KEY: "a décroché mais n’a rien répondu",
    Outcome.VOICEMAIL: "répondeur",
    Outcome.NO_ANSWER: "pas de réponse",
    Outcome.BUSY: "occupé",
    Outcome.FAILED: "échec de l’appel (numéro invalide ?)",
    Outcome.UNKNOWN: "fin inconnue (l’opérateur n’a rien dit)",
}
REASONS = {
    Reason.LIVE_TRANSFER_MISSED: "transfert manqué",
    Reason.HELP_HEALTH: "aide : santé",
    Reason.HELP_FOOD: "aide : courses ou repas",
    Reason.HELP_OTHER: "aide : autre",
    Reason.CALL_ME_BACK: "à rappeler",
    Reason.NO_KEY: "décroché sans réponse",
    Reason.OPT_OUT: "arrêt des appels",
    Reason.INVALID_NUMBER: "numéro invalide",
    Reason.UNREACHABLE: "injoignable",
    Reason.UNREACHABLE_TWICE: "injoignable deux tournées de suite",
}
PRIORITIES = {Priority.URGENT: "urgente", Priority.HIGH: "haute", Priority.NORMAL: "normale",
              Priority.LOW: "basse"}
CHOICES = {"all_well": "tout va bien", "need_help": "besoin d’aide",
           "talk_now": "parler à quelqu’un", "stop": "arrêter les appels", "health": "santé",
           "food": "courses ou repas", "other": "autre chose",
           "stop_confirmed": "arrêt confirmé", "stop_cancelled": "arrêt non confirmé"}
STEPS = {"menu": "menu", "help": "type d’aide", "stop_confirm": "confirmation de l’arrêt",
         "transfer": "mise en relation", "goodbye": "au revoir", "voicemail": "répondeur"}
CAMPAIGN_KINDS = {"weekly": "hebdomadaire", "urgent": "urgente", "daily": "quotidienne"}
TARGETS = {"all": "tous", "site": "sites", "list": "liste"}


def french_word(table: dict[str, str], code: str | None) -> str:
    """The French word for a stored code (the code itself if it is new)."""
    if code is None:
        return "-"
    return table.get(code, code)


def number(value: float, decimals: int | None = None, significant: int = 3) -> str:
    """`0.1666` -> `0,167`, `46.94` (1 decimal) -> `46,9`, `13080` -> `13 080` (narrow space)."""
    if decimals is None:
        text = f"{value:,.{significant}g}" if abs(value) < 10 ** significant else f"{value:,.0f}"
    else:
        text = f"{value:,.{decimals}f}"
    return text.replace(",", NARROW_NBSP).replace(".", ",")


def table(headers: Sequence[str], rows: Iterable[Sequence[object]], indent: str = "") -> None:
    """Print `rows` under `headers`, columns aligned (the last one left free)."""
    rows = [[str(cell) for cell in row] for row in rows]
    widths = [max([len(headers[i])] + [len(row[i]) for row in rows]) for i in range(len(headers))]
    for row in [list(headers)] + rows:
        cells = [cell.ljust(width) for cell, width in zip(row[:-1], widths[:-1], strict=True)]
        click.echo((indent + "  ".join(cells + [row[-1]])).rstrip())
