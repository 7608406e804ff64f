"""OAuth authorization-code flow against a real OAuth 2.0 server (django-oauth-toolkit peer):
SPEC §4.2 (browser flow, callback hygiene), §4.1 (import, delete/revoke), §5.1 (no secret in the clear)."""

from __future__ import annotations

import base64
import hashlib
import re
import sqlite3
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from harness import describe_response, find_leaks
from oauth_helpers import (
    PEER_PASSWORD,
    PEER_USER,
    PROVIDER,
    page_result,
    peer_token_strings,
    sha16,
    token_log,
    wait_until_expired,
)
from oauth_server.peer import consent, deny


def _tamper(location: str, **changes) -> str:
    parts = urlsplit(location)
    q = {k: v[0] for k, v in parse_qs(parts.query).items()}
    for k, v in changes.items():
        if v is None:
            q.pop(k, None)
        else:
            q[k] = v
    return urlunsplit(parts._replace(query=urlencode(q)))


# -------------------------------------------------------------------------------------------
# 1. The full flow
# -------------------------------------------------------------------------------------------


def test_code_flow_with_pkce_s256_through_consent_page_then_proxy_injects_access_token(oauth_env):
    env = oauth_env()
    peer = env.peer
    auth = env.authorize("alice at testoauth")
    q = parse_qs(urlsplit(auth["authorization_url"]).query)
    assert q["response_type"] == ["code"], q
    assert q["client_id"] == [env.client_id], q
    assert q["redirect_uri"] == [env.lk.public_url + "/oauth/callback"] == [auth["redirect_uri"]], q
    assert q["code_challenge_method"] == ["S256"], f"PKCE S256 expected in {auth['authorization_url']}"
    challenge = q["code_challenge"][0]
    assert len(base64.urlsafe_b64decode(challenge + "=")) == 32, f"S256 challenge is 32 bytes b64url: {challenge!r}"
    assert len(q["state"][0]) >= 22, q["state"]
    assert set(q["scope"][0].split(" ")) == {"read", "write"}, q["scope"]

    location = consent(auth["authorization_url"], PEER_USER, PEER_PASSWORD)
    cb = parse_qs(urlsplit(location).query)
    assert cb.get("state") == q["state"] and "code" in cb, location
    assert peer.stats()["token_requests"]["authorization_code"] == 0, "nothing exchanged before the callback"

    r = env.callback(location)
    ok, title = page_result(r)
    assert r.status_code == 200 and ok is True, describe_response(r)
    assert "no-store" in r.headers.get("Cache-Control", ""), r.headers

    # The exchange reached the peer once and succeeded; the peer requires PKCE for this client
    # (a missing or wrong code_verifier is invalid_request / invalid_grant), so Latchkey sent the verifier.
    stats = peer.stats()
    assert stats["token_requests"]["authorization_code"] == 1, stats
    assert stats["token_failures"] == 0, stats
    [exchange] = token_log(peer, "authorization_code", env.client_id)
    assert exchange["status"] == 200 and exchange["auth_method"] == "client_secret_post", exchange

    [cred] = env.admin.credentials()
    assert cred["provider"] == PROVIDER and cred["auth_mode"] == "oauth2", cred
    assert cred["status"] == "active", cred
    assert sorted(cred["scopes"]) == ["read", "write"], cred
    assert cred.get("expires_at"), cred
    assert cred["fields"].get("access_token") == "********", cred
    assert cred["fields"].get("refresh_token") in (None, "********"), cred
    assert "credential.connected" in env.audit_actions(cred["id"])

    agent = env.agent(cred)
    me_before = peer.stats()["me_requests"]
    r = agent.get(PROVIDER, "me")
    assert r.status_code == 200, describe_response(r)
    me = r.json()
    assert me["user"] == PEER_USER and me["client_id"] == env.client_id, me
    stats = peer.stats()
    assert stats["me_requests"] == me_before + 1 and stats["me_unauthorized"] == 0, stats

    r = agent.post(PROVIDER, "echo?x=1", data=b'{"hello": "world"}', headers={"Content-Type": "application/json"})
    assert r.status_code == 200 and r.content == b'{"hello": "world"}', describe_response(r)
    assert r.headers.get("X-Echo-User") == PEER_USER, dict(r.headers)
    # A fresh token is used as it is: no refresh happened.
    assert peer.stats()["token_requests"]["refresh_token"] == 0


def test_requested_scopes_narrow_the_grant_and_are_recorded(oauth_env):
    env = oauth_env()
    auth = env.authorize("read only", scopes=["read"])
    assert parse_qs(urlsplit(auth["authorization_url"]).query)["scope"] == ["read"], auth
    location = consent(auth["authorization_url"], PEER_USER, PEER_PASSWORD)
    r = env.callback(location)
    assert r.status_code == 200 and page_result(r)[0] is True, describe_response(r)
    [cred] = env.admin.credentials()
    assert cred["scopes"] == ["read"], cred
    r = env.agent(cred).get(PROVIDER, "me")
    assert r.status_code == 200 and r.json()["scope"] == "read", describe_response(r)
    r = env.admin.post(f"/api/v1/oauth/{PROVIDER}/authorize", json={"name": "bad", "scopes": ["read write"]})
    assert r.status_code == 400 and r.json()["error"]["code"] == "validation_failed", describe_response(r)


# -------------------------------------------------------------------------------------------
# 2. Callback hygiene
# -------------------------------------------------------------------------------------------


def test_replayed_callback_gets_400_page_and_stores_no_second_credential(oauth_env):
    env = oauth_env()
    auth = env.authorize("once")
    location = consent(auth["authorization_url"], PEER_USER, PEER_PASSWORD)
    r = env.callback(location)
    assert r.status_code == 200 and page_result(r)[0] is True, describe_response(r)
    exchanges = env.peer.stats()["token_requests"]["authorization_code"]

    r = env.callback(location)
    ok, title = page_result(r)
    assert r.status_code == 400 and ok is False, describe_response(r)
    assert "expired" in title or "already used" in title, title
    assert len(env.admin.credentials()) == 1, env.admin.credentials()
    assert env.peer.stats()["token_requests"]["authorization_code"] == exchanges, (
        "a replayed callback must not reach the token endpoint"
    )


def test_unknown_or_missing_state_gets_400_and_never_reaches_token_endpoint(oauth_env):
    env = oauth_env()
    auth = env.authorize("tampered")
    location = consent(auth["authorization_url"], PEER_USER, PEER_PASSWORD)
    state = parse_qs(urlsplit(location).query)["state"][0]
    flipped = ("A" if state[0] != "A" else "B") + state[1:]

    for bad, expect_title in (
        (_tamper(location, state=flipped), "expired"),
        (_tamper(location, state="x"), "expired"),
        (_tamper(location, state=None), "incomplete"),
        (_tamper(location, state=""), "incomplete"),
    ):
        r = env.callback(bad)
        ok, title = page_result(r)
        assert r.status_code == 400 and ok is False, f"{bad}: {describe_response(r)}"
        assert expect_title in title, (bad, title)
    assert env.peer.stats()["token_requests"]["authorization_code"] == 0, env.peer.stats()
    assert env.admin.credentials() == []

    # The forged callbacks did not burn the real flow: its own callback still connects.
    r = env.callback(location)
    assert r.status_code == 200 and page_result(r)[0] is True, describe_response(r)
    assert env.peer.stats()["token_requests"]["authorization_code"] == 1
    assert len(env.admin.credentials()) == 1


def test_expired_state_gets_400_and_never_reaches_token_endpoint(oauth_env):
    env = oauth_env()
    auth = env.authorize("late")
    location = consent(auth["authorization_url"], PEER_USER, PEER_PASSWORD)
    # Age the pending flow past its 10-minute lifetime in the database (cheaper than waiting).
    db = sqlite3.connect(env.lk.db_path, timeout=10)
    with db:
        n = db.execute("UPDATE oauth_states SET created_at = created_at - 700, expires_at = expires_at - 700").rowcount
    db.close()
    assert n == 1, f"expected one pending OAuth state row, updated {n}"

    r = env.callback(location)
    ok, title = page_result(r)
    assert r.status_code == 400 and ok is False, describe_response(r)
    assert env.peer.stats()["token_requests"]["authorization_code"] == 0
    assert env.admin.credentials() == []


def test_denied_consent_shows_clear_page_and_stores_nothing(oauth_env):
    env = oauth_env()
    auth = env.authorize("denied")
    location = deny(auth["authorization_url"], PEER_USER, PEER_PASSWORD)
    assert parse_qs(urlsplit(location).query).get("error") == ["access_denied"], location

    r = env.callback(location)
    ok, title = page_result(r)
    assert ok is False, describe_response(r)
    assert r.status_code in (200, 400, 403), describe_response(r)
    assert "not granted" in title.lower() or "denied" in r.text.lower(), describe_response(r)
    assert "access_denied" in r.text, "the page says what the provider reported"
    assert env.peer.stats()["token_requests"]["authorization_code"] == 0
    assert env.admin.credentials() == []
    # The state was used up by the denial: replaying the same Location is refused too.
    r = env.callback(location)
    assert r.status_code == 400 and page_result(r)[0] is False, describe_response(r)
    # The error parameter is attacker-controlled text: it is shown escaped.
    auth = env.authorize("denied again")
    location = deny(auth["authorization_url"], PEER_USER, PEER_PASSWORD)
    r = env.callback(_tamper(location, error='<img src=x onerror=alert(1)>"&'))
    assert page_result(r)[0] is False and "<img" not in r.text, describe_response(r)
    assert env.admin.credentials() == []


def test_failed_code_exchange_shows_502_page_and_stores_nothing(oauth_env):
    env = oauth_env()
    auth = env.authorize("exchange fails")
    location = consent(auth["authorization_url"], PEER_USER, PEER_PASSWORD)
    env.peer.config(
        token_error="invalid_grant",
        token_error_count=1,
        token_error_grant="authorization_code",
        token_error_description='<script>alert("x")</script> code was already redeemed',
    )
    r = env.callback(location)
    ok, title = page_result(r)
    assert r.status_code == 502 and ok is False, describe_response(r)
    assert "<script>" not in r.text, "provider text must be escaped on the page"
    assert env.peer.stats()["token_requests"]["authorization_code"] == 1
    assert env.admin.credentials() == []
    assert "credential.connected" not in env.audit_actions()


# -------------------------------------------------------------------------------------------
# 9. Reconnect
# -------------------------------------------------------------------------------------------


def test_reconnect_after_needs_reauth_keeps_credential_id_and_bindings(oauth_env):
    env = oauth_env()
    peer = env.peer
    cred = env.connect("reconnect me")
    agent = env.agent(cred)
    assert agent.get(PROVIDER, "me").status_code == 200

    peer.revoke_grant(PEER_USER, client_id=env.client_id)
    out = env.refresh_now(cred["id"])
    assert out["outcome"] == "needs_reauth", out
    assert out["credential"]["status"] == "needs_reauth", out
    r = agent.get(PROVIDER, "me")
    assert r.status_code == 424 and r.json()["error"]["code"] == "credential_needs_reauth", describe_response(r)

    # Reconnect: authorize with credential_id (the name is kept), consent, callback.
    auth = env.authorize(name=cred["name"], credential_id=cred["id"])
    location = consent(auth["authorization_url"], PEER_USER, PEER_PASSWORD)
    r = env.callback(location)
    ok, title = page_result(r)
    assert r.status_code == 200 and ok is True, describe_response(r)
    assert "reconnected" in r.text, describe_response(r)

    creds = env.admin.credentials()
    assert [c["id"] for c in creds] == [cred["id"]], f"reconnect must update, not add: {creds}"
    now = creds[0]
    assert now["status"] == "active" and now["name"] == "reconnect me", now
    r = env.admin.get(f"/api/v1/groups/{agent.group_id}/bindings")
    assert r.status_code == 200, describe_response(r)
    assert [(b["provider"], b["credential_id"]) for b in r.json()["bindings"]] == [(PROVIDER, cred["id"])], r.json()

    me_before = peer.stats()["me_requests"]
    r = agent.get(PROVIDER, "me")
    assert r.status_code == 200 and r.json()["user"] == PEER_USER, describe_response(r)
    assert peer.stats()["me_requests"] == me_before + 1
    assert not [w for w in env.warnings() if w.get("credential_id") == cred["id"]], env.warnings()
    assert "credential.reconnected" in env.audit_actions(cred["id"])


def test_reconnect_a_credential_of_another_provider_or_unknown_id_is_refused(oauth_env):
    static = (
        "name: Static key\nauth:\n  mode: api_key\n  fields:\n"
        "    - {name: api_key, label: API key, secret: true, required: true}\n"
        "proxy:\n  base_url: http://127.0.0.1:9/api\n"
        '  inject:\n    headers: {Authorization: "Bearer {{api_key}}"}\n'
    )
    env = oauth_env(extra_providers={"static-key": static})
    other = env.admin.create_credential("static-key", {"api_key": "k" * 24}, name="not oauth")
    r = env.admin.post(f"/api/v1/oauth/{PROVIDER}/authorize", json={"name": "x", "credential_id": other["id"]})
    assert r.status_code == 400 and r.json()["error"].get("field") == "credential_id", describe_response(r)
    r = env.admin.post(f"/api/v1/oauth/{PROVIDER}/authorize", json={"name": "x", "credential_id": "crd_doesnotexist"})
    assert r.status_code == 404, describe_response(r)
    # Another user's credential is as unknown as a missing one.
    cred = env.connect("alice's")
    member = env.lk.user_api("member@example.com", "member-password-0123456789")
    r = member.post(f"/api/v1/oauth/{PROVIDER}/authorize", json={"name": "steal", "credential_id": cred["id"]})
    assert r.status_code == 404, describe_response(r)
    r = member.post(f"/api/v1/credentials/{cred['id']}/refresh")
    assert r.status_code == 404, describe_response(r)
    assert env.peer.stats()["token_requests"]["refresh_token"] == 0


# -------------------------------------------------------------------------------------------
# 10. Import
# -------------------------------------------------------------------------------------------


def test_imported_tokens_are_used_and_then_refreshed_like_any_other(oauth_env):
    env = oauth_env(access_ttl=30)
    peer = env.peer
    tokens = env.direct_tokens()
    assert tokens.get("refresh_token") and tokens.get("access_token"), tokens
    r = env.admin.post(
        "/api/v1/credentials",
        json={
            "provider": PROVIDER,
            "name": "imported",
            "fields": {
                "access_token": tokens["access_token"],
                "refresh_token": tokens["refresh_token"],
                "expires_in": str(tokens["expires_in"]),
            },
        },
    )
    assert r.status_code == 201, describe_response(r)
    cred = r.json()
    assert cred["status"] == "active" and cred["fields"]["access_token"] == "********", cred
    assert cred["fields"].get("refresh_token") == "********", cred
    expires = cred.get("expires_at")
    assert expires, cred

    agent = env.agent(cred)
    r = agent.get(PROVIDER, "me")
    assert r.status_code == 200 and r.json()["user"] == PEER_USER, describe_response(r)

    out = env.refresh_now(cred["id"])
    assert out["outcome"] in ("refreshed", "joined"), out
    assert out["credential"]["status"] == "active", out
    refreshes = token_log(peer, "refresh_token", env.client_id)
    assert refreshes, "Latchkey never refreshed the imported credential"
    assert refreshes[0]["refresh_token_sha"] == sha16(tokens["refresh_token"]) and refreshes[0]["status"] == 200, (
        f"the first refresh must spend the imported refresh token: {refreshes}"
    )
    assert all(e["status"] == 200 for e in refreshes), refreshes

    r = agent.get(PROVIDER, "me")
    assert r.status_code == 200, describe_response(r)
    # The imported access token was replaced (DOT deletes it on refresh): the call used the new one.
    r = peer.http.get(peer.me_url, headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert r.status_code == 401, "the imported access token should be dead after the refresh"


def test_import_rejects_bad_expiry_and_missing_access_token(oauth_env):
    env = oauth_env()
    for fields, field in (
        ({"refresh_token": "r" * 30, "expires_in": "60"}, "fields.access_token"),
        ({"access_token": "a" * 30, "expires_in": "-5"}, "fields.expires_in"),
        ({"access_token": "a" * 30, "expires_at": "tomorrow"}, "fields.expires_at"),
    ):
        r = env.admin.post("/api/v1/credentials", json={"provider": PROVIDER, "name": "bad import", "fields": fields})
        assert r.status_code == 400, describe_response(r)
        assert r.json()["error"]["code"] == "validation_failed" and r.json()["error"].get("field") == field, r.json()
    assert env.admin.credentials() == []


# -------------------------------------------------------------------------------------------
# 11. Revocation on delete
# -------------------------------------------------------------------------------------------


def test_delete_revokes_the_grant_at_the_provider(oauth_env):
    env = oauth_env()
    peer = env.peer
    cred = env.connect("to delete")
    held = peer_token_strings(peer, env.client_id)
    assert len(held["live_refresh"]) == 1 and len(held["access"]) == 1, held
    [rt] = held["live_refresh"]
    [at] = held["access"]
    before = peer.stats()["revocations"]

    r = env.admin.delete(f"/api/v1/credentials/{cred['id']}")
    assert r.status_code == 204, describe_response(r)
    assert env.admin.get(f"/api/v1/credentials/{cred['id']}").status_code == 404
    assert peer.stats()["revocations"] >= before + 1, peer.stats()
    revs = [e for e in peer.request_log(path="/o/revoke_token/")]
    assert revs and all(e["status"] == 200 for e in revs), revs
    assert {e["token_sha"] for e in revs} & {sha16(rt), sha16(at)}, revs
    # Revoking the refresh token (RFC 7009) ends the grant; revoking only the access token would leave
    # a working refresh token behind at the provider.
    tokens = peer.tokens(username=PEER_USER, client_id=env.client_id)
    assert tokens["refresh_tokens"] == 0, f"a live refresh token is left at the provider: {tokens}, revocations {revs}"
    r = peer.token(
        {"grant_type": "refresh_token", "refresh_token": rt}, client_id=env.client_id, client_secret=env.client_secret
    )
    assert r.status_code == 400 and r.json().get("error") == "invalid_grant", f"{r.status_code} {r.text}"


# -------------------------------------------------------------------------------------------
# 13. No secret in the clear
# -------------------------------------------------------------------------------------------


def test_issued_tokens_client_secret_and_codes_never_appear_in_db_log_or_responses(oauth_env):
    env = oauth_env(access_ttl=4, extra_env={"LATCHKEY_LOG_LEVEL": "trace"})
    peer, lk = env.peer, env.lk
    seen: dict[str, set[str]] = {"access": set(), "refresh": set(), "code": set()}

    def snap():
        for k, v in peer_token_strings(peer, env.client_id).items():
            if k in seen:
                seen[k] |= v

    # Consent: grab the code from the Location before Latchkey redeems it.
    auth = env.authorize("leak check")
    aq = parse_qs(urlsplit(auth["authorization_url"]).query)
    challenge, state = aq["code_challenge"][0], aq["state"][0]
    pending = {f"pending-flow {k}": v for k, v in lk.files_on_disk().items()}  # the sealed verifier at rest
    pending_db = b"".join(v for k, v in pending.items() if "latchkey.db" in k)
    assert pending_db and state.encode() not in pending_db, "the state itself must not rest in the database"
    location = consent(auth["authorization_url"], PEER_USER, PEER_PASSWORD)
    seen["code"].add(parse_qs(urlsplit(location).query)["code"][0])
    r = env.callback(location)
    assert r.status_code == 200 and page_result(r)[0] is True, describe_response(r)
    snap()
    cred = env.admin.credentials()[0]
    agent = env.agent(cred)
    assert agent.get(PROVIDER, "me").status_code == 200

    # A refresh before use (expired), a forced refresh, and one after an upstream 401.
    wait_until_expired(cred)
    assert agent.get(PROVIDER, "me").status_code == 200
    snap()
    assert env.refresh_now(cred["id"])["outcome"] == "refreshed"
    snap()
    peer.expire_access_tokens(client_id=env.client_id)
    assert agent.post(PROVIDER, "echo", json={"a": 1}).status_code == 200
    snap()
    # An import of tokens obtained elsewhere, used once.
    direct = env.direct_tokens()
    imported = env.admin.create_credential(
        PROVIDER,
        {
            "access_token": direct["access_token"],
            "refresh_token": direct["refresh_token"],
            "expires_in": str(direct["expires_in"]),
        },
        name="imported",
    )
    assert env.agent(imported).get(PROVIDER, "me").status_code == 200
    snap()
    assert peer.stats()["token_failures"] == 0, peer.stats()

    # Everything a user or operator can read.
    for path in (
        "/api/v1/credentials",
        f"/api/v1/credentials/{cred['id']}",
        f"/api/v1/credentials/{imported['id']}",
        "/api/v1/warnings",
        "/api/v1/audit",
        "/api/v1/providers/" + PROVIDER,
    ):
        assert env.admin.get(path).status_code == 200, path
    m = env.admin.get("/metrics", auth=False)
    assert m.status_code == 200
    env.refresh_cli("--within", "1h")
    lk.stop()  # flush the log; the WAL stays as it is

    secrets = {"client secret": env.client_secret}
    for kind, values in seen.items():
        for i, v in enumerate(sorted(values)):
            secrets[f"{kind} #{i}"] = v
    assert len(seen["access"]) >= 4 and len(seen["refresh"]) >= 4, {k: len(v) for k, v in seen.items()}
    haystacks = dict(lk.files_on_disk())
    haystacks.pop("master.key", None)
    for i, c in enumerate(lk.captured + lk.cli_outputs):
        haystacks[f"{c.what} [{i}]"] = c.body
    assert any(name.endswith("latchkey.db") for name in haystacks), sorted(haystacks)
    haystacks.update(pending)
    leaks = find_leaks(haystacks, secrets)
    assert not leaks, "secrets in the clear:\n" + "\n".join(leaks[:20])
    # The PKCE verifier is never shown to us; find it by its S256 challenge in any 43-character window.
    verifier_hits = [name for name, hay in haystacks.items() if _holds_verifier(hay, challenge)]
    assert not verifier_hits, f"the PKCE code_verifier is in the clear in {verifier_hits}"


def _holds_verifier(hay: bytes, challenge: str) -> bool:
    want = base64.urlsafe_b64decode(challenge + "=")
    for m in re.finditer(rb"[A-Za-z0-9_-]{43,}", hay):
        run = m.group(0)
        for i in range(len(run) - 42):
            if hashlib.sha256(run[i : i + 43]).digest() == want:
                return True
    return False
