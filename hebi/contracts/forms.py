"""Forms of the contract pages. They parse what was typed; the services decide what is valid."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from hebi.catalog.models import Achievement, Patent
from hebi.contracts.models import ContractCategory, ContractParty, LicenceScope, RefusalReason, TechContract
from hebi.orgs.models import Organisation, Region

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONEY_ATTRS = {"inputmode": "decimal", "step": "0.01", "min": "0"}


def category_choices() -> list[Any]:
    """Active categories grouped under their parent: 技术许可 → 专利实施许可, …"""
    subtypes: dict[int, list[tuple[int, str]]] = {}
    parents: list[ContractCategory] = []
    for category in ContractCategory.objects.filter(is_active=True).select_related("parent"):
        if category.parent_id is None:
            parents.append(category)
        else:
            name = category.name_en if category.name_en and _is_english() else category.name
            subtypes.setdefault(category.parent_id, []).append((category.pk, name))
    choices: list[Any] = [("", _("请选择合同类型"))]
    choices += [(str(parent), subtypes[parent.pk]) for parent in parents if parent.pk in subtypes]
    return choices


def _is_english() -> bool:
    return get_language() == "en"


class ContractFilterForm(forms.Form):
    q = forms.CharField(label=_("合同名称或登记编号"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("登记状态"), required=False, choices=[("", _("全部")), *TechContract.Status.choices]
    )
    category = forms.ModelChoiceField(
        label=_("合同类型"),
        queryset=ContractCategory.objects.select_related("parent"),
        required=False,
        empty_label=_("全部类型"),
        to_field_name="code",
    )
    local = forms.ChoiceField(
        label=_("本地转化"),
        required=False,
        choices=[("", _("不限")), ("yes", _("本地转化")), ("no", _("非本地"))],
    )
    year = forms.TypedChoiceField(label=_("签订年度"), required=False, coerce=int, empty_value=None)
    # The statistics count a contract in the year it was first registered; their links use this.
    registered_year = forms.IntegerField(
        label=_("登记年度"), required=False, min_value=2000, max_value=2100, widget=forms.HiddenInput
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        this_year = timezone.localdate().year
        cast(forms.ChoiceField, self.fields["year"]).choices = [("", _("全部年度"))] + [
            (str(y), str(y)) for y in range(this_year, this_year - 10, -1)
        ]


class ContractForm(forms.Form):
    title = forms.CharField(label=_("合同名称"), max_length=200, required=False)
    category = forms.ModelChoiceField(
        label=_("合同类型"),
        queryset=ContractCategory.objects.filter(is_active=True, parent__isnull=False),
        required=False,
        help_text=_("按《技术合同认定规则》选择到子类。"),
    )
    licence_scope = forms.ChoiceField(
        label=_("许可方式"),
        required=False,
        choices=[("", _("（非许可合同不填）")), *LicenceScope.choices],
        help_text=_("仅技术许可合同填写。"),
    )
    subject = forms.CharField(
        label=_("合同标的与主要内容"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    total_amount = forms.DecimalField(
        label=_("合同成交额（元）"),
        max_digits=14,
        decimal_places=2,
        required=False,
        widget=forms.NumberInput(attrs=MONEY_ATTRS),
    )
    tech_amount = forms.DecimalField(
        label=_("技术交易额（元）"),
        max_digits=14,
        decimal_places=2,
        required=False,
        widget=forms.NumberInput(attrs=MONEY_ATTRS),
        help_text=_("成交额中属于技术部分的金额，不得超过成交额；差额须在下方逐项列明。"),
    )
    signed_on = forms.DateField(label=_("签订日期"), required=False, widget=DATE)
    term_start = forms.DateField(label=_("履行期限起"), required=False, widget=DATE)
    term_end = forms.DateField(label=_("履行期限止"), required=False, widget=DATE)
    achievements = forms.ModelMultipleChoiceField(
        label=_("关联成果"),
        queryset=Achievement.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("卖方单位登记的科技成果。"),
    )
    patents = forms.ModelMultipleChoiceField(
        label=_("关联专利"),
        queryset=Patent.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("卖方单位的专利。"),
    )
    signed_file = forms.FileField(
        label=_("合同文本（签字盖章版）"),
        required=False,
        help_text=_("PDF、PNG、JPEG 或 Word（docx），按文件内容检查类型；提交登记前必须上传。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,.docx"}),
    )
    change_note = forms.CharField(
        label=_("修改说明"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("修订版本必填：改了什么，为什么改。"),
    )

    def __init__(self, *args: Any, seller: Organisation, revision: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["category"])
        field.choices = category_choices()
        cast(
            forms.ModelMultipleChoiceField, self.fields["achievements"]
        ).queryset = Achievement.objects.filter(owner=seller).order_by("-updated_at")
        cast(forms.ModelMultipleChoiceField, self.fields["patents"]).queryset = Patent.objects.filter(
            owner=seller
        ).order_by("-id")
        if not revision:
            del self.fields["change_note"]

    def content(self) -> dict[str, Any]:
        """The content fields as the services take them."""
        data = self.cleaned_data
        return {
            name: data.get(name)
            for name in (
                "title",
                "category",
                "licence_scope",
                "subject",
                "total_amount",
                "tech_amount",
                "signed_on",
                "term_start",
                "term_end",
                "change_note",
            )
        }


class NonTechItemForm(forms.Form):
    name = forms.CharField(label=_("款项名称"), max_length=100, required=False)
    amount = forms.DecimalField(
        label=_("金额（元）"),
        max_digits=14,
        decimal_places=2,
        required=False,
        widget=forms.NumberInput(attrs=MONEY_ATTRS),
    )


class PartyForm(forms.Form):
    role = forms.ChoiceField(label=_("角色"), choices=ContractParty.Role.choices)
    organisation = forms.ModelChoiceField(
        label=_("平台机构"),
        queryset=Organisation.objects.filter(is_active=True).order_by("name"),
        required=False,
        empty_label=_("（不在平台上）"),
        help_text=_("选择后自动填入名称、信用代码和区域。"),
    )
    name = forms.CharField(label=_("名称"), max_length=100, required=False)
    uscc = forms.CharField(label=_("统一社会信用代码"), max_length=30, required=False)
    region = forms.ModelChoiceField(
        label=_("所在区域"),
        queryset=Region.objects.order_by("code"),
        to_field_name="code",
        required=False,
        empty_label=_("请选择区域"),
    )
    contact = forms.CharField(label=_("联系人及电话"), max_length=100, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        organisation = data.get("organisation")
        # A party chosen from the platform brings its registered name, code and region.
        if organisation is not None:
            data["name"] = data.get("name") or organisation.name
            data["uscc"] = data.get("uscc") or organisation.uscc or ""
            data["region"] = data.get("region") or organisation.region
        return data

    @property
    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not (data.get("name") or data.get("uscc") or data.get("organisation"))


NonTechItemFormSet = forms.formset_factory(NonTechItemForm, extra=2, max_num=20, absolute_max=40)
PartyFormSet = forms.formset_factory(PartyForm, extra=1, max_num=10, absolute_max=20)


def party_rows(formset: Any) -> list[dict[str, Any]]:
    return [form.cleaned_data for form in formset.forms if not form.is_blank]


def item_rows(formset: Any) -> list[dict[str, Any]]:
    return [
        {"name": form.cleaned_data.get("name") or "", "amount": form.cleaned_data.get("amount")}
        for form in formset.forms
        if form.cleaned_data.get("name") or form.cleaned_data.get("amount") is not None
    ]


def party_initial(parties: Iterable[ContractParty]) -> list[dict[str, Any]]:
    return [
        {
            "role": p.role,
            "organisation": p.organisation_id,
            "name": p.name,
            "uscc": p.uscc,
            "region": p.region_id,
            "contact": p.contact,
        }
        for p in parties
    ]


def organisation_party(organisation: Organisation, role: str) -> dict[str, Any]:
    return {
        "role": role,
        "organisation": organisation.pk,
        "name": organisation.name,
        "uscc": organisation.uscc or "",
        "region": organisation.region_id,
    }


class AmendForm(forms.Form):
    change_note = forms.CharField(
        label=_("修改说明"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("改了什么，为什么改。原版本将完整保留。"),
    )


class RegisterForm(forms.Form):
    comment = forms.CharField(
        label=_("审核意见"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RefuseForm(forms.Form):
    reasons = forms.ModelMultipleChoiceField(
        label=_("不予登记理由"),
        queryset=RefusalReason.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    comment = forms.CharField(
        label=_("审核意见"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("选择“其他”时必填。"),
    )
