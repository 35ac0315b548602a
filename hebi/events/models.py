"""Roadshows and matching events (路演, 对接会): slots, invitations, registration with capacity and
check-in, scores and "want to talk" marks given during the event, and the follow-ups they become."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from hebi.core.models import TimeStampedModel


class Event(TimeStampedModel):
    class Kind(models.TextChoices):
        ROADSHOW = "roadshow", _("项目路演")
        MATCHING = "matching", _("对接会")

    class Status(models.TextChoices):
        DRAFT = "draft", _("筹备中")
        OPEN = "open", _("报名中")
        HELD = "held", _("已举办")
        CANCELLED = "cancelled", _("已取消")

    TRANSITIONS: dict[str, list[str]] = {
        Status.DRAFT: [Status.OPEN, Status.CANCELLED],
        Status.OPEN: [Status.HELD, Status.CANCELLED],
        Status.HELD: [],
        Status.CANCELLED: [],
    }

    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, default=Kind.ROADSHOW)
    title = models.CharField(_("活动名称"), max_length=200)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    venue = models.CharField(_("地点"), max_length=200)
    organiser = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("主办单位"), on_delete=models.PROTECT, related_name="events"
    )
    co_organisers = models.CharField(_("协办单位"), max_length=300, blank=True)
    description = models.TextField(_("活动简介"), max_length=3000, blank=True)
    capacity = models.PositiveIntegerField(
        _("报名名额"), validators=[MinValueValidator(1), MaxValueValidator(100000)]
    )
    registration_closes_at = models.DateTimeField(_("报名截止时间"), null=True, blank=True)
    rubric = models.ForeignKey(
        "challenges.Rubric",
        verbose_name=_("评分指标"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"purpose": "roadshow"},
    )
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("路演与对接会")
        verbose_name_plural = _("路演与对接会")
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["status", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__isnull=True) | models.Q(ends_at__gt=models.F("starts_at")),
                name="event_ends_after_start",
                violation_error_message=_("结束时间应晚于开始时间。"),
            )
        ]

    def __str__(self) -> str:
        return self.title


class EventSlot(models.Model):
    """A project slot (路演项目): who presents what, linked to a result or a transfer project."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="slots")
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    starts_at = models.TimeField(_("开始时间"), null=True, blank=True)
    minutes = models.PositiveSmallIntegerField(
        _("时长（分钟）"), default=10, validators=[MinValueValidator(1), MaxValueValidator(240)]
    )
    title = models.CharField(_("项目名称"), max_length=200)
    organisation = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("路演单位"), on_delete=models.PROTECT, related_name="+"
    )
    presenter = models.CharField(_("路演人"), max_length=60, blank=True)
    summary = models.TextField(_("项目简介"), max_length=2000, blank=True)
    achievement = models.ForeignKey(
        "catalog.Achievement",
        verbose_name=_("关联成果"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="event_slots",
    )
    project = models.ForeignKey(
        "deals.TransferProject",
        verbose_name=_("关联转化项目"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="event_slots",
    )

    class Meta:
        verbose_name = _("路演项目")
        verbose_name_plural = _("路演项目")
        ordering = ["event", "order", "id"]

    def __str__(self) -> str:
        return self.title


class Invitation(TimeStampedModel):
    """An organisation invited to the event: an investor, an enterprise, an expert's unit."""

    class Kind(models.TextChoices):
        INVESTOR = "investor", _("投资机构")
        ENTERPRISE = "enterprise", _("企业")
        EXPERT = "expert", _("专家")
        OTHER = "other", _("其他")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="invitations")
    organisation = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("受邀单位"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("受邀身份"), max_length=20, choices=Kind.choices)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("受邀单位")
        verbose_name_plural = _("受邀单位")
        ordering = ["kind", "id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "organisation"], name="event_invitation_once")
        ]

    def __str__(self) -> str:
        return f"{self.event}: {self.organisation}"


class Registration(TimeStampedModel):
    """A person's registration (报名); checked in at the door (签到)."""

    class Role(models.TextChoices):
        INVESTOR = "investor", _("投资人")
        ENTERPRISE = "enterprise", _("企业代表")
        EXPERT = "expert", _("评审专家")
        PRESENTER = "presenter", _("路演团队")
        GUEST = "guest", _("观众")

    class Status(models.TextChoices):
        REGISTERED = "registered", _("已报名")
        CANCELLED = "cancelled", _("已取消")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("报名人"),
        on_delete=models.CASCADE,
        related_name="event_registrations",
    )
    organisation = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    role = models.CharField(_("参会身份"), max_length=20, choices=Role.choices)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.REGISTERED)
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("报名")
        verbose_name_plural = _("报名")
        ordering = ["event", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "user"],
                name="event_registration_once",
                violation_error_message=_("您已报名该活动。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.event}: {self.user}"


class SlotFeedback(TimeStampedModel):
    """A score and/or a "want to talk" mark on one slot by one checked-in participant."""

    slot = models.ForeignKey(EventSlot, on_delete=models.CASCADE, related_name="feedback")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("评分人"), on_delete=models.CASCADE, related_name="+"
    )
    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="feedback")
    items = models.JSONField(_("分项得分"), default=dict, blank=True)
    score = models.DecimalField(_("总分"), max_digits=6, decimal_places=2, null=True, blank=True)
    want_to_talk = models.BooleanField(_("希望进一步洽谈"), default=False)
    note = models.CharField(_("备注"), max_length=500, blank=True)
    # What the interest became after the event.
    engagement = models.ForeignKey(
        "deals.Engagement",
        verbose_name=_("对接记录"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    project = models.ForeignKey(
        "deals.TransferProject",
        verbose_name=_("转化项目"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("路演反馈")
        verbose_name_plural = _("路演反馈")
        ordering = ["slot", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["slot", "user"],
                name="slot_feedback_once",
                violation_error_message=_("您已对该项目评过分。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.slot}: {self.user}"
