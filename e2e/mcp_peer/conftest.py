"""pytest wiring for the MCP test peer: the `mcp_peer` marker, an `mcp_peer` fixture (one running
OAuth-mode peer per module), and the peer's log tail attached to a failing test's report."""

from __future__ import annotations

import importlib.util

import pytest


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "mcp_peer: tests of the MCP SDK test peer itself (no Latchkey needed); deselect with -m 'not mcp_peer'",
    )


@pytest.fixture(scope="module")
def mcp_peer(tmp_path_factory):
    """One running McpPeer(auth="oauth") per test module."""
    if importlib.util.find_spec("mcp") is None:
        pytest.skip("the MCP test peer needs the `mcp` package: pip install -r e2e/requirements.txt")
    from mcp_peer.peer import McpPeer

    with McpPeer(log_dir=tmp_path_factory.mktemp("mcp-peer")) as peer:
        yield peer


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    peer = getattr(item, "funcargs", {}).get("mcp_peer")
    if rep.failed and peer is not None:
        rep.sections.append((f"mcp peer log tail ({peer.log_path})", peer.log_tail(60)))
