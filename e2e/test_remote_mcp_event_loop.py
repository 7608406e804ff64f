"""Remote MCP tool calls relayed on the event loops (issue 16's speed target; Sources/LatchkeyServer/MCP/Remote/
MCPEventLoopRelay.swift): a `tools/call` at /mcp of a remote server's tool, by a key whose binding is in the access
cache, in a session Latchkey already holds with the server, is answered ahead of Hummingbird. These tests hold that
path to what the framework path promises: the same answers, the agent's key never reaching the server, policies and
budgets refusing before the server is reached, the transport's Host/Origin checks, and a session the server forgot
opened anew. The server is the e2e peer (e2e/mcp_peer) with a static bearer token held as an api_key credential
(OAuth credentials are never cached, so their calls take the framework path, covered by test_remote_mcp.py)."""

from __future__ import annotations

import hashlib

import pytest
import requests

from harness import describe_response
from mcp_peer.peer import McpPeer
from remote_mcp_helpers import PROVIDER, env_factory, tools_call

TOKEN = "evl-mcp-token-0123456789abcdef"


def provider_yaml(peer) -> str:
    return (
        "name: Peer MCP\n"
        "auth:\n  mode: api_key\n  fields: [{name: api_key, label: Token, secret: true, required: true}]\n"
        f"mcp: {{url: {peer.mcp_url}}}\n"
        'proxy:\n  inject: {headers: {Authorization: "Bearer {{api_key}}"}}\n'
    )


@pytest.fixture(scope="module")
def peer():
    with McpPeer(auth=f"bearer:{TOKEN}") as p:
        yield p


@pytest.fixture
def make_env(peer, tmp_path, request):
    peer.reset()
    # A long access cache: whether a call takes the event-loop path must not depend on how fast the machine is.
    yield from env_factory(
        peer,
        tmp_path,
        request,
        providers={PROVIDER: provider_yaml(peer)},
        extra_env={"LATCHKEY_ACCESS_CACHE_MS": "60000"},
    )


def agent_key(env, policy: dict | None = None) -> str:
    cred = env.admin.create_credential(PROVIDER, {"api_key": TOKEN})
    return env.agent_key(cred, policy=policy)


def result_of(r: requests.Response, i) -> dict:
    assert r.status_code == 200, describe_response(r)
    message = r.json()
    assert message["jsonrpc"] == "2.0" and message["id"] == i, message
    return message["result"]


def on_event_loop(r: requests.Response) -> bool:
    # Hummingbird names itself in a Server header; the event loops' answers carry none (as on the proxy's path).
    return "Server" not in r.headers


def warm(env, key: str) -> None:
    """The first call opens Latchkey's session with the server and fills the access cache (framework path)."""
    first = tools_call(env.lk, key, "warm-up")
    assert result_of(first, "warm-up")["content"][0]["text"] == "nwarm-up"


def test_warm_calls_are_relayed_on_the_event_loop_with_the_same_answers(make_env, peer):
    env = make_env()
    key = agent_key(env)
    warm(env, key)
    for i in range(1, 6):
        r = tools_call(env.lk, key, i)
        assert on_event_loop(r), f"call {i} went through the framework: {dict(r.headers)}"
        result = result_of(r, i)
        assert result["content"] == [{"type": "text", "text": f"n{i}"}] and not result.get("isError"), result
        assert r.headers["Cache-Control"] == "no-store" and r.headers["Content-Type"] == "application/json"
    # String ids and structured results come back as written.
    r = tools_call(env.lk, key, "abc-7", tool="add", arguments={"a": 2, "b": 3})
    assert on_event_loop(r)
    assert "5" in str(result_of(r, "abc-7")), r.text
    # The server's own JSON-RPC error (an unknown tool) as a tool result, as on the framework path.
    r = tools_call(env.lk, key, 99, tool="no_such_tool", arguments={})
    assert on_event_loop(r)
    refused = result_of(r, 99)
    assert refused["isError"] is True, refused


def test_the_agent_key_never_reaches_the_server_and_the_token_never_reaches_the_agent(make_env, peer):
    env = make_env()
    key = agent_key(env)
    warm(env, key)
    r = tools_call(env.lk, key, 1, tool="whoami", arguments={})
    assert on_event_loop(r)
    assert TOKEN not in r.text and key not in r.text, r.text
    calls = [e for e in peer.mcp_log() if e["jsonrpc_method"] == "tools/call"]
    assert len(calls) == 2, calls
    token_hash = "sha256:" + hashlib.sha256(TOKEN.encode()).hexdigest()[:16]
    for entry in calls:
        assert not entry["authorization_is_lka"], entry
        authorization = [v for k, v in entry["headers"] if k.lower() == "authorization"]
        assert len(authorization) == 1 and authorization[0].endswith(token_hash[len("sha256:") :]), entry["headers"]
        assert not any(k.lower() == "cookie" for k, _ in entry["headers"]), entry["headers"]


def test_a_tool_outside_the_policy_is_refused_before_the_server(make_env, peer):
    env = make_env()
    key = agent_key(env, policy={"tools": ["echo"]})
    warm(env, key)
    before = peer.stats()["tools_call"].get("add", 0)
    r = tools_call(env.lk, key, 5, tool="add", arguments={"a": 1, "b": 2})
    result = result_of(r, 5)
    assert result["isError"] and result["structuredContent"]["error"]["code"] == "policy_denied", result
    assert peer.stats()["tools_call"].get("add", 0) == before, "a refused call never reaches the server"
    assert TOKEN not in r.text


def test_the_group_budget_counts_event_loop_calls(make_env, peer):
    env = make_env()
    key = agent_key(env)
    [group] = env.admin.groups()
    r = env.admin.put(
        f"/api/v1/groups/{group['id']}/budget", json={"limits": [{"provider": PROVIDER, "per": "hour", "calls": 3}]}
    )
    assert r.status_code == 200, describe_response(r)
    warm(env, key)
    assert not result_of(tools_call(env.lk, key, 1), 1).get("isError")
    assert not result_of(tools_call(env.lk, key, 2), 2).get("isError")
    before = peer.stats()["tools_call"].get("echo", 0)
    refused = result_of(tools_call(env.lk, key, 3), 3)
    assert refused["isError"] and refused["structuredContent"]["error"]["code"] == "budget_exceeded", refused
    assert peer.stats()["tools_call"].get("echo", 0) == before


def test_the_transport_checks_still_refuse_a_foreign_host_or_origin(make_env, peer):
    # DNS rebinding: a page on another origin, or a name that resolves to this server, must not reach the tools.
    env = make_env()
    key = agent_key(env)
    warm(env, key)
    before = peer.stats()["tools_call"].get("echo", 0)
    r = tools_call(env.lk, key, 1, headers={"Host": "attacker.example"})
    assert r.status_code == 421, describe_response(r)
    r = tools_call(env.lk, key, 2, headers={"Origin": "https://attacker.example"})
    assert r.status_code == 403, describe_response(r)
    r = tools_call(env.lk, key, 3, headers={"Accept": "text/html"})
    assert r.status_code == 406, describe_response(r)
    assert peer.stats()["tools_call"].get("echo", 0) == before


def test_a_session_the_server_forgot_is_opened_anew(make_env, tmp_path):
    with McpPeer(auth=f"bearer:{TOKEN}") as first:
        port = first.port
        env = make_env(providers={PROVIDER: provider_yaml(first)})
        key = agent_key(env)
        warm(env, key)
        assert on_event_loop(tools_call(env.lk, key, 1))
    # The server restarts on the same address and has forgotten every session: it answers 404, and the call goes
    # to the framework path, which opens a new session and calls again.
    with McpPeer(auth=f"bearer:{TOKEN}", port=port) as second:
        result = result_of(tools_call(env.lk, key, 2), 2)
        assert result["content"] == [{"type": "text", "text": "n2"}] and not result.get("isError"), result
        calls = [e for e in second.mcp_log() if e["jsonrpc_method"] == "tools/call"]
        assert [e["status"] for e in calls] == [404, 200], calls  # the old session refused, then the new one
        assert calls[0]["session_id"] != calls[1]["session_id"] and calls[1]["session_id"], calls
        assert on_event_loop(tools_call(env.lk, key, 3)), "the new session is used on the event loop again"
