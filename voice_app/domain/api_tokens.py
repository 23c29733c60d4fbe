"""API tokens (pure): how a secret is made, how it is kept, and what a scope allows.

A secret is 32 random bytes (256 bits) behind a recognisable prefix, so a leaked token is easy
to spot in a log or a repository. Only its SHA-256 is stored: a secret that long needs no slow
hash, since nobody can guess it, and the hash lets one indexed lookup find the token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from enum import StrEnum

PREFIX = "veille_"
HINT_LENGTH = len(PREFIX) + 6


class Scope(StrEnum):
    READ = "read"
    WRITE = "write"


SCOPE_LABELS = {Scope.READ: "lecture", Scope.WRITE: "lecture et écriture"}


def new_secret() -> str:
    """A fresh secret, shown once to the admin who creates the token."""
    return PREFIX + secrets.token_urlsafe(32)


def secret_hash(secret: str) -> str:
    """The stored form of a secret (hex SHA-256)."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def hint(secret: str) -> str:
    """The first characters, shown in lists so tokens can be told apart."""
    return secret[:HINT_LENGTH]


def matches(secret: str, stored_hash: str) -> bool:
    """Whether `secret` is the one behind `stored_hash`, compared in constant time."""
    return hmac.compare_digest(secret_hash(secret), stored_hash)


def allows(scope: str, needed: Scope) -> bool:
    """A write token also reads; a read token only reads."""
    return scope == Scope.WRITE or needed == Scope.READ

