"""The registry: research results (科技成果), patents (专利) and enterprise needs (技术需求).

Reference data that officials may change (fields, TRL wording, patent value indicators, the
search dictionary) are tables loaded from hebi/catalog/data/*.json, each row with its source.
Workflows are a status field, an allowed-transitions table and one history row per move.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from hebi.core.models import TimeStampedModel


# -- reference data ---------------------------------------------------------------------------
class TechField(models.Model):
    """A technology field (技术领域) used by results, needs and the hall's facets."""

    code = models.SlugField(_("代码"), max_length=40, primary_key=True)
    name = models.CharField(_("名称"), max_length=60)
    name_en = models.CharField(_("英文名称"), max_length=100, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    disciplines = models.JSONField(
        _("对应学科"), default=list, blank=True, help_text=_("归入本领域的学科名称（用于导入论文与成果）。")
    )
    source = models.CharField(_("来源"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("技术领域")
        verbose_name_plural = _("技术领域")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name_en if get_language() == "en" and self.name_en else self.name


class ReadinessLevel(models.Model):
    """Technology readiness level 1–9 with its wording; editable, with its source cited."""

    level = models.PositiveSmallIntegerField(
        _("等级"), primary_key=True, validators=[MinValueValidator(1), MaxValueValidator(9)]
    )
    name = models.CharField(_("名称"), max_length=60)
    name_en = models.CharField(_("英文名称"), max_length=100, blank=True)
    description = models.TextField(_("等级描述"))
    evidence = models.TextField(_("评价依据"), blank=True)
    source = models.CharField(_("来源"), max_length=300)

    class Meta:
        verbose_name = _("技术成熟度等级")
        verbose_name_plural = _("技术成熟度等级")
        ordering = ["level"]

    def __str__(self) -> str:
        name = self.name_en if get_language() == "en" and self.name_en else self.name
        return f"TRL {self.level} · {name}"


class PatentValueIndicator(models.Model):
    """One indicator of the patent value score (法律/技术/经济价值), with its weight and rule."""

    class Dimension(models.TextChoices):
        LEGAL = "legal", _("法律价值")
        TECHNICAL = "technical", _("技术价值")
        ECONOMIC = "economic", _("经济价值")

    code = models.SlugField(_("代码"), max_length=40, primary_key=True)
    dimension = models.CharField(_("维度"), max_length=20, choices=Dimension.choices)
    name = models.CharField(_("指标名称"), max_length=60)
    name_en = models.CharField(_("英文名称"), max_length=100, blank=True)
    rule = models.CharField(
        _("计算规则"),
        max_length=40,
        help_text=_("由哪一项登记事实计算 0–100 分，见 hebi/catalog/patents.py。"),
    )
    weight = models.DecimalField(
        _("权重"), max_digits=5, decimal_places=3, validators=[MinValueValidator(0), MaxValueValidator(1)]
    )
    is_active = models.BooleanField(_("启用"), default=True)
    source = models.CharField(_("来源"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("专利价值评价指标")
        verbose_name_plural = _("专利价值评价指标")
        ordering = ["dimension", "code"]

    def __str__(self) -> str:
        return self.name_en if get_language() == "en" and self.name_en else self.name


class SearchTerm(models.Model):
    """The search dictionary: a domain word jieba must keep whole, and its synonyms."""

    word = models.CharField(_("词语"), max_length=40, unique=True)
    synonyms = models.JSONField(_("同义词"), default=list, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("检索词典")
        verbose_name_plural = _("检索词典")
        ordering = ["word"]

    def __str__(self) -> str:
        return self.word


# -- shared choices ---------------------------------------------------------------------------
class Visibility(models.TextChoices):
    PUBLIC = "public", _("公开")
    MEMBERS = "members", _("平台成员可见")
    CONFIDENTIAL = "confidential", _("保密")


class TransferMode(models.TextChoices):
    TRANSFER = "transfer", _("转让")
    LICENCE_EXCLUSIVE = "licence_exclusive", _("独占许可")
    LICENCE_SOLE = "licence_sole", _("排他许可")
    LICENCE_ORDINARY = "licence_ordinary", _("普通许可")
    EQUITY = "equity", _("作价投资")
    JOINT_DEVELOPMENT = "joint_development", _("合作开发")
    USE_FIRST_PAY_LATER = "use_first_pay_later", _("先使用后付费")
    INVEST_THEN_EQUITY = "invest_then_equity", _("先投后股")


class PriceKind(models.TextChoices):
    FIXED = "fixed", _("定价")
    RANGE = "range", _("价格区间")
    NEGOTIABLE = "negotiable", _("面议")


class StatusChange(models.Model):
    """One move of a record's status: who, when, from, to, why."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    from_status = models.CharField(_("原状态"), max_length=30, blank=True)
    to_status = models.CharField(_("新状态"), max_length=30)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    reason = models.CharField(_("原因"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("状态变更")
        verbose_name_plural = _("状态变更")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "-at"])]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class Listing(TimeStampedModel):
    """What results and needs share: owner, text, field, visibility, status and the search index."""

    title = models.CharField(_("标题"), max_length=200)
    field = models.ForeignKey(
        TechField, verbose_name=_("技术领域"), on_delete=models.PROTECT, related_name="+"
    )
    keywords = models.JSONField(_("关键词"), default=list, blank=True)
    visibility = models.CharField(
        _("公开范围"), max_length=20, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    confidential_details = models.TextField(
        _("保密信息"),
        max_length=20000,
        blank=True,
        help_text=_("仅本机构和获得授权（已签署保密承诺）的机构可见。"),
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Provenance of records loaded from elsewhere (e.g. the CSL paper set, demo needs).
    source = models.CharField(_("数据来源"), max_length=300, blank=True)
    source_licence = models.CharField(_("数据许可"), max_length=100, blank=True)
    source_ref = models.CharField(_("来源编号"), max_length=60, blank=True, db_index=True)
    # Space-joined jieba tokens of the searchable text, kept by the services; indexed by the
    # database's own full-text engine (SQLite FTS5, PostgreSQL tsvector).
    search_text = models.TextField(editable=False, blank=True, default="")

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.title


class Patent(TimeStampedModel):
    class Kind(models.TextChoices):
        INVENTION = "invention", _("发明")
        UTILITY = "utility", _("实用新型")
        DESIGN = "design", _("外观设计")

    class LegalStatus(models.TextChoices):
        PENDING = "pending", _("审中")
        GRANTED = "granted", _("有效（已授权）")
        LAPSED = "lapsed", _("失效")
        EXPIRED = "expired", _("期满终止")
        REJECTED = "rejected", _("驳回")
        WITHDRAWN = "withdrawn", _("撤回")

    class Stage(models.TextChoices):
        INVENTORY = "inventory", _("盘点")
        POOLED = "pooled", _("筛选入库")
        EVALUATION = "evaluation", _("市场评价")
        PROMOTION = "promotion", _("分层推广")
        CONVERTED = "converted", _("已转化")
        SET_ASIDE = "set_aside", _("未入库")

    TRANSITIONS: dict[str, list[str]] = {
        Stage.INVENTORY: [Stage.POOLED, Stage.SET_ASIDE],
        Stage.POOLED: [Stage.EVALUATION, Stage.SET_ASIDE],
        Stage.EVALUATION: [Stage.PROMOTION, Stage.SET_ASIDE],
        Stage.PROMOTION: [Stage.CONVERTED, Stage.EVALUATION],
        Stage.SET_ASIDE: [Stage.INVENTORY],
        Stage.CONVERTED: [],
    }

    class Tier(models.TextChoices):
        A = "A", _("A 类：重点推广")
        B = "B", _("B 类：一般推广")
        C = "C", _("C 类：储备")

    owner = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("权利人机构"), on_delete=models.PROTECT, related_name="patents"
    )
    application_number = models.CharField(
        _("申请号"), max_length=20, unique=True, help_text=_("如 201910123451.7（含校验位）。")
    )
    publication_number = models.CharField(_("公开（公告）号"), max_length=20, blank=True)
    title = models.CharField(_("专利名称"), max_length=300)
    abstract = models.TextField(_("摘要"), max_length=5000, blank=True)
    kind = models.CharField(_("专利类型"), max_length=20, choices=Kind.choices)
    ipc_codes = models.JSONField(_("IPC 分类号"), default=list, blank=True)
    applicants = models.JSONField(_("申请人"), default=list, blank=True)
    inventors = models.JSONField(_("发明人"), default=list, blank=True)
    legal_status = models.CharField(_("法律状态"), max_length=20, choices=LegalStatus.choices)
    application_date = models.DateField(_("申请日"))
    publication_date = models.DateField(_("公开日"), null=True, blank=True)
    grant_date = models.DateField(_("授权日"), null=True, blank=True)
    claims_count = models.PositiveSmallIntegerField(_("权利要求数"), null=True, blank=True)
    stage = models.CharField(_("盘活阶段"), max_length=20, choices=Stage.choices, default=Stage.INVENTORY)
    tier = models.CharField(_("推广层级"), max_length=1, choices=Tier.choices, blank=True)
    score_legal = models.DecimalField(_("法律价值分"), max_digits=5, decimal_places=1, null=True, blank=True)
    score_technical = models.DecimalField(
        _("技术价值分"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    score_economic = models.DecimalField(
        _("经济价值分"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    score_total = models.DecimalField(_("综合价值分"), max_digits=5, decimal_places=1, null=True, blank=True)
    score_parts = models.JSONField(_("评分明细"), default=list, blank=True)
    search_text = models.TextField(editable=False, blank=True, default="")

    class Meta:
        verbose_name = _("专利")
        verbose_name_plural = _("专利")
        ordering = ["-application_date", "application_number"]
        indexes = [models.Index(fields=["owner", "stage"])]

    def __str__(self) -> str:
        return f"{self.title}（{self.application_number}）"


class PatentFeedback(TimeStampedModel):
    """市场评价: an enterprise tells whether a pooled patent interests it."""

    class Interest(models.TextChoices):
        HIGH = "high", _("有明确意向")
        MEDIUM = "medium", _("可进一步了解")
        NONE = "none", _("暂无需求")

    patent = models.ForeignKey(
        Patent, verbose_name=_("专利"), on_delete=models.CASCADE, related_name="feedback"
    )
    organisation = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("反馈企业"), on_delete=models.CASCADE, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("反馈人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    interest = models.CharField(_("意向"), max_length=10, choices=Interest.choices)
    comment = models.TextField(_("意见"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("企业评价反馈")
        verbose_name_plural = _("企业评价反馈")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["patent", "organisation"], name="patent_feedback_once_per_org")
        ]


class Achievement(Listing):
    """A research result offered for transfer (科技成果)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")
        NEGOTIATING = "negotiating", _("洽谈中")
        TRANSFERRED = "transferred", _("已转化")
        WITHDRAWN = "withdrawn", _("已撤回")

    TRANSITIONS: dict[str, list[str]] = {
        Status.DRAFT: [Status.PUBLISHED, Status.WITHDRAWN],
        Status.PUBLISHED: [Status.NEGOTIATING, Status.WITHDRAWN],
        Status.NEGOTIATING: [Status.TRANSFERRED, Status.PUBLISHED, Status.WITHDRAWN],
        Status.TRANSFERRED: [],
        Status.WITHDRAWN: [Status.DRAFT],
    }

    # How the history panel names what it records beyond the model's own fields.
    HISTORY_CHOICES = {"transfer_modes": TransferMode.choices}
    HISTORY_LABELS = {"attachments": _("附件")}

    owner = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("成果所属机构"),
        on_delete=models.PROTECT,
        related_name="achievements",
    )
    summary = models.TextField(_("成果简介（通俗表述）"), max_length=5000)
    trl = models.PositiveSmallIntegerField(
        _("技术成熟度"), validators=[MinValueValidator(1), MaxValueValidator(9)]
    )
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("团队成员"), blank=True, related_name="achievements"
    )
    team_note = models.CharField(_("团队说明"), max_length=500, blank=True)
    patents = models.ManyToManyField(
        Patent, verbose_name=_("关联专利"), blank=True, related_name="achievements"
    )
    transfer_modes = models.JSONField(_("转化方式"), default=list)
    # The same modes as " transfer equity " so that both databases can filter by one mode
    # (SQLite has no JSON containment lookup); kept by the services.
    mode_tags = models.CharField(max_length=300, editable=False, blank=True, default="", db_index=True)
    price_kind = models.CharField(
        _("报价方式"), max_length=20, choices=PriceKind.choices, default=PriceKind.NEGOTIABLE
    )
    price_min = models.DecimalField(
        _("价格/下限（元）"), null=True, blank=True, max_digits=16, decimal_places=2
    )
    price_max = models.DecimalField(
        _("价格上限（元）"), null=True, blank=True, max_digits=16, decimal_places=2
    )
    incumbent = models.TextField(_("现有方案"), max_length=2000, blank=True)
    economics = models.TextField(_("经济性对比"), max_length=3000, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT)

    class Meta:
        verbose_name = _("科技成果")
        verbose_name_plural = _("科技成果")
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["status", "visibility", "-published_at"]),
            models.Index(fields=["owner", "status"]),
            models.Index(fields=["field", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price_min__isnull=True)
                | models.Q(price_max__isnull=True)
                | models.Q(price_min__lte=models.F("price_max")),
                name="achievement_price_range_ordered",
                violation_error_message=_("价格下限不能高于上限。"),
            )
        ]


class Need(Listing):
    """An enterprise's technical need (技术需求)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")
        MATCHED = "matched", _("已匹配")
        NEGOTIATING = "negotiating", _("洽谈中")
        SOLVED = "solved", _("已解决")
        CLOSED = "closed", _("已关闭")

    TRANSITIONS: dict[str, list[str]] = {
        Status.DRAFT: [Status.PUBLISHED, Status.CLOSED],
        Status.PUBLISHED: [Status.MATCHED, Status.NEGOTIATING, Status.CLOSED],
        Status.MATCHED: [Status.NEGOTIATING, Status.PUBLISHED, Status.CLOSED],
        Status.NEGOTIATING: [Status.SOLVED, Status.MATCHED, Status.CLOSED],
        Status.SOLVED: [],
        Status.CLOSED: [Status.DRAFT],
    }

    # States in which a need is out in the open and being worked on.
    OPEN_STATES = (Status.PUBLISHED, Status.MATCHED, Status.NEGOTIATING)

    class IPOwnership(models.TextChoices):
        ENTERPRISE = "enterprise", _("归企业所有")
        SHARED = "shared", _("双方共有")
        PROVIDER = "provider", _("归研发方所有，企业获得使用权")
        NEGOTIABLE = "negotiable", _("协商确定")

    class Cooperation(models.TextChoices):
        TRANSFER = "transfer", _("技术转让")
        LICENCE = "licence", _("技术许可")
        COMMISSIONED = "commissioned", _("委托开发")
        JOINT = "joint", _("合作开发")
        CONSULTING = "consulting", _("技术咨询/服务")
        EQUITY = "equity", _("作价入股")
        OPEN = "open", _("不限")

    HISTORY_LABELS = {"attachments": _("附件"), "indicators": _("核心技术指标")}

    owner = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("需求企业"), on_delete=models.PROTECT, related_name="needs"
    )
    description = models.TextField(_("需求描述"), max_length=5000)
    budget = models.DecimalField(_("资金投入（元）"), null=True, blank=True, max_digits=16, decimal_places=2)
    budget_negotiable = models.BooleanField(_("预算面议"), default=False)
    ip_ownership = models.CharField(
        _("产权归属"), max_length=20, choices=IPOwnership.choices, default=IPOwnership.NEGOTIABLE
    )
    deadline = models.DateField(_("研发时限"), null=True, blank=True)
    cooperation = models.CharField(
        _("合作方式"), max_length=20, choices=Cooperation.choices, default=Cooperation.OPEN
    )
    min_trl = models.PositiveSmallIntegerField(
        _("期望成熟度（不低于）"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(9)],
    )
    is_complex = models.BooleanField(
        _("复杂需求"), default=False, help_text=_("需求较复杂时由技术经理人协助梳理与对接。")
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("负责技术经理人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_needs",
    )
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT)

    class Meta:
        verbose_name = _("技术需求")
        verbose_name_plural = _("技术需求")
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["status", "visibility", "-published_at"]),
            models.Index(fields=["owner", "status"]),
            models.Index(fields=["field", "status"]),
        ]


class NeedIndicator(models.Model):
    """A core technical indicator of a need: name, target value, unit."""

    need = models.ForeignKey(
        Need, verbose_name=_("需求"), on_delete=models.CASCADE, related_name="indicators"
    )
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


class Attachment(models.Model):
    """A file attached to a result or a need; checked by content and size on upload."""

    achievement = models.ForeignKey(
        Achievement, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    need = models.ForeignKey(
        Need, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("文件"), upload_to="attachments/%Y/%m/")
    name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveIntegerField(_("大小（字节）"))
    content_type = models.CharField(_("文件类型"), max_length=100)
    confidential = models.BooleanField(_("保密附件"), default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["uploaded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(achievement__isnull=False, need__isnull=True)
                | models.Q(achievement__isnull=True, need__isnull=False),
                name="attachment_has_one_owner",
            )
        ]

    def __str__(self) -> str:
        return self.name


class AccessGrant(models.Model):
    """An organisation asks for a confidential record's protected details, accepting the
    platform's confidentiality undertaking; the owner grants or refuses. Every step is kept."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("待审批")
        GRANTED = "granted", _("已授权")
        REFUSED = "refused", _("已拒绝")
        REVOKED = "revoked", _("已撤销")

    achievement = models.ForeignKey(
        Achievement, null=True, blank=True, on_delete=models.CASCADE, related_name="access_grants"
    )
    need = models.ForeignKey(
        Need, null=True, blank=True, on_delete=models.CASCADE, related_name="access_grants"
    )
    organisation = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("申请机构"), on_delete=models.CASCADE, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    undertaking = models.TextField(_("保密承诺（签署文本）"))
    undertaking_accepted_at = models.DateTimeField(_("签署时间"))
    purpose = models.CharField(_("用途说明"), max_length=500, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.REQUESTED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("保密信息授权")
        verbose_name_plural = _("保密信息授权")
        ordering = ["-undertaking_accepted_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(achievement__isnull=False, need__isnull=True)
                | models.Q(achievement__isnull=True, need__isnull=False),
                name="access_grant_has_one_subject",
            ),
            # One open request or grant per organisation and record, even under concurrent posts.
            models.UniqueConstraint(
                fields=["achievement", "organisation"],
                condition=models.Q(status__in=["requested", "granted"], achievement__isnull=False),
                name="access_grant_one_open_per_org_achievement",
            ),
            models.UniqueConstraint(
                fields=["need", "organisation"],
                condition=models.Q(status__in=["requested", "granted"], need__isnull=False),
                name="access_grant_one_open_per_org_need",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.get_status_display()}"


class ImportJob(TimeStampedModel):
    """A bulk patent import: uploaded file → dry-run preview with per-row errors → import."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        VALIDATING = "validating", _("校验中")
        PREVIEWED = "previewed", _("待确认")
        IMPORTING = "importing", _("导入中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")
        CANCELLED = "cancelled", _("已取消")

    organisation = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("导入机构"), on_delete=models.CASCADE, related_name="+"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    file = models.FileField(_("文件"), upload_to="imports/%Y/%m/")
    file_name = models.CharField(_("文件名"), max_length=200)
    file_format = models.CharField(_("格式"), max_length=10)
    encoding = models.CharField(_("编码"), max_length=20, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    valid_rows = models.PositiveIntegerField(_("有效行数"), default=0)
    processed_rows = models.PositiveIntegerField(_("已处理行数"), default=0)
    errors = models.JSONField(_("错误"), default=list, blank=True)
    error_count = models.PositiveIntegerField(_("错误数"), default=0)
    preview = models.JSONField(_("预览"), default=list, blank=True)
    valid_only = models.BooleanField(_("仅导入有效行"), default=False)
    created_count = models.PositiveIntegerField(_("新增"), default=0)
    updated_count = models.PositiveIntegerField(_("更新"), default=0)
    unchanged_count = models.PositiveIntegerField(_("未变化"), default=0)
    message = models.CharField(_("说明"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("专利导入任务")
        verbose_name_plural = _("专利导入任务")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.file_name
