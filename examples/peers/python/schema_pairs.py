"""The generated Python module compares schemas as the Rust checker does (SPEC §13.3) and
judges HELLO by it (§13.6): for each pair of examples/peers/schema-pairs.txt (whose
reports a Rust test checks against `wirewright::schema::compare`), the module's
`compare_schemas` must report the same lines, and `judge` with the old text as the peer's
and the new one as its own must refuse exactly the pairs with a breaking line.

    python3 schema_pairs.py kv_peer.py ../schema-pairs.txt

Prints one line per verdict class and a summary; exits 1 when any pair differs.
"""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kv_server import load  # noqa: E402


def section(lines: list[str]) -> list[str]:
    while lines and not lines[-1]:
        lines = lines[:-1]
    return lines


def read_pairs(text: str) -> list[tuple[str, str, str, list[str]]]:
    """(name, old text, new text, report lines) per pair."""
    pairs = []
    for block in text.split("\n=== ")[1:]:
        name, body = block.split("\n", 1)
        lines = body.split("\n")
        old, new, report = (lines.index(marker) for marker in ("--- old", "--- new", "--- report"))
        pairs.append((name, "\n".join(section(lines[old + 1:new])) + "\n",
                      "\n".join(section(lines[new + 1:report])) + "\n", section(lines[report + 1:])))
    return pairs


def main(module_path: str, pairs_path: str) -> int:
    peer = load(module_path, "pairs_peer")
    pairs = read_pairs(open(pairs_path, encoding="utf-8").read())
    wrong, verdicts = [], {}
    for name, old, new, expected in pairs:
        report = [str(d) for d in peer.compare_schemas(peer.parse_schema(old), peer.parse_schema(new))]
        if report != expected:
            wrong.append(f"{name}:\n  Rust:   {expected}\n  Python: {report}")
        # HELLO: the peer announced the old schema, this side has the new one
        theirs = peer.HelloPayload("P", peer.fnv1a64(old.encode()), 1, old)
        ours = peer.HelloPayload("P", peer.fnv1a64(new.encode()), 1, new)
        breaking = any(line.startswith("breaking: ") for line in expected)
        try:
            verdict = peer.judge(ours, theirs)
        except peer.IncompatiblePeer as err:
            verdict = "incompatible"
            if not err.reason.startswith("breaking: "):
                wrong.append(f"{name}: refused for {err.reason!r}")
        if (verdict == "incompatible") != breaking:
            wrong.append(f"{name}: judged {verdict}, the report {'has' if breaking else 'has no'} breaking line")
        kinds = {line.split(": ", 1)[0] for line in expected} or {"no"}
        for kind in kinds:
            verdicts[kind] = verdicts.get(kind, 0) + 1
    for kind, count in sorted(verdicts.items()):
        print(f"  pairs of equal schemas: {count}" if kind == "no" else f"  pairs with a {kind} difference: {count}")
    for line in wrong:
        print(line)
    print(f"{len(pairs)} schema pairs compared and judged, {len(wrong)} differ from the Rust checker")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
