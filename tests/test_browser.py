"""End to end in a real browser: headless Chromium against `dastur serve` on 127.0.0.1.

Logs in with a manager key, uploads the seed release through the upload form,
finds it by search, marks one of its directives in_progress on the board, and
reads that change back through the API and the history. Screenshots of the
search, record and board pages go to $DASTUR_SCREENSHOTS (default: the temp dir).

Needs Debian's Chromium and its driver:
    apt-get install -y chromium chromium-driver
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import ROOT, SEED

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
APT = "apt-get install -y chromium chromium-driver"
WAIT = 120  # seconds: the first upload may wait for spaCy and hazm to load in the server

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(600),
    pytest.mark.skipif(not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
                       reason=f"needs {CHROMIUM} and {CHROMEDRIVER}; install them with `{APT}`"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def dastur(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cli", "--db", str(db), *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=120, check=True)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    db = tmp_path_factory.mktemp("browser") / "dastur.db"
    key = dastur("keys", "create", "--role", "manager", "--name", "browser", db=db).stdout.splitlines()[-1]
    port = free_port()
    log = open(db.with_suffix(".log"), "w")  # noqa: SIM115 - closed below, after the server stops
    proc = subprocess.Popen([sys.executable, "-m", "cli", "--db", str(db), "serve", "--host", "127.0.0.1",
                             "--port", str(port), "--log-level", "warning"], cwd=ROOT, stdout=log,
                            stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"dastur serve did not start: {db.with_suffix('.log').read_text()}")
            time.sleep(0.2)
        yield {"base": base, "key": key, "db": db}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--window-size=1366,900", "--lang=fa",
                f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(WAIT)
    try:
        yield driver
    finally:
        driver.quit()


def screenshot(driver: Any, name: str) -> Path:
    where = Path(os.environ.get("DASTUR_SCREENSHOTS") or tempfile.gettempdir()) / name
    driver.save_screenshot(str(where))
    return where


def stable_texts(driver: Any, css: str) -> list[str] | None:
    """Texts of the elements matching ``css``, or None (wait again) if there are none or the page moved on."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By

    try:
        return [e.text for e in driver.find_elements(By.CSS_SELECTOR, css)] or None
    except StaleElementReferenceException:
        return None


def test_browser_upload_search_and_track_a_directive(server: dict[str, Any], browser: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select, WebDriverWait

    base, wait = server["base"], WebDriverWait(browser, WAIT)

    # log in with the manager key
    browser.get(f"{base}/ui/upload")
    wait.until(ec.url_contains("/ui/login"))
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("dir") == "rtl"
    browser.find_element(By.ID, "key").send_keys(server["key"])
    browser.find_element(By.ID, "login-submit").click()
    wait.until(ec.presence_of_element_located((By.ID, "upload-form")))

    # upload the seed release through the form
    browser.find_element(By.ID, "file").send_keys(str(SEED))
    browser.find_element(By.ID, "upload-submit").click()
    wait.until(ec.presence_of_element_located((By.ID, "record-text")))
    record_id = browser.current_url.split("/ui/records/")[1].split("?")[0]
    title = browser.find_element(By.ID, "record-title").text
    assert "اطمینان" in title and browser.find_element(By.ID, "indexed-notice")
    assert browser.find_elements(By.CSS_SELECTOR, "#record-text .official")
    assert browser.find_elements(By.CSS_SELECTOR, "#record-text .action")
    screenshot(browser, "dastur_record.png")

    # find it by search
    browser.get(f"{base}/ui/search")
    box = browser.find_element(By.ID, "q")
    box.send_keys("اطمینان بخشی")
    browser.find_element(By.ID, "search-submit").click()
    # The empty search page lists records too: wait for the results page of this query, then read
    # the hits, retrying while the page is still being replaced under us.
    wait.until(ec.url_contains("q="))
    texts = wait.until(lambda d: stable_texts(d, "#results .hit-title"))
    assert title in texts
    assert browser.find_elements(By.CSS_SELECTOR, "#results mark")
    screenshot(browser, "dastur_search.png")
    browser.find_elements(By.CSS_SELECTOR, "#results .hit-title")[texts.index(title)].click()
    wait.until(ec.url_contains(f"/ui/records/{record_id}"))

    # mark one of its directives in_progress on the board
    browser.get(f"{base}/ui/board?record={record_id}")
    row = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#board tbody tr[data-id]")))
    directive_id = row.get_attribute("data-id")
    Select(row.find_element(By.CSS_SELECTOR, ".status-select")).select_by_value("in_progress")
    row.find_element(By.CSS_SELECTOR, ".save").click()
    wait.until(lambda d: d.find_element(By.CSS_SELECTOR, f"#row-{directive_id} .status")
               .get_attribute("data-status") == "in_progress")
    message = browser.find_element(By.ID, "board-message")
    assert message.is_displayed() and "ذخیره شد" in message.text
    saved_row = browser.find_element(By.CSS_SELECTOR, f"#board tbody tr[data-id='{directive_id}']")
    assert saved_row.get_attribute("data-version") == "2"
    screenshot(browser, "dastur_board.png")

    # read the change back through the API and the history
    headers = {"Authorization": f"Bearer {server['key']}"}
    got = httpx.get(f"{base}/directives/{directive_id}", headers=headers, timeout=10)
    assert got.status_code == 200 and got.json()["status"] == "in_progress" and got.json()["version"] == 2
    history = httpx.get(f"{base}/directives/{directive_id}/history", headers=headers, timeout=10).json()["history"]
    assert [(h["field"], h["old"], h["new"]) for h in history] == [("status", "open", "in_progress")]
    assert history[0]["who"].startswith("browser (key ")
