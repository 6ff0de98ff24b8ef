"""Times as people read them: in the service's time zone, in words ("3 May 2026 at 10:14")."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app

from config import Config


def _zone() -> ZoneInfo:
    config: Config = current_app.config["PEERNOTES"]
    return ZoneInfo(config.timezone)


def zone() -> ZoneInfo:
    """The service's time zone, for computing local days and hours (not only showing them)."""
    return _zone()


def when(moment: datetime | None) -> str:
    if moment is None:
        return ""
    local = moment.astimezone(_zone())
    return f"{local.day} {local:%B %Y} at {local:%H:%M}"


def clock(moment: datetime) -> str:
    return f"{moment.astimezone(_zone()):%H:%M}"


def local_today() -> date:
    """Today's date in the service's time zone."""
    from peernotes.db import utcnow

    return utcnow().astimezone(_zone()).date()


def register(app: Flask) -> None:
    app.add_template_filter(when, "when")
    app.add_template_filter(clock, "clock")
