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


def median(values: Sequence[float]) -> float | None:
    """The middle value; for an even count, the mean of the two middle ones. None when empty."""
    if not values:
        return None
    return float(statistics.median(values))


def stay_days(start: datetime.datetime, end: datetime.datetime) -> float:
    return max((end - start).total_seconds(), 0.0) / SECONDS_PER_DAY


def days_by_stage(
    periods: Iterable[PeriodFacts], stages: Sequence[str], now: datetime.datetime
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """The days of every stay in `stages`, split into (finished stays, stays open up to `now`)."""
    finished: dict[str, list[float]] = {stage: [] for stage in stages}
    ongoing: dict[str, list[float]] = {stage: [] for stage in stages}
    for period in periods:
        if period.stage not in finished:
            continue
        if period.left_at is None:
            ongoing[period.stage].append(stay_days(period.entered_at, now))
        else:
            finished[period.stage].append(stay_days(period.entered_at, period.left_at))
    return finished, ongoing


def stage_times(
    periods: Iterable[PeriodFacts], stages: Sequence[str], now: datetime.datetime
) -> list[StageTime]:
    """One row per stage in `stages` order. Finished stays give the mean and the median; the
    stays still open are counted apart (their time is not over yet) with the longest of them,
    which is where a stuck deal shows."""
    finished, ongoing = days_by_stage(periods, stages, now)
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
        totals[period.stage] = totals.get(period.stage, 0.0) + stay_days(
            period.entered_at, period.left_at or now
        )
    return {stage: round(days, 1) for stage, days in totals.items()}
