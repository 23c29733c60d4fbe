"""Telephony adapters: Twilio, the built-in simulator, TwiML and webhook plumbing."""
