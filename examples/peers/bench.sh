#!/usr/bin/env bash
# Encode/decode ns per message of the generated Python and TypeScript codecs beside
# Python's `json` and Node's `JSON` in the same run, on the shapes of the compare
# datasets (examples/peers/bench.wwschema), and the 64 KiB blob's decode beside one copy
# of its bytes. Prints two tables; about 10 s. Run from anywhere:
#
#     bash examples/peers/bench.sh
#
# Each figure is the fastest of 5 rounds (wall clock; on a shared machine the slower rounds
# measure the other processes): compare the rows of one run, not runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build -q -p wirewright-examples --bin schema
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
ts=examples/peers/ts
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$target_dir/debug/schema" python examples/peers/bench.wwschema >"$work/bench_peer.py"
printf -- '--> generated Python codec (python3 %s) beside json\n' "$(python3 -c 'import platform; print(platform.python_version())')"
python3 examples/peers/python/bench.py "$work/bench_peer.py"
mkdir -p "$ts/gen"
"$target_dir/debug/schema" typescript examples/peers/bench.wwschema >"$ts/gen/bench_peer.ts"
(cd "$ts" && { [ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error; } && npx tsc -p .)
printf -- '\n--> generated TypeScript codec (node %s) beside JSON\n' "$(node --version)"
(cd "$ts" && node dist/bench.js)
