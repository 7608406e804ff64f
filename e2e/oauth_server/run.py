#!/usr/bin/env python3
"""Run the Latchkey OAuth test peer (django-oauth-toolkit on Django, served by waitress).

    python3 e2e/oauth_server/run.py --port P --data-dir DIR [--host 127.0.0.1] [--threads 128]

Prepares DIR/db.sqlite3 (a copy of a cached, already migrated template database when one
exists for these Django/DOT versions; `migrate` otherwise), then serves with a threaded
WSGI server and prints one line `READY http://HOST:PORT` on stdout once the socket accepts
connections. --port 0 picks a free port (the READY line tells which). Logs go to stderr.
SIGTERM/SIGINT stop it.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import os
import signal
import sqlite3
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def _cache_dir() -> str:
    base = os.environ.get("LATCHKEY_OAUTH_PEER_CACHE") or os.path.join(
        tempfile.gettempdir(), f"latchkey-oauth-peer-cache-{os.getuid()}"
    )
    os.makedirs(base, exist_ok=True)
    return base


def _schema_key() -> str:
    """Changes when the migrations that built the template could have changed."""
    import django
    import oauth2_provider

    h = hashlib.sha256()
    h.update(f"{django.__version__}|{oauth2_provider.__version__}|{sys.version_info[:2]}".encode())
    mig = os.path.join(os.path.dirname(oauth2_provider.__file__), "migrations")
    for name in sorted(os.listdir(mig)):
        if name.endswith(".py"):
            h.update(name.encode())
    with open(os.path.join(HERE, "peer_project", "settings.py"), "rb") as f:
        h.update(f.read())
    return h.hexdigest()[:16]


def _sqlite_copy(src: str, dst: str):
    """Consistent copy (WAL included) via the SQLite backup API."""
    tmp = dst + ".tmp"
    if os.path.exists(tmp):
        os.remove(tmp)
    s, d = sqlite3.connect(src), sqlite3.connect(tmp)
    try:
        s.backup(d)
    finally:
        s.close()
        d.close()
    os.replace(tmp, dst)


def prepare_database(data_dir: str, use_cache: bool = True):
    """Make DIR/db.sqlite3 migrated. Must run after django.setup()."""
    from django.core.management import call_command
    from django.db import connections

    db = os.path.join(data_dir, "db.sqlite3")
    key = _schema_key()
    marker = os.path.join(data_dir, f".schema-{key}")
    if os.path.exists(db) and os.path.exists(marker):
        return "existing"
    how = "migrated"
    if not os.path.exists(db) and use_cache:
        template = os.path.join(_cache_dir(), f"template-{key}.sqlite3")
        if os.path.exists(template):
            _sqlite_copy(template, db)
            how = "template"
    if how == "migrated":
        started = time.time()
        call_command("migrate", interactive=False, verbosity=0)
        connections["default"].close()
        print(f"peer: migrate took {time.time() - started:.1f}s", file=sys.stderr, flush=True)
        if use_cache:
            template = os.path.join(_cache_dir(), f"template-{key}.sqlite3")
            lock = open(template + ".lock", "w")
            try:
                fcntl.flock(lock, fcntl.LOCK_EX)
                if not os.path.exists(template):
                    _sqlite_copy(db, template)
            finally:
                lock.close()
    for name in os.listdir(data_dir):
        if name.startswith(".schema-"):
            os.remove(os.path.join(data_dir, name))
    open(marker, "w").close()
    return how


def _oidc_key(data_dir: str) -> str:
    """The peer's id_token signing key (RSA 2048, PEM), made once per data dir."""
    path = os.path.join(data_dir, "oidc_rsa.pem")
    if not os.path.exists(path):
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        with open(path, "wb") as f:
            f.write(pem)
    return path


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--threads", type=int, default=128, help="WSGI worker threads (default 128)")
    ap.add_argument("--no-cache", action="store_true", help="always run migrate, no template database")
    ap.add_argument("--debug", action="store_true", help="Django DEBUG=True")
    ap.add_argument(
        "--oidc",
        action="store_true",
        help="serve OpenID Connect (issuer http://HOST:PORT/o) with an RSA key made in the data dir",
    )
    args = ap.parse_args(argv)

    data_dir = os.path.abspath(args.data_dir)
    os.makedirs(data_dir, exist_ok=True)
    os.environ["PEER_DATA_DIR"] = data_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "peer_project.settings"
    if args.debug:
        os.environ["PEER_DEBUG"] = "1"
    if args.oidc:
        os.environ["PEER_OIDC_KEY_FILE"] = _oidc_key(data_dir)
    sys.path.insert(0, HERE)

    import django

    django.setup()
    how = prepare_database(data_dir, use_cache=not args.no_cache)

    from django.core.wsgi import get_wsgi_application
    from waitress import create_server

    from peer_project import views
    from peer_project.runtime import STATE

    STATE.load(data_dir)
    views.apply_settings()
    application = get_wsgi_application()

    server = create_server(
        application,
        host=args.host,
        port=args.port,
        threads=args.threads,
        connection_limit=max(1000, args.threads * 4),
        backlog=2048,
        channel_timeout=300,
        asyncore_use_poll=True,
        ident="latchkey-oauth-peer",
        clear_untrusted_proxy_headers=True,
    )

    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    port = server.effective_port
    host = args.host if ":" not in args.host else f"[{args.host}]"
    print(f"peer: database {how} in {data_dir}; {args.threads} threads", file=sys.stderr, flush=True)
    print(f"READY http://{host}:{port}", flush=True)
    try:
        server.run()
    except SystemExit:
        pass
    finally:
        server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
