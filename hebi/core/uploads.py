"""Uploads: refusing an oversized body before Django reads it, and checking a file by its content."""

from __future__ import annotations

import zipfile
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest
from django.utils.translation import gettext as _

# Room for the multipart boundaries and the other form fields around the file itself.
MULTIPART_OVERHEAD = 64 * 1024


def declared_size(request: HttpRequest) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def exceeds(request: HttpRequest, limit: int) -> bool:
    """True when the request says its body is larger than a file of `limit` bytes can make it."""
    return request.method == "POST" and declared_size(request) > limit + MULTIPART_OVERHEAD


# File types accepted as attachments, recognised by their first bytes, not their names.
_SIGNATURES: list[tuple[bytes, str, tuple[str, ...]]] = [
    (b"%PDF-", "application/pdf", (".pdf",)),
    (b"\x89PNG\r\n\x1a\n", "image/png", (".png",)),
    (b"\xff\xd8\xff", "image/jpeg", (".jpg", ".jpeg")),
    (b"PK\x03\x04", "application/zip", (".docx", ".xlsx", ".pptx")),
]
# An Office file is a zip with these parts; any other zip (an .exe inside, say) is refused.
_OOXML_PARTS = {
    ".docx": ("word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ".xlsx": ("xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ".pptx": (
        "ppt/presentation.xml",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
}


def sniff_content_type(head: bytes, name: str) -> str:
    """The file's real type from its first bytes; refuses what we do not accept, whatever its name."""
    suffix = PurePath(name).suffix.lower()
    for magic, content_type, suffixes in _SIGNATURES:
        if head.startswith(magic):
            if suffix not in suffixes:
                raise ValidationError(
                    {"file": _("文件内容与扩展名不符（%(suffix)s）。") % {"suffix": suffix or _("无扩展名")}}
                )
            return content_type
    if suffix in (".txt", ".csv", ".md") and _is_text(head):
        return "text/plain"
    accepted = "PDF, PNG, JPEG, Word/Excel/PowerPoint (docx/xlsx/pptx) "
    message = _("不支持的文件类型。可上传 %(types)s或纯文本文件。") % {"types": accepted}
    raise ValidationError({"file": message})


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # The first 2 KB may end inside a multi-byte character.
        return error.start >= len(head) - 3
    return True


def _office_type(uploaded: UploadedFile, name: str) -> str:
    part, content_type = _OOXML_PARTS[PurePath(name).suffix.lower()]
    try:
        with zipfile.ZipFile(uploaded) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile as error:
        raise ValidationError({"file": _("文件已损坏，无法读取。")}) from error
    finally:
        uploaded.seek(0)
    if "[Content_Types].xml" not in names or part not in names:
        raise ValidationError({"file": _("文件内容不是有效的 Office 文档（%(name)s）。") % {"name": name}})
    return content_type


def inspect_upload(uploaded: UploadedFile, *, limit: int, accept: tuple[str, ...] = ()) -> tuple[str, str]:
    """(display name, real content type) of an upload, or ValidationError on the `file` field.

    Checks the size against `limit` and the type by the first bytes; `accept` narrows the
    accepted content types (e.g. only PDF and images for a signed contract)."""
    if uploaded.size is None or uploaded.size > limit:
        raise ValidationError({"file": _("文件过大：上限为 %(mb)d MB。") % {"mb": limit // (1024 * 1024)}})
    if uploaded.size == 0:
        raise ValidationError({"file": _("文件是空的。")})
    uploaded.seek(0)
    head = uploaded.read(2048)
    uploaded.seek(0)
    name = PurePath(uploaded.name or "file").name[:200]
    content_type = sniff_content_type(head, name)
    if content_type == "application/zip":
        content_type = _office_type(uploaded, name)
    if accept and content_type not in accept:
        raise ValidationError(
            {"file": _("此处只接受以下类型的文件：%(types)s。") % {"types": ", ".join(accept)}}
        )
    return name, content_type
