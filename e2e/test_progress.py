"""Issue 18 item 5: `latchkey refresh`, `keys rotate` and `keys rotate-master` show their progress (count, rate, time
left) on a terminal, on standard error, and stay machine-readable off a terminal and with `--json`: standard output
is the result alone."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess


def _on_terminal(latchkey, *args: str, input: str | None = None, timeout: float = 120) -> tuple[int, str, str]:
    """Runs `latchkey ARGS` with standard error on a pseudo-terminal and standard output on a pipe; returns the exit
    status, standard output and what the terminal showed."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [str(latchkey.bin), *args],
        cwd=latchkey.dir,
        env=latchkey.env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=slave,
    )
    os.close(slave)
    shown = bytearray()
    try:
        if input is not None:
            assert proc.stdin is not None
            proc.stdin.write(input.encode())
        assert proc.stdin is not None
        proc.stdin.close()
        while True:
            ready, _, _ = select.select([master], [], [], timeout)
            assert ready, f"`latchkey {' '.join(args)}` showed nothing for {timeout} s"
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed its end of the terminal
                break
            if not chunk:
                break
            shown += chunk
        assert proc.stdout is not None
        out = proc.stdout.read().decode()
        return proc.wait(timeout=timeout), out, shown.decode(errors="replace")
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()


def _store_secrets(admin, count: int) -> None:
    for i in range(count):
        cred = admin.create_credential("echo", {"api_key": f"progress-secret-{i}"}, name=f"progress {i}")
        assert cred["status"] == "active", cred


def test_keys_rotate_draws_its_progress_on_a_terminal_and_prints_only_the_result(latchkey, admin):
    _store_secrets(admin, 5)
    code, out, shown = _on_terminal(latchkey, "keys", "rotate")
    assert code == 0, shown
    # The live line: rewritten in place, ending on the full count with a rate.
    final = re.findall(r"keys rotate: (\d+) of (\d+) sealed values \(100%\), [\d.,]+/s", shown)
    assert final, f"no final progress line on the terminal: {shown!r}"
    done, total = map(int, final[-1])
    assert done == total >= 5, final
    assert "\r" in shown and shown.endswith("\n"), repr(shown[-200:])
    # Standard output is the result only.
    assert out.startswith("Rotated: data key version ") and "keys rotate:" not in out, out
    assert f"{done} sealed value(s) re-encrypted" in out, out
    assert "progress-secret" not in shown + out


def test_keys_rotate_off_a_terminal_with_json_prints_one_object_and_no_live_line(latchkey, admin):
    _store_secrets(admin, 3)
    cp = latchkey.cli("keys", "rotate", "--json")
    report = json.loads(cp.stdout)
    assert set(report) == {"active_version", "reencrypted"} and report["reencrypted"] >= 3, cp.stdout
    assert "\r" not in cp.stderr and "keys rotate:" not in cp.stderr, cp.stderr
    assert latchkey.keys_status()["active_version"] == report["active_version"]


def test_keys_rotate_master_shows_data_keys_rewrapped(latchkey, admin):
    _store_secrets(admin, 1)
    latchkey.cli("keys", "rotate")
    new_key = latchkey.cli("keys", "generate").stdout.strip()
    code, out, shown = _on_terminal(latchkey, "keys", "rotate-master", "--json", input=new_key + "\n")
    assert code == 0, shown
    report = json.loads(out)
    assert report["rewrapped"] == 2 and report["key_file"] is None, report
    assert new_key not in out + shown
    # With --json the progress is JSON lines even on a terminal: nothing to redraw, everything parseable.
    assert "\r" not in shown, repr(shown)
    for line in filter(None, (line.strip() for line in shown.splitlines())):
        if line.startswith("{"):
            assert set(json.loads(line)) == {"job", "what", "done", "total", "rate_per_second", "seconds_left"}


def test_refresh_pass_draws_credentials_done_on_a_terminal(oauth_env):
    env = oauth_env(access_ttl=300)
    for i in range(3):
        env.connect(f"progress {i}")
    code, out, shown = _on_terminal(env.lk, "refresh", "--within", "1h", "--providers", str(env.lk.providers_dir))
    assert code == 0, shown
    assert re.search(r"refresh: 3 of 3 credentials \(100%\), [\d.,]+/s", shown), repr(shown)
    assert out.strip() == "due 3, refreshed 3, needs_reauth 0, failed 0, skipped 0", out
