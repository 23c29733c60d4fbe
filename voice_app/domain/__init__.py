"""The pure domain core: decisions only, no I/O.

Nothing here may import Flask, Twilio, SQLAlchemy or APScheduler (an architecture test
enforces it). Functions take `now` as an argument instead of reading the clock.
"""
