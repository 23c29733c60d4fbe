"""The telephony simulator's parts: behaviours, TwiML reading and playing, call lifecycle.

`voice_app.telephony.simulator.SimulatorProvider` is the entry point; nothing here is
imported by the rest of the application.
"""
