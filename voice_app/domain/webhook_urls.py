"""Webhook URLs of a call. They carry the attempt's opaque token, never a phone number."""

from __future__ import annotations

from voice_app.domain.provider import OutboundCall

VOICE_PREFIX = "/voice"
RECORDINGS_PREFIX = f"{VOICE_PREFIX}/recordings"  # public: the provider fetches them unsigned


def call_path(token: str, hook: str) -> str:
    """`/voice/calls/<token>/<hook>`; hook is answer, status, amd, gather/<step>, ..."""
    return f"{VOICE_PREFIX}/calls/{token}/{hook}"


def absolute(public_base_url: str, path: str) -> str:
    return public_base_url.rstrip("/") + path


def outbound_call(public_base_url: str, token: str, to_number: str) -> OutboundCall:
    """What the provider needs to place the call of attempt `token`."""
    return OutboundCall(
        attempt_token=token,
        to_number=to_number,
        answer_url=absolute(public_base_url, call_path(token, "answer")),
        status_callback_url=absolute(public_base_url, call_path(token, "status")),
        amd_callback_url=absolute(public_base_url, call_path(token, "amd")),
        fallback_url=absolute(public_base_url, call_path(token, "fallback")),
    )


INBOUND_PATH = f"{VOICE_PREFIX}/inbound"
INBOUND_STATUS_PATH = f"{VOICE_PREFIX}/inbound/status"


def gather_path(token: str, step: str, turn: int) -> str:
    """Where a Gather at `step` posts its result; `turn` tells a late answer from a fresh one."""
    return call_path(token, f"gather/{step}") + f"?turn={turn}"


def dial_action_path(token: str) -> str:
    """Where the live transfer's Dial posts DialCallStatus when it ends."""
    return call_path(token, "dial")


def screening_path(token: str) -> str:
    """TwiML a volunteer hears on answering, before being connected (Number url)."""
    return call_path(token, "screen")


def screening_answer_path(token: str) -> str:
    """Where the volunteer's key (1 = take the call) is posted."""
    return call_path(token, "screen/answer")


def voicemail_message_path(token: str) -> str:
    """TwiML of the short message left on an answering machine (last attempt of a round)."""
    return call_path(token, "voicemail")


def recordings_path(organisation_slug: str) -> str:
    """Where the web process serves an organisation's recorded prompts (`/<language>/<file>`)."""
    return f"{RECORDINGS_PREFIX}/{organisation_slug}"
