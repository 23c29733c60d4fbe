"""The tests' PDF reader takes each stream by its length: a compressed stream that happens to
end with a carriage return (about one PDF in 256, by its date) is read whole."""

from __future__ import annotations

import unicodedata
import zlib
from itertools import count

from tests.pdf import pdf_text
from voice_app.domain.pdf_text import latin1


def ending_with_carriage_return() -> tuple[str, bytes]:
    for number in count():
        text = f"BT (Appels \\({number}\\)) Tj ET"
        stream = zlib.compress(text.encode("latin-1"))
        if stream.endswith(b"\r"):
            return text, stream
    raise AssertionError("unreachable")


def test_a_stream_ending_with_a_carriage_return_is_read_whole():
    text, stream = ending_with_carriage_return()
    document = (b"%PDF-1.3\n1 0 obj\n<<\n/Filter /FlateDecode\n/Length " + str(len(stream)).encode()
                + b"\n>>\nstream\n" + stream + b"\nendstream\nendobj\n")
    assert pdf_text(document) == text.replace("\\(", "(").replace("\\)", ")")


def test_an_uncompressed_stream_is_read_as_it_is():
    document = b"<< /Length 17 >>\nstream\nBT (Suivis) Tj ET\nendstream\n"
    assert pdf_text(document) == "BT (Suivis) Tj ET"


def test_a_name_outside_latin1_keeps_its_letters_without_the_accent_the_font_cannot_draw():
    assert latin1("Nguyễn Thị Đặng") == "Nguyên Thi Dang"
    assert latin1("Łukasz Ștefan Ğül") == "Lukasz Stefan Gül"
    assert latin1("Zoë « œuvre » – fin") == 'Zoë " oeuvre " - fin'
    assert latin1("محمد") == "????"  # another script: no letter to keep


def test_a_name_typed_with_combining_accents_a_ligature_or_curly_quotes_is_drawn_plainly():
    assert latin1(unicodedata.normalize("NFD", "Hélène Nguyễn")) == "Hélène Nguyên"
    assert latin1("ĳ ﬁ “Bonjour” 5 €") == 'ij fi "Bonjour" 5 EUR'
