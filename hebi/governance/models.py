from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from hebi.core.models import Citation, TimeStampedModel


class Committee(TimeStampedModel):
    """The city's strategic cooperation committee (科技成果转化战略合作委员会)."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)
    description = models.TextField(_("简介"), blank=True)
    renamed_to = models.CharField(_("更名为"), max_length=100, blank=True)
    renamed_year = models.PositiveSmallIntegerField(_("更名年份"), null=True, blank=True)
    chair_term_months = models.PositiveSmallIntegerField(_("轮值主席任期（月）"), default=6)
    citations = GenericRelation(Citation)

    class Meta:
        verbose_name = _("委员会")
        verbose_name_plural = _("委员会")

    def __str__(self) -> str:
        if get_language() == "en" and self.name_en:
            return self.name_en
        return self.name


class CommitteeMember(TimeStampedModel):
    """A member unit, with its chair-level representative (主任委员) and liaison (联络员) as roles."""

    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="members")
    organisation = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("成员单位"),
        on_delete=models.PROTECT,
        related_name="committee_seats",
    )
    rotating = models.BooleanField(_("轮值成员单位"), default=False)
    representative_title = models.CharField(_("主任委员职务"), max_length=100, blank=True)
    representative = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("主任委员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    liaison = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("联络员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    citations = GenericRelation(Citation)

    class Meta:
        verbose_name = _("成员单位")
        verbose_name_plural = _("成员单位")
        ordering = ["-rotating", "organisation__name"]
        constraints = [
            models.UniqueConstraint(fields=["committee", "organisation"], name="committee_member_unique")
        ]

    def __str__(self) -> str:
        return str(self.organisation)


class ChairTerm(TimeStampedModel):
    """A rotating chair (轮值主席) term, elected among the rotating members."""

    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="chair_terms")
    member = models.ForeignKey(
        CommitteeMember, verbose_name=_("轮值主席单位"), on_delete=models.PROTECT, related_name="chair_terms"
    )
    holder_title = models.CharField(_("轮值主席职务"), max_length=100, blank=True)
    starts_on = models.DateField(_("任期开始"))
    ends_on = models.DateField(_("任期结束"))
    citations = GenericRelation(Citation)

    class Meta:
        verbose_name = _("轮值主席任期")
        verbose_name_plural = _("轮值主席任期")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gt=models.F("starts_on")),
                name="chair_term_ends_after_start",
                violation_error_message=_("任期结束日期必须晚于开始日期。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.member}（{self.starts_on} — {self.ends_on}）"


class ReportedFigure(TimeStampedModel):
    """A figure stated in a source document, kept to compare the platform's computed KPIs against.

    These are never shown as the platform's own KPIs: those are computed from records.
    """

    subject = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("主体"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reported_figures",
        help_text=_("为空表示全市或全省。"),
    )
    metric = models.SlugField(_("指标代码"), max_length=60)
    label = models.CharField(_("指标"), max_length=200)
    value = models.DecimalField(_("数值"), max_digits=20, decimal_places=4)
    unit = models.CharField(_("单位"), max_length=20, blank=True)
    as_of = models.DateField(_("截至"), null=True, blank=True)
    citations = GenericRelation(Citation)

    class Meta:
        verbose_name = _("公开报道数据")
        verbose_name_plural = _("公开报道数据")
        ordering = ["subject__name", "metric"]
        constraints = [
            models.UniqueConstraint(fields=["subject", "metric", "label"], name="reported_figure_unique")
        ]

    def __str__(self) -> str:
        return f"{self.label}: {self.value.normalize():f}{self.unit}"
