"""TLS to providers: certificates checked on both proxy paths (the event-loop pools and the framework path's
AsyncHTTPClient) against the system's trust roots plus the operator's own (LATCHKEY_CA_FILE), hostname included;
provider connections kept alive (one TLS handshake for many calls); a bad LATCHKEY_CA_FILE stops the server at start.
"""

from __future__ import annotations

import pytest

from harness import describe_response, expect_error, wait_until
from lk.providers import api_key_provider
from lk.server import Latchkey
from lk.tls import TLSUpstream, make_authority, make_server_certificate

SECRET = "tls-secret-" + "0123456789abcdef"


class TLSWorld:
    """A test CA the server is told to trust, a stranger CA it is not, and three HTTPS upstreams: `good` (the test
    CA's certificate for localhost), `wrong_name` (the test CA's, for another name), `untrusted` (the stranger's,
    for localhost)."""

    def __init__(self, directory):
        self.ca = make_authority(directory, "test-ca")
        stranger = make_authority(directory, "stranger-ca")
        self.good = TLSUpstream(*make_server_certificate(directory, self.ca, "localhost"))
        self.wrong_name = TLSUpstream(*make_server_certificate(directory, self.ca, "wrong.example"))
        self.untrusted = TLSUpstream(*make_server_certificate(directory, stranger, "localhost"))

    def providers(self) -> dict[str, str]:
        return {
            "tls-good": api_key_provider("TLS good", f"{self.good.origin}/base/v1"),
            "tls-wrong-name": api_key_provider("TLS wrong name", f"{self.wrong_name.origin}/base/v1"),
            "tls-untrusted": api_key_provider("TLS untrusted", f"{self.untrusted.origin}/base/v1"),
        }

    def close(self):
        for upstream in (self.good, self.wrong_name, self.untrusted):
            upstream.close()


@pytest.fixture
def world(tmp_path):
    w = TLSWorld(tmp_path / "pki")
    yield w
    w.close()


def _agent(lk, provider: str, framing: str = "plain"):
    cred = lk.admin.create_credential(provider, {"api_key": SECRET})
    agent = lk.admin.agent_for({provider: cred})
    agent.framing = framing
    return agent


def test_a_provider_behind_the_operators_ca_is_reached_over_one_kept_alive_tls_connection(env, world):
    lk = env.start(extra_env={"LATCHKEY_CA_FILE": str(world.ca.pem)}, extra_providers=world.providers())
    agent = _agent(lk, "tls-good")
    for i in range(20):
        r = agent.get("tls-good", f"items/{i}")
        assert r.status_code == 200, describe_response(r)
        assert r.json()["target"] == f"/base/v1/items/{i}", r.text
    recs = world.good.wait_for(20)
    assert len(recs) == 20 and all(rec.values("authorization") == [f"Bearer {SECRET}"] for rec in recs)
    # One agent connection is served by one event loop, whose pool keeps its provider connection: 20 calls, one
    # handshake.
    assert world.good.handshakes == 1, f"{world.good.handshakes} TLS handshakes for 20 calls: connections not reused"

    # The framework path (a chunked body) trusts the same roots.
    chunked = _agent(lk, "tls-good", framing="chunked")
    r = chunked.post("tls-good", "upload", data=b"x" * 1000)
    assert r.status_code == 200, describe_response(r)
    assert r.json()["body_len"] == 1000, r.text


@pytest.mark.parametrize("provider", ["tls-wrong-name", "tls-untrusted"])
@pytest.mark.parametrize("framing", ["plain", "chunked"])
def test_a_certificate_for_another_name_or_from_an_untrusted_ca_is_refused(env, world, provider, framing):
    lk = env.start(extra_env={"LATCHKEY_CA_FILE": str(world.ca.pem)}, extra_providers=world.providers())
    agent = _agent(lk, provider, framing)
    r = agent.post(provider, "anything", data=b"payload")
    expect_error(r, 502, "upstream_unreachable")
    assert SECRET not in r.text
    upstream = world.wrong_name if provider == "tls-wrong-name" else world.untrusted
    # Latchkey answers 502 as soon as it has refused the certificate; the upstream's thread counts the broken-off
    # handshake only once it has read Latchkey's alert, which on a loaded machine can be after the 502 arrives.
    assert wait_until(lambda: upstream.refused_handshakes >= 1, timeout=10), "Latchkey never tried the provider"
    assert upstream.snapshot() == [], "a request (and its credential) crossed a TLS connection that was not verified"


def test_without_the_ca_file_the_private_ca_is_not_trusted(env, world):
    lk = env.start(extra_providers=world.providers())
    r = _agent(lk, "tls-good").get("tls-good", "anything")
    expect_error(r, 502, "upstream_unreachable")
    assert world.good.snapshot() == []


@pytest.mark.parametrize("content", [None, b"not a certificate\n"])
def test_a_ca_file_that_is_missing_or_holds_no_certificate_stops_the_server_at_start(tmp_path, content):
    path = tmp_path / "ca.pem"
    if content is not None:
        path.write_bytes(content)
    lk = Latchkey(tmp_path / "lk", {}, {"LATCHKEY_CA_FILE": str(path)})
    lk.generate_key_file()
    cp = lk.cli("serve", "--port", "0", check=False, timeout=60)
    assert cp.returncode != 0, f"serve started with LATCHKEY_CA_FILE={path}: {cp.stdout}{cp.stderr}"
    assert "LATCHKEY_CA_FILE" in cp.stderr + cp.stdout, cp.stderr
