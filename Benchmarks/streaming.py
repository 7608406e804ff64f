#!/usr/bin/env python3
"""The streaming benchmark's two ends (Benchmarks/streaming.sh).

`peer PORT`: an LLM-style provider. `GET /…/sse?events=N&interval_ms=M` answers a chunked `text/event-stream` of N
events, M ms apart, each carrying the time it was sent (CLOCK_MONOTONIC, shared by every process on the machine);
`POST /…/upload` reads a Content-Length body in pieces, keeps nothing, answers `{"bytes": n}`.

`measure URL STREAMS ROUNDS [HEADER]`: ROUNDS times, STREAMS streams at once; prints JSON with every stream's time
to first byte and every event's delay (received minus sent), in ms.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import sys
import threading
import time
import urllib.parse


async def _serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, target = lines[0].split(" ")[:2]
        headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:] if ":" in line)}
        url = urllib.parse.urlsplit(target)
        if method == "POST" and url.path.endswith("/upload"):
            left, n = int(headers.get("content-length", "0")), 0
            while left > 0:
                piece = await reader.read(min(left, 1 << 20))
                if not piece:
                    break
                n += len(piece)
                left -= len(piece)
            body = json.dumps({"bytes": n}).encode()
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode()
                + body
            )
            await writer.drain()
            return
        query = urllib.parse.parse_qs(url.query)
        events = int(query.get("events", ["200"])[0])
        interval = int(query.get("interval_ms", ["10"])[0]) / 1000
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
            b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        )
        start = time.monotonic()
        for i in range(events):
            # Sent on a schedule (not "sleep after each"), so a slow client does not stretch the stream.
            await asyncio.sleep(max(0.0, start + i * interval - time.monotonic()))
            payload = f'id: {i}\ndata: {{"i": {i}, "sent_ns": {time.monotonic_ns()}, "text": "token"}}\n\n'.encode()
            writer.write(f"{len(payload):x}\r\n".encode() + payload + b"\r\n")
            await writer.drain()
        writer.write(b"0\r\n\r\n")
        await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, ValueError):
        pass
    finally:
        writer.close()


async def _peer(port: int) -> None:
    server = await asyncio.start_server(_serve, "127.0.0.1", port, backlog=256)
    async with server:
        await server.serve_forever()


def _one_stream(url: str, header: str | None, out: list) -> None:
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    headers = dict([tuple(s.strip() for s in header.split(":", 1))]) if header else {}
    started = time.monotonic_ns()
    conn.request("GET", parts.path + ("?" + parts.query if parts.query else ""), headers=headers)
    resp = conn.getresponse()
    if resp.status != 200:
        raise SystemExit(f"{url} answered {resp.status}: {resp.read()[:200]!r}")
    ttfb, delays = None, []
    while True:
        line = resp.readline()
        if not line:
            break
        now = time.monotonic_ns()
        if ttfb is None:
            ttfb = (now - started) / 1e6
        if line.startswith(b"data: "):
            delays.append((now - json.loads(line[6:])["sent_ns"]) / 1e6)
    conn.close()
    out.append({"ttfb_ms": ttfb, "delays_ms": delays})


def _measure(url: str, streams: int, rounds: int, header: str | None) -> None:
    results: list = []
    for _ in range(rounds):
        threads = [threading.Thread(target=_one_stream, args=(url, header, results)) for _ in range(streams)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    if sys.argv[1] == "peer":
        asyncio.run(_peer(int(sys.argv[2])))
    else:
        _measure(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5] if len(sys.argv) > 5 else None)
