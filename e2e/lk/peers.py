"""Fake peers on loopback: an upstream that records every request exactly as it arrives and
answers a JSON echo (a redirect, or a big body), a sink that must receive nothing, and a black hole that never
answers."""

from __future__ import annotations

import hashlib
import json
import random
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Optional

from .http1 import HTTPParseError, header_values, parse_head, read_body, read_head


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
        return (
            f"{self.method} {self.target} {self.version} headers={self.headers!r} "
            f"body[{len(self.body)}] error={self.error}"
        )


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
            head = (
                f"HTTP/1.1 {code} Redirect\r\nLocation: {self.redirect_target}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
                f"Connection: {conn_hdr}\r\n\r\n"
            )
            return head.encode() + body
        if "big" in segs and segs.index("big") + 1 < len(segs):
            n = int(segs[segs.index("big") + 1])
            body = big_body(n)
            head = (
                f"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                f"Content-Length: {n}\r\nX-Body-Sha256: {hashlib.sha256(body).hexdigest()}\r\n"
                f"Connection: {conn_hdr}\r\n\r\n"
            )
            return head.encode() + body
        echo = {
            "method": rec.method,
            "target": rec.target,
            "header_names": rec.header_names,
            "body_len": len(rec.body),
            "body_sha256": hashlib.sha256(rec.body).hexdigest(),
        }
        body = json.dumps(echo).encode()
        head = (
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            "Set-Cookie: upstream_session=must-not-reach-agent; Path=/; HttpOnly\r\n"
            "X-Upstream-Marker: echo\r\n"
            f"Content-Length: {len(body)}\r\nConnection: {conn_hdr}\r\n\r\n"
        )
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
