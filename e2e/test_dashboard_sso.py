"""Signing in to the dashboard with the company's identity (issue 18 item 4; SPEC §6 `LATCHKEY_OIDC_*`,
`LATCHKEY_PASSWORD_SIGNIN`): headless Chromium against a real OpenID provider, django-oauth-toolkit of
e2e/oauth_server started with OpenID Connect on (RS256 id_tokens, issuer {peer}/o).

Shown here: a first sign-in creates a member; the admin claim makes an admin; an existing user is linked,
not duplicated; an email domain outside the allow-list is refused; an id_token that is forged, expired,
for another audience, from another issuer, for another nonce or unsigned is refused (the peer's
`id_token_forge` knob spoils the id_token its token endpoint answers); password sign-in turned off is
gone from the page and refused at the route."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

import pytest
import requests

from browser import Browser
from harness import Api, describe_response
from oauth_helpers import _missing_server_deps

PEER_PASSWORD = "sso-peer-pw-0123"
ADMIN_GROUP = "latchkey-admins"


@pytest.fixture(scope="module")
def oidc_peer(tmp_path_factory):
    """One OpenID Connect peer per module."""
    missing = _missing_server_deps()
    if missing:
        pytest.skip(f"OAuth test peer needs {missing}: pip install -r e2e/requirements.txt")
    from oauth_server.peer import OAuthPeer

    with OAuthPeer(data_dir=tmp_path_factory.mktemp("oidc-peer"), oidc=True) as peer:
        yield peer


class SSO:
    """A Latchkey whose dashboard signs in through the peer, with its own client at the peer."""

    def __init__(self, peer, dashboard_factory, *, password_signin: str | None = None, domains="acme.test"):
        self.peer = peer
        peer.config(reset=True)
        self.client_id = f"lk-sso-{uuid.uuid4().hex[:8]}"
        self.client_secret = f"sso-secret-{uuid.uuid4().hex}"
        env = {
            "LATCHKEY_OIDC_ISSUER": peer.oidc_issuer,
            "LATCHKEY_OIDC_CLIENT_ID": self.client_id,
            "LATCHKEY_OIDC_CLIENT_SECRET": self.client_secret,
            "LATCHKEY_OIDC_ALLOWED_DOMAINS": domains,
            "LATCHKEY_OIDC_ADMIN_CLAIM": f"groups={ADMIN_GROUP}",
        }
        if password_signin:
            env["LATCHKEY_PASSWORD_SIGNIN"] = password_signin
        self.lk = dashboard_factory(extra_env=env)
        # skip_authorization: the provider signs people in and comes straight back (its consent page is
        # covered by test_dashboard_oauth.py).
        peer.setup(
            client_id=self.client_id,
            client_secret=self.client_secret,
            algorithm="RS256",
            redirect_uri=[self.lk.public_url + "/oidc/callback"],
            skip_authorization=True,
        )

    def person(self, email: str, groups=(), **claims) -> str:
        """A user at the provider whose id_token carries `email` (verified) and `groups`; returns the username."""
        username = email.split("@")[0] + "-" + uuid.uuid4().hex[:6]
        self.peer.setup(
            username=username,
            password=PEER_PASSWORD,
            claims={"email": email, "email_verified": True, "groups": list(groups), **claims},
        )
        return username

    def sign_in(self, b: Browser, username: str, step: str):
        """/login → "Sign in with …" → the provider's own sign-in page → back on Latchkey."""
        b.go("/login", f"{step}-login")
        assert b.exists("a#sso-signin"), f"no SSO button on /login: {b.describe()}"
        assert "Sign in with 127.0.0.1" in b.text("a#sso-signin"), b.text("a#sso-signin")
        b.click("a#sso-signin", f"{step}-provider")
        assert b.current_url.startswith(self.peer.url + "/accounts/login"), (
            f"the provider's sign-in page expected: {b.describe()}"
        )
        b.submit("form#login-form", "#login-submit", f"{step}-back", {"username": username, "password": PEER_PASSWORD})
        assert b.current_url.startswith(self.lk.public_url), (
            f"the provider should send the browser back: {b.describe()}"
        )

    def api_for(self, email: str) -> Api:
        return Api(self.lk, self.lk.create_token(email), label=email, email=email)


def is_admin_page(b: Browser) -> bool:
    return b.exists('nav a[href="/settings"]')


def refused(b: Browser, sso: SSO, words: str, step: str):
    assert urlsplit(b.current_url).path == "/oidc/callback", b.describe()
    assert b.status() == 403, f"status {b.status()}: {b.describe()}"
    assert b.find("#result").get_attribute("data-success") == "false", b.describe()
    assert words in b.text(".message-text"), b.describe()
    b.go("/credentials", f"{step}-not-signed-in")
    assert b.path == "/login", f"a refused sign-in must not leave a session: {b.describe()}"


def audit(api: Api) -> list[dict]:
    r = api.get("/api/v1/audit")
    assert r.status_code == 200, describe_response(r)
    return r.json()["events"]


def test_first_sign_in_creates_a_member_and_the_admin_claim_an_admin(oidc_peer, dashboard_factory, browser_factory):
    sso = SSO(oidc_peer, dashboard_factory)

    member = sso.person("Mia@Acme.test")
    b = browser_factory(base=sso.lk.public_url)
    sso.sign_in(b, member, "member")
    assert b.path == "/credentials", b.describe()
    assert "mia@acme.test" in b.text(".account-email"), b.describe()
    assert not is_admin_page(b), "a first sign-in without the admin claim makes a member"
    b.go("/settings", "member-settings")
    assert b.status() == 403, b.describe()
    events = audit(sso.api_for("mia@acme.test"))
    signed = [e for e in events if e["action"] == "user.signed_in"]
    assert signed and signed[0]["detail"] == {"method": "oidc", "issuer": oidc_peer.oidc_issuer, "created": "true"}, (
        events
    )
    created = [e for e in events if e["action"] == "user.created"]
    assert created and created[0]["detail"]["role"] == "member", events

    admin = sso.person("ada@acme.test", groups=["staff", ADMIN_GROUP])
    b2 = browser_factory(base=sso.lk.public_url, suffix="-admin")
    sso.sign_in(b2, admin, "admin")
    assert b2.path == "/credentials" and is_admin_page(b2), f"the admin claim makes an admin: {b2.describe()}"
    b2.go("/settings", "admin-settings")
    assert b2.status() == 200 and b2.path == "/settings", b2.describe()

    # Signing in again is the same user (no second user.created), with a new session.
    b.driver.delete_cookie("lk_session")
    b.go("/login", "again-login")
    b.click("a#sso-signin", "again-back")  # the provider remembers the browser: straight back
    assert b.path == "/credentials", b.describe()
    events = audit(sso.api_for("mia@acme.test"))
    assert [e["action"] for e in events].count("user.created") == 1, events
    assert [e["detail"].get("created") for e in events if e["action"] == "user.signed_in"] == ["false", "true"], events


def test_an_existing_user_with_the_same_email_is_linked_not_duplicated(oidc_peer, dashboard_factory, browser_factory):
    sso = SSO(oidc_peer, dashboard_factory)
    sso.lk.add_user("carol@acme.test", "carol-password-0123")
    carol = sso.person("carol@acme.test")
    b = browser_factory(base=sso.lk.public_url)
    sso.sign_in(b, carol, "link")
    assert b.path == "/credentials" and "carol@acme.test" in b.text(".account-email"), b.describe()
    events = audit(sso.api_for("carol@acme.test"))
    assert [e["action"] for e in events].count("user.created") == 1, events
    assert [e["detail"] for e in events if e["action"] == "user.signed_in"][0]["created"] == "false", events
    # Her password still works: the same account, not a second one.
    b2 = browser_factory(base=sso.lk.public_url, suffix="-password")
    b2.login("carol@acme.test", "carol-password-0123")
    assert b2.path == "/credentials", b2.describe()


def test_an_email_domain_outside_the_allow_list_is_refused(oidc_peer, dashboard_factory, browser_factory):
    sso = SSO(oidc_peer, dashboard_factory)
    for i, email in enumerate(["eve@evil.test", "eve@sub.acme.test", "eve@acme.test.evil.test"]):
        outsider = sso.person(email)
        b = browser_factory(base=sso.lk.public_url, suffix=f"-{i}")
        sso.sign_in(b, outsider, f"outsider{i}")
        refused(b, sso, "not in a domain allowed", f"outsider{i}")
    # An unverified email is refused too, even in an allowed domain.
    unverified = sso.person("uma@acme.test", email_verified=False)
    b = browser_factory(base=sso.lk.public_url, suffix="-unverified")
    sso.sign_in(b, unverified, "unverified")
    refused(b, sso, "has not verified", "unverified")


@pytest.mark.parametrize(
    "forgery, words",
    [
        ("signature", "signature does not verify"),
        ("expired", "has expired"),
        ("audience", "issued for another client"),
        ("issuer", "another issuer"),
        ("nonce", "nonce differs"),
        ("alg_none", "not a well-formed JWT"),  # unsigned: an empty signature part is refused before anything else
    ],
)
def test_a_bad_id_token_is_refused(oidc_peer, dashboard_factory, browser_factory, forgery, words):
    sso = SSO(oidc_peer, dashboard_factory)
    person = sso.person("ben@acme.test", groups=[ADMIN_GROUP])
    sso.peer.config(id_token_forge=forgery)
    b = browser_factory(base=sso.lk.public_url)
    sso.sign_in(b, person, forgery)
    refused(b, sso, words, forgery)
    # Nobody was created from it.
    cp = sso.lk.cli("token", "create", "--user", "ben@acme.test", check=False)
    assert cp.returncode != 0, f"a refused id_token must not create its user: {cp.stdout}"
    # With a good id_token the same person gets in: the refusal was the token's, not the setup's.
    sso.peer.config(id_token_forge=None)
    b.go("/login", f"{forgery}-retry")
    b.click("a#sso-signin", f"{forgery}-retry-back")
    assert b.path == "/credentials" and is_admin_page(b), b.describe()


def test_password_sign_in_turned_off_is_hidden_and_refused(oidc_peer, dashboard_factory, browser_factory):
    sso = SSO(oidc_peer, dashboard_factory, password_signin="off")
    b = browser_factory(base=sso.lk.public_url)
    b.go("/login", "login-sso-only")
    assert b.exists("a#sso-signin") and not b.exists("form#login-form"), b.describe()
    assert not b.exists('input[type="password"]'), b.describe()

    # A hand-made password sign-in (with a valid CSRF pair) is refused at the route.
    s = requests.Session()
    s.trust_env = False
    page = s.get(sso.lk.url("/login"))
    assert page.status_code == 200
    csrf = s.cookies.get("lk_csrf")
    assert csrf, page.headers
    r = s.post(
        sso.lk.url("/login"),
        data={"email": "admin@example.com", "password": sso.lk.ADMIN_PASSWORD, "csrf": csrf, "next": "/credentials"},
        allow_redirects=False,
    )
    assert r.status_code == 403 and "Password sign-in is turned off" in r.text, describe_response(r)
    assert "lk_session" not in s.cookies, "no session from a refused password sign-in"

    person = sso.person("olga@acme.test")
    sso.sign_in(b, person, "sso-only")
    assert b.path == "/credentials", b.describe()


def test_a_callback_not_started_in_this_browser_is_refused(oidc_peer, dashboard_factory, browser_factory):
    """The state and nonce are bound to the browser that started: a callback URL carried to another browser
    (or replayed) finishes nothing."""
    sso = SSO(oidc_peer, dashboard_factory)
    s = requests.Session()
    s.trust_env = False
    start = s.get(sso.lk.url("/oidc/start"), allow_redirects=False)
    assert start.status_code == 302, describe_response(start)
    target = start.headers["Location"]
    assert target.startswith(oidc_peer.oidc_issuer + "/authorize/?"), target
    for needed in ("code_challenge_method=S256", "nonce=", "state=", "scope=openid"):
        assert needed in target, target
    other = requests.get(
        sso.lk.url("/oidc/callback?code=abc&state=" + target.split("state=")[1].split("&")[0]), allow_redirects=False
    )
    assert other.status_code == 400 and "not started in this browser" in other.text, describe_response(other)
    wrong_state = s.get(sso.lk.url("/oidc/callback?code=abc&state=forged"), allow_redirects=False)
    assert wrong_state.status_code == 400 and "does not belong" in wrong_state.text, describe_response(wrong_state)
