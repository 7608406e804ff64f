"""Users add their own remote MCP servers by URL (issue 16, `POST/DELETE /api/v1/providers`): checked (https, a
public address unless the operator allows private ones, a free id), visible and usable only by their owner, and
connected like a catalog server (discovery, dynamic registration, consent) with the tools at /mcp."""

from __future__ import annotations

import pytest
import requests

from harness import describe_response, expect_error
from mcp_client import MCPAgent, text_of
from mcp_peer.peer import McpPeer
from remote_mcp_helpers import env_factory


@pytest.fixture(scope="module")
def peer():
    with McpPeer(auth="oauth") as p:
        yield p


@pytest.fixture
def make_env(peer, tmp_path, request):
    yield from env_factory(peer, tmp_path, request, providers={})


def add(api, **body):
    return api.post("/api/v1/providers", json=body)


def test_a_private_address_is_refused_unless_allowed(make_env, peer):
    env = make_env(allow_private=False)
    r = add(env.admin, id="mine", name="Mine", mcp={"url": peer.mcp_url})
    expect_error(r, 400, "validation_failed", field="mcp.url")
    r = add(env.admin, id="mine", name="Mine", mcp={"url": peer.mcp_url.replace("http://", "https://")})
    error = expect_error(r, 400, "validation_failed", field="mcp.url")
    assert "public address" in error["message"], error
    assert all(p["id"] != "mine" for p in env.admin.get("/api/v1/providers").json()["providers"])


def test_bad_input_names_the_field_and_stores_nothing(make_env, peer):
    env = make_env()
    url = {"url": peer.mcp_url}
    for body, field in [
        ({"id": "Bad_Id", "name": "x", "mcp": url}, "id"),
        ({"id": "ok", "name": "", "mcp": url}, "name"),
        ({"id": "ok", "name": "x", "mcp": {"url": "ftp://x.example/mcp"}}, "mcp.url"),
        ({"id": "ok", "name": "x", "mcp": {"url": peer.mcp_url + "?q=1"}}, "mcp.url"),
        ({"id": "ok", "name": "x", "mcp": url, "auth": {"mode": "magic"}}, "auth.mode"),
        ({"id": "ok", "name": "x", "mcp": url, "auth": {"mode": "header", "header": "Host"}}, "auth.header"),
        ({"id": "ok", "name": "x", "mcp": url, "extra": 1}, "extra"),
    ]:
        expect_error(add(env.admin, **body), 400, "validation_failed", field=field)
    # A catalog id is not free.
    env2 = make_env(providers={"taken": "name: Taken\nauth: {mode: none}\nmcp: {url: " + peer.mcp_url + "}\n"})
    expect_error(add(env2.admin, id="taken", name="x", mcp=url), 409, "conflict")
    listed = {p["id"] for p in env.admin.get("/api/v1/providers").json()["providers"]}
    assert not listed & {"bad_id", "ok", "Bad_Id"}, "nothing was stored"


def test_own_server_connects_and_serves_tools_only_for_its_owner(make_env, peer):
    peer.reset()
    env = make_env()
    r = add(env.admin, id="mine", name="My server", mcp={"url": peer.mcp_url}, auth={"mode": "oauth2"})
    assert r.status_code == 201, describe_response(r)
    assert r.json()["mcp"] == {"url": peer.mcp_url}
    assert any(p["id"] == "mine" for p in env.admin.get("/api/v1/providers").json()["providers"])

    bob = env.lk.user_api("bob@example.com", "bob-password-0123")
    assert all(p["id"] != "mine" for p in bob.get("/api/v1/providers").json()["providers"])
    expect_error(bob.get("/api/v1/providers/mine"), 404)
    expect_error(bob.post("/api/v1/oauth/mine/authorize", json={"name": "stolen"}), 404)
    expect_error(bob.delete("/api/v1/providers/mine"), 404)
    expect_error(add(bob, id="mine", name="again", mcp={"url": peer.mcp_url}), 409, "conflict")

    env.provider_id = "mine"
    cred = env.connect("mine at peer")
    key = env.agent_key(cred)
    agent = MCPAgent(env.lk, key)
    assert "mine_echo" in agent.tool_names()
    result = agent.call("mine_echo", {"text": "my own server"})
    assert not result.is_error and text_of(result) == "my own server"

    # Another account's agent reaches none of it, on either proxy path or over /mcp: no binding of Bob's can name
    # Alice's server, and nothing of Bob's reaches it.
    calls_before = peer.stats()["tools_call"].get("echo", 0)
    bob_group = bob.create_group("bob-group")
    bob_key = bob.create_key(bob_group["id"])["key"]
    expect_error(bob.put(f"/api/v1/groups/{bob_group['id']}/bindings/mine", json={"credential_id": cred["id"]}), 404)
    rpc = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "echo", "arguments": {"text": "bob"}}}
    headers = {"Authorization": f"Bearer {bob_key}", "Accept": "application/json, text/event-stream"}
    r = requests.post(env.lk.url("/mcp/mine"), json=rpc, headers=headers, timeout=30)
    assert r.status_code == 424 and r.json()["error"]["code"] == "credential_missing", describe_response(r)
    r = requests.post(env.lk.url("/v1/proxy/mine/"), json=rpc, headers=headers, timeout=30)
    assert r.status_code == 424 and r.json()["error"]["code"] == "credential_missing", describe_response(r)
    refused = MCPAgent(env.lk, bob_key).call("mine_echo", {"text": "bob"})
    assert refused.is_error and refused.structured_content["error"]["code"] == "credential_missing"
    assert "mine_echo" not in MCPAgent(env.lk, bob_key).tool_names()
    # And an outsider without a key gets 401 on every path.
    for path in ("/mcp/mine", "/v1/proxy/mine/", "/mcp"):
        r = requests.post(
            env.lk.url(path), json=rpc, headers={"Accept": "application/json, text/event-stream"}, timeout=30
        )
        assert r.status_code == 401, f"{path}: {describe_response(r)}"
    assert peer.stats()["tools_call"].get("echo", 0) == calls_before, "nothing of Bob's reached Alice's server"

    # Deleting it is refused while a credential uses it, then allowed.
    expect_error(env.admin.delete("/api/v1/providers/mine"), 409, "conflict")
    assert env.admin.delete(f"/api/v1/credentials/{cred['id']}").status_code == 204
    assert env.admin.delete("/api/v1/providers/mine").status_code == 204
    expect_error(env.admin.get("/api/v1/providers/mine"), 404)


def test_a_bearer_server_is_added_and_used_with_a_static_token(make_env, tmp_path):
    with McpPeer(auth="bearer:static-token-0123456789") as bearer_peer:
        env = make_env()
        r = add(env.admin, id="tokened", name="Tokened", mcp={"url": bearer_peer.mcp_url}, auth={"mode": "bearer"})
        assert r.status_code == 201, describe_response(r)
        cred = env.admin.create_credential("tokened", {"api_key": "static-token-0123456789"})
        group = env.admin.create_group("g-bearer")
        assert (
            env.admin.put(
                f"/api/v1/groups/{group['id']}/bindings/tokened", json={"credential_id": cred["id"]}
            ).status_code
            == 200
        )
        agent = MCPAgent(env.lk, env.admin.create_key(group["id"])["key"])
        result = agent.call("tokened_echo", {"text": "static"})
        assert not result.is_error and text_of(result) == "static"
        assert "static-token-0123456789" not in text_of(agent.call("tokened_whoami", {}))
