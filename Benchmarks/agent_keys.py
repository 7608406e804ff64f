#!/usr/bin/env python3
"""Creates many agent keys for the proxy benchmark: groups of at most 1,000 keys (the default quota), each group
bound to one credential for one provider, over one keep-alive connection. Prints the keys, one per line.

    agent_keys.py API_URL USER_TOKEN PROVIDER CREDENTIAL_ID COUNT NAME_PREFIX
"""

from __future__ import annotations

import http.client
import json
import sys
import urllib.parse


def main() -> int:
    api, token, provider, credential_id, count, prefix = sys.argv[1:7]
    url = urllib.parse.urlsplit(api)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def call(method: str, path: str, body: dict) -> dict:
        connection.request(method, url.path + path, json.dumps(body), headers)
        reply = connection.getresponse()
        text = reply.read()
        if reply.status not in (200, 201):
            raise SystemExit(f"{method} {path} answered {reply.status}: {text[:300]!r}")
        return json.loads(text)

    wanted = int(count)
    made = 0
    group_number = 0
    while made < wanted:
        group_number += 1
        group = call("POST", "/groups", {"name": f"{prefix}-{group_number}"})["id"]
        call("PUT", f"/groups/{group}/bindings/{provider}", {"credential_id": credential_id})
        for _ in range(min(1000, wanted - made)):
            print(call("POST", f"/groups/{group}/keys", {})["key"])
            made += 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
