"""Take the README's screenshot of a running demo: `python docs/screenshot.py [URL]`."""

import sys
from pathlib import Path

from selenium.webdriver.common.by import By

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.browser import chromium

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
OUT = Path(__file__).resolve().parent / "img"


def main() -> None:
    browser = chromium(1280, 1000)
    try:
        browser.get(f"{BASE}/accounts/login/")
        browser.find_element(By.NAME, "username").send_keys("admin")
        browser.find_element(By.NAME, "password").send_keys("hebi-demo-2026")
        browser.find_element(By.CSS_SELECTOR, "form.stack button[type=submit]").click()
        OUT.mkdir(exist_ok=True)
        for name, path in [("home", "/"), ("committee", "/committee/"), ("platforms", "/platforms/")]:
            browser.get(BASE + path)
            browser.save_screenshot(str(OUT / f"{name}.png"))
    finally:
        browser.quit()


if __name__ == "__main__":
    main()
