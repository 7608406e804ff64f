#!/usr/bin/env python3
"""Remote MCP tool calls: directly to the server, through Latchkey's /mcp, and through /mcp/{provider}.

Run by Benchmarks/mcp.sh, which starts the remote server (the e2e peer, e2e/mcp_peer, bearer mode) and
`latchkey serve`, and passes their URLs, pids and keys. One persistent keep-alive connection per path
(http.client), one call at a time, tool `echo` with {"text": "hi"}:

  direct   POST {peer}/mcp           its own MCP session (initialize + notifications/initialized once), the
                                     server's bearer token, answered as SSE (read until the JSON-RPC reply)
  lk       POST {latchkey}/mcp       the agent key (lka_); Latchkey's /mcp is stateless: tools/call of peer_echo
                                     straight away, answered as JSON
  pass     POST {latchkey}/mcp/peer  its own session through Latchkey (the Mcp-Session-Id Latchkey relays),
                                     answered as SSE like direct
  fresh    (reference) like direct, but a new TCP connection for every call: what a relay that does not keep
           connections to the server alive would pay at the server

The calls are split into BLOCKS rounds; each round runs every path once, in an order that rotates from round to
round (direct, lk, pass, fresh / lk, pass, fresh, direct / ...), so drift of the machine hits every path alike. CPU is
taken from /proc at every block's edges and charged to the path that ran: Latchkey's and the server's utime+stime
(/proc/PID/stat), this client's own (os.times), and the machine's busy time (/proc/stat, steal included) minus
those three, i.e. what other processes used.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import sys
import time
import urllib.parse

CLK_TCK = os.sysconf("SC_CLK_TCK")
PATHS = ("direct", "lk", "pass", "fresh")
LABELS = {
    "direct": "direct to the server (/mcp of the peer)",
    "lk": "through Latchkey /mcp (peer_echo)",
    "pass": "through Latchkey /mcp/peer (pass-through)",
    "fresh": "reference: direct, a new connection per call",
}


def proc_cpu(pid: int) -> float:
    """utime + stime of a process (all its threads, live and exited), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    busy = v[0] + v[1] + v[2] + v[5] + v[6] + (v[7] if len(v) > 7 else 0)
    total = busy + v[3] + v[4]
    return busy / CLK_TCK, total / CLK_TCK


def self_cpu() -> float:
    t = os.times()
    return t.user + t.system


class Snapshot:
    def __init__(self, lk_pid: int, peer_pid: int):
        self.lk = proc_cpu(lk_pid)
        self.peer = proc_cpu(peer_pid)
        self.client = self_cpu()
        self.busy, self.total = machine_cpu()
        self.wall = time.perf_counter()


class McpClient:
    """One keep-alive connection to one MCP endpoint."""

    def __init__(self, url: str, auth: str, session: bool, fresh: bool = False):
        self.fresh = fresh
        u = urllib.parse.urlsplit(url)
        self.host, self.port, self.path = u.hostname, u.port, u.path
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        self.headers = {
            "Authorization": auth,
            "Accept": "application/json, text/event-stream",
            "Content-Type": "application/json",
        }
        self.next_id = 1
        if session:
            self.initialize()

    def post(self, message: dict) -> tuple[int, dict, dict | None]:
        """POST one JSON-RPC message; returns (status, headers, reply or None). Reads the body to its end."""
        body = json.dumps(message, separators=(",", ":")).encode()
        self.conn.request("POST", self.path, body=body, headers=self.headers)
        resp = self.conn.getresponse()
        headers = {k.lower(): v for k, v in resp.getheaders()}
        ctype = headers.get("content-type", "")
        reply = None
        if ctype.startswith("text/event-stream"):
            want = message.get("id")
            # Read events until the JSON-RPC reply to this id, then the rest of the stream (it ends after the reply).
            while True:
                line = resp.readline()
                if not line:
                    break
                if line.startswith(b"data:"):
                    obj = json.loads(line[5:])
                    if isinstance(obj, dict) and obj.get("id") == want and ("result" in obj or "error" in obj):
                        reply = obj
                        break
            resp.read()
        else:
            raw = resp.read()
            if raw and ctype.startswith("application/json"):
                reply = json.loads(raw)
        return resp.status, headers, reply

    def initialize(self) -> None:
        status, headers, reply = self.post(
            {
                "jsonrpc": "2.0",
                "id": 0,
                "method": "initialize",
                "params": {
                    "protocolVersion": "2025-11-25",
                    "capabilities": {},
                    "clientInfo": {"name": "latchkey-mcp-bench", "version": "1"},
                },
            }
        )
        if status != 200 or not reply or "result" not in reply:
            raise SystemExit(f"initialize at {self.path} answered {status}: {reply}")
        sid = headers.get("mcp-session-id")
        if not sid:
            raise SystemExit(f"initialize at {self.path} gave no Mcp-Session-Id")
        self.headers["Mcp-Session-Id"] = sid
        self.headers["MCP-Protocol-Version"] = reply["result"].get("protocolVersion", "2025-11-25")
        status, _, _ = self.post({"jsonrpc": "2.0", "method": "notifications/initialized"})
        if status not in (200, 202):
            raise SystemExit(f"notifications/initialized at {self.path} answered {status}")

    def call(self, tool: str) -> float:
        """One tools/call of `tool`; returns its wall time in seconds, or raises on a wrong answer."""
        self.next_id += 1
        msg = {
            "jsonrpc": "2.0",
            "id": self.next_id,
            "method": "tools/call",
            "params": {"name": tool, "arguments": {"text": "hi"}},
        }
        t0 = time.perf_counter()
        status, _, reply = self.post(msg)
        t1 = time.perf_counter()
        if self.fresh:
            self.conn.close()  # the next request connects again (timed, as for a client without keep-alive)
        ok = (
            status == 200
            and reply is not None
            and reply.get("id") == self.next_id
            and not reply.get("result", {}).get("isError")
            and any(c.get("text") == "hi" for c in reply.get("result", {}).get("content", []))
        )
        if not ok:
            raise RuntimeError(f"tools/call {tool} at {self.path} answered {status}: {reply}")
        return t1 - t0


def pct(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    k = max(0, min(len(sorted_values) - 1, int(round(p / 100 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--peer-url", required=True, help="http://127.0.0.1:P (the server; /mcp is appended)")
    ap.add_argument("--peer-token", required=True)
    ap.add_argument("--peer-pid", type=int, required=True)
    ap.add_argument("--lk-url", required=True, help="http://127.0.0.1:P (latchkey serve)")
    ap.add_argument("--lk-key", required=True, help="the agent key, lka_…")
    ap.add_argument("--lk-pid", type=int, required=True)
    ap.add_argument("--provider", default="peer")
    ap.add_argument("--calls", type=int, default=2000, help="measured calls per path")
    ap.add_argument("--warmup", type=int, default=200, help="unmeasured calls per path first")
    ap.add_argument("--blocks", type=int, default=10, help="rounds the measured calls are split into")
    args = ap.parse_args()

    clients = {
        "direct": McpClient(args.peer_url + "/mcp", "Bearer " + args.peer_token, session=True),
        "lk": McpClient(args.lk_url + "/mcp", "Bearer " + args.lk_key, session=False),
        "pass": McpClient(f"{args.lk_url}/mcp/{args.provider}", "Bearer " + args.lk_key, session=True),
        "fresh": McpClient(args.peer_url + "/mcp", "Bearer " + args.peer_token, session=True, fresh=True),
    }
    tools = {"direct": "echo", "lk": f"{args.provider}_echo", "pass": "echo", "fresh": "echo"}

    for name in PATHS:  # warm-up (also the first list of tools and the first session Latchkey opens to the server)
        for _ in range(args.warmup):
            clients[name].call(tools[name])

    times = {name: [] for name in PATHS}
    block_medians = {name: [] for name in PATHS}
    cpu = {name: {"lk": 0.0, "peer": 0.0, "client": 0.0, "busy": 0.0, "total": 0.0, "wall": 0.0} for name in PATHS}
    per_block = [args.calls // args.blocks + (1 if i < args.calls % args.blocks else 0) for i in range(args.blocks)]
    for b, n in enumerate(per_block):
        order = PATHS[b % len(PATHS) :] + PATHS[: b % len(PATHS)]
        for name in order:
            c, tool, sample = clients[name], tools[name], []
            s0 = Snapshot(args.lk_pid, args.peer_pid)
            for _ in range(n):
                sample.append(c.call(tool))
            s1 = Snapshot(args.lk_pid, args.peer_pid)
            times[name].extend(sample)
            block_medians[name].append(statistics.median(sample))
            acc = cpu[name]
            acc["lk"] += s1.lk - s0.lk
            acc["peer"] += s1.peer - s0.peer
            acc["client"] += s1.client - s0.client
            acc["busy"] += s1.busy - s0.busy
            acc["total"] += s1.total - s0.total
            acc["wall"] += s1.wall - s0.wall

    ms = lambda s: s * 1000  # noqa: E731
    us = lambda s: s * 1e6  # noqa: E731
    print(
        f"calls per path: {args.calls} measured (after {args.warmup} warm-up), in {args.blocks} rotating blocks; "
        f"one keep-alive connection per path, one call at a time; CPU clock tick {1000 / CLK_TCK:g} ms"
    )
    print()
    print(
        "| path | median ms | p90 ms | p99 ms | mean ms | Latchkey CPU µs/call | server CPU µs/call "
        "| client CPU µs/call | other processes, % of machine |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    summary = {}
    for name in PATHS:
        t = sorted(times[name])
        acc = cpu[name]
        calls = len(t)
        other = acc["busy"] - acc["lk"] - acc["peer"] - acc["client"]
        other_pct = max(0.0, 100 * other / acc["total"]) if acc["total"] > 0 else 0.0
        summary[name] = {
            "p50": statistics.median(t),
            "p90": pct(t, 90),
            "p99": pct(t, 99),
            "mean": statistics.fmean(t),
            "lk_cpu": acc["lk"] / calls,
            "peer_cpu": acc["peer"] / calls,
            "client_cpu": acc["client"] / calls,
            "other_pct": other_pct,
            "other_s": other,
        }
        s = summary[name]
        print(
            f"| {LABELS[name]} | {ms(s['p50']):.3f} | {ms(s['p90']):.3f} | {ms(s['p99']):.3f} | {ms(s['mean']):.3f} "
            f"| {us(s['lk_cpu']):.0f} | {us(s['peer_cpu']):.0f} | {us(s['client_cpu']):.0f} | {other_pct:.1f} |"
        )
    print()
    d = summary["lk"]["p50"] - summary["direct"]["p50"]
    dp = summary["pass"]["p50"] - summary["direct"]["p50"]
    blk = [a - b for a, b in zip(block_medians["lk"], block_medians["direct"])]
    blkp = [a - b for a, b in zip(block_medians["pass"], block_medians["direct"])]
    verdict = "PASS" if d <= 0.001 else "MISS"
    print(
        f"- Added median, /mcp: Latchkey p50 - direct p50 = **{ms(d):+.3f} ms** (target <= 1 ms): **{verdict}**; "
        f"per block {ms(min(blk)):+.3f} .. {ms(max(blk)):+.3f} ms"
    )
    print(
        f"- Added median, /mcp/{args.provider} pass-through: = **{ms(dp):+.3f} ms** "
        f"({'PASS' if dp <= 0.001 else 'MISS'} against the same 1 ms); "
        f"per block {ms(min(blkp)):+.3f} .. {ms(max(blkp)):+.3f} ms"
    )
    print(
        f"- Latchkey CPU per call: /mcp {us(summary['lk']['lk_cpu']):.0f} µs, /mcp/{args.provider} "
        f"{us(summary['pass']['lk_cpu']):.0f} µs "
        f"(while the direct calls ran: {us(summary['direct']['lk_cpu']):.0f} µs/call, "
        f"its idle background); the server's CPU per call: direct {us(summary['direct']['peer_cpu']):.0f} µs, via /mcp "
        f"{us(summary['lk']['peer_cpu']):.0f} µs, via /mcp/{args.provider} {us(summary['pass']['peer_cpu']):.0f} µs"
    )
    wall = sum(cpu[n]["wall"] for n in PATHS)
    total = sum(cpu[n]["total"] for n in PATHS)
    other = sum(summary[n]["other_s"] for n in PATHS)
    print(
        f"- CPU used by other processes during the measured calls: {max(0.0, other):.2f} s of CPU over {wall:.1f} s "
        f"= {max(0.0, 100 * other / total) if total else 0:.1f}% of the machine "
        "(should be near 0; rerun when it is not)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
