"""Issue 13 item 8: a provider host filled in from a credential reaches only public addresses (checked on the
address actually connected to), on both proxy paths, unless LATCHKEY_ALLOW_PRIVATE_UPSTREAMS is on."""

from __future__ import annotations

import pytest

from harness import describe_response, expect_error

# Names and spellings that all land on this machine: the check must be on the resolved address, not the text.
LOCAL_HOSTS = ["127.0.0.1", "localhost", "127.1", "2130706433", "0x7f.0.0.1", "0"]


def _templated(port: int) -> str:
    return (
        "name: Templated host\n"
        "auth:\n"
        "  mode: api_key\n"
        "  fields:\n"
        "    - {name: host, label: Host, secret: false, required: true}\n"
        "    - {name: api_key, label: API key, secret: true, required: true}\n"
        "proxy:\n"
        f"  base_url: http://{{{{host}}}}:{port}/base\n"
        '  inject: {headers: {Authorization: "Bearer {{api_key}}"}}\n'
    )


def _fixed(port: int) -> str:
    return (
        "name: Fixed loopback host\n"
        "auth:\n"
        "  mode: api_key\n"
        "  fields:\n"
        "    - {name: api_key, label: API key, secret: true, required: true}\n"
        "proxy:\n"
        f"  base_url: http://127.0.0.1:{port}/base\n"
        '  inject: {headers: {Authorization: "Bearer {{api_key}}"}}\n'
    )


def _chunks():
    yield b"first part "
    yield b"second part"


def _calls(agent):
    """One call per proxy path: a plain GET (event-loop path) and a chunked POST (Hummingbird path)."""
    return {
        "event-loop GET": agent.get("tmpl", "x/get"),
        "hummingbird chunked POST": agent.post("tmpl", "x/post", data=_chunks()),
    }


@pytest.fixture
def server(env):
    return env.start(extra_providers={"tmpl": _templated(env.sink.port), "fixed": _fixed(env.upstream.port)})


@pytest.mark.parametrize("host", LOCAL_HOSTS)
def test_a_credential_host_on_this_machine_never_reaches_it(server, env, host):
    admin = server.admin
    cred = admin.create_credential("tmpl", {"host": host, "api_key": "private-upstream-secret"})
    agent = admin.agent_for({"tmpl": cred})
    for path, resp in _calls(agent).items():
        err = expect_error(resp, 403, "upstream_forbidden")
        assert "private-upstream-secret" not in resp.text, path
        assert err["message"], path
    assert env.sink.snapshot() == [], f"a connection reached the sink: {env.sink.snapshot()}"


@pytest.mark.parametrize("host", ["10.0.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "172.16.0.1"])
def test_a_credential_host_on_a_private_network_is_refused_before_connecting(server, env, host):
    admin = server.admin
    agent = admin.agent_for({"tmpl": admin.create_credential("tmpl", {"host": host, "api_key": "k"})})
    for resp in _calls(agent).values():
        expect_error(resp, 403, "upstream_forbidden")


def test_an_operator_base_url_on_loopback_keeps_working(server, env):
    admin = server.admin
    agent = admin.agent_for({"fixed": admin.create_credential("fixed", {"api_key": "fixed-key"})})
    r = agent.get("fixed", "ok")
    assert r.status_code == 200, describe_response(r)
    r = agent.post("fixed", "ok-chunked", data=_chunks())
    assert r.status_code == 200, describe_response(r)


@pytest.mark.parametrize("flag", ["1", "on", "true"])
def test_allow_private_upstreams_lets_a_credential_host_reach_this_machine(env, flag):
    lk = env.start(
        extra_env={"LATCHKEY_ALLOW_PRIVATE_UPSTREAMS": flag}, extra_providers={"tmpl": _templated(env.sink.port)}
    )
    admin = lk.admin
    agent = admin.agent_for({"tmpl": admin.create_credential("tmpl", {"host": "localhost", "api_key": "allowed-key"})})
    before = len(env.sink.snapshot())
    for path, resp in _calls(agent).items():
        assert resp.status_code == 200 and resp.text == "stolen", f"{path}: {describe_response(resp)}"
    assert len(env.sink.snapshot()) >= before + 2


def test_an_invalid_allow_private_upstreams_value_is_a_configuration_error(env):
    from harness import Latchkey

    lk = Latchkey(env.tmp / "badflag", env.providers(), {"LATCHKEY_ALLOW_PRIVATE_UPSTREAMS": "maybe"})
    lk.generate_key_file()
    cp = lk.cli("providers", "list", check=False)
    assert cp.returncode == 2, (cp.returncode, cp.stderr)
    assert "LATCHKEY_ALLOW_PRIVATE_UPSTREAMS" in cp.stderr
