"""schemathesis against a live server with the server's own OpenAPI document (/api/v1/openapi.json).

Every operation, positive and negative data, with the checks not_a_server_error, response_schema_conformance,
status_code_conformance, content_type_conformance and no_stored_secret (openapi_fuzz_hooks.py: no response carries
the credential's API key, the OAuth app's client secret or the user's password). Bounded (few examples per
operation) and deterministic (a fixed seed). Failures it finds are fixed in the server or the document, never
excluded.

Excluded from fuzzing, and only from fuzzing: the agent proxy catch-all `/v1/proxy/{provider}/{path}`. It forwards
whatever it gets to the provider by design, so its answers are the provider's (documented as `default`); its own
refusals are covered by test_agent_errors.py, test_proxy_*.py and test_bad_input.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import requests

E2E = Path(__file__).resolve().parent
SEED = 20261202
MAX_EXAMPLES = 20
# unsupported_method beside the four asked for: a known path answers any other method with 405 and `Allow`, as the
# document says.
CHECKS = [
    "not_a_server_error",
    "response_schema_conformance",
    "status_code_conformance",
    "content_type_conformance",
    "unsupported_method",
    "no_stored_secret",
]


def test_the_document_is_served_without_authentication(latchkey):
    r = requests.get(latchkey.url("/api/v1/openapi.json"), timeout=10)
    assert r.status_code == 200, r.text[:300]
    assert r.headers["content-type"].startswith("application/json")
    document = r.json()
    assert document["openapi"] == "3.1.0"
    assert "/api/v1/credentials" in document["paths"] and "/mcp" in document["paths"]


def test_schemathesis_finds_nothing(latchkey, tmp_path):
    admin = latchkey.admin
    api_key = "fuzz-" + os.urandom(16).hex()
    client_secret = "fuzz-client-secret-" + os.urandom(16).hex()
    credential = admin.create_credential("echo", {"api_key": api_key}, name="fuzzed")
    # Two groups: the agent interface is fuzzed with the key of one, the management API on the other (whose budget,
    # bindings and keys the fuzzing may change; a past `expires_at` there would stop that group's keys).
    agent = admin.agent_for({"echo": credential}, group_name="agents")
    managed = admin.agent_for({"echo": credential}, group_name="managed")
    # An OAuth provider of the shipped catalog (which the e2e servers load beside their test providers).
    r = admin.put("/api/v1/oauth-apps/airtable", json={"client_id": "fuzz-client", "client_secret": client_secret})
    assert r.status_code == 200, r.text
    # A pending approval request: a binding whose rule wants approval for DELETE, and an agent's DELETE.
    gated = admin.create_credential("echo-two", {"api_key": "fuzz-" + os.urandom(16).hex()}, name="gated")
    r = admin.put(
        f"/api/v1/groups/{managed.group_id}/bindings/echo-two",
        json={"credential_id": gated["id"], "policy": {"approve": [{"methods": ["DELETE"]}]}},
    )
    assert r.status_code == 200, r.text
    assert managed.request("DELETE", "echo-two", "/things/1").json()["error"]["code"] == "approval_required"
    approvals = admin.get("/api/v1/approvals").json()["approvals"]
    assert len(approvals) == 1, approvals
    assert agent.tools().status_code == 200

    # The document as the server serves it, from a file: schemathesis leaves the endpoint it loaded the document from
    # out of the run, and this one must be fuzzed too.
    document = tmp_path / "openapi.json"
    r = requests.get(latchkey.url("/api/v1/openapi.json"), timeout=10)
    assert r.status_code == 200, r.text[:300]
    document.write_bytes(r.content)

    seen = tmp_path / "seen.txt"
    group = {"id": managed.group_id, "keyId": managed.key_id, "provider": "echo"}
    env = dict(os.environ)
    env.update(
        {
            "SCHEMATHESIS_HOOKS": str(E2E / "openapi_fuzz_hooks.py"),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(E2E), env.get("PYTHONPATH")])),
            "LATCHKEY_FUZZ_SECRETS": json.dumps(
                {"api key": api_key, "client secret": client_secret, "password": latchkey.ADMIN_PASSWORD}
            ),
            "LATCHKEY_FUZZ_TOKENS": json.dumps({"user": admin.token, "agent": agent.key}),
            "LATCHKEY_FUZZ_IDS": json.dumps(
                {
                    "/api/v1/credentials/": {"id": credential["id"]},
                    "/api/v1/groups/": group,
                    "/api/v1/approvals/": {"id": approvals[0]["id"]},
                    "/api/v1/providers/": {"id": "echo"},
                    "/api/v1/oauth/": {"provider": "airtable"},
                    "/api/v1/oauth-apps/": {"provider": "airtable"},
                }
            ),
            "LATCHKEY_FUZZ_SEEN": str(seen),
        }
    )
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        str(document),
        "--url",
        latchkey.public_url,
        "--checks",
        ",".join(CHECKS),
        "--mode",
        "all",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        str(SEED),
        "--generation-database",
        "none",
        "--workers",
        "1",
        "--exclude-path-regex",
        "^/v1/proxy/",
        "--request-timeout",
        "30",
        "--no-color",
    ]
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"schemathesis failed (exit {done.returncode}):\n{output[-20000:]}"
    # Every operation was called (and every response went through the secret check), and reached past its 401.
    checked = [line.split(" ") for line in (seen.read_text().splitlines() if seen.exists() else [])]
    operations = {
        f"{method.upper()} {path}"
        for path, item in r.json()["paths"].items()
        for method in item
        if method in ("get", "put", "post", "delete", "options", "head", "patch", "trace")
        and not path.startswith("/v1/proxy/")
    }
    called = {f"{method} {path}" for method, path, _ in checked}
    assert operations <= called, f"not called: {sorted(operations - called)}\n{output[-5000:]}"
    authorized = {f"{method} {path}" for method, path, status in checked if status != "401"}
    assert operations <= authorized, f"only ever 401: {sorted(operations - authorized)}"
