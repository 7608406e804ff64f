"""The other dashboard pages and the look (SPEC §4.4; docs/dashboard-views.md `providers`, `activity`, layout,
"Look and feel"): the catalog and its search, the activity log, the tabs, a phone-sized viewport, and the
screenshots every test saves to test-artifacts/screenshots/ (this module runs last in `-k dashboard`)."""

from __future__ import annotations

import struct
from pathlib import Path

from browser import PHONE, SCREENSHOT_DIR, SHOTS, signed_in

TABS = {
    "/credentials": "Credentials",
    "/groups": "Agent groups",
    "/approvals": "Approvals",
    "/providers": "Providers",
    "/activity": "Activity",
    "/settings/webhooks": "Webhooks",
    "/settings": "Settings",
}


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:32]
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


def test_tabs_providers_search_and_activity(dashboard_factory, browser_factory):
    lk = dashboard_factory()
    admin = lk.admin
    cred = admin.create_credential("echo", {"api_key": "activity-key-0123456789abcdef"}, name="activity cred")
    admin.agent_for({"echo": cred}, group_name="activity group")
    b = signed_in(browser_factory, lk)

    for path, label in TABS.items():
        b.go(path, "tab" + path.replace("/", "-"))
        assert b.status() == 200, b.describe()
        current = b.finds('nav a[aria-current="page"]')
        assert [a.get_attribute("pathname") for a in current] == [path], f"{path}: aria-current on {current}"
        assert current[0].text.strip() == label
        assert b.exists('a[href="#main"]') and b.exists("main#main"), "skip link to <main id=main>"
        assert b.driver.title.endswith("· Latchkey"), b.driver.title

    # The catalog: every provider, each row by id; a search narrows it (the GET form, as without JS).
    b.go("/providers", "providers")
    ids = {r.get_attribute("data-provider") for r in b.finds("[data-provider]")}
    assert {"echo", "echo-two", "echo-basic", "openai"} <= ids, sorted(ids)[:20]
    b.fill("form#provider-search", {"q": "bearer two"})
    b._navigate(lambda: b.js("arguments[0].submit()", b.find("form#provider-search")), "providers-search")
    assert b.path == "/providers" and b.query.get("q") == ["bearer two"], b.describe()
    assert b.find('form#provider-search input[name="q"]').get_attribute("value") == "bearer two", (
        "the search box keeps the words searched for ('+' from the form decoded as a space)"
    )
    ids = [r.get_attribute("data-provider") for r in b.finds("[data-provider]")]
    assert ids == ["echo-two"], f"'bearer two' should match only 'Echo bearer two' (echo-two): {ids}"

    # Activity: what happened, newest first, in words.
    b.go("/activity", "activity")
    text = b.find("main").text
    assert "credential.created" in text or "created" in text.lower(), text[:800]
    assert "activity-key-0123456789abcdef" not in b.html


def test_phone_viewport_renders_pages_without_horizontal_page_overflow(dashboard_factory, browser_factory):
    lk = dashboard_factory()
    admin = lk.admin
    long = "a-rather-long-credential-name-that-should-wrap-" + "x" * 30
    cred = admin.create_credential("echo", {"api_key": "phone-key-0123456789abcdef"}, name=long)
    admin.create_credential(
        "echo-basic", {"username": "someone@example.com", "password": "pw-0123456789abcdef"}, name="Basic on a phone"
    )
    agent = admin.agent_for({"echo": cred}, group_name="phone group")
    agent.get("echo-two", "models")  # a warning
    b = signed_in(browser_factory, lk, size=PHONE)
    assert b.js("return window.innerWidth") == PHONE[0], b.js("return window.innerWidth")
    pages = [
        "/credentials",
        "/credentials/new",
        "/credentials/new?provider=echo-basic",
        f"/credentials/{cred['id']}/edit",
        "/groups",
        f"/groups/{agent.group_id}",
        "/approvals",
        "/providers",
        "/activity",
        "/settings",
    ]
    overflow = {}
    for path in pages:
        b.go(path, "phone" + path.replace("/", "-").replace("?", "-"))
        sw, iw = b.js("return [document.documentElement.scrollWidth, window.innerWidth]")
        if sw > iw:
            overflow[path] = (sw, iw)
    b.go("/credentials", "phone-credentials")
    assert b.credential_rows(), "the credentials page lists the rows on a phone too"
    assert "/credentials" not in overflow, f"the credentials page overflows horizontally: {overflow}"
    assert not overflow, f"pages wider than the {PHONE[0]} px viewport (scrollWidth, innerWidth): {overflow}"


def test_every_page_visit_saved_a_non_empty_screenshot(dashboard_factory, browser_factory):
    lk = dashboard_factory()
    b = browser_factory(base=lk.public_url)
    b.login(lk.ADMIN_EMAIL, lk.ADMIN_PASSWORD)
    for path in (
        "/credentials",
        "/credentials/new",
        "/credentials/new?provider=echo",
        "/groups",
        "/providers",
        "/activity",
        "/settings",
    ):
        b.go(path, "page" + path.replace("/", "-").replace("?", "-"))
    assert len(b.shots) == 2 + 7, [p.name for p in b.shots]  # login page, signed in, 7 pages
    for p in b.shots:
        assert p.parent == SCREENSHOT_DIR and p.name.startswith(b.test + "-"), p
        assert p.stat().st_size > 1000, f"{p} is only {p.stat().st_size} bytes"
        w, h = png_size(p)
        assert (w, h) == (1280, 900) or (w == 1280 and h > 0), f"{p}: {w}x{h}"
    # And every screenshot the earlier dashboard tests of this session saved is still there.
    missing = [
        f"{test}: {step} -> {path}" for test, step, path in SHOTS if not path.exists() or path.stat().st_size == 0
    ]
    assert not missing, missing
