"""Connecting a remote MCP server in headless Chromium (issue 16): the dashboard's Connect form, Latchkey's
discovery and dynamic registration, the MCP peer's own consent page (e2e/mcp_peer, the official Python SDK's
authorization server), back on Latchkey, then the server's tools through /mcp with the official MCP client."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from browser import signed_in
from mcp_client import MCPAgent, text_of
from mcp_peer.peer import McpPeer
from remote_mcp_helpers import PROVIDER, provider_yaml


@pytest.fixture(scope="module")
def peer():
    with McpPeer(auth="oauth") as p:
        yield p


def test_connect_a_remote_mcp_server_in_the_browser_and_use_its_tools(env, peer, dashboard_factory, browser_factory):
    peer.reset()
    lk = dashboard_factory(
        extra_providers={PROVIDER: provider_yaml(peer)}, extra_env={"LATCHKEY_ALLOW_PRIVATE_UPSTREAMS": "1"}
    )
    b = signed_in(browser_factory, lk)
    b.go(f"/credentials/new?provider={PROVIDER}", "connect-form")
    assert b.exists("#connect"), b.describe()
    b.fill("form#credential-form", {"name": "peer in the browser"})
    b.click("#connect", "peer-consent")
    # Discovery and registration happened on the way: the browser is at the peer's consent page.
    assert b.current_url.startswith(peer.url + "/"), b.describe()
    assert b.exists("#approve"), f"the peer's consent page: {b.describe()}"
    b.click("#approve", "back-on-latchkey")
    assert b.current_url.startswith(lk.public_url) and b.path == "/credentials", b.describe()
    assert "Connected" in b.notice(), b.describe()
    [cred] = [c for c in lk.admin.credentials() if c["provider"] == PROVIDER]
    assert cred["status"] == "active"
    assert peer.stats()["registrations"] == 1
    # The credential's token never shows in the page.
    assert "access_token" not in b.html or "********" in b.html

    key = lk.admin.create_key(lk.admin.create_group("browser-connected")["id"])["key"]
    gid = [g for g in lk.admin.groups() if g["name"] == "browser-connected"][0]["id"]
    r = lk.admin.put(f"/api/v1/groups/{gid}/bindings/{PROVIDER}", json={"credential_id": cred["id"]})
    assert r.status_code == 200, r.text
    agent = MCPAgent(lk, key)
    result = agent.call(f"{PROVIDER}_echo", {"text": "from the browser"})
    assert not result.is_error and text_of(result) == "from the browser"
    assert urlsplit(peer.mcp_url).path == "/mcp"


def test_add_and_remove_an_own_remote_mcp_server_in_the_browser(env, peer, dashboard_factory, browser_factory):
    lk = dashboard_factory(extra_env={"LATCHKEY_ALLOW_PRIVATE_UPSTREAMS": "1"})
    b = signed_in(browser_factory, lk)
    b.go("/providers", "providers")
    assert b.exists("form#server-form"), b.describe()
    # A bad URL: a clear error, the input kept, nothing stored.
    b.submit(
        "form#server-form", "#add-server", "bad-url", {"url": "ftp://nope.example/mcp", "id": "mine", "name": "Mine"}
    )
    assert b.exists("#error") and "https" in b.text("#error"), b.describe()
    assert b.find("#server-id").get_attribute("value") == "mine"
    assert all(p["id"] != "mine" for p in lk.admin.get("/api/v1/providers").json()["providers"])
    b.submit("form#server-form", "#add-server", "added", {"url": peer.mcp_url, "id": "mine", "name": "My MCP server"})
    assert "Remote MCP server added" in b.notice(), b.describe()
    assert b.exists('.own-server[data-provider="mine"]'), b.describe()
    listed = {p["id"]: p for p in lk.admin.get("/api/v1/providers").json()["providers"]}
    assert listed["mine"]["mcp"] == {"url": peer.mcp_url}
    b.click('.own-server[data-provider="mine"] .delete-server', "removed")
    assert "removed" in b.notice().lower(), b.describe()
    assert not b.exists('.own-server[data-provider="mine"]')
    assert "mine" not in {p["id"] for p in lk.admin.get("/api/v1/providers").json()["providers"]}
