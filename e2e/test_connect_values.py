"""Values learnt at connect time (issue 17, item 3): a provider file declares where each value comes
from (`auth.connect_values`) and uses it as `{{name}}`. Against a loopback fake of every shape: the
callback's query (QuickBooks `realmId`), the token response, and one follow-up GET with the new token,
answering an object (Mailchimp's metadata), an array (Xero's connections, Atlassian's accessible
resources) or an array searched for its default element (DocuSign's userinfo). A follow-up that fails
or answers a value not matching its pattern fails the connect, and nothing is stored.

A credential stored without a value a follow-up GET can learn (connected before the value was declared, or
imported without it) learns it on its first proxied call, once for concurrent calls, and keeps it.

The shipped files of QuickBooks, Mailchimp, DocuSign, Xero and Jira are loaded with every https URL
pointed at the fake (`https://host/x` -> `http://127.0.0.1:PORT/host/x`), so their declarations are
what is tested.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from harness import REPO_ROOT, Latchkey, describe_response, expect_error, signed_in_browser
from oauth_helpers import page_result

TENANT_1 = "5a3e9e2b-1f0c-4c55-9a1e-0d6f3c2b9a01"
TENANT_2 = "7b4f0f3c-2a1d-4d66-8b2f-1e7a4d3cab02"
CLOUD_ID = "1324a887-45db-1bf4-1e99-ef0ff456d421"
DOCUSIGN_DEFAULT = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"
DOCUSIGN_OTHER = "11111111-2222-4333-8444-555555555555"


class FakeProvider:
    """One loopback server standing in for every provider: a token endpoint (any POST), the follow-up
    endpoints of the shipped files, and an echo of everything else (the proxied API)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.answers: dict[str, tuple[int, object]] = {}
        self.token_extra: dict = {}
        self.delays: dict[str, float] = {}
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status: int, body: object):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode())
                fake.requests.append({"method": "POST", "path": self.path, "headers": dict(self.headers), "form": form})
                grant = (form.get("grant_type") or [""])[0]
                body = {
                    "access_token": f"at-{uuid.uuid4().hex}",
                    "refresh_token": f"rt-{uuid.uuid4().hex}",
                    "token_type": "Bearer",
                    "expires_in": 3600,
                }
                if grant == "authorization_code":
                    body.update(fake.token_extra)
                self._send(200, body)

            def do_GET(self):
                path = urlsplit(self.path).path
                fake.requests.append({"method": "GET", "path": self.path, "headers": dict(self.headers)})
                time.sleep(fake.delays.get(path, 0))
                if path in fake.answers:
                    status, body = fake.answers[path]
                    self._send(status, body)
                else:
                    self._send(200, {"echo": self.path, "headers": dict(self.headers)})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.origin = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.reset()

    def reset(self):
        self.requests.clear()
        self.token_extra = {}
        self.delays = {}
        self.answers = {
            "/login.mailchimp.com/oauth2/metadata": (
                200,
                {
                    "dc": "us21",
                    "role": "owner",
                    "accountname": "Acme",
                    "api_endpoint": "https://us21.api.mailchimp.com",
                },
            ),
            "/api.xero.com/connections": (
                200,
                [
                    {"id": "c1", "tenantId": TENANT_1, "tenantType": "ORGANISATION", "tenantName": "Acme Ltd"},
                    {"id": "c2", "tenantId": TENANT_2, "tenantType": "ORGANISATION", "tenantName": "Other Ltd"},
                ],
            ),
            "/api.atlassian.com/oauth/token/accessible-resources": (
                200,
                [{"id": CLOUD_ID, "url": "https://acme.atlassian.net", "name": "acme", "scopes": ["read:jira-work"]}],
            ),
            "/account.docusign.com/oauth/userinfo": (
                200,
                {
                    "sub": "u-1",
                    "accounts": [
                        {
                            "account_id": DOCUSIGN_OTHER,
                            "is_default": False,
                            "account_name": "Old",
                            "base_uri": "https://na1.docusign.net",
                        },
                        {
                            "account_id": DOCUSIGN_DEFAULT,
                            "is_default": True,
                            "account_name": "Acme",
                            "base_uri": "https://na3.docusign.net",
                        },
                    ],
                },
            ),
        }

    def gets(self, path: str) -> list[dict]:
        return [r for r in self.requests if r["method"] == "GET" and urlsplit(r["path"]).path == path]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def pointed_at(fake: FakeProvider, provider_id: str) -> str:
    """A shipped provider file with every literal https URL moved onto the fake."""
    text = (REPO_ROOT / "providers" / f"{provider_id}.yaml").read_text()
    return re.sub(r"https://([a-z0-9.-]+)", lambda m: f"{fake.origin}/{m.group(1)}", text)


def own_provider(fake: FakeProvider, values: str) -> str:
    """A provider of the test's own whose base URL ends in the learnt `{{org}}`."""
    return f"""name: Connect values test
auth:
  mode: oauth2
  authorization_url: {fake.origin}/authorize
  token_url: {fake.origin}/token
  pkce: false
  connect_values:
{values}
proxy:
  base_url: {fake.origin}/api/{{{{org}}}}
"""


@pytest.fixture(scope="module")
def fake():
    f = FakeProvider()
    yield f
    f.close()


@pytest.fixture(scope="module")
def lk(fake, tmp_path_factory):
    providers = {
        pid: pointed_at(fake, pid) for pid in ("quickbooks", "mailchimp", "docusign", "xero", "atlassian", "jira")
    }
    providers["from-token"] = own_provider(
        fake, '    - {name: org, from: token_response, path: "org.id", pattern: "^o-[0-9]+$"}'
    )
    providers["failing-get"] = own_provider(
        fake, f'    - {{name: org, from: request, url: "{fake.origin}/broken", path: id}}'
    )
    providers["silent-get"] = own_provider(
        fake, '    - {name: org, from: request, url: "http://127.0.0.1:9/nothing", path: id}'
    )
    server = Latchkey(
        tmp_path_factory.mktemp("connect-values"),
        providers,
        {"LATCHKEY_REFRESH_INTERVAL": "0", "LATCHKEY_PROVIDERS_DIR": str(tmp_path_factory.mktemp("no-builtin"))},
    )
    server.start()
    for pid in providers:
        r = server.admin.put(
            f"/api/v1/oauth-apps/{pid}", json={"client_id": f"client-{pid}", "client_secret": f"secret-{pid}"}
        )
        assert r.status_code == 200, f"PUT oauth-app {pid}: {describe_response(r)}"
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def fresh(fake, lk, request):
    fake.reset()
    request.node._latchkey_envs = getattr(request.node, "_latchkey_envs", []) + [type("E", (), {"servers": [lk]})()]


def connect(lk: Latchkey, provider: str, body: dict | None = None, **callback_extra) -> requests.Response:
    """Starts a connect through the API and the start link (in a signed-in browser), then lands on the
    callback as the provider would send the browser back, with a code and `callback_extra`."""
    admin = lk.admin
    r = admin.post(f"/api/v1/oauth/{provider}/authorize", json=body or {"name": f"{provider} {uuid.uuid4().hex[:6]}"})
    assert r.status_code == 200, f"authorize: {describe_response(r)}"
    browser = signed_in_browser(lk, admin.email, admin.password)
    r = browser.get(r.json()["authorization_url"], allow_redirects=False, timeout=60)
    assert r.status_code == 302, f"start link: {describe_response(r)}"
    consent = parse_qs(urlsplit(r.headers["Location"]).query)
    query = urlencode({"code": "c-" + uuid.uuid4().hex, "state": consent["state"][0], **callback_extra})
    return requests.get(
        consent["redirect_uri"][0] + "?" + query,
        cookies={"lk_oauth": browser.cookies.get("lk_oauth")},
        allow_redirects=False,
        timeout=60,
    )


def connected(lk: Latchkey, provider: str, **callback_extra) -> dict:
    before = {c["id"] for c in lk.admin.credentials()}
    r = connect(lk, provider, **callback_extra)
    ok, title = page_result(r)
    assert r.status_code == 200 and ok is True, f"callback: {describe_response(r)}"
    [cred] = [c for c in lk.admin.credentials() if c["id"] not in before]
    assert cred["provider"] == provider, cred
    return cred


def refused(lk: Latchkey, provider: str, **callback_extra) -> str:
    before = lk.admin.credentials()
    r = connect(lk, provider, **callback_extra)
    ok, title = page_result(r)
    assert r.status_code == 502 and ok is False, f"callback: {describe_response(r)}"
    assert lk.admin.credentials() == before, "a failed connect must store nothing"
    return r.text


def proxied(lk: Latchkey, fake: FakeProvider, provider: str, cred: dict, path: str) -> dict:
    """A proxied GET through an agent bound to `cred`: what reached the fake (path and headers)."""
    agent = lk.admin.agent_for({provider: cred})
    fake.requests.clear()
    r = agent.get(provider, path)
    assert r.status_code == 200, describe_response(r)
    [seen] = [q for q in fake.requests if q["method"] == "GET"]
    return {"path": seen["path"], "headers": {k.lower(): v for k, v in seen["headers"].items()}}


def test_quickbooks_realm_id_comes_from_the_callback_and_fills_the_base_url(lk, fake):
    cred = connected(lk, "quickbooks", realmId="9130354321")
    assert cred["fields"].get("realm_id") == "9130354321", cred
    seen = proxied(lk, fake, "quickbooks", cred, "companyinfo/9130354321")
    assert seen["path"] == "/quickbooks.api.intuit.com/v3/company/9130354321/companyinfo/9130354321", seen


def test_quickbooks_without_or_with_a_bad_realm_id_is_refused(lk, fake):
    assert "realm_id" in refused(lk, "quickbooks")
    refused(lk, "quickbooks", realmId="../../admin")


def test_a_value_in_the_token_response_is_learnt_and_kept_on_refresh(lk, fake):
    fake.token_extra = {"org": {"id": "o-42"}}
    cred = connected(lk, "from-token")
    assert cred["fields"].get("org") == "o-42", cred
    r = lk.admin.post(f"/api/v1/credentials/{cred['id']}/refresh")
    assert r.status_code == 200, describe_response(r)
    assert r.json()["credential"]["fields"].get("org") == "o-42", "a refresh answer without the value keeps it"
    assert proxied(lk, fake, "from-token", cred, "x")["path"] == "/api/o-42/x"


def test_a_token_response_value_not_matching_its_pattern_is_refused(lk, fake):
    fake.token_extra = {"org": {"id": "evil.example"}}
    refused(lk, "from-token")


def test_mailchimp_data_center_comes_from_the_metadata_object(lk, fake):
    cred = connected(lk, "mailchimp")
    assert cred["fields"].get("dc") == "us21", cred
    [metadata] = fake.gets("/login.mailchimp.com/oauth2/metadata")
    assert metadata["headers"].get("Authorization", "").startswith("OAuth at-"), metadata


def test_xero_tenant_id_comes_from_the_first_connection_and_is_injected(lk, fake):
    cred = connected(lk, "xero")
    assert cred["fields"].get("tenant_id") == TENANT_1, cred
    seen = proxied(lk, fake, "xero", cred, "api.xro/2.0/Organisation")
    assert seen["path"] == "/api.xero.com/api.xro/2.0/Organisation", seen
    assert seen["headers"].get("xero-tenant-id") == TENANT_1, seen
    assert seen["headers"].get("authorization", "").startswith("Bearer at-"), seen


def test_jira_cloud_id_comes_from_accessible_resources_and_fills_the_base_url(lk, fake):
    cred = connected(lk, "jira")
    assert cred["fields"].get("cloud_id") == CLOUD_ID, cred
    seen = proxied(lk, fake, "jira", cred, "rest/api/3/myself")
    assert seen["path"] == f"/api.atlassian.com/ex/jira/{CLOUD_ID}/rest/api/3/myself", seen


def test_docusign_takes_the_default_account_from_one_userinfo_answer(lk, fake):
    cred = connected(lk, "docusign")
    assert cred["fields"].get("account_id") == DOCUSIGN_DEFAULT, cred
    assert cred["fields"].get("base_uri") == "https://na3.docusign.net", cred
    assert len(fake.gets("/account.docusign.com/oauth/userinfo")) == 1, "two values of one answer share one request"


def test_a_value_not_matching_its_pattern_fails_the_connect(lk, fake):
    fake.answers["/login.mailchimp.com/oauth2/metadata"] = (200, {"dc": "us21.attacker.example"})
    page = refused(lk, "mailchimp")
    assert "dc" in page and "us21.attacker.example" not in page


def test_an_array_answer_without_an_element_fails_the_connect(lk, fake):
    fake.answers["/api.atlassian.com/oauth/token/accessible-resources"] = (200, [])
    refused(lk, "jira")


def test_a_follow_up_that_fails_or_never_answers_fails_the_connect(lk, fake):
    fake.answers["/broken"] = (500, {"error": "server_error"})
    assert "HTTP 500" in refused(lk, "failing-get")
    fake.answers["/api.xero.com/connections"] = (401, {"Title": "Unauthorized"})
    refused(lk, "xero")
    refused(lk, "silent-get")


def test_reconnecting_learns_the_value_again(lk, fake):
    cred = connected(lk, "xero")
    fake.answers["/api.xero.com/connections"] = (200, [{"id": "c2", "tenantId": TENANT_2}])
    r = connect(lk, "xero", {"credential_id": cred["id"]})
    assert page_result(r)[0] is True, describe_response(r)
    again = lk.admin.get(f"/api/v1/credentials/{cred['id']}").json()
    assert again["fields"].get("tenant_id") == TENANT_2, again


def test_imported_tokens_carry_their_connect_values_checked_like_learnt_ones(lk, fake):
    def post(fields: dict) -> requests.Response:
        return lk.admin.post(
            "/api/v1/credentials",
            json={
                "provider": "quickbooks",
                "name": f"imported {uuid.uuid4().hex[:6]}",
                "fields": {"access_token": "at-imported", **fields},
            },
        )

    expect_error(post({}), 400, "validation_failed", "fields.realm_id")
    expect_error(post({"realm_id": "../admin"}), 400, "validation_failed", "fields.realm_id")
    r = post({"realm_id": "4620816365"})
    assert r.status_code == 201, describe_response(r)
    cred = r.json()
    assert cred["fields"].get("realm_id") == "4620816365", cred
    assert (
        proxied(lk, fake, "quickbooks", cred, "companyinfo/1")["path"]
        == "/quickbooks.api.intuit.com/v3/company/4620816365/companyinfo/1"
    )


def imported(lk: Latchkey, provider: str, **fields) -> dict:
    """A credential stored without its learnable connect values, as one connected before they were declared."""
    r = lk.admin.post(
        "/api/v1/credentials",
        json={
            "provider": provider,
            "name": f"older {uuid.uuid4().hex[:6]}",
            "fields": {"access_token": f"at-older-{uuid.uuid4().hex}", **fields},
        },
    )
    assert r.status_code == 201, describe_response(r)
    return r.json()


def stored_fields(lk: Latchkey, cred: dict) -> dict:
    r = lk.admin.get(f"/api/v1/credentials/{cred['id']}")
    assert r.status_code == 200, describe_response(r)
    return r.json()


def tenant_ids_sent(fake: FakeProvider) -> list:
    """The `xero-tenant-id` of every call that reached Xero's API (the agent sees it scrubbed)."""
    return [
        {k.lower(): v for k, v in q["headers"].items()}.get("xero-tenant-id")
        for q in fake.requests
        if q["method"] == "GET" and "/api.xro/" in q["path"]
    ]


def test_a_credential_without_its_tenant_id_learns_it_once_on_its_first_calls(lk, fake):
    cred = imported(lk, "xero")
    assert "tenant_id" not in cred["fields"], cred
    agent = lk.admin.agent_for({"xero": cred})
    fake.delays["/api.xero.com/connections"] = 0.5
    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(lambda _: agent.get("xero", "api.xro/2.0/Organisation"), range(10)))
    for r in answers:
        assert r.status_code == 200, describe_response(r)
    assert tenant_ids_sent(fake) == [TENANT_1] * 10
    learnings = fake.gets("/api.xero.com/connections")
    assert len(learnings) == 1, f"10 concurrent first calls must learn once, saw {len(learnings)} follow-up requests"
    assert learnings[0]["headers"].get("Authorization", "").startswith("Bearer at-older-"), learnings[0]
    assert stored_fields(lk, cred)["fields"].get("tenant_id") == TENANT_1

    fake.requests.clear()
    r = agent.get("xero", "api.xro/2.0/Organisation")
    assert r.status_code == 200, describe_response(r)
    assert tenant_ids_sent(fake) == [TENANT_1]
    assert fake.gets("/api.xero.com/connections") == [], "the stored value is reused"


def test_a_learnt_cloud_id_fills_the_base_url_on_the_first_call(lk, fake):
    cred = imported(lk, "jira")
    r = lk.admin.agent_for({"jira": cred}).get("jira", "rest/api/3/myself")
    assert r.status_code == 200, describe_response(r)
    assert r.json()["echo"] == f"/api.atlassian.com/ex/jira/{CLOUD_ID}/rest/api/3/myself", r.json()
    assert stored_fields(lk, cred)["fields"].get("cloud_id") == CLOUD_ID


def test_a_learning_the_provider_refuses_answers_the_reconnect_link_and_stores_nothing(lk, fake):
    cred = imported(lk, "xero")
    fake.answers["/api.xero.com/connections"] = (403, {"Title": "Forbidden"})
    r = lk.admin.agent_for({"xero": cred}).get("xero", "api.xro/2.0/Organisation")
    err = expect_error(r, 424, "credential_needs_reauth")
    assert err.get("setup_url", "").endswith(f"/credentials/{cred['id']}/reconnect"), err
    assert not [q for q in fake.requests if "/api.xro/" in q["path"]], (
        "the call must not reach the API without the value"
    )
    stored = stored_fields(lk, cred)
    assert "tenant_id" not in stored["fields"] and stored["status"] == "active", stored


def test_a_learning_that_fails_for_now_answers_502_and_is_tried_again(lk, fake):
    cred = imported(lk, "xero")
    agent = lk.admin.agent_for({"xero": cred})
    fake.answers["/api.xero.com/connections"] = (503, {"Title": "Service Unavailable"})
    expect_error(agent.get("xero", "api.xro/2.0/Organisation"), 502, "upstream_unreachable")
    stored = stored_fields(lk, cred)
    assert "tenant_id" not in stored["fields"] and stored["status"] == "active", (
        "a passing failure stores nothing and needs no reconnect"
    )
    fake.reset()
    r = agent.get("xero", "api.xro/2.0/Organisation")
    assert r.status_code == 200, describe_response(r)
    assert tenant_ids_sent(fake) == [TENANT_1] and stored_fields(lk, cred)["fields"].get("tenant_id") == TENANT_1


def test_an_mcp_tool_call_learns_the_missing_value_too(lk, fake):
    cred = imported(lk, "xero")
    agent = lk.admin.agent_for({"xero": cred})
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {"name": "xero_list_connections", "arguments": {}},
    }
    r = requests.post(
        lk.url("/mcp"),
        json=body,
        timeout=60,
        headers={"Authorization": f"Bearer {agent.key}", "Accept": "application/json, text/event-stream"},
    )
    assert r.status_code == 200, describe_response(r)
    assert r.json().get("result", {}).get("isError") is False, r.json()
    learning, tool_call = fake.gets("/api.xero.com/connections")
    assert {k.lower(): v for k, v in tool_call["headers"].items()}.get("xero-tenant-id") == TENANT_1, tool_call
    assert "xero-tenant-id" not in {k.lower() for k in learning["headers"]}, "the learning request is the connect's own"
    assert stored_fields(lk, cred)["fields"].get("tenant_id") == TENANT_1
