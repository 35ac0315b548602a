from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class FeedbackForm(forms.Form):
    """What a match row posts. Status and reason are plain text on purpose: the feedback service
    checks them and words the errors (unknown status, a decline without its reason)."""

    status = forms.CharField(max_length=20, required=False)
    reason = forms.CharField(max_length=20, required=False)
    note = forms.CharField(label=_("说明"), max_length=500, required=False)


class ReportForm(forms.Form):
    since = forms.DateField(
        label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
