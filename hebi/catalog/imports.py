"""Bulk patent import (存量专利盘活: an institution's whole portfolio at once).

upload → import_start (size and content checked, file stored, job queued)
       → import_preview (a dry run: every row validated, errors as row/column/reason)
       → import_commit (everything in one transaction, or only the valid rows if the user asks)

The format is recognised by content, never by the file name: .xlsx is a zip holding
xl/workbook.xml; CSV is text in UTF-8 (with or without BOM) or GB18030/GBK. Anything else is
refused with a message that says what it is. Excel files with formulas or merged cells are
refused as a whole: their values are not what the person sees, so no row can be trusted.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import re
import unicodedata
import uuid
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hebi.catalog import patent_services
from hebi.catalog.models import ImportJob, Patent
from hebi.catalog.search.lexicon import current_lexicon
from hebi.core import audit
from hebi.core.models import AuditLog
from hebi.orgs.models import Organisation

MAX_STORED_ERRORS = 500
MAX_ROWS = 100_000
PREVIEW_ROWS = 20
PROGRESS_EVERY = 200
BATCH_SIZE = 500
# A 30 MB workbook may hold a few hundred MB of XML; more than this is a zip bomb.
MAX_UNCOMPRESSED_FACTOR = 15
FORMULA_CELLS_SHOWN = 5
PROGRESS_TIMEOUT = 60 * 60


@dataclass(frozen=True)
class Column:
    field: str
    label: Any  # shown to people and written in the template file
    aliases: tuple[str, ...]
    required: bool = False


COLUMNS = (
    Column(
        "application_number",
        gettext_lazy("申请号"),
        (
            "申请号",
            "专利申请号",
            "专利号",
            "申请号/专利号",
            "application_number",
            "applicationnumber",
            "appno",
        ),
        required=True,
    ),
    Column(
        "publication_number",
        gettext_lazy("公开（公告）号"),
        ("公开号", "公告号", "公开公告号", "授权公告号", "publication_number", "publicationnumber"),
    ),
    Column(
        "title", gettext_lazy("专利名称"), ("专利名称", "名称", "发明名称", "标题", "title"), required=True
    ),
    Column("abstract", gettext_lazy("摘要"), ("摘要", "abstract")),
    Column(
        "ipc_codes",
        gettext_lazy("IPC分类号"),
        ("ipc", "ipc分类号", "分类号", "ipc分类", "主分类号", "ipc_codes"),
    ),
    Column(
        "applicants",
        gettext_lazy("申请人"),
        ("申请人", "专利权人", "申请人专利权人", "applicants", "applicant"),
    ),
    Column(
        "inventors", gettext_lazy("发明人"), ("发明人", "设计人", "发明人设计人", "inventors", "inventor")
    ),
    Column(
        "legal_status",
        gettext_lazy("法律状态"),
        ("法律状态", "当前法律状态", "legal_status", "legalstatus", "status"),
        required=True,
    ),
    Column(
        "application_date",
        gettext_lazy("申请日"),
        ("申请日", "申请日期", "application_date", "filingdate"),
        required=True,
    ),
    Column(
        "publication_date",
        gettext_lazy("公开日"),
        ("公开日", "公告日", "公开公告日", "公开日期", "publication_date", "publicationdate"),
    ),
    Column(
        "grant_date", gettext_lazy("授权日"), ("授权日", "授权公告日", "授权日期", "grant_date", "grantdate")
    ),
    Column(
        "claims_count",
        gettext_lazy("权利要求数"),
        ("权利要求数", "权利要求数量", "权利要求项数", "claims_count", "claims"),
    ),
)
COLUMN_BY_FIELD = {c.field: c for c in COLUMNS}
# Columns some portfolio exports carry that we do not store, accepted without complaint.
IGNORED_HEADERS = ("专利类型", "类型", "kind", "序号", "no", "备注", "note")

# Chinese wordings of 法律状态 in CNIPA and institutional exports, most specific first.
LEGAL_STATUS_WORDS = (
    (("期满", "届满", "expired"), Patent.LegalStatus.EXPIRED),
    (("驳回", "rejected"), Patent.LegalStatus.REJECTED),
    (("撤回", "withdrawn"), Patent.LegalStatus.WITHDRAWN),
    (("失效", "终止", "放弃", "未缴", "无效", "lapsed"), Patent.LegalStatus.LAPSED),
    (
        ("审中", "实审", "实质审查", "在审", "审查", "公开", "申请中", "受理", "pending"),
        Patent.LegalStatus.PENDING,
    ),
    (("有效", "授权", "有权", "维持", "granted"), Patent.LegalStatus.GRANTED),
)


# -- progress (shared through the cache: the import's own writes are invisible until commit) -----
def progress_key(job_id: int) -> str:
    return f"hebi:patent-import:{job_id}:progress"


def set_progress(job_id: int, phase: str, processed: int, total: int) -> None:
    cache.set(
        progress_key(job_id), {"phase": phase, "processed": processed, "total": total}, PROGRESS_TIMEOUT
    )


def get_progress(job_id: int) -> dict[str, Any] | None:
    value: dict[str, Any] | None = cache.get(progress_key(job_id))
    return value


def clear_progress(job_id: int) -> None:
    cache.delete(progress_key(job_id))


FINISHED_STATUSES = (
    ImportJob.Status.PREVIEWED,
    ImportJob.Status.DONE,
    ImportJob.Status.FAILED,
    ImportJob.Status.CANCELLED,
)


def job_progress(job: ImportJob) -> dict[str, Any]:
    """What the job page's progress bar shows: the cache while running, the job row after."""
    finished = job.status in FINISHED_STATUSES
    state = {} if finished else (get_progress(job.pk) or {})
    total = state.get("total") or job.total_rows
    processed = state.get("processed", job.processed_rows if finished else 0)
    percent = 100 if finished else (int(processed * 100 / total) if total else 0)
    return {
        "status": job.status,
        "status_label": job.get_status_display(),
        "phase": state.get("phase", job.status),
        "processed": processed,
        "total": total,
        "percent": min(100, percent),
        "finished": finished,
    }


# -- reading the file ------------------------------------------------------------------------------
@dataclass
class Table:
    file_format: str  # "xlsx" or "csv"
    encoding: str
    header_row: int
    header: list[str]
    rows: list[tuple[int, list[Any]]]  # (row number as the user sees it, cells)
    notices: list[str] = field(default_factory=list)


def _refuse(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def check_size(size: int | None) -> None:
    limit = settings.HEBI_MAX_IMPORT_BYTES
    if size is not None and size > limit:
        raise _refuse(
            _("文件过大（%(size)s MB），导入文件不能超过 %(limit)s MB。请拆分后分批导入。")
            % {"size": f"{size / 1024 / 1024:.0f}", "limit": f"{limit / 1024 / 1024:.0f}"},
            "too_large",
        )


def _looks_like_text(head: bytes) -> bool:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
        return True
    return False


def sniff_format(fileobj: IO[bytes]) -> str:
    """ "xlsx" or "csv", judged by the bytes; anything else raises a ValidationError saying what it is."""
    fileobj.seek(0)
    head = fileobj.read(8192)
    fileobj.seek(0)
    if not head.strip():
        raise _refuse(_("文件为空。"), "empty")
    if head.startswith(b"MZ"):
        raise _refuse(_("文件内容是 Windows 可执行程序，不是 Excel 或 CSV 文件，已拒绝。"), "executable")
    if head.startswith(b"\x7fELF") or head[:4] in (b"\xcf\xfa\xed\xfe", b"\xfe\xed\xfa\xcf"):
        raise _refuse(_("文件内容是可执行程序，不是 Excel 或 CSV 文件，已拒绝。"), "executable")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise _refuse(_("这是旧版 Excel（.xls）文件。请在 Excel 中另存为 .xlsx 或 CSV 后再上传。"), "xls")
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(fileobj) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile as error:
            raise _refuse(_("Excel 文件已损坏，无法读取。"), "bad_zip") from error
        finally:
            fileobj.seek(0)
        if "xl/workbook.xml" not in names:
            raise _refuse(_("压缩文件不是 Excel 工作簿（.xlsx），已拒绝。"), "not_xlsx")
        return "xlsx"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _refuse(_("文件是 UTF-16 编码的文本。请另存为“CSV UTF-8”或 GBK 编码的 CSV 后再上传。"), "utf16")
    if b"\x00" in head or not _looks_like_text(head):
        raise _refuse(
            _("文件内容不是 Excel 工作簿（.xlsx）或 CSV 文本，已拒绝。请上传 .xlsx 或 .csv 文件。"),
            "not_table",
        )
    return "csv"


def check_upload(uploaded_file: Any) -> str:
    """Size first (before reading a byte), then content. Returns the format."""
    check_size(uploaded_file.size)
    return sniff_format(uploaded_file)


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "UTF-8"
        except UnicodeDecodeError:
            pass
    else:
        try:
            return data.decode("utf-8"), "UTF-8"
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("gb18030"), "GBK"
    except UnicodeDecodeError as error:
        raise _refuse(
            _("无法识别文件编码。请将 CSV 另存为 UTF-8 或 GBK 编码后再上传。"), "encoding"
        ) from error


def _read_csv(fileobj: IO[bytes]) -> Table:
    text, encoding = _decode(fileobj.read())
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample.splitlines()[0] if sample else "", delimiters=",\t;")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    rows = []
    try:
        for number, cells in enumerate(
            csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1
        ):
            rows.append((number, list(cells)))
    except csv.Error as error:
        raise _refuse(_("CSV 文件格式错误：%(error)s") % {"error": error}, "csv") from error
    return _table("csv", encoding, rows)


def _first_sheet(archive: zipfile.ZipFile) -> tuple[str, str, int]:
    """(path inside the zip, name, number of sheets) of the workbook's first sheet."""
    workbook = archive.read("xl/workbook.xml")
    sheets = re.findall(rb"<(?:\w+:)?sheet\b[^>]*>", workbook)
    if not sheets:
        raise _refuse(_("Excel 文件中没有工作表。"), "no_sheet")
    first = sheets[0]
    rel_id = re.search(rb'\b\w+:id="([^"]+)"', first)
    name = re.search(rb'\bname="([^"]*)"', first)
    target = None
    if rel_id and "xl/_rels/workbook.xml.rels" in archive.namelist():
        rels = archive.read("xl/_rels/workbook.xml.rels")
        for rel in re.findall(rb"<(?:\w+:)?Relationship\b[^>]*>", rels):
            if re.search(rb'\bId="' + re.escape(rel_id.group(1)) + rb'"', rel):
                found = re.search(rb'\bTarget="([^"]+)"', rel)
                target = found.group(1).decode() if found else None
    if not target:
        target = "worksheets/sheet1.xml"
    path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    title = name.group(1).decode("utf-8", "replace") if name else ""
    return path, title, len(sheets)


def _merged_ranges(archive: zipfile.ZipFile, path: str) -> list[str]:
    """The merged ranges of a sheet, read straight from its XML in chunks (no full parse)."""
    pattern = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*\bref="([A-Z]+\d+(?::[A-Z]+\d+)?)"')
    found: list[str] = []
    tail = b""
    with archive.open(path) as stream:
        while chunk := stream.read(1 << 20):
            data = tail + chunk
            found.extend(m.decode() for m in pattern.findall(data))
            # A tag cut in two by the chunk boundary is matched whole in the next round.
            tail = data[-512:]
    return list(dict.fromkeys(found))


def _read_xlsx(fileobj: IO[bytes]) -> Table:
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

    fileobj.seek(0)
    try:
        with zipfile.ZipFile(fileobj) as archive:
            uncompressed = sum(info.file_size for info in archive.infolist())
            if uncompressed > settings.HEBI_MAX_IMPORT_BYTES * MAX_UNCOMPRESSED_FACTOR:
                raise _refuse(_("Excel 文件解压后过大，已拒绝。请拆分后分批导入。"), "zip_bomb")
            path, sheet_name, sheet_count = _first_sheet(archive)
            if path not in archive.namelist():
                raise _refuse(_("Excel 文件已损坏：找不到第一个工作表。"), "no_sheet")
            merged = _merged_ranges(archive, path)
    except zipfile.BadZipFile as error:
        raise _refuse(_("Excel 文件已损坏，无法读取。"), "bad_zip") from error
    if merged:
        shown = "、".join(merged[:FORMULA_CELLS_SHOWN])
        raise _refuse(
            _(
                "工作表“%(sheet)s”含有合并单元格（%(ranges)s%(more)s）。请取消合并，并在每一行填写完整后再上传。"
            )
            % {
                "sheet": sheet_name,
                "ranges": shown,
                "more": _("等 %(n)d 处") % {"n": len(merged)} if len(merged) > 1 else "",
            },
            "merged_cells",
        )
    fileobj.seek(0)
    try:
        workbook = load_workbook(fileobj, read_only=True, data_only=False)
    except Exception as error:  # openpyxl raises many kinds for a broken workbook
        raise _refuse(_("Excel 文件已损坏，无法读取。"), "bad_xlsx") from error
    try:
        sheet = workbook.worksheets[0]
        rows: list[tuple[int, list[Any]]] = []
        formulas: list[str] = []
        formula_count = 0
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = list(values)
            for index, value in enumerate(cells):
                if isinstance(value, ArrayFormula | DataTableFormula) or (
                    isinstance(value, str) and value.startswith("=")
                ):
                    formula_count += 1
                    if len(formulas) < FORMULA_CELLS_SHOWN:
                        formulas.append(f"{get_column_letter(index + 1)}{number}")
            rows.append((number, cells))
            if len(rows) > MAX_ROWS + 50:
                break
    finally:
        workbook.close()
    if formula_count:
        raise _refuse(
            _(
                "工作表含有 %(n)d 个公式单元格（%(cells)s）。"
                "请将公式转换为数值（复制后“选择性粘贴 → 数值”）再上传。"
            )
            % {
                "n": formula_count,
                "cells": "、".join(formulas) + ("……" if formula_count > len(formulas) else ""),
            },
            "formulas",
        )
    table = _table("xlsx", "", rows)
    if sheet_count > 1:
        table.notices.append(
            _("文件有 %(n)d 个工作表，只读取了第一个工作表“%(name)s”。")
            % {"n": sheet_count, "name": sheet_name}
        )
    return table


def _blank(cells: Iterable[Any]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _table(file_format: str, encoding: str, rows: list[tuple[int, list[Any]]]) -> Table:
    non_blank = [(n, cells) for n, cells in rows if not _blank(cells)]
    if not non_blank:
        raise _refuse(_("文件中没有数据。"), "no_rows")
    header_row, header_cells = non_blank[0]
    data = non_blank[1:]
    if len(data) > MAX_ROWS:
        raise _refuse(
            _("文件有超过 %(max)s 行数据，请拆分为多个文件后分批导入。") % {"max": f"{MAX_ROWS:,}"},
            "too_many_rows",
        )
    header = ["" if c is None else str(c) for c in header_cells]
    return Table(file_format, encoding, header_row, header, data)


def read_table(fileobj: IO[bytes], file_format: str) -> Table:
    return _read_xlsx(fileobj) if file_format == "xlsx" else _read_csv(fileobj)


# -- header mapping ------------------------------------------------------------------------------
def header_key(text: Any) -> str:
    """ "申请号*", " 公开（公告）号 ", "Application Number" → a key to look up in the aliases."""
    key = unicodedata.normalize("NFKC", str(text or "")).strip().lower()
    key = re.sub(r"[(（][^)）]*[)）]", "", key)  # notes such as "（必填）" or "(yyyy-mm-dd)"
    return re.sub(r"[\s*＊:：_\-]", "", key)


_ALIASES = {header_key(alias): column.field for column in COLUMNS for alias in column.aliases}
_ALIASES.update({header_key(str(column.label)): column.field for column in COLUMNS})
_IGNORED = {header_key(h) for h in IGNORED_HEADERS}


@dataclass
class HeaderMap:
    columns: dict[int, str]  # cell index → field
    labels: dict[str, str]  # field → the header text the file used
    unknown: list[str]


def map_header(header: list[str], encoding: str = "") -> HeaderMap:
    columns: dict[int, str] = {}
    labels: dict[str, str] = {}
    unknown: list[str] = []
    for index, text in enumerate(header):
        key = header_key(text)
        if not key:
            continue
        target = _ALIASES.get(key)
        if target and target not in labels:
            columns[index] = target
            labels[target] = str(text).strip()
        elif key not in _IGNORED:
            unknown.append(str(text).strip())
    missing = [str(c.label) for c in COLUMNS if c.required and c.field not in labels]
    if missing:
        message = _("缺少必填列：%(missing)s。") % {"missing": "、".join(missing)}
        if unknown:
            message += _("无法识别的列：%(unknown)s。") % {
                "unknown": "、".join(f"“{u[:30]}”" for u in unknown[:10])
            }
        if encoding:
            message += _("（文件按 %(encoding)s 编码读取。）") % {"encoding": encoding}
        message += _("请使用模板中的列名，第一行为列名。")
        raise _refuse(message, "header")
    return HeaderMap(columns, labels, unknown)


# -- cell values ------------------------------------------------------------------------------------
_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def parse_date(value: Any) -> datetime.date | None:
    """A date from an Excel date cell, an Excel serial number, or text such as 2019-05-06,
    2019/5/6, 2019.5.6, 2019年5月6日 or 20190506. None when blank; ValueError when not a date."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer() and 19000101 <= value <= 29991231:
            value = str(int(value))
        elif 1 <= value < 2958466:
            from openpyxl.utils.datetime import from_excel

            converted = from_excel(value)
            return converted.date() if isinstance(converted, datetime.datetime) else None
        else:
            raise ValueError(str(value))
    text = unicodedata.normalize("NFKC", str(value)).strip()
    text = re.split(r"[ T]", text, maxsplit=1)[0] if re.match(r"^\d{4}-\d{2}-\d{2}[ T]\d", text) else text
    match = _DATE_TEXT.match(text) or _DATE_COMPACT.match(text)
    if not match:
        raise ValueError(text)
    year, month, day = (int(g) for g in match.groups())
    return datetime.date(year, month, day)


def parse_legal_status(value: Any) -> str | None:
    text = unicodedata.normalize("NFKC", str(value or "")).strip().lower()
    if not text:
        return None
    if text in Patent.LegalStatus.values:
        return text
    for words, status in LEGAL_STATUS_WORDS:
        if any(word in text for word in words):
            return str(status)
    raise ValueError(text)


def parse_count(value: Any) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if not re.fullmatch(r"\d{1,4}", text) or not 1 <= int(text) <= 999:
        raise ValueError(text)
    return int(text)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return patent_services.plain_text(value)


# -- validation --------------------------------------------------------------------------------------
@dataclass
class Validation:
    total_rows: int
    valid: list[tuple[int, dict[str, Any]]]
    errors: list[dict[str, Any]]  # the first MAX_STORED_ERRORS
    error_count: int
    actions: dict[str, str]  # application number → create / update / unchanged
    existing: dict[str, Patent]
    preview: list[dict[str, Any]]
    notices: list[str]

    @property
    def plan(self) -> dict[str, int]:
        counts = Counter(self.actions.values())
        return {"create": counts["create"], "update": counts["update"], "unchanged": counts["unchanged"]}

    @property
    def invalid_rows(self) -> int:
        return self.total_rows - len(self.valid)


ACTION_LABELS = {
    "create": gettext_lazy("新增"),
    "update": gettext_lazy("更新"),
    "unchanged": gettext_lazy("无变化"),
}


DATE_FIELDS = ("application_date", "publication_date", "grant_date")
TEXT_FIELDS = (
    "application_number",
    "publication_number",
    "title",
    "abstract",
    "ipc_codes",
    "applicants",
    "inventors",
)
REQUIRED_FIELDS = tuple(c.field for c in COLUMNS if c.required)


def _clean_row(cells: list[Any], header: HeaderMap) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Typed values of the columns the file has, and the row's errors as (field, reason).

    A column the file lacks is left out, so that re-importing a narrower file never blanks a
    field recorded earlier."""
    raw: dict[str, Any] = {}
    for index, target in header.columns.items():
        raw[target] = cells[index] if index < len(cells) else None
    errors: list[tuple[str, str]] = []
    data: dict[str, Any] = {}
    for name in DATE_FIELDS:
        if name not in raw:
            continue
        try:
            data[name] = parse_date(raw[name])
        except ValueError:
            errors.append(
                (
                    name,
                    _("日期“%(value)s”无法识别（应如 2019-05-06、2019/5/6 或 20190506）。")
                    % {"value": _cell_text(raw[name])[:30]},
                )
            )
    try:
        data["legal_status"] = parse_legal_status(raw["legal_status"])
    except ValueError:
        errors.append(
            (
                "legal_status",
                _("法律状态“%(value)s”无法识别（可填：有效、授权、审中、实审、失效、期满、驳回、撤回）。")
                % {"value": _cell_text(raw["legal_status"])[:30]},
            )
        )
    if "claims_count" in raw:
        try:
            data["claims_count"] = parse_count(raw["claims_count"])
        except ValueError:
            errors.append(("claims_count", _("权利要求数应为 1 至 999 的整数。")))
    text = {name: _cell_text(raw[name]) for name in TEXT_FIELDS if name in raw}
    try:
        data.update(patent_services.clean_patent_data(text))
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.extend((name, m) for m in messages)
    failed = {name for name, _reason in errors}
    for name in REQUIRED_FIELDS:
        if name not in failed and not _cell_text(raw.get(name)):
            errors.append((name, _("必填项为空。")))
    if len(data.get("title", "")) > 300:
        errors.append(("title", _("专利名称不能超过 300 字。")))
    if len(data.get("abstract", "")) > 5000:
        errors.append(("abstract", _("摘要不能超过 5000 字。")))
    if not failed & set(DATE_FIELDS):
        for name, message in patent_services.date_errors(
            data.get("application_date"), data.get("publication_date"), data.get("grant_date")
        ).items():
            errors.append((name, message))
    return data, errors


def _comparable(value: Any) -> Any:
    return audit._plain(value)


def _differs(patent: Patent, data: dict[str, Any]) -> bool:
    return any(_comparable(getattr(patent, k)) != _comparable(v) for k, v in data.items())


def validate_table(
    table: Table,
    organisation: Organisation,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> Validation:
    header = map_header(table.header, table.encoding)
    notices = list(table.notices)
    if header.unknown:
        notices.append(_("以下列不会导入：%(columns)s。") % {"columns": "、".join(header.unknown[:10])})
    total = len(table.rows)
    errors: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    cleaned: list[tuple[int, dict[str, Any]]] = []

    def label(name: str) -> str:
        return header.labels.get(name) or str(
            COLUMN_BY_FIELD[name].label if name in COLUMN_BY_FIELD else name
        )

    def add(row: int, name: str, reason: str) -> None:
        errors.append({"row": row, "column": label(name), "reason": reason})

    for done, (row, cells) in enumerate(table.rows, start=1):
        data, row_errors = _clean_row(cells, header)
        number = (
            data.get("application_number")
            if not any(f == "application_number" for f, _m in row_errors)
            else None
        )
        if number and number in seen:
            row_errors.append(
                (
                    "application_number",
                    _("申请号 %(number)s 与第 %(row)d 行重复。") % {"number": number, "row": seen[number]},
                )
            )
        elif number:
            seen[number] = row
        for name, reason in row_errors:
            add(row, name, reason)
        if not row_errors:
            cleaned.append((row, data))
        if progress and done % PROGRESS_EVERY == 0:
            progress(done, total)

    existing: dict[str, Patent] = {}
    numbers = [data["application_number"] for _row, data in cleaned]
    for start in range(0, len(numbers), BATCH_SIZE):
        for found in Patent.objects.filter(
            application_number__in=numbers[start : start + BATCH_SIZE]
        ).select_related("owner"):
            existing[found.application_number] = found
    valid: list[tuple[int, dict[str, Any]]] = []
    actions: dict[str, str] = {}
    for row, data in cleaned:
        number = data["application_number"]
        patent = existing.get(number)
        if patent is not None and patent.owner_id != organisation.pk:
            add(
                row,
                "application_number",
                _("申请号 %(number)s 已由其他机构（%(owner)s）登记，不能导入。")
                % {"number": number, "owner": patent.owner},
            )
            continue
        valid.append((row, data))
        actions[number] = (
            "create" if patent is None else ("update" if _differs(patent, data) else "unchanged")
        )
    errors.sort(key=lambda e: e["row"])  # stable: a row's own errors keep their order
    if progress:
        progress(total, total)
    preview = [
        _preview_row(row, data, actions[data["application_number"]]) for row, data in valid[:PREVIEW_ROWS]
    ]
    return Validation(
        total, valid, errors[:MAX_STORED_ERRORS], len(errors), actions, existing, preview, notices
    )


def _preview_row(row: int, data: dict[str, Any], action: str) -> dict[str, Any]:
    return {
        "row": row,
        "action": action,
        "action_label": str(ACTION_LABELS[action]),
        "application_number": data["application_number"],
        "title": data["title"],
        "kind": str(dict(Patent.Kind.choices).get(data.get("kind", ""), "")),
        "legal_status": str(dict(Patent.LegalStatus.choices).get(data.get("legal_status") or "", "")),
        "application_date": data["application_date"].isoformat() if data.get("application_date") else "",
        "applicants": "；".join(data.get("applicants", [])),
        "inventors": "、".join(data.get("inventors", [])),
    }


# -- services ------------------------------------------------------------------------------------
def _enqueue_after_commit(task_name: str, *args: Any) -> None:
    """Queue a task once the rows it reads are committed (ENQUEUE_ON_COMMIT is not honoured by
    django-tasks 0.12, so we say it here). Outside a transaction this runs at once."""
    from hebi.catalog import tasks

    task = getattr(tasks, task_name)
    transaction.on_commit(lambda: task.enqueue(*args))


def import_start(*, actor: Any, organisation: Organisation, uploaded_file: Any) -> ImportJob:
    """Check the upload (size, then content), store it and queue the dry run."""
    patent_services.require_edit_patents(actor, organisation)
    file_format = check_upload(uploaded_file)
    original = patent_services.plain_text(getattr(uploaded_file, "name", "") or "").rsplit("/", 1)[-1]
    with transaction.atomic():
        job = ImportJob(
            organisation=organisation,
            uploaded_by=actor,
            file_name=original[:200] or f"upload.{file_format}",
            file_format=file_format,
        )
        uploaded_file.seek(0)
        job.file.save(f"{uuid.uuid4().hex}.{file_format}", File(uploaded_file), save=False)
        job.save()
        audit.record_create(
            actor=actor, instance=job, fields=["file_name", "file_format"], organisation=organisation
        )
        set_progress(job.pk, "queued", 0, 0)
        _enqueue_after_commit("preview_import", job.pk)
    return job


def _read_job(job: ImportJob) -> Table:
    with job.file.open("rb") as stream:
        return read_table(stream, job.file_format)


def _store_validation(job: ImportJob, result: Validation) -> None:
    job.total_rows = result.total_rows
    job.valid_rows = len(result.valid)
    job.processed_rows = result.total_rows
    job.errors = result.errors
    job.error_count = result.error_count
    job.preview = {"rows": result.preview, "plan": result.plan, "notices": result.notices}


JOB_RESULT_FIELDS = [
    "status",
    "encoding",
    "total_rows",
    "valid_rows",
    "processed_rows",
    "errors",
    "error_count",
    "preview",
    "message",
    "updated_at",
]


def import_preview(job: ImportJob) -> ImportJob:
    """The dry run: read and validate every row, store counts, errors and the first rows."""
    if job.status not in (ImportJob.Status.QUEUED, ImportJob.Status.VALIDATING, ImportJob.Status.FAILED):
        return job
    job.status = ImportJob.Status.VALIDATING
    job.save(update_fields=["status", "updated_at"])
    set_progress(job.pk, "validating", 0, 0)
    try:
        table = _read_job(job)
        job.encoding = table.encoding
        result = validate_table(
            table,
            job.organisation,
            progress=lambda done, total: set_progress(job.pk, "validating", done, total),
        )
    except ValidationError as error:
        job.status = ImportJob.Status.FAILED
        job.message = " ".join(error.messages)[:500]
        job.errors, job.error_count, job.preview = [], 0, []
        job.save(update_fields=JOB_RESULT_FIELDS)
        clear_progress(job.pk)
        return job
    _store_validation(job, result)
    job.status = ImportJob.Status.PREVIEWED
    job.message = " ".join(result.notices)[:500]
    job.save(update_fields=JOB_RESULT_FIELDS)
    clear_progress(job.pk)
    return job


def _refusal_for_errors(job: ImportJob) -> ValidationError:
    return ValidationError(
        _("文件中有 %(n)d 处错误，未导入任何数据。请修正后重新上传，或选择“仅导入有效行”。")
        % {"n": job.error_count},
        code="has_errors",
    )


def import_queue_commit(*, actor: Any, job: ImportJob, valid_only: bool) -> ImportJob:
    """The person confirmed the preview: queue the import (it runs in the background)."""
    patent_services.require_edit_patents(actor, job.organisation)
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().select_related("organisation").get(pk=job.pk)
        if job.status != ImportJob.Status.PREVIEWED:
            raise ValidationError(
                _("该导入任务当前为“%(status)s”，不能导入。") % {"status": job.get_status_display()},
                code="status",
            )
        if job.error_count and not valid_only:
            raise _refusal_for_errors(job)
        if valid_only and not job.valid_rows:
            raise ValidationError(_("没有可导入的有效行。"), code="no_valid_rows")
        job.status = ImportJob.Status.IMPORTING
        job.valid_only = valid_only
        job.save(update_fields=["status", "valid_only", "updated_at"])
        set_progress(job.pk, "importing", 0, job.valid_rows)
        _enqueue_after_commit("commit_import", job.pk, valid_only, actor.pk)
    return job


class _Refused(Exception):
    """Validation refused the commit: the transaction is rolled back, then the job is updated."""

    def __init__(self, result: Validation, error: ValidationError) -> None:
        super().__init__(str(error))
        self.result = result
        self.error = error


def _audit_rows(
    *, actor: Any, job: ImportJob, created: list[Patent], updated: list[tuple[Patent, dict[str, list[Any]]]]
) -> list[AuditLog]:
    user = actor if getattr(actor, "is_authenticated", False) else None
    label = (user.get_full_name() or user.get_username()) if user else "系统"
    content_type = ContentType.objects.get_for_model(Patent)
    note = _("批量导入（任务 #%(id)d，%(file)s）") % {"id": job.pk, "file": job.file_name}
    common = {
        "actor": user,
        "actor_label": label,
        "content_type": content_type,
        "organisation": job.organisation,
        "note": note[:500],
    }
    rows = [
        AuditLog(
            action=AuditLog.Action.CREATE,
            object_id=str(p.pk),
            object_label=str(p)[:300],
            changes={
                k: [None, v]
                for k, v in audit.snapshot(p, patent_services.PATENT_FIELDS).items()
                if v not in (None, "", [])
            },
            **common,
        )
        for p in created
    ]
    rows += [
        AuditLog(
            action=AuditLog.Action.UPDATE,
            object_id=str(p.pk),
            object_label=str(p)[:300],
            changes=changes,
            **common,
        )
        for p, changes in updated
    ]
    return rows


def import_commit(*, actor: Any, job: ImportJob, valid_only: bool) -> ImportJob:
    """Write the validated rows in one transaction: all of them, or nothing.

    The file is validated again (the registry may have changed since the preview). With errors
    and not valid_only, nothing is written. Same number → update; same data → unchanged."""
    patent_services.require_edit_patents(actor, job.organisation)
    organisation = job.organisation
    try:
        with transaction.atomic():
            job = ImportJob.objects.select_for_update().select_related("organisation").get(pk=job.pk)
            if job.status not in (ImportJob.Status.PREVIEWED, ImportJob.Status.IMPORTING):
                raise ValidationError(
                    _("该导入任务当前为“%(status)s”，不能导入。") % {"status": job.get_status_display()},
                    code="status",
                )
            set_progress(job.pk, "validating", 0, job.total_rows)
            result = validate_table(
                _read_job(job), organisation, progress=lambda d, t: set_progress(job.pk, "validating", d, t)
            )
            if result.error_count and not valid_only:
                raise _Refused(result, _refusal_for_errors(job))
            if not result.valid:
                raise _Refused(result, ValidationError(_("没有可导入的有效行。"), code="no_valid_rows"))
            counts = _write(actor=actor, job=job, result=result)
            _store_validation(job, result)
            job.status = ImportJob.Status.DONE
            job.valid_only = valid_only
            job.created_count, job.updated_count, job.unchanged_count = counts
            job.message = (
                _("已导入：新增 %(c)d 条，更新 %(u)d 条，%(n)d 条无变化。")
                % {"c": counts[0], "u": counts[1], "n": counts[2]}
                + (_("跳过有错误的行 %(e)d 行。") % {"e": result.invalid_rows} if result.invalid_rows else "")
            )[:500]
            job.save(
                update_fields=[
                    *JOB_RESULT_FIELDS,
                    "valid_only",
                    "created_count",
                    "updated_count",
                    "unchanged_count",
                ]
            )
            audit.record(
                actor=actor,
                action=AuditLog.Action.UPDATE,
                instance=job,
                changes={
                    "status": [ImportJob.Status.PREVIEWED.value, ImportJob.Status.DONE.value],
                    "created_count": [0, counts[0]],
                    "updated_count": [0, counts[1]],
                    "unchanged_count": [0, counts[2]],
                    "valid_only": [None, valid_only],
                },
                organisation=organisation,
                note=job.message,
            )
    except _Refused as refused:
        _store_validation(job, refused.result)
        job.status = ImportJob.Status.PREVIEWED
        job.message = " ".join(refused.error.messages)[:500]
        job.save(update_fields=JOB_RESULT_FIELDS)
        raise refused.error from None
    finally:
        clear_progress(job.pk)
    return job


def _write(*, actor: Any, job: ImportJob, result: Validation) -> tuple[int, int, int]:
    """Upsert the valid rows in batches, scores computed before writing (one write per row)."""
    organisation = job.organisation
    total = len(result.valid)
    now = timezone.now()
    lexicon = current_lexicon()
    to_create: list[Patent] = []
    to_update: list[tuple[Patent, dict[str, list[Any]]]] = []
    unchanged = 0
    for row_data in result.valid:
        data = row_data[1]
        number = data["application_number"]
        action = result.actions[number]
        if action == "create":
            patent = Patent(owner=organisation, **data)
            patent.search_text = patent_services.search_text_for(patent, lexicon)
            to_create.append(patent)
        elif action == "update":
            patent = result.existing[number]
            before = audit.snapshot(patent, data.keys())
            for key, value in data.items():
                setattr(patent, key, value)
            patent.search_text = patent_services.search_text_for(patent, lexicon)
            patent.updated_at = now
            to_update.append((patent, audit.diff(before, audit.snapshot(patent, data.keys()))))
        else:
            unchanged += 1
    patent_services.patents_score([*to_create, *(p for p, _c in to_update)])
    done = unchanged
    for start in range(0, len(to_create), BATCH_SIZE):
        batch = to_create[start : start + BATCH_SIZE]
        Patent.objects.bulk_create(batch)
        done += len(batch)
        set_progress(job.pk, "importing", done, total)
    # One UPDATE per changed patent, of its changed columns only: Django's bulk_update builds a
    # CASE per column and row, several times slower for wide rows.
    for patent, changes in to_update:
        columns = [*changes, "search_text", "updated_at", *patent_services.SCORE_FIELDS]
        Patent.objects.filter(pk=patent.pk).update(**{name: getattr(patent, name) for name in columns})
        done += 1
        if done % PROGRESS_EVERY == 0:
            set_progress(job.pk, "importing", done, total)
    # Some databases do not return the new primary keys from bulk_create: read them back.
    created_numbers = [p.application_number for p in to_create]
    created: list[Patent] = []
    for start in range(0, len(created_numbers), BATCH_SIZE):
        created.extend(
            Patent.objects.filter(
                owner=organisation, application_number__in=created_numbers[start : start + BATCH_SIZE]
            ).only("pk", "title", "application_number", *patent_services.PATENT_FIELDS)
        )
    AuditLog.objects.bulk_create(
        _audit_rows(actor=actor, job=job, created=created, updated=to_update), batch_size=BATCH_SIZE
    )
    return len(created), len(to_update), unchanged


def import_cancel(*, actor: Any, job: ImportJob) -> ImportJob:
    """Abandon an import before it is written; the stored file is deleted."""
    patent_services.require_edit_patents(actor, job.organisation)
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().select_related("organisation").get(pk=job.pk)
        if job.status not in (ImportJob.Status.QUEUED, ImportJob.Status.PREVIEWED, ImportJob.Status.FAILED):
            raise ValidationError(
                _("该导入任务当前为“%(status)s”，不能取消。") % {"status": job.get_status_display()},
                code="status",
            )
        before = job.status
        job.status = ImportJob.Status.CANCELLED
        job.save(update_fields=["status", "updated_at"])
        audit.record(
            actor=actor,
            action=AuditLog.Action.UPDATE,
            instance=job,
            changes={"status": [before, job.status]},
            organisation=job.organisation,
            note=_("取消导入"),
        )
        stored = job.file.name
        transaction.on_commit(lambda: job.file.storage.delete(stored) if stored else None)
    clear_progress(job.pk)
    return job
