"""The attempts the figures' summary has yet to count are found by a partial index whose
predicate is frozen in migration 0013: it must say what the model and the domain say."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from db.models.calls import FIGURES_PENDING
from db.models.calls import REACHED_OUTCOMES
from voice_app.domain.outcomes import REACHED
from voice_app.domain.outcomes import Outcome

MIGRATION = Path(__file__).resolve().parents[2] / "db" / "migrations" / "versions" / "0013_figure_counts.py"


def migration_0013():
    spec = importlib.util.spec_from_file_location("migration_0013", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_reached_bit_counts_exactly_the_domain_s_reached_outcomes():
    assert sorted(str(outcome) for outcome in REACHED) == list(REACHED_OUTCOMES)
    assert str(Outcome.OPT_OUT) in FIGURES_PENDING


def test_the_migrated_pending_index_has_the_model_s_predicate():
    # a change to REACHED needs a new migration of ix_call_attempts_figures_pending
    assert migration_0013().PENDING == FIGURES_PENDING
