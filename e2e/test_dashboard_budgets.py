"""Budgets, rules and approvals in the dashboard (issue 15 item 5; SPEC §6; docs/dashboard-views.md `group`,
`approval`, `approvals`), driven in headless Chromium against the loopback `echo` provider, so an admitted call
reaches the recording upstream.

* The approval round trip: a binding whose rule needs approval; the agent gets 403 `approval_required` with an
  `approval_url`; the owner, not yet signed in, opens it, signs in, lands on it and approves for 10 minutes; the
  agent's next call passes. The grant's expiry is *time-travelled* rather than waited for: the test sets that
  approval's `expires_at` in the server's SQLite file (`<workdir>/latchkey.db`, table `approvals`; dates are
  stored as REAL seconds since 1970) to a minute ago, and the agent is refused again. The second request the
  owner denies: it stays denied (403 `policy_denied`), its page shows "Denied" and no buttons, and deciding it
  again is 409 (the API and the page).
* The rules form: a bad pattern comes back with an error naming the field and changes nothing; a read-only rule
  set saves and the agent's POST is refused with `policy_denied`; "Check a call" judges the entered (unsaved)
  rules: allowed, refused, needs approval.
* The budget form: a bad limit changes nothing; a per-minute limit of 3 admits 3 of 5 calls (2 get 429); the page
  shows 3 of 3 on the usage bar, today's bar of 3 calls in the chart, and the same refusals as the audit API.
"""

from __future__ import annotations

import re
import secrets
import sqlite3
import time
from datetime import datetime, timezone


from browser import signed_in
from harness import Agent, Latchkey, describe_response, expect_error, wait_until

REFUSALS = {"call.denied", "budget.exceeded", "approval.requested"}


def _group_with_echo(admin, policy=None):
    cred = admin.create_credential("echo", {"api_key": "echo-" + secrets.token_hex(16)}, name="Echo")
    group = admin.create_group("budgeted bot")
    gid = group["id"]
    body = {"credential_id": cred["id"]}
    if policy is not None:
        body["policy"] = policy
    r = admin.put(f"/api/v1/groups/{gid}/bindings/echo", json=body)
    assert r.status_code == 200, describe_response(r)
    agent = Agent(admin.lk, admin.create_key(gid)["key"], group_id=gid)
    return gid, cred, agent


def _signed_in_with_group(dashboard_factory, browser_factory):
    """A server, its admin, a group bound to `echo` without rules, its agent, and a signed-in browser."""
    lk = dashboard_factory()
    admin = lk.admin
    gid, _, agent = _group_with_echo(admin)
    return lk, admin, gid, agent, signed_in(browser_factory, lk)


def _binding_policy(admin, gid):
    r = admin.get(f"/api/v1/groups/{gid}/bindings")
    assert r.status_code == 200, describe_response(r)
    [binding] = [b for b in r.json()["bindings"] if b["provider"] == "echo"]
    return binding.get("policy")


def _open(b, css):
    """Opens a <details> (a closed one hides its form from the browser)."""
    details = b.find(css)
    if details.get_attribute("open") is None:
        b.find("summary", within=details).click()


def _set_checkbox(b, form, name, on):
    box = b.find(f'input[name="{name}"]', within=form)
    if box.is_selected() != on:
        box.click()


def _csrf_post(b, page_path, action, data):
    """Posts a form the way the page would (the browser's session and the page's CSRF token), outside the page."""
    s = b.requests_session()
    page = s.get(b.url(page_path), timeout=30)
    m = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert m, f"no CSRF token on {page_path}"
    return s.post(b.url(action), data={"csrf": m.group(1), **data}, allow_redirects=False, timeout=30)


def test_approval_round_trip_approve_for_ten_minutes_expire_then_deny(env, dashboard_factory, browser_factory):
    lk = dashboard_factory()
    admin = lk.admin
    gid, _, agent = _group_with_echo(admin, {"approve": [{"methods": ["POST"], "paths": ["/issues/**"]}]})
    env.upstream.clear()

    # Reads pass; a POST the rule catches is refused and leads to an approval page.
    assert agent.get("echo", "models").status_code == 200
    err = expect_error(agent.post("echo", "issues/1", json={"title": "x"}), 403, "approval_required")
    url = err.get("approval_url") or ""
    m = re.fullmatch(re.escape(lk.public_url) + r"/approvals/([^/?#]+)", url)
    assert m, f"approval_url: {err}"
    first = m.group(1)

    # The owner is not signed in: sign-in comes first, then the approval page itself.
    b = browser_factory(base=lk.public_url)
    b.go(url, "approval-needs-sign-in")
    assert b.path == "/login", b.describe()
    assert b.query.get("next") == [f"/approvals/{first}"], f"the sign-in should lead back: {b.current_url}"
    b.submit(
        "form#login-form",
        "#login-submit",
        "approval-after-sign-in",
        {"email": Latchkey.ADMIN_EMAIL, "password": Latchkey.ADMIN_PASSWORD},
    )
    assert b.path == f"/approvals/{first}", b.describe()
    assert b.find("#approval").get_attribute("data-status") == "pending"
    assert b.text(".approval-call") == "POST /issues/1"
    assert b.text(".approval-group") == "budgeted bot"
    assert b.text(".approval-rule") == "POST /issues/**"
    for button in ("#approve-once", "#approve-600", "#approve-3600", "#approve-86400", "#deny"):
        assert b.exists(button), f"{button} missing: {b.describe()}"
    b.go(f"/groups/{gid}", "group-with-pending-approval")
    assert [li.get_attribute("data-approval-id") for li in b.finds(".pending-approval")] == [first]
    assert b.find('li.warning[data-kind="approval_requested"] a.fix').get_attribute("href") == url
    b.click(f'.pending-approval[data-approval-id="{first}"] a', "approval-from-group-page")
    assert b.path == f"/approvals/{first}", b.describe()

    b.click("#approve-600", "approved-for-10-minutes")
    assert b.path == f"/approvals/{first}", b.describe()
    assert b.find("#approval-status").get_attribute("data-status") == "approved"
    assert "Approved until" in b.text("#approval-status")
    assert not b.exists("form.approve-form") and not b.exists("form.deny-form"), "a decided request has no buttons"

    # The agent's next call (and the one after: a grant for a duration) reaches the upstream.
    for n in (1, 2):
        r = agent.post("echo", "issues/1", json={"title": "x"})
        assert r.status_code == 200, describe_response(r)
    posts = [rec for rec in env.upstream.wait_for(3) if rec.method == "POST"]
    assert [rec.path for rec in posts] == ["/base/v1/issues/1"] * 2

    # Time travel: the grant's 10 minutes are over (the server keeps no grant in memory).
    with sqlite3.connect(lk.db_path) as db:
        changed = db.execute("UPDATE approvals SET expires_at = ? WHERE id = ?", (time.time() - 60, first)).rowcount
    assert changed == 1
    err = expect_error(agent.post("echo", "issues/1", json={"title": "x"}), 403, "approval_required")
    second = err["approval_url"].rsplit("/", 1)[-1]
    assert second != first, "an expired grant is a new request"
    b.go(f"/approvals/{first}", "first-request-expired")
    assert b.find("#approval-status").get_attribute("data-status") == "expired"
    assert not b.exists("form.approve-form")

    # The second request, denied, stays denied.
    b.go(f"/approvals/{second}", "second-request")
    b.click("#deny", "second-request-denied")
    assert b.find("#approval-status").get_attribute("data-status") == "denied", b.describe()
    assert b.text("#approval-status") == "Denied"
    assert not b.exists("form.approve-form") and not b.exists("form.deny-form")
    for _ in range(2):
        expect_error(agent.post("echo", "issues/1", json={"title": "x"}), 403, "policy_denied")
    expect_error(admin.post(f"/api/v1/approvals/{second}/approve", json={"for_seconds": 600}), 409, "conflict")
    # The page's own form, sent again (a stale tab): 409 with a clear message, still denied.
    r = _csrf_post(b, f"/approvals/{second}", f"/approvals/{second}/approve", {"for_seconds": "600"})
    assert r.status_code == 409, describe_response(r)
    assert "already decided" in r.text
    assert admin.get(f"/api/v1/approvals/{second}").json()["status"] == "denied"
    assert len([rec for rec in env.upstream.snapshot() if rec.method == "POST"]) == 2, (
        "no denied call reached the upstream"
    )

    # The list: nothing pending; both requests under "decided", linked from the nav.
    b.go("/groups", "groups")
    b.click('nav a[href="/approvals"]', "approvals-list")
    statuses = {
        el.get_attribute("data-approval-id"): el.get_attribute("data-status") for el in b.finds(".approval-item")
    }
    assert statuses == {first: "expired", second: "denied"}, statuses
    b.go(f"/groups/{gid}", "group-page")
    assert not b.exists(".pending-approval")


def test_rules_form_refuses_a_bad_pattern_saves_read_only_rules_and_checks_calls(
    env, dashboard_factory, browser_factory
):
    lk, admin, gid, agent, b = _signed_in_with_group(dashboard_factory, browser_factory)
    b.go(f"/groups/{gid}", "group")
    assert "Everything under the base URL" in b.text("#rules-echo .policy-summary")

    # A pattern without its leading slash: the form comes back with the error, and nothing is saved.
    _open(b, "#rules-echo details.rules-edit")
    b.fill("#rules-echo form.policy-form", {"paths": "models/**"})
    b.click("button.save-rules", "bad-pattern", within=b.find("#rules-echo form.policy-form"))
    assert b.status() == 400, b.describe()
    error = b.find("#rules-echo .rules-error")
    assert error.get_attribute("data-field") == "policy.paths[0]"
    assert "Allowed paths, line 1" in error.text and "must start with '/'" in error.text, error.text
    assert "Nothing was saved" in b.text("#error")
    assert b.find("#rules-echo textarea[name=paths]").get_attribute("value") == "models/**", "the entered value is kept"
    assert _binding_policy(admin, gid) is None

    # An approval rule that does not parse names its line.
    form = b.find("#rules-echo form.policy-form")
    b.fill("#rules-echo form.policy-form", {"paths": "", "approve": "GET /a\nPOST /b extra"})
    b.click("button.save-rules", "bad-approval-rule", within=form)
    assert "Approval rules, line 2" in b.text("#rules-echo .rules-error")
    assert _binding_policy(admin, gid) is None

    # Read-only: GET (and HEAD) on /models/** and /repos/*/issues.
    form = b.find("#rules-echo form.policy-form")
    for method in ("POST", "PUT", "PATCH", "DELETE", "OPTIONS"):
        _set_checkbox(b, form, f"method.{method}", False)
    b.fill("#rules-echo form.policy-form", {"paths": "/models/**\n/repos/*/issues", "approve": ""})
    b.click("button.save-rules", "read-only-saved", within=form)
    assert "Rules saved" in b.notice(), b.describe()
    policy = _binding_policy(admin, gid)
    assert policy["methods"] == ["GET", "HEAD"] and policy["paths"] == ["/models/**", "/repos/*/issues"], policy
    summary = b.text("#rules-echo .policy-summary")
    assert "Methods: GET, HEAD" in summary and "/repos/*/issues" in summary, summary

    assert agent.get("echo", "models").status_code == 200
    expect_error(agent.post("echo", "models", json={}), 403, "policy_denied")
    expect_error(agent.get("echo", "secrets"), 403, "policy_denied")

    # "Check a call" judges what is entered, saves nothing.
    def check(method, path, step):
        _open(b, "#rules-echo details.rules-edit")
        b.fill("#rules-echo form.policy-form", {"check_method": method, "check_path": path})
        b.click("button.check-call-button", step, within=b.find("#rules-echo form.policy-form"))
        return b.find("#rules-echo .verdict")

    verdict = check("GET", "/repos/acme/issues", "check-allowed")
    assert verdict.get_attribute("data-verdict") == "allowed", verdict.text
    verdict = check("POST", "/models", "check-refused-method")
    assert verdict.get_attribute("data-verdict") == "refused" and "POST is not among the methods" in verdict.text, (
        verdict.text
    )
    verdict = check("GET", "/repos/acme/pulls", "check-refused-path")
    assert verdict.get_attribute("data-verdict") == "refused" and "outside the patterns" in verdict.text, verdict.text
    # An approval rule entered but not saved.
    b.fill("#rules-echo form.policy-form", {"approve": "DELETE /repos/**"})
    verdict = check("DELETE", "/repos/acme", "check-needs-approval")
    assert verdict.get_attribute("data-verdict") == "approval" and "DELETE /repos/**" in verdict.text, verdict.text
    assert _binding_policy(admin, gid) == policy, "checking saves nothing"


def test_budget_form_limits_calls_and_the_page_matches_usage_and_the_audit_log(env, dashboard_factory, browser_factory):
    lk, admin, gid, agent, b = _signed_in_with_group(dashboard_factory, browser_factory)
    b.go(f"/groups/{gid}#budget", "group")
    assert b.exists("section#budget") and b.exists(".budget-none")

    # A bad number: the error, nothing saved.
    _open(b, "#budget details.budget-edit")
    # app.js adds blank rows on demand (without it, the form always has two).
    assert len(b.finds("tr.limit-row")) == 2
    b.find("#add-limit-row").click()
    assert [row.get_attribute("data-row") for row in b.finds("tr.limit-row")] == ["0", "1", "2"]
    assert b.find('input[name="limit.2.calls"]').get_attribute("value") == ""
    assert b.find('label[for="limit-2-calls"]').get_attribute("textContent") == "Calls of limit 3"
    b.fill("form#budget-form", {"limit.0.provider": "echo", "limit.0.per": "minute", "limit.0.calls": "3x"})
    b.click("#save-budget", "bad-limit")
    assert b.status() == 400, b.describe()
    assert "Limit 1" in b.text(".budget-error") and "whole number" in b.text(".budget-error")
    assert admin.get(f"/api/v1/groups/{gid}/budget").json()["limits"] == []
    b.fill("form#budget-form", {"limit.0.calls": "3", "max_concurrent": "0"})
    b.click("#save-budget", "bad-cap")
    assert b.find(".budget-error").get_attribute("data-field") == "max_concurrent"
    assert admin.get(f"/api/v1/groups/{gid}/budget").json()["limits"] == []

    # Keep the five calls and the page in one minute window.
    if time.time() % 60 > 30:
        time.sleep(61 - time.time() % 60)
    b.fill("form#budget-form", {"limit.0.calls": "3", "max_concurrent": ""})
    b.click("#save-budget", "budget-saved")
    assert "Budget saved" in b.notice(), b.describe()
    budget = admin.get(f"/api/v1/groups/{gid}/budget").json()
    assert budget["limits"] == [{"provider": "echo", "per": "minute", "calls": 3}], budget
    assert "Echo bearer: at most 3 calls per minute" in b.text(".budget-limits")

    statuses = [agent.get("echo", f"models/{n}") for n in range(5)]
    assert [r.status_code for r in statuses] == [200, 200, 200, 429, 429], [describe_response(r) for r in statuses]
    refused = expect_error(statuses[3], 429, "budget_exceeded")
    assert refused.get("setup_url") == f"{lk.public_url}/groups/{gid}#budget", refused
    assert int(statuses[3].headers["Retry-After"]) in range(0, 61)

    # A call the rules refuse, for the refusals list.
    r = admin.put(
        f"/api/v1/groups/{gid}/bindings/echo",
        json={"credential_id": _credential_of(admin, gid), "policy": {"methods": ["GET"]}},
    )
    assert r.status_code == 200, describe_response(r)
    expect_error(agent.post("echo", "models", json={}), 403, "policy_denied")

    def audited():
        events = admin.get("/api/v1/audit?limit=500").json()["events"]
        return [
            e
            for e in events
            if e["action"] in REFUSALS
            and ((e["target_type"] == "group" and e["target_id"] == gid) or e["detail"].get("group_id") == gid)
        ]

    assert wait_until(lambda: {e["action"] for e in audited()} == {"budget.exceeded", "call.denied"}, timeout=10), (
        audited()
    )

    b.go(f"/groups/{gid}", "usage")
    # The owner's warning leads to the budget, not to binding the provider again.
    fix = b.find('li.warning[data-kind="budget_exceeded"] a.fix')
    assert fix.get_attribute("href") == f"{lk.public_url}/groups/{gid}#budget", fix.get_attribute("href")
    assert not b.exists('form.bind-form[data-provider="echo"]'), "a bound provider is not offered for binding"
    usage = b.find('.usage[data-provider="echo"][data-per="minute"]')
    assert (usage.get_attribute("data-used"), usage.get_attribute("data-calls")) == ("3", "3"), b.describe()
    assert "3 of 3" in usage.text
    meter = b.find("meter.usage-bar", within=usage)
    assert (meter.get_attribute("value"), meter.get_attribute("max")) == ("3", "3")
    api_usage = admin.get(f"/api/v1/groups/{gid}/usage").json()
    assert [(u["used"], u["calls"]) for u in api_usage["limits"]] == [(3, 3)], api_usage

    today = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    bars = b.finds(f'#usage-chart rect.chart-bar[data-provider="echo"][data-day="{today}"]')
    assert [bar.get_attribute("data-calls") for bar in bars] == ["3"], b.find("#usage-chart").get_attribute(
        "outerHTML"
    )[:2000]
    assert float(bars[0].get_attribute("height")) > 0
    assert b.find("#usage-chart title").get_attribute("textContent") and b.find("#usage-chart desc").get_attribute(
        "textContent"
    )
    assert "Echo bearer" in b.text(".chart-legend")
    _open(b, "details.chart-table")
    assert b.text(f'.usage-table tr[data-day="{today}"] td[data-provider="echo"]') == "3"

    rows = [(row.get_attribute("data-event-id"), row.get_attribute("data-action")) for row in b.finds("tr.refusal")]
    assert rows == [(e["id"], e["action"]) for e in audited()], (rows, audited())
    denied = b.find('tr.refusal[data-action="call.denied"]').text
    assert "POST /models" in denied and "Echo bearer" in denied and "POST is not among the methods" in denied, denied


def _credential_of(admin, gid):
    r = admin.get(f"/api/v1/groups/{gid}/bindings")
    return r.json()["bindings"][0]["credential_id"]
