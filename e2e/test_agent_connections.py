"""Issue 13 item 5: agent connections cannot be held or flooded. The key is checked on the request head (401 before
any body is read, then the connection is closed after a short lingering drain, not drained for as long as the client
sends); idle, header-read and body-read timeouts
(small values set here) close connections that make no progress; a client that stops reading its response is cut."""

from __future__ import annotations

import socket
import time

import pytest

from harness import MiB, parse_head, read_head

TIMEOUTS = {"LATCHKEY_AGENT_IDLE_TIMEOUT": "2", "LATCHKEY_HEADER_TIMEOUT": "1", "LATCHKEY_BODY_TIMEOUT": "1"}
GENEROUS = 20.0  # seconds: far above the configured limits, far below "never"


def _connect(lk) -> socket.socket:
    return socket.create_connection(("127.0.0.1", lk.port), timeout=GENEROUS)


def _closed_within(sock: socket.socket, seconds: float = GENEROUS) -> bool:
    """True when the server closes the connection (EOF or reset) within `seconds`, reading whatever comes first."""
    sock.settimeout(seconds)
    deadline = time.time() + seconds
    try:
        while time.time() < deadline:
            if not sock.recv(65536):
                return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False
    return False


def _response(sock: socket.socket) -> tuple[int, list]:
    f = sock.makefile("rb")
    head = read_head(f)
    assert head, "the connection closed without a response"
    start, headers = parse_head(head)
    return int(start.split(" ")[1]), headers


@pytest.fixture
def server(env):
    return env.start(extra_env=TIMEOUTS)


@pytest.mark.parametrize("framing", ["chunked", "5 MiB declared", "512 KiB declared"])
@pytest.mark.parametrize("key", [None, "lka_" + "A" * 43])
def test_an_unauthenticated_upload_gets_401_on_its_head_and_is_not_drained(latchkey, upstream, framing, key):
    """The head alone: no body byte is ever sent, so a 401 proves the key was checked before reading the body
    (512 KiB would otherwise be gathered in memory first by the event-loop path)."""
    headers = [f"Host: 127.0.0.1:{latchkey.port}"]
    if key:
        headers.append(f"Authorization: Bearer {key}")
    headers.append(
        {
            "chunked": "Transfer-Encoding: chunked",
            "5 MiB declared": f"Content-Length: {5 * MiB}",
            "512 KiB declared": f"Content-Length: {512 * 1024}",
        }[framing]
    )
    sock = _connect(latchkey)
    try:
        sock.sendall(("POST /v1/proxy/echo/upload HTTP/1.1\r\n" + "\r\n".join(headers) + "\r\n\r\n").encode())
        sock.settimeout(GENEROUS)
        status, _ = _response(sock)
        assert status == 401
        assert _closed_within(sock), "the connection stayed open to drain a body nobody will use"
    finally:
        sock.close()
    assert not [r for r in upstream.snapshot() if r.path.endswith("/upload")], "the provider was called"


def test_a_connection_sending_half_a_header_is_closed_after_the_header_timeout(server):
    sock = _connect(server)
    try:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        assert _closed_within(sock), "a half-sent request head held the connection"
    finally:
        sock.close()
    assert server.healthz() == 200


def test_a_stalled_body_is_closed_after_the_body_timeout(server, upstream):
    admin = server.admin
    agent = admin.agent_for({"echo": admin.create_credential("echo", {"api_key": "body-timeout-key"})})
    for framing, first in (
        ("Content-Length: 100", b"0123456789"),
        ("Transfer-Encoding: chunked", b"a\r\n0123456789\r\n"),
    ):
        sock = _connect(server)
        try:
            sock.sendall(
                (
                    f"POST /v1/proxy/echo/stall HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {agent.key}\r\n"
                    f"{framing}\r\n\r\n"
                ).encode()
                + first
            )
            assert _closed_within(sock), f"a stalled body ({framing}) held the connection"
        finally:
            sock.close()
    assert server.healthz() == 200


def test_an_idle_connection_is_closed_after_the_idle_timeout(server):
    quiet = _connect(server)
    after_one = _connect(server)
    try:
        after_one.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        status, _ = _response(after_one)
        assert status == 200
        assert _closed_within(quiet), "a connection that never sent a byte stayed open"
        assert _closed_within(after_one), "a keep-alive connection idle after its response stayed open"
    finally:
        quiet.close()
        after_one.close()


def test_an_agent_that_stops_reading_is_cut(server, upstream):
    admin = server.admin
    agent = admin.agent_for({"echo": admin.create_credential("echo", {"api_key": "stall-reader-key"})})
    size = 64 * MiB
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", server.port))
    try:
        sock.sendall(
            (
                f"GET /v1/proxy/echo/big/{size} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Authorization: Bearer {agent.key}\r\n\r\n"
            ).encode()
        )
        # The stall counts from when the server cannot write more, soon after the response begins: wait for its
        # first byte (left unread) before the clock starts. On a loaded machine a call can take seconds to be
        # answered, and a fixed sleep from the request then ended before the idle timeout had run out.
        sock.settimeout(GENEROUS)
        assert sock.recv(1, socket.MSG_PEEK), "no response began"
        time.sleep(6)  # read nothing for three times the idle timeout
        received = 0
        sock.settimeout(GENEROUS)
        try:
            while True:
                chunk = sock.recv(1 << 20)
                if not chunk:
                    break
                received += len(chunk)
        except (ConnectionResetError, socket.timeout):
            pass
        assert received < size, "the whole response was held for an agent that stopped reading"
    finally:
        sock.close()
    assert server.healthz() == 200
