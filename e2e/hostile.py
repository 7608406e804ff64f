"""A provider that misbehaves on purpose, over raw sockets: ambiguous framing, bytes after a response, and
echoes of what it was sent (the injected credential included). Used by test_proxy_trust.py.

Answers by the last path segment of the request target:

* ``owe-204`` / ``owe-304``  -> that status with ``Content-Length: N`` but no body yet; the N bytes (a whole
                               second response, ``LEFTOVER-OF-A``) are sent when the next request arrives on the
                               same connection, before its own answer: a client that reused the connection reads
                               them as the next call's response.
* ``owe-head``              -> (for HEAD) 200 with ``Content-Length: N``, the same N bytes owed.
* ``switch-101``            -> a 101 nobody asked for, followed by a second, smuggled response.
* ``extra``                 -> 200 ``Content-Length: 5`` ``A-own`` followed at once by a second, smuggled response.
* ``echo-headers``          -> 302 whose Location, Content-Location, Link, Refresh, WWW-Authenticate and X-Echo-*
                               headers repeat the request's query and Authorization/X-Api-Key values.
* ``echo-body``             -> 200 JSON of the request target and headers, Content-Length framed.
* ``echo-chunked``          -> the same body in 3-byte chunks (Transfer-Encoding: chunked).
* ``sse``                   -> a chunked ``text/event-stream``: ``data: one`` at once, then (once `sse_gate` is set)
                               an event carrying the request's bearer token split over two chunks, then the end.
* anything else             -> 200 ``Content-Length`` framed ``OWN:<target>``.
"""

from __future__ import annotations

import json
import socket
import threading

from harness import RecordingUpstream, parse_head, read_body, read_head

LEFTOVER = b"LEFTOVER-OF-A"
SMUGGLED = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n" % len(LEFTOVER)) + LEFTOVER


class HostileUpstream(RecordingUpstream):
    """Records like `RecordingUpstream` (`snapshot()`); answers as the module says. Each connection is served on a
    thread of its own, so what a connection owes lives in a thread-local."""

    def __init__(self):
        self._owed = threading.local()
        #: set by a test once it has seen the first event of `sse` through Latchkey
        self.sse_gate = threading.Event()
        super().__init__()

    def _serve_conn(self, conn, addr):
        self._owed.conn = conn
        super()._serve_conn(conn, addr)

    def _answer(self, rec, keep: bool) -> bytes:
        if rec.path.endswith("/sse"):
            return self._sse(rec)
        owed = getattr(self._owed, "bytes", b"")
        answer, self._owed.bytes = self._hostile_answer(rec.method, rec.target, rec.headers)
        return owed + answer

    def _sse(self, rec) -> bytes:
        token = (rec.header("authorization") or "").split(" ", 1)[-1].encode()
        self._owed.conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
            + _chunk(b"data: one\n\n")
        )
        self.sse_gate.wait(30)
        return _chunk(b"data: " + token[:10]) + _chunk(token[10:] + b"\n\n") + b"0\r\n\r\n"

    @staticmethod
    def _framed(status: str, body: bytes, extra: list[tuple[str, str]] = ()) -> bytes:
        lines = [f"HTTP/1.1 {status}", "Content-Type: text/plain", f"Content-Length: {len(body)}"]
        lines += [f"{n}: {v}" for n, v in extra]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body

    def _hostile_answer(self, method: str, target: str, headers: list[tuple[str, str]]) -> tuple[bytes, bytes]:
        path, _, query = target.partition("?")
        last = path.rsplit("/", 1)[-1]
        values = {n.lower(): v for n, v in headers}
        if last in ("owe-204", "owe-304"):
            status = "204 No Content" if last == "owe-204" else "304 Not Modified"
            return f"HTTP/1.1 {status}\r\nContent-Length: {len(SMUGGLED)}\r\n\r\n".encode(), SMUGGLED
        if last == "owe-head":
            return (
                f"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {len(SMUGGLED)}\r\n\r\n".encode(),
                SMUGGLED,
            )
        if last == "switch-101":
            return b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: evil\r\nConnection: upgrade\r\n\r\n" + SMUGGLED, b""
        if last == "extra":
            return self._framed("200 OK", b"A-own") + SMUGGLED, b""
        auth = values.get("authorization", "")
        key = values.get("x-api-key", "")
        if last == "echo-headers":
            token = auth.split(" ", 1)[-1]
            extra = [
                ("Location", f"https://elsewhere.example/cb?{query}"),
                ("Content-Location", f"/base/echo?{query}"),
                ("Link", f"<https://elsewhere.example/next?{query}>; rel=next"),
                ("Refresh", f"0; url=https://elsewhere.example/?{query}"),
                ("WWW-Authenticate", f'Bearer error="invalid_token", token="{token}"'),
                ("X-Echo-Authorization", auth),
                ("X-Echo-Token", token),
                ("X-Echo-Key", key),
            ]
            return self._framed("302 Found", b"{}", extra), b""
        if last in ("echo-body", "echo-chunked"):
            body = json.dumps(
                {
                    "target": target,
                    "headers": headers,
                    "authorization": auth,
                    "token": auth.split(" ", 1)[-1],
                    "key": key,
                }
            ).encode()
            if last == "echo-body":
                return self._framed("200 OK", body, [("Content-Type", "application/json")]), b""
            chunks = b"".join(_chunk(body[i : i + 3]) for i in range(0, len(body), 3))
            return (
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                + chunks
                + b"0\r\n\r\n",
                b"",
            )
        return self._framed("200 OK", b"OWN:" + target.encode()), b""


def _chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


def provider_yaml(name: str, port: int, inject: str, mode: str = "api_key") -> str:
    """A provider file pointing at the hostile upstream on loopback."""
    fields = (
        "    - {name: api_key, label: API key, secret: true, required: true}\n"
        if mode == "api_key"
        else "    - {name: username, label: Username, secret: false, required: true}\n"
        "    - {name: password, label: Password, secret: true, required: true}\n"
    )
    return (
        f"name: {name}\nauth:\n  mode: {mode}\n  fields:\n{fields}"
        f"proxy:\n  base_url: http://127.0.0.1:{port}/base\n  inject:\n    {inject}\n"
    )


def keep_alive_exchanges(port: int, requests: list[tuple[bytes, bytes | list[bytes], str]], timeout: float = 20.0):
    """Sends each (head, body, method) in turn on one connection, reading each response before the next request;
    returns (status, headers, body) per response, or an error string where the connection ended."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    f = sock.makefile("rb")
    out = []
    try:
        for head, body, method in requests:
            sock.sendall(head)
            for piece in [body] if isinstance(body, (bytes, bytearray)) else body:
                if piece:
                    sock.sendall(piece)
            try:
                h = read_head(f)
                if not h:
                    out.append("closed")
                    break
                start, headers = parse_head(h)
                status = int(start.split(" ")[1])
                out.append((status, headers, read_body(f, headers, response=True, status=status, method=method)))
            except Exception as e:  # noqa: BLE001 - reported as data
                out.append(f"{type(e).__name__}: {e}")
                break
    finally:
        f.close()
        sock.close()
    return out
