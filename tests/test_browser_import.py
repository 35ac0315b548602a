"""A real browser: a university staff member imports the demo patent portfolio — dry run with the
per-row errors, “仅导入有效行”, the result — and the patents appear in the list; the job page
follows a running dry run through its progress endpoint."""

from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from hebi.catalog import imports
from hebi.catalog.models import ImportJob, Patent
from hebi.catalog.reference import load_reference
from hebi.core.roles import Role
from tests.browser import sign_in
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO = Path(__file__).resolve().parents[1] / "hebi" / "catalog" / "demo_data" / "jlu_patent_portfolio.xlsx"


@pytest.fixture
def university_staff():
    load_reference()  # transactional tests flush the reference rows the migrations loaded
    university = OrganisationFactory(name="吉林大学", kind="university")
    zhou = UserFactory(username="zhou", display_name="周晓东")
    MembershipFactory(user=zhou, organisation=university, role=Role.STAFF)
    return university


def wait(browser, selector, seconds=15):
    return WebDriverWait(browser, seconds).until(ec.presence_of_element_located((By.CSS_SELECTOR, selector)))


def test_a_staff_member_imports_the_demo_portfolio_keeping_only_the_valid_rows(
    browser, live_server, university_staff
):
    university = university_staff
    sign_in(browser, live_server, "zhou")
    browser.get(f"{live_server.url}/patents/?org={university.pk}")
    assert "没有符合条件的专利" in browser.page_source
    browser.find_element(By.CSS_SELECTOR, "[data-testid=import-link]").click()

    wait(browser, "input[type=file][name=file]").send_keys(str(DEMO))
    browser.find_element(By.CSS_SELECTOR, "[data-testid=upload]").click()

    errors = wait(browser, "[data-testid=import-errors]")
    rows = errors.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert len(rows) == 4
    assert "校验位" in errors.text and "必填项为空" in errors.text and "2019-02-30" in errors.text
    assert "重复" in errors.text
    assert len(browser.find_elements(By.CSS_SELECTOR, "[data-testid=import-preview] tbody tr")) == 20
    assert (
        browser.find_element(By.CSS_SELECTOR, "[data-testid=commit-all]").get_attribute("disabled")
        is not None
    )
    assert not Patent.objects.exists()  # a dry run writes nothing

    keep_valid = browser.find_element(By.CSS_SELECTOR, "[data-testid=commit-valid-only]")
    assert keep_valid.text == "仅导入有效行（60 行）"
    keep_valid.click()

    created = wait(browser, "[data-testid=created-count]", 30)
    assert created.text == "60"
    assert browser.find_element(By.CSS_SELECTOR, "[data-testid=unchanged-count]").text == "0"
    browser.find_element(By.CSS_SELECTOR, "[data-testid=to-list]").click()

    table = wait(browser, "[data-testid=patent-table]")
    assert len(table.find_elements(By.CSS_SELECTOR, "tbody tr")) == 20
    assert "第 1 / 3 页，共 60 条" in browser.page_source
    assert Patent.objects.filter(owner=university).count() == 60


def test_the_job_page_follows_a_running_dry_run_and_shows_the_preview(browser, live_server, university_staff):
    university = university_staff
    uploader = university.memberships.get().user
    job = ImportJob(organisation=university, uploaded_by=uploader, file_name="吉大.xlsx", file_format="xlsx")
    job.file.save("queued.xlsx", ContentFile(DEMO.read_bytes()), save=False)
    job.save()  # queued: no worker has picked it up yet

    sign_in(browser, live_server, "zhou")
    browser.get(f"{live_server.url}/patents/imports/{job.pk}/")
    bar = wait(browser, "progress[data-progress-url]")
    assert bar.get_attribute("value") == "0"

    imports.set_progress(job.pk, "validating", 32, 64)
    WebDriverWait(browser, 10).until(
        lambda b: "已处理 32 / 64 行" in b.find_element(By.CSS_SELECTOR, "[data-progress-text]").text
    )
    assert bar.get_attribute("value") == "50"

    imports.import_preview(job)
    summary = wait(browser, "[data-testid=import-summary]", 15)
    assert "共 64 行数据：有效 60 行，错误 4 处" in summary.text
