#!/usr/bin/env bash
# Refresh-pass benchmark (issues 3 and 19): `latchkey refresh` over COUNT due credentials against a local token
# endpoint that answers in LATENCY_MS, compared with the provider-bound ideal (COUNT × latency ÷ concurrency), with
# the CPU each credential costs (user + system of the refresh process, and of `serve` and the endpoint beside it).
#
#   Benchmarks/refresh.sh                                  # 10,000 credentials, 20 ms, concurrency 32, SQLite, nginx
#   COUNT=100000 Benchmarks/refresh.sh                     # the issue 19 size
#   ENDPOINT=python DATABASE=postgres Benchmarks/refresh.sh
#   LATCHKEY_BIN=/path/to/release/latchkey Benchmarks/refresh.sh
#
# Knobs (environment): COUNT (10000), LATENCY_MS (20), CONCURRENCY (32), ENDPOINT (nginx: nginx with the echo
# module, which waits at almost no CPU; python: the asyncio endpoint of token_endpoint.py, which competes for the
# cores), DATABASE (sqlite | postgres: a throwaway server from scripts/postgres.sh on PG_PORT, default a free port),
# DATABASE_URL (a database of your own), LISTS (1: after the pass, time the credentials list, the audit log and the
# warnings at this size with lists.py; 0 skips), SEED_THREADS (8), KEEP_TMP=1, PROFILE_CMD (a prefix for the
# refresh command, e.g. "perf record -g -o /tmp/refresh.data --"), LATCHKEY_BIN (else a release build into SCRATCH).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
COUNT=${COUNT:-10000}
LATENCY_MS=${LATENCY_MS:-20}
CONCURRENCY=${CONCURRENCY:-32}
SCRATCH=${SCRATCH:-$ROOT/.build}
LISTS=${LISTS:-1}
SEED_THREADS=${SEED_THREADS:-8}
RESULTS_DIR="$ROOT/Benchmarks/results"

command -v /usr/bin/time >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null; }
python3 -c 'import uvloop' 2>/dev/null || python3 -m pip install -q uvloop 2>/dev/null || true
if [ -z "${LATCHKEY_BIN:-}" ]; then
  (cd "$ROOT" && swift build -c release --product latchkey --scratch-path "$SCRATCH")
  LATCHKEY_BIN="$SCRATCH/release/latchkey"
fi
LATCHKEY_BIN="$(cd "$(dirname "$LATCHKEY_BIN")" && pwd)/$(basename "$LATCHKEY_BIN")"

WORK=$(mktemp -d)
PIDS=()
PG_DIR=""
cleanup() {
  local status=$?
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ -n "$PG_DIR" ]; then "$ROOT/scripts/postgres.sh" stop "$PG_DIR"; rm -rf "$PG_DIR"; fi
  if [ "${KEEP_TMP:-0}" = 1 ] || [ $status -ne 0 ]; then echo "temp files kept in $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# CPU seconds (user + system) a running process has used so far, from /proc/PID/stat.
cpu_of() { python3 -c 'import os,sys; f=open(f"/proc/{sys.argv[1]}/stat").read().rsplit(")",1)[1].split(); print((int(f[11])+int(f[12]))/os.sysconf("SC_CLK_TCK"))' "$1"; }

TOKEN_PORT=$(free_port); LK_PORT=$(free_port)
ENDPOINT=${ENDPOINT:-nginx}
if [ "$ENDPOINT" = nginx ] && { [ -f /usr/lib/nginx/modules/ngx_http_echo_module.so ] || { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx libnginx-mod-http-echo >/dev/null 2>&1; }; } \
   && [ -f /usr/lib/nginx/modules/ngx_http_echo_module.so ]; then
  cat > "$WORK/nginx.conf" <<NGINX
load_module /usr/lib/nginx/modules/ngx_http_echo_module.so;
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 4096; }
http {
  log_format tokens '\$request_body';
  client_body_buffer_size 16k;
  server {
    listen 127.0.0.1:$TOKEN_PORT;
    location /token {
      access_log $WORK/tokens.log tokens;
      default_type application/json;
      echo_read_request_body;
      echo_sleep $(python3 -c "print($LATENCY_MS/1000)");
      echo '{"access_token":"at-bench","refresh_token":"rt-bench","expires_in":3600,"token_type":"Bearer"}';
    }
  }
}
NGINX
  # In the foreground with one worker: the master forks the worker, whose CPU the children's counters of the
  # master count only at exit, so the worker's pid is read from /proc below.
  nginx -c "$WORK/nginx.conf" -p "$WORK" -g "daemon off;" > "$WORK/endpoint.log" 2>&1 &
  PIDS+=($!)
  stats() { python3 - "$WORK/tokens.log" <<'PY'
import collections, json, sys, urllib.parse
counts = collections.Counter(urllib.parse.parse_qs(line.strip()).get("refresh_token", [""])[0] for line in open(sys.argv[1]) if line.strip())
print(json.dumps({"requests": sum(counts.values()), "distinct_refresh_tokens": len(counts), "max_per_token": max(counts.values(), default=0)}))
PY
  }
else
  ENDPOINT=python
  python3 "$ROOT/Benchmarks/token_endpoint.py" --port "$TOKEN_PORT" --latency-ms "$LATENCY_MS" > "$WORK/endpoint.log" 2>&1 &
  PIDS+=($!)
  stats() { curl -s "http://127.0.0.1:$TOKEN_PORT/stats"; }
fi
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$TOKEN_PORT/" && break; sleep 0.1; done
# The endpoint's working process: nginx's worker (the master's child), or the Python process itself.
ENDPOINT_PID=${PIDS[0]}
if [ "$ENDPOINT" = nginx ]; then ENDPOINT_PID=$(ps --ppid "${PIDS[0]}" -o pid= | head -1 | tr -d " "); fi

mkdir -p "$WORK/providers"
cat > "$WORK/providers/bench-oauth.yaml" <<YAML
name: Bench OAuth
auth:
  mode: oauth2
  authorization_url: http://127.0.0.1:$TOKEN_PORT/authorize
  token_url: http://127.0.0.1:$TOKEN_PORT/token
proxy:
  base_url: http://127.0.0.1:$TOKEN_PORT/api
YAML

# Only our own LATCHKEY_* settings reach latchkey.
while IFS= read -r var; do unset "$var"; done < <(compgen -e | grep '^LATCHKEY_' | grep -v '^LATCHKEY_BIN$' || true)
if [ -z "${DATABASE_URL:-}" ] && [ "${DATABASE:-sqlite}" = postgres ]; then
  PG_DIR="$(mktemp -d "${TMPDIR:-/tmp}/latchkey-bench-pg.XXXXXX")"   # its own directory: the server may run as another user
  DATABASE_URL="$("$ROOT/scripts/postgres.sh" start "$PG_DIR" "${PG_PORT:-$(free_port)}")"
fi
export LATCHKEY_DATABASE_URL="${DATABASE_URL:-sqlite:$WORK/lk.db}"
DB_KIND="${LATCHKEY_DATABASE_URL%%:*}"
# One user holds every credential (the worst case for that user's lists), so the per-user quota is raised to COUNT.
export LATCHKEY_PROVIDERS_DIR="$ROOT/providers" LATCHKEY_LOG_LEVEL=warning LATCHKEY_REFRESH_INTERVAL=0
export LATCHKEY_MAX_CREDENTIALS_PER_USER=$((COUNT > 10000 ? COUNT : 10000))
cd "$WORK"
"$LATCHKEY_BIN" serve --port "$LK_PORT" --providers "$WORK/providers" > "$WORK/serve.log" 2>&1 &
SERVE_PID=$!
PIDS+=($SERVE_PID)
for _ in $(seq 600); do curl -sf "http://127.0.0.1:$LK_PORT/healthz" >/dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$LK_PORT/healthz" >/dev/null || { echo "latchkey serve did not start; see $WORK/serve.log" >&2; exit 1; }
echo "correct horse battery staple" | "$LATCHKEY_BIN" user add bench@example.com --admin --password-stdin --providers "$WORK/providers" >/dev/null
TOKEN=$("$LATCHKEY_BIN" token create --user bench@example.com --providers "$WORK/providers")
curl -sf -X PUT "http://127.0.0.1:$LK_PORT/api/v1/oauth-apps/bench-oauth" -H "Authorization: Bearer $TOKEN" \
  -H 'Content-Type: application/json' -d '{"client_id":"bench","client_secret":"bench-secret"}' >/dev/null

refresh() { # time-file report-file: one pass under /usr/bin/time
  ${PROFILE_CMD:-} /usr/bin/time -v "$LATCHKEY_BIN" refresh --within 10m --concurrency "$CONCURRENCY" --json --providers "$WORK/providers" > "$2" 2> "$1" || true
}
# The fixed cost of a pass (start-up: the catalog, the store, the keys; shutdown), with nothing due, so the cost per
# credential can be told apart from it.
refresh "$WORK/time-empty.txt" "$WORK/report-empty.json"

echo "Seeding $COUNT imported OAuth credentials (expiring in 60 s)..." >&2
python3 - "$LK_PORT" "$TOKEN" "$COUNT" "$SEED_THREADS" <<'PY'
import http.client, json, sys, threading, concurrent.futures
port, token, count, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
local = threading.local()
def create(i):
    # One keep-alive connection per thread.
    if not hasattr(local, "conn"):
        local.conn = http.client.HTTPConnection("127.0.0.1", int(port))
    body = json.dumps({"provider": "bench-oauth", "name": f"c{i}", "fields": {"access_token": f"a{i}", "refresh_token": f"seed-{i}", "expires_in": 60}})
    local.conn.request("POST", "/api/v1/credentials", body=body, headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    response = local.conn.getresponse()
    response.read()
    assert response.status == 201, response.status
with concurrent.futures.ThreadPoolExecutor(threads) as pool:
    list(pool.map(create, range(count), chunksize=64))
PY

# The pass runs while the server is up, as it would from cron.
echo "Refreshing..." >&2
read -r LOAD_BEFORE _ < /proc/loadavg
SERVE_CPU0=$(cpu_of "$SERVE_PID"); ENDPOINT_CPU0=$(cpu_of "$ENDPOINT_PID")
START=$(date +%s.%N)
refresh "$WORK/time.txt" "$WORK/report.json"
END=$(date +%s.%N)
SERVE_CPU1=$(cpu_of "$SERVE_PID"); ENDPOINT_CPU1=$(cpu_of "$ENDPOINT_PID")
read -r LOAD_AFTER _ < /proc/loadavg
sleep 0.5  # let nginx flush its access log
STATS=$(stats)
mkdir -p "$RESULTS_DIR"
OUT="$RESULTS_DIR/refresh-$DB_KIND-$ENDPOINT-$COUNT.md"
ENDPOINT="$ENDPOINT" DB_KIND="$DB_KIND" python3 - "$START" "$END" "$COUNT" "$LATENCY_MS" "$CONCURRENCY" "$WORK/report.json" "$WORK/time.txt" "$STATS" \
  "$WORK/time-empty.txt" "$(python3 -c "print($SERVE_CPU1 - $SERVE_CPU0)")" "$(python3 -c "print($ENDPOINT_CPU1 - $ENDPOINT_CPU0)")" \
  "$LOAD_BEFORE" "$LOAD_AFTER" "$(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo '?')" <<'PY' | tee "$OUT"
import json, re, sys, datetime, os
start, end, count, latency, conc = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
report = json.load(open(sys.argv[6]))
def usage(path):
    text = open(path).read()
    pick = lambda name: float(re.search(name + r": ([\d.]+)", text).group(1))
    return pick(r"User time \(seconds\)") + pick(r"System time \(seconds\)"), int(pick(r"Maximum resident set size \(kbytes\)"))
cpu, rss_kb = usage(sys.argv[7])
empty_cpu, empty_rss_kb = usage(sys.argv[9])
stats = json.loads(sys.argv[8])
serve_cpu, endpoint_cpu = float(sys.argv[10]), float(sys.argv[11])
load_before, load_after, commit = sys.argv[12], sys.argv[13], sys.argv[14]
wall = end - start
ideal = count * latency / 1000 / conc
ratio = wall / ideal if ideal else float("inf")
per = lambda seconds: f"{seconds / count * 1000:.3f} ms" if count else "-"
lines = [
    f"Refresh pass, {count} due credentials, token endpoint latency {latency:g} ms, concurrency {conc} "
    f"({datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, load average {load_before} before / {load_after} after, "
    f"commit {commit}, database: {os.environ['DB_KIND']}, token endpoint: {os.environ['ENDPOINT']})",
    "",
    "| wall time | ideal (N × latency ÷ concurrency) | ratio | token requests | max per credential | peak RSS |",
    "|---|---|---|---|---|---|",
    f"| {wall:.2f} s | {ideal:.2f} s | {ratio:.2f}× | {stats['requests']} | {stats['max_per_token']} | {rss_kb/1024:.1f} MB |",
    "",
    "| CPU (user + system) | total | per credential |",
    "|---|---|---|",
    f"| refresh process | {cpu:.2f} s | {per(cpu)} |",
    f"| refresh process less its fixed cost ({empty_cpu:.2f} s with nothing due, peak RSS {empty_rss_kb/1024:.1f} MB) | {cpu - empty_cpu:.2f} s | **{per(cpu - empty_cpu)}** |",
    f"| serve, during the pass | {serve_cpu:.2f} s | {per(serve_cpu)} |",
    f"| token endpoint ({os.environ['ENDPOINT']}), during the pass | {endpoint_cpu:.2f} s | {per(endpoint_cpu)} |",
    "",
    f"report: {json.dumps(report, sort_keys=True)}",
    f"targets: ratio ≤ 1.1 {'PASS' if ratio <= 1.1 else 'MISS'}; one request per credential "
    f"{'PASS' if stats['requests'] == count and stats['max_per_token'] == 1 else 'MISS'}; peak RSS < 150 MB {'PASS' if rss_kb < 150*1024 else 'MISS'}; "
    f"CPU per credential ≤ 0.25 ms {'PASS' if count and (cpu - empty_cpu) / count <= 0.00025 else 'MISS'}",
]
print("\n".join(lines))
PY

if [ "$LISTS" = 1 ]; then
  echo >&2
  python3 "$ROOT/Benchmarks/lists.py" --port "$LK_PORT" --token "$TOKEN" --rows "$COUNT" | tee -a "$OUT"
fi
echo "(written to $OUT)" >&2
