"""A generic OpenID Connect provider (issue 17): the user types the issuer when connecting, Latchkey
discovers the authorization server's endpoints from it (here django-oauth-toolkit's metadata, e2e/oauth_server),
checks that the document names that very issuer, and keeps the endpoints with the credential for refresh."""

from __future__ import annotations

from harness import describe_response, expect_error
from oauth_helpers import PEER_USER, PROVIDER, token_log


def issuer_provider(peer) -> str:
    """The shipped `oidc` provider's shape, for an operator directory: loopback http, the peer's API."""
    return f"""name: OpenID Connect (the peer)
auth:
  mode: oauth2
  issuer_field: issuer
  scopes: [read, write]
  fields:
    - {{name: issuer, label: Issuer URL, secret: false, pattern: '^http://127\\.0\\.0\\.1:[0-9]+/?$'}}
proxy:
  base_url: {peer.url}/api
"""


def start(oauth_env, oauth_peer):
    env = oauth_env(
        extra_providers={PROVIDER: issuer_provider(oauth_peer)},
        extra_env={"LATCHKEY_ALLOW_PRIVATE_UPSTREAMS": "1"},
        access_ttl=3600,
    )
    # Latchkey is a public client of a typed issuer: the peer's app is registered as one.
    oauth_peer.setup(client_id=env.client_id, client_type="public")
    return env


def test_connect_discovers_the_typed_issuer_and_refreshes_at_the_endpoint_found(oauth_env, oauth_peer):
    env = start(oauth_env, oauth_peer)
    cred = env.connect("sso", fields={"issuer": oauth_peer.issuer})
    assert cred["status"] == "active", cred
    fields = cred["fields"]
    assert fields["issuer"] == oauth_peer.issuer, fields
    assert fields["oauth_issuer"] == oauth_peer.issuer, fields
    assert fields["oauth_token_endpoint"] == oauth_peer.token_url, fields
    [exchange] = token_log(oauth_peer, "authorization_code", env.client_id)
    assert exchange["status"] == 200, exchange
    # The deployment's client secret never goes to an issuer a user typed (it could be the user's own server).
    assert exchange["auth_method"] == "none", exchange

    r = env.agent(cred).get(PROVIDER, "me")
    assert r.status_code == 200 and r.json()["user"] == PEER_USER, describe_response(r)

    env.refresh_now(cred["id"])
    [refresh] = token_log(oauth_peer, "refresh_token", env.client_id)
    assert refresh["status"] == 200 and refresh["auth_method"] == "none", refresh
    assert env.credential(cred["id"])["status"] == "active"


def test_a_document_that_names_another_issuer_is_refused_before_consent(oauth_env, oauth_peer):
    env = start(oauth_env, oauth_peer)
    # The peer's document says its issuer is http://127.0.0.1:P, not the typed http://127.0.0.1:P/.
    r = env.admin.post(
        f"/api/v1/oauth/{PROVIDER}/authorize", json={"name": "sso", "fields": {"issuer": oauth_peer.issuer + "/"}}
    )
    assert "issuer" in expect_error(r, 502)["message"], describe_response(r)
    assert token_log(oauth_peer, None, env.client_id) == []


def test_a_private_issuer_is_refused_unless_the_operator_allows_it(oauth_env, oauth_peer):
    env = oauth_env(extra_providers={PROVIDER: issuer_provider(oauth_peer)}, access_ttl=3600)
    r = env.admin.post(
        f"/api/v1/oauth/{PROVIDER}/authorize", json={"name": "sso", "fields": {"issuer": oauth_peer.issuer}}
    )
    assert "public address" in expect_error(r, 502)["message"], describe_response(r)
