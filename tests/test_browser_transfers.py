"""A real browser walks issue 5's acceptance path, in Chinese, as new users would.

Tess, technology manager (技术经理人) of 长春应化所 (a research institute), logs a street visit
to 中国一汽 and opens a transfer project from a stored match between the enterprise's need and
the institute's result, moving it 对接 → 洽谈 → 签约. She files the licence contract through the
form; Rita, the registry officer, refuses it for a missing proof, Tess amends and resubmits, Rita
registers it and fetches the certificate. On a registered licence Tess writes 先使用后付费 terms
and sees the schedule; Rita reads the city's report with its drawn charts.
"""

import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select

from hebi.catalog.reference import load_reference as load_catalog_reference
from hebi.contracts.licence_services import add_months
from hebi.contracts.models import Licence, RefusalReason, TechContract
from hebi.contracts.reference import load_reference as load_contract_reference
from hebi.core.roles import Role
from hebi.deals.models import Engagement, TransferProject
from hebi.matching import services as matching_services
from hebi.matching.models import Match
from tests.browser import (
    choose,
    marked,
    pick_date,
    shown,
    sign_in,
    submit_and_follow,
    type_into,
    wait,
)
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.test_catalog import make_need, make_result
from tests.test_contracts import BUYER_USCC, SELLER_USCC, add_regions, registered
from tests.test_deals import move, start_project
from tests.test_matching_web import BRAKES, RETARDER

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

INSTITUTE = "中国科学院长春应用化学研究所"
ENTERPRISE = "中国第一汽车集团有限公司"
TODAY = timezone.localdate()


# -- the cast and small helpers ----------------------------------------------------------------------
def cast():
    """The institute and its technology manager, the enterprise and its admin, the registry."""
    load_catalog_reference()  # transactional tests flush the rows the migrations loaded
    load_contract_reference()
    add_regions()
    institute = OrganisationFactory(name=INSTITUTE, kind="institute", uscc=SELLER_USCC)
    enterprise = OrganisationFactory(name=ENTERPRISE, kind="enterprise", uscc=BUYER_USCC)
    bureau = OrganisationFactory(name="长春市科学技术局", kind="government")
    tess = UserFactory(username="tess", display_name="苔丝")
    MembershipFactory(user=tess, organisation=institute, role=Role.TECH_MANAGER)
    charlie = UserFactory(username="charlie", display_name="查理")
    MembershipFactory(user=charlie, organisation=enterprise, role=Role.ORG_ADMIN)
    rita = UserFactory(username="rita", display_name="丽塔")
    MembershipFactory(user=rita, organisation=bureau, role=Role.REGISTRY_OFFICER)
    return institute, enterprise, tess, charlie, rita


def messages_text(browser):
    return " ".join(e.text for e in browser.find_elements(By.CSS_SELECTOR, ".messages"))


def switch_user(browser, live_server, username):
    browser.delete_all_cookies()
    sign_in(browser, live_server, username)


# -- 1 and 2: a visit, then a project from a match -----------------------------------------------------
def test_a_technology_manager_logs_a_visit_and_opens_a_project_from_a_match(browser, live_server):
    institute, enterprise, tess, charlie, _rita = cast()
    result = make_result(tess, institute, **RETARDER)
    need = make_need(charlie, enterprise, **BRAKES)
    # The enterprise contacted the institute about the pair: a stored need → result match.
    match = matching_services.match_feedback(
        actor=charlie, direction=Match.Direction.NEED_RESULT, left=need, right=result, status="contacted"
    )

    # 1. Tess logs a street visit through the engagement form.
    sign_in(browser, live_server, "tess")
    browser.get(f"{live_server.url}/deals/engagements/new/")
    assert INSTITUTE in browser.find_element(By.TAG_NAME, "main").text  # 记录单位
    held_on = TODAY - datetime.timedelta(days=2)
    follow_up_on = TODAY + datetime.timedelta(days=14)
    choose(browser, "id_kind", "上门走访（扫街）")
    pick_date(browser, "id_held_on", held_on)
    type_into(browser, "id_place", "中国一汽研发总院")
    choose(browser, "id_organisations", ENTERPRISE)
    type_into(browser, "id_people", "应化所 苔丝；中国一汽 研发部王工")
    choose(browser, "id_needs", f"{BRAKES['title']}（{ENTERPRISE}）")
    choose(browser, "id_achievements", f"{RETARDER['title']}（{INSTITUTE}）")
    type_into(browser, "id_summary", "走访一汽研发总院，了解重卡长下坡辅助制动需求，介绍液力缓速器成果。")
    choose(browser, "id_outcome", "有合作意向")
    type_into(browser, "id_next_step", "提交液力缓速器技术方案")
    pick_date(browser, "id_next_step_on", follow_up_on)
    choose(browser, "id_next_step_owner", "苔丝")
    save = browser.find_element(By.CSS_SELECTOR, "form.card button[type=submit]")
    submit_and_follow(browser, save, r"/deals/engagements/\d+/$")

    assert "对接记录已保存" in messages_text(browser)
    assert shown(browser, "engagement-title").text == f"{held_on:%Y-%m-%d} 上门走访（扫街）"
    assert shown(browser, "outcome").text == "有合作意向"
    facts = shown(browser, "engagement-facts").text
    assert ENTERPRISE in facts and "中国一汽研发总院" in facts and "液力缓速器成果" in facts
    assert BRAKES["title"] in facts and RETARDER["title"] in facts
    follow_up = shown(browser, "follow-up").text
    assert "提交液力缓速器技术方案" in follow_up and f"{follow_up_on:%Y-%m-%d}" in follow_up
    assert shown(browser, "follow-up-state").text == "待跟进"
    engagement = Engagement.objects.get()
    assert (engagement.kind, engagement.recorded_by, engagement.next_step_owner) == ("visit", tess, tess)

    # 2. From the need page's match row, the stored match becomes a transfer project.
    browser.get(f"{live_server.url}/needs/{need.pk}/")
    section = shown(browser, "matched-results")
    row = next(
        r
        for r in section.find_elements(*marked("match-row"))
        if r.find_element(*marked("match-title")).text == RETARDER["title"]
    )
    assert row.find_element(*marked("match-status")).text == "已联系"
    start = row.find_element(*marked("start-project"))
    assert start.text == "立项为转化项目"
    start.click()
    wait(browser).until(ec.url_contains(f"/deals/projects/new/?match={match.pk}"))
    wait(browser).until(ec.visibility_of_element_located((By.ID, "id_title")))
    assert f"来自匹配：{BRAKES['title']} ↔ {RETARDER['title']}" in browser.page_source
    # The form comes filled in from the match; Tess names herself the project's manager.
    assert browser.find_element(By.ID, "id_title").get_attribute("value") == RETARDER["title"]
    assert Select(browser.find_element(By.ID, "id_owner")).first_selected_option.text == INSTITUTE
    assert Select(browser.find_element(By.ID, "id_enterprise")).first_selected_option.text == ENTERPRISE
    type_into(browser, "id_summary", "液力缓速器在一汽重卡上的装车验证与转化。")
    choose(browser, "id_manager", "苔丝")
    save = browser.find_element(By.CSS_SELECTOR, "form.card button[type=submit]")
    submit_and_follow(browser, save, r"/deals/projects/\d+/$")
    assert "转化项目已立项，当前阶段：对接" in messages_text(browser)
    assert shown(browser, "stage").text == "对接"
    project = TransferProject.objects.get()
    assert project.match == match and project.need == need and project.manager == tess

    # 对接 → 洽谈 → 签约 with the stage forms; the badge and the stage record follow.
    for target, label, note in (
        ("negotiating", "洽谈", "双方就许可费用开始洽谈"),
        ("contracted", "签约", "专利实施许可合同已签订"),
    ):
        form = shown(browser, f"to-{target}").find_element(By.XPATH, "./ancestor::form")
        form.find_element(By.NAME, "reason").send_keys(note)
        submit_and_follow(browser, form.find_element(*marked(f"to-{target}")), r"/deals/projects/\d+/$")
        assert f"项目阶段已变更为：{label}" in messages_text(browser)
        assert shown(browser, "stage").text == label
    history = [
        [cell.text for cell in tr.find_elements(By.TAG_NAME, "td")]
        for tr in shown(browser, "stage-history").find_elements(By.CSS_SELECTOR, "tbody tr")
    ]
    moves = {(cells[2], cells[3], cells[4]) for cells in history}
    assert ("对接", "洽谈", "双方就许可费用开始洽谈") in moves
    assert ("洽谈", "签约", "专利实施许可合同已签订") in moves
    assert all(cells[1] == "苔丝" for cells in history if cells[2] in ("对接", "洽谈"))
    project.refresh_from_db()
    assert project.stage == TransferProject.Stage.CONTRACTED


# -- 3 and 4: the contract, refused, amended and registered ---------------------------------------------
def test_a_contract_is_filed_refused_amended_registered_and_certified(browser, live_server, tmp_path):
    institute, enterprise, tess, _charlie, rita = cast()
    project = move(
        tess,
        start_project(tess, institute, enterprise, title="液力缓速器专利实施许可"),
        "negotiating",
        "contracted",
    )
    signed = tmp_path / "专利实施许可合同（签字盖章）.pdf"
    signed.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

    # 3. Tess files the contract of the project through the form, then submits it.
    sign_in(browser, live_server, "tess")
    browser.get(f"{live_server.url}/deals/projects/{project.pk}/")
    browser.find_element(By.CSS_SELECTOR, "[data-testid=file-contract]").click()
    shown(browser, "contract-form")
    assert "转化项目：液力缓速器专利实施许可" in browser.find_element(By.TAG_NAME, "main").text
    # The seller and the buyer rows come filled in from the project's two sides.
    assert browser.find_element(By.NAME, "parties-0-name").get_attribute("value") == INSTITUTE
    assert browser.find_element(By.NAME, "parties-0-uscc").get_attribute("value") == SELLER_USCC
    buyer = Select(browser.find_element(By.NAME, "parties-1-organisation"))
    buyer.select_by_visible_text(ENTERPRISE)
    assert browser.find_element(By.NAME, "parties-1-uscc").get_attribute("value") == BUYER_USCC
    type_into(browser, "id_title", "液力缓速器专利实施许可合同")
    choose(browser, "id_category", "专利实施许可")
    wait(browser).until(ec.visibility_of_element_located((By.ID, "id_licence_scope")))
    choose(browser, "id_licence_scope", "普通许可")
    type_into(browser, "id_subject", "许可中国一汽在长春实施液力缓速器专利，用于重型商用车辅助制动。")
    type_into(browser, "id_total_amount", "1200000")
    type_into(browser, "id_tech_amount", "1000000")
    browser.find_element(By.NAME, "items-0-name").send_keys("样机及试验设备")
    browser.find_element(By.NAME, "items-0-amount").send_keys("200000")
    pick_date(browser, "id_signed_on", TODAY - datetime.timedelta(days=5))
    pick_date(browser, "id_term_start", TODAY - datetime.timedelta(days=5))
    pick_date(browser, "id_term_end", TODAY + datetime.timedelta(days=3 * 365))
    browser.find_element(By.NAME, "parties-1-contact").send_keys("王经理 0431-85900000")
    browser.find_element(By.ID, "id_signed_file").send_keys(str(signed))
    submit_and_follow(browser, browser.find_element(*marked("save")), r"/contracts/\d+/$")
    assert "合同已保存为草稿" in messages_text(browser)
    assert shown(browser, "status-draft").text == "草稿"
    assert shown(browser, "local").text.startswith("是")
    contract = TechContract.objects.get()
    assert contract.project == project and contract.buyer_org == enterprise
    detail = f"{live_server.url}/contracts/{contract.pk}/"
    submit_and_follow(browser, shown(browser, "submit"), re.escape(detail) + "$")
    assert "已提交登记" in messages_text(browser)
    assert shown(browser, "status-submitted").text == "待审核"

    # 4. Rita finds it in her queue, with the days left, and refuses it with a reason.
    switch_user(browser, live_server, "rita")
    browser.get(f"{live_server.url}/contracts/review/")
    row = shown(browser, "review-row")
    assert "液力缓速器专利实施许可合同" in row.text and INSTITUTE in row.text
    assert re.fullmatch(r"剩余 \d+ 天", row.find_element(*marked("days-left")).text)
    row.find_element(*marked("review-open")).click()
    refuse = shown(browser, "refuse-form")
    missing = RefusalReason.objects.get(code="missing_proof")
    refuse.find_element(By.CSS_SELECTOR, f"input[name=reasons][value='{missing.pk}']").click()
    refuse.find_element(By.NAME, "comment").send_keys("请补充专利证书复印件和专利权人授权书。")
    submit_and_follow(browser, refuse.find_element(*marked("refuse")), re.escape(detail) + "$")
    assert "已作出未予登记的决定" in messages_text(browser)
    assert shown(browser, "status-refused").text == "未予登记"
    assert "缺少必要的证明文件" in shown(browser, "refusal-reasons").text
    assert "请补充专利证书复印件" in shown(browser, "decision-comment").text

    # The seller amends (a new draft version) and resubmits.
    switch_user(browser, live_server, "tess")
    browser.get(detail)
    assert "缺少必要的证明文件" in shown(browser, "refusal-reasons").text
    amend = shown(browser, "amend-form")
    assert amend.find_element(*marked("amend")).text == "修改后重新提交"
    amend.find_element(By.NAME, "change_note").send_keys("补充专利证书和授权书，附于合同文本之后。")
    submit_and_follow(browser, amend.find_element(*marked("amend")), re.escape(detail) + "$")
    assert "已创建新版本（草稿）" in messages_text(browser)
    assert "第 2 版为草稿" in shown(browser, "submit").find_element(By.XPATH, "ancestor::section").text
    submit_and_follow(browser, shown(browser, "submit"), re.escape(detail) + "$")
    assert "已提交登记" in messages_text(browser)

    # Rita registers the second version: a registration number, a certificate and its PDF.
    switch_user(browser, live_server, "rita")
    browser.get(f"{live_server.url}/contracts/review/")
    row = shown(browser, "review-row")
    assert "第 2 版" in row.text
    row.find_element(*marked("review-open")).click()
    register = shown(browser, "register-form")
    register.find_element(By.NAME, "comment").send_keys("材料齐全，予以登记。")
    submit_and_follow(browser, register.find_element(*marked("register")), re.escape(detail) + "$")
    assert "已予以登记" in messages_text(browser)
    number = shown(browser, "registration-number").text
    contract.refresh_from_db()
    assert number == contract.registration_number and number
    # Both versions stay listed: the refused first and the registered second, in force.
    first, second = shown(browser, "version-1"), shown(browser, "version-2")
    assert "未予登记" in first.text and "缺少必要的证明文件" in first.text
    assert "已登记" in second.text and "生效" in second.text and "补充专利证书" in second.text

    shown(browser, "certificate").click()
    certificate = shown(browser, "certificate")
    assert number in certificate.text and "第 2 版" in certificate.text and BUYER_USCC in certificate.text
    pdf_url = browser.find_element(*marked("pdf")).get_attribute("href")
    officer = Client()
    officer.force_login(rita, backend="django.contrib.auth.backends.ModelBackend")
    response = officer.get(pdf_url.removeprefix(live_server.url))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and number.encode() in response.content

    # The project page lists the contract it led to.
    switch_user(browser, live_server, "tess")
    browser.get(f"{live_server.url}/deals/projects/{project.pk}/")
    assert "液力缓速器专利实施许可合同" in shown(browser, "project-contracts").text


# -- 5 and 6: a 先使用后付费 licence, then the city's report -------------------------------------------
def test_a_use_first_licence_shows_its_schedule_and_the_report_draws_its_charts(browser, live_server):
    institute, enterprise, tess, _charlie, rita = cast()
    contract = registered(tess, rita, institute, enterprise)  # 专利实施许可 · 普通许可, 1,200,000 元
    move(tess, start_project(tess, institute, enterprise), "negotiating", "contracted")
    start_project(tess, institute, enterprise, title="固态电解质概念验证")

    # 5. On the registered contract's page, Tess writes the licence terms: use first, pay later.
    sign_in(browser, live_server, "tess")
    browser.get(f"{live_server.url}/contracts/{contract.pk}/")
    panel = shown(browser, "licence-panel")
    browser.execute_script("arguments[0].scrollIntoView()", panel)
    panel.find_element(*marked("licence-create")).click()
    wait(browser).until(ec.url_contains(f"/licences/contract/{contract.pk}/new/"))
    trial_start = TODAY
    trial_end = add_months(TODAY, 12)
    scope = wait(browser).until(ec.visibility_of_element_located((By.ID, "id_scope")))
    assert Select(scope).first_selected_option.text == "普通许可"
    type_into(browser, "id_territory", "吉林省")
    browser.find_element(By.CSS_SELECTOR, "input[name=mode][value=use_first]").click()
    type_into(browser, "id_entry_fee", "0")
    pick_date(browser, "id_trial_start", trial_start)
    pick_date(browser, "id_trial_end", trial_end)
    choose(browser, "id_payment", "分期支付")
    type_into(browser, "id_instalments", "4")
    type_into(browser, "id_interval_months", "3")
    submit_and_follow(browser, shown(browser, "licence-save"), r"/licences/\d+/$")
    assert "付款计划已生成" in messages_text(browser)
    assert shown(browser, "licence-status").text == "试用期"
    terms = browser.find_element(By.ID, "terms").text
    assert "先使用后付费" in terms and f"{trial_start:%Y-%m-%d} — {trial_end:%Y-%m-%d}" in terms
    schedule = []  # (due date, kind) of each row of the payment schedule
    for row in browser.find_elements(*marked("payment-row")):
        cells = row.find_elements(By.TAG_NAME, "td")
        schedule.append((cells[0].text, cells[1].text))
    instalments = [day for day, kind in schedule if kind == "分期款"]
    assert instalments == [f"{add_months(trial_end, 3 * i):%Y-%m-%d}" for i in range(4)]
    assert shown(browser, "planned-total").text == "100 万元"  # the technology amount, no entry fee
    licence = Licence.objects.get()
    assert licence.mode == "use_first" and licence.payments.filter(kind="instalment").count() == 4
    # The contract page's licence panel now shows the terms.
    browser.get(f"{live_server.url}/contracts/{contract.pk}/")
    panel = shown(browser, "licence-panel")
    assert "先使用后付费" in panel.text and "试用期" in panel.text

    # 6. Rita reads the city's report: the contracts' volume, the funnel and the drawn charts.
    switch_user(browser, live_server, "rita")
    browser.get(f"{live_server.url}/reports/transfers/")
    assert "统计范围" in shown(browser, "scope").text
    assert shown(browser, "figure-count").find_element(By.CSS_SELECTOR, ".stat").text == "1"
    total = shown(browser, "figure-total_amount").find_element(By.CSS_SELECTOR, ".stat").text
    tech = shown(browser, "figure-tech_amount").find_element(By.CSS_SELECTOR, ".stat").text
    assert (total, tech) == ("120 万元", "100 万元")
    funnel = shown(browser, "table-funnel")
    steps = {
        tr.find_element(By.TAG_NAME, "th").text: [td.text for td in tr.find_elements(By.TAG_NAME, "td")]
        for tr in funnel.find_elements(By.CSS_SELECTOR, "tbody tr")
    }
    assert {"对接", "洽谈", "签约"} <= set(steps)
    assert steps["对接"][0] == "2" and steps["签约"][0] == "1"
    drawn = wait(browser).until(
        ec.presence_of_element_located(
            (By.CSS_SELECTOR, "[data-chart=chart-funnel] svg, [data-chart=chart-funnel] canvas")
        )
    )
    assert drawn.is_displayed()
    assert browser.find_elements(
        By.CSS_SELECTOR, "[data-chart=chart-categories] svg, [data-chart=chart-categories] canvas"
    )
    scripts = [s.get_attribute("src") for s in browser.find_elements(By.CSS_SELECTOR, "script[src]")]
    echarts = [src for src in scripts if "echarts" in src]
    assert echarts and all(src.startswith(f"{live_server.url}/static/") for src in echarts)
    assert all(src.startswith(live_server.url) for src in scripts)  # nothing from a CDN
