"""schemathesis hooks for test_openapi_fuzz.py (loaded through SCHEMATHESIS_HOOKS).

`no_stored_secret`: no response, headers or body, carries a secret the test stored, in any encoding that
harness.secret_encodings knows. The secrets arrive as JSON in LATCHKEY_FUZZ_SECRETS; every response checked adds a
line to LATCHKEY_FUZZ_SEEN, so the test can tell that the check ran.
"""

from __future__ import annotations

import json
import os

import schemathesis

from harness import find_leaks

SECRETS: dict[str, str] = json.loads(os.environ.get("LATCHKEY_FUZZ_SECRETS", "{}"))
SEEN = os.environ.get("LATCHKEY_FUZZ_SEEN")


@schemathesis.check
def no_stored_secret(ctx, response, case):
    """No response carries a secret stored by the test."""
    headers = "\n".join(f"{name}: {value}" for name, values in response.headers.items() for value in values)
    leaks = find_leaks({"body": response.content, "headers": headers.encode("utf-8", "replace")}, SECRETS)
    if SEEN:
        with open(SEEN, "a") as seen:
            seen.write(f"{case.method} {case.path} {response.status_code}\n")
    if leaks:
        raise AssertionError("a stored secret came back: " + "; ".join(leaks))
    return None
