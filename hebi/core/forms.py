from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _


def apply_validation_error(
    request: HttpRequest, error: ValidationError, form: forms.BaseForm | None = None
) -> None:
    """Show a service's ValidationError: on the form's field when it has one, else as a page message."""
    if form is not None and form.is_bound and hasattr(error, "error_dict"):
        for field, field_errors in error.message_dict.items():
            for message in field_errors:
                form.add_error(field if field in form.fields else None, message)
        messages.error(request, _("请修正下面标出的错误。"))
        return
    for message in error.messages:
        messages.error(request, message)
