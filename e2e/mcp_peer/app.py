"""The MCP test peer as one Starlette app: an OAuth 2.1 authorization server built from the MCP
Python SDK's own pieces (`create_auth_routes`, an in-memory `OAuthAuthorizationServerProvider`),
a protected MCP server (SDK `MCPServer`, streamable HTTP, stateful sessions) at /mcp, and an
unauthenticated control API under /_control/ for the tests. See README.md.

`build_app(base_url, auth_mode)` returns the ASGI app; run.py serves it with uvicorn.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import hashlib
import html
import json
import logging
import secrets
import struct
import threading
import time
import urllib.request
import zlib
from collections import Counter
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import anyio
from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.authentication import AuthCredentials
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from mcp.server.auth.handlers.metadata import ProtectedResourceMetadataHandler
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import (
    AccessToken,
    AuthorizationCode,
    AuthorizationParams,
    AuthorizeError,
    RefreshToken,
    TokenError,
    construct_redirect_uri,
)
from mcp.server.auth.routes import build_metadata, create_auth_routes
from mcp.server.auth.settings import AuthSettings, ClientRegistrationOptions, RevocationOptions
from mcp.server.lowlevel.server import NotificationOptions
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.utilities.types import Image
from mcp.server.streamable_http_manager import StreamableHTTPASGIApp
from mcp.shared.auth import OAuthClientInformationFull, OAuthToken, ProtectedResourceMetadata
import mcp.types as types

log = logging.getLogger("mcp_peer")

SUPPORTED_SCOPES = ["read", "write", "admin"]
DEFAULT_SCOPES = ["read"]
ADMIN_CHALLENGE_SCOPE = "read admin"
CODE_TTL = 300
DEFAULTS: dict[str, Any] = {
    "access_ttl": 3600,
    "rotate_refresh": True,
    "issuer_override": None,
    "dcr": True,
    "cimd": False,
    "token_delay": 0.0,
}


def _h16(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:16]


def _png_1x1() -> bytes:
    """A valid 1x1 red RGB PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    raw = b"\x00\xff\x00\x00"
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


PIXEL_PNG = _png_1x1()


# ---------------------------------------------------------------------------------------------
# Shared state (one process, one event loop; a lock only for the control API's readers)
# ---------------------------------------------------------------------------------------------


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.config: dict[str, Any] = dict(DEFAULTS)
        self.as_log: list[dict] = []
        self.mcp_log: list[dict] = []
        self.stats = self._fresh_stats()

    @staticmethod
    def _fresh_stats() -> dict:
        return {
            "registrations": 0,
            "authorizations": 0,
            "consents": Counter(),
            "token_requests": Counter(),
            "refreshes": 0,
            "invalid_grant": 0,
            "tools_call": Counter(),
            "mcp_requests": 0,
            "mcp_401": 0,
            "mcp_403": 0,
        }

    def reset(self):
        self.config = dict(DEFAULTS)
        self.as_log.clear()
        self.mcp_log.clear()
        self.stats = self._fresh_stats()

    def stats_json(self) -> dict:
        return {k: (dict(v) if isinstance(v, Counter) else v) for k, v in self.stats.items()}


# ---------------------------------------------------------------------------------------------
# The authorization server provider (in memory)
# ---------------------------------------------------------------------------------------------


class PeerAccessToken(AccessToken):
    grant_id: str = ""


class PeerRefreshToken(RefreshToken):
    grant_id: str = ""


class PeerAuthorizationCode(AuthorizationCode):
    grant_id: str = ""


class Pending(BaseModel):
    client_id: str
    params: AuthorizationParams
    created: float


class Provider:
    """OAuthAuthorizationServerProvider: DCR clients, CIMD clients (URL client_ids), a consent
    step between /authorize and the redirect, rotating refresh tokens, resource-bound tokens."""

    def __init__(self, state: State, base_url: str):
        self.state = state
        self.base_url = base_url
        self.clients: dict[str, OAuthClientInformationFull] = {}
        self.pending: dict[str, Pending] = {}
        self.codes: dict[str, PeerAuthorizationCode] = {}
        self.access: dict[str, PeerAccessToken] = {}
        self.refresh: dict[str, PeerRefreshToken] = {}

    # ---- clients ---------------------------------------------------------------------------
    async def get_client(self, client_id: str) -> OAuthClientInformationFull | None:
        if client_id in self.clients:
            return self.clients[client_id]
        if self.state.config.get("cimd") and _is_cimd_url(client_id):
            return await self._fetch_cimd(client_id)
        return None

    async def _fetch_cimd(self, url: str) -> OAuthClientInformationFull | None:
        def fetch():
            opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
            with opener.open(urllib.request.Request(url, headers={"Accept": "application/json"}), timeout=10) as r:
                return json.loads(r.read(256 * 1024))

        try:
            doc = await anyio.to_thread.run_sync(fetch)
        except Exception as e:  # noqa: BLE001 - unreachable/invalid document: unknown client
            log.warning("CIMD fetch of %s failed: %s", url, e)
            return None
        if not isinstance(doc, dict) or doc.get("client_id") != url or not doc.get("redirect_uris"):
            log.warning("CIMD document at %s is not valid for it: %r", url, doc)
            return None
        try:
            return OAuthClientInformationFull(
                client_id=url,
                redirect_uris=doc["redirect_uris"],
                token_endpoint_auth_method="none",
                grant_types=doc.get("grant_types") or ["authorization_code", "refresh_token"],
                response_types=doc.get("response_types") or ["code"],
                scope=doc.get("scope") or " ".join(SUPPORTED_SCOPES),
                client_name=doc.get("client_name"),
            )
        except Exception as e:  # noqa: BLE001
            log.warning("CIMD document at %s unusable: %s", url, e)
            return None

    async def register_client(self, client_info: OAuthClientInformationFull) -> None:
        if client_info.scope is None:
            client_info.scope = " ".join(SUPPORTED_SCOPES)
        self.clients[client_info.client_id] = client_info
        self.state.stats["registrations"] += 1

    # ---- authorization ---------------------------------------------------------------------
    async def authorize(self, client: OAuthClientInformationFull, params: AuthorizationParams) -> str:
        scopes = params.scopes or list(DEFAULT_SCOPES)
        bad = [s for s in scopes if s not in SUPPORTED_SCOPES]
        if bad:
            raise AuthorizeError("invalid_scope", f"unsupported scope(s): {' '.join(bad)}")
        params = params.model_copy(update={"scopes": scopes})
        tx = secrets.token_urlsafe(24)
        self.pending[tx] = Pending(client_id=client.client_id, params=params, created=time.time())
        self.state.stats["authorizations"] += 1
        return f"{self.base_url}/consent?tx={tx}"

    def decide(self, tx: str, approve: bool) -> str | None:
        p = self.pending.pop(tx, None)
        if p is None or time.time() - p.created > 600:
            return None
        self.state.stats["consents"]["approve" if approve else "deny"] += 1
        if not approve:
            return construct_redirect_uri(
                str(p.params.redirect_uri),
                error="access_denied",
                error_description="the user denied the request",
                state=p.params.state,
            )
        code = secrets.token_urlsafe(32)
        self.codes[code] = PeerAuthorizationCode(
            code=code,
            scopes=p.params.scopes or list(DEFAULT_SCOPES),
            expires_at=time.time() + CODE_TTL,
            client_id=p.client_id,
            code_challenge=p.params.code_challenge,
            redirect_uri=p.params.redirect_uri,
            redirect_uri_provided_explicitly=p.params.redirect_uri_provided_explicitly,
            resource=p.params.resource,
            subject="alice",
            grant_id=secrets.token_hex(8),
        )
        return construct_redirect_uri(str(p.params.redirect_uri), code=code, state=p.params.state)

    async def load_authorization_code(self, client, authorization_code: str):
        return self.codes.get(authorization_code)

    def _issue(
        self, client_id: str, scopes: list[str], resource: str | None, grant_id: str, refresh: str | None = None
    ) -> OAuthToken:
        ttl = int(self.state.config["access_ttl"])
        at = secrets.token_urlsafe(32)
        self.access[at] = PeerAccessToken(
            token=at,
            client_id=client_id,
            scopes=scopes,
            expires_at=int(time.time()) + ttl,
            resource=resource,
            subject="alice",
            grant_id=grant_id,
        )
        if refresh is None:
            refresh = secrets.token_urlsafe(32)
            self.refresh[refresh] = PeerRefreshToken(
                token=refresh, client_id=client_id, scopes=scopes, resource=resource, subject="alice", grant_id=grant_id
            )
        return OAuthToken(
            access_token=at, token_type="Bearer", expires_in=ttl, scope=" ".join(scopes), refresh_token=refresh
        )

    async def exchange_authorization_code(self, client, authorization_code: PeerAuthorizationCode) -> OAuthToken:
        if self.codes.pop(authorization_code.code, None) is None:
            raise TokenError("invalid_grant", "authorization code already used")
        return self._issue(
            client.client_id, authorization_code.scopes, authorization_code.resource, authorization_code.grant_id
        )

    async def load_refresh_token(self, client, refresh_token: str):
        return self.refresh.get(refresh_token)

    async def exchange_refresh_token(self, client, refresh_token: PeerRefreshToken, scopes: list[str]) -> OAuthToken:
        self.state.stats["refreshes"] += 1
        if self.state.config["rotate_refresh"]:
            if self.refresh.pop(refresh_token.token, None) is None:
                raise TokenError("invalid_grant", "refresh token already used")
            return self._issue(client.client_id, scopes, refresh_token.resource, refresh_token.grant_id)
        return self._issue(
            client.client_id, scopes, refresh_token.resource, refresh_token.grant_id, refresh=refresh_token.token
        )

    async def load_access_token(self, token: str) -> PeerAccessToken | None:
        at = self.access.get(token)
        if at is None or (at.expires_at is not None and at.expires_at < time.time()):
            return None
        return at

    async def revoke_token(self, token) -> None:
        self._revoke_grant(getattr(token, "grant_id", ""))
        self.access.pop(token.token, None)
        self.refresh.pop(token.token, None)

    def _revoke_grant(self, grant_id: str):
        if not grant_id:
            return
        for d in (self.access, self.refresh):
            for k in [k for k, v in d.items() if v.grant_id == grant_id]:
                del d[k]

    async def exchange_identity_assertion(self, client, params):
        raise TokenError("unsupported_grant_type", "not supported")

    # ---- control ---------------------------------------------------------------------------
    def revoke_all(self) -> dict:
        n = {"access_tokens": len(self.access), "refresh_tokens": len(self.refresh), "codes": len(self.codes)}
        self.access.clear()
        self.refresh.clear()
        self.codes.clear()
        return n

    def expire_all(self) -> dict:
        past = int(time.time()) - 1
        for at in self.access.values():
            at.expires_at = past
        return {"access_tokens": len(self.access)}


def _is_cimd_url(client_id: str) -> bool:
    try:
        u = urlsplit(client_id)
    except ValueError:
        return False
    if u.scheme == "https" and u.netloc and u.path not in ("", "/"):
        return True
    return u.scheme == "http" and u.hostname == "127.0.0.1" and u.path not in ("", "/")


# ---------------------------------------------------------------------------------------------
# Request logging (AS endpoints)
# ---------------------------------------------------------------------------------------------

_SECRET_PRESENT = ("code_verifier", "client_secret", "assertion")
_SECRET_HASHED = ("code", "refresh_token", "token")


def _sanitize(params: dict) -> dict:
    out = {}
    for k, v in params.items():
        if k in _SECRET_PRESENT:
            out[k] = "present"
        elif k in _SECRET_HASHED and isinstance(v, str):
            out[k] = _h16(v)
        else:
            out[k] = v
    return out


async def _buffer_body(receive) -> bytes:
    body = b""
    while True:
        msg = await receive()
        if msg["type"] == "http.request":
            body += msg.get("body", b"")
            if not msg.get("more_body"):
                return body
        elif msg["type"] == "http.disconnect":
            return body


def _replay(body: bytes, receive):
    sent = False

    async def again():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return again


def _headers(scope) -> list[tuple[str, str]]:
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope.get("headers", [])]


class ASLogMiddleware:
    """Records every request to the AS endpoints (everything but /mcp and /_control) with its
    parameters (secrets masked), status and OAuth error; counts token requests."""

    def __init__(self, app, state: State):
        self.app = app
        self.state = state

    async def __call__(self, scope, receive, send):
        path = scope.get("path", "")
        if scope["type"] != "http" or path.startswith("/_control") or path == "/mcp" or path.startswith("/mcp/"):
            return await self.app(scope, receive, send)
        body = await _buffer_body(receive)
        hdrs = dict((k.lower(), v) for k, v in _headers(scope))
        params: dict[str, Any] = dict(
            parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        )
        ctype = hdrs.get("content-type", "")
        if body and "application/x-www-form-urlencoded" in ctype:
            params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        elif body and "json" in ctype:
            try:
                j = json.loads(body)
                if isinstance(j, dict):
                    params.update(j)
            except ValueError:
                pass
        client_auth = None
        client_id = params.get("client_id")
        auth = hdrs.get("authorization", "")
        if auth.lower().startswith("basic "):
            client_auth = "client_secret_basic"
            try:
                from urllib.parse import unquote

                cid, _, _sec = base64.b64decode(auth[6:]).decode().partition(":")
                client_id = client_id or unquote(cid)
            except Exception:  # noqa: BLE001
                pass
        elif "client_secret" in params:
            client_auth = "client_secret_post"
        elif path == "/token":
            client_auth = "none"
        entry = {
            "time": time.time(),
            "path": path,
            "method": scope["method"],
            "params": _sanitize(params),
            "grant_type": params.get("grant_type"),
            "resource": params.get("resource"),
            "client_id": client_id,
            "client_auth": client_auth,
            "pkce": "code_verifier" in params if path == "/token" else "code_challenge" in params,
            "status": None,
            "error": None,
        }
        self.state.as_log.append(entry)
        if path == "/token" and scope["method"] == "POST":
            self.state.stats["token_requests"][params.get("grant_type") or "?"] += 1
            delay = float(self.state.config.get("token_delay") or 0)
            if delay > 0:
                await asyncio.sleep(delay)

        chunks: list[bytes] = []

        async def capture(msg):
            if msg["type"] == "http.response.start":
                entry["status"] = msg["status"]
                for k, v in msg.get("headers", []):
                    if k.lower() == b"location":
                        q = dict(parse_qsl(urlsplit(v.decode("latin-1")).query))
                        if "error" in q:
                            entry["error"] = q["error"]
            elif msg["type"] == "http.response.body" and entry["status"] and entry["status"] >= 400:
                chunks.append(msg.get("body", b""))
                if not msg.get("more_body"):
                    try:
                        err = json.loads(b"".join(chunks)).get("error")
                    except (ValueError, AttributeError):
                        err = None
                    entry["error"] = err
                    if err == "invalid_grant":
                        self.state.stats["invalid_grant"] += 1
            await send(msg)

        await self.app(scope, _replay(body, receive), capture)


# ---------------------------------------------------------------------------------------------
# /mcp: logging, authentication, step-up
# ---------------------------------------------------------------------------------------------


def _jsonrpc_summary(body: bytes) -> tuple[list[str], list[str]]:
    """(methods, tool names of tools/call) of a JSON-RPC message or batch."""
    try:
        j = json.loads(body)
    except ValueError:
        return [], []
    msgs = j if isinstance(j, list) else [j]
    methods, tools = [], []
    for m in msgs:
        if isinstance(m, dict) and isinstance(m.get("method"), str):
            methods.append(m["method"])
            if m["method"] == "tools/call":
                name = (m.get("params") or {}).get("name")
                if isinstance(name, str):
                    tools.append(name)
    return methods, tools


class McpGate:
    """ASGI wrapper of the SDK's streamable HTTP app: logs every request, checks the credential
    for the auth mode, answers the admin_only step-up challenge, and passes the token on."""

    def __init__(self, inner, state: State, mode: str, provider: Provider | None, mcp_url: str, prm_url: str):
        self.inner = inner
        self.state = state
        self.mode = mode
        self.provider = provider
        self.mcp_url = mcp_url
        self.prm_url = prm_url

    async def _reply(self, send, status: int, body: dict, www: str | None):
        data = json.dumps(body).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
        if www:
            headers.append((b"www-authenticate", www.encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": data})

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.inner(scope, receive, send)
        hdrs = _headers(scope)
        raw_auth = next((v for k, v in hdrs if k.lower() == "authorization"), None)
        logged = []
        for k, v in hdrs:
            if k.lower() == "authorization":
                scheme, _, cred = v.partition(" ")
                v = f"{scheme} sha256:{_h16(cred)}" if cred else "sha256:" + _h16(v)
            logged.append([k, v])
        body = b""
        if scope["method"] == "POST":
            body = await _buffer_body(receive)
            receive = _replay(body, receive)
        methods, tools = _jsonrpc_summary(body) if body else ([], [])
        entry = {
            "time": time.time(),
            "method": scope["method"],
            "path": scope["path"],
            "headers": logged,
            "header_names": [k for k, _ in hdrs],
            "authorization_is_lka": bool(raw_auth and "lka_" in raw_auth),
            "session_id": next((v for k, v in hdrs if k.lower() == "mcp-session-id"), None),
            "jsonrpc_method": methods[0] if len(methods) == 1 else (methods or None),
            "tool": tools[0] if len(tools) == 1 else (tools or None),
            "token_client_id": None,
            "status": None,
        }
        self.state.mcp_log.append(entry)
        self.state.stats["mcp_requests"] += 1
        for t in tools:
            self.state.stats["tools_call"][t] += 1

        async def capture(msg):
            if msg["type"] == "http.response.start":
                entry["status"] = msg["status"]
                if msg["status"] == 401:
                    self.state.stats["mcp_401"] += 1
                elif msg["status"] == 403:
                    self.state.stats["mcp_403"] += 1
            await send(msg)

        mode = self.mode
        if mode == "none":
            return await self.inner(scope, receive, capture)
        if mode.startswith("bearer:") or mode.startswith("header:"):
            if mode.startswith("bearer:"):
                want_name, want_value = "authorization", "Bearer " + mode[len("bearer:") :]
            else:
                _, name, token = mode.split(":", 2)
                want_name, want_value = name.lower(), token
            got = next((v for k, v in hdrs if k.lower() == want_name), None)
            if got is None or not secrets.compare_digest(got.encode(), want_value.encode()):
                return await self._reply(capture, 401, {"error": "unauthorized"}, None)
            return await self.inner(scope, receive, capture)

        # oauth
        www = f'Bearer resource_metadata="{self.prm_url}"'
        if not raw_auth or not raw_auth.lower().startswith("bearer "):
            return await self._reply(
                capture, 401, {"error": "invalid_request", "error_description": "missing bearer token"}, www
            )
        token = raw_auth[7:].strip()
        at = await self.provider.load_access_token(token)
        why = None
        if at is None:
            why = "the access token is unknown, revoked or expired"
        elif at.resource is not None and at.resource.rstrip("/") != self.mcp_url.rstrip("/"):
            why = f"the access token was issued for {at.resource}, not {self.mcp_url}"
        if why:
            return await self._reply(
                capture,
                401,
                {"error": "invalid_token", "error_description": why},
                f'Bearer resource_metadata="{self.prm_url}", error="invalid_token", error_description="{why}"',
            )
        entry["token_client_id"] = at.client_id
        if "admin_only" in tools and "admin" not in at.scopes:
            return await self._reply(
                capture,
                403,
                {"error": "insufficient_scope", "error_description": "admin_only needs scope admin"},
                f'Bearer error="insufficient_scope", scope="{ADMIN_CHALLENGE_SCOPE}", '
                f'resource_metadata="{self.prm_url}", error_description="admin_only needs scope admin"',
            )
        scope = dict(scope)
        scope["user"] = AuthenticatedUser(at)
        scope["auth"] = AuthCredentials(at.scopes)
        return await self.inner(scope, receive, capture)


# ---------------------------------------------------------------------------------------------
# The MCP server (tools)
# ---------------------------------------------------------------------------------------------


class AddResult(BaseModel):
    sum: int


def _token_of(ctx: Context) -> AccessToken | None:
    req = ctx.request_context.request
    user = getattr(req, "scope", {}).get("user") if req is not None else None
    return user.access_token if isinstance(user, AuthenticatedUser) else None


def build_mcp(mode: str) -> MCPServer:
    server = MCPServer("latchkey-mcp-peer", version="1.0", instructions="Latchkey e2e test peer")
    low = server._lowlevel_server
    orig = low.create_initialization_options

    def init_options(notification_options=None, *a, **kw):
        return orig(notification_options or NotificationOptions(tools_changed=True), *a, **kw)

    low.create_initialization_options = init_options  # advertise tools.listChanged

    @server.tool()
    def echo(text: str) -> str:
        """Echo the text back."""
        return text

    @server.tool()
    def add(a: int, b: int) -> AddResult:
        """Add two integers; structured content {"sum": a+b}."""
        return AddResult(sum=a + b)

    @server.tool(structured_output=False)
    def pixel() -> Image:
        """A 1x1 PNG image."""
        return Image(data=PIXEL_PNG, format="png")

    @server.tool(structured_output=False)
    def whoami(ctx: Context) -> str:
        """The presented token's client_id, scopes and resource (JSON)."""
        at = _token_of(ctx)
        if at is None:
            return json.dumps({"auth": mode, "client_id": None, "scopes": [], "resource": None})
        return json.dumps(
            {
                "auth": mode,
                "client_id": at.client_id,
                "scopes": at.scopes,
                "resource": at.resource,
                "subject": at.subject,
                "expires_at": at.expires_at,
            }
        )

    @server.tool(structured_output=False)
    async def progress(ctx: Context, steps: int = 3, delay: float = 0.5) -> str:
        """Send `steps` progress notifications `delay` seconds apart, then answer "done"."""
        for i in range(steps):
            if i:
                await anyio.sleep(delay)
            await ctx.report_progress(i + 1, steps, f"step {i + 1}/{steps}")
        return "done"

    @server.tool(structured_output=False)
    async def grow(name: str, ctx: Context) -> str:
        """Add a tool called `name` (it answers "I am {name}") and send notifications/tools/list_changed."""

        def grown() -> str:
            return f"I am {name}"

        server.add_tool(grown, name=name, description=f"grown tool {name}", structured_output=False)
        await ctx.session.send_notification(types.ToolListChangedNotification(), related_request_id=ctx.request_id)
        try:
            await ctx.notify_tools_changed()  # subscriptions/listen streams (2026-07-28 clients)
        except Exception:  # noqa: BLE001
            pass
        return f"added {name}"

    @server.tool(structured_output=False)
    def admin_only(ctx: Context) -> str:
        """Needs scope admin (a 403 insufficient_scope step-up challenge otherwise, at the HTTP layer)."""
        at = _token_of(ctx)
        if mode == "oauth" and (at is None or "admin" not in at.scopes):
            raise ValueError("insufficient_scope: admin")
        return "admin ok"

    return server


# ---------------------------------------------------------------------------------------------
# The app
# ---------------------------------------------------------------------------------------------

CONSENT_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Authorize {client_name}</title></head>
<body>
<h1 id="consent-title">Authorize {client_name}?</h1>
<p id="consent-client">Client: <code>{client_id}</code></p>
<p id="consent-scopes">Scopes: <code>{scopes}</code></p>
<p id="consent-resource">Resource: <code>{resource}</code></p>
<p id="consent-redirect">Redirect: <code>{redirect_uri}</code></p>
<form id="consent-form" method="post" action="/consent">
<input type="hidden" name="tx" value="{tx}">
<button id="approve" name="decision" value="approve" type="submit">Approve</button>
<button id="deny" name="decision" value="deny" type="submit">Deny</button>
</form>
</body></html>
"""


class _Asgi:
    """Marks a plain (scope, receive, send) coroutine as an ASGI app for a Starlette Route."""

    def __init__(self, fn):
        self.fn = fn

    async def __call__(self, scope, receive, send):
        await self.fn(scope, receive, send)


def build_app(base_url: str, mode: str = "oauth") -> Starlette:
    base_url = base_url.rstrip("/")
    state = State()
    mcp_url = f"{base_url}/mcp"
    prm_url = f"{base_url}/.well-known/oauth-protected-resource/mcp"
    # AuthSettings preserves an empty path (no trailing slash): issuer == base_url exactly
    settings = AuthSettings(
        issuer_url=base_url, resource_server_url=mcp_url, validate_token_resource=True, required_scopes=None
    )
    issuer = settings.issuer_url
    server = build_mcp(mode)
    sdk_app = server.streamable_http_app(streamable_http_path="/mcp")  # no auth: we gate it ourselves
    session_manager = server.session_manager
    provider = Provider(state, base_url) if mode == "oauth" else None
    routes: list[Route] = []

    def metadata() -> dict:
        cfg = state.config
        md = build_metadata(
            issuer,
            None,
            ClientRegistrationOptions(
                enabled=bool(cfg["dcr"]), valid_scopes=SUPPORTED_SCOPES, default_scopes=SUPPORTED_SCOPES
            ),
            RevocationOptions(enabled=True),
        )
        if cfg["cimd"]:
            md.client_id_metadata_document_supported = True
        md.token_endpoint_auth_methods_supported = ["client_secret_post", "client_secret_basic", "none"]
        d = md.model_dump(mode="json", exclude_none=True)
        if cfg["issuer_override"]:
            d["issuer"] = cfg["issuer_override"]
        return d

    if provider is not None:
        sdk_routes = create_auth_routes(
            provider,
            issuer,
            client_registration_options=ClientRegistrationOptions(
                enabled=True, valid_scopes=SUPPORTED_SCOPES, default_scopes=SUPPORTED_SCOPES
            ),
            revocation_options=RevocationOptions(enabled=True),
        )
        by_path = {r.path: r for r in sdk_routes}

        async def as_metadata(request: Request) -> Response:
            if request.method == "OPTIONS":
                return Response(status_code=204, headers={"Access-Control-Allow-Origin": "*"})
            return JSONResponse(metadata(), headers={"Cache-Control": "no-store", "Access-Control-Allow-Origin": "*"})

        sdk_authorize = by_path["/authorize"].app

        async def authorize(scope, receive, send):
            """The SDK's /authorize validates and calls provider.authorize, which answers a redirect
            to our consent step; we render that consent page right here instead (200)."""
            captured: dict = {}
            parts: list = []

            async def grab(msg):
                parts.append(msg)
                if msg["type"] == "http.response.start":
                    for k, v in msg.get("headers", []):
                        if k.lower() == b"location":
                            captured["location"] = v.decode("latin-1")

            await sdk_authorize(scope, receive, grab)
            loc = captured.get("location", "")
            if loc.startswith(f"{base_url}/consent?tx="):
                tx = loc.split("tx=", 1)[1]
                p = provider.pending.get(tx)
                client = provider.clients.get(p.client_id) if p else None
                page = CONSENT_PAGE.format(
                    client_name=html.escape((client.client_name if client else None) or p.client_id),
                    client_id=html.escape(p.client_id),
                    scopes=html.escape(" ".join(p.params.scopes or [])),
                    resource=html.escape(p.params.resource or "(none)"),
                    redirect_uri=html.escape(str(p.params.redirect_uri)),
                    tx=html.escape(tx),
                )
                resp = HTMLResponse(page, headers={"Cache-Control": "no-store"})
                return await resp(scope, receive, send)
            for msg in parts:
                await send(msg)

        async def consent(request: Request) -> Response:
            if request.method == "GET":  # the redirect target, for a client that follows it
                tx = request.query_params.get("tx", "")
                p = provider.pending.get(tx)
                if p is None:
                    return HTMLResponse("<p id='consent-error'>unknown or expired request</p>", status_code=400)
                page = CONSENT_PAGE.format(
                    client_name=html.escape(p.client_id),
                    client_id=html.escape(p.client_id),
                    scopes=html.escape(" ".join(p.params.scopes or [])),
                    resource=html.escape(p.params.resource or "(none)"),
                    redirect_uri=html.escape(str(p.params.redirect_uri)),
                    tx=html.escape(tx),
                )
                return HTMLResponse(page, headers={"Cache-Control": "no-store"})
            form = await request.form()
            decision = form.get("decision")
            if decision not in ("approve", "deny"):
                return HTMLResponse("<p id='consent-error'>decision must be approve or deny</p>", status_code=400)
            loc = provider.decide(str(form.get("tx", "")), decision == "approve")
            if loc is None:
                return HTMLResponse("<p id='consent-error'>unknown or expired request</p>", status_code=400)
            return RedirectResponse(loc, status_code=302, headers={"Cache-Control": "no-store"})

        sdk_register = by_path["/register"].app

        async def register(scope, receive, send):
            if not state.config["dcr"]:
                return await Response(status_code=404)(scope, receive, send)
            return await sdk_register(scope, receive, send)

        routes += [
            Route("/.well-known/oauth-authorization-server", as_metadata, methods=["GET", "OPTIONS"]),
            Route("/.well-known/openid-configuration", as_metadata, methods=["GET", "OPTIONS"]),
            Route("/authorize", _Asgi(authorize), methods=["GET", "POST"]),
            Route("/consent", consent, methods=["GET", "POST"]),
            Route("/register", _Asgi(register), methods=["POST", "OPTIONS"]),
            by_path["/token"],
            by_path["/revoke"],
        ]
        prm = ProtectedResourceMetadata(
            resource=settings.resource_server_url,
            authorization_servers=[issuer],
            scopes_supported=SUPPORTED_SCOPES,
            resource_name="Latchkey MCP test peer",
        )
        prm_handler = ProtectedResourceMetadataHandler(prm)
        routes += [
            Route("/.well-known/oauth-protected-resource/mcp", prm_handler.handle, methods=["GET"]),
            Route("/.well-known/oauth-protected-resource", prm_handler.handle, methods=["GET"]),
        ]

    gate = McpGate(StreamableHTTPASGIApp(session_manager), state, mode, provider, mcp_url, prm_url)
    routes.append(Route("/mcp", gate, methods=["GET", "POST", "DELETE"]))

    # ---- control API -----------------------------------------------------------------------
    async def control_config(request: Request) -> Response:
        if request.method == "POST":
            try:
                body = await request.json()
            except ValueError:
                return JSONResponse({"error": "body must be JSON"}, status_code=400)
            unknown = sorted(set(body) - set(DEFAULTS))
            if unknown:
                return JSONResponse(
                    {"error": f"unknown knob(s): {unknown}", "knobs": sorted(DEFAULTS)}, status_code=400
                )
            state.config.update(body)
        return JSONResponse(state.config)

    async def control_reset(request: Request) -> Response:
        state.reset()
        return JSONResponse(state.config)

    async def control_revoke_all(request: Request) -> Response:
        return JSONResponse(provider.revoke_all() if provider else {})

    async def control_expire_all(request: Request) -> Response:
        return JSONResponse(provider.expire_all() if provider else {})

    async def control_log(request: Request) -> Response:
        return JSONResponse(copy.deepcopy(state.as_log))

    async def control_mcp_log(request: Request) -> Response:
        return JSONResponse(copy.deepcopy(state.mcp_log))

    async def control_stats(request: Request) -> Response:
        return JSONResponse(state.stats_json())

    async def control_info(request: Request) -> Response:
        return JSONResponse(
            {
                "url": base_url,
                "mcp_url": mcp_url,
                "issuer": str(issuer),
                "auth": mode,
                "prm_url": prm_url if provider else None,
                "clients": sorted(provider.clients) if provider else [],
                "access_tokens": len(provider.access) if provider else 0,
                "refresh_tokens": len(provider.refresh) if provider else 0,
            }
        )

    routes += [
        Route("/_control/config", control_config, methods=["GET", "POST"]),
        Route("/_control/reset", control_reset, methods=["POST"]),
        Route("/_control/revoke_all", control_revoke_all, methods=["POST"]),
        Route("/_control/expire_all", control_expire_all, methods=["POST"]),
        Route("/_control/log", control_log, methods=["GET"]),
        Route("/_control/mcp_log", control_mcp_log, methods=["GET"]),
        Route("/_control/stats", control_stats, methods=["GET"]),
        Route("/_control/info", control_info, methods=["GET"]),
    ]

    app = Starlette(routes=routes, lifespan=lambda _app: session_manager.run())
    app.add_middleware(ASLogMiddleware, state=state)
    app.state.peer = {"state": state, "provider": provider, "issuer": str(issuer), "sdk_app": sdk_app}
    return app
