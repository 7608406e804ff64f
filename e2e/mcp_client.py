"""A real MCP client for the tests: the official Python SDK (`mcp` on PyPI) over Streamable HTTP,
wrapped so that tests stay synchronous. Every call opens a connection, initializes, does its work
and closes, as short-lived agents do."""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable, Optional

from mcp import ClientSession
from mcp.client.streamable_http import create_mcp_http_client, streamable_http_client


def session_run(
    url: str, key: Optional[str], work: Callable[[ClientSession], Awaitable[Any]], headers: Optional[dict] = None
) -> Any:
    """Connect to `url` with `key` as bearer token, initialize, run `work(session)`; its result."""

    async def main():
        h = dict(headers or {})
        if key is not None:
            h["Authorization"] = f"Bearer {key}"
        async with create_mcp_http_client(headers=h) as http:
            async with streamable_http_client(url, http_client=http) as streams:
                read, write = streams[0], streams[1]
                async with ClientSession(read, write) as session:
                    init = await session.initialize()
                    return await work(session) if work else init

    return asyncio.run(asyncio.wait_for(main(), timeout=120))


class MCPAgent:
    """An agent (its key) talking MCP to one Latchkey server."""

    def __init__(self, lk, key: str):
        self.lk = lk
        self.key = key
        self.url = lk.url("/mcp")

    def initialize(self):
        return session_run(self.url, self.key, None)

    def tool_names(self) -> list[str]:
        async def work(s):
            return [t.name for t in (await s.list_tools()).tools]

        return session_run(self.url, self.key, work)

    def tools(self) -> list:
        async def work(s):
            return (await s.list_tools()).tools

        return session_run(self.url, self.key, work)

    def call(self, name: str, arguments: Optional[dict] = None):
        async def work(s):
            return await s.call_tool(name, arguments or {})

        result = session_run(self.url, self.key, work)
        self.lk.record(f"mcp call {name}", 200, text_of(result).encode())
        return result


def text_of(result) -> str:
    return "\n".join(getattr(c, "text", "") for c in result.content)
