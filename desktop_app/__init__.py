"""Verify Desk: a desktop console and command line for the Vonage (Nexmo) Verify API."""

__version__ = "0.1.0"
