"""The provider effects the call flow asks for (hang up, play the voicemail message), performed
after the webhook's commit: a failure is logged and the call ends anyway (its next TwiML fetch)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

from voice_app.domain.call_flow import Effect
from voice_app.domain.webhook_urls import absolute
from voice_app.domain.webhook_urls import voicemail_message_path
from voice_app.services.call_replies import Handled
from voice_app.services.ports import Runtime

log = logging.getLogger("veille.calls")


def after_commit(veille: Runtime, handled: Handled) -> Callable[[], None] | None:
    """What to run once the webhook's answer is sent: its provider effects, for a first
    delivery only (a retried webhook's were performed the first time); None when there are none."""
    if not (handled.known and not handled.duplicate and handled.effects):
        return None
    return partial(perform_effects, veille, handled)


def perform_effects(veille: Runtime, handled: Handled) -> None:
    """Hang up or redirect the call at the provider, as the webhook's transition asked."""
    sid = handled.provider_call_id
    for effect in handled.effects:
        if not sid:
            log.warning("call.effect_skipped effect=%s reason=no_call_id", effect)
            continue
        try:
            if effect == Effect.HANG_UP_CALL:
                veille.telephony.hang_up(sid)
            elif effect == Effect.PLAY_VOICEMAIL_MESSAGE:
                veille.telephony.redirect(sid, voicemail_message_url(veille, handled.token))
            log.info("call.effect effect=%s", effect)
        except Exception:  # the next TwiML fetch of the call ends it anyway
            log.warning("call.effect_failed effect=%s", effect, exc_info=True)


def voicemail_message_url(veille: Runtime, token: str) -> str:
    """Where the provider fetches the voicemail message of the call `token`."""
    return absolute(veille.settings.PUBLIC_BASE_URL, voicemail_message_path(token))
