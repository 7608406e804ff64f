"""Remote MCP servers (issue 16): Latchkey is the one OAuth client of a real MCP server with OAuth (the
official Python SDK's server and authorization server, e2e/mcp_peer), discovered and registered
dynamically; agents reach its tools at /mcp ({provider}_{tool}) and /mcp/{provider} with their lka_ key
and never see a token."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
import requests

from harness import describe_response, expect_error
from mcp_client import MCPAgent, session_run, text_of
from mcp_peer.peer import McpPeer
from remote_mcp_helpers import PROVIDER, RemoteEnv, provider_yaml


@pytest.fixture(scope="module")
def peer(tmp_path_factory):
    with McpPeer(auth="oauth") as p:
        yield p


@pytest.fixture
def remote(peer, tmp_path, request):
    peer.reset()
    peer.config(access_ttl=3600, rotate_refresh=True, issuer_override=None, cimd=False, dcr=True, token_delay=0)
    envs = []

    def make(**kw) -> RemoteEnv:
        e = RemoteEnv(peer, tmp_path / f"env{len(envs)}", **kw)
        envs.append(e)
        request.node._latchkey_envs = getattr(request.node, "_latchkey_envs", []) + [e]
        return e
    yield make
    for e in envs:
        e.close()


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

    started, ended, result = session_run(env.lk.url(f"/mcp/{PROVIDER}"), key, work,
                                         headers={"X-Api-Key": key, "Cookie": f"k={key}"})
    assert text_of(result) == "done"
    assert len(arrivals) == 3, arrivals
    # Incremental: the first notification arrives well before the result.
    assert arrivals[0] - started < (ended - started) - 0.5, (started, arrivals, ended)
    log = peer.mcp_log()
    assert log and all(not e.get("authorization_is_lka") for e in log)
    assert key not in json.dumps(log)
