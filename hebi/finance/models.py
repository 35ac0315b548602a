from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.utils.translation import gettext_lazy as _

from hebi.core.models import Citation, TimeStampedModel


class FundProfile(TimeStampedModel):
    """A fund's kind, size and preferences. Amounts in yuan (元)."""

    class Kind(models.TextChoices):
        SEED = "seed", _("种子基金")
        ANGEL = "angel", _("天使基金")
        VENTURE = "venture", _("创投基金")
        INDUSTRY = "industry", _("产业基金")
        GUIDE = "guide", _("引导基金")

    organisation = models.OneToOneField(
        "orgs.Organisation", verbose_name=_("基金"), on_delete=models.CASCADE, related_name="fund_profile"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("母基金"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    kind = models.CharField(_("基金类型"), max_length=20, choices=Kind.choices)
    size_yuan = models.DecimalField(_("规模（元）"), max_digits=18, decimal_places=2, null=True, blank=True)
    loss_tolerance = models.DecimalField(
        _("容错比例"), max_digits=4, decimal_places=3, null=True, blank=True, help_text=_("0.5 表示 50%。")
    )
    stage_preferences = models.JSONField(_("阶段偏好"), default=list, blank=True)
    sector_preferences = models.JSONField(_("领域偏好"), default=list, blank=True)
    ticket_min_yuan = models.DecimalField(
        _("单笔投资下限（元）"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    ticket_max_yuan = models.DecimalField(
        _("单笔投资上限（元）"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    citations = GenericRelation(Citation)

    class Meta:
        verbose_name = _("基金概况")
        verbose_name_plural = _("基金概况")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(loss_tolerance__isnull=True)
                | models.Q(loss_tolerance__gte=0, loss_tolerance__lte=1),
                name="fund_loss_tolerance_ratio",
                violation_error_message=_("容错比例应在 0 与 1 之间。"),
            )
        ]

    def __str__(self) -> str:
        return str(self.organisation)
