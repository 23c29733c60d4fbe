"""Read a TwiML document the way Twilio does: a `<Response>` of verbs, or a parse failure."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from dataclasses import field

VOICE_VERBS = frozenset({"Say", "Play", "Pause", "Gather", "Redirect", "Dial", "Hangup", "Reject"})
GATHER_NOUNS = frozenset({"Say", "Play", "Pause"})
DIAL_NOUNS = frozenset({"Number"})
# SSML a <Say> may hold (Twilio passes it to Polly and Google voices).
SSML_TAGS = frozenset({"prosody", "break", "emphasis", "lang", "p", "phoneme", "s", "say-as", "sub", "w"})
MAX_DOCUMENT_BYTES = 64 * 1024


class InvalidTwiml(ValueError):
    """Twilio's error 12100 (document parse failure) or 12200 (schema validation)."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Verb:
    name: str
    attributes: dict[str, str] = field(default_factory=dict)
    text: str = ""
    children: tuple[Verb, ...] = ()

    def attribute(self, name: str, default: str = "") -> str:
        return self.attributes.get(name, default)

    def number(self, name: str, default: float) -> float:
        """A numeric attribute; a malformed value falls back to Twilio's default."""
        try:
            return float(self.attributes[name])
        except (KeyError, ValueError):
            return default

    def flag(self, name: str) -> bool:
        return self.attributes.get(name, "").lower() == "true"


def _verb(element: ElementTree.Element, allowed: frozenset[str]) -> Verb:
    if element.tag not in allowed:
        raise InvalidTwiml(12200, f"<{element.tag}> is not allowed here")
    nested = GATHER_NOUNS if element.tag == "Gather" else DIAL_NOUNS if element.tag == "Dial" else None
    children: tuple[Verb, ...] = ()
    if nested is not None:
        children = tuple(_verb(child, nested) for child in element)
    elif element.tag == "Say" and all(child.tag in SSML_TAGS for child in element):
        return Verb("Say", dict(element.attrib), "".join(element.itertext()).strip())
    elif len(element):
        raise InvalidTwiml(12200, f"<{element.tag}> takes no nested element")
    return Verb(element.tag, dict(element.attrib), (element.text or "").strip(), children)


def read_twiml(body: bytes) -> list[Verb]:
    """The verbs of a TwiML voice document; raises InvalidTwiml like Twilio refuses it."""
    if len(body) > MAX_DOCUMENT_BYTES:
        raise InvalidTwiml(12300, "document too large")
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as error:
        raise InvalidTwiml(12100, f"not XML: {error}") from None
    if root.tag != "Response":
        raise InvalidTwiml(12100, f"root element is <{root.tag}>, not <Response>")
    return [_verb(element, VOICE_VERBS) for element in root]
