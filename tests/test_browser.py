"""End to end in headless Chromium (Debian's package; ``scripts/install-browser.sh``).

The report tests open a rendered report file: hostile article text must stay text and run no
script, while the report's own script (tooltips by mouse, keyboard and touch) works. The page
test starts the real service with the default pipeline, pastes the sample, submits, and reads
the report. Without Chromium these tests are skipped locally and fail under CI.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest
from test_render_html import hostile_document

from spinscope.render.html import render_html

CHROMIUM = os.environ.get("SPINSCOPE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
ANALYSIS_TIMEOUT_MS = 900_000
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True}


@pytest.fixture(scope="module")
def browser():
    missing = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing = "the playwright package is not installed"
    if missing is None and not Path(CHROMIUM).exists():
        missing = f"{CHROMIUM} not found"
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"{missing}: run scripts/install-browser.sh")
        pytest.skip(missing)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Watch:
    """What a page did besides rendering: dialogs, errors, console messages, requests."""

    def __init__(self, page) -> None:
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.console: list[str] = []
        self.requests: list[str] = []
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        page.on("request", lambda r: self.requests.append(r.url))


def _assert_no_script_ran(page, watch: Watch) -> None:
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert watch.dialogs == [] and watch.errors == []
    # an injected script or handler blocked by the policy would show up as a violation
    assert not [m for m in watch.console if "Content Security Policy" in m], watch.console


@pytest.fixture()
def hostile_report(tmp_path: Path) -> str:
    path = tmp_path / "report.html"
    path.write_text(render_html(hostile_document()), encoding="utf-8")
    return path.as_uri()


def test_hostile_report_runs_no_script_and_makes_no_request(browser, hostile_report):
    page = browser.new_page()
    watch = Watch(page)
    page.goto(hostile_report)
    page.wait_for_load_state("load")
    _assert_no_script_ran(page, watch)
    assert watch.requests == [hostile_report]
    body = page.inner_text("body")
    literals = (
        "<script>window.__pwned=1</script>",
        'onerror="window.__pwned=2"',
        "javascript:window.__pwned=3",
        "</style><style>body{display:none}</style>",
    )
    for literal in literals:
        assert literal in body
    assert page.is_visible("main") and page.evaluate("document.styleSheets.length") == 1
    assert page.locator("img, iframe, object, embed").count() == 0
    page.close()


def test_tooltips_by_mouse_and_keyboard(browser, hostile_report):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    watch = Watch(page)
    page.goto(hostile_report)
    tip = page.locator("#tip")
    assert tip.is_hidden()
    page.hover("mark.hl[data-t='d1-t2']")
    assert tip.is_visible() and "Slogans" in tip.inner_text()
    assert "Voice: quote from Jane Doe" in tip.inner_text()
    page.mouse.move(0, 0)
    assert tip.is_hidden()
    for _ in range(30):  # Tab through the page until a highlight has the focus
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('mark.hl')"):
            break
    else:
        pytest.fail("no highlight is reachable with the Tab key")
    page.keyboard.press("Enter")
    text = tip.inner_text()
    assert "Loaded language, confidence 0.82" in text
    assert "Words <b>with</b> emotion." in text and "Voice: journalist" in text
    page.keyboard.press("Escape")
    assert tip.is_hidden()
    overlap = page.locator("mark.hl.multi").first
    overlap.click()
    assert "Loaded language" in tip.inner_text() and "Exaggeration" in tip.inner_text()
    _assert_no_script_ran(page, watch)
    page.close()


def test_report_fits_a_phone_and_opens_details_on_tap(browser, hostile_report):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(hostile_report)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the report is {width}px wide on a 390px screen"
    page.tap("mark.hl[data-t='d1-t2']")
    tip = page.locator("#tip")
    assert tip.is_visible() and "Slogans" in tip.inner_text()
    box = tip.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 391
    assert box["y"] + box["height"] <= 845  # on screen: a sheet at the bottom
    page.tap("h2")
    assert tip.is_hidden()
    context.close()


# --- the service, with the real default pipeline -----------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def service_url():
    """The real app (default pipeline) on uvicorn, bound to 127.0.0.1 for this module only."""
    import uvicorn

    from spinscope.api import ServiceSettings, create_app

    port = _free_port()
    config = uvicorn.Config(
        create_app(settings=ServiceSettings(timeout=900)),
        host="127.0.0.1",
        port=port,
        log_level="warning",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 900  # start-up loads every model once
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert server.started, "the service did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=60)


@pytest.mark.slow
def test_page_pastes_the_sample_and_shows_the_report(browser, service_url, sample_path):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    watch = Watch(page)
    page.goto(f"{service_url}/")
    page.fill("#text", sample_path.read_text(encoding="utf-8"))
    page.set_default_timeout(ANALYSIS_TIMEOUT_MS)  # click waits for the navigation it starts
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert "/analyze" in page.url
    assert page.locator("mark.hl").count() > 0, "no technique highlights"
    speakers = page.locator(".text .who")
    assert speakers.count() > 0, "no quote marked with its speaker"
    assert speakers.first.inner_text().strip()
    assert page.locator("span.quote").count() > 0
    sourcing = page.locator("#d1-sourcing")
    assert sourcing.is_visible() and "No sourcing profile" not in sourcing.inner_text()
    assert page.locator("#d1-techniques .bars li").count() > 0
    page.locator("mark.hl").first.hover()
    assert "confidence" in page.locator("#tip").inner_text()
    _assert_no_script_ran(page, watch)
    assert all(url.startswith(service_url) for url in watch.requests)
    page.close()


@pytest.mark.slow
def test_page_with_hostile_text_runs_no_script(browser, service_url):
    page = browser.new_page()
    watch = Watch(page)
    page.goto(f"{service_url}/")
    hostile = hostile_document().text
    page.fill("#text", hostile)
    page.set_default_timeout(ANALYSIS_TIMEOUT_MS)  # click waits for the navigation it starts
    with page.expect_navigation():
        page.click("button[type=submit]")
    # as text: in the article, or among the removed page furniture (a closed <details>)
    everything = page.evaluate("document.body.textContent")
    for literal in ("<script>window.__pwned=1</script>", 'onerror="window.__pwned=2"'):
        assert literal in everything
    _assert_no_script_ran(page, watch)
    page.close()
