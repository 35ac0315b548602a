"""Time spent per stage of the transfer pipeline (the "缩短时间差" KPI), as pure functions over
plain data: no ORM, easy to test and to reuse in reports."""

from __future__ import annotations

import datetime
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

SECONDS_PER_DAY = 86400


@dataclass(frozen=True)
class PeriodFacts:
    """One stay of one project in one stage; `left_at` is None while the project is still there."""

    project_id: int
    stage: str
    entered_at: datetime.datetime
    left_at: datetime.datetime | None


@dataclass(frozen=True)
class StageTime:
    stage: str
    finished: int  # stays that ended (the project moved on, back, or stopped)
    ongoing: int  # projects in the stage now
    mean_days: float | None  # over finished stays
    median_days: float | None  # over finished stays
    longest_ongoing_days: float | None


def _days(start: datetime.datetime, end: datetime.datetime) -> float:
    return max((end - start).total_seconds(), 0.0) / SECONDS_PER_DAY


def stage_times(
    periods: Iterable[PeriodFacts], stages: Sequence[str], now: datetime.datetime
) -> list[StageTime]:
    """One row per stage in `stages` order. Finished stays give the mean and the median; the
    stays still open are counted apart (their time is not over yet) with the longest of them,
    which is where a stuck deal shows."""
    finished: dict[str, list[float]] = {stage: [] for stage in stages}
    ongoing: dict[str, list[float]] = {stage: [] for stage in stages}
    for period in periods:
        if period.stage not in finished:
            continue
        if period.left_at is None:
            ongoing[period.stage].append(_days(period.entered_at, now))
        else:
            finished[period.stage].append(_days(period.entered_at, period.left_at))
    rows = []
    for stage in stages:
        done, open_ = finished[stage], ongoing[stage]
        rows.append(
            StageTime(
                stage=stage,
                finished=len(done),
                ongoing=len(open_),
                mean_days=round(statistics.fmean(done), 1) if done else None,
                median_days=round(statistics.median(done), 1) if done else None,
                longest_ongoing_days=round(max(open_), 1) if open_ else None,
            )
        )
    return rows


def days_per_stage(periods: Iterable[PeriodFacts], now: datetime.datetime) -> dict[str, float]:
    """One project's total days per stage (a stage visited twice adds up)."""
    totals: dict[str, float] = {}
    for period in periods:
        totals[period.stage] = totals.get(period.stage, 0.0) + _days(period.entered_at, period.left_at or now)
    return {stage: round(days, 1) for stage, days in totals.items()}
