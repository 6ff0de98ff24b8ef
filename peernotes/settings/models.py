"""A service setting: one row per key, holding its typed value and who last changed it.

No row means the setting's default (`service.SETTINGS`), so a new setting needs no data
migration. Earlier values are on the access log (every change is an entry).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from peernotes.db import Base, utcnow


class ServiceSetting(Base):
    __tablename__ = "service_settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    #: The value as JSON (a bool today; the spec in `service.SETTINGS` says which type).
    value: Mapped[Any] = mapped_column(JSON)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
