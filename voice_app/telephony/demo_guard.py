"""A real provider never dials a demo tenant, whatever changed after the demo was seeded.

Demo tenants are marked by their numbers: every one is in the range ARCEP reserves for fiction
(01 99 00 xx xx), which no real line ever gets. Seeding is already refused with a real provider;
this guard covers the rest (a provider switched in `.env` after seeding, a demo database pointed
at by a real deployment): the call or text is refused as a number that cannot be called, so the
attempt ends `failed` and no request ever leaves for the provider.
"""

from __future__ import annotations

from voice_app.domain.provider import NumberRejected
from voice_app.domain.provider import OutboundCall
from voice_app.domain.provider import TelephonyProvider

DEMO_NUMBER_PREFIX = "+3319900"  # 01 99 00 xx xx, E.164


def is_demo_number(number: str | None) -> bool:
    """True for a number of the fictitious range every demo tenant and volunteer is given."""
    return bool(number) and number.startswith(DEMO_NUMBER_PREFIX)


class DemoNumberGuard:
    """Wraps a real provider: refuses demo numbers, passes everything else through."""

    def __init__(self, provider: TelephonyProvider) -> None:
        self.provider = provider

    def place_call(self, call: OutboundCall) -> str:
        self._refuse_demo(call.to_number)
        return self.provider.place_call(call)

    def send_sms(self, to_number: str, body: str) -> str:
        self._refuse_demo(to_number)
        return self.provider.send_sms(to_number, body)

    def __getattr__(self, name: str):
        return getattr(self.provider, name)  # hang_up, redirect, fetch_call_status, close...

    @staticmethod
    def _refuse_demo(number: str) -> None:
        if is_demo_number(number):
            raise NumberRejected("numéro fictif de démonstration : jamais appelé par un opérateur réel")
