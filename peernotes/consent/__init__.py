"""Consent decisions (built in a later issue)."""
