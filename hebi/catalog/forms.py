from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hebi.catalog.models import Achievement, Need, Patent, ReadinessLevel, TechField, TransferMode
from hebi.catalog.selectors import ACHIEVEMENT_SORTS, DEADLINE_BANDS, MONEY_BANDS, NEED_SORTS, RELEVANCE
from hebi.catalog.services import NEED_FIELDS, split_list
from hebi.orgs.models import Organisation, Region

User = get_user_model()

TRL_CHOICES = [("", _("不限"))] + [(str(i), f"TRL {i}") for i in range(1, 10)]


def _trl_choices() -> list[tuple[int, str]]:
    names = {r.level: str(r) for r in ReadinessLevel.objects.all()}
    return [(i, names.get(i, f"TRL {i}")) for i in range(1, 10)]


class HallFilterForm(forms.Form):
    # Not bounded here: a long query is cut to its first words by the search, not refused.
    q = forms.CharField(label=_("关键词"), required=False)
    field = forms.ModelChoiceField(
        label=_("技术领域"), queryset=TechField.objects.all(), required=False, empty_label=_("全部领域")
    )
    trl_min = forms.TypedChoiceField(
        label=_("成熟度不低于"), choices=TRL_CHOICES, required=False, coerce=int, empty_value=None
    )
    trl_max = forms.TypedChoiceField(
        label=_("成熟度不高于"), choices=TRL_CHOICES, required=False, coerce=int, empty_value=None
    )
    mode = forms.ChoiceField(
        label=_("转化方式"), required=False, choices=[("", _("不限")), *TransferMode.choices]
    )
    region = forms.ModelChoiceField(
        label=_("区域"),
        queryset=Region.objects.filter(code__startswith="22"),
        required=False,
        empty_label=_("全部区域"),
        to_field_name="code",
    )
    org_kind = forms.ChoiceField(
        label=_("机构类型"), required=False, choices=[("", _("全部类型")), *Organisation.Kind.choices]
    )
    money = forms.ChoiceField(label=_("价格"), required=False)
    deadline = forms.ChoiceField(
        label=_("研发时限"),
        required=False,
        choices=[("", _("不限"))] + [(c, label) for c, label, _d in DEADLINE_BANDS],
    )
    sort = forms.ChoiceField(label=_("排序"), required=False)

    def __init__(self, *args: Any, kind: str = "achievement", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        sorts = ACHIEVEMENT_SORTS if kind == "achievement" else NEED_SORTS
        cast(forms.ChoiceField, self.fields["sort"]).choices = [("", _("默认")), (RELEVANCE, _("相关度"))] + [
            (k, v[0]) for k, v in sorts.items()
        ]
        cast(forms.ChoiceField, self.fields["money"]).choices = [("", _("不限"))] + [
            (c, label) for c, label, _lo, _hi in MONEY_BANDS
        ]
        if kind == "achievement":
            del self.fields["deadline"]
        else:
            del self.fields["mode"]
            self.fields["money"].label = _("资金投入")
            self.fields["trl_min"].label = _("期望成熟度不低于")
            self.fields["trl_max"].label = _("期望成熟度不高于")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("trl_min"), data.get("trl_max")
        if low and high and low > high:
            self.add_error("trl_max", _("成熟度下限不能高于上限。"))
        return data


class KeywordsField(forms.CharField):
    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return "，".join(value)
        return value


class AchievementForm(forms.ModelForm):
    keywords = KeywordsField(label=_("关键词"), required=False, help_text=_("用逗号或顿号分隔，最多 12 个。"))
    transfer_modes = forms.MultipleChoiceField(
        label=_("转化方式"), choices=TransferMode.choices, widget=forms.CheckboxSelectMultiple
    )
    trl = forms.TypedChoiceField(label=_("技术成熟度"), coerce=int)
    team = forms.ModelMultipleChoiceField(
        label=_("团队成员"), queryset=User.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    patent_numbers = forms.CharField(
        label=_("关联专利申请号"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("本机构已登记的专利，多个申请号用逗号或换行分隔。"),
    )

    class Meta:
        model = Achievement
        fields = [
            "title",
            "summary",
            "field",
            "keywords",
            "trl",
            "team",
            "team_note",
            "patent_numbers",
            "transfer_modes",
            "price_kind",
            "price_min",
            "price_max",
            "incumbent",
            "economics",
            "visibility",
            "confidential_details",
        ]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 6}),
            "incumbent": forms.Textarea(attrs={"rows": 3}),
            "economics": forms.Textarea(attrs={"rows": 3}),
            "confidential_details": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, owner: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.owner = owner
        cast(forms.ChoiceField, self.fields["trl"]).choices = _trl_choices()
        cast(forms.ModelMultipleChoiceField, self.fields["team"]).queryset = User.objects.filter(
            memberships__organisation=owner, is_active=True
        ).distinct()
        if self.instance.pk:
            numbers = self.instance.patents.values_list("application_number", flat=True)
            self.initial["patent_numbers"] = "，".join(numbers)

    def clean_patent_numbers(self) -> list[Patent]:
        from hebi.catalog.patents import normalise_application_number

        numbers = split_list(self.cleaned_data.get("patent_numbers") or "")
        patents = []
        missing = []
        for number in numbers:
            try:
                canonical = normalise_application_number(number)
            except ValidationError:
                missing.append(number)
                continue
            patent = Patent.objects.filter(application_number=canonical, owner=self.owner).first()
            if patent is None:
                missing.append(number)
            else:
                patents.append(patent)
        if missing:
            raise forms.ValidationError(
                _("以下申请号不是本机构已登记的专利：%(n)s") % {"n": "、".join(missing)}
            )
        return patents


class IndicatorForm(forms.Form):
    name = forms.CharField(label=_("指标名称"), required=False, max_length=100)
    target = forms.CharField(label=_("目标值"), required=False, max_length=60)
    unit = forms.CharField(label=_("单位"), required=False, max_length=30)


IndicatorFormSet = forms.formset_factory(
    IndicatorForm, extra=2, max_num=12, absolute_max=12, validate_max=True
)


class NeedForm(forms.ModelForm):
    keywords = KeywordsField(label=_("关键词"), required=False, help_text=_("用逗号或顿号分隔，最多 12 个。"))
    min_trl = forms.TypedChoiceField(
        label=_("期望成熟度（不低于）"), coerce=int, required=False, empty_value=None
    )

    class Meta:
        model = Need
        fields = NEED_FIELDS
        widgets = {
            "description": forms.Textarea(attrs={"rows": 6}),
            "deadline": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "confidential_details": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["min_trl"]).choices = [("", _("不限")), *_trl_choices()]
        self.fields["deadline"].widget.attrs["min"] = timezone.localdate().isoformat()


class TransitionForm(forms.Form):
    to = forms.CharField(max_length=30)
    reason = forms.CharField(label=_("原因"), required=False, max_length=500)


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("文件"))
    confidential = forms.BooleanField(label=_("保密附件（仅授权机构可见）"), required=False)


class AccessRequestForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("申请机构"), queryset=Organisation.objects.none())
    purpose = forms.CharField(label=_("用途说明"), required=False, max_length=500)
    accepted = forms.BooleanField(
        label=_("我已阅读并代表本机构接受上述保密承诺"),
        required=True,
        error_messages={"required": _("请阅读并接受保密承诺。")},
    )

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["organisation"]).queryset = organisations
