#!/usr/bin/env bash
# Latchkey against nginx, both proxying to the same provider behind TLS (nginx with a certificate from a throwaway
# CA that both are told to trust: Latchkey through LATCHKEY_CA_FILE, nginx through proxy_ssl_trusted_certificate),
# with keep-alive to the provider on both sides. Counts the TLS connections the provider accepted during each run
# (its access log's $connection serials), to show provider connections are reused. See Benchmarks/README.md.
#
# Knobs (environment):
#   LATCHKEY_BIN   release binary to use; when unset the script builds one (SCRATCH: its scratch path)
#   DURATION       wrk duration of each measured run (default 15s); WARMUP of each warm-up (default 3s)
#   CONNECTIONS    connections of the runs (default 32; wrk threads 2)
#   NGINX_WORKERS  nginx worker_processes (default auto)
#   KEEP_TMP=1     keep the temp directory (certificates, configs, logs)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib.sh
source "$ROOT/Benchmarks/lib.sh"
DURATION="${DURATION:-15s}"
WARMUP="${WARMUP:-3s}"
CONNECTIONS="${CONNECTIONS:-32}"
NGINX_WORKERS="${NGINX_WORKERS:-auto}"
STATIC_KEY="static-benchmark-key"

for tool in wrk curl openssl; do command -v "$tool" >/dev/null 2>&1 || die "$tool is needed (apt-get install $tool)"; done
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
[[ -x "$NGINX" ]] || die "nginx is needed (apt-get install nginx)"
latchkey_binary "$ROOT"

TMP="$(mktemp -d "${TMPDIR:-/tmp}/latchkey-tls.XXXXXX")"
NGINX_PID=""
LK_PID=""
stop_on_exit NGINX_PID "nginx"
stop_on_exit LK_PID "latchkey serve"

LOADAVG_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
UP_PORT="$(free_port)"
NGX_PORT="$(free_port)"
LK_PORT="$(free_port)"

# --------------------------------------------------------------------------- certificates
PKI="$TMP/pki"
mkdir -p "$PKI"
ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
openssl req -x509 "${ec[@]}" -keyout "$PKI/ca.key" -out "$PKI/ca.pem" -days 2 -subj "/CN=Latchkey benchmark CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req "${ec[@]}" -keyout "$PKI/localhost.key" -out "$PKI/localhost.csr" -subj "/CN=localhost" 2>/dev/null
printf 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$PKI/localhost.ext"
openssl x509 -req -in "$PKI/localhost.csr" -CA "$PKI/ca.pem" -CAkey "$PKI/ca.key" -CAcreateserial \
    -out "$PKI/localhost.pem" -days 2 -extfile "$PKI/localhost.ext" 2>/dev/null

# --------------------------------------------------------------------------- nginx: the TLS provider and the baseline proxy
mkdir -p "$TMP/nginx/logs" "$TMP/nginx/tmp"
UP_LOG="$TMP/nginx/logs/upstream.log"
cat >"$TMP/nginx/nginx.conf" <<CONF
worker_processes $NGINX_WORKERS;
daemon off;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $TMP/nginx/tmp/body;
    proxy_temp_path $TMP/nginx/tmp/proxy;
    fastcgi_temp_path $TMP/nginx/tmp/fastcgi;
    uwsgi_temp_path $TMP/nginx/tmp/uwsgi;
    scgi_temp_path $TMP/nginx/tmp/scgi;
    keepalive_timeout 75s;
    keepalive_requests 1000000;
    log_format tls '\$connection \$ssl_session_reused';

    upstream tls_upstream {
        server 127.0.0.1:$UP_PORT;
        keepalive 64;
        keepalive_requests 1000000;
    }

    # UPSTREAM: the provider, over TLS. Each request is logged with its connection's serial number.
    server {
        listen 127.0.0.1:$UP_PORT ssl;
        ssl_certificate $PKI/localhost.pem;
        ssl_certificate_key $PKI/localhost.key;
        ssl_session_cache shared:SSL:1m;
        access_log $UP_LOG tls buffer=64k flush=1s;
        location / {
            default_type application/json;
            if (\$http_authorization != "Bearer $STATIC_KEY") { return 401 '{"error":"missing or wrong key"}'; }
            return 200 '{"ok":true}';
        }
    }

    # PROXY: the baseline, injecting a static header, verifying the provider's certificate, keeping connections.
    server {
        listen 127.0.0.1:$NGX_PORT;
        location / {
            proxy_pass https://tls_upstream;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host localhost;
            proxy_set_header Authorization "Bearer $STATIC_KEY";
            proxy_ssl_server_name on;
            proxy_ssl_name localhost;
            proxy_ssl_verify on;
            proxy_ssl_trusted_certificate $PKI/ca.pem;
            proxy_ssl_session_reuse on;
        }
    }
}
CONF
"$NGINX" -t -q -p "$TMP/nginx" -e "$TMP/nginx/logs/error.log" -c "$TMP/nginx/nginx.conf" || die "nginx rejected its config"
log "starting nginx (TLS upstream :$UP_PORT, proxy :$NGX_PORT)"
"$NGINX" -p "$TMP/nginx" -e "$TMP/nginx/logs/error.log" -c "$TMP/nginx/nginx.conf" >"$TMP/nginx/logs/stdout.log" 2>&1 &
NGINX_PID=$!
wait_http "http://127.0.0.1:$NGX_PORT/" nginx "$NGINX_PID" "$TMP/nginx/logs/error.log"

# --------------------------------------------------------------------------- latchkey
WORK="$TMP/latchkey"
mkdir -p "$WORK/providers"
cat >"$WORK/providers/bench-tls.yaml" <<CONF
name: Bench TLS
auth: {mode: api_key}
proxy:
  base_url: https://localhost:$UP_PORT
  inject: {headers: {Authorization: "Bearer {{api_key}}"}}
CONF
clear_latchkey_environment
export LATCHKEY_DATABASE_URL="sqlite:$WORK/lk.db" LATCHKEY_PROVIDERS_DIR="$ROOT/providers" LATCHKEY_LOG_LEVEL=warning
export LATCHKEY_CA_FILE="$PKI/ca.pem"
start_latchkey "$WORK" "$LK_PORT"
AGENT_KEY="$(agent_key_for "$WORK" "$LK_PORT" bench-tls "$STATIC_KEY")"

NGX_URL="http://127.0.0.1:$NGX_PORT/repos/acme/widgets"
LK_URL="http://127.0.0.1:$LK_PORT/v1/proxy/bench-tls/repos/acme/widgets"
LK_AUTH="Authorization: Bearer $AGENT_KEY"
for target in "$NGX_URL" "$LK_URL"; do
    body="$(curl -sS -H "$LK_AUTH" "$target")"
    [[ "$body" = '{"ok":true}' ]] || die "$target answered $body instead of {\"ok\":true}"
done
curl -sS --cacert "$PKI/ca.pem" -o /dev/null "https://localhost:$UP_PORT/" || die "the TLS upstream is not reachable with the CA"

# --------------------------------------------------------------------------- runs
declare -A RPS P50 P99 NEW RESUMED CPU_US
log_lines() { sleep 1.5; wc -l <"$UP_LOG"; }  # after nginx's 1 s log flush

# Connections the provider saw for the first time after line $1 of its log, and how many of them resumed a session.
count_new() { # from-line: sets NEW_CONNECTIONS and NEW_RESUMED
    read -r NEW_CONNECTIONS NEW_RESUMED < <(awk -v from="$1" '
        NR <= from { seen[$1] = 1; next }
        !($1 in seen) { seen[$1] = 1; n++; if ($2 == "r") r++ }
        END { print n + 0, r + 0 }' "$UP_LOG")
}

run() { # id url header
    local id="$1" out="$TMP/wrk-$1.txt" from ticks0 ticks1
    "$WRK" -t2 -c"$CONNECTIONS" -d"$WARMUP" -H "$3" "$2" >/dev/null 2>&1 || true
    from="$(log_lines)"
    ticks0="$(cpu_ticks "$LK_PID")"
    log "wrk $id: -t2 -c$CONNECTIONS -d$DURATION $2"
    "$WRK" --latency -t2 -c"$CONNECTIONS" -d"$DURATION" -H "$3" "$2" >"$out" 2>&1 || { cat "$out" >&2; die "wrk failed for $id"; }
    ticks1="$(cpu_ticks "$LK_PID")"
    log_lines >/dev/null
    count_new "$from"
    NEW[$id]="$NEW_CONNECTIONS"
    RESUMED[$id]="$NEW_RESUMED"
    RPS[$id]="$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$out")"
    P50[$id]="$(awk '$1 == "50%" { print $2 }' "$out")"
    P99[$id]="$(awk '$1 == "99%" { print $2 }' "$out")"
    local requests
    requests="$(awk '/requests in/ { print $1 }' "$out")"
    CPU_US[$id]="$(awk -v t="$((ticks1 - ticks0))" -v hz="$CLK_TCK" -v n="$requests" 'BEGIN { printf "%.1f", (n > 0) ? 1e6 * t / hz / n : 0 }')"
    grep -q 'Non-2xx' "$out" && { cat "$out" >&2; die "$id: wrk saw non-2xx responses"; }
    return 0
}
WRK="$(command -v wrk)"
run nginx "$NGX_URL" "X-Unused: 1"
run latchkey "$LK_URL" "$LK_AUTH"

PCT="$(awk -v a="${RPS[latchkey]}" -v b="${RPS[nginx]}" 'BEGIN { printf "%.1f", (b > 0) ? 100 * a / b : 0 }')"
OK="$(awk -v p="$PCT" 'BEGIN { print (p >= 50) ? "PASS" : "MISS" }')"
REPORT="$TMP/report.md"
{
    printf '# Latchkey TLS benchmark\n\n'
    printf -- '- date: %s; commit: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    printf -- '- nproc: %s; load average before the run: %s; nginx workers: %s\n' "$(nproc)" "$LOADAVG_BEFORE" "$NGINX_WORKERS"
    printf -- '- %s connections, %s per run after a %s warm-up; provider: nginx over TLS 1.3 (P-256 certificate)\n\n' "$CONNECTIONS" "$DURATION" "$WARMUP"
    printf '| run | req/s | p50 | p99 | new TLS connections to the provider (resumed) | Latchkey CPU per request, µs |\n'
    printf '|---|---:|---:|---:|---:|---:|\n'
    printf '| nginx (proxy_ssl_session_reuse, upstream keepalive) | %s | %s | %s | %s (%s) | — |\n' "${RPS[nginx]}" "${P50[nginx]}" "${P99[nginx]}" "${NEW[nginx]}" "${RESUMED[nginx]}"
    printf '| Latchkey (LATCHKEY_CA_FILE) | %s | %s | %s | %s (%s) | %s |\n' "${RPS[latchkey]}" "${P50[latchkey]}" "${P99[latchkey]}" "${NEW[latchkey]}" "${RESUMED[latchkey]}" "${CPU_US[latchkey]}"
    printf '\n- Throughput: Latchkey = **%s%%** of nginx (target >= 50%%): **%s**\n' "$PCT" "$OK"
    printf -- '- New provider connections during the measured run (after the warm-up): nginx %s, Latchkey %s\n' "${NEW[nginx]}" "${NEW[latchkey]}"
} >"$REPORT"
mkdir -p "$ROOT/Benchmarks/results"
cp "$REPORT" "$ROOT/Benchmarks/results/tls-latest.md"
echo
cat "$REPORT"
