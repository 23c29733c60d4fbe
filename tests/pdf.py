"""The text a PDF made by fpdf2 draws, for assertions: each content stream taken by its /Length
(a compressed stream may itself end with a carriage return, which a search for `endstream`
would take as the delimiter), inflated when compressed."""

from __future__ import annotations

import re
import zlib

STREAM = re.compile(rb"<<(?:(?!>>).)*?/Length (\d+)(?:(?!>>).)*>>\s*stream\r?\n", re.S)


def pdf_text(document: bytes) -> str:
    found = []
    for match in STREAM.finditer(document):
        stream = document[match.end():match.end() + int(match.group(1))]
        compressed = b"/FlateDecode" in match.group(0)
        found.append((zlib.decompress(stream) if compressed else stream).decode("latin-1"))
    return "".join(found).replace("\\(", "(").replace("\\)", ")")  # PDF strings escape their brackets
