// The generated TypeScript runtime's connection behaviour over loopback: heartbeats and
// the idle timeout (SPEC §7), HELLO (issue 14's design) between a TypeScript kv server
// and revision-1 and revision-2 TypeScript clients, and the WebSocket transport (over an
// in-process WebSocket-to-TCP bridge) against the Rust kv server:
//
//     node dist/runtime_checks.js 127.0.0.1:7100
//
// `examples/peers/ci.sh` generates gen/kv_peer.ts and gen/kv_v1_peer.ts (from
// examples/peers/kv-v1/). Each check prints a line; exits 1 at the first that fails.
import assert from "node:assert/strict";
import * as net from "node:net";
import * as kv from "./gen/kv_peer.js";
import * as kv1 from "./gen/kv_v1_peer.js";

const timer = setTimeout(() => {
  console.error("runtime checks: no end within 30 s");
  process.exit(1);
}, 30_000);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A TypeScript kv server (the service of examples/src/kv.rs, without paging). */
async function kvServer(settings: Partial<kv.Settings> = {}): Promise<[net.Server & { metrics: kv.Metrics }, number]> {
  const entries = new Map<string, Uint8Array>();
  const server = await kv.serveCalls("127.0.0.1", 0, kv.KvRequest, kv.KvResponse, async (request: any) => {
    if (request instanceof kv.Get) {
      const value = entries.get(request.key);
      if (!value) throw new kv.ApplicationError(new kv.KvError_NotFound({ key: request.key }));
      return new kv.Value({ value });
    }
    if (request instanceof kv.Put) {
      const replaced = entries.has(request.key);
      entries.set(request.key, request.value);
      return new kv.Stored({ replaced });
    }
    if (request instanceof kv.Delete) {
      if (!entries.delete(request.key)) throw new kv.ApplicationError(new kv.KvError_NotFound({ key: request.key }));
      return new kv.Deleted();
    }
    return new kv.Keys({ keys: [...entries.keys()].filter((k) => k.startsWith(request.prefix)).sort() });
  }, kv.KvError.codec, settings);
  return [server, (server.address() as net.AddressInfo).port];
}

/** A raw socket's frames, one at a time (null at the end of stream). */
function rawFrames(socket: net.Socket): () => Promise<kv.Frame | null> {
  const buffer = new kv.FrameBuffer();
  const ready: (kv.Frame | null)[] = [];
  let wake: (() => void) | null = null;
  socket.on("data", (data) => {
    ready.push(...buffer.feed(new Uint8Array(data)));
    wake?.();
  });
  socket.on("close", () => {
    ready.push(null);
    wake?.();
  });
  return async () => {
    while (!ready.length) await new Promise<void>((resolve) => (wake = resolve));
    return ready.shift()!;
  };
}

async function rawConnect(port: number): Promise<[net.Socket, () => Promise<kv.Frame | null>]> {
  const socket = net.createConnection({ host: "127.0.0.1", port });
  await new Promise((resolve) => socket.once("connect", resolve));
  return [socket, rawFrames(socket)];
}

const goodbyeReason = (frame: kv.Frame | null) => {
  assert.ok(frame && frame.type === kv.GOODBYE && frame.flags === kv.CONTROL, `not a GOODBYE: ${JSON.stringify(frame)}`);
  return kv.decodeValue(kv.GoodbyePayload.codec, frame.payload).reason;
};

// A frame trickling in one byte per read: each header byte is checked as it arrives,
// and the frame is joined once when whole.
{
  const frame = kv.encodeFrame({ flags: 0, type: kv.Put.ID, correlation: 9, payload: new kv.Put({ key: "t", value: new Uint8Array(256 * 1024) }).encode() });
  const buffer = new kv.FrameBuffer();
  const frames: kv.Frame[] = [];
  for (let i = 0; i < frame.length; i++) frames.push(...buffer.feed(frame.subarray(i, i + 1)));
  assert.equal(frames.length, 1);
  assert.equal(kv.decodeValue(kv.Put.codec, frames[0].payload).value.length, 256 * 1024);
  assert.throws(() => new kv.FrameBuffer().feed(Uint8Array.of(0x57, 0x57, 0x52, 0x55)), (err: Error) => err instanceof kv.WireError && err.kind === "bad-magic" && err.offset === 3);
  console.log(`  a ${frame.length}-byte frame read one byte at a time; a bad magic byte rejected as it arrives`);
}

// Heartbeats: a PING when idle, a PONG taken, GOODBYE 3 after unanswered PINGs.
{
  const [server, port] = await kvServer({ heartbeatIntervalMs: 150, missedHeartbeats: 2, hello: "off" });
  const [socket, next] = await rawConnect(port);
  const ping = (await next())!;
  assert.equal(ping.type, kv.PING);
  socket.write(kv.encodeFrame({ flags: kv.CONTROL, type: kv.PONG, correlation: 0, payload: ping.payload }));
  let frame = await next();
  while (frame?.type === kv.PING) frame = await next();
  assert.equal(goodbyeReason(frame), 3);
  socket.destroy();
  server.close();
  console.log("  heartbeats: PING when idle, PONG taken, GOODBYE 3 after unanswered PINGs");
}

// The idle timeout: GOODBYE 2 to a peer stuck in the middle of a frame.
{
  const [server, port] = await kvServer({ heartbeatIntervalMs: null, idleTimeoutMs: 300 });
  const [socket, next] = await rawConnect(port);
  socket.write(kv.encodeFrame({ flags: 0, type: kv.Get.ID, correlation: 1, payload: new kv.Get({ key: "x" }).encode() }).subarray(0, 10));
  assert.equal(goodbyeReason(await next()), 2);
  socket.destroy();
  server.close();
  console.log("  idle timeout: GOODBYE 2 to a peer stuck in the middle of a frame");
}

// A client's PINGs keep a connection open past the server's idle timeout.
{
  const [server, port] = await kvServer({ heartbeatIntervalMs: null, idleTimeoutMs: 500 });
  const client = await kv.Client.connect("127.0.0.1", port, kv.KvRequest, kv.KvResponse, kv.KvError.codec, { heartbeatIntervalMs: 100 });
  await sleep(1000);
  assert.deepEqual(await client.call(new kv.Put({ key: "alive" })), new kv.Stored({ replaced: false }));
  await client.close();
  server.close();
  console.log("  a client's PINGs keep an idle connection open past the server's idle timeout");
}

// HELLO between TypeScript peers: the same schema, revision 1 to revision 2, another
// protocol, Required and Off servers.
{
  const [server, port] = await kvServer();
  const client = await kv.Client.connect("127.0.0.1", port, kv.KvRequest, kv.KvResponse, kv.KvError.codec);
  assert.equal(client.conn.verdict, "compatible");
  const announced = kv.rpcSchema(kv.KvRequest, kv.KvResponse, kv.KvError.codec)!;
  assert.equal(announced.root, "(KvRequest, KvResponse, KvError)");
  assert.equal(client.conn.peerHello?.fingerprint, announced.fingerprint);
  await client.call(new kv.Put({ key: "k", value: Uint8Array.of(1) }));
  await client.close();
  console.log(`  HELLO, same schema ${announced.root}: compatible (fingerprint ${announced.fingerprint.toString(16)})`);

  const old = await kv1.Client.connect("127.0.0.1", port, kv1.KvRequest, kv1.KvResponse, kv1.KvError.codec);
  assert.equal(old.conn.verdict, "checked");
  assert.deepEqual([old.conn.peerHello?.revision, kv1.SCHEMA_KvRequest.revision], [2, 1]);
  assert.deepEqual(await old.call(new kv1.Get({ key: "k" })), new kv1.Value({ value: Uint8Array.of(1) }));
  await old.close();
  console.log("  HELLO, revision 1 to revision 2: checked, compatible (fields appended with since)");

  const other = new kv.Protocol("KvResponse", kv.KvResponse.byId, kv.SCHEMA_KvResponse);
  await assert.rejects(kv.Client.connect("127.0.0.1", port, other, kv.KvResponse, kv.KvError.codec), (err: Error) => {
    assert.ok(err instanceof kv.IncompatiblePeer && err.theirs.protocol === "(KvRequest, KvResponse, KvError)", String(err));
    console.log(`  HELLO, another protocol: ${err.message}`);
    return true;
  });
  const changed = kv.SCHEMA_KvRequest.text.replace("struct Get id 1\n  field key: string", "struct Get id 1\n  field key: u64");
  assert.equal(kv.schemaBreaks(kv.SCHEMA_KvRequest.text, changed), "message 1 (Get): field 0 changed from string to u64");
  assert.equal(kv.schemaBreaks(kv1.SCHEMA_KvRequest.text, kv.SCHEMA_KvRequest.text), null);
  // hostile schema texts: definitions naming the next one twice (a signature doubling at
  // each level), a chain far deeper than 64, text that is not a schema: malformed HELLOs
  const doubling = "wirewright schema 1\nroot D0\n" + Array.from({ length: 40 }, (_, i) => `\nstruct D${i}\n  field a: D${i + 1}\n  field b: D${i + 1}\n`).join("") + "\nstruct D40\n  field x: u8\n";
  const chain = "wirewright schema 1\nroot C0\n" + Array.from({ length: 500 }, (_, i) => `\nstruct C${i}\n  field a: C${i + 1}\n`).join("");
  for (const [text, protocol] of [[doubling, "D0"], [chain, "C0"], ["not a schema", "D0"]]) {
    const ours = new kv.HelloPayload(protocol, 1n, 1, protocol === "D0" ? doubling.replace("u8", "u16") : chain);
    assert.throws(() => kv.judge(ours, new kv.HelloPayload(protocol, 2n, 1, text)), (err: Error) => err instanceof kv.WireError && err.kind === "malformed-control");
  }
  console.log("  hostile HELLO texts (doubling definitions, a chain 500 deep, no schema): malformed-control");
  server.close();
}
{
  const [server, port] = await kvServer({ hello: "required", helloTimeoutMs: 300 });
  const quiet = await kv.Client.connect("127.0.0.1", port, kv.KvRequest, kv.KvResponse, kv.KvError.codec, { hello: "off" });
  await assert.rejects(quiet.call(new kv.Get({ key: "k" })), kv.ConnectionClosed);
  assert.equal(quiet.conn.goodbyeReason, 10);
  const [socket, next] = await rawConnect(port); // says nothing at all
  assert.equal(goodbyeReason(await next()), 10);
  socket.destroy();
  server.close();
  console.log("  HELLO required: GOODBYE 10 to a client without HELLO and to a silent one");
}
{
  const [server, port] = await kvServer({ hello: "off" });
  const client = await kv.Client.connect("127.0.0.1", port, kv.KvRequest, kv.KvResponse, kv.KvError.codec);
  assert.equal(client.conn.peerHello, null);
  assert.deepEqual(await client.call(new kv.Put({ key: "again" })), new kv.Stored({ replaced: false }));
  await client.close();
  server.close();
  console.log("  HELLO to a server without it: GOODBYE 4, then once more without HELLO");
}

// A peer that pipelines Gets of a 60 KiB value and never reads: the TypeScript server
// holds at most its budget (plus the replies of the requests in flight), closes the peer
// with GOODBYE 7, and answers a well-behaved client all along.
{
  const budget = 256 * 1024;
  const [server, port] = await kvServer({ receiveBudget: budget, maxInFlight: 16, stallTimeoutMs: 1000 });
  const client = await kv.Client.connect("127.0.0.1", port, kv.KvRequest, kv.KvResponse, kv.KvError.codec);
  const value = new Uint8Array(60 * 1024);
  await client.call(new kv.Put({ key: "big", value }));
  const rssBefore = process.memoryUsage().rss;
  const flooder = net.createConnection({ host: "127.0.0.1", port });
  await new Promise((resolve) => flooder.once("connect", resolve));
  flooder.pause(); // never reads
  flooder.on("error", () => {});
  const get = new kv.Get({ key: "big" }).encode();
  for (let i = 0; i < 20_000; i++) flooder.write(kv.encodeFrame({ flags: 0, type: kv.Get.ID, correlation: i + 1, payload: get }));
  let served = 0;
  for (let i = 0; i < 40; i++) {
    const reply = await client.call(new kv.Get({ key: "big" }), 5000);
    assert.equal(reply.value.length, value.length);
    served++;
    await sleep(50);
  }
  for (let i = 0; i < 100 && !server.metrics.closed.get(7); i++) await sleep(50);
  flooder.destroy();
  const rssGrowth = process.memoryUsage().rss - rssBefore;
  const bound = budget + 16 * 61 * 1024 + 64 * 1024;
  assert.ok(server.metrics.peakConnection <= bound, `${server.metrics.peakConnection} > ${bound}`);
  assert.equal(server.metrics.closed.get(7), 1);
  await client.close();
  server.close();
  console.log(`  flood: 20,000 Gets asking for 1171 MiB, never read: peak held ${server.metrics.peakConnection} bytes (budget ${budget}), GOODBYE 7, ${served} calls of another client answered meanwhile, RSS grew ${Math.round(rssGrowth / 1024)} KiB`);
}

// The WebSocket transport: a WebSocket-like object whose binary messages go to the Rust
// kv server over TCP (what a gateway does for a browser).
{
  const [host, port] = process.argv[2].split(":");
  const listeners: Record<string, ((event: any) => void)[]> = { open: [], message: [], close: [], error: [] };
  const socket = net.createConnection({ host, port: Number(port) });
  await new Promise((resolve) => socket.once("connect", resolve));
  const ws: kv.WebSocketLike = {
    binaryType: "blob",
    readyState: 1,
    send: (data) => void socket.write(data),
    close: () => socket.end(),
    addEventListener: (type, listener) => void listeners[type].push(listener),
  };
  socket.on("data", (chunk: Buffer) => {
    const data = chunk.buffer.slice(chunk.byteOffset, chunk.byteOffset + chunk.length);
    for (const listener of listeners.message) listener({ data });
  });
  socket.on("close", () => listeners.close.forEach((listener) => listener({})));
  const client = await kv.Client.open(async () => kv.webSocketTransport(ws), kv.KvRequest, kv.KvResponse, kv.KvError.codec, { hello: "off" });
  assert.equal(ws.binaryType, "arraybuffer");
  assert.deepEqual(await client.call(new kv.Put({ key: "ws", value: Uint8Array.of(7) })), new kv.Stored({ replaced: false }));
  const gets = await Promise.all(Array.from({ length: 20 }, () => client.call(new kv.Get({ key: "ws" }))));
  assert.ok(gets.every((reply) => reply.value[0] === 7));
  await client.close();
  console.log("  WebSocket transport: 21 calls to the Rust kv server through a WebSocket-to-TCP bridge");
}
clearTimeout(timer);
