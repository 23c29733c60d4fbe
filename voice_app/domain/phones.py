"""Phone numbers: masking for logs (one shared helper for the whole code base)."""

from __future__ import annotations

import re

_PHONE_LIKE = re.compile(r"\+?\d[\d .\-]{7,}\d")


def mask_phone(number: str | None) -> str:
    """Mask an E.164 number for logs: `+33612345678` -> `+33 6 •• •• •• 78`."""
    if not number:
        return "-"
    digits = re.sub(r"\D", "", number)
    if number.startswith("+33") and len(digits) == 11:
        return f"+33 {digits[2]} •• •• •• {digits[-2:]}"
    if len(digits) <= 4:
        return "••"
    prefix = "+" if number.startswith("+") else ""
    return f"{prefix}{digits[:2]} •• {digits[-2:]}"


def mask_phones_in_text(text: str) -> str:
    """Mask every phone-looking run of digits inside free text (log messages)."""
    return _PHONE_LIKE.sub(lambda m: mask_phone(m.group(0)), text)
