"""SPEC §4.3 agent-facing error codes."""

from __future__ import annotations

import time

from harness import MiB, build_head, chunked, describe_response, expect_error, raw_exchange, wait_until


def test_agent_without_valid_key_gets_401_unauthorized(latchkey, admin, upstream):
    cred = admin.create_credential("echo", {"api_key": "k401-secret"})
    agent = admin.agent_for({"echo": cred})
    r = agent.get("echo", "ok")
    assert r.status_code == 200, describe_response(r)

    url = latchkey.url("/v1/proxy/echo/x")
    s = agent.session
    cases = {
        "no key": {},
        "unknown key": {"Authorization": "Bearer lka_" + "0" * 40},
        "empty bearer": {"Authorization": "Bearer "},
        "key without scheme": {"Authorization": agent.key},
        "basic scheme": {"Authorization": "Basic bGthOng="},
        "user token as agent key": {"Authorization": f"Bearer {admin.token}"},
        "key with a changed last char": {
            "Authorization": f"Bearer {agent.key[:-1]}{'A' if agent.key[-1] != 'A' else 'B'}"
        },
    }
    upstream.clear()
    problems = []
    for name, headers in cases.items():
        r = s.get(url, headers=headers, timeout=30)
        try:
            expect_error(r, 401, "unauthorized")
        except AssertionError as e:
            problems.append(f"{name}: {e}")
    assert not problems, "\n".join(problems)

    # Revoked key.
    r = admin.delete(f"/api/v1/groups/{agent.group_id}/keys/{agent.key_id}")
    assert r.status_code == 204, describe_response(r)
    r = agent.get("echo", "after-revoke")
    expect_error(r, 401, "unauthorized")
    assert upstream.snapshot() == [], [x.describe() for x in upstream.snapshot()]


def test_unknown_provider_gets_404_unknown_provider(latchkey, admin):
    cred = admin.create_credential("echo", {"api_key": "k404-secret"})
    agent = admin.agent_for({"echo": cred})
    r = agent.get("no-such-provider", "x")
    expect_error(r, 404, "unknown_provider")


def test_unbound_provider_gets_424_with_setup_url_and_a_warning(latchkey, admin, upstream):
    cred = admin.create_credential("echo", {"api_key": "k424-secret"})
    agent = admin.agent_for({"echo": cred})
    r = agent.get("echo-two", "x")
    err = expect_error(r, 424, "credential_missing")
    want = f"{latchkey.public_url}/groups/{agent.group_id}?bind=echo-two"
    assert err.get("setup_url") == want, f"setup_url {err.get('setup_url')!r}, want {want!r}"
    assert upstream.snapshot() == []

    r = admin.get("/api/v1/warnings")
    assert r.status_code == 200, describe_response(r)
    warnings = r.json()["warnings"]
    match = [
        w
        for w in warnings
        if w.get("kind") == "credential_missing"
        and w.get("group_id") == agent.group_id
        and w.get("provider") == "echo-two"
    ]
    assert match, f"no credential_missing warning for the group and provider: {warnings}"
    assert match[0].get("setup_url") == want, match[0]
    assert isinstance(match[0].get("message"), str) and match[0]["message"], match[0]


def test_proxy_body_over_10mib_gets_413_payload_too_large(latchkey, admin, upstream):
    cred = admin.create_credential("echo", {"api_key": "k413-secret"})
    agent = admin.agent_for({"echo": cred})
    total = 11 * MiB
    block = b"z" * (256 * 1024)

    def gen():
        for _ in range(total // len(block)):
            yield block

    results = {}
    base = [
        ("Host", f"127.0.0.1:{latchkey.port}"),
        ("Authorization", f"Bearer {agent.key}"),
        ("Content-Type", "application/octet-stream"),
        ("Connection", "close"),
    ]
    # Streamed without a length (chunked), as a generator-fed client does.
    head = build_head("POST", "/v1/proxy/echo/upload/chunked", base + [("Transfer-Encoding", "chunked")])
    results["chunked"] = raw_exchange(latchkey.port, head, chunked(gen()), timeout=120, method="POST")
    # Declared length.
    head = build_head("POST", "/v1/proxy/echo/upload/length", base + [("Content-Length", str(total))])
    results["content-length"] = raw_exchange(latchkey.port, head, gen(), timeout=120, method="POST")

    problems = []
    for name, res in results.items():
        if res.response is None:
            problems.append(f"{name}: no response ({res.read_error} / {res.send_error})")
            continue
        try:
            expect_error(res.response, 413, "payload_too_large")
        except AssertionError as e:
            problems.append(f"{name}: {e}")
    assert not problems, "\n".join(problems)
    complete = [rec.describe()[:200] for rec in upstream.snapshot() if len(rec.body) > 10 * MiB and not rec.error]
    assert not complete, f"the upstream received an over-limit body: {complete}"
    assert latchkey.healthz() == 200


def test_closed_upstream_port_gets_502_upstream_unreachable(latchkey, admin):
    cred = admin.create_credential("closed-port", {"api_key": "k502-secret"})
    agent = admin.agent_for({"closed-port": cred})
    r = agent.get("closed-port", "anything")
    err = expect_error(r, 502, "upstream_unreachable")
    assert "k502-secret" not in r.text, err


def test_silent_upstream_gets_504_upstream_timeout(latchkey_factory, blackhole):
    # LATCHKEY_UPSTREAM_TIMEOUT (seconds) is not in SPEC/contract: it is the server's knob for
    # the upstream timeout; the test sets it to 2 s so a never-answering upstream fails fast.
    lk = latchkey_factory(extra_env={"LATCHKEY_UPSTREAM_TIMEOUT": "2"})
    admin = lk.admin
    cred = admin.create_credential("black-hole", {"api_key": "k504-secret"})
    agent = admin.agent_for({"black-hole": cred})
    t0 = time.time()
    r = agent.get("black-hole", "slow", timeout=120)
    elapsed = time.time() - t0
    expect_error(r, 504, "upstream_timeout")
    # Counted by the blackhole's own connection thread, which nothing orders before Latchkey's 504.
    assert wait_until(lambda: blackhole.accepted >= 1, timeout=10), "the blackhole upstream was never contacted"
    assert elapsed < 30, f"timeout took {elapsed:.1f}s with LATCHKEY_UPSTREAM_TIMEOUT=2"
    assert lk.healthz() == 200


def test_deleting_group_or_credential_cuts_off_agents(latchkey, admin, upstream):
    c1 = admin.create_credential("echo", {"api_key": "del-secret-1"})
    c2 = admin.create_credential("echo", {"api_key": "del-secret-2"})
    a1 = admin.agent_for({"echo": c1})
    a2 = admin.agent_for({"echo": c2})
    assert a1.get("echo", "x").status_code == 200
    assert a2.get("echo", "x").status_code == 200

    r = admin.delete(f"/api/v1/groups/{a1.group_id}")
    assert r.status_code == 204, describe_response(r)
    expect_error(a1.get("echo", "after-group-delete"), 401, "unauthorized")

    r = admin.delete(f"/api/v1/credentials/{c2['id']}")
    assert r.status_code == 204, describe_response(r)
    expect_error(a2.get("echo", "after-credential-delete"), 424, "credential_missing")
    assert not [rec for rec in upstream.snapshot() if "after-" in rec.path], [
        rec.describe() for rec in upstream.snapshot()
    ]
