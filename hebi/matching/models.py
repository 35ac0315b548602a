from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from hebi.core.models import TimeStampedModel


class Kind(models.TextChoices):
    """The kinds of record that carry a vector and take part in matching."""

    ACHIEVEMENT = "achievement", _("科技成果")
    NEED = "need", _("技术需求")
    PATENT = "patent", _("专利")


class Embedding(models.Model):
    """A record's vector and the hash of the text it came from: unchanged text is never embedded
    twice, and a record whose text changed is found by comparing hashes."""

    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField(_("记录编号"))
    embedder = models.CharField(_("向量模型"), max_length=100)
    text_hash = models.CharField(_("文本摘要"), max_length=64)
    dim = models.PositiveSmallIntegerField(_("维数"))
    vector = models.BinaryField(_("向量"))  # float16, little-endian
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("语义向量")
        verbose_name_plural = _("语义向量")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id", "embedder"], name="embedding_once_per_record"
            )
        ]
        indexes = [models.Index(fields=["embedder", "text_hash"])]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id}"


class Match(TimeStampedModel):
    """A suggested pair and what people did with it. The ranking is recomputed on every view;
    a pair is stored when it was pushed to someone or when someone gave feedback on it, with the
    score and reasons it had at that moment."""

    class Direction(models.TextChoices):
        NEED_RESULT = "need_result", _("需求—成果")
        RESULT_FUND = "result_fund", _("成果—基金")
        NEED_EXPERT = "need_expert", _("需求—专家")

    class Status(models.TextChoices):
        SUGGESTED = "suggested", _("系统推荐")
        CONTACTED = "contacted", _("已联系")
        NEGOTIATING = "negotiating", _("洽谈中")
        DECLINED = "declined", _("已婉拒")

    TRANSITIONS: dict[str, list[str]] = {
        Status.SUGGESTED: [Status.CONTACTED, Status.NEGOTIATING, Status.DECLINED],
        Status.CONTACTED: [Status.NEGOTIATING, Status.DECLINED],
        Status.NEGOTIATING: [Status.CONTACTED, Status.DECLINED],
        Status.DECLINED: [Status.CONTACTED],
    }

    class DeclineReason(models.TextChoices):
        TOO_EARLY = "too_early", _("成果阶段太早")
        BENEFIT_UNCLEAR = "benefit_unclear", _("效益不明确")
        PRICE = "price", _("价格不合适")
        IP_UNCLEAR = "ip_unclear", _("知识产权不清晰")
        VAGUE = "vague", _("描述不清楚")
        OTHER = "other", _("其他")

    direction = models.CharField(_("匹配方向"), max_length=20, choices=Direction.choices)
    need = models.ForeignKey(
        "catalog.Need",
        verbose_name=_("技术需求"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="matches",
    )
    achievement = models.ForeignKey(
        "catalog.Achievement",
        verbose_name=_("科技成果"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="matches",
    )
    fund = models.ForeignKey(
        "finance.FundProfile",
        verbose_name=_("基金"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="matches",
    )
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("专家"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="expert_matches",
    )
    score = models.FloatField(_("匹配度"))
    rank = models.PositiveSmallIntegerField(_("推荐名次"), null=True, blank=True)
    components = models.JSONField(_("得分构成"), default=dict, blank=True)
    reasons = models.JSONField(_("匹配理由"), default=list, blank=True)
    status = models.CharField(_("对接状态"), max_length=20, choices=Status.choices, default=Status.SUGGESTED)
    decline_reason = models.CharField(_("婉拒原因"), max_length=20, choices=DeclineReason.choices, blank=True)
    decline_note = models.CharField(_("婉拒说明"), max_length=500, blank=True)
    notified_at = models.DateTimeField(_("推送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("匹配")
        verbose_name_plural = _("匹配")
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["need", "achievement"],
                condition=models.Q(direction="need_result"),
                name="match_need_result_once",
            ),
            models.UniqueConstraint(
                fields=["achievement", "fund"],
                condition=models.Q(direction="result_fund"),
                name="match_result_fund_once",
            ),
            models.UniqueConstraint(
                fields=["need", "expert"],
                condition=models.Q(direction="need_expert"),
                name="match_need_expert_once",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="declined") | ~models.Q(decline_reason=""),
                name="match_decline_has_reason",
                violation_error_message=_("婉拒时请选择原因。"),
            ),
        ]
        indexes = [models.Index(fields=["direction", "status"])]

    def __str__(self) -> str:
        left = self.need or self.achievement
        right = (
            self.fund if self.direction == self.Direction.RESULT_FUND else (self.expert or self.achievement)
        )
        return f"{left} ↔ {right}"
