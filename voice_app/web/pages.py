"""What every page shares: navigation by role, template filters, security headers."""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from flask import request
from flask_login import current_user

from voice_app.domain.calendar import PARIS
from voice_app.domain.follow_up import KEY_LABELS
from voice_app.domain.follow_up import PRIORITY_LABELS
from voice_app.domain.follow_up import REASON_LABELS
from voice_app.domain.follow_up import REFERRAL_LABELS
from voice_app.domain.follow_up import call_outcome_label
from voice_app.domain.follow_up import elapsed_label
from voice_app.domain.follow_up import reason_label
from voice_app.domain.people import ROLE_LABELS
from voice_app.domain.people import may_open
from voice_app.domain.phones import readable_phone
from voice_app.services.bridged_calls import IN_PROGRESS

# (endpoint, label, area): the navigation, each entry shown to the roles that may open it.
NAVIGATION = (
    ("home.index", "Accueil", "home"),
    ("volunteer.tasks", "Suivis", "home"),
    ("tenants.index", "Locataires", "home"),
    ("tenants.upload", "Importer", "volunteers"),
    ("campaigns.index", "Campagnes", "campaigns"),
    ("coordinator.volunteers", "Bénévoles", "volunteers"),
    ("rules.rules", "Règles", "volunteers"),
    ("figures.index", "Chiffres", "volunteers"),
    ("admin.users", "Comptes", "admin"),
    ("admin.organisations", "Organismes", "admin"),
    ("admin.audit", "Audit", "admin"),
    ("admin.api_tokens", "API", "admin"),
)

BRIDGE_STATES = {
    "dialling": "votre téléphone sonne", "volunteer_answered": "vous avez décroché",
    "tenant_dialled": "appel du locataire en cours", "connected": "vous avez parlé au locataire",
    "tenant_no-answer": "le locataire n’a pas répondu", "tenant_busy": "la ligne du locataire était occupée",
    "tenant_failed": "le numéro du locataire n’a pas abouti", "tenant_canceled": "appel annulé",
    "volunteer_no-answer": "vous n’avez pas décroché", "volunteer_busy": "votre ligne était occupée",
    "volunteer_failed": "votre téléphone n’a pas pu être appelé", "volunteer_canceled": "appel annulé",
    "volunteer_completed": "appel terminé", "cancelled": "annulé (aucune touche)",
    "failed": "l’appel n’a pas pu être lancé",
}

LANGUAGES = {"fr": "français", "ar": "arabe", "pt": "portugais", "es": "espagnol", "en": "anglais",
             "it": "italien", "tr": "turc", "zh": "chinois", "ru": "russe", "ro": "roumain", "pl": "polonais"}
MAX_WEBHOOK_BYTES = 64 * 1024  # Twilio's webhook bodies are a few kB
MAX_UPLOAD_BYTES = 20 * 1024 * 1024 + 64 * 1024  # a tenant file (20 MB) and its form


def limit_request_sizes(app: Flask) -> None:
    """Registered before CSRF protection reads the form: each request gets its own limit."""

    @app.before_request
    def request_size_limit():
        if request.blueprint in ("voice", "bridge_hooks"):
            request.max_content_length = MAX_WEBHOOK_BYTES
        elif request.endpoint == "tenants.upload":
            request.max_content_length = MAX_UPLOAD_BYTES

# A partner's staff neither imports the landlord's file nor sets its rules.
LANDLORD_ONLY = frozenset({"tenants.upload", "rules.rules"})
CSP = "default-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
SECURITY_HEADERS = (("Content-Security-Policy", CSP), ("X-Content-Type-Options", "nosniff"),
                    ("X-Frame-Options", "DENY"), ("Referrer-Policy", "same-origin"))


def navigation() -> list[tuple[str, str]]:
    if not current_user.is_authenticated:
        return []
    role, kind = current_user.role, current_user.organisation_kind
    return [(endpoint, label) for endpoint, label, area in NAVIGATION if may_open(role, area, kind)
            and (endpoint not in LANDLORD_ONLY or current_user.is_landlord_staff)]


def paris(moment: datetime | None, pattern: str = "%d/%m/%Y %H:%M") -> str:
    return moment.astimezone(PARIS).strftime(pattern) if moment else ""


def register_page_helpers(app: Flask) -> None:
    app.jinja_env.filters.update(
        paris=paris, reason=reason_label, elapsed=elapsed_label, priority=lambda p: PRIORITY_LABELS.get(p, p),
        referral=lambda r: REFERRAL_LABELS.get(r, r), call_outcome=call_outcome_label,
        key_label=lambda k: KEY_LABELS.get(k, k), bridge_state=lambda s: BRIDGE_STATES.get(s, s),
        language=lambda code: LANGUAGES.get(code, code), phone=readable_phone)
    app.jinja_env.globals.update(navigation=navigation, role_labels=ROLE_LABELS,
                                 reasons=sorted(REASON_LABELS.items(), key=lambda item: item[1]),
                                 bridge_in_progress=IN_PROGRESS)

    @app.after_request
    def security_headers(response):
        if request.blueprint == "voice":
            return response  # TwiML for the provider: no browser reads it, and nobody is signed in
        headers = response.headers
        for name, value in SECURITY_HEADERS:
            if name not in headers:
                headers[name] = value
        if current_user.is_authenticated:  # personal data: never kept by a shared browser's cache
            headers.setdefault("Cache-Control", "no-store")
        return response
