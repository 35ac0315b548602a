"""Engagements (对接记录) and transfer projects (转化项目): a deal from first contact to industry."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hebi.core.models import TimeStampedModel


class WorkTeam(TimeStampedModel):
    """A work team (专班) of the committee: people from several units who visit, match and follow up."""

    name = models.CharField(_("专班名称"), max_length=100, unique=True)
    focus = models.CharField(_("工作重点"), max_length=200, blank=True)
    organisation = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("牵头单位"),
        on_delete=models.PROTECT,
        related_name="work_teams",
    )
    description = models.TextField(_("简介"), max_length=2000, blank=True)
    members: models.ManyToManyField = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("成员"), through="WorkTeamMember", related_name="work_teams"
    )
    is_active = models.BooleanField(_("在岗"), default=True)

    class Meta:
        verbose_name = _("工作专班")
        verbose_name_plural = _("工作专班")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class WorkTeamMember(models.Model):
    team = models.ForeignKey(WorkTeam, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    is_lead = models.BooleanField(_("组长"), default=False)

    class Meta:
        verbose_name = _("专班成员")
        verbose_name_plural = _("专班成员")
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="work_team_member_once")]

    def __str__(self) -> str:
        return f"{self.team}: {self.user}"


class Engagement(TimeStampedModel):
    """One contact between the two sides, recorded by a technology manager or a work team."""

    class Kind(models.TextChoices):
        VISIT = "visit", _("上门走访（扫街）")
        ONLINE = "online", _("线上对接")
        OFFLINE = "offline", _("线下对接会")
        EVENT = "event", _("活动洽谈")

    class Outcome(models.TextChoices):
        INFORMATION = "information", _("了解情况、收集需求")
        INTERESTED = "interested", _("有合作意向")
        FOLLOW_UP = "follow_up", _("需进一步跟进")
        PROJECT = "project", _("已立项为转化项目")
        NO_FIT = "no_fit", _("暂无合作意向")

    kind = models.CharField(_("对接方式"), max_length=20, choices=Kind.choices)
    held_on = models.DateField(_("对接日期"))
    place = models.CharField(_("地点"), max_length=200, blank=True)
    team = models.ForeignKey(
        WorkTeam,
        verbose_name=_("工作专班"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="engagements",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        on_delete=models.PROTECT,
        related_name="engagements",
    )
    recorder_org = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("记录单位"),
        on_delete=models.PROTECT,
        related_name="recorded_engagements",
    )
    organisations = models.ManyToManyField(
        "orgs.Organisation", verbose_name=_("对接单位"), related_name="engagements"
    )
    people = models.CharField(_("参加人员"), max_length=500, blank=True)
    needs = models.ManyToManyField(
        "catalog.Need", verbose_name=_("涉及需求"), blank=True, related_name="engagements"
    )
    achievements = models.ManyToManyField(
        "catalog.Achievement", verbose_name=_("涉及成果"), blank=True, related_name="engagements"
    )
    summary = models.TextField(_("对接情况"), max_length=4000)
    outcome = models.CharField(_("对接结果"), max_length=20, choices=Outcome.choices)
    next_step = models.CharField(_("下一步工作"), max_length=300, blank=True)
    next_step_on = models.DateField(_("下一步日期"), null=True, blank=True)
    next_step_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("跟进人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="follow_ups",
    )
    next_step_done_at = models.DateTimeField(_("跟进完成时间"), null=True, blank=True)
    project = models.ForeignKey(
        "deals.TransferProject",
        verbose_name=_("转化项目"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="engagements",
    )

    class Meta:
        verbose_name = _("对接记录")
        verbose_name_plural = _("对接记录")
        ordering = ["-held_on", "-id"]
        indexes = [
            models.Index(fields=["held_on"]),
            models.Index(fields=["next_step_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.held_on:%Y-%m-%d} {self.get_kind_display()}"

    @property
    def follow_up_open(self) -> bool:
        return self.next_step_on is not None and self.next_step_done_at is None

    @property
    def follow_up_overdue(self) -> bool:
        return self.follow_up_open and self.next_step_on < timezone.localdate()  # type: ignore[operator]


class TransferProject(TimeStampedModel):
    """A deal followed from the first contact to industry; the stage is its workflow."""

    class Stage(models.TextChoices):
        MATCHED = "matched", _("对接")
        NEGOTIATING = "negotiating", _("洽谈")
        CONTRACTED = "contracted", _("签约")
        CONCEPT = "concept", _("概念验证")
        PILOT = "pilot", _("中试")
        INCUBATION = "incubation", _("孵化")
        INDUSTRIAL = "industrial", _("产业化")
        STOPPED = "stopped", _("终止")

    # The pipeline in order (终止 is off the line). A signed deal may skip the steps its
    # technology does not need (a mature result goes straight to a pilot or to production),
    # but nothing reaches 签约 without 洽谈, and nothing goes backwards except a reopened deal.
    PIPELINE = [
        Stage.MATCHED,
        Stage.NEGOTIATING,
        Stage.CONTRACTED,
        Stage.CONCEPT,
        Stage.PILOT,
        Stage.INCUBATION,
        Stage.INDUSTRIAL,
    ]
    TRANSITIONS: dict[str, list[str]] = {
        Stage.MATCHED: [Stage.NEGOTIATING, Stage.STOPPED],
        Stage.NEGOTIATING: [Stage.CONTRACTED, Stage.MATCHED, Stage.STOPPED],
        Stage.CONTRACTED: [Stage.CONCEPT, Stage.PILOT, Stage.INCUBATION, Stage.INDUSTRIAL, Stage.STOPPED],
        Stage.CONCEPT: [Stage.PILOT, Stage.INCUBATION, Stage.STOPPED],
        Stage.PILOT: [Stage.INCUBATION, Stage.INDUSTRIAL, Stage.STOPPED],
        Stage.INCUBATION: [Stage.INDUSTRIAL, Stage.STOPPED],
        Stage.INDUSTRIAL: [],
        Stage.STOPPED: [Stage.MATCHED],
    }

    class StopReason(models.TextChoices):
        TERMS = "terms", _("价格或条款未谈拢")
        TECHNICAL = "technical", _("技术验证未通过")
        FUNDING = "funding", _("资金不到位")
        MARKET = "market", _("市场需求变化")
        IP = "ip", _("知识产权问题")
        PARTNER = "partner", _("合作方退出")
        OTHER = "other", _("其他")

    title = models.CharField(_("项目名称"), max_length=200)
    summary = models.TextField(_("项目简介"), max_length=4000, blank=True)
    stage = models.CharField(_("阶段"), max_length=20, choices=Stage.choices, default=Stage.MATCHED)
    stage_entered_at = models.DateTimeField(_("进入本阶段时间"), default=timezone.now)
    owner = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("成果方"),
        on_delete=models.PROTECT,
        related_name="supplied_projects",
        help_text=_("成果的持有单位（高校、院所或企业）。"),
    )
    enterprise = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("承接企业"),
        on_delete=models.PROTECT,
        related_name="adopted_projects",
    )
    achievements = models.ManyToManyField(
        "catalog.Achievement", verbose_name=_("科技成果"), blank=True, related_name="transfer_projects"
    )
    need = models.ForeignKey(
        "catalog.Need",
        verbose_name=_("技术需求"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="transfer_projects",
    )
    match = models.OneToOneField(
        "matching.Match",
        verbose_name=_("来源匹配"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="transfer_project",
    )
    team = models.ForeignKey(
        WorkTeam,
        verbose_name=_("工作专班"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="projects",
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("技术经理人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_projects",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("项目成员"), blank=True, related_name="transfer_projects"
    )
    stop_reason = models.CharField(_("终止原因"), max_length=20, choices=StopReason.choices, blank=True)
    stop_note = models.CharField(_("终止说明"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    HISTORY_LABELS = {"fundings": _("资金投入"), "host": _("承载平台")}

    class Meta:
        verbose_name = _("转化项目")
        verbose_name_plural = _("转化项目")
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["stage"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.stage not in (self.Stage.INDUSTRIAL, self.Stage.STOPPED)

    def days_in_stage(self) -> int:
        return (timezone.now() - self.stage_entered_at).days


class StagePeriod(models.Model):
    """The time a project spent in one stage, and the platform that hosted it there."""

    project = models.ForeignKey(TransferProject, on_delete=models.CASCADE, related_name="periods")
    stage = models.CharField(_("阶段"), max_length=20, choices=TransferProject.Stage.choices)
    entered_at = models.DateTimeField(_("进入时间"))
    left_at = models.DateTimeField(_("离开时间"), null=True, blank=True)
    host = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("承载平台"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="hosted_periods",
        help_text=_("概念验证中心、中试基地、孵化器或科技园区。"),
    )

    class Meta:
        verbose_name = _("阶段记录")
        verbose_name_plural = _("阶段记录")
        ordering = ["entered_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project"],
                condition=models.Q(left_at__isnull=True),
                name="one_open_period_per_project",
            )
        ]

    def __str__(self) -> str:
        return f"{self.project}: {self.stage}"

    def days(self, now: datetime.datetime | None = None) -> float:
        end = self.left_at or now or timezone.now()
        return (end - self.entered_at).total_seconds() / 86400


class Funding(models.Model):
    """Money put into a project at a stage: the enterprise's, a fund's, a subsidy."""

    class Source(models.TextChoices):
        ENTERPRISE = "enterprise", _("企业投入")
        FUND = "fund", _("基金投资")
        SUBSIDY = "subsidy", _("政府补助")
        LOAN = "loan", _("银行贷款")
        OTHER = "other", _("其他")

    project = models.ForeignKey(TransferProject, on_delete=models.CASCADE, related_name="fundings")
    stage = models.CharField(_("阶段"), max_length=20, choices=TransferProject.Stage.choices)
    source = models.CharField(_("资金来源"), max_length=20, choices=Source.choices)
    source_org = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("出资单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="project_fundings",
    )
    amount = models.DecimalField(_("金额（元）"), max_digits=14, decimal_places=2)
    received_on = models.DateField(_("到位日期"))
    note = models.CharField(_("说明"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("资金投入")
        verbose_name_plural = _("资金投入")
        ordering = ["received_on", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="funding_amount_positive")
        ]

    def __str__(self) -> str:
        return f"{self.project}: {self.amount}"
