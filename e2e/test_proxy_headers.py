"""Headers the agent must not set upstream, and a `#` in the path (issue 14, item 7), on both proxy paths: a
declared body takes the event-loop path, a chunked one the framework path."""

from __future__ import annotations

import pytest

from harness import raw_exchange

KEY = "k" * 40
SPOOFED = {
    "X-Forwarded-For": "10.0.0.1", "X-Forwarded-Host": "internal.example", "X-Forwarded-Proto": "https",
    "X-Forwarded-Prefix": "/admin", "Forwarded": "for=10.0.0.1;host=internal.example", "X-Real-IP": "10.0.0.1",
    "X-Original-URL": "/admin/delete-everything", "X-Rewrite-URL": "/admin/delete-everything",
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
    result = raw_exchange(latchkey.port, _head("POST", "/v1/proxy/echo/items", agent.key, latchkey.port,
                                               {**SPOOFED, "X-Request-Id": "kept"}, chunked), body)
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
    result = raw_exchange(latchkey.port, _head("POST", "/v1/proxy/echo-query/items#", agent.key, latchkey.port, {}, chunked), body)
    assert result.response is not None and result.response.status == 400, result
    assert upstream.snapshot() == [], "nothing may reach the provider"
