"""Make the README screenshots with the real browser from the real sample.

Starts the service (default pipeline, or ``--model-dir``) on 127.0.0.1, opens the page in
headless Chromium (Debian's package: ``scripts/install-browser.sh``), pastes the sample,
submits, and saves PNGs of the page and of the report on a desktop and a phone screen.

    .venv/bin/python scripts/screenshots.py [--model-dir DIR] [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "examples" / "sputnik-nato-2023-11-30.txt"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
]  # fmt: skip
DESKTOP = {"viewport": {"width": 1280, "height": 1000}}
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True,
         "device_scale_factor": 2}  # fmt: skip


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve(analyzer=None) -> Iterator[str]:
    """The service on a free loopback port for the duration of the block."""
    import uvicorn

    from spinscope.api import ServiceSettings, create_app

    port = _free_port()
    app = create_app(analyzer, ServiceSettings(timeout=900))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started and thread.is_alive():
        time.sleep(0.5)
    if not server.started:
        raise SystemExit("the service did not start")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=60)


def take(base_url: str, out: Path, sample: Path = SAMPLE) -> list[Path]:
    """Page with the sample pasted, then the report with a technique's details open."""
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    text = sample.read_text(encoding="utf-8")
    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        desktop = browser.new_page(**DESKTOP)
        desktop.goto(f"{base_url}/")
        desktop.fill("#text", text)
        desktop.locator("#text").evaluate("el => { el.scrollTop = 0; el.blur(); }")
        written.append(_shot(desktop, out / "page.png"))
        desktop.set_default_timeout(900_000)  # the click waits for the analysis
        with desktop.expect_navigation():
            desktop.click("button[type=submit]")
        desktop.set_default_timeout(30_000)
        report = desktop.content()
        mark = desktop.locator(".text p mark.hl[tabindex]").first
        mark.scroll_into_view_if_needed()
        desktop.evaluate("window.scrollTo(0, 0)")
        mark.hover()
        written.append(_shot(desktop, out / "report.png"))
        panel = desktop.locator("aside.panel")
        written.append(_shot(panel, out / "report-panel.png"))

        phone = browser.new_context(**PHONE).new_page()
        phone.set_content(report)  # the same report, without analysing twice
        target = phone.locator(".text p mark.hl[tabindex]").nth(1)
        target.scroll_into_view_if_needed()
        phone.evaluate("window.scrollBy(0, -120)")
        target.tap()
        written.append(_shot(phone, out / "report-phone.png"))
        browser.close()
    return written


def _shot(target, path: Path) -> Path:
    target.screenshot(path=str(path))
    return path


def main(argv: list[str] | None = None, analyzer=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model-dir", type=Path, help="technique model (default: shipped)")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    parser.add_argument("--sample", type=Path, default=SAMPLE)
    args = parser.parse_args(argv)
    if analyzer is None and args.model_dir:
        from spinscope.components.registry import analysis_components
        from spinscope.pipeline import Analyzer

        analyzer = Analyzer(components=analysis_components(model_dir=str(args.model_dir)))
    started = time.monotonic()
    with serve(analyzer) as url:
        paths = take(url, args.out, args.sample)
    for path in paths:
        print(f"{path.relative_to(REPO) if path.is_relative_to(REPO) else path}")
    print(f"done in {time.monotonic() - started:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
