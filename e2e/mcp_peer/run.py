#!/usr/bin/env python3
"""Run the Latchkey MCP test peer (the MCP Python SDK: OAuth AS + protected MCP server).

    python3 e2e/mcp_peer/run.py [--port 0] [--host 127.0.0.1] [--auth oauth|none|bearer:TOKEN|header:NAME:TOKEN]

Serves with uvicorn on one port and prints one line `READY http://HOST:PORT` on stdout once
the socket accepts connections (--port 0 picks a free port). Logs go to stderr. SIGTERM/SIGINT
stop it.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import socket
import sys
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # e2e/, so `mcp_peer.app` imports when run as a script


def parse_auth(value: str) -> str:
    if value in ("oauth", "none"):
        return value
    if value.startswith("bearer:") and len(value) > len("bearer:"):
        return value
    if value.startswith("header:"):
        parts = value.split(":", 2)
        if len(parts) == 3 and parts[1] and parts[2]:
            return value
    raise argparse.ArgumentTypeError("--auth must be oauth, none, bearer:TOKEN or header:NAME:TOKEN")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--auth", type=parse_auth, default="oauth")
    ap.add_argument("--log-level", default="info")
    args = ap.parse_args(argv)

    warnings.simplefilter("ignore")
    logging.basicConfig(
        level=getattr(logging, args.log_level.upper(), logging.INFO),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    import uvicorn

    from mcp_peer.app import build_app

    # IPPROTO_TCP, so asyncio sets TCP_NODELAY on its connections (protocol 0 leaves Nagle on: ~40 ms per keep-alive
    # call)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    sock.listen(512)
    sock.set_inheritable(True)
    port = sock.getsockname()[1]
    url = f"http://{args.host}:{port}"
    app = build_app(url, args.auth)
    config = uvicorn.Config(app, log_level=args.log_level, access_log=True, lifespan="on", timeout_graceful_shutdown=2)
    server = uvicorn.Server(config)

    async def serve():
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started:
            if task.done():
                return await task
            await asyncio.sleep(0.02)
        print(f"READY {url}", flush=True)
        await task

    asyncio.run(serve())
    return 0


if __name__ == "__main__":
    sys.exit(main())
