"""OAuth refresh behaviour against a real OAuth 2.0 server (django-oauth-toolkit peer):
SPEC §5.3 (fresh tokens, rotation, invalid_grant, transient failures, upstream 401), §5.4 and §3
(`latchkey refresh` for cron and its exit codes), warnings and audit."""

from __future__ import annotations

import subprocess
import time

import pytest

from harness import describe_response, expect_error, wait_until
from oauth_helpers import (
    PEER_USER,
    PROVIDER,
    parse_time,
    peer_token_strings,
    refresh_count,
    sha16,
    token_log,
    wait_until_expired,
)


# -------------------------------------------------------------------------------------------
# 3. Refresh with and without rotation
# -------------------------------------------------------------------------------------------


def test_expired_token_is_refreshed_once_before_use_and_rotated_refresh_token_is_stored(oauth_env):
    env = oauth_env(access_ttl=3, rotate=True)
    peer = env.peer
    cred = env.connect("rotating")
    [rt0] = peer_token_strings(peer, env.client_id)["live_refresh"]
    agent = env.agent(cred)
    assert agent.get(PROVIDER, "me").status_code == 200
    assert refresh_count(peer) == 0

    wait_until_expired(cred)
    r = agent.get(PROVIDER, "me")
    assert r.status_code == 200 and r.json()["user"] == PEER_USER, describe_response(r)
    stats = peer.stats()
    assert stats["token_requests"]["refresh_token"] == 1, stats
    assert stats["me_unauthorized"] == 0, f"the expired token was sent upstream instead of refreshed first: {stats}"
    [first] = token_log(peer, "refresh_token", env.client_id)
    assert first["status"] == 200 and first["refresh_token_sha"] == sha16(rt0), first
    held = peer_token_strings(peer, env.client_id)
    [rt1] = held["live_refresh"]
    assert rt1 != rt0, "the peer rotates refresh tokens"

    after_first = env.credential(cred["id"])
    assert after_first["status"] == "active", after_first
    assert parse_time(after_first["expires_at"]) > parse_time(cred["expires_at"]), (cred, after_first)

    # A second expiry: only the rotated refresh token works at the peer now (rt0 is revoked), so a
    # successful second refresh proves Latchkey stored rt1.
    wait_until_expired(after_first)
    r = agent.get(PROVIDER, "me")
    assert r.status_code == 200, describe_response(r)
    refreshes = token_log(peer, "refresh_token", env.client_id)
    assert len(refreshes) == 2, refreshes
    assert refreshes[1]["refresh_token_sha"] == sha16(rt1) and refreshes[1]["status"] == 200, refreshes
    assert peer.stats()["token_failures"] == 0, peer.stats()
    final = env.credential(cred["id"])
    assert final["status"] == "active", final
    r = peer.token(
        {"grant_type": "refresh_token", "refresh_token": rt0}, client_id=env.client_id, client_secret=env.client_secret
    )
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant", "rt0 must be dead at the server"


def test_refresh_without_rotation_keeps_the_refresh_token_and_keeps_working(oauth_env):
    env = oauth_env(access_ttl=2, rotate=False)
    peer = env.peer
    cred = env.connect("not rotating")
    [rt0] = peer_token_strings(peer, env.client_id)["live_refresh"]
    agent = env.agent(cred)
    current = cred
    for i in range(1, 4):
        wait_until_expired(current)
        r = agent.get(PROVIDER, "me")
        assert r.status_code == 200, f"refresh #{i}: {describe_response(r)}"
        current = env.credential(cred["id"])
        assert current["status"] == "active", current
    refreshes = token_log(peer, "refresh_token", env.client_id)
    assert len(refreshes) == 3, refreshes
    assert all(e["status"] == 200 and e["refresh_token_sha"] == sha16(rt0) for e in refreshes), refreshes
    assert peer_token_strings(peer, env.client_id)["live_refresh"] == {rt0}


@pytest.mark.parametrize("size", [5_000, 1_000_000], ids=["5KB", "1MB"])
def test_upstream_401_forces_one_refresh_and_one_retry_with_the_body_resent(oauth_env, size):
    env = oauth_env(access_ttl=300)
    peer = env.peer
    cred = env.connect("401 retry")
    agent = env.agent(cred)
    assert peer.expire_access_tokens(client_id=env.client_id)["expired"] == 1
    body = b'{"payload": "' + b"x" * size + b'"}'
    r = agent.post(PROVIDER, "echo", data=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 200 and r.content == body, describe_response(r)
    stats = peer.stats()
    assert stats["token_requests"]["refresh_token"] == 1, stats
    assert stats["echo_unauthorized"] == 1 and stats["echo_requests"] == 2, stats
    echoes = [e for e in peer.request_log(path="/api/echo")]
    assert [e["body_length"] for e in echoes] == [len(body), len(body)], echoes
    assert len({e["body_sha256"] for e in echoes}) == 1, echoes


def test_upstream_401_after_a_fresh_refresh_is_returned_without_a_second_refresh(oauth_env):
    env = oauth_env(access_ttl=300)
    peer = env.peer
    cred = env.connect("401 twice")
    agent = env.agent(cred)
    peer.revoke_grant(PEER_USER, client_id=env.client_id)  # the token is gone and cannot be refreshed
    r = agent.get(PROVIDER, "me")
    expect_error(r, 424, "credential_needs_reauth")
    assert peer.stats()["token_requests"]["refresh_token"] == 1, peer.stats()
    assert peer.stats()["me_requests"] == 1, "one upstream attempt, then the refresh said invalid_grant"


def test_background_refresher_refreshes_a_due_token_without_any_agent_call(oauth_env):
    env = oauth_env(access_ttl=4, extra_env={"LATCHKEY_REFRESH_INTERVAL": "1"})
    peer = env.peer
    cred = env.connect("background")
    [rt0] = peer_token_strings(peer, env.client_id)["live_refresh"]
    # Wait for the outcome itself: the peer counts a token request when it arrives but logs it when it has
    # answered, and Latchkey stores the new token after that, so the count rising proves neither.
    refreshed = lambda: parse_time(env.credential(cred["id"])["expires_at"]) > parse_time(cred["expires_at"])
    assert wait_until(lambda: token_log(peer, "refresh_token", env.client_id) and refreshed(), timeout=15), (
        peer.stats(),
        env.credential(cred["id"]),
    )
    refreshes = token_log(peer, "refresh_token", env.client_id)
    assert refreshes[0]["status"] == 200 and refreshes[0]["refresh_token_sha"] == sha16(rt0), refreshes
    now = env.credential(cred["id"])
    assert now["status"] == "active", now
    # It keeps the credential fresh: an agent call after the first token's expiry needs no refresh of its own.
    wait_until_expired(cred)
    agent = env.agent(cred)
    r = agent.get(PROVIDER, "me")
    assert r.status_code == 200, describe_response(r)
    assert peer.stats()["me_unauthorized"] == 0 and peer.stats()["token_failures"] == 0, peer.stats()


# -------------------------------------------------------------------------------------------
# 4. Revoked grant -> needs_reauth, and then quiet
# -------------------------------------------------------------------------------------------


def test_revoked_grant_marks_needs_reauth_with_setup_url_and_then_stops_calling_the_token_endpoint(oauth_env):
    env = oauth_env(access_ttl=300)
    peer = env.peer
    cred = env.connect("revoked")
    agent = env.agent(cred)
    assert agent.get(PROVIDER, "me").status_code == 200

    peer.revoke_grant(PEER_USER, client_id=env.client_id)
    r = agent.get(PROVIDER, "me")  # upstream 401 -> forced refresh -> invalid_grant
    err = expect_error(r, 424, "credential_needs_reauth")
    setup_url = err.get("setup_url") or ""
    assert setup_url.startswith(env.lk.public_url) and cred["id"] in setup_url, err
    now = env.credential(cred["id"])
    assert now["status"] == "needs_reauth", now
    warnings = [w for w in env.warnings() if w.get("credential_id") == cred["id"]]
    assert [w["kind"] for w in warnings] == ["credential_needs_reauth"], warnings
    assert warnings[0]["setup_url"] == setup_url and warnings[0]["provider"] == PROVIDER, warnings
    assert "credential.needs_reauth" in env.audit_actions(cred["id"])
    r = agent.tools()
    assert r.status_code == 200, describe_response(r)
    [tool] = [t for t in r.json()["tools"] if t["provider"] == PROVIDER]
    assert tool["status"] == "needs_reauth", tool

    stats = peer.stats()
    assert stats["token_requests"]["refresh_token"] == 1, stats

    # From now on: no token request for this credential, whatever asks.
    for _ in range(3):
        expect_error(agent.get(PROVIDER, "me"), 424, "credential_needs_reauth")
    expect_error(agent.post(PROVIDER, "echo", json={"x": 1}), 424, "credential_needs_reauth")
    out = env.refresh_now(cred["id"])
    assert out["outcome"] == "needs_reauth", out
    code, report, cp = env.refresh_cli("--within", "1h")
    assert code == 0, f"cron exit {code}: {cp.stdout} {cp.stderr}"
    assert report and report["failed"] == 0 and report["refreshed"] == 0, report
    after = peer.stats()
    assert after["token_requests"] == stats["token_requests"], (stats, after)
    assert after["me_requests"] == stats["me_requests"], "a needs_reauth credential must not be sent upstream"
    assert env.credential(cred["id"])["status"] == "needs_reauth"


# -------------------------------------------------------------------------------------------
# 8. Transient failures
# -------------------------------------------------------------------------------------------


def test_transient_refresh_failures_keep_old_token_in_use_then_refresh_failing_then_recover(oauth_env):
    env = oauth_env(access_ttl=120)
    peer = env.peer
    cred = env.connect("flaky provider")
    agent = env.agent(cred)
    assert agent.get(PROVIDER, "me").status_code == 200
    peer.config(token_error="server_error", token_error_count=3, token_error_grant="refresh_token")

    outcomes, statuses, kinds, seen_warnings = [], [], [], []
    deadline = time.time() + 40
    while time.time() < deadline:
        out = env.refresh_now(cred["id"])
        if out["outcome"] == "skipped":  # backing off after a failure
            time.sleep(0.3)
            continue
        outcomes.append(out["outcome"])
        statuses.append(out["credential"]["status"])
        ws = [w for w in env.warnings() if w.get("credential_id") == cred["id"]]
        seen_warnings.append(ws)
        kinds.append(sorted(w["kind"] for w in ws))
        # The old token is still valid: agents keep working throughout.
        r = agent.get(PROVIDER, "me")
        assert r.status_code == 200, f"after outcome {out['outcome']}: {describe_response(r)}"
        if out["outcome"] == "refreshed":
            break
    assert outcomes == ["failed", "failed", "failed", "refreshed"], (outcomes, statuses)
    assert statuses == ["active", "active", "refresh_failing", "active"], (outcomes, statuses)
    assert kinds[2] == ["refresh_failing"], kinds
    assert all(w.get("setup_url") for w in seen_warnings[2]), seen_warnings[2]
    assert kinds[3] == [], kinds
    stats = peer.stats()
    assert stats["token_injected_errors"] == 3 and stats["token_requests"]["refresh_token"] == 4, stats
    assert stats["me_unauthorized"] == 0, stats


def test_transient_failure_on_a_due_but_valid_token_serves_the_call_with_the_old_token(oauth_env):
    env = oauth_env(access_ttl=10)
    peer = env.peer
    cred = env.connect("due but valid")
    agent = env.agent(cred)
    expires = parse_time(cred["expires_at"])
    # Due after half its lifetime (5 s), valid until 10 s. expires_at is shown truncated to the second,
    # so the real expiry is up to 1 s later: expires - 3.8 is 5.2-6.2 s into the token's life.
    time.sleep(max(0, expires - 3.8 - time.time()))
    peer.config(token_error="temporarily_unavailable", token_error_count=1, token_error_grant="refresh_token")
    r = agent.get(PROVIDER, "me")
    assert r.status_code == 200, describe_response(r)
    assert peer.stats()["token_injected_errors"] == 1, "the proxy should have tried to refresh the due token"
    assert env.credential(cred["id"])["status"] == "active"
    # After the back-off (≤ 2 s after one failure) the next call refreshes for real.
    time.sleep(2.1)
    assert time.time() < expires, "test too slow: the token expired"
    r = agent.get(PROVIDER, "me")
    assert r.status_code == 200, describe_response(r)
    refreshes = token_log(peer, "refresh_token", env.client_id)
    assert [e["status"] for e in refreshes] == [503, 200], refreshes
    assert peer.stats()["me_unauthorized"] == 0


def test_expired_token_with_failing_refresh_answers_503_refresh_failed(oauth_env):
    env = oauth_env(access_ttl=2)
    peer = env.peer
    cred = env.connect("expired and failing")
    agent = env.agent(cred)
    wait_until_expired(cred)
    peer.config(token_error="server_error", token_error_count=100, token_error_grant="refresh_token")
    r = agent.get(PROVIDER, "me")
    expect_error(r, 503, "refresh_failed")
    assert peer.stats()["me_requests"] == 0, "an expired token must not be sent upstream"
    # Within the back-off, further calls do not hammer the token endpoint.
    n = refresh_count(peer)
    for _ in range(5):
        expect_error(agent.get(PROVIDER, "me"), 503, "refresh_failed")
    assert refresh_count(peer) <= n + 1, peer.stats()
    assert env.credential(cred["id"])["status"] in ("active", "refresh_failing")
    peer.config(token_error=None)
    deadline = time.time() + 20
    while time.time() < deadline:
        r = agent.get(PROVIDER, "me")
        if r.status_code == 200:
            break
        expect_error(r, 503, "refresh_failed")
        time.sleep(0.5)
    assert r.status_code == 200, describe_response(r)
    assert env.credential(cred["id"])["status"] == "active"


# -------------------------------------------------------------------------------------------
# 12. Cron: latchkey refresh exit codes
# -------------------------------------------------------------------------------------------


def test_cron_refresh_exits_1_on_transient_failure_and_0_once_the_endpoint_recovers(oauth_env):
    env = oauth_env(access_ttl=2)
    peer = env.peer
    cred = env.connect("cron")
    wait_until_expired(cred)
    peer.config(token_error="server_error", token_error_count=1000, token_error_grant="refresh_token")

    code, report, cp = env.refresh_cli()
    assert code == 1, f"exit {code}: stdout {cp.stdout!r} stderr {cp.stderr[-500:]!r}"
    assert report is not None, cp.stdout
    assert set(report) == {"due", "refreshed", "needs_reauth", "failed", "skipped"}, report
    assert report["due"] == 1 and report["failed"] == 1 and report["refreshed"] == 0, report
    assert refresh_count(peer) == 1

    peer.config(token_error=None, access_ttl=300)
    time.sleep(2.2)  # the first back-off is at most 2 s
    code, report, cp = env.refresh_cli()
    assert code == 0, f"exit {code}: stdout {cp.stdout!r} stderr {cp.stderr[-500:]!r}"
    assert report == {"due": 1, "refreshed": 1, "needs_reauth": 0, "failed": 0, "skipped": 0}, report
    assert env.credential(cred["id"])["status"] == "active"

    # Nothing due: exit 0, due 0.
    code, report, cp = env.refresh_cli()
    assert code == 0 and report["due"] == 0, (code, report)


def test_cron_refresh_counts_invalid_grant_as_needs_reauth_and_exits_0(oauth_env):
    env = oauth_env(access_ttl=300)
    peer = env.peer
    good = env.connect("good")
    bad = env.connect("bad")
    # Revoke only `bad`'s grant: the peer revokes per user+client, so revoke both and reconnect good.
    peer.revoke_grant(PEER_USER, client_id=env.client_id)
    env.connect(credential_id=good["id"], name=good["name"])
    code, report, cp = env.refresh_cli("--within", "1h", "--concurrency", "2")
    assert code == 0, f"exit {code}: {cp.stdout} {cp.stderr[-500:]}"
    assert report == {"due": 2, "refreshed": 1, "needs_reauth": 1, "failed": 0, "skipped": 0}, report
    assert env.credential(good["id"])["status"] == "active"
    assert env.credential(bad["id"])["status"] == "needs_reauth"


def test_cron_refresh_configuration_errors_exit_2(oauth_env):
    env = oauth_env()
    for args in (("--within", "soon"), ("--concurrency", "0")):
        code, report, cp = env.refresh_cli(*args)
        assert code == 2, f"latchkey refresh {args}: exit {code}, stderr {cp.stderr!r}"
        assert cp.stderr.strip(), "a configuration error says what is wrong"
    lk = env.lk
    bad_env = dict(lk.env, LATCHKEY_MASTER_KEY="not-base64!")
    bad_env.pop("LATCHKEY_MASTER_KEY_FILE", None)
    cp = lk._patiently(
        lambda: subprocess.run(
            [str(lk.bin), "refresh", "--json"], cwd=lk.dir, env=bad_env, capture_output=True, text=True, timeout=60
        )
    )
    assert cp.returncode == 2, f"bad master key: exit {cp.returncode} {cp.stderr!r}"
