"""Small trust holes, each kept as the attack that found it (issue 13, items 6, 7 and 10): redirects after
sign-in, forced sign-out, client-credentials minting by members, 401 floods forcing refreshes, the access
cache emptied by strangers, spoofed X-Forwarded-For, sign-in floods, and /metrics."""

from __future__ import annotations

import http.server
import re
import sqlite3
import threading
from urllib.parse import quote

import pytest
import requests

from harness import Latchkey, describe_response, signed_in_browser
from oauth_helpers import PROVIDER, refresh_count

KEY = "k" * 40


def _login_page(lk: Latchkey, next_value: str) -> tuple[requests.Session, str, str]:
    s = requests.Session()
    r = s.get(lk.url("/login?next=" + quote(next_value, safe="")), timeout=30)
    csrf = re.search(r'name="csrf" value="([^"]+)"', r.text)
    hidden = re.search(r'name="next" value="([^"]*)"', r.text)
    assert r.status_code == 200 and csrf and hidden, describe_response(r)
    return s, csrf.group(1), hidden.group(1)


@pytest.mark.parametrize(
    "next_value",
    [
        "/\t/evil.example",
        "/\n/evil.example",
        "/\r/evil.example",
        "//evil.example",
        "/\\evil.example",
        "\\/evil.example",
        "https://evil.example/",
        " /evil.example",
        "/ /evil.example",
        "javascript:alert(1)",
        "/\u3000/evil.example",
        "",
    ],
)
def test_next_after_sign_in_stays_on_this_site(latchkey, next_value):
    latchkey.admin  # creates the admin user
    s, csrf, hidden = _login_page(latchkey, next_value)
    assert "evil" not in hidden and "javascript" not in hidden, f"rendered next={hidden!r}"
    r = s.post(
        latchkey.url("/login"),
        data={"csrf": csrf, "email": Latchkey.ADMIN_EMAIL, "password": Latchkey.ADMIN_PASSWORD, "next": next_value},
        allow_redirects=False,
        timeout=60,
    )
    assert r.status_code == 303 and r.headers["Location"] == "/credentials", (
        f"next={next_value!r}: {describe_response(r)}"
    )
    # Signed in already: the GET /login shortcut applies the same rule.
    r = s.get(latchkey.url("/login?next=" + quote(next_value, safe="")), allow_redirects=False, timeout=30)
    assert r.headers.get("Location") == "/credentials", f"next={next_value!r}: {describe_response(r)}"


def test_next_after_sign_in_keeps_a_local_path(latchkey):
    latchkey.admin
    s, csrf, hidden = _login_page(latchkey, "/groups?x=1")
    assert hidden == "/groups?x=1"
    r = s.post(
        latchkey.url("/login"),
        data={"csrf": csrf, "email": Latchkey.ADMIN_EMAIL, "password": Latchkey.ADMIN_PASSWORD, "next": "/groups?x=1"},
        allow_redirects=False,
        timeout=60,
    )
    assert r.status_code == 303 and r.headers["Location"] == "/groups?x=1", describe_response(r)


def test_sign_out_without_the_csrf_token_changes_nothing(latchkey):
    latchkey.admin
    browser = signed_in_browser(latchkey, Latchkey.ADMIN_EMAIL, Latchkey.ADMIN_PASSWORD)
    forged = browser.post(
        latchkey.url("/logout"),
        data={"from": "evil"},
        allow_redirects=False,
        timeout=30,
        headers={"Origin": "https://evil.example"},
    )
    assert forged.status_code == 403, describe_response(forged)
    assert "lk_session" not in forged.headers.get("Set-Cookie", ""), "the session cookie must not be cleared"
    still = browser.get(latchkey.url("/credentials"), allow_redirects=False, timeout=30)
    assert still.status_code == 200, f"the session must survive a forged sign-out: {describe_response(still)}"
    # With the page's token it works.
    page = browser.get(latchkey.url("/credentials"), timeout=30).text
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    out = browser.post(latchkey.url("/logout"), data={"csrf": token}, allow_redirects=False, timeout=30)
    assert out.status_code == 303 and browser.get(
        latchkey.url("/credentials"), allow_redirects=False, timeout=30
    ).status_code in (302, 303)


def test_a_member_cannot_mint_client_credentials_tokens_with_the_deployments_app(oauth_env, oauth_peer):
    env = oauth_env(extra_providers={"testcc": oauth_peer.provider_cc_yaml()})
    r = env.admin.put(
        "/api/v1/oauth-apps/testcc", json={"client_id": env.client_id, "client_secret": env.client_secret}
    )
    assert r.status_code == 200, describe_response(r)
    before = env.peer.stats()["token_requests"].get("client_credentials", 0)
    member = env.lk.user_api("member@example.com", "member-password-0123456789")
    r = member.post("/api/v1/credentials", json={"provider": "testcc", "name": "mine now", "fields": {}})
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden", describe_response(r)
    assert member.credentials() == []
    assert env.peer.stats()["token_requests"].get("client_credentials", 0) == before, (
        "no token may be minted for a member"
    )


class _Always401(http.server.BaseHTTPRequestHandler):
    calls = 0

    def do_GET(self):  # noqa: N802
        type(self).calls += 1
        body = b'{"error":"invalid_token"}'
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_ten_upstream_401s_in_a_row_cause_one_refresh(oauth_env, request):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Always401)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    request.addfinalizer(server.shutdown)
    env = oauth_env(provider_kw={"proxy_extra": {"base_url": f"http://127.0.0.1:{server.server_port}/api"}})
    cred = env.connect("always refused upstream")
    agent = env.agent(cred)
    before = refresh_count(env.peer)
    statuses = [agent.get(PROVIDER, "me").status_code for _ in range(10)]
    assert statuses == [401] * 10, statuses
    assert refresh_count(env.peer) - before == 1, "a 401 forces at most one refresh per credential per 30 s"


def test_reads_and_strangers_do_not_empty_the_access_cache_but_writes_do(latchkey_factory, upstream):
    lk = latchkey_factory(extra_env={"LATCHKEY_ACCESS_CACHE_MS": "60000"})
    admin = lk.admin
    cred = admin.create_credential("echo", {"api_key": KEY})
    agent = admin.agent_for({"echo": cred})
    assert agent.get("echo", "x").status_code == 200
    # Behind the server's back, the binding goes: only the cache still knows it.
    with sqlite3.connect(lk.db_path) as db:
        db.execute("DELETE FROM bindings WHERE group_id = ?", (agent.group_id,))
    assert agent.get("echo", "x").status_code == 200, "served from the access cache"
    # A stranger's request, an unauthenticated write and an authenticated read leave the cache alone.
    requests.post(lk.url("/api/v1/groups"), json={"name": "x"}, timeout=30)
    requests.post(lk.url("/login"), data={"email": "a@b.c", "password": "x"}, timeout=30)
    requests.get(lk.url("/credentials"), timeout=30)
    admin.get("/api/v1/groups")
    admin.get(f"/api/v1/groups/{agent.group_id}/bindings")
    assert agent.get("echo", "x").status_code == 200, "no read and no stranger may cost the proxy its cache"
    # A successful write that changes what keys resolve to empties it.
    other = admin.create_group()
    admin.bind(other["id"], "echo", cred["id"])
    r = agent.get("echo", "x")
    assert r.status_code == 424 and r.json()["error"]["code"] == "credential_missing", describe_response(r)


def _fail_sign_in(lk: Latchkey, email: str, headers: dict) -> int:
    s = requests.Session()
    page = s.get(lk.url("/login"), timeout=30).text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    return s.post(
        lk.url("/login"),
        data={"csrf": csrf, "email": email, "password": "not-the-password-x", "next": "/"},
        headers=headers,
        allow_redirects=False,
        timeout=60,
    ).status_code


def test_a_flood_of_failed_sign_ins_with_spoofed_forwarded_for_neither_locks_out_the_user_nor_slows_the_proxy(
    latchkey_factory, upstream
):
    lk = latchkey_factory()
    admin = lk.admin
    agent = admin.agent_for({"echo": admin.create_credential("echo", {"api_key": KEY})})
    statuses = [_fail_sign_in(lk, Latchkey.ADMIN_EMAIL, {"X-Forwarded-For": f"198.51.100.{i}"}) for i in range(12)]
    # X-Forwarded-For from an untrusted peer is ignored: the flood is one client, delayed after 5 failures.
    assert statuses[:5] == [401] * 5 and set(statuses[5:]) == {429}, statuses
    # The proxy keeps answering meanwhile.
    assert all(agent.get("echo", "x").status_code == 200 for _ in range(5))
    # The real user, from another address, is not locked out. (Loopback has many addresses: 127.0.0.2 is another
    # client.)
    s = requests.Session()
    s.mount("http://", _SourceAddressAdapter("127.0.0.2"))
    page = s.get(lk.url("/login"), timeout=30).text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    r = s.post(
        lk.url("/login"),
        data={"csrf": csrf, "email": Latchkey.ADMIN_EMAIL, "password": Latchkey.ADMIN_PASSWORD, "next": "/"},
        allow_redirects=False,
        timeout=60,
    )
    assert r.status_code == 303 and "lk_session" in s.cookies, describe_response(r)
    # The activity log holds a few rows for the flood, not one per try.
    events = [e for e in admin.get("/api/v1/audit").json()["events"] if e["action"] == "user.sign_in_failed"]
    assert 1 <= len(events) <= 3 and {e["actor"] for e in events} == {"client:127.0.0.1"}, events


def test_forwarded_for_is_believed_from_a_trusted_proxy_only(latchkey_factory, upstream):
    lk = latchkey_factory(extra_env={"LATCHKEY_TRUSTED_PROXIES": "127.0.0.1/32"})
    admin = lk.admin
    # Through the trusted proxy, each forwarded client is its own: five failures each, none locked.
    for client in ("203.0.113.7", "203.0.113.8"):
        statuses = [
            _fail_sign_in(lk, Latchkey.ADMIN_EMAIL, {"X-Forwarded-For": f"6.6.6.6, {client}"}) for _ in range(5)
        ]
        assert statuses == [401] * 5, (client, statuses)
    events = [e for e in admin.get("/api/v1/audit").json()["events"] if e["action"] == "user.sign_in_failed"]
    # The rightmost untrusted hop is the client; what the client wrote to its left is ignored.
    assert {e["actor"] for e in events} == {"client:203.0.113.7", "client:203.0.113.8"}, events


def test_metrics_answer_loopback_by_default_and_want_the_token_when_one_is_set(latchkey_factory):
    lk = latchkey_factory()
    assert requests.get(lk.url("/metrics"), timeout=30).status_code == 200
    token = "metrics-token-" + "x" * 20
    guarded = latchkey_factory(extra_env={"LATCHKEY_METRICS_TOKEN": token})
    r = requests.get(guarded.url("/metrics"), timeout=30)
    assert r.status_code == 401 and "latchkey" not in r.text.split("error")[0], describe_response(r)
    assert (
        requests.get(
            guarded.url("/metrics"), headers={"Authorization": "Bearer wrong-" + token}, timeout=30
        ).status_code
        == 401
    )
    ok = requests.get(guarded.url("/metrics"), headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert ok.status_code == 200 and "# TYPE" in ok.text, describe_response(ok)
    assert token not in ok.text


def test_metrics_refuse_a_forwarded_client_without_a_token(latchkey_factory):
    lk = latchkey_factory(extra_env={"LATCHKEY_TRUSTED_PROXIES": "127.0.0.1"})
    r = requests.get(lk.url("/metrics"), headers={"X-Forwarded-For": "203.0.113.50"}, timeout=30)
    assert r.status_code == 403, describe_response(r)


class _SourceAddressAdapter(requests.adapters.HTTPAdapter):
    """Connects from a given local address (another loopback address is another client)."""

    def __init__(self, source: str):
        self.source = source
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.source, 0)
        super().init_poolmanager(*args, **kwargs)
