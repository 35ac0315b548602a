"""Reading an import file: size check, content sniffing, decoding, reading the rows of a CSV or
.xlsx file, and mapping its header row to the columns we store."""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MAX_ROWS = 100_000
# A 30 MB workbook may hold a few hundred MB of XML; more than this is a zip bomb.
MAX_UNCOMPRESSED_FACTOR = 15
FORMULA_CELLS_SHOWN = 5


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
