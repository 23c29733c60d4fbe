from __future__ import annotations

import logging
import runpy
from pathlib import Path

import pytest

from voice_app.domain.phones import mask_phone
from voice_app.domain.phones import mask_phones_in_text
from voice_app.domain.phones import normalise_phone
from voice_app.logging_setup import MaskPhonesFilter

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def test_a_french_mobile_is_masked_like_the_design_says():
    assert mask_phone("+33612345678") == "+33 6 •• •• •• 78"


def test_other_numbers_keep_only_a_prefix_and_two_digits():
    assert mask_phone("+262692123456") == "+26 •• 56"
    assert mask_phone(None) == "-"


def test_numbers_inside_free_text_are_masked():
    text = mask_phones_in_text("calling +33612345678 then 06 12 34 56 78 for tenant 42")
    assert "12345678" not in text and "12 34 56" not in text
    assert "tenant 42" in text


def test_the_log_filter_masks_the_formatted_message():
    record = logging.LogRecord("veille.x", logging.INFO, __file__, 1, "dial to=%s", ("+33612345678",),
                               None)
    MaskPhonesFilter().filter(record)
    assert record.getMessage() == "dial to=+33 6 •• •• •• 78"


def test_dates_ids_and_times_in_log_lines_are_left_alone():
    line = "round.planned scheduled_on=2026-11-30 attempt_id=123456789 at 14:00:00 count=98000"
    assert mask_phones_in_text(line) == line


def test_url_encoded_and_international_prefixes_are_masked():
    text = mask_phones_in_text("To=%2B33612345678 and 0033 6 12 34 56 78 and +262692123456")
    assert "12345678" not in text and "6 12 34 56" not in text and "692123456" not in text


def test_a_traceback_that_quotes_a_number_is_masked():
    try:
        raise ValueError("could not dial +33612345678")
    except ValueError:
        import sys

        record = logging.LogRecord("veille.x", logging.ERROR, __file__, 1, "dial failed", (),
                                   sys.exc_info())
    MaskPhonesFilter().filter(record)
    formatted = logging.Formatter().format(record)
    assert "+33612345678" not in formatted
    assert "ValueError: could not dial +33 6 •• •• •• 78" in formatted


@pytest.mark.parametrize("written", [
    "+33 (0)6 12 34 56 78", "+33(0)612345678", "(0)6 12 34 56 78", "06/12/34/56/78", "33612345678",
    "06\u00a012\u00a034\u00a056\u00a078", "06\u202f12\u202f34\u202f56\u202f78",
    "+33\u00a06\u00a012\u00a034\u00a056\u00a078", "0033 6 12 34 56 78", "+33-6-12-34-56-78", "612345678",
    "6 12 34 56 78", "0692 12 34 56",
])
def test_every_form_the_importer_accepts_is_masked(written):
    assert normalise_phone(written)  # the importer takes it...
    masked = mask_phones_in_text(f"numéro invalide « {written} » ligne 3")
    digits = "".join(ch for ch in masked if ch.isdigit())
    assert "345" not in digits and "123" not in digits, masked  # ...the log keeps two digits of it
    assert masked.endswith("» ligne 3")


def test_floats_counts_and_ids_after_an_equals_sign_are_left_alone():
    line = "clock.job_done seconds=0.612345678 result=created=123456789 load 1.23 0.612345678 count=98 000"
    assert mask_phones_in_text(line) == line


@pytest.mark.parametrize(("status", "size", "milliseconds"), [("200", "1314", "82"), ("500", "12345", "7"),
                                                              ("404", "591", "123")])
def test_an_access_line_keeps_its_status_size_and_duration(status, size, milliseconds):
    settings = runpy.run_path(str(PROJECT_ROOT / "gunicorn.conf.py"))
    line = settings["access_log_format"] % {"h": "127.0.0.1", "m": "GET", "U": "/suivis", "H": "HTTP/1.1",
                                            "s": status, "B": size, "M": milliseconds}
    assert mask_phones_in_text(line) == line
    assert f"status={status} " in line


@pytest.mark.parametrize("written", ["%2b33612345678", "06+12+34+56+78", "06  12 34 56 78",
                                     "06\t12\t34\t56\t78", "06\u200712\u200734\u200756\u200778",
                                     "+33 6  12 34 56 78", "Dupont+0612345678", "Rappelez+le+06+12+34+56+78",
                                     "Rappelez+le+%2B33612345678"])
def test_a_number_written_with_a_lowercase_escape_form_spaces_or_doubled_separators_is_masked(written):
    masked = mask_phones_in_text(f"From={written}&Digits=1")
    assert "345" not in "".join(ch for ch in masked if ch.isdigit()), masked
    assert masked.endswith("&Digits=1")

