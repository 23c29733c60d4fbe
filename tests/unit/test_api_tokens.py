"""API token secrets: long, recognisable, kept only as a hash; what a scope allows."""

from __future__ import annotations

from voice_app.domain.api_tokens import Scope
from voice_app.domain.api_tokens import allows
from voice_app.domain.api_tokens import hint
from voice_app.domain.api_tokens import matches
from voice_app.domain.api_tokens import new_secret
from voice_app.domain.api_tokens import secret_hash


def test_a_secret_is_new_each_time_long_and_recognisable():
    first, second = new_secret(), new_secret()
    assert first != second and first.startswith("veille_") and len(first) >= 7 + 43


def test_only_the_hash_is_kept_and_it_matches_only_its_secret():
    secret = new_secret()
    stored = secret_hash(secret)
    assert len(stored) == 64 and secret not in stored
    assert matches(secret, stored) and not matches(secret + "x", stored)
    assert hint(secret) == secret[:13] and hint(secret) != secret


def test_a_read_token_reads_and_a_write_token_does_both():
    assert allows("read", Scope.READ) and not allows("read", Scope.WRITE)
    assert allows("write", Scope.READ) and allows("write", Scope.WRITE)

