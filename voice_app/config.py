"""Settings read from the environment (12-factor), with safe embedded defaults.

Defaults give a service that runs on a fresh machine: SQLite under `instance/` and the
built-in telephony simulator, which never rings a real phone. Settings that would run a
broken or unsafe service are refused with a French message (operators read it): in every
environment, a real provider without its own webhook token; in production, anything a
development default would leave open (secrets, the simulator, a public URL that is not
https or not public).
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from dataclasses import fields
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE_DIR = PROJECT_ROOT / "instance"
DEV_SECRET_KEY = "dev-only-not-secret"
DEV_AUTH_TOKEN = "simulator-auth-token"  # public: only ever valid with the simulator
DEV_SUPPRESSION_KEY = "dev-only-suppression-key"
MIN_SECRET_LENGTH = 32
# Names that never reach the web process from the Internet (RFC 6761, 6762, 8375).
PRIVATE_NAME_SUFFIXES = (".localhost", ".local", ".internal", ".lan", ".home.arpa")


class ConfigError(RuntimeError):
    """The environment does not describe a service that may start."""


def _default_database_url(instance_dir: Path) -> str:
    return f"sqlite:///{instance_dir / 'veille.sqlite3'}"


PROVIDERS = ("simulator", "twilio")
ENVIRONMENTS = ("development", "production")
SUPPORTED_TZ = "Europe/Paris"


KIND_NAMES = {str: "texte", int: "nombre entier", float: "nombre"}


def _typed(name: str, raw: str, kind: type):
    """`raw` converted to the setting's type, or a ConfigError naming the setting."""
    try:
        return kind(raw)
    except ValueError as error:
        raise ConfigError(f"{name}={raw!r} n'est pas un {KIND_NAMES[kind]} valide.") from error


def _one_of(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ConfigError(f"{name} doit valoir {' ou '.join(allowed)}, pas {value!r}.")


def _public_url_problem(url: str) -> str | None:
    """Why `url` cannot be the address the provider reaches us at in production, or None."""
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        return "doit être une adresse https (les webhooks portent des données personnelles)"
    host = parts.hostname.lower().rstrip(".")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if host == "localhost" or "." not in host or host.endswith(PRIVATE_NAME_SUFFIXES):
            return f"désigne une machine locale ou interne ({host}), que Twilio ne peut pas joindre"
        return None
    if not address.is_global:
        return f"désigne une adresse privée ou locale ({host}), que Twilio ne peut pas joindre"
    return None


def _check_rate_limit(name: str, value: str) -> None:
    from limits import parse_many

    try:
        parse_many(value)
    except ValueError:
        raise ConfigError(f"{name}={value!r} illisible : écrivez par exemple « 120 per minute » "
                          "ou « 10 per second ».") from None


@dataclass(frozen=True)
class Settings:
    """Every setting Veille reads, named as its environment variable."""

    DATABASE_URL: str
    TELEPHONY_PROVIDER: str = "simulator"
    TWILIO_ACCOUNT_SID: str = ""
    TWILIO_AUTH_TOKEN: str = ""
    TWILIO_FROM_NUMBER: str = ""
    TWILIO_API_BASE_URL: str = "https://api.twilio.com"
    PUBLIC_BASE_URL: str = "http://127.0.0.1:5000"
    SECRET_KEY: str = DEV_SECRET_KEY
    SUPPRESSION_KEY: str = DEV_SUPPRESSION_KEY
    TZ_NAME: str = "Europe/Paris"
    VEILLE_ENV: str = "development"
    LOG_LEVEL: str = "INFO"
    PROXY_COUNT: int = 0  # reverse proxies in front of the web process (X-Forwarded-For hops trusted)
    RATELIMIT_STORAGE_URI: str = "memory://"
    API_RATE_LIMIT: str = "120 per minute"  # calls per API token (limits' notation)
    SIMULATOR_TIME_SCALE: float = 10.0  # calls' pace when the demo's clock is not compressed
    # The demo's compressed clock (voice_app.compressed_clock): 0 is real time; written to .env
    # by scripts/run; simulator only. The simulator then plays calls at the same pace.
    DEMO_TIME_SCALE: float = 0.0
    VEILLE_INSTANCE_DIR: str = str(DEFAULT_INSTANCE_DIR)  # the SQLite file, lock files, the demo's clock
    SIMULATOR_SEED: int = 1
    PROVIDER_MAX_CALLS_PER_SECOND: float = 1.0  # the account's limit (Twilio: 1 unless raised)
    IVR_RECORDINGS_DIR: str = ""  # recorded prompts: <dir>/<organisation slug>/<language>/<prompt>.mp3

    @property
    def is_production(self) -> bool:
        return self.VEILLE_ENV == "production"

    @property
    def simulator_time_scale(self) -> float:
        """The simulator's pace: the demo's compressed clock when there is one, so a call lasts
        as long on the demo's clock as it would on a real one."""
        return self.DEMO_TIME_SCALE or self.SIMULATOR_TIME_SCALE

    @property
    def auth_token(self) -> str:
        """The token webhooks are signed with. The simulator's built-in token is public, so it
        is only ever used with the simulator: a real provider has its own, or none (then
        every webhook is refused, and `check` refuses to start)."""
        if self.TELEPHONY_PROVIDER == "simulator":
            return self.TWILIO_AUTH_TOKEN or DEV_AUTH_TOKEN
        return self.TWILIO_AUTH_TOKEN

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Read settings from `environ` (default: the process environment) and check them."""
        # An empty variable (`SECRET_KEY=` copied from .env.example) means "use the default".
        env = {k: v for k, v in (os.environ if environ is None else environ).items() if v != ""}
        instance_dir = Path(env.get("VEILLE_INSTANCE_DIR", DEFAULT_INSTANCE_DIR))
        values: dict = {"DATABASE_URL": env.get("DATABASE_URL") or _default_database_url(instance_dir)}
        for f in fields(cls):
            if f.name in values or f.name not in env:
                continue
            values[f.name] = _typed(f.name, env[f.name], type(f.default))
        settings = cls(**values)
        settings.check()
        return settings

    def check(self) -> None:
        """Refuse settings that would run a broken or unsafe service (French messages)."""
        _one_of("TELEPHONY_PROVIDER", self.TELEPHONY_PROVIDER, PROVIDERS)
        _one_of("VEILLE_ENV", self.VEILLE_ENV, ENVIRONMENTS)
        if self.TZ_NAME != SUPPORTED_TZ:
            # Windows, rounds and public holidays are computed on the French mainland calendar.
            raise ConfigError(f"TZ_NAME={self.TZ_NAME!r} n'est pas encore pris en charge : les plages "
                              f"d'appel sont calculées à l'heure de {SUPPORTED_TZ} (voir le README, "
                              "Configuration).")
        _check_rate_limit("API_RATE_LIMIT", self.API_RATE_LIMIT)
        if self.PROVIDER_MAX_CALLS_PER_SECOND <= 0:
            raise ConfigError("PROVIDER_MAX_CALLS_PER_SECOND doit être un nombre positif.")
        if self.SIMULATOR_TIME_SCALE <= 0:
            raise ConfigError("SIMULATOR_TIME_SCALE doit être un nombre positif.")
        if self.TELEPHONY_PROVIDER != "simulator" and not self.TWILIO_AUTH_TOKEN:
            raise ConfigError(f"Démarrage refusé : TELEPHONY_PROVIDER={self.TELEPHONY_PROVIDER} sans "
                              "TWILIO_AUTH_TOKEN. Le jeton du simulateur est public et ne sert qu'au "
                              "simulateur : renseignez le jeton du compte (voir .env.example).")
        if self.DEMO_TIME_SCALE < 0 or 0 < self.DEMO_TIME_SCALE < 1:
            raise ConfigError("DEMO_TIME_SCALE doit valoir 0 (heure réelle) ou un nombre d'au moins 1.")
        if self.DEMO_TIME_SCALE and self.TELEPHONY_PROVIDER != "simulator":
            raise ConfigError(f"Démarrage refusé : DEMO_TIME_SCALE={self.DEMO_TIME_SCALE:g} (l'horloge "
                              "accélérée de la démonstration) avec un opérateur téléphonique réel "
                              f"(TELEPHONY_PROVIDER={self.TELEPHONY_PROVIDER}) : les appels réels suivent "
                              "l'heure réelle. Retirez DEMO_TIME_SCALE de .env.")
        if self.is_production:
            self._check_production()

    def _check_production(self) -> None:
        if self.TELEPHONY_PROVIDER == "simulator":
            raise ConfigError("Démarrage refusé en production avec le simulateur de téléphonie : son jeton "
                              "de webhooks est public. Réglez TELEPHONY_PROVIDER=twilio.")
        missing = [name for name in ("SECRET_KEY", "SUPPRESSION_KEY")
                   if getattr(self, name) in ("", DEV_SECRET_KEY, DEV_SUPPRESSION_KEY)]
        missing += [name for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER")
                    if not getattr(self, name)]
        if missing:
            raise ConfigError("Démarrage refusé en production : renseignez " + ", ".join(missing)
                              + " dans l'environnement (voir .env.example).")
        for name in ("SECRET_KEY", "SUPPRESSION_KEY"):
            if len(getattr(self, name)) < MIN_SECRET_LENGTH:
                raise ConfigError(f"Démarrage refusé en production : {name} doit compter au moins "
                                  f"{MIN_SECRET_LENGTH} caractères (python -c \"import secrets; "
                                  "print(secrets.token_hex(32))\").")
        if self.SUPPRESSION_KEY == self.SECRET_KEY:
            raise ConfigError("Démarrage refusé en production : SUPPRESSION_KEY doit différer de SECRET_KEY "
                              "(changer SECRET_KEY ne doit pas rendre la liste d'opposition illisible).")
        problem = _public_url_problem(self.PUBLIC_BASE_URL)
        if problem:
            raise ConfigError(f"Démarrage refusé en production : PUBLIC_BASE_URL={self.PUBLIC_BASE_URL!r} "
                              f"{problem}.")
