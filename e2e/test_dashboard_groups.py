"""Agent groups (SPEC §4.3 credential_missing + setup_url, §4.4; docs/dashboard-views.md `groups`, `group`):
a group and an agent key made in the browser (the key shown once), binding through the bind form, and a
missing-credential warning whose fix link leads to the bind form that fixes it. Providers are the
loopback `echo` / `echo-two` of the harness, so a fixed call reaches the recording upstream."""

from __future__ import annotations

import re
import secrets
from urllib.parse import parse_qs, urlsplit

from browser import signed_in
from harness import Agent, describe_response, expect_error


def _creds(admin):
    secret_one, secret_two = "echo-one-" + secrets.token_hex(16), "echo-two-" + secrets.token_hex(16)
    one = admin.create_credential("echo", {"api_key": secret_one}, name="Echo one")
    two = admin.create_credential("echo-two", {"api_key": secret_two}, name="Echo two")
    return (one, secret_one), (two, secret_two)


def test_group_created_in_the_browser_gets_an_agent_key_shown_once_that_works_until_revoked(
    env, dashboard_factory, browser_factory
):
    lk = dashboard_factory()
    admin = lk.admin
    (cred_one, secret_one), _ = _creds(admin)
    b = signed_in(browser_factory, lk)

    b.go("/groups", "groups-empty")
    b.submit("form#group-form", "#create-group", "group-created", {"name": "support bot"})
    m = re.fullmatch(r"/groups/([^/]+)", b.path)
    assert m, f"creating a group should open it: {b.describe()}"
    gid = m.group(1)
    assert "support bot" in b.find("main").text
    assert [g["id"] for g in admin.groups()] == [gid]
    b.go("/groups", "groups-list")
    b.click("a.open-group", "group-opened", within=b.find(f'[data-group-id="{gid}"]'))
    assert b.path == f"/groups/{gid}", b.describe()

    assert not b.exists("#new-key")
    b.submit("form#key-form", "#create-key", "key-created")
    key = b.text("code#new-key").strip()
    assert key.startswith("lka_"), f"code#new-key: {key!r}"
    assert b.find("input#new-key-input").get_attribute("value") == key
    assert b.find("input#new-key-input").get_attribute("readonly") is not None
    assert "will not be shown again" in b.find("main").text
    # Beside it, how an agent uses it: the proxy URL and an MCP client configuration holding the key.
    assert b.find("code#mcp-url").get_attribute("textContent").strip() == lk.public_url + "/mcp"
    assert key in b.find("#connect-help").get_attribute("textContent"), "the MCP configuration should hold the new key"
    assert key not in b.current_url, "the key must never be put in a URL"
    b.go(f"/groups/{gid}", "group-reloaded")
    assert not b.exists("#new-key") and not b.exists("#new-key-input"), "the key is shown only once"
    assert key not in b.html and key[4:] not in b.html, "the full key must not be on the page after creation"
    assert len(b.finds("form.revoke-key")) == 1, "one key listed (by its prefix), with a revoke form"

    # The key shown is a working agent key of this group.
    admin.bind(gid, "echo", cred_one["id"])
    agent = Agent(lk, key, group_id=gid)
    env.upstream.clear()
    r = agent.get("echo", "models")
    assert r.status_code == 200, describe_response(r)
    [rec] = env.upstream.wait_for(1)
    assert rec.header("Authorization") == f"Bearer {secret_one}"

    # Revoking it cuts the agent off.
    b.go(f"/groups/{gid}", "group-before-revoke")
    b.click('[type="submit"]', "key-revoked", within=b.find("form.revoke-key"))
    assert "revoked" in b.notice().lower() and not b.exists("form.revoke-key"), b.describe()
    expect_error(agent.get("echo", "models"), 401, "unauthorized")


def test_binding_through_the_bind_form_lets_the_groups_agents_call_the_provider(
    env, dashboard_factory, browser_factory
):
    lk = dashboard_factory()
    admin = lk.admin
    (cred_one, secret_one), (cred_two, _) = _creds(admin)
    group = admin.create_group("bind me")
    gid = group["id"]
    agent = Agent(lk, admin.create_key(gid)["key"], group_id=gid)
    expect_error(agent.get("echo", "models"), 424, "credential_missing")
    b = signed_in(browser_factory, lk)
    b.go(f"/groups/{gid}", "group")
    form = 'form.bind-form[data-provider="echo"]'
    options = [o.get_attribute("value") for o in b.finds("select[name='credential_id'] option", within=b.find(form))]
    assert options == [cred_one["id"]], f"only echo credentials are offered for echo: {options}"
    b.submit(form, '[type="submit"]', "bound-echo", {"credential_id": cred_one["id"]})
    assert b.path == f"/groups/{gid}" and "bound" in b.notice().lower(), b.describe()
    assert not b.exists(form), "echo is bound now"
    assert b.exists("form.unbind") and "Echo one" in b.find("main").text
    g = admin.get(f"/api/v1/groups/{gid}").json()
    assert [(x["provider"], x["credential_id"]) for x in g["bindings"]] == [("echo", cred_one["id"])], g
    env.upstream.clear()
    r = agent.get("echo", "models")
    assert r.status_code == 200, describe_response(r)
    [rec] = env.upstream.wait_for(1)
    assert rec.header("Authorization") == f"Bearer {secret_one}"


def test_missing_credential_warning_links_to_the_bind_form_that_fixes_it(env, dashboard_factory, browser_factory):
    lk = dashboard_factory()
    admin = lk.admin
    (cred_one, _), (cred_two, secret_two) = _creds(admin)
    agent = admin.agent_for({"echo": cred_one}, group_name="support bot")
    gid = agent.group_id

    # An agent asks for a provider its group has no binding for.
    r = agent.get("echo-two", "models")
    err = expect_error(r, 424, "credential_missing")
    setup_url = err.get("setup_url")
    assert setup_url, f"credential_missing without setup_url: {describe_response(r)}"
    parts = urlsplit(setup_url)
    assert f"{parts.scheme}://{parts.netloc}" == lk.public_url and parts.path == f"/groups/{gid}", setup_url
    assert parse_qs(parts.query).get("bind") == ["echo-two"], setup_url

    b = signed_in(browser_factory, lk)
    b.go(f"/groups/{gid}", "group-with-warning")
    warnings = b.finds('li.warning[data-kind="credential_missing"]')
    assert len(warnings) == 1, f"expected one credential_missing warning: {b.describe()}"
    assert "echo-two" in warnings[0].text or "Echo bearer two" in warnings[0].text, warnings[0].text
    b.click("a.fix", "warning-fix-link", within=warnings[0])
    assert b.path == f"/groups/{gid}" and b.query.get("bind") == ["echo-two"], b.describe()
    target = b.find("#bind-target")
    bind_form = b.find('form.bind-form[data-provider="echo-two"]', within=target)
    options = [o.get_attribute("value") for o in b.finds("select[name='credential_id'] option", within=bind_form)]
    assert options == [cred_two["id"]], options

    # The setup_url the agent got opens the same highlighted form.
    b.go(setup_url, "setup-url")
    assert b.exists('#bind-target form.bind-form[data-provider="echo-two"]'), b.describe()

    b.submit(
        '#bind-target form.bind-form[data-provider="echo-two"]',
        '[type="submit"]',
        "bound-echo-two",
        {"credential_id": cred_two["id"]},
    )
    assert "bound" in b.notice().lower(), b.describe()
    assert not b.exists('li.warning[data-kind="credential_missing"]'), f"the warning should be gone: {b.describe()}"
    env.upstream.clear()
    r = agent.get("echo-two", "models")
    assert r.status_code == 200, f"after the fix the call must reach the upstream: {describe_response(r)}"
    [rec] = env.upstream.wait_for(1)
    assert rec.header("Authorization") == f"Bearer {secret_two}"
