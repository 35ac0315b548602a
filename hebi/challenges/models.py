"""Open challenge calls (揭榜挂帅): the call, applications, the expert pool, panels and scores,
decisions with reasons, and the milestone contract (军令状) that follows the award.

Life of a call: an enterprise or a government body drafts it → the committee secretariat
approves it (or returns it with a reason) → it is published in the hall and takes applications
until its deadline → the secretariat forms a panel (conflicts excluded automatically), experts
score alone → ranking → decision with a category and comments for every applicant → the winner
signs a milestone contract whose tranches are released only when their milestone passed.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from hebi.core.models import TimeStampedModel


# -- reference data ---------------------------------------------------------------------------------
class Rubric(models.Model):
    """A scoring rubric (评审指标体系), reference data the administrator can change."""

    class Purpose(models.TextChoices):
        CHALLENGE = "challenge", _("揭榜挂帅评审")
        ROADSHOW = "roadshow", _("路演评分")

    code = models.SlugField(_("代码"), max_length=40, primary_key=True)
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    purpose = models.CharField(_("用途"), max_length=20, choices=Purpose.choices)
    min_panel_size = models.PositiveSmallIntegerField(
        _("评审组最少人数"), default=5, validators=[MinValueValidator(1), MaxValueValidator(50)]
    )
    source = models.CharField(_("来源"), max_length=300, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("评审指标体系")
        verbose_name_plural = _("评审指标体系")
        ordering = ["purpose", "code"]

    def __str__(self) -> str:
        return self.name_en if get_language() == "en" and self.name_en else self.name

    @property
    def max_total(self) -> Decimal:
        return sum((c.max_score for c in self.criteria.all()), Decimal(0))


class RubricCriterion(models.Model):
    rubric = models.ForeignKey(
        Rubric, verbose_name=_("指标体系"), on_delete=models.CASCADE, related_name="criteria"
    )
    code = models.SlugField(_("代码"), max_length=40)
    name = models.CharField(_("评审指标"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    description = models.CharField(_("评分要点"), max_length=500, blank=True)
    max_score = models.DecimalField(
        _("满分"), max_digits=5, decimal_places=1, validators=[MinValueValidator(Decimal("0.5"))]
    )
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("评审指标")
        verbose_name_plural = _("评审指标")
        ordering = ["rubric", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["rubric", "code"], name="rubric_criterion_code_once")]

    def __str__(self) -> str:
        name = self.name_en if get_language() == "en" and self.name_en else self.name
        return f"{name}（{self.max_score:g}）"


class DecisionCategory(models.Model):
    """Why an application was or was not selected (决定类别); every decision names one."""

    class Outcome(models.TextChoices):
        AWARDED = "awarded", _("揭榜成功")
        NOT_AWARDED = "not_awarded", _("未入选")

    code = models.SlugField(_("代码"), max_length=40, primary_key=True)
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    outcome = models.CharField(_("结果"), max_length=20, choices=Outcome.choices)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    source = models.CharField(_("来源"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("决定类别")
        verbose_name_plural = _("决定类别")
        ordering = ["outcome", "order"]

    def __str__(self) -> str:
        return self.name_en if get_language() == "en" and self.name_en else self.name


# -- the call ---------------------------------------------------------------------------------------
class Challenge(TimeStampedModel):
    """A challenge (榜单) posted by an enterprise or a government body."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PENDING = "pending", _("待审核")
        RETURNED = "returned", _("退回修改")
        PUBLISHED = "published", _("征集中")
        REVIEWING = "reviewing", _("评审中")
        DECIDED = "decided", _("已定榜")
        CANCELLED = "cancelled", _("已撤销")

    TRANSITIONS: dict[str, list[str]] = {
        Status.DRAFT: [Status.PENDING, Status.CANCELLED],
        Status.PENDING: [Status.PUBLISHED, Status.RETURNED],
        Status.RETURNED: [Status.PENDING, Status.CANCELLED],
        Status.PUBLISHED: [Status.REVIEWING, Status.CANCELLED],
        Status.REVIEWING: [Status.DECIDED, Status.CANCELLED],
        Status.DECIDED: [],
        Status.CANCELLED: [],
    }

    issuer = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("发榜单位"), on_delete=models.PROTECT, related_name="challenges"
    )
    title = models.CharField(_("榜单名称"), max_length=200)
    field = models.ForeignKey(
        "catalog.TechField",
        verbose_name=_("技术领域"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    problem = models.TextField(_("需解决的关键问题"), max_length=5000)
    budget_public = models.DecimalField(
        _("财政资金（元）"),
        max_digits=14,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
    )
    budget_enterprise = models.DecimalField(
        _("企业投入（元）"),
        max_digits=14,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
    )
    deadline = models.DateField(_("揭榜截止日期"), help_text=_("当日 24 时前可提交申报。"))
    duration_months = models.PositiveSmallIntegerField(
        _("实施周期（月）"), validators=[MinValueValidator(1), MaxValueValidator(120)]
    )
    eligibility = models.TextField(_("揭榜条件"), max_length=3000)
    deliverables = models.TextField(_("交付成果要求"), max_length=3000)
    rubric = models.ForeignKey(
        Rubric,
        verbose_name=_("评审指标体系"),
        on_delete=models.PROTECT,
        related_name="challenges",
        limit_choices_to={"purpose": Rubric.Purpose.CHALLENGE},
    )
    contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("联系人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    review_note = models.TextField(_("审核意见"), max_length=2000, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("揭榜挂帅榜单")
        verbose_name_plural = _("揭榜挂帅榜单")
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["status", "deadline"]), models.Index(fields=["issuer", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(budget_public__gte=0, budget_enterprise__gte=0),
                name="challenge_budget_not_negative",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def budget_total(self) -> Decimal:
        return (self.budget_public or Decimal(0)) + (self.budget_enterprise or Decimal(0))


class ChallengeIndicator(models.Model):
    """A core technical indicator the winner must reach (核心技术指标)."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="indicators")
    name = models.CharField(_("指标名称"), max_length=100)
    target = models.CharField(_("目标值"), max_length=60)
    unit = models.CharField(_("单位"), max_length=30, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("核心技术指标")
        verbose_name_plural = _("核心技术指标")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return f"{self.name} {self.target}{self.unit}"


class ChallengeMilestone(models.Model):
    """A milestone the issuer requires (节点要求): what is due, how many months after the start."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("节点名称"), max_length=100)
    month = models.PositiveSmallIntegerField(
        _("第几个月"), validators=[MinValueValidator(1), MaxValueValidator(120)]
    )
    deliverable = models.CharField(_("考核内容"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("节点要求")
        verbose_name_plural = _("节点要求")
        ordering = ["month", "order", "id"]

    def __str__(self) -> str:
        return f"{self.title}（M{self.month}）"


class ChallengeQuestion(TimeStampedModel):
    """A question about a published challenge; public once answered (公开答疑)."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="questions")
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提问人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    question = models.TextField(_("问题"), max_length=1000)
    answer = models.TextField(_("答复"), max_length=3000, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("答复人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("答疑")
        verbose_name_plural = _("答疑")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.question[:40]


# -- applications -----------------------------------------------------------------------------------
class Application(TimeStampedModel):
    """An application (揭榜申报) by a team of one or several organisations."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("已提交")
        WITHDRAWN = "withdrawn", _("已撤回")
        AWARDED = "awarded", _("揭榜成功")
        NOT_AWARDED = "not_awarded", _("未入选")

    TRANSITIONS: dict[str, list[str]] = {
        Status.DRAFT: [Status.SUBMITTED, Status.WITHDRAWN],
        Status.SUBMITTED: [Status.WITHDRAWN, Status.AWARDED, Status.NOT_AWARDED],
        Status.WITHDRAWN: [],
        Status.AWARDED: [],
        Status.NOT_AWARDED: [],
    }

    challenge = models.ForeignKey(
        Challenge, verbose_name=_("榜单"), on_delete=models.PROTECT, related_name="applications"
    )
    lead = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("牵头单位"),
        on_delete=models.PROTECT,
        related_name="challenge_applications",
    )
    partners = models.ManyToManyField(
        "orgs.Organisation", verbose_name=_("联合单位"), blank=True, related_name="challenge_partnerships"
    )
    title = models.CharField(_("方案名称"), max_length=200)
    approach = models.TextField(_("技术路线与方案"), max_length=5000)
    trl_now = models.PositiveSmallIntegerField(
        _("当前技术成熟度"), validators=[MinValueValidator(1), MaxValueValidator(9)]
    )
    trl_promised = models.PositiveSmallIntegerField(
        _("承诺达到的技术成熟度"), validators=[MinValueValidator(1), MaxValueValidator(9)]
    )
    team_summary = models.TextField(_("团队情况"), max_length=3000)
    budget_total = models.DecimalField(
        _("预算总额（元）"), max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )
    budget_public = models.DecimalField(
        _("申请财政资金（元）"),
        max_digits=14,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
    )
    budget_note = models.TextField(_("预算说明"), max_length=3000, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("填报人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The decision, with its reasons; every applicant sees its own.
    score = models.DecimalField(_("综合得分"), max_digits=7, decimal_places=2, null=True, blank=True)
    rank = models.PositiveSmallIntegerField(_("排名"), null=True, blank=True)
    decision_category = models.ForeignKey(
        DecisionCategory,
        verbose_name=_("决定类别"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decision_comment = models.TextField(_("评审意见"), max_length=3000, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("揭榜申报")
        verbose_name_plural = _("揭榜申报")
        ordering = ["challenge", "rank", "-submitted_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["challenge", "lead"],
                condition=~models.Q(status="withdrawn"),
                name="application_one_live_per_lead",
                violation_error_message=_("本单位已就该榜单提交过申报。"),
            ),
            models.CheckConstraint(
                condition=models.Q(trl_promised__gte=models.F("trl_now")),
                name="application_trl_not_backwards",
                violation_error_message=_("承诺的技术成熟度不能低于当前水平。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lead}：{self.title}"

    def organisations(self) -> list:
        return [self.lead, *self.partners.all()]


class ApplicationMember(models.Model):
    """A person on the applying team; linked to an account when there is one (for conflict checks)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    name = models.CharField(_("姓名"), max_length=60)
    organisation = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(_("分工"), max_length=100, blank=True)
    is_lead = models.BooleanField(_("项目负责人"), default=False)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("团队成员")
        verbose_name_plural = _("团队成员")
        ordering = ["-is_lead", "order", "id"]

    def __str__(self) -> str:
        return self.name


class ApplicationMilestone(models.Model):
    """A milestone the team promises, with the money it asks for that step."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("节点名称"), max_length=100)
    month = models.PositiveSmallIntegerField(
        _("第几个月"), validators=[MinValueValidator(1), MaxValueValidator(120)]
    )
    deliverable = models.CharField(_("交付内容"), max_length=300, blank=True)
    amount = models.DecimalField(
        _("拨付金额（元）"),
        max_digits=14,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("申报节点")
        verbose_name_plural = _("申报节点")
        ordering = ["month", "order", "id"]

    def __str__(self) -> str:
        return f"{self.title}（M{self.month}）"


class ApplicationAttachment(models.Model):
    """A file of an application; checked by content and size on upload."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("文件"), upload_to="challenges/%Y/%m/")
    name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveIntegerField(_("大小（字节）"))
    content_type = models.CharField(_("文件类型"), max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("申报附件")
        verbose_name_plural = _("申报附件")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name


# -- experts and review -----------------------------------------------------------------------------
class ExpertProfile(TimeStampedModel):
    """An expert of the pool (专家库): fields, affiliation, declared conflicts."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("专家"),
        on_delete=models.CASCADE,
        related_name="expert_profile",
    )
    organisation = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("所在单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="experts",
    )
    title = models.CharField(_("职称/职务"), max_length=100, blank=True)
    fields = models.ManyToManyField(
        "catalog.TechField", verbose_name=_("专业领域"), blank=True, related_name="+"
    )
    specialties = models.CharField(_("研究方向"), max_length=300, blank=True)
    is_enterprise_expert = models.BooleanField(_("企业专家"), default=False)
    is_active = models.BooleanField(_("在库"), default=True)

    class Meta:
        verbose_name = _("专家")
        verbose_name_plural = _("专家库")
        ordering = ["user__display_name", "user__username"]

    def __str__(self) -> str:
        return str(self.user)


class DeclaredConflict(TimeStampedModel):
    """A conflict of interest the expert states (申报回避): an organisation or a named person."""

    expert = models.ForeignKey(ExpertProfile, on_delete=models.CASCADE, related_name="conflicts")
    organisation = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("回避单位"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    person = models.CharField(_("回避人员"), max_length=60, blank=True)
    reason = models.CharField(_("回避原因"), max_length=300)

    class Meta:
        verbose_name = _("申报回避")
        verbose_name_plural = _("申报回避")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(organisation__isnull=False) | ~models.Q(person=""),
                name="declared_conflict_names_someone",
                violation_error_message=_("请填写回避单位或回避人员。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.expert}: {self.organisation or self.person}"


class Panel(TimeStampedModel):
    """An expert panel: the application review (评审), a mid-term review (中期考核) or acceptance (验收)."""

    class Kind(models.TextChoices):
        REVIEW = "review", _("揭榜评审")
        MIDTERM = "midterm", _("中期考核")
        ACCEPTANCE = "acceptance", _("验收")

    class Status(models.TextChoices):
        OPEN = "open", _("评审中")
        CLOSED = "closed", _("已结束")

    challenge = models.ForeignKey(
        Challenge, verbose_name=_("榜单"), on_delete=models.CASCADE, related_name="panels"
    )
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, default=Kind.REVIEW)
    milestone = models.ForeignKey(
        "ContractMilestone",
        verbose_name=_("考核节点"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="panels",
    )
    rubric = models.ForeignKey(
        Rubric, verbose_name=_("评审指标体系"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.OPEN)
    # A milestone panel judges again after an extension: each round takes fresh verdicts.
    round = models.PositiveSmallIntegerField(_("考核轮次"), default=1)
    formed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("组建人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    experts: models.ManyToManyField = models.ManyToManyField(
        ExpertProfile, through="PanelMember", related_name="panels"
    )

    class Meta:
        verbose_name = _("评审专家组")
        verbose_name_plural = _("评审专家组")
        ordering = ["challenge", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["challenge"],
                condition=models.Q(kind="review"),
                name="panel_one_review_per_challenge",
                violation_error_message=_("该榜单已组建评审专家组。"),
            ),
            models.UniqueConstraint(
                fields=["milestone"],
                condition=models.Q(milestone__isnull=False),
                name="panel_one_per_milestone",
                violation_error_message=_("该节点已组建考核专家组。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.challenge} · {self.get_kind_display()}"


class PanelMember(models.Model):
    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="memberships")
    expert = models.ForeignKey(
        ExpertProfile, verbose_name=_("专家"), on_delete=models.PROTECT, related_name="+"
    )
    is_chair = models.BooleanField(_("组长"), default=False)

    class Meta:
        verbose_name = _("评审组成员")
        verbose_name_plural = _("评审组成员")
        ordering = ["-is_chair", "id"]
        constraints = [models.UniqueConstraint(fields=["panel", "expert"], name="panel_member_once")]

    def __str__(self) -> str:
        return f"{self.panel}: {self.expert}"


class PanelExclusion(models.Model):
    """An expert left out of a panel, and why: each reason is {kind, detail} (see conflicts.py)."""

    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="exclusions")
    expert = models.ForeignKey(
        ExpertProfile, verbose_name=_("专家"), on_delete=models.CASCADE, related_name="+"
    )
    reasons = models.JSONField(_("回避原因"), default=list)

    class Meta:
        verbose_name = _("回避记录")
        verbose_name_plural = _("回避记录")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["panel", "expert"], name="panel_exclusion_once")]

    def __str__(self) -> str:
        return f"{self.panel}: {self.expert}"


class Score(TimeStampedModel):
    """One expert's score of one application, per criterion of the rubric; given once."""

    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="scores")
    expert = models.ForeignKey(
        ExpertProfile, verbose_name=_("专家"), on_delete=models.PROTECT, related_name="scores"
    )
    application = models.ForeignKey(
        Application, verbose_name=_("申报"), on_delete=models.CASCADE, related_name="scores"
    )
    items = models.JSONField(_("分项得分"), default=dict)
    total = models.DecimalField(_("总分"), max_digits=7, decimal_places=2)
    comment = models.TextField(_("评审意见"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("专家评分")
        verbose_name_plural = _("专家评分")
        ordering = ["application", "expert"]
        constraints = [
            models.UniqueConstraint(
                fields=["panel", "expert", "application"],
                name="score_once_per_expert",
                violation_error_message=_("您已为该申报评过分，评分提交后不能修改。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.expert} → {self.application}: {self.total}"


# -- the milestone contract (军令状) ----------------------------------------------------------------
class MilestoneContract(TimeStampedModel):
    """The winner's milestone contract: tranches tied to milestones, reviews, penalties."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("执行中")
        COMPLETED = "completed", _("已验收")
        FAILED = "failed", _("未通过验收")
        TERMINATED = "terminated", _("已终止")

    application = models.OneToOneField(
        Application, verbose_name=_("揭榜申报"), on_delete=models.PROTECT, related_name="contract"
    )
    number = models.CharField(_("军令状编号"), max_length=40, unique=True)
    signed_on = models.DateField(_("签订日期"))
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    amount_public = models.DecimalField(
        _("财政资金（元）"),
        max_digits=14,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
    )
    amount_enterprise = models.DecimalField(
        _("企业投入（元）"),
        max_digits=14,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
    )
    penalty_terms = models.TextField(_("违约与责任条款"), max_length=3000)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("军令状")
        verbose_name_plural = _("军令状")
        ordering = ["-signed_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gt=models.F("starts_on")),
                name="milestone_contract_dates_ordered",
                violation_error_message=_("结束日期应晚于开始日期。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.application.title}"


class ContractMilestone(models.Model):
    """A milestone of the contract with its tranche; reviewed as pass / extend / fail."""

    class Kind(models.TextChoices):
        MILESTONE = "milestone", _("节点考核")
        MIDTERM = "midterm", _("中期考核")
        ACCEPTANCE = "acceptance", _("验收")

    class Status(models.TextChoices):
        PENDING = "pending", _("待考核")
        PASSED = "passed", _("通过")
        EXTENDED = "extended", _("延期整改")
        FAILED = "failed", _("未通过")

    contract = models.ForeignKey(MilestoneContract, on_delete=models.CASCADE, related_name="milestones")
    order = models.PositiveSmallIntegerField(_("序号"), default=0)
    title = models.CharField(_("节点名称"), max_length=100)
    kind = models.CharField(_("考核方式"), max_length=20, choices=Kind.choices, default=Kind.MILESTONE)
    due_on = models.DateField(_("考核日期"))
    deliverable = models.CharField(_("考核内容"), max_length=300, blank=True)
    tranche = models.DecimalField(
        _("拨付金额（元）"),
        max_digits=14,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
    )
    status = models.CharField(_("考核结果"), max_length=20, choices=Status.choices, default=Status.PENDING)
    outcome_comment = models.TextField(_("考核意见"), max_length=3000, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("考核时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("军令状节点")
        verbose_name_plural = _("军令状节点")
        ordering = ["contract", "order", "due_on", "id"]

    def __str__(self) -> str:
        return f"{self.title}（{self.due_on}）"


class MilestoneVerdict(TimeStampedModel):
    """One expert's opinion in a mid-term or acceptance panel; the secretariat records the outcome."""

    class Verdict(models.TextChoices):
        PASS = "pass", _("通过")
        EXTEND = "extend", _("延期整改")
        FAIL = "fail", _("不通过")

    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="verdicts")
    round = models.PositiveSmallIntegerField(_("考核轮次"), default=1)
    expert = models.ForeignKey(ExpertProfile, on_delete=models.PROTECT, related_name="+")
    verdict = models.CharField(_("意见"), max_length=10, choices=Verdict.choices)
    comment = models.TextField(_("说明"), max_length=2000)

    class Meta:
        verbose_name = _("考核意见")
        verbose_name_plural = _("考核意见")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["panel", "round", "expert"],
                name="verdict_once_per_expert_and_round",
                violation_error_message=_("您已提交过考核意见。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.expert}: {self.get_verdict_display()}"


class MilestoneReview(TimeStampedModel):
    """The recorded outcome of a milestone review; an extension names the new date."""

    milestone = models.ForeignKey(ContractMilestone, on_delete=models.CASCADE, related_name="reviews")
    outcome = models.CharField(_("考核结果"), max_length=20, choices=ContractMilestone.Status.choices)
    comment = models.TextField(_("考核意见"), max_length=3000)
    extended_to = models.DateField(_("延期至"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("考核记录")
        verbose_name_plural = _("考核记录")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.milestone}: {self.get_outcome_display()}"


class Tranche(TimeStampedModel):
    """Money released for a passed milestone (资金拨付)."""

    milestone = models.ForeignKey(ContractMilestone, on_delete=models.PROTECT, related_name="tranches")
    amount = models.DecimalField(
        _("金额（元）"), max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    released_on = models.DateField(_("拨付日期"))
    note = models.CharField(_("备注"), max_length=300, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("资金拨付")
        verbose_name_plural = _("资金拨付")
        ordering = ["released_on", "id"]

    def __str__(self) -> str:
        return f"{self.milestone}: {self.amount}"


class Penalty(TimeStampedModel):
    """A penalty recorded against the team (追责记录): what, how much, on which milestone."""

    contract = models.ForeignKey(MilestoneContract, on_delete=models.CASCADE, related_name="penalties")
    milestone = models.ForeignKey(
        ContractMilestone, null=True, blank=True, on_delete=models.SET_NULL, related_name="penalties"
    )
    description = models.TextField(_("处理内容"), max_length=2000)
    amount = models.DecimalField(
        _("收回/扣减金额（元）"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("违约处理")
        verbose_name_plural = _("违约处理")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.description[:40]
