"""Forms of the milestone-contract pages. They parse what was typed; the services in
milestones.py decide what is valid (so the pages and the API refuse the same things)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hebi.challenges.milestones import check_date_range
from hebi.challenges.models import (
    Challenge,
    ContractMilestone,
    ExpertProfile,
    MilestoneContract,
    MilestoneVerdict,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONEY_ATTRS = {"inputmode": "decimal", "step": "0.01", "min": "0"}


def date_field(label: Any, **kwargs: Any) -> forms.DateField:
    """An optional date, within the range every contract date must keep (see milestones.DATE_MIN)."""
    return forms.DateField(label=label, required=False, widget=DATE, validators=[check_date_range], **kwargs)


def money_field(label: Any, **kwargs: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        max_digits=14,
        decimal_places=2,
        required=False,
        widget=forms.NumberInput(attrs=MONEY_ATTRS),
        **kwargs,
    )


class ContractForm(forms.Form):
    signed_on = date_field(_("签订日期"))
    starts_on = date_field(_("开始日期"))
    ends_on = date_field(_("结束日期"), help_text=_("不填则为开始日期加榜单的实施周期。"))
    amount_public = money_field(
        _("财政资金（元）"), help_text=_("应等于各节点拨付金额之和，且不超过榜单的财政资金预算。")
    )
    amount_enterprise = money_field(_("企业投入（元）"))
    penalty_terms = forms.CharField(
        label=_("违约与责任条款"),
        max_length=3000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("未通过考核或验收时的处理：收回资金、限制申报等。"),
    )

    def content(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.fields}


class MilestoneRowForm(forms.Form):
    title = forms.CharField(label=_("节点名称"), max_length=100, required=False)
    kind = forms.ChoiceField(label=_("考核方式"), choices=ContractMilestone.Kind.choices, required=False)
    due_on = date_field(_("考核日期"))
    tranche = money_field(_("拨付金额（元）"))
    deliverable = forms.CharField(label=_("考核内容"), max_length=300, required=False)

    @property
    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not (data.get("title") or data.get("due_on") or data.get("tranche") is not None)


MilestoneFormSet = forms.formset_factory(MilestoneRowForm, extra=1, max_num=20, absolute_max=40)


def milestone_rows(formset: Any) -> list[dict[str, Any]]:
    """The filled rows of the formset, as the service takes them; wholly blank rows are dropped."""
    return [
        {name: form.cleaned_data.get(name) for name in ("title", "kind", "due_on", "tranche", "deliverable")}
        for form in formset.forms
        if not form.is_blank
    ]


class ExpertChoiceField(forms.ModelMultipleChoiceField):
    """Refuses an id too large for the database before it reaches the query (SQLite overflows)."""

    def clean(self, value: Any) -> Any:
        for pk in value if isinstance(value, (list, tuple)) else ():
            text = str(pk)
            if not (text.isdecimal() and len(text) <= 18):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                )
        return super().clean(value)


class PanelForm(forms.Form):
    experts = ExpertChoiceField(
        label=_("考核专家"),
        queryset=ExpertProfile.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("与项目有利益冲突的专家会被自动排除。"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelMultipleChoiceField, self.fields["experts"]).queryset = (
            ExpertProfile.objects.filter(is_active=True, user__is_active=True)
            .select_related("user", "organisation")
            .order_by("user__display_name", "user__username")
        )


class VerdictForm(forms.Form):
    verdict = forms.ChoiceField(
        label=_("考核意见"),
        choices=MilestoneVerdict.Verdict.choices,
        required=False,
        widget=forms.RadioSelect(attrs={"required": True}),
    )
    comment = forms.CharField(
        label=_("说明"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "required": True}),
        help_text=_("请写明考核依据；选择延期整改或不通过时，请写明需整改的问题。"),
    )


REVIEW_OUTCOMES = [
    (ContractMilestone.Status.PASSED, ContractMilestone.Status.PASSED.label),
    (ContractMilestone.Status.EXTENDED, ContractMilestone.Status.EXTENDED.label),
    (ContractMilestone.Status.FAILED, ContractMilestone.Status.FAILED.label),
]


class ReviewForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("考核结果"), choices=REVIEW_OUTCOMES, required=False, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("考核意见"), max_length=3000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    extended_to = date_field(
        _("延期至"), help_text=_("延期整改时必填：晚于当前考核日期，且不晚于军令状结束日期后 12 个月。")
    )


class TrancheForm(forms.Form):
    amount = money_field(_("拨付金额（元）"))
    released_on = date_field(_("拨付日期"))
    note = forms.CharField(label=_("备注"), max_length=300, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"released_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


class PenaltyForm(forms.Form):
    description = forms.CharField(
        label=_("处理内容"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    amount = money_field(_("收回/扣减金额（元）"), help_text=_("不涉及金额可不填。"))
    milestone = forms.ModelChoiceField(
        label=_("相关节点"),
        queryset=ContractMilestone.objects.none(),
        required=False,
        empty_label=_("（不指定）"),
    )

    def __init__(self, *args: Any, contract: MilestoneContract, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["milestone"]).queryset = contract.milestones.all()


class TerminateForm(forms.Form):
    reason = forms.CharField(
        label=_("终止原因"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class BoardFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("榜单状态"), required=False, choices=[("", _("全部")), *Challenge.Status.choices]
    )


class ContractFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("军令状状态"), required=False, choices=[("", _("全部")), *MilestoneContract.Status.choices]
    )
