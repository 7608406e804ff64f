"""Headers the agent must not set upstream, and a `#` in the path (issue 14, item 7), on both proxy paths: a
declared body takes the event-loop path, a chunked one the framework path."""

from __future__ import annotations

import pytest

from harness import raw_exchange

KEY = "k" * 40
SPOOFED = {
    "X-Forwarded-For": "10.0.0.1",
    "X-Forwarded-Host": "internal.example",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Prefix": "/admin",
    "Forwarded": "for=10.0.0.1;host=internal.example",
    "X-Real-IP": "10.0.0.1",
    "X-Original-URL": "/admin/delete-everything",
    "X-Rewrite-URL": "/admin/delete-everything",
    "X-HTTP-Method-Override": "DELETE",
}


def _head(method: str, target: str, key: str, port: int, extra: dict, chunked: bool) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", f"Host: 127.0.0.1:{port}", f"Authorization: Bearer {key}"]
    lines += [f"{k}: {v}" for k, v in extra.items()]
    lines += ["Transfer-Encoding: chunked" if chunked else "Content-Length: 2", "Connection: close"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


@pytest.mark.parametrize("chunked", [False, True], ids=["event-loop path", "framework path"])
def test_headers_that_speak_for_the_caller_never_reach_the_provider(latchkey, upstream, chunked):
    agent = latchkey.admin.agent_for({"echo": latchkey.admin.create_credential("echo", {"api_key": KEY})})
    body = b"2\r\n{}\r\n0\r\n\r\n" if chunked else b"{}"
    result = raw_exchange(
        latchkey.port,
        _head("POST", "/v1/proxy/echo/items", agent.key, latchkey.port, {**SPOOFED, "X-Request-Id": "kept"}, chunked),
        body,
    )
    assert result.response is not None and result.response.status == 200, result
    [seen] = upstream.wait_for(1)
    names = {name.lower() for name, _ in seen.headers}
    assert not names & {n.lower() for n in SPOOFED}, f"forwarded: {sorted(names & {n.lower() for n in SPOOFED})}"
    assert seen.values("X-Request-Id") == ["kept"], "ordinary headers still pass"
    assert seen.method == "POST"


@pytest.mark.parametrize("chunked", [False, True], ids=["event-loop path", "framework path"])
def test_a_hash_in_the_path_is_refused_before_anything_is_sent(latchkey, upstream, chunked):
    agent = latchkey.admin.agent_for({"echo-query": latchkey.admin.create_credential("echo-query", {"api_key": KEY})})
    body = b"2\r\n{}\r\n0\r\n\r\n" if chunked else b"{}"
    result = raw_exchange(
        latchkey.port, _head("POST", "/v1/proxy/echo-query/items#", agent.key, latchkey.port, {}, chunked), body
    )
    assert result.response is not None and result.response.status == 400, result
    assert upstream.snapshot() == [], "nothing may reach the provider"


@pytest.mark.parametrize("chunked", [False, True], ids=["event-loop path", "framework path"])
def test_defaults_give_way_to_the_agents_own_but_the_credential_never_does(latchkey, upstream, chunked):
    """Issue 17, item 2: `proxy.defaults` go on only where the agent sent nothing of that name (any case, header
    or query parameter); the injected credential replaces whatever the agent sent."""
    agent = latchkey.admin.agent_for(
        {"echo-defaults": latchkey.admin.create_credential("echo-defaults", {"api_key": KEY})}
    )
    body = b"2\r\n{}\r\n0\r\n\r\n" if chunked else b"{}"
    plain = raw_exchange(
        latchkey.port, _head("POST", "/v1/proxy/echo-defaults/items?q=1", agent.key, latchkey.port, {}, chunked), body
    )
    assert plain.response is not None and plain.response.status == 200, plain
    [seen] = upstream.wait_for(1)
    assert seen.values("Example-Version") == ["2025-09-03"]
    assert seen.query == "q=1&format=json"
    assert seen.values("Authorization") == [f"Bearer {KEY}"]

    own = raw_exchange(
        latchkey.port,
        _head(
            "POST",
            "/v1/proxy/echo-defaults/items?format=xml",
            agent.key,
            latchkey.port,
            {"example-version": "2026-03-01"},
            chunked,
        ),
        body,
    )
    assert own.response is not None and own.response.status == 200, own
    seen = upstream.wait_for(2)[-1]
    assert seen.values("Example-Version") == ["2026-03-01"], "the agent's own version replaces the default"
    assert seen.query == "format=xml"
    assert seen.values("Authorization") == [f"Bearer {KEY}"], (
        "the agent's Authorization (its lka_ key) never reaches the provider"
    )
