"""Dashboard errors as pages (issue 19 item 9; README "Dashboard"): in headless Chromium an unknown page, an unknown
credential or group and a form from elsewhere show an HTML page with the status, a title and a link back, never
SPEC's JSON error; the API keeps its JSON errors in the same browser."""

from __future__ import annotations

import json

from browser import signed_in


def assert_error_page(b, status: int, title: str):
    """The page now shown is the dashboard's error page for `status`."""
    assert b.status() == status, b.describe()
    assert b.driver.title == f"{title} · Latchkey", b.driver.title
    assert b.find("h1#result").get_attribute("data-success") == "false", b.describe()
    assert f"Status {status}" in b.find("main").text, b.describe()
    back = b.find('main a[href="/credentials"]')
    assert back.text.strip() == "Back to your credentials", back.text
    body = b.find("body").text.lstrip()
    assert not body.startswith("{") and '"error"' not in b.html, f"JSON instead of a page: {body[:300]}"


def test_unknown_pages_and_ids_show_an_error_page_with_a_link_back(dashboard_factory, browser_factory):
    lk = dashboard_factory()
    cred = lk.admin.create_credential("echo", {"api_key": "error-page-key-0123456789"}, name="error page cred")

    # Signed out: an unknown page is a page too (no tabs: nobody is signed in).
    anonymous = browser_factory(base=lk.public_url, suffix="-anonymous")
    anonymous.go("/no-such-page", "unknown-page-signed-out")
    assert_error_page(anonymous, 404, "Not found")

    b = signed_in(browser_factory, lk)
    b.go("/no-such-page", "unknown-page")
    assert_error_page(b, 404, "Not found")

    # An id that is nobody's, or not this user's: a 404 page inside the layout, the tabs and the account kept.
    for path in (
        "/credentials/crd_does_not_exist/edit",
        "/credentials/crd_does_not_exist/delete",
        "/groups/grp_does_not_exist",
    ):
        b.go(path, "unknown-id" + path.replace("/", "-"))
        assert_error_page(b, 404, "Not found")
        assert b.exists('nav a[href="/credentials"]') and b.exists("form#logout-form"), (
            f"{path}: the signed-in header stays"
        )
        assert "error-page-key-0123456789" not in b.html

    # The link back works.
    b.click('main a[href="/credentials"]', "back-to-credentials")
    assert b.path == "/credentials" and b.status() == 200, b.describe()
    assert cred["id"] in b.html

    # The API answers the same browser with JSON.
    b.go("/api/v1/credentials/crd_does_not_exist", "api-json")
    assert b.status() == 404, b.describe()
    error = json.loads(b.find("body").text)["error"]
    assert error["code"] == "not_found", error


def test_a_form_from_elsewhere_is_a_forbidden_page(dashboard_factory, browser_factory):
    lk = dashboard_factory()
    b = signed_in(browser_factory, lk)
    b.go("/groups", "groups")
    # What a page from another site would send: the form without this session's token.
    b.js("arguments[0].value = 'forged-token'", b.find('form#group-form input[name="csrf"]'))
    b.submit("form#group-form", "button#create-group", "forged-form", {"name": "forged group"})
    assert_error_page(b, 403, "Not allowed")
    assert "did not come from Latchkey" in b.find("main").text, b.describe()
    assert all(g["name"] != "forged group" for g in lk.admin.get("/api/v1/groups").json()["groups"])
