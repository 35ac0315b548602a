"""A real browser: a university publishes a result, an enterprise publishes a need with
indicators, Chinese search finds both with highlighted hits, and confidential details stay hidden."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

from hebi.catalog import services
from hebi.catalog.models import Need, TechField
from hebi.catalog.reference import load_reference
from hebi.core.roles import Role
from tests.browser import sign_in
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_out(browser):
    browser.delete_all_cookies()


def test_publish_a_result_and_a_need_then_find_both_in_chinese(browser, live_server):
    load_reference()  # transactional tests flush the reference rows the migration loaded
    university = OrganisationFactory(name="吉林大学", kind="university")
    enterprise = OrganisationFactory(name="中国第一汽车集团有限公司", kind="enterprise")
    li = UserFactory(username="li", display_name="李明哲")
    MembershipFactory(user=li, organisation=university, role=Role.STAFF)
    chen = UserFactory(username="chen", display_name="陈浩然")
    MembershipFactory(user=chen, organisation=enterprise, role=Role.ORG_ADMIN)
    energy = TechField.objects.get(code="energy")

    # A university staff member registers a result through the form and publishes it.
    sign_in(browser, live_server, "li")
    browser.get(f"{live_server.url}/results/new/?org={university.pk}")
    browser.find_element(By.NAME, "title").send_keys("质子交换膜燃料电池低温冷启动控制方法")
    browser.find_element(By.NAME, "summary").send_keys(
        "通过电堆自加热与吹扫策略，使燃料电池在零下三十度快速启动。"
    )
    Select(browser.find_element(By.NAME, "field")).select_by_value("energy")
    browser.find_element(By.NAME, "keywords").send_keys("燃料电池，冷启动")
    Select(browser.find_element(By.NAME, "trl")).select_by_value("5")
    browser.find_element(By.CSS_SELECTOR, "input[name=transfer_modes][value=licence_ordinary]").click()
    browser.find_element(By.CSS_SELECTOR, "[data-testid=save]").click()
    WebDriverWait(browser, 10).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, "[data-testid=to-published]"))
    ).click()
    assert WebDriverWait(browser, 10).until(
        ec.text_to_be_present_in_element((By.CSS_SELECTOR, "[data-testid=status]"), "已发布")
    )
    sign_out(browser)

    # The enterprise's need (with indicators) and a confidential one, published through the services.
    services.need_transition(
        actor=chen,
        need=services.need_create(
            actor=chen,
            owner=enterprise,
            title="氢燃料电池重卡冬季冷启动",
            description="东北冬季气温低，燃料电池系统冷启动时间过长。",
            field=energy,
            budget=Decimal("3000000"),
            deadline=timezone.localdate() + datetime.timedelta(days=180),
            indicators=[{"name": "冷启动温度", "target": "≤ -30", "unit": "℃"}],
        ),
        to="published",
    )
    secret = services.need_create(
        actor=chen,
        owner=enterprise,
        title="燃料电池电堆保密工况",
        description="电堆工况优化。",
        field=energy,
        visibility="confidential",
        confidential_details="电堆额定功率 120kW，工况谱见附件",
    )
    services.need_transition(actor=chen, need=secret, to="published")

    # Search in Chinese finds the result and the need, with the hits marked.
    sign_in(browser, live_server, "li")
    browser.get(f"{live_server.url}/results/")
    box = browser.find_element(By.CSS_SELECTOR, "[data-testid=search-input]")
    box.send_keys("燃料电池 冷启动")
    browser.find_element(By.CSS_SELECTOR, "[data-testid=search-submit]").click()
    # The hall before the search has items too: wait for the results page itself.
    WebDriverWait(browser, 10).until(ec.url_contains("q="))
    items = WebDriverWait(browser, 10).until(
        ec.presence_of_all_elements_located((By.CSS_SELECTOR, "[data-testid=hall-item]"))
    )
    assert "质子交换膜燃料电池低温冷启动控制方法" in items[0].text
    assert browser.find_elements(By.CSS_SELECTOR, "[data-testid=hall-item] mark")

    browser.get(f"{live_server.url}/needs/?q=燃料电池冷启动")
    items = browser.find_elements(By.CSS_SELECTOR, "[data-testid=hall-item]")
    assert any("氢燃料电池重卡冬季冷启动" in item.text for item in items)

    # Another organisation sees the confidential need but not its protected details.
    browser.get(f"{live_server.url}/needs/{secret.pk}/")
    assert browser.find_element(By.CSS_SELECTOR, "[data-testid=protected-hidden]").is_displayed()
    assert "120kW" not in browser.page_source
    assert Need.objects.get(pk=secret.pk).confidential_details.endswith("见附件")
