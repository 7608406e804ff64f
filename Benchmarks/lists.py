#!/usr/bin/env python3
"""Times the lists a user with many credentials reads: the credentials list (API and dashboard share one query), the
audit log, and the warnings (the dashboard's home shows them), on the first page and on a page deep in the list.

Run by refresh.sh after its pass (LISTS=1), against its running server, where one user holds every credential and
each has its `credential.imported` audit event. By hand:

    python3 Benchmarks/lists.py --port PORT --token USER_TOKEN --rows 100000

Prints a Markdown table of median and worst times over --repeat requests (one keep-alive connection, sequential).
"""

import argparse
import http.client
import json
import statistics
import time
import urllib.parse


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--rows", type=int, required=True, help="how many credentials (and audit events) the user has")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    conn = http.client.HTTPConnection("127.0.0.1", args.port)
    headers = {"Authorization": f"Bearer {args.token}"}

    def get(path: str, query: dict) -> tuple[float, dict]:
        started = time.perf_counter()
        conn.request("GET", path + ("?" + urllib.parse.urlencode(query) if query else ""), headers=headers)
        response = conn.getresponse()
        body = response.read()
        elapsed = time.perf_counter() - started
        if response.status != 200:
            raise SystemExit(f"GET {path} {query}: {response.status} {body[:200]!r}")
        return elapsed, json.loads(body)

    depth = args.rows // 2
    # The cursors halfway down each list, found by walking it (the walk itself is not timed).
    cursor = None
    seen = 0
    while seen < depth:
        _, page = get("/api/v1/credentials", {"limit": 100, **({"cursor": cursor} if cursor else {})})
        seen += len(page["credentials"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    before = None
    seen = 0
    while seen < depth:
        _, page = get("/api/v1/audit", {"limit": 500, **({"before": before} if before else {})})
        if not page["events"]:
            break
        seen += len(page["events"])
        before = page["events"][-1]["id"]

    cases = [
        ("credentials, first page (100)", "/api/v1/credentials", {"limit": 100}),
        (f"credentials, page at {depth:,} (100)", "/api/v1/credentials", {"limit": 100, "cursor": cursor}),
        ("audit log, first page (100)", "/api/v1/audit", {"limit": 100}),
        (f"audit log, page at {depth:,} (100)", "/api/v1/audit", {"limit": 100, "before": before}),
        ("warnings (the dashboard's home)", "/api/v1/warnings", {}),
    ]
    print(
        f"Lists with {args.rows:,} credentials and audit events of one user "
        f"({args.repeat} sequential requests each, keep-alive)"
    )
    print()
    print("| request | median | worst |")
    print("|---|---:|---:|")
    for name, path, query in cases:
        times = [get(path, query)[0] for _ in range(args.repeat)]
        print(f"| {name} | {statistics.median(times) * 1000:.2f} ms | {max(times) * 1000:.2f} ms |")


if __name__ == "__main__":
    main()
