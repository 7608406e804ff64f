"""One `latchkey serve` process in its own directory (database, key file, providers, log), and its CLI."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Optional

import requests

from .catalog import builtin_dir
from .clients import Api, Captured
from .net import free_port

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_BIN = REPO_ROOT / ".build" / "debug" / "latchkey"
WEB_DIR = REPO_ROOT / "web"


def latchkey_binary() -> Path:
    return Path(os.environ.get("LATCHKEY_BIN") or DEFAULT_BIN)


#: Every server running now, so that a fixture can stop the ones using a resource before taking it away.
RUNNING: set["Latchkey"] = set()


def stop_servers_using(database_url: str) -> None:
    """Stops every running server whose database is `database_url` (before the database is dropped: a server
    whose database vanished under it retries until SIGTERM times out and SIGKILL ends it)."""
    for lk in list(RUNNING):
        if lk.env.get("LATCHKEY_DATABASE_URL") == database_url:
            lk.stop()


class Latchkey:
    """One `latchkey serve` process in its own directory."""

    ADMIN_EMAIL = "admin@example.com"
    ADMIN_PASSWORD = "e2e-Admin-password-0123456789"

    def __init__(self, workdir: Path, providers: dict[str, str], extra_env: Optional[dict] = None):
        self.bin = latchkey_binary()
        self.dir = workdir
        self.dir.mkdir(parents=True, exist_ok=True)
        self.providers_dir = self.dir / "providers"
        self.providers_dir.mkdir(exist_ok=True)
        for pid, text in providers.items():
            (self.providers_dir / f"{pid}.yaml").write_text(text)
        self.db_path = self.dir / "latchkey.db"
        self.key_file = self.dir / "master.key"
        self.log_path = self.dir / "server.log"
        builtin = builtin_dir(self.dir)  # see lk/catalog.py: a subset unless the test needs the shipped catalog
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("LATCHKEY_")}
        self.env.update(
            {
                # Always named: the server would otherwise look for the templates next to its binary, which is not
                # the repository's when LATCHKEY_BIN points at a copy or an installed one.
                "LATCHKEY_WEB_DIR": os.environ.get("LATCHKEY_WEB_DIR") or str(WEB_DIR),
                "LATCHKEY_DATABASE_URL": f"sqlite:{self.db_path}",
                "LATCHKEY_MASTER_KEY_FILE": str(self.key_file),
                "LATCHKEY_PROVIDERS_DIR": str(builtin),
            }
        )
        self.env.update(extra_env or {})
        self.port: Optional[int] = None
        self.proc: Optional[subprocess.Popen] = None
        self.captured: list[Captured] = []
        self.cli_outputs: list[Captured] = []
        self._log_handle = None
        self._admin: Optional[Api] = None

    # -- process -------------------------------------------------------------------------

    @property
    def public_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.public_url + path

    def start(self, timeout: float = 60.0):
        if not self.bin.exists():
            raise AssertionError(
                f"latchkey binary not found at {self.bin}: build it with `swift build` or set LATCHKEY_BIN"
            )
        if not self.key_file.exists():
            self.generate_key_file()
        # `fixed_port` keeps the address (and the OAuth redirect URI) across a restart.
        self.port = getattr(self, "fixed_port", None) or free_port()
        self._log_handle = open(self.log_path, "ab")
        RUNNING.add(self)
        self.proc = subprocess.Popen(
            [
                str(self.bin),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--providers",
                str(self.providers_dir),
            ],
            cwd=self.dir,
            env=self.env,
            stdout=self._log_handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.time() + timeout
        last = ""
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"latchkey serve exited with {self.proc.returncode} before /healthz answered\n"
                    f"--- {self.log_path} (tail) ---\n{self.log_tail()}"
                )
            try:
                r = requests.get(self.url("/healthz"), timeout=2)
                if r.status_code == 200:
                    return self
                last = f"HTTP {r.status_code} {r.text[:200]}"
            except requests.RequestException as e:
                last = str(e)
            time.sleep(0.2)
        self.stop()
        raise AssertionError(
            f"/healthz did not answer 200 within {timeout}s (last: {last})\n"
            f"--- {self.log_path} (tail) ---\n{self.log_tail()}"
        )

    def stop(self):
        p = self.proc
        if p is not None and p.poll() is None:
            try:
                os.kill(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                try:
                    os.kill(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait(10)
        self.proc = None
        RUNNING.discard(self)
        if self._log_handle:
            self._log_handle.close()
            self._log_handle = None

    def generate_key_file(self):
        """`serve` creates only the default key file (.latchkey/master.key), never an explicitly
        configured LATCHKEY_MASTER_KEY_FILE (contract: "default file ... which serve creates"),
        so the harness makes one with `latchkey keys generate` (mode 0600)."""
        cp = self.cli("keys", "generate")
        key = cp.stdout.strip()
        assert len(base64.b64decode(key, validate=True)) == 32, f"`keys generate` printed {cp.stdout!r}"
        fd = os.open(self.key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(key + "\n")

    def restart(self):
        self.stop()
        return self.start()

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_text(self) -> bytes:
        try:
            return self.log_path.read_bytes()
        except FileNotFoundError:
            return b""

    def log_tail(self, n: int = 60) -> str:
        lines = self.log_text().decode("utf-8", "replace").splitlines()
        return "\n".join(lines[-n:])

    # -- CLI -----------------------------------------------------------------------------

    def cli(
        self, *args: str, input: Optional[str] = None, check: bool = True, timeout: float = 120
    ) -> subprocess.CompletedProcess:
        if not self.bin.exists():
            raise AssertionError(f"latchkey binary not found at {self.bin}")
        cp = subprocess.run(
            [str(self.bin), *args],
            cwd=self.dir,
            env=self.env,
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        self.cli_outputs.append(Captured("cli " + " ".join(args) + " stdout", cp.returncode, cp.stdout.encode()))
        self.cli_outputs.append(Captured("cli " + " ".join(args) + " stderr", cp.returncode, cp.stderr.encode()))
        if check:
            assert cp.returncode == 0, (
                f"`latchkey {' '.join(args)}` exited {cp.returncode}\nstdout: {cp.stdout}\nstderr: {cp.stderr}"
            )
        return cp

    def add_user(self, email: str, password: str, admin: bool = False):
        args = ["user", "add", email, "--password-stdin"] + (["--admin"] if admin else [])
        self.cli(*args, input=password + "\n")

    def create_token(self, email: str) -> str:
        cp = self.cli("token", "create", "--user", email)
        token = cp.stdout.strip()
        assert token.startswith("lku_") and len(token.split()) == 1, (
            f"`token create` must print only the lku_ token, printed: {cp.stdout!r}"
        )
        return token

    def user_api(self, email: str, password: str, admin: bool = False, label: str = "") -> Api:
        self.add_user(email, password, admin=admin)
        return Api(self, self.create_token(email), label=label or email, email=email, password=password)

    @property
    def admin(self) -> Api:
        if self._admin is None:
            self._admin = self.user_api(self.ADMIN_EMAIL, self.ADMIN_PASSWORD, admin=True, label="admin")
        return self._admin

    def keys_status(self) -> dict:
        cp = self.cli("keys", "status", "--json")
        try:
            return json.loads(cp.stdout)
        except json.JSONDecodeError as e:
            raise AssertionError(f"`keys status --json` printed invalid JSON ({e}): {cp.stdout!r}")

    # -- bookkeeping ---------------------------------------------------------------------

    def record(self, what: str, status: int, body: bytes):
        self.captured.append(Captured(what, status, body))

    def healthz(self) -> int:
        try:
            return requests.get(self.url("/healthz"), timeout=10).status_code
        except requests.RequestException:
            return -1

    def files_on_disk(self) -> dict[str, bytes]:
        """Every file in the working directory (database, -wal, -shm, key file, logs...)."""
        out = {}
        for p in sorted(self.dir.rglob("*")):
            if p.is_file():
                try:
                    out[str(p.relative_to(self.dir))] = p.read_bytes()
                except OSError:
                    pass
        return out
