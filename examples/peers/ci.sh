#!/usr/bin/env bash
# CI for the generated peers (issue 15): generates the Python modules from the schema
# text, runs SPEC.md's vectors through them and a Python kv client against the Rust kv
# server. Needs python3 (>= 3.10). Run from anywhere; `.ci/run` calls it.
set -euo pipefail
cd "$(dirname "$0")/../.."

python3 -c 'import sys; assert sys.version_info >= (3, 10), sys.version' || {
  echo "python3 >= 3.10 is needed for the generated-peer checks" >&2
  exit 1
}
printf -- '--> generated Python peer: SPEC vectors and kv interop\n'
cargo test -q -p wirewright-examples --test peers_python -- --nocapture
