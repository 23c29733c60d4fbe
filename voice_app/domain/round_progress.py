"""A round under way, in figures: what a coordinator watches, and when it should end.

Counts come from the caller (one grouped query); the estimate is pure arithmetic: the calls
still to place go out at the round's dialling rate, not before their due times.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta


@dataclass(frozen=True)
class RoundProgress:
    planned: int  # tenants planned (first attempts)
    placed: int  # calls dialled so far, retries included
    answered: int  # calls picked up by a person (not an answering machine)
    reached: int  # tenants who gave a key or a word
    needing_person: int  # tenants with a follow-up opened by this round
    remaining: int  # calls still to place (due or being claimed)
    in_flight: int  # calls ringing or under way
    status: str
    rate: float
    last_due_at: datetime | None  # the latest due time of the calls still to place

    def estimated_end(self, now: datetime) -> datetime | None:
        """When the last call still to place should go out; None when none is left."""
        if self.remaining == 0 or self.rate <= 0:
            return None
        paced = now + timedelta(seconds=self.remaining / self.rate)
        return max(paced, self.last_due_at) if self.last_due_at else paced

    @property
    def finished(self) -> bool:
        return self.status == "closed"
