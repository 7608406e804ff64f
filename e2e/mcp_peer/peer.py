"""Python side of the Latchkey MCP test peer: start/stop it, drive its /_control/ API, and walk
its consent page over plain HTTP.

    from mcp_peer.peer import McpPeer

    with McpPeer(auth="oauth") as peer:          # free port, READY within 30 s
        peer.url, peer.mcp_url, peer.issuer      # http://127.0.0.1:P, .../mcp, http://127.0.0.1:P
        peer.config(access_ttl=2, rotate_refresh=True)
        location = peer.consent(authorization_url)        # -> redirect_uri?code=..&state=..
        assert peer.stats()["token_requests"]["refresh_token"] == 1

Only the standard library and `requests` are used here (the server needs `mcp`, which brings
starlette and uvicorn; see e2e/requirements.txt).
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from urllib.parse import urljoin

import requests

from html_forms import Forms as _Forms
from peer_process import PeerProcess

HERE = os.path.dirname(os.path.abspath(__file__))
RUN_PY = os.path.join(HERE, "run.py")


class PeerError(RuntimeError):
    pass


class ConsentError(PeerError):
    """The consent walk did not end in a redirect to the client."""


class McpPeer(PeerProcess):
    """A running MCP test peer (context manager).

    McpPeer(auth="oauth", port=None, *, host="127.0.0.1", ready_timeout=30, python=sys.executable,
            env=None, log_dir=None)

    auth: "oauth" (default) | "none" | "bearer:TOKEN" | "header:NAME:TOKEN".
    port=None picks a free port (the server binds port 0 and reports it). log_dir=None uses a
    temp dir, removed at stop unless MCP_PEER_KEEP_DIR=1.
    """

    what = "mcp peer"
    keep_dir_variable = "MCP_PEER_KEEP_DIR"
    error_type = PeerError

    def __init__(
        self,
        auth: str = "oauth",
        port: int | None = None,
        *,
        host: str = "127.0.0.1",
        ready_timeout: float = 30.0,
        python: str | None = None,
        env: dict | None = None,
        log_dir: str | os.PathLike | None = None,
    ):
        self.auth = auth
        self.port = port
        self.host = host
        self.ready_timeout = ready_timeout
        self.python = python or sys.executable
        self.env = env
        self.own_dir = log_dir is None
        self.log_dir = str(log_dir) if log_dir is not None else None
        self.http = requests.Session()
        self.http.trust_env = False  # never route loopback through a proxy from the environment

    # ---- lifecycle -------------------------------------------------------------------------
    def start(self) -> "McpPeer":
        if self.proc is not None:
            return self
        if self.log_dir is None:
            self.log_dir = tempfile.mkdtemp(prefix="mcp-peer-")
        cmd = [self.python, RUN_PY, "--port", str(self.port or 0), "--host", self.host, "--auth", self.auth]
        self.launch(cmd, self.log_dir, {"PYTHONDONTWRITEBYTECODE": "1", **(self.env or {})})
        return self

    # ---- endpoints -------------------------------------------------------------------------
    @property
    def mcp_url(self) -> str:
        return f"{self.url}/mcp"

    @property
    def issuer(self) -> str:
        """The issuer the metadata reports (issuer_override aside): the base URL, no trailing slash."""
        return self.url

    @property
    def resource(self) -> str:
        """The RFC 8707 resource / RFC 9728 `resource` of the MCP endpoint (== mcp_url)."""
        return self.mcp_url

    @property
    def resource_metadata_url(self) -> str:
        return f"{self.url}/.well-known/oauth-protected-resource/mcp"

    @property
    def metadata_url(self) -> str:
        return f"{self.url}/.well-known/oauth-authorization-server"

    @property
    def authorization_url(self) -> str:
        return f"{self.url}/authorize"

    @property
    def token_url(self) -> str:
        return f"{self.url}/token"

    @property
    def registration_url(self) -> str:
        return f"{self.url}/register"

    @property
    def revocation_url(self) -> str:
        return f"{self.url}/revoke"

    # ---- /_control/ API --------------------------------------------------------------------
    def _call(self, method: str, path: str, body: dict | None = None):
        r = self.http.request(method, f"{self.url}/_control/{path}", json=body, timeout=30)
        if r.status_code != 200:
            raise PeerError(f"{method} /_control/{path} -> {r.status_code}: {r.text}")
        return r.json()

    def config(self, **knobs) -> dict:
        """Merge knobs (access_ttl, rotate_refresh, issuer_override, dcr, cimd, token_delay);
        returns the whole config. With no knobs, reads it."""
        if not knobs:
            return self._call("GET", "config")
        return self._call("POST", "config", knobs)

    def get_config(self) -> dict:
        return self._call("GET", "config")

    def reset(self) -> dict:
        """Default knobs, empty logs and stats (clients and tokens are kept)."""
        return self._call("POST", "reset")

    def revoke_all(self) -> dict:
        return self._call("POST", "revoke_all")

    def expire_all(self) -> dict:
        return self._call("POST", "expire_all")

    def log(self, path: str | None = None) -> list:
        entries = self._call("GET", "log")
        return [e for e in entries if e["path"] == path] if path else entries

    def mcp_log(self) -> list:
        return self._call("GET", "mcp_log")

    def stats(self) -> dict:
        return self._call("GET", "stats")

    def info(self) -> dict:
        return self._call("GET", "info")

    # ---- consent over plain HTTP -----------------------------------------------------------
    def consent(self, authorization_url: str, approve: bool = True, *, timeout: float = 30) -> str:
        """GET the authorization URL (following redirects on this peer), submit the consent form
        with decision=approve|deny, and return the redirect Location to the client without
        following it (redirect_uri?code=..&state=.. or ?error=access_denied&state=..).
        An authorization request the SDK rejects with a redirect returns that Location; one it
        answers with an error page (unknown client, bad redirect_uri) raises ConsentError."""
        return consent(authorization_url, approve, timeout=timeout)


def consent(
    authorization_url: str, approve: bool = True, *, session: requests.Session | None = None, timeout: float = 30
) -> str:
    s = session or requests.Session()
    s.trust_env = False
    url = authorization_url
    base = re.match(r"^https?://[^/]+", authorization_url).group(0)
    for _ in range(5):
        r = s.get(url, allow_redirects=False, timeout=timeout)
        if r.is_redirect:
            loc = urljoin(url, r.headers["Location"])
            if loc.startswith(base + "/consent") or loc.startswith(base + "/authorize"):
                url = loc
                continue
            return r.headers["Location"]
        if r.status_code != 200:
            raise ConsentError(f"GET {url} -> {r.status_code}: {r.text[:500]}")
        p = _Forms()
        p.feed(r.text)
        form = next((f for f in p.forms if f["id"] == "consent-form"), None)
        if form is None:
            raise ConsentError(f"no consent form at {url}: {r.text[:500]}")
        fields = {i["name"]: i["value"] for i in form["inputs"] if i["name"] and i["type"] == "hidden"}
        fields["decision"] = "approve" if approve else "deny"
        cr = s.post(urljoin(r.url, form["action"]), data=fields, allow_redirects=False, timeout=timeout)
        if not cr.is_redirect:
            raise ConsentError(f"consent POST -> {cr.status_code}: {cr.text[:500]}")
        return cr.headers["Location"]
    raise ConsentError("too many redirects")
