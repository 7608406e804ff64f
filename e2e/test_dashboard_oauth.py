"""Connecting and reconnecting an OAuth credential in the browser (SPEC §4.2, §4.4; docs/dashboard-views.md
`settings`, `credential_form` with is_oauth, `credentials` needs_reconnect) against the real authorization
server of e2e/oauth_server (django-oauth-toolkit): its own sign-in page and consent page, clicked through."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

from browser import Browser, signed_in
from harness import describe_response
from oauth_helpers import PEER_PASSWORD, PEER_USER, PROVIDER


def at_peer(b: Browser, peer) -> bool:
    return b.current_url.startswith(peer.url + "/")


def consent_at_peer(b: Browser, peer, step: str, *, expect_login: bool):
    """On the peer: sign in on its own page (when asked), then allow on its consent page; returns once the
    browser is back on Latchkey."""
    assert at_peer(b, peer), f"expected the provider's page: {b.describe()}"
    if expect_login:
        assert urlsplit(b.current_url).path.startswith("/accounts/login"), b.describe()
        b.submit(
            "form#login-form",
            "#login-submit",
            f"{step}-peer-signed-in",
            {"username": PEER_USER, "password": PEER_PASSWORD},
        )
    else:
        assert not b.exists("form#login-form"), "the peer session should still be signed in"
    assert b.exists("form#authorizationForm") and b.exists("#authorize-allow"), f"consent page expected: {b.describe()}"
    b.click("#authorize-allow", f"{step}-back", within=b.find("form#authorizationForm"))
    assert not at_peer(b, peer), f"the consent should lead back to Latchkey: {b.describe()}"


def test_oauth_connect_through_provider_login_and_consent_then_reconnect_after_revoked_grant(
    env, oauth_peer, dashboard_factory, browser_factory
):
    peer = oauth_peer
    peer.config(reset=True, access_ttl=300, rotate=True)
    peer.reset_stats()
    lk = dashboard_factory(extra_providers={PROVIDER: peer.provider_yaml()})
    admin = lk.admin
    client_id, client_secret = f"lk-dash-{uuid.uuid4().hex[:8]}", f"lk-dash-secret-{uuid.uuid4().hex}"
    redirect_uri = lk.public_url + "/oauth/callback"
    b = signed_in(browser_factory, lk)

    # --- the OAuth app, set on /settings ------------------------------------------------------------
    b.go("/settings", "settings")
    assert redirect_uri in b.html, f"/settings must show the redirect URI {redirect_uri}"
    form = f'form.oauth-app-form[data-provider="{PROVIDER}"]'
    b.submit(form, '[type="submit"]', "settings-saved", {"client_id": client_id, "client_secret": client_secret})
    assert b.path == "/settings" and "saved" in b.notice().lower(), b.describe()
    assert b.find(f'{form} input[name="client_id"]').get_attribute("value") == client_id
    assert not b.find(f'{form} input[name="client_secret"]').get_property("value")
    assert client_secret not in b.html, "the client secret is never shown again"
    peer.setup(
        client_id=client_id,
        client_secret=client_secret,
        redirect_uri=[redirect_uri],
        username=PEER_USER,
        password=PEER_PASSWORD,
    )

    # --- Connect: our form, the provider's login and consent, back with a notice -------------------------
    b.go(f"/credentials/new?provider={PROVIDER}", "connect-form")
    cform = b.find("form#credential-form")
    assert (cform.get_attribute("method") or "get").lower() == "get", cform.get_attribute("outerHTML")[:300]
    assert urlsplit(cform.get_attribute("action")).path == f"/oauth/{PROVIDER}/start"
    assert b.exists("#connect") and not b.exists('form#credential-form input[name="csrf"]')
    b.fill("form#credential-form", {"name": "alice at the peer"})
    b.click("#connect", "peer-login")
    consent_at_peer(b, peer, "connect", expect_login=True)
    assert b.path == "/credentials" and b.current_url.startswith(lk.public_url), b.describe()
    assert "Connected" in b.notice(), f"success notice expected: {b.describe()}"
    [cred] = admin.credentials()
    cid = cred["id"]
    assert cred["provider"] == PROVIDER and cred["status"] == "active", cred
    connected_name = cred["name"]  # checked at the end, so the rest of the flow runs either way
    assert b.credential_status(cid) == "active"
    assert not b.finds("a.reconnect", within=b.credential_rows()[cid]), "no Reconnect while active"
    stats = peer.stats()
    assert stats["token_requests"]["authorization_code"] == 1 and stats["token_failures"] == 0, stats

    agent = admin.agent_for({PROVIDER: cred})
    r = agent.get(PROVIDER, "me")
    assert r.status_code == 200 and r.json()["user"] == PEER_USER, describe_response(r)

    # --- the grant is revoked at the provider; a refresh finds out ---------------------------------------
    peer.revoke_grant(PEER_USER, client_id=client_id)
    r = admin.post(f"/api/v1/credentials/{cid}/refresh")
    assert r.status_code in (200, 424, 409, 400), describe_response(r)
    status = admin.get(f"/api/v1/credentials/{cid}").json()["status"]
    assert status == "needs_reauth", f"after invalid_grant: {status} ({describe_response(r)})"

    b.go("/credentials", "needs-consent")
    row = b.credential_rows()[cid]
    badge = b.find(".badge[data-status]", within=row)
    assert badge.get_attribute("data-status") == "needs_reauth", b.describe()
    assert "needs new consent" in badge.text.lower(), badge.text

    # --- Reconnect: the provider's consent again (its session is still signed in), same credential -----------
    b.click("a.reconnect", "reconnect-consent", within=row)
    consent_at_peer(b, peer, "reconnect", expect_login=False)
    assert b.path == "/credentials", b.describe()
    assert "Reconnected" in b.notice(), b.describe()
    creds = admin.credentials()
    assert [c["id"] for c in creds] == [cid], f"reconnect must keep the same credential: {creds}"
    assert creds[0]["status"] == "active", creds
    assert b.credential_status(cid) == "active" and not b.finds("a.reconnect")
    assert peer.stats()["token_requests"]["authorization_code"] == 2, peer.stats()
    r = agent.get(PROVIDER, "me")
    assert r.status_code == 200 and r.json()["user"] == PEER_USER, f"the binding works again: {describe_response(r)}"
    # The name typed into the (GET) Connect form arrives as typed: form encoding sends spaces as '+'.
    assert connected_name == "alice at the peer", (
        f"the Connect form's name was stored as {connected_name!r} ('+' in the query not decoded as a space)"
    )
