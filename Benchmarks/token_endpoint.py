#!/usr/bin/env python3
"""A local OAuth token endpoint for the refresh benchmark: answers every POST after a fixed latency.

asyncio with HTTP/1.1 keep-alive, so thousands of requests per second are not limited by the endpoint itself.
Counts requests per refresh token, so the benchmark can prove exactly one request per credential.
GET /stats -> {"requests": N, "distinct_refresh_tokens": N, "max_per_token": N}
"""

import argparse
import asyncio
import json
import secrets
import urllib.parse
from collections import Counter

counts: Counter = Counter()
total = 0


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, latency: float) -> None:
    global total
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, target, _ = lines[0].split(" ", 2)
            headers = {
                k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:] if ":" in line)
            }
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            if method == "GET" and target.startswith("/stats"):
                payload = json.dumps(
                    {
                        "requests": total,
                        "distinct_refresh_tokens": len(counts),
                        "max_per_token": max(counts.values(), default=0),
                    }
                ).encode()
            else:
                form = urllib.parse.parse_qs(body.decode())
                total += 1
                counts[form.get("refresh_token", [""])[0]] += 1
                await asyncio.sleep(latency)
                payload = (
                    b'{"access_token":"at-%d","refresh_token":"rt-%s","expires_in":3600,"token_type":"Bearer"}'
                    % (total, secrets.token_hex(8).encode())
                )
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(payload)
                + payload
            )
            await writer.drain()
            if headers.get("connection", "").lower() == "close":
                break
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--latency-ms", type=float, default=20)
    args = parser.parse_args()
    server = await asyncio.start_server(
        lambda r, w: handle(r, w, args.latency_ms / 1000), "127.0.0.1", args.port, backlog=1024
    )
    print(f"READY {args.port}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        import uvloop  # a faster event loop, so the endpoint's own overhead does not blur the measurement

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(main())
