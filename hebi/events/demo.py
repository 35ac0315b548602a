"""The demo of roadshows and matching events (路演, 对接会).

1. The committee's first meeting and roadshow on 2023-11-01 in 长春新区, as reported: 10 teams
   from 吉林大学, 长春理工大学, 长春光机所 and 长春应化所, four projects named in the report. The
   other six projects, which organisation presented which project, the hour, the audience, the
   scores and the "want to talk" marks are illustrative and say so. Four interests were followed
   up: three engagements and one transfer project (in 洽谈), linked from the marks.
2. An upcoming matching event (对接会) in three weeks, open for registration.

Called by the core demo loader after the challenges demo (whose experts score the roadshow),
inside its transaction. Deterministic (one seeded random.Random; the upcoming event and the
follow-ups are dated from the day of the load, the roadshow on its historical day) and
idempotent (events are keyed by title; one found in place is left as it is).
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from hebi.catalog.models import Achievement, StatusChange
from hebi.challenges import scoring
from hebi.challenges.demo import add, backdate, cite, days, demo_user, history, moment
from hebi.challenges.models import Rubric
from hebi.challenges.reference import load_reference
from hebi.core import audit
from hebi.core.demo import SeedReport
from hebi.core.roles import Role as CoreRole
from hebi.deals.demo import demo_organisations
from hebi.deals.models import Engagement, StagePeriod, TransferProject, WorkTeam
from hebi.events.models import Event, EventSlot, Invitation, Registration, SlotFeedback
from hebi.orgs.models import Membership, Organisation

DEMO_MARK = "（演示数据）"
SEED = 20_231_101
SHANGHAI = ZoneInfo("Asia/Shanghai")
ROADSHOW_DAY = datetime.date(2023, 11, 1)

ROADSHOW_SOURCE = {
    "doc": "000_7c7e2d593b3f44d5.txt",
    "quote": "2023年11月1日，长春市科技成果转化战略合作委员会在长春新区"
    "举行第一次会议暨科技成果转化项目路演活动。来自吉林大学、长春理工大学、中国科学院长春光机所、长春应化所等10支项目团队，现场展示了创新项目。",
}
PROJECTS_SOURCE = {
    "doc": "000_7c7e2d593b3f44d5.txt",
    "quote": "无线光通信产业化项目、检测试剂及仪器项目、"
    "纤维复合材料多点柔性数字化智造产线项目、商用车液力缓速器产业化项目",
}
SECOND_SOURCE = {
    "doc": "002_3abc17a2da5debec.txt",
    "quote": "以2023年11月1日长春市科技成果转化战略合作委员会举行的第一次会议暨科技成果转化项目路演活动为例,"
    "来自吉林大学、长春理工大学,中国科学院长春光机所、长春应化所等10支项目团队,现场展示了创新项目。",
}
MATCHING_SOURCE = {
    "doc": "004_27cf28b0b4388d2d.txt",
    "quote": "举办技术供需对接活动12场，提供对接服务377次。",
}
ROADSHOW_TITLE = "长春市科技成果转化战略合作委员会第一次会议暨科技成果转化项目路演"
MATCHING_TITLE = "汽车及零部件、光电信息领域科技成果与企业技术需求对接会（演示）"


@dataclass(frozen=True)
class SlotPlan:
    title: str
    org: str
    presenter: str  # username
    summary: str
    keywords: tuple[str, ...]  # to find a fitting registered result of the organisation
    named: bool  # named in the report (else illustrative)


NAMED_NOTE = "项目名称见《政产学研“合璧”生“金”》报道；报道未载明各项目所属单位，由{org}路演为演示示意。"
ILLUSTRATIVE_NOTE = "（示意）报道只列出 4 个项目名称，本项目为补足 10 支团队的演示项目。"
SLOTS: list[SlotPlan] = [
    SlotPlan(
        "无线光通信产业化项目",
        "cust",
        "cust_wang",
        "面向星地、机间和城市楼宇间的无线激光通信终端，具备高速率、抗电磁干扰的特点，寻求产业化合作。",
        ("无线光通信", "激光通信", "光通信"),
        True,
    ),
    SlotPlan(
        "检测试剂及仪器项目",
        "ciac",
        "ev_mo",
        "快速检测试剂与配套便携式分析仪器，适用于基层医疗和现场检测，寻求早期投资与注册合作。",
        ("试剂", "电化学"),
        True,
    ),
    SlotPlan(
        "纤维复合材料多点柔性数字化智造产线项目",
        "jlu",
        "jlu_li",
        "基于多点柔性成形的纤维复合材料曲面构件数字化产线，一套装备可成形多种曲面，缩短模具开发周期。",
        ("复合材料", "多点", "纤维"),
        True,
    ),
    SlotPlan(
        "商用车液力缓速器产业化项目",
        "jlu",
        "ev_lei",
        "商用车辅助制动用液力缓速器，提升长下坡制动安全，降低制动器磨损，寻求整车厂配套与产业化。",
        ("缓速器", "液力", "制动"),
        True,
    ),
    SlotPlan(
        "空间遥感相机轻量化反射镜项目（示意）",
        "ciomp",
        "ev_chang",
        "碳化硅轻量化反射镜的设计与制造工艺，面向商业遥感卫星批产。",
        ("反射镜", "轻量化"),
        False,
    ),
    SlotPlan(
        "高功率半导体激光器芯片项目（示意）",
        "ciomp",
        "ev_yao",
        "9xx nm 高功率半导体激光器芯片及光纤耦合模块，面向工业加工和泵浦光源。",
        ("半导体激光", "激光器"),
        False,
    ),
    SlotPlan(
        "生物可降解高分子材料项目（示意）",
        "ciac",
        "ev_xue",
        "聚乳酸等生物可降解材料的改性与规模化制备，面向包装和医用材料。",
        ("可降解", "聚乳酸"),
        False,
    ),
    SlotPlan(
        "车载激光雷达光学模组项目（示意）",
        "cust",
        "ev_geng",
        "车载激光雷达的收发光学模组与装调工艺，寻求与整车和一级供应商合作。",
        ("激光雷达", "激光测距"),
        False,
    ),
    SlotPlan(
        "稀土发光材料产业化项目（示意）",
        "ciac",
        "ev_tian",
        "高效稀土发光材料及其在照明、显示中的应用，已完成公斤级制备。",
        ("稀土发光", "发光材料"),
        False,
    ),
    SlotPlan(
        "智能网联汽车线控底盘项目（示意）",
        "jlu",
        "ev_dong",
        "线控制动与线控转向执行器及其控制算法，支撑高级别自动驾驶。",
        ("线控", "底盘", "转向"),
        False,
    ),
]

# Attendees without a demo login: (username, name, title, organisation key, role).
R = Registration.Role
ATTENDEES: list[tuple[str, str, str, str, str]] = [
    ("ev_tan", "谭一鸣（虚构）", "投资总监", "future_seed", R.INVESTOR),
    ("ev_luo", "罗晓冉（虚构）", "投资经理", "future_seed", R.INVESTOR),
    ("ev_pan", "潘志远（虚构）", "投资总监", "changxing_angel", R.INVESTOR),
    ("ev_xie", "谢雨晴（虚构）", "投资经理", "changxing_angel", R.INVESTOR),
    ("ev_du", "杜若衡（虚构）", "投资经理", "changxing_seed", R.INVESTOR),
    ("ev_kang", "康明远（虚构）", "研发总院 高级经理", "faw", R.ENTERPRISE),
    ("ev_yin", "尹博涛（虚构）", "技术中心 副主任", "faw_jiefang", R.ENTERPRISE),
    ("ev_gu", "顾晨曦（虚构）", "采购与供应商开发经理", "faw_jiefang", R.ENTERPRISE),
    ("ev_zou", "邹宇航（虚构）", "载荷研发部 部长", "cgstl", R.ENTERPRISE),
    ("ev_jiang", "蒋思琪（虚构）", "战略合作经理", "cgstl", R.ENTERPRISE),
    ("ev_qi", "齐振华（虚构）", "技术中心 主任工程师", "crrc_cc", R.ENTERPRISE),
    ("ev_hou", "侯嘉懿（虚构）", "产品经理", "gpixel", R.ENTERPRISE),
    ("ev_mo", "莫晓帆（虚构）", "副研究员", "ciac", R.PRESENTER),
    ("ev_lei", "雷振东（虚构）", "教授", "jlu", R.PRESENTER),
    ("ev_chang", "常博远（虚构）", "研究员", "ciomp", R.PRESENTER),
    ("ev_yao", "姚雪松（虚构）", "副研究员", "ciomp", R.PRESENTER),
    ("ev_xue", "薛晴川（虚构）", "研究员", "ciac", R.PRESENTER),
    ("ev_geng", "耿立帆（虚构）", "副教授", "cust", R.PRESENTER),
    ("ev_tian", "田慧敏（虚构）", "研究员", "ciac", R.PRESENTER),
    ("ev_dong", "董逸舟（虚构）", "副教授", "jlu", R.PRESENTER),
    ("ev_shi", "施家宁（虚构）", "科技和创新局 干部", "cc_newarea", R.GUEST),
    ("ev_ling", "凌若曦（虚构）", "招商服务中心 干部", "cc_newarea", R.GUEST),
    ("ev_bao", "鲍承安（虚构）", "技术经理人", "tech_market", R.GUEST),
    ("ev_yu", "于思彤（虚构）", "技术经理人", "tech_market", R.GUEST),
    ("ev_wen", "温子航（虚构）", "成果转化科 干部", "cc_kjj", R.GUEST),
    ("ev_lian", "连博洋（虚构）", "科技合作处 干部", "cas_cc", R.GUEST),
    ("ev_qiao", "乔一诺（虚构）", "研究生", "cust", R.GUEST),
    ("ev_sang", "桑宁远（虚构）", "研究生", "jlu", R.GUEST),
]
# Demo accounts and experts who came: (username, organisation key, role).
ACCOUNTS: list[tuple[str, str, str]] = [
    ("zj_lu", "cas_cc", R.EXPERT),
    ("zj_yang", "tech_market", R.EXPERT),
    ("zj_feng", "crrc_cc", R.EXPERT),
    ("zj_fang", "gensci", R.EXPERT),
    ("zj_qian", "gpixel", R.EXPERT),
    ("changxing_liu", "changxing_fund", R.INVESTOR),
    ("faw_chen", "faw", R.ENTERPRISE),
    ("cust_wang", "cust", R.PRESENTER),
    ("jlu_li", "jlu", R.PRESENTER),
    ("mishu", "cc_kjj", R.GUEST),
    ("ciomp_zhao", "ciomp", R.GUEST),
    ("jlu_admin", "jlu", R.GUEST),
]
NO_SHOWS = {"ev_du", "ev_hou", "ev_qiao", "ev_sang"}
JUDGES = ["zj_lu", "zj_yang", "zj_feng", "zj_fang", "zj_qian"]
JUDGE_BIAS = {"zj_yang": 0.06, "zj_qian": -0.08}
# "Want to talk" marks: (username, slot index, note).
MARKS: list[tuple[str, int, str]] = [
    ("ev_tan", 1, "早期项目，可评估概念验证和种子轮资金"),
    ("ev_luo", 6, "关注降解材料的产能规划"),
    ("ev_luo", 8, "希望了解稀土原料保障"),
    ("ev_pan", 5, "关注芯片良率与国产替代进度"),
    ("ev_pan", 0, "希望了解团队股权结构"),
    ("ev_xie", 4, "关注批产成本"),
    ("ev_xie", 7, "关注车规认证进度"),
    ("changxing_liu", 3, "成熟期项目，可对接长兴基金子基金"),
    ("changxing_liu", 9, "关注与整车厂的合作进展"),
    ("faw_chen", 9, "与研发总院底盘部门对接"),
    ("faw_chen", 2, "车身复合材料件可试用"),
    ("ev_kang", 7, "希望获取样件测试"),
    ("ev_yin", 3, "解放重卡有缓速器配套需求，希望尽快洽谈"),
    ("ev_gu", 3, "了解量产成本与供货周期"),
    ("ev_gu", 9, "商用车线控制动有需求"),
    ("ev_zou", 0, "星间与星地激光通信终端有合作空间"),
    ("ev_zou", 4, "反射镜批产工艺可合作"),
    ("ev_jiang", 5, "泵浦光源采购需求"),
    ("ev_qi", 2, "轨道车辆内饰复合材料件"),
    ("ev_qi", 3, "轨道车辆制动可借鉴"),
    ("zj_fang", 1, "可协助体外诊断试剂注册申报"),
]


@dataclass
class Context:
    rng: random.Random
    today: datetime.date
    report: SeedReport
    orgs: dict[str, Organisation]
    users: dict[str, Any]


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=SHANGHAI)


def _weekday(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=max(day.weekday() - 4, 0))


def _people(ctx: Context) -> None:
    user_model = get_user_model()
    for username, name, title, org_key, _role in ATTENDEES:
        # A member of the unit they register for (staff): the registration rules check it.
        ctx.users[username] = demo_user(
            ctx.report,
            username,
            name,
            f"{ctx.orgs[org_key].short_name or ''} {title}",
            ctx.orgs[org_key],
            CoreRole.STAFF,
        )
    for username, _org, _role in ACCOUNTS:
        user = user_model.objects.filter(username=username).first()
        if user is not None:
            ctx.users[username] = user


def _event(ctx: Context, **values: Any) -> Event | None:
    if Event.objects.filter(title=values["title"]).exists():
        return None  # loaded before: leave what demo users did since alone
    event = Event.objects.create(**values)
    audit.record_create(
        actor=values.get("created_by"),
        instance=event,
        fields=["kind", "title", "starts_at", "venue", "organiser", "capacity", "status"],
        organisation=values["organiser"],
        note="演示数据导入",
    )
    add(ctx.report, "event")
    return event


def _fitting_result(org: Organisation, keywords: tuple[str, ...]) -> Achievement | None:
    for keyword in keywords:
        found = (
            Achievement.objects.filter(
                owner=org, title__contains=keyword, status=Achievement.Status.PUBLISHED
            )
            .order_by("source_ref", "pk")
            .first()
        )
        if found is not None:
            return found
    return None


def _invite(ctx: Context, event: Event, rows: list[tuple[str, str, str]], at: datetime.datetime) -> None:
    for org_key, kind, note in rows:
        org = ctx.orgs.get(org_key)
        if org is None:
            continue
        invitation = Invitation.objects.create(event=event, organisation=org, kind=kind, note=note)
        backdate(invitation, at)
        add(ctx.report, "invitation")


# -- 1. the roadshow of 2023-11-01 ----------------------------------------------------------------------
def _roadshow(ctx: Context) -> None:
    mishu = ctx.users.get("mishu")
    rubric = Rubric.objects.get(code="roadshow-2023")
    event = _event(
        ctx,
        kind=Event.Kind.ROADSHOW,
        title=ROADSHOW_TITLE,
        starts_at=_at(ROADSHOW_DAY, 9),
        ends_at=_at(ROADSHOW_DAY, 12),
        venue="长春新区（报道未载明具体会场）",
        organiser=ctx.orgs["cc_kjj"],
        description=(
            "2023年11月1日，长春市科技成果转化战略合作委员会在长春新区举行第一次会议暨科技成果转化"
            "项目路演活动，来自吉林大学、长春理工大学、中国科学院长春光机所、长春应化所等10支项目团队"
            "现场展示了创新项目（《政产学研“合璧”生“金”——长春市科技成果转化战略合作委员会高效统筹"
            "一体布局》；《科技创新 长春为什么行？》）。报道列出的项目有无线光通信产业化项目、检测试剂"
            "及仪器项目、纤维复合材料多点柔性数字化智造产线项目、商用车液力缓速器产业化项目。"
            "主办单位按委员会秘书处所在的长春市科学技术局记录；开始时间、具体会场、其余6个项目、"
            "参会人员、评分与洽谈意向均为演示示意，人物均为虚构。"
        ),
        capacity=80,
        registration_closes_at=_at(ROADSHOW_DAY - datetime.timedelta(days=2), 17),
        rubric=rubric,
        status=Event.Status.OPEN,
        created_by=mishu,
    )
    if event is None:
        return
    Event.objects.filter(pk=event.pk).update(status=Event.Status.HELD)
    backdate(event, _at(datetime.date(2023, 10, 16), 10))
    history(
        ctx.report,
        event,
        [
            ("draft", "open", mishu, _at(datetime.date(2023, 10, 18), 9), "发布活动，开放报名"),
            ("open", "held", mishu, _at(ROADSHOW_DAY, 12, 10), "活动已举办"),
        ],
    )
    for source, fact in ((ROADSHOW_SOURCE, "2023-11-01 路演"), (SECOND_SOURCE, "10支项目团队")):
        cite(ctx.report, event, source, fact)
    slots = []
    for order, plan in enumerate(SLOTS):
        org = ctx.orgs[plan.org]
        note = NAMED_NOTE.format(org=org.short_name or org.name) if plan.named else ILLUSTRATIVE_NOTE
        presenter = ctx.users.get(plan.presenter)
        slot = EventSlot.objects.create(
            event=event,
            order=order + 1,
            starts_at=_slot_time(order),
            minutes=10,
            title=plan.title,
            organisation=org,
            presenter=presenter.get_full_name() if presenter else "",
            summary=f"{plan.summary}{note}{DEMO_MARK}",
            achievement=_fitting_result(org, plan.keywords),
        )
        if plan.named:
            cite(ctx.report, slot, PROJECTS_SOURCE, "报道列出的路演项目")
        slots.append(slot)
    add(ctx.report, "event_slot", len(slots))
    _invite(
        ctx,
        event,
        [
            ("future_seed", Invitation.Kind.INVESTOR, "早期项目投资"),
            ("changxing_fund", Invitation.Kind.INVESTOR, "成熟期项目投资"),
            ("changxing_angel", Invitation.Kind.INVESTOR, ""),
            ("changxing_seed", Invitation.Kind.INVESTOR, ""),
            ("faw", Invitation.Kind.ENTERPRISE, "整车需求对接"),
            ("faw_jiefang", Invitation.Kind.ENTERPRISE, ""),
            ("cgstl", Invitation.Kind.ENTERPRISE, ""),
            ("crrc_cc", Invitation.Kind.ENTERPRISE, ""),
            ("gpixel", Invitation.Kind.ENTERPRISE, ""),
            ("cas_cc", Invitation.Kind.EXPERT, "评审专家"),
            ("tech_market", Invitation.Kind.OTHER, "技术经理人到场服务"),
            ("cc_newarea", Invitation.Kind.OTHER, "活动举办地"),
        ],
        _at(datetime.date(2023, 10, 18), 10),
    )
    registrations = _roadshow_registrations(ctx, event)
    _feedback(ctx, slots, registrations)


def _slot_time(order: int) -> datetime.time:
    minutes = 9 * 60 + 40 + order * 12
    return datetime.time(minutes // 60, minutes % 60)


def _roadshow_registrations(ctx: Context, event: Event) -> dict[str, Registration]:
    rng = ctx.rng
    mishu = ctx.users.get("mishu")
    rows = [(u, org, role) for u, _n, _t, org, role in ATTENDEES] + ACCOUNTS
    rng.shuffle(rows)
    registrations = {}
    for index, (username, org_key, role) in enumerate(rows):
        user = ctx.users.get(username)
        if user is None:
            continue
        came = username not in NO_SHOWS
        registration = Registration.objects.create(
            event=event,
            user=user,
            organisation=ctx.orgs.get(org_key),
            role=role,
            checked_in_at=_at(ROADSHOW_DAY, 8, 15 + index) if came else None,
            checked_in_by=mishu if came else None,
        )
        signed_up = _at(
            datetime.date(2023, 10, 19) + datetime.timedelta(days=index % 12), 9 + index % 8, 5 * (index % 12)
        )
        backdate(registration, signed_up)
        registrations[username] = registration
    add(ctx.report, "registration", len(registrations))
    return registrations


def _feedback(ctx: Context, slots: list[EventSlot], registrations: dict[str, Registration]) -> None:
    rng = ctx.rng
    rubric = Rubric.objects.get(code="roadshow-2023")
    criteria = [
        scoring.Criterion(code=c.code, name=c.name, max_score=c.max_score) for c in rubric.criteria.all()
    ]
    quality = [round(rng.uniform(0.68, 0.9), 2) for _ in slots]
    marks = {(username, index): note for username, index, note in MARKS}
    rows: dict[tuple[str, int], SlotFeedback] = {}
    for index, slot in enumerate(slots):
        at = datetime.datetime.combine(ROADSHOW_DAY, slot.starts_at or datetime.time(10), tzinfo=SHANGHAI)
        at += datetime.timedelta(minutes=9)
        for username in JUDGES:
            registration = registrations.get(username)
            if registration is None or registration.checked_in_at is None:
                continue
            items = {}
            for c in criteria:
                share = quality[index] + JUDGE_BIAS.get(username, 0.0) + rng.uniform(-0.06, 0.06)
                items[c.code] = str(round(float(c.max_score) * min(max(share, 0.3), 1.0) * 2) / 2)
            clean, total = scoring.check_sheet(criteria, items)
            note = marks.pop((username, index), "")
            rows[(username, index)] = SlotFeedback(
                slot=slot,
                user=registration.user,
                registration=registration,
                items=clean,
                score=total,
                want_to_talk=bool(note),
                note=note,
            )
        for (username, mark_index), note in list(marks.items()):
            registration = registrations.get(username)
            if mark_index != index or registration is None or registration.checked_in_at is None:
                continue
            rows[(username, index)] = SlotFeedback(
                slot=slot, user=registration.user, registration=registration, want_to_talk=True, note=note
            )
    created = SlotFeedback.objects.bulk_create(rows.values())
    for feedback in created:
        slot_start = feedback.slot.starts_at or datetime.time(10)
        at = datetime.datetime.combine(ROADSHOW_DAY, slot_start, tzinfo=SHANGHAI) + datetime.timedelta(
            minutes=9
        )
        backdate(feedback, at)
    add(ctx.report, "slot_feedback", len(created))
    _follow_ups(ctx, slots, rows)


# -- what four of the interests became ------------------------------------------------------------------
@dataclass(frozen=True)
class FollowUp:
    mark: tuple[str, int]  # (username, slot index) of the "want to talk" mark
    kind: str
    days_ago: int
    team: str
    recorder: str
    other: str  # organisation key of the interested side
    outcome: str
    next_step: str = ""
    next_in: int | None = None  # days from the engagement (None: no next step)
    done: bool = False
    project: bool = False


PLACES = {str(Engagement.Kind.ONLINE): "线上视频会议", str(Engagement.Kind.OFFLINE): "长春市科学技术局会议室"}
FOLLOW_UPS = [
    FollowUp(
        ("ev_yin", 3),
        Engagement.Kind.VISIT,
        205,
        "汽车及零部件专班",
        "zb_gao",
        "faw_jiefang",
        Engagement.Outcome.PROJECT,
        project=True,
    ),
    FollowUp(
        ("ev_zou", 0),
        Engagement.Kind.ONLINE,
        150,
        "光电信息专班",
        "mishu",
        "cgstl",
        Engagement.Outcome.INTERESTED,
        "向长光卫星提供终端样机测试报告",
        14,
        done=True,
    ),
    FollowUp(
        ("ev_tan", 1),
        Engagement.Kind.VISIT,
        90,
        "新材料与化工专班",
        "zb_wu",
        "future_seed",
        Engagement.Outcome.FOLLOW_UP,
        "未来种子基金完成立项前尽调",
        21,
        done=True,
    ),
    FollowUp(
        ("ev_pan", 5),
        Engagement.Kind.OFFLINE,
        40,
        "光电信息专班",
        "ciomp_zhao",
        "changxing_angel",
        Engagement.Outcome.FOLLOW_UP,
        "补充芯片可靠性数据后约长兴天使基金二次洽谈",
        60,
    ),
]


def _follow_ups(ctx: Context, slots: list[EventSlot], rows: dict[tuple[str, int], SlotFeedback]) -> None:
    for plan in FOLLOW_UPS:
        feedback = rows.get(plan.mark)
        recorder = ctx.users.get(plan.recorder) or ctx.users.get("mishu")
        other = ctx.orgs.get(plan.other)
        if feedback is None or recorder is None or other is None:
            continue
        slot = slots[plan.mark[1]]
        held_on = _weekday(ctx.today - days(plan.days_ago))
        project = _project(ctx, slot, other, held_on, recorder) if plan.project else None
        membership = Membership.objects.filter(user=recorder).order_by("pk").first()
        next_on = held_on + days(plan.next_in) if plan.next_in is not None else None
        engagement = Engagement.objects.create(
            kind=plan.kind,
            held_on=held_on,
            place=PLACES.get(plan.kind) or slot.organisation.name,
            team=WorkTeam.objects.filter(name=plan.team).first(),
            recorded_by=recorder,
            recorder_org=membership.organisation if membership else ctx.orgs["cc_kjj"],
            people=f"{slot.presenter}团队；{other.short_name or other.name}{feedback.user.get_full_name()}",
            summary=(
                f"2023年11月1日委员会首次会议路演中，{other.short_name or other.name}对“{slot.title}”"
                f"登记了洽谈意向（{feedback.note}）。专班据路演意向清单持续跟进，本次组织双方对接。{DEMO_MARK}"
            ),
            outcome=plan.outcome,
            next_step=plan.next_step,
            next_step_on=next_on,
            next_step_owner=recorder if next_on else None,
            next_step_done_at=moment(next_on, 16) if next_on and plan.done else None,
            project=project,
        )
        engagement.organisations.set([slot.organisation, other])
        if slot.achievement_id:
            engagement.achievements.set([slot.achievement_id])
        backdate(engagement, moment(held_on, 17))
        SlotFeedback.objects.filter(pk=feedback.pk).update(engagement=engagement, project=project)
        add(ctx.report, "engagement")


def _project(
    ctx: Context, slot: EventSlot, enterprise: Organisation, held_on: datetime.date, recorder: Any
) -> TransferProject:
    """The retarder went on to 洽谈 with 一汽解放: a project with its stage history."""
    Stage = TransferProject.Stage
    opened = moment(held_on + days(4), 10)
    negotiating = moment(held_on + days(70), 15)
    project = TransferProject.objects.create(
        title=f"{slot.title}——{enterprise.short_name}配套转化",
        summary=(
            f"源自2023年11月1日委员会首次会议路演：{slot.organisation.short_name}的“{slot.title}”与"
            f"{enterprise.short_name}的商用车辅助制动配套需求对接，由汽车及零部件专班跟进。{DEMO_MARK}"
        ),
        stage=Stage.NEGOTIATING,
        stage_entered_at=negotiating,
        owner=slot.organisation,
        enterprise=enterprise,
        team=WorkTeam.objects.filter(name="汽车及零部件专班").first(),
        created_by=recorder,
    )
    if slot.achievement_id:
        project.achievements.set([slot.achievement_id])
    project.members.set([u for u in (ctx.users.get("jlu_admin"), ctx.users.get("ev_yin")) if u])
    StagePeriod.objects.bulk_create(
        [
            StagePeriod(project=project, stage=Stage.MATCHED, entered_at=opened, left_at=negotiating),
            StagePeriod(project=project, stage=Stage.NEGOTIATING, entered_at=negotiating),
        ]
    )
    change = StatusChange.objects.create(
        content_type=ContentType.objects.get_for_model(TransferProject),
        object_id=project.pk,
        from_status=Stage.MATCHED,
        to_status=Stage.NEGOTIATING,
        actor=recorder,
        reason="样件台架试验结果达到要求，进入配套价格与知识产权条款洽谈",
    )
    StatusChange.objects.filter(pk=change.pk).update(at=negotiating)
    TransferProject.objects.filter(pk=project.pk).update(created_at=opened, updated_at=negotiating)
    audit.record_create(
        actor=None,
        instance=project,
        fields=["title", "owner", "enterprise", "team", "stage"],
        organisation=slot.organisation,
        note="演示数据导入：路演洽谈意向转为转化项目",
    )
    add(ctx.report, "transfer_project")
    add(ctx.report, "stage_period", 2)
    add(ctx.report, "project_status_change")
    return project


# -- 2. an upcoming matching event ---------------------------------------------------------------------
def _matching(ctx: Context) -> None:
    mishu = ctx.users.get("mishu")
    day = ctx.today + days(21)
    event = _event(
        ctx,
        kind=Event.Kind.MATCHING,
        title=MATCHING_TITLE,
        starts_at=_at(day, 14),
        ends_at=_at(day, 17, 30),
        venue="国家技术转移东北中心（吉林省科技大市场）路演厅（示意）",
        organiser=ctx.orgs["tech_market"],
        co_organisers="长春市科学技术局",
        description=(
            "企业发布技术需求，高校院所推介科技成果，投资机构现场洽谈。2024年，依托国家技术转移东北中心"
            "（吉林省科技大市场）举办技术供需对接活动12场（吉科发成〔2025〕71号）；本场活动为演示示意。"
        ),
        capacity=120,
        registration_closes_at=_at(day - days(2), 17),
        rubric=Rubric.objects.get(code="roadshow-2023"),
        status=Event.Status.OPEN,
        created_by=mishu,
    )
    if event is None:
        return
    opened = moment(ctx.today - days(10), 10)
    backdate(event, opened - datetime.timedelta(days=2))
    history(ctx.report, event, [("draft", "open", mishu, opened, "发布活动，开放报名")])
    cite(ctx.report, event, MATCHING_SOURCE, "2024年技术供需对接活动")
    plans = [
        ("中国一汽：整车轻量化与智能座舱技术需求发布", "faw", "陈浩然（虚构）"),
        ("一汽解放：商用车智能驾驶与辅助制动技术需求发布", "faw_jiefang", "尹博涛（虚构）"),
        ("汽车底盘线控执行器成果推介（示意）", "jlu", "董逸舟（虚构）"),
        ("车载光学与激光雷达成果推介（示意）", "ciomp", "常博远（虚构）"),
        ("车用激光清洗与焊接成果推介（示意）", "cust", "王思远（虚构）"),
    ]
    EventSlot.objects.bulk_create(
        EventSlot(
            event=event,
            order=i + 1,
            starts_at=datetime.time(14, 15 + 15 * i) if i < 3 else datetime.time(15, 15 * (i - 3)),
            minutes=12,
            title=title,
            organisation=ctx.orgs[org],
            presenter=presenter,
            summary=f"对接会议程（示意）。{DEMO_MARK}",
        )
        for i, (title, org, presenter) in enumerate(plans)
    )
    add(ctx.report, "event_slot", len(plans))
    _invite(
        ctx,
        event,
        [
            ("faw", Invitation.Kind.ENTERPRISE, "发布需求"),
            ("faw_jiefang", Invitation.Kind.ENTERPRISE, "发布需求"),
            ("crrc_cc", Invitation.Kind.ENTERPRISE, ""),
            ("future_seed", Invitation.Kind.INVESTOR, ""),
            ("changxing_fund", Invitation.Kind.INVESTOR, ""),
            ("cas_cc", Invitation.Kind.EXPERT, ""),
        ],
        opened,
    )
    people = [
        ("faw_chen", "faw", R.ENTERPRISE),
        ("changxing_liu", "changxing_fund", R.INVESTOR),
        ("ciomp_zhao", "ciomp", R.PRESENTER),
        ("jlu_admin", "jlu", R.PRESENTER),
        ("cust_wang", "cust", R.PRESENTER),
        ("ev_yin", "faw_jiefang", R.ENTERPRISE),
        ("ev_tan", "future_seed", R.INVESTOR),
        ("ev_bao", "tech_market", R.GUEST),
    ]
    count = 0
    for i, (username, org_key, role) in enumerate(people):
        user = ctx.users.get(username)
        if user is None:
            continue
        registration = Registration.objects.create(
            event=event, user=user, organisation=ctx.orgs.get(org_key), role=role
        )
        backdate(registration, moment(ctx.today - days(9 - i), 9 + i))
        count += 1
    add(ctx.report, "registration", count)


# -- entry point --------------------------------------------------------------------------------------
def load_events_demo(*, report: SeedReport, today: datetime.date | None = None) -> None:
    """The 2023-11-01 roadshow and an upcoming matching event. Call inside a transaction, after
    the transfer demo (work teams) and the challenges demo (experts)."""
    load_reference()
    orgs = demo_organisations()
    needed = {"cc_kjj", "tech_market", "jlu", "cust", "ciomp", "ciac", "faw", "faw_jiefang", "cgstl"}
    needed |= {org for _u, _n, _t, org, _r in ATTENDEES}
    missing = needed - set(orgs)
    if missing:
        report.notes.append(f"路演与对接会：缺少演示机构（{sorted(missing)}），未导入。")
        return
    ctx = Context(
        rng=random.Random(SEED), today=today or timezone.localdate(), report=report, orgs=orgs, users={}
    )
    _people(ctx)
    _roadshow(ctx)
    _matching(ctx)
