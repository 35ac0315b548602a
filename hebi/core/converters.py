"""URL converters. `<id:pk>` is `<int:pk>` bounded to what a 64-bit key can hold, so that an
absurd id in a URL answers 404 instead of overflowing the database driver."""

from django.urls import register_converter


class IdConverter:
    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


def parse_id(value: object) -> int | None:
    """An id from a form or query string, bounded like `<id:pk>`; None when it is not one."""
    text = "" if value is None else str(value)
    return int(text) if text.isdecimal() and len(text) <= 18 else None


def register() -> None:
    register_converter(IdConverter, "id")
