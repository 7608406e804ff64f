"""pytest wiring for the OAuth test peer: the `peer` marker, an `oauth_peer` fixture, and the
peer's log tail attached to the report of a failing test that used the fixture."""

from __future__ import annotations

import importlib.util

import pytest


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "peer: tests of the django-oauth-toolkit test peer itself (no Latchkey needed); deselect with -m 'not peer'",
    )


def _missing_server_deps() -> list[str]:
    return [m for m in ("django", "oauth2_provider", "waitress") if importlib.util.find_spec(m) is None]


@pytest.fixture(scope="module")
def oauth_peer(tmp_path_factory):
    """One running OAuthPeer per test module (its data dir under pytest's tmp)."""
    missing = _missing_server_deps()
    if missing:
        pytest.skip(f"OAuth test peer needs {missing}: pip install -r e2e/requirements.txt")
    from oauth_server.peer import OAuthPeer

    with OAuthPeer(data_dir=tmp_path_factory.mktemp("oauth-peer")) as peer:
        yield peer


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    peer = getattr(item, "funcargs", {}).get("oauth_peer")
    if rep.failed and peer is not None:
        rep.sections.append((f"oauth peer log tail ({peer.log_path})", peer.log_tail(60)))
