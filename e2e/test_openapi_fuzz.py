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
MAX_EXAMPLES = 8
CHECKS = ["not_a_server_error", "response_schema_conformance", "status_code_conformance", "content_type_conformance",
          "no_stored_secret"]


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
    agent = admin.agent_for({"echo": credential}, group_name="fuzzed")
    r = admin.put("/api/v1/oauth-apps/fakeoauth", json={"client_id": "fuzz-client", "client_secret": client_secret})
    assert r.status_code in (200, 404), r.text  # 404 when the e2e catalog has no such OAuth provider
    assert agent.tools().status_code == 200

    seen = tmp_path / "seen.txt"
    env = dict(os.environ)
    env.update({
        "SCHEMATHESIS_HOOKS": str(E2E / "openapi_fuzz_hooks.py"),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(E2E), env.get("PYTHONPATH")])),
        "LATCHKEY_FUZZ_SECRETS": json.dumps({"api key": api_key, "client secret": client_secret,
                                             "password": latchkey.ADMIN_PASSWORD}),
        "LATCHKEY_FUZZ_SEEN": str(seen),
    })
    command = [
        sys.executable, "-m", "schemathesis.cli", "run", latchkey.url("/api/v1/openapi.json"),
        "--url", latchkey.public_url,
        "--header", f"Authorization: Bearer {admin.token}",
        "--checks", ",".join(CHECKS),
        "--mode", "all",
        "--max-examples", str(MAX_EXAMPLES),
        "--seed", str(SEED),
        "--generation-deterministic",
        "--generation-database", "none",
        "--workers", "1",
        "--exclude-path", "/v1/proxy/{provider}/{path}",
        "--request-timeout", "30",
        "--no-color",
        "--report", "junit",
        "--report-dir", str(tmp_path / "report"),
    ]
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"schemathesis failed (exit {done.returncode}):\n{output[-20000:]}"
    checked = seen.read_text().splitlines() if seen.exists() else []
    assert len(checked) > 50, f"the secret check saw {len(checked)} responses:\n{output[-5000:]}"
    assert any("/api/v1/credentials" in line for line in checked)
