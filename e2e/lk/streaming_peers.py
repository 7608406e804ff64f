"""Providers for streaming tests: an event stream that sends each event only once the test has seen the one before
(a gate, not a clock), and an upload sink that hashes a body as it arrives without keeping it."""

from __future__ import annotations

import hashlib
import json
import threading

from .http1 import HTTPParseError, header_values, parse_head, read_body, read_head
from .peers import _Listener


class GatedEventStream(_Listener):
    """Answers a request with `events` server-sent events, chunked. Event i+1 is sent only once `gates[i]` is set
    (by a client that has received event i), or `gate_timeout` seconds later, which `timeouts` records: a relay that
    holds events back until more arrive shows up as timeouts."""

    def __init__(self, events: int = 4, gate_timeout: float = 15.0):
        self.events = events
        self.gate_timeout = gate_timeout
        self.gates = [threading.Event() for _ in range(events)]
        self.sent = 0
        self.timeouts: list[int] = []
        super().__init__()

    @staticmethod
    def event(i: int) -> bytes:
        return f'id: {i}\ndata: {{"token": "word{i}"}}\n\n'.encode()

    def _serve_conn(self, conn, addr):
        conn.settimeout(60)
        f = conn.makefile("rb")
        try:
            _, headers = parse_head(read_head(f))
            read_body(f, headers, response=False)
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
                b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            )
            for i in range(self.events):
                payload = self.event(i)
                # Counted before it goes out: a client that reads event i and then looks at `sent` must find it
                # counted, however late this thread runs again after `sendall` on a loaded machine.
                self.sent = i + 1
                conn.sendall(f"{len(payload):x}\r\n".encode() + payload + b"\r\n")
                if i + 1 < self.events and not self.gates[i].wait(self.gate_timeout):
                    self.timeouts.append(i)
            conn.sendall(b"0\r\n\r\n")
        except (OSError, HTTPParseError):
            pass
        finally:
            conn.close()


class HashingSink(_Listener):
    """Reads a request body declared by Content-Length in pieces, keeping only its length and SHA-256 (in
    `received`), and answers them as JSON."""

    def __init__(self):
        self.received: list[dict] = []
        super().__init__()

    def _serve_conn(self, conn, addr):
        conn.settimeout(60)
        f = conn.makefile("rb")
        try:
            _, headers = parse_head(read_head(f))
            left = int((header_values(headers, "content-length") or ["0"])[0])
            digest, n = hashlib.sha256(), 0
            while left > 0:
                piece = f.read(min(left, 1 << 20))
                if not piece:
                    break
                digest.update(piece)
                n += len(piece)
                left -= len(piece)
            answer = {"body_len": n, "body_sha256": digest.hexdigest()}
            with self._lock:
                self.received.append(answer)
            body = json.dumps(answer).encode()
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode()
                + body
            )
        except (OSError, HTTPParseError, ValueError):
            pass
        finally:
            conn.close()
