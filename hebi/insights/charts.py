"""ECharts options for the transfer report, built on the server as plain JSON-ready dicts.

The page embeds each with `json_script`; hebi/static/hebi/reports.js only hands them to ECharts.
No functions in the options (JSON cannot carry them): labels and tooltips use ECharts' own
templates. Amounts are in 万元 here, with the unit on the axis; the tables beside the charts
keep the exact yuan figures.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from hebi.insights import stats
from hebi.insights.reports import TransferReport, to_wan

GRID = {"left": 60, "right": 60, "top": 50, "bottom": 40, "containLabel": True}


def _amount_bars(groups: list[stats.ContractGroup], *, horizontal: bool = False) -> dict[str, Any]:
    labels = [g.label for g in groups]
    wan = _("万元")
    category_axis = {"type": "category", "data": labels, "axisLabel": {"interval": 0, "hideOverlap": True}}
    value_axis = {"type": "value", "name": wan}
    series: list[dict[str, Any]] = [
        {"name": _("合同成交额"), "type": "bar", "data": [to_wan(g.total_amount) for g in groups]},
        {"name": _("技术交易额"), "type": "bar", "data": [to_wan(g.tech_amount) for g in groups]},
    ]
    if horizontal:
        return {
            "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
            "legend": {"top": 0},
            "grid": GRID,
            "xAxis": value_axis,
            "yAxis": {**category_axis, "inverse": True},
            "series": series,
        }
    count_axis = {"type": "value", "name": _("合同数"), "minInterval": 1, "splitLine": {"show": False}}
    series.append(
        {"name": _("登记合同数"), "type": "line", "yAxisIndex": 1, "data": [g.count for g in groups]}
    )
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": GRID,
        "xAxis": category_axis,
        "yAxis": [value_axis, count_axis],
        "series": series,
    }


def category_chart(report: TransferReport) -> dict[str, Any]:
    return _amount_bars(report.categories)


def month_chart(report: TransferReport) -> dict[str, Any]:
    return _amount_bars(report.months)


def region_chart(report: TransferReport) -> dict[str, Any]:
    return _amount_bars(report.regions, horizontal=True)


def locality_chart(report: TransferReport) -> dict[str, Any]:
    return {
        "tooltip": {"trigger": "item", "formatter": "{b}: {c} " + _("万元") + " ({d}%)"},
        "legend": {"top": 0},
        "series": [
            {
                "name": _("技术交易额"),
                "type": "pie",
                "radius": ["35%", "65%"],
                "label": {"formatter": "{b}\n{d}%"},
                "data": [{"name": g.label, "value": to_wan(g.tech_amount)} for g in report.locality],
            }
        ],
    }


def funnel_chart(report: TransferReport) -> dict[str, Any]:
    steps = report.funnel.steps
    top = max((step.reached for step in steps), default=0)
    return {
        "tooltip": {"trigger": "item", "formatter": "{b}: {c}"},
        "series": [
            {
                "name": _("到达过该阶段的项目"),
                "type": "funnel",
                "sort": "none",
                "min": 0,
                "max": max(top, 1),
                "minSize": "8%",
                "left": "10%",
                "width": "80%",
                "label": {"show": True, "position": "inside", "formatter": "{b} {c}"},
                "data": [
                    {"name": report.stage_labels.get(step.stage, step.stage), "value": step.reached}
                    for step in steps
                ],
            }
        ],
    }


def duration_chart(report: TransferReport) -> dict[str, Any]:
    rows = report.durations
    open_style = {"color": "#b8c4d6", "borderColor": "#5470c6", "borderType": "dashed", "borderWidth": 1}
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": GRID,
        "xAxis": {
            "type": "category",
            "data": [
                report.stage_labels.get(row.stage, row.stage) + (" *" if row.includes_open else "")
                for row in rows
            ],
            "axisLabel": {"interval": 0},
        },
        "yAxis": {"type": "value", "name": _("天")},
        "series": [
            {
                "name": _("中位数（含未结束，标 *）"),
                "type": "bar",
                "data": [
                    {"value": row.median_days, **({"itemStyle": open_style} if row.includes_open else {})}
                    for row in rows
                ],
            },
            {
                "name": _("已结束停留的中位数"),
                "type": "bar",
                "data": [row.median_finished_days for row in rows],
            },
        ],
    }


def report_charts(report: TransferReport) -> dict[str, dict[str, Any]]:
    """Chart options by the key of the table they sit beside."""
    return {
        "categories": category_chart(report),
        "months": month_chart(report),
        "locality": locality_chart(report),
        "regions": region_chart(report),
        "funnel": funnel_chart(report),
        "durations": duration_chart(report),
    }
