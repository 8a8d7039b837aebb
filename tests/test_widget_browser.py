"""The coder widget in a real browser (Debian's chromium, headless, driven by Playwright).

Paste a report and see highlighted evidence; accept with the keyboard; walk a queue; override with a
reason; check the rows in the feedback store. Screenshots go to test-output/.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx
import pytest

from tests.conftest import ServerThread

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "test-output"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)"),
]

REPORT = (
    "EXAM: MRI BRAIN WITHOUT AND WITH CONTRAST\n"
    "HISTORY: Multiple sclerosis.\n"
    "COMPARISON: MRI brain with and without contrast 2023.\n"
    "TECHNIQUE: Sagittal T1, axial T2, FLAIR and DWI, followed by axial and coronal T1 after intravenous "
    "administration of 7.5 mL Gadavist.\n"
    "FINDINGS: Periventricular FLAIR lesions, unchanged. No enhancing lesion.\n"
    "IMPRESSION: Stable disease."
)
QUEUE = [
    {"id": "q-1", "text": REPORT},
    {"id": "q-2", "text": "EXAM: MRI BRAIN WITHOUT CONTRAST\nTECHNIQUE: Axial T2, FLAIR, DWI.\nIMPRESSION: Normal."},
    {"id": "q-3", "text": "CT HEAD WITHOUT CONTRAST\nIMPRESSION: No acute abnormality."},
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from api.main import create_app
    from nlp_coder.settings import Settings

    url = f"sqlite:///{tmp_path_factory.mktemp('feedback') / 'feedback.sqlite'}"
    with ServerThread(create_app(Settings(feedback_url=url))) as running:
        yield running.base, url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield chromium
        chromium.close()


def _rows(url: str) -> list[dict]:
    from nlp_coder.feedback import FeedbackStore

    return [r.to_dict() for r in FeedbackStore(url).rows()]


def test_paste_highlight_and_accept_with_keyboard(server, browser):
    base, url = server
    page = browser.new_page(viewport={"width": 1280, "height": 800}, bypass_csp=True)
    page.goto(base + "/")
    page.fill("#report-input", REPORT)
    page.fill("#report-id", "paste-1")
    page.click("#suggest-btn")
    page.wait_for_selector("#report-view mark.ev")
    assert page.inner_text("#code").strip() == "70553"
    kinds = set(page.eval_on_selector_all("#report-view mark.ev", "els => els.map(e => e.dataset.kind)"))
    assert {"contrast_administration", "sequence"} <= kinds
    assertions = set(page.eval_on_selector_all("#report-view mark.ev", "els => els.map(e => e.dataset.assertion)"))
    assert {"affirmed", "historical"} <= assertions  # the comparison's contrast is shown as historical
    # negated/historical/hypothetical look different from affirmed
    styles = page.evaluate(
        """() => {
            const pick = a => document.querySelector(`#report-view mark.ev[data-assertion="${a}"]`);
            const s = el => el ? getComputedStyle(el).cssText || (getComputedStyle(el).textDecorationLine + getComputedStyle(el).borderBottomStyle + getComputedStyle(el).opacity) : null;
            return [s(pick('affirmed')), s(pick('historical'))];
        }"""
    )
    assert styles[0] != styles[1]
    page.click("#evidence-list li >> nth=0")
    assert page.locator("#report-view mark.ev.focused").count() == 1
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "widget-paste.png"), full_page=True)
    page.click("body")
    page.keyboard.press("a")
    page.wait_for_function("document.querySelector('#feedback-status').innerText.toLowerCase().includes('accept')")
    row = _rows(url)[-1]
    assert (row["report_id"], row["final_code"], row["action"]) == ("paste-1", "70553", "accept")
    assert len(row["text_sha256"]) == 64


def test_queue_walk_and_override_with_reason(server, browser):
    base, url = server
    page = browser.new_page(viewport={"width": 1280, "height": 800}, bypass_csp=True)
    created = httpx.post(base + "/v1/queue", json={"reports": QUEUE}).json()
    page.goto(f"{base}/?queue={created['queue_id']}&item=0")
    page.wait_for_selector("#report-view mark.ev")
    assert "1 / 3" in page.inner_text("#queue-position")
    page.click("body")
    page.keyboard.press("n")
    page.wait_for_function("document.querySelector('#queue-position').innerText.includes('2 / 3')")
    page.wait_for_function("document.querySelector('#code').innerText.trim() === '70551'")
    page.keyboard.press("3")
    page.keyboard.press("r")
    page.keyboard.type("addendum says contrast was given")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('#feedback-status').innerText.toLowerCase().includes('override')")
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "widget-queue.png"), full_page=True)
    row = _rows(url)[-1]
    assert (row["report_id"], row["suggested_code"], row["final_code"], row["action"]) == (
        "q-2",
        "70551",
        "70553",
        "override",
    )
    assert row["reason"] == "addendum says contrast was given"
    page.wait_for_function("document.querySelector('#queue-position').innerText.includes('3 / 3')", timeout=10_000)


def test_page_loads_nothing_from_outside(server, browser):
    base, _ = server
    page = browser.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(base + "/")
    page.wait_for_load_state("networkidle")
    assert requested and all(u.startswith(base) for u in requested)
    assert json.dumps(requested)  # all same-origin


def test_page_sends_a_content_security_policy(server):
    base, _ = server
    policy = httpx.get(base + "/").headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'self'" in policy


def test_widget_asks_for_an_api_key_when_the_server_needs_one(tmp_path, browser):
    from api.main import create_app
    from nlp_coder.settings import Settings

    app = create_app(Settings(feedback_url=f"sqlite:///{tmp_path}/fb.sqlite", api_keys="sesame"))
    with ServerThread(app) as running:
        page = browser.new_page(bypass_csp=True)
        page.on("dialog", lambda dialog: dialog.accept("sesame"))
        page.goto(running.base + "/")
        page.fill("#report-input", REPORT)
        page.click("#suggest-btn")
        page.wait_for_selector("#report-view mark.ev")
        assert page.inner_text("#code").strip() == "70553"


def test_garbled_contrast_statement_is_highlighted_and_explained(server, browser):
    base, _ = server
    page = browser.new_page(viewport={"width": 1280, "height": 800}, bypass_csp=True)
    page.goto(base + "/")
    page.fill(
        "#report-input",
        "MRI BRAIN\nTECHNIQUE: Axial T2, FLAIR, DWI and sagittal T1. Contrast was now administered because of "
        "the raised creatinine.\nIMPRESSION: Normal.",
    )
    page.click("#suggest-btn")
    page.wait_for_selector("#report-view mark.ev")
    assert page.inner_text("#status").strip().lower().replace("_", " ") == "needs review"
    mark = page.locator('#report-view mark.ev[data-kind="garbled_statement"]')
    assert mark.inner_text() == "was now administered"
    chip = page.locator('[data-flag="garbled_contrast_statement"]')
    assert "dictation slip" in chip.get_attribute("title")
    page.close()
