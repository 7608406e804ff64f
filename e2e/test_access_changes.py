"""The access change log (issue 19 item 2): servers on one PostgreSQL database keep what agent keys resolved to for
a long time (LATCHKEY_ACCESS_CACHE_LIFETIME_MS) and still forget a changed entry within the access cache time
(LATCHKEY_ACCESS_CACHE_MS), because every change that can alter an answer is logged in the database, in the same
transaction, and each server reads the log every access cache time.

Each test gets an empty database on the throwaway PostgreSQL server that scripts/test.sh starts."""

from __future__ import annotations

import time

from harness import describe_response, expect_error, wait_until
from postgres_helpers import query

SECRET = "acl-secret-" + "0123456789abcdef"
POLL_MS = 500
LIFETIME_MS = 600_000
# Generous for a loaded machine: the bound that matters is the lifetime (ten minutes), which this is far below.
SEEN_WITHIN = 10.0


def _two_servers(env, pg_url):
    settings = {
        "LATCHKEY_DATABASE_URL": pg_url,
        "LATCHKEY_ACCESS_CACHE_MS": str(POLL_MS),
        "LATCHKEY_ACCESS_CACHE_LIFETIME_MS": str(LIFETIME_MS),
    }
    a = env.start(extra_env=settings)
    b = env.start(extra_env={**settings, "LATCHKEY_MASTER_KEY_FILE": str(a.key_file)})
    return a, b


def _status(agent, path: str) -> int:
    return agent.get("echo", path).status_code


def test_entries_outlive_the_poll_interval_and_a_key_revoked_on_one_server_stops_on_the_other(env, pg_url, upstream):
    a, b = _two_servers(env, pg_url)
    cred = a.admin.create_credential("echo", {"api_key": SECRET})
    agent = a.admin.agent_for({"echo": cred})
    agent.lk = b  # calls go to the other server
    # b reads the setup's own changes first (else applying them later drops the entry this call makes). A fixed pause
    # can end before b's read on a loaded machine, so watch for it: a key b remembers, revoked after the setup, is
    # refused there only once b's read of the change log has gone past the setup's changes.
    sentinel = a.admin.agent_for({"echo": cred})
    sentinel.lk = b
    assert _status(sentinel, "sentinel") == 200
    r = a.admin.delete(f"/api/v1/groups/{sentinel.group_id}/keys/{sentinel.key_id}")
    assert r.status_code in (200, 204), describe_response(r)
    assert wait_until(lambda: _status(sentinel, "sentinel") == 401, timeout=SEEN_WITHIN), "b never read the change log"
    assert _status(agent, "first") == 200

    # Unbind behind the log's back (triggers off for this session): no server is told. b keeps answering from the
    # entry it remembered for several poll intervals: entries live longer than the access cache time.
    query(pg_url, "SET session_replication_role = replica; DELETE FROM bindings;")
    time.sleep(4 * POLL_MS / 1000)
    assert _status(agent, "still-remembered") == 200

    # A revocation through the API is logged with it: b forgets the key at its next poll, far before the lifetime.
    r = a.admin.delete(f"/api/v1/groups/{agent.group_id}/keys/{agent.key_id}")
    assert r.status_code in (200, 204), describe_response(r)
    started = time.monotonic()
    assert wait_until(lambda: _status(agent, "after-revoke") == 401, timeout=SEEN_WITHIN, interval=0.05)
    elapsed = time.monotonic() - started
    print(f"revoked key refused on the other server after {elapsed:.2f} s (poll interval {POLL_MS} ms)")
    # The attack: once refused, never served again (neither proxy path holds on to it).
    for i in range(20):
        expect_error(agent.get("echo", f"retry-{i}"), 401, "unauthorized")


def test_a_credential_deleted_on_one_server_stops_calls_on_the_other(env, pg_url, upstream):
    a, b = _two_servers(env, pg_url)
    cred = a.admin.create_credential("echo", {"api_key": SECRET})
    agent = a.admin.agent_for({"echo": cred})
    agent.lk = b
    assert _status(agent, "first") == 200
    r = a.admin.delete(f"/api/v1/credentials/{cred['id']}")
    assert r.status_code in (200, 204), describe_response(r)
    assert wait_until(lambda: _status(agent, "after-delete") == 424, timeout=SEEN_WITHIN, interval=0.05)
    upstream.clear()
    for i in range(10):
        expect_error(agent.get("echo", f"retry-{i}"), 424, "credential_missing")
    assert upstream.snapshot() == [], "no call reached the provider with the deleted credential"


def test_the_change_log_is_written_by_the_database_and_names_no_secret(env, pg_url):
    a, b = _two_servers(env, pg_url)
    cred = a.admin.create_credential("echo", {"api_key": SECRET})
    agent = a.admin.agent_for({"echo": cred})
    kinds = {row[0] for row in query(pg_url, "SELECT kind FROM access_changes")}
    assert "group" in kinds, kinds  # the binding
    r = a.admin.delete(f"/api/v1/groups/{agent.group_id}/keys/{agent.key_id}")
    assert r.status_code in (200, 204), describe_response(r)
    rows = query(pg_url, "SELECT kind, target FROM access_changes ORDER BY id DESC LIMIT 1")
    assert rows[0][0] == "agent_key", rows
    assert SECRET not in "\n".join("|".join(r) for r in query(pg_url, "SELECT kind, target FROM access_changes"))
