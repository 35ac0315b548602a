"""A real browser walks issue 6: an open challenge call (揭榜挂帅) and a roadshow (路演), in Chinese.

Charlie, admin of 中国一汽, drafts a challenge through the form and submits it; Sam of the
committee secretariat approves it from his queue. Alice (吉林大学) and Dave (长春理工大学) apply
through the apply form and submit. After the deadline Sam starts the review, previews the panel's
conflicts (an expert of 吉林大学, an expert who declared a conflict with 长春理工大学) and forms the
panel without them. Five experts score both applications on their phones; Sam reads the ranking
(the highest and the lowest of five dropped), closes the scoring and decides with categories and
comments; the losing applicant reads why, and Sam signs the winner's milestone contract (军令状).

At a roadshow with two places an investor registers, a third registration is refused, the
organiser checks the investor in, who scores a slot on the phone page and marks 想进一步洽谈; the
organiser's report shows both.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select

from hebi.catalog.reference import load_reference as load_catalog_reference
from hebi.challenges import panels
from hebi.challenges.milestones import add_months
from hebi.challenges.models import (
    Application,
    Challenge,
    MilestoneContract,
    Panel,
    PanelExclusion,
    Score,
)
from hebi.challenges.reference import load_reference as load_challenge_reference
from hebi.core.roles import Role
from hebi.events import services as event_services
from hebi.events.models import Event, EventSlot, Registration, SlotFeedback
from tests.browser import (
    choose,
    click,
    marked,
    pick_date,
    shown,
    sign_in,
    submit_and_follow,
    type_into,
    wait,
    went_stale,
)
from tests.challenge_factories import (
    declare,
    make_application,
    make_challenge,
    make_expert,
    make_experts,
    roadshow_rubric,
)
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TODAY = timezone.localdate()
PHONE = (375, 812)
TITLE = "重卡电驱桥高效热管理技术攻关"
JLU_PLAN = "电驱桥油冷与热泵耦合热管理方案"
CUST_PLAN = "电驱桥相变储热与智能温控方案"

# Score sheets of the challenge rubric (30/20/20/15/15) by total, in steps of 0.5.
SHEETS = {
    95: {"approach": "28.5", "indicators": "19", "team": "19", "plan": "14.5", "industry": "14"},
    90: {"approach": "27", "indicators": "18", "team": "18", "plan": "13.5", "industry": "13.5"},
    85: {"approach": "25.5", "indicators": "17", "team": "17", "plan": "13", "industry": "12.5"},
    80: {"approach": "24", "indicators": "16", "team": "16", "plan": "12", "industry": "12"},
    70: {"approach": "21", "indicators": "14", "team": "14", "plan": "10.5", "industry": "10.5"},
    60: {"approach": "18", "indicators": "12", "team": "12", "plan": "9", "industry": "9"},
    50: {"approach": "15", "indicators": "10", "team": "10", "plan": "7.5", "industry": "7.5"},
}
# Each seated expert's totals for (吉林大学's application, 长春理工大学's application): 吉林大学
# keeps 90, 85, 80 → 85.00 (95 and 60 dropped); 长春理工大学 keeps 80, 70, 60 → 70.00 (90 and 50 dropped).
TOTALS = [(95, 90), (90, 80), (85, 70), (80, 60), (60, 50)]


# -- small helpers -------------------------------------------------------------------------------------
def messages_text(browser):
    return " ".join(e.text for e in browser.find_elements(By.CSS_SELECTOR, ".messages"))


def switch_user(browser, live_server, username):
    browser.delete_all_cookies()
    sign_in(browser, live_server, username)


def main_text(browser):
    return browser.find_element(By.TAG_NAME, "main").text


def fits_the_screen(browser):
    """No horizontal scrolling: the page is no wider than the phone's viewport."""
    width, inner = browser.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
    assert inner == PHONE[0], f"the window is {inner} px wide, not a phone's {PHONE[0]}"
    assert width <= inner, f"{browser.current_url} scrolls sideways: {width} px > {inner} px"


def accept_the_confirmation(browser, text):
    """A final action asks first (提交后不能修改…); the person reads the question and says yes."""
    alert = wait(browser).until(ec.alert_is_present())
    assert text in alert.text, alert.text
    browser.switch_to.alert.accept()


def confirm_and_follow(browser, button, text, url_pattern):
    """Like submit_and_follow, for a button that asks for confirmation before it submits."""
    click(browser, button)
    accept_the_confirmation(browser, text)
    wait(browser).until(went_stale(button))
    wait(browser).until(ec.url_matches(url_pattern))
    wait(browser).until(lambda b: b.execute_script("return document.readyState") == "complete")


def on_a_phone_it_fits(browser):
    """The page, seen at a phone's size, needs no sideways scrolling; then back to the desk."""
    size = browser.get_window_size()
    browser.set_window_size(*PHONE)
    try:
        wait(browser).until(lambda b: b.execute_script("return window.innerWidth") == PHONE[0])
        fits_the_screen(browser)
    finally:
        browser.set_window_size(size["width"], size["height"])


def load_reference():
    # Transactional tests flush the rows the migrations loaded (fields, TRLs, rubrics, categories).
    load_catalog_reference()
    load_challenge_reference()


def second_university():
    cust = OrganisationFactory(name="长春理工大学", short_name="长理工", kind="university")
    dave = UserFactory(username="dave", display_name="戴夫")
    MembershipFactory(user=dave, organisation=cust, role=Role.ORG_ADMIN)
    return cust, dave


def apply_through_the_form(browser, live_server, challenge_pk, title, approach):
    """The signed-in admin of a university applies through the apply form and submits."""
    browser.get(f"{live_server.url}/challenges/{challenge_pk}/")
    click(browser, shown(browser, "apply"))
    wait(browser).until(ec.url_contains(f"/challenges/{challenge_pk}/apply/"))
    on_a_phone_it_fits(browser)
    type_into(browser, "id_title", title)
    type_into(browser, "id_approach", approach)
    Select(browser.find_element(By.ID, "id_trl_now")).select_by_value("4")
    Select(browser.find_element(By.ID, "id_trl_promised")).select_by_value("7")
    type_into(browser, "id_team_summary", "教授 2 人，副教授 3 人，博士研究生 6 人。")
    type_into(browser, "id_budget_total", "8000000")
    type_into(browser, "id_budget_public", "3000000")
    # The project lead's row comes filled in with the person applying.
    assert browser.find_element(By.ID, "id_members-0-name").get_attribute("value")
    for row, (name, month, deliverable) in enumerate(
        (("中期", "12", "台架样机及热平衡测试报告"), ("验收", "24", "装车验证及第三方检测报告"))
    ):
        type_into(browser, f"id_milestones-{row}-title", name)
        type_into(browser, f"id_milestones-{row}-month", month)
        type_into(browser, f"id_milestones-{row}-deliverable", deliverable)
        type_into(browser, f"id_milestones-{row}-amount", "1500000")
    submit_and_follow(browser, browser.find_element(*marked("save")), r"/challenges/applications/\d+/$")
    assert "申报已保存为草稿" in messages_text(browser)
    assert shown(browser, "status").text == "草稿"
    confirm_and_follow(browser, shown(browser, "submit"), "确定提交申报？", r"/challenges/applications/\d+/$")
    assert "申报已提交" in messages_text(browser)
    assert shown(browser, "status").text == "已提交"
    return Application.objects.get(title=title)


# -- 1. drafting → approval → applications → the panel, conflicts excluded -----------------------------
def test_a_challenge_is_drafted_approved_applied_for_and_its_panel_formed_without_conflicts(
    browser, live_server, charlie, sam, alice, university, enterprise
):
    load_reference()
    cust, _dave = second_university()
    clean = make_experts(5, prefix="评审专家")
    from_jlu = make_expert("吉大专家", organisation=university)
    declared = make_expert("回避专家")
    declare(declared, organisation=cust, reason="近三年与该校合作承担项目")
    deadline = TODAY + datetime.timedelta(days=7)

    # Charlie drafts the challenge through the form.
    sign_in(browser, live_server, "charlie")
    browser.get(f"{live_server.url}/challenges/new/")
    wait(browser).until(ec.visibility_of_element_located((By.ID, "id_title")))
    on_a_phone_it_fits(browser)
    assert Select(browser.find_element(By.ID, "id_issuer")).first_selected_option.text == enterprise.name
    type_into(browser, "id_title", TITLE)
    type_into(browser, "id_problem", "重卡电驱桥在长下坡和高温工况下温升过快，效率下降，需要高效热管理方案。")
    type_into(browser, "id_budget_public", "3000000")
    type_into(browser, "id_budget_enterprise", "6000000")
    pick_date(browser, "id_deadline", deadline)
    type_into(browser, "id_duration_months", "24")
    type_into(browser, "id_eligibility", "在长春注册的高校、院所或企业牵头，可联合申报。")
    type_into(browser, "id_deliverables", "电驱桥热管理样机 2 套，第三方检测报告。")
    type_into(browser, "id_indicators-0-name", "持续输出功率")
    type_into(browser, "id_indicators-0-target", "≥250")
    type_into(browser, "id_indicators-0-unit", "kW")
    type_into(browser, "id_milestones-0-title", "中期考核")
    type_into(browser, "id_milestones-0-month", "12")
    type_into(browser, "id_milestones-0-deliverable", "台架样机")
    submit_and_follow(browser, browser.find_element(*marked("save")), r"/challenges/\d+/$")
    assert "榜单已保存为草稿" in messages_text(browser)
    assert shown(browser, "status").text == "草稿"
    challenge = Challenge.objects.get(title=TITLE)
    detail = f"{live_server.url}/challenges/{challenge.pk}/"
    budget = shown(browser, "budget").text
    assert "300" in budget and "600" in budget and "900" in budget
    assert "持续输出功率" in browser.find_element(By.ID, "indicators").text
    assert "中期考核" in browser.find_element(By.ID, "milestones").text
    confirm_and_follow(browser, shown(browser, "submit"), "确定提交审核？", re.escape(detail) + "$")
    assert "已提交委员会秘书处审核" in messages_text(browser)
    assert shown(browser, "status").text == "待审核"

    # Sam finds it in his queue and approves it from the challenge page.
    switch_user(browser, live_server, "sam")
    browser.get(f"{live_server.url}/challenges/queue/")
    row = shown(browser, "pending-challenge")
    assert TITLE in row.text and enterprise.name in row.text
    click(browser, row.find_element(By.LINK_TEXT, TITLE))
    wait(browser).until(ec.url_to_be(detail))
    type_into(browser, "approve-note", "指标明确，同意发布。")
    submit_and_follow(browser, shown(browser, "approve"), re.escape(detail) + "$")
    assert "榜单已发布到揭榜大厅" in messages_text(browser)
    assert shown(browser, "status").text == "征集中"

    # Two teams apply through the apply form and submit.
    switch_user(browser, live_server, "alice")
    jlu_app = apply_through_the_form(
        browser, live_server, challenge.pk, JLU_PLAN, "油冷电机与热泵耦合，分区温控降低电驱桥温升。"
    )
    switch_user(browser, live_server, "dave")
    cust_app = apply_through_the_form(
        browser, live_server, challenge.pk, CUST_PLAN, "相变材料储热削峰，结合预测控制的智能温控。"
    )
    assert (jlu_app.lead, cust_app.lead) == (university, cust)

    # Time passes: the deadline is now yesterday (written directly, as a week going by would do).
    Challenge.objects.filter(pk=challenge.pk).update(deadline=TODAY - datetime.timedelta(days=1))

    # Sam starts the review and opens the panel page from the challenge's review box.
    switch_user(browser, live_server, "sam")
    browser.get(f"{live_server.url}/challenges/queue/")
    assert TITLE in shown(browser, "closed-challenge").text
    browser.get(detail)
    submit_and_follow(browser, shown(browser, "start-review"), re.escape(detail) + "$")
    assert "榜单已进入评审阶段" in messages_text(browser)
    assert shown(browser, "status").text == "评审中"
    click(browser, shown(browser, "review-box").find_element(By.LINK_TEXT, "组建专家组"))
    wait(browser).until(ec.url_contains(f"/challenges/{challenge.pk}/panel/"))
    shown(browser, "panel-form")
    proposed = [*clean, from_jlu, declared]
    for expert in proposed:
        box = browser.find_element(*marked(f"expert-{expert.pk}")).find_element(By.NAME, "experts")
        click(browser, box)
        assert box.is_selected()

    # 预检回避: both reasons, on the right experts; the others are clear.
    submit_and_follow(browser, shown(browser, "preview"), rf"/challenges/{challenge.pk}/panel/$")
    same_org = shown(browser, f"expert-{from_jlu.pk}").find_element(*marked("reasons")).text
    assert "申报单位人员" in same_org and "本人所在单位 吉林大学 为申报单位" in same_org
    assert f"涉及申报：{JLU_PLAN}（{university.name}）" in same_org
    conflict = shown(browser, f"expert-{declared.pk}").find_element(*marked("reasons")).text
    assert "本人申报回避" in conflict and "长春理工大学：近三年与该校合作承担项目" in conflict
    assert f"涉及申报：{CUST_PLAN}" in conflict
    for expert in clean:
        assert "未发现利益冲突" in browser.find_element(*marked(f"expert-{expert.pk}")).text
    assert not Panel.objects.exists()

    # The panel is formed with the five; the two are excluded, with their reasons.
    choose(browser, "id_chair", clean[0].user.display_name)
    submit_and_follow(browser, shown(browser, "form-panel"), rf"/challenges/{challenge.pk}/panel/$")
    assert "评审专家组已组建：5 人。" in messages_text(browser)
    members = shown(browser, "members")
    assert "专家组成员（5 人）" in members.text
    assert all(e.user.display_name in members.text for e in clean)
    assert "吉大专家" not in members.text and "回避专家" not in members.text
    assert [p.text for p in members.find_elements(*marked("progress"))] == ["已评 0 / 2 份"] * 5
    excluded = shown(browser, "exclusions").text
    assert "吉大专家" in excluded and "本人所在单位 吉林大学 为申报单位" in excluded
    assert "回避专家" in excluded and "本人申报回避 长春理工大学：近三年与该校合作承担项目" in excluded
    panel = Panel.objects.get(challenge=challenge)
    assert set(panel.experts.all()) == set(clean)
    assert {x.expert for x in PanelExclusion.objects.filter(panel=panel)} == {from_jlu, declared}


# -- 2. phone scoring → ranking → decision → reasons → the milestone contract --------------------------
def test_experts_score_on_their_phones_and_the_decision_leads_to_a_milestone_contract(
    browser, live_server, sam, alice, university, enterprise
):
    load_reference()
    cust, dave = second_university()
    challenge = make_challenge(enterprise, status="reviewing", days_left=-1, title=TITLE)
    jlu_app = make_application(
        challenge, university, members=(("爱丽丝", university, alice),), created_by=alice, title=JLU_PLAN
    )
    cust_app = make_application(
        challenge, cust, members=(("戴夫", cust, dave),), created_by=dave, title=CUST_PLAN
    )
    seated = make_experts(5, prefix="评审专家")
    from_jlu = make_expert("吉大专家", organisation=university)
    panel = panels.form_panel(actor=sam, challenge=challenge, experts=[*seated, from_jlu])
    assert panel.memberships.count() == 5

    # Each seated expert signs in on a phone and scores both applications from "我的评审".
    browser.set_window_size(*PHONE)
    for number, (expert, totals) in enumerate(zip(seated, TOTALS, strict=True)):
        switch_user(browser, live_server, expert.user.username)
        for application, total in zip((jlu_app, cust_app), totals, strict=True):
            browser.get(f"{live_server.url}/challenges/reviews/")
            fits_the_screen(browser)
            task = next(t for t in browser.find_elements(*marked("task")) if application.title in t.text)
            assert "待评分" in task.text
            click(browser, task.find_element(By.LINK_TEXT, application.title))
            form = shown(browser, "score-form")
            fits_the_screen(browser)
            sheet = SHEETS[total]
            if number == 0 and application == jlu_app:
                # First an out-of-range score: 31 where 30 is the most. The form leaves the check to
                # the server (novalidate), so the expert reads the rubric's message in Chinese.
                approach = form.find_element(By.NAME, "approach")
                approach.send_keys("31")
                for code, value in sheet.items():
                    if code != "approach":
                        form.find_element(By.NAME, code).send_keys(value)
                click(browser, form.find_element(*marked("submit-score")))
                accept_the_confirmation(browser, "评分提交后不能修改")
                wait(browser).until(went_stale(form))
                form = shown(browser, "score-form")
                assert "“技术路线先进性与可行性”的分数应在 0 到 30 之间。" in form.text
                fits_the_screen(browser)
                assert not Score.objects.exists()
                approach = form.find_element(By.NAME, "approach")
                approach.clear()
                approach.send_keys(sheet["approach"])
                for code, value in sheet.items():  # the other values came back filled in
                    assert form.find_element(By.NAME, code).get_attribute("value") == value
            else:
                for code, value in sheet.items():
                    form.find_element(By.NAME, code).send_keys(value)
            form.find_element(By.NAME, "comment").send_keys(f"{expert.user.display_name}：方案可行。")
            confirm_and_follow(
                browser,
                form.find_element(*marked("submit-score")),
                "评分提交后不能修改",
                rf"/challenges/reviews/{panel.pk}/{application.pk}/$",
            )
            assert "评分已提交" in messages_text(browser)
            assert shown(browser, "own-total").text == str(total)
            fits_the_screen(browser)
        browser.get(f"{live_server.url}/challenges/reviews/")
        assert [t.text.count("已评分") for t in browser.find_elements(*marked("task"))] == [1, 1]
    assert Score.objects.count() == 10

    # Sam reads the ranking: the highest and the lowest of five are dropped.
    browser.set_window_size(1280, 900)
    switch_user(browser, live_server, "sam")
    browser.get(f"{live_server.url}/challenges/{challenge.pk}/ranking/")
    ranking = shown(browser, "ranking")
    first = ranking.find_element(*marked(f"row-{jlu_app.pk}"))
    second = ranking.find_element(*marked(f"row-{cust_app.pk}"))
    assert first.find_element(*marked("rank")).text == "1"
    assert first.find_element(*marked("aggregate")).text == "85.00"
    assert "95 / 60" in first.text and "5 / 5" in first.text
    assert second.find_element(*marked("rank")).text == "2"
    assert second.find_element(*marked("aggregate")).text == "70.00"
    assert "90 / 50" in second.text

    # He closes the scoring and decides, with a category and a comment for each.
    ranking_url = f"{live_server.url}/challenges/{challenge.pk}/ranking/"
    confirm_and_follow(browser, shown(browser, "close-panel"), "确定结束评分？", re.escape(ranking_url) + "$")
    assert "评分已结束" in messages_text(browser)
    click(browser, browser.find_element(By.CSS_SELECTOR, "main .btn[href$='/decide/']"))
    wait(browser).until(ec.url_contains(f"/challenges/{challenge.pk}/decide/"))
    shown(browser, "decide-form")
    legends = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "[data-testid=decide-form] legend")]
    assert legends[0].startswith(f"第 1 名 · {JLU_PLAN}") and legends[1].startswith(f"第 2 名 · {CUST_PLAN}")
    choose(browser, f"id_category_{jlu_app.pk}", "综合排名靠前，予以揭榜")
    type_into(browser, f"id_comment_{jlu_app.pk}", "综合得分第一，油冷与热泵耦合路线清晰可行。")
    choose(browser, f"id_category_{cust_app.pk}", "综合排名未进入立项范围")
    type_into(browser, f"id_comment_{cust_app.pk}", "综合排名第二，相变储热方案的装车可靠性尚需验证。")
    confirm_and_follow(
        browser, shown(browser, "decide"), "确定定榜？", rf"/challenges/{challenge.pk}/decide/$"
    )
    assert "已定榜" in messages_text(browser)
    decided = shown(browser, "decided").text
    assert "揭榜成功" in decided and "未入选" in decided

    # The losing applicant reads the category and the comment on its application page.
    switch_user(browser, live_server, "dave")
    browser.get(f"{live_server.url}/challenges/applications/{cust_app.pk}/")
    box = shown(browser, "decision-box")
    assert box.find_element(*marked("outcome")).text == "未入选"
    assert "综合排名未进入立项范围" in box.text
    comment = box.find_element(*marked("decision-comment")).text
    assert comment == "综合排名第二，相变储热方案的装车可靠性尚需验证。"
    assert box.find_element(*marked("decision-rank")).text == "第 2 名 / 共 2 份"
    assert not browser.find_elements(*marked("application-contract-box"))

    # Sam signs the winner's milestone contract, its milestones filled in from the application.
    switch_user(browser, live_server, "sam")
    browser.get(f"{live_server.url}/challenges/applications/{jlu_app.pk}/")
    assert shown(browser, "outcome").text == "揭榜成功"
    sign = shown(browser, "sign-contract")
    assert sign.text == "签订军令状"
    click(browser, sign)
    shown(browser, "contract-form")
    rows = [
        (
            browser.find_element(By.NAME, f"milestones-{n}-title").get_attribute("value"),
            Select(browser.find_element(By.NAME, f"milestones-{n}-kind")).first_selected_option.text,
            browser.find_element(By.NAME, f"milestones-{n}-tranche").get_attribute("value"),
        )
        for n in (0, 1)
    ]
    assert [(t, k) for t, k, _m in rows] == [("中期", "中期考核"), ("验收", "验收")]
    assert [Decimal(m) for _t, _k, m in rows] == [Decimal("1500000")] * 2
    public = browser.find_element(By.ID, "id_amount_public").get_attribute("value")
    assert Decimal(public) == Decimal("3000000")
    # The work starts a few days after the signing: the end and the due dates move with the start.
    starts = TODAY + datetime.timedelta(days=5)
    pick_date(browser, "id_starts_on", starts)
    assert (
        browser.find_element(By.ID, "id_ends_on").get_attribute("value") == add_months(starts, 24).isoformat()
    )
    assert [
        browser.find_element(By.NAME, f"milestones-{n}-due_on").get_attribute("value") for n in (0, 1)
    ] == [add_months(starts, 12).isoformat(), add_months(starts, 24).isoformat()]
    type_into(browser, "id_penalty_terms", "未通过验收的，收回未使用的财政资金，三年内不得申报。")
    confirm_and_follow(browser, shown(browser, "sign"), "确定签订军令状？", r"/challenges/contracts/\d+/$")
    contract = MilestoneContract.objects.get()
    assert f"军令状 {contract.number} 已签订" in messages_text(browser)
    assert contract.application == jlu_app and contract.milestones.count() == 2
    assert (contract.signed_on, contract.starts_on, contract.ends_on) == (
        TODAY,
        starts,
        add_months(starts, 24),
    )

    # The winner finds the contract from its application page.
    switch_user(browser, live_server, "alice")
    browser.get(f"{live_server.url}/challenges/applications/{jlu_app.pk}/")
    assert shown(browser, "outcome").text == "揭榜成功"
    click(browser, shown(browser, "application-contract-box").find_element(By.LINK_TEXT, contract.number))
    wait(browser).until(ec.url_contains(f"/challenges/contracts/{contract.pk}/"))
    assert contract.number in browser.find_element(By.TAG_NAME, "h1").text
    assert shown(browser, "contract-status").text.startswith("执行中")
    assert shown(browser, "lead").text == university.name
    assert shown(browser, "issuer").text == enterprise.name
    timeline = shown(browser, "timeline").text
    assert "中期" in timeline and "验收" in timeline and "中期考核" in timeline


# -- 3. the roadshow ---------------------------------------------------------------------------------
def test_a_roadshow_registration_check_in_phone_scoring_and_report(
    browser, live_server, alice, charlie, nina, university, enterprise
):
    load_reference()
    fund = OrganisationFactory(name="吉林省科技创新投资基金", kind="fund")
    ivan = UserFactory(username="ivan", display_name="伊万")
    MembershipFactory(user=ivan, organisation=fund, role=Role.STAFF)
    now = timezone.now()
    # Under way: it started an hour ago, ends in three hours; registration stays open for walk-ins
    # for two more hours (without a closing time it would have closed at the start).
    event = Event.objects.create(
        kind=Event.Kind.ROADSHOW,
        title="长春新区科技成果路演",
        starts_at=now - datetime.timedelta(hours=1),
        ends_at=now + datetime.timedelta(hours=3),
        registration_closes_at=now + datetime.timedelta(hours=2),
        venue="长春新区北湖科技园",
        organiser=university,
        capacity=2,
        rubric=roadshow_rubric(),
        status=Event.Status.OPEN,
        created_by=alice,
    )
    first = EventSlot.objects.create(
        event=event, order=0, title="车用固态电池电解质", organisation=university, presenter="鲍勃"
    )
    EventSlot.objects.create(
        event=event, order=1, title="玉米秸秆高值化利用", organisation=university, presenter="苔丝"
    )
    detail = f"{live_server.url}/events/{event.pk}/"

    # Ivan registers through the event page as an investor.
    sign_in(browser, live_server, "ivan")
    browser.get(detail)
    assert shown(browser, "places").text == "共 2 人，剩余 2 个名额"
    choose(browser, "id_role", "投资人")
    assert Select(browser.find_element(By.ID, "id_organisation")).first_selected_option.text == fund.name
    submit_and_follow(browser, shown(browser, "register"), re.escape(detail) + "$")
    assert "报名成功" in messages_text(browser)
    assert "您已报名，参会身份：投资人。" in shown(browser, "registration").text
    assert shown(browser, "places").text == "共 2 人，剩余 1 个名额"
    registration = Registration.objects.get(user=ivan)

    # Nina opens the page while one place is left; Charlie takes it meanwhile; her click is refused.
    switch_user(browser, live_server, "nina")
    browser.get(detail)
    choose(browser, "id_role", "观众")
    event_services.registration_create(actor=charlie, event=event, role="enterprise", organisation=enterprise)
    submit_and_follow(browser, shown(browser, "register"), re.escape(detail) + "$")
    assert "名额已满" in messages_text(browser)
    assert "名额已满。" in shown(browser, "registration").text
    assert not browser.find_elements(*marked("register"))
    assert shown(browser, "places").text == "共 2 人，剩余 0 个名额"
    assert not Registration.objects.filter(user=nina).exists()

    # Alice, for the organiser, checks Ivan in at the door.
    switch_user(browser, live_server, "alice")
    browser.get(f"{live_server.url}/events/{event.pk}/checkin/")
    assert shown(browser, "checked-in-count").text == "0"
    submit_and_follow(browser, shown(browser, f"checkin-{registration.pk}"), rf"/events/{event.pk}/checkin/$")
    assert "伊万 签到成功" in messages_text(browser)
    assert shown(browser, "checked-in-count").text == "1"
    assert "已签到" in main_text(browser)

    # On his phone, Ivan scores the first slot and marks 想进一步洽谈.
    browser.set_window_size(*PHONE)
    switch_user(browser, live_server, "ivan")
    browser.get(detail)
    fits_the_screen(browser)
    click(browser, shown(browser, "live-link"))
    wait(browser).until(ec.url_contains(f"/events/{event.pk}/live/"))
    section = wait(browser).until(ec.visibility_of_element_located((By.ID, f"slot-{first.pk}")))
    fits_the_screen(browser)
    for code, value in {"innovation": "27", "market": "24", "team": "16", "path": "15.5"}.items():
        section.find_element(By.NAME, f"s{first.pk}-score_{code}").send_keys(value)
    talk = section.find_element(By.NAME, f"s{first.pk}-want_to_talk")
    click(browser, section.find_element(By.CSS_SELECTOR, "label.talk"))
    assert talk.is_selected()
    section.find_element(By.NAME, f"s{first.pk}-note").send_keys("希望了解中试放大计划。")
    save = section.find_element(*marked(f"save-{first.pk}"))
    submit_and_follow(browser, save, rf"/events/{event.pk}/live/")
    assert "“车用固态电池电解质”的评价已保存" in messages_text(browser)
    section = wait(browser).until(ec.visibility_of_element_located((By.ID, f"slot-{first.pk}")))
    assert "已提交" in section.text and "总分 82.5" in section.text and "想进一步洽谈" in section.text
    fits_the_screen(browser)
    feedback = SlotFeedback.objects.get()
    assert (feedback.score, feedback.want_to_talk, feedback.slot) == (Decimal("82.5"), True, first)

    # Alice opens the report: the score and the interest.
    browser.set_window_size(1280, 900)
    switch_user(browser, live_server, "alice")
    browser.get(detail)
    click(browser, shown(browser, "organiser-actions").find_element(By.LINK_TEXT, "活动报告"))
    wait(browser).until(ec.url_contains(f"/events/{event.pk}/report/"))
    report = shown(browser, f"slot-report-{first.pk}")
    assert report.find_element(*marked("scores")).text == "1"
    assert report.find_element(*marked("aggregate")).text in ("82.5", "82.50")
    assert report.find_element(*marked("interests")).text == "1"
    assert report.find_element(*marked("avg-innovation")).text.startswith("27")
    assert f"伊万（{fund.name}）" in report.text and "待跟进" in report.text
    assert shown(browser, "total-scores").text == "1"
    assert shown(browser, "total-interests").text == "1"
    assert shown(browser, "registered-count").text == "2"
    assert shown(browser, "checked-in-count").text == "1"
