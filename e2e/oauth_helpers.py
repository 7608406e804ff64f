"""Helpers for the OAuth end-to-end tests (test_oauth_*.py): a module-scoped django-oauth-toolkit
peer (e2e/oauth_server) and `OAuthEnv`, one or more `latchkey serve` processes whose catalog has the
peer as provider `testoauth`, with the OAuth app set in Latchkey and registered at the peer.

Import the fixtures into a test module with

    from oauth_helpers import oauth_peer, oauth_env  # noqa: F401  (pytest fixtures)

Every OAuthEnv uses its own client id at the peer, so tests sharing one peer do not see each other's
tokens; the peer's knobs (`config`) and counters (`stats`) are global, so OAuthEnv resets both when it
starts (tests run one at a time).
"""

from __future__ import annotations

import errno
import hashlib
import html
import importlib.util
import json
import re
import sqlite3
import threading
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Optional
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from harness import Agent, Api, Latchkey, describe_response, signed_in_browser

PROVIDER = "testoauth"
PEER_USER = "alice"
PEER_PASSWORD = "alice-pw-0123"
# A redirect URI registered at the peer besides Latchkey's, for code flows the tests run themselves
# (consent() returns the Location without following it, so nothing needs to listen there).
DIRECT_REDIRECT = "http://127.0.0.1:9/direct-callback"


def sha16(value: str) -> str:
    """What the peer's request log records for a token (`refresh_token_sha`, `token_sha`)."""
    return hashlib.sha256(value.encode()).hexdigest()[:16]


def parse_time(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


# --------------------------------------------------------------------------------------
# The peer
# --------------------------------------------------------------------------------------


def _missing_server_deps() -> list[str]:
    return [m for m in ("django", "oauth2_provider", "waitress") if importlib.util.find_spec(m) is None]


@pytest.fixture(scope="module")
def oauth_peer(tmp_path_factory):
    """One running OAuth peer per test module."""
    missing = _missing_server_deps()
    if missing:
        pytest.skip(f"OAuth test peer needs {missing}: pip install -r e2e/requirements.txt")
    from oauth_server.peer import OAuthPeer

    with OAuthPeer(data_dir=tmp_path_factory.mktemp("oauth-peer")) as peer:
        yield peer


class PeerLog:
    """Looks like a Latchkey server to conftest's failure hook, so a failing test shows the peer's log."""

    def __init__(self, peer):
        self.peer = peer
        self.log_path = f"{peer.log_path} (OAuth peer)"

    def log_tail(self, n: int = 60) -> str:
        return self.peer.log_tail(n)


def peer_token_strings(peer, client_id: str) -> dict[str, set[str]]:
    """Every access token, refresh token (live or revoked) and authorization code the peer holds for
    `client_id`, read from its SQLite database (the /testing/ API gives only counts). Access tokens
    replaced by a refresh are deleted by DOT, so callers snapshot after each step."""
    db = sqlite3.connect(f"file:{peer.data_dir}/db.sqlite3?mode=ro", uri=True, timeout=10)
    try:
        app = "(SELECT id FROM oauth2_provider_application WHERE client_id = ?)"
        out = {
            "access": {
                r[0]
                for r in db.execute(
                    f"SELECT token FROM oauth2_provider_accesstoken WHERE application_id = {app}", (client_id,)
                )
            },
            "refresh": {
                r[0]
                for r in db.execute(
                    f"SELECT token FROM oauth2_provider_refreshtoken WHERE application_id = {app}", (client_id,)
                )
            },
            "code": {
                r[0]
                for r in db.execute(
                    f"SELECT code FROM oauth2_provider_grant WHERE application_id = {app}", (client_id,)
                )
            },
        }
        out["live_refresh"] = {
            r[0]
            for r in db.execute(
                f"SELECT token FROM oauth2_provider_refreshtoken WHERE application_id = {app} AND revoked IS NULL",
                (client_id,),
            )
        }
        return out
    finally:
        db.close()


def token_log(peer, grant_type: Optional[str] = None, client_id: Optional[str] = None) -> list[dict]:
    entries = peer.request_log(path="/o/token/")
    return [
        e
        for e in entries
        if (grant_type is None or e.get("grant_type") == grant_type)
        and (client_id is None or e.get("client_id") == client_id)
    ]


def refresh_count(peer) -> int:
    return peer.stats()["token_requests"]["refresh_token"]


# --------------------------------------------------------------------------------------
# Callback pages
# --------------------------------------------------------------------------------------

_RESULT = re.compile(r'<h1 id="result" data-success="(true|false)">(.*?)</h1>', re.S)


def page_result(resp) -> tuple[Optional[bool], str]:
    """(data-success, title) of a Latchkey callback page; (None, '') when it is not one."""
    m = _RESULT.search(resp.text or "")
    if not m:
        return None, ""
    return m.group(1) == "true", html.unescape(m.group(2))


# --------------------------------------------------------------------------------------
# Latchkey + the peer
# --------------------------------------------------------------------------------------


def _binary_busy(e: BaseException) -> bool:
    return (
        isinstance(e, FileNotFoundError)
        or (isinstance(e, OSError) and e.errno == errno.ETXTBSY)
        or (isinstance(e, AssertionError) and "binary not found" in str(e))
    )


class PatientLatchkey(Latchkey):
    """A harness Latchkey that waits (up to 3 minutes) while the binary is missing or being relinked
    (ETXTBSY) by a concurrent `swift build`, instead of failing the test on it."""

    WAIT = 180

    def _patiently(self, fn, on_retry=None):
        deadline = time.time() + self.WAIT
        while True:
            try:
                return fn()
            except (OSError, AssertionError) as e:
                if not _binary_busy(e) or time.time() > deadline:
                    raise
                if on_retry:
                    on_retry()
                time.sleep(2)

    def cli(self, *args, **kw):
        return self._patiently(lambda: Latchkey.cli(self, *args, **kw))

    def start(self, timeout: float = 60.0):
        return self._patiently(lambda: Latchkey.start(self, timeout), on_retry=self.stop)


class OAuthEnv:
    """Latchkey server(s) with provider `testoauth` = the peer, an OAuth app, and helpers.

    `servers` (and the peer's log) are shown by conftest's failure hook."""

    def __init__(
        self,
        peer,
        tmp: Path,
        *,
        extra_env: Optional[dict] = None,
        provider_kw: Optional[dict] = None,
        access_ttl: int = 30,
        rotate: bool = True,
        peer_config: Optional[dict] = None,
        extra_providers: Optional[dict] = None,
    ):
        self.peer = peer
        self.tmp = tmp
        self.servers: list = []
        self._peer_log = PeerLog(peer)
        self.provider_text = peer.provider_yaml(**(provider_kw or {}))
        self.providers = {PROVIDER: self.provider_text, **(extra_providers or {})}
        self.base_env = {"LATCHKEY_REFRESH_INTERVAL": "0"}  # deterministic: no background refresher
        self.base_env.update(extra_env or {})
        peer.config(reset=True, access_ttl=access_ttl, rotate=rotate, **(peer_config or {}))
        peer.reset_stats()

        self.bindings: dict[str, str] = {}
        self.browsers: dict[tuple, requests.Session] = {}
        self.lk = self.start_server()
        self.admin: Api = self.lk.admin
        self.client_id = f"lk-{uuid.uuid4().hex[:10]}"
        self.client_secret = f"lk-secret-{uuid.uuid4().hex}"
        r = self.admin.put(
            f"/api/v1/oauth-apps/{PROVIDER}", json={"client_id": self.client_id, "client_secret": self.client_secret}
        )
        assert r.status_code == 200, f"PUT oauth-app: {describe_response(r)}"
        app = r.json()
        assert app.get("client_secret") == "********", app
        assert app["redirect_uri"] == self.lk.public_url + "/oauth/callback", app
        self.redirect_uris = [app["redirect_uri"], DIRECT_REDIRECT]
        peer.setup(
            client_id=self.client_id,
            client_secret=self.client_secret,
            redirect_uri=self.redirect_uris,
            username=PEER_USER,
            password=PEER_PASSWORD,
        )

    # -- servers -------------------------------------------------------------------------

    def start_server(self, extra_env: Optional[dict] = None, share_db_with: Optional[Latchkey] = None) -> Latchkey:
        """Start a `latchkey serve`; with share_db_with, on that server's database and master key."""
        env = dict(self.base_env)
        if share_db_with is not None:
            env.update(
                {
                    "LATCHKEY_DATABASE_URL": share_db_with.env["LATCHKEY_DATABASE_URL"],
                    "LATCHKEY_MASTER_KEY_FILE": str(share_db_with.key_file),
                }
            )
        env.update(extra_env or {})
        lk = PatientLatchkey(self.tmp / f"lk{len(self.servers)}", self.providers, env)
        self.servers.append(lk)
        lk.start()
        if share_db_with is not None:
            lk._admin = Api(
                lk,
                share_db_with.admin.token,
                label=f"admin@lk{len(self.servers) - 1}",
                email=Latchkey.ADMIN_EMAIL,
                password=Latchkey.ADMIN_PASSWORD,
            )
        return lk

    def restart(self, lk: Latchkey, extra_env: Optional[dict] = None) -> Latchkey:
        """Restart (a new port, so the new callback URL is registered at the peer too)."""
        lk.stop()
        lk.env.update(extra_env or {})
        lk.start()
        cb = lk.public_url + "/oauth/callback"
        if cb not in self.redirect_uris:
            self.redirect_uris.append(cb)
            self.peer.setup(client_id=self.client_id, redirect_uri=self.redirect_uris)
        return lk

    def close(self):
        for lk in self.servers:
            lk.stop()

    # -- the consent flow ------------------------------------------------------------------

    def authorize(self, name: str = "alice at testoauth", api: Optional[Api] = None, **body) -> dict:
        """POST …/authorize, then open the Latchkey start link it returns in a browser signed in as the
        same user, as a person would. Returns the API's answer with `authorization_url` replaced by the
        provider's consent URL the start link redirected to (`start_url` keeps the Latchkey link). The
        browser's binding cookie is kept per state, and `callback` presents it."""
        api = api or self.admin
        body = {"name": name, **body}
        r = api.post(f"/api/v1/oauth/{PROVIDER}/authorize", json=body)
        assert r.status_code == 200, f"authorize {body}: {describe_response(r)}"
        out = r.json()
        # Behind a load balancer the link is under the shared public URL, not this server's own address.
        assert urlsplit(out["authorization_url"]).path.startswith("/oauth/start/"), out
        assert "state=" not in out["authorization_url"], "the API must not hand out the provider's consent URL"
        browser = self.browser(api)
        browser.cookies.pop("lk_oauth", None)
        r = browser.get(out["authorization_url"], allow_redirects=False, timeout=60)
        api.lk.record("start link GET", r.status_code, r.content)
        location = r.headers.get("Location", "")
        assert r.status_code == 302 and location.startswith(self.peer.authorization_url), (
            f"start link: {describe_response(r)}"
        )
        state = parse_qs(urlsplit(location).query)["state"][0]
        self.bindings[state] = browser.cookies.get("lk_oauth")
        assert self.bindings[state], "the start link must bind the browser with a cookie"
        out["start_url"], out["authorization_url"] = out["authorization_url"], location
        return out

    def browser(self, api: Api) -> requests.Session:
        """A cookie jar signed in as `api`'s user on its server (one per server and user, reused)."""
        key = (api.lk.public_url, api.email)
        if key not in self.browsers:
            assert api.email and api.password, f"{api.label}: no password known to sign in with"
            self.browsers[key] = signed_in_browser(api.lk, api.email, api.password)
        return self.browsers[key]

    def callback(self, location: str, lk: Optional[Latchkey] = None) -> requests.Response:
        """GET the callback Location the peer redirected to, with the binding cookie of the browser that
        opened the start link (recorded for leak checks). Without the session cookie: a signed-in browser
        is sent on to the dashboard, this one gets the callback's own page."""
        lk = lk or self.lk
        assert location.startswith(lk.public_url + "/oauth/callback"), location
        r = requests.get(location, allow_redirects=False, timeout=60, cookies=self.binding_cookie(location))
        lk.record(f"callback GET {urlsplit(location).path}", r.status_code, r.content)
        return r

    def binding_cookie(self, location: str) -> Optional[dict]:
        """The binding cookie of the browser that started the flow a callback Location belongs to."""
        state = (parse_qs(urlsplit(location).query).get("state") or [""])[0]
        binding = self.bindings.get(state)
        return {"lk_oauth": binding} if binding else None

    def connect(
        self, name: Optional[str] = None, *, username: str = PEER_USER, password: str = PEER_PASSWORD, **body
    ) -> dict:
        """Authorize, consent at the peer, land on the callback; returns the (masked) credential."""
        from oauth_server.peer import consent

        name = name or f"alice {uuid.uuid4().hex[:6]}"
        before = {c["id"] for c in self.admin.credentials()}
        auth = self.authorize(name, **body)
        location = consent(auth["authorization_url"], username, password)
        r = self.callback(location)
        ok, title = page_result(r)
        assert r.status_code == 200 and ok is True, f"callback: {describe_response(r)}"
        creds = self.admin.credentials()
        if body.get("credential_id"):
            return next(c for c in creds if c["id"] == body["credential_id"])
        new = [c for c in creds if c["id"] not in before]
        assert len(new) == 1, f"expected one new credential after the callback, got {new}"
        assert new[0]["name"] == name, new[0]
        return new[0]

    def direct_tokens(self, scope: str = "read write") -> dict:
        """A code flow the test runs itself against the peer (PKCE S256), with Latchkey's client:
        the token response {access_token, refresh_token, expires_in, ...}."""
        from oauth_server.peer import consent, pkce_pair

        verifier, challenge = pkce_pair()
        state = uuid.uuid4().hex
        url = self.peer.authorize_url(
            self.client_id, DIRECT_REDIRECT, state=state, code_challenge=challenge, scope=scope
        )
        location = consent(url, PEER_USER, PEER_PASSWORD)
        q = parse_qs(urlsplit(location).query)
        assert q.get("state") == [state] and "code" in q, location
        r = self.peer.token(
            {
                "grant_type": "authorization_code",
                "code": q["code"][0],
                "redirect_uri": DIRECT_REDIRECT,
                "code_verifier": verifier,
            },
            client_id=self.client_id,
            client_secret=self.client_secret,
        )
        assert r.status_code == 200, f"direct code exchange: {r.status_code} {r.text}"
        return r.json()

    # -- reads and actions -------------------------------------------------------------------

    def credential(self, cid: str, api: Optional[Api] = None) -> dict:
        r = (api or self.admin).get(f"/api/v1/credentials/{cid}")
        assert r.status_code == 200, describe_response(r)
        return r.json()

    def refresh_now(self, cid: str, api: Optional[Api] = None) -> dict:
        r = (api or self.admin).post(f"/api/v1/credentials/{cid}/refresh")
        assert r.status_code == 200, f"POST refresh: {describe_response(r)}"
        return r.json()

    def warnings(self, api: Optional[Api] = None) -> list:
        r = (api or self.admin).get("/api/v1/warnings")
        assert r.status_code == 200, describe_response(r)
        return r.json()["warnings"]

    def audit_actions(self, cid: Optional[str] = None) -> list[str]:
        r = self.admin.get("/api/v1/audit", params={"limit": 200})
        assert r.status_code == 200, describe_response(r)
        return [e["action"] for e in r.json()["events"] if cid is None or e.get("target_id") == cid]

    def agent(self, cred: dict, lk: Optional[Latchkey] = None) -> Agent:
        agent = self.admin.agent_for({PROVIDER: cred})
        if lk is not None:
            agent = Agent(lk, agent.key, agent.group_id, agent.key_id)
        return agent

    def token_delay_outlasting_cron(self, lk: Optional[Latchkey] = None) -> int:
        """A token endpoint delay (ms) long enough that a cron process started beside the first refresh meets it
        in flight: three times what a `latchkey refresh` with nothing due takes here and now (at least 1.5 s), so a
        loaded machine, where the process starts slowly, does not let the refresh finish first. Call it while no
        credential is due."""
        started = time.monotonic()
        code, report, cp = self.refresh_cli(lk=lk)
        assert code == 0 and report is not None and report["due"] == 0, (code, cp.stdout, cp.stderr[-500:])
        # At most 8 s: agents' calls wait up to 10 s for another process's refresh.
        return min(8000, max(1500, int(3000 * (time.monotonic() - started))))

    def refresh_cli(self, *args: str, lk: Optional[Latchkey] = None):
        """`latchkey refresh --json ARGS` -> (exit code, parsed JSON or None, CompletedProcess)."""
        lk = lk or self.lk
        # The cron process needs the same catalog as `serve` (its --providers directory), or it does not
        # know `testoauth` and skips those credentials silently.
        cp = lk.cli("refresh", "--json", "--providers", str(lk.providers_dir), *args, check=False)
        try:
            report = json.loads(cp.stdout.strip().splitlines()[-1]) if cp.stdout.strip() else None
        except (json.JSONDecodeError, IndexError):
            report = None
        return cp.returncode, report, cp


def wait_until_expired(cred: dict, margin: float = 0.3):
    """Sleep until the credential's expires_at (+margin) has passed. The API shows whole seconds
    (truncated), so the real expiry may be up to 1 s later."""
    left = parse_time(cred["expires_at"]) + 1.0 + margin - time.time()
    if left > 0:
        time.sleep(left)


def bare_get(lk: Latchkey, key: str, path: str, timeout: float = 60) -> requests.Response:
    """A proxied GET without a shared Session (safe from many threads)."""
    return requests.get(
        lk.url(f"/v1/proxy/{PROVIDER}/{path}"),
        headers={"Authorization": f"Bearer {key}"},
        timeout=timeout,
        allow_redirects=False,
    )


def summary(results) -> dict:
    """Counts of outcomes (status codes, or exception names) of run_together's results."""
    out: dict = {}
    for r in results:
        key = r.status_code if isinstance(r, requests.Response) else f"{type(r).__name__}: {r}"[:120]
        out[key] = out.get(key, 0) + 1
    return out


def failures(results) -> list:
    """run_together's results that are not a 200 response, described."""
    return [
        describe_response(r) if isinstance(r, requests.Response) else repr(r)
        for r in results
        if not (isinstance(r, requests.Response) and r.status_code == 200)
    ]


def run_together(fns: list, timeout: float = 120) -> list:
    """Run callables at the same moment (threads released by one barrier); returns results or the
    exceptions they raised, in order."""
    barrier = threading.Barrier(len(fns))
    results: list = [None] * len(fns)

    def run(i, fn):
        try:
            barrier.wait(timeout=30)
            results[i] = fn()
        except Exception as e:  # noqa: BLE001 - reported by the caller
            results[i] = e

    threads = [threading.Thread(target=run, args=(i, fn), daemon=True) for i, fn in enumerate(fns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    return results


@pytest.fixture
def oauth_env(oauth_peer, tmp_path, request):
    """Factory: oauth_env(**OAuthEnv kwargs) -> a started OAuthEnv; all stop at teardown."""
    envs: list[OAuthEnv] = []

    def make(**kw) -> OAuthEnv:
        e = OAuthEnv(oauth_peer, tmp_path / f"env{len(envs)}", **kw)
        envs.append(e)
        return e

    class _View:  # what conftest's failure hook reads: .servers with log_path/log_tail
        @property
        def servers(self):
            return [s for e in envs for s in e.servers] + [PeerLog(oauth_peer)]

    request.node._latchkey_envs = getattr(request.node, "_latchkey_envs", []) + [_View()]
    yield make
    for e in envs:
        e.close()
