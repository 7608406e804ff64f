"""Latchkey end-to-end tests (pytest, Python 3.11, `requests` + stdlib).

How to run, from the repository root, with the binary built (`swift build`):

    python3 -m pip install -r e2e/requirements.txt      # pytest, requests
    python3 -m pytest e2e -q                            # or: -q -x, -k canary, ...

The binary is $LATCHKEY_BIN, else <repo>/.build/debug/latchkey.

Each test (or test module, where noted) starts its own `latchkey serve` on a free loopback
port, in a temp directory holding the SQLite database (LATCHKEY_DATABASE_URL), the master
key file (LATCHKEY_MASTER_KEY_FILE, made with `latchkey keys generate`: `serve` creates only
the default .latchkey/master.key), `server.log` (stdout+stderr) and a
`providers/` directory passed with `--providers`, whose providers point at loopback
upstreams that the fixtures start:

* `upstream`  - records every request exactly as it arrives and answers a JSON echo
                (`/…/redirect/<code>` answers a redirect to `sink`, `/…/big/<n>` n bytes);
* `sink`      - must receive nothing, ever (redirect and path-escape target);
* `blackhole` - accepts and never answers (upstream timeouts);
* `closed_port` - nothing listens there (upstream unreachable).

The built-in catalog (LATCHKEY_PROVIDERS_DIR) is a few shipped providers the tests name (lk/catalog.py: parsing
all of <repo>/providers costs seconds per server start); a test or module marked `shipped_catalog` gets all of
<repo>/providers. LATCHKEY_E2E_BUILTIN_PROVIDERS=none runs against an empty built-in catalog instead (or =DIR
against another one), e.g. while <repo>/providers does not pass `providers check`.
On a failing test the tail of every server log of that test is attached to the report.
"""

from __future__ import annotations

import pytest

from lk import catalog
from lk.net import free_port
from lk.peers import Blackhole, RecordingUpstream, Sink
from lk.providers import provider_files
from lk.server import Latchkey

# Shared fixtures, registered here for every test module (a module may still import them by name, as older ones do):
# headless Chromium and dashboards (browser.py), the OAuth peer and OAuthEnv (oauth_helpers.py), a fresh PostgreSQL
# database and a private PostgreSQL server (postgres_helpers.py). Their heavy dependencies load only when used.
from browser import browser, browser_factory, dashboard_factory  # noqa: F401, E402  (pytest fixtures)
from oauth_helpers import oauth_env, oauth_peer  # noqa: F401, E402  (pytest fixtures)
from postgres_helpers import pg_url, private_pg  # noqa: F401, E402  (pytest fixtures)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "shipped_catalog: servers of this test (or module) load the whole shipped catalog (lk/catalog.py)"
    )


@pytest.fixture(scope="module", autouse=True)
def _module_catalog(request):
    """The built-in catalog of servers that module-scoped fixtures start (set before them: autouse goes first)."""
    catalog.use_shipped(request.node.get_closest_marker("shipped_catalog") is not None)
    yield
    catalog.use_shipped(False)


@pytest.fixture(autouse=True)
def _test_catalog(request, _module_catalog):
    catalog.use_shipped(request.node.get_closest_marker("shipped_catalog") is not None)


class Environment:
    """Upstreams plus a factory of Latchkey servers that point at them."""

    def __init__(self, tmp_path):
        self.tmp = tmp_path
        self.upstream = RecordingUpstream()
        self.sink = Sink()
        self.blackhole = Blackhole()
        self.closed_port = free_port()
        self.upstream.redirect_target = f"http://127.0.0.1:{self.sink.port}/stolen"
        self.servers: list[Latchkey] = []

    def providers(self) -> dict[str, str]:
        return provider_files(self.upstream.port, self.closed_port, self.blackhole.port)

    def start(self, extra_env: dict | None = None, extra_providers: dict | None = None) -> Latchkey:
        providers = self.providers()
        providers.update(extra_providers or {})
        lk = Latchkey(self.tmp / f"lk{len(self.servers)}", providers, extra_env)
        self.servers.append(lk)
        lk.start()
        return lk

    def close(self):
        for lk in self.servers:
            lk.stop()
        self.upstream.close()
        self.sink.close()
        self.blackhole.close()


def _attach(request, env: Environment):
    request.node._latchkey_envs = getattr(request.node, "_latchkey_envs", []) + [env]


@pytest.fixture
def env(tmp_path, request):
    e = Environment(tmp_path)
    _attach(request, e)
    yield e
    e.close()


@pytest.fixture(scope="module")
def module_env(tmp_path_factory, request):
    e = Environment(tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1]))
    yield e
    e.close()


@pytest.fixture
def upstream(env):
    return env.upstream


@pytest.fixture
def sink(env):
    return env.sink


@pytest.fixture
def blackhole(env):
    return env.blackhole


@pytest.fixture
def latchkey_factory(env):
    """Call it (optionally with extra_env=...) to start a server; all stop at teardown."""
    return env.start


@pytest.fixture
def latchkey(env) -> Latchkey:
    return env.start()


@pytest.fixture
def admin(latchkey):
    """Management API client of an admin user (created with the CLI) of `latchkey`."""
    return latchkey.admin


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.failed:
        envs = list(getattr(item, "_latchkey_envs", []))
        for fixturename in ("module_env",):
            if fixturename in getattr(item, "funcargs", {}):
                envs.append(item.funcargs[fixturename])
        for e in envs:
            for lk in e.servers:
                rep.sections.append((f"latchkey server.log tail ({lk.log_path})", lk.log_tail(80)))
