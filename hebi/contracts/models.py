"""Technology contracts (技术合同), their registration (认定登记), licences, equity terms and the
distribution of the income they bring.

A contract is a dossier of versions. A version is edited only while it is a draft; once
submitted it never changes again. A refused contract is corrected in a new version; a
registered one is corrected by an amendment, also a new version, registered in its turn, and
every earlier version stays readable.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from hebi.core.models import TimeStampedModel
from hebi.core.validators import validate_uscc


class ContractCategory(models.Model):
    """Reference data: the categories of 技术合同 and their sub-types, with the tax treatment each
    one qualifies for. Administrators may change it when the registration rules change."""

    code = models.CharField(_("代码"), max_length=40, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("合同类别"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="subtypes",
    )
    name = models.CharField(_("名称"), max_length=60)
    name_en = models.CharField(_("英文名称"), max_length=100, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_licence = models.BooleanField(
        _("许可类合同"), default=False, help_text=_("需填写许可方式（独占、排他、普通）。")
    )
    is_transfer_income = models.BooleanField(
        _("技术转让所得"), default=False, help_text=_("其所得可适用企业所得税技术转让所得减免。")
    )
    vat_exempt = models.BooleanField(_("免征增值税"), default=False)
    tax_note = models.CharField(_("税收说明"), max_length=500, blank=True)
    source = models.CharField(_("依据"), max_length=300, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("合同类别")
        verbose_name_plural = _("合同类别")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        name = self.name_en if get_language() == "en" and self.name_en else self.name
        if self.parent_id:
            return f"{self.parent} · {name}"
        return name


class RefusalReason(models.Model):
    """Reference data: why a contract is not registered (未予登记), from the registration rules."""

    code = models.CharField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=150, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    source = models.CharField(_("依据"), max_length=300, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("不予登记理由")
        verbose_name_plural = _("不予登记理由")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name_en if get_language() == "en" and self.name_en else self.name


class LicenceScope(models.TextChoices):
    EXCLUSIVE = "exclusive", _("独占许可")
    SOLE = "sole", _("排他许可")
    ORDINARY = "ordinary", _("普通许可")


class TechContract(TimeStampedModel):
    """The dossier: who submits it, where it stands, and which version is in force."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("待审核")
        REGISTERED = "registered", _("已登记")
        REFUSED = "refused", _("未予登记")

    seller = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("卖方（登记申请单位）"),
        on_delete=models.PROTECT,
        related_name="contracts",
    )
    buyer_org = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("买方机构"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="purchased_contracts",
        help_text=_("买方在平台上有机构账号时关联，便于对方查看。"),
    )
    status = models.CharField(_("登记状态"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    registration_number = models.CharField(_("登记编号"), max_length=30, null=True, blank=True, unique=True)
    registered_at = models.DateTimeField(_("登记时间"), null=True, blank=True)
    in_force = models.ForeignKey(
        "ContractVersion",
        verbose_name=_("生效版本"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("已登记的最新版本；统计以此为准。"),
    )
    latest = models.ForeignKey(
        "ContractVersion",
        verbose_name=_("最新版本"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    project = models.ForeignKey(
        "deals.TransferProject",
        verbose_name=_("转化项目"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contracts",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("技术合同")
        verbose_name_plural = _("技术合同")
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["status"])]

    def __str__(self) -> str:
        version = self.latest
        return version.title if version else f"#{self.pk}"


class ContractVersion(TimeStampedModel):
    """One version of the contract's content. Only a draft may change."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("待审核")
        REGISTERED = "registered", _("已登记")
        REFUSED = "refused", _("未予登记")
        SUPERSEDED = "superseded", _("已被修订")

    TRANSITIONS: dict[str, list[str]] = {
        Status.DRAFT: [Status.SUBMITTED],
        Status.SUBMITTED: [Status.REGISTERED, Status.REFUSED],
        Status.REGISTERED: [Status.SUPERSEDED],
        Status.REFUSED: [],
        Status.SUPERSEDED: [],
    }
    # The registry decides within this many days of the submission.
    REVIEW_DAYS = 30

    contract = models.ForeignKey(TechContract, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("版本号"))
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    change_note = models.CharField(
        _("修改说明"), max_length=500, blank=True, help_text=_("第二版起必填：改了什么，为什么改。")
    )
    title = models.CharField(_("合同名称"), max_length=200)
    category = models.ForeignKey(
        ContractCategory, verbose_name=_("合同类型"), on_delete=models.PROTECT, related_name="+"
    )
    licence_scope = models.CharField(_("许可方式"), max_length=20, choices=LicenceScope.choices, blank=True)
    subject = models.TextField(_("合同标的与主要内容"), max_length=4000)
    total_amount = models.DecimalField(_("合同成交额（元）"), max_digits=14, decimal_places=2)
    tech_amount = models.DecimalField(_("技术交易额（元）"), max_digits=14, decimal_places=2)
    non_tech_items = models.JSONField(
        _("非技术性款项"),
        default=list,
        blank=True,
        help_text=_("成交额中不属于技术交易额的部分，如设备、原材料、场地费，逐项列明名称和金额。"),
    )
    signed_on = models.DateField(_("签订日期"))
    term_start = models.DateField(_("履行期限起"))
    term_end = models.DateField(_("履行期限止"))
    achievements = models.ManyToManyField(
        "catalog.Achievement", verbose_name=_("关联成果"), blank=True, related_name="contract_versions"
    )
    patents = models.ManyToManyField(
        "catalog.Patent", verbose_name=_("关联专利"), blank=True, related_name="contract_versions"
    )
    signed_file = models.FileField(_("合同文本（签字盖章版）"), upload_to="contracts/%Y/%m/", blank=True)
    signed_file_name = models.CharField(_("文件名"), max_length=200, blank=True)
    signed_file_type = models.CharField(_("文件类型"), max_length=100, blank=True)
    is_local = models.BooleanField(_("本地转化"), default=False)
    local_basis = models.CharField(_("本地转化依据"), max_length=300, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提交人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    due_on = models.DateField(_("审核期限"), null=True, blank=True)
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    refusal_reasons = models.ManyToManyField(RefusalReason, verbose_name=_("不予登记理由"), blank=True)
    decision_comment = models.CharField(_("审核意见"), max_length=1000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("合同版本")
        verbose_name_plural = _("合同版本")
        ordering = ["contract", "number"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "number"], name="contract_version_number_unique"),
            models.CheckConstraint(
                condition=models.Q(tech_amount__lte=models.F("total_amount")), name="tech_within_total"
            ),
            models.CheckConstraint(condition=models.Q(tech_amount__gte=0), name="tech_amount_not_negative"),
        ]
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self) -> str:
        return f"{self.title} v{self.number}"

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def non_tech_total(self) -> Decimal:
        return sum((Decimal(str(item.get("amount") or 0)) for item in self.non_tech_items), Decimal(0))

    def days_left(self, today: datetime.date | None = None) -> int | None:
        """Days until the registry's deadline; negative when overdue."""
        if self.due_on is None or self.status != self.Status.SUBMITTED:
            return None
        return (self.due_on - (today or timezone.localdate())).days


class ContractParty(models.Model):
    """A party to one version of a contract."""

    class Role(models.TextChoices):
        SELLER = "seller", _("卖方")
        BUYER = "buyer", _("买方")
        OTHER = "other", _("中介方或其他")

    version = models.ForeignKey(ContractVersion, on_delete=models.CASCADE, related_name="parties")
    role = models.CharField(_("角色"), max_length=10, choices=Role.choices)
    name = models.CharField(_("名称"), max_length=100)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, validators=[validate_uscc])
    region = models.ForeignKey(
        "orgs.Region", verbose_name=_("所在区域"), on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("平台机构"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    contact = models.CharField(_("联系人及电话"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("合同当事人")
        verbose_name_plural = _("合同当事人")
        ordering = ["version", "role", "id"]
        constraints = [models.UniqueConstraint(fields=["version", "uscc"], name="party_once_per_version")]

    def __str__(self) -> str:
        return self.name


class Licence(TimeStampedModel):
    """The terms of a licence contract and how it is used and paid for after registration."""

    class Mode(models.TextChoices):
        STANDARD = "standard", _("一般许可")
        USE_FIRST = "use_first", _("先使用后付费")

    class Payment(models.TextChoices):
        LUMP_SUM = "lump_sum", _("一次性支付")
        DEFERRED = "deferred", _("延期支付")
        STAGED = "staged", _("分期支付")
        REVENUE_SHARE = "revenue_share", _("销售提成")

    class Status(models.TextChoices):
        TRIAL = "trial", _("试用期")
        PAYING = "paying", _("付费使用")
        ENDED = "ended", _("已终止")

    TRANSITIONS: dict[str, list[str]] = {
        Status.TRIAL: [Status.PAYING, Status.ENDED],
        Status.PAYING: [Status.ENDED],
        Status.ENDED: [],
    }
    # 先使用后付费 trials usually run a year or more; a shorter one is allowed with a warning.
    USUAL_TRIAL_DAYS = 365

    contract = models.OneToOneField(
        TechContract, verbose_name=_("技术合同"), on_delete=models.CASCADE, related_name="licence"
    )
    licensee = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("被许可方"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="licences_held",
    )
    scope = models.CharField(_("许可方式"), max_length=20, choices=LicenceScope.choices)
    territory = models.CharField(_("许可地域"), max_length=100, blank=True)
    mode = models.CharField(_("许可模式"), max_length=20, choices=Mode.choices, default=Mode.STANDARD)
    entry_fee = models.DecimalField(_("入门费（元）"), max_digits=14, decimal_places=2, default=0)
    trial_start = models.DateField(_("试用期起"), null=True, blank=True)
    trial_end = models.DateField(_("试用期止"), null=True, blank=True)
    payment = models.CharField(_("付费方式"), max_length=20, choices=Payment.choices)
    royalty_rate = models.DecimalField(
        _("提成比例（%）"), max_digits=5, decimal_places=2, null=True, blank=True, help_text=_("按销售额计。")
    )
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.PAYING)
    ended_on = models.DateField(_("终止日期"), null=True, blank=True)
    end_reason = models.CharField(_("终止原因"), max_length=300, blank=True)
    converted_on = models.DateField(_("转为付费日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("许可")
        verbose_name_plural = _("许可")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(entry_fee__gte=0), name="licence_entry_fee_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(trial_start__isnull=True)
                | models.Q(trial_end__isnull=True)
                | models.Q(trial_end__gt=models.F("trial_start")),
                name="licence_trial_in_order",
            ),
        ]

    def __str__(self) -> str:
        return str(self.contract)


class LicencePayment(models.Model):
    """One due payment of a licence and, once paid, what was paid when."""

    class Kind(models.TextChoices):
        ENTRY = "entry", _("入门费")
        INSTALMENT = "instalment", _("分期款")
        ROYALTY = "royalty", _("提成款")

    licence = models.ForeignKey(Licence, on_delete=models.CASCADE, related_name="payments")
    kind = models.CharField(_("款项"), max_length=20, choices=Kind.choices)
    due_on = models.DateField(_("应付日期"))
    amount = models.DecimalField(_("应付金额（元）"), max_digits=14, decimal_places=2)
    paid_on = models.DateField(_("实付日期"), null=True, blank=True)
    paid_amount = models.DecimalField(
        _("实付金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    note = models.CharField(_("说明"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("许可付款")
        verbose_name_plural = _("许可付款")
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="licence_payment_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.licence} {self.due_on}"

    @property
    def is_paid(self) -> bool:
        return self.paid_on is not None


class UsageEvidence(models.Model):
    """What the licensee reports about its use of the technology (trial output, sales)."""

    licence = models.ForeignKey(Licence, on_delete=models.CASCADE, related_name="evidence")
    period_end = models.DateField(_("截至日期"))
    description = models.TextField(_("使用情况"), max_length=2000)
    sales_amount = models.DecimalField(
        _("相关销售额（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("报告人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reported_at = models.DateTimeField(_("报告时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("使用情况报告")
        verbose_name_plural = _("使用情况报告")
        ordering = ["-period_end", "-id"]

    def __str__(self) -> str:
        return f"{self.licence} {self.period_end}"


class EquityArrangement(TimeStampedModel):
    """作价投资 (a result valued and contributed as equity) or 先投后股 (public money first,
    converted into shares at a later financing round)."""

    class Kind(models.TextChoices):
        EQUITY = "equity", _("作价投资")
        INVEST_FIRST = "invest_first", _("先投后股")

    class Status(models.TextChoices):
        AGREED = "agreed", _("已约定")
        CONVERTED = "converted", _("已转股")
        EXITED = "exited", _("已退出")

    TRANSITIONS: dict[str, list[str]] = {
        Status.AGREED: [Status.CONVERTED, Status.EXITED],
        Status.CONVERTED: [Status.EXITED],
        Status.EXITED: [],
    }

    kind = models.CharField(_("方式"), max_length=20, choices=Kind.choices)
    owner = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("成果方"),
        on_delete=models.PROTECT,
        related_name="equity_arrangements",
    )
    contract = models.ForeignKey(
        TechContract,
        verbose_name=_("技术合同"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="equity",
    )
    project = models.ForeignKey(
        "deals.TransferProject",
        verbose_name=_("转化项目"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="equity",
    )
    company = models.CharField(_("标的企业"), max_length=100)
    investor = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("出资方"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invest_first_arrangements",
        help_text=_("先投后股：投入财政资金或基金的单位。"),
    )
    amount = models.DecimalField(
        _("金额（元）"),
        max_digits=14,
        decimal_places=2,
        help_text=_("作价投资：成果作价金额；先投后股：先期投入金额。"),
    )
    equity_ratio = models.DecimalField(
        _("股权比例（%）"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("先投后股在转股时确定。"),
    )
    team_equity_ratio = models.DecimalField(
        _("奖励团队的股权比例（%）"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("占成果作价所得股份的比例。"),
    )
    conversion_trigger = models.CharField(
        _("转股条件"),
        max_length=300,
        blank=True,
        help_text=_("如：企业完成下一轮市场化融资时，按该轮估值转股。"),
    )
    agreed_on = models.DateField(_("约定日期"))
    converted_on = models.DateField(_("转股日期"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.AGREED)
    terms = models.TextField(_("其他条款"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("作价投资与先投后股")
        verbose_name_plural = _("作价投资与先投后股")
        ordering = ["-agreed_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="equity_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.company}"


class DistributionRule(models.Model):
    """Reference data: the statutory default share of income for the team (促进科技成果转化法 第45条)."""

    basis = models.CharField(_("转化方式"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    min_team_ratio = models.DecimalField(_("团队最低比例（%）"), max_digits=5, decimal_places=2)
    measure = models.CharField(_("计算基数"), max_length=100)
    source = models.CharField(_("依据"), max_length=300)

    class Meta:
        verbose_name = _("收益分配规则")
        verbose_name_plural = _("收益分配规则")
        ordering = ["basis"]

    def __str__(self) -> str:
        return self.name


class IncomeDistribution(TimeStampedModel):
    """Money the owner organisation received under a contract, and how it was shared out."""

    class Basis(models.TextChoices):
        TRANSFER = "transfer", _("转让")
        LICENCE = "licence", _("许可")
        EQUITY = "equity", _("作价投资")
        OWN_USE = "own_use", _("自行实施或合作实施")

    organisation = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("成果单位"),
        on_delete=models.PROTECT,
        related_name="distributions",
    )
    contract = models.ForeignKey(
        TechContract,
        verbose_name=_("技术合同"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="distributions",
    )
    basis = models.CharField(_("转化方式"), max_length=20, choices=Basis.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    received_on = models.DateField(_("到账日期"))
    income = models.DecimalField(_("转化收入（元）"), max_digits=14, decimal_places=2)
    costs = models.DecimalField(
        _("扣除成本（元）"),
        max_digits=14,
        decimal_places=2,
        default=0,
        help_text=_("评估、谈判、维持专利等直接费用。"),
    )
    net_income = models.DecimalField(_("净收入（元）"), max_digits=14, decimal_places=2)
    team_amount = models.DecimalField(_("奖励团队和完成人（元）"), max_digits=14, decimal_places=2, default=0)
    team_ratio = models.DecimalField(_("团队所得比例（%）"), max_digits=6, decimal_places=2, default=0)
    below_default = models.BooleanField(_("低于法定默认比例"), default=False)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("收益分配")
        verbose_name_plural = _("收益分配")
        ordering = ["-received_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(income__gt=0), name="distribution_income_positive"),
            models.CheckConstraint(condition=models.Q(costs__gte=0), name="distribution_costs_not_negative"),
            models.CheckConstraint(
                condition=models.Q(team_amount__lte=models.F("net_income")), name="distribution_within_net"
            ),
        ]
        indexes = [models.Index(fields=["organisation", "year"])]

    def __str__(self) -> str:
        return f"{self.organisation} {self.year} {self.income}"


class DistributionShare(models.Model):
    """One recipient's share of a distribution."""

    class Role(models.TextChoices):
        INVENTOR = "inventor", _("成果完成人")
        TEAM = "team", _("转化团队成员")
        ORGANISATION = "organisation", _("单位留存")
        DEPARTMENT = "department", _("院系（所）")

    # Whose shares count as the team's under Art. 45.
    TEAM_ROLES = (Role.INVENTOR, Role.TEAM)

    distribution = models.ForeignKey(IncomeDistribution, on_delete=models.CASCADE, related_name="shares")
    role = models.CharField(_("类别"), max_length=20, choices=Role.choices)
    recipient = models.CharField(_("获得者"), max_length=100)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("平台账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    amount = models.DecimalField(_("金额（元）"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("分配明细")
        verbose_name_plural = _("分配明细")
        ordering = ["distribution", "id"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="share_amount_positive")]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.amount}"
