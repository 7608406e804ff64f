"""Consent belongs to its starter (SPEC §6 behaviour 7, issue 13 item 1): tokens from a consent are stored
only for the user who started it, and only when the browser that finishes it is the one Latchkey bound at
the start. Each test is an attack that worked before the start link existed: the API handed out the
provider's consent URL, and whoever finished it filled the starter's account."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import requests

from harness import describe_response, signed_in_browser
from oauth_helpers import PEER_PASSWORD, PEER_USER, PROVIDER, page_result
from oauth_server.peer import consent

MEMBER = "member@example.com"
MEMBER_PASSWORD = "member-password-0123456789"


def _no_credentials(env, *apis):
    for api in apis:
        assert api.credentials() == [], f"{api.label} must have no credential: {api.credentials()}"
    assert env.peer.stats()["token_requests"]["authorization_code"] == 0, "no code may be exchanged"


def test_the_api_hands_out_a_single_use_latchkey_link_never_the_provider_consent_url(oauth_env):
    env = oauth_env()
    r = env.admin.post(f"/api/v1/oauth/{PROVIDER}/authorize", json={"name": "link only"})
    assert r.status_code == 200, describe_response(r)
    link = r.json()["authorization_url"]
    assert link.startswith(env.lk.public_url + "/oauth/start/"), link
    assert env.peer.url not in r.text and "state=" not in r.text and "code_challenge" not in r.text, r.text

    # Not signed in: the sign-in page first, and it comes back to the link afterwards.
    anonymous = requests.get(link, allow_redirects=False, timeout=30)
    assert anonymous.status_code in (302, 303), describe_response(anonymous)
    target = urlsplit(anonymous.headers["Location"])
    assert target.path == "/login" and parse_qs(target.query)["next"] == [urlsplit(link).path], anonymous.headers

    browser = env.browser(env.admin)
    first = browser.get(link, allow_redirects=False, timeout=30)
    assert first.status_code == 302 and first.headers["Location"].startswith(env.peer.authorization_url), (
        describe_response(first)
    )
    assert "lk_oauth" in first.cookies, "the start link binds the browser with a cookie"
    again = browser.get(link, allow_redirects=False, timeout=30)
    assert again.status_code == 410 and page_result(again)[0] is False, describe_response(again)


def test_a_second_browser_finishing_the_first_users_consent_stores_nothing(oauth_env):
    env = oauth_env()
    member = env.lk.user_api(MEMBER, MEMBER_PASSWORD)
    auth = env.authorize("admin's flow")  # opened in the admin's own browser, which is now bound

    # The consent URL reaches someone else, who approves with their own provider account...
    location = consent(auth["authorization_url"], PEER_USER, PEER_PASSWORD)
    # ... and lands on the callback in their browser: not bound, whether signed in to Latchkey or not.
    stranger = requests.get(location, allow_redirects=False, timeout=30)
    assert stranger.status_code == 403 and page_result(stranger)[0] is False, describe_response(stranger)
    _no_credentials(env, env.admin, member)

    auth = env.authorize("admin's second flow")
    location = consent(auth["authorization_url"], PEER_USER, PEER_PASSWORD)
    member_browser = signed_in_browser(env.lk, MEMBER, MEMBER_PASSWORD)
    signed_in_elsewhere = member_browser.get(location, allow_redirects=False, timeout=30)
    assert signed_in_elsewhere.status_code == 403 and page_result(signed_in_elsewhere)[0] is False, describe_response(
        signed_in_elsewhere
    )
    _no_credentials(env, env.admin, member)

    # The state is used up by the refused attempt: the starter cannot be tricked into finishing it later either.
    late = env.callback(location)
    assert late.status_code == 400 and page_result(late)[0] is False, describe_response(late)
    _no_credentials(env, env.admin, member)


def test_the_bound_browser_signed_in_as_another_user_finishes_nothing(oauth_env):
    env = oauth_env()
    member = env.lk.user_api(MEMBER, MEMBER_PASSWORD)
    auth = env.authorize("bound, then someone else signs in")
    location = consent(auth["authorization_url"], PEER_USER, PEER_PASSWORD)
    member_session = signed_in_browser(env.lk, MEMBER, MEMBER_PASSWORD).cookies["lk_session"]
    cookies = {**(env.binding_cookie(location) or {}), "lk_session": member_session}
    r = requests.get(location, allow_redirects=False, timeout=30, cookies=cookies)
    assert r.status_code == 403 and page_result(r)[0] is False, describe_response(r)
    assert "another account" in page_result(r)[1], page_result(r)
    _no_credentials(env, env.admin, member)


def test_a_start_link_opened_by_another_user_is_refused_and_dies(oauth_env):
    env = oauth_env()
    member = env.lk.user_api(MEMBER, MEMBER_PASSWORD)
    r = member.post(f"/api/v1/oauth/{PROVIDER}/authorize", json={"name": "member's link"})
    assert r.status_code == 200, describe_response(r)
    link = r.json()["authorization_url"]

    # The member forwards the link to the admin, hoping the admin's provider account lands in theirs.
    admin_browser = env.browser(env.admin)
    refused = admin_browser.get(link, allow_redirects=False, timeout=30)
    assert refused.status_code == 403 and "Location" not in refused.headers, describe_response(refused)
    assert "lk_oauth" not in refused.cookies
    # Used up: not even its starter can use it now.
    own = env.browser(member).get(link, allow_redirects=False, timeout=30)
    assert own.status_code == 410, describe_response(own)
    _no_credentials(env, env.admin, member)


def test_the_starter_finishing_in_the_bound_signed_in_browser_lands_on_the_dashboard(oauth_env):
    env = oauth_env()
    auth = env.authorize("the real thing")
    location = consent(auth["authorization_url"], PEER_USER, PEER_PASSWORD)
    browser = env.browser(env.admin)
    r = browser.get(location, allow_redirects=False, timeout=60)
    assert r.status_code in (302, 303) and r.headers["Location"] == "/credentials?notice=connected", describe_response(
        r
    )
    assert [c["name"] for c in env.admin.credentials()] == ["the real thing"]


def test_a_reconnect_through_the_api_is_bound_the_same_way(oauth_env):
    env = oauth_env()
    cred = env.connect("to reconnect")
    auth = env.authorize(cred["name"], credential_id=cred["id"])
    location = consent(auth["authorization_url"], PEER_USER, PEER_PASSWORD)
    stranger = requests.get(location, allow_redirects=False, timeout=30)
    assert stranger.status_code == 403, describe_response(stranger)
    assert env.credential(cred["id"])["updated_at"] == cred["updated_at"], "nothing changed on the credential"
    assert [e for e in env.audit_actions(cred["id"]) if e == "credential.reconnected"] == []
