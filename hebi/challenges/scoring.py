"""Scores: checking one expert's sheet against the rubric, aggregating a panel, ranking. Pure."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

# With at least this many scores the highest and the lowest are dropped (去掉一个最高分和一个最低分).
TRIM_FROM = 5
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Criterion:
    code: str
    name: str
    max_score: Decimal


@dataclass(frozen=True)
class Aggregate:
    score: Decimal | None  # None when nobody scored
    count: int
    dropped_high: Decimal | None
    dropped_low: Decimal | None

    @property
    def trimmed(self) -> bool:
        return self.dropped_high is not None


class SheetError(ValueError):
    """Bad score sheet: `errors` maps a criterion code (or "__all__") to a message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def check_sheet(criteria: Sequence[Criterion], items: Mapping[str, Any]) -> tuple[dict[str, str], Decimal]:
    """Each criterion scored once, between 0 and its maximum, in steps of 0.5.

    Returns the clean items ({code: "12.5"}) and the total; raises SheetError naming each bad item.
    """
    errors: dict[str, str] = {}
    clean: dict[str, str] = {}
    total = Decimal(0)
    known = {c.code for c in criteria}
    unknown = sorted(set(items) - known)
    if unknown:
        errors["__all__"] = _("评分表中有不属于本指标体系的项：%(items)s") % {"items": "、".join(unknown)}
    for criterion in criteria:
        raw = items.get(criterion.code)
        if raw is None or str(raw).strip() == "":
            errors[criterion.code] = _("请为“%(name)s”打分。") % {"name": criterion.name}
            continue
        try:
            value = Decimal(str(raw).strip())
        except (InvalidOperation, ValueError):
            errors[criterion.code] = _("“%(name)s”的分数应为数字。") % {"name": criterion.name}
            continue
        if not value.is_finite() or value < 0 or value > criterion.max_score:
            errors[criterion.code] = _("“%(name)s”的分数应在 0 到 %(max)s 之间。") % {
                "name": criterion.name,
                "max": f"{Decimal(criterion.max_score).normalize():f}",
            }
            continue
        if (value * 2) != (value * 2).to_integral_value():
            errors[criterion.code] = _("“%(name)s”的分数以 0.5 分为单位。") % {"name": criterion.name}
            continue
        clean[criterion.code] = f"{value.normalize():f}"
        total += value
    if errors:
        raise SheetError(errors)
    return clean, total.quantize(CENT)


def aggregate(totals: Sequence[Decimal], *, trim_from: int = TRIM_FROM) -> Aggregate:
    """The panel's score of one application: the mean, without the highest and lowest when n ≥ trim_from."""
    values = sorted(Decimal(t) for t in totals)
    if not values:
        return Aggregate(score=None, count=0, dropped_high=None, dropped_low=None)
    if len(values) >= trim_from:
        kept = values[1:-1]
        high, low = values[-1], values[0]
    else:
        kept, high, low = values, None, None
    mean = (sum(kept, Decimal(0)) / len(kept)).quantize(CENT, rounding=ROUND_HALF_UP)
    return Aggregate(score=mean, count=len(values), dropped_high=high, dropped_low=low)


def rank(scores: Mapping[Hashable, Decimal | None]) -> dict[Hashable, int | None]:
    """Competition ranking (1, 2, 2, 4) by score, highest first; unscored items get None."""
    ordered = sorted(
        ((s, k) for k, s in scores.items() if s is not None), key=lambda pair: pair[0], reverse=True
    )
    ranks: dict[Hashable, int | None] = {k: None for k, s in scores.items() if s is None}
    previous: Decimal | None = None
    position = 0
    for index, (score, key) in enumerate(ordered, start=1):
        if score != previous:
            position = index
            previous = score
        ranks[key] = position
    return ranks


def majority(verdicts: Sequence[str]) -> str | None:
    """The verdict most experts gave ("pass"/"extend"/"fail"); a tie leans to the stricter one."""
    if not verdicts:
        return None
    strictness = {"fail": 0, "extend": 1, "pass": 2}
    counts: dict[str, int] = {}
    for v in verdicts:
        counts[v] = counts.get(v, 0) + 1
    return min(counts, key=lambda v: (-counts[v], strictness.get(v, 3)))
