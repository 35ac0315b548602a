"""Months, month grids and per-month counts for the follow-up calendar and the work-team pages:
pure functions over plain dates, no ORM."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
# The years a month parameter may name: enough for any follow-up, small enough for date().
FIRST_YEAR, LAST_YEAR = 2000, 2100


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def of(cls, day: datetime.date) -> Month:
        return cls(day.year, day.month)

    @classmethod
    def parse(cls, text: str | None) -> Month | None:
        """Read "2026-11" (or "2026-1") as a month; None for anything else."""
        found = _MONTH.match((text or "").strip())
        if found is None:
            return None
        year, month = int(found.group(1)), int(found.group(2))
        if not (FIRST_YEAR <= year <= LAST_YEAR and 1 <= month <= 12):
            return None
        return cls(year, month)

    @property
    def first(self) -> datetime.date:
        return datetime.date(self.year, self.month, 1)

    @property
    def last(self) -> datetime.date:
        return self.shifted(1).first - datetime.timedelta(days=1)

    def shifted(self, months: int) -> Month:
        index = self.year * 12 + (self.month - 1) + months
        return Month(index // 12, index % 12 + 1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@dataclass
class Day(Generic[T]):
    date: datetime.date
    in_month: bool
    is_today: bool
    is_past: bool
    items: list[T] = field(default_factory=list)


def grid_bounds(month: Month) -> tuple[datetime.date, datetime.date]:
    """The first and last day the grid shows: whole weeks, Monday first, around the month."""
    start = month.first - datetime.timedelta(days=month.first.weekday())
    end = month.last + datetime.timedelta(days=6 - month.last.weekday())
    return start, end


def month_grid(
    month: Month, items: Iterable[tuple[datetime.date, T]], today: datetime.date
) -> list[list[Day[T]]]:
    """The month as weeks of seven days (Monday first), each day holding its items in the order
    given. Items dated outside the grid are left out."""
    start, end = grid_bounds(month)
    days: list[Day[T]] = []
    by_date: dict[datetime.date, Day[T]] = {}
    current = start
    while current <= end:
        day: Day[T] = Day(
            date=current,
            in_month=current.month == month.month and current.year == month.year,
            is_today=current == today,
            is_past=current < today,
        )
        days.append(day)
        by_date[current] = day
        current += datetime.timedelta(days=1)
    for date, item in items:
        if date in by_date:
            by_date[date].items.append(item)
    return [days[i : i + 7] for i in range(0, len(days), 7)]


def last_months(today: datetime.date, count: int = 12) -> list[Month]:
    """The `count` months up to and including today's, oldest first."""
    this = Month.of(today)
    return [this.shifted(-offset) for offset in range(count - 1, -1, -1)]


@dataclass(frozen=True)
class MonthCounts:
    month: Month
    engagements: int
    results: int  # distinct results discussed in the month's engagements
    needs: int  # distinct needs discussed in the month's engagements
    projects: int  # transfer projects opened in the month


def counts_by_month(
    months: Sequence[Month],
    engagements: Iterable[datetime.date],
    results: Iterable[tuple[datetime.date, int]],
    needs: Iterable[tuple[datetime.date, int]],
    projects: Iterable[datetime.date],
) -> list[MonthCounts]:
    """One row per month in `months` order. `results` and `needs` are (engagement date, record id)
    pairs: a record discussed twice in a month counts once there."""
    wanted = set(months)
    engagement_n: dict[Month, int] = dict.fromkeys(months, 0)
    project_n: dict[Month, int] = dict.fromkeys(months, 0)
    result_ids: dict[Month, set[int]] = {m: set() for m in months}
    need_ids: dict[Month, set[int]] = {m: set() for m in months}
    for day in engagements:
        if (m := Month.of(day)) in wanted:
            engagement_n[m] += 1
    for day in projects:
        if (m := Month.of(day)) in wanted:
            project_n[m] += 1
    for pairs, ids in ((results, result_ids), (needs, need_ids)):
        for day, pk in pairs:
            if (m := Month.of(day)) in wanted:
                ids[m].add(pk)
    return [
        MonthCounts(m, engagement_n[m], len(result_ids[m]), len(need_ids[m]), project_n[m]) for m in months
    ]
