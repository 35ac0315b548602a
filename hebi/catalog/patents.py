"""Chinese patent application numbers and the patent value score. Pure functions, no ORM.

Application numbers (专利申请号), as CNIPA has issued them:
- since 1 October 2003: 12 digits + check character, e.g. 201910123451.7 —
  4-digit filing year, 1 type digit, 7-digit serial;
- 1985 to 2003: 8 digits + check character, e.g. 95115608.X —
  2-digit year, 1 type digit, 5-digit serial.
Type digit: 1 invention, 2 utility model, 3 design, 8 PCT invention entering China,
9 PCT utility model entering China.

Check character: multiply the digits left to right by 2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5 (the
8-digit form uses 2…9), sum, take the remainder mod 11; a remainder of 10 is written "X".
Verified against public descriptions before relying on it:
- the worked example 201710601862.3 (sum 157, 157 mod 11 = 3) at
  http://dfrtw.com/zhuanlichaxun/31487.html ("国家专利号中,点后面的数字是怎么计算出");
- the 8-digit example ZL95115608.X (sum 186, remainder 10 → X) at
  http://chengju.com/wenhua/33720.html and the 2…9 weights at https://www.tjnenfu.com/sb/133314.html;
- the same weights cycling 2…9 and "remainder 10 = X" in the open-source validator
  yutian1012/migrate-core (src/main/java/com/ipph/migratecore/util/PatentValidationUtil.java).
Our tests pin both published examples.

The value score follows the three dimensions of the 2024 national 存量专利盘活 work (legal,
technical, economic value). Indicators, their rules and weights are reference data
(PatentValueIndicator, loaded from data/patent_indicators.json); each rule below turns one
recorded fact into 0–100 points, and the result keeps every part for display.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# -- application numbers -----------------------------------------------------------------------
WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
FIRST_YEAR_OLD_FORM = 1985
FIRST_YEAR_NEW_FORM = 2003
LAST_YEAR_OLD_FORM = 2003

KIND_BY_TYPE_DIGIT = {
    "1": "invention",
    "8": "invention",
    "2": "utility",
    "9": "utility",
    "3": "design",
}

_PREFIX = re.compile(r"^(?:ZL|CN)+")
_SHAPE = re.compile(r"^(\d{8}|\d{12})\.?([0-9X])?$")
_PUBLICATION = re.compile(r"^(?:CN)?\d{6,10}[A-Z]?\d?$")


class ApplicationNumberError(ValidationError):
    """A malformed number. A ValidationError, so forms and services show it as it is; `str(error)`
    is the message for the person who typed it."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message, code=code)

    def __str__(self) -> str:
        return self.messages[0]


@dataclass(frozen=True)
class ApplicationNumber:
    body: str  # the 8 or 12 digits before the check character
    check: str
    year: int
    type_digit: str
    serial: str

    @property
    def canonical(self) -> str:
        return f"{self.body}.{self.check}"

    @property
    def kind(self) -> str:
        return KIND_BY_TYPE_DIGIT[self.type_digit]

    @property
    def is_pct(self) -> bool:
        return self.type_digit in ("8", "9")


def check_character(body: str) -> str:
    """The check character of the 8 or 12 digits of an application number."""
    if not body.isdigit() or len(body) not in (8, 12):
        raise ValueError("body must be 8 or 12 digits")
    remainder = sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=False)) % 11
    return "X" if remainder == 10 else str(remainder)


def compact(raw: Any) -> str:
    """Full-width to half-width, upper case, spaces and prefixes (ZL, CN) removed."""
    text = unicodedata.normalize("NFKC", str(raw or "")).upper().replace("。", ".")
    text = re.sub(r"[\s\u00a0\u3000\-_/]", "", text)
    return _PREFIX.sub("", text)


def parse_application_number(raw: Any, *, today: datetime.date | None = None) -> ApplicationNumber:
    """Parse and verify an application number; raise ApplicationNumberError saying what is wrong."""
    text = compact(raw)
    if not text:
        raise ApplicationNumberError(_("申请号不能为空。"), "empty")
    # "2019101234517" (no dot) is the 12 digits and the check character written together.
    if "." not in text and len(text) in (9, 13) and text[:-1].isdigit():
        text = f"{text[:-1]}.{text[-1]}"
    match = _SHAPE.match(text)
    if not match:
        raise ApplicationNumberError(
            _(
                "申请号格式不正确：应为 12 位数字加校验位（如 201910123451.7），"
                "或 2003 年以前的 8 位数字加校验位（如 95115608.X）。"
            ),
            "format",
        )
    body, check = match.group(1), match.group(2)
    if check is None:
        raise ApplicationNumberError(_("申请号缺少校验位（小数点后的一位数字或 X）。"), "check_missing")
    this_year = (today or datetime.date.today()).year
    if len(body) == 12:
        year, type_digit, serial = int(body[:4]), body[4], body[5:]
        if not FIRST_YEAR_NEW_FORM <= year <= this_year:
            raise ApplicationNumberError(
                _("申请号中的年份 %(year)s 不正确（12 位申请号自 2003 年起使用）。") % {"year": year}, "year"
            )
    else:
        two = int(body[:2])
        year = 1900 + two if two >= 85 else 2000 + two
        type_digit, serial = body[2], body[3:]
        if not FIRST_YEAR_OLD_FORM <= year <= LAST_YEAR_OLD_FORM:
            raise ApplicationNumberError(
                _("申请号中的年份 %(year)s 不正确（8 位申请号用于 1985 至 2003 年）。") % {"year": year},
                "year",
            )
    if type_digit not in KIND_BY_TYPE_DIGIT:
        raise ApplicationNumberError(
            _("申请号中的专利类型代码 %(digit)s 不正确（应为 1、2、3、8 或 9）。") % {"digit": type_digit},
            "type",
        )
    expected = check_character(body)
    if check != expected:
        raise ApplicationNumberError(
            _("申请号校验位错误：%(body)s 的校验位应为 %(expected)s，而不是 %(actual)s。")
            % {"body": body, "expected": expected, "actual": check},
            "check",
        )
    return ApplicationNumber(body=body, check=check, year=year, type_digit=type_digit, serial=serial)


def normalise_application_number(raw: Any) -> str:
    """The stored form, e.g. "ZL 2019１01234517" → "201910123451.7"; raises ApplicationNumberError."""
    return parse_application_number(raw).canonical


def normalise_publication_number(raw: Any) -> str:
    """A publication (grant) number such as CN110123456A, compacted; "" when blank."""
    text = re.sub(r"[\s\u00a0\u3000]", "", unicodedata.normalize("NFKC", str(raw or "")).upper())
    if not text:
        return ""
    if not _PUBLICATION.match(text):
        raise ApplicationNumberError(_("公开（公告）号格式不正确，应如 CN110123456A。"), "publication_format")
    return text if text.startswith("CN") else f"CN{text}"


_IPC_CODE = re.compile(r"^[A-H]\d{2}[A-Z](?:\d{1,4}/\d{1,6})?$")
_IPC_GROUP = re.compile(r"^\d{1,4}/\d{1,6}$")


def split_ipc(raw: Any) -> list[str]:
    """IPC codes from text such as "B60L 58/12; H01M10/052，G01R"; "B60L 58/12" stays one code
    ("B60L58/12"). Duplicates dropped, order kept."""
    pieces = raw if isinstance(raw, list | tuple) else [raw]
    tokens: list[str] = []
    for piece in pieces:
        text = unicodedata.normalize("NFKC", str(piece or "")).upper()
        tokens.extend(t for t in re.split(r"[;；,，、\s]+", text) if t)
    codes: list[str] = []
    for token in tokens:
        if _IPC_GROUP.match(token) and codes and len(codes[-1]) == 4:
            codes[-1] += token
        else:
            codes.append(token)
    return list(dict.fromkeys(codes))


def is_ipc_code(code: str) -> bool:
    return bool(_IPC_CODE.match(code))


# -- value score --------------------------------------------------------------------------------
DIMENSIONS = ("legal", "technical", "economic")
ONE_PLACE = Decimal("0.1")
HUNDRED = Decimal(100)
# Statutory terms from the filing date (专利法 第四十二条); designs filed from 2021-06-01 on
# get 15 years under the fourth amendment, earlier ones 10.
TERM_YEARS = {"invention": 20, "utility": 10, "design": 15}
DESIGN_15_YEARS_FROM = datetime.date(2021, 6, 1)
LOCAL_REGION_PREFIX = "2201"  # 长春市 (GB/T 2260)
PROVINCE_PREFIX = "22"  # 吉林省

LEGAL_STATUS_POINTS = {
    "granted": 100,
    "pending": 60,
    "lapsed": 10,
    "expired": 0,
    "rejected": 0,
    "withdrawn": 0,
}
KIND_POINTS = {"invention": 100, "utility": 60, "design": 40}
ALIVE = ("granted", "pending")


@dataclass(frozen=True)
class IndicatorSpec:
    code: str
    dimension: str
    name: str
    rule: str
    weight: Decimal
    is_active: bool = True


@dataclass(frozen=True)
class PatentFacts:
    """What is recorded about a patent, as plain values. None means "not recorded"."""

    kind: str | None = None
    legal_status: str | None = None
    application_date: datetime.date | None = None
    claims_count: int | None = None
    ipc_codes: tuple[str, ...] = ()
    linked_trls: tuple[int, ...] = ()
    feedback: Mapping[str, int] = field(default_factory=dict)  # {"high": n, "medium": n, "none": n}
    owner_region_code: str | None = None


@dataclass(frozen=True)
class ScorePart:
    code: str
    dimension: str
    name: str
    rule: str
    fact: str  # the recorded fact, as shown to a reader
    points: Decimal  # 0–100
    weight: Decimal  # normalised within its dimension
    missing: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "dimension": self.dimension,
            "name": self.name,
            "rule": self.rule,
            "fact": self.fact,
            "points": str(self.points),
            "weight": str(self.weight),
            "missing": self.missing,
        }


@dataclass(frozen=True)
class PatentScore:
    legal: Decimal | None
    technical: Decimal | None
    economic: Decimal | None
    total: Decimal | None
    parts: tuple[ScorePart, ...]

    def dimension(self, name: str) -> Decimal | None:
        value: Decimal | None = getattr(self, name)
        return value

    def parts_as_json(self) -> list[dict[str, Any]]:
        return [part.as_dict() for part in self.parts]


Rule = Callable[[PatentFacts, datetime.date], tuple[Decimal, str, bool]]


def _points(value: float | int | Decimal) -> Decimal:
    return max(Decimal(0), min(HUNDRED, Decimal(value))).quantize(ONE_PLACE, ROUND_HALF_UP)


ZERO = Decimal("0.0")


def _missing() -> tuple[Decimal, str, bool]:
    return ZERO, _("未登记"), True


def _legal_status(facts: PatentFacts, today: datetime.date) -> tuple[Decimal, str, bool]:
    if not facts.legal_status:
        return _missing()
    return _points(LEGAL_STATUS_POINTS.get(facts.legal_status, 0)), _status_label(facts.legal_status), False


def _term_end(kind: str, filed: datetime.date) -> datetime.date:
    years = TERM_YEARS[kind]
    if kind == "design" and filed < DESIGN_15_YEARS_FROM:
        years = 10
    try:
        return filed.replace(year=filed.year + years)
    except ValueError:  # 29 February
        return filed.replace(year=filed.year + years, day=28)


def _remaining_term(facts: PatentFacts, today: datetime.date) -> tuple[Decimal, str, bool]:
    if not facts.application_date or not facts.kind or facts.kind not in TERM_YEARS:
        return _missing()
    if facts.legal_status and facts.legal_status not in ALIVE:
        return (
            ZERO,
            _("已不在保护期（%(status)s）") % {"status": _status_label(facts.legal_status)},
            False,
        )
    end = _term_end(facts.kind, facts.application_date)
    total_days = (end - facts.application_date).days
    left = max(0, (end - today).days)
    fact = _("剩余约 %(years)s 年（至 %(end)s）") % {
        "years": (Decimal(left) / Decimal("365.25")).quantize(ONE_PLACE, ROUND_HALF_UP),
        "end": end.isoformat(),
    }
    return _points(Decimal(left) * HUNDRED / Decimal(total_days)), fact, False


def _claims_count(facts: PatentFacts, today: datetime.date) -> tuple[Decimal, str, bool]:
    if facts.claims_count is None:
        return _missing()
    # Ten or more claims earn full points: broader protection, more room in negotiation.
    return _points(min(facts.claims_count, 10) * 10), _("%(n)d 项") % {"n": facts.claims_count}, False


def _patent_kind(facts: PatentFacts, today: datetime.date) -> tuple[Decimal, str, bool]:
    if not facts.kind:
        return _missing()
    return _points(KIND_POINTS.get(facts.kind, 0)), _kind_label(facts.kind), False


def ipc_subclasses(codes: Sequence[str]) -> list[str]:
    """Distinct IPC subclasses (e.g. "B60L") of a list of IPC codes, in order of appearance."""
    seen: list[str] = []
    for code in codes:
        subclass = re.sub(r"\s", "", str(code)).upper()[:4]
        if len(subclass) == 4 and subclass not in seen:
            seen.append(subclass)
    return seen


def _ipc_breadth(facts: PatentFacts, today: datetime.date) -> tuple[Decimal, str, bool]:
    subclasses = ipc_subclasses(facts.ipc_codes)
    if not subclasses:
        return _missing()
    points = {1: 40, 2: 70}.get(len(subclasses), 100)
    fact = _("%(n)d 个小类：%(list)s") % {"n": len(subclasses), "list": "、".join(subclasses)}
    return _points(points), fact, False


def _linked_trl(facts: PatentFacts, today: datetime.date) -> tuple[Decimal, str, bool]:
    if not facts.linked_trls:
        return ZERO, _("未登记（无关联成果）"), True
    best = max(facts.linked_trls)
    return _points(Decimal(best) * HUNDRED / 9), _("关联成果最高 TRL %(trl)d") % {"trl": best}, False


def _enterprise_interest(facts: PatentFacts, today: datetime.date) -> tuple[Decimal, str, bool]:
    high = int(facts.feedback.get("high", 0))
    medium = int(facts.feedback.get("medium", 0))
    none = int(facts.feedback.get("none", 0))
    if high + medium + none == 0:
        return ZERO, _("未登记（尚无企业反馈）"), True
    # Two enterprises with a firm intention, or four willing to learn more, earn full points.
    fact = _("%(high)d 家有明确意向，%(medium)d 家可进一步了解，%(none)d 家暂无需求") % {
        "high": high,
        "medium": medium,
        "none": none,
    }
    return _points(high * 50 + medium * 25), fact, False


def _local_fit(facts: PatentFacts, today: datetime.date) -> tuple[Decimal, str, bool]:
    code = facts.owner_region_code
    if not code:
        return _missing()
    if code.startswith(LOCAL_REGION_PREFIX):
        return _points(100), _("权利人位于长春市（%(code)s）") % {"code": code}, False
    if code.startswith(PROVINCE_PREFIX):
        return _points(60), _("权利人位于吉林省（%(code)s）") % {"code": code}, False
    return _points(20), _("权利人位于省外（%(code)s）") % {"code": code}, False


RULES: dict[str, Rule] = {
    "legal_status": _legal_status,
    "remaining_term": _remaining_term,
    "claims_count": _claims_count,
    "patent_kind": _patent_kind,
    "ipc_breadth": _ipc_breadth,
    "linked_trl": _linked_trl,
    "enterprise_interest": _enterprise_interest,
    "local_fit": _local_fit,
}


def _status_label(value: str) -> str:
    labels = {
        "pending": _("审中"),
        "granted": _("有效（已授权）"),
        "lapsed": _("失效"),
        "expired": _("期满终止"),
        "rejected": _("驳回"),
        "withdrawn": _("撤回"),
    }
    return labels.get(value, value)


def _kind_label(value: str) -> str:
    return {"invention": _("发明"), "utility": _("实用新型"), "design": _("外观设计")}.get(value, value)


def score_patent(
    facts: PatentFacts, indicators: Sequence[IndicatorSpec], today: datetime.date
) -> PatentScore:
    """Score a patent 0–100 in each dimension and overall, keeping every part.

    Dimension score: weighted mean of its active indicators' points, weights normalised within
    the dimension. Total: the plain mean of the dimensions that have active indicators."""
    active = [i for i in indicators if i.is_active and i.weight > 0]
    parts: list[ScorePart] = []
    dimension_scores: dict[str, Decimal | None] = {}
    for dimension in DIMENSIONS:
        members = [i for i in active if i.dimension == dimension]
        weight_sum = sum((i.weight for i in members), Decimal(0))
        if not members:
            dimension_scores[dimension] = None
            continue
        weighted = Decimal(0)
        for spec in members:
            rule = RULES.get(spec.rule)
            if rule is None:
                points, fact, missing = ZERO, _("未知计算规则 %(rule)s") % {"rule": spec.rule}, True
            else:
                points, fact, missing = rule(facts, today)
            weight = (spec.weight / weight_sum).quantize(Decimal("0.001"), ROUND_HALF_UP)
            weighted += points * spec.weight / weight_sum
            parts.append(
                ScorePart(
                    code=spec.code,
                    dimension=dimension,
                    name=spec.name,
                    rule=spec.rule,
                    fact=fact,
                    points=points,
                    weight=weight,
                    missing=missing,
                )
            )
        dimension_scores[dimension] = weighted.quantize(ONE_PLACE, ROUND_HALF_UP)
    present = [v for v in dimension_scores.values() if v is not None]
    total = (sum(present, Decimal(0)) / len(present)).quantize(ONE_PLACE, ROUND_HALF_UP) if present else None
    return PatentScore(
        legal=dimension_scores["legal"],
        technical=dimension_scores["technical"],
        economic=dimension_scores["economic"],
        total=total,
        parts=tuple(parts),
    )
