"""Clients of a running server: the management API (`Api`, Bearer lku_…), an agent (`Agent`, Bearer lka_…)
and a signed-in dashboard cookie jar."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

import requests

from .assertions import describe_response

if TYPE_CHECKING:
    from .server import Latchkey


@dataclass
class Captured:
    what: str
    status: int
    body: bytes


class Api:
    """Management API client (Bearer lku_…); records every response body."""

    def __init__(
        self,
        lk: "Latchkey",
        token: Optional[str],
        label: str = "api",
        email: Optional[str] = None,
        password: Optional[str] = None,
    ):
        self.lk = lk
        self.token = token
        self.label = label
        # The user's dashboard sign-in, for what only a signed-in browser may do (opening a consent start link).
        self.email = email
        self.password = password
        self.session = requests.Session()

    def request(
        self, method: str, path: str, *, headers: Optional[dict] = None, auth: bool = True, timeout: float = 60, **kw
    ) -> requests.Response:
        h = dict(headers or {})
        if auth and self.token and "Authorization" not in h:
            h["Authorization"] = f"Bearer {self.token}"
        resp = self.session.request(method, self.lk.url(path), headers=h, timeout=timeout, allow_redirects=False, **kw)
        self.lk.record(f"{self.label} {method} {path}", resp.status_code, resp.content)
        return resp

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def put(self, path, **kw):
        return self.request("PUT", path, **kw)

    def patch(self, path, **kw):
        return self.request("PATCH", path, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    # -- convenience, asserting success --------------------------------------------------

    def create_credential(self, provider: str, fields: dict, name: Optional[str] = None) -> dict:
        name = name or f"{provider} {os.urandom(4).hex()}"
        r = self.post("/api/v1/credentials", json={"provider": provider, "name": name, "fields": fields})
        assert r.status_code == 201, f"create credential {provider}: {describe_response(r)}"
        return r.json()

    def create_group(self, name: Optional[str] = None) -> dict:
        r = self.post("/api/v1/groups", json={"name": name or f"group-{os.urandom(4).hex()}"})
        assert r.status_code == 201, f"create group: {describe_response(r)}"
        return r.json()

    def create_key(self, group_id: str) -> dict:
        r = self.post(f"/api/v1/groups/{group_id}/keys")
        assert r.status_code == 201, f"create agent key: {describe_response(r)}"
        body = r.json()
        assert str(body.get("key", "")).startswith("lka_"), f"agent key shape: {body}"
        return body

    def bind(self, group_id: str, provider: str, credential_id: str) -> dict:
        r = self.put(f"/api/v1/groups/{group_id}/bindings/{provider}", json={"credential_id": credential_id})
        assert r.status_code == 200, f"bind {provider}: {describe_response(r)}"
        return r.json()

    def credentials(self) -> list:
        r = self.get("/api/v1/credentials")
        assert r.status_code == 200, describe_response(r)
        return r.json()["credentials"]

    def groups(self) -> list:
        r = self.get("/api/v1/groups")
        assert r.status_code == 200, describe_response(r)
        return r.json()["groups"]

    def agent_for(self, bindings: dict[str, dict], group_name: Optional[str] = None) -> "Agent":
        """Create a group, bind {provider: credential_record}, create a key: an Agent."""
        g = self.create_group(group_name)
        for provider, cred in bindings.items():
            self.bind(g["id"], provider, cred["id"])
        k = self.create_key(g["id"])
        return Agent(self.lk, k["key"], group_id=g["id"], key_id=k["id"])


def _chunks(body: bytes):
    """A generator, so that `requests` sends the body with Transfer-Encoding: chunked (none for an empty body)."""
    if body:
        yield body


class Agent:
    #: "plain": bodies as given (none, or with Content-Length); "chunked": every call sends its body, even an empty
    #: one, with Transfer-Encoding: chunked, which the Hummingbird proxy path serves instead of the event-loop one.
    framing = "plain"

    def __init__(self, lk: "Latchkey", key: Optional[str], group_id: str = "", key_id: str = ""):
        self.lk = lk
        self.key = key
        self.group_id = group_id
        self.key_id = key_id
        self.session = requests.Session()

    def request(
        self, method: str, provider: str, path: str = "", *, headers: Optional[dict] = None, timeout: float = 60, **kw
    ) -> requests.Response:
        h = dict(headers or {})
        if self.key and "Authorization" not in h:
            h["Authorization"] = f"Bearer {self.key}"
        url = self.lk.url(f"/v1/proxy/{provider}/{path.lstrip('/')}")
        if self.framing == "chunked":
            if "json" in kw:
                h.setdefault("Content-Type", "application/json")
                kw["data"] = json.dumps(kw.pop("json")).encode()
            data = kw.get("data") or b""
            kw["data"] = _chunks(data.encode() if isinstance(data, str) else data)
        resp = self.session.request(method, url, headers=h, timeout=timeout, allow_redirects=False, **kw)
        if not kw.get("stream"):
            self.lk.record(f"agent {method} {provider}/{path}", resp.status_code, resp.content)
        return resp

    def get(self, provider, path="", **kw):
        return self.request("GET", provider, path, **kw)

    def post(self, provider, path="", **kw):
        return self.request("POST", provider, path, **kw)

    def tools(self) -> requests.Response:
        h = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        resp = self.session.get(self.lk.url("/v1/tools"), headers=h, timeout=30)
        self.lk.record("agent GET /v1/tools", resp.status_code, resp.content)
        return resp


def signed_in_browser(lk: "Latchkey", email: str, password: str) -> requests.Session:
    """A cookie jar signed in to the dashboard as `email` (through the real sign-in form and its CSRF token)."""
    s = requests.Session()
    r = s.get(lk.url("/login"), timeout=30)
    m = re.search(r'name="csrf" value="([^"]+)"', r.text)
    assert r.status_code == 200 and m, f"GET /login: {describe_response(r)}"
    r = s.post(
        lk.url("/login"),
        data={"csrf": m.group(1), "email": email, "password": password, "next": "/credentials"},
        allow_redirects=False,
        timeout=60,
    )
    assert r.status_code == 303 and "lk_session" in s.cookies, f"sign-in as {email}: {describe_response(r)}"
    return s
