"""schemathesis hooks for test_openapi_fuzz.py (loaded through SCHEMATHESIS_HOOKS).

* Authentication per operation: the agent interface (`/v1/…`, `/mcp…`) gets the agent key, the management API the
  user token (LATCHKEY_FUZZ_TOKENS), so every operation is reached past its 401.
* Real records: about half of the generated path parameters are swapped for ids the test made (LATCHKEY_FUZZ_IDS), so
  operations answer from real records rather than only 404. The swap is decided by the generated value itself, so a
  seeded run stays deterministic. DELETE keeps what was generated: the records must live through the run.
* `no_stored_secret`: no response, headers or body, carries a secret the test stored (LATCHKEY_FUZZ_SECRETS), in any
  encoding that harness.secret_encodings knows. Every response checked adds a line to LATCHKEY_FUZZ_SEEN, so the test
  can tell that the check ran.
"""

from __future__ import annotations

import json
import os
import zlib

import schemathesis

from harness import find_leaks

SECRETS: dict[str, str] = json.loads(os.environ.get("LATCHKEY_FUZZ_SECRETS", "{}"))
TOKENS: dict[str, str] = json.loads(os.environ.get("LATCHKEY_FUZZ_TOKENS", "{}"))
IDS: dict[str, dict[str, str]] = json.loads(os.environ.get("LATCHKEY_FUZZ_IDS", "{}"))
SEEN = os.environ.get("LATCHKEY_FUZZ_SEEN")


def _is_agent_path(path: str) -> bool:
    return path.startswith("/v1/") or path == "/mcp" or path.startswith("/mcp/")


@schemathesis.auth()
class PerInterfaceToken:
    """The agent key for the agent interface, the user token for the management API."""

    def get(self, case, context):
        return TOKENS

    def set(self, case, data, context):
        token = data["agent"] if _is_agent_path(case.operation.path) else data["user"]
        case.headers = dict(case.headers or {})
        case.headers["Authorization"] = f"Bearer {token}"


@schemathesis.hook
def map_path_parameters(context, path_parameters):
    operation = context.operation
    if operation is None or operation.method.upper() == "DELETE":
        return path_parameters
    # Real ids by the operation's path template prefix and parameter name (longest prefix first).
    for prefix in sorted(IDS, key=len, reverse=True):
        if not operation.path.startswith(prefix):
            continue
        for name, real in IDS[prefix].items():
            if name in path_parameters and zlib.crc32(repr(path_parameters[name]).encode()) % 2 == 0:
                path_parameters[name] = real
        break
    return path_parameters


@schemathesis.check
def no_stored_secret(ctx, response, case):
    """No response carries a secret stored by the test."""
    headers = "\n".join(f"{name}: {value}" for name, values in response.headers.items() for value in values)
    leaks = find_leaks({"body": response.content, "headers": headers.encode("utf-8", "replace")}, SECRETS)
    if SEEN:
        with open(SEEN, "a") as seen:
            seen.write(f"{case.method.upper()} {case.path} {response.status_code}\n")
    if leaks:
        raise AssertionError("a stored secret came back: " + "; ".join(leaks))
    return None
