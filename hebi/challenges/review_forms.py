"""Forms of the review pages: the expert pool, declared conflicts, the panel, the score sheet and
the decision. They collect input; the services in review.py decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from hebi.catalog.models import TechField
from hebi.challenges.models import Application, DecisionCategory, ExpertProfile, Panel, RubricCriterion
from hebi.orgs.models import Organisation

User = get_user_model()


def _organisations() -> Any:
    return Organisation.objects.filter(is_active=True).order_by("kind", "name")


class FieldsChoice(forms.ModelMultipleChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            queryset=TechField.objects.all(),
            required=False,
            widget=forms.CheckboxSelectMultiple,
            label=_("专业领域"),
            **kwargs,
        )


class ExpertFilterForm(forms.Form):
    q = forms.CharField(label=_("关键词"), required=False, max_length=100)
    field = forms.ModelChoiceField(
        label=_("专业领域"), queryset=TechField.objects.all(), required=False, to_field_name="code"
    )
    active = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部")), ("1", _("在库")), ("0", _("已出库"))],
    )


class ExpertForm(forms.Form):
    """The secretariat's form of a profile; `username` only when adding one."""

    username = forms.CharField(label=_("用户名"), max_length=150, help_text=_("专家须先在平台注册账号。"))
    organisation = forms.ModelChoiceField(
        label=_("所在单位"), queryset=Organisation.objects.none(), required=False
    )
    title = forms.CharField(label=_("职称/职务"), max_length=100, required=False)
    expert_fields = FieldsChoice()
    specialties = forms.CharField(label=_("研究方向"), max_length=300, required=False)
    is_enterprise_expert = forms.BooleanField(label=_("企业专家"), required=False)
    is_active = forms.BooleanField(label=_("在库"), required=False, initial=True)

    def __init__(self, *args: Any, creating: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = _organisations()  # type: ignore[attr-defined]
        if creating:
            del self.fields["is_active"]
            self.user: Any = None
        else:
            del self.fields["username"]

    def clean_username(self) -> Any:
        name = self.cleaned_data["username"].strip()
        self.user = User.objects.filter(username=name, is_active=True).first()
        if self.user is None:
            raise forms.ValidationError(_("没有找到该用户名的有效账号。"))
        return name

    @staticmethod
    def initial_for(expert: ExpertProfile) -> dict[str, Any]:
        return {
            "organisation": expert.organisation,
            "title": expert.title,
            "expert_fields": list(expert.fields.all()),
            "specialties": expert.specialties,
            "is_enterprise_expert": expert.is_enterprise_expert,
            "is_active": expert.is_active,
        }


class ExpertSelfForm(forms.Form):
    """What an expert edits on their own page."""

    expert_fields = FieldsChoice()
    specialties = forms.CharField(label=_("研究方向"), max_length=300, required=False)


class ConflictForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("回避单位"), queryset=Organisation.objects.none(), required=False
    )
    person = forms.CharField(
        label=_("回避人员"), max_length=60, required=False, help_text=_("或填写需要回避的人员姓名。")
    )
    reason = forms.CharField(label=_("回避原因"), max_length=300, help_text=_("例如：近三年合作发表论文。"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = _organisations()  # type: ignore[attr-defined]


class PanelForm(forms.Form):
    """The experts proposed for the panel and its chair; the list itself is drawn by the template."""

    experts = forms.ModelMultipleChoiceField(
        label=_("拟选专家"),
        queryset=ExpertProfile.objects.filter(is_active=True),
        error_messages={"required": _("请至少选择一位专家。")},
    )
    chair = forms.ModelChoiceField(
        label=_("组长"), queryset=ExpertProfile.objects.filter(is_active=True), required=False
    )


class PanelAddMemberForm(forms.Form):
    """Seat one more expert on an open panel; the service checks conflicts."""

    expert = forms.ModelChoiceField(
        label=_("增补专家"),
        queryset=ExpertProfile.objects.none(),
        error_messages={"required": _("请选择要增补的专家。")},
    )

    def __init__(self, *args: Any, panel: Panel, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.panel = panel
        # Any expert of the pool is accepted here, so that the service can say why one may not join
        # (already excluded, removed, in conflict); the list offers only those who may.
        self.fields["expert"].queryset = (  # type: ignore[attr-defined]
            ExpertProfile.objects.filter(is_active=True)
            .exclude(pk__in=panel.memberships.values("expert_id"))
            .select_related("user", "organisation")
        )

    def offered(self) -> list[ExpertProfile]:
        """Active experts who are neither on the panel nor excluded from it."""
        return list(
            ExpertProfile.objects.filter(is_active=True, user__is_active=True)
            .exclude(pk__in=self.panel.memberships.values("expert_id"))
            .exclude(pk__in=self.panel.exclusions.values("expert_id"))
            .select_related("user", "organisation")
            .order_by("user__display_name", "user__username")
        )


class PanelRemoveMemberForm(forms.Form):
    """Take a member off an open panel; the reason is required and kept in the record."""

    expert = forms.ModelChoiceField(
        label=_("移出专家"),
        queryset=ExpertProfile.objects.none(),
        error_messages={"required": _("请选择要移出的专家。")},
    )
    reason = forms.CharField(
        label=_("移出原因"),
        max_length=300,
        error_messages={"required": _("请说明移出该专家的原因。")},
        help_text=_("例如：评分期间发现与申报单位存在利益冲突。"),
    )

    def __init__(self, *args: Any, panel: Panel, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["expert"].queryset = ExpertProfile.objects.filter(  # type: ignore[attr-defined]
            pk__in=panel.memberships.values("expert_id")
        ).select_related("user", "organisation")


class ScoreForm(forms.Form):
    """One input per criterion of the rubric; the service checks the range and the 0.5 steps,
    so that the page, the API and the service give the same messages."""

    comment = forms.CharField(
        label=_("评审意见"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(self, *args: Any, criteria: list[RubricCriterion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        scored: dict[str, forms.Field] = {}
        for criterion in criteria:
            scored[criterion.code] = forms.CharField(
                label=criterion.name,
                required=False,
                max_length=20,
                help_text=criterion.description,
                widget=forms.NumberInput(
                    attrs={
                        "step": "0.5",
                        "min": "0",
                        "max": f"{criterion.max_score.normalize():f}",
                        "inputmode": "decimal",
                        "required": True,
                    }
                ),
            )
        self.fields = {**scored, "comment": self.fields["comment"]}

    def items(self) -> dict[str, str]:
        return {c.code: self.cleaned_data.get(c.code, "") for c in self.criteria}

    def criterion_fields(self) -> list[tuple[RubricCriterion, Any]]:
        return [(c, self[c.code]) for c in self.criteria]


class DecisionForm(forms.Form):
    """One category and one comment per application; the service requires both for every one."""

    def __init__(self, *args: Any, applications: list[Application], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.applications = applications
        categories = DecisionCategory.objects.all()
        for app in applications:
            self.fields[f"category_{app.pk}"] = forms.ModelChoiceField(
                label=_("决定类别"), queryset=categories, required=False
            )
            self.fields[f"comment_{app.pk}"] = forms.CharField(
                label=_("评审意见"),
                required=False,
                max_length=3000,
                widget=forms.Textarea(attrs={"rows": 3, "minlength": 10}),
            )

    def rows(self) -> list[tuple[Application, Any, Any]]:
        return [(a, self[f"category_{a.pk}"], self[f"comment_{a.pk}"]) for a in self.applications]

    def decisions(self) -> list[tuple[Application, DecisionCategory | None, str]]:
        return [
            (a, self.cleaned_data.get(f"category_{a.pk}"), self.cleaned_data.get(f"comment_{a.pk}") or "")
            for a in self.applications
        ]
