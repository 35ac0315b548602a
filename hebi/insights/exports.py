"""The transfer report as an Excel workbook: one sheet per table, a header row with the units,
numbers stored as numbers (amounts in yuan, to the fen), and a first sheet saying what it is."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from hebi.insights.reports import COUNT, DAYS, FLAG, SHARE, YUAN, Table, TransferReport

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NUMBER_FORMATS = {YUAN: "#,##0.00", COUNT: "0", DAYS: "0.0", SHARE: "0.00"}
# Characters Excel refuses in a sheet name; names are at most 31 characters.
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def _sheet_name(title: str, used: set[str]) -> str:
    name = _BAD_SHEET_CHARS.sub("", title)[:31] or "Sheet"
    base, n = name, 2
    while name in used:
        suffix = f" {n}"
        name = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(name)
    return name


def plain_text(value: Any) -> Any:
    """Text that a spreadsheet would read as a formula (=, +, -, @ first) is kept as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def _cell_value(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == SHARE:
        return float(Decimal(value) * 100)  # a percentage, as the header says
    if kind == FLAG:
        return _("是") if value else _("否")
    if kind == YUAN:
        return Decimal(value)
    return plain_text(value)


def _write_table(workbook: Workbook, table: Table, used: set[str]) -> None:
    sheet = workbook.create_sheet(_sheet_name(table.title, used))
    sheet.append([column.heading for column in table.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        sheet.append([_cell_value(column.kind, row.values.get(column.key)) for column in table.columns])
        if row.is_total:
            for cell in sheet[sheet.max_row]:
                cell.font = Font(bold=True)
    for index, column in enumerate(table.columns, start=1):
        letter = get_column_letter(index)
        fmt = NUMBER_FORMATS.get(column.kind)
        if fmt:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = fmt
        sheet.column_dimensions[letter].width = max(12, min(40, len(column.heading) * 2 + 2))
    sheet.freeze_panes = "B2"
    if table.note:
        sheet.append([])
        sheet.append([table.note])


def transfer_workbook(report: TransferReport, tables: list[Table]) -> bytes:
    workbook = Workbook()
    about = workbook.active
    assert about is not None
    used: set[str] = set()
    about.title = _sheet_name(_("说明"), used)
    about.append([_("技术合同与转化项目统计")])
    about["A1"].font = Font(bold=True, size=14)
    about.append([_("年度"), report.year])
    about.append([_("统计范围"), plain_text(report.scope_label)])
    about.append([_("生成时间"), timezone.localtime(report.now).strftime("%Y-%m-%d %H:%M")])
    about.append(
        [_("口径"), _("技术合同按登记时间计入年度，金额取生效（最新已登记）版本；转化项目按立项年度统计。")]
    )
    about.append([_("单位"), _("金额单位为元；占比为百分数；天数保留一位小数。")])
    about.column_dimensions["A"].width = 14
    about.column_dimensions["B"].width = 80
    for table in tables:
        _write_table(workbook, table, used)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
