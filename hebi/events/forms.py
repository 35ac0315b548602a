"""Forms of the event pages. They collect input; the services decide."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from hebi.catalog import selectors as catalog_selectors
from hebi.catalog.models import Achievement
from hebi.challenges import scoring
from hebi.challenges.models import Rubric
from hebi.deals import selectors as deals_selectors
from hebi.deals.models import TransferProject
from hebi.events.models import Event, EventSlot, Invitation, Registration
from hebi.events.services import EVENT_TIME_FIELDS, validate_event_time
from hebi.orgs.models import Organisation

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


# Who presents at a roadshow: the organisations whose results are transferred. Funds, banks,
# government bodies and parks come to listen, invest or host, not to present.
PRESENTER_KINDS = (
    Organisation.Kind.UNIVERSITY,
    Organisation.Kind.INSTITUTE,
    Organisation.Kind.ENTERPRISE,
)


def _org_choices() -> Any:
    return Organisation.objects.filter(is_active=True).order_by("kind", "name")


def _kind_rank(field: str) -> Case:
    """Presenters in the order of PRESENTER_KINDS (universities, institutes, enterprises)."""
    return Case(
        *(When(**{field: kind}, then=Value(rank)) for rank, kind in enumerate(PRESENTER_KINDS)),
        default=Value(len(PRESENTER_KINDS)),
        output_field=IntegerField(),
    )


def presenter_choices(*, keep: Any = None) -> QuerySet[Organisation]:
    """Active universities, institutes and enterprises, by kind then name; `keep` (the slot's
    current organisation) stays listed even if it no longer qualifies."""
    return Organisation.objects.filter(Q(is_active=True, kind__in=PRESENTER_KINDS) | Q(pk=keep)).order_by(
        _kind_rank("kind"), "name"
    )


def _owner_label(owner: Organisation) -> str:
    if owner.short_name and get_language() != "en":
        return owner.short_name
    return str(owner)


def _limits(model: Any, name: str) -> dict[str, str]:
    """The bounds of a model field's validators, as min/max attributes for the browser."""
    attrs = {}
    for validator in model._meta.get_field(name).validators:
        if isinstance(validator, MinValueValidator):
            attrs["min"] = str(validator.limit_value)
        elif isinstance(validator, MaxValueValidator):
            attrs["max"] = str(validator.limit_value)
    return attrs


class RecordChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{_owner_label(obj.owner)} · {obj.title}"


class ProjectChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.title}（{obj.owner} → {obj.enterprise}）"


class EventForm(forms.ModelForm):
    """The facts of an event; `organisers` (create only) are the organisations it may be run for."""

    organiser = forms.ModelChoiceField(label=_("主办单位"), queryset=Organisation.objects.none())

    class Meta:
        model = Event
        fields = [
            "organiser",
            "kind",
            "title",
            "starts_at",
            "ends_at",
            "venue",
            "co_organisers",
            "description",
            "capacity",
            "registration_closes_at",
            "rubric",
        ]
        widgets = {
            "starts_at": DATETIME,
            "ends_at": DATETIME,
            "registration_closes_at": DATETIME,
            "description": forms.Textarea(attrs={"rows": 5}),
        }
        help_texts = {
            "co_organisers": _("多家单位请用顿号分隔，如：长春新区、吉林大学。"),
            "registration_closes_at": _("不填则报名截止到活动开始时。"),
            "rubric": _("评审专家为每个路演项目打分所用的指标。"),
        }

    def __init__(self, *args: Any, organisers: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in EVENT_TIME_FIELDS:
            self.fields[name].validators.append(validate_event_time)
        self.fields["capacity"].widget.attrs.update(_limits(Event, "capacity"))
        if organisers is None:
            del self.fields["organiser"]
        else:
            cast(forms.ModelChoiceField, self.fields["organiser"]).queryset = organisers
            if len(organisers) == 1:
                self.initial.setdefault("organiser", organisers[0])
        rubric = cast(forms.ModelChoiceField, self.fields["rubric"])
        rubric.queryset = Rubric.objects.filter(
            Q(purpose=Rubric.Purpose.ROADSHOW, is_active=True) | Q(pk=self.instance.rubric_id)
        )
        rubric.required = True
        if not self.instance.pk:
            self.initial.setdefault("rubric", "roadshow-2023")

    def service_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "organiser"}


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("取消原因"), max_length=500)


class SlotForm(forms.ModelForm):
    achievement = RecordChoiceField(
        label=_("关联成果"),
        queryset=Achievement.objects.none(),
        required=False,
        help_text=_("须为路演单位已发布的成果。"),
    )
    project = ProjectChoiceField(
        label=_("关联转化项目"), queryset=TransferProject.objects.none(), required=False
    )

    class Meta:
        model = EventSlot
        fields = [
            "title",
            "organisation",
            "presenter",
            "starts_at",
            "minutes",
            "summary",
            "achievement",
            "project",
        ]
        widgets = {"starts_at": TIME, "summary": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, viewer: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        slot: EventSlot = self.instance
        cast(forms.ModelChoiceField, self.fields["organisation"]).queryset = presenter_choices(
            keep=slot.organisation_id
        )
        # Published results of presenting organisations, plus whatever the slot already names;
        # once the presenting organisation is known, only its results (the service requires it).
        results = catalog_selectors.listed(Achievement, viewer=viewer).filter(owner__kind__in=PRESENTER_KINDS)
        presenter = self._presenter_id()
        if presenter is not None:
            results = results.filter(owner_id=presenter)
        cast(forms.ModelChoiceField, self.fields["achievement"]).queryset = (
            Achievement.objects.filter(Q(pk__in=results.values("pk")) | Q(pk=slot.achievement_id))
            .select_related("owner")
            .order_by(_kind_rank("owner__kind"), "owner__name", "title")
        )
        if presenter is None:
            self.fields["achievement"].help_text = _(
                "须为路演单位已发布的成果。选定路演单位并保存后，这里只列出该单位的成果。"
            )
        cast(forms.ModelChoiceField, self.fields["project"]).queryset = TransferProject.objects.filter(
            Q(pk__in=deals_selectors.projects_visible(viewer=viewer).values("pk")) | Q(pk=slot.project_id)
        ).select_related("owner", "enterprise")

    def _presenter_id(self) -> int | None:
        """The presenting organisation the form knows: the one submitted, else the slot's."""
        if not self.is_bound:
            return self.instance.organisation_id
        try:
            submitted = int(self.data.get(self.add_prefix("organisation")) or "")
        except (TypeError, ValueError):
            return None
        # Beyond the database's integers the field itself says the choice is invalid.
        return submitted if 0 < submitted < 2**63 else None


class InvitationForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("受邀单位"), queryset=Organisation.objects.none())
    kind = forms.ChoiceField(label=_("受邀身份"), choices=Invitation.Kind.choices)
    note = forms.CharField(label=_("备注"), required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["organisation"]).queryset = _org_choices()


class RegistrationForm(forms.Form):
    """`organisations` are the registrant's own; `roles` the roles they may take (None: any, and
    the service explains a refusal)."""

    role = forms.ChoiceField(
        label=_("参会身份"),
        choices=Registration.Role.choices,
        help_text=_(
            "评审专家限专家库在库专家或受邀专家单位成员；投资人限基金、银行或受邀投资机构成员；"
            "企业代表须选择本人所在的企业。"
        ),
    )
    organisation = forms.ModelChoiceField(
        label=_("单位"), queryset=Organisation.objects.none(), required=False, empty_label=_("（以个人身份）")
    )

    def __init__(
        self, *args: Any, organisations: Any, roles: list[tuple[str, Any]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if roles is not None:
            cast(forms.ChoiceField, self.fields["role"]).choices = roles
        field = cast(forms.ModelChoiceField, self.fields["organisation"])
        field.queryset = organisations
        if len(organisations) == 1:
            self.initial.setdefault("organisation", organisations[0])


class SearchForm(forms.Form):
    q = forms.CharField(label=_("姓名或单位"), required=False, max_length=60)


def score_field(code: str) -> str:
    return f"score_{code}"


class FeedbackForm(forms.Form):
    """One slot's sheet on the live page: the rubric's criteria, the interest toggle and a note.
    Scores stay text here: the score-sheet checker gives the per-criterion messages."""

    want_to_talk = forms.BooleanField(label=_("想进一步洽谈"), required=False)
    note = forms.CharField(
        label=_("备注"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, criteria: list[scoring.Criterion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        scores = {
            score_field(c.code): forms.CharField(
                label=f"{c.name}（{c.max_score:g}）",
                required=False,
                max_length=10,
                widget=forms.NumberInput(
                    attrs={"step": "0.5", "min": "0", "max": f"{c.max_score:g}", "inputmode": "decimal"}
                ),
            )
            for c in criteria
        }
        self.fields = {**scores, **self.fields}

    def items(self) -> dict[str, str]:
        return {c.code: self.cleaned_data.get(score_field(c.code)) or "" for c in self.criteria}

    @classmethod
    def initial_from(cls, feedback: Any) -> dict[str, Any]:
        if feedback is None:
            return {}
        data: dict[str, Any] = {score_field(k): v for k, v in (feedback.items or {}).items()}
        data.update(want_to_talk=feedback.want_to_talk, note=feedback.note)
        return data
