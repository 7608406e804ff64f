"""A loopback webhook receiver: records every delivery, checks its Standard Webhooks signature, and answers
as a test tells it (fail the next n with 500, or hold requests open until released)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def sign(secret: str, msg_id: str, timestamp: str, body: bytes) -> str:
    assert secret.startswith("whsec_"), secret
    key = base64.b64decode(secret[len("whsec_") :])
    mac = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


@dataclass
class Delivery:
    msg_id: str
    timestamp: str
    signature: str
    body: bytes
    answered: int  # the status answered, or 0 when held (the sender was gone before an answer)
    verified: bool
    headers: dict = field(default_factory=dict)

    @property
    def event(self) -> dict:
        return json.loads(self.body)


class Receiver:
    def __init__(self):
        self.secrets: list[str] = []
        self.deliveries: list[Delivery] = []
        self.lock = threading.Lock()
        self.fail_next = 0
        self.hold = False
        self.held = threading.Event()  # set when a request is being held
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver._handle(self, body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _handle(self, handler, body: bytes):
        msg_id = handler.headers.get("webhook-id", "")
        ts = handler.headers.get("webhook-timestamp", "")
        sig = handler.headers.get("webhook-signature", "")
        with self.lock:
            verified = any(hmac.compare_digest(sign(s, msg_id, ts, body), sig) for s in self.secrets)
            hold = self.hold
            if hold:
                self.hold = False
                status = 0
            elif self.fail_next > 0:
                self.fail_next -= 1
                status = 500
            else:
                status = 200
            self.deliveries.append(Delivery(msg_id, ts, sig, body, status, verified, dict(handler.headers)))
        if hold:
            self.held.set()
            self.release.wait(60)
            status = 200
        try:
            handler.send_response(status)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
        except OSError:
            pass

    def snapshot(self) -> list[Delivery]:
        with self.lock:
            return list(self.deliveries)

    def accepted(self) -> list[Delivery]:
        """Deliveries answered 2xx, in arrival order."""
        return [d for d in self.snapshot() if 200 <= d.answered < 300]

    def wait_accepted(self, n: int, timeout: float = 30.0) -> list[Delivery]:
        deadline = time.time() + timeout
        while time.time() < deadline:
            got = self.accepted()
            if len({d.msg_id for d in got}) >= n:
                return got
            time.sleep(0.05)
        raise AssertionError(
            f"expected {n} accepted webhook ids within {timeout}s, got "
            f"{[(d.msg_id, d.answered, d.event.get('type')) for d in self.snapshot()]}"
        )

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
