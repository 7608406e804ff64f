"""No secret on any dashboard page (SPEC §4.4 "secret values masked after saving", §5.1): credentials and an
OAuth app's client secret are saved with unique canaries, then every page is visited and its DOM
(`page_source`), the raw HTML bytes the server sent, and every input's live value are searched for each
canary in every encoding of harness.secret_encodings (plain, base64 at all alignments, percent, hex, UTF-16)."""

from __future__ import annotations

import secrets

from browser import Browser, signed_in
from harness import describe_response, find_leaks


def canary(tag: str, alphabet_hex: bool = False) -> str:
    return secrets.token_hex(16) if alphabet_hex else f"canary{tag}{secrets.token_hex(12)}"


def leaks_on(b: Browser, label: str, canaries: dict[str, str], raw: bytes) -> list[str]:
    values = b.js(
        "return Array.from(document.querySelectorAll('input, textarea, select'))"
        ".map(e => (e.name || e.id) + '=' + e.value).join('\\n');"
    )
    return find_leaks(
        {
            f"{label} DOM": b.html.encode(),
            f"{label} raw HTML": raw,
            f"{label} input values": (values or "").encode(),
            f"{label} URL": b.current_url.encode(),
        },
        canaries,
    )


def test_no_canary_secret_appears_on_any_dashboard_page(env, dashboard_factory, browser_factory):
    lk = dashboard_factory()
    admin = lk.admin
    canaries = {
        "echo api_key": canary("Key"),
        "echo-basic password": canary("Pw"),
        "echo-pattern api_key": "Canary" + secrets.token_hex(13),  # ^[A-Za-z0-9]{32}$
        "github client_secret": canary("App"),
        "refused new secret": canary("Refused"),
    }
    assert len(canaries["echo-pattern api_key"]) == 32
    echo = admin.create_credential("echo", {"api_key": canaries["echo api_key"]}, name="canary key")
    visible_user = "visible-user-" + secrets.token_hex(8)  # not secret: shown on the edit form (detector control)
    basic = admin.create_credential(
        "echo-basic", {"username": visible_user, "password": canaries["echo-basic password"]}, name="canary basic"
    )
    pattern = admin.create_credential(
        "echo-pattern", {"api_key": canaries["echo-pattern api_key"]}, name="canary pattern"
    )
    agent = admin.agent_for({"echo": echo, "echo-basic": basic, "echo-pattern": pattern}, group_name="canary group")
    gid = agent.group_id
    for provider in ("echo", "echo-basic", "echo-pattern"):  # activity with proxied calls
        assert agent.get(provider, "models").status_code == 200
    assert agent.get("echo-two", "models").status_code == 424  # a warning on the group page
    b = signed_in(browser_factory, lk)

    # The OAuth app secret goes in through the /settings form.
    b.go("/settings", "settings-before")
    b.submit(
        'form.oauth-app-form[data-provider="github"]',
        '[type="submit"]',
        "settings-saved",
        {"client_id": "Iv1.canaryclient", "client_secret": canaries["github client_secret"]},
    )
    assert "saved" in b.notice().lower(), b.describe()

    # A refused edit (new secret failing the pattern) re-renders the form: the refused value must not come back.
    b.go(f"/credentials/{pattern['id']}/edit", "edit-pattern")
    b.js("arguments[0].noValidate = true", b.find("form#credential-form"))
    b.submit(
        "form#credential-form",
        "#credential-submit",
        "edit-pattern-refused",
        {"field.api_key": canaries["refused new secret"]},
    )
    assert b.status() == 400, f"the pattern should refuse the new value: {b.describe()}"
    found = leaks_on(b, "refused edit", canaries, b"")
    assert not found, found

    pages = [
        "/credentials",
        "/credentials?notice=updated",
        "/credentials/new",
        "/credentials/new?q=echo",
        "/credentials/new?provider=echo",
        "/credentials/new?provider=echo-basic",
        f"/credentials/{echo['id']}/edit",
        f"/credentials/{basic['id']}/edit",
        f"/credentials/{pattern['id']}/edit",
        f"/credentials/{echo['id']}/delete",
        f"/credentials/{basic['id']}/delete",
        "/groups",
        f"/groups/{gid}",
        f"/groups/{gid}?bind=echo-two",
        "/providers",
        "/providers?q=echo",
        "/activity",
        "/settings",
        "/settings/webhooks",
    ]
    raw_session = b.requests_session()
    found, control = [], []
    for path in pages:
        b.go(path, "page" + path.replace("/", "-").replace("?", "-"))
        assert b.status() == 200, b.describe()
        raw = raw_session.get(lk.url(path), allow_redirects=False, timeout=30)
        assert raw.status_code == 200, f"{path}: {describe_response(raw)}"
        found += leaks_on(b, path, canaries, raw.content)
        control += leaks_on(b, path, {"username": visible_user}, raw.content)
    assert not found, "\n".join(found)
    # Control: the same search does find the non-secret user name where the edit form shows it.
    assert any(f"/credentials/{basic['id']}/edit" in c for c in control), control

    # Sanity: the canaries are real (stored and used): the upstream received the echo key.
    assert any(r.header("Authorization") == f"Bearer {canaries['echo api_key']}" for r in env.upstream.snapshot())
