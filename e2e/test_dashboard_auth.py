"""Dashboard sign-in (SPEC §4.4, docs/dashboard-views.md `setup`, `login`, layout): the first-run
one-time setup link, signing out and in, the sign-in page before setup, and sign-in throttling."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import requests

from browser import setup_link
from harness import Latchkey, describe_response

ADMIN = "first.admin@example.com"
PASSWORD = "first-admin-passphrase-42"


def _anonymous_csrf(lk: Latchkey) -> tuple[requests.Session, str]:
    """A fresh cookie jar with the pre-sign-in CSRF cookie, and the token the login page carries."""
    s = requests.Session()
    r = s.get(lk.url("/login"), timeout=30)
    m = re.search(r'name="csrf" value="([^"]+)"', r.text)
    assert r.status_code == 200 and m, f"GET /login: {describe_response(r)}"
    return s, m.group(1)


def test_first_run_setup_link_creates_the_admin_then_sign_out_and_sign_in(dashboard_factory, browser_factory):
    lk = dashboard_factory(admin=False)
    link = setup_link(lk)
    assert link.startswith(lk.public_url + "/setup?token="), link
    token = link.split("token=", 1)[1]
    b = browser_factory(base=lk.public_url)

    b.go(link, "setup-form")
    assert b.path == "/setup" and b.status() == 200, b.describe()
    form = b.find("form#setup-form")
    assert (form.get_attribute("method") or "").lower() == "post", form.get_attribute("outerHTML")[:300]
    assert b.find('input[name="token"]', within=form).get_attribute("value") == token
    assert b.find('input[name="csrf"]', within=form).get_attribute("value"), "setup form without a csrf token"
    for name in ("email", "password", "password_confirm"):
        b.find(f'input[name="{name}"]', within=form)

    b.submit(
        "form#setup-form",
        "#setup-submit",
        "setup-done",
        {"email": ADMIN, "password": PASSWORD, "password_confirm": PASSWORD},
    )
    assert b.path == "/credentials", f"setup should sign in and land on /credentials: {b.describe()}"
    assert "Welcome" in b.notice(), f"welcome notice (#notice) expected: {b.describe()}"
    assert b.find("#notice").get_attribute("role") == "status"
    assert ADMIN in b.find("header").text, "the signed-in user's email belongs in the header"
    assert b.exists('nav a[href="/settings"]'), "the first user is an admin: Settings in the nav"
    assert b.find('nav a[href="/credentials"]').get_attribute("aria-current") == "page"
    session_cookie = b.cookie()
    assert session_cookie, "no lk_session cookie after setup"

    # The link is single-use: a second visit does not show the form, a replayed post is refused.
    other = browser_factory(base=lk.public_url, suffix="-second-visit")
    other.go(link, "setup-link-reused")
    assert other.path == "/login" and not other.exists("form#setup-form"), other.describe()
    s, csrf = _anonymous_csrf(lk)
    r = s.post(
        lk.url("/setup"),
        data={
            "csrf": csrf,
            "token": token,
            "email": "intruder@example.com",
            "password": "intruder-passphrase-1",
            "password_confirm": "intruder-passphrase-1",
        },
        allow_redirects=False,
        timeout=30,
    )
    assert r.status_code == 403, f"replayed setup post: {describe_response(r)}"
    assert "lk_session" not in r.cookies, r.headers
    s, csrf = _anonymous_csrf(lk)
    r = s.post(
        lk.url("/login"),
        data={
            "csrf": csrf,
            "email": "intruder@example.com",
            "password": "intruder-passphrase-1",
            "next": "/credentials",
        },
        allow_redirects=False,
        timeout=30,
    )
    assert r.status_code == 401, f"the replayed setup must not have created a user: {describe_response(r)}"

    # Sign out: back to /login, the old session no longer works, pages redirect to sign-in.
    b.click("#logout", "signed-out")
    assert b.path == "/login" and b.exists("form#login-form"), b.describe()
    assert not b.cookie(), "the session cookie should be cleared on sign-out"
    r = requests.get(lk.url("/credentials"), cookies={"lk_session": session_cookie}, allow_redirects=False, timeout=30)
    assert r.status_code == 303 and urlsplit(r.headers.get("Location", "")).path == "/login", (
        f"the signed-out session still opens /credentials: {describe_response(r)}"
    )
    b.go("/credentials", "credentials-after-sign-out")
    assert b.path == "/login" and b.query.get("next") == ["/credentials"], b.describe()

    # A wrong password is refused; the right one signs in and honours next=.
    b.submit("form#login-form", "#login-submit", "wrong-password", {"email": ADMIN, "password": "not-the-password-1"})
    assert b.status() == 401 and b.path == "/login" and b.exists("#error"), b.describe()
    assert not b.cookie()
    b.go("/groups", "login-for-groups")
    assert b.path == "/login" and b.query.get("next") == ["/groups"], b.describe()
    b.submit("form#login-form", "#login-submit", "signed-in", {"email": ADMIN, "password": PASSWORD})
    assert b.path == "/groups", f"sign-in should return to next=/groups: {b.describe()}"
    assert b.cookie() and b.cookie() != session_cookie, "a new session after signing in again"

    b.click("#logout", "signed-out-again")
    assert b.path == "/login"
    b.go("/credentials", "credentials-after-second-sign-out")
    assert b.path == "/login", b.describe()


def test_setup_refuses_a_short_password_beside_the_field_and_the_link_still_works(dashboard_factory, browser_factory):
    lk = dashboard_factory(admin=False)
    link = setup_link(lk)
    b = browser_factory(base=lk.public_url)
    b.go(link, "setup-form")
    b.submit(
        "form#setup-form",
        "#setup-submit",
        "setup-short-password",
        {"email": ADMIN, "password": "short-pass1", "password_confirm": "short-pass1"},
    )
    assert b.status() == 400 and b.exists("form#setup-form"), b.describe()
    assert "at least 12 characters" in b.find("main").text, f"no field error for the short password: {b.describe()}"
    assert b.find('form#setup-form input[name="password"]').get_attribute("aria-invalid") == "true"
    assert b.find('form#setup-form input[name="email"]').get_attribute("value") == ADMIN, "email kept"
    # The re-rendered form carries the same one-time token: correcting the password must work.
    b.submit(
        "form#setup-form", "#setup-submit", "setup-corrected", {"password": PASSWORD, "password_confirm": PASSWORD}
    )
    assert b.path == "/credentials" and "Welcome" in b.notice(), (
        f"a refused password must not burn the one-time setup link: {b.describe()}"
    )


def test_sign_in_page_before_setup_points_to_the_setup_link_instead_of_a_form(dashboard_factory, browser_factory):
    lk = dashboard_factory(admin=False)
    link = setup_link(lk)
    b = browser_factory(base=lk.public_url)
    b.go("/credentials", "not-set-up")
    assert b.path == "/login", b.describe()
    assert not b.exists("form#login-form"), "no sign-in form while no user exists"
    assert "set up" in b.find("main").text.lower(), b.describe()
    assert urlsplit(link).query.split("=", 1)[1] not in b.html, "the setup token must not be on the page"


def test_sixth_wrong_password_is_throttled_with_too_many_failed_attempts(dashboard_factory, browser_factory):
    lk = dashboard_factory()
    b = browser_factory(base=lk.public_url)
    b.go("/login", "login")
    for i in range(1, 6):
        b.submit(
            "form#login-form",
            "#login-submit",
            f"wrong-{i}",
            {"email": Latchkey.ADMIN_EMAIL, "password": f"wrong-password-{i}-xx"},
        )
        assert b.status() == 401, f"attempt {i}: {b.describe()}"
        assert "do not match" in b.text("#error"), b.describe()
        assert b.find('input[name="email"]').get_attribute("value") == Latchkey.ADMIN_EMAIL, "email prefilled"
    b.submit(
        "form#login-form",
        "#login-submit",
        "wrong-6",
        {"email": Latchkey.ADMIN_EMAIL, "password": "wrong-password-6-xx"},
    )
    assert b.status() == 429, b.describe()
    assert "Too many failed attempts" in b.text("#error"), b.describe()
    # While throttled even the right password does not sign in (the pause does not reveal it).
    b.submit(
        "form#login-form",
        "#login-submit",
        "right-while-throttled",
        {"email": Latchkey.ADMIN_EMAIL, "password": Latchkey.ADMIN_PASSWORD},
    )
    assert b.status() == 429 and b.path == "/login" and not b.cookie(), b.describe()
    assert "Too many failed attempts" in b.text("#error")
