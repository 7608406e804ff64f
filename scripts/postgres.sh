#!/usr/bin/env bash
# A throwaway PostgreSQL 15 on loopback, for tests and benchmarks.
#   scripts/postgres.sh start DIR PORT   initdb (once) and start; prints the URL
#   scripts/postgres.sh stop DIR         stop it
# initdb and postgres refuse to run as root: as root, the server runs as the `postgres` user.
set -euo pipefail
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
[ -x "$PGBIN/initdb" ] || { echo "postgres.sh: no PostgreSQL server binaries under /usr/lib/postgresql (apt-get install postgresql)" >&2; exit 1; }
as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "${1:-}" in
start)
    DIR=$2; PORT=$3
    mkdir -p "$DIR"
    [ "$(id -u)" = 0 ] && chown postgres "$DIR"
    if [ ! -f "$DIR/data/PG_VERSION" ]; then
        as_owner "$PGBIN/initdb" -D "$DIR/data" -U postgres -A trust -E UTF8 --no-locale >"$DIR/initdb.log"
    fi
    # fsync off: a throwaway server; max_connections covers three servers, cron and the test's own pools.
    as_owner "$PGBIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w \
        -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c fsync=off -c max_connections=200" start >/dev/null
    echo "postgres://postgres@127.0.0.1:$PORT/postgres?sslmode=disable"
    ;;
stop)
    DIR=$2
    as_owner "$PGBIN/pg_ctl" -D "$DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
    ;;
*)
    echo "usage: $0 start DIR PORT | stop DIR" >&2; exit 2 ;;
esac
