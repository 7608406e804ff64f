"""What the e2e test peers (e2e/oauth_server, e2e/mcp_peer) share: a server run as a subprocess in a directory of
its own, which prints one `READY http://host:port` line once it listens, is stopped with SIGTERM (SIGKILL after
5 s), and keeps its log in `<dir>/peer.log`."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time


class PeerProcess:
    #: for messages ("oauth peer", "mcp peer")
    what = "peer"
    #: an environment variable that, set to 1, keeps a temporary directory after stop
    keep_dir_variable = ""
    #: the exception type raised when the process does not come up
    error_type: type[Exception] = RuntimeError

    proc: subprocess.Popen | None = None
    run_dir: str | None = None
    own_dir = False
    ready_timeout: float = 30
    url = ""
    port: int | None = None
    log_path = ""
    stdout_path = ""

    def launch(self, cmd: list[str], run_dir: str, env: dict | None = None):
        """Starts `cmd` in `run_dir` and waits for its READY line; sets `url` and `port`."""
        self.run_dir = run_dir
        os.makedirs(run_dir, exist_ok=True)
        self.stdout_path = os.path.join(run_dir, "peer.stdout")
        self.log_path = os.path.join(run_dir, "peer.log")
        environment = dict(os.environ)
        environment.update(env or {})
        environment.setdefault("PYTHONUNBUFFERED", "1")
        with open(self.stdout_path, "wb") as out, open(self.log_path, "ab") as err:
            self.proc = subprocess.Popen(
                cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=environment, start_new_session=True
            )
        deadline = time.monotonic() + self.ready_timeout
        while True:
            with open(self.stdout_path, "rb") as f:
                m = re.search(rb"^READY (\S+)$", f.read(), re.M)
            if m:
                self.url = m.group(1).decode()
                self.port = int(self.url.rsplit(":", 1)[1])
                return
            if self.proc.poll() is not None:
                rc, self.proc = self.proc.returncode, None
                raise self.error_type(f"{self.what} exited with {rc}:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                tail = self.log_tail()
                self.stop()
                raise self.error_type(f"{self.what} not READY within {self.ready_timeout}s:\n{tail}")
            time.sleep(0.05)

    def stop(self):
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            try:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        http = getattr(self, "http", None)
        if http is not None:
            http.close()
        if self.own_dir and self.run_dir and os.environ.get(self.keep_dir_variable) != "1":
            shutil.rmtree(self.run_dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def start(self):  # pragma: no cover - each peer builds its command
        raise NotImplementedError

    def log_tail(self, lines: int = 80) -> str:
        try:
            with open(self.log_path, "rb") as f:
                return b"\n".join(f.read().splitlines()[-lines:]).decode("utf-8", "replace")
        except (OSError, TypeError):
            return ""
