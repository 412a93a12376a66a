#!/usr/bin/env bash
# CI for the generated peers (issue 15): generates the Python and TypeScript modules from
# the schema text, runs SPEC.md's vectors and the fuzz seeds through them, compares the
# schema pairs of schema-pairs.txt as the Rust checker does, runs a Python and a
# TypeScript kv client against the Rust kv server, a TypeScript chat peer with a Rust chat
# client in the Rust chat server's room, and the runtimes' connection checks (HELLO,
# budgets, hostile servers, an in-memory Transport, DEADLINE/CANCEL and stream credit);
# the kv clients also call with deadlines and read `watch` streams (SPEC §11.7, §11.8). Needs python3 (>= 3.10), node (20)
# and npm; the TypeScript compiler comes pinned from package-lock.json (npm ci). Run from
# anywhere; `.ci/run` calls it.
set -euo pipefail
cd "$(dirname "$0")/../.."

python3 -c 'import sys; assert sys.version_info >= (3, 10), sys.version' || {
  echo "python3 >= 3.10 is needed for the generated-peer checks" >&2
  exit 1
}
# The Python side is a cargo test (examples/tests/peers_python.rs); .ci/run has just run
# it with the whole workspace and sets PEERS_PYTHON_TESTED=1 so it does not run twice.
if [ "${PEERS_PYTHON_TESTED:-0}" != 1 ]; then
  printf -- '--> generated Python peer: SPEC vectors and kv interop\n'
  cargo test -q -p wirewright-examples --test peers_python -- --nocapture
fi

# TypeScript: the compiler pinned by package-lock.json, the modules generated into gen/.
printf -- '--> generated TypeScript peer: SPEC vectors, fuzz seeds, kv and chat interop\n'
cargo build -q -p wirewright-examples --bin schema --bin kv --bin chat
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
ts=examples/peers/ts
mkdir -p "$ts/gen"
"$target_dir/debug/schema" typescript examples/peers/spec-types.wwschema >"$ts/gen/spec_peer.ts"
"$target_dir/debug/schema" typescript examples/peers/bench.wwschema >"$ts/gen/bench_peer.ts"
"$target_dir/debug/schema" typescript examples/schema/kv-request.wwschema \
  examples/schema/kv-response.wwschema examples/schema/kv-error.wwschema >"$ts/gen/kv_peer.ts"
"$target_dir/debug/schema" typescript examples/peers/kv-v1/kv-request.wwschema \
  examples/peers/kv-v1/kv-response.wwschema examples/peers/kv-v1/kv-error.wwschema >"$ts/gen/kv_v1_peer.ts"
"$target_dir/debug/schema" typescript examples/schema/chat-client.wwschema \
  examples/schema/chat-server.wwschema >"$ts/gen/chat_peer.ts"
(cd "$ts" && npm ci --no-audit --no-fund --loglevel=error && npx tsc -p .)
conformance=$(cd "$ts" && node dist/conformance.js ../../../SPEC.md --corpus ../../../fuzz/seeds \
  --corpus ../../../fuzz/regressions --error-paths ../error-paths.txt)
printf '%s\n' "$conformance" | grep -v '^not run'
# every behaviour block ran, the §11.7 and §11.8 scripts included (none skipped)
for kind in wirewright-behaviour rpc-signal-behaviour rpc-stream-behaviour; do
  blocks=$(grep -c "^\`\`\`$kind\$" SPEC.md)
  printf '%s\n' "$conformance" | grep -qx "passed $blocks $kind" || {
    echo "TypeScript conformance: not all $blocks $kind blocks of SPEC.md passed" >&2
    exit 1
  }
done
(cd "$ts" && node dist/schema_pairs.js ../schema-pairs.txt)

# start BIN: runs `BIN server 127.0.0.1:0` in the background; sets `addr` to its address.
pids=()
logs=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -f "${logs[@]}"' EXIT
start() {
  local log
  log=$(mktemp)
  logs+=("$log")
  "$target_dir/debug/$1" server 127.0.0.1:0 >"$log" &
  pids+=($!)
  for _ in $(seq 100); do grep -q "$1 server listening on" "$log" && break; sleep 0.1; done
  addr=$(grep "$1 server listening on" "$log" | grep -o '127\.0\.0\.1:[0-9]*' | head -1)
}
start kv
kv_addr=$addr
start chat
chat_addr=$addr
(cd "$ts" && timeout 60 node dist/kv_interop.js "$kv_addr")
(cd "$ts" && timeout 60 node dist/chat_interop.js "$chat_addr" "$target_dir/debug/chat")
(cd "$ts" && timeout 60 node dist/runtime_checks.js "$kv_addr")
