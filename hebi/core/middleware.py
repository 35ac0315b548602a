"""Refuse a request body larger than any upload the platform accepts, before anything reads it.

Each upload still has its own, smaller limit checked by its service; this guard only keeps a
200 MB body from being spooled to disk by the CSRF check or the form parser first.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from hebi.core import uploads


class RequestSizeLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = max(settings.HEBI_MAX_IMPORT_BYTES, settings.HEBI_MAX_ATTACHMENT_BYTES)
        if uploads.exceeds(request, limit):
            message = _("上传的文件过大：上限为 %(mb)d MB。") % {"mb": limit // (1024 * 1024)}
            if request.path.startswith("/api/"):
                return JsonResponse({"file": [message]}, status=413)
            return render(request, "413.html", {"message": message}, status=413)
        return self.get_response(request)
