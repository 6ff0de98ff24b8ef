"""The base of every refusal a person can be shown."""

from __future__ import annotations


class Refused(ValueError):
    """A domain operation said no; the message is plain words, safe to show the person.

    `field` names the form field the refusal belongs to, when there is one, so the page can
    show the message next to it.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field
