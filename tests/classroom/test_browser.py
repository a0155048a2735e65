"""The HTML report in a real headless Chromium: it renders, logs no console errors, fetches nothing
from the network, and the numbers on the page match the gradebook."""
from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest

from grader.classroom import reports
from grader.classroom.gradebook import Gradebook

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


@pytest.fixture(scope="module")
def driver():
    webdriver = pytest.importorskip("selenium.webdriver")
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip("Chromium and chromedriver are not installed (apt-get install chromium chromium-driver)")
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="dlcert-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    browser = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield browser
    finally:
        browser.quit()
        shutil.rmtree(profile, ignore_errors=True)


def expected_numbers(gradebook: Path) -> tuple[dict, dict]:
    """Scores per learner and pass counts per task, straight from the gradebook's tables."""
    with Gradebook(gradebook) as book:
        latest = book.latest_submissions()
        scores, passed = {}, {}
        for learner, sub in latest.items():
            rows = book.conn.execute("SELECT task, status, score FROM results WHERE submission_id = ?", (sub.id,)).fetchall()
            scores[learner] = round(sum(r["score"] for r in rows), 6)
            for r in rows:
                passed[r["task"]] = passed.get(r["task"], 0) + (r["status"] == "passed")
    return scores, passed


def test_report_renders_cleanly_and_matches_the_gradebook(graded_class, driver, tmp_path):
    from selenium.webdriver.common.by import By

    with Gradebook(graded_class.gradebook) as book:
        html = reports.to_html(reports.collect(book))
    page = tmp_path / "report.html"
    page.write_text(html, encoding="utf-8")
    driver.get(page.as_uri())
    assert driver.title == "dlcert class report"

    scores, passed = expected_numbers(graded_class.gradebook)
    assert int(driver.find_element(By.ID, "learner-count").text) == len(scores) == len(graded_class.expected)
    rows = driver.find_elements(By.CSS_SELECTOR, "#learners tbody tr")
    assert len(rows) == len(scores)
    for row in rows:
        learner = row.get_attribute("data-learner")
        shown = row.find_element(By.CSS_SELECTOR, "td.score").text.split("/")[0].strip()
        assert float(shown) == pytest.approx(scores[learner], abs=5e-4), learner
    task_rows = driver.find_elements(By.CSS_SELECTOR, "#tasks tbody tr")
    assert len(task_rows) == len(passed)
    for row in task_rows:
        task = row.get_attribute("data-task")
        assert int(row.find_element(By.CSS_SELECTOR, ".passed-count").text) == passed[task]
        rate = float(row.find_element(By.CSS_SELECTOR, ".pass-rate").text)
        assert rate == pytest.approx(100 * passed[task] / len(scores), abs=0.05)
    mistakes = {e.get_attribute("data-mistake") for e in driver.find_elements(By.CSS_SELECTOR, "tr[data-task='neurons.perceptron'] .mistake")}
    assert mistakes == {"ge_zero", "no_bias", "returns_bool", "sign_labels"}

    for chart in ("score-histogram", "pass-rate-chart", "time-chart"):
        svg = driver.find_element(By.ID, chart)
        assert svg.is_displayed() and svg.size["width"] > 100
    bins = driver.find_elements(By.CSS_SELECTOR, "#score-histogram rect")
    assert sum(int(b.get_attribute("data-count")) for b in bins) == len(scores)

    try:
        logs = driver.get_log("browser")
    except Exception:  # pragma: no cover - a driver without the logging endpoint
        logs = []
    errors = [entry for entry in logs if entry.get("level") == "SEVERE"]
    assert errors == []
    try:
        performance = driver.get_log("performance")
    except Exception:  # pragma: no cover
        performance = []
    urls = []
    for entry in performance:
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    assert urls and not [u for u in urls if u.startswith(("http:", "https:", "ws:", "wss:", "ftp:"))]
