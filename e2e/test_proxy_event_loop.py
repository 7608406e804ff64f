"""The proxy's event-loop path (Sources/LatchkeyServer/Proxy/EventLoop) and its access cache.

Most proxy behaviour is covered by test_proxy_*.py, which now run through this path; these tests cover what is
particular to it: responses in request order when calls and other requests share a pipelined connection, provider
connections that die while pooled, TLS certificate verification on the way out, how quickly a revoked key stops
working (at once on the server that revoked it; within LATCHKEY_ACCESS_CACHE_MS on another), and a graceful shutdown
that lets a call under way finish.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import ssl
import subprocess
import threading
import time


from harness import build_head, describe_response, expect_error, parse_head, read_body, read_head, wait_until
from lk.providers import api_key_provider

SECRET = "evl-secret-" + "0123456789abcdef"


def _pipelined(port: int, heads: list[bytes], timeout: float = 30.0) -> list[tuple[int, list, bytes]]:
    """Send every request in one write, then read the responses in order."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(b"".join(heads))
        f = sock.makefile("rb")
        out = []
        for _ in heads:
            start, headers = parse_head(read_head(f))
            status = int(start.split(" ", 2)[1])
            out.append((status, headers, read_body(f, headers, response=True, status=status)))
        return out


def test_pipelined_calls_and_other_requests_are_answered_in_order(latchkey, admin, upstream):
    cred = admin.create_credential("echo", {"api_key": SECRET})
    agent = admin.agent_for({"echo": cred})
    host = ("Host", f"127.0.0.1:{latchkey.port}")
    auth = ("Authorization", f"Bearer {agent.key}")
    heads = [
        build_head("GET", "/v1/proxy/echo/first", [host, auth]),
        build_head("GET", "/healthz", [host]),
        build_head("GET", "/v1/proxy/echo/second?n=2", [host, auth]),
        build_head("GET", "/v1/tools", [host, auth]),
        build_head("GET", "/v1/proxy/echo/third", [host, auth]),
        build_head("GET", "/v1/proxy/echo-two/unbound", [host, auth]),
    ]
    answers = _pipelined(latchkey.port, heads)
    statuses = [status for status, _, _ in answers]
    assert statuses == [200, 200, 200, 200, 200, 424], statuses
    targets = [
        json.loads(body)["target"] for status, _, body in answers if status == 200 and body.startswith(b'{"method"')
    ]
    assert targets == ["/base/v1/first", "/base/v1/second?n=2", "/base/v1/third"], targets
    assert isinstance(json.loads(answers[3][2]), dict), answers[3][2][:200]  # /v1/tools' JSON, in its place
    assert answers[1][2].strip() != b"" and not answers[1][2].startswith(b'{"method"'), answers[1][2][
        :200
    ]  # /healthz's own
    assert json.loads(answers[5][2])["error"]["code"] == "credential_missing"


class _ForgetfulUpstream:
    """Answers the first request on each connection (keep-alive promised), then closes the connection without a
    word when a second request arrives on it: a provider that dropped an idle pooled connection."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.answered = 0
        self.dropped = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        f = conn.makefile("rb")
        try:
            _, headers = parse_head(read_head(f))
            read_body(f, headers, response=False)
            body = b'{"ok":true}'
            self.answered += 1  # counted before the answer leaves, so the test never sees the answer first
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: keep-alive\r\n"
                b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
            )
            if read_head(f):
                self.dropped += 1
        except Exception:  # noqa: BLE001 - the connection is dropped either way
            pass
        finally:
            conn.close()

    def close(self):
        self.sock.close()


def test_a_pooled_connection_the_provider_dropped_is_retried_for_idempotent_calls_only(env):
    forgetful = _ForgetfulUpstream()
    try:
        lk = env.start(
            extra_providers={"forgetful": api_key_provider("Forgetful", f"http://127.0.0.1:{forgetful.port}")}
        )
        cred = lk.admin.create_credential("forgetful", {"api_key": SECRET})
        agent = lk.admin.agent_for({"forgetful": cred})
        for i in range(4):
            r = agent.get("forgetful", f"get/{i}")
            assert r.status_code == 200, describe_response(r)
        assert forgetful.answered == 4 and forgetful.dropped >= 1, vars(forgetful)
        # A POST on a connection that dies is not sent twice: the agent hears about it and decides.
        outcomes = [agent.post("forgetful", f"post/{i}", json={"n": i}).status_code for i in range(3)]
        assert 502 in outcomes and set(outcomes) <= {200, 502}, outcomes
    finally:
        forgetful.close()


def test_https_providers_must_present_a_certificate_the_system_trusts(env, tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    port = listener.getsockname()[1]
    seen = {"handshakes": 0, "requests": 0}

    def serve():
        while True:
            try:
                raw, _ = listener.accept()
            except OSError:
                return
            seen["handshakes"] += 1
            try:
                with context.wrap_socket(raw, server_side=True) as tls:
                    if tls.recv(65536):
                        seen["requests"] += 1
            except (ssl.SSLError, OSError):
                pass

    threading.Thread(target=serve, daemon=True).start()
    try:
        lk = env.start(extra_providers={"selfsigned": api_key_provider("Self-signed", f"https://localhost:{port}")})
        cred = lk.admin.create_credential("selfsigned", {"api_key": SECRET})
        agent = lk.admin.agent_for({"selfsigned": cred})
        r = agent.get("selfsigned", "anything")
        expect_error(r, 502, "upstream_unreachable")
        assert seen["handshakes"] >= 1, "Latchkey never tried the provider"
        assert seen["requests"] == 0, "a request (and its credential) crossed an unverified TLS connection"
        assert SECRET not in r.text
    finally:
        listener.close()


def test_a_key_revoked_on_this_server_stops_working_at_once(latchkey, admin):
    cred = admin.create_credential("echo", {"api_key": SECRET})
    agent = admin.agent_for({"echo": cred})
    for _ in range(5):  # warm the access cache
        assert agent.get("echo", "warm").status_code == 200
    r = admin.delete(f"/api/v1/groups/{agent.group_id}/keys/{agent.key_id}")
    assert r.status_code in (200, 204), describe_response(r)
    expect_error(agent.get("echo", "after"), 401, "unauthorized")


def test_a_rebinding_on_this_server_is_used_by_the_next_call(latchkey, admin, upstream):
    first = admin.create_credential("echo", {"api_key": SECRET + "-one"})
    second = admin.create_credential("echo", {"api_key": SECRET + "-two"})
    agent = admin.agent_for({"echo": first})
    assert agent.get("echo", "one").status_code == 200
    admin.bind(agent.group_id, "echo", second["id"])
    upstream.clear()
    assert agent.get("echo", "two").status_code == 200
    seen = upstream.wait_for(1)
    assert seen[-1].header("authorization") == f"Bearer {SECRET}-two", seen[-1].describe()


def test_a_key_revoked_on_another_server_stops_working_within_the_cache_time(env):
    a = env.start(extra_env={"LATCHKEY_ACCESS_CACHE_MS": "400"})
    b = env.start(
        extra_env={
            "LATCHKEY_ACCESS_CACHE_MS": "400",
            "LATCHKEY_DATABASE_URL": f"sqlite:{a.db_path}",
            "LATCHKEY_MASTER_KEY_FILE": str(a.key_file),
        }
    )
    cred = a.admin.create_credential("echo", {"api_key": SECRET})
    agent = a.admin.agent_for({"echo": cred})
    agent.lk = b  # calls go to the other server
    assert agent.get("echo", "cached").status_code == 200
    r = a.admin.delete(f"/api/v1/groups/{agent.group_id}/keys/{agent.key_id}")
    assert r.status_code in (200, 204), describe_response(r)
    # b forgets the key when its next read of the access change log (every 400 ms) sees the revocation. On a loaded
    # machine that read can start late, so wait for the refusal itself rather than for a fixed time.
    started = time.monotonic()
    refused = wait_until(lambda: agent.get("echo", "stale").status_code == 401, timeout=10)
    assert refused, f"the revoked key still worked on the other server after {time.monotonic() - started:.1f} s"
    print(f"revoked key refused on the other server after {time.monotonic() - started:.2f} s (cache time 400 ms)")
    expect_error(agent.get("echo", "stale"), 401, "unauthorized")


def test_a_graceful_shutdown_lets_a_call_under_way_finish(env):
    """SIGTERM while a call waits on its provider: the agent still gets the whole response, told the connection closes,
    and then the server exits (it does not hang on the connection, and it does not cut the call)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    port = listener.getsockname()[1]
    received = threading.Event()
    body = b'{"slow":true}'

    def serve():
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        with conn:
            f = conn.makefile("rb")
            _, headers = parse_head(read_head(f))
            read_body(f, headers, response=False)
            received.set()
            time.sleep(1.5)  # the provider takes its time; the shutdown starts meanwhile
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
            )
            f.read()  # until Latchkey closes its side

    threading.Thread(target=serve, daemon=True).start()
    try:
        lk = env.start(extra_providers={"slow": api_key_provider("Slow", f"http://127.0.0.1:{port}")})
        cred = lk.admin.create_credential("slow", {"api_key": SECRET})
        agent = lk.admin.agent_for({"slow": cred})
        outcome: dict = {}
        call = threading.Thread(target=lambda: outcome.update(response=agent.get("slow", "wait", timeout=30)))
        call.start()
        assert received.wait(10), "the call never reached the provider"
        os.kill(lk.proc.pid, signal.SIGTERM)
        call.join(30)
        r = outcome.get("response")
        assert r is not None, "the call got no response"
        assert r.status_code == 200 and r.content == body, describe_response(r)
        assert r.headers.get("Connection", "").lower() == "close", dict(r.headers)
        assert lk.proc.wait(20) == 0, lk.log_tail()
    finally:
        listener.close()
