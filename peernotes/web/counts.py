"""Whether a page shows the navigation's counts (what waits beside Home, Notes and
Notifications): each is a few queries of its own, run by a context processor."""

from __future__ import annotations

from flask import g
from flask_login import current_user


def mark_error_page() -> None:
    """An error page shows no counts: its request may have failed inside the database (a
    transaction that can only be rolled back), or the database may be down, and a count must
    never turn a calm error page into a second failure."""
    g.error_page = True


def counts_shown() -> bool:
    return bool(current_user.is_authenticated) and not g.get("error_page", False)
