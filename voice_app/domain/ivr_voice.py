"""How the script is spoken for one organisation: the pace and the voice of each language.

Both live in the organisation's settings, under "ivr":
`{"pace": 85, "voices": {"pt": "Polly.Camila"}}`. The pace is a percentage of the voice's
normal speed, slower by default for older listeners; a question said again after a silence
is slower still. A value that makes no sense falls back to the default: the call goes on.

A recorded human voice may replace the synthetic one, prompt by prompt (`Recordings`, found on
disk by services.recordings): a recorded prompt is played, any other is said.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_PACE = 85  # percent of the voice's normal rate
SLOWER_AFTER_SILENCE = 15  # percentage points taken off when the question is said again
PACE_RANGE = (50, 100)
# Twilio reads SSML (<prosody>) with Amazon Polly and Google voices only; the basic voices
# (man, woman, alice) get a pause between sentences instead.
SSML_VOICE_PREFIXES = ("Polly.", "Google.")
PAUSE_SECONDS = 1
RECORDING_EXTENSIONS = ("mp3", "wav")  # what Twilio's <Play> plays; mp3 first when both exist


@dataclass(frozen=True)
class Recordings:
    """The organisation's recorded prompts, and where the web process serves them."""

    organisation: str  # the organisation's slug (its folder), for logs
    url_path: str  # e.g. /voice/recordings/<slug>
    files: frozenset[str] = frozenset()  # "<language>/<prompt>.<ext>"

    def path(self, code: str, prompt: str) -> str | None:
        """The URL path of `prompt`'s recording in language `code`, or None when not recorded."""
        for extension in RECORDING_EXTENSIONS:
            name = f"{code}/{prompt}.{extension}"
            if name in self.files:
                return f"{self.url_path}/{name}"
        return None


@dataclass(frozen=True)
class Voicing:
    pace: int = DEFAULT_PACE
    voices: tuple[tuple[str, str], ...] = ()  # (language code, voice) chosen by the organisation
    recordings: Recordings | None = None  # None: no recordings folder, every prompt is said

    def voice(self, code: str, default: str) -> str:
        return dict(self.voices).get(code, default)

    def rate(self, slow: bool) -> str:
        pace = self.pace - SLOWER_AFTER_SILENCE if slow else self.pace
        return f"{max(pace, PACE_RANGE[0])}%"

    def pause_seconds(self, slow: bool) -> int:
        return PAUSE_SECONDS * (2 if slow else 1)


def voicing_of(settings: dict | None, recordings: Recordings | None = None) -> Voicing:
    """The organisation's `settings["ivr"]`, read leniently."""
    ivr = (settings or {}).get("ivr")
    if not isinstance(ivr, dict):
        return Voicing(recordings=recordings)
    pace = ivr.get("pace")
    if not isinstance(pace, int) or isinstance(pace, bool) or not PACE_RANGE[0] <= pace <= PACE_RANGE[1]:
        pace = DEFAULT_PACE
    voices = ivr.get("voices")
    chosen = tuple(sorted((str(code), voice) for code, voice in voices.items()
                          if isinstance(voice, str) and voice)) if isinstance(voices, dict) else ()
    return Voicing(pace, chosen, recordings)


def reads_ssml(voice: str) -> bool:
    return voice.startswith(SSML_VOICE_PREFIXES)
