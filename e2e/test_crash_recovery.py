"""Recovery after a crash (issue 19, item 7): a server killed with SIGKILL while 20 refreshes are in
flight leaves 20 refresh leases behind. A server restarted on the same host sees that their holder is
gone (its lease names host, PID namespace, pid and start time) and takes them over at once, so every
credential is usable, or marked needs_reauth with a link, within 5 s of the restart; not
`503 refresh_failed` until the dead process's leases run out (60 s).

The token endpoint here is the test's own: it holds requests while `held`, and with `rotate` it spends
a refresh token when a request arrives (so the killed process's request spent it, and the restarted
server's refresh is answered invalid_grant: needs_reauth is then the right outcome)."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
import requests

from harness import describe_response

PROVIDER = "crashoauth"
CREDENTIALS = 20
RECOVERY = 5.0  # seconds after the restart is ready


class HeldTokenEndpoint:
    """A refresh-token endpoint that can hold requests, counting what arrives."""

    def __init__(self, rotate: bool):
        self.rotate = rotate
        self.release = threading.Event()
        self.release.set()
        self.lock = threading.Lock()
        self.arrived = 0
        self.valid: set[str] = set()
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode())
                token = (form.get("refresh_token") or [""])[0]
                with endpoint.lock:
                    endpoint.arrived += 1
                    valid = token in endpoint.valid
                    if endpoint.rotate:
                        endpoint.valid.discard(token)  # spent on arrival, as rotating providers do
                endpoint.release.wait(60)
                if not valid:
                    status, body = 400, {"error": "invalid_grant", "error_description": "refresh token spent"}
                else:
                    new = f"rt-{uuid.uuid4().hex}" if endpoint.rotate else token
                    with endpoint.lock:
                        endpoint.valid.add(new)
                    status, body = (
                        200,
                        {
                            "access_token": f"at-{uuid.uuid4().hex}",
                            "refresh_token": new,
                            "token_type": "Bearer",
                            "expires_in": 3600,
                        },
                    )
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the server that asked was killed

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def token_endpoint(request):
    endpoint = HeldTokenEndpoint(rotate=request.param)
    yield endpoint
    endpoint.close()


def provider_yaml(token_origin: str, upstream_port: int) -> str:
    return f"""name: Crash recovery OAuth
auth:
  mode: oauth2
  authorization_url: {token_origin}/authorize
  token_url: {token_origin}/token
proxy:
  base_url: http://127.0.0.1:{upstream_port}/api
"""


def proxy_get(lk, key: str, timeout: float):
    try:
        return requests.get(
            lk.url(f"/v1/proxy/{PROVIDER}/me"),
            headers={"Authorization": f"Bearer {key}"},
            timeout=timeout,
            allow_redirects=False,
        )
    except requests.RequestException as e:
        return e


@pytest.mark.parametrize("token_endpoint", [False, True], ids=["reusable-refresh-tokens", "rotating"], indirect=True)
def test_sigkill_with_20_refreshes_in_flight_recovers_within_5s_of_the_restart(env, token_endpoint):
    # No background refresher: the agents' calls alone must recover the credentials.
    lk = env.start(
        extra_env={"LATCHKEY_REFRESH_INTERVAL": "0"},
        extra_providers={PROVIDER: provider_yaml(token_endpoint.origin, env.upstream.port)},
    )
    admin = lk.admin
    r = admin.put(f"/api/v1/oauth-apps/{PROVIDER}", json={"client_id": "crash-client", "client_secret": "crash-secret"})
    assert r.status_code == 200, describe_response(r)
    agents = {}
    for i in range(CREDENTIALS):
        token_endpoint.valid.add(f"rt-initial-{i}")
        cred = admin.create_credential(
            PROVIDER,
            {
                "access_token": f"at-expired-{i}",
                "refresh_token": f"rt-initial-{i}",
                "expires_at": "2020-01-01T00:00:00Z",
            },
            name=f"expired {i}",
        )
        agents[cred["id"]] = admin.agent_for({PROVIDER: cred})

    # 20 calls on 20 expired tokens: 20 refreshes, each holding its lease, all held at the token endpoint.
    token_endpoint.release.clear()
    calls = [threading.Thread(target=proxy_get, args=(lk, a.key, 60), daemon=True) for a in agents.values()]
    for t in calls:
        t.start()
    deadline = time.time() + 30
    while time.time() < deadline and token_endpoint.arrived < CREDENTIALS:
        time.sleep(0.05)
    assert token_endpoint.arrived == CREDENTIALS, f"only {token_endpoint.arrived} refreshes reached the token endpoint"

    os.kill(lk.proc.pid, signal.SIGKILL)
    lk.proc.wait(10)
    lk.stop()
    for t in calls:
        t.join(10)
    token_endpoint.release.set()

    lk.start()
    ready = time.time()
    settle_by = ready + RECOVERY
    outcomes: dict[str, object] = {}

    def settle(cid: str, key: str):
        """Call until the credential answers 200 or needs_reauth; keep the last answer."""
        while True:
            left = settle_by - time.time()
            if left <= 0:
                return
            r = proxy_get(lk, key, timeout=max(0.2, left))
            outcomes[cid] = r
            if isinstance(r, requests.Response) and (
                r.status_code == 200 or (r.status_code == 424 and "credential_needs_reauth" in r.text)
            ):
                outcomes[cid] = (r, time.time() - ready)
                return
            time.sleep(0.1)

    settlers = [threading.Thread(target=settle, args=(cid, a.key), daemon=True) for cid, a in agents.items()]
    for t in settlers:
        t.start()
    for t in settlers:
        t.join(RECOVERY + 15)

    problems = []
    warnings = {w.get("credential_id"): w for w in admin.get("/api/v1/warnings").json()["warnings"]}
    for cid, outcome in outcomes.items():
        if not isinstance(outcome, tuple):
            shown = describe_response(outcome) if isinstance(outcome, requests.Response) else repr(outcome)
            problems.append(f"{cid}: not settled {RECOVERY} s after the restart: {shown}")
            continue
        r, _ = outcome
        status = admin.get(f"/api/v1/credentials/{cid}").json()["status"]
        if r.status_code == 200 and status != "active":
            problems.append(f"{cid}: call 200 but status {status}")
        if r.status_code == 424:
            w = warnings.get(cid)
            if status != "needs_reauth" or not w or not w.get("setup_url"):
                problems.append(f"{cid}: needs_reauth without a link: status {status}, warning {w}")
    assert len(outcomes) == CREDENTIALS, f"only {len(outcomes)} credentials answered at all"
    slowest = max((o[1] for o in outcomes.values() if isinstance(o, tuple)), default=None)
    print(f"settled: {sum(isinstance(o, tuple) for o in outcomes.values())}/{CREDENTIALS}, slowest {slowest}")
    assert not problems, "\n".join(problems)
    if not token_endpoint.rotate:
        assert all(o[0].status_code == 200 for o in outcomes.values()), "reusable refresh tokens must refresh"
