"""Concurrent refresh and crashes against a real OAuth 2.0 server (django-oauth-toolkit peer), which
rotates refresh tokens and answers a second refresh with a spent token `invalid_grant`:
SPEC §5.3 (exactly one refresh request, in one process or many on one database, also with cron),
§5.5 (a process killed at any point leaves every credential usable or clearly marked)."""

from __future__ import annotations

import json
import os
import signal
import threading
import time

import requests

from harness import describe_response
from oauth_helpers import (
    PEER_USER,
    PROVIDER,
    bare_get,
    peer_token_strings,
    refresh_count,
    run_together,
    summary,
    failures,
    wait_until_expired,
)


# -------------------------------------------------------------------------------------------
# 5. One process, 50 concurrent calls on an expired token
# -------------------------------------------------------------------------------------------


def test_50_concurrent_calls_on_an_expired_token_cause_exactly_one_refresh(oauth_env):
    env = oauth_env(access_ttl=2)
    peer = env.peer
    cred = env.connect("hot credential")
    agent = env.agent(cred)
    wait_until_expired(cred)
    peer.config(token_delay_ms=300, access_ttl=300)
    peer.reset_stats()

    results = run_together([lambda: bare_get(env.lk, agent.key, "me") for _ in range(50)])
    bad = failures(results)
    stats = peer.stats()
    assert stats["token_requests"]["refresh_token"] == 1, (stats, summary(results))
    assert not bad, f"{len(bad)} of 50 calls failed: {summary(results)}; first: {bad[0]}"
    assert all(r.json()["user"] == PEER_USER for r in results)
    assert stats["me_unauthorized"] == 0 and stats["token_failures"] == 0, stats
    assert env.credential(cred["id"])["status"] == "active"


def test_concurrent_upstream_401s_cause_exactly_one_refresh_and_every_call_is_retried(oauth_env):
    env = oauth_env(access_ttl=300)
    peer = env.peer
    cred = env.connect("revoked upstream")
    agent = env.agent(cred)
    # The token looks valid to Latchkey but the provider has expired it: every call meets a 401.
    assert peer.expire_access_tokens(client_id=env.client_id)["expired"] == 1
    peer.config(token_delay_ms=300)
    peer.reset_stats()
    results = run_together([lambda: bare_get(env.lk, agent.key, "me") for _ in range(30)])
    stats = peer.stats()
    bad = failures(results)
    assert stats["token_requests"]["refresh_token"] == 1, (stats, summary(results))
    assert not bad, f"{len(bad)} of 30 calls failed: {summary(results)}; first: {bad[0]}"
    assert stats["token_failures"] == 0, stats
    assert env.credential(cred["id"])["status"] == "active"


# -------------------------------------------------------------------------------------------
# 6. Two serve processes on one SQLite database plus cron, at the same moment
# -------------------------------------------------------------------------------------------


def test_two_servers_on_one_database_and_cron_cause_exactly_one_refresh(oauth_env):
    env = oauth_env(access_ttl=2)
    peer = env.peer
    lk1 = env.lk
    lk2 = env.start_server(share_db_with=lk1)
    delay_ms = env.token_delay_outlasting_cron()
    cred = env.connect("shared")
    agent = env.agent(cred)
    # The second server sees the same credentials and accepts the same agent key.
    assert [c["id"] for c in lk2.admin.credentials()] == [cred["id"]]
    wait_until_expired(cred)
    # A slow token endpoint keeps the refresh in flight while the cron process starts (three times its measured
    # start), so the cron pass always meets the due credential mid-refresh (or takes the refresh itself).
    peer.config(token_delay_ms=delay_ms, access_ttl=300)
    peer.reset_stats()

    fns = [(lambda lk=(lk1 if i % 2 == 0 else lk2): bare_get(lk, agent.key, "me")) for i in range(30)]
    results = run_together([*fns, lambda: env.refresh_cli(lk=lk1)])
    calls, cron = results[:30], results[30]

    stats = peer.stats()
    bad = failures(calls)
    assert stats["token_requests"]["refresh_token"] == 1, (stats, summary(calls), cron)
    assert not bad, f"{len(bad)} of 30 calls failed: {summary(calls)}; first: {bad[0]}"
    assert isinstance(cron, tuple), f"cron did not finish: {cron!r}"
    code, report, cp = cron
    assert code == 0 and report is not None, f"cron exit {code}: {cp.stdout} {cp.stderr[-1000:]}"
    print(f"cron report: {report}; calls: {summary(calls)}")
    assert report["failed"] == 0 and report["needs_reauth"] == 0, report
    assert report["due"] == 1 and report["refreshed"] + report["skipped"] == 1, (
        f"the cron pass should have met the due credential: {report}"
    )
    assert stats["me_unauthorized"] == 0 and stats["token_failures"] == 0, stats
    assert env.credential(cred["id"])["status"] == "active"
    assert env.credential(cred["id"], api=lk2.admin)["status"] == "active"


def test_two_servers_meeting_upstream_401_at_once_cause_exactly_one_refresh(oauth_env):
    env = oauth_env(access_ttl=300)
    peer = env.peer
    lk1 = env.lk
    lk2 = env.start_server(share_db_with=lk1)
    cred = env.connect("shared, revoked upstream")
    agent = env.agent(cred)
    assert peer.expire_access_tokens(client_id=env.client_id)["expired"] == 1
    peer.config(token_delay_ms=500)
    peer.reset_stats()
    results = run_together([(lambda lk=(lk1 if i % 2 == 0 else lk2): bare_get(lk, agent.key, "me")) for i in range(20)])
    stats = peer.stats()
    bad = failures(results)
    assert stats["token_requests"]["refresh_token"] == 1, (stats, summary(results))
    assert not bad, f"{len(bad)} of 20 calls failed: {summary(results)}; first: {bad[0]}"
    assert env.credential(cred["id"])["status"] == "active"


# -------------------------------------------------------------------------------------------
# 7. SIGKILL in the middle of refreshes
# -------------------------------------------------------------------------------------------


def test_sigkill_mid_refresh_leaves_every_credential_usable_or_clearly_marked(oauth_env):
    env = oauth_env(access_ttl=600)
    peer = env.peer
    lk = env.lk
    # Five credentials refreshing when the process dies, two idle ones as controls.
    inflight = [env.connect(f"in flight {i}") for i in range(5)]
    idle = [env.connect(f"idle {i}") for i in range(2)]
    agents = {c["id"]: env.agent(c) for c in inflight + idle}
    for c in inflight + idle:
        assert agents[c["id"]].get(PROVIDER, "me").status_code == 200
    # The server rotates and answers only 2 s later: the new tokens exist only in the dying process.
    peer.config(token_delay_ms=2000, token_delay_phase="after")
    peer.reset_stats()

    def force(cid):
        try:
            return requests.post(
                lk.url(f"/api/v1/credentials/{cid}/refresh"),
                headers={"Authorization": f"Bearer {env.admin.token}"},
                timeout=30,
            )
        except requests.RequestException as e:
            return e

    threads = [threading.Thread(target=force, args=(c["id"],), daemon=True) for c in inflight]
    for t in threads:
        t.start()
    deadline = time.time() + 15
    while time.time() < deadline and len(peer_token_strings(peer, env.client_id)["refresh"]) < 7 + 5:
        time.sleep(0.05)
    held = peer_token_strings(peer, env.client_id)
    assert len(held["refresh"]) == 12, f"the peer should have rotated 5 refresh tokens by now: {held}"
    os.kill(lk.proc.pid, signal.SIGKILL)
    lk.proc.wait(10)
    for t in threads:
        t.join(5)
    assert refresh_count(peer) == 5, peer.stats()
    peer.config(token_delay_ms=0)

    env.restart(lk, extra_env={"LATCHKEY_REFRESH_INTERVAL": "1"})
    assert lk.healthz() == 200
    r = requests.get(lk.url("/readyz"), timeout=10)
    assert r.status_code == 200, describe_response(r)
    # The idle credentials are untouched by the crash.
    for c in idle:
        r = agents[c["id"]].get(PROVIDER, "me")
        assert r.status_code == 200, f"idle credential after restart: {describe_response(r)}"

    # The restarted server runs on the same host: it finds the dead process gone and takes its refresh
    # leases over at once (test_crash_recovery.py times that), so every in-flight credential settles now.
    final = {}
    for c in inflight + idle:
        r = agents[c["id"]].get(PROVIDER, "me", timeout=45)
        record = env.credential(c["id"])
        final[c["name"]] = (r.status_code, record["status"], r.text[:200])
    warnings = {w.get("credential_id"): w for w in env.warnings()}
    problems = []
    for c in inflight + idle:
        status, cred_status, text = final[c["name"]]
        if status == 200:
            if cred_status != "active":
                problems.append(f"{c['name']}: call 200 but status {cred_status}")
        elif status == 424:
            err = json.loads(text)["error"] if text.startswith("{") else {}
            if err.get("code") != "credential_needs_reauth" or cred_status != "needs_reauth":
                problems.append(f"{c['name']}: 424 {err} with status {cred_status}")
            w = warnings.get(c["id"])
            if not w or w["kind"] != "credential_needs_reauth" or not w.get("setup_url"):
                problems.append(f"{c['name']}: needs_reauth without a warning: {w}")
        else:
            problems.append(f"{c['name']}: silently broken: call {status} {text!r}, status {cred_status}")
    print(f"after the restart: {final}")
    assert not problems, "\n".join(problems) + f"\nall: {final}"
    for c in idle:
        assert final[c["name"]][0] == 200, final
    # Nothing keeps hammering the token endpoint afterwards.
    n = refresh_count(peer)
    time.sleep(2.5)
    for c in inflight:
        agents[c["id"]].get(PROVIDER, "me")
    assert refresh_count(peer) == n, f"token requests kept coming after the credentials settled: {peer.stats()}"


def test_sigkill_during_the_code_exchange_stores_nothing_and_a_new_connect_works(oauth_env):
    from oauth_server.peer import consent

    from oauth_helpers import PEER_PASSWORD, page_result

    env = oauth_env(access_ttl=300)
    peer = env.peer
    lk = env.lk
    auth = env.authorize("killed while connecting")
    location = consent(auth["authorization_url"], PEER_USER, PEER_PASSWORD)
    # The peer issues the tokens, then answers 2 s later: they exist only in the process we kill.
    peer.config(token_delay_ms=2000, token_delay_phase="after", token_error_grant=None)
    result: dict = {}

    def land():
        try:
            result["r"] = requests.get(location, timeout=30, cookies=env.binding_cookie(location))
        except requests.RequestException as e:
            result["r"] = e

    t = threading.Thread(target=land, daemon=True)
    t.start()
    deadline = time.time() + 10
    while time.time() < deadline and not peer_token_strings(peer, env.client_id)["access"]:
        time.sleep(0.05)
    assert peer_token_strings(peer, env.client_id)["access"], "the peer never issued the tokens"
    os.kill(lk.proc.pid, signal.SIGKILL)
    lk.proc.wait(10)
    t.join(5)
    assert not isinstance(result.get("r"), requests.Response), f"the callback answered before the kill: {result}"
    peer.config(token_delay_ms=0)

    env.restart(lk)
    creds = env.admin.credentials()
    assert creds == [] or all(c["status"] in ("active", "needs_reauth") for c in creds), creds
    # The interrupted link is used up (a clear 400), and connecting again works end to end.
    r = requests.get(location.replace(location.split("/oauth/callback")[0], lk.public_url), timeout=30)
    assert r.status_code == 400 and page_result(r)[0] is False, describe_response(r)
    cred = env.connect("after the crash")
    assert [c["id"] for c in env.admin.credentials()] == [c["id"] for c in creds] + [cred["id"]]
    r = env.agent(cred).get(PROVIDER, "me")
    assert r.status_code == 200 and r.json()["user"] == PEER_USER, describe_response(r)
