"""Real Chromium for the web chat tests (Debian's /usr/bin/chromium driven by Playwright)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, ConsoleMessage, FloatRect, Page, async_playwright

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = ROOT / "test-artifacts"
AXE = ROOT / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE: dict[str, Any] = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "nl-NL",
}
PHONES = ((320, 568), (360, 740))  # a small phone (iPhone SE 1st gen) and a common Android size


def phone(width: int, height: int) -> dict[str, Any]:
    """Browser-context options for a phone screen of ``width`` × ``height`` CSS pixels."""
    return {**PHONE, "viewport": {"width": width, "height": height}}


# Where the chat's parts are on the screen, in CSS pixels of the viewport (see ``Layout``).
LAYOUT_SCRIPT = """() => {
  const box = (el) => {
    if (!el) return null;
    const r = el.getBoundingClientRect();
    return {top: r.top, bottom: r.bottom, left: r.left, right: r.right, height: r.height};
  };
  const messages = [...document.querySelectorAll('#log > .message')];
  const users = messages.filter((m) => m.classList.contains('from-user'));
  const lastUser = users[users.length - 1];
  const start = lastUser ? lastUser.nextElementSibling : messages[0];
  const answers = [...document.querySelectorAll('#answers button')];
  const page = document.scrollingElement;
  return {
    width: innerWidth, height: innerHeight,
    page_scroll_height: page.scrollHeight, page_scroll_width: page.scrollWidth, page_scroll_top: page.scrollTop,
    quick_exit: box(document.getElementById('quick-exit')),
    text_box: box(document.getElementById('message')),
    send: box(document.querySelector('.send')),
    toolbar: box(document.querySelector('.toolbar')),
    log: box(document.getElementById('scroller')),
    newest: box(start),
    answers: answers.map(box),
  };
}"""


def edges(box: FloatRect) -> dict[str, float]:
    """A Playwright bounding box as the edges ``inside`` compares."""
    x, y, width, height = box["x"], box["y"], box["width"], box["height"]
    return {"top": y, "bottom": y + height, "left": x, "right": x + width, "height": height}


def inside(box: dict[str, float] | None, area: dict[str, float], slack: float = 0.5) -> bool:
    """Whether ``box`` lies wholly inside ``area`` (both as from ``getBoundingClientRect``)."""
    return (
        box is not None
        and box["top"] >= area["top"] - slack
        and box["bottom"] <= area["bottom"] + slack
        and box["left"] >= area["left"] - slack
        and box["right"] <= area["right"] + slack
    )


async def layout(page: Page) -> dict[str, Any]:
    """The boxes of Snel weg, the text box, the conversation, the newest answer and its buttons."""
    found: dict[str, Any] = await page.evaluate(LAYOUT_SCRIPT)
    found["viewport"] = {"top": 0, "left": 0, "bottom": found["height"], "right": found["width"]}
    return found


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """A headless Chromium; a missing browser fails the test (``.ci/run`` installs it)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does this)")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            yield browser
        finally:
            await browser.close()


def watch_errors(page: Page) -> list[str]:
    """Collect console errors and uncaught exceptions (a CSP violation shows up here too), with their URL."""
    errors: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(f"{message.location.get('url', '')} {message.text}")

    page.on("console", console)
    page.on("pageerror", lambda error: errors.append(f"{page.url} {error}"))
    return errors


async def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Run axe-core (from the npm registry, see the Makefile) in the page; serious and critical findings."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run 'make axe' (make test does this)")
    await page.wait_for_function("() => document.getAnimations().length === 0")  # colours are measured at rest
    await page.evaluate(AXE.read_text(encoding="utf-8"))
    result: dict[str, Any] = await page.evaluate(
        "async () => await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']})"
    )
    found = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    for violation in found:
        print(json.dumps({k: violation[k] for k in ("id", "impact", "help")}), [n["html"] for n in violation["nodes"]])
    return found
