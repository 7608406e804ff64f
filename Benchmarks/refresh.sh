#!/usr/bin/env bash
# Refresh-pass benchmark (issue 3): `latchkey refresh` over N due credentials against a local token endpoint that
# answers in LATENCY_MS, compared with the provider-bound ideal (N × latency ÷ concurrency).
#
#   Benchmarks/refresh.sh                      # 10,000 credentials, 20 ms, concurrency 32
#   COUNT=2000 CONCURRENCY=16 Benchmarks/refresh.sh
#   LATCHKEY_BIN=/path/to/release/latchkey Benchmarks/refresh.sh
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
COUNT=${COUNT:-10000}
LATENCY_MS=${LATENCY_MS:-20}
CONCURRENCY=${CONCURRENCY:-32}
SCRATCH=${SCRATCH:-$ROOT/.build}

command -v /usr/bin/time >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null; }
python3 -c 'import uvloop' 2>/dev/null || python3 -m pip install -q uvloop 2>/dev/null || true
if [ -z "${LATCHKEY_BIN:-}" ]; then
  (cd "$ROOT" && swift build -c release --product latchkey --scratch-path "$SCRATCH")
  LATCHKEY_BIN="$SCRATCH/release/latchkey"
fi

WORK=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

TOKEN_PORT=$(free_port); LK_PORT=$(free_port)
# The token endpoint: nginx with the echo module when it can be had (it waits LATENCY_MS at almost no CPU, leaving
# the two cores to Latchkey), else the asyncio endpoint. ENDPOINT=python forces the latter.
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
sleep 0.5
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
export LATCHKEY_DATABASE_URL="sqlite:$WORK/lk.db" LATCHKEY_PROVIDERS_DIR="$ROOT/providers" LATCHKEY_LOG_LEVEL=warning LATCHKEY_REFRESH_INTERVAL=0
cd "$WORK"
"$LATCHKEY_BIN" serve --port "$LK_PORT" --providers "$WORK/providers" > "$WORK/serve.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$LK_PORT/healthz" >/dev/null && break; sleep 0.1; done
echo "correct horse battery staple" | "$LATCHKEY_BIN" user add bench@example.com --admin --password-stdin --providers "$WORK/providers" >/dev/null
TOKEN=$("$LATCHKEY_BIN" token create --user bench@example.com --providers "$WORK/providers")
curl -sf -X PUT "http://127.0.0.1:$LK_PORT/api/v1/oauth-apps/bench-oauth" -H "Authorization: Bearer $TOKEN" \
  -H 'Content-Type: application/json' -d '{"client_id":"bench","client_secret":"bench-secret"}' >/dev/null

echo "Seeding $COUNT imported OAuth credentials (expiring in 60 s)..."
python3 - "$LK_PORT" "$TOKEN" "$COUNT" <<'PY'
import json, sys, urllib.request, concurrent.futures
port, token, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
def create(i):
    body = json.dumps({"provider": "bench-oauth", "name": f"c{i}", "fields": {"access_token": f"a{i}", "refresh_token": f"seed-{i}", "expires_in": 60}}).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/credentials", data=body, method="POST",
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        assert r.status == 201
with concurrent.futures.ThreadPoolExecutor(8) as pool:
    list(pool.map(create, range(count)))
PY
# The pass runs while the server is up, as it would from cron.
echo "Refreshing..."
START=$(date +%s.%N)
${PROFILE_CMD:-} /usr/bin/time -v "$LATCHKEY_BIN" refresh --within 10m --concurrency "$CONCURRENCY" --json --providers "$WORK/providers" > "$WORK/report.json" 2> "$WORK/time.txt" || true
END=$(date +%s.%N)
sleep 0.5  # let nginx flush its access log
STATS=$(stats)
ENDPOINT="$ENDPOINT" python3 - "$START" "$END" "$COUNT" "$LATENCY_MS" "$CONCURRENCY" "$WORK/report.json" "$WORK/time.txt" "$STATS" <<'PY'
import json, re, sys, datetime, subprocess, os
start, end, count, latency, conc = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
report = json.load(open(sys.argv[6]))
rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(sys.argv[7]).read()).group(1))
stats = json.loads(sys.argv[8])
wall = end - start
ideal = count * latency / 1000 / conc
ratio = wall / ideal if ideal else float("inf")
lines = [
    f"Refresh pass, {count} due credentials, token endpoint latency {latency:g} ms, concurrency {conc} "
    f"({datetime.date.today()}, {os.cpu_count()} cores, release build, token endpoint: {os.environ.get('ENDPOINT', '?')})",
    "",
    "| wall time | ideal (N × latency ÷ concurrency) | ratio | token requests | max per credential | peak RSS |",
    "|---|---|---|---|---|---|",
    f"| {wall:.2f} s | {ideal:.2f} s | {ratio:.2f}× | {stats['requests']} | {stats['max_per_token']} | {rss_kb/1024:.1f} MB |",
    "",
    f"report: {json.dumps(report, sort_keys=True)}",
    f"targets: ratio ≤ 1.15 {'PASS' if ratio <= 1.15 else 'MISS'}; one request per credential "
    f"{'PASS' if stats['requests'] == count and stats['max_per_token'] == 1 else 'MISS'}; peak RSS < 100 MB {'PASS' if rss_kb < 100*1024 else 'MISS'}",
]
print("\n".join(lines))
PY
