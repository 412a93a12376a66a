// A generated TypeScript kv client against the Rust kv server (`kv server ADDR`):
//
//     node dist/kv_interop.js 127.0.0.1:7100
//
// Every operation, every typed error, error codes 1 and 2, a deadline, 100 pipelined
// calls and the closing handshake, then calls with DEADLINE and an AbortSignal (§11.7)
// and `watch` streams (§11.8: read in order through a small window, left early with
// CANCEL, ended by their deadline); exits 1 at the first check that fails.
import assert from "node:assert/strict";
import * as kv from "./gen/kv_peer.js";

const [host, port] = process.argv[2].split(":");
const client = await kv.Client.connect(host, Number(port), kv.KvRequest, kv.KvResponse, kv.KvError.codec);
const bytes = (text: string) => new TextEncoder().encode(text);
const announced = kv.rpcSchema(kv.KvRequest, kv.KvResponse, kv.KvError.codec)!;
assert.equal(client.conn.verdict, "compatible"); // the same schema as the server's (HELLO, §13.6)
assert.equal(client.conn.peerHello?.fingerprint, announced.fingerprint);
console.log(`  HELLO: ${announced.root} ${announced.fingerprint.toString(16)}, the server's too`);

async function expectError(call: Promise<unknown>, code: number, value?: unknown): Promise<void> {
  try {
    await call;
  } catch (err) {
    assert.ok(err instanceof kv.CallError, String(err));
    assert.equal(err.code, code, err.message);
    if (value !== undefined) assert.deepEqual(err.value, value);
    console.log(`  error as expected: ${err.message}`);
    return;
  }
  assert.fail(`expected error code ${code}`);
}

assert.deepEqual(await client.call(new kv.Put({ key: "greeting", value: bytes("hello") })), new kv.Stored({ replaced: false }));
assert.deepEqual(await client.call(new kv.Put({ key: "greeting", value: bytes("hi") })), new kv.Stored({ replaced: true }));
assert.deepEqual(await client.call(new kv.Get({ key: "greeting" })), new kv.Value({ value: bytes("hi") }));
assert.deepEqual(await client.call(new kv.Put({ key: "green", value: new Uint8Array(256).map((_, i) => i) })), new kv.Stored({ replaced: false }));
assert.deepEqual(await client.call(new kv.List({ prefix: "gre" })), new kv.Keys({ keys: ["green", "greeting"] }));
assert.deepEqual(await client.call(new kv.Delete({ key: "green" })), new kv.Deleted());
console.log("  put, get, list, delete: ok");

await expectError(client.call(new kv.Get({ key: "green" })), 0, new kv.KvError_NotFound({ key: "green" }));
await expectError(client.call(new kv.Delete({ key: "nope" })), 0, new kv.KvError_NotFound({ key: "nope" }));
await expectError(client.call(new kv.Put({ key: "k".repeat(300) })), 0, new kv.KvError_KeyTooLong({ len: 300, max: 256 }));
await expectError(client.call(new kv.Put({ key: "big", value: new Uint8Array(70_000) })), 0, new kv.KvError_ValueTooLarge({ len: 70_000, max: 65_536 }));
await expectError(client.callRaw(99, new Uint8Array(0)), 1);
await expectError(client.callRaw(kv.Get.ID, Uint8Array.of(2, 0xc3, 0x28)), 2);

await assert.rejects(client.call(new kv.Get({ key: "greeting" }), 0), /deadline/);
assert.deepEqual(await client.call(new kv.Get({ key: "greeting" }), 5000), new kv.Value({ value: bytes("hi") }));
console.log("  deadline: ok");

const puts = await Promise.all(Array.from({ length: 100 }, (_, i) => client.call(new kv.Put({ key: `p${String(i).padStart(3, "0")}`, value: Uint8Array.of(i) }))));
assert.ok(puts.every((r) => r.replaced === false));
const gets = await Promise.all(Array.from({ length: 100 }, (_, i) => client.call(new kv.Get({ key: `p${String(i).padStart(3, "0")}` }))));
gets.forEach((r, i) => assert.deepEqual(r, new kv.Value({ value: Uint8Array.of(i) })));
assert.equal((await client.call(new kv.List({ prefix: "p" }))).keys.length, 100);
console.log("  100 pipelined puts and 100 pipelined gets: ok");

await client.close();
assert.equal(client.conn.error, null);
console.log("  goodbye: ok");

// §11.7 and §11.8: calls that send DEADLINE, a watch read in order through a 64-byte
// window (credit granted back as the loop reads), left early (CANCEL), and a watch whose
// deadline passes.
const settings = { callSignals: true, streamWindow: 64 };
const watcher = await kv.Client.connect(host, Number(port), kv.KvRequest, kv.KvResponse, kv.KvError.codec, settings);
const writer = await kv.Client.connect(host, Number(port), kv.KvRequest, kv.KvResponse, kv.KvError.codec, settings);
assert.deepEqual(await watcher.call(new kv.Get({ key: "greeting" }), { timeoutMs: 5000 }), new kv.Value({ value: bytes("hi") }));
await assert.rejects(watcher.call(new kv.Get({ key: "greeting" }), { timeoutMs: 0 }), kv.DeadlineExceeded);
const aborted = new AbortController();
const abortedCall = watcher.call(new kv.Get({ key: "greeting" }), { signal: aborted.signal });
aborted.abort();
await assert.rejects(abortedCall, kv.Cancelled);
console.log("  calls with DEADLINE and an AbortSignal: ok");

const changes = await watcher.stream(new kv.Watch({ prefix: "w/" }), { timeoutMs: 20_000 });
for (let i = 0; i < 40; i++) {
  const key = `w/${String(i).padStart(2, "0")}`;
  assert.deepEqual(await writer.call(new kv.Put({ key, value: Uint8Array.of(i) })), new kv.Stored({ replaced: false }));
}
assert.deepEqual(await writer.call(new kv.Delete({ key: "w/00" })), new kv.Deleted());
const seen: any[] = [];
for await (const change of changes) {
  seen.push(change);
  if (seen.length === 41) break; // leaves the loop: CANCEL
}
const want = Array.from({ length: 40 }, (_, i) => new kv.Change({ key: `w/${String(i).padStart(2, "0")}`, value: Uint8Array.of(i) }));
want.push(new kv.Change({ key: "w/00", value: null }));
assert.deepEqual(seen, want);
assert.ok(changes.credit <= 64, String(changes.credit));
console.log("  watch: 41 changes in order through a 64-byte window, then CANCEL: ok");

const stop = new AbortController();
const aborted2 = await watcher.stream(new kv.Watch({ prefix: "a/" }), { signal: stop.signal });
stop.abort(); // CANCEL: the stream ends here, what the server still sends is discarded
assert.deepEqual(await aborted2.next(), { value: undefined, done: true });
console.log("  watch given up by its AbortSignal: ok");

const quiet = await watcher.stream(new kv.Watch({ prefix: "quiet/" }), { timeoutMs: 300 });
await assert.rejects(async () => {
  for await (const change of quiet) assert.fail(`a change under quiet/: ${change}`);
}, kv.DeadlineExceeded);
console.log("  watch with a deadline of 300 ms: DeadlineExceeded");
assert.deepEqual(await watcher.call(new kv.Get({ key: "greeting" })), new kv.Value({ value: bytes("hi") }));
await watcher.close();
await writer.close();
assert.equal(watcher.conn.error, null);
console.log("  deadlines and streams: ok");
