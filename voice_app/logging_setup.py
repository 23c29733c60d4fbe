"""Structured logging: stable dotted event names, and phone numbers masked in every line."""

from __future__ import annotations

import logging
import sys

from voice_app.domain.phones import mask_phones_in_text

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


class MaskPhonesFilter(logging.Filter):
    """Rewrites each record so no unmasked phone number reaches a handler."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_phones_in_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        # Tracebacks quote values too (an SQL error's parameters, a provider's message).
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_phones_in_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_phones_in_text(record.stack_info)
        return True


# Flask's own logger is named after the package (`voice_app.web`): it logs an exception its
# error handlers could not handle, with the request's path, through the same masking.
MASKED_LOGGERS = ("veille", "voice_app")


def configure_logging(level: str = "INFO") -> None:
    """Send `veille.*` logs, and Flask's, to stderr through the masking filter (idempotent)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(MaskPhonesFilter())
    handler._veille = True  # type: ignore[attr-defined]
    for name in MASKED_LOGGERS:
        logger = logging.getLogger(name)
        logger.setLevel(level.upper())
        if not any(getattr(h, "_veille", False) for h in logger.handlers):
            logger.addHandler(handler)
        logger.propagate = False
