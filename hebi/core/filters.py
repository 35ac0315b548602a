import django_filters
from django import forms
from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _

from hebi.core.models import AuditLog
from hebi.orgs.models import Organisation


class AuditLogFilter(django_filters.FilterSet):
    actor = django_filters.CharFilter(
        field_name="actor__username", lookup_expr="iexact", label=_("操作人用户名")
    )
    action = django_filters.ChoiceFilter(choices=AuditLog.Action.choices, label=_("操作"))
    content_type = django_filters.ModelChoiceFilter(
        queryset=ContentType.objects.filter(
            app_label__in=["accounts", "orgs", "governance", "platforms", "finance"]
        ).order_by("app_label", "model"),
        label=_("对象类型"),
    )
    organisation = django_filters.ModelChoiceFilter(
        queryset=Organisation.objects.order_by("name"), label=_("机构")
    )
    since = django_filters.DateFilter(
        field_name="at",
        lookup_expr="date__gte",
        label=_("起始日期"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = django_filters.DateFilter(
        field_name="at",
        lookup_expr="date__lte",
        label=_("截止日期"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    q = django_filters.CharFilter(field_name="object_label", lookup_expr="icontains", label=_("对象名称包含"))

    class Meta:
        model = AuditLog
        fields: list[str] = []
