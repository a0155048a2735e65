"""The class report, every learner page and every feedback file in a real headless Chromium at 1280 px:
each renders, logs no console errors, fetches nothing from the network, keeps its chart labels
inside their chart and apart, and (the class page) needs no horizontal scrolling; the numbers on
the pages match the gradebook, and the links lead from the class page to each learner and back.
Screenshots are saved under the test's tmp folder (`shots/`)."""
from __future__ import annotations

import json
import shutil
import statistics
import tempfile
from pathlib import Path

import pytest

from grader.classroom import pages, reports
from grader.classroom.gradebook import Gradebook

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WIDTH = 1280

LABEL_PROBLEMS = """
const problems = [];
for (const svg of document.querySelectorAll('svg')) {
  const box = svg.getBoundingClientRect();
  const texts = [...svg.querySelectorAll('text')].map(t => [t.textContent, t.getBoundingClientRect()]);
  for (const [label, r] of texts) {
    if (r.left < box.left - 0.5 || r.right > box.right + 0.5 || r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5)
      problems.push(`${svg.id}: "${label}" is clipped`);
  }
  for (let i = 0; i < texts.length; i++) for (let j = i + 1; j < texts.length; j++) {
    const [a, ra] = texts[i], [b, rb] = texts[j];
    const w = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left), h = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
    if (w > 0.5 && h > 0.5) problems.push(`${svg.id}: "${a}" overlaps "${b}"`);
  }
}
return problems;
"""


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
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
                 f"--window-size={WIDTH},1000", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    browser = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        browser.set_window_size(WIDTH, 1000)
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


def visit(driver, path: Path, shots: Path) -> None:
    """Open a page, save its full-height screenshot, and fail on console errors or network fetches."""
    driver.get(path.as_uri())
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(WIDTH, min(max(height + 100, 600), 6000))
    shots.mkdir(exist_ok=True)
    driver.save_screenshot(str(shots / f"{path.parent.name}-{path.stem}.png"))
    driver.set_window_size(WIDTH, 1000)
    errors = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
    assert errors == [], (path.name, errors)
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    assert not [u for u in urls if u.startswith(("http:", "https:", "ws:", "wss:", "ftp:"))], (path.name, urls)


@pytest.fixture(scope="module")
def written(graded_class, tmp_path_factory):
    out = tmp_path_factory.mktemp("pages")
    with Gradebook(graded_class.gradebook) as book:
        data = reports.collect(book)
    pages.write_report(data, out / "report")
    pages.write_feedback(data, out / "feedback")
    return data, out


def test_the_class_page_fits_1280_and_matches_the_gradebook(graded_class, driver, written):
    from selenium.webdriver.common.by import By

    data, out = written
    index = out / "report" / "index.html"
    visit(driver, index, out / "shots")
    assert driver.title == "dlcert class report"
    assert driver.execute_script("return document.documentElement.scrollWidth") <= driver.execute_script(
        "return document.documentElement.clientWidth"), "the class page scrolls sideways at 1280 px"
    assert driver.execute_script(LABEL_PROBLEMS) == []

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
        assert float(row.find_element(By.CSS_SELECTOR, ".pass-rate").text) == pytest.approx(100 * passed[task] / len(scores), abs=0.05)
    mistakes = {e.get_attribute("data-mistake") for e in driver.find_elements(By.CSS_SELECTOR, "tr[data-task='neurons.perceptron'] .mistake")}
    assert mistakes == {"ge_zero", "no_bias", "returns_bool", "sign_labels"}
    common = {r.get_attribute("data-mistake"): r for r in driver.find_elements(By.CSS_SELECTOR, "#mistakes tbody tr")}
    assert "no_max_shift" in common and "activations.softmax" in common["no_max_shift"].text
    modules = {r.get_attribute("data-module") for r in driver.find_elements(By.CSS_SELECTOR, "#modules tbody tr")}
    assert modules == {"neurons", "activations"}
    median = statistics.median(l.percent for l in data.learners)
    assert float(driver.find_element(By.CSS_SELECTOR, "[data-stat='median']").text) == pytest.approx(median, abs=0.05)
    bins = driver.find_elements(By.CSS_SELECTOR, "#score-histogram rect")
    assert sum(int(b.get_attribute("data-count")) for b in bins) == len(scores)

    driver.find_element(By.LINK_TEXT, "m_perceptron_ge_zero").click()
    assert driver.title == "dlcert: m_perceptron_ge_zero"
    driver.find_element(By.ID, "back").click()
    assert driver.title == "dlcert class report"


def test_every_learner_page_shows_every_task_with_its_diagnosis(graded_class, driver, written):
    from selenium.webdriver.common.by import By

    data, out = written
    for learner in data.learners:
        visit(driver, out / "report" / "learners" / learner.page, out / "shots")
        rows = driver.find_elements(By.CSS_SELECTOR, "#learner-tasks tbody tr")
        assert [r.get_attribute("data-task") for r in rows] == data.tasks, learner.learner
        failing = [t for t, c in learner.tasks.items() if c["status"] != "passed"]
        sections = {s.get_attribute("data-task"): s for s in driver.find_elements(By.CSS_SELECTOR, "section.task-detail")}
        assert sorted(sections) == sorted(failing), learner.learner
        for task in failing:
            cell = learner.tasks[task]
            text = sections[task].find_element(By.CSS_SELECTOR, "pre.diagnosis").text
            assert text.strip() and text.split()[0] in (cell["diagnosis"] or cell["message"]), (learner.learner, task)
            if cell["failing_case"]:
                assert sections[task].find_element(By.CSS_SELECTOR, ".failing-case").text == cell["failing_case"]
    visit(driver, out / "report" / "learners" / "m_perceptron_ge_zero.html", out / "shots")  # one known mistake, in detail
    section = driver.find_element(By.ID, "neurons.perceptron")
    assert section.find_element(By.CSS_SELECTOR, ".mistake").text == "ge_zero"


def test_every_feedback_file_renders_and_names_no_one_else(graded_class, driver, written):
    from selenium.webdriver.common.by import By

    data, out = written
    files = sorted((out / "feedback").glob("*.html"))
    assert len(files) == len(data.learners) and len(list((out / "feedback").glob("*.md"))) == len(files)
    others = {l.learner for l in data.learners}
    for path in files:
        visit(driver, path, out / "shots")
        body = driver.find_element(By.TAG_NAME, "body").text
        assert not driver.find_elements(By.ID, "back")  # a file sent alone: no links into the class report
        me = path.stem
        assert me in body and not [o for o in others - {me} if f"({o})" in body or f"for {o}\n" in body]
    assert "could not be graded (rejected)" in (out / "feedback" / "x01_traversal.md").read_text()


def test_the_label_check_finds_clipped_and_overlapping_labels(driver, tmp_path):
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><svg id="bad" width="100" height="40"><text x="0" y="15">a long label here</text>'
                    '<text x="10" y="15">overlap</text><text x="0" y="80">below</text></svg>')
    driver.get(page.as_uri())
    problems = driver.execute_script(LABEL_PROBLEMS)
    assert any("clipped" in p for p in problems) and any("overlaps" in p for p in problems)
