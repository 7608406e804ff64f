# Shared pieces of the benchmark scripts (sourced, not run): logging, ports, process control, waiting for a server,
# CPU and memory of a process, and a Latchkey set up with one static credential and an agent key for it.
# The sourcing script sets TMP (its temp directory) before calling any of them.

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

stop_pid() { # pid name
    local pid="$1" i
    [[ -n "$pid" ]] || return 0
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "$2 (pid $pid) did not stop on TERM, killing it"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

free_port() {
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
    else
        local p
        while :; do
            p=$((20000 + RANDOM % 40000))
            (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
        done
    fi
}

wait_http() { # url what pid log
    local i code url="$1" what="$2" pid="$3" logfile="$4"
    for ((i = 0; i < 300; i++)); do
        if ! kill -0 "$pid" 2>/dev/null; then
            tail -n 40 "$logfile" >&2 || true
            die "$what exited before answering $url"
        fi
        code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" || true)"
        [[ "$code" = 200 ]] && return 0
        sleep 0.2
    done
    tail -n 40 "$logfile" >&2 || true
    die "$what did not answer 200 at $url within 60s (last status: ${code:-none})"
}

CLK_TCK="$(getconf CLK_TCK 2>/dev/null || echo 100)"

cpu_ticks() { # pid: user + system clock ticks of the process so far
    sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

memory_kib() { # pid field (VmRSS, VmHWM): kibibytes
    awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}

# Runs `latchkey serve` in $1 (a directory holding providers/) on port $2, with the LATCHKEY_* settings already
# exported; sets LK_PID.
start_latchkey() { # workdir port
    log "starting latchkey serve on :$2"
    (cd "$1" && exec "$LK" serve --host 127.0.0.1 --port "$2" --providers "$1/providers") >"$1/serve.log" 2>&1 &
    LK_PID=$!
    wait_http "http://127.0.0.1:$2/healthz" "latchkey serve" "$LK_PID" "$1/serve.log"
}

# A user, a credential of `provider` with `api_key`, a group bound to it and an agent key: prints the key.
agent_key_for() { # workdir port provider api_key
    local work="$1" api="http://127.0.0.1:$2/api/v1" token body cred group
    printf '%s\n' "bench-password-0123456789" | (cd "$work" && "$LK" user add bench@example.com --admin --password-stdin) >/dev/null 2>&1 || true
    token="$(cd "$work" && "$LK" token create --user bench@example.com --name bench | tr -d '[:space:]')"
    [[ "$token" = lku_* ]] || die "latchkey token create printed something else than an lku_ token"
    post() { curl -sS -f -X "$1" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' --data "$3" "$api$2"; }
    field() { grep -o "\"$1\"[[:space:]]*:[[:space:]]*\"[^\"]*\"" | head -n 1 | sed 's/.*:[[:space:]]*"\(.*\)"$/\1/'; }
    body="$(post POST /credentials '{"provider":"'"$3"'","name":"bench","fields":{"api_key":"'"$4"'"}}')" || die "creating the credential failed"
    cred="$(printf '%s' "$body" | field id)"
    body="$(post POST /groups '{"name":"bench"}')" || die "creating the group failed"
    group="$(printf '%s' "$body" | field id)"
    post PUT "/groups/$group/bindings/$3" '{"credential_id":"'"$cred"'"}' >/dev/null || die "binding the credential failed"
    body="$(post POST "/groups/$group/keys" '{}')" || die "creating the agent key failed"
    printf '%s' "$body" | field key
}

# Only the caller's own LATCHKEY_* settings reach latchkey.
clear_latchkey_environment() {
    while IFS= read -r var; do unset "$var"; done < <(compgen -e | grep '^LATCHKEY_' | grep -v '^LATCHKEY_BIN$' || true)
}

# The release binary: $LATCHKEY_BIN, else built into SCRATCH (default .build); sets LK.
latchkey_binary() { # root
    if [[ -n "${LATCHKEY_BIN:-}" ]]; then
        LK="$LATCHKEY_BIN"
    else
        local scratch="${SCRATCH:-.build}"
        [[ "$scratch" = /* ]] || scratch="$1/$scratch"
        log "building latchkey (release) into $scratch (this takes a while)"
        (cd "$1" && swift build -c release --product latchkey --scratch-path "$scratch")
        LK="$scratch/release/latchkey"
    fi
    [[ -x "$LK" ]] || die "latchkey binary not found or not executable: $LK"
    LK="$(cd "$(dirname "$LK")" && pwd)/$(basename "$LK")"
}

# Stopping the script's processes on exit: `stop_on_exit VARIABLE name` registers a variable that holds (or will
# hold) a pid; on exit each is stopped, last registered first, and TMP is removed unless the script failed or
# KEEP_TMP=1 (then it is kept for a look).
STOP_ON_EXIT=()
stop_on_exit() { # variable name
    STOP_ON_EXIT=("$1 $2" "${STOP_ON_EXIT[@]}")
    trap stop_all_and_clean EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

stop_all_and_clean() {
    local status=$? entry var
    set +e
    for entry in "${STOP_ON_EXIT[@]}"; do
        var="${entry%% *}"
        stop_pid "${!var:-}" "${entry#* }"
    done
    if [[ -n "${TMP:-}" ]]; then
        if [[ "${KEEP_TMP:-0}" = 1 || $status -ne 0 ]]; then log "temp files kept in $TMP"; else rm -rf "$TMP"; fi
    fi
    exit $status
}
