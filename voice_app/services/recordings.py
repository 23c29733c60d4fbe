"""Recorded prompts on disk, read by the web process for `<Play>` and by `veille ivr`.

Layout: `IVR_RECORDINGS_DIR/<organisation slug>/<language>/<prompt id>.mp3` (or `.wav`), e.g.
`recordings/habitat-test/pt/menu.mp3`. An organisation without a folder speaks every prompt
with the synthetic voice; one with a folder plays what is recorded and says the rest. Only
names made of a known slug shape, language and prompt id are ever opened: a request can never
reach another file.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from voice_app.config import Settings
from voice_app.domain.ivr_script import LANGUAGES
from voice_app.domain.ivr_script import Language
from voice_app.domain.ivr_script import Prompt
from voice_app.domain.ivr_script import spoken_in
from voice_app.domain.ivr_voice import RECORDING_EXTENSIONS
from voice_app.domain.ivr_voice import Recordings
from voice_app.domain.webhook_urls import recordings_path

SLUG_SHAPE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")  # what services.organisations.slugify makes
PROMPT_IDS = frozenset(str(prompt) for prompt in Prompt)
MEDIA_TYPES = {"mp3": "audio/mpeg", "wav": "audio/wav"}


def organisation_folder(settings: Settings, slug: str) -> Path | None:
    """The organisation's recordings folder (whether or not it exists), None when recordings
    are not configured or the slug could not be a folder name."""
    if not settings.IVR_RECORDINGS_DIR or not SLUG_SHAPE.match(slug):
        return None
    return Path(settings.IVR_RECORDINGS_DIR) / slug


def recordings_of(settings: Settings, slug: str) -> Recordings | None:
    """What `slug` has recorded, or None when it has no recordings folder."""
    folder = organisation_folder(settings, slug)
    if folder is None or not folder.is_dir():
        return None
    files = frozenset(f"{code}/{name}" for code in LANGUAGES for name in _recording_names(folder / code))
    return Recordings(slug, recordings_path(slug), files)



def recording_file(settings: Settings, slug: str, code: str, file_name: str) -> Path | None:
    """The file the web process serves for this URL, or None: unknown slug shape, language,
    prompt id or extension, or no such file."""
    folder = organisation_folder(settings, slug)
    if folder is None or code not in LANGUAGES or not _is_recording_name(file_name):
        return None
    path = folder / code / file_name
    return path if path.is_file() else None


def media_type(file_name: str) -> str:
    return MEDIA_TYPES[file_name.rsplit(".", 1)[-1]]


@dataclass(frozen=True)
class PromptSource:
    """How one prompt reaches a tenant of a language: a recording, or the synthetic voice."""

    prompt: Prompt
    said_in: str  # the language code the prompt is actually spoken in (French when lacking)
    recording: str | None  # "<language>/<file>" when recorded


def prompt_sources(recordings: Recordings | None, language: Language) -> list[PromptSource]:
    """Every prompt of the script for a tenant speaking `language`, recorded or not."""
    sources = []
    for prompt in Prompt:
        said_in = spoken_in(prompt, language).code
        path = recordings.path(said_in, str(prompt)) if recordings else None
        recorded = path.removeprefix(recordings.url_path + "/") if path and recordings else None
        sources.append(PromptSource(prompt, said_in, recorded))
    return sources


def _recording_names(folder: Path) -> list[str]:
    try:
        with os.scandir(folder) as entries:
            return [entry.name for entry in entries if _is_recording_name(entry.name) and entry.is_file()]
    except OSError:  # no folder for this language (or unreadable): nothing recorded in it
        return []


def _is_recording_name(file_name: str) -> bool:
    prompt, dot, extension = file_name.rpartition(".")
    return bool(dot) and prompt in PROMPT_IDS and extension in RECORDING_EXTENSIONS
