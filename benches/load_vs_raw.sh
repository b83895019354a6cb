#!/usr/bin/env bash
# Generator efficiency and reference-server figures, measured side by side in one run on this
# machine (loopback only). Not a test: prints figures for reports/load/README.md.
#
#  1. mcpcheck load vs a raw HTTP load tool (oha if installed, else wrk from apt, else
#     `cargo install oha`) replaying the same JSON-RPC POST (ping) against the same reference
#     server /mcp with a pre-initialized session, same concurrency: request rate and CPU per
#     request of each generator.
#  2. The reference server: tools/call and tools/list rate at 1, 16 and 128 sessions (mcpcheck
#     load, one session per user) beside the rate of the raw tool on the server's bare
#     `/health` route (axum/hyper "hello") at the same concurrency.
#  3. RSS of the reference server holding 10,000 idle sessions.
#
# Usage: benches/load_vs_raw.sh            (DURATION=10 CONNS=16 by default; release builds;
#        ONLY=1, 2 or 3 runs one part)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
CONNS=${CONNS:-16}
PORT=${PORT:-18931}
URL="http://127.0.0.1:$PORT/mcp"
WORK=$(mktemp -d)
SERVER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "== building (release)" >&2
cargo build --release --quiet --bin mcpcheck -p mcpcheck
cargo build --release --quiet --bin mcp-reference-server -p mcp-reference-server
MCPCHECK=target/release/mcpcheck
SERVER=target/release/mcp-reference-server

RAW=""
if command -v oha >/dev/null 2>&1; then RAW=oha
elif command -v wrk >/dev/null 2>&1; then RAW=wrk
elif command -v apt-get >/dev/null 2>&1 && { apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq wrk >/dev/null 2>&1; }; }; then RAW=wrk
else echo "== installing oha (cargo install oha)" >&2; cargo install --quiet oha; RAW=oha
fi
echo "== raw tool: $RAW" >&2

# Runs a command and prints the CPU seconds (user + system) it and its children used.
cpu_of() {
  python3 - "$@" <<'PY'
import resource, subprocess, sys
subprocess.run(sys.argv[1:], check=False)
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"{r.ru_utime + r.ru_stime:.3f}", file=sys.stderr)
PY
}

start_server() {
  "$SERVER" --port "$PORT" >/dev/null 2>"$WORK/server.log" &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "reference server did not start" >&2; exit 1
}

stop_server() { kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""; }

rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$SERVER_PID/status"; }

# A session for the raw tool: initialize + initialized; prints the session id.
new_session() {
  local sid
  sid=$(curl -fsS -D - -o /dev/null "$URL" -H 'content-type: application/json' \
    -H 'accept: application/json, text/event-stream' \
    -d '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}' \
    | awk 'tolower($1)=="mcp-session-id:" {print $2}' | tr -d '\r')
  curl -fsS -o /dev/null "$URL" -H 'content-type: application/json' -H 'accept: application/json, text/event-stream' \
    -H "mcp-session-id: $sid" -H 'mcp-protocol-version: 2025-11-25' \
    -d '{"jsonrpc":"2.0","method":"notifications/initialized"}'
  echo "$sid"
}

PING='{"jsonrpc":"2.0","id":1,"method":"ping"}'

# raw_rate METHOD URL CONNS [SID BODY] -> "rate count cpu"
raw_rate() {
  local method=$1 url=$2 conns=$3 sid=${4:-} body=${5:-}
  local out cpu
  if [[ $RAW == oha ]]; then
    local args=(-z "${DURATION}s" -c "$conns" --no-tui --output-format json -m "$method")
    if [[ $method == POST ]]; then
      args+=(-H 'content-type: application/json' -H 'accept: application/json, text/event-stream'
             -H "mcp-session-id: $sid" -H 'mcp-protocol-version: 2025-11-25' -d "$body")
    fi
    cpu=$( { cpu_of oha "${args[@]}" "$url" >"$WORK/raw.out"; } 2>&1 | tail -1)
    python3 -c "import json,sys; s=json.load(open('$WORK/raw.out'))['summary']; print(s['requestsPerSec'], int(s['requestsPerSec']*$DURATION), '$cpu')"
  else
    cat >"$WORK/post.lua" <<LUA
wrk.method = "$method"
wrk.body = [[$body]]
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.headers["Mcp-Session-Id"] = "$sid"
wrk.headers["MCP-Protocol-Version"] = "2025-11-25"
LUA
    local script=()
    [[ $method == POST ]] && script=(-s "$WORK/post.lua")
    local threads=2; (( conns < 2 )) && threads=1
    cpu=$( { cpu_of wrk -t"$threads" -c"$conns" -d"${DURATION}s" "${script[@]}" "$url" >"$WORK/raw.out"; } 2>&1 | tail -1)
    python3 - "$WORK/raw.out" "$cpu" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
rate = float(re.search(r"Requests/sec:\s*([\d.]+)", text).group(1))
count = int(re.search(r"(\d+) requests in", text).group(1))
print(rate, count, sys.argv[2])
PY
  fi
}

# load_rate USERS METHOD-TOML -> "rate count cpu"
load_rate() {
  local users=$1 op=$2
  cat >"$WORK/p.toml" <<TOML
users = $users
duration = "${DURATION}s"
$op
TOML
  local cpu
  cpu=$( { cpu_of "$MCPCHECK" load "$URL" --profile "$WORK/p.toml" -q --report "json:$WORK/load.json" >/dev/null; } 2>&1 | tail -1)
  python3 - "$WORK/load.json" "$cpu" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
calls = sum(s["requests"] for s in r["series"])
print(r["summary"]["rps"], calls, sys.argv[2])
PY
}

ratio() { python3 -c "print(f'{$1/$2:.2f}')"; }
per_req_us() { python3 -c "print(f'{$1/$2*1e6:.1f}')"; }

ONLY=${ONLY:-all}
want() { [[ $ONLY == all || $ONLY == "$1" ]]; }

start_server
SID=$(new_session)
if want 1; then
echo "== 1. generator efficiency: ping over $CONNS connections, ${DURATION}s each" >&2
read -r RAW_RATE RAW_COUNT RAW_CPU < <(raw_rate POST "$URL" "$CONNS" "$SID" "$PING")
read -r MC_RATE MC_COUNT MC_CPU < <(load_rate "$CONNS" $'[[operation]]\nmethod = "ping"')
echo "generator  rate/s     CPU µs/request"
printf '%-10s %-10.0f %s\n' "$RAW" "$RAW_RATE" "$(per_req_us "$RAW_CPU" "$RAW_COUNT")"
printf '%-10s %-10.0f %s\n' mcpcheck "$MC_RATE" "$(per_req_us "$MC_CPU" "$MC_COUNT")"
echo "mcpcheck/$RAW: rate $(ratio "$MC_RATE" "$RAW_RATE"), CPU per request $(ratio "$(per_req_us "$MC_CPU" "$MC_COUNT")" "$(per_req_us "$RAW_CPU" "$RAW_COUNT")")"

fi

if want 2; then
echo "== 2. reference server throughput (mcpcheck load, one session per user) vs bare /health ($RAW)" >&2
echo "sessions  tools/call/s  tools/list/s  /health/s  call/health  list/health"
for n in 1 16 128; do
  read -r CALL _ _ < <(load_rate "$n" $'[[operation]]\nmethod = "tools/call"\ntool = "echo"\narguments = { text = "bench" }')
  read -r LIST _ _ < <(load_rate "$n" $'[[operation]]\nmethod = "tools/list"')
  read -r HEALTH _ _ < <(raw_rate GET "http://127.0.0.1:$PORT/health" "$n")
  printf '%-9s %-13.0f %-13.0f %-10.0f %-12s %s\n' "$n" "$CALL" "$LIST" "$HEALTH" "$(ratio "$CALL" "$HEALTH")" "$(ratio "$LIST" "$HEALTH")"
done
fi
stop_server

want 3 || exit 0
echo "== 3. RSS with 10,000 idle sessions" >&2
start_server
BEFORE=$(rss_kb)
python3 - "$PORT" <<'PY'
import http.client, json, sys
conn = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=10)
body = json.dumps({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
    "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "idle", "version": "1"}}})
headers = {"content-type": "application/json", "accept": "application/json, text/event-stream"}
for _ in range(10000):
    conn.request("POST", "/mcp", body, headers)
    r = conn.getresponse(); r.read()
    sid = r.getheader("mcp-session-id")
    conn.request("POST", "/mcp", '{"jsonrpc":"2.0","method":"notifications/initialized"}',
                 dict(headers, **{"mcp-session-id": sid, "mcp-protocol-version": "2025-11-25"}))
    r = conn.getresponse(); r.read()
PY
AFTER=$(rss_kb)
echo "RSS before $((BEFORE / 1024)) MB, with 10,000 idle sessions $((AFTER / 1024)) MB ($(( (AFTER - BEFORE) * 1024 / 10000 )) bytes per session)"
