"""Forms of the patent pages. They only check shapes; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from hebi.catalog.models import Patent, PatentFeedback
from hebi.catalog.patent_selectors import SORTS
from hebi.orgs.models import Organisation

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PatentFilterForm(forms.Form):
    q = forms.CharField(label=_("关键词"), required=False, max_length=100)
    stage = forms.ChoiceField(
        label=_("盘活阶段"), required=False, choices=[("", _("全部")), *Patent.Stage.choices]
    )
    legal_status = forms.ChoiceField(
        label=_("法律状态"), required=False, choices=[("", _("全部")), *Patent.LegalStatus.choices]
    )
    kind = forms.ChoiceField(
        label=_("专利类型"), required=False, choices=[("", _("全部")), *Patent.Kind.choices]
    )
    sort = forms.ChoiceField(
        label=_("排序"),
        required=False,
        choices=[
            ("-date", _("申请日（新→旧）")),
            ("date", _("申请日（旧→新）")),
            ("-score", _("综合价值分（高→低）")),
            ("score", _("综合价值分（低→高）")),
        ],
    )

    def clean_sort(self) -> str:
        value: str = self.cleaned_data.get("sort") or "-date"
        return value if value in SORTS else "-date"


class PatentForm(forms.Form):
    application_number = forms.CharField(
        label=_("申请号"), max_length=30, help_text=_("如 201910123451.7，含校验位；可带 ZL 或 CN 前缀。")
    )
    publication_number = forms.CharField(label=_("公开（公告）号"), max_length=20, required=False)
    title = forms.CharField(label=_("专利名称"), max_length=300)
    abstract = forms.CharField(
        label=_("摘要"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    ipc_codes = forms.CharField(
        label=_("IPC 分类号"),
        max_length=500,
        required=False,
        help_text=_("多个分类号用分号分隔，如 B60L58/12; H01M10/052。"),
    )
    applicants = forms.CharField(
        label=_("申请人"), max_length=1000, required=False, help_text=_("多个申请人用分号分隔。")
    )
    inventors = forms.CharField(
        label=_("发明人"), max_length=1000, required=False, help_text=_("多个发明人用分号分隔。")
    )
    legal_status = forms.ChoiceField(label=_("法律状态"), choices=Patent.LegalStatus.choices)
    application_date = forms.DateField(label=_("申请日"), widget=DATE_INPUT)
    publication_date = forms.DateField(label=_("公开日"), required=False, widget=DATE_INPUT)
    grant_date = forms.DateField(label=_("授权日"), required=False, widget=DATE_INPUT)
    claims_count = forms.IntegerField(label=_("权利要求数"), required=False, min_value=1, max_value=999)

    @classmethod
    def initial_for(cls, patent: Patent) -> dict[str, Any]:
        return {
            "application_number": patent.application_number,
            "publication_number": patent.publication_number,
            "title": patent.title,
            "abstract": patent.abstract,
            "ipc_codes": "; ".join(patent.ipc_codes or []),
            "applicants": "；".join(patent.applicants or []),
            "inventors": "；".join(patent.inventors or []),
            "legal_status": patent.legal_status,
            "application_date": patent.application_date,
            "publication_date": patent.publication_date,
            "grant_date": patent.grant_date,
            "claims_count": patent.claims_count,
        }


class TransitionForm(forms.Form):
    to = forms.ChoiceField(label=_("变更为"), choices=Patent.Stage.choices)
    tier = forms.ChoiceField(label=_("推广层级"), required=False, choices=[("", "—"), *Patent.Tier.choices])
    reason = forms.CharField(label=_("说明"), required=False, max_length=500)


class FeedbackForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("反馈企业"), queryset=Organisation.objects.none(), empty_label=None
    )
    interest = forms.ChoiceField(
        label=_("意向"), choices=PatentFeedback.Interest.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("意见"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("专利清单文件"),
        help_text=_("Excel（.xlsx）或 CSV（UTF-8 或 GBK 编码），第一行为列名，只读取第一个工作表。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def __init__(self, *args: Any, max_bytes: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The page refuses an oversized file before sending it; the server checks again.
        self.fields["file"].widget.attrs.update(
            {
                "data-max-bytes": str(max_bytes),
                "data-too-large": _("文件过大，导入文件不能超过 %(limit)s MB。请拆分后分批导入。")
                % {"limit": max_bytes // (1024 * 1024)},
            }
        )
