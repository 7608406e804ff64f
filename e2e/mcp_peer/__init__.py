"""Latchkey e2e: a real remote MCP server protected by OAuth (the MCP Python SDK) as a test peer.

See README.md; the test-facing API is mcp_peer.peer.McpPeer.
"""
