"""Column types shared by every model."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from sqlalchemy import Enum

E = TypeVar("E", bound=StrEnum)


def enum_column(enum: type[E], name: str) -> Enum:
    """Store a StrEnum by value, as a VARCHAR with a CHECK constraint on every engine."""
    return Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(m.value) for m in enum) + 8,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )
