"""A real browser fills in a contract: the licence scope follows the category, a platform
organisation fills in its party row, and extra rows can be added."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from hebi.contracts.models import ContractCategory
from hebi.contracts.reference import load_reference
from hebi.core.roles import Role
from tests.browser import sign_in
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.test_contracts import BUYER_USCC, SELLER_USCC, add_regions

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_contract_form_helps_without_being_needed(browser, live_server):
    add_regions()
    load_reference()
    university = OrganisationFactory(name="吉林大学", kind="university", uscc=SELLER_USCC)
    OrganisationFactory(name="中国第一汽车集团有限公司", kind="enterprise", uscc=BUYER_USCC)
    bob = UserFactory(username="bob", display_name="鲍勃")
    MembershipFactory(user=bob, organisation=university, role=Role.RESEARCHER)

    sign_in(browser, live_server, "bob")
    browser.get(f"{live_server.url}/contracts/new/")
    scope = browser.find_element(By.ID, "field-licence_scope")
    assert not scope.is_displayed()
    category = Select(browser.find_element(By.ID, "id_category"))
    category.select_by_value(str(ContractCategory.objects.get(code="licence_patent").pk))
    assert scope.is_displayed()
    category.select_by_value(str(ContractCategory.objects.get(code="service_general").pk))
    assert not scope.is_displayed()

    assert browser.find_element(By.NAME, "parties-0-uscc").get_attribute("value") == SELLER_USCC
    Select(browser.find_element(By.NAME, "parties-1-organisation")).select_by_visible_text(
        "中国第一汽车集团有限公司"
    )
    assert browser.find_element(By.NAME, "parties-1-uscc").get_attribute("value") == BUYER_USCC

    browser.find_element(By.CSS_SELECTOR, "[data-add-row=parties]").click()
    assert browser.find_element(By.NAME, "parties-3-name")
    assert browser.find_element(By.ID, "id_parties-TOTAL_FORMS").get_attribute("value") == "4"
