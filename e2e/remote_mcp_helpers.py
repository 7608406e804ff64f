"""Helpers for the remote MCP tests: a Latchkey whose catalog has the MCP peer (e2e/mcp_peer) as the
remote MCP server `peermcp` (OAuth endpoints discovered), connected through the start link and the
peer's consent page, with a group, an agent key and the binding."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Optional

import requests

from harness import Latchkey, describe_response, signed_in_browser
from oauth_helpers import page_result

PROVIDER = "peermcp"


def tools_call(
    lk, key: str, i, tool: str = "echo", arguments: Optional[dict] = None, headers: Optional[dict] = None
) -> requests.Response:
    """One raw JSON-RPC `tools/call` of the remote server's `tool` at Latchkey's `/mcp` (stateless: no initialize
    needed); `i` is the request id, and the default arguments echo it."""
    body = {
        "jsonrpc": "2.0",
        "id": i,
        "method": "tools/call",
        "params": {
            "name": f"{PROVIDER}_{tool}",
            "arguments": arguments if arguments is not None else {"text": f"n{i}"},
        },
    }
    return requests.post(
        lk.url("/mcp"),
        json=body,
        timeout=60,
        headers={"Authorization": f"Bearer {key}", "Accept": "application/json, text/event-stream", **(headers or {})},
    )


def provider_yaml(peer, auth: str = "oauth2", extra: str = "") -> str:
    return f"name: Peer MCP\nauth:\n  mode: {auth}\n{extra}mcp:\n  url: {peer.mcp_url}\n"


class RemoteEnv:
    def __init__(
        self,
        peer,
        tmp: Path,
        *,
        allow_private: bool = True,
        extra_env: Optional[dict] = None,
        providers: Optional[dict] = None,
    ):
        self.peer = peer
        self.tmp = tmp
        self.env = {"LATCHKEY_REFRESH_INTERVAL": "0"}
        if allow_private:
            self.env["LATCHKEY_ALLOW_PRIVATE_UPSTREAMS"] = "1"
        self.env.update(extra_env or {})
        self.providers = providers if providers is not None else {PROVIDER: provider_yaml(peer)}
        self.provider_id = PROVIDER
        self.servers: list[Latchkey] = []
        self.lk = self.start_server()
        self.admin = self.lk.admin

    def start_server(self, extra_env: Optional[dict] = None, share_db_with: Optional[Latchkey] = None) -> Latchkey:
        env = dict(self.env)
        if share_db_with is not None:
            env.update(
                {
                    "LATCHKEY_DATABASE_URL": share_db_with.env["LATCHKEY_DATABASE_URL"],
                    "LATCHKEY_MASTER_KEY_FILE": str(share_db_with.key_file),
                }
            )
        env.update(extra_env or {})
        lk = Latchkey(self.tmp / f"lk{len(self.servers)}", self.providers, env)
        self.servers.append(lk)
        lk.start()
        return lk

    def close(self):
        for lk in self.servers:
            lk.stop()

    def authorize(self, name: str = "peer", lk: Optional[Latchkey] = None, **body) -> requests.Response:
        lk = lk or self.lk
        return lk.admin.post(f"/api/v1/oauth/{self.provider_id}/authorize", json={"name": name, **body})

    def connect(self, name: Optional[str] = None, lk: Optional[Latchkey] = None, **body) -> dict:
        """Start link → the peer's consent (approved) → the callback; the new (masked) credential."""
        lk = lk or self.lk
        name = name or f"peer {uuid.uuid4().hex[:6]}"
        r = self.authorize(name, lk=lk, **body)
        assert r.status_code == 200, describe_response(r)
        browser = signed_in_browser(lk, Latchkey.ADMIN_EMAIL, Latchkey.ADMIN_PASSWORD)
        r = browser.get(r.json()["authorization_url"], allow_redirects=False, timeout=60)
        location = r.headers.get("Location", "")
        assert r.status_code == 302 and location.startswith(self.peer.authorization_url), describe_response(r)
        callback = self.peer.consent(location, approve=True)
        assert callback.startswith(lk.public_url + "/oauth/callback"), callback
        r = browser.get(callback, allow_redirects=False, timeout=60)
        assert r.status_code in (200, 302, 303), describe_response(r)
        if r.status_code == 200:
            ok, _ = page_result(r)
            assert ok is not False, describe_response(r)
        creds = [c for c in lk.admin.credentials() if c["name"] == name and c["provider"] == self.provider_id]
        assert creds, f"no credential named {name}: {lk.admin.credentials()}"
        return creds[0]

    def agent_key(self, credential: dict, lk: Optional[Latchkey] = None, policy: Optional[dict] = None) -> str:
        lk = lk or self.lk
        group = lk.admin.create_group(f"g-{uuid.uuid4().hex[:6]}")
        body = {"credential_id": credential["id"]}
        if policy is not None:
            body["policy"] = policy
        r = lk.admin.put(f"/api/v1/groups/{group['id']}/bindings/{self.provider_id}", json=body)
        assert r.status_code == 200, describe_response(r)
        return lk.admin.create_key(group["id"])["key"]


def env_factory(peer, tmp_path, request, **defaults):
    """For a fixture: yields `make(**kw)` of RemoteEnvs (their logs attached to a failing test's report), all
    closed afterwards."""
    envs: list[RemoteEnv] = []

    def make(**kw) -> RemoteEnv:
        e = RemoteEnv(peer, tmp_path / f"env{len(envs)}", **{**defaults, **kw})
        envs.append(e)
        request.node._latchkey_envs = getattr(request.node, "_latchkey_envs", []) + [e]
        return e

    yield make
    for e in envs:
        e.close()
