"""The MCP test peer on its own (no Latchkey): the MCP Python SDK's own client, with its OAuth
support, proves the peer is spec-conformant; raw HTTP checks the exact wire details.

    python3 -m pytest -p no:cacheprovider -q e2e/mcp_peer      # deselect elsewhere: -m 'not mcp_peer'
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import json
import secrets
import threading
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import anyio
import pytest
import requests

from mcp_peer.peer import McpPeer

httpx2 = pytest.importorskip("httpx2")
from mcp.client.auth import AuthorizationCodeResult, OAuthClientProvider  # noqa: E402
from mcp.client.session import ClientSession  # noqa: E402
from mcp.client.streamable_http import streamable_http_client  # noqa: E402
from mcp.shared.auth import OAuthClientMetadata  # noqa: E402

pytestmark = pytest.mark.mcp_peer

REDIRECT = "http://127.0.0.1:9/callback"  # never contacted: consent() returns the Location
ACCEPT = "application/json, text/event-stream"


@pytest.fixture(autouse=True)
def _fresh(mcp_peer):
    mcp_peer.reset()
    yield
    mcp_peer.reset()


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


class MemoryStorage:
    """In-memory TokenStorage that also keeps every token set it was given."""

    def __init__(self):
        self.tokens = None
        self.client = None
        self.history = []

    async def get_tokens(self):
        return self.tokens

    async def set_tokens(self, tokens):
        self.tokens = tokens
        self.history.append(tokens)

    async def get_client_info(self):
        return self.client

    async def set_client_info(self, client_info):
        self.client = client_info


def oauth_provider(peer: McpPeer, storage: MemoryStorage, approve: bool = True) -> OAuthClientProvider:
    seen: dict = {}

    async def redirect_handler(url: str) -> None:
        seen["authorization_url"] = url
        seen["location"] = await anyio.to_thread.run_sync(lambda: peer.consent(url, approve=approve))

    async def callback_handler() -> AuthorizationCodeResult:
        q = parse_qs(urlsplit(seen["location"]).query)
        if "error" in q:
            raise RuntimeError(f"authorization failed: {q['error'][0]}")
        return AuthorizationCodeResult(code=q["code"][0], state=q["state"][0])

    p = OAuthClientProvider(
        peer.mcp_url,
        OAuthClientMetadata(redirect_uris=[REDIRECT], client_name="sdk-test"),
        storage,
        redirect_handler,
        callback_handler,
    )
    p.seen = seen
    return p


async def with_session(peer_url: str, fn, *, auth=None, headers=None, message_handler=None):
    async with httpx2.AsyncClient(auth=auth, headers=headers, timeout=httpx2.Timeout(30, read=60)) as http:
        async with streamable_http_client(peer_url, http_client=http) as (read, write):
            async with ClientSession(read, write, message_handler=message_handler) as session:
                await session.initialize()
                return await fn(session)


def run(coro_fn, *args, **kw):
    return anyio.run(lambda: coro_fn(*args, **kw))


def text_of(result) -> str:
    return "".join(c.text for c in result.content if getattr(c, "type", None) == "text")


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def register(peer: McpPeer, **meta) -> dict:
    body = {"redirect_uris": [REDIRECT], "client_name": "raw-test"}
    body.update(meta)
    r = requests.post(peer.registration_url, json=body, timeout=10)
    assert r.status_code == 201, r.text
    return r.json()


def raw_tokens(peer: McpPeer, client: dict, scope: str | None = "read", resource: str | None = "default") -> dict:
    """Authorization code + PKCE by hand (requests): returns the token response."""
    resource = peer.mcp_url if resource == "default" else resource
    verifier, challenge = pkce()
    q = {
        "response_type": "code",
        "client_id": client["client_id"],
        "redirect_uri": REDIRECT,
        "state": "st-" + secrets.token_hex(4),
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    if scope:
        q["scope"] = scope
    if resource:
        q["resource"] = resource
    loc = peer.consent(f"{peer.authorization_url}?{urlencode(q)}")
    got = parse_qs(urlsplit(loc).query)
    assert got["state"] == [q["state"]], loc
    data = {
        "grant_type": "authorization_code",
        "code": got["code"][0],
        "redirect_uri": REDIRECT,
        "client_id": client["client_id"],
        "code_verifier": verifier,
    }
    if client.get("client_secret"):
        data["client_secret"] = client["client_secret"]
    if resource:
        data["resource"] = resource
    r = requests.post(peer.token_url, data=data, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def refresh_raw(peer: McpPeer, client: dict, refresh_token: str) -> requests.Response:
    data = {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "client_id": client["client_id"],
        "resource": peer.mcp_url,
    }
    if client.get("client_secret"):
        data["client_secret"] = client["client_secret"]
    return requests.post(peer.token_url, data=data, timeout=10)


def sse_json(r: requests.Response) -> list[dict]:
    if r.headers.get("content-type", "").startswith("application/json"):
        return [r.json()]
    return [json.loads(line[5:]) for line in r.text.splitlines() if line.startswith("data:") and line[5:].strip()]


def mcp_init(url: str, headers: dict) -> requests.Response:
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "raw", "version": "0"}},
    }
    return requests.post(url, json=body, headers={"Accept": ACCEPT, **headers}, timeout=10)


def mcp_call(url: str, headers: dict, session_id: str, name: str, args: dict | None = None) -> requests.Response:
    h = {"Accept": ACCEPT, "Mcp-Session-Id": session_id, "MCP-Protocol-Version": "2025-06-18", **headers}
    requests.post(url, json={"jsonrpc": "2.0", "method": "notifications/initialized"}, headers=h, timeout=10)
    body = {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": name, "arguments": args or {}}}
    return requests.post(url, json=body, headers=h, timeout=10)


# ---------------------------------------------------------------------------------------------
# discovery documents and challenges
# ---------------------------------------------------------------------------------------------


def test_metadata_documents(mcp_peer):
    p = mcp_peer
    assert p.issuer == p.url and not p.issuer.endswith("/")
    prm = requests.get(p.resource_metadata_url, timeout=10).json()
    assert prm["resource"] == p.mcp_url
    assert prm["authorization_servers"] == [p.issuer]
    assert prm["scopes_supported"] == ["read", "write", "admin"]
    assert requests.get(f"{p.url}/.well-known/oauth-protected-resource", timeout=10).json() == prm
    md = requests.get(p.metadata_url, timeout=10).json()
    assert md["issuer"] == p.issuer
    assert md["authorization_endpoint"] == f"{p.url}/authorize"
    assert md["token_endpoint"] == f"{p.url}/token"
    assert md["registration_endpoint"] == f"{p.url}/register"
    assert md["revocation_endpoint"] == f"{p.url}/revoke"
    assert md["code_challenge_methods_supported"] == ["S256"]
    assert "client_id_metadata_document_supported" not in md
    assert requests.get(f"{p.url}/.well-known/openid-configuration", timeout=10).json() == md


def test_401_challenges(mcp_peer):
    p = mcp_peer
    r = mcp_init(p.mcp_url, {})
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == f'Bearer resource_metadata="{p.resource_metadata_url}"'
    r = mcp_init(p.mcp_url, {"Authorization": "Bearer lka_not-a-token"})
    assert r.status_code == 401
    www = r.headers["WWW-Authenticate"]
    assert www.startswith(f'Bearer resource_metadata="{p.resource_metadata_url}", error="invalid_token"')
    last = p.mcp_log()[-1]
    assert last["authorization_is_lka"] is True
    assert ["Authorization", "Bearer sha256:" + hashlib.sha256(b"lka_not-a-token").hexdigest()[:16]] in [
        [k.title(), v] for k, v in last["headers"]
    ]
    assert "lka_" not in json.dumps(p.mcp_log())
    assert last["jsonrpc_method"] == "initialize" and last["status"] == 401


def test_issuer_override_dcr_off_and_reset(mcp_peer):
    p = mcp_peer
    p.config(issuer_override="https://wrong.example", dcr=False)
    md = requests.get(p.metadata_url, timeout=10).json()
    assert md["issuer"] == "https://wrong.example"
    assert requests.get(f"{p.url}/.well-known/openid-configuration", timeout=10).json()["issuer"] == md["issuer"]
    assert "registration_endpoint" not in md
    assert requests.post(p.registration_url, json={"redirect_uris": [REDIRECT]}, timeout=10).status_code == 404
    assert requests.get(p.resource_metadata_url, timeout=10).json()["authorization_servers"] == [p.issuer]
    assert p.reset()["issuer_override"] is None
    md = requests.get(p.metadata_url, timeout=10).json()
    assert md["issuer"] == p.issuer and md["registration_endpoint"] == f"{p.url}/register"
    assert p.config() == p.get_config() and p.get_config()["dcr"] is True


# ---------------------------------------------------------------------------------------------
# the SDK client end to end
# ---------------------------------------------------------------------------------------------


def test_sdk_client_full_flow_and_tools(mcp_peer):
    p = mcp_peer
    storage = MemoryStorage()
    auth = oauth_provider(p, storage)
    notes: list = []
    progress_at: list[float] = []

    async def on_message(msg):
        notes.append(msg)

    async def body(session):
        out = {}
        out["tools"] = sorted(t.name for t in (await session.list_tools()).tools)
        out["echo"] = await session.call_tool("echo", {"text": "héllo"})
        out["add"] = await session.call_tool("add", {"a": 2, "b": 40})
        out["pixel"] = await session.call_tool("pixel", {})
        out["whoami"] = await session.call_tool("whoami", {})

        async def on_progress(progress, total, message):
            progress_at.append(time.monotonic())

        start = time.monotonic()
        out["progress"] = await session.call_tool("progress", {"steps": 3, "delay": 0.4}, progress_callback=on_progress)
        out["progress_start"], out["progress_end"] = start, time.monotonic()
        out["grow"] = await session.call_tool("grow", {"name": "sprout"})
        out["tools2"] = sorted(t.name for t in (await session.list_tools()).tools)
        out["sprout"] = await session.call_tool("sprout", {})
        return out

    out = run(with_session, p.mcp_url, body, auth=auth, message_handler=on_message)

    assert out["tools"] == ["add", "admin_only", "echo", "grow", "pixel", "progress", "whoami"]
    assert text_of(out["echo"]) == "héllo"
    assert out["add"].structured_content == {"sum": 42}
    assert json.loads(text_of(out["add"])) == {"sum": 42}
    (img,) = out["pixel"].content
    assert img.type == "image" and img.mime_type == "image/png"
    assert base64.b64decode(img.data).startswith(b"\x89PNG\r\n\x1a\n")
    who = json.loads(text_of(out["whoami"]))
    assert who["client_id"] == storage.client.client_id
    assert who["resource"] == p.mcp_url
    assert set(who["scopes"]) <= {"read", "write", "admin"} and "read" in who["scopes"]

    # progress: three notifications, spaced, the first well before the result
    assert text_of(out["progress"]) == "done"
    assert len(progress_at) == 3, progress_at
    gaps = [b - a for a, b in zip(progress_at, progress_at[1:])]
    assert all(g > 0.25 for g in gaps), gaps
    assert out["progress_end"] - progress_at[0] > 0.6

    # grow: list_changed arrived, the new tool is listed and answers
    assert [type(n).__name__ for n in notes].count("ToolListChangedNotification") == 1, notes
    assert "sprout" in out["tools2"]
    assert text_of(out["sprout"]) == "I am sprout"

    # the AS saw DCR, an authorization and a token request, each with resource and PKCE
    log = p.log()
    paths = [e["path"] for e in log]
    for needed in (
        "/.well-known/oauth-protected-resource/mcp",
        "/.well-known/oauth-authorization-server",
        "/register",
        "/authorize",
        "/consent",
        "/token",
    ):
        assert needed in paths, paths
    for e in log:
        if e["path"] in ("/authorize", "/token"):
            assert e["resource"] == p.mcp_url, e
            assert e["pkce"] is True, e
    tok = next(e for e in log if e["path"] == "/token")
    assert tok["params"]["code_verifier"] == "present"
    assert tok["params"]["client_secret"] == "present" and tok["client_auth"] == "client_secret_post"
    assert len(tok["params"]["code"]) == 16 and tok["grant_type"] == "authorization_code" and tok["status"] == 200
    assert storage.client.token_endpoint_auth_method == "client_secret_post"

    stats = p.stats()
    assert stats["registrations"] == 1 and stats["authorizations"] == 1
    assert stats["token_requests"] == {"authorization_code": 1}
    assert stats["tools_call"]["echo"] == 1 and stats["tools_call"]["sprout"] == 1

    mlog = p.mcp_log()
    assert mlog[0]["status"] == 401 and mlog[0]["jsonrpc_method"] == "initialize"
    calls = [e for e in mlog if e["jsonrpc_method"] == "tools/call"]
    assert [e["tool"] for e in calls][:2] == ["echo", "add"]
    assert all(e["session_id"] and e["status"] == 200 and not e["authorization_is_lka"] for e in calls)
    assert all(
        dict((k.lower(), v) for k, v in e["headers"])["authorization"].startswith("Bearer sha256:") for e in calls
    )


def test_sdk_client_refreshes_and_refresh_tokens_rotate(mcp_peer):
    p = mcp_peer
    p.config(access_ttl=1)
    storage = MemoryStorage()

    async def body(session):
        first = text_of(await session.call_tool("echo", {"text": "one"}))
        await anyio.sleep(1.6)
        second = text_of(await session.call_tool("echo", {"text": "two"}))
        return first, second

    assert run(with_session, p.mcp_url, body, auth=oauth_provider(p, storage)) == ("one", "two")
    stats = p.stats()
    assert stats["refreshes"] >= 1 and stats["token_requests"].get("refresh_token", 0) >= 1
    assert len(storage.history) >= 2
    old, new = storage.history[0], storage.history[-1]
    assert old.refresh_token != new.refresh_token and old.access_token != new.access_token
    refreshes = [e for e in p.log("/token") if e["grant_type"] == "refresh_token"]
    assert all(e["resource"] == p.mcp_url and e["status"] == 200 for e in refreshes)
    # the rotated-out refresh token is dead
    client = {"client_id": storage.client.client_id, "client_secret": storage.client.client_secret}
    r = refresh_raw(p, client, old.refresh_token)
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    assert p.stats()["invalid_grant"] == 1
    assert p.log("/token")[-1]["error"] == "invalid_grant"


def test_no_rotation_knob(mcp_peer):
    p = mcp_peer
    p.config(rotate_refresh=False)
    client = register(p)
    t = raw_tokens(p, client)
    r = refresh_raw(p, client, t["refresh_token"])
    assert r.status_code == 200 and r.json()["refresh_token"] == t["refresh_token"]
    assert refresh_raw(p, client, t["refresh_token"]).status_code == 200


def test_revoke_all_and_expire_all(mcp_peer):
    p = mcp_peer
    client = register(p)
    t = raw_tokens(p, client, scope=None)
    assert t["scope"] == "read" and t["expires_in"] == 3600
    bearer = {"Authorization": f"Bearer {t['access_token']}"}
    r = mcp_init(p.mcp_url, bearer)
    assert r.status_code == 200 and r.headers["mcp-session-id"]
    sid = r.headers["mcp-session-id"]
    assert sse_json(mcp_call(p.mcp_url, bearer, sid, "echo", {"text": "x"}))[-1]["result"]["content"][0]["text"] == "x"

    p.expire_all()
    r = mcp_call(p.mcp_url, bearer, sid, "echo", {"text": "x"})
    assert r.status_code == 401 and 'error="invalid_token"' in r.headers["WWW-Authenticate"]
    r = refresh_raw(p, client, t["refresh_token"])  # refresh tokens survive expire_all
    assert r.status_code == 200
    t2 = r.json()
    bearer2 = {"Authorization": f"Bearer {t2['access_token']}"}
    assert mcp_call(p.mcp_url, bearer2, sid, "echo", {"text": "y"}).status_code == 200

    p.revoke_all()
    assert mcp_call(p.mcp_url, bearer2, sid, "echo", {"text": "z"}).status_code == 401
    r = refresh_raw(p, client, t2["refresh_token"])
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"


def test_revoke_endpoint_and_session_owner(mcp_peer):
    p = mcp_peer
    a, b = register(p), register(p)
    assert a["token_endpoint_auth_method"] == "client_secret_post" and a["client_secret"]
    ta, tb = raw_tokens(p, a), raw_tokens(p, b)
    sid = mcp_init(p.mcp_url, {"Authorization": f"Bearer {ta['access_token']}"}).headers["mcp-session-id"]
    # a session belongs to the client that opened it
    assert mcp_call(p.mcp_url, {"Authorization": f"Bearer {tb['access_token']}"}, sid, "echo").status_code == 404
    ta2 = raw_tokens(p, a)
    h2 = {"Authorization": f"Bearer {ta2['access_token']}"}
    assert mcp_call(p.mcp_url, h2, sid, "echo", {"text": "x"}).status_code == 200
    # RFC 7009: revoking the refresh token revokes its whole grant (access token too)
    r = requests.post(
        p.revocation_url,
        data={
            "token": ta2["refresh_token"],
            "token_type_hint": "refresh_token",
            "client_id": a["client_id"],
            "client_secret": a["client_secret"],
        },
        timeout=10,
    )
    assert r.status_code == 200
    assert mcp_call(p.mcp_url, h2, sid, "echo", {"text": "x"}).status_code == 401
    assert (
        mcp_call(p.mcp_url, {"Authorization": f"Bearer {ta['access_token']}"}, sid, "echo", {"text": "x"}).status_code
        == 200
    )
    assert refresh_raw(p, a, ta2["refresh_token"]).json()["error"] == "invalid_grant"
    (rev,) = p.log("/revoke")
    assert rev["params"]["token"] == hashlib.sha256(ta2["refresh_token"].encode()).hexdigest()[:16]


def test_step_up_for_admin_only(mcp_peer):
    p = mcp_peer
    client = register(p)
    read = raw_tokens(p, client, scope="read")
    h = {"Authorization": f"Bearer {read['access_token']}"}
    sid = mcp_init(p.mcp_url, h).headers["mcp-session-id"]
    r = mcp_call(p.mcp_url, h, sid, "admin_only")
    assert r.status_code == 403
    assert r.headers["WWW-Authenticate"].startswith(
        f'Bearer error="insufficient_scope", scope="read admin", resource_metadata="{p.resource_metadata_url}"'
    )
    admin = raw_tokens(p, client, scope="read admin")
    h = {"Authorization": f"Bearer {admin['access_token']}"}
    sid = mcp_init(p.mcp_url, h).headers["mcp-session-id"]
    r = mcp_call(p.mcp_url, h, sid, "admin_only")
    assert r.status_code == 200 and sse_json(r)[-1]["result"]["content"][0]["text"] == "admin ok"
    assert p.stats()["tools_call"]["admin_only"] == 2


def test_deny_pkce_and_wrong_resource(mcp_peer):
    p = mcp_peer
    client = register(p)
    verifier, challenge = pkce()
    q = {
        "response_type": "code",
        "client_id": client["client_id"],
        "redirect_uri": REDIRECT,
        "state": "s1",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "resource": p.mcp_url,
    }
    page = requests.get(f"{p.authorization_url}?{urlencode(q)}", timeout=10)
    assert page.status_code == 200 and 'id="approve"' in page.text and 'id="deny"' in page.text
    loc = p.consent(f"{p.authorization_url}?{urlencode(q)}", approve=False)
    assert parse_qs(urlsplit(loc).query) == {
        "error": ["access_denied"],
        "state": ["s1"],
        "error_description": ["the user denied the request"],
    }
    # no PKCE: the SDK answers with an error redirect
    q2 = dict(q)
    del q2["code_challenge"], q2["code_challenge_method"]
    r = requests.get(f"{p.authorization_url}?{urlencode(q2)}", allow_redirects=False, timeout=10)
    assert r.status_code == 302 and "error=invalid_request" in r.headers["Location"]
    # wrong verifier
    code = parse_qs(urlsplit(p.consent(f"{p.authorization_url}?{urlencode(q)}")).query)["code"][0]
    r = requests.post(
        p.token_url,
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "client_id": client["client_id"],
            "client_secret": client["client_secret"],
            "code_verifier": "x" * 50,
        },
        timeout=10,
    )
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    # a token bound to another resource is refused by /mcp
    other = raw_tokens(p, client, resource="http://127.0.0.1:1/elsewhere")
    r = mcp_init(p.mcp_url, {"Authorization": f"Bearer {other['access_token']}"})
    assert r.status_code == 401 and 'error="invalid_token"' in r.headers["WWW-Authenticate"]


def test_token_delay(mcp_peer):
    p = mcp_peer
    client = register(p)
    t = raw_tokens(p, client)
    p.config(token_delay=0.6)
    start = time.monotonic()
    assert refresh_raw(p, client, t["refresh_token"]).status_code == 200
    assert time.monotonic() - start >= 0.6


def test_cimd_client(mcp_peer):
    p = mcp_peer
    doc: dict = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            data = json.dumps(doc).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *a):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{srv.server_address[1]}/client.json"
        doc.update(
            {
                "client_id": url,
                "client_name": "cimd-test",
                "redirect_uris": [REDIRECT],
                "token_endpoint_auth_method": "none",
            }
        )
        verifier, challenge = pkce()
        q = {
            "response_type": "code",
            "client_id": url,
            "redirect_uri": REDIRECT,
            "state": "c1",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "resource": p.mcp_url,
        }
        r = requests.get(f"{p.authorization_url}?{urlencode(q)}", timeout=10)
        assert r.status_code == 400  # cimd off: unknown client
        p.config(cimd=True)
        assert requests.get(p.metadata_url, timeout=10).json()["client_id_metadata_document_supported"] is True
        code = parse_qs(urlsplit(p.consent(f"{p.authorization_url}?{urlencode(q)}")).query)["code"][0]
        r = requests.post(
            p.token_url,
            data={
                "grant_type": "authorization_code",
                "code": code,
                "client_id": url,
                "redirect_uri": REDIRECT,
                "code_verifier": verifier,
                "resource": p.mcp_url,
            },
            timeout=10,
        )
        assert r.status_code == 200, r.text
        # a redirect_uri the document does not list is refused
        q["redirect_uri"] = "http://127.0.0.1:9/other"
        r = requests.get(f"{p.authorization_url}?{urlencode(q)}", allow_redirects=False, timeout=10)
        assert r.status_code == 400
    finally:
        srv.shutdown()
        srv.server_close()


# ---------------------------------------------------------------------------------------------
# the other auth modes
# ---------------------------------------------------------------------------------------------


def test_bearer_and_header_and_none_modes(tmp_path):
    with McpPeer(auth="bearer:s3cret", log_dir=tmp_path / "b") as p:
        r = mcp_init(p.mcp_url, {})
        assert r.status_code == 401 and "resource_metadata" not in r.headers.get("WWW-Authenticate", "")
        assert mcp_init(p.mcp_url, {"Authorization": "Bearer wrong"}).status_code == 401
        assert requests.get(f"{p.url}/.well-known/oauth-protected-resource/mcp", timeout=10).status_code == 404

        async def body(session):
            return text_of(await session.call_tool("echo", {"text": "bearer"}))

        assert run(with_session, p.mcp_url, body, headers={"Authorization": "Bearer s3cret"}) == "bearer"
        assert p.mcp_log()[-1]["headers"]

    with McpPeer(auth="header:X-API-Key:k3y", log_dir=tmp_path / "h") as p:
        assert mcp_init(p.mcp_url, {}).status_code == 401
        assert mcp_init(p.mcp_url, {"X-API-Key": "nope"}).status_code == 401
        r = mcp_init(p.mcp_url, {"X-API-Key": "k3y"})
        assert r.status_code == 200 and r.headers["mcp-session-id"]
        assert "x-api-key" in [n.lower() for n in p.mcp_log()[-1]["header_names"]]

    with McpPeer(auth="none", log_dir=tmp_path / "n") as p:

        async def body(session):
            return (
                text_of(await session.call_tool("echo", {"text": "open"})),
                text_of(await session.call_tool("admin_only", {})),
            )

        assert run(with_session, p.mcp_url, body) == ("open", "admin ok")
