"""Forms of the challenge pages. They parse what was typed; the services decide what is valid."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hebi.catalog.models import ReadinessLevel, TechField
from hebi.challenges.models import Application, Challenge, Rubric
from hebi.challenges.services import APPLICANT_KINDS, APPLICATION_FIELDS, CHALLENGE_FIELDS, DEFAULT_RUBRIC
from hebi.orgs.models import Organisation

User = get_user_model()
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONEY_ATTRS = {"inputmode": "decimal", "step": "0.01", "min": "0"}


def _money(label: Any, **kwargs: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, max_digits=14, decimal_places=2, widget=forms.NumberInput(attrs=MONEY_ATTRS), **kwargs
    )


def trl_choices() -> list[tuple[int, str]]:
    names = {r.level: str(r) for r in ReadinessLevel.objects.all()}
    return [(level, names.get(level, f"TRL {level}")) for level in range(1, 10)]


class HallFilterForm(forms.Form):
    q = forms.CharField(label=_("关键词"), required=False, max_length=100)
    field = forms.ModelChoiceField(
        label=_("技术领域"), queryset=TechField.objects.all(), required=False, empty_label=_("全部领域")
    )
    state = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[
            ("", _("全部")),
            ("open", _("征集中")),
            ("closed", _("已截止")),
            ("reviewing", _("评审中")),
            ("decided", _("已定榜")),
        ],
    )
    issuer_kind = forms.ChoiceField(
        label=_("发榜单位类型"),
        required=False,
        choices=[
            ("", _("全部")),
            (Organisation.Kind.ENTERPRISE, Organisation.Kind.ENTERPRISE.label),
            (Organisation.Kind.GOVERNMENT, Organisation.Kind.GOVERNMENT.label),
        ],
    )


class ChallengeForm(forms.Form):
    issuer = forms.ModelChoiceField(
        label=_("发榜单位"), queryset=Organisation.objects.none(), empty_label=None
    )
    title = forms.CharField(label=_("榜单名称"), max_length=200)
    field = forms.ModelChoiceField(
        label=_("技术领域"), queryset=TechField.objects.all(), required=False, empty_label=_("（不限）")
    )
    problem = forms.CharField(
        label=_("需解决的关键问题"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6})
    )
    budget_public = _money(_("财政资金（元）"), min_value=0, initial=0)
    budget_enterprise = _money(_("企业投入（元）"), min_value=0, initial=0)
    deadline = forms.DateField(
        label=_("揭榜截止日期"), widget=DATE, help_text=_("当日 24 时前可提交申报；提交审核时至少应为明天。")
    )
    duration_months = forms.IntegerField(label=_("实施周期（月）"), min_value=1, max_value=120)
    eligibility = forms.CharField(
        label=_("揭榜条件"), max_length=3000, widget=forms.Textarea(attrs={"rows": 4})
    )
    deliverables = forms.CharField(
        label=_("交付成果要求"), max_length=3000, widget=forms.Textarea(attrs={"rows": 4})
    )
    rubric = forms.ModelChoiceField(
        label=_("评审指标体系"),
        queryset=Rubric.objects.filter(purpose=Rubric.Purpose.CHALLENGE, is_active=True),
        empty_label=None,
    )
    contact = forms.ModelChoiceField(
        label=_("联系人"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("（本人）"),
        help_text=_("发榜单位的成员；接收答疑与审核通知。"),
    )

    def __init__(
        self,
        *args: Any,
        issuers: Iterable[Organisation] = (),
        challenge: Challenge | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        issuer_ids = [o.pk for o in issuers]
        if challenge is None:
            cast(forms.ModelChoiceField, self.fields["issuer"]).queryset = Organisation.objects.filter(
                pk__in=issuer_ids
            ).order_by("name")
            self.fields["rubric"].initial = DEFAULT_RUBRIC
        else:
            del self.fields["issuer"]
            issuer_ids = [challenge.issuer_id]
        cast(forms.ModelChoiceField, self.fields["contact"]).queryset = (
            User.objects.filter(memberships__organisation_id__in=issuer_ids, is_active=True)
            .distinct()
            .order_by("display_name", "username")
        )
        self.fields["deadline"].widget.attrs["min"] = timezone.localdate().isoformat()

    def content(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in CHALLENGE_FIELDS}


def challenge_initial(challenge: Challenge) -> dict[str, Any]:
    return {name: getattr(challenge, name) for name in CHALLENGE_FIELDS}


class IndicatorForm(forms.Form):
    name = forms.CharField(label=_("指标名称"), required=False, max_length=100)
    target = forms.CharField(label=_("目标值"), required=False, max_length=60)
    unit = forms.CharField(label=_("单位"), required=False, max_length=30)


class RequiredMilestoneForm(forms.Form):
    title = forms.CharField(label=_("节点名称"), required=False, max_length=100)
    month = forms.IntegerField(label=_("第几个月"), required=False, min_value=1, max_value=120)
    deliverable = forms.CharField(label=_("考核内容"), required=False, max_length=300)


IndicatorFormSet = forms.formset_factory(IndicatorForm, extra=2, max_num=20, absolute_max=40)
RequiredMilestoneFormSet = forms.formset_factory(RequiredMilestoneForm, extra=2, max_num=20, absolute_max=40)


def rows(formset: Any) -> list[dict[str, Any]]:
    """The filled rows of a valid formset (the services skip the empty ones)."""
    return [form.cleaned_data for form in formset.forms if form.cleaned_data]


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("原因"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class QuestionForm(forms.Form):
    question = forms.CharField(label=_("问题"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("答复"), max_length=3000, widget=forms.Textarea(attrs={"rows": 3}))


# -- applications -----------------------------------------------------------------------------------
class ApplicationForm(forms.Form):
    lead = forms.ModelChoiceField(label=_("牵头单位"), queryset=Organisation.objects.none(), empty_label=None)
    partners = forms.ModelMultipleChoiceField(
        label=_("联合单位"),
        queryset=Organisation.objects.filter(is_active=True, kind__in=APPLICANT_KINDS).order_by("name"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("可多选（按住 Ctrl 或 ⌘）；高校、科研院所或企业。"),
    )
    title = forms.CharField(label=_("方案名称"), max_length=200)
    approach = forms.CharField(
        label=_("技术路线与方案"), max_length=5000, widget=forms.Textarea(attrs={"rows": 8})
    )
    trl_now = forms.TypedChoiceField(label=_("当前技术成熟度"), coerce=int)
    trl_promised = forms.TypedChoiceField(label=_("承诺达到的技术成熟度"), coerce=int)
    team_summary = forms.CharField(
        label=_("团队情况"), max_length=3000, widget=forms.Textarea(attrs={"rows": 4})
    )
    budget_total = _money(_("预算总额（元）"), min_value=0)
    budget_public = _money(
        _("申请财政资金（元）"),
        min_value=0,
        initial=0,
        help_text=_("不超过榜单的财政资金，且等于各节点拨付金额之和。"),
    )
    budget_note = forms.CharField(
        label=_("预算说明"), max_length=3000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(
        self,
        *args: Any,
        leads: Iterable[Organisation] = (),
        application: Application | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if application is None:
            cast(forms.ModelChoiceField, self.fields["lead"]).queryset = Organisation.objects.filter(
                pk__in=[o.pk for o in leads]
            ).order_by("name")
        else:
            del self.fields["lead"]
            partners = cast(forms.ModelMultipleChoiceField, self.fields["partners"])
            partners.queryset = Organisation.objects.filter(is_active=True, kind__in=APPLICANT_KINDS).exclude(
                pk=application.lead_id
            )
        choices = trl_choices()
        for name in ("trl_now", "trl_promised"):
            cast(forms.ChoiceField, self.fields[name]).choices = choices

    def content(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in APPLICATION_FIELDS}


def application_initial(application: Application) -> dict[str, Any]:
    return {
        **{name: getattr(application, name) for name in APPLICATION_FIELDS},
        "partners": list(application.partners.all()),
    }


class MemberForm(forms.Form):
    name = forms.CharField(label=_("姓名"), required=False, max_length=60)
    organisation = forms.ModelChoiceField(
        label=_("单位"), queryset=Organisation.objects.none(), required=False, empty_label="—"
    )
    role = forms.CharField(label=_("分工"), required=False, max_length=100)
    user = forms.ModelChoiceField(
        label=_("平台账号"), queryset=User.objects.none(), required=False, empty_label=_("（无）")
    )

    def __init__(self, *args: Any, organisations: Any = None, people: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        none = Organisation.objects.none()
        cast(forms.ModelChoiceField, self.fields["organisation"]).queryset = (
            organisations if organisations is not None else none
        )
        cast(forms.ModelChoiceField, self.fields["user"]).queryset = (
            people if people is not None else User.objects.none()
        )


class ApplicationMilestoneForm(forms.Form):
    title = forms.CharField(label=_("节点名称"), required=False, max_length=100)
    month = forms.IntegerField(label=_("第几个月"), required=False, min_value=1, max_value=120)
    deliverable = forms.CharField(label=_("交付内容"), required=False, max_length=300)
    amount = _money(_("拨付金额（元）"), required=False, min_value=0)


MemberFormSet = forms.formset_factory(MemberForm, extra=3, max_num=30, absolute_max=60)
ApplicationMilestoneFormSet = forms.formset_factory(
    ApplicationMilestoneForm, extra=2, max_num=20, absolute_max=40
)


def member_choices(*, lead_ids: Iterable[int], partner_ids: Iterable[int] = ()) -> dict[str, Any]:
    """What a team row may name: any applicant organisation (the service checks it is on the
    team), and the accounts of the lead and partner organisations known so far."""
    team = [*lead_ids, *partner_ids]
    return {
        "organisations": Organisation.objects.filter(
            Q(pk__in=team) | Q(kind__in=APPLICANT_KINDS), is_active=True
        ).order_by("name"),
        "people": User.objects.filter(memberships__organisation_id__in=team, is_active=True)
        .distinct()
        .order_by("display_name", "username"),
    }


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("附件"),
        help_text=_("PDF、Word/Excel/PowerPoint（docx/xlsx/pptx）或图片，按文件内容检查类型。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.docx,.xlsx,.pptx,.png,.jpg,.jpeg"}),
    )
