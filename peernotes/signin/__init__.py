"""Signing in and out, and choosing one's own password: the pages. Who someone is (accounts,
roles, sessions, throttling) is `auth`, which these pages use."""
