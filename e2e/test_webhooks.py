"""Signed webhooks (issue 18, SPEC §6 and §5.10): Standard Webhooks signatures checked at a loopback receiver,
retries after failures, strict order per credential or group, delivery resumed after a server is killed
mid-delivery, exactly once across three servers on PostgreSQL, private URLs refused, no secret in a payload."""

from __future__ import annotations

import os
import signal
import time

import pytest

from harness import Agent, Latchkey, describe_response, expect_error, find_leaks, wait_until
from webhook_receiver import Receiver

PRIVATE = {"LATCHKEY_ALLOW_PRIVATE_UPSTREAMS": "1", "LATCHKEY_WEBHOOK_RETRY_BASE_MS": "200"}
# Providers of the test catalog an agent can ask for without a binding: one binding.missing event each.
MISSING = ["echo", "echo-two", "echo-query", "echo-header", "echo-defaults", "echo-basic"]


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def register(api, receiver: Receiver, events: list[str], **extra) -> dict:
    r = api.post("/api/v1/webhooks", json={"url": receiver.url, "events": events, **extra})
    assert r.status_code == 201, describe_response(r)
    body = r.json()
    assert body["secret"].startswith("whsec_"), body
    receiver.secrets.append(body["secret"])
    return body


def group_agent(lk: Latchkey, api) -> Agent:
    group = api.create_group()
    return Agent(lk, api.create_key(group["id"])["key"], group_id=group["id"])


def ask_unbound(agent: Agent, providers: list[str]):
    for provider in providers:
        expect_error(agent.get(provider, "anything"), 424, "credential_missing")


def deliveries(api, hook_id: str) -> list[dict]:
    r = api.get(f"/api/v1/webhooks/{hook_id}/deliveries")
    assert r.status_code == 200, describe_response(r)
    return r.json()["deliveries"]


def test_deliveries_are_signed_and_carry_ids_never_secrets(env, receiver):
    lk = env.start(extra_env=PRIVATE)
    hook = register(lk.admin, receiver, ["credential.connected", "credential.deleted"])
    secret_value = "sk-live-" + os.urandom(16).hex()
    cred = lk.admin.create_credential("echo", {"api_key": secret_value}, name="payroll key")
    assert lk.admin.delete(f"/api/v1/credentials/{cred['id']}").status_code == 204
    got = receiver.wait_accepted(2)
    assert all(d.verified for d in got), [(d.msg_id, d.signature) for d in got]
    assert [d.event["type"] for d in got] == ["credential.connected", "credential.deleted"]
    for d in got:
        assert d.msg_id.startswith("msg_") and d.signature.startswith("v1,")
        assert abs(int(d.timestamp) - time.time()) < 120
        assert d.headers.get("Content-Type") == "application/json"
        assert d.event["data"]["credential_id"] == cred["id"] and d.event["data"]["provider"] == "echo"
    assert got[0].event["data"]["status"] == "active" and got[1].event["data"]["status"] == "deleted"
    assert b"payroll key" not in got[0].body, "payloads carry ids and statuses, not names"
    # Neither the credential's secret nor the signing secret in any payload, header or API answer.
    shown = {f"delivery {d.msg_id}": d.body + repr(d.headers).encode() for d in receiver.snapshot()}
    # (The registration's answer is the one place the signing secret is shown.)
    later = {f"{c.what} ({c.status})": c.body for c in lk.captured if not c.what.endswith("POST /api/v1/webhooks")}
    assert not find_leaks({**shown, **later}, {"api key": secret_value, "signing secret": hook["secret"]})
    # The secret is shown once: never in the list or the record.
    listed = lk.admin.get("/api/v1/webhooks").json()["webhooks"]
    assert [w["id"] for w in listed] == [hook["id"]] and "secret" not in listed[0]
    assert "secret" not in lk.admin.get(f"/api/v1/webhooks/{hook['id']}").json()
    # The receiver has the deliveries before the sender has read its 200 and recorded it: wait for the record.
    expected = [("credential.deleted", "delivered", 1, 200), ("credential.connected", "delivered", 1, 200)]
    shape = lambda: [
        (x["event"], x["status"], x["attempts"], x["last_status"]) for x in deliveries(lk.admin, hook["id"])
    ]
    assert wait_until(lambda: shape() == expected, timeout=10), shape()


def test_failed_deliveries_are_retried_and_later_events_wait_in_order(env, receiver):
    lk = env.start(extra_env=PRIVATE)
    hook = register(lk.admin, receiver, ["binding.missing"])
    receiver.fail_next = 2
    agent = group_agent(lk, lk.admin)
    ask_unbound(agent, MISSING)
    got = receiver.wait_accepted(len(MISSING))
    attempts = receiver.snapshot()
    assert all(d.verified for d in attempts)
    # The first event failed twice; nothing behind it in its group went out before it was delivered.
    assert [d.answered for d in attempts[:3]] == [500, 500, 200], [
        (d.event["data"]["provider"], d.answered) for d in attempts
    ]
    assert len({d.msg_id for d in attempts[:3]}) == 1, "a retry keeps its webhook-id"
    assert [d.event["data"]["provider"] for d in got] == MISSING
    assert all(d.event["data"]["group_id"] == agent.group_id for d in got)

    def first():
        x = {x["id"]: x for x in deliveries(lk.admin, hook["id"])}[attempts[0].msg_id]
        return (x["status"], x["attempts"], x["last_status"])

    assert wait_until(lambda: first() == ("delivered", 3, 200), timeout=10), first()


def test_a_server_killed_mid_delivery_delivers_after_restart(env, receiver):
    lk = env.start(extra_env={**PRIVATE, "LATCHKEY_WEBHOOK_TIMEOUT": "2"})
    hook = register(lk.admin, receiver, ["binding.missing"])
    receiver.hold = True
    agent = group_agent(lk, lk.admin)
    ask_unbound(agent, MISSING[:3])
    assert receiver.held.wait(30), "the first delivery never arrived"
    os.kill(lk.proc.pid, signal.SIGKILL)
    lk.proc.wait(10)
    receiver.release.set()
    lk.start()
    got = receiver.wait_accepted(3, timeout=60)
    ids = [d.msg_id for d in got]
    assert [d.event["data"]["provider"] for d in got] == MISSING[:3], "none lost, none out of order"
    assert receiver.snapshot()[0].msg_id == ids[0], "the held one is sent again with the same webhook-id"
    statuses = lambda: [x["status"] for x in deliveries(lk.admin, hook["id"])]
    assert wait_until(lambda: statuses() == ["delivered"] * 3, timeout=10), statuses()


def test_endpoint_registration_is_checked(env, receiver):
    lk = env.start()  # private upstreams not allowed
    r = lk.admin.post(
        "/api/v1/webhooks", json={"url": f"https://127.0.0.1:{receiver.port}/hooks", "events": ["credential.deleted"]}
    )
    body = expect_error(r, 400, "validation_failed", "url")
    assert "public address" in body["message"]
    expect_error(
        lk.admin.post("/api/v1/webhooks", json={"url": receiver.url, "events": ["credential.deleted"]}),
        400,
        "validation_failed",
        "url",
    )
    expect_error(
        lk.admin.post(
            "/api/v1/webhooks", json={"url": "https://hooks.example.com/x", "events": ["credential.exploded"]}
        ),
        400,
        "validation_failed",
        "events",
    )
    expect_error(
        lk.admin.post(
            "/api/v1/webhooks",
            json={"url": "https://hooks.example.com/x", "events": ["credential.deleted"], "secret": "x"},
        ),
        400,
        "validation_failed",
        "secret",
    )
    assert receiver.snapshot() == []


def test_users_see_only_their_endpoints_and_only_admins_register_for_all(env, receiver):
    lk = env.start(extra_env=PRIVATE)
    alice = lk.user_api("alice@example.com", "alice-password-0123456789")
    bob = lk.user_api("bob@example.com", "bob-password-0123456789")
    expect_error(
        alice.post("/api/v1/webhooks", json={"url": receiver.url, "events": ["credential.deleted"], "all_users": True}),
        403,
    )
    mine = register(alice, receiver, ["credential.connected"])
    everyone = register(lk.admin, receiver, ["credential.connected"], all_users=True)
    assert everyone["all_users"] is True
    assert [w["id"] for w in bob.get("/api/v1/webhooks").json()["webhooks"]] == []
    expect_error(bob.get(f"/api/v1/webhooks/{mine['id']}"), 404)
    expect_error(bob.delete(f"/api/v1/webhooks/{mine['id']}"), 404)
    expect_error(bob.get(f"/api/v1/webhooks/{everyone['id']}/deliveries"), 404)
    # Bob's event reaches the all-users endpoint only; Alice's reaches both.
    bob.create_credential("echo", {"api_key": "k" * 24})
    alice.create_credential("echo", {"api_key": "k" * 24})
    receiver.wait_accepted(3)
    time.sleep(1)
    assert len(deliveries(lk.admin, everyone["id"])) == 2
    assert len(deliveries(alice, mine["id"])) == 1
    assert alice.delete(f"/api/v1/webhooks/{mine['id']}").status_code == 204
    expect_error(alice.get(f"/api/v1/webhooks/{mine['id']}"), 404)


def test_three_servers_on_postgres_deliver_each_event_once_in_order(env, receiver, pg_url):
    extra = {**PRIVATE, "LATCHKEY_DATABASE_URL": pg_url}
    first = env.start(extra_env=extra)
    servers = [first] + [
        env.start(extra_env={**extra, "LATCHKEY_MASTER_KEY_FILE": str(first.key_file)}) for _ in range(2)
    ]
    register(first.admin, receiver, ["binding.missing", "credential.connected", "credential.deleted"])
    token = first.admin.token
    agents = []
    for index, lk in enumerate(servers):
        lk._admin = first.admin if index == 0 else type(first.admin)(lk, token, label=f"admin@{index}")
        agents.append(group_agent(lk, lk.admin))
    # Every server records events while every server sends: each group's events come from one server, in order.
    for agent in agents:
        ask_unbound(agent, MISSING)
    creds = [servers[i % 3].admin.create_credential("echo", {"api_key": "k" * 24}) for i in range(3)]
    for i, cred in enumerate(creds):
        assert servers[(i + 1) % 3].admin.delete(f"/api/v1/credentials/{cred['id']}").status_code == 204
    expected = len(agents) * len(MISSING) + 2 * len(creds)
    receiver.wait_accepted(expected, timeout=60)
    time.sleep(3)  # any duplicate would have arrived by now
    got = receiver.snapshot()
    ids = [d.msg_id for d in got]
    assert len(ids) == len(set(ids)) == expected, "each event exactly once across the three servers"
    assert all(d.verified and d.answered == 200 for d in got)
    for agent in agents:
        order = [d.event["data"]["provider"] for d in got if d.event["data"].get("group_id") == agent.group_id]
        assert order == MISSING, (agent.group_id, order)
    for cred in creds:
        order = [d.event["type"] for d in got if d.event["data"].get("credential_id") == cred["id"]]
        assert order == ["credential.connected", "credential.deleted"], order


def test_dashboard_adds_lists_logs_and_deletes_endpoints(env, receiver):
    import re

    from harness import signed_in_browser

    lk = env.start(extra_env=PRIVATE)
    lk.admin  # creates the admin user
    browser = signed_in_browser(lk, Latchkey.ADMIN_EMAIL, Latchkey.ADMIN_PASSWORD)
    page = browser.get(lk.url("/settings/webhooks"), timeout=30)
    assert page.status_code == 200 and "Add an endpoint" in page.text, describe_response(page)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    # Without the CSRF token nothing is added.
    refused = browser.post(
        lk.url("/settings/webhooks"),
        data={"url": receiver.url, "event.credential.connected": "on"},
        allow_redirects=False,
        timeout=30,
    )
    assert refused.status_code == 403 and lk.admin.get("/api/v1/webhooks").json()["webhooks"] == []
    created = browser.post(
        lk.url("/settings/webhooks"),
        data={"csrf": csrf, "url": receiver.url, "event.credential.connected": "on"},
        allow_redirects=False,
        timeout=30,
    )
    assert created.status_code == 201, describe_response(created)
    secret = re.search(r'value="(whsec_[A-Za-z0-9+/=]+)"', created.text).group(1)
    receiver.secrets.append(secret)
    hook = lk.admin.get("/api/v1/webhooks").json()["webhooks"][0]
    assert hook["events"] == ["credential.connected"] and hook["url"] == receiver.url
    assert secret not in browser.get(lk.url("/settings/webhooks"), timeout=30).text, "shown once"
    lk.admin.create_credential("echo", {"api_key": "k" * 24})
    assert receiver.wait_accepted(1)[0].verified
    assert wait_until(
        lambda: "delivered" in browser.get(lk.url(f"/settings/webhooks/{hook['id']}"), timeout=30).text, timeout=10
    )
    log = browser.get(lk.url(f"/settings/webhooks/{hook['id']}"), timeout=30).text
    assert "credential.connected" in log and secret not in log
    gone = browser.post(
        lk.url(f"/settings/webhooks/{hook['id']}/delete"), data={"csrf": csrf}, allow_redirects=False, timeout=30
    )
    assert gone.status_code == 303
    assert lk.admin.get("/api/v1/webhooks").json()["webhooks"] == []


def test_a_disabled_endpoint_gets_nothing_and_its_pending_deliveries_wait(env, receiver):
    lk = env.start(extra_env=PRIVATE)
    hook = register(lk.admin, receiver, ["binding.missing"])
    receiver.fail_next = 10**6  # every attempt fails until the endpoint is back on
    agent = group_agent(lk, lk.admin)
    ask_unbound(agent, MISSING[:2])
    assert wait_until(lambda: len(receiver.snapshot()) >= 1, timeout=30), "the first attempt never arrived"
    r = lk.admin.patch(f"/api/v1/webhooks/{hook['id']}", json={"enabled": False})
    assert r.status_code == 200 and r.json()["enabled"] is False and "secret" not in r.json(), describe_response(r)
    tried = len(receiver.snapshot())
    ask_unbound(agent, MISSING[2:4])  # events while off are not queued for it
    time.sleep(3)  # ~4 retry rounds at 200 ms doubling: an enabled endpoint would have been tried again meanwhile
    assert len(receiver.snapshot()) <= tried + 1, "off: at most the attempt already under way"
    log = deliveries(lk.admin, hook["id"])
    assert len(log) == 2 and all(x["status"] == "pending" for x in log), log
    receiver.fail_next = 0
    r = lk.admin.patch(f"/api/v1/webhooks/{hook['id']}", json={"enabled": True})
    assert r.status_code == 200 and r.json()["enabled"] is True, describe_response(r)
    got = receiver.wait_accepted(2)
    assert [d.event["data"]["provider"] for d in got] == MISSING[:2], "the waiting ones go out, in order"
    assert all(d.verified for d in got), "the secret did not change"
    assert wait_until(lambda: all(x["status"] == "delivered" for x in deliveries(lk.admin, hook["id"])), timeout=10)
    assert len(deliveries(lk.admin, hook["id"])) == 2, "nothing was queued while it was off"


def test_only_the_owner_changes_an_endpoint_and_the_dashboard_toggles_it(env, receiver):
    import re

    from harness import signed_in_browser

    lk = env.start(extra_env=PRIVATE)
    hook = register(lk.admin, receiver, ["credential.connected"])
    bob = lk.user_api("bob@example.com", "bob-password-0123456789")
    for body in ({"enabled": False}, {"enabled": "nope", "extra": 1}):
        expect_error(bob.patch(f"/api/v1/webhooks/{hook['id']}", json=body), 404, "not_found")
    expect_error(
        lk.admin.patch(f"/api/v1/webhooks/{hook['id']}", json={"enabled": "no"}), 400, "validation_failed", "enabled"
    )
    expect_error(
        lk.admin.patch(f"/api/v1/webhooks/{hook['id']}", json={"secret": "whsec_x"}), 400, "validation_failed", "secret"
    )
    assert lk.admin.get(f"/api/v1/webhooks/{hook['id']}").json()["enabled"] is True
    browser = signed_in_browser(lk, Latchkey.ADMIN_EMAIL, Latchkey.ADMIN_PASSWORD)
    page = browser.get(lk.url("/settings/webhooks"), timeout=30)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    assert "Turn off" in page.text, page.text
    toggle = lk.url(f"/settings/webhooks/{hook['id']}/enabled")
    refused = browser.post(toggle, data={"enabled": "false"}, allow_redirects=False, timeout=30)
    assert refused.status_code == 403 and lk.admin.get(f"/api/v1/webhooks/{hook['id']}").json()["enabled"] is True
    off = browser.post(toggle, data={"csrf": csrf, "enabled": "false"}, allow_redirects=False, timeout=30)
    assert off.status_code == 303, describe_response(off)
    assert lk.admin.get(f"/api/v1/webhooks/{hook['id']}").json()["enabled"] is False
    page = browser.get(lk.url("/settings/webhooks?notice=webhook_disabled"), timeout=30).text
    assert "Turn on" in page and "turned off" in page
    lk.admin.create_credential("echo", {"api_key": "k" * 24})
    assert deliveries(lk.admin, hook["id"]) == [], "off: no delivery queued"
    on = browser.post(toggle, data={"csrf": csrf, "enabled": "true"}, allow_redirects=False, timeout=30)
    assert on.status_code == 303 and lk.admin.get(f"/api/v1/webhooks/{hook['id']}").json()["enabled"] is True
    lk.admin.create_credential("echo", {"api_key": "j" * 24})
    assert receiver.wait_accepted(1)[0].verified
