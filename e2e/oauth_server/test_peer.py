"""The OAuth test peer on its own (no Latchkey): DOT behaviour the Latchkey e2e tests rely on.

python3 -m pytest e2e/oauth_server -q          # deselect elsewhere with -m 'not peer'
"""

from __future__ import annotations

import concurrent.futures
import itertools
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from oauth_server.peer import ConsentError, OAuthPeer, consent, deny, pkce_pair, provider_cc_yaml, provider_yaml

pytestmark = pytest.mark.peer

REDIRECT = "http://127.0.0.1:9/callback"  # never contacted: the Location is returned, not followed
PASSWORD = "correct horse battery staple"
_ids = itertools.count(1)


@pytest.fixture(autouse=True)
def _fresh_config(oauth_peer):
    oauth_peer.config(reset=True)
    yield
    oauth_peer.config(reset=True)


@pytest.fixture
def app(oauth_peer):
    """A fresh confidential authorization-code client and user for each test."""
    n = next(_ids)
    a = {
        "client_id": f"code-client-{n}",
        "client_secret": f"secret-{n}-{'x' * 20}",
        "username": f"user{n}",
        "password": PASSWORD,
    }
    oauth_peer.setup(redirect_uri=REDIRECT, **a)
    return a


def _query(location: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def authorize(peer, app, *, state="st-1", pkce=True, session=None):
    verifier, challenge = pkce_pair()
    url = peer.authorize_url(app["client_id"], REDIRECT, state=state, code_challenge=challenge if pkce else None)
    location = consent(url, app["username"], app["password"], session=session)
    assert location.startswith(REDIRECT + "?"), location
    q = _query(location)
    return q, verifier


def exchange(peer, app, code, verifier, auth="client_secret_post"):
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    if verifier is not None:
        data["code_verifier"] = verifier
    return peer.token(data, client_id=app["client_id"], client_secret=app["client_secret"], auth=auth)


def login_tokens(peer, app, session=None) -> dict:
    q, verifier = authorize(peer, app, session=session)
    r = exchange(peer, app, q["code"], verifier)
    assert r.status_code == 200, r.text
    return r.json()


def refresh(peer, app, refresh_token, auth="client_secret_post", timeout=30):
    return peer.token(
        {"grant_type": "refresh_token", "refresh_token": refresh_token},
        client_id=app["client_id"],
        client_secret=app["client_secret"],
        auth=auth,
        timeout=timeout,
    )


def me(peer, access_token):
    return requests.get(peer.me_url, headers={"Authorization": f"Bearer {access_token}"}, timeout=30)


# ---------------------------------------------------------------------------------------


def test_code_flow_with_pkce_s256(oauth_peer, app):
    q, verifier = authorize(oauth_peer, app, state="abc123")
    assert q["state"] == "abc123" and q["code"]

    wrong = exchange(oauth_peer, app, q["code"], pkce_pair()[0])
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant", wrong.text
    missing = exchange(oauth_peer, app, q["code"], None)
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request", missing.text

    ok = exchange(oauth_peer, app, q["code"], verifier)  # a failed attempt does not burn the code
    assert ok.status_code == 200, ok.text
    tok = ok.json()
    assert tok["token_type"] == "Bearer" and tok["expires_in"] == 30
    assert tok["scope"] == "read write" and tok["access_token"] and tok["refresh_token"]
    assert ok.headers["Cache-Control"] == "no-store"

    r = me(oauth_peer, tok["access_token"])
    assert r.status_code == 200 and r.json()["user"] == app["username"]
    assert r.json()["scope"] == "read write"

    replay = exchange(oauth_peer, app, q["code"], verifier)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"


def test_pkce_is_required_and_s256_only(oauth_peer, app):
    url = oauth_peer.authorize_url(app["client_id"], REDIRECT, state="s")
    q = _query(consent(url, app["username"], app["password"]))
    assert q["error"] == "invalid_request" and q["state"] == "s" and "code" not in q

    verifier = "v" * 50
    url = oauth_peer.authorize_url(
        app["client_id"], REDIRECT, state="s", code_challenge=verifier, code_challenge_method="plain"
    )
    q = _query(consent(url, app["username"], app["password"]))
    assert q["error"] == "invalid_request" and "code" not in q

    # pkce_required=false: a client without PKCE gets a code
    oauth_peer.setup(client_id=app["client_id"], pkce_required=False)
    q, _ = authorize(oauth_peer, app, pkce=False)
    assert exchange(oauth_peer, app, q["code"], None).status_code == 200
    oauth_peer.setup(client_id=app["client_id"], pkce_required=True)


def test_client_secret_basic_and_bad_secret(oauth_peer, app):
    q, verifier = authorize(oauth_peer, app)
    bad = oauth_peer.token(
        {"grant_type": "authorization_code", "code": q["code"], "redirect_uri": REDIRECT, "code_verifier": verifier},
        client_id=app["client_id"],
        client_secret="nope",
        auth="client_secret_basic",
    )
    assert bad.status_code == 401 and bad.json()["error"] == "invalid_client"
    ok = exchange(oauth_peer, app, q["code"], verifier, auth="client_secret_basic")
    assert ok.status_code == 200, ok.text
    r = refresh(oauth_peer, app, ok.json()["refresh_token"], auth="client_secret_basic")
    assert r.status_code == 200, r.text


def test_deny(oauth_peer, app):
    verifier, challenge = pkce_pair()
    url = oauth_peer.authorize_url(app["client_id"], REDIRECT, state="deny-me", code_challenge=challenge)
    q = _query(deny(url, app["username"], app["password"]))
    assert q == {"error": "access_denied", "state": "deny-me"}


def test_bad_login_and_bad_redirect_uri(oauth_peer, app):
    verifier, challenge = pkce_pair()
    url = oauth_peer.authorize_url(app["client_id"], REDIRECT, state="x", code_challenge=challenge)
    with pytest.raises(ConsentError, match="login"):
        consent(url, app["username"], "wrong password")
    url = oauth_peer.authorize_url(app["client_id"], "http://evil.example/cb", state="x", code_challenge=challenge)
    with pytest.raises(ConsentError):
        consent(url, app["username"], app["password"])


def test_refresh_rotation(oauth_peer, app):
    tok = login_tokens(oauth_peer, app)
    r = refresh(oauth_peer, app, tok["refresh_token"])
    assert r.status_code == 200, r.text
    new = r.json()
    assert new["refresh_token"] != tok["refresh_token"]
    assert new["access_token"] != tok["access_token"] and new["expires_in"] == 30

    old = refresh(oauth_peer, app, tok["refresh_token"])
    assert old.status_code == 400 and old.json()["error"] == "invalid_grant", old.text
    # DOT drops the previous access token when its refresh token is used
    assert me(oauth_peer, tok["access_token"]).status_code == 401
    assert me(oauth_peer, new["access_token"]).status_code == 200

    again = refresh(oauth_peer, app, new["refresh_token"])
    assert again.status_code == 200, again.text


def test_no_rotation(oauth_peer, app):
    oauth_peer.config(rotate=False)
    tok = login_tokens(oauth_peer, app)
    first = refresh(oauth_peer, app, tok["refresh_token"])
    second = refresh(oauth_peer, app, tok["refresh_token"])
    assert first.status_code == 200 and second.status_code == 200, (first.text, second.text)
    assert first.json()["refresh_token"] == tok["refresh_token"] == second.json()["refresh_token"]
    assert me(oauth_peer, second.json()["access_token"]).status_code == 200


def test_revoke_grant(oauth_peer, app):
    tok = login_tokens(oauth_peer, app)
    assert me(oauth_peer, tok["access_token"]).status_code == 200
    result = oauth_peer.revoke_grant(app["username"])
    assert result["refresh_tokens_revoked"] == 1 and result["access_tokens_revoked"] == 1
    r = refresh(oauth_peer, app, tok["refresh_token"])
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant", r.text
    r = me(oauth_peer, tok["access_token"])
    assert r.status_code == 401 and r.json()["error"] == "invalid_token"
    assert r.headers["WWW-Authenticate"].startswith("Bearer ")
    assert oauth_peer.tokens(username=app["username"])["refresh_tokens"] == 0


def test_revocation_endpoint(oauth_peer, app):
    tok = login_tokens(oauth_peer, app)
    oauth_peer.reset_stats()
    r = requests.post(
        oauth_peer.revocation_url,
        data={
            "token": tok["refresh_token"],
            "token_type_hint": "refresh_token",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
        },
        timeout=30,
    )
    assert r.status_code == 200, r.text
    assert refresh(oauth_peer, app, tok["refresh_token"]).json()["error"] == "invalid_grant"
    assert me(oauth_peer, tok["access_token"]).status_code == 401
    assert oauth_peer.stats()["revocations"] == 1
    (entry,) = oauth_peer.request_log("/o/revoke_token/")
    assert entry["auth_method"] == "client_secret_post" and entry["token_type_hint"] == "refresh_token"


def test_expire_access_tokens(oauth_peer, app):
    tok = login_tokens(oauth_peer, app)
    assert oauth_peer.expire_access_tokens(username=app["username"])["expired"] == 1
    r = me(oauth_peer, tok["access_token"])
    assert r.status_code == 401 and "expired" in r.json()["error_description"]
    r = refresh(oauth_peer, app, tok["refresh_token"])  # the refresh token still works
    assert r.status_code == 200, r.text
    assert me(oauth_peer, r.json()["access_token"]).status_code == 200


def test_access_ttl_at_runtime(oauth_peer, app):
    oauth_peer.config(access_ttl=2)
    tok = login_tokens(oauth_peer, app)
    assert tok["expires_in"] == 2
    assert me(oauth_peer, tok["access_token"]).status_code == 200
    time.sleep(2.3)
    assert me(oauth_peer, tok["access_token"]).status_code == 401
    oauth_peer.config(access_ttl=45)
    assert refresh(oauth_peer, app, tok["refresh_token"]).json()["expires_in"] == 45


def test_token_delay(oauth_peer, app):
    tok = login_tokens(oauth_peer, app)
    oauth_peer.config(token_delay_ms=800)
    t = time.monotonic()
    r = refresh(oauth_peer, app, tok["refresh_token"])
    assert r.status_code == 200 and time.monotonic() - t >= 0.8
    given_up = r.json()["refresh_token"]
    with pytest.raises(requests.Timeout):  # a client that gives up early...
        refresh(oauth_peer, app, given_up, timeout=0.3)
    time.sleep(0.8)  # ...still gets its refresh token rotated once the delay is over
    assert refresh(oauth_peer, app, given_up).json()["error"] == "invalid_grant"
    oauth_peer.config(token_delay_ms=0)
    t = time.monotonic()
    me(oauth_peer, r.json()["access_token"])
    assert time.monotonic() - t < 0.5


def test_token_delay_after_processing(oauth_peer, app):
    tok = login_tokens(oauth_peer, app)
    oauth_peer.config(token_delay_ms=600, token_delay_phase="after")
    with pytest.raises(requests.Timeout):  # the response is lost, the rotation happened
        refresh(oauth_peer, app, tok["refresh_token"], timeout=0.3)
    oauth_peer.config(token_delay_ms=0)
    assert refresh(oauth_peer, app, tok["refresh_token"]).json()["error"] == "invalid_grant"
    time.sleep(0.5)
    entries = [
        e for e in oauth_peer.request_log("/o/token/") if e["refresh_token_sha"] and e["grant_type"] == "refresh_token"
    ][-2:]
    assert sorted(e["status"] for e in entries) == [200, 400]
    assert [e["duration_ms"] >= 600 for e in entries if e["status"] == 200] == [True]


def test_token_error_injection_then_recovery(oauth_peer, app):
    tok = login_tokens(oauth_peer, app)
    oauth_peer.reset_stats()
    oauth_peer.config(token_error="server_error", token_error_count=2)
    for _ in range(2):
        r = refresh(oauth_peer, app, tok["refresh_token"])
        assert r.status_code == 503 and r.json()["error"] == "server_error"
    r = refresh(oauth_peer, app, tok["refresh_token"])  # the refresh token was never consumed
    assert r.status_code == 200, r.text
    tok = r.json()

    oauth_peer.config(token_error="invalid_grant")  # count defaults to 1
    r = refresh(oauth_peer, app, tok["refresh_token"])
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    assert oauth_peer.get_config()["token_error"] is None
    assert refresh(oauth_peer, app, tok["refresh_token"]).status_code == 200

    oauth_peer.config(token_error="temporarily_unavailable", token_error_grant="client_credentials")
    assert login_tokens(oauth_peer, app)  # other grants are not affected

    s = oauth_peer.stats()
    assert s["token_requests"]["refresh_token"] == 5
    assert s["token_failures"] == 3 and s["token_injected_errors"] == 3
    log = oauth_peer.request_log("/o/token/")
    assert [e["injected"] for e in log if e["grant_type"] == "refresh_token"] == [True, True, False, True, False]


def test_client_credentials(oauth_peer):
    oauth_peer.setup(client_id="cc-client", client_secret="cc-secret", grant="client-credentials")
    for auth in ("client_secret_basic", "client_secret_post"):
        r = oauth_peer.token(
            {"grant_type": "client_credentials", "scope": "read"},
            client_id="cc-client",
            client_secret="cc-secret",
            auth=auth,
        )
        assert r.status_code == 200, r.text
        tok = r.json()
        assert "refresh_token" not in tok and tok["expires_in"] == 30 and tok["scope"] == "read"
        body = me(oauth_peer, tok["access_token"]).json()
        assert body["user"] is None and body["client_id"] == "cc-client"
    r = oauth_peer.token({"grant_type": "client_credentials"}, client_id="cc-client", client_secret="wrong")
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"
    # an authorization-code client may not use client_credentials
    oauth_peer.setup(client_id="code-only", client_secret="x" * 10, redirect_uri=REDIRECT)
    r = oauth_peer.token({"grant_type": "client_credentials"}, client_id="code-only", client_secret="x" * 10)
    assert r.status_code == 400 and r.json()["error"] == "unauthorized_client"


def test_stats(oauth_peer, app):
    oauth_peer.reset_stats()
    tok = login_tokens(oauth_peer, app)
    refresh(oauth_peer, app, tok["refresh_token"])
    refresh(oauth_peer, app, tok["refresh_token"])  # rotated: fails
    oauth_peer.token(
        {"grant_type": "password", "username": "u", "password": "p"},
        client_id=app["client_id"],
        client_secret=app["client_secret"],
        auth="client_secret_basic",
    )
    me(oauth_peer, "garbage")
    requests.get(oauth_peer.me_url, timeout=30)
    s = oauth_peer.stats()
    assert s["token_requests"] == {"authorization_code": 1, "refresh_token": 2, "client_credentials": 0, "other": 1}
    assert s["token_auth_methods"] == {"client_secret_basic": 1, "client_secret_post": 3, "none": 0}
    assert s["token_failures"] == 2
    assert s["me_requests"] == 2 and s["me_unauthorized"] == 2
    assert s["revocations"] == 0
    assert oauth_peer.reset_stats()["token_requests"]["authorization_code"] == 0
    assert oauth_peer.request_log() == []


def test_echo(oauth_peer, app):
    tok = login_tokens(oauth_peer, app)
    body = b'{"hello": "world", "n": [1, 2, 3]}'
    r = requests.post(
        oauth_peer.echo_url,
        data=body,
        timeout=30,
        headers={"Authorization": f"Bearer {tok['access_token']}", "Content-Type": "application/json"},
    )
    assert r.status_code == 200 and r.content == body
    assert r.headers["Content-Type"] == "application/json"
    assert r.headers["X-Echo-User"] == app["username"]
    r = requests.post(oauth_peer.echo_url, data=body, headers={"Content-Type": "application/json"}, timeout=30)
    assert r.status_code == 401
    s = oauth_peer.stats()
    assert s["echo_requests"] >= 2 and s["echo_unauthorized"] >= 1
    assert oauth_peer.request_log("/api/echo")[-1]["body_length"] == len(body)


def test_concurrent_refreshes_with_distinct_tokens(oauth_peer, app):
    session = requests.Session()  # logged in once, then 40 consents
    tokens = [login_tokens(oauth_peer, app, session=session)["refresh_token"] for _ in range(40)]
    oauth_peer.reset_stats()
    oauth_peer.config(token_delay_ms=1000)  # every request holds a worker for 1 s
    t = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(len(tokens)) as pool:
        results = list(pool.map(lambda rt: refresh(oauth_peer, app, rt, timeout=20), tokens))
    elapsed = time.monotonic() - t
    assert [r.status_code for r in results] == [200] * 40, [r.text for r in results if r.status_code != 200]
    assert len({r.json()["refresh_token"] for r in results}) == 40
    assert elapsed < 8, f"40 delayed refreshes took {elapsed:.1f}s: the server serialises them"
    assert oauth_peer.stats()["token_requests"]["refresh_token"] == 40


def test_concurrent_refreshes_with_one_token(oauth_peer, app):
    """The same refresh token sent 12 times at once: exactly one wins, the others get invalid_grant."""
    tok = login_tokens(oauth_peer, app)
    oauth_peer.config(token_delay_ms=300)
    with concurrent.futures.ThreadPoolExecutor(12) as pool:
        results = list(pool.map(lambda _: refresh(oauth_peer, app, tok["refresh_token"]), range(12)))
    codes = sorted(r.status_code for r in results)
    assert codes == [200] + [400] * 11, [r.text for r in results]
    assert all(r.json()["error"] == "invalid_grant" for r in results if r.status_code == 400)


def test_reuse_protection_knob(oauth_peer, app):
    oauth_peer.config(reuse_protection=True)
    tok = login_tokens(oauth_peer, app)
    new = refresh(oauth_peer, app, tok["refresh_token"]).json()
    assert refresh(oauth_peer, app, tok["refresh_token"]).json()["error"] == "invalid_grant"  # replay
    # ...revoked the whole family, including the newest refresh token and its access token
    assert refresh(oauth_peer, app, new["refresh_token"]).json()["error"] == "invalid_grant"
    assert me(oauth_peer, new["access_token"]).status_code == 401


def test_grace_period_knob(oauth_peer, app):
    oauth_peer.config(refresh_grace_seconds=30)
    tok = login_tokens(oauth_peer, app)
    a = refresh(oauth_peer, app, tok["refresh_token"]).json()
    b = refresh(oauth_peer, app, tok["refresh_token"])  # a retry within the grace period
    assert b.status_code == 200 and b.json()["refresh_token"] == a["refresh_token"]


def test_control_api_rejects_bad_input(oauth_peer):
    r = requests.post(f"{oauth_peer.url}/testing/config", json={"no_such_knob": 1}, timeout=30)
    assert r.status_code == 400
    r = requests.post(f"{oauth_peer.url}/testing/config", json={"rotate": "yes"}, timeout=30)
    assert r.status_code == 400
    r = requests.post(f"{oauth_peer.url}/testing/setup", data="not json", timeout=30)
    assert r.status_code == 400


def test_metadata_and_provider_yaml(oauth_peer):
    yaml = pytest.importorskip("yaml")
    md = requests.get(f"{oauth_peer.url}/.well-known/oauth-authorization-server", timeout=30).json()
    assert md["issuer"] == oauth_peer.issuer
    assert md["token_endpoint"] == oauth_peer.token_url
    assert md["authorization_endpoint"] == oauth_peer.authorization_url
    assert md["revocation_endpoint"] == oauth_peer.revocation_url

    doc = yaml.safe_load(oauth_peer.provider_yaml())
    assert doc == {
        "name": "Test OAuth server",
        "auth": {
            "mode": "oauth2",
            "authorization_url": oauth_peer.authorization_url,
            "token_url": oauth_peer.token_url,
            "revocation_url": oauth_peer.revocation_url,
            "scopes": ["read", "write"],
            "scope_separator": " ",
            "pkce": True,
            "token_endpoint_auth": "client_secret_post",
        },
        "proxy": {"base_url": oauth_peer.api_base_url},
    }
    cc = yaml.safe_load(
        provider_cc_yaml(
            oauth_peer.url, token_endpoint_auth="client_secret_basic", auth_extra={"default_token_ttl": 30}
        )
    )
    assert cc["auth"]["mode"] == "oauth2_client_credentials" and "authorization_url" not in cc["auth"]
    assert cc["auth"]["token_endpoint_auth"] == "client_secret_basic"
    assert cc["auth"]["default_token_ttl"] == 30
    assert yaml.safe_load(provider_yaml("http://h:1", name="a: b #c"))["name"] == "a: b #c"


def test_restart_keeps_database_and_knobs(tmp_path):
    with OAuthPeer(data_dir=tmp_path / "p") as peer:
        peer.setup(client_id="keep", client_secret="keep-secret", grant="client-credentials", access_ttl=77)
        port = peer.port
    t = time.monotonic()
    with OAuthPeer(port=port, data_dir=tmp_path / "p") as peer:
        assert time.monotonic() - t < 15
        r = peer.token({"grant_type": "client_credentials"}, client_id="keep", client_secret="keep-secret")
        assert r.status_code == 200 and r.json()["expires_in"] == 77
