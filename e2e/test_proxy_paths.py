"""SPEC §5.2: credentials go only where their provider lives, whatever path or encoding.

Request targets are sent over a raw socket: http.client and requests would normalise them. Every test runs twice
(the `framing` fixture): without a body, which the event-loop path serves, and with an empty chunked body, which
the Hummingbird path serves; both must decide alike.
"""

from __future__ import annotations

import re
import time
import unicodedata
from urllib.parse import unquote_to_bytes

import pytest

from harness import build_head, describe_response, error_of, raw_exchange

SECRET = "path-secret-0123456789abcdef"


def tricks(second: int) -> list[str]:
    s = f"127.0.0.1:{second}"
    return [
        "../",
        "..%2f",
        "%2e%2e/",
        "%2E%2E%2F",
        "%252e%252e%252f",
        ".%2e/",
        "%2e./",
        "..\\",
        "..%5c",
        "%5c..%5c",
        f"//{s}/x",
        f"/%2f%2f{s}",
        f"http://{s}/",
        f"https:%2f%2f{s}/",
        f"@{s}",
        f"%40{s}",
        "x%0d%0aHost:%20evil",
        "%00",
        "./",
        "a/./b",
        "a/../../x",
        ";/../x",
        "..;/x",
        "%u002e%u002e/",
        "..%c0%af",
        "%2e%2e%5c",
        "%ef%bc%8e%ef%bc%8e/",
        # more of the same family
        "..",
        "%2e%2e",
        "x/..",
        "x/../..",
        "..%252f..%252f",
        "%2e%2e%2f%2e%2e%2f%2e%2e%2fetc/passwd",
        "..%2F..%2F..%2F..%2F",
        "%c0%ae%c0%ae/",
        ".%00./",
        "..%00/",
        "%0a",
        "%0d",
        "x%09y/../..",
        f"\\\\{s}\\x",
        f"%2f%2f{s}/x",
        f"%5c%5c{s}%5cx",
        "?/../x",
        "%3f/../..",
        "%23/../..",
        "%2e%2e%2f%2e%2e%2f",
        "%%32%65%%32%65/",
        "..%25%32%66",
        f"..%2f..%2f..%2f{s}",
        f"%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fhttp:%2f%2f{s}",
        "a/b/../../../x",
        "x/%2e%2e/%2e%2e/y",
        ".../",
        "....//",
        "%2e/",
        "%2E",
    ]


OVERLONG = {
    b"\xc0\xaf": b"/",
    b"\xe0\x80\xaf": b"/",
    b"\xc0\xae": b".",
    b"\xe0\x80\xae": b".",
    b"\xc1\x9c": b"\\",
    b"\xc1\x1c": b"\\",
}


def _decode_fully(path: str) -> str:
    """Percent-decode repeatedly (also %uXXXX), NFKC-normalise, `\\` -> `/`."""
    cur = path
    for _ in range(10):
        nxt = re.sub(r"%u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), cur)
        raw = unquote_to_bytes(nxt)
        for overlong, plain in OVERLONG.items():  # what lax UTF-8 decoders turn these into
            raw = raw.replace(overlong, plain)
        nxt = raw.decode("utf-8", "replace")
        if nxt == cur:
            break
        cur = nxt
    cur = unicodedata.normalize("NFKC", cur)
    return cur.replace("\\", "/")


def escapes_base(target: str, base: str = "/base/v1") -> str | None:
    """Why a forwarded request-target leaves `base`, or None when it stays under it."""
    if not target.startswith(base + "/"):
        return f"raw target does not start with {base}/"
    path = target.split("?", 1)[0]
    decoded = _decode_fully(path)
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in decoded):
        return "control character in the forwarded path"
    stack: list[str] = []
    for seg in decoded.split("/"):
        name = seg.split(";", 1)[0]  # `..;x` is `..` to servlet containers
        if name == "..":
            if not stack:
                return "`..` above the root"
            stack.pop()
        elif name in ("", "."):
            continue
        else:
            stack.append(name)
    if stack[:2] != ["base", "v1"]:
        return f"resolves to /{'/'.join(stack)}"
    return None


def _send(lk, key: str, target: str, framing: str):
    headers = [
        ("Host", f"127.0.0.1:{lk.port}"),
        ("Authorization", f"Bearer {key}"),
        ("Accept", "application/json"),
        ("Connection", "close"),
    ]
    if framing == "chunked":
        return raw_exchange(
            lk.port, build_head("GET", target, headers + [("Transfer-Encoding", "chunked")]), b"0\r\n\r\n", timeout=30
        )
    return raw_exchange(lk.port, build_head("GET", target, headers), timeout=30)


@pytest.fixture(params=["plain", "chunked"])
def framing(request):
    """`plain`: no body (the event-loop path); `chunked`: an empty chunked body (the Hummingbird path)."""
    return request.param


@pytest.fixture(scope="module")
def world(module_env):
    """One server for the module (the parametrized cases would otherwise start ~30)."""
    lk = module_env.start()
    cred = lk.admin.create_credential("echo", {"api_key": SECRET})
    return lk, lk.admin.agent_for({"echo": cred})


@pytest.fixture
def latchkey(world, module_env):
    module_env.upstream.clear()
    return world[0]


@pytest.fixture
def path_agent(world):
    return world[1]


@pytest.fixture
def upstream(module_env):
    return module_env.upstream


@pytest.fixture
def sink(module_env):
    return module_env.sink


def test_path_tricks_never_leave_base_url(latchkey, path_agent, upstream, sink, framing):
    rows = []
    bad = []
    for trick in tricks(sink.port):
        upstream.clear()
        target = "/v1/proxy/echo/" + trick
        res = _send(latchkey, path_agent.key, target, framing)
        time.sleep(0.05)
        seen = upstream.snapshot()
        resp = res.response
        if resp is None:
            outcome = f"no response ({res.read_error or res.send_error})"
        else:
            err = error_of(resp)
            outcome = f"{resp.status} {err['code'] if err else resp.body[:60]!r}"
        problems = []
        if resp is None:
            problems.append("connection closed without a response")
        elif 400 <= resp.status < 500:
            if error_of(resp) is None:
                problems.append("4xx without a JSON error body")
        elif not seen:
            problems.append(f"HTTP {resp.status} but the upstream saw nothing")
        elif resp.status >= 500:
            problems.append(f"HTTP {resp.status}")
        for rec in seen:
            why = escapes_base(rec.target)
            if why:
                problems.append(f"forwarded {rec.target!r}: {why}")
            if rec.values("authorization") != [f"Bearer {SECRET}"]:
                problems.append(f"forwarded with authorization {rec.values('authorization')!r}")
        fwd = ", ".join(repr(r.target) for r in seen) or "-"
        rows.append((trick, outcome, fwd, "; ".join(problems) or "ok"))
        if problems:
            bad.append(trick)
    time.sleep(0.3)
    hits = sink.snapshot()
    assert len(rows) >= 25
    table = "\n".join(f"{t!r:50} | {o:40} | upstream: {f:60} | {p}" for (t, o, f, p) in rows)
    assert not bad and not hits, (
        f"{len(bad)} path tricks misbehaved: {bad}\nsecond listener hits: {hits}\n"
        f"trick | latchkey answer | upstream saw | verdict\n{table}"
    )
    assert latchkey.healthz() == 200


# The contract (docs/contract.md, "Paths") is stricter than "stay under the base URL":
# these must all be refused with 400 bad_request, none forwarded.
CONTRACT_400 = [
    "../x",
    "./x",
    "a/./b",
    "a/../b",
    "..%2fx",
    "%2e%2e/x",
    "%2E%2E/x",
    ".%2e/x",
    "%2e./x",
    "%2e/x",
    "%252e%252e/x",
    "%252e/x",
    "a%2f..%2fb",
    "a%2F%2E%2E%2Fb",
    "a%5c..%5cb",
    "..\\x",
    "a\\b",
    "a//b",
    "a/%00",
    "a%0d%0ab",
    "a%0ab",
    "a%0db",
    "..",
    "x/..",
    "x/.",
    "%2e%2e",
    "a/%2e%2e",
]


@pytest.mark.parametrize("path", CONTRACT_400)
def test_dot_segments_empty_segments_backslashes_and_controls_answer_400(latchkey, path_agent, upstream, path, framing):
    res = _send(latchkey, path_agent.key, "/v1/proxy/echo/" + path, framing)
    time.sleep(0.05)
    assert res.response is not None, f"no response: {res.read_error or res.send_error}"
    resp = res.response
    err = error_of(resp)
    forwarded = [r.target for r in upstream.snapshot()]
    assert resp.status == 400 and err and err.get("code") == "bad_request", (
        f"{path!r}: expected 400 bad_request, got {describe_response(resp)}; upstream saw {forwarded}"
    )
    assert not forwarded, f"{path!r} answered 400 but was forwarded: {forwarded}"


def test_ordinary_paths_are_forwarded_byte_for_byte(latchkey, path_agent, upstream, framing):
    cases = [
        "items/a%20b/caf%C3%A9/x~y:z@w!$&'()*+,;=",
        "items/42?q=a%20b&z=%2F&empty=&flag&q=second",
        "v2/%E2%9C%93/UPPER/lower.json?sort=-created_at",
        "trailing/slash/",
        "",
        "...x/x..y/.hidden",
    ]
    problems = []
    for c in cases:
        upstream.clear()
        res = _send(latchkey, path_agent.key, "/v1/proxy/echo/" + c, framing)
        seen = upstream.wait_for(1, timeout=5)
        want = "/base/v1/" + c
        got = [r.target for r in seen]
        status = res.response.status if res.response else None
        if status != 200 or got != [want]:
            problems.append(
                f"{c!r}: HTTP {status}, upstream saw {got}, want [{want!r}] ({describe_response(res.response)[:200]})"
            )
    assert not problems, "\n".join(problems)
