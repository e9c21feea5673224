"""The screener page end to end in headless Chromium (Debian's /usr/bin/chromium, driven
by Playwright): sign in, open the queue, open a referral, reject an indicator, override
the level with a rationale, submit, see the decision. Screenshots go to tests/artifacts/."""

from __future__ import annotations

import logging
import socket
import threading
import time
from pathlib import Path

import httpx
import pytest
import uvicorn
from servicekit import PASSWORD, make_settings, referral_body

from service.app import create_app

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
CANARY = "Philippa Quarrendon"
NARRATIVE = (f"{CANARY} (8) told her teacher that dad hit mum last night and she hid under the bed. She has a bruise on "
             "her arm and said dad grabbed her. No concerns about her attendance.")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def live_service(database_url, service_pipeline):
    """The real app under uvicorn on a local port, with a screener and one referral."""
    port = _free_port()
    app = create_app(make_settings(database_url), pipeline=service_pipeline)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="info"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            if httpx.get(f"{base}/readyz").status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.05)
    admin = httpx.post(f"{base}/api/v1/auth/token", json={"username": "admin", "password": "admin-passphrase-1"}).json()["access_token"]
    httpx.post(f"{base}/api/v1/users", json={"username": "sam.screener", "password": PASSWORD, "roles": ["screener"]},
               headers={"Authorization": f"Bearer {admin}"}).raise_for_status()
    token = httpx.post(f"{base}/api/v1/auth/token", json={"username": "sam.screener", "password": PASSWORD}).json()["access_token"]
    referral = httpx.post(f"{base}/api/v1/referrals", json=referral_body(NARRATIVE),
                          headers={"Authorization": f"Bearer {token}"}).json()
    yield base, referral
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


def test_a_screener_overrides_the_suggestion_in_the_browser(live_service, browser, caplog, database_url):
    caplog.set_level(logging.INFO)
    base, referral = live_service
    suggestion = referral["suggestion"]
    affirmed = [i for i in suggestion["indicators"] if i["affirmed"]]
    assert len(affirmed) >= 2, "the example needs indicators to accept and reject"
    backend = database_url.split(":", 1)[0].split("+")[0]
    ARTIFACTS.mkdir(exist_ok=True)

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{base}/")
    assert page.url.startswith(f"{base}/login")  # the page asks for sign-in first
    page.get_by_label("Username").fill("sam.screener")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    # The work queue: the referral with its timescale in words as well as colour.
    page.get_by_role("heading", name="Work queue").wait_for()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=f"Referral {referral['id']}"))
    assert referral["rag_label"] in row.inner_text()
    page.screenshot(path=str(ARTIFACTS / f"screener_queue_{backend}.png"), full_page=True)
    page.get_by_role("link", name=f"Referral {referral['id']}").click()

    # The referral: narrative with highlighted evidence linked to indicator cards.
    page.get_by_role("heading", name=f"Referral {referral['id']}").wait_for()
    page.keyboard.press("Tab")  # the first Tab on the page reaches the skip link
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    highlights = page.locator(".narrative mark a")
    assert highlights.count() >= 1
    first_target = highlights.first.get_attribute("href")
    highlights.first.click()
    assert page.locator(f"[id='{first_target[1:]}']").is_visible()
    card = page.locator(f"[id='card-{affirmed[0]['id']}']")
    assert affirmed[0]["guidance_text"][:40] in card.inner_text()

    # Keyboard: the reject choice is reachable and operable by keys.
    reject = page.locator(f"input[id='reject-{affirmed[0]['id']}']")
    reject.focus()
    page.keyboard.press("Space")
    assert reject.is_checked()

    new_level = 2 if suggestion["level"] != 2 else 3
    page.get_by_label("Final level").select_option(str(new_level))
    page.get_by_label("MASH outcome").select_option("universal_or_early_help")
    page.get_by_label("Rationale").fill("Mother has left with the children and is engaging with support; early help.")
    page.get_by_role("button", name="Record decision").click()

    page.get_by_role("status").filter(has_text="Decision recorded").wait_for()
    decision = page.locator("article.decision.current")
    text = decision.inner_text()
    assert f"Level {new_level}" in text and f"suggested {suggestion['level']}" in text
    assert f"{affirmed[0]['id']} (reject)" in text and "Mother has left" in text
    page.screenshot(path=str(ARTIFACTS / f"screener_decision_{backend}.png"), full_page=True)

    # Readable at 200% zoom: the same page in half the CSS width reflows without sideways scrolling.
    zoomed = browser.new_page(viewport={"width": 640, "height": 900}, device_scale_factor=2)
    zoomed.context.add_cookies(page.context.cookies())
    zoomed.goto(f"{base}/referrals/{referral['id']}")
    assert zoomed.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    zoomed.screenshot(path=str(ARTIFACTS / f"screener_zoom200_{backend}.png"))
    for shot in ("queue", "decision", "zoom200"):
        assert (ARTIFACTS / f"screener_{shot}_{backend}.png").stat().st_size > 20_000

    # The decision is stored, with the rejected indicator and the rationale.
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "GET /referrals/" in logged  # uvicorn's access log was captured ...
    assert "Quarrendon" not in logged   # ... and carries no narrative text
