"""A fresh PostgreSQL database per test, on the throwaway server scripts/test.sh starts
(LATCHKEY_TEST_POSTGRES_URL). Without that variable the tests that need it are skipped, except in CI
(CI=true), where they fail: the PostgreSQL deployment must not go untested there."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest

from harness import REPO_ROOT, free_port
from lk.server import stop_servers_using

ADMIN_URL = os.environ.get("LATCHKEY_TEST_POSTGRES_URL")


def _psql(url: str, sql: str) -> str:
    cp = subprocess.run(
        ["psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", url, "-c", sql],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert cp.returncode == 0, f"psql {sql!r}: {cp.stderr}"
    return cp.stdout


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))


@pytest.fixture
def pg_url():
    """The URL of an empty database, dropped afterwards."""
    if not ADMIN_URL:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but LATCHKEY_TEST_POSTGRES_URL is not set")
        pytest.skip("no PostgreSQL server (set LATCHKEY_TEST_POSTGRES_URL; scripts/test.sh does)")
    name = f"lk_e2e_{uuid.uuid4().hex[:12]}"
    _psql(ADMIN_URL, f"CREATE DATABASE {name}")
    url = _with_database(ADMIN_URL, name)
    try:
        yield url
    finally:
        # The test's servers may still run (fixtures set up before this one are torn down after it).
        stop_servers_using(url)
        _psql(ADMIN_URL, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def query(url: str, sql: str) -> list[list[str]]:
    """Rows of `sql` as lists of text fields."""
    return [line.split("|") for line in _psql(url, sql).splitlines() if line]


class PrivateServer:
    """A PostgreSQL server of a test's own (scripts/postgres.sh), which the test may stop and start again."""

    def __init__(self, directory, port: int):
        self.dir = str(directory)
        self.port = port
        self.url = ""

    def _script(self, *args: str) -> str:
        cp = subprocess.run(
            [str(REPO_ROOT / "scripts" / "postgres.sh"), *args], capture_output=True, text=True, timeout=120
        )
        assert cp.returncode == 0, f"postgres.sh {' '.join(args)}: {cp.stderr}"
        return cp.stdout.strip()

    def start(self) -> str:
        self.url = self._script("start", self.dir, str(self.port))
        return self.url

    def stop(self):
        self._script("stop", self.dir)


@pytest.fixture
def private_pg():
    if not ADMIN_URL:  # the same condition as the shared server: the machine can run PostgreSQL tests
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but LATCHKEY_TEST_POSTGRES_URL is not set")
        pytest.skip("no PostgreSQL server (set LATCHKEY_TEST_POSTGRES_URL; scripts/test.sh does)")
    directory = tempfile.mkdtemp(prefix="latchkey-e2e-pg-")
    server = PrivateServer(directory, free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)
