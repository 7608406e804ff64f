"""Several `latchkey serve` processes and `latchkey refresh` (cron) on one PostgreSQL database, against
the real OAuth server (django-oauth-toolkit, rotating refresh tokens): issue 5, SPEC §3 and §5.3.

Each test gets an empty database on the throwaway PostgreSQL server that scripts/test.sh starts."""

from __future__ import annotations

import json
import os
import re
import signal
import threading
import time

import requests

from harness import REPO_ROOT, Api, Latchkey, describe_response, wait_until
from oauth_helpers import (
    PEER_PASSWORD,
    PEER_USER,
    PROVIDER,
    bare_get,
    page_result,
    peer_token_strings,
    refresh_count,
    run_together,
    summary,
    failures,
    wait_until_expired,
)
from mcp_client import MCPAgent, text_of
from postgres_helpers import query

LEASE = 60  # Refresher's lease, seconds


def _cluster(oauth_env, pg_url, n: int = 3, access_ttl: int = 30, extra_env=None):
    env = oauth_env(access_ttl=access_ttl, extra_env={"LATCHKEY_DATABASE_URL": pg_url, **(extra_env or {})})
    servers = [env.lk] + [env.start_server(share_db_with=env.lk) for _ in range(n - 1)]
    return env, servers


def _force_refresh(lk, token: str, cid: str):
    try:
        return requests.post(
            lk.url(f"/api/v1/credentials/{cid}/refresh"), headers={"Authorization": f"Bearer {token}"}, timeout=60
        )
    except requests.RequestException as e:
        return e


def _database_text(url: str) -> str:
    """Every row of every Latchkey table, as text."""
    tables = [row[0] for row in query(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
    assert "credentials" in tables and "sealed_values" in tables, tables
    return "\n".join("\n".join("|".join(r) for r in query(url, f"SELECT t::text FROM {t} t")) for t in tables)


def test_three_servers_and_cron_on_postgres_cause_exactly_one_refresh(oauth_env, pg_url):
    env, servers = _cluster(oauth_env, pg_url, access_ttl=2)
    peer = env.peer
    delay_ms = env.token_delay_outlasting_cron()
    cred = env.connect("shared by three")
    agent = env.agent(cred)
    for lk in servers:  # every server sees the credential and accepts the key
        assert [c["id"] for c in lk.admin.credentials()] == [cred["id"]]
    wait_until_expired(cred)
    # Slow (three times a cron process's measured start) and rotating: a second refresh with the spent token
    # would be refused, and the cron process meets the refresh in flight.
    peer.config(token_delay_ms=delay_ms, access_ttl=300)
    peer.reset_stats()

    fns = [(lambda lk=servers[i % 3]: bare_get(lk, agent.key, "me")) for i in range(60)]
    results = run_together([*fns, lambda: env.refresh_cli(lk=servers[0])])
    calls, cron = results[:60], results[60]
    stats = peer.stats()
    assert stats["token_requests"]["refresh_token"] == 1, (stats, summary(calls), cron)
    bad = failures(calls)
    assert not bad, f"{len(bad)} of 60 calls failed: {summary(calls)}; first: {bad[0]}"
    assert all(r.json()["user"] == PEER_USER for r in calls)
    assert isinstance(cron, tuple), f"cron did not finish: {cron!r}"
    code, report, cp = cron
    assert code == 0 and report is not None, f"cron: {code} {cp.stdout} {cp.stderr[-800:]}"
    assert report["failed"] == 0 and report["needs_reauth"] == 0 and report["due"] == 1, report
    assert stats["me_unauthorized"] == 0 and stats["token_failures"] == 0, stats
    for lk in servers:
        assert env.credential(cred["id"], api=lk.admin)["status"] == "active"

    # Nothing in the database in the clear: neither the issued tokens nor the client secret.
    text = _database_text(pg_url)
    held = peer_token_strings(peer, env.client_id)
    secrets = [*held["access"], *held["refresh"], env.client_secret]
    assert len(secrets) >= 4, secrets  # two access tokens, the live refresh token, the client secret
    leaked = [s[:6] + "…" for s in secrets if s in text]
    assert not leaked, f"secrets in the clear in PostgreSQL: {leaked}"


def test_a_server_killed_during_refreshes_leaves_the_others_working_and_loses_no_credential(oauth_env, pg_url):
    env, servers = _cluster(oauth_env, pg_url, access_ttl=600)
    lk1, lk2, lk3 = servers
    peer = env.peer
    token = env.admin.token
    creds = [env.connect(f"credential {i}") for i in range(6)]
    agents = {c["id"]: env.agent(c) for c in creds}
    for c in creds:
        assert bare_get(lk2, agents[c["id"]].key, "me").status_code == 200
    # The token endpoint answers after 2.5 s; it rotates, and (like rotating providers do) accepts a
    # rotated refresh token again for a grace period, answering with the same new pair.
    peer.config(token_delay_ms=2500, token_delay_phase="before", refresh_grace_seconds=300)
    peer.reset_stats()

    doomed, survivors = creds[:3], creds[3:]
    doomed_threads = [threading.Thread(target=_force_refresh, args=(lk1, token, c["id"]), daemon=True) for c in doomed]
    for t in doomed_threads:
        t.start()
    deadline = time.time() + 20
    while time.time() < deadline and refresh_count(peer) < 3:
        time.sleep(0.05)
    assert refresh_count(peer) == 3, f"lk1's three refreshes should be at the token endpoint: {peer.stats()}"

    # The other servers refresh their own credentials while lk1 dies mid-refresh.
    survivor_results: list = [None] * 3

    def refresh_survivor(i, c):
        survivor_results[i] = _force_refresh(servers[1 + i % 2], token, c["id"])

    survivor_threads = [
        threading.Thread(target=refresh_survivor, args=(i, c), daemon=True) for i, c in enumerate(survivors)
    ]
    for t in survivor_threads:
        t.start()
    # Kill lk1 once the survivors' refreshes are under way too (at the token endpoint, held by its delay): on a loaded
    # machine a fixed pause could end before they had started, and lk1 would die before them rather than among them.
    assert wait_until(lambda: refresh_count(peer) >= 6, timeout=20), (
        f"the survivors' three refreshes should be at the token endpoint: {peer.stats()}"
    )
    os.kill(lk1.proc.pid, signal.SIGKILL)
    lk1.proc.wait(10)

    # The others carry on: every credential (the doomed ones still have a valid access token) answers.
    calls = run_together(
        [(lambda lk=servers[1 + i % 2], c=c: bare_get(lk, agents[c["id"]].key, "me")) for i, c in enumerate(creds * 3)]
    )
    bad = failures(calls)
    assert not bad, f"calls to the surviving servers failed: {summary(calls)}; first: {bad[0]}"
    for t in survivor_threads:
        t.join(30)
    for c, r in zip(survivors, survivor_results):
        assert isinstance(r, requests.Response) and r.status_code == 200, (
            f"{c['name']}: {describe_response(r) if isinstance(r, requests.Response) else r!r}"
        )
        assert r.json()["outcome"] == "refreshed" and r.json()["credential"]["status"] == "active", r.json()
    for t in doomed_threads:
        t.join(5)
    assert lk2.healthz() == 200 and lk3.healthz() == 200

    # A survivor on the same host finds lk1 gone and takes its leases over at once (across hosts they would
    # run out after LEASE seconds); its credentials refresh there: nothing is lost.
    peer.config(token_delay_ms=0)
    for i, c in enumerate(doomed):
        lk = servers[1 + i % 2]
        r = _force_refresh(lk, token, c["id"])
        assert isinstance(r, requests.Response) and r.status_code == 200, (
            f"{c['name']} after lk1 died: {describe_response(r) if isinstance(r, requests.Response) else r!r}"
        )
        assert r.json()["outcome"] == "refreshed" and r.json()["credential"]["status"] == "active", r.json()
        # …and again: the stored refresh token is the live one, not only the grace-period replay.
        r = _force_refresh(lk, token, c["id"])
        assert isinstance(r, requests.Response) and r.status_code == 200, describe_response(r)
        assert r.json()["outcome"] == "refreshed", r.json()
    for c in creds:
        record = env.credential(c["id"], api=lk2.admin)
        assert record["status"] == "active", record
        r = bare_get(lk3, agents[c["id"]].key, "me")
        assert r.status_code == 200 and r.json()["user"] == PEER_USER, describe_response(r)
    assert peer.stats()["token_failures"] == 0, peer.stats()


def test_an_oauth_flow_started_on_one_server_is_called_back_on_another(oauth_env, pg_url):
    from oauth_server.peer import consent

    env = oauth_env(access_ttl=300, extra_env={"LATCHKEY_DATABASE_URL": pg_url})
    lk1 = env.lk
    # Behind a load balancer every server has the same public URL: here lk1's, registered at the peer.
    lk2 = env.start_server(share_db_with=lk1, extra_env={"LATCHKEY_PUBLIC_URL": lk1.public_url})
    lk3 = env.start_server(share_db_with=lk1, extra_env={"LATCHKEY_PUBLIC_URL": lk1.public_url})

    def via(lk, location: str) -> requests.Response:
        assert location.startswith(lk1.public_url + "/oauth/callback"), location
        return requests.get(
            lk.public_url + location[len(lk1.public_url) :],
            allow_redirects=False,
            timeout=60,
            cookies=env.binding_cookie(location),
        )

    # Started on lk2 (its API), consented at the provider, called back on lk3.
    auth = env.authorize("started on lk2", api=lk2.admin)
    location = consent(auth["authorization_url"], PEER_USER, PEER_PASSWORD)
    r = via(lk3, location)
    assert r.status_code == 200 and page_result(r)[0] is True, describe_response(r)
    # The state was used up everywhere: replaying the callback on a third server is refused.
    again = via(lk1, location)
    assert again.status_code == 400 and page_result(again)[0] is False, describe_response(again)

    creds = lk1.admin.credentials()
    assert [c["name"] for c in creds] == ["started on lk2"], creds
    assert creds[0]["status"] == "active"
    agent = env.agent(creds[0])
    for lk in (lk1, lk2, lk3):
        r = bare_get(lk, agent.key, "me")
        assert r.status_code == 200 and r.json()["user"] == PEER_USER, describe_response(r)
        # MCP is stateless too: each server answers tool calls for the shared binding.
        result = MCPAgent(lk, agent.key).call(f"{PROVIDER}_request", {"method": "GET", "path": "/me"})
        assert result.is_error is False and json.loads(text_of(result))["user"] == PEER_USER, text_of(result)

    # And the other way round: started on lk3, called back on lk1.
    auth = env.authorize(
        "started on lk3",
        api=Api(lk3, env.admin.token, label="admin@lk3", email=Latchkey.ADMIN_EMAIL, password=Latchkey.ADMIN_PASSWORD),
    )
    r = via(lk1, consent(auth["authorization_url"], PEER_USER, PEER_PASSWORD))
    assert r.status_code == 200 and page_result(r)[0] is True, describe_response(r)
    assert sorted(c["name"] for c in lk2.admin.credentials()) == ["started on lk2", "started on lk3"]


def _login(s: requests.Session, lk, password: str) -> requests.Response:
    page = s.get(lk.url("/login"), timeout=30)
    m = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert m, f"no csrf input on {lk.url('/login')}: {describe_response(page)}"
    return s.post(
        lk.url("/login"),
        data={"email": Latchkey.ADMIN_EMAIL, "password": password, "csrf": m.group(1), "next": "/credentials"},
        allow_redirects=False,
        timeout=30,
    )


def test_dashboard_sessions_and_sign_in_throttling_hold_across_servers(oauth_env, pg_url):
    env, servers = _cluster(oauth_env, pg_url, extra_env={"LATCHKEY_WEB_DIR": str(REPO_ROOT / "web")})
    lk1, lk2, lk3 = servers
    assert lk1.admin.credentials() == []  # the harness admin exists (created through lk1)

    # Signed in on one server, the session works on the others, and signing out on one ends it everywhere.
    s = requests.Session()
    r = _login(s, lk1, Latchkey.ADMIN_PASSWORD)
    assert r.status_code == 303, describe_response(r)
    cookie = s.cookies.get("lk_session")
    assert cookie, r.headers
    for lk in (lk2, lk3):
        r = requests.get(lk.url("/credentials"), cookies={"lk_session": cookie}, allow_redirects=False, timeout=30)
        assert r.status_code == 200, f"{lk.public_url}: {describe_response(r)}"
    page = requests.get(lk3.url("/credentials"), cookies={"lk_session": cookie}, timeout=30)
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    r = requests.post(
        lk3.url("/logout"), data={"csrf": token}, cookies={"lk_session": cookie}, allow_redirects=False, timeout=30
    )
    assert r.status_code == 303, describe_response(r)
    r = requests.get(lk1.url("/credentials"), cookies={"lk_session": cookie}, allow_redirects=False, timeout=30)
    assert r.status_code == 303 and "/login" in r.headers.get("Location", ""), describe_response(r)

    # Five wrong passwords spread over the three servers: the sixth attempt is throttled on any of them.
    for i in range(5):
        r = _login(requests.Session(), servers[i % 3], f"wrong-password-{i}-xx")
        assert r.status_code == 401, describe_response(r)
    for lk in servers:
        r = _login(requests.Session(), lk, Latchkey.ADMIN_PASSWORD)
        assert r.status_code == 429 and "lk_session" not in r.cookies, f"{lk.public_url}: {describe_response(r)}"


def test_a_database_outage_is_a_clear_503_and_servers_recover_when_it_returns(env, private_pg):
    lk = env.start(extra_env={"LATCHKEY_DATABASE_URL": private_pg.url})
    admin = lk.admin
    cred = admin.create_credential("echo", {"api_key": "outage-key-0123456789abcdef"})
    agent = admin.agent_for({"echo": cred})
    assert agent.get("echo", "before").status_code == 200

    private_pg.stop()
    # The proxy may answer from its access cache until its last read of the change log is three access cache times
    # (LATCHKEY_ACCESS_CACHE_MS, 1 s) old: then no poll has confirmed it and every call reads the database.
    time.sleep(3.5)
    started = time.time()
    r = agent.get("echo", "during", timeout=60)
    err = r.json().get("error", {}) if r.headers.get("Content-Type", "").startswith("application/json") else {}
    assert r.status_code == 503 and err.get("code") == "database_unavailable", describe_response(r)
    assert time.time() - started < 15, "the outage must be reported within the 10 s deadline"
    assert "outage-key" not in r.text
    r = requests.get(lk.url("/readyz"), timeout=30)
    assert r.status_code == 503, describe_response(r)
    assert lk.healthz() == 200, "the process stays up"

    private_pg.start()
    deadline = time.time() + 30
    while time.time() < deadline:
        r = agent.get("echo", "after", timeout=30)
        if r.status_code == 200:
            break
        time.sleep(0.5)
    assert r.status_code == 200, f"no recovery after the database came back: {describe_response(r)}"
    assert requests.get(lk.url("/readyz"), timeout=30).status_code == 200
    # The line is written by whichever part of the server saw the outage, not necessarily before the 503 went out.
    assert wait_until(lambda: b"database unavailable" in lk.log_text(), timeout=10), (
        "operators should see the outage in the log"
    )
