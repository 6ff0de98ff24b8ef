"""What every part of the API shares: strict request bodies, UTC times, errors and pages."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StrictBool,
    StrictInt,
    StrictStr,
    field_validator,
)

from peernotes.api.paging import DEFAULT_LIMIT, MAX_LIMIT


def iso_utc(moment: datetime) -> str:
    """ISO 8601 in UTC with a `Z`: the database keeps naive UTC times."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="seconds") + "Z"


#: A time in answers: always ISO 8601 UTC, `2026-12-05T10:30:00Z`.
UtcTime = Annotated[
    datetime,
    PlainSerializer(iso_utc, return_type=str, when_used="json"),
    Field(json_schema_extra={"format": "date-time"}),
]

#: Strict scalars for bodies: a number sent as a string is a wrong type, not a guess.
Int = StrictInt
Str = StrictStr
Bool = StrictBool


class Body(BaseModel):
    """A request body: unknown fields are refused (a body naming `author_id`, `role`,
    `consumer_id` or `created_at` is a 400, never quietly applied)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        # As the web pages refuse a NUL anywhere (`peernotes.web.inputs`): it ends strings in C
        # code downstream and hides text from whoever reads it later.
        if _has_nul(value):
            raise ValueError("Text may not contain a NUL character.")
        return value


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple):
        return any(_has_nul(item) for item in value)
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    return False


class Query(BaseModel):
    """Query parameters: unknown ones are refused too, so a typo is not silently ignored."""

    model_config = ConfigDict(extra="forbid")


class PageQuery(Query):
    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT
    cursor: Annotated[str | None, Field(max_length=200)] = None


class Out(BaseModel):
    """An answer's model (validated on the way out: an answer that breaks it is our bug)."""

    model_config = ConfigDict(extra="forbid")


class ErrorDetail(Out):
    code: str
    message: str
    field: str | None = None


class ErrorOut(Out):
    error: ErrorDetail
