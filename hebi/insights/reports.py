"""The transfer report (技术合同与转化项目统计) put together: figures from the records, the tables the
page, the workbook and the API share, and the links from each figure to the records behind it."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from hebi.deals.models import TransferProject
from hebi.insights import selectors, stats
from hebi.insights.selectors import ReportScope

Stage = TransferProject.Stage
PIPELINE_ORDER = [str(stage) for stage in TransferProject.PIPELINE]


@dataclass
class TransferReport:
    year: int
    scope: ReportScope
    scope_label: str
    now: datetime.datetime
    totals: stats.ContractTotals
    categories: list[stats.ContractGroup]
    subtypes: list[stats.ContractGroup]
    months: list[stats.ContractGroup]
    locality: list[stats.ContractGroup]
    regions: list[stats.ContractGroup]
    funnel: stats.Funnel
    durations: list[stats.StageDuration]
    engagements: stats.EngagementTable
    stage_labels: dict[str, str] = field(default_factory=dict)
    stop_labels: dict[str, str] = field(default_factory=dict)


def month_label(month: int) -> str:
    return _("%(m)d月") % {"m": month}


def locality_labels() -> dict[str, str]:
    return {stats.LOCAL: _("本地转化"), stats.NON_LOCAL: _("非本地")}


def transfer_report(*, scope: ReportScope, year: int, now: datetime.datetime | None = None) -> TransferReport:
    now = now or timezone.now()
    contracts = selectors.contract_rows(scope=scope, year=year)
    labels = selectors.category_labels()
    prefectures = {stats.prefecture_code(row.buyer_region) for row in contracts}
    projects, stays = selectors.project_rows(scope=scope, year=year)
    engagements, team_labels = selectors.engagement_rows(scope=scope, year=year)
    pipeline = PIPELINE_ORDER
    months = stats.by_month(contracts, year)
    return TransferReport(
        year=year,
        scope=scope,
        scope_label=scope.label(),
        now=now,
        totals=stats.contract_totals(contracts),
        categories=stats.by_category(contracts, labels.categories, labels.category_order),
        subtypes=stats.by_subtype(contracts, labels.subtypes, labels.subtype_order),
        months=[
            stats.ContractGroup(g.key, month_label(int(g.key[5:])), g.count, g.total_amount, g.tech_amount)
            for g in months
        ],
        locality=stats.by_locality(contracts, locality_labels()),
        regions=stats.by_region(contracts, selectors.region_names(prefectures)),
        funnel=stats.project_funnel(
            projects, pipeline, Stage.STOPPED, reasons=TransferProject.StopReason.values
        ),
        # 产业化 is where a deal arrives, not a stage it passes through: no time to shorten there.
        durations=stats.stage_durations(stays, pipeline[:-1], now),
        engagements=stats.engagement_table(engagements, year, team_labels, selectors.team_order()),
        stage_labels={str(value): str(label) for value, label in Stage.choices},
        stop_labels={str(value): str(label) for value, label in TransferProject.StopReason.choices},
    )


# -- links to the records behind a figure ------------------------------------------------------------
def _link(names: tuple[str, ...], params: dict[str, Any]) -> str:
    """The first of `names` that resolves, with its query; "" when no such page exists (yet)."""
    for name in names:
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
        return f"{url}?{query}" if query else url
    return ""


def contracts_link(year: int, *, category: str = "", local: bool | None = None) -> str:
    return _link(
        ("contracts:list",),
        {
            "status": "registered",
            "registered_year": year,
            "category": category,
            "local": "" if local is None else ("yes" if local else "no"),
        },
    )


def projects_link(*, stage: str = "") -> str:
    return _link(("deals:project-list",), {"stage": stage})


def engagements_link(year: int, *, team: str = "") -> str:
    return _link(
        ("deals:engagement-list",),
        {"team": team, "date_from": f"{year}-01-01", "date_to": f"{year}-12-31"},
    )


# -- tables: one definition for the page, the workbook and the API --------------------------------------
TEXT, COUNT, YUAN, DAYS, SHARE, FLAG = "text", "count", "yuan", "days", "share", "flag"


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # without the unit
    kind: str  # TEXT | COUNT | YUAN | DAYS | SHARE | FLAG

    @property
    def unit(self) -> str:
        return {YUAN: _("元"), DAYS: _("天"), SHARE: "%"}.get(self.kind, "")

    @property
    def heading(self) -> str:
        """The label with its unit, as the workbook's header shows it."""
        return (
            _("%(label)s（%(unit)s）") % {"label": self.label, "unit": self.unit} if self.unit else self.label
        )


@dataclass
class Row:
    values: dict[str, Any]
    url: str = ""
    is_total: bool = False


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[Row]
    note: str = ""


def _amount_columns(first: str) -> list[Column]:
    return [
        Column("label", first, TEXT),
        Column("count", _("登记合同数"), COUNT),
        Column("total_amount", _("合同成交额"), YUAN),
        Column("tech_amount", _("技术交易额"), YUAN),
    ]


def _group_row(group: stats.ContractGroup, url: str = "") -> Row:
    return Row(
        {
            "key": group.key,
            "label": group.label,
            "count": group.count,
            "total_amount": group.total_amount,
            "tech_amount": group.tech_amount,
        },
        url=url,
    )


def _total_row(totals: stats.ContractTotals, url: str = "") -> Row:
    return Row(
        {
            "key": "total",
            "label": _("合计"),
            "count": totals.count,
            "total_amount": totals.total_amount,
            "tech_amount": totals.tech_amount,
        },
        url=url,
        is_total=True,
    )


def report_tables(report: TransferReport) -> list[Table]:
    year = report.year
    tables = [
        Table(
            "categories",
            _("按合同类别"),
            _amount_columns(_("合同类别")),
            [_group_row(g, contracts_link(year, category=g.key)) for g in report.categories]
            + [_total_row(report.totals, contracts_link(year))],
        ),
        Table(
            "subtypes",
            _("按合同子类"),
            _amount_columns(_("合同子类")),
            [_group_row(g, contracts_link(year, category=g.key)) for g in report.subtypes],
        ),
        Table(
            "months",
            _("按登记月份"),
            _amount_columns(_("登记月份")),
            [_group_row(g) for g in report.months] + [_total_row(report.totals, contracts_link(year))],
        ),
        Table(
            "locality",
            _("本地转化与非本地"),
            [*_amount_columns(_("类型")), Column("share", _("技术交易额占比"), SHARE)],
            [
                Row(
                    {
                        **_group_row(g).values,
                        "share": stats.share(g.tech_amount, report.totals.tech_amount),
                    },
                    url=contracts_link(year, local=g.key == stats.LOCAL),
                )
                for g in report.locality
            ],
            note=_("本地转化：买方位于本市（区划代码以 2201 开头）。"),
        ),
        Table(
            "regions",
            _("按买方所在地区（地市级）"),
            _amount_columns(_("买方地区")),
            [_group_row(g) for g in report.regions],
            note=_("多个买方的合同按第一个买方计。"),
        ),
        Table(
            "funnel",
            _("转化项目漏斗"),
            [
                Column("label", _("阶段"), TEXT),
                Column("reached", _("到达过该阶段的项目"), COUNT),
                Column("visited", _("经历该阶段的项目"), COUNT),
                Column("current", _("目前处于该阶段"), COUNT),
            ],
            [
                Row(
                    {
                        "key": step.stage,
                        "label": report.stage_labels.get(step.stage, step.stage),
                        "reached": step.reached,
                        "visited": step.visited,
                        "current": step.current,
                    },
                    url=projects_link(stage=step.stage),
                )
                for step in report.funnel.steps
            ]
            + [
                Row(
                    {
                        "key": Stage.STOPPED,
                        "label": report.stage_labels.get(Stage.STOPPED, Stage.STOPPED),
                        "reached": report.funnel.stopped,
                        "visited": report.funnel.stopped,
                        "current": report.funnel.stopped,
                    },
                    url=projects_link(stage=Stage.STOPPED),
                    is_total=True,
                )
            ],
            note=_(
                "统计 %(year)d 年立项的 %(n)d 个项目。签约后可按技术成熟度跳过概念验证等阶段，"
                "跳过的阶段计入“到达过”，不计入“经历”。"
            )
            % {"year": year, "n": report.funnel.total},
        ),
        Table(
            "stopped",
            _("终止项目及原因"),
            [
                Column("label", _("终止原因"), TEXT),
                Column("count", _("项目数"), COUNT),
                Column("stages", _("终止前所处阶段"), TEXT),
            ],
            [
                Row(
                    {
                        "key": group.reason,
                        "label": report.stop_labels.get(group.reason, group.reason),
                        "count": group.count,
                        "stages": "、".join(
                            f"{report.stage_labels.get(stage, stage)} {n}"
                            for stage, n in sorted(
                                group.by_stage.items(),
                                key=lambda item: PIPELINE_ORDER.index(item[0]),
                            )
                        ),
                    }
                )
                for group in report.funnel.stopped_reasons
            ],
        ),
        Table(
            "durations",
            _("各阶段停留时间（中位数）"),
            [
                Column("label", _("阶段"), TEXT),
                Column("stays", _("停留次数"), COUNT),
                Column("ongoing", _("其中尚未结束"), COUNT),
                Column("median_days", _("中位数"), DAYS),
                Column("median_finished_days", _("已结束停留的中位数"), DAYS),
                Column("includes_open", _("含未结束停留"), FLAG),
            ],
            [
                Row(
                    {
                        "key": row.stage,
                        "label": report.stage_labels.get(row.stage, row.stage),
                        "stays": row.stays,
                        "ongoing": row.ongoing,
                        "median_days": row.median_days,
                        "median_finished_days": row.median_finished_days,
                        "includes_open": row.includes_open,
                    }
                )
                for row in report.durations
            ],
            note=_("尚未结束的停留按截至今天的天数计入中位数（标 *），该数字只会增大。"),
        ),
        _engagement_table(report),
    ]
    return tables


def _engagement_table(report: TransferReport) -> Table:
    table = report.engagements
    month_columns = [Column(f"m{m}", month_label(m), COUNT) for m in range(1, 13)]
    columns = [
        Column("label", _("工作专班"), TEXT),
        *month_columns,
        Column("engagements", _("对接次数"), COUNT),
        Column("results", _("涉及成果（去重）"), COUNT),
        Column("needs", _("涉及需求（去重）"), COUNT),
    ]

    def values(key: str, label: str, months: list[stats.EngagementCell], year: stats.EngagementCell) -> dict:
        return {
            "key": key,
            "label": label,
            **{f"m{m}": cell.engagements for m, cell in enumerate(months, start=1)},
            "engagements": year.engagements,
            "results": year.results,
            "needs": year.needs,
        }

    rows = [
        Row(
            values(team.team, team.label, team.months, team.year),
            url=engagements_link(report.year, team=team.team),
        )
        for team in table.teams
    ]
    rows.append(
        Row(
            values("total", _("合计"), table.months, table.total),
            url=engagements_link(report.year),
            is_total=True,
        )
    )
    return Table(
        "engagements",
        _("对接活动：各专班每月对接次数"),
        columns,
        rows,
        note=_("成果、需求按全年去重计数：同一成果多次对接只计一次，合计行按全市去重。"),
    )


def engagement_detail_table(report: TransferReport) -> Table:
    """The same figures in long form (one row per team and month), for the workbook."""
    rows = []
    for team in report.engagements.teams:
        for month, cell in enumerate(team.months, start=1):
            if cell.engagements:
                rows.append(
                    Row(
                        {
                            "label": team.label,
                            "month": stats.month_key(report.year, month),
                            "engagements": cell.engagements,
                            "results": cell.results,
                            "needs": cell.needs,
                        }
                    )
                )
    return Table(
        "engagement_months",
        _("对接活动明细（专班×月份）"),
        [
            Column("label", _("工作专班"), TEXT),
            Column("month", _("月份"), TEXT),
            Column("engagements", _("对接次数"), COUNT),
            Column("results", _("涉及成果（去重）"), COUNT),
            Column("needs", _("涉及需求（去重）"), COUNT),
        ],
        rows,
    )


def headline(report: TransferReport) -> list[dict[str, Any]]:
    """The four figures at the top of the page, each with what it links to."""
    totals = report.totals
    return [
        {
            "key": "count",
            "label": _("登记技术合同"),
            "value": totals.count,
            "kind": COUNT,
            "url": contracts_link(report.year),
        },
        {
            "key": "total_amount",
            "label": _("合同成交额"),
            "value": totals.total_amount,
            "kind": YUAN,
            "url": contracts_link(report.year),
        },
        {
            "key": "tech_amount",
            "label": _("技术交易额"),
            "value": totals.tech_amount,
            "kind": YUAN,
            "url": contracts_link(report.year),
        },
        {
            "key": "local_share",
            "label": _("本地转化占比（按技术交易额）"),
            "value": totals.local_share_amount,
            "kind": SHARE,
            "url": contracts_link(report.year, local=True),
            "note": _("按合同数：%(n)d / %(total)d") % {"n": totals.local_count, "total": totals.count},
        },
    ]


def to_wan(amount: Decimal) -> float:
    """Yuan to 万元 for the charts' axes (two decimals)."""
    return float((amount / Decimal(10_000)).quantize(Decimal("0.01")))
