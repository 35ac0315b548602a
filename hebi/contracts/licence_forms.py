"""Forms of the licence, equity and distribution pages. They check shapes; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from hebi.contracts.models import (
    DistributionShare,
    EquityArrangement,
    IncomeDistribution,
    Licence,
    LicencePayment,
    LicenceScope,
    TechContract,
)
from hebi.orgs.models import Organisation

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _money_field(label: Any, required: bool = True, help_text: Any = "") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
        max_digits=14,
        decimal_places=2,
    )


def _ratio_field(label: Any, help_text: Any = "") -> forms.DecimalField:
    """A percentage, 0–100."""
    return forms.DecimalField(
        label=label,
        required=False,
        help_text=help_text,
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=100,
    )


class LicenceForm(forms.Form):
    scope = forms.ChoiceField(label=_("许可方式"), choices=LicenceScope.choices)
    territory = forms.CharField(label=_("许可地域"), max_length=100, required=False)
    mode = forms.ChoiceField(
        label=_("许可模式"),
        choices=Licence.Mode.choices,
        widget=forms.RadioSelect,
        help_text=_("先使用后付费：零或较低入门费，试用期（通常不少于一年）后再延期、分期或按销售提成付费。"),
    )
    entry_fee = _money_field(_("入门费（元）"), required=False, help_text=_("先使用后付费通常为 0 或较低。"))
    trial_start = forms.DateField(label=_("试用期起"), required=False, widget=DATE_INPUT)
    trial_end = forms.DateField(label=_("试用期止"), required=False, widget=DATE_INPUT)
    payment = forms.ChoiceField(label=_("付费方式"), choices=Licence.Payment.choices)
    fee = _money_field(
        _("入门费以外的许可费（元）"),
        required=False,
        help_text=_("留空则按技术交易额减入门费计算；销售提成不需填写。"),
    )
    instalments = forms.IntegerField(
        label=_("分期数"),
        required=False,
        min_value=2,
        max_value=60,
        initial=4,
        help_text=_("分期支付时填写。"),
    )
    interval_months = forms.IntegerField(
        label=_("每期间隔（月）"), required=False, min_value=1, max_value=24, initial=3
    )
    deferred_months = forms.IntegerField(
        label=_("延期月数"),
        required=False,
        min_value=0,
        max_value=60,
        initial=0,
        help_text=_("延期支付：试用期结束（一般许可为履行期起）后多少个月付清。"),
    )
    royalty_rate = _ratio_field(_("提成比例（%）"), help_text=_("销售提成时填写，按销售额计。"))


class PaymentForm(forms.Form):
    """A planned row: added by hand or edited before it is paid."""

    kind = forms.ChoiceField(label=_("款项"), choices=LicencePayment.Kind.choices)
    due_on = forms.DateField(label=_("应付日期"), widget=DATE_INPUT)
    amount = _money_field(_("应付金额（元）"))
    note = forms.CharField(label=_("说明"), max_length=300, required=False)

    def __init__(self, *args: Any, with_kind: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not with_kind:
            del self.fields["kind"]


class PaymentRecordForm(forms.Form):
    paid_on = forms.DateField(label=_("实付日期"), widget=DATE_INPUT)
    paid_amount = _money_field(_("实付金额（元）"))
    note = forms.CharField(label=_("说明"), max_length=300, required=False)


class EvidenceForm(forms.Form):
    period_end = forms.DateField(label=_("截至日期"), widget=DATE_INPUT)
    description = forms.CharField(
        label=_("使用情况"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    sales_amount = _money_field(
        _("相关销售额（元）"), required=False, help_text=_("销售提成按此计算所在季度的提成款。")
    )


class LicenceTransitionForm(forms.Form):
    to = forms.ChoiceField(choices=Licence.Status.choices)
    reason = forms.CharField(label=_("说明"), max_length=300, required=False)
    on = forms.DateField(label=_("日期"), required=False, widget=DATE_INPUT, help_text=_("留空为今天。"))


class LicenceFilterForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("许可模式"), required=False, choices=[("", _("全部")), *Licence.Mode.choices]
    )
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), *Licence.Status.choices]
    )
    upcoming = forms.BooleanField(label=_("30 天内有待付款"), required=False)


class EquityForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("方式"), choices=EquityArrangement.Kind.choices, widget=forms.RadioSelect
    )
    company = forms.CharField(label=_("标的企业"), max_length=100)
    amount = _money_field(_("金额（元）"), help_text=_("作价投资：成果作价金额；先投后股：先期投入金额。"))
    investor = forms.ModelChoiceField(
        label=_("出资方"),
        queryset=Organisation.objects.none(),
        required=False,
        help_text=_("先投后股：投入财政资金或基金的单位。"),
    )
    equity_ratio = _ratio_field(_("股权比例（%）"), help_text=_("先投后股在转股时确定。"))
    team_equity_ratio = _ratio_field(
        _("奖励团队的股权比例（%）"), help_text=_("占成果作价所得股份的比例；法定默认不低于 50%。")
    )
    conversion_trigger = forms.CharField(label=_("转股条件"), max_length=300, required=False)
    agreed_on = forms.DateField(label=_("约定日期"), widget=DATE_INPUT)
    contract = forms.ModelChoiceField(
        label=_("技术合同"), queryset=TechContract.objects.none(), required=False
    )
    project = forms.ModelChoiceField(
        label=_("转化项目"), queryset=TechContract.objects.none(), required=False
    )
    terms = forms.CharField(
        label=_("其他条款"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(
        self,
        *args: Any,
        contracts: QuerySet[Any],
        projects: QuerySet[Any],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["investor"].queryset = Organisation.objects.filter(is_active=True).order_by("name")
        fields["contract"].queryset = contracts
        fields["project"].queryset = projects

    @staticmethod
    def initial_for(arrangement: EquityArrangement) -> dict[str, Any]:
        return {
            name: getattr(arrangement, name)
            for name in (
                "kind",
                "company",
                "amount",
                "investor",
                "equity_ratio",
                "team_equity_ratio",
                "conversion_trigger",
                "agreed_on",
                "contract",
                "project",
                "terms",
            )
        }


class EquityTransitionForm(forms.Form):
    to = forms.ChoiceField(choices=EquityArrangement.Status.choices)
    converted_on = forms.DateField(label=_("转股日期"), required=False, widget=DATE_INPUT)
    equity_ratio = _ratio_field(_("取得的股权比例（%）"))
    reason = forms.CharField(label=_("说明"), max_length=300, required=False)


class DistributionForm(forms.Form):
    basis = forms.ChoiceField(label=_("转化方式"), choices=IncomeDistribution.Basis.choices)
    received_on = forms.DateField(label=_("到账日期"), widget=DATE_INPUT, help_text=_("年度按到账日期计。"))
    income = _money_field(_("转化收入（元）"))
    costs = _money_field(
        _("扣除成本（元）"),
        required=False,
        help_text=_("评估、谈判、维持专利等直接费用；净收入 = 收入 − 成本。"),
    )
    contract = forms.ModelChoiceField(
        label=_("技术合同"),
        queryset=TechContract.objects.none(),
        required=False,
        help_text=_("自行实施或未经合同的收入可不选。"),
    )
    note = forms.CharField(label=_("说明"), max_length=500, required=False)

    def __init__(self, *args: Any, contracts: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["contract"]
        field.queryset = contracts


class ShareForm(forms.Form):
    role = forms.ChoiceField(label=_("类别"), choices=DistributionShare.Role.choices)
    recipient = forms.CharField(label=_("获得者"), max_length=100)
    amount = _money_field(_("金额（元）"))
    user = forms.ModelChoiceField(
        label=_("平台账号"),
        queryset=get_user_model().objects.none(),
        required=False,
        help_text=_("选填：本单位成员可在站内收到通知。"),
    )

    def __init__(self, *args: Any, people: QuerySet[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if people is not None:
            field: Any = self.fields["user"]
            field.queryset = people


ShareFormSet = forms.formset_factory(ShareForm, extra=4, max_num=50, validate_max=True)


class DistributionFilterForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), required=False, min_value=1985, max_value=2100)
    below = forms.BooleanField(label=_("只看低于法定默认比例的"), required=False)
