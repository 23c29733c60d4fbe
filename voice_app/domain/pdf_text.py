"""Text for PDFs drawn with fpdf2's built-in fonts, which are Latin-1 only."""

from __future__ import annotations

# Typographic marks a French text uses are written plainly.
LATIN1 = str.maketrans({"’": "'", "‘": "'", "«": '"', "»": '"', "œ": "oe", "Œ": "OE", "…": "...",
                        "–": "-", "—": "-", "•": "*", "\u202f": " ", "\u00a0": " "})


def latin1(value: object) -> str:
    """`value` as text the built-in fonts can draw: marks made plain, anything else outside
    Latin-1 (a name in another script) replaced by "?"."""
    return str(value).translate(LATIN1).encode("latin-1", "replace").decode("latin-1")
