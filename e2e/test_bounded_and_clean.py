"""Storage and logs stay bounded and clean; one first admin (issue 14, items 4 and 5): floods of failed sign-ins
for unknown emails barely grow the database, a hostile token-endpoint `error` forges no log line and stores no
control character, names that reorder or break text are refused, and two setup submissions leave one admin."""

from __future__ import annotations

import re
import sqlite3
import threading

import requests

from browser import setup_link
from harness import describe_response


def _size(lk) -> int:
    """Bytes held by the tables a failed sign-in writes to."""
    with sqlite3.connect(lk.db_path) as db:
        return sum(
            len(str(v))
            for table in ("login_failures", "audit_events")
            for row in db.execute(f"SELECT * FROM {table}")
            for v in row
        )


def test_fifty_failed_sign_ins_for_unknown_emails_with_huge_headers_barely_grow_the_database(latchkey):
    latchkey.admin
    before = _size(latchkey)
    huge = "x" * 10_000
    s = requests.Session()
    page = s.get(latchkey.url("/login"), timeout=30)
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, describe_response(page)
    csrf = found.group(1)
    for i in range(50):
        r = s.post(
            latchkey.url("/login"),
            data={"csrf": csrf, "email": f"{huge}{i}@example.com", "password": "wrong-password-x", "next": "/"},
            headers={"X-Forwarded-For": huge, "User-Agent": huge},
            allow_redirects=False,
            timeout=60,
        )
        assert r.status_code in (401, 429), describe_response(r)
    grown = _size(latchkey) - before
    # Two small throttle rows per counted attempt (the email only as a hash) and a handful of audit rows: well
    # under the 500 KiB the emails and headers add up to.
    assert grown < 20_000, f"the flood stored {grown} bytes"


def test_names_that_reorder_or_break_text_are_refused(latchkey):
    admin = latchkey.admin
    for bad in ("invoice\u202eexe.pdf", "line\u0085break", "bell\u0007", "iso\u2066late"):
        r = admin.post("/api/v1/groups", json={"name": bad})
        assert r.status_code == 400 and r.json()["error"]["code"] == "validation_failed", describe_response(r)
        r = admin.post("/api/v1/credentials", json={"provider": "echo", "name": bad, "fields": {"api_key": "k" * 40}})
        assert r.status_code == 400, describe_response(r)
    assert admin.groups() == [] and admin.credentials() == []


def test_a_hostile_token_endpoint_error_forges_no_log_line_and_stores_no_control_character(oauth_env):
    env = oauth_env()
    cred = env.connect("hostile error")
    hostile = "invalid_grant\n2026-12-01T00:00:00+0000 critical forged: master key printed\u001b[31m<script>"
    env.peer.config(token_error=hostile, token_error_status=400, token_error_count=1, token_error_grant="refresh_token")
    env.admin.post(f"/api/v1/credentials/{cred['id']}/refresh")
    record = env.credential(cred["id"])
    reason = record.get("status_reason") or ""
    assert reason.startswith("invalid_grant") and re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", reason), (
        f"status_reason {reason!r}"
    )
    log = env.lk.log_text().decode("utf-8", "replace")
    assert "forged: master key printed" not in log and "\u001b[31m" not in log and "<script>" not in log, log[-2000:]


def test_two_setup_submissions_at_once_leave_one_admin(dashboard_factory):
    lk = dashboard_factory(admin=False)
    link = setup_link(lk)
    token = link.split("token=", 1)[1]
    sessions = []
    for _ in range(2):
        s = requests.Session()
        page = s.get(lk.url(f"/setup?token={token}"), timeout=30).text
        sessions.append((s, re.search(r'name="csrf" value="([^"]+)"', page).group(1)))
    barrier = threading.Barrier(2)
    results: list = [None, None]

    def submit(i):
        s, csrf = sessions[i]
        barrier.wait()
        results[i] = s.post(
            lk.url("/setup"),
            data={
                "csrf": csrf,
                "token": token,
                "email": f"admin{i}@example.com",
                "password": "first-admin-passphrase-42",
                "password_confirm": "first-admin-passphrase-42",
            },
            allow_redirects=False,
            timeout=60,
        ).status_code

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results) == [303, 403], results
    with sqlite3.connect(lk.db_path) as db:
        assert db.execute("SELECT count(*) FROM users").fetchone()[0] == 1


def test_a_hundred_and_twenty_groups_come_back_in_pages_all_reachable(latchkey):
    admin = latchkey.admin
    made = {admin.create_group(f"group {i:03d}")["id"] for i in range(120)}
    seen, cursor, pages = [], None, 0
    while True:
        r = admin.get("/api/v1/groups" + (f"?cursor={cursor}" if cursor else ""))
        assert r.status_code == 200, describe_response(r)
        body = r.json()
        assert len(body["groups"]) <= 100 and "next_cursor" in body, body.keys()
        seen += [g["id"] for g in body["groups"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 2 and len(seen) == 120 and set(seen) == made
    small = admin.get("/api/v1/groups?limit=7").json()
    assert len(small["groups"]) == 7 and small["next_cursor"] == small["groups"][-1]["id"]
    for bad in ("?limit=0", "?limit=101", "?limit=x", "?cursor=grp_notmine"):
        r = admin.get("/api/v1/groups" + bad)
        assert r.status_code == 400 and r.json()["error"]["code"] == "validation_failed", (bad, describe_response(r))
    # Another user's record is no cursor of mine.
    other = latchkey.user_api("other@example.com", "other-password-0123456789")
    assert other.get(f"/api/v1/groups?cursor={seen[0]}").status_code == 400
    keys = admin.get(f"/api/v1/groups/{seen[0]}/keys").json()
    assert keys == {"keys": [], "next_cursor": None}, keys


def test_per_user_quotas_are_settings_and_refuse_clearly(latchkey_factory):
    lk = latchkey_factory(
        extra_env={
            "LATCHKEY_MAX_GROUPS_PER_USER": "2",
            "LATCHKEY_MAX_KEYS_PER_GROUP": "1",
            "LATCHKEY_MAX_CREDENTIALS_PER_USER": "1",
        }
    )
    admin = lk.admin
    g = admin.create_group("one")
    admin.create_group("two")
    r = admin.post("/api/v1/groups", json={"name": "three"})
    assert r.status_code == 409 and "limit of 2" in r.json()["error"]["message"], describe_response(r)
    admin.create_key(g["id"])
    assert admin.post(f"/api/v1/groups/{g['id']}/keys").status_code == 409
    admin.create_credential("echo", {"api_key": "k" * 40})
    assert (
        admin.post(
            "/api/v1/credentials", json={"provider": "echo", "name": "second", "fields": {"api_key": "k" * 40}}
        ).status_code
        == 409
    )
