"""TwiML of a volunteer's call-back through Veille (the bridged call).

The volunteer's phone rings first and hears who the call is for; pressing 1 dials the
tenant with the service number as caller ID, so the tenant sees the number they know and
never the volunteer's own. Nothing pressed: the call ends, nobody is dialled.
"""

from __future__ import annotations

from twilio.twiml.voice_response import VoiceResponse

VOICE = "Polly.Lea"
LANGUAGE = "fr-FR"
TENANT_RING_SECONDS = 40  # older people take time to reach the phone


def _say(target, text: str) -> None:
    target.say(text, voice=VOICE, language=LANGUAGE)


def announce(tenant_label: str, action_url: str) -> str:
    """"Veille : appel pour Mme Martin. Tapez 1 pour appeler." (a key interrupts it)."""
    response = VoiceResponse()
    gather = response.gather(input="dtmf", num_digits=1, timeout=10, action=action_url, method="POST")
    _say(gather, f"Veille : appel pour {tenant_label}.")
    _say(gather, "Tapez 1 pour appeler.")
    _say(response, "Aucune touche : l'appel est annulé. Au revoir.")
    response.hangup()
    return str(response)


def dial_tenant(number: str, caller_id: str | None, action_url: str) -> str:
    response = VoiceResponse()
    _say(response, "Appel en cours.")
    dial = response.dial(action=action_url, method="POST", timeout=TENANT_RING_SECONDS,
                         **({"caller_id": caller_id} if caller_id else {}))
    dial.number(number)
    return str(response)


def cancelled() -> str:
    response = VoiceResponse()
    _say(response, "Appel annulé. Au revoir.")
    response.hangup()
    return str(response)


def after_dial(connected: bool) -> str:
    response = VoiceResponse()
    if not connected:
        _say(response, "Le locataire n'a pas répondu. Notez-le dans Veille. Au revoir.")
    response.hangup()
    return str(response)
