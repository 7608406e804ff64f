"""SPEC §5.6: users see and bind only their own credentials; agents reach only their group's bindings."""

from __future__ import annotations

from harness import describe_response, expect_error


def test_users_see_and_touch_only_their_own_records(latchkey, admin):
    b = latchkey.user_api("bob@example.com", "e2e-Bob-password-0123456789", label="bob")

    a_cred = admin.create_credential("echo", {"api_key": "alice-secret-1"}, name="alice cred")
    a_group = admin.create_group("alice group")
    admin.bind(a_group["id"], "echo", a_cred["id"])
    a_key = admin.create_key(a_group["id"])
    b_cred = b.create_credential("echo", {"api_key": "bob-secret-1"}, name="bob cred")
    b_group = b.create_group("bob group")

    a_cred_before = admin.get(f"/api/v1/credentials/{a_cred['id']}").json()
    a_group_before = admin.get(f"/api/v1/groups/{a_group['id']}").json()

    attempts = [
        ("GET", f"/api/v1/credentials/{a_cred['id']}", None),
        ("PATCH", f"/api/v1/credentials/{a_cred['id']}", {"name": "owned by bob"}),
        ("PATCH", f"/api/v1/credentials/{a_cred['id']}", {"fields": {"api_key": "bob-replaced"}}),
        ("DELETE", f"/api/v1/credentials/{a_cred['id']}", None),
        ("GET", f"/api/v1/groups/{a_group['id']}", None),
        ("DELETE", f"/api/v1/groups/{a_group['id']}", None),
        ("POST", f"/api/v1/groups/{a_group['id']}/keys", None),
        ("DELETE", f"/api/v1/groups/{a_group['id']}/keys/{a_key['id']}", None),
        ("GET", f"/api/v1/groups/{a_group['id']}/bindings", None),
        ("PUT", f"/api/v1/groups/{a_group['id']}/bindings/echo", {"credential_id": b_cred["id"]}),
        ("DELETE", f"/api/v1/groups/{a_group['id']}/bindings/echo", None),
    ]
    problems = []
    for method, path, body in attempts:
        kw = {"json": body} if body is not None else {}
        r = b.request(method, path, **kw)
        try:
            expect_error(r, 404, "not_found")
        except AssertionError as e:
            problems.append(f"bob {method} {path}: {e}")
    assert not problems, "\n".join(problems)

    # Bob cannot bind Alice's credential into his own group.
    r = b.put(f"/api/v1/groups/{b_group['id']}/bindings/echo", json={"credential_id": a_cred["id"]})
    expect_error(r, (400, 404))
    r = b.get(f"/api/v1/groups/{b_group['id']}/bindings")
    assert r.status_code == 200 and r.json()["bindings"] == [], f"binding created: {describe_response(r)}"
    r = b.get(f"/api/v1/groups/{b_group['id']}")
    assert r.status_code == 200 and r.json().get("bindings") == [], describe_response(r)

    # Lists show only one's own.
    assert [c["id"] for c in b.credentials()] == [b_cred["id"]]
    assert [g["id"] for g in b.groups()] == [b_group["id"]]
    assert [c["id"] for c in admin.credentials()] == [a_cred["id"]]
    assert [g["id"] for g in admin.groups()] == [a_group["id"]]

    # Alice's records are untouched.
    assert admin.get(f"/api/v1/credentials/{a_cred['id']}").json() == a_cred_before
    assert admin.get(f"/api/v1/groups/{a_group['id']}").json() == a_group_before

    # Bob's agent (own group, nothing bound) cannot use Alice's binding.
    b_key = b.create_key(b_group["id"])
    r = b.session.get(latchkey.url("/v1/proxy/echo/x"), headers={"Authorization": f"Bearer {b_key['key']}"})
    expect_error(r, 424, "credential_missing")


def test_each_agent_group_gets_only_its_own_bindings(latchkey, admin, upstream):
    c1 = admin.create_credential("echo", {"api_key": "group-one-secret"}, name="one")
    c2 = admin.create_credential("echo", {"api_key": "group-two-secret"}, name="two")
    c3 = admin.create_credential("echo-two", {"api_key": "group-two-only-secret"}, name="two only")
    g1 = admin.agent_for({"echo": c1}, group_name="group one")
    g2 = admin.agent_for({"echo": c2, "echo-two": c3}, group_name="group two")

    r = g1.get("echo", "who/1")
    assert r.status_code == 200, describe_response(r)
    r = g2.get("echo", "who/2")
    assert r.status_code == 200, describe_response(r)
    r = g2.get("echo-two", "who/3")
    assert r.status_code == 200, describe_response(r)
    seen = {rec.path: rec for rec in upstream.wait_for(3)}
    assert seen["/base/v1/who/1"].values("authorization") == ["Bearer group-one-secret"], seen[
        "/base/v1/who/1"
    ].describe()
    assert seen["/base/v1/who/2"].values("authorization") == ["Bearer group-two-secret"], seen[
        "/base/v1/who/2"
    ].describe()
    assert seen["/base/v1/who/3"].values("authorization") == ["Bearer group-two-only-secret"], seen[
        "/base/v1/who/3"
    ].describe()

    upstream.clear()
    r = g1.get("echo-two", "who/4")
    expect_error(r, 424, "credential_missing")
    assert upstream.snapshot() == [], "a call without a binding reached the upstream"

    r = g1.tools()
    assert r.status_code == 200, describe_response(r)
    tools = r.json()
    assert tools.get("group_id") == g1.group_id, tools
    assert [(t["provider"], t["credential_id"]) for t in tools["tools"]] == [("echo", c1["id"])], tools
    r = g2.tools()
    assert sorted((t["provider"], t["credential_id"]) for t in r.json()["tools"]) == [
        ("echo", c2["id"]),
        ("echo-two", c3["id"]),
    ], r.text


def test_concurrent_calls_of_different_groups_never_cross(latchkey, admin, upstream):
    from concurrent.futures import ThreadPoolExecutor

    agents = []
    for i in range(4):
        cred = admin.create_credential("echo", {"api_key": f"concurrent-secret-{i}"}, name=f"c{i}")
        agents.append(admin.agent_for({"echo": cred}, group_name=f"concurrent {i}"))

    def call(job):
        i, n = job
        import requests

        r = requests.get(
            latchkey.url(f"/v1/proxy/echo/cc/{i}/{n}"), headers={"Authorization": f"Bearer {agents[i].key}"}, timeout=60
        )
        return r.status_code

    jobs = [(i, n) for n in range(15) for i in range(len(agents))]
    with ThreadPoolExecutor(16) as pool:
        statuses = list(pool.map(call, jobs))
    assert statuses == [200] * len(jobs), statuses
    seen = [r for r in upstream.wait_for(len(jobs)) if r.path.startswith("/base/v1/cc/")]
    assert len(seen) == len(jobs)
    wrong = [
        r.describe() for r in seen if r.values("authorization") != [f"Bearer concurrent-secret-{r.path.split('/')[4]}"]
    ]
    assert not wrong, "credential crossed groups:\n" + "\n".join(wrong[:10])
