// The generated TypeScript module compares schemas as the Rust checker does (SPEC §13.3)
// and judges HELLO by it (§13.6): for each pair of examples/peers/schema-pairs.txt (whose
// reports a Rust test checks against `wirewright::schema::compare`), `compareSchemas`
// must report the same lines, and `judge` with the old text as the peer's and the new
// one as its own must refuse exactly the pairs with a breaking line.
//
//     node dist/schema_pairs.js ../schema-pairs.txt
//
// Prints one line per verdict class and a summary; exits 1 when any pair differs.
import { readFileSync } from "node:fs";
import * as kv from "./gen/kv_peer.js";

const section = (lines: string[]) => {
  let end = lines.length;
  while (end > 0 && !lines[end - 1]) end--;
  return lines.slice(0, end);
};

const text = readFileSync(process.argv[2], "utf8");
const pairs = text.split("\n=== ").slice(1).map((block) => {
  const [name, ...lines] = block.split("\n");
  const [old, now, report] = ["--- old", "--- new", "--- report"].map((marker) => lines.indexOf(marker));
  return {
    name,
    old: section(lines.slice(old + 1, now)).join("\n") + "\n",
    now: section(lines.slice(now + 1, report)).join("\n") + "\n",
    expected: section(lines.slice(report + 1)),
  };
});

const wrong: string[] = [];
const verdicts = new Map<string, number>();
for (const { name, old, now, expected } of pairs) {
  const report = kv.compareSchemas(kv.parseSchema(old), kv.parseSchema(now)).map(String);
  if (JSON.stringify(report) !== JSON.stringify(expected)) {
    wrong.push(`${name}:\n  Rust:       ${JSON.stringify(expected)}\n  TypeScript: ${JSON.stringify(report)}`);
  }
  // HELLO: the peer announced the old schema, this side has the new one
  const hello = (schema: string) => new kv.HelloPayload("P", kv.fnv1a64(new TextEncoder().encode(schema)), 1, schema);
  const breaking = expected.some((line) => line.startsWith("breaking: "));
  let verdict: string;
  try {
    verdict = kv.judge(hello(now), hello(old));
  } catch (err) {
    if (!(err instanceof kv.IncompatiblePeer)) throw err;
    verdict = "incompatible";
    if (!err.reason.startsWith("breaking: ")) wrong.push(`${name}: refused for ${err.reason}`);
  }
  if ((verdict === "incompatible") !== breaking) wrong.push(`${name}: judged ${verdict}, the report ${breaking ? "has" : "has no"} breaking line`);
  const kinds = new Set(expected.map((line) => line.split(": ")[0]));
  if (!kinds.size) kinds.add("no");
  for (const kind of kinds) verdicts.set(kind, (verdicts.get(kind) ?? 0) + 1);
}
for (const [kind, count] of [...verdicts].sort()) console.log(kind === "no" ? `  pairs of equal schemas: ${count}` : `  pairs with a ${kind} difference: ${count}`);
for (const line of wrong) console.log(line);
console.log(`${pairs.length} schema pairs compared and judged, ${wrong.length} differ from the Rust checker`);
process.exit(wrong.length ? 1 : 0);
