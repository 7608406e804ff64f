"""Building blocks for the Latchkey end-to-end tests (see conftest.py for how to run).

Everything here is stdlib + requests:

* RecordingUpstream - a threaded raw-socket HTTP/1.1 server that records every request
  exactly as it arrives (raw request-target, method, headers in order, body) and answers
  with a JSON echo (header *names* only, never values), a redirect, or a big body.
* Sink - a listener that must receive nothing: it records any connection at all.
* Blackhole - accepts connections and never answers (for upstream timeouts).
* raw_exchange - send raw bytes (an exact request-target, exact headers, a streamed body)
  and parse one HTTP/1.1 response, reading concurrently so an early answer (413, 431) is
  captured even if the server stops reading the body.
* Latchkey - one `latchkey serve` process with its own temp database, key file and
  providers directory, plus helpers for the CLI and the management API.
* leak helpers - every encoding of a secret we look for (plain, base64 std/urlsafe at all
  three alignments, percent-encoded, hex, UTF-16).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import random
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Optional
from urllib.parse import quote, unquote_to_bytes

import requests

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BIN = REPO_ROOT / ".build" / "debug" / "latchkey"

MiB = 1024 * 1024


def latchkey_binary() -> Path:
    return Path(os.environ.get("LATCHKEY_BIN") or DEFAULT_BIN)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------------------
# HTTP/1.1 parsing shared by the upstream and the raw client
# --------------------------------------------------------------------------------------

class HTTPParseError(Exception):
    pass


def read_head(f, limit: int = 4 * MiB) -> bytes:
    """Read the start line and headers up to and including the blank line. b'' on EOF."""
    lines = []
    total = 0
    while True:
        line = f.readline(65537 * 4)
        if not line:
            if lines:
                raise HTTPParseError("EOF inside the header block")
            return b""
        if not lines and line in (b"\r\n", b"\n"):
            continue  # tolerate stray CRLF between messages
        lines.append(line)
        total += len(line)
        if total > limit:
            raise HTTPParseError("header block too large")
        if line in (b"\r\n", b"\n"):
            return b"".join(lines)


def parse_head(head: bytes) -> tuple[str, list[tuple[str, str]]]:
    text = head.decode("latin-1")
    lines = text.split("\r\n") if "\r\n" in text else text.split("\n")
    start = lines[0]
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        if not line:
            continue
        if line[0] in " \t" and headers:  # obsolete folding
            name, value = headers[-1]
            headers[-1] = (name, value + " " + line.strip())
            continue
        name, _, value = line.partition(":")
        headers.append((name.strip(), value.strip()))
    return start, headers


def header_values(headers: list[tuple[str, str]], name: str) -> list[str]:
    name = name.lower()
    return [v for (n, v) in headers if n.lower() == name]


def read_exact(f, n: int) -> bytes:
    chunks = []
    remaining = n
    while remaining > 0:
        chunk = f.read(min(remaining, 1 << 20))
        if not chunk:
            raise HTTPParseError(f"EOF with {remaining} of {n} body bytes missing")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read_body(f, headers: list[tuple[str, str]], *, response: bool, status: int = 0,
              method: str = "GET") -> bytes:
    if response and (100 <= status < 200 or status in (204, 304) or method == "HEAD"):
        return b""
    te = ",".join(header_values(headers, "transfer-encoding")).lower()
    if "chunked" in te:
        out = []
        while True:
            size_line = f.readline(1024)
            if not size_line:
                raise HTTPParseError("EOF inside chunked body")
            size = int(size_line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                # trailers
                while True:
                    line = f.readline(65536)
                    if not line or line in (b"\r\n", b"\n"):
                        break
                break
            out.append(read_exact(f, size))
            f.readline(16)  # CRLF after the chunk
        return b"".join(out)
    cl = header_values(headers, "content-length")
    if cl:
        return read_exact(f, int(cl[0]))
    if response:
        return f.read()
    return b""


# --------------------------------------------------------------------------------------
# Upstreams
# --------------------------------------------------------------------------------------

@dataclass
class Recorded:
    method: str
    target: str
    version: str
    headers: list[tuple[str, str]]
    body: bytes
    raw_head: bytes
    error: Optional[str] = None
    at: float = field(default_factory=time.time)

    def values(self, name: str) -> list[str]:
        return header_values(self.headers, name)

    def header(self, name: str) -> Optional[str]:
        v = self.values(name)
        return v[0] if v else None

    @property
    def header_names(self) -> list[str]:
        return [n.lower() for (n, _) in self.headers]

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def query(self) -> str:
        return self.target.split("?", 1)[1] if "?" in self.target else ""

    def describe(self) -> str:
        return (f"{self.method} {self.target} {self.version} headers={self.headers!r} "
                f"body[{len(self.body)}] error={self.error}")


def big_body(n: int) -> bytes:
    """Deterministic pseudo-random bytes (so the agent can check them)."""
    return random.Random(n).randbytes(n)


class _Listener:
    def __init__(self):
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(128)
        self.port = self._sock.getsockname()[1]
        self._closed = False
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept_loop(self):
        while not self._closed:
            try:
                conn, addr = self._sock.accept()
            except OSError:
                return
            with self._lock:
                self._conns.append(conn)
            threading.Thread(target=self._serve_conn, args=(conn, addr), daemon=True).start()

    def _serve_conn(self, conn, addr):  # pragma: no cover - overridden
        conn.close()

    def close(self):
        self._closed = True
        try:
            self._sock.close()
        except OSError:
            pass
        with self._lock:
            for c in self._conns:
                try:
                    c.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                try:
                    c.close()
                except OSError:
                    pass


class RecordingUpstream(_Listener):
    """Records every request; answers by path:

    * ``.../redirect/<code>``  -> <code> with ``Location: <redirect_target>``
    * ``.../big/<n>``          -> 200 with n deterministic bytes (see big_body)
    * anything else            -> 200 JSON echo (method, target, header names, body length
      and sha256), with ``Set-Cookie`` and ``X-Upstream-Marker`` headers.
    """

    def __init__(self):
        self.requests: list[Recorded] = []
        self.redirect_target = "http://127.0.0.1:9/stolen"
        self.connections = 0
        super().__init__()

    def clear(self):
        with self._lock:
            self.requests.clear()

    def snapshot(self) -> list[Recorded]:
        with self._lock:
            return list(self.requests)

    def wait_for(self, n: int = 1, timeout: float = 10.0) -> list[Recorded]:
        deadline = time.time() + timeout
        while time.time() < deadline:
            snap = self.snapshot()
            if len(snap) >= n:
                return snap
            time.sleep(0.02)
        return self.snapshot()

    def _serve_conn(self, conn, addr):
        with self._lock:
            self.connections += 1
        conn.settimeout(60)
        f = conn.makefile("rb")
        try:
            while True:
                try:
                    head = read_head(f)
                except (OSError, HTTPParseError):
                    return
                if not head:
                    return
                start, headers = parse_head(head)
                parts = start.split(" ")
                method = parts[0] if parts else ""
                target = parts[1] if len(parts) > 1 else ""
                version = parts[2] if len(parts) > 2 else ""
                error = None
                body = b""
                expect = header_values(headers, "expect")
                if expect and expect[0].lower() == "100-continue":
                    conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
                try:
                    body = read_body(f, headers, response=False)
                except (OSError, HTTPParseError, ValueError) as e:
                    error = f"body: {e}"
                rec = Recorded(method, target, version, headers, body, head, error)
                with self._lock:
                    self.requests.append(rec)
                if error:
                    return
                keep = "close" not in ",".join(header_values(headers, "connection")).lower()
                try:
                    conn.sendall(self._answer(rec, keep))
                except OSError:
                    return
                if not keep:
                    return
        finally:
            try:
                f.close()
                conn.close()
            except OSError:
                pass

    def _answer(self, rec: Recorded, keep: bool) -> bytes:
        segs = rec.path.split("/")
        conn_hdr = "keep-alive" if keep else "close"
        if "redirect" in segs and segs.index("redirect") + 1 < len(segs):
            code = int(segs[segs.index("redirect") + 1] or "302")
            body = json.dumps({"redirect": True}).encode()
            head = (f"HTTP/1.1 {code} Redirect\r\nLocation: {self.redirect_target}\r\n"
                    f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
                    f"Connection: {conn_hdr}\r\n\r\n")
            return head.encode() + body
        if "big" in segs and segs.index("big") + 1 < len(segs):
            n = int(segs[segs.index("big") + 1])
            body = big_body(n)
            head = (f"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                    f"Content-Length: {n}\r\nX-Body-Sha256: {hashlib.sha256(body).hexdigest()}\r\n"
                    f"Connection: {conn_hdr}\r\n\r\n")
            return head.encode() + body
        echo = {
            "method": rec.method,
            "target": rec.target,
            "header_names": rec.header_names,
            "body_len": len(rec.body),
            "body_sha256": hashlib.sha256(rec.body).hexdigest(),
        }
        body = json.dumps(echo).encode()
        head = ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                "Set-Cookie: upstream_session=must-not-reach-agent; Path=/; HttpOnly\r\n"
                "X-Upstream-Marker: echo\r\n"
                f"Content-Length: {len(body)}\r\nConnection: {conn_hdr}\r\n\r\n")
        return head.encode() + body


class Sink(_Listener):
    """Must receive nothing: records every connection and whatever it sent."""

    def __init__(self):
        self.hits: list[tuple[tuple, bytes]] = []
        super().__init__()

    def _serve_conn(self, conn, addr):
        data = b""
        conn.settimeout(1.0)
        try:
            while len(data) < 65536:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                data += chunk
                if b"\r\n\r\n" in data:
                    break
        except OSError:
            pass
        with self._lock:
            self.hits.append((addr, data))
        try:
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\nstolen")
            # Close gracefully: a request body still unread (a chunked POST whose chunks arrive after the
            # head) would make close() send a TCP reset, which can destroy "stolen" in the caller's
            # receive buffer before it reads it. Half-close, drain what is left, then close.
            conn.shutdown(socket.SHUT_WR)
            while conn.recv(65536):
                pass
        except OSError:
            pass
        finally:
            conn.close()

    def snapshot(self):
        with self._lock:
            return list(self.hits)


class Blackhole(_Listener):
    """Accepts connections, reads everything, never answers."""

    def __init__(self):
        self.accepted = 0
        super().__init__()

    def _serve_conn(self, conn, addr):
        with self._lock:
            self.accepted += 1
        try:
            while conn.recv(65536):
                pass
        except OSError:
            pass


# --------------------------------------------------------------------------------------
# Raw HTTP client
# --------------------------------------------------------------------------------------

@dataclass
class RawResponse:
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes

    def values(self, name: str) -> list[str]:
        return header_values(self.headers, name)

    def header(self, name: str) -> Optional[str]:
        v = self.values(name)
        return v[0] if v else None

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def status_code(self) -> int:  # requests-compatible spelling
        return self.status

    @property
    def content(self) -> bytes:
        return self.body


@dataclass
class RawResult:
    response: Optional[RawResponse]
    send_error: Optional[str]
    read_error: Optional[str]

    @property
    def closed_without_response(self) -> bool:
        return self.response is None


def raw_exchange(port: int, head: bytes, body: Iterable[bytes] | bytes = b"",
                 timeout: float = 30.0, method: str = "GET") -> RawResult:
    """Send `head` (start line + headers + blank line) then the body chunks; read one response
    concurrently. Send errors (the server closed early) are recorded, not raised."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    result: dict = {"response": None, "read_error": None}

    def reader():
        f = sock.makefile("rb")
        try:
            h = read_head(f)
            if not h:
                result["read_error"] = "connection closed before any response"
                return
            start, headers = parse_head(h)
            parts = start.split(" ", 2)
            status = int(parts[1])
            reason = parts[2] if len(parts) > 2 else ""
            b = read_body(f, headers, response=True, status=status, method=method)
            result["response"] = RawResponse(status, reason, headers, b)
        except Exception as e:  # noqa: BLE001 - report any failure as data
            result["read_error"] = f"{type(e).__name__}: {e}"
        finally:
            try:
                f.close()
            except OSError:
                pass

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    send_error = None
    try:
        sock.sendall(head)
        chunks = [body] if isinstance(body, (bytes, bytearray)) else body
        for chunk in chunks:
            if result["response"] is not None or (not t.is_alive()):
                break  # the server answered already: stop sending
            if chunk:
                sock.sendall(chunk)
    except OSError as e:
        send_error = f"{type(e).__name__}: {e}"
    t.join(timeout)
    try:
        sock.close()
    except OSError:
        pass
    return RawResult(result["response"], send_error, result["read_error"])


def build_head(method: str, target: str, headers: list[tuple[str, str]]) -> bytes:
    lines = [f"{method} {target} HTTP/1.1"] + [f"{n}: {v}" for (n, v) in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def chunked(chunks: Iterable[bytes]) -> Iterable[bytes]:
    for c in chunks:
        if c:
            yield f"{len(c):x}\r\n".encode() + c + b"\r\n"
    yield b"0\r\n\r\n"


# --------------------------------------------------------------------------------------
# Error assertions
# --------------------------------------------------------------------------------------

def describe_response(resp) -> str:
    if resp is None:
        return "<no response>"
    body = getattr(resp, "content", b"") or b""
    text = body[:2000].decode("utf-8", "replace")
    return f"HTTP {resp.status_code}: {text}"


def error_of(resp) -> Optional[dict]:
    """The `error` object of a JSON error body, or None."""
    try:
        data = json.loads(resp.content.decode("utf-8"))
    except Exception:  # noqa: BLE001
        return None
    if isinstance(data, dict) and isinstance(data.get("error"), dict):
        return data["error"]
    return None


def expect_error(resp, status, code=None, field=None) -> dict:
    statuses = status if isinstance(status, (tuple, list, set)) else (status,)
    assert resp.status_code in statuses, f"expected HTTP {status}, got {describe_response(resp)}"
    err = error_of(resp)
    assert err is not None, f"expected a JSON error body {{\"error\": {{...}}}}, got {describe_response(resp)}"
    assert isinstance(err.get("code"), str) and err["code"], f"error.code missing: {describe_response(resp)}"
    assert isinstance(err.get("message"), str), f"error.message missing: {describe_response(resp)}"
    if code is not None:
        codes = code if isinstance(code, (tuple, list, set)) else (code,)
        assert err["code"] in codes, f"expected error.code {code}, got {describe_response(resp)}"
    if field is not None:
        assert err.get("field") == field, f"expected error.field {field!r}, got {describe_response(resp)}"
    return err


# --------------------------------------------------------------------------------------
# Secret leak detection
# --------------------------------------------------------------------------------------

def secret_encodings(secret: str) -> dict[str, bytes]:
    """Every form in which a secret could leak. Base64 forms are the 'stable middle' of the
    encoding with 0/1/2 bytes in front, i.e. the characters that do not depend on what
    precedes or follows the secret in a larger encoded blob."""
    b = secret.encode("utf-8")
    out = {
        "plain": b,
        "percent(quote)": quote(secret, safe="").encode(),
        "percent(all,upper)": "".join("%%%02X" % c for c in b).encode(),
        "percent(all,lower)": "".join("%%%02x" % c for c in b).encode(),
        "hex": b.hex().encode(),
        "hex(upper)": b.hex().upper().encode(),
        "utf-16-le": secret.encode("utf-16-le"),
        "utf-16-be": secret.encode("utf-16-be"),
    }
    for name, fn in (("base64", base64.b64encode), ("base64url", base64.urlsafe_b64encode)):
        for shift in (0, 1, 2):
            enc = fn(b"\x00" * shift + b)
            start = {0: 0, 1: 2, 2: 3}[shift]
            end = ((shift + len(b)) // 3) * 4
            out[f"{name}(+{shift})"] = enc[start:end]
    return out


def find_leaks(haystacks: dict[str, bytes], secrets: dict[str, str]) -> list[str]:
    found = []
    for sname, secret in secrets.items():
        for ename, needle in secret_encodings(secret).items():
            assert len(needle) >= 16, (sname, ename)
            for hname, hay in haystacks.items():
                if needle in hay:
                    i = hay.find(needle)
                    ctx = hay[max(0, i - 80): i + len(needle) + 80]
                    found.append(f"{sname} as {ename} in {hname}: ...{ctx!r}...")
    return found


# --------------------------------------------------------------------------------------
# The Latchkey process and its APIs
# --------------------------------------------------------------------------------------

def provider_files(upstream_port: int, closed_port: int, blackhole_port: int) -> dict[str, str]:
    """Test providers, all on loopback. `{{field}}` templates are literal here."""
    up = f"http://127.0.0.1:{upstream_port}/base/v1"

    def api_key(name: str, base: str, extra_field: str = "", inject: str = None) -> str:
        inject = inject or '    headers: {Authorization: "Bearer {{api_key}}"}\n'
        return (
            f"name: {name}\n"
            f"docs: http://127.0.0.1:{upstream_port}/docs\n"
            "auth:\n"
            "  mode: api_key\n"
            "  fields:\n"
            "    - {name: api_key, label: API key, secret: true, required: true"
            f"{extra_field}}}\n"
            "proxy:\n"
            f"  base_url: {base}\n"
            "  inject:\n"
            f"{inject}"
        )

    return {
        "echo": api_key("Echo bearer", up),
        "echo-two": api_key("Echo bearer two", up),
        "echo-pattern": api_key("Echo with pattern", up, extra_field=', pattern: "^[A-Za-z0-9]{32}$"'),
        "echo-query": api_key("Echo query key", up, inject="    query: {appid: \"{{api_key}}\"}\n"),
        "echo-header": api_key("Echo custom header", up, inject="    headers: {X-Api-Key: \"{{api_key}}\"}\n"),
        "echo-defaults": api_key("Echo with defaults", up, inject='    headers: {Authorization: "Bearer {{api_key}}"}\n'
                                 '  defaults:\n    headers: {Example-Version: "2025-09-03"}\n    query: {format: json}\n'),
        "echo-basic": (
            "name: Echo basic\n"
            f"docs: http://127.0.0.1:{upstream_port}/docs\n"
            "auth:\n"
            "  mode: basic\n"
            "  fields:\n"
            "    - {name: username, label: Username, secret: false, required: true}\n"
            "    - {name: password, label: Password, secret: true, required: true}\n"
            "proxy:\n"
            f"  base_url: {up}\n"
            "  inject:\n"
            '    basic: {username: "{{username}}", password: "{{password}}"}\n'
        ),
        "closed-port": api_key("Closed port", f"http://127.0.0.1:{closed_port}/base"),
        "black-hole": api_key("Never answers", f"http://127.0.0.1:{blackhole_port}/base"),
    }


@dataclass
class Captured:
    what: str
    status: int
    body: bytes


class Api:
    """Management API client (Bearer lku_…); records every response body."""

    def __init__(self, lk: "Latchkey", token: Optional[str], label: str = "api",
                 email: Optional[str] = None, password: Optional[str] = None):
        self.lk = lk
        self.token = token
        self.label = label
        # The user's dashboard sign-in, for what only a signed-in browser may do (opening a consent start link).
        self.email = email
        self.password = password
        self.session = requests.Session()

    def request(self, method: str, path: str, *, headers: Optional[dict] = None,
                auth: bool = True, timeout: float = 60, **kw) -> requests.Response:
        h = dict(headers or {})
        if auth and self.token and "Authorization" not in h:
            h["Authorization"] = f"Bearer {self.token}"
        resp = self.session.request(method, self.lk.url(path), headers=h, timeout=timeout,
                                    allow_redirects=False, **kw)
        self.lk.record(f"{self.label} {method} {path}", resp.status_code, resp.content)
        return resp

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def put(self, path, **kw):
        return self.request("PUT", path, **kw)

    def patch(self, path, **kw):
        return self.request("PATCH", path, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    # -- convenience, asserting success --------------------------------------------------

    def create_credential(self, provider: str, fields: dict, name: Optional[str] = None) -> dict:
        name = name or f"{provider} {os.urandom(4).hex()}"
        r = self.post("/api/v1/credentials", json={"provider": provider, "name": name, "fields": fields})
        assert r.status_code == 201, f"create credential {provider}: {describe_response(r)}"
        return r.json()

    def create_group(self, name: Optional[str] = None) -> dict:
        r = self.post("/api/v1/groups", json={"name": name or f"group-{os.urandom(4).hex()}"})
        assert r.status_code == 201, f"create group: {describe_response(r)}"
        return r.json()

    def create_key(self, group_id: str) -> dict:
        r = self.post(f"/api/v1/groups/{group_id}/keys")
        assert r.status_code == 201, f"create agent key: {describe_response(r)}"
        body = r.json()
        assert str(body.get("key", "")).startswith("lka_"), f"agent key shape: {body}"
        return body

    def bind(self, group_id: str, provider: str, credential_id: str) -> dict:
        r = self.put(f"/api/v1/groups/{group_id}/bindings/{provider}", json={"credential_id": credential_id})
        assert r.status_code == 200, f"bind {provider}: {describe_response(r)}"
        return r.json()

    def credentials(self) -> list:
        r = self.get("/api/v1/credentials")
        assert r.status_code == 200, describe_response(r)
        return r.json()["credentials"]

    def groups(self) -> list:
        r = self.get("/api/v1/groups")
        assert r.status_code == 200, describe_response(r)
        return r.json()["groups"]

    def agent_for(self, bindings: dict[str, dict], group_name: Optional[str] = None) -> "Agent":
        """Create a group, bind {provider: credential_record}, create a key: an Agent."""
        g = self.create_group(group_name)
        for provider, cred in bindings.items():
            self.bind(g["id"], provider, cred["id"])
        k = self.create_key(g["id"])
        return Agent(self.lk, k["key"], group_id=g["id"], key_id=k["id"])


def _chunks(body: bytes):
    """A generator, so that `requests` sends the body with Transfer-Encoding: chunked (none for an empty body)."""
    if body:
        yield body


class Agent:
    #: "plain": bodies as given (none, or with Content-Length); "chunked": every call sends its body, even an empty
    #: one, with Transfer-Encoding: chunked, which the Hummingbird proxy path serves instead of the event-loop one.
    framing = "plain"

    def __init__(self, lk: "Latchkey", key: Optional[str], group_id: str = "", key_id: str = ""):
        self.lk = lk
        self.key = key
        self.group_id = group_id
        self.key_id = key_id
        self.session = requests.Session()

    def request(self, method: str, provider: str, path: str = "", *, headers: Optional[dict] = None,
                timeout: float = 60, **kw) -> requests.Response:
        h = dict(headers or {})
        if self.key and "Authorization" not in h:
            h["Authorization"] = f"Bearer {self.key}"
        url = self.lk.url(f"/v1/proxy/{provider}/{path.lstrip('/')}")
        if self.framing == "chunked":
            if "json" in kw:
                h.setdefault("Content-Type", "application/json")
                kw["data"] = json.dumps(kw.pop("json")).encode()
            data = kw.get("data") or b""
            kw["data"] = _chunks(data.encode() if isinstance(data, str) else data)
        resp = self.session.request(method, url, headers=h, timeout=timeout, allow_redirects=False, **kw)
        if not kw.get("stream"):
            self.lk.record(f"agent {method} {provider}/{path}", resp.status_code, resp.content)
        return resp

    def get(self, provider, path="", **kw):
        return self.request("GET", provider, path, **kw)

    def post(self, provider, path="", **kw):
        return self.request("POST", provider, path, **kw)

    def tools(self) -> requests.Response:
        h = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        resp = self.session.get(self.lk.url("/v1/tools"), headers=h, timeout=30)
        self.lk.record("agent GET /v1/tools", resp.status_code, resp.content)
        return resp


class Latchkey:
    """One `latchkey serve` process in its own directory."""

    ADMIN_EMAIL = "admin@example.com"
    ADMIN_PASSWORD = "e2e-Admin-password-0123456789"

    def __init__(self, workdir: Path, providers: dict[str, str], extra_env: Optional[dict] = None):
        self.bin = latchkey_binary()
        self.dir = workdir
        self.dir.mkdir(parents=True, exist_ok=True)
        self.providers_dir = self.dir / "providers"
        self.providers_dir.mkdir(exist_ok=True)
        for pid, text in providers.items():
            (self.providers_dir / f"{pid}.yaml").write_text(text)
        self.db_path = self.dir / "latchkey.db"
        self.key_file = self.dir / "master.key"
        self.log_path = self.dir / "server.log"
        # LATCHKEY_E2E_BUILTIN_PROVIDERS: another built-in catalog directory, or "none" for an
        # empty one (to test the server while <repo>/providers does not load).
        override = os.environ.get("LATCHKEY_E2E_BUILTIN_PROVIDERS")
        builtin = Path(override) if override and override != "none" else REPO_ROOT / "providers"
        if override == "none" or not builtin.is_dir():  # no built-in catalog: an empty one
            builtin = self.dir / "builtin-providers"
            builtin.mkdir(exist_ok=True)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("LATCHKEY_")}
        self.env.update({
            "LATCHKEY_DATABASE_URL": f"sqlite:{self.db_path}",
            "LATCHKEY_MASTER_KEY_FILE": str(self.key_file),
            "LATCHKEY_PROVIDERS_DIR": str(builtin),
        })
        self.env.update(extra_env or {})
        self.port: Optional[int] = None
        self.proc: Optional[subprocess.Popen] = None
        self.captured: list[Captured] = []
        self.cli_outputs: list[Captured] = []
        self._log_handle = None
        self._admin: Optional[Api] = None

    # -- process -------------------------------------------------------------------------

    @property
    def public_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.public_url + path

    def start(self, timeout: float = 60.0):
        if not self.bin.exists():
            raise AssertionError(
                f"latchkey binary not found at {self.bin}: build it with `swift build` "
                f"or set LATCHKEY_BIN")
        if not self.key_file.exists():
            self.generate_key_file()
        # `fixed_port` keeps the address (and the OAuth redirect URI) across a restart.
        self.port = getattr(self, "fixed_port", None) or free_port()
        self._log_handle = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [str(self.bin), "serve", "--host", "127.0.0.1", "--port", str(self.port),
             "--providers", str(self.providers_dir)],
            cwd=self.dir, env=self.env, stdout=self._log_handle, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.time() + timeout
        last = ""
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"latchkey serve exited with {self.proc.returncode} before /healthz answered\n"
                    f"--- {self.log_path} (tail) ---\n{self.log_tail()}")
            try:
                r = requests.get(self.url("/healthz"), timeout=2)
                if r.status_code == 200:
                    return self
                last = f"HTTP {r.status_code} {r.text[:200]}"
            except requests.RequestException as e:
                last = str(e)
            time.sleep(0.2)
        self.stop()
        raise AssertionError(f"/healthz did not answer 200 within {timeout}s (last: {last})\n"
                             f"--- {self.log_path} (tail) ---\n{self.log_tail()}")

    def stop(self):
        p = self.proc
        if p is not None and p.poll() is None:
            try:
                os.kill(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                try:
                    os.kill(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait(10)
        self.proc = None
        if self._log_handle:
            self._log_handle.close()
            self._log_handle = None

    def generate_key_file(self):
        """`serve` creates only the default key file (.latchkey/master.key), never an explicitly
        configured LATCHKEY_MASTER_KEY_FILE (contract: "default file ... which serve creates"),
        so the harness makes one with `latchkey keys generate` (mode 0600)."""
        cp = self.cli("keys", "generate")
        key = cp.stdout.strip()
        assert len(base64.b64decode(key, validate=True)) == 32, f"`keys generate` printed {cp.stdout!r}"
        fd = os.open(self.key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(key + "\n")

    def restart(self):
        self.stop()
        return self.start()

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_text(self) -> bytes:
        try:
            return self.log_path.read_bytes()
        except FileNotFoundError:
            return b""

    def log_tail(self, n: int = 60) -> str:
        lines = self.log_text().decode("utf-8", "replace").splitlines()
        return "\n".join(lines[-n:])

    # -- CLI -----------------------------------------------------------------------------

    def cli(self, *args: str, input: Optional[str] = None, check: bool = True,
            timeout: float = 120) -> subprocess.CompletedProcess:
        if not self.bin.exists():
            raise AssertionError(f"latchkey binary not found at {self.bin}")
        cp = subprocess.run([str(self.bin), *args], cwd=self.dir, env=self.env, input=input,
                            capture_output=True, text=True, timeout=timeout)
        self.cli_outputs.append(Captured("cli " + " ".join(args) + " stdout", cp.returncode, cp.stdout.encode()))
        self.cli_outputs.append(Captured("cli " + " ".join(args) + " stderr", cp.returncode, cp.stderr.encode()))
        if check:
            assert cp.returncode == 0, (
                f"`latchkey {' '.join(args)}` exited {cp.returncode}\nstdout: {cp.stdout}\nstderr: {cp.stderr}")
        return cp

    def add_user(self, email: str, password: str, admin: bool = False):
        args = ["user", "add", email, "--password-stdin"] + (["--admin"] if admin else [])
        self.cli(*args, input=password + "\n")

    def create_token(self, email: str) -> str:
        cp = self.cli("token", "create", "--user", email)
        token = cp.stdout.strip()
        assert token.startswith("lku_") and len(token.split()) == 1, (
            f"`token create` must print only the lku_ token, printed: {cp.stdout!r}")
        return token

    def user_api(self, email: str, password: str, admin: bool = False, label: str = "") -> Api:
        self.add_user(email, password, admin=admin)
        return Api(self, self.create_token(email), label=label or email, email=email, password=password)

    @property
    def admin(self) -> Api:
        if self._admin is None:
            self._admin = self.user_api(self.ADMIN_EMAIL, self.ADMIN_PASSWORD, admin=True, label="admin")
        return self._admin

    def keys_status(self) -> dict:
        cp = self.cli("keys", "status", "--json")
        try:
            return json.loads(cp.stdout)
        except json.JSONDecodeError as e:
            raise AssertionError(f"`keys status --json` printed invalid JSON ({e}): {cp.stdout!r}")

    # -- bookkeeping ---------------------------------------------------------------------

    def record(self, what: str, status: int, body: bytes):
        self.captured.append(Captured(what, status, body))

    def healthz(self) -> int:
        try:
            return requests.get(self.url("/healthz"), timeout=10).status_code
        except requests.RequestException:
            return -1

    def files_on_disk(self) -> dict[str, bytes]:
        """Every file in the working directory (database, -wal, -shm, key file, logs...)."""
        out = {}
        for p in sorted(self.dir.rglob("*")):
            if p.is_file():
                try:
                    out[str(p.relative_to(self.dir))] = p.read_bytes()
                except OSError:
                    pass
        return out


def signed_in_browser(lk: "Latchkey", email: str, password: str) -> requests.Session:
    """A cookie jar signed in to the dashboard as `email` (through the real sign-in form and its CSRF token)."""
    import re

    s = requests.Session()
    r = s.get(lk.url("/login"), timeout=30)
    m = re.search(r'name="csrf" value="([^"]+)"', r.text)
    assert r.status_code == 200 and m, f"GET /login: {describe_response(r)}"
    r = s.post(lk.url("/login"), data={"csrf": m.group(1), "email": email, "password": password, "next": "/credentials"},
               allow_redirects=False, timeout=60)
    assert r.status_code == 303 and "lk_session" in s.cookies, f"sign-in as {email}: {describe_response(r)}"
    return s


def injected_ok(provider: str, fields: dict, rec: "Recorded") -> bool:
    """Whether `rec` carries the credential `fields` the way the test providers inject it: `echo` as a bearer
    header, `echo-basic` as HTTP basic, `echo-query` as the `appid` query parameter."""
    if provider == "echo":
        return rec.values("authorization") == [f"Bearer {fields['api_key']}"]
    if provider == "echo-basic":
        pair = base64.b64encode(f"{fields['username']}:{fields['password']}".encode()).decode()
        return rec.values("authorization") == [f"Basic {pair}"]
    return f"appid={fields['api_key']}" in rec.query.split("&")


def wait_until(pred: Callable[[], bool], timeout: float = 5.0, interval: float = 0.05) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(interval)
    return pred()
