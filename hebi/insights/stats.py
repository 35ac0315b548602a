"""The transfer reports' arithmetic, as pure functions over plain rows: no ORM, no request.

The selectors turn records into the rows below; everything here only counts and adds up, so
the figures can be checked by hand in the tests and reused by the page, the workbook and the API.
Money stays Decimal yuan; units for display are the caller's business.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from hebi.deals.timing import PeriodFacts, days_by_stage, median

ZERO = Decimal(0)


# -- contracts ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ContractFacts:
    """One registered contract as the statistics count it: the version in force, dated by the
    contract's (first) registration, placed by its first buyer's region."""

    contract_id: int
    category: str  # parent category code, e.g. "licence"
    subtype: str  # sub-type code, e.g. "licence_patent"
    total_amount: Decimal  # 合同成交额, yuan
    tech_amount: Decimal  # 技术交易额, yuan
    registered_on: datetime.date
    is_local: bool
    buyer_region: str  # region code of the buyer ("" when unknown)


@dataclass(frozen=True)
class ContractGroup:
    key: str
    label: str
    count: int
    total_amount: Decimal
    tech_amount: Decimal


@dataclass(frozen=True)
class ContractTotals:
    count: int
    total_amount: Decimal
    tech_amount: Decimal
    local_count: int
    local_total_amount: Decimal
    local_tech_amount: Decimal

    @property
    def local_share_count(self) -> Decimal | None:
        """Share of the contracts that are local conversions (a fraction, 0–1)."""
        return share(Decimal(self.local_count), Decimal(self.count))

    @property
    def local_share_amount(self) -> Decimal | None:
        """Share of the technology amount that stays in the city (a fraction, 0–1)."""
        return share(self.local_tech_amount, self.tech_amount)


def share(part: Decimal, whole: Decimal) -> Decimal | None:
    if not whole:
        return None
    return (part / whole).quantize(Decimal("0.0001"))


def contract_totals(rows: Iterable[ContractFacts]) -> ContractTotals:
    rows = list(rows)
    local = [row for row in rows if row.is_local]
    return ContractTotals(
        count=len(rows),
        total_amount=sum((row.total_amount for row in rows), ZERO),
        tech_amount=sum((row.tech_amount for row in rows), ZERO),
        local_count=len(local),
        local_total_amount=sum((row.total_amount for row in local), ZERO),
        local_tech_amount=sum((row.tech_amount for row in local), ZERO),
    )


def group_contracts(
    rows: Iterable[ContractFacts],
    key: Callable[[ContractFacts], str],
    labels: Mapping[str, str],
    order: Sequence[str] = (),
    keep_empty: bool = False,
) -> list[ContractGroup]:
    """Count and sum the contracts by `key`. Groups come in `order` first (all of them when
    `keep_empty`, so a chart keeps its axis), then any other key sorted; a key without a label
    shows as itself."""
    counts: dict[str, int] = {}
    totals: dict[str, Decimal] = {}
    techs: dict[str, Decimal] = {}
    for row in rows:
        k = key(row)
        counts[k] = counts.get(k, 0) + 1
        totals[k] = totals.get(k, ZERO) + row.total_amount
        techs[k] = techs.get(k, ZERO) + row.tech_amount
    keys = [k for k in order if keep_empty or k in counts]
    keys += sorted(k for k in counts if k not in keys)
    return [
        ContractGroup(
            key=k,
            label=labels.get(k, k),
            count=counts.get(k, 0),
            total_amount=totals.get(k, ZERO),
            tech_amount=techs.get(k, ZERO),
        )
        for k in keys
    ]


def by_category(
    rows: Iterable[ContractFacts], labels: Mapping[str, str], order: Sequence[str]
) -> list[ContractGroup]:
    """By contract category (技术开发, 技术转让 …), every category listed even when empty."""
    return group_contracts(rows, lambda row: row.category, labels, order, keep_empty=True)


def by_subtype(
    rows: Iterable[ContractFacts], labels: Mapping[str, str], order: Sequence[str]
) -> list[ContractGroup]:
    """By sub-type (委托开发, 专利实施许可 …), only those with contracts."""
    return group_contracts(rows, lambda row: row.subtype, labels, order)


def prefecture_code(region_code: str) -> str:
    """The prefecture-level region a code lies in: 220104 (朝阳区) → 220100 (长春市); 2201XQ
    (长春新区) → 220100; a province-level code stays itself."""
    code = (region_code or "").strip()
    if len(code) < 4:
        return code
    if code.endswith("0000"):
        return code
    return code[:4] + "00"


def by_region(rows: Iterable[ContractFacts], names: Mapping[str, str]) -> list[ContractGroup]:
    """By the buyer's prefecture (地市), the biggest technology amount first. `names`: region
    code → name, for the prefecture codes."""
    groups = group_contracts(rows, lambda row: prefecture_code(row.buyer_region), names)
    return sorted(groups, key=lambda group: (-group.tech_amount, -group.count, group.key))


def month_key(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def by_month(rows: Iterable[ContractFacts], year: int) -> list[ContractGroup]:
    """The twelve months of `year` by registration date, empty months included."""
    keys = [month_key(year, month) for month in range(1, 13)]
    in_year = [row for row in rows if row.registered_on.year == year]
    return group_contracts(
        in_year,
        lambda row: month_key(row.registered_on.year, row.registered_on.month),
        {k: k for k in keys},
        keys,
        keep_empty=True,
    )


LOCAL, NON_LOCAL = "local", "non_local"


def by_locality(rows: Iterable[ContractFacts], labels: Mapping[str, str]) -> list[ContractGroup]:
    """Local conversions (本地转化) and the rest, both always listed."""
    return group_contracts(
        rows, lambda row: LOCAL if row.is_local else NON_LOCAL, labels, (LOCAL, NON_LOCAL), keep_empty=True
    )


# -- transfer projects ---------------------------------------------------------------------------
# One stay of one project in one stage: the deals app's type, shared with its own stage times.
StayFacts = PeriodFacts


@dataclass(frozen=True)
class ProjectFacts:
    project_id: int
    stage: str  # where it stands now
    stop_reason: str  # "" unless stopped
    stages_visited: tuple[str, ...]  # every stage it had a period in, in order


@dataclass(frozen=True)
class FunnelStep:
    stage: str
    reached: int  # projects that got to this stage or beyond it (a skipped step counts as passed)
    visited: int  # projects that actually spent time in it
    current: int  # projects in it now


@dataclass(frozen=True)
class StoppedGroup:
    reason: str
    count: int
    by_stage: dict[str, int] = field(default_factory=dict)  # last pipeline stage before the stop


@dataclass(frozen=True)
class Funnel:
    steps: list[FunnelStep]
    total: int
    stopped: int
    stopped_reasons: list[StoppedGroup]


def furthest_stage(visited: Iterable[str], pipeline: Sequence[str]) -> str | None:
    indexes = [pipeline.index(stage) for stage in visited if stage in pipeline]
    return pipeline[max(indexes)] if indexes else None


def project_funnel(
    projects: Iterable[ProjectFacts], pipeline: Sequence[str], stopped: str, reasons: Sequence[str] = ()
) -> Funnel:
    """How many projects reached each pipeline stage, how many stand in it now, and why the
    stopped ones stopped (`reasons` gives the order; every reason is listed)."""
    projects = list(projects)
    reached = dict.fromkeys(pipeline, 0)
    visited = dict.fromkeys(pipeline, 0)
    current = dict.fromkeys(pipeline, 0)
    stop_counts: dict[str, int] = dict.fromkeys(reasons, 0)
    stop_stages: dict[str, dict[str, int]] = {reason: {} for reason in reasons}
    for project in projects:
        furthest = furthest_stage(project.stages_visited, pipeline)
        if furthest is not None:
            for stage in pipeline[: pipeline.index(furthest) + 1]:
                reached[stage] += 1
        for stage in set(project.stages_visited):
            if stage in visited:
                visited[stage] += 1
        if project.stage in current:
            current[project.stage] += 1
        elif project.stage == stopped:
            reason = project.stop_reason or "other"
            stop_counts[reason] = stop_counts.get(reason, 0) + 1
            at = stop_stages.setdefault(reason, {})
            if furthest is not None:
                at[furthest] = at.get(furthest, 0) + 1
    return Funnel(
        steps=[
            FunnelStep(stage=stage, reached=reached[stage], visited=visited[stage], current=current[stage])
            for stage in pipeline
        ],
        total=len(projects),
        stopped=sum(stop_counts.values()),
        stopped_reasons=[
            StoppedGroup(reason=reason, count=count, by_stage=stop_stages.get(reason, {}))
            for reason, count in stop_counts.items()
        ],
    )


@dataclass(frozen=True)
class StageDuration:
    stage: str
    stays: int  # all stays counted
    ongoing: int  # of which still open (counted up to now)
    median_days: float | None  # over all stays, the open ones up to now
    median_finished_days: float | None  # over the finished stays only

    @property
    def includes_open(self) -> bool:
        """The median counts stays that are not over yet: it can only grow."""
        return self.ongoing > 0


def stage_durations(
    stays: Iterable[StayFacts], stages: Sequence[str], now: datetime.datetime
) -> list[StageDuration]:
    """Median days per stage, one row per stage in `stages` order. A stay still open counts up to
    `now` and flags the row; the median of the finished stays alone is given beside it."""
    finished, ongoing = days_by_stage(stays, stages, now)
    rows = []
    for stage in stages:
        done, still = finished[stage], ongoing[stage]
        both = done + still
        overall = median(both)
        done_median = median(done)
        rows.append(
            StageDuration(
                stage=stage,
                stays=len(both),
                ongoing=len(still),
                median_days=round(overall, 1) if overall is not None else None,
                median_finished_days=round(done_median, 1) if done_median is not None else None,
            )
        )
    return rows


# -- engagements -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class EngagementFacts:
    engagement_id: int
    team: str  # the work team's key ("" for records outside any team)
    held_on: datetime.date
    achievement_ids: frozenset[int]
    need_ids: frozenset[int]


@dataclass(frozen=True)
class EngagementCell:
    engagements: int
    results: int  # distinct research results involved
    needs: int  # distinct needs involved


@dataclass(frozen=True)
class TeamEngagements:
    team: str
    label: str
    months: list[EngagementCell]  # January … December
    year: EngagementCell  # distinct over the year, not the sum of the months


@dataclass(frozen=True)
class EngagementTable:
    year: int
    teams: list[TeamEngagements]
    months: list[EngagementCell]  # all teams together, per month
    total: EngagementCell


def _cell(rows: Sequence[EngagementFacts]) -> EngagementCell:
    results: set[int] = set()
    needs: set[int] = set()
    for row in rows:
        results |= row.achievement_ids
        needs |= row.need_ids
    return EngagementCell(engagements=len(rows), results=len(results), needs=len(needs))


def engagement_table(
    rows: Iterable[EngagementFacts], year: int, labels: Mapping[str, str], order: Sequence[str] = ()
) -> EngagementTable:
    """Engagements per work team and month of `year`, with the distinct results and needs they
    involved. A result discussed in March and again in May counts once in the team's year."""
    in_year = [row for row in rows if row.held_on.year == year]
    by_team: dict[str, list[EngagementFacts]] = {}
    for row in in_year:
        by_team.setdefault(row.team, []).append(row)
    keys = [k for k in order if k in by_team] + sorted(k for k in by_team if k not in order)
    teams = [
        TeamEngagements(
            team=k,
            label=labels.get(k, k),
            months=[_cell([r for r in by_team[k] if r.held_on.month == m]) for m in range(1, 13)],
            year=_cell(by_team[k]),
        )
        for k in keys
    ]
    return EngagementTable(
        year=year,
        teams=teams,
        months=[_cell([r for r in in_year if r.held_on.month == m]) for m in range(1, 13)],
        total=_cell(in_year),
    )
