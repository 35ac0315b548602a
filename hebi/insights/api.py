"""REST API of the reports: the transfer report's figures as JSON, scoped like the page (the city
for the committee and registry officers, one's own organisations otherwise, 403 for nobody).
Amounts are yuan, as decimal strings; shares are fractions (0–1); durations are days."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hebi.core.api import UserLanguageMixin
from hebi.insights import reports, selectors


def money(help_text: str = "") -> serializers.DecimalField:
    """An amount in yuan, as a decimal string."""
    return serializers.DecimalField(max_digits=16, decimal_places=2, help_text=help_text)


class ScopeSerializer(serializers.Serializer):
    city = serializers.BooleanField(help_text="true：全市；false：本人所在机构")
    organisations = serializers.ListField(child=serializers.IntegerField())
    label = serializers.CharField()  # type: ignore[assignment]  # our field, not Field.label


class TotalsSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="登记合同数")
    total_amount = money("合同成交额（元）")
    tech_amount = money("技术交易额（元）")
    local_count = serializers.IntegerField(help_text="本地转化合同数")
    local_total_amount = money()
    local_tech_amount = money()
    local_share_count = serializers.DecimalField(max_digits=6, decimal_places=4, allow_null=True)
    local_share_amount = serializers.DecimalField(
        max_digits=6, decimal_places=4, allow_null=True, help_text="本地转化占技术交易额的比例"
    )


class GroupSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # our field, not Field.label
    count = serializers.IntegerField()
    total_amount = money()
    tech_amount = money()


class FunnelStepSerializer(serializers.Serializer):
    stage = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # our field, not Field.label
    reached = serializers.IntegerField(help_text="到达过该阶段（或越过它）的项目数")
    visited = serializers.IntegerField(help_text="实际经历该阶段的项目数")
    current = serializers.IntegerField(help_text="目前处于该阶段的项目数")


class StoppedSerializer(serializers.Serializer):
    reason = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # our field, not Field.label
    count = serializers.IntegerField()
    by_stage = serializers.DictField(child=serializers.IntegerField(), help_text="终止前所处阶段")


class FunnelSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="当年立项的项目数")
    stopped = serializers.IntegerField()
    steps = FunnelStepSerializer(many=True)
    stopped_reasons = StoppedSerializer(many=True)


class DurationSerializer(serializers.Serializer):
    stage = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # our field, not Field.label
    stays = serializers.IntegerField()
    ongoing = serializers.IntegerField()
    median_days = serializers.FloatField(allow_null=True, help_text="含未结束停留（按至今天数计）")
    median_finished_days = serializers.FloatField(allow_null=True)
    includes_open = serializers.BooleanField()


class CellSerializer(serializers.Serializer):
    engagements = serializers.IntegerField()
    results = serializers.IntegerField(help_text="涉及成果（去重）")
    needs = serializers.IntegerField(help_text="涉及需求（去重）")


class TeamEngagementsSerializer(serializers.Serializer):
    team = serializers.CharField(help_text="专班编号；空字符串为未归属专班")
    label = serializers.CharField()  # type: ignore[assignment]  # our field, not Field.label
    months = CellSerializer(many=True, help_text="1–12 月")
    year = CellSerializer()


class EngagementsSerializer(serializers.Serializer):
    teams = TeamEngagementsSerializer(many=True)
    months = CellSerializer(many=True)
    total = CellSerializer()


class TransferReportSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    scope = ScopeSerializer()
    totals = TotalsSerializer()
    by_category = GroupSerializer(many=True)
    by_subtype = GroupSerializer(many=True)
    by_month = GroupSerializer(many=True)
    by_locality = GroupSerializer(many=True)
    by_region = GroupSerializer(many=True)
    funnel = FunnelSerializer()
    stage_durations = DurationSerializer(many=True)
    engagements = EngagementsSerializer()


def report_data(report: reports.TransferReport) -> dict[str, Any]:
    totals = report.totals
    stage_label = report.stage_labels.get
    return {
        "year": report.year,
        "scope": {
            "city": report.scope.city,
            "organisations": sorted(report.scope.org_ids),
            "label": report.scope_label,
        },
        "totals": {
            **vars(totals),
            "local_share_count": totals.local_share_count,
            "local_share_amount": totals.local_share_amount,
        },
        "by_category": report.categories,
        "by_subtype": report.subtypes,
        "by_month": report.months,
        "by_locality": report.locality,
        "by_region": report.regions,
        "funnel": {
            "total": report.funnel.total,
            "stopped": report.funnel.stopped,
            "steps": [
                {**vars(step), "label": stage_label(step.stage, step.stage)} for step in report.funnel.steps
            ],
            "stopped_reasons": [
                {**vars(group), "label": report.stop_labels.get(group.reason, group.reason)}
                for group in report.funnel.stopped_reasons
            ],
        },
        "stage_durations": [
            {**vars(row), "label": stage_label(row.stage, row.stage), "includes_open": row.includes_open}
            for row in report.durations
        ],
        "engagements": report.engagements,
    }


class TransferReportView(UserLanguageMixin, APIView):
    @extend_schema(
        operation_id="reports_transfers",
        tags=["reports"],
        parameters=[OpenApiParameter("year", OpenApiTypes.INT, description="年度，默认今年")],
        responses=TransferReportSerializer,
        summary="技术合同与转化项目统计（按调用者可见范围）",
    )
    def get(self, request: Request) -> Response:
        scope = selectors.report_scope(request.user)
        year, problem = selectors.parse_year(request.query_params.get("year"))
        if problem:
            raise ValidationError({"year": [problem]})
        report = reports.transfer_report(scope=scope, year=year)
        return Response(TransferReportSerializer(report_data(report)).data)
