#!/usr/bin/env bash
# Instructions per message of every format on every dataset, counted by callgrind (stable on
# a busy machine, unlike times). Only the measured loop of `codec_profile` is counted.
#
#   bash examples/callgrind.sh                    # the whole matrix
#   bash examples/callgrind.sh decode ids labels  # one operation, some datasets
#
# Operations: encode, decode (owned), borrowed, framed (encode a frame and decode it back;
# the peers frame by hand: a length, the payload and a crc32fast checksum).
# Prints a markdown table: instructions per message, and wirewright's count over
# postcard's and over wincode's.
set -euo pipefail
cd "$(dirname "$0")/.."

ops=(encode decode borrowed framed)
datasets=(chat log telemetry ids labels blob)
formats=(wirewright postcard wincode bitcode bincode)
if [[ $# -gt 0 ]]; then
    ops=("$1")
    shift
fi
if [[ $# -gt 0 ]]; then
    datasets=("$@")
fi

cargo build --quiet --release -p wirewright-examples --bin codec_profile
binary=target/release/codec_profile
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# Instructions per message of one run.
count() {
    local op=$1 dataset=$2 format=$3 iterations=20
    [[ $dataset == blob ]] && iterations=2
    local messages
    messages=$(valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*measured*' \
        --callgrind-out-file="$out/cg" "$binary" "$op" "$dataset" "$format" "$iterations" \
        2>"$out/log")
    local collected
    collected=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$out/log")
    echo $((collected / messages))
}

header="| operation | dataset |"
for format in "${formats[@]}"; do header+=" $format |"; done
echo "$header ÷ postcard | ÷ wincode |"
echo "|---|---|$(printf -- '--:|%.0s' "${formats[@]}")--:|--:|"
for op in "${ops[@]}"; do
    for dataset in "${datasets[@]}"; do
        row=()
        for format in "${formats[@]}"; do
            row+=("$(count "$op" "$dataset" "$format")")
        done
        ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
        line="| $op | $dataset |"
        for value in "${row[@]}"; do line+=" $value |"; done
        line+=" $(ratio "${row[0]}" "${row[1]}") | $(ratio "${row[0]}" "${row[2]}") |"
        echo "$line"
    done
done
