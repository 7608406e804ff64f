"""What the proxy forwards, what it injects, what it never forwards (SPEC §4.3, contract "Agent proxy").

Every test runs twice (the autouse `framing` fixture): with bodies as written (none or a declared length: the
event-loop path) and with every body chunked (the Hummingbird path); both paths must behave alike."""

from __future__ import annotations

import base64
import json
import time
from urllib.parse import parse_qsl

import pytest

from harness import Agent, build_head, chunked, describe_response, expect_error, raw_exchange

SECRET = "fwd-secret-" + "0123456789abcdef"


@pytest.fixture(params=["plain", "chunked"], autouse=True)
def framing(request, monkeypatch):
    monkeypatch.setattr(Agent, "framing", request.param)
    return request.param


def framed(headers: list[tuple[str, str]], body: bytes, framing: str) -> tuple[list[tuple[str, str]], list[bytes]]:
    """`headers` and `body` as the framing sends them: with Content-Length (when there is a body), or chunked."""
    if framing == "chunked":
        return headers + [("Transfer-Encoding", "chunked")], list(chunked([body]))
    return headers + ([("Content-Length", str(len(body)))] if body else []), [body]


@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
def test_upstream_redirect_returned_not_followed(latchkey, admin, upstream, sink, code):
    cred = admin.create_credential("echo", {"api_key": SECRET})
    agent = admin.agent_for({"echo": cred})
    r = agent.get("echo", f"go/redirect/{code}")
    assert r.status_code == code, f"expected the upstream's {code}: {describe_response(r)}"
    assert r.headers.get("Location") == upstream.redirect_target, dict(r.headers)
    time.sleep(0.5)
    assert sink.snapshot() == [], f"the redirect target was contacted: {sink.snapshot()}"
    seen = upstream.snapshot()
    assert [rec.path for rec in seen] == [f"/base/v1/go/redirect/{code}"], [rec.describe() for rec in seen]


def test_agent_and_hop_by_hop_headers_never_reach_upstream(latchkey, admin, upstream, framing):
    cred = admin.create_credential("echo", {"api_key": SECRET})
    agent = admin.agent_for({"echo": cred})
    body = json.dumps({"hello": "world", "n": 1}).encode()
    headers, pieces = framed(
        [
            ("Host", f"127.0.0.1:{latchkey.port}"),
            ("Authorization", f"Bearer {agent.key}"),
            ("Cookie", "dashboard_session=agent-cookie-value"),
            ("Proxy-Authorization", "Basic cHJveHk6c2VjcmV0"),
            ("Connection", "X-Custom"),
            ("X-Custom", "hop-by-hop-value"),
            ("Keep-Alive", "timeout=5, max=100"),
            ("TE", "trailers"),
            ("Upgrade", "websocket"),
            ("Proxy-Connection", "keep-alive"),
            ("X-Pass-Through", "kept-value"),
            ("Accept", "application/json"),
            ("User-Agent", "latchkey-e2e/1"),
            ("Content-Type", "application/json"),
        ],
        body,
        framing,
    )
    head = build_head("POST", "/v1/proxy/echo/headers/check?x=1&y=two%20words&x=3", headers)
    res = raw_exchange(latchkey.port, head, pieces, method="POST")
    resp = res.response
    assert resp is not None, f"no response: {res.read_error} {res.send_error}"
    assert resp.status == 200, describe_response(resp)

    seen = upstream.wait_for(1)
    assert len(seen) == 1, [r.describe() for r in seen]
    rec = seen[0]
    names = rec.header_names
    problems = []
    for h in ("cookie", "proxy-authorization", "x-custom", "keep-alive", "te", "upgrade", "proxy-connection"):
        if h in names:
            problems.append(f"{h} forwarded: {rec.values(h)}")
    for v in rec.values("connection"):
        if "x-custom" in v.lower():
            problems.append(f"Connection: {v} forwarded")
    if agent.key.encode() in rec.raw_head or agent.key.encode() in rec.body:
        problems.append("the agent key reached the upstream")
    if rec.values("authorization") != [f"Bearer {SECRET}"]:
        problems.append(f"authorization at upstream: {rec.values('authorization')}")
    if rec.values("host") != [f"127.0.0.1:{upstream.port}"]:
        problems.append(f"host at upstream: {rec.values('host')} (want the upstream's own)")
    for h, want in (
        ("x-pass-through", "kept-value"),
        ("accept", "application/json"),
        ("content-type", "application/json"),
    ):
        if rec.values(h) != [want]:
            problems.append(f"{h} at upstream: {rec.values(h)}, want [{want!r}]")
    if rec.method != "POST":
        problems.append(f"method {rec.method}")
    if rec.target != "/base/v1/headers/check?x=1&y=two%20words&x=3":
        problems.append(f"target {rec.target!r}")
    if rec.body != body:
        problems.append(f"body {rec.body!r}")
    assert not problems, "\n".join(problems) + "\n" + rec.describe()

    assert resp.values("set-cookie") == [], f"upstream Set-Cookie reached the agent: {resp.headers}"
    assert resp.values("x-upstream-marker") == ["echo"], f"upstream headers not returned: {resp.headers}"
    echo = resp.json()
    assert echo["body_len"] == len(body) and echo["target"] == rec.target, echo


def test_basic_credential_injected_as_authorization_basic(latchkey, admin, upstream):
    cred = admin.create_credential("echo-basic", {"username": "alice@example.com", "password": "p@ss:w0rd é"})
    agent = admin.agent_for({"echo-basic": cred})
    r = agent.get("echo-basic", "me", headers={"X-Trace": "1"})
    assert r.status_code == 200, describe_response(r)
    rec = upstream.wait_for(1)[0]
    want = "Basic " + base64.b64encode("alice@example.com:p@ss:w0rd é".encode()).decode()
    assert rec.values("authorization") == [want], rec.describe()
    assert agent.key not in "".join(v for _, v in rec.headers)


def test_query_credential_injected_and_agent_value_replaced(latchkey, admin, upstream):
    cred = admin.create_credential("echo-query", {"api_key": "query-secret-42"})
    agent = admin.agent_for({"echo-query": cred})

    r = agent.get("echo-query", "weather?q=London&units=metric")
    assert r.status_code == 200, describe_response(r)
    r = agent.get("echo-query", "weather?q=Paris&appid=agent-supplied-value&appid=second&APPID=x")
    assert r.status_code == 200, describe_response(r)
    seen = upstream.wait_for(2)
    assert len(seen) == 2, [s.describe() for s in seen]
    first, second = (dict_multi(parse_qsl(s.query, keep_blank_values=True)) for s in seen)
    assert first.get("appid") == ["query-secret-42"], seen[0].describe()
    assert first.get("q") == ["London"] and first.get("units") == ["metric"], seen[0].describe()
    assert second.get("appid") == ["query-secret-42"], f"agent appid not replaced: {seen[1].describe()}"
    assert second.get("q") == ["Paris"], seen[1].describe()
    assert "agent-supplied-value" not in seen[1].target and "second" not in seen[1].target, seen[1].describe()
    for s in seen:
        assert s.path == "/base/v1/weather", s.describe()
        assert "authorization" not in s.header_names, s.describe()


def dict_multi(pairs):
    out: dict[str, list[str]] = {}
    for k, v in pairs:
        out.setdefault(k, []).append(v)
    return out


def test_query_injection_not_bypassed_by_an_encoded_parameter_name(latchkey, admin, upstream):
    """`app%69d` is `appid` to any upstream that decodes the query: it must not survive next
    to the injected one (contract: injected query parameters replace the agent's)."""
    cred = admin.create_credential("echo-query", {"api_key": "query-secret-77"})
    agent = admin.agent_for({"echo-query": cred})
    r = agent.get("echo-query", "weather?q=Rome&app%69d=agent-value&%61ppid=agent-value-2")
    seen = upstream.wait_for(1)
    if r.status_code == 400:
        assert seen == [], "answered 400 but forwarded"
        return
    assert r.status_code == 200, describe_response(r)
    parsed = dict_multi(parse_qsl(seen[0].query, keep_blank_values=True))
    assert parsed.get("appid") == ["query-secret-77"], (
        f"upstream decodes appid={parsed.get('appid')} from {seen[0].target!r}"
    )


def test_injected_header_replaces_agent_supplied_one(latchkey, admin, upstream, framing):
    cred = admin.create_credential("echo-header", {"api_key": "header-secret-9"})
    agent = admin.agent_for({"echo-header": cred})
    headers, pieces = framed(
        [
            ("Host", f"127.0.0.1:{latchkey.port}"),
            ("Authorization", f"Bearer {agent.key}"),
            ("X-Api-Key", "agent-value-1"),
            ("x-api-key", "agent-value-2"),
            ("X-API-KEY", "agent-value-3"),
            ("Connection", "close"),
        ],
        b"",
        framing,
    )
    res = raw_exchange(latchkey.port, build_head("GET", "/v1/proxy/echo-header/me", headers), pieces)
    assert res.response is not None and res.response.status == 200, describe_response(res.response)
    rec = upstream.wait_for(1)[0]
    assert rec.values("x-api-key") == ["header-secret-9"], rec.describe()
    assert "authorization" not in rec.header_names, rec.describe()


def test_credential_value_with_crlf_cannot_inject_headers(latchkey, admin, upstream):
    """A stored value with CR/LF is refused at creation (400) or never splits a header."""
    evil = "abc\r\nX-Injected: yes\r\n\r\nGET /smuggled HTTP/1.1"
    r = admin.post("/api/v1/credentials", json={"provider": "echo", "name": "crlf", "fields": {"api_key": evil}})
    if r.status_code == 400:
        expect_error(r, 400, "validation_failed", "fields.api_key")
        return
    assert r.status_code == 201, describe_response(r)
    agent = admin.agent_for({"echo": r.json()})
    r = agent.get("echo", "crlf")
    time.sleep(0.3)
    seen = upstream.snapshot()
    for rec in seen:
        assert "x-injected" not in rec.header_names, f"header injected: {rec.describe()}"
        assert "/smuggled" not in rec.target, f"request smuggled: {rec.describe()}"
    assert len(seen) <= 1, [x.describe() for x in seen]
    assert r.status_code < 500 or r.status_code in (502,), describe_response(r)
    assert latchkey.healthz() == 200


def test_http_lookalike_body_and_framing_conflicts_reach_upstream_as_one_request(latchkey, admin, upstream):
    cred = admin.create_credential("echo", {"api_key": "smuggle-secret"})
    agent = admin.agent_for({"echo": cred})
    inner = b"0\r\n\r\nGET /base/v1/smuggled HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer stolen\r\n\r\n"
    # 1. a chunked body whose content looks like an end chunk plus a request
    head = build_head(
        "POST",
        "/v1/proxy/echo/smuggle/1",
        [
            ("Host", f"127.0.0.1:{latchkey.port}"),
            ("Authorization", f"Bearer {agent.key}"),
            ("Transfer-Encoding", "chunked"),
            ("Connection", "close"),
        ],
    )
    res1 = raw_exchange(latchkey.port, head, list(chunked([inner])), method="POST")
    # 2. Content-Length and Transfer-Encoding together (RFC 9112 §6.1: reject or let TE win)
    body = b"5\r\nhello\r\n0\r\n\r\n"
    head = build_head(
        "POST",
        "/v1/proxy/echo/smuggle/2",
        [
            ("Host", f"127.0.0.1:{latchkey.port}"),
            ("Authorization", f"Bearer {agent.key}"),
            ("Content-Length", "3"),
            ("Transfer-Encoding", "chunked"),
            ("Connection", "close"),
        ],
    )
    res2 = raw_exchange(latchkey.port, head, body, method="POST")
    time.sleep(0.5)
    seen = upstream.snapshot()
    assert all("smuggled" not in r.target for r in seen), [r.describe() for r in seen]
    paths = [r.path for r in seen]
    assert res1.response is not None and res1.response.status == 200, describe_response(res1.response)
    assert paths.count("/base/v1/smuggle/1") == 1, paths
    rec1 = [r for r in seen if r.path == "/base/v1/smuggle/1"][0]
    assert rec1.body == inner, rec1.describe()
    if res2.response is not None and res2.response.status == 200:
        rec2 = [r for r in seen if r.path == "/base/v1/smuggle/2"]
        assert len(rec2) == 1 and rec2[0].body == b"hello", [r.describe() for r in rec2]
    else:
        assert res2.response is None or 400 <= res2.response.status < 500, describe_response(res2.response)
    assert len(seen) <= 2, paths


def test_patched_secret_is_used_on_the_next_call(latchkey, admin, upstream):
    cred = admin.create_credential("echo", {"api_key": "before-patch-secret"})
    agent = admin.agent_for({"echo": cred})
    assert agent.get("echo", "p/1").status_code == 200
    r = admin.patch(f"/api/v1/credentials/{cred['id']}", json={"fields": {"api_key": "after-patch-secret"}})
    assert r.status_code == 200, describe_response(r)
    assert r.json()["fields"]["api_key"] == "********", r.text
    assert agent.get("echo", "p/2").status_code == 200
    seen = {rec.path: rec for rec in upstream.wait_for(2)}
    assert seen["/base/v1/p/1"].values("authorization") == ["Bearer before-patch-secret"]
    assert seen["/base/v1/p/2"].values("authorization") == ["Bearer after-patch-secret"], seen[
        "/base/v1/p/2"
    ].describe()
