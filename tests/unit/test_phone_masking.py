from __future__ import annotations

import logging

from voice_app.domain.phones import mask_phone
from voice_app.domain.phones import mask_phones_in_text
from voice_app.logging_setup import MaskPhonesFilter


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
