"""Remote MCP servers (issue 16): Latchkey is the one OAuth client of a real MCP server with OAuth (the
official Python SDK's server and authorization server, e2e/mcp_peer), discovered and registered
dynamically; agents reach its tools at /mcp ({provider}_{tool}) and /mcp/{provider} with their lka_ key
and never see a token."""

from __future__ import annotations

import json
import threading
import time

import pytest
import requests

from harness import describe_response, expect_error
from mcp_client import MCPAgent, session_run, text_of
from mcp_peer.peer import McpPeer
from remote_mcp_helpers import PROVIDER, env_factory, tools_call


@pytest.fixture(scope="module")
def peer(tmp_path_factory):
    with McpPeer(auth="oauth") as p:
        yield p


@pytest.fixture
def remote(peer, tmp_path, request):
    peer.reset()
    peer.config(access_ttl=3600, rotate_refresh=True, issuer_override=None, cimd=False, dcr=True, token_delay=0)
    yield from env_factory(peer, tmp_path, request)


def test_connect_list_and_call_through_mcp(remote, peer):
    env = remote()
    cred = env.connect("alice at peer")
    assert cred["status"] == "active"
    assert "access_token" not in json.dumps(cred.get("fields", {})) or cred["fields"].get("access_token") == "********"
    key = env.agent_key(cred)
    agent = MCPAgent(env.lk, key)
    names = agent.tool_names()
    for tool in ("echo", "add", "pixel", "whoami", "progress"):
        assert f"{PROVIDER}_{tool}" in names, names
    echo = agent.call(f"{PROVIDER}_echo", {"text": "hello remote"})
    assert not echo.is_error and text_of(echo) == "hello remote"
    added = agent.call(f"{PROVIDER}_add", {"a": 2, "b": 40})
    assert not added.is_error and added.structured_content == {"sum": 42}, added
    pixel = agent.call(f"{PROVIDER}_pixel", {})
    assert pixel.content[0].type == "image" and pixel.content[0].mime_type == "image/png"
    # Schemas come through: add's input schema names a and b.
    add = next(t for t in agent.tools() if t.name == f"{PROVIDER}_add")
    assert set(add.input_schema["properties"]) >= {"a", "b"}
    # The agent never saw a token; the server never saw the agent's key.
    assert all(not e.get("authorization_is_lka") for e in peer.mcp_log())
    assert peer.stats()["registrations"] == 1


def test_resource_and_pkce_on_every_request(remote, peer):
    peer.config(access_ttl=2)
    env = remote()
    cred = env.connect()
    agent = MCPAgent(env.lk, env.agent_key(cred))
    time.sleep(2.5)
    assert not agent.call(f"{PROVIDER}_echo", {"text": "after expiry"}).is_error
    log = peer.log()
    authorizations = [e for e in log if e["path"] == "/authorize"]
    codes = [e for e in log if e["path"] == "/token" and e["grant_type"] == "authorization_code"]
    refreshes = [e for e in log if e["path"] == "/token" and e["grant_type"] == "refresh_token"]
    assert authorizations and codes and refreshes, log
    for entry in authorizations + codes + refreshes:
        assert entry["resource"] == peer.mcp_url, entry
    for entry in authorizations + codes:
        assert entry["pkce"], entry


def test_expired_token_is_refreshed_and_rotated_transparently(remote, peer):
    peer.config(access_ttl=2, rotate_refresh=True)
    env = remote()
    cred = env.connect()
    agent = MCPAgent(env.lk, env.agent_key(cred))
    for round_ in range(2):
        time.sleep(2.5)
        result = agent.call(f"{PROVIDER}_whoami", {})
        assert not result.is_error, text_of(result)
    stats = peer.stats()
    assert stats["refreshes"] >= 2 and stats["invalid_grant"] == 0, stats


def test_registration_is_reused_after_a_restart(remote, peer):
    env = remote()
    env.connect("first")
    assert peer.stats()["registrations"] == 1
    lk = env.lk
    lk.stop()
    lk.fixed_port = lk.port  # the same redirect URI: a registration is per issuer and redirect URI
    lk.start()
    env.connect("second")
    assert peer.stats()["registrations"] == 1, "the stored registration must be reused, not made again"
    clients = {e["client_id"] for e in peer.log() if e["path"] == "/token"}
    assert len(clients) == 1, clients


def test_revoked_grant_gives_needs_reauth_with_a_link(remote, peer):
    env = remote()
    cred = env.connect()
    agent = MCPAgent(env.lk, env.agent_key(cred))
    assert not agent.call(f"{PROVIDER}_echo", {"text": "x"}).is_error
    peer.revoke_all()
    result = agent.call(f"{PROVIDER}_echo", {"text": "y"})
    assert result.is_error
    error = result.structured_content["error"]
    assert error["code"] == "credential_needs_reauth", error
    assert error["setup_url"] == f"{env.lk.public_url}/credentials/{cred['id']}/reconnect"
    assert env.admin.get(f"/api/v1/credentials/{cred['id']}").json()["status"] == "needs_reauth"


def test_issuer_mismatch_is_refused(remote, peer):
    env = remote()
    peer.config(issuer_override="https://evil.example")
    r = env.authorize()
    error = expect_error(r, 502, "mcp_server_refused")
    assert "issuer" in error["message"], error
    assert peer.stats()["registrations"] == 0


def test_private_address_is_refused_unless_allowed(remote, peer):
    # An operator's file may name a loopback MCP server; what it names (its authorization server) must be public.
    env = remote(allow_private=False)
    r = env.authorize()
    error = expect_error(r, 502, "mcp_server_refused")
    assert "public address" in error["message"], error
    assert peer.stats()["registrations"] == 0


def test_step_up_answers_with_a_reconnect_link_for_the_extra_scope(remote, peer):
    env = remote()
    cred = env.connect(scopes=["read"])
    agent = MCPAgent(env.lk, env.agent_key(cred))
    result = agent.call(f"{PROVIDER}_admin_only", {})
    assert result.is_error
    error = result.structured_content["error"]
    assert error["code"] == "insufficient_scope", error
    assert error["setup_url"].startswith(f"{env.lk.public_url}/credentials/{cred['id']}/reconnect?scopes=")
    assert "admin" in error["setup_url"]


def test_policy_tools_apply_to_remote_tools(remote, peer):
    env = remote()
    cred = env.connect()
    agent = MCPAgent(env.lk, env.agent_key(cred, policy={"tools": ["echo"]}))
    assert agent.tool_names() == [f"{PROVIDER}_echo"]
    refused = agent.call(f"{PROVIDER}_add", {"a": 1, "b": 2})
    assert refused.is_error and refused.structured_content["error"]["code"] == "policy_denied"
    assert not agent.call(f"{PROVIDER}_echo", {"text": "ok"}).is_error


def test_list_changed_refreshes_the_cached_list(remote, peer):
    env = remote()
    agent = MCPAgent(env.lk, env.agent_key(env.connect()))
    assert f"{PROVIDER}_sprout" not in agent.tool_names()
    assert not agent.call(f"{PROVIDER}_grow", {"name": "sprout"}).is_error
    assert f"{PROVIDER}_sprout" in agent.tool_names()


def test_pass_through_streams_progress_and_never_forwards_the_key(remote, peer):
    env = remote()
    key = env.agent_key(env.connect())
    arrivals: list[float] = []

    async def work(session):
        async def on_progress(progress, total, message):
            arrivals.append(time.monotonic())

        started = time.monotonic()
        result = await session.call_tool("progress", {"steps": 3, "delay": 0.6}, progress_callback=on_progress)
        return started, time.monotonic(), result

    started, ended, result = session_run(
        env.lk.url(f"/mcp/{PROVIDER}"), key, work, headers={"X-Api-Key": key, "Cookie": f"k={key}"}
    )
    assert text_of(result) == "done"
    assert len(arrivals) == 3, arrivals
    # Incremental: the first notification arrives well before the result.
    assert arrivals[0] - started < (ended - started) - 0.5, (started, arrivals, ended)
    log = peer.mcp_log()
    assert log and all(not e.get("authorization_is_lka") for e in log)
    assert key not in json.dumps(log)


def rpc_call(lk, key: str, i: int, tool: str = "echo", arguments: dict | None = None) -> dict:
    """One raw JSON-RPC tools/call at Latchkey's /mcp, answered 200: the JSON-RPC answer."""
    r = tools_call(lk, key, i, tool, arguments)
    assert r.status_code == 200, describe_response(r)
    return r.json()


def concurrently(fns: list) -> list:
    results: list = [None] * len(fns)

    def run(i, fn):
        try:
            results[i] = fn()
        except Exception as e:  # noqa: BLE001 - reported by the assertion below
            results[i] = e

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(fns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=90)
    return results


def assert_own_answers(results: list):
    """Each call got its own answer: the same id and its own text (not another call's, not none)."""
    for i, reply in enumerate(results, start=1):
        assert isinstance(reply, dict), f"call {i}: {reply!r}"
        assert reply.get("id") == i, reply
        result = reply["result"]
        assert result.get("isError") is False, result
        assert result["content"][0]["text"] == f"n{i}", f"call {i} got another call's answer: {result}"


def test_concurrent_calls_share_a_session_but_never_an_answer(remote, peer):
    # Many calls of one credential share Latchkey's session with the server; the server answers by JSON-RPC id
    # within a session, so a repeated id would hand one call's result to another (this failed: answers crossed
    # and some calls never returned).
    env = remote()
    key = env.agent_key(env.connect())
    rpc_call(env.lk, key, 0)
    assert_own_answers(concurrently([lambda i=i: rpc_call(env.lk, key, i) for i in range(1, 21)]))


def test_concurrent_calls_with_an_expired_token_refresh_once(remote, peer):
    peer.config(access_ttl=2, token_delay=0.3)
    env = remote()
    key = env.agent_key(env.connect())
    rpc_call(env.lk, key, 0)
    time.sleep(2.5)
    before = peer.stats()["refreshes"]
    assert_own_answers(concurrently([lambda i=i: rpc_call(env.lk, key, i) for i in range(1, 21)]))
    assert peer.stats()["refreshes"] - before == 1


def test_three_servers_on_postgresql_refresh_once(remote, peer, pg_url):
    peer.config(access_ttl=2, token_delay=0.3)
    env = remote(extra_env={"LATCHKEY_DATABASE_URL": pg_url})
    servers = [env.lk, env.start_server(share_db_with=env.lk), env.start_server(share_db_with=env.lk)]
    key = env.agent_key(env.connect())
    for n, lk in enumerate(servers):
        rpc_call(lk, key, 100 + n, arguments={"text": f"n{100 + n}"})
    time.sleep(2.5)
    before = peer.stats()["refreshes"]
    assert_own_answers(concurrently([lambda i=i: rpc_call(servers[i % 3], key, i) for i in range(1, 21)]))
    assert peer.stats()["refreshes"] - before == 1
    assert peer.stats()["invalid_grant"] == 0


def test_client_id_metadata_document_is_used_when_the_server_supports_it(remote, peer):
    peer.config(cimd=True)
    env = remote()
    doc = requests.get(env.lk.url("/oauth/client-metadata.json"), timeout=10)
    assert doc.status_code == 200, describe_response(doc)
    document = doc.json()
    assert document["client_id"] == env.lk.public_url + "/oauth/client-metadata.json"
    assert document["redirect_uris"] == [env.lk.public_url + "/oauth/callback"]
    assert document["token_endpoint_auth_method"] == "none"
    cred = env.connect()
    assert peer.stats()["registrations"] == 0, "no dynamic registration when a metadata document does"
    tokens = [e for e in peer.log() if e["path"] == "/token"]
    assert tokens and all(e["client_id"] == document["client_id"] for e in tokens), tokens
    agent = MCPAgent(env.lk, env.agent_key(cred))
    assert not agent.call(f"{PROVIDER}_echo", {"text": "cimd"}).is_error


def test_the_group_budget_counts_remote_tool_calls(remote, peer):
    env = remote()
    cred = env.connect()
    key = env.agent_key(cred)
    [group] = env.admin.groups()
    group_id = group["id"]
    r = env.admin.put(
        f"/api/v1/groups/{group_id}/budget", json={"limits": [{"provider": PROVIDER, "per": "hour", "calls": 2}]}
    )
    assert r.status_code == 200, describe_response(r)
    # Listing tools is Latchkey's own traffic: it costs the agent nothing.
    agent = MCPAgent(env.lk, key)
    assert f"{PROVIDER}_echo" in agent.tool_names()
    assert not agent.call(f"{PROVIDER}_echo", {"text": "1"}).is_error
    assert not agent.call(f"{PROVIDER}_echo", {"text": "2"}).is_error
    calls_before = peer.stats()["tools_call"].get("echo", 0)
    refused = agent.call(f"{PROVIDER}_echo", {"text": "3"})
    assert refused.is_error and refused.structured_content["error"]["code"] == "budget_exceeded", text_of(refused)
    assert peer.stats()["tools_call"].get("echo", 0) == calls_before, "a refused call never reaches the server"
