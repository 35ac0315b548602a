from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from hebi.orgs.models import Organisation, Region


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = [
            "name",
            "short_name",
            "name_en",
            "kind",
            "uscc",
            "region",
            "description",
            "website",
            "address",
            "contact_email",
            "contact_phone",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        region = cast(forms.ModelChoiceField, self.fields["region"])
        region.queryset = Region.objects.order_by("code")
        region.label_from_instance = lambda r: f"{r.code} {r.name}"  # type: ignore[method-assign,assignment]

    def clean_uscc(self) -> str | None:
        value = (self.cleaned_data.get("uscc") or "").strip().upper()
        return value or None


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("机构类型"), required=False, choices=[("", _("全部类型")), *list(Organisation.Kind.choices)]
    )
    region = forms.ChoiceField(label=_("区域"), required=False, choices=())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        regions = Region.objects.filter(kind__in=["province", "prefecture"]).order_by("code")
        cast(forms.ChoiceField, self.fields["region"]).choices = [("", _("全部区域"))] + [
            (r.code, f"{r.name}") for r in regions
        ]


class MembershipRoleForm(forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=150)
    role = forms.ChoiceField(label=_("角色"), choices=())

    def __init__(self, *args: Any, role_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["role"]).choices = role_choices
