"""Issue 13 items 2-4: refused methods, response framing that can never cross two agents' calls, and injected values
that never come back (SPEC §6: 405 method_not_allowed; §5.8), on both proxy paths and in MCP tool results.

Every case runs with a bodiless or declared-length request (the event-loop path) and with a chunked one (the
Hummingbird path), over raw sockets so the framing is exactly what is written here."""

from __future__ import annotations

import base64
import json
import socket
from urllib.parse import quote

import pytest

from harness import build_head, describe_response, find_leaks, parse_head, raw_exchange, read_head
from hostile import LEFTOVER, HostileUpstream, keep_alive_exchanges, provider_yaml
from mcp_client import MCPAgent, text_of

BEARER_SECRET = "trust-bearer-0123456789abcdef"
QUERY_SECRET = "trust+query/0123456789=="
BASIC_USER = "trust-user@example.com"
BASIC_PASSWORD = "trust-basic-password-42"


@pytest.fixture(scope="module")
def hostile():
    server = HostileUpstream()
    yield server
    server.close()


@pytest.fixture(scope="module")
def world(module_env, hostile):
    lk = module_env.start(
        extra_providers={
            "hostile": provider_yaml("Hostile bearer", hostile.port, 'headers: {Authorization: "Bearer {{api_key}}"}'),
            "hostile-query": provider_yaml("Hostile query", hostile.port, 'query: {api_key: "{{api_key}}"}'),
            "hostile-header": provider_yaml("Hostile header", hostile.port, 'headers: {X-Api-Key: "{{api_key}}"}'),
            "hostile-basic": provider_yaml(
                "Hostile basic",
                hostile.port,
                'basic: {username: "{{username}}", password: "{{password}}"}',
                mode="basic",
            ),
        }
    )
    admin = lk.admin
    bindings = {
        "hostile": admin.create_credential("hostile", {"api_key": BEARER_SECRET}),
        "hostile-query": admin.create_credential("hostile-query", {"api_key": QUERY_SECRET}),
        "hostile-header": admin.create_credential("hostile-header", {"api_key": BEARER_SECRET}),
        "hostile-basic": admin.create_credential("hostile-basic", {"username": BASIC_USER, "password": BASIC_PASSWORD}),
    }
    agent_a = admin.agent_for(bindings, group_name="trust A")
    agent_b = admin.agent_for(
        {"hostile": admin.create_credential("hostile", {"api_key": "trust-other-group-key-987654"})},
        group_name="trust B",
    )
    return lk, agent_a, agent_b


SECRETS = {
    "bearer": BEARER_SECRET,
    "query": QUERY_SECRET,
    "basic user": BASIC_USER,
    "basic password": BASIC_PASSWORD,
    "basic pair": base64.b64encode(f"{BASIC_USER}:{BASIC_PASSWORD}".encode()).decode(),
}


def request(lk, key: str, method: str, target: str, framing: str) -> tuple[bytes, bytes]:
    """A request head and body: no body, or an empty chunked one (which the Hummingbird path takes)."""
    headers = [("Host", f"127.0.0.1:{lk.port}"), ("Authorization", f"Bearer {key}")]
    if framing == "chunked":
        return build_head(method, target, headers + [("Transfer-Encoding", "chunked")]), b"0\r\n\r\n"
    return build_head(method, target, headers), b""


@pytest.fixture(params=["plain", "chunked"])
def framing(request):
    return request.param


# -- methods ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["TRACE", "TRACK", "CONNECT"])
def test_tunnelling_and_echoing_methods_are_refused_and_never_forwarded(world, hostile, framing, method):
    lk, agent, _ = world
    before = len(hostile.snapshot())
    head, body = request(lk, agent.key, method, "/v1/proxy/hostile/anything", framing)
    # Read as a HEAD response when CONNECT: NIO's HTTP/1 encoder sends every response to CONNECT without a body.
    res = raw_exchange(lk.port, head, body, method="HEAD" if method == "CONNECT" else method)
    resp = res.response
    assert resp is not None, f"no response: {res.read_error} {res.send_error}"
    if method == "TRACK" and resp.status == 400 and resp.body == b"":
        # NIO's HTTP/1 parser (llhttp) knows no TRACK method: it refuses the request itself, bare, before any of
        # Latchkey's code runs. Never forwarded is what matters; the 405 shows in the MCP test below.
        assert resp.header("connection") == "close", resp.headers
    elif method == "CONNECT":
        assert resp.status == 405, describe_response(resp)
        assert resp.header("connection") == "close", resp.headers
    else:
        assert resp.status == 405, describe_response(resp)
        assert resp.json()["error"]["code"] == "method_not_allowed", resp.text
        assert isinstance(resp.json()["error"]["message"], str)
    assert hostile.snapshot()[before:] == [], "a refused method reached the provider"


@pytest.mark.parametrize("method", ["TRACE", "TRACK", "CONNECT", "trace"])
def test_the_mcp_request_tool_refuses_the_same_methods(world, hostile, method):
    lk, agent, _ = world
    before = len(hostile.snapshot())
    result = MCPAgent(lk, agent.key).call("hostile_request", {"method": method, "path": "/anything"})
    assert result.is_error is True, text_of(result)
    error = (result.structured_content or {}).get("error") or {}
    assert error.get("code") == "method_not_allowed" and error.get("status") == 405, result.structured_content
    assert text_of(result).startswith("method_not_allowed:"), text_of(result)
    assert hostile.snapshot()[before:] == [], "a refused method reached the provider"


# -- framing ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "trick,method,status",
    [
        ("owe-204", "GET", 204),
        ("owe-304", "GET", 304),
        ("owe-head", "HEAD", 200),
        ("extra", "GET", 200),
        ("switch-101", "GET", 502),
    ],
)
def test_a_badly_framed_response_never_reaches_the_next_agents_call(world, framing, trick, method, status):
    """Agent A's call gets an ambiguously framed answer; agent B's next call to the same provider (on the same agent
    connection, so the same event loop and pool) must get its own response, never A's leftovers."""
    lk, agent_a, agent_b = world
    a = request(lk, agent_a.key, method, f"/v1/proxy/hostile/a/{trick}", framing)
    b = request(lk, agent_b.key, "GET", "/v1/proxy/hostile/b/own", framing)
    answers = keep_alive_exchanges(lk.port, [(a[0], a[1], method), (b[0], b[1], "GET")])
    assert len(answers) == 2 and not isinstance(answers[0], str), answers
    assert answers[0][0] == status, answers[0]
    if trick == "extra":
        assert answers[0][2] == b"A-own", answers[0]
    elif trick == "switch-101":
        assert json.loads(answers[0][2])["error"]["code"] == "upstream_unreachable", answers[0]
    else:
        assert answers[0][2] == b"", answers[0]
    assert not isinstance(answers[1], str), f"B got no response: {answers[1]}"
    b_status, _, b_body = answers[1]
    assert LEFTOVER not in b_body, f"agent B received agent A's leftovers: {answers[1]}"
    assert (b_status, b_body) == (200, b"OWN:/base/b/own"), answers[1]


# -- reflected secrets -----------------------------------------------------------------------------------------------


def _leaks(resp) -> list[str]:
    return find_leaks({"headers": json.dumps(resp.headers).encode(), "body": resp.body}, SECRETS)


@pytest.mark.parametrize("provider", ["hostile", "hostile-query", "hostile-header", "hostile-basic"])
def test_a_redirect_and_headers_that_echo_the_credential_never_show_it(world, framing, provider):
    lk, agent, _ = world
    head, body = request(lk, agent.key, "GET", f"/v1/proxy/{provider}/x/echo-headers?q=1", framing)
    resp = raw_exchange(lk.port, head, body).response
    assert resp is not None and resp.status == 302, describe_response(resp)
    assert resp.header("location").startswith("https://elsewhere.example/cb?q=1"), resp.headers
    assert _leaks(resp) == []
    if provider == "hostile-query":
        # The echoed query carried the key percent-encoded; the redirect keeps its place, overwritten.
        assert "api_key=" + "*" * len(quote(QUERY_SECRET, safe="")) in resp.header("location"), resp.header("location")


@pytest.mark.parametrize("provider", ["hostile", "hostile-query", "hostile-header", "hostile-basic"])
@pytest.mark.parametrize("shape", ["echo-body", "echo-chunked"])
def test_a_body_that_echoes_the_credential_never_shows_it(world, framing, provider, shape):
    """`echo-chunked` sends 3-byte chunks: every secret is split across chunk boundaries."""
    lk, agent, _ = world
    head, body = request(lk, agent.key, "GET", f"/v1/proxy/{provider}/x/{shape}?q=1", framing)
    resp = raw_exchange(lk.port, head, body).response
    assert resp is not None and resp.status == 200, describe_response(resp)
    echoed = resp.json()  # still valid JSON: the marker keeps strings and lengths intact
    assert echoed["target"].startswith("/base/x/"), echoed
    assert _leaks(resp) == []
    if shape == "echo-body":
        assert resp.header("content-length") == str(len(resp.body)), resp.headers


def test_an_mcp_tool_result_never_shows_the_credential(world):
    lk, agent, _ = world
    for provider in ("hostile", "hostile-query", "hostile-basic"):
        for shape in ("echo-body", "echo-chunked", "echo-headers"):
            result = MCPAgent(lk, agent.key).call(f"{provider}_request", {"method": "GET", "path": f"/x/{shape}"})
            text = text_of(result) + json.dumps(result.structured_content)
            assert find_leaks({f"{provider} {shape}": text.encode()}, SECRETS) == []


def test_a_stream_is_not_held_back_and_never_shows_the_credential(world, hostile, framing):
    """The provider sends its first event and waits until the agent has it: a relay that held the stream back would
    never deliver it (the socket timeout ends the test as a failure). The next event carries the token split over
    two chunks."""
    lk, agent, _ = world
    hostile.sse_gate.clear()
    head, body = request(lk, agent.key, "GET", "/v1/proxy/hostile/events/sse", framing)
    sock = socket.create_connection(("127.0.0.1", lk.port), timeout=20)
    f = sock.makefile("rb")
    try:
        sock.sendall(head + body)
        start, headers = parse_head(read_head(f))
        assert start.split(" ")[1] == "200", start
        received = b""
        while True:
            size = int(f.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                break
            received += f.read(size)
            f.readline()
            if received == b"data: one\n\n":
                hostile.sse_gate.set()  # the first event arrived while the provider still held the stream open
    finally:
        hostile.sse_gate.set()
        f.close()
        sock.close()
    assert received.startswith(b"data: one\n\ndata: "), received
    assert received.endswith(b"\n\n") and len(received) == len(b"data: one\n\ndata: \n\n") + len(BEARER_SECRET), (
        received
    )
    assert find_leaks({"stream": received}, SECRETS) == [], received
