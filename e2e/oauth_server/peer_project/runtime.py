"""Process-wide runtime state of the test peer: knobs, per-client options, counters, request log.

Everything here is guarded by one lock. The knobs and the per-client options are also
written to `<data-dir>/peer_state.json` so that a restarted peer keeps them; the counters
and the request log live only in memory.
"""

from __future__ import annotations

import collections
import json
import os
import threading
import time

# OAuth error -> HTTP status used when a token error is injected (RFC 6749 §5.2: 400,
# invalid_client may be 401; "server_error"/"temporarily_unavailable" are not token-endpoint
# error codes in RFC 6749, a real server answers them as 5xx).
_ERROR_STATUS = {
    "invalid_client": 401,
    "server_error": 503,
    "temporarily_unavailable": 503,
}

DEFAULT_CONFIG = {
    "token_delay_ms": 0,  # sleep on every /o/token/ request
    "token_delay_phase": "before",  # "before": sleep, then process; "after": process, then sleep
    "rotate": True,  # refresh-token rotation
    "access_ttl": 30,  # expires_in of new access tokens (seconds)
    "refresh_grace_seconds": 0,  # DOT REFRESH_TOKEN_GRACE_PERIOD_SECONDS
    "reuse_protection": False,  # DOT REFRESH_TOKEN_REUSE_PROTECTION (replaying a rotated RT kills the family)
    "token_error": None,  # OAuth error code to inject, or None
    "token_error_count": 0,  # how many more token requests get the injected error
    "token_error_status": None,  # override of the HTTP status of the injected error
    "token_error_grant": None,  # inject only for this grant_type (e.g. "refresh_token"); None = any
    "token_error_description": "injected by the Latchkey test peer",
    "id_token_forge": None,  # a bad id_token from the token endpoint (see ID_TOKEN_FORGERIES), or None
}

# What `id_token_forge` makes of the id_token the token endpoint answers (OpenID Connect runs only):
ID_TOKEN_FORGERIES = {
    "signature": "signed by another RSA key under the real key's kid",
    "expired": "exp and iat an hour and two in the past, signed with the real key",
    "audience": "aud another client, signed with the real key",
    "issuer": "iss another issuer, signed with the real key",
    "nonce": "nonce another value, signed with the real key",
    "alg_none": "alg none, no signature",
}

GRANT_KEYS = ("authorization_code", "refresh_token", "client_credentials", "other")
AUTH_METHODS = ("client_secret_basic", "client_secret_post", "none")


def _zero_stats():
    return {
        "token_requests": {k: 0 for k in GRANT_KEYS},
        "token_auth_methods": {k: 0 for k in AUTH_METHODS},
        "token_failures": 0,
        "token_injected_errors": 0,
        "revocations": 0,
        "introspections": 0,
        "me_requests": 0,
        "me_unauthorized": 0,
        "echo_requests": 0,
        "echo_unauthorized": 0,
        "authorize_requests": 0,
        "logins": 0,
    }


class PeerState:
    def __init__(self):
        self.lock = threading.RLock()
        # Serialises every request that writes to SQLite (see middleware): one writer at a
        # time, so concurrent refreshes cannot hit "database is locked" and a rotated refresh
        # token is dead for the very next request.
        self.db_write_lock = threading.Lock()
        self.config = dict(DEFAULT_CONFIG)
        self.apps: dict[str, dict] = {}
        self.users: dict[str, dict] = {}  # username -> extra id_token claims
        self.stats = _zero_stats()
        self.log = collections.deque(maxlen=5000)
        self._seq = 0
        self.path = None

    # ---- persistence -------------------------------------------------------------------
    def load(self, data_dir: str):
        self.path = os.path.join(data_dir, "peer_state.json")
        try:
            with open(self.path) as f:
                saved = json.load(f)
        except (OSError, ValueError):
            return
        with self.lock:
            cfg = dict(DEFAULT_CONFIG)
            cfg.update({k: v for k, v in saved.get("config", {}).items() if k in DEFAULT_CONFIG})
            self.config = cfg
            self.apps = dict(saved.get("apps", {}))
            self.users = dict(saved.get("users", {}))

    def _save(self):
        if not self.path:
            return
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"config": self.config, "apps": self.apps, "users": self.users}, f, indent=1)
        os.replace(tmp, self.path)

    # ---- knobs ------------------------------------------------------------------------
    def get_config(self) -> dict:
        with self.lock:
            return dict(self.config)

    def update_config(self, changes: dict, reset: bool = False) -> dict:
        with self.lock:
            if reset:
                self.config = dict(DEFAULT_CONFIG)
            if "token_error" in changes and "token_error_count" not in changes:
                changes = dict(changes)
                changes["token_error_count"] = 1 if changes["token_error"] else 0
            self.config.update(changes)
            if not self.config["token_error"]:
                self.config["token_error"] = None
                self.config["token_error_count"] = 0
            self._save()
            return dict(self.config)

    def rotate(self) -> bool:
        with self.lock:
            return bool(self.config["rotate"])

    def access_ttl(self) -> int:
        with self.lock:
            return int(self.config["access_ttl"])

    def set_app(self, client_id: str, **options):
        with self.lock:
            self.apps.setdefault(client_id, {}).update(options)
            self._save()

    def app_option(self, client_id: str, name: str, default):
        with self.lock:
            return self.apps.get(client_id or "", {}).get(name, default)

    def set_user_claims(self, username: str, claims: dict):
        with self.lock:
            self.users[username] = dict(claims)
            self._save()

    def user_claims(self, username: str) -> dict:
        with self.lock:
            return dict(self.users.get(username or "", {}))

    def take_injected_error(self, grant_type: str):
        """Consume one injected token error if one is armed (and matches the grant)."""
        with self.lock:
            c = self.config
            if not c["token_error"] or c["token_error_count"] <= 0:
                return None
            if c["token_error_grant"] and c["token_error_grant"] != grant_type:
                return None
            c["token_error_count"] -= 1
            error = c["token_error"]
            status = c["token_error_status"] or _ERROR_STATUS.get(error, 400)
            description = c["token_error_description"]
            if c["token_error_count"] <= 0:
                c["token_error"] = None
                c["token_error_count"] = 0
            self._save()
            return error, int(status), description

    # ---- counters and log -------------------------------------------------------------
    def bump(self, key: str, sub: str | None = None, n: int = 1):
        with self.lock:
            if sub is None:
                self.stats[key] += n
            else:
                self.stats[key][sub] = self.stats[key].get(sub, 0) + n

    def get_stats(self) -> dict:
        with self.lock:
            return json.loads(json.dumps(self.stats))

    def reset_stats(self):
        with self.lock:
            self.stats = _zero_stats()
            self.log.clear()

    def log_request(self, entry: dict) -> dict:
        with self.lock:
            self._seq += 1
            entry["seq"] = self._seq
            self.log.append(entry)
            return entry

    def get_log(self, path: str | None = None, since: int = 0) -> list:
        with self.lock:
            return [dict(e) for e in self.log if e["seq"] > since and (path is None or e["path"] == path)]


STATE = PeerState()


def token_expires_in(request) -> int:
    """oauthlib calls this for the expires_in of every token it issues."""
    return STATE.access_ttl()


def now() -> float:
    return time.time()
