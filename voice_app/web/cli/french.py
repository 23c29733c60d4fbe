"""Click's own messages ("Error:", "Usage:", "Missing argument"...) in French.

Click marks every message it prints with gettext (`_()` and `ngettext()` in each of its
modules) and formats it after translation, so a catalogue from its English message ids to
French templates is all a translation needs. Click has no French catalogue and gettext looks
for compiled files under the interpreter's locale folders, so `install()` gives Click's modules
this catalogue instead. Placeholders keep Click's names; `{filename}` and `{value}` are quoted
« like this » rather than with Python's repr. A test checks that every id here still exists
in Click.
"""

from __future__ import annotations

import importlib

CLICK_MODULES = ("click.core", "click.decorators", "click.exceptions", "click.formatting", "click.parser",
                 "click.termui", "click.types", "click.utils")

MESSAGES: dict[str, str] = {
    "Error: {message}": "Erreur : {message}",
    "Usage:": "Utilisation :",
    "Try '{command} {option}' for help.": "Aide : « {command} {option} ».",
    "Options": "Options",
    "Commands": "Commandes",
    "Positional arguments": "Arguments",
    "Show this message and exit.": "Afficher cette aide et quitter.",
    "Show the version and exit.": "Afficher la version et quitter.",
    "Aborted!": "Abandon.",
    "Missing command.": "Commande manquante.",
    "Missing argument": "Argument manquant",
    "Missing option": "Option manquante",
    "Missing parameter": "Paramètre manquant",
    "Missing {param_type}": "{param_type} manquant",
    "Missing parameter: {param_name}": "Paramètre manquant : {param_name}",
    "No such command {name!r}.": "Commande inconnue : « {name} ».",
    "No such option {name!r}.": "Option inconnue : « {name} ».",
    "Invalid value for {param_hint}: {message}": "Valeur refusée pour {param_hint} : {message}",
    "Invalid value: {message}": "Valeur refusée : {message}",
    "Option {name!r} does not take a value.": "L'option « {name} » ne prend pas de valeur.",
    "Argument {name!r} takes {nargs} values.": "L'argument « {name} » prend {nargs} valeurs.",
    "Could not open file {filename!r}: {message}":
        "Impossible d'ouvrir le fichier « {filename} » : {message}",
    "unknown error": "erreur inconnue",
    "default: {default}": "défaut : {default}",
    "env var: {var}": "variable d'environnement : {var}",
    "deprecated": "obsolète",
    "Do you want to continue?": "Continuer ?",
    "Confirm the action without prompting.": "Confirmer sans poser la question.",
    "Error: invalid input": "Erreur : saisie invalide",
    "Error: The two entered values do not match.": "Erreur : les deux saisies diffèrent.",
    "Repeat for confirmation": "Confirmez en répétant",
    "file": "fichier",
    "directory": "dossier",
    "path": "chemin",
    "{name} {filename!r} does not exist.": "« {filename} » introuvable.",
    "{name} {filename!r} is a directory.": "« {filename} » est un dossier, pas un fichier.",
    "{name} {filename!r} is a file.": "« {filename} » est un fichier, pas un dossier.",
    "{name} {filename!r} is not readable.": "« {filename} » illisible (droits d'accès ?).",
    "{name} {filename!r} is not writable.": "« {filename} » est protégé en écriture.",
    "{name} {filename!r} is not executable.": "« {filename} » n'est pas exécutable.",
    "{value!r} is not a valid {number_type}.": "« {value} » n'est pas un nombre valide.",
    "{value} is not in the range {range}.": "{value} est hors de l'intervalle {range}.",
    "{value!r} is not a valid boolean. Recognized values: {states}":
        "« {value} » n'est ni oui ni non. Valeurs reconnues : {states}",
    "{value!r} is not a valid UUID.": "« {value} » n'est pas un UUID valide.",
    "Choose from:\n\t{choices}": "Choisir parmi :\n\t{choices}",
}

PLURALS: dict[tuple[str, str], tuple[str, str]] = {
    ("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"):
        ("Argument en trop : {args}", "Arguments en trop : {args}"),
    ("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."):
        ("L'option « {name} » attend une valeur.", "L'option « {name} » attend {nargs} valeurs."),
    ("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"):
        ("Vouliez-vous dire {possibility} ?", "(Vouliez-vous dire : {possibilities} ?)"),
    ("{value!r} is not {choice}.", "{value!r} is not one of {choices}."):
        ("« {value} » n'est pas {choice}.", "« {value} » ne fait pas partie de : {choices}."),
    ("{value!r} does not match the format {format}.", "{value!r} does not match the formats {formats}."):
        ("« {value} » ne suit pas le format {format}.", "« {value} » ne suit aucun des formats {formats}."),
    ("Takes {nargs} values but 1 was given.", "Takes {nargs} values but {len} were given."):
        ("Attend {nargs} valeurs, 1 donnée.", "Attend {nargs} valeurs, {len} données."),
    ("{len_type} values are required, but {len_value} was given.",
     "{len_type} values are required, but {len_value} were given."):
        ("{len_type} valeurs attendues, {len_value} donnée.",
         "{len_type} valeurs attendues, {len_value} données."),
}


def gettext(message: str) -> str:
    return MESSAGES.get(message, message)


def ngettext(singular: str, plural: str, count: int) -> str:
    french = PLURALS.get((singular, plural))
    if french is None:
        return singular if count == 1 else plural
    return french[0] if count == 1 else french[1]


def install() -> None:
    """Make Click speak French (idempotent)."""
    for name in CLICK_MODULES:
        module = importlib.import_module(name)
        module._ = gettext
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext
