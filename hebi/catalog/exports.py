"""Any filtered list to CSV or Excel. Protected (confidential) details are never exported."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from hebi.catalog.models import TransferMode

MAX_ROWS = 50_000
# A cell starting with one of these is a formula to a spreadsheet: prefix it so it stays text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Table:
    header: list[str]
    rows: Iterable[list[Any]]


def _safe(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def achievement_table(queryset: Any) -> Table:
    modes = dict(TransferMode.choices)

    def rows() -> Iterator[list[Any]]:
        for a in queryset[:MAX_ROWS].iterator(chunk_size=1000):
            yield [
                a.pk,
                a.title,
                str(a.owner),
                str(a.field),
                a.trl,
                "、".join(str(modes.get(m, m)) for m in a.transfer_modes),
                a.get_price_kind_display(),
                a.price_min,
                a.price_max,
                a.get_visibility_display(),
                a.get_status_display(),
                "、".join(a.keywords),
                a.published_at.date().isoformat() if a.published_at else "",
                a.summary,
                a.source,
                a.source_licence,
            ]

    header = [
        _("编号"),
        _("成果名称"),
        _("所属机构"),
        _("技术领域"),
        _("技术成熟度"),
        _("转化方式"),
        _("报价方式"),
        _("价格/下限（元）"),
        _("价格上限（元）"),
        _("公开范围"),
        _("状态"),
        _("关键词"),
        _("发布日期"),
        _("成果简介"),
        _("数据来源"),
        _("数据许可"),
    ]
    return Table(header=[str(h) for h in header], rows=rows())


def need_table(queryset: Any) -> Table:
    def rows() -> Iterator[list[Any]]:
        for n in queryset[:MAX_ROWS].prefetch_related("indicators").iterator(chunk_size=1000):
            yield [
                n.pk,
                n.title,
                str(n.owner),
                str(n.field),
                "；".join(str(i) for i in n.indicators.all()),
                None if n.budget_negotiable else n.budget,
                _("是") if n.budget_negotiable else _("否"),
                n.get_ip_ownership_display(),
                n.deadline.isoformat() if n.deadline else "",
                n.get_cooperation_display(),
                n.min_trl or "",
                n.get_visibility_display(),
                n.get_status_display(),
                "、".join(n.keywords),
                n.published_at.date().isoformat() if n.published_at else "",
                n.description,
            ]

    header = [
        _("编号"),
        _("需求名称"),
        _("需求企业"),
        _("技术领域"),
        _("核心技术指标"),
        _("资金投入（元）"),
        _("预算面议"),
        _("产权归属"),
        _("研发时限"),
        _("合作方式"),
        _("期望成熟度"),
        _("公开范围"),
        _("状态"),
        _("关键词"),
        _("发布日期"),
        _("需求描述"),
    ]
    return Table(header=[str(h) for h in header], rows=rows())


def patent_table(queryset: Any) -> Table:
    def rows() -> Iterator[list[Any]]:
        for p in queryset.select_related("owner")[:MAX_ROWS].iterator(chunk_size=1000):
            yield [
                p.application_number,
                p.publication_number,
                p.title,
                str(p.owner),
                p.get_kind_display(),
                p.get_legal_status_display(),
                "; ".join(p.ipc_codes),
                "、".join(p.applicants),
                "、".join(p.inventors),
                p.application_date.isoformat() if p.application_date else "",
                p.grant_date.isoformat() if p.grant_date else "",
                p.get_stage_display(),
                p.tier,
                p.score_total,
            ]

    header = [
        _("申请号"), _("公开（公告）号"), _("专利名称"), _("权利人机构"), _("专利类型"), _("法律状态"),
        _("IPC 分类号"), _("申请人"), _("发明人"), _("申请日"), _("授权日"), _("盘活阶段"), _("推广层级"),
        _("综合价值分"),
    ]  # fmt: skip
    return Table(header=[str(h) for h in header], rows=rows())


class _Echo:
    def write(self, value: str) -> str:
        return value


def response(table: Table, *, fmt: str, filename: str) -> HttpResponse | StreamingHttpResponse:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        writer = csv.writer(_Echo())

        def lines() -> Iterator[str]:
            # The BOM lets Excel on Chinese Windows open the UTF-8 file correctly.
            yield "\ufeff" + writer.writerow(table.header)
            for row in table.rows:
                yield writer.writerow([_safe(v) for v in row])

        streaming = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        streaming["Content-Disposition"] = f'attachment; filename="{filename}-{stamp}.csv"'
        return streaming
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title="hebi")
    sheet.append(table.header)
    for row in table.rows:
        sheet.append([_safe(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    result = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    result["Content-Disposition"] = f'attachment; filename="{filename}-{stamp}.xlsx"'
    return result
