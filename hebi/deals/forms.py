"""Forms of the engagement and transfer-project pages. They collect input; the services decide."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hebi.catalog import selectors as catalog_selectors
from hebi.catalog.models import Achievement, Need
from hebi.core.roles import Role
from hebi.deals.models import Engagement, Funding, TransferProject, WorkTeam
from hebi.deals.services import HOST_KINDS
from hebi.orgs.models import Organisation

User = get_user_model()
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
OPEN_ACHIEVEMENT_STATES = [Achievement.Status.PUBLISHED, Achievement.Status.NEGOTIATING]
OPEN_NEED_STATES = [Need.Status.PUBLISHED, Need.Status.MATCHED, Need.Status.NEGOTIATING]


def _org_choices() -> Any:
    return Organisation.objects.filter(is_active=True).order_by("kind", "name")


def _people_label(user: Any) -> str:
    return user.get_full_name() or user.get_username()


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return _people_label(obj)


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return _people_label(obj)


class RecordChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.title}（{obj.owner}）"


# -- engagements ------------------------------------------------------------------------------------
class EngagementForm(forms.ModelForm):
    organisations = forms.ModelMultipleChoiceField(
        label=_("对接单位"),
        queryset=Organisation.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("按住 Ctrl（Mac 上为 ⌘）可多选。"),
    )
    needs = RecordChoiceField(
        label=_("涉及需求"),
        queryset=Need.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )
    achievements = RecordChoiceField(
        label=_("涉及成果"),
        queryset=Achievement.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )
    next_step_owner = PersonChoiceField(label=_("跟进人"), queryset=User.objects.none(), required=False)

    class Meta:
        model = Engagement
        fields = [
            "kind",
            "held_on",
            "place",
            "team",
            "organisations",
            "people",
            "needs",
            "achievements",
            "summary",
            "outcome",
            "next_step",
            "next_step_on",
            "next_step_owner",
        ]
        widgets = {
            "held_on": DATE,
            "next_step_on": DATE,
            "summary": forms.Textarea(attrs={"rows": 6}),
        }
        help_texts = {
            "people": _("双方参加人员，如：吉林大学 张教授；中国一汽 研发部王工。"),
            "next_step_on": _("到期未完成的跟进会在“我的跟进”中提醒。"),
        }

    def __init__(
        self, *args: Any, viewer: Any, recorder_org: Organisation, teams: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        fields = self.fields
        cast(forms.ModelMultipleChoiceField, fields["organisations"]).queryset = _org_choices()
        achievements = catalog_selectors.visible(Achievement, viewer=viewer)
        needs = catalog_selectors.visible(Need, viewer=viewer)
        chosen_a = [a.pk for a in self.instance.achievements.all()] if self.instance.pk else []
        chosen_n = [n.pk for n in self.instance.needs.all()] if self.instance.pk else []
        # Live records, plus whatever the record already names (it may have moved on since).
        cast(forms.ModelMultipleChoiceField, fields["achievements"]).queryset = achievements.filter(
            Q(status__in=OPEN_ACHIEVEMENT_STATES) | Q(pk__in=chosen_a)
        ).select_related("owner")
        cast(forms.ModelMultipleChoiceField, fields["needs"]).queryset = needs.filter(
            Q(status__in=OPEN_NEED_STATES) | Q(pk__in=chosen_n)
        ).select_related("owner")
        cast(forms.ModelChoiceField, fields["team"]).queryset = teams
        cast(forms.ModelChoiceField, fields["next_step_owner"]).queryset = (
            User.objects.filter(is_active=True, memberships__organisation=recorder_org)
            .distinct()
            .order_by("display_name", "username")
        )
        outcomes = [(v, label) for v, label in Engagement.Outcome.choices if v != Engagement.Outcome.PROJECT]
        if self.instance.pk and self.instance.outcome == Engagement.Outcome.PROJECT:
            outcomes = [(Engagement.Outcome.PROJECT.value, Engagement.Outcome.PROJECT.label)]
        cast(forms.ChoiceField, fields["outcome"]).choices = outcomes
        fields["held_on"].widget.attrs["max"] = timezone.localdate().isoformat()
        if not self.instance.pk:
            self.initial.setdefault("held_on", timezone.localdate())


class EngagementFilterForm(forms.Form):
    q = forms.CharField(label=_("关键词"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("对接方式"), required=False, choices=[("", _("全部")), *Engagement.Kind.choices]
    )
    outcome = forms.ChoiceField(
        label=_("对接结果"), required=False, choices=[("", _("全部")), *Engagement.Outcome.choices]
    )
    follow_up = forms.ChoiceField(
        label=_("跟进"),
        required=False,
        choices=[
            ("", _("全部")),
            ("open", _("待跟进")),
            ("overdue", _("已逾期")),
            ("mine", _("我负责的")),
        ],
    )
    date_from = forms.DateField(label=_("对接日期自"), required=False, widget=DATE)
    date_to = forms.DateField(label=_("至"), required=False, widget=DATE)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("结束日期不能早于开始日期。"))
        return data


class FollowUpDoneForm(forms.Form):
    note = forms.CharField(label=_("跟进情况"), required=False, max_length=500)


# -- transfer projects -------------------------------------------------------------------------------
class ProjectCreateForm(forms.Form):
    title = forms.CharField(label=_("项目名称"), max_length=200)
    summary = forms.CharField(
        label=_("项目简介"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    owner = forms.ModelChoiceField(
        label=_("成果方"), queryset=Organisation.objects.none(), help_text=_("成果的持有单位。")
    )
    enterprise = forms.ModelChoiceField(label=_("承接企业"), queryset=Organisation.objects.none())
    achievements = RecordChoiceField(
        label=_("科技成果"),
        queryset=Achievement.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
        help_text=_("须为成果方所有的成果。"),
    )
    need = forms.ModelChoiceField(
        label=_("技术需求"),
        queryset=Need.objects.none(),
        required=False,
        help_text=_("须为承接企业发布的需求。"),
    )
    team = forms.ModelChoiceField(label=_("工作专班"), queryset=WorkTeam.objects.none(), required=False)
    manager = PersonChoiceField(label=_("技术经理人"), queryset=User.objects.none(), required=False)

    def __init__(self, *args: Any, viewer: Any, teams: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = self.fields
        orgs = _org_choices()
        cast(forms.ModelChoiceField, fields["owner"]).queryset = orgs.exclude(
            kind__in=[Organisation.Kind.GOVERNMENT, Organisation.Kind.BANK]
        )
        cast(forms.ModelChoiceField, fields["enterprise"]).queryset = orgs.filter(
            kind=Organisation.Kind.ENTERPRISE
        )
        cast(forms.ModelMultipleChoiceField, fields["achievements"]).queryset = (
            catalog_selectors.visible(Achievement, viewer=viewer)
            .filter(status__in=OPEN_ACHIEVEMENT_STATES)
            .select_related("owner")
        )
        need_field = cast(forms.ModelChoiceField, fields["need"])
        need_field.queryset = (
            catalog_selectors.visible(Need, viewer=viewer)
            .filter(status__in=OPEN_NEED_STATES)
            .select_related("owner")
        )
        need_field.label_from_instance = lambda obj: f"{obj.title}（{obj.owner}）"  # type: ignore[method-assign]
        cast(forms.ModelChoiceField, fields["team"]).queryset = teams
        cast(forms.ModelChoiceField, fields["manager"]).queryset = managers()


def managers() -> Any:
    return (
        User.objects.filter(
            is_active=True, memberships__role=Role.TECH_MANAGER, memberships__organisation__is_active=True
        )
        .distinct()
        .order_by("display_name", "username")
    )


class ProjectEditForm(forms.ModelForm):
    achievements = RecordChoiceField(
        label=_("科技成果"),
        queryset=Achievement.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )
    members = PeopleChoiceField(
        label=_("项目成员"), queryset=User.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    manager = PersonChoiceField(label=_("技术经理人"), queryset=User.objects.none(), required=False)

    class Meta:
        model = TransferProject
        fields = ["title", "summary", "achievements", "need", "team", "manager", "members"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, viewer: Any, teams: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        project: TransferProject = self.instance
        fields = self.fields
        cast(forms.ModelMultipleChoiceField, fields["achievements"]).queryset = (
            catalog_selectors.visible(Achievement, viewer=viewer)
            .filter(owner=project.owner)
            .select_related("owner")
        )
        need_field = cast(forms.ModelChoiceField, fields["need"])
        need_field.queryset = catalog_selectors.visible(Need, viewer=viewer).filter(owner=project.enterprise)
        # The team the project already has stays selectable even for someone outside it.
        cast(forms.ModelChoiceField, fields["team"]).queryset = WorkTeam.objects.filter(
            Q(pk__in=teams.values("pk")) | Q(pk=project.team_id)
        )
        cast(forms.ModelChoiceField, fields["manager"]).queryset = managers()
        cast(forms.ModelMultipleChoiceField, fields["members"]).queryset = (
            User.objects.filter(
                is_active=True, memberships__organisation__in=[project.owner, project.enterprise]
            )
            .distinct()
            .order_by("display_name", "username")
        )


class TransitionForm(forms.Form):
    to = forms.ChoiceField(label=_("变更为"), choices=TransferProject.Stage.choices)
    reason = forms.CharField(label=_("说明"), required=False, max_length=500)
    stop_reason = forms.ChoiceField(
        label=_("终止原因"), required=False, choices=[("", "—"), *TransferProject.StopReason.choices]
    )
    host = forms.ModelChoiceField(
        label=_("承载平台"),
        queryset=Organisation.objects.filter(is_active=True, kind__in=HOST_KINDS).order_by("kind", "name"),
        required=False,
        empty_label=_("（不填）"),
    )


class HostForm(forms.Form):
    host = forms.ModelChoiceField(
        label=_("承载平台"),
        queryset=Organisation.objects.filter(is_active=True, kind__in=HOST_KINDS).order_by("kind", "name"),
        required=False,
        empty_label=_("（无）"),
    )


class FundingForm(forms.Form):
    source = forms.ChoiceField(label=_("资金来源"), choices=Funding.Source.choices)
    amount = forms.DecimalField(
        label=_("金额（元）"),
        max_digits=14,
        decimal_places=2,
        min_value=0,
        widget=forms.NumberInput(attrs={"step": "0.01"}),
    )
    received_on = forms.DateField(label=_("到位日期"), widget=DATE)
    stage = forms.ChoiceField(label=_("阶段"), required=False)
    source_org = forms.ModelChoiceField(
        label=_("出资单位"), queryset=Organisation.objects.none(), required=False, empty_label=_("（不填）")
    )
    note = forms.CharField(label=_("说明"), required=False, max_length=300)

    def __init__(self, *args: Any, project: TransferProject, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        visited = set(project.periods.values_list("stage", flat=True))
        cast(forms.ChoiceField, self.fields["stage"]).choices = [("", _("当前阶段"))] + [
            (value, label)
            for value, label in TransferProject.Stage.choices
            if value in visited and value != TransferProject.Stage.STOPPED
        ]
        cast(forms.ModelChoiceField, self.fields["source_org"]).queryset = _org_choices()
        self.fields["received_on"].widget.attrs["max"] = timezone.localdate().isoformat()
        self.initial.setdefault("received_on", timezone.localdate())


class ProjectFilterForm(forms.Form):
    q = forms.CharField(label=_("关键词"), required=False, max_length=100)
    stage = forms.ChoiceField(
        label=_("阶段"), required=False, choices=[("", _("全部阶段")), *TransferProject.Stage.choices]
    )
    open_only = forms.BooleanField(label=_("只看进行中"), required=False)
    stalled = forms.TypedChoiceField(
        label=_("停留时间"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[
            ("", _("不限")),
            ("30", _("本阶段 30 天以上")),
            ("90", _("本阶段 90 天以上")),
            ("180", _("本阶段 180 天以上")),
        ],
    )
