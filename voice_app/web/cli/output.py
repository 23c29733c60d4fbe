"""How `veille` commands show things to a coordinator: French words for stored codes, French
numbers ("0,167", "46,9", "13 080") and aligned tables with a header row."""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Sequence

import click

NARROW_NBSP = "\u202f"  # the French thousands separator

STATES = {"due": "à passer", "claimed": "réservé", "queued": "en file", "ringing": "sonne",
          "in_progress": "en cours", "ended": "terminé", "cancelled": "annulé"}
OUTCOMES = {
    "ok": "tout va bien",
    "help_health": "besoin d’aide : santé",
    "help_food": "besoin d’aide : courses ou repas",
    "help_other": "besoin d’aide : autre chose",
    "live_transfer": "mis en relation avec un bénévole",
    "live_transfer_missed": "voulait parler à quelqu’un, aucun bénévole n’a pris l’appel",
    "opt_out": "ne souhaite plus être appelé",
    "opt_out_unconfirmed": "a demandé l’arrêt des appels sans confirmer",
    "no_key": "a décroché mais n’a rien répondu",
    "voicemail": "répondeur",
    "no_answer": "pas de réponse",
    "busy": "occupé",
    "failed": "échec de l’appel (numéro invalide ?)",
    "unknown": "fin inconnue (l’opérateur n’a rien dit)",
}
REASONS = {
    "live_transfer_missed": "transfert manqué",
    "help_health": "aide : santé",
    "help_food": "aide : courses ou repas",
    "help_other": "aide : autre",
    "call_me_back": "à rappeler",
    "no_key": "décroché sans réponse",
    "opt_out": "arrêt des appels",
    "invalid_number": "numéro invalide",
    "unreachable": "injoignable",
    "unreachable_twice": "injoignable deux tournées de suite",
}
PRIORITIES = {"urgent": "urgente", "high": "haute", "normal": "normale", "low": "basse"}
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
