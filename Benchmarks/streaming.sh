#!/usr/bin/env bash
# Streaming through Latchkey against the provider directly: time to first byte and each event's delay for an
# LLM-style provider streaming 200 server-sent events 10 ms apart (Benchmarks/streaming.py), and a 100 MB upload
# with Latchkey's peak memory beside its resting memory. See Benchmarks/README.md.
#
# Knobs (environment):
#   LATCHKEY_BIN   release binary to use; when unset the script builds one (SCRATCH: its scratch path)
#   EVENTS         events per stream (default 200); INTERVAL_MS between them (default 10)
#   STREAMS        streams at once (default 16); ROUNDS of them (default 3)
#   UPLOAD_MB      size of the upload (default 100)
#   KEEP_TMP=1     keep the temp directory
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib.sh
source "$ROOT/Benchmarks/lib.sh"
EVENTS="${EVENTS:-200}"
INTERVAL_MS="${INTERVAL_MS:-10}"
STREAMS="${STREAMS:-16}"
ROUNDS="${ROUNDS:-3}"
UPLOAD_MB="${UPLOAD_MB:-100}"
for tool in curl python3; do command -v "$tool" >/dev/null 2>&1 || die "$tool is needed"; done
latchkey_binary "$ROOT"

TMP="$(mktemp -d "${TMPDIR:-/tmp}/latchkey-streaming.XXXXXX")"
PEER_PID=""
LK_PID=""
stop_on_exit PEER_PID "streaming peer"
stop_on_exit LK_PID "latchkey serve"

LOADAVG_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
PEER_PORT="$(free_port)"
LK_PORT="$(free_port)"
python3 "$ROOT/Benchmarks/streaming.py" peer "$PEER_PORT" >"$TMP/peer.log" 2>&1 &
PEER_PID=$!
wait_http "http://127.0.0.1:$PEER_PORT/v1/sse?events=1" "streaming peer" "$PEER_PID" "$TMP/peer.log"

WORK="$TMP/latchkey"
mkdir -p "$WORK/providers"
cat >"$WORK/providers/bench-stream.yaml" <<CONF
name: Bench streaming
auth: {mode: api_key}
proxy:
  base_url: http://127.0.0.1:$PEER_PORT/v1
  inject: {headers: {Authorization: "Bearer {{api_key}}"}}
CONF
clear_latchkey_environment
export LATCHKEY_DATABASE_URL="sqlite:$WORK/lk.db" LATCHKEY_PROVIDERS_DIR="$ROOT/providers" LATCHKEY_LOG_LEVEL=warning
export LATCHKEY_PROXY_BODY_LIMIT=$(((UPLOAD_MB + 1) * 1024 * 1024))
start_latchkey "$WORK" "$LK_PORT"
AGENT_KEY="$(agent_key_for "$WORK" "$LK_PORT" bench-stream "stream-benchmark-key")"
LK_AUTH="Authorization: Bearer $AGENT_KEY"

# --------------------------------------------------------------------------- event streams
QUERY="sse?events=$EVENTS&interval_ms=$INTERVAL_MS"
measure() { python3 "$ROOT/Benchmarks/streaming.py" measure "$@"; }
log "warming up"
measure "http://127.0.0.1:$LK_PORT/v1/proxy/bench-stream/sse?events=20&interval_ms=1" "$STREAMS" 1 "$LK_AUTH" >/dev/null
log "streams direct: $ROUNDS x $STREAMS streams of $EVENTS events, $INTERVAL_MS ms apart"
measure "http://127.0.0.1:$PEER_PORT/v1/$QUERY" "$STREAMS" "$ROUNDS" >"$TMP/direct.json"
log "streams through Latchkey"
T0="$(cpu_ticks "$LK_PID")"
measure "http://127.0.0.1:$LK_PORT/v1/proxy/bench-stream/$QUERY" "$STREAMS" "$ROUNDS" "$LK_AUTH" >"$TMP/latchkey.json"
STREAM_TICKS=$(($(cpu_ticks "$LK_PID") - T0))

# --------------------------------------------------------------------------- upload
head -c "$((UPLOAD_MB * 1024 * 1024))" /dev/urandom >"$TMP/upload.bin"
upload() { # url [header]: prints the bytes the peer counted
    curl -sS -f -X POST -T "$TMP/upload.bin" -H 'Content-Type: application/octet-stream' ${2:+-H "$2"} "$1" \
        | python3 -c 'import json, sys; print(json.load(sys.stdin)["bytes"])'
}
log "upload of $UPLOAD_MB MB direct and through Latchkey"
[[ "$(upload "http://127.0.0.1:$PEER_PORT/v1/upload")" = "$((UPLOAD_MB * 1024 * 1024))" ]] || die "the direct upload arrived short"
RSS_BEFORE="$(memory_kib "$LK_PID" VmRSS)"
HWM_BEFORE="$(memory_kib "$LK_PID" VmHWM)"
T0="$(cpu_ticks "$LK_PID")"
[[ "$(upload "http://127.0.0.1:$LK_PORT/v1/proxy/bench-stream/upload" "$LK_AUTH")" = "$((UPLOAD_MB * 1024 * 1024))" ]] \
    || die "the upload through Latchkey arrived short"
UPLOAD_TICKS=$(($(cpu_ticks "$LK_PID") - T0))
HWM_AFTER="$(memory_kib "$LK_PID" VmHWM)"

# --------------------------------------------------------------------------- report
REPORT="$TMP/report.md"
python3 - "$TMP/direct.json" "$TMP/latchkey.json" "$STREAM_TICKS" "$CLK_TCK" "$RSS_BEFORE" "$HWM_BEFORE" "$HWM_AFTER" \
    "$UPLOAD_TICKS" "$UPLOAD_MB" "$LOADAVG_BEFORE" "$STREAMS" "$ROUNDS" "$EVENTS" "$INTERVAL_MS" >"$REPORT" <<'PY'
import json, statistics, sys
(direct, via, ticks, hz, rss0, hwm0, hwm1, up_ticks, up_mb, load, streams, rounds, events, interval) = sys.argv[1:]
def stats(path):
    runs = json.load(open(path))
    delays = sorted(d for r in runs for d in r["delays_ms"])
    ttfb = sorted(r["ttfb_ms"] for r in runs)
    q = lambda xs, p: xs[min(len(xs) - 1, int(p * len(xs)))]
    return {"events": len(delays), "ttfb50": statistics.median(ttfb), "d50": statistics.median(delays),
            "d90": q(delays, 0.9), "d99": q(delays, 0.99)}
d, v = stats(direct), stats(via)
expected = int(streams) * int(rounds) * int(events)
assert d["events"] == expected and v["events"] == expected, f"events received: {d['events']} / {v['events']} of {expected}"
added = v["d50"] - d["d50"]
cpu_event = 1e6 * int(ticks) / int(hz) / v["events"]
print("# Latchkey streaming benchmark\n")
print(f"- load average before the run: {load}; {rounds} rounds of {streams} streams at once, {events} events "
      f"{interval} ms apart each\n")
print("| path | events | time to first byte p50 ms | event delay p50 ms | p90 ms | p99 ms |")
print("|---|---:|---:|---:|---:|---:|")
for name, s in (("direct", d), ("through Latchkey", v)):
    print(f"| {name} | {s['events']} | {s['ttfb50']:.2f} | {s['d50']:.3f} | {s['d90']:.3f} | {s['d99']:.3f} |")
print(f"\n- Added delay per event at the median: **{added:.3f} ms** (target <= 1 ms): **{'PASS' if added <= 1 else 'MISS'}**")
print(f"- Added time to first byte at the median: {v['ttfb50'] - d['ttfb50']:.2f} ms")
print(f"- Latchkey CPU per relayed event: {cpu_event:.1f} µs (user + system over the run, {ticks} ticks)")
grew = (int(hwm1) - int(rss0)) / 1024
print(f"- Upload of {up_mb} MB through Latchkey: resting RSS {int(rss0) / 1024:.1f} MiB, peak RSS after "
      f"{int(hwm1) / 1024:.1f} MiB (peak before {int(hwm0) / 1024:.1f} MiB): **{grew:+.1f} MiB**; "
      f"CPU {1e3 * int(up_ticks) / int(hz) / int(up_mb):.2f} ms per MB")
PY
mkdir -p "$ROOT/Benchmarks/results"
cp "$REPORT" "$ROOT/Benchmarks/results/streaming-latest.md"
echo
cat "$REPORT"
