"""A raw HTTP/1.1 client: exact request-targets and headers, a streamed body, and one response read
concurrently so that an early answer (413, 431) is captured even if the server stops reading the body."""

from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass
from typing import Iterable, Optional

from .http1 import header_values, parse_head, read_body, read_head


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


def raw_exchange(
    port: int, head: bytes, body: Iterable[bytes] | bytes = b"", timeout: float = 30.0, method: str = "GET"
) -> RawResult:
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
