"""Shared API plumbing: errors in the user's language, service ValidationErrors as 400s, bounded ids."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import translation
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from hebi.core.converters import parse_id

# The largest id `<id:pk>` and parse_id accept (18 digits): bigger numbers overflow the database driver.
MAX_ID = 10**18 - 1


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    return drf_exception_handler(exc, context)


class UserLanguageMixin:
    """Token-authenticated requests are authenticated after the middleware ran: switch language here."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        language = getattr(request.user, "language", "")
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language


class CitationSerializer(serializers.Serializer):
    fact = serializers.CharField()
    document = serializers.CharField()
    document_title = serializers.CharField()
    quote = serializers.CharField()


class IdField(serializers.PrimaryKeyRelatedField):
    """A primary key bounded like `<id:pk>`: an absurd number is "not found", not a database error."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or parse_id(data) is None:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


def id_field(**kwargs: Any) -> serializers.IntegerField:
    """An integer id in a request body, bounded like `<id:pk>`: out of range is a 400, not a 500."""
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


def pk_or_404(value: Any) -> int:
    """An id from a URL or query string; 404 when it is not one (bounded like `<id:pk>`)."""
    pk = parse_id(value)
    if pk is None:
        raise Http404
    return pk
