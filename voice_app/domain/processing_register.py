"""The record of processing (GDPR art. 30): what Veille holds, why, on which legal basis, how
long and who sees it, built from the organisation's retention policy so that it says what the
purge actually does (`veille privacy register`)."""

from __future__ import annotations

from dataclasses import dataclass

from voice_app.domain.people import LOGIN_WINDOW
from voice_app.domain.retention import PURGE_HOUR
from voice_app.domain.retention import RetentionPolicy

LANDLORD_STAFF = "les coordinateurs du bailleur"
PORTFOLIO = ("les bénévoles pour les seuls locataires de leur portefeuille ou les suivis qui leur sont "
             "confiés (numéro masqué jusqu’à une demande, elle-même tracée)")
PARTNERS = "les coordinateurs d’une association partenaire pour les locataires suivis par ses bénévoles"


@dataclass(frozen=True)
class Processing:
    """One line of the record, in French."""

    name: str
    data: str
    purpose: str
    legal_basis: str
    retention: str
    recipients: str


def _months(months: int) -> str:
    return f"{months} mois"


def register(policy: RetentionPolicy) -> list[Processing]:
    """Every processing of tenants' and users' data, with the periods of `policy`."""
    purge = f"purge automatique chaque nuit vers {PURGE_HOUR} h (heure de Paris)"
    return [
        Processing(
            "Fiche du locataire et inscription au suivi",
            "référence du bailleur, civilité, nom, prénom, années de naissance, composition du foyer, "
            "numéros de téléphone, langue, site, gardien, demi-journée préférée, fuseau horaire, "
            "absences, bénévole attitré, inscription (date, source, base légale)",
            "appeler chaque semaine les locataires fragiles et confier à une personne ceux qui en ont besoin",
            "mission d’intérêt public du bailleur ou consentement du locataire (enregistrée à l’inscription)",
            "tant que le locataire figure dans le fichier du bailleur ; effacement sur demande "
            "(« veille privacy erase »), seule l’empreinte de ses numéros reste",
            f"{LANDLORD_STAFF} ; {PORTFOLIO} ; {PARTNERS}"),
        Processing(
            "Appels et suivis",
            "tentatives d’appel (date, état, issue codée), événements transmis par l’opérateur, rappels "
            "par un bénévole, tâches de suivi (motif, priorité, échéance, orientations, souhait d’appels "
            "réguliers)",
            "passer les appels, relancer les injoignables, suivre chaque demande jusqu’à son issue, "
            "établir les chiffres de la campagne",
            "mêmes bases que l’inscription",
            f"{_months(policy.calls)} après l’appel ou la fin du suivi ; {purge}",
            f"{LANDLORD_STAFF} ; {PORTFOLIO} ; l’opérateur téléphonique (numéro appelé, durée)"),
        Processing(
            "Réponses données pendant les appels (données de santé, art. 9)",
            "touches pressées et mots reconnus (« tout va bien », besoin d’aide : santé, courses, autre), "
            "sous forme de codes ; aucun enregistrement de la voix",
            "savoir qui a besoin d’une personne, et pour quoi",
            "art. 9.2 g) ou h) (intérêt public, prise en charge sociale) ou consentement explicite",
            f"{_months(policy.answers)} après l’appel ; {purge}",
            f"{LANDLORD_STAFF} ; {PORTFOLIO}"),
        Processing(
            "Notes des bénévoles",
            "note libre sur un suivi (sans détail médical au-delà de la catégorie)",
            "que le bénévole suivant sache ce qui a été fait",
            "mêmes bases que l’inscription",
            f"{_months(policy.notes)} après la fin du suivi ; {purge}",
            f"{LANDLORD_STAFF} ; {PORTFOLIO}"),
        Processing(
            "Liste d’opposition",
            "empreinte à clé (HMAC-SHA256) des numéros des locataires qui ont demandé l’arrêt des appels "
            "ou l’effacement de leurs données ; aucun numéro en clair",
            "ne plus jamais appeler ces numéros, même après un nouvel import",
            "respect du droit d’opposition (art. 21) et de l’effacement (art. 17)",
            "tant que le bailleur utilise Veille (jamais purgée)",
            "personne : seule une comparaison avec un numéro connu est possible"),
        Processing(
            "Journal d’audit",
            "qui a consulté ou modifié quoi et quand (jamais un numéro ni une réponse ; une référence "
            "de locataire pour une exportation ou un effacement)",
            "rendre compte des accès aux données et des actions sur elles",
            "obligation de sécurité et de responsabilité (art. 5.2 et 32)",
            "conservé à part de la purge des données d’appel ; à l’effacement d’un locataire, les lignes "
            "qui le visaient perdent ce lien",
            "les administrateurs"),
        Processing(
            "Comptes des personnes qui utilisent Veille",
            "adresse e-mail, nom, rôle, téléphone d’astreinte, disponibilités, absences, tentatives de "
            "connexion",
            "se connecter, recevoir les transferts et les SMS de suivi",
            "intérêt légitime de l’organisme (organisation du bénévolat)",
            "tant que le compte existe ; tentatives de connexion : "
            f"{int(2 * LOGIN_WINDOW.total_seconds() // 60)} minutes",
            "les administrateurs et les coordinateurs de l’organisme"),
        Processing(
            "Chiffres",
            "nombres agrégés (appelés, joints, orientés...) sans donnée personnelle",
            "rendre compte au bailleur et publier son rapport",
            "intérêt légitime du bailleur",
            f"calculés à partir des appels et suivis conservés : les {policy.calls} derniers mois",
            f"{LANDLORD_STAFF} ; {PARTNERS}"),
    ]


# The French name of each table holding data about people (the purge's and the export's
# words); a table without one is shown by its own name, never left out.
TABLE_LABELS = {
    "tenants": "fiche du locataire",
    "enrolments": "inscription au suivi",
    "away_periods": "absences",
    "campaign_targets": "listes de campagne",
    "call_attempts": "appels",
    "call_events": "événements transmis par l’opérateur",
    "responses": "réponses données pendant les appels",
    "follow_ups": "suivis",
    "bridged_calls": "rappels par un bénévole",
    "notifications": "SMS aux bénévoles",
    "opt_out_requests": "demandes d’arrêt des appels",
    "audit_events": "journal d’audit",
    "phone_suppressions": "liste d’opposition",
    "pending_imports": "fichiers d’import en attente",
}


def table_label(name: str) -> str:
    return TABLE_LABELS.get(name, name)
