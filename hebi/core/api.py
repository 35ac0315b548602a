"""Shared API plumbing: errors in the user's language, and service ValidationErrors as 400s."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import translation
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


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
