"""Issue 13 item 9: `keys rotate-master` rewraps every data key under a new master key while servers run, after
which the old master key opens nothing; `keys retire` drops data-key versions that protect nothing; `keys status`
shows the master key's fingerprint and each version's count."""

from __future__ import annotations

import base64
import subprocess

from harness import describe_response, free_port, injected_ok


def _agents(admin):
    specs = [
        ("echo", {"api_key": "master-rot-a"}),
        ("echo-basic", {"username": "u", "password": "master-rot-pw"}),
        ("echo-query", {"api_key": "master-rot-q"}),
    ]
    out = []
    for i, (provider, fields) in enumerate(specs):
        cred = admin.create_credential(provider, fields, name=f"master {i}")
        out.append((i, provider, fields, admin.agent_for({provider: cred})))
    return out


def _call_all(agents, upstream, tag: str) -> list[str]:
    problems = []
    for i, provider, fields, agent in agents:
        upstream.clear()
        r = agent.get(provider, f"master/{tag}/{i}")
        if r.status_code != 200:
            problems.append(f"{tag} {provider}: {describe_response(r)}")
            continue
        recs = [rec for rec in upstream.snapshot() if rec.path.endswith(f"/master/{tag}/{i}")]
        if len(recs) != 1 or not injected_ok(provider, fields, recs[0]):
            problems.append(f"{tag} {provider}: upstream did not get the right credential")
    return problems


def _serve_exit(latchkey) -> subprocess.CompletedProcess:
    """`latchkey serve` with the directory's current configuration, expected to exit on its own."""
    return subprocess.run(
        [
            str(latchkey.bin),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(free_port()),
            "--providers",
            str(latchkey.providers_dir),
        ],
        cwd=latchkey.dir,
        env=latchkey.env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_rotate_master_while_serving_then_old_key_opens_nothing(latchkey, admin, upstream):
    agents = _agents(admin)
    assert _call_all(agents, upstream, "before") == []
    latchkey.cli("keys", "rotate")  # two data-key versions, both rewrapped below
    before = latchkey.keys_status()
    old_fingerprint = before["master_key_fingerprint"]
    old_key = latchkey.key_file.read_text().strip()
    assert old_key not in str(before)

    new_key = latchkey.cli("keys", "generate").stdout.strip()
    # The new key as an argument is refused: keys never go on a command line.
    refused = latchkey.cli("keys", "rotate-master", new_key, check=False)
    assert refused.returncode != 0
    assert latchkey.keys_status()["master_key_fingerprint"] == old_fingerprint, "a refused call changed nothing"

    done = latchkey.cli("keys", "rotate-master", input=new_key + "\n")
    for text in (done.stdout, done.stderr):
        assert new_key not in text and old_key not in text, "rotate-master printed a master key"
    assert "2 data key(s)" in done.stdout, done.stdout

    # The running server keeps every credential working (it holds the data keys themselves).
    assert _call_all(agents, upstream, "during") == []
    assert latchkey.alive()

    # Any process still configured with the old key cannot open the database: exit 2 with a clear reason.
    status = latchkey.cli("keys", "status", check=False)
    assert status.returncode == 2, (status.returncode, status.stdout, status.stderr)
    assert "master key" in status.stderr and "rotate-master" in status.stderr, status.stderr
    latchkey.stop()
    old_start = _serve_exit(latchkey)
    assert old_start.returncode == 2, (old_start.returncode, old_start.stderr[-2000:])
    assert "master key" in old_start.stderr, old_start.stderr[-2000:]

    # With the new key everything works again.
    latchkey.key_file.write_text(new_key + "\n")
    latchkey.start()
    assert _call_all(agents, upstream, "after") == []
    after = latchkey.keys_status()
    assert after["master_key_fingerprint"] != old_fingerprint
    assert [v["version"] for v in after["versions"]] == [v["version"] for v in before["versions"]]
    for text in latchkey.log_text().decode("utf-8", "replace"), str(after):
        assert new_key not in text and old_key not in text


def test_rotate_master_writes_the_key_file_and_retire_drops_unused_versions(latchkey, admin, upstream):
    agents = _agents(admin)
    new_key = latchkey.cli("keys", "generate").stdout.strip()
    key_path = latchkey.dir / "incoming.key"
    key_path.write_text(new_key + "\n")
    latchkey.cli("keys", "rotate-master", "--new-key-file", str(key_path), "--write-key-file")
    assert latchkey.key_file.read_text().strip() == new_key
    assert (latchkey.key_file.stat().st_mode & 0o777) == 0o600
    assert not (latchkey.dir / (latchkey.key_file.name + ".new")).exists()
    assert _call_all(agents, upstream, "switched") == []
    # The documented procedure: restart servers on the new key before the next `keys rotate`.
    latchkey.restart()
    # The same key again is refused (nothing to rotate).
    again = latchkey.cli("keys", "rotate-master", "--new-key-file", str(key_path), check=False)
    assert again.returncode == 2, (again.returncode, again.stderr)

    # Nothing to retire while the only version is active.
    assert "No data key version to retire" in latchkey.cli("keys", "retire").stdout
    latchkey.cli("keys", "rotate")
    before = latchkey.keys_status()
    assert len(before["versions"]) == 2
    retired = latchkey.cli("keys", "retire")
    assert "Retired data key version(s) 1." in retired.stdout, retired.stdout
    after = latchkey.keys_status()
    assert [(v["version"], v["active"]) for v in after["versions"]] == [(2, True)]
    assert after["versions"][0]["sealed_values"] >= len(agents)
    assert _call_all(agents, upstream, "retired") == []
    latchkey.restart()
    assert _call_all(agents, upstream, "restarted") == []


def test_rotate_master_refuses_a_bad_new_key_and_changes_nothing(latchkey, admin, upstream):
    agents = _agents(admin)
    before = latchkey.keys_status()
    for bad in ("", "not base64!", base64.b64encode(b"short").decode()):
        cp = latchkey.cli("keys", "rotate-master", input=bad + "\n", check=False)
        assert cp.returncode == 2, (bad, cp.returncode, cp.stderr)
        assert "new master key" in cp.stderr, cp.stderr
    missing = latchkey.cli("keys", "rotate-master", "--new-key-file", str(latchkey.dir / "nope.key"), check=False)
    assert missing.returncode == 2
    assert latchkey.keys_status() == before
    latchkey.restart()
    assert _call_all(agents, upstream, "unchanged") == []


def test_rotate_master_on_postgres_with_two_servers_running(env, pg_url):
    from harness import Agent, Latchkey

    first = env.start(extra_env={"LATCHKEY_DATABASE_URL": pg_url})
    second = Latchkey(env.tmp / "lk-pg-second", env.providers(), {"LATCHKEY_DATABASE_URL": pg_url})
    second.key_file.write_bytes(first.key_file.read_bytes())
    second.key_file.chmod(0o600)
    env.servers.append(second)
    second.start()

    agents = _agents(first.admin)
    through_second = [(i, p, f, Agent(second, a.key)) for (i, p, f, a) in agents]
    upstream = env.upstream
    assert _call_all(agents, upstream, "pg-before") == []
    assert _call_all(through_second, upstream, "pg-before-2") == []
    first.cli("keys", "rotate")
    assert _call_all(through_second, upstream, "pg-rotated-2") == []

    new_key = first.cli("keys", "generate").stdout.strip()
    first.cli("keys", "rotate-master", input=new_key + "\n")
    assert _call_all(agents, upstream, "pg-during") == []
    assert _call_all(through_second, upstream, "pg-during-2") == []
    for lk in (first, second):
        assert lk.cli("keys", "status", check=False).returncode == 2

    for lk in (first, second):
        lk.stop()
        old = _serve_exit(lk)
        assert old.returncode == 2, (old.returncode, old.stderr[-2000:])
        lk.key_file.write_text(new_key + "\n")
        lk.start()
    assert _call_all(agents, upstream, "pg-after") == []
    assert _call_all(through_second, upstream, "pg-after-2") == []
    assert len(first.keys_status()["versions"]) == 2
