"""The JSON shapes of the API's answers (described in openapi.json), from the services' results."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from datetime import datetime

from voice_app.domain.figures import Counts
from voice_app.domain.figures import Dimension
from voice_app.domain.tenant_rows import RowError
from voice_app.services.api_reads import EnrolmentItem
from voice_app.services.api_reads import OptOutItem
from voice_app.services.api_reads import OutcomeItem
from voice_app.services.tenant_push import PushResult

# The API speaks English; the pages' query words are French.
DIMENSIONS = {"week": Dimension.WEEK, "round": Dimension.ROUND, "site": Dimension.SITE,
              "campaign": Dimension.CAMPAIGN, "partner": Dimension.PARTNER}


def instant(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None


def page(items: list[dict], limit: int, last_key: Callable[[], str]) -> dict:
    """A page of items; `next` is the `after` of the following page (null on the last)."""
    return {"items": items, "next": last_key() if len(items) == limit else None}


def item_errors(errors: list[RowError]) -> list[dict]:
    return [{"index": error.line, "field": error.column, "reason": error.reason} for error in errors]


def push_json(result: PushResult) -> dict:
    saved = result.saved
    return {"received": result.received, "created": len(saved.inserts), "updated": len(saved.updates),
            "unchanged": saved.unchanged, "marked_opted_out": saved.marked_opted_out,
            "rejected": len(result.rejected), "errors": item_errors(result.errors)}


def enrolment_json(item: EnrolmentItem) -> dict:
    return {"reference": item.reference, "status": item.status, "legal_basis": item.legal_basis,
            "enrolled_on": item.enrolled_on.isoformat(),
            "unenrolled_on": item.unenrolled_on.isoformat() if item.unenrolled_on else None}


def opt_out_json(item: OptOutItem) -> dict:
    return {"reference": item.reference, "opted_out_at": instant(item.opted_out_at)}


def outcome_json(item: OutcomeItem) -> dict:
    return {"id": item.id, "tenant_reference": item.tenant_reference, "opened_at": instant(item.opened_at),
            "due_at": instant(item.due_at), "completed_at": instant(item.completed_at),
            "on_time": item.on_time, "reached": item.reached, "referrals": item.referrals,
            "wants_regular_calls": item.wants_regular_calls,
            "next_contact_on": item.next_contact_on.isoformat() if item.next_contact_on else None}


def counts_json(counts: Counts) -> dict:
    key = counts.key if counts.key is None or isinstance(counts.key, int) else str(counts.key)
    return {"key": key, "label": counts.label, "enrolled": counts.enrolled, "planned": counts.planned,
            "called": counts.called, "reached": counts.reached, "opt_outs": counts.opt_outs,
            "unreachable": counts.unreachable, "needing_person": counts.needing_person,
            "needs": {str(reason): n for reason, n in counts.needs.items()},
            "completed": counts.completed, "on_time": counts.on_time, "on_time_share": counts.on_time_share,
            "by_usual_volunteer": counts.by_usual_volunteer, "continuity": counts.continuity,
            "regular_calls": counts.regular_calls, "referred": counts.referred,
            "referrals": {str(category): n for category, n in counts.referrals.items()}}
