"""MCP at POST /mcp (issue 6, SPEC §4.3) with the official Python SDK as the client: the group's
bound providers as tools, calls through the proxy path (injection, base-URL guard, refresh, errors)."""

from __future__ import annotations

import json

import pytest
import requests

from harness import describe_response
from mcp_client import MCPAgent, session_run, text_of
from oauth_helpers import PEER_USER, PROVIDER

TOOLS = """tools:
  - name: get_item
    description: Get one item by id
    method: GET
    path: /items/{item_id}
    query: [verbose, tag]
    input_schema: {type: object, required: [item_id],
      properties: {item_id: {type: string}, verbose: {type: boolean}, tag: {type: array, items: {type: string}}}}
  - name: create_item
    description: Create an item in a collection
    method: POST
    path: /collections/{collection}/items
    input_schema: {type: object, required: [collection, title],
      properties: {collection: {type: string}, title: {type: string}, count: {type: integer}}}
"""

SECRET = "mcp-api-key-0123456789abcdef"


@pytest.fixture
def mcp_env(env):
    providers = env.providers()
    lk = env.start(extra_providers={"echo": providers["echo"] + TOOLS})
    admin = lk.admin
    cred = admin.create_credential("echo", {"api_key": SECRET})
    agent = admin.agent_for({"echo": cred})
    return lk, admin, agent, cred


def _structured_error(result) -> dict:
    assert result.is_error is True, f"expected an error result, got {text_of(result)!r}"
    return (result.structured_content or {}).get("error") or {}


def test_initialize_and_list_only_the_groups_bound_providers(mcp_env):
    lk, admin, agent, cred = mcp_env
    client = MCPAgent(lk, agent.key)
    init = client.initialize()
    assert init.server_info.name == "latchkey"
    assert init.capabilities.tools is not None
    tools = client.tools()
    assert [t.name for t in tools] == ["echo_get_item", "echo_create_item", "echo_request"]
    by_name = {t.name: t for t in tools}
    assert by_name["echo_get_item"].input_schema["required"] == ["item_id"]
    assert "Get one item by id" in by_name["echo_get_item"].description
    assert by_name["echo_request"].input_schema["required"] == ["method", "path"]
    # GET /v1/tools gives the same picture as JSON.
    r = agent.tools()
    assert r.status_code == 200, describe_response(r)
    listed = r.json()["tools"]
    assert [t["provider"] for t in listed] == ["echo"]
    assert [o["name"] for o in listed[0]["operations"]] == [t.name for t in tools]
    assert listed[0]["status"] == "active"


def test_the_tool_list_follows_the_bindings(mcp_env):
    lk, admin, agent, cred = mcp_env
    client = MCPAgent(lk, agent.key)
    assert "echo-two_request" not in client.tool_names()
    other = admin.create_credential("echo-two", {"api_key": "second-key-0123456789abcd"})
    admin.bind(agent.group_id, "echo-two", other["id"])
    assert "echo-two_request" in client.tool_names()
    r = admin.delete(f"/api/v1/groups/{agent.group_id}/bindings/echo-two")
    assert r.status_code == 204, describe_response(r)
    assert "echo-two_request" not in client.tool_names()


def test_a_declared_tool_reaches_the_upstream_with_the_credential_injected(mcp_env, upstream):
    lk, admin, agent, cred = mcp_env
    client = MCPAgent(lk, agent.key)
    upstream.clear()
    result = client.call("echo_get_item", {"item_id": "a b/c?d#e", "verbose": True, "tag": ["x", "y z"]})
    assert result.is_error is False, text_of(result)
    echo = json.loads(text_of(result))
    assert echo["target"] == "/base/v1/items/a%20b%2Fc%3Fd%23e?verbose=true&tag=x&tag=y%20z", echo
    (seen,) = upstream.snapshot()
    assert seen.header("Authorization") == f"Bearer {SECRET}"
    assert seen.method == "GET"

    upstream.clear()
    result = client.call("echo_create_item", {"collection": "books", "title": "Dune", "count": 2})
    assert result.is_error is False, text_of(result)
    (seen,) = upstream.snapshot()
    assert seen.method == "POST" and seen.path == "/base/v1/collections/books/items"
    assert json.loads(seen.body) == {"title": "Dune", "count": 2}
    assert seen.header("Content-Type") == "application/json"
    assert seen.header("Authorization") == f"Bearer {SECRET}"
    # The secret never reaches the agent.
    assert SECRET not in text_of(result)


def test_the_generic_tool_sends_method_path_query_headers_and_body(mcp_env, upstream):
    lk, admin, agent, cred = mcp_env
    client = MCPAgent(lk, agent.key)
    upstream.clear()
    result = client.call(
        "echo_request",
        {
            "method": "PUT",
            "path": "/things/7?keep=1",
            "query": {"q": "a&b", "n": 3},
            "headers": {"X-Trace": "t-1", "Authorization": "Bearer agent-forged", "Cookie": "s=1"},
            "body": {"name": "seven", "tags": ["a"]},
        },
    )
    assert result.is_error is False, text_of(result)
    (seen,) = upstream.snapshot()
    assert seen.method == "PUT"
    assert seen.target == "/base/v1/things/7?keep=1&n=3&q=a%26b", seen.target
    assert seen.header("X-Trace") == "t-1"
    assert seen.values("Authorization") == [f"Bearer {SECRET}"], "the agent's own Authorization must not pass"
    assert seen.values("Cookie") == []
    assert json.loads(seen.body) == {"name": "seven", "tags": ["a"]}

    upstream.clear()
    result = client.call("echo_request", {"method": "POST", "path": "/raw", "body": "plain text"})
    assert result.is_error is False, text_of(result)
    (seen,) = upstream.snapshot()
    assert seen.body == b"plain text" and seen.header("Content-Type").startswith("text/plain")


def test_upstream_errors_are_tool_errors_with_status_and_body(mcp_env):
    lk, admin, agent, cred = mcp_env
    result = MCPAgent(lk, agent.key).call("echo_request", {"method": "GET", "path": "/redirect/404"})
    assert result.is_error is True
    text = text_of(result)
    assert "HTTP 404" in text and '"redirect": true' in text, text
    assert result.structured_content["status"] == 404


def test_a_missing_binding_is_an_error_result_with_the_setup_link_and_a_warning(mcp_env, upstream):
    lk, admin, agent, cred = mcp_env
    upstream.clear()
    result = MCPAgent(lk, agent.key).call("echo-two_request", {"method": "GET", "path": "/x"})
    err = _structured_error(result)
    want = f"{lk.public_url}/groups/{agent.group_id}?bind=echo-two"
    assert err["code"] == "credential_missing" and err["setup_url"] == want, err
    assert "credential_missing" in text_of(result) and want in text_of(result)
    assert upstream.snapshot() == []
    r = admin.get("/api/v1/warnings")
    assert any(w["kind"] == "credential_missing" and w["provider"] == "echo-two" for w in r.json()["warnings"]), (
        r.json()
    )


def test_unknown_tools_and_providers_are_error_results(mcp_env):
    lk, admin, agent, cred = mcp_env
    client = MCPAgent(lk, agent.key)
    assert (
        _structured_error(client.call("nosuchprovider_request", {"method": "GET", "path": "/"}))["code"]
        == "unknown_provider"
    )
    assert _structured_error(client.call("echo_no_such_tool", {}))["code"] == "bad_request"
    assert _structured_error(client.call("echo_get_item", {}))["code"] == "bad_request", "a missing required argument"
    assert _structured_error(client.call("echo_request", {"method": "OPTIONS", "path": "/"}))["code"] == "bad_request"
    # SPEC §6: refused like the proxy refuses it, not as a malformed argument.
    assert (
        _structured_error(client.call("echo_request", {"method": "TRACE", "path": "/"}))["code"] == "method_not_allowed"
    )


@pytest.mark.parametrize(
    "arguments",
    [
        {"method": "GET", "path": "/../../admin"},
        {"method": "GET", "path": "/%2e%2e/%2e%2e/admin"},
        {"method": "GET", "path": "/..%2f..%2fadmin"},
        {"method": "GET", "path": "//evil.example/x"},
        {"method": "GET", "path": "/a\\..\\..\\b"},
        {"method": "GET", "path": "/x\r\nHost: evil"},
    ],
)
def test_a_tool_call_whose_path_leaves_the_base_url_is_refused(mcp_env, upstream, sink, arguments):
    lk, admin, agent, cred = mcp_env
    upstream.clear()
    err = _structured_error(MCPAgent(lk, agent.key).call("echo_request", arguments))
    assert err["code"] == "bad_request", err
    assert upstream.snapshot() == [] and sink.snapshot() == []


def test_a_declared_tool_argument_cannot_climb_out_either(mcp_env, upstream):
    lk, admin, agent, cred = mcp_env
    upstream.clear()
    for item in ("..", "."):
        err = _structured_error(MCPAgent(lk, agent.key).call("echo_get_item", {"item_id": item}))
        assert err["code"] == "bad_request", err
    assert upstream.snapshot() == []


def test_unknown_and_revoked_keys_are_refused(mcp_env):
    lk, admin, agent, cred = mcp_env
    for key in (None, "lka_" + "0" * 40, admin.token):
        r = requests.post(
            lk.url("/mcp"),
            json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
            headers={
                "Accept": "application/json, text/event-stream",
                **({"Authorization": f"Bearer {key}"} if key else {}),
            },
            timeout=30,
        )
        assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized", describe_response(r)
        assert r.headers.get("WWW-Authenticate", "").startswith("Bearer")
        with pytest.raises(Exception):
            session_run(lk.url("/mcp"), key, None)
    assert MCPAgent(lk, agent.key).tool_names()
    r = admin.delete(f"/api/v1/groups/{agent.group_id}/keys/{agent.key_id}")
    assert r.status_code == 204, describe_response(r)
    with pytest.raises(Exception):
        MCPAgent(lk, agent.key).tool_names()


def test_a_foreign_host_is_refused_against_dns_rebinding(mcp_env):
    lk, admin, agent, cred = mcp_env
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}},
    }
    base = {"Authorization": f"Bearer {agent.key}", "Accept": "application/json, text/event-stream"}
    r = requests.post(lk.url("/mcp"), json=body, headers=base, timeout=30)
    assert r.status_code == 200, describe_response(r)
    r = requests.post(lk.url("/mcp"), json=body, headers={**base, "Host": "evil.example"}, timeout=30)
    assert r.status_code == 421, describe_response(r)
    r = requests.post(lk.url("/mcp"), json=body, headers={**base, "Origin": "http://evil.example"}, timeout=30)
    assert r.status_code == 403, describe_response(r)


def test_oauth_tools_refresh_and_report_needs_reauth_with_the_reconnect_link(oauth_env):
    tools = {
        "tools": [
            {
                "name": "me",
                "description": "Who am I",
                "method": "GET",
                "path": "/me",
                "input_schema": {"type": "object", "properties": {}},
            }
        ]
    }
    env = oauth_env(access_ttl=2, provider_kw={"extra": tools})
    peer = env.peer
    cred = env.connect("mcp oauth")
    agent = env.agent(cred)
    client = MCPAgent(env.lk, agent.key)
    assert f"{PROVIDER}_me" in client.tool_names()
    result = client.call(f"{PROVIDER}_me")
    assert result.is_error is False and json.loads(text_of(result))["user"] == PEER_USER, text_of(result)

    # Expired: the call refreshes first, like the proxy does.
    import time

    time.sleep(3.5)
    peer.reset_stats()
    result = client.call(f"{PROVIDER}_me")
    assert result.is_error is False, text_of(result)
    assert peer.stats()["token_requests"]["refresh_token"] == 1, peer.stats()

    # Revoked grant: needs new consent, and the result says where.
    peer.revoke_grant(PEER_USER, client_id=env.client_id)
    result = client.call(f"{PROVIDER}_request", {"method": "GET", "path": "/me"})
    err = _structured_error(result)
    assert err["code"] == "credential_needs_reauth", err
    assert err["setup_url"].startswith(env.lk.public_url) and cred["id"] in err["setup_url"], err
    assert err["setup_url"] in text_of(result)
    assert env.credential(cred["id"])["status"] == "needs_reauth"
    actions = env.audit_actions(cred["id"])
    assert "credential.needs_reauth" in actions, actions
