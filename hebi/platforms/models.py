from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.utils.translation import gettext_lazy as _

from hebi.core.models import Citation, TimeStampedModel


class PlatformProfile(TimeStampedModel):
    """What a park, pilot base, concept-verification centre, incubator or lab offers and who built it."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("建设中")
        OPERATING = "operating", _("运营中")
        UNKNOWN = "unknown", _("未说明")

    organisation = models.OneToOneField(
        "orgs.Organisation", verbose_name=_("载体"), on_delete=models.CASCADE, related_name="platform_profile"
    )
    co_builders = models.ManyToManyField(
        "orgs.Organisation", verbose_name=_("共建单位"), related_name="co_built_platforms", blank=True
    )
    co_builder_note = models.CharField(_("共建说明"), max_length=300, blank=True)
    fields = models.JSONField(_("聚焦领域"), default=list, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.UNKNOWN)
    citations = GenericRelation(Citation)

    class Meta:
        verbose_name = _("载体概况")
        verbose_name_plural = _("载体概况")

    def __str__(self) -> str:
        return str(self.organisation)


class Target(TimeStampedModel):
    """A multi-year target a platform committed to (e.g. a park's 3-year targets)."""

    class Metric(models.TextChoices):
        PROJECTS_INTRODUCED = "projects_introduced", _("引进入园项目")
        PROJECTS_CONVERTED = "projects_converted", _("转化项目")
        INDUSTRIALISED_PROJECTS = "industrialised_projects", _("产业化项目")
        COMPANIES_INCUBATED = "companies_incubated", _("孵化科技企业")
        HIGH_TECH_COMPANIES = "high_tech_companies", _("高新技术企业")
        ENTERPRISES_SETTLED = "enterprises_settled", _("入园企业")
        TEAMS_INTRODUCED = "teams_introduced", _("引进企业和项目团队")
        TALENTS = "talents", _("高端人才")
        REVENUE_YUAN = "revenue_yuan", _("营业收入")

    platform = models.ForeignKey(PlatformProfile, on_delete=models.CASCADE, related_name="targets")
    metric = models.CharField(_("指标"), max_length=40, choices=Metric.choices)
    minimum = models.DecimalField(_("目标值（不低于）"), max_digits=20, decimal_places=2)
    unit = models.CharField(_("单位"), max_length=20, blank=True)
    years = models.PositiveSmallIntegerField(_("期限（年）"), default=3)
    citations = GenericRelation(Citation)

    class Meta:
        verbose_name = _("目标")
        verbose_name_plural = _("目标")
        ordering = ["platform", "metric"]
        constraints = [models.UniqueConstraint(fields=["platform", "metric"], name="target_unique_metric")]

    def __str__(self) -> str:
        return f"{self.platform} · {self.get_metric_display()} ≥ {self.minimum.normalize():f}{self.unit}"
