#!/usr/bin/env bash
# Latchkey proxy benchmark: Latchkey's agent proxy against nginx injecting a static header,
# both in front of the same nginx upstream on loopback. See Benchmarks/README.md.
#
# Knobs (environment):
#   LATCHKEY_BIN   release binary to use; when unset the script builds one
#   SCRATCH        SwiftPM scratch path for that build (default .build, relative to the repo)
#   DURATION       wrk duration of each measured run (default 15s)
#   WARMUP         wrk duration of each warm-up run (default 3s)
#   CONNECTIONS    connections of the concurrent runs (default 32; threads stay 2)
#   NGINX_WORKERS  nginx worker_processes (default auto = one per core, like Latchkey's event loops)
#   DATABASE_URL   Latchkey database (default sqlite:<tmp>/lk.db), e.g. postgres://user:pass@host:5432/db
#   DATABASE=postgres  without DATABASE_URL: a throwaway PostgreSQL server (scripts/postgres.sh), removed afterwards
#   ACCESS_CACHE_MS  Latchkey's LATCHKEY_ACCESS_CACHE_MS (default: Latchkey's own, 1000; 0 measures every call
#                  reading and decrypting its binding)
#   ACCESS_CACHE_LIFETIME_MS  Latchkey's LATCHKEY_ACCESS_CACHE_LIFETIME_MS (default: Latchkey's own, 60000: entries
#                  live that long, the change log is read every ACCESS_CACHE_MS)
#   SPREAD_KEYS    how many agent keys the spread run uses (default 10000; 0 skips that run)
#   KEEP_TMP=1     keep the temp directory (configs, logs, raw wrk output) after the run
#   HOLD=1         set everything up, print the URLs and the agent key, and keep the servers running until
#                  interrupted, instead of measuring (for profiling with perf or a load of your own)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib.sh
source "$ROOT/Benchmarks/lib.sh"
RESULTS_DIR="$ROOT/Benchmarks/results"
DURATION="${DURATION:-15s}"
WARMUP="${WARMUP:-3s}"
CONNECTIONS="${CONNECTIONS:-32}"
NGINX_WORKERS="${NGINX_WORKERS:-auto}"
STATIC_KEY="static-benchmark-key"
ADMIN_EMAIL="bench@example.com"
ADMIN_PASSWORD="bench-password-0123456789"

# --------------------------------------------------------------------------- tools
need_install=()
command -v wrk >/dev/null 2>&1 || need_install+=(wrk)
command -v nginx >/dev/null 2>&1 || [[ -x /usr/sbin/nginx ]] || need_install+=(nginx)
command -v curl >/dev/null 2>&1 || need_install+=(curl)
if ((${#need_install[@]})); then
    log "installing ${need_install[*]} with apt-get"
    SUDO=""
    if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
    # Try without refreshing the package lists first; refresh only when that fails.
    if ! $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need_install[@]}" >/dev/null; then
        $SUDO apt-get update >/dev/null
        $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need_install[@]}" >/dev/null
    fi
fi
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
WRK="$(command -v wrk)"

# --------------------------------------------------------------------------- latchkey binary
if [[ -n "${LATCHKEY_BIN:-}" ]]; then
    LK="$LATCHKEY_BIN"
else
    SCRATCH="${SCRATCH:-.build}"
    [[ "$SCRATCH" = /* ]] || SCRATCH="$ROOT/$SCRATCH"
    log "building latchkey (release) into $SCRATCH (this takes a while)"
    (cd "$ROOT" && swift build -c release --product latchkey --scratch-path "$SCRATCH")
    LK="$SCRATCH/release/latchkey"
fi
[[ -x "$LK" ]] || die "latchkey binary not found or not executable: $LK"
LK="$(cd "$(dirname "$LK")" && pwd)/$(basename "$LK")"

# --------------------------------------------------------------------------- temp dir + cleanup
TMP="$(mktemp -d "${TMPDIR:-/tmp}/latchkey-bench.XXXXXX")"
NGINX_PID=""
LK_PID=""

cleanup() {
    local status=$?
    set +e
    stop_pid "$LK_PID" "latchkey serve"
    stop_pid "$NGINX_PID" "nginx"
    if [[ -n "${PG_DIR:-}" ]]; then "$ROOT/scripts/postgres.sh" stop "$PG_DIR"; rm -rf "$PG_DIR"; fi
    if [[ "${KEEP_TMP:-0}" = 1 || $status -ne 0 ]]; then
        log "temp files kept in $TMP"
    else
        rm -rf "$TMP"
    fi
    exit $status
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

LOADAVG_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
UP_PORT="$(free_port)"
NGX_PORT="$(free_port)"
while [[ "$NGX_PORT" = "$UP_PORT" ]]; do NGX_PORT="$(free_port)"; done
LK_PORT="$(free_port)"
while [[ "$LK_PORT" = "$UP_PORT" || "$LK_PORT" = "$NGX_PORT" ]]; do LK_PORT="$(free_port)"; done

# --------------------------------------------------------------------------- nginx
# One nginx, own prefix and config. worker_processes defaults to auto (one worker per core):
# Latchkey's NIO event loop group also runs one thread per core, so both get the same CPU.
# The same workers serve the upstream and the nginx proxy; the upstream only accepts the
# static key, so a proxy that fails to inject it shows up as non-2xx responses.
mkdir -p "$TMP/nginx/logs" "$TMP/nginx/tmp"
cat >"$TMP/nginx/nginx.conf" <<EOF
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

    upstream bench_upstream {
        server 127.0.0.1:$UP_PORT;
        keepalive 64;
        keepalive_requests 1000000;
    }

    # UPSTREAM: the "provider API".
    server {
        listen 127.0.0.1:$UP_PORT;
        location / {
            default_type application/json;
            if (\$http_authorization != "Bearer $STATIC_KEY") { return 401 '{"error":"missing or wrong key"}'; }
            return 200 '{"ok":true}';
        }
    }

    # PROXY: the baseline, a reverse proxy that injects a static header.
    server {
        listen 127.0.0.1:$NGX_PORT;
        location / {
            proxy_pass http://bench_upstream;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Authorization "Bearer $STATIC_KEY";
        }
    }
}
EOF
"$NGINX" -t -q -p "$TMP/nginx" -e "$TMP/nginx/logs/error.log" -c "$TMP/nginx/nginx.conf" \
    || die "nginx rejected its config ($TMP/nginx/nginx.conf)"
log "starting nginx (upstream :$UP_PORT, proxy :$NGX_PORT, worker_processes $NGINX_WORKERS)"
"$NGINX" -p "$TMP/nginx" -e "$TMP/nginx/logs/error.log" -c "$TMP/nginx/nginx.conf" \
    >"$TMP/nginx/logs/stdout.log" 2>&1 &
NGINX_PID=$!
wait_http "http://127.0.0.1:$NGX_PORT/" nginx "$NGINX_PID" "$TMP/nginx/logs/error.log"

# --------------------------------------------------------------------------- latchkey
WORK="$TMP/latchkey"
mkdir -p "$WORK/providers"
cat >"$WORK/providers/bench.yaml" <<EOF
name: Bench
auth: {mode: api_key}
proxy:
  base_url: http://127.0.0.1:$UP_PORT
  inject: {headers: {Authorization: "Bearer {{api_key}}"}}
EOF
# The same upstream reached with an OAuth credential (an imported token that the upstream accepts, valid for a day):
# what most agents' calls are. Its token endpoint is never called during the run.
cat >"$WORK/providers/bench-oauth.yaml" <<EOF
name: Bench OAuth
auth:
  mode: oauth2
  authorization_url: http://127.0.0.1:$UP_PORT/authorize
  token_url: http://127.0.0.1:$UP_PORT/token
  scopes: [read]
proxy:
  base_url: http://127.0.0.1:$UP_PORT
EOF

# Only our own LATCHKEY_* settings reach latchkey (LATCHKEY_MASTER_KEY is kept when set, for a
# reused PostgreSQL database whose data keys were sealed with it). Without it, `serve` creates
# .latchkey/master.key in the temp working directory.
keep_master_key="${LATCHKEY_MASTER_KEY:-}"
while IFS= read -r var; do unset "$var"; done < <(compgen -e | grep '^LATCHKEY_' | grep -v '^LATCHKEY_BIN$' || true)
if [[ -n "$keep_master_key" ]]; then export LATCHKEY_MASTER_KEY="$keep_master_key"; fi
if [[ -z "${DATABASE_URL:-}" && "${DATABASE:-sqlite}" = postgres ]]; then
    PG_DIR="$(mktemp -d "${TMPDIR:-/tmp}/latchkey-bench-pg.XXXXXX")"   # its own directory: the server may run as another user
    log "starting a throwaway PostgreSQL server in $PG_DIR"
    DATABASE_URL="$("$ROOT/scripts/postgres.sh" start "$PG_DIR" "$(free_port)")"
fi
export LATCHKEY_DATABASE_URL="${DATABASE_URL:-sqlite:$WORK/lk.db}"
export LATCHKEY_PROVIDERS_DIR="$ROOT/providers"
export LATCHKEY_LOG_LEVEL=warning
if [[ -n "${ACCESS_CACHE_MS:-}" ]]; then export LATCHKEY_ACCESS_CACHE_MS="$ACCESS_CACHE_MS"; fi
if [[ -n "${ACCESS_CACHE_LIFETIME_MS:-}" ]]; then export LATCHKEY_ACCESS_CACHE_LIFETIME_MS="$ACCESS_CACHE_LIFETIME_MS"; fi
DB_KIND="${LATCHKEY_DATABASE_URL%%:*}"

lk() { (cd "$WORK" && "$LK" "$@"); }

log "starting latchkey serve on :$LK_PORT (database: $DB_KIND)"
(cd "$WORK" && exec "$LK" serve --host 127.0.0.1 --port "$LK_PORT" --providers "$WORK/providers") \
    >"$WORK/serve.log" 2>&1 &
LK_PID=$!
wait_http "http://127.0.0.1:$LK_PORT/healthz" "latchkey serve" "$LK_PID" "$WORK/serve.log"

API="http://127.0.0.1:$LK_PORT/api/v1"
api() { # method path [json]: sets API_STATUS and API_BODY (not in a subshell, so they stick)
    local out="$TMP/api-body"
    if [[ $# -ge 3 ]]; then
        API_STATUS="$(curl -sS -o "$out" -w '%{http_code}' -X "$1" -H "Authorization: Bearer $USER_TOKEN" \
            -H 'Content-Type: application/json' --data "$3" "$API$2")"
    else
        API_STATUS="$(curl -sS -o "$out" -w '%{http_code}' -X "$1" -H "Authorization: Bearer $USER_TOKEN" "$API$2")"
    fi
    API_BODY="$(cat "$out")"
}
json_str() { # key: first "key":"value" in stdin
    grep -o "\"$1\"[[:space:]]*:[[:space:]]*\"[^\"]*\"" | head -n 1 | sed 's/.*:[[:space:]]*"\(.*\)"$/\1/'
}
expect() { # wanted-status what body
    [[ "$API_STATUS" = "$1" ]] || { printf '%s\n' "$3" >&2; die "$2 answered HTTP $API_STATUS (wanted $1)"; }
}

log "setting up a user, a credential, a group, an agent key and a binding"
if ! printf '%s\n' "$ADMIN_PASSWORD" | lk user add "$ADMIN_EMAIL" --admin --password-stdin >"$TMP/user-add.log" 2>&1; then
    # A reused (PostgreSQL) database may already have the user; token create below tells.
    log "latchkey user add failed (continuing; an existing user is fine): $(tr '\n' ' ' <"$TMP/user-add.log")"
fi
USER_TOKEN="$(lk token create --user "$ADMIN_EMAIL" --name bench)" || die "latchkey token create failed"
USER_TOKEN="$(printf '%s' "$USER_TOKEN" | tr -d '[:space:]')"
[[ "$USER_TOKEN" = lku_* ]] || die "latchkey token create printed something else than an lku_ token"

SUFFIX=""
api POST /credentials '{"provider":"bench","name":"b","fields":{"api_key":"'"$STATIC_KEY"'"}}'
if [[ "$API_STATUS" = 409 ]]; then
    SUFFIX="-$(date +%s)"
    api POST /credentials '{"provider":"bench","name":"b'"$SUFFIX"'","fields":{"api_key":"'"$STATIC_KEY"'"}}'
fi
expect 201 "POST /api/v1/credentials" "$API_BODY"
CRED_ID="$(printf '%s' "$API_BODY" | json_str id)"

api POST /groups '{"name":"bench'"$SUFFIX"'"}'
if [[ "$API_STATUS" = 409 ]]; then # reused database: the group name is taken
    SUFFIX="-$(date +%s)"
    api POST /groups '{"name":"bench'"$SUFFIX"'"}'
fi
expect 201 "POST /api/v1/groups" "$API_BODY"
GROUP_ID="$(printf '%s' "$API_BODY" | json_str id)"

new_agent_key() { # group-id: prints the new lka_ key
    api POST "/groups/$1/keys" '{}'
    expect 201 "POST /api/v1/groups/{id}/keys" "$API_BODY"
    local key
    key="$(printf '%s' "$API_BODY" | json_str key)"
    [[ "$key" = lka_* ]] || die "no lka_ key in the reply of POST /groups/{id}/keys"
    printf '%s' "$key"
}
bind() { # group-id policy-json-or-empty
    api PUT "/groups/$1/bindings/bench" '{"credential_id":"'"$CRED_ID"'"'"${2:+,\"policy\":$2}"'}'
    expect 200 "PUT /api/v1/groups/{id}/bindings/bench" "$API_BODY"
}
AGENT_KEY="$(new_agent_key "$GROUP_ID")"
bind "$GROUP_ID" ""

# A second group on the same credential, governed as issue 15 describes: a read-only binding with a path rule, and
# a budget per minute and per day large enough never to trip (so every call takes the policy check and the budget's
# in-memory admission, and a quota lease from the database every 1,000 calls per limit).
api POST /groups '{"name":"bench-rules'"$SUFFIX"'"}'
expect 201 "POST /api/v1/groups (rules)" "$API_BODY"
RULES_GROUP_ID="$(printf '%s' "$API_BODY" | json_str id)"
RULES_KEY="$(new_agent_key "$RULES_GROUP_ID")"
bind "$RULES_GROUP_ID" '{"methods":["GET"],"paths":["/repos/acme/**"]}'
api PUT "/groups/$RULES_GROUP_ID/budget" '{"limits":[{"provider":null,"per":"minute","calls":1000000000},{"provider":"bench","per":"day","calls":1000000000}]}'
expect 200 "PUT /api/v1/groups/{id}/budget" "$API_BODY"

# An OAuth credential for the same upstream, in a group of its own.
api PUT /oauth-apps/bench-oauth '{"client_id":"bench-client","client_secret":"bench-client-secret"}'
expect 200 "PUT /api/v1/oauth-apps/bench-oauth" "$API_BODY"
api POST /credentials '{"provider":"bench-oauth","name":"o'"$SUFFIX"'","fields":{"access_token":"'"$STATIC_KEY"'","refresh_token":"bench-refresh","expires_in":"86400"}}'
expect 201 "POST /api/v1/credentials (OAuth)" "$API_BODY"
OAUTH_CRED_ID="$(printf '%s' "$API_BODY" | json_str id)"
api POST /groups '{"name":"bench-oauth'"$SUFFIX"'"}'
expect 201 "POST /api/v1/groups (OAuth)" "$API_BODY"
OAUTH_GROUP_ID="$(printf '%s' "$API_BODY" | json_str id)"
OAUTH_KEY="$(new_agent_key "$OAUTH_GROUP_ID")"
api PUT "/groups/$OAUTH_GROUP_ID/bindings/bench-oauth" '{"credential_id":"'"$OAUTH_CRED_ID"'"}'
expect 200 "PUT /api/v1/groups/{id}/bindings/bench-oauth" "$API_BODY"

# Many agent keys on the static credential (groups of 1,000, the default quota), for the spread run.
SPREAD_KEYS="${SPREAD_KEYS:-10000}"
if [[ "$SPREAD_KEYS" -gt 0 ]]; then
    log "creating $SPREAD_KEYS agent keys"
    python3 "$ROOT/Benchmarks/agent_keys.py" "$API" "$USER_TOKEN" bench "$CRED_ID" "$SPREAD_KEYS" "bench-spread$SUFFIX" >"$TMP/keys.txt" \
        || die "creating the agent keys failed"
    # Its baseline: the same Lua script (a request() per call, which costs wrk CPU) with one key.
    printf '%s\n' "$AGENT_KEY" >"$TMP/one-key.txt"
fi

# --------------------------------------------------------------------------- sanity checks
# Every target calls the same path, which the governed group's path rule allows.
CALL_PATH="repos/acme/widgets"
NGX_URL="http://127.0.0.1:$NGX_PORT/$CALL_PATH"
LK_URL="http://127.0.0.1:$LK_PORT/v1/proxy/bench/$CALL_PATH"
UP_URL="http://127.0.0.1:$UP_PORT/$CALL_PATH"
LK_AUTH="Authorization: Bearer $AGENT_KEY"
LK_RULES_AUTH="Authorization: Bearer $RULES_KEY"
LK_OAUTH_URL="http://127.0.0.1:$LK_PORT/v1/proxy/bench-oauth/$CALL_PATH"
LK_OAUTH_AUTH="Authorization: Bearer $OAUTH_KEY"
UP_AUTH="Authorization: Bearer $STATIC_KEY"

check_200() { # what url [header]
    local code
    code="$(curl -sS -o "$TMP/check-body" -w '%{http_code}' ${3:+-H "$3"} "$2")"
    if [[ "$code" != 200 ]] || ! grep -q '"ok":true' "$TMP/check-body"; then
        cat "$TMP/check-body" >&2; echo >&2
        die "$1 ($2) answered HTTP $code instead of 200 {\"ok\":true}"
    fi
}
check_200 "upstream" "$UP_URL" "$UP_AUTH"
check_200 "nginx proxy" "$NGX_URL"
check_200 "Latchkey proxy" "$LK_URL" "$LK_AUTH"
check_200 "Latchkey proxy (policy and budget)" "$LK_URL" "$LK_RULES_AUTH"
check_200 "Latchkey proxy (OAuth credential)" "$LK_OAUTH_URL" "$LK_OAUTH_AUTH"
if [[ "$SPREAD_KEYS" -gt 0 ]]; then check_200 "Latchkey proxy (one of the spread keys)" "$LK_URL" "Authorization: Bearer $(tail -n 1 "$TMP/keys.txt")"; fi
RULES_DENIED="$(curl -sS -o /dev/null -w '%{http_code}' -X POST -H "$LK_RULES_AUTH" "$LK_URL")"
[[ "$RULES_DENIED" = 403 ]] || die "the governed key's POST answered $RULES_DENIED, not 403 policy_denied: the policy is not in force"
log "all three endpoints answer 200 {\"ok\":true}"

if [[ "${HOLD:-}" = 1 ]]; then
    printf 'latchkey pid %s\nLK_URL=%s\nLK_AUTH=%s\nLK_RULES_AUTH=%s\nLK_OAUTH_URL=%s\nLK_OAUTH_AUTH=%s\nNGX_URL=%s\nUP_URL=%s\nUP_AUTH=%s\n' \
        "$LK_PID" "$LK_URL" "$LK_AUTH" "$LK_RULES_AUTH" "$LK_OAUTH_URL" "$LK_OAUTH_AUTH" "$NGX_URL" "$UP_URL" "$UP_AUTH"
    log "holding (HOLD=1): the servers run until this script is interrupted"
    while kill -0 "$LK_PID" 2>/dev/null; do sleep 1; done
    exit 0
fi

# --------------------------------------------------------------------------- wrk
declare -A RPS P50 P99 NON2XX SOCKERR CPU_US

to_ms() { # 283.00us | 1.20ms | 2.00s | 1.00m -> milliseconds
    awk -v v="$1" 'BEGIN {
        n = v; sub(/[a-z]+$/, "", n); u = v; sub(/^[0-9.]+/, "", u)
        f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : (u == "h") ? 3600000 : -1
        if (f < 0 || n == "") { print "NaN"; exit }
        printf "%.3f", n * f }'
}

run_wrk() { # id threads connections duration url [header] [wrk script] [its argument]
    local id="$1" t="$2" c="$3" d="$4" url="$5" hdr="${6:-}" script="${7:-}" arg="${8:-}" out="$TMP/wrk-$1.txt"
    log "wrk $id: -t$t -c$c -d$d $url"
    local lk_before lk_after
    lk_before="$(lk_ticks)"
    "$WRK" --latency -t"$t" -c"$c" -d"$d" ${hdr:+-H "$hdr"} ${script:+-s "$script"} "$url" ${arg:+-- "$arg"} >"$out" 2>&1 || {
        cat "$out" >&2; die "wrk failed for $id"; }
    RPS[$id]="$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$out")"
    P50[$id]="$(to_ms "$(awk '$1 == "50%" { print $2 }' "$out")")"
    P99[$id]="$(to_ms "$(awk '$1 == "99%" { print $2 }' "$out")")"
    NON2XX[$id]="$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$out")"
    NON2XX[$id]="${NON2XX[$id]:-0}"
    SOCKERR[$id]="$(sed -n 's/^ *Socket errors: *//p' "$out")"
    [[ -n "${RPS[$id]}" ]] || { cat "$out" >&2; die "could not parse wrk output for $id"; }
    # Latchkey's CPU (user + system) per request of the run, in microseconds: less sensitive to a busy machine
    # than req/s (for the nginx and upstream runs it is Latchkey idling).
    lk_after="$(lk_ticks)"
    CPU_US[$id]="$(awk -v t="$((lk_after - lk_before))" -v tck="$CLK_TCK" -v n="$(awk '/requests in/ { print $1 }' "$out")" \
        'BEGIN { printf "%.1f", (n > 0) ? 1e6 * t / tck / n : 0 }')"
}
lk_ticks() { # user + system ticks of latchkey serve so far
    if [[ -r /proc/$LK_PID/stat ]]; then sed 's/^.*) //' "/proc/$LK_PID/stat" | awk '{ print $12 + $13 }'; else echo 0; fi
}

warm() { # url [header]
    "$WRK" -t2 -c"$CONNECTIONS" -d"$WARMUP" ${2:+-H "$2"} "$1" >/dev/null 2>&1 || true
}

log "warming up ($WARMUP each)"
warm "$NGX_URL"
warm "$LK_URL" "$LK_AUTH"
warm "$LK_URL" "$LK_RULES_AUTH"
warm "$LK_OAUTH_URL" "$LK_OAUTH_AUTH"
warm "$UP_URL" "$UP_AUTH"

# CPU accounting over the measured runs, to tell whether something else was using the machine:
# busy ticks of the whole machine (/proc/stat) minus those of nginx, latchkey and wrk.
machine_ticks() { awk '/^cpu / { busy = $2 + $3 + $4 + $7 + $8 + $9; print busy, busy + $5 + $6; exit }' /proc/stat; }
own_ticks() { # sets OWN_TICKS: nginx master + workers, latchkey serve, and wrk (the shell's children, via `times`)
    local p t=0 child
    for p in "$NGINX_PID" $(pgrep -P "$NGINX_PID" 2>/dev/null) "$LK_PID"; do
        [[ -r /proc/$p/stat ]] && t=$((t + $(sed 's/^.*) //' "/proc/$p/stat" | awk '{ print $12 + $13 }')))
    done
    times >"$TMP/times.txt" # not in a subshell: a subshell's `times` starts from zero
    child="$(awk -v TCK="$CLK_TCK" 'NR == 2 { for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); s += a[1] * 60 + a[2] } } END { printf "%.0f", s * TCK }' "$TMP/times.txt")"
    OWN_TICKS=$((t + child))
}
CLK_TCK="$(getconf CLK_TCK 2>/dev/null || echo 100)"
FOREIGN_CPU="unknown"
if [[ -r /proc/stat ]]; then
    read -r M_BUSY0 M_TOTAL0 < <(machine_ticks)
    own_ticks; OWN0="$OWN_TICKS"
fi

run_wrk nginx_c 2 "$CONNECTIONS" "$DURATION" "$NGX_URL"
run_wrk lk_c 2 "$CONNECTIONS" "$DURATION" "$LK_URL" "$LK_AUTH"
run_wrk lk_rules_c 2 "$CONNECTIONS" "$DURATION" "$LK_URL" "$LK_RULES_AUTH"
run_wrk lk_oauth_c 2 "$CONNECTIONS" "$DURATION" "$LK_OAUTH_URL" "$LK_OAUTH_AUTH"
if [[ "$SPREAD_KEYS" -gt 0 ]]; then
    run_wrk lk_one_key_c 2 "$CONNECTIONS" "$DURATION" "$LK_URL" "" "$ROOT/Benchmarks/spread_keys.lua" "$TMP/one-key.txt"
    # Warmed right before it is measured: agents calling all the time keep their keys' entries cached, while a warm-up
    # at the start would have aged past LATCHKEY_ACCESS_CACHE_LIFETIME_MS by now and every key would be read again
    # within the measured run.
    "$WRK" -t2 -c"$CONNECTIONS" -d"$WARMUP" -s "$ROOT/Benchmarks/spread_keys.lua" "$LK_URL" -- "$TMP/keys.txt" >/dev/null 2>&1 || true
    run_wrk lk_spread_c 2 "$CONNECTIONS" "$DURATION" "$LK_URL" "" "$ROOT/Benchmarks/spread_keys.lua" "$TMP/keys.txt"
fi
# What the governed group's usage says of the run just made (its day figures: the minute may have rolled over).
sleep 6  # one flush of the day counts
CALLS_TODAY="$(curl -sS -H "Authorization: Bearer $USER_TOKEN" "$API/groups/$RULES_GROUP_ID/usage" | grep -o '"calls":[0-9]*,"day"' | cut -d: -f2 | cut -d, -f1 | awk '{ s += $1 } END { print s + 0 }')"
RULES_SENT="$(awk '/requests in/ { print $1 }' "$TMP/wrk-lk_rules_c.txt")"
run_wrk nginx_1 1 1 "$DURATION" "$NGX_URL"
run_wrk lk_1 1 1 "$DURATION" "$LK_URL" "$LK_AUTH"
run_wrk up_1 1 1 "$DURATION" "$UP_URL" "$UP_AUTH"

if [[ -n "${M_TOTAL0:-}" ]]; then
    read -r M_BUSY1 M_TOTAL1 < <(machine_ticks)
    own_ticks; OWN1="$OWN_TICKS"
    FOREIGN_CPU="$(awk -v b="$((M_BUSY1 - M_BUSY0))" -v t="$((M_TOTAL1 - M_TOTAL0))" -v o="$((OWN1 - OWN0))" \
        'BEGIN { f = (t > 0) ? 100 * (b - o) / t : 0; if (f < 0) f = 0; printf "%.1f", f }')"
fi

# Latchkey must still be up and healthy after the load.
kill -0 "$LK_PID" 2>/dev/null || { tail -n 40 "$WORK/serve.log" >&2; die "latchkey serve died during the benchmark"; }
check_200 "Latchkey proxy (after the load)" "$LK_URL" "$LK_AUTH"

# --------------------------------------------------------------------------- report
THROUGHPUT_PCT="$(awk -v a="${RPS[lk_c]}" -v b="${RPS[nginx_c]}" 'BEGIN { printf "%.1f", (b > 0) ? 100 * a / b : 0 }')"
THROUGHPUT_OK="$(awk -v p="$THROUGHPUT_PCT" 'BEGIN { print (p >= 55) ? "PASS" : "MISS" }')"
ADDED_P50="$(awk -v a="${P50[lk_1]}" -v b="${P50[nginx_1]}" 'BEGIN { printf "%.3f", a - b }')"
LATENCY_OK="$(awk -v d="$ADDED_P50" 'BEGIN { print (d <= 0.3) ? "PASS" : "MISS" }')"
RULES_PCT="$(awk -v a="${RPS[lk_rules_c]}" -v b="${RPS[lk_c]}" 'BEGIN { printf "%.1f", (b > 0) ? 100 * a / b : 0 }')"
RULES_OK="$(awk -v p="$RULES_PCT" 'BEGIN { print (p >= 90) ? "PASS" : "MISS" }')"
RULES_NGINX_PCT="$(awk -v a="${RPS[lk_rules_c]}" -v b="${RPS[nginx_c]}" 'BEGIN { printf "%.1f", (b > 0) ? 100 * a / b : 0 }')"
RULES_NGINX_OK="$(awk -v p="$RULES_NGINX_PCT" 'BEGIN { print (p >= 55) ? "PASS" : "MISS" }')"
OAUTH_PCT="$(awk -v a="${RPS[lk_oauth_c]}" -v b="${RPS[lk_c]}" 'BEGIN { printf "%.1f", (b > 0) ? 100 * a / b : 0 }')"
OAUTH_OK="$(awk -v p="$OAUTH_PCT" 'BEGIN { print (p >= 90) ? "PASS" : "MISS" }')"
if [[ "$SPREAD_KEYS" -gt 0 ]]; then
    SPREAD_PCT="$(awk -v a="${RPS[lk_spread_c]}" -v b="${RPS[lk_one_key_c]}" 'BEGIN { printf "%.1f", (b > 0) ? 100 * a / b : 0 }')"
    SPREAD_OK="$(awk -v p="$SPREAD_PCT" 'BEGIN { print (p >= 90) ? "PASS" : "MISS" }')"
fi

COMMIT="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [[ "$COMMIT" != unknown && -n "$(git -C "$ROOT" status --porcelain -- Sources Package.swift Package.resolved 2>/dev/null)" ]]; then
    COMMIT="$COMMIT (with uncommitted changes under Sources/)"
fi
CPU="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)"
NGINX_VERSION="$("$NGINX" -v 2>&1 | sed 's/^nginx version: //')"

row() { # label id
    printf '| %s | %s | %s | %s | %s |\n' "$1" "${RPS[$2]}" "${P50[$2]}" "${P99[$2]}" "${CPU_US[$2]}"
}
errors_line() { # label id
    printf -- '- %s: non-2xx %s; socket errors: %s\n' "$1" "${NON2XX[$2]}" "${SOCKERR[$2]:-none}"
}

REPORT="$TMP/report.md"
{
    printf '# Latchkey proxy benchmark\n\n'
    printf -- '- date: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    printf -- '- commit: %s; latchkey binary: %s (modified %s)\n' "$COMMIT" "$LK" "$(date -u -r "$LK" +%Y-%m-%dT%H:%M:%SZ 2>/dev/null || echo unknown)"
    printf -- '- nproc: %s%s; load average before the run: %s\n' "$(nproc)" "${CPU:+ ($CPU)}" "$LOADAVG_BEFORE"
    printf -- '- CPU used by other processes during the measured runs: %s%% of the machine (should be near 0; when it is not, rerun on an idle machine)\n' "$FOREIGN_CPU"
    printf -- '- duration per run: %s (after a %s warm-up per target); database: %s; access cache: %s ms (lifetime %s ms)\n' "$DURATION" "$WARMUP" "$DB_KIND" "${LATCHKEY_ACCESS_CACHE_MS:-1000}" "${LATCHKEY_ACCESS_CACHE_LIFETIME_MS:-60000}"
    printf -- '- nginx %s, worker_processes %s; %s\n\n' "$NGINX_VERSION" "$NGINX_WORKERS" "$("$WRK" -v 2>&1 | head -n 1 | awk '{ print $1, $2 }')"
    printf '| run | req/s | p50 ms | p99 ms | Latchkey CPU µs/call |\n'
    printf '|---|---:|---:|---:|---:|\n'
    row "nginx (static header) $CONNECTIONS conn" nginx_c
    row "Latchkey $CONNECTIONS conn" lk_c
    row "Latchkey with a path rule and a budget $CONNECTIONS conn" lk_rules_c
    row "Latchkey, OAuth credential $CONNECTIONS conn" lk_oauth_c
    if [[ "$SPREAD_KEYS" -gt 0 ]]; then
        row "Latchkey, one agent key through spread_keys.lua $CONNECTIONS conn" lk_one_key_c
        row "Latchkey, calls spread over $SPREAD_KEYS agent keys $CONNECTIONS conn" lk_spread_c
    fi
    row "nginx 1 conn" nginx_1
    row "Latchkey 1 conn" lk_1
    row "upstream direct 1 conn (reference)" up_1
    printf '\n'
    printf -- '- Throughput: Latchkey req/s at %s conn = **%s%%** of nginx (target >= 55%%): **%s**\n' \
        "$CONNECTIONS" "$THROUGHPUT_PCT" "$THROUGHPUT_OK"
    printf -- '- Added median latency at 1 conn: Latchkey p50 - nginx p50 = **%s ms** (target <= 0.3 ms): **%s**\n' \
        "$ADDED_P50" "$LATENCY_OK"
    printf -- '- With a path rule and a per-minute budget: **%s%%** of the same run without them (target >= 90%%): **%s**; **%s%%** of nginx (target >= 55%%): **%s**; the usage API counts %s calls today for that group (wrk completed %s in the measured run, plus warm-up and checks)\n\n' \
        "$RULES_PCT" "$RULES_OK" "$RULES_NGINX_PCT" "$RULES_NGINX_OK" "${CALLS_TODAY:-?}" "${RULES_SENT:-?}"
    printf -- '- OAuth credential: **%s%%** of the static credential'"'"'s req/s (target >= 90%%): **%s**\n' "$OAUTH_PCT" "$OAUTH_OK"
    if [[ "$SPREAD_KEYS" -gt 0 ]]; then
        printf -- '- Calls spread over %s agent keys: **%s%%** of the single-key req/s through the same wrk script (target >= 90%%): **%s**; Latchkey CPU per call %s µs against %s µs with one key\n' \
            "$SPREAD_KEYS" "$SPREAD_PCT" "$SPREAD_OK" "${CPU_US[lk_spread_c]}" "${CPU_US[lk_one_key_c]}"
    fi
    printf '\n'
    printf 'Errors reported by wrk (non-2xx responses, socket errors):\n\n'
    errors_line "nginx $CONNECTIONS conn" nginx_c
    errors_line "Latchkey $CONNECTIONS conn" lk_c
    errors_line "Latchkey with rules $CONNECTIONS conn" lk_rules_c
    errors_line "Latchkey OAuth $CONNECTIONS conn" lk_oauth_c
    if [[ "$SPREAD_KEYS" -gt 0 ]]; then
        errors_line "Latchkey one key via the script $CONNECTIONS conn" lk_one_key_c
        errors_line "Latchkey spread $CONNECTIONS conn" lk_spread_c
    fi
    errors_line "nginx 1 conn" nginx_1
    errors_line "Latchkey 1 conn" lk_1
    errors_line "upstream 1 conn" up_1
} >"$REPORT"

mkdir -p "$RESULTS_DIR"
{
    cat "$REPORT"
    printf '\n## Raw wrk output\n'
    for id in nginx_c lk_c lk_rules_c lk_oauth_c lk_one_key_c lk_spread_c nginx_1 lk_1 up_1; do
        [[ -f "$TMP/wrk-$id.txt" ]] || continue
        printf '\n### %s\n\n```\n' "$id"
        cat "$TMP/wrk-$id.txt"
        printf '```\n'
    done
    if [[ -s "$WORK/serve.log" ]]; then
        printf '\n## latchkey serve log (level warning)\n\n```\n'
        tail -n 50 "$WORK/serve.log"
        printf '```\n'
    fi
} >"$RESULTS_DIR/latest-$DB_KIND.md"

echo
cat "$REPORT"
echo
log "written to $RESULTS_DIR/latest-$DB_KIND.md"
