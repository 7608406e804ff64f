"""Large bodies pass through the proxy intact, both ways."""

from __future__ import annotations

import hashlib

from harness import MiB, big_body, describe_response

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
