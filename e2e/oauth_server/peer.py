"""Python side of the Latchkey OAuth test peer: start/stop it, drive its /testing/ API,
walk its login + consent pages over plain HTTP, and write Latchkey provider files for it.

    from oauth_server.peer import OAuthPeer, consent, deny, provider_yaml, pkce_pair

    with OAuthPeer() as peer:
        peer.setup(client_id="lk", client_secret="s3cret", redirect_uri=cb,
                   username="alice", password="pw")
        peer.config(access_ttl=5, rotate=True)
        (providers_dir / "testoauth.yaml").write_text(peer.provider_yaml())
        ...
        location = consent(authorization_url_from_latchkey, "alice", "pw")  # -> cb?code=..&state=..
        assert peer.stats()["token_requests"]["refresh_token"] == 1

Only the standard library and `requests` are used here (the server itself needs Django,
django-oauth-toolkit and waitress, see e2e/requirements.txt).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import secrets
import socket
import sys
import tempfile
from urllib.parse import urlencode, urljoin, urlsplit

import requests

from html_forms import Forms as _Forms
from peer_process import PeerProcess

HERE = os.path.dirname(os.path.abspath(__file__))
RUN_PY = os.path.join(HERE, "run.py")


class PeerError(RuntimeError):
    pass


class ConsentError(PeerError):
    """The login/consent walk did not end in a redirect to the client."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pkce_pair(length: int = 64) -> tuple[str, str]:
    """(code_verifier, S256 code_challenge)."""
    verifier = secrets.token_urlsafe(length)[:length]
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class OAuthPeer(PeerProcess):
    """A running test OAuth server (context manager).

    OAuthPeer(port=None, data_dir=None, ready_timeout=60, threads=128, python=sys.executable,
              env=None, debug=False)

    port=None picks a free port; data_dir=None uses a fresh temp dir (removed at stop).
    """

    what = "oauth peer"
    keep_dir_variable = "OAUTH_PEER_KEEP_DIR"
    error_type = PeerError

    def __init__(
        self,
        port: int | None = None,
        data_dir: str | os.PathLike | None = None,
        *,
        ready_timeout: float = 60.0,
        threads: int = 128,
        python: str | None = None,
        env: dict | None = None,
        debug: bool = False,
        host: str = "127.0.0.1",
        oidc: bool = False,
    ):
        self.port = port
        self.oidc = oidc
        self.host = host
        self.own_dir = data_dir is None
        self.data_dir = str(data_dir) if data_dir is not None else None
        self.ready_timeout = ready_timeout
        self.threads = threads
        self.python = python or sys.executable
        self.env = env
        self.debug = debug
        self.http = requests.Session()
        self.http.trust_env = False  # never route loopback through a proxy from the environment

    # ---- lifecycle -------------------------------------------------------------------
    def start(self) -> "OAuthPeer":
        if self.proc is not None:
            return self
        if self.data_dir is None:
            self.data_dir = tempfile.mkdtemp(prefix="oauth-peer-")
        port = self.port if self.port is not None else free_port()
        cmd = [
            self.python,
            RUN_PY,
            "--port",
            str(port),
            "--host",
            self.host,
            "--data-dir",
            self.data_dir,
            "--threads",
            str(self.threads),
        ]
        if self.debug:
            cmd.append("--debug")
        if self.oidc:
            cmd.append("--oidc")
        self.launch(cmd, self.data_dir, self.env)
        return self

    # ---- endpoints -------------------------------------------------------------------
    @property
    def issuer(self) -> str:
        return self.url

    @property
    def oidc_issuer(self) -> str:
        """The OpenID Connect issuer (started with oidc=True).

        Discovery is at {oidc_issuer}/.well-known/openid-configuration."""
        return f"{self.url}/o"

    @property
    def authorization_url(self) -> str:
        return f"{self.url}/o/authorize/"

    @property
    def token_url(self) -> str:
        return f"{self.url}/o/token/"

    @property
    def revocation_url(self) -> str:
        return f"{self.url}/o/revoke_token/"

    @property
    def introspection_url(self) -> str:
        return f"{self.url}/o/introspect/"

    @property
    def api_base_url(self) -> str:
        return f"{self.url}/api"

    @property
    def me_url(self) -> str:
        return f"{self.url}/api/me"

    @property
    def echo_url(self) -> str:
        return f"{self.url}/api/echo"

    @property
    def login_url(self) -> str:
        return f"{self.url}/accounts/login/"

    def authorize_url(
        self,
        client_id: str,
        redirect_uri: str,
        *,
        state: str | None = None,
        code_challenge: str | None = None,
        scope: str = "read write",
        code_challenge_method: str = "S256",
        **extra,
    ) -> str:
        """An authorization request URL as a client would build it."""
        q = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri, "scope": scope}
        if state is not None:
            q["state"] = state
        if code_challenge is not None:
            q["code_challenge"] = code_challenge
            q["code_challenge_method"] = code_challenge_method
        q.update(extra)
        return f"{self.authorization_url}?{urlencode(q)}"

    # ---- /testing/ API ---------------------------------------------------------------
    def _call(self, method: str, path: str, body: dict | None = None, params: dict | None = None) -> dict:
        r = self.http.request(
            method,
            f"{self.url}/testing/{path}",
            params=params,
            data=json.dumps(body) if body is not None else None,
            headers={"Content-Type": "application/json"},
            timeout=30,
        )
        if r.status_code != 200:
            raise PeerError(f"{method} /testing/{path} -> {r.status_code}: {r.text}")
        return r.json()

    def setup(self, **kw) -> dict:
        """Create/update the client app and/or user. Keys: client_id, client_secret,
        redirect_uri (str or list; or redirect_uris), grant ('authorization-code' |
        'client-credentials'), pkce_required (default True), username, password, name,
        skip_authorization, hash_secret (default True), client_type, rotate, access_ttl."""
        return self._call("POST", "setup", kw)

    def config(self, **kw) -> dict:
        """Runtime knobs (see README): token_delay_ms, token_delay_phase, rotate, access_ttl,
        refresh_grace_seconds, reuse_protection, token_error, token_error_count,
        token_error_status, token_error_grant, token_error_description, reset. Returns the config."""
        return self._call("POST", "config", kw)["config"]

    def get_config(self) -> dict:
        return self._call("GET", "config")["config"]

    def stats(self) -> dict:
        return self._call("GET", "stats")

    def reset_stats(self) -> dict:
        return self._call("POST", "stats/reset")

    def request_log(self, path: str | None = None, since: int = 0) -> list:
        """Requests seen on /o/, /api/, /accounts/ (oldest first); path='/o/token/' for token calls."""
        params = {"since": since}
        if path:
            params["path"] = path
        return self._call("GET", "log", params=params)["entries"]

    def revoke_grant(self, username: str, client_id: str | None = None) -> dict:
        body = {"username": username}
        if client_id:
            body["client_id"] = client_id
        return self._call("POST", "revoke-grant", body)

    def expire_access_tokens(self, username: str | None = None, client_id: str | None = None) -> dict:
        body = {k: v for k, v in (("username", username), ("client_id", client_id)) if v}
        return self._call("POST", "expire-access-tokens", body)

    def tokens(self, username: str | None = None, client_id: str | None = None) -> dict:
        params = {k: v for k, v in (("username", username), ("client_id", client_id)) if v}
        return self._call("GET", "tokens", params=params)

    # ---- provider files ----------------------------------------------------------------
    def provider_yaml(self, **kw) -> str:
        return provider_yaml(self.url, **kw)

    def provider_cc_yaml(self, **kw) -> str:
        return provider_cc_yaml(self.url, **kw)

    # ---- direct token calls (for tests that talk to the peer without Latchkey) ---------------
    def token(
        self,
        data: dict,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        auth: str = "client_secret_post",
        timeout: float = 30,
    ) -> requests.Response:
        data = dict(data)
        kwargs = {}
        if client_id is not None:
            if auth == "client_secret_basic":
                kwargs["auth"] = (client_id, client_secret or "")
            else:
                data["client_id"] = client_id
                if client_secret is not None:
                    data["client_secret"] = client_secret
        return requests.post(self.token_url, data=data, timeout=timeout, **kwargs)


# ---------------------------------------------------------------------------------------
# Login + consent over plain HTTP
# ---------------------------------------------------------------------------------------


def _form(html_text: str, form_id: str) -> dict | None:
    p = _Forms()
    p.feed(html_text)
    return next((f for f in p.forms if f["id"] == form_id), None)


def _same_origin(a: str, b: str) -> bool:
    x, y = urlsplit(a), urlsplit(b)
    return (x.scheme, x.netloc) == (y.scheme, y.netloc)


def _walk(
    authorization_url: str, username: str, password: str, allow: bool, session: requests.Session | None, timeout: float
) -> str:
    s = session or requests.Session()
    s.trust_env = False
    url = authorization_url
    logged_in = False
    for _ in range(10):
        r = s.get(url, allow_redirects=False, timeout=timeout)
        if r.is_redirect:
            loc = urljoin(url, r.headers["Location"])
            path = urlsplit(loc).path
            if _same_origin(loc, authorization_url) and path.startswith(("/accounts/", "/o/authorize")):
                url = loc
                continue
            return r.headers["Location"]  # to the client (e.g. skip_authorization or an error)
        if r.status_code != 200:
            raise ConsentError(f"GET {url} -> {r.status_code}: {r.text[:500]}")

        login = _form(r.text, "login-form")
        if login is not None:
            if logged_in:
                raise ConsentError(f"login as {username!r} failed")
            fields = {i["name"]: i["value"] for i in login["inputs"] if i["name"] and i["type"] == "hidden"}
            fields.update(username=username, password=password)
            action = urljoin(r.url, login["action"] or r.url)
            lr = s.post(action, data=fields, allow_redirects=False, timeout=timeout, headers={"Referer": r.url})
            logged_in = True
            if not lr.is_redirect:
                raise ConsentError(f"login as {username!r} failed ({lr.status_code})")
            url = urljoin(action, lr.headers["Location"])
            continue

        consent_form = _form(r.text, "authorizationForm")
        if consent_form is None:
            m = re.search(r'id="authorize-error-description">(.*?)<', r.text, re.S)
            raise ConsentError(f"no consent form at {url}: {m.group(1).strip() if m else r.text[:500]}")
        fields = {i["name"]: i["value"] for i in consent_form["inputs"] if i["name"] and i["type"] == "hidden"}
        if allow:
            fields["allow"] = "Authorize"
        action = urljoin(r.url, consent_form["action"] or r.url)
        cr = s.post(action, data=fields, allow_redirects=False, timeout=timeout, headers={"Referer": r.url})
        if not cr.is_redirect:
            raise ConsentError(f"consent POST -> {cr.status_code}: {cr.text[:500]}")
        return cr.headers["Location"]
    raise ConsentError("too many redirects")


def consent(
    authorization_url: str,
    username: str,
    password: str,
    *,
    session: requests.Session | None = None,
    timeout: float = 30,
) -> str:
    """Log in and approve; returns the redirect Location to the client (code & state),
    without following it. An authorization request that DOT rejects with a redirect
    (e.g. missing PKCE) returns that Location (error=...); one it cannot redirect for
    (unknown client, bad redirect_uri) raises ConsentError."""
    return _walk(authorization_url, username, password, True, session, timeout)


def deny(
    authorization_url: str,
    username: str,
    password: str,
    *,
    session: requests.Session | None = None,
    timeout: float = 30,
) -> str:
    """Log in and deny; returns the Location (redirect_uri?error=access_denied&state=...)."""
    return _walk(authorization_url, username, password, False, session, timeout)


# ---------------------------------------------------------------------------------------
# Latchkey provider files
# ---------------------------------------------------------------------------------------

_PLAIN = re.compile(r"^[A-Za-z0-9_./:@+()-](?:[A-Za-z0-9_./:@+() -]*[A-Za-z0-9_./@+()-])?$")


def _scalar(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_scalar(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_scalar(x)}" for k, x in v.items()) + "}"
    s = str(v)
    if (
        _PLAIN.match(s)
        and ": " not in s
        and not s.startswith(("-", ":", "@"))
        and s.lower() not in ("true", "false", "null", "yes", "no", "on", "off", "~")
    ):
        return s
    return json.dumps(s)


def _yaml(name: str, auth: dict, proxy: dict, extra: dict | None) -> str:
    lines = [f"name: {_scalar(name)}", "auth:"]
    lines += [f"  {k}: {_scalar(v)}" for k, v in auth.items() if v is not None]
    lines.append("proxy:")
    lines += [f"  {k}: {_scalar(v)}" for k, v in proxy.items() if v is not None]
    for k, v in (extra or {}).items():
        lines.append(f"{k}: {_scalar(v)}")
    return "\n".join(lines) + "\n"


def provider_yaml(
    base_url: str,
    *,
    name: str = "Test OAuth server",
    scopes=("read", "write"),
    pkce: bool = True,
    token_endpoint_auth: str = "client_secret_post",
    revocation: bool = True,
    auth_extra: dict | None = None,
    proxy_extra: dict | None = None,
    extra: dict | None = None,
) -> str:
    """Latchkey provider file (mode: oauth2) for the peer at base_url.
    auth_extra adds keys under auth (e.g. {"refresh_window": 10}); proxy_extra under proxy;
    extra at the top level (e.g. {"docs": "..."})."""
    base = base_url.rstrip("/")
    auth = {
        "mode": "oauth2",
        "authorization_url": f"{base}/o/authorize/",
        "token_url": f"{base}/o/token/",
        "revocation_url": f"{base}/o/revoke_token/" if revocation else None,
        "scopes": list(scopes),
        "scope_separator": " ",
        "pkce": pkce,
        "token_endpoint_auth": token_endpoint_auth,
    }
    auth.update(auth_extra or {})
    proxy = {"base_url": f"{base}/api"}
    proxy.update(proxy_extra or {})
    return _yaml(name, auth, proxy, extra)


def provider_cc_yaml(
    base_url: str,
    *,
    name: str = "Test OAuth server (client credentials)",
    scopes=("read", "write"),
    token_endpoint_auth: str = "client_secret_post",
    revocation: bool = False,
    auth_extra: dict | None = None,
    proxy_extra: dict | None = None,
    extra: dict | None = None,
) -> str:
    """Latchkey provider file (mode: oauth2_client_credentials) for the peer at base_url."""
    base = base_url.rstrip("/")
    auth = {
        "mode": "oauth2_client_credentials",
        "token_url": f"{base}/o/token/",
        "revocation_url": f"{base}/o/revoke_token/" if revocation else None,
        "scopes": list(scopes),
        "scope_separator": " ",
        "token_endpoint_auth": token_endpoint_auth,
    }
    auth.update(auth_extra or {})
    proxy = {"base_url": f"{base}/api"}
    proxy.update(proxy_extra or {})
    return _yaml(name, auth, proxy, extra)
