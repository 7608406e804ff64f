"""A fresh PostgreSQL database per test, on the throwaway server scripts/test.sh starts
(LATCHKEY_TEST_POSTGRES_URL). Without that variable the tests that need it are skipped, except in CI
(CI=true), where they fail: the PostgreSQL deployment must not go untested there."""

from __future__ import annotations

import os
import subprocess
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest

ADMIN_URL = os.environ.get("LATCHKEY_TEST_POSTGRES_URL")


def _psql(url: str, sql: str) -> str:
    cp = subprocess.run(["psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", url, "-c", sql],
                        capture_output=True, text=True, timeout=60)
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
    try:
        yield _with_database(ADMIN_URL, name)
    finally:
        _psql(ADMIN_URL, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def query(url: str, sql: str) -> list[list[str]]:
    """Rows of `sql` as lists of text fields."""
    return [line.split("|") for line in _psql(url, sql).splitlines() if line]
