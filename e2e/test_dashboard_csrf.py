"""CSRF (SPEC §4.4 "Plain HTML forms with CSRF tokens"; docs/dashboard-views.md: every POST form carries a
hidden `csrf`): a post without the session's token answers 403 `csrf_failed` and changes nothing, whether the
browser's own form was tampered with or another site posts with the victim's cookie."""

from __future__ import annotations

import re
import secrets

from browser import signed_in
from harness import Latchkey, describe_response, expect_error

EVIL = {"Origin": "http://evil.example", "Referer": "http://evil.example/attack.html"}


def page_csrf(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, "no csrf input on the page"
    return m.group(1)


def test_credential_form_with_csrf_token_removed_or_altered_is_refused_with_403_and_creates_nothing(
    dashboard_factory, browser_factory
):
    lk = dashboard_factory()
    admin = lk.admin
    b = signed_in(browser_factory, lk)
    tamper = {
        "removed": "arguments[0].querySelector('input[name=csrf]').remove();",
        "altered": "const i = arguments[0].querySelector('input[name=csrf]');"
        "i.value = (i.value[0] === 'A' ? 'B' : 'A') + i.value.slice(1);",
        "emptied": "arguments[0].querySelector('input[name=csrf]').value = '';",
    }
    for variant, script in tamper.items():
        b.go("/credentials/new?provider=echo", f"form-{variant}")
        form = b.find("form#credential-form")
        assert b.find('input[type="hidden"][name="csrf"]', within=form).get_attribute("value"), (
            "the form carries a token"
        )
        b.fill("form#credential-form", {"name": f"csrf {variant}", "field.api_key": "key-" + secrets.token_hex(16)})
        b.js(script, form)
        b.click("#credential-submit", f"refused-{variant}", within=form)
        assert b.status() == 403, f"{variant} token: {b.describe()}"
        assert "csrf_failed" in b.html, f"{variant} token: {b.describe()}"
        assert admin.credentials() == [], f"{variant} token created a credential"

    # The same form, untouched, passes the token check (so the refusals were about the token). Whether it
    # then creates the credential is test_dashboard_credentials' business.
    b.go("/credentials/new?provider=echo", "form-intact")
    b.submit(
        "form#credential-form",
        "#credential-submit",
        "with-token",
        {"name": "with token", "field.api_key": "key-" + secrets.token_hex(16)},
    )
    assert b.status() != 403 and "csrf_failed" not in b.html, f"the intact form was refused: {b.describe()}"


def test_cross_site_posts_with_the_session_cookie_but_no_valid_token_are_refused(dashboard_factory, browser_factory):
    lk = dashboard_factory()
    admin = lk.admin
    cred = admin.create_credential("echo", {"api_key": "key-" + secrets.token_hex(16)}, name="keep me")
    group = admin.create_group("keep this group")
    b = signed_in(browser_factory, lk)
    b.go("/credentials", "signed-in")
    token = page_csrf(b.html)
    s = b.requests_session()
    assert s.get(lk.url("/credentials"), allow_redirects=False, timeout=30).status_code == 200, (
        "the copied cookie alone signs in a GET"
    )

    attacks = [
        (
            "create credential",
            "/credentials",
            {"provider": "echo", "name": "forged", "field.api_key": "forged-key-0123456789"},
        ),
        (
            "edit credential",
            f"/credentials/{cred['id']}",
            {"name": "forged name", "field.api_key": "forged-key-0123456789"},
        ),
        ("delete credential", f"/credentials/{cred['id']}/delete", {}),
        ("create group", "/groups", {"name": "forged group"}),
        ("create agent key", f"/groups/{group['id']}/keys", {}),
        ("bind", f"/groups/{group['id']}/bindings/echo", {"credential_id": cred["id"]}),
        ("delete group", f"/groups/{group['id']}/delete", {}),
        ("OAuth app", "/settings/oauth-apps/github", {"client_id": "forged", "client_secret": "forged-secret"}),
    ]
    for what, path, data in attacks:
        for label, extra in (("no token", {}), ("wrong token", {"csrf": "x" * len(token)})):
            r = s.post(
                lk.url(path),
                data={**data, **extra} or {"confirm": "1"},
                headers=EVIL,
                allow_redirects=False,
                timeout=30,
            )
            assert r.status_code == 403, f"{what} ({label}) POST {path}: {describe_response(r)}"
            expect_error(r, 403, "csrf_failed")

    creds = admin.credentials()
    assert [(c["id"], c["name"]) for c in creds] == [(cred["id"], "keep me")], creds
    groups = admin.groups()
    assert [(g["id"], g["name"]) for g in groups] == [(group["id"], "keep this group")], groups
    g = admin.get(f"/api/v1/groups/{group['id']}").json()
    assert g["keys"] == [] and g["bindings"] == [], g
    b.go("/settings", "settings-after-attacks")
    assert b.find('form.oauth-app-form[data-provider="github"] input[name="client_id"]').get_attribute("value") == "", (
        "no OAuth app saved"
    )

    # A forged sign-out leaves the session alone.
    r = s.post(lk.url("/logout"), data={"confirm": "1"}, headers=EVIL, allow_redirects=False, timeout=30)
    assert s.get(lk.url("/credentials"), allow_redirects=False, timeout=30).status_code == 200, (
        f"a sign-out without the token must not end the session ({describe_response(r)})"
    )

    # A forged sign-in (login CSRF: no pre-sign-in token) is refused and sets no session.
    r = requests_post_login(lk)
    assert r.status_code == 403 and "lk_session" not in r.cookies, describe_response(r)

    # Control: the same request with the page's token goes through.
    r = s.post(lk.url("/groups"), data={"name": "real group", "csrf": token}, allow_redirects=False, timeout=30)
    assert r.status_code == 303, f"with the session's token: {describe_response(r)}"
    assert sorted(g["name"] for g in admin.groups()) == ["keep this group", "real group"]


def requests_post_login(lk: Latchkey):
    import requests

    return requests.post(
        lk.url("/login"),
        data={"email": Latchkey.ADMIN_EMAIL, "password": Latchkey.ADMIN_PASSWORD, "next": "/credentials"},
        headers=EVIL,
        allow_redirects=False,
        timeout=30,
    )
