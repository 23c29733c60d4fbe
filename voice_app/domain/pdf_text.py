"""Text for PDFs drawn with fpdf2's built-in fonts, which are Latin-1 only."""

from __future__ import annotations

import unicodedata

# Typographic marks a French text uses are written plainly.
LATIN1 = str.maketrans({"’": "'", "‘": "'", "«": '"', "»": '"', "“": '"', "”": '"', "„": '"',
                        "œ": "oe", "Œ": "OE", "…": "...", "–": "-", "—": "-", "•": "*", "€": "EUR",
                        "\u202f": " ", "\u00a0": " "})
# Latin letters that do not decompose into a base letter and a mark.
PLAIN_LETTERS = str.maketrans({"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ħ": "H", "ħ": "h", "ı": "i",
                               "Ŧ": "T", "ŧ": "t"})


def latin1(value: object) -> str:
    """`value` as text the built-in fonts can draw: marks made plain, a letter outside Latin-1
    written without its accent (Nguyễn as Nguyên, Łukasz as Lukasz, Ștefan as Stefan), anything
    else (a name in another script) replaced by "?"."""
    # Composed first: a name typed as "e" + a combining accent is one letter, "é".
    composed = unicodedata.normalize("NFC", str(value)).translate(LATIN1)
    return "".join(_drawable(char) for char in composed)


def _drawable(char: str) -> str:
    if ord(char) < 256:
        return char
    plain = char.translate(PLAIN_LETTERS)
    if plain != char:
        return plain
    # Take off one accent at a time: "ễ" becomes "ê", which Latin-1 has.
    decomposed = unicodedata.normalize("NFD", char)
    while len(decomposed) > 1:
        decomposed = unicodedata.normalize("NFC", decomposed[:-1])
        if all(ord(c) < 256 for c in decomposed):
            return decomposed
        decomposed = unicodedata.normalize("NFD", decomposed)
    if unicodedata.combining(char):
        return ""  # a stray accent, its letter already written
    # A ligature or a compatibility form: "ﬁ" is "fi", "ĳ" is "ij".
    compatible = unicodedata.normalize("NFKD", char)
    plain = "".join(c for c in compatible if ord(c) < 256 and not unicodedata.combining(c))
    return plain or "?"
