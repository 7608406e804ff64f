"""SPEC §5.1: no secret leaves in the clear; `keys rotate` re-encrypts without downtime."""

from __future__ import annotations

import base64
import json
import threading
import uuid

from harness import describe_response, expect_error, find_leaks, injected_ok


def _canary() -> str:
    return f"canary-{uuid.uuid4().hex}"


def test_canary_secret_never_in_clear(latchkey, admin, upstream):
    secrets = {
        "api_key canary": _canary(),
        "basic password canary": _canary(),
        "rejected pattern value": _canary(),  # fails echo-pattern's pattern: never stored
        "rejected unknown field value": _canary(),  # an undeclared field: never stored
        "patched api_key canary": _canary(),
    }
    api_canary = secrets["api_key canary"]
    pw_canary = secrets["basic password canary"]

    bearer = admin.create_credential("echo", {"api_key": api_canary}, name="canary bearer")
    assert bearer["fields"]["api_key"] == "********", bearer
    basic = admin.create_credential(
        "echo-basic", {"username": "canary-user", "password": pw_canary}, name="canary basic"
    )
    assert basic["fields"]["password"] == "********", basic
    assert basic["fields"].get("username") == "canary-user", basic

    # Validation errors must not echo the offending value.
    r = admin.post(
        "/api/v1/credentials",
        json={"provider": "echo-pattern", "name": "bad", "fields": {"api_key": secrets["rejected pattern value"]}},
    )
    expect_error(r, 400, "validation_failed", "fields.api_key")
    r = admin.post(
        "/api/v1/credentials",
        json={
            "provider": "echo",
            "name": "bad",
            "fields": {"api_key": "x" * 8, "nope": secrets["rejected unknown field value"]},
        },
    )
    expect_error(r, 400, "validation_failed", "fields.nope")

    # Reads are masked.
    for c in admin.credentials():
        for k, v in c["fields"].items():
            if k in ("api_key", "password"):
                assert v == "********", c
    for cred in (bearer, basic):
        r = admin.get(f"/api/v1/credentials/{cred['id']}")
        assert r.status_code == 200, describe_response(r)

    # A rename keeps the secret; a second credential gets its secret by PATCH.
    r = admin.patch(f"/api/v1/credentials/{bearer['id']}", json={"name": "canary bearer renamed"})
    assert r.status_code == 200, describe_response(r)
    patched = admin.create_credential("echo-two", {"api_key": "placeholder-secret-value"})
    r = admin.patch(
        f"/api/v1/credentials/{patched['id']}", json={"fields": {"api_key": secrets["patched api_key canary"]}}
    )
    assert r.status_code == 200, describe_response(r)

    agent = admin.agent_for({"echo": bearer, "echo-basic": basic, "echo-two": patched})
    r = agent.get("echo", "canary/check?x=1")
    assert r.status_code == 200, describe_response(r)
    r = agent.get("echo-basic", "canary/basic")
    assert r.status_code == 200, describe_response(r)
    r = agent.get("echo-two", "canary/patched")
    assert r.status_code == 200, describe_response(r)

    seen = upstream.wait_for(3)
    by_path = {rec.path: rec for rec in seen}
    assert by_path["/base/v1/canary/check"].values("authorization") == [f"Bearer {api_canary}"], by_path[
        "/base/v1/canary/check"
    ].describe()
    expected_basic = "Basic " + base64.b64encode(f"canary-user:{pw_canary}".encode()).decode()
    assert by_path["/base/v1/canary/basic"].values("authorization") == [expected_basic], by_path[
        "/base/v1/canary/basic"
    ].describe()
    assert by_path["/base/v1/canary/patched"].values("authorization") == [
        f"Bearer {secrets['patched api_key canary']}"
    ], by_path["/base/v1/canary/patched"].describe()

    # Everything else a user or operator can read.
    for path in (
        "/api/v1/credentials",
        f"/api/v1/credentials/{bearer['id']}",
        f"/api/v1/credentials/{basic['id']}",
        f"/api/v1/credentials/{patched['id']}",
        "/api/v1/audit",
        "/api/v1/warnings",
        "/api/v1/groups",
        f"/api/v1/groups/{agent.group_id}",
        f"/api/v1/groups/{agent.group_id}/bindings",
        "/api/v1/providers",
        "/metrics",
        "/readyz",
        "/healthz",
    ):
        admin.get(path)
    agent.tools()
    latchkey.cli("keys", "status", "--json")

    def scan(stage: str) -> list[str]:
        hay = {f"{stage} file {k}": v for k, v in latchkey.files_on_disk().items()}
        hay[f"{stage} server log"] = latchkey.log_text()
        for i, c in enumerate(latchkey.captured):
            hay[f"response #{i} ({c.what} -> {c.status})"] = c.body
        for c in latchkey.cli_outputs:
            hay[c.what] = c.body
        return find_leaks(hay, secrets)

    files = latchkey.files_on_disk()
    assert any(name.endswith("latchkey.db") for name in files), f"no database file in {list(files)}"
    leaks = scan("while serving")
    latchkey.stop()  # checkpoints the WAL, flushes logs
    leaks += scan("after stop")
    assert not leaks, "secret found in the clear:\n" + "\n".join(leaks)


def test_agent_key_and_user_token_stored_only_as_hashes(latchkey, admin, upstream):
    cred = admin.create_credential("echo", {"api_key": "k-" + uuid.uuid4().hex})
    agent = admin.agent_for({"echo": cred})
    r = agent.get("echo", "hello")
    assert r.status_code == 200, describe_response(r)
    r = admin.get(f"/api/v1/groups/{agent.group_id}")
    assert r.status_code == 200, describe_response(r)
    detail = json.dumps(r.json())
    assert agent.key not in detail, "GET group shows the agent key after creation"
    latchkey.stop()
    hay = {f"file {k}": v for k, v in latchkey.files_on_disk().items()}
    hay["server log"] = latchkey.log_text()
    leaks = find_leaks(hay, {"agent key": agent.key, "user token": admin.token})
    assert not leaks, "agent key / user token stored or logged in the clear:\n" + "\n".join(leaks)


def _versions(status: dict) -> tuple[int, dict[int, int]]:
    """(active_version, {version: sealed_values}) from `keys status --json`, defensively."""
    dump = json.dumps(status, indent=1)
    active = status.get("active_version", status.get("active"))
    versions = status.get("versions", status.get("keys"))
    assert isinstance(versions, list), f"`keys status --json` has no versions list:\n{dump}"
    table: dict[int, int] = {}
    for v in versions:
        assert isinstance(v, dict), f"version entry is not an object:\n{dump}"
        num = v.get("version", v.get("id"))
        sealed = v.get("sealed_values", v.get("sealed", v.get("count")))
        assert isinstance(num, int) and isinstance(sealed, int), f"version entry shape:\n{dump}"
        table[num] = sealed
        if active is None and v.get("active") is True:
            active = num
    assert isinstance(active, int), f"no active version in:\n{dump}"
    assert active in table, f"active version {active} not among versions:\n{dump}"
    flagged = [v.get("version", v.get("id")) for v in versions if v.get("active") is True]
    assert flagged in ([], [active]), f"'active' flags disagree with active_version:\n{dump}"
    return active, table


def test_keys_rotate_reencrypts_everything_while_serving(latchkey, admin, upstream):
    specs = [
        ("echo", {"api_key": "rot-secret-a"}),
        ("echo", {"api_key": "rot-secret-b"}),
        ("echo", {"api_key": "rot-secret-c"}),
        ("echo-basic", {"username": "u1", "password": "rot-pw-1"}),
        ("echo-basic", {"username": "u2", "password": "rot-pw-2"}),
        ("echo-query", {"api_key": "rot-q-1"}),
    ]
    agents = []
    for i, (provider, fields) in enumerate(specs):
        cred = admin.create_credential(provider, fields, name=f"rotate {i}")
        agents.append((i, provider, fields, admin.agent_for({provider: cred})))

    def call_all(tag: str) -> list[str]:
        problems = []
        for i, provider, fields, agent in agents:
            r = agent.get(provider, f"rot/{tag}/{i}")
            if r.status_code != 200:
                problems.append(f"{tag} credential {i} ({provider}): {describe_response(r)}")
        return problems

    assert call_all("before") == []
    before = latchkey.keys_status()
    active_before, table_before = _versions(before)
    assert sum(table_before.values()) >= len(specs), f"fewer sealed values than secrets:\n{before}"

    # Agents keep calling while `keys rotate` runs against the same database.
    stop = threading.Event()
    during: list[str] = []
    rounds = [0]

    def hammer():
        while not stop.is_set():
            during.extend(call_all(f"during{rounds[0]}"))
            rounds[0] += 1

    t = threading.Thread(target=hammer, daemon=True)
    t.start()
    try:
        rotate = latchkey.cli("keys", "rotate", check=False)
    finally:
        stop.set()
        t.join(120)
    assert rotate.returncode == 0, f"keys rotate exited {rotate.returncode}: {rotate.stdout} {rotate.stderr}"
    assert not during, "calls failed while `keys rotate` ran:\n" + "\n".join(during[:20])
    assert latchkey.alive(), "server died during rotation"

    after = latchkey.keys_status()
    active_after, table_after = _versions(after)
    dump = f"before:\n{json.dumps(before, indent=1)}\nafter:\n{json.dumps(after, indent=1)}"
    assert active_after != active_before, f"rotate did not change the active version\n{dump}"
    assert table_after.get(active_before, 0) == 0, f"values still sealed under the old version\n{dump}"
    leftovers = {v: n for v, n in table_after.items() if v != active_after and n}
    assert not leftovers, f"values sealed under non-active versions {leftovers}\n{dump}"
    assert table_after[active_after] >= len(specs), f"too few values under the new version\n{dump}"

    assert call_all("after") == []
    latchkey.restart()
    assert call_all("restarted") == []

    wrong = [
        rec.describe()
        for rec in upstream.snapshot()
        for (i, provider, fields, _) in agents
        if rec.path.startswith("/base/v1/rot/")
        and rec.path.endswith(f"/{i}")
        and not injected_ok(provider, fields, rec)
    ]
    assert not wrong, "upstream got a wrong credential:\n" + "\n".join(wrong[:10])
    tags = {rec.path.split("/")[4] for rec in upstream.snapshot() if rec.path.startswith("/base/v1/rot/")}
    assert {"before", "after", "restarted"} <= tags, tags
