"""Per-row cleaning and validation of an import: cell values, required fields, duplicate
application numbers, patents registered by another organisation, and the capped error list."""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hebi.catalog import patent_services
from hebi.catalog.imports.reading import COLUMN_BY_FIELD, COLUMNS, HeaderMap, Table, map_header
from hebi.catalog.models import Patent
from hebi.core import audit
from hebi.orgs.models import Organisation

MAX_STORED_ERRORS = 500
PREVIEW_ROWS = 20
PROGRESS_EVERY = 200
BATCH_SIZE = 500

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
