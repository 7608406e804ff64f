"""Large bodies pass through the proxy intact, both ways; event streams are relayed event by event, as they arrive,
on both proxy paths; a large upload streams through with the server's memory flat."""

from __future__ import annotations

import hashlib
import http.client
import random

import pytest

from harness import MiB, big_body, describe_response
from lk.providers import api_key_provider
from lk.streaming_peers import GatedEventStream, HashingSink

SIZE = 5 * MiB


def test_5mib_request_body_reaches_upstream_intact(latchkey, admin, upstream):
    cred = admin.create_credential("echo", {"api_key": "stream-secret"})
    agent = admin.agent_for({"echo": cred})
    payload = big_body(SIZE)
    want = hashlib.sha256(payload).hexdigest()

    r = agent.post(
        "echo", "upload/length", data=payload, headers={"Content-Type": "application/octet-stream"}, timeout=120
    )
    assert r.status_code == 200, describe_response(r)
    assert r.json()["body_sha256"] == want and r.json()["body_len"] == SIZE, r.text

    def gen():
        for i in range(0, SIZE, 100_000):
            yield payload[i : i + 100_000]

    r = agent.post(
        "echo", "upload/chunked", data=gen(), headers={"Content-Type": "application/octet-stream"}, timeout=120
    )
    assert r.status_code == 200, describe_response(r)
    assert r.json()["body_sha256"] == want and r.json()["body_len"] == SIZE, r.text

    recs = {rec.path: rec for rec in upstream.wait_for(2)}
    for p in ("/base/v1/upload/length", "/base/v1/upload/chunked"):
        rec = recs[p]
        assert rec.error is None, rec.describe()[:300]
        assert len(rec.body) == SIZE and hashlib.sha256(rec.body).hexdigest() == want, rec.describe()[:300]
        assert rec.values("content-type") == ["application/octet-stream"], rec.describe()[:300]


def test_5mib_upstream_response_reaches_agent_intact(latchkey, admin, upstream):
    cred = admin.create_credential("echo", {"api_key": "stream-secret"})
    agent = admin.agent_for({"echo": cred})
    r = agent.get("echo", f"download/big/{SIZE}", timeout=120, stream=True)
    assert r.status_code == 200, describe_response(r)
    h = hashlib.sha256()
    n = 0
    for chunk in r.iter_content(65536):
        h.update(chunk)
        n += len(chunk)
    assert n == SIZE, f"got {n} bytes, want {SIZE}"
    assert h.hexdigest() == hashlib.sha256(big_body(SIZE)).hexdigest()
    assert r.headers.get("X-Body-Sha256") == h.hexdigest(), dict(r.headers)


def _stream_agent(env, peer, provider: str, extra_env: dict | None = None):
    lk = env.start(extra_env=extra_env, extra_providers={provider: api_key_provider(provider, f"{peer.origin}/v1")})
    cred = lk.admin.create_credential(provider, {"api_key": "stream-secret-0123456789"})
    return lk, lk.admin.agent_for({provider: cred})


@pytest.mark.parametrize("path", ["event loop", "framework"])
def test_each_event_reaches_the_agent_before_the_provider_sends_the_next(env, path):
    """The provider sends event i+1 only after the agent has read event i: a relay that coalesced or buffered
    events would hold event i until the gate timed out (recorded by the peer), so no timing threshold is needed."""
    peer = GatedEventStream(events=4)
    try:
        lk, agent = _stream_agent(env, peer, "sse")
        conn = http.client.HTTPConnection("127.0.0.1", lk.port, timeout=60)
        headers = {"Authorization": f"Bearer {agent.key}", "Accept": "text/event-stream"}
        if path == "event loop":
            conn.request("GET", "/v1/proxy/sse/stream", headers=headers)
        else:  # a chunked request body: the Hummingbird path and AsyncHTTPClient
            conn.request("POST", "/v1/proxy/sse/stream", body=iter([b"{}"]), headers=headers, encode_chunked=True)
        resp = conn.getresponse()
        assert resp.status == 200, resp.read()[:300]
        assert resp.getheader("content-type") == "text/event-stream"
        for i in range(peer.events):
            event = b""
            while not event.endswith(b"\n\n"):
                line = resp.readline()
                assert line, f"the stream ended after {event!r} (event {i})"
                event += line
            assert event == GatedEventStream.event(i)
            assert peer.sent == i + 1 and not peer.timeouts, (
                f"event {i} reached the agent only after the provider gave up waiting: the relay held it back"
            )
            peer.gates[i].set()
        assert resp.read() == b""
        conn.close()
        assert peer.timeouts == []
    finally:
        for gate in peer.gates:
            gate.set()
        peer.close()


class _GeneratedBody:
    """`size` deterministic bytes read in pieces, never all in memory; `len()` makes requests declare them."""

    def __init__(self, size: int):
        self.size, self.left = size, size
        self.digest = hashlib.sha256()
        self._random = random.Random(size)

    def __len__(self):
        return self.left

    def read(self, n: int = -1) -> bytes:
        n = self.left if n < 0 else min(n, self.left, 1 << 20)
        piece = self._random.randbytes(n)
        self.digest.update(piece)
        self.left -= n
        return piece


def _memory_kib(pid: int) -> dict[str, int]:
    with open(f"/proc/{pid}/status") as f:
        return {k: int(v.split()[0]) for k, v in (line.split(":", 1) for line in f) if k in ("VmRSS", "VmHWM")}


def test_a_200_mb_upload_streams_through_with_the_servers_memory_flat(env):
    sink = HashingSink()
    try:
        size = 200 * MiB
        lk, agent = _stream_agent(env, sink, "upload", {"LATCHKEY_PROXY_BODY_LIMIT": str(300 * MiB)})
        warm = agent.post("upload", "warm", data=b"x" * 1000)
        assert warm.status_code == 200, describe_response(warm)
        before = _memory_kib(lk.proc.pid)["VmRSS"]
        body = _GeneratedBody(size)
        r = agent.post("upload", "big", data=body, headers={"Content-Type": "application/octet-stream"}, timeout=600)
        assert r.status_code == 200, describe_response(r)
        assert r.json() == {"body_len": size, "body_sha256": body.digest.hexdigest()}, r.text
        peak = _memory_kib(lk.proc.pid)["VmHWM"]
        grew_mib = (peak - before) / 1024
        assert grew_mib < 48, f"peak RSS {grew_mib:.0f} MiB above the resting RSS while relaying {size // MiB} MiB"
    finally:
        sink.close()
