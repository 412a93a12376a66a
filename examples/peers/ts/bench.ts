// Encode/decode time per message of the generated TypeScript codec beside Node's JSON,
// in the same run, on the shapes of the compare datasets, and the 64 KiB blob's decode
// beside one copy of its bytes. `examples/peers/ci.sh` generates gen/bench_peer.ts from
// examples/peers/bench.wwschema and compiles it; then:
//
//     (cd examples/peers/ts && node dist/bench.js)
import * as m from "./gen/bench_peer.js";

/** The fastest of `rounds` rounds of `budgetMs / rounds` each: on a shared machine the
 * slower rounds measure the other processes. */
function perCallNs<T>(fn: (arg: T) => unknown, arg: T, budgetMs = 300, rounds = 5): number {
  let best = Infinity;
  for (let round = 0; round < rounds; round++) {
    let n = 0;
    const start = process.hrtime.bigint();
    for (;;) {
      for (let i = 0; i < 100; i++) fn(arg);
      n += 100;
      const elapsed = Number(process.hrtime.bigint() - start);
      if (elapsed > (budgetMs / rounds) * 1e6) {
        best = Math.min(best, elapsed / n);
        break;
      }
    }
  }
  return best;
}

const say = new m.Chat_Say({ room: "lobby", nick: "ann", text: "see you at the standup in five minutes", at_ms: 1_700_000_000_123n });
const telemetry = new m.Telemetry({
  device_id: 0x1234_5678_9abcn, started_at_ms: 1_700_000_000_000n, taken_at_ms: 1_700_000_060_000n,
  readings: Array.from({ length: 16 }, (_, i) => 20.5 + i / 8), tags: ["site=ams3", "rack=12", "kind=thermal"],
});
const data = new Uint8Array(65536).map((_, i) => i & 0xff);
const blob = new m.Blob({ id: 7, data });
const big = (_: string, v: unknown) => (typeof v === "bigint" ? Number(v) : v);
const rows: [string, any, { decode(b: Uint8Array): unknown }, unknown][] = [
  ["chat Say", say, m.Chat, { Say: say }],
  ["telemetry", telemetry, m.Telemetry, telemetry],
  ["blob 64 KiB", blob, m.Blob, { id: 7, data: Array.from(data) }],
];
console.log("message       bytes  encode ns  decode ns  json bytes  json enc ns  json dec ns");
for (const [name, value, cls, asJson] of rows) {
  const encoded: Uint8Array = value.encode();
  const text = JSON.stringify(asJson, big);
  const enc = perCallNs((v) => v.encode(), value);
  const dec = perCallNs((b) => cls.decode(b), encoded);
  const jenc = perCallNs((v) => JSON.stringify(v, big), asJson);
  const jdec = perCallNs((t) => JSON.parse(t), text);
  console.log(`${name.padEnd(12)} ${String(encoded.length).padStart(6)} ${enc.toFixed(0).padStart(10)} ${dec.toFixed(0).padStart(10)} ${String(text.length).padStart(11)} ${jenc.toFixed(0).padStart(12)} ${jdec.toFixed(0).padStart(12)}`);
}
const encoded = blob.encode();
const copy = perCallNs((b) => b.slice(5), encoded);
const dec = perCallNs((b) => m.Blob.decode(b), encoded);
const tiny = perCallNs((b) => m.Blob.decode(b), new m.Blob({ id: 7, data: Uint8Array.of(1) }).encode());
console.log(`64 KiB blob: decode ${dec.toFixed(0)} ns, one copy of its ${encoded.length} bytes (Uint8Array.slice) ${copy.toFixed(0)} ns, ratio ${(dec / copy).toFixed(2)}; ` +
  `the same message with 1 byte of data decodes in ${tiny.toFixed(0)} ns, so the 64 KiB cost ${(dec - tiny).toFixed(0)} ns, ${((dec - tiny) / copy).toFixed(2)} copies`);
