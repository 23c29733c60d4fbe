"""The provider effects the call flow asks for (hang up, play the voicemail message), performed
after the webhook's commit: a failure is logged and the call ends anyway (its next TwiML fetch)."""

from __future__ import annotations

import logging

from voice_app.bootstrap import Veille
from voice_app.domain.call_flow import Effect
from voice_app.services.call_replies import Handled
from voice_app.telephony.urls import absolute
from voice_app.telephony.urls import voicemail_message_path

log = logging.getLogger("veille.calls")


def has_effects(handled: Handled) -> bool:
    """Does the answer to a webhook leave provider effects to perform (a first delivery only)?"""
    return handled.known and not handled.duplicate and bool(handled.effects)


def perform_effects(veille: Veille, handled: Handled) -> None:
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


def voicemail_message_url(veille: Veille, token: str) -> str:
    """Where the provider fetches the voicemail message of the call `token`."""
    return absolute(veille.settings.PUBLIC_BASE_URL, voicemail_message_path(token))
