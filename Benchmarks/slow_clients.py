#!/usr/bin/env python3
"""Slow, unauthenticated clients against `latchkey serve`: does memory stay flat and does the server keep answering?

Starts one `latchkey serve` (its own temp directory, loopback only), then for DURATION seconds keeps CLIENTS
connections busy, in two halves:

- uploaders: `POST /v1/proxy/echo/…` with no key and `Content-Length: 8 MiB`, then the body trickled (16 KiB every
  0.2 s), answered or not, until the server closes the connection; then the client reconnects and starts again;
- slow headers: a request head sent one line per second, never finished; reconnects when closed.

Meanwhile it samples the server's RSS (/proc/PID/status) every second and times `GET /healthz` every 0.5 s, and
prints a summary. Bounded: at most CLIENTS sockets at once, DURATION seconds, loopback only.

    python3 Benchmarks/slow_clients.py                 # CLIENTS=500 DURATION=30 LATCHKEY_BIN=.build/release/latchkey
"""

from __future__ import annotations

import asyncio
import base64
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CLIENTS = min(int(os.environ.get("CLIENTS", "500")), 2000)
DURATION = min(float(os.environ.get("DURATION", "30")), 300)
BIN = Path(
    os.environ.get("LATCHKEY_BIN")
    or next(
        (p for p in (REPO / ".build/release/latchkey", REPO / ".build/debug/latchkey") if p.exists()),
        REPO / ".build/release/latchkey",
    )
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class Counts:
    def __init__(self):
        self.connections = 0
        self.answered = {}
        self.closed_without_answer = 0
        self.body_bytes_sent = 0


async def connect(port: int, counts: Counts):
    """A new connection (counted), or None after a short pause when the server refuses one."""
    try:
        opened = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        await asyncio.sleep(0.2)
        return None
    counts.connections += 1
    return opened


async def uploader(port: int, stop: asyncio.Event, counts: Counts):
    """Keeps sending its body, answered or not, until the server closes the connection; then starts again."""
    while not stop.is_set():
        opened = await connect(port, counts)
        if opened is None:
            continue
        reader, writer = opened
        writer.write(b"POST /v1/proxy/echo/upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 8388608\r\n\r\n")
        read = asyncio.ensure_future(reader.read(4096))
        answered = False
        try:
            while not stop.is_set():
                writer.write(b"x" * 16384)
                await writer.drain()
                counts.body_bytes_sent += 16384
                await asyncio.wait([read], timeout=0.2)
                if read.done():
                    data = read.result()
                    if not data:
                        break  # closed by the server
                    if not answered and data.startswith(b"HTTP/1.1 "):
                        answered = True
                        status = data[9:12].decode()
                        counts.answered[status] = counts.answered.get(status, 0) + 1
                    read = asyncio.ensure_future(reader.read(4096))
        except (ConnectionError, OSError):
            pass
        finally:
            if not answered:
                counts.closed_without_answer += 1
            read.cancel()
            writer.close()


async def slow_header(port: int, stop: asyncio.Event, counts: Counts):
    while not stop.is_set():
        opened = await connect(port, counts)
        if opened is None:
            continue
        reader, writer = opened
        try:
            writer.write(b"GET /v1/proxy/echo/x HTTP/1.1\r\n")
            i = 0
            while not stop.is_set():
                writer.write(f"X-Slow-{i}: a\r\n".encode())
                await writer.drain()
                i += 1
                try:
                    if await asyncio.wait_for(reader.read(1), timeout=1.0) == b"":
                        break  # closed by the server
                except asyncio.TimeoutError:
                    pass
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()


def healthz_ms(port: int) -> float | None:
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
            r.read()
            return (time.perf_counter() - started) * 1000 if r.status == 200 else None
    except OSError:
        return None


async def main() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 4 * CLIENTS + 256)), hard))
    if not BIN.exists():
        print(f"no binary at {BIN}: build with `swift build -c release` or set LATCHKEY_BIN", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="lk-slow-"))
    try:
        (work / "providers").mkdir()
        (work / "providers/echo.yaml").write_text(
            "name: Echo\nauth:\n  mode: api_key\n  fields:\n"
            "    - {name: api_key, label: API key, secret: true, required: true}\n"
            'proxy:\n  base_url: http://127.0.0.1:9/base\n  inject: {headers: {Authorization: "Bearer {{api_key}}"}}\n'
        )
        (work / "master.key").write_text(base64.b64encode(os.urandom(32)).decode() + "\n")
        os.chmod(work / "master.key", 0o600)
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("LATCHKEY_")}
        env.update(
            {
                "LATCHKEY_DATABASE_URL": f"sqlite:{work}/lk.db",
                "LATCHKEY_MASTER_KEY_FILE": str(work / "master.key"),
                "LATCHKEY_PROVIDERS_DIR": str(REPO / "providers"),
                "LATCHKEY_LOG_LEVEL": "warning",
            }
        )
        log = open(work / "server.log", "wb")
        server = subprocess.Popen(
            [str(BIN), "serve", "--host", "127.0.0.1", "--port", str(port), "--providers", str(work / "providers")],
            cwd=work,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            for _ in range(300):
                if healthz_ms(port) is not None:
                    break
                time.sleep(0.1)
            else:
                print("the server did not start", file=sys.stderr)
                return 1
            baseline = rss_kib(server.pid)
            stop = asyncio.Event()
            counts = Counts()
            tasks = [asyncio.ensure_future(uploader(port, stop, counts)) for _ in range(CLIENTS // 2)]
            tasks += [asyncio.ensure_future(slow_header(port, stop, counts)) for _ in range(CLIENTS - CLIENTS // 2)]
            samples, latencies, failures = [], [], 0
            started = time.time()
            loop = asyncio.get_running_loop()
            timeline = []
            while time.time() - started < DURATION:
                await asyncio.sleep(0.5)
                samples.append(rss_kib(server.pid))
                if len(samples) % 10 == 0:
                    timeline.append(f"{time.time() - started:.0f}s {samples[-1] / 1024:.0f}")
                ms = await loop.run_in_executor(None, healthz_ms, port)
                if ms is None:
                    failures += 1
                else:
                    latencies.append(ms)
            stop.set()
            await asyncio.wait(tasks, timeout=10)
            after = rss_kib(server.pid)
            print(
                f"clients: {CLIENTS} ({CLIENTS // 2} slow uploaders, {CLIENTS - CLIENTS // 2} slow headers) "
                f"for {DURATION:.0f} s; "
                f"{counts.connections} connections opened, {counts.body_bytes_sent / 2**20:.0f} MiB of body sent"
            )
            print(
                f"uploads answered: {counts.answered or '{}'}; closed without an answer: {counts.closed_without_answer}"
            )
            print(
                f"server RSS: baseline {baseline / 1024:.1f} MiB, peak {max(samples) / 1024:.1f} MiB, "
                f"median {statistics.median(samples) / 1024:.1f} MiB, after {after / 1024:.1f} MiB"
            )
            print("RSS (MiB) every 5 s: " + ", ".join(timeline))
            if latencies:
                print(
                    f"GET /healthz during the run: {len(latencies)} answered, {failures} failed; "
                    f"median {statistics.median(latencies):.1f} ms, max {max(latencies):.1f} ms"
                )
            else:
                print(f"GET /healthz during the run: none answered, {failures} failed")
            return 0 if failures == 0 else 1
        finally:
            server.terminate()
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                server.kill()
            log.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
