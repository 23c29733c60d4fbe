"""Veille: automated wellbeing calls to fragile tenants, with human follow-up.

This package docstring is all there is here on purpose: importing `voice_app.domain`
must never load Flask, Twilio, SQLAlchemy or APScheduler.
"""
