#!/usr/bin/env bash
# Remote MCP tool calls (issue 16): a tool call through Latchkey's /mcp (and /mcp/{provider}) to a local remote MCP
# server, against the same call made to that server directly. The server is the e2e peer (e2e/mcp_peer: the official
# MCP Python SDK, streamable HTTP, stateful sessions, SSE answers) with a static bearer token; Latchkey holds that
# token as an api_key credential of an `mcp` provider. Benchmarks/mcp_bench.py makes the calls and prints the report.
#
#   LATCHKEY_BIN=/path/to/release/latchkey Benchmarks/mcp.sh
#   CALLS=5000 WARMUP=500 BLOCKS=20 LATCHKEY_BIN=… Benchmarks/mcp.sh
#
# Knobs (environment):
#   LATCHKEY_BIN   the release binary to benchmark (required: this script builds nothing)
#   CALLS          measured calls per path (default 2000)
#   WARMUP         unmeasured calls per path first (default 200)
#   BLOCKS         rounds the measured calls are split into, the paths' order rotating (default 10)
#   KEEP_TMP=1     keep the temp directory (logs, database) after the run
#   HOLD=1         set everything up, print the URLs, pids and keys, and keep the servers running until interrupted
#                  (for perf record -p PID under calls of your own)
# Needs python3 with the e2e requirements (the `mcp` package: e2e/requirements.txt) and curl.
# Writes the report to Benchmarks/results/mcp-<UTC date and time>.txt (git-ignored) and prints it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RESULTS_DIR="$ROOT/Benchmarks/results"
CALLS="${CALLS:-2000}"
WARMUP="${WARMUP:-200}"
BLOCKS="${BLOCKS:-10}"
PEER_TOKEN="mcp-benchmark-token-0123456789"
ADMIN_EMAIL="admin@example.com"
ADMIN_PASSWORD="bench-password-0123456789"

# shellcheck source=lib.sh
source "$ROOT/Benchmarks/lib.sh"

[[ -n "${LATCHKEY_BIN:-}" ]] || die "set LATCHKEY_BIN to a release build of latchkey (swift build -c release)"
[[ -x "$LATCHKEY_BIN" ]] || die "latchkey binary not found or not executable: $LATCHKEY_BIN"
LK="$(cd "$(dirname "$LATCHKEY_BIN")" && pwd)/$(basename "$LATCHKEY_BIN")"
command -v curl >/dev/null 2>&1 || die "curl is needed"
python3 -c 'import mcp' 2>/dev/null || die "python3 lacks the mcp package (pip install -r e2e/requirements.txt)"

TMP="$(mktemp -d "${TMPDIR:-/tmp}/latchkey-mcp-bench.XXXXXX")"
PEER_PID=""
LK_PID=""

stop_on_exit PEER_PID "MCP peer"
stop_on_exit LK_PID "latchkey serve"


LOADAVG_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"

# --------------------------------------------------------------------------- the remote MCP server
log "starting the MCP peer (bearer mode)"
python3 "$ROOT/e2e/mcp_peer/run.py" --port 0 --auth "bearer:$PEER_TOKEN" --log-level warning \
    >"$TMP/peer.out" 2>"$TMP/peer.log" &
PEER_PID=$!
for ((i = 0; i < 300; i++)); do
    grep -q '^READY ' "$TMP/peer.out" 2>/dev/null && break
    kill -0 "$PEER_PID" 2>/dev/null || { tail -n 40 "$TMP/peer.log" >&2; die "the MCP peer exited"; }
    sleep 0.1
done
PEER_URL="$(sed -n 's/^READY //p' "$TMP/peer.out" | head -n 1)"
[[ -n "$PEER_URL" ]] || die "the MCP peer did not report READY within 30 s"

# --------------------------------------------------------------------------- latchkey
WORK="$TMP/latchkey"
mkdir -p "$WORK/providers"
cat >"$WORK/providers/peer.yaml" <<EOF
name: Peer
auth:
  mode: api_key
  fields: [{name: api_key, label: Token, secret: true, required: true}]
mcp: {url: $PEER_URL/mcp}
proxy:
  inject: {headers: {Authorization: "Bearer {{api_key}}"}}
EOF
while IFS= read -r var; do unset "$var"; done < <(compgen -e | grep '^LATCHKEY_' | grep -v '^LATCHKEY_BIN$' || true)
export LATCHKEY_DATABASE_URL="sqlite:$WORK/lk.db"
export LATCHKEY_MASTER_KEY_FILE="$WORK/master.key"
export LATCHKEY_PROVIDERS_DIR="$ROOT/providers"
export LATCHKEY_ALLOW_PRIVATE_UPSTREAMS=1
export LATCHKEY_REFRESH_INTERVAL=0
export LATCHKEY_LOG_LEVEL=warning
lk() { (cd "$WORK" && "$LK" "$@"); }
(umask 077 && lk keys generate >"$LATCHKEY_MASTER_KEY_FILE") || die "latchkey keys generate failed"

LK_PORT="$(free_port)"
log "starting latchkey serve on :$LK_PORT"
(cd "$WORK" && exec "$LK" serve --host 127.0.0.1 --port "$LK_PORT" --providers "$WORK/providers") \
    >"$WORK/serve.log" 2>&1 &
LK_PID=$!
for ((i = 0; i < 300; i++)); do
    [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$LK_PORT/healthz" 2>/dev/null)" = 200 ]] && break
    kill -0 "$LK_PID" 2>/dev/null || { tail -n 40 "$WORK/serve.log" >&2; die "latchkey serve exited"; }
    sleep 0.1
done
[[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$LK_PORT/healthz")" = 200 ]] || die "latchkey serve did not answer /healthz"

API="http://127.0.0.1:$LK_PORT/api/v1"
api() { # method path [json]: sets API_STATUS and API_BODY
    local out="$TMP/api-body"
    API_STATUS="$(curl -sS -o "$out" -w '%{http_code}' -X "$1" -H "Authorization: Bearer $USER_TOKEN" \
        -H 'Content-Type: application/json' ${3:+--data "$3"} "$API$2")"
    API_BODY="$(cat "$out")"
}
json_str() { grep -o "\"$1\"[[:space:]]*:[[:space:]]*\"[^\"]*\"" | head -n 1 | sed 's/.*:[[:space:]]*"\(.*\)"$/\1/'; }
expect() { [[ "$API_STATUS" = "$1" ]] || { printf '%s\n' "$API_BODY" >&2; die "$2 answered HTTP $API_STATUS (wanted $1)"; }; }

log "setting up an admin, a credential for the peer, a group, its binding and an agent key"
printf '%s\n' "$ADMIN_PASSWORD" | lk user add "$ADMIN_EMAIL" --admin --password-stdin >"$TMP/user-add.log" 2>&1 \
    || { cat "$TMP/user-add.log" >&2; die "latchkey user add failed"; }
USER_TOKEN="$(lk token create --user "$ADMIN_EMAIL" | tr -d '[:space:]')"
[[ "$USER_TOKEN" = lku_* ]] || die "latchkey token create printed something else than an lku_ token"
api POST /credentials '{"provider":"peer","name":"p","fields":{"api_key":"'"$PEER_TOKEN"'"}}'
expect 201 "POST /api/v1/credentials"
CRED_ID="$(printf '%s' "$API_BODY" | json_str id)"
api POST /groups '{"name":"g"}'
expect 201 "POST /api/v1/groups"
GROUP_ID="$(printf '%s' "$API_BODY" | json_str id)"
api PUT "/groups/$GROUP_ID/bindings/peer" '{"credential_id":"'"$CRED_ID"'"}'
expect 200 "PUT /api/v1/groups/{id}/bindings/peer"
api POST "/groups/$GROUP_ID/keys" '{}'
expect 201 "POST /api/v1/groups/{id}/keys"
AGENT_KEY="$(printf '%s' "$API_BODY" | json_str key)"
[[ "$AGENT_KEY" = lka_* ]] || die "no lka_ key in the reply of POST /groups/{id}/keys"

BENCH_ARGS=(--peer-url "$PEER_URL" --peer-token "$PEER_TOKEN" --peer-pid "$PEER_PID"
    --lk-url "http://127.0.0.1:$LK_PORT" --lk-key "$AGENT_KEY" --lk-pid "$LK_PID")
if [[ "${HOLD:-}" = 1 ]]; then
    printf 'latchkey pid %s, url http://127.0.0.1:%s, agent key %s\npeer pid %s, url %s, token %s\n' \
        "$LK_PID" "$LK_PORT" "$AGENT_KEY" "$PEER_PID" "$PEER_URL" "$PEER_TOKEN"
    printf 'calls: python3 %s %s\n' "$ROOT/Benchmarks/mcp_bench.py" "${BENCH_ARGS[*]}"
    log "holding (HOLD=1): the servers run until this script is interrupted"
    while kill -0 "$LK_PID" 2>/dev/null; do sleep 1; done
    exit 0
fi

# --------------------------------------------------------------------------- measure
COMMIT="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [[ "$COMMIT" != unknown && -n "$(git -C "$ROOT" status --porcelain -- Sources Package.swift 2>/dev/null)" ]]; then
    COMMIT="$COMMIT (with uncommitted changes under Sources/)"
fi
# The commit of the checkout the binary was built in (…/.build/release/latchkey), when it is a git checkout.
BIN_COMMIT="$(git -C "$(dirname "$LK")" rev-parse --short HEAD 2>/dev/null || true)"
CPU_MODEL="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)"
REPORT="$TMP/report.txt"
log "measuring: $CALLS calls per path after $WARMUP warm-up, $BLOCKS blocks"
{
    printf '# Remote MCP tool calls: direct vs through Latchkey\n\n'
    printf -- '- date: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    printf -- '- commit: %s; latchkey binary: %s (modified %s%s)\n' "$COMMIT" "$LK" "$(date -u -r "$LK" +%Y-%m-%dT%H:%M:%SZ 2>/dev/null || echo unknown)" "${BIN_COMMIT:+, in a checkout of $BIN_COMMIT}"
    printf -- '- nproc: %s%s; load average before the run: %s\n' "$(nproc)" "${CPU_MODEL:+ ($CPU_MODEL)}" "$LOADAVG_BEFORE"
    printf -- '- server: e2e/mcp_peer (mcp %s, Python %s), bearer mode; Latchkey: SQLite, provider `peer` (api_key, mcp)\n\n' \
        "$(python3 -c 'import importlib.metadata as m; print(m.version("mcp"))' 2>/dev/null || echo '?')" "$(python3 -c 'import platform; print(platform.python_version())')"
    python3 "$ROOT/Benchmarks/mcp_bench.py" "${BENCH_ARGS[@]}" --calls "$CALLS" --warmup "$WARMUP" --blocks "$BLOCKS"
} >"$REPORT" || { cat "$REPORT" >&2; tail -n 40 "$WORK/serve.log" >&2; die "the benchmark failed"; }
kill -0 "$LK_PID" 2>/dev/null || die "latchkey serve died during the benchmark"

mkdir -p "$RESULTS_DIR"
OUT="$RESULTS_DIR/mcp-$(date -u +%Y%m%d-%H%M%S).txt"
{
    cat "$REPORT"
    if [[ -s "$WORK/serve.log" ]]; then
        printf '\n## latchkey serve log (level warning)\n\n'
        tail -n 30 "$WORK/serve.log"
    fi
} >"$OUT"
echo
cat "$REPORT"
echo
log "written to $OUT"
