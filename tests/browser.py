"""Headless Debian Chromium for the browser tests (machine-notes.md recipe)."""

import shutil

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--lang=zh-CN",
]


def chromium(width: int = 1280, height: int = 900) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for arg in CHROMIUM_ARGS:
        options.add_argument(arg)
    options.add_argument(f"--window-size={width},{height}")
    service = Service(shutil.which("chromedriver") or "/usr/bin/chromedriver")
    return webdriver.Chrome(service=service, options=options)


def sign_in(browser, live_server, username):
    # Imported here: this module is also used by docs/screenshot.py, outside Django.
    from tests.factories import PASSWORD

    browser.get(f"{live_server.url}/accounts/login/")
    browser.find_element(By.NAME, "username").send_keys(username)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form.stack button[type=submit]").click()
    WebDriverWait(browser, 10).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, "[data-testid=current-user]"))
    )


def went_stale(element):
    """A wait condition: the element left the document (the page changed).

    Like expected_conditions.staleness_of, but Chromium may answer "Node with given id does not
    belong to the document" instead of a stale-element error while the new page loads."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException

    def condition(_driver):
        try:
            element.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as error:
            if "does not belong to the document" in str(error):
                return True
            raise
        return False

    return condition


def wait(browser, seconds=15):
    return WebDriverWait(browser, seconds)


def marked(name):
    """The locator of an element by its data-testid."""
    return (By.CSS_SELECTOR, f"[data-testid={name}]")


def shown(browser, name):
    return wait(browser).until(ec.visibility_of_element_located(marked(name)))


def type_into(browser, element_id, text):
    field = browser.find_element(By.ID, element_id)
    field.clear()
    field.send_keys(text)


def pick_date(browser, element_id, day):
    # A date input's typed format follows the browser's locale; a person uses the picker.
    field = browser.find_element(By.ID, element_id)
    browser.execute_script(
        "arguments[0].value = arguments[1];arguments[0].dispatchEvent(new Event('change', {bubbles: true}));",
        field,
        day.isoformat(),
    )


def choose(browser, element_id, label):
    from selenium.webdriver.support.ui import Select

    Select(browser.find_element(By.ID, element_id)).select_by_visible_text(label)


def click(browser, element):
    """Scroll a control into view (small screens) and click it as a finger would."""
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def submit_and_follow(browser, button, url_pattern):
    """Click a submit button and wait for the page it leads to (the old page goes stale)."""
    click(browser, button)
    wait(browser).until(went_stale(button))
    wait(browser).until(ec.url_matches(url_pattern))
    wait(browser).until(lambda b: b.execute_script("return document.readyState") == "complete")
