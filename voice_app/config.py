"""Settings read from the environment (12-factor), with safe embedded defaults.

Defaults give a service that runs on a fresh machine: SQLite under `instance/` and the
built-in telephony simulator, which never rings a real phone.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from dataclasses import field
from dataclasses import fields
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE_DIR = PROJECT_ROOT / "instance"
DEV_SECRET_KEY = "dev-only-not-secret"
DEV_AUTH_TOKEN = "simulator-auth-token"


class ConfigError(RuntimeError):
    """The environment does not describe a service that may start."""


def _default_database_url(instance_dir: Path) -> str:
    return f"sqlite:///{instance_dir / 'veille.sqlite3'}"


PROVIDERS = ("simulator", "twilio")
ENVIRONMENTS = ("development", "production")
SUPPORTED_TZ = "Europe/Paris"


def _typed(name: str, raw: str, kind: type):
    """`raw` converted to the setting's type, or a ConfigError naming the setting."""
    try:
        return kind(raw)
    except ValueError as error:
        raise ConfigError(f"{name}={raw!r} is not a valid {kind.__name__}.") from error


def _one_of(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ConfigError(f"{name} must be one of {', '.join(allowed)}, not {value!r}.")


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
    TZ_NAME: str = "Europe/Paris"
    VEILLE_ENV: str = "development"
    LOG_LEVEL: str = "INFO"
    PROXY_COUNT: int = 0  # reverse proxies in front of the web process (X-Forwarded-For hops trusted)
    RATELIMIT_STORAGE_URI: str = "memory://"
    SIMULATOR_TIME_SCALE: float = 1.0
    SIMULATOR_SEED: int = 1
    PROVIDER_MAX_CALLS_PER_SECOND: float = 1.0  # the account's limit (Twilio: 1 unless raised)
    extra: dict = field(default_factory=dict)

    @property
    def is_production(self) -> bool:
        return self.VEILLE_ENV == "production"

    @property
    def auth_token(self) -> str:
        """The token webhooks are signed with: Twilio's, or the simulator's own."""
        return self.TWILIO_AUTH_TOKEN or DEV_AUTH_TOKEN

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Read settings from `environ` (default: the process environment) and check them."""
        # An empty variable (`SECRET_KEY=` copied from .env.example) means "use the default".
        env = {k: v for k, v in (os.environ if environ is None else environ).items() if v != ""}
        instance_dir = Path(env.get("VEILLE_INSTANCE_DIR", DEFAULT_INSTANCE_DIR))
        values: dict = {"DATABASE_URL": env.get("DATABASE_URL") or _default_database_url(instance_dir)}
        for f in fields(cls):
            if f.name in values or f.name == "extra" or f.name not in env:
                continue
            values[f.name] = _typed(f.name, env[f.name], type(f.default))
        settings = cls(**values)
        settings.check()
        return settings

    def check(self) -> None:
        """Refuse settings that would run a broken or unsafe service."""
        _one_of("TELEPHONY_PROVIDER", self.TELEPHONY_PROVIDER, PROVIDERS)
        _one_of("VEILLE_ENV", self.VEILLE_ENV, ENVIRONMENTS)
        if self.TZ_NAME != SUPPORTED_TZ:
            # Windows, rounds and public holidays are computed on the French mainland calendar.
            raise ConfigError(f"TZ_NAME={self.TZ_NAME!r} is not supported yet: call windows are "
                              f"computed in {SUPPORTED_TZ} (see README, Configuration).")
        if self.PROVIDER_MAX_CALLS_PER_SECOND <= 0:
            raise ConfigError("PROVIDER_MAX_CALLS_PER_SECOND must be a positive number.")
        if self.SIMULATOR_TIME_SCALE <= 0:
            raise ConfigError("SIMULATOR_TIME_SCALE must be a positive number.")
        if not self.is_production:
            return
        if self.TELEPHONY_PROVIDER == "simulator":
            raise ConfigError("Refusing to start in production with the telephony simulator: its "
                              "webhook token is public. Set TELEPHONY_PROVIDER=twilio.")
        missing = []
        if self.SECRET_KEY in ("", DEV_SECRET_KEY):
            missing.append("SECRET_KEY")
        if self.TELEPHONY_PROVIDER == "twilio":
            for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER"):
                if not getattr(self, name):
                    missing.append(name)
        if missing:
            raise ConfigError(
                "Refusing to start in production: set " + ", ".join(missing)
                + " in the environment (see .env.example)."
            )
