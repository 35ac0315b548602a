"""A real browser signs in as a user and sees the Chinese home page and a refusal."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from hebi.core.roles import Role
from tests.browser import sign_in
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_researcher_signs_in_sees_chinese_home_and_is_refused_elsewhere(browser, live_server):
    university = OrganisationFactory(name="吉林大学", kind="university")
    enterprise = OrganisationFactory(name="中国第一汽车集团有限公司", kind="enterprise")
    li = UserFactory(username="li", display_name="李明哲")
    MembershipFactory(user=li, organisation=university, role=Role.RESEARCHER)

    sign_in(browser, live_server, "li")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-CN"
    assert "您好，李明哲" in browser.find_element(By.TAG_NAME, "h1").text
    assert "我的科技成果" in browser.page_source
    assert browser.find_element(By.LINK_TEXT, "机构").is_displayed()

    # Another organisation's members are not hers to see: 404, in Chinese.
    browser.get(f"{live_server.url}/orgs/{enterprise.pk}/members/")
    assert browser.find_element(By.TAG_NAME, "h1").text == "页面不存在"
    # She may read her university's profile but not edit it: 403, in Chinese.
    browser.get(f"{live_server.url}/orgs/{university.pk}/edit/")
    assert browser.find_element(By.TAG_NAME, "h1").text == "无权操作"


def test_the_phone_layout_has_a_menu_button(browser, live_server):
    university = OrganisationFactory(name="吉林大学", kind="university")
    li = UserFactory(username="li", display_name="李明哲")
    MembershipFactory(user=li, organisation=university, role=Role.ORG_ADMIN)
    browser.set_window_size(390, 844)
    sign_in(browser, live_server, "li")
    toggle = WebDriverWait(browser, 10).until(ec.element_to_be_clickable((By.CSS_SELECTOR, ".nav-toggle")))
    nav = browser.find_element(By.CSS_SELECTOR, "nav.nav")
    assert not nav.is_displayed()
    toggle.click()
    assert nav.is_displayed()
    # Nothing overflows sideways on a phone.
    assert browser.execute_script("return document.documentElement.scrollWidth") <= 390
