// The generated TypeScript runtime's connection behaviour over loopback: heartbeats and
// the idle timeout (SPEC §7), HELLO (§13.6) between a TypeScript kv server and revision-1
// and revision-2 TypeScript clients, the WebSocket transport (over an in-process
// WebSocket-to-TCP bridge) against the Rust kv server, the Transport interface implemented
// in memory, and the client against hostile servers (a huge length, floods):
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

/** The kv service of examples/src/kv.rs (without paging) over an in-memory map. */
function kvHandler(): (request: any) => Promise<any> {
  const entries = new Map<string, Uint8Array>();
  return async (request: any) => {
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
  };
}

/** A TypeScript kv server over TCP. */
async function kvServer(settings: Partial<kv.Settings> = {}): Promise<[net.Server & { metrics: kv.Metrics }, number]> {
  const server = await kv.serveCalls("127.0.0.1", 0, kv.KvRequest, kv.KvResponse, kvHandler(), kv.KvError.codec, settings);
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
  // a schema whose message changed a field's type: breaking, by the checker (§13.3)
  const changed = kv.SCHEMA_KvRequest.text.replace("struct Get id 1\n  field key: string", "struct Get id 1\n  field key: u64");
  assert.deepEqual(kv.compareSchemas(kv.parseSchema(kv.SCHEMA_KvRequest.text), kv.parseSchema(changed)).map(String), [
    "breaking: Get.key: string → u64: the two types are encoded differently",
  ]);
  const evolved = kv.compareSchemas(kv.parseSchema(kv1.SCHEMA_KvRequest.text), kv.parseSchema(kv.SCHEMA_KvRequest.text));
  // revision 2 appended two fields to List and added Watch (message 5), which old readers
  // reject cleanly: one-way, not breaking
  assert.deepEqual(evolved.map((d) => d.compatibility), ["compatible", "compatible", "compatible new reader/old writer"]);
  // hostile schema texts: definitions naming the next one twice (visited once per pair of
  // definitions, not once per path), a chain far deeper than the checker goes, a type
  // nested past 64, text that is not a schema: each judged at once, as the Rust end does
  const pad = (i: number, n: number) => String(i).padStart(n, "0");
  const doubling = "wirewright schema 1\nroot D00\n" + Array.from({ length: 40 }, (_, i) => `\nstruct D${pad(i, 2)}\n  field a: D${pad(i + 1, 2)}\n  field b: D${pad(i + 1, 2)}\n`).join("") + "\nstruct D40\n  field x: u8\n";
  const chain = "wirewright schema 1\nroot C000\n" + Array.from({ length: 500 }, (_, i) => `\nstruct C${pad(i, 3)}\n  field a: C${pad(i + 1, 3)}\n`).join("") + "\nstruct C500\n  field x: u8\n";
  const nested = "wirewright schema 1\nroot " + "seq<".repeat(70) + "u16" + ">".repeat(70) + "\n";
  for (const [text, protocol, ours, outcome] of [
    [doubling, "D00", doubling.replace("u8", "u16"), "breaking: D40.x: u8 → u16"],
    [chain, "C000", chain, "nested too deep to compare"],
    [nested, "N", nested.replace("u16", "u32"), "types nested at most 64 deep"],
    ["not a schema", "D00", doubling, "the header"],
  ]) {
    assert.throws(() => kv.judge(new kv.HelloPayload(protocol, 1n, 1, ours), new kv.HelloPayload(protocol, 2n, 1, text)), (err: Error) =>
      ((err instanceof kv.IncompatiblePeer && err.reason.includes(outcome)) || (err instanceof kv.WireError && err.kind === "malformed-control" && err.message.includes(outcome))) || assert.fail(String(err)));
  }
  // thousands of fields, all renamed, and thousands of messages, all moved: linear work
  const wide = "wirewright schema 1\nroot W\n\nstruct W id 1\n" + Array.from({ length: 3000 }, (_, i) => `  field a${i}: u8\n`).join("");
  assert.equal(kv.judge(new kv.HelloPayload("W", 1n, 1, wide.replaceAll("field a", "field b")), new kv.HelloPayload("W", 2n, 1, wide)), "checked");
  const many = "wirewright schema 1\nroot P\n\nprotocol P\n" + Array.from({ length: 3000 }, (_, i) => `  message ${i} M${i}: u${8 << i % 5}\n`).join("");
  assert.throws(() => kv.judge(new kv.HelloPayload("P", 1n, 1, many.replaceAll("  message ", "  message 1")), new kv.HelloPayload("P", 2n, 1, many)),
    (err: Error) => err instanceof kv.IncompatiblePeer && err.reason.includes("message id 0 → 11000"));
  console.log("  hostile HELLO texts (doubling definitions, a chain 500 deep, a type 70 deep, no schema, 3,000 fields renamed, 3,000 messages moved): judged in linear work: incompatible, malformed-control or checked");
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
// The Transport interface implemented in memory, as a browser would over a WebSocket: two
// ends whose bytes arrive later (a macrotask), cut into 7-byte chunks that split headers
// and frames anywhere. A TypeScript client calls a TypeScript kv server answering on the
// other end (`answerCalls`), HELLO first; no socket anywhere.
function memoryPair(chunk: number): [kv.Transport, kv.Transport] {
  type End = { data?: (d: Uint8Array) => void; end: ((e?: Error) => void)[]; closed: boolean };
  const ends: [End, End] = [{ end: [], closed: false }, { end: [], closed: false }];
  const finish = () => {
    for (const end of ends) {
      if (end.closed) continue;
      end.closed = true;
      for (const handler of end.end) handler();
    }
  };
  const make = (me: End, peer: End): kv.Transport => ({
    write: (data) => {
      const copy = data.slice(); // the caller may reuse its buffer
      setImmediate(() => {
        for (let at = 0; at < copy.length && !peer.closed; at += chunk) peer.data?.(copy.subarray(at, at + chunk));
      });
    },
    onData: (handler) => void (me.data = handler),
    onEnd: (handler) => void me.end.push(handler),
    close: () => void setImmediate(finish), // after what was written (queued before it)
  });
  return [make(ends[0], ends[1]), make(ends[1], ends[0])];
}
{
  const [clientEnd, serverEnd] = memoryPair(7);
  const serving = kv.answerCalls(serverEnd, kv.KvRequest, kv.KvResponse, kvHandler(), kv.KvError.codec);
  const client = await kv.Client.open(async () => clientEnd, kv.KvRequest, kv.KvResponse, kv.KvError.codec);
  assert.equal(client.conn.verdict, "compatible");
  assert.equal(serving.verdict, "compatible");
  assert.deepEqual(await client.call(new kv.Put({ key: "mem", value: Uint8Array.of(1, 2, 3) })), new kv.Stored({ replaced: false }));
  await assert.rejects(client.call(new kv.Get({ key: "absent" })), (err: Error) =>
    err instanceof kv.CallError && err.value instanceof kv.KvError_NotFound && err.value.key === "absent");
  const replies = await Promise.all(Array.from({ length: 100 }, (_, i) => client.call(new kv.Put({ key: `k${i}` }))));
  assert.ok(replies.every((reply) => reply instanceof kv.Stored));
  const keys = await client.call(new kv.List({ prefix: "k" }));
  assert.equal(keys.keys.length, 100);
  await client.close();
  await serving.closed;

  // a message protocol the same way: `answerMessages` echoes what a `Peer` sends
  const [peerEnd, echoEnd] = memoryPair(7);
  const echo = kv.answerMessages(echoEnd, kv.KvRequest, (conn, message, frame) =>
    conn.send({ flags: 0, type: frame.type, correlation: 0, payload: message.encode() }));
  const peer = await kv.Peer.open(async () => peerEnd, kv.KvRequest, kv.KvRequest);
  assert.equal(peer.conn.verdict, "compatible");
  const heard: any[] = [];
  peer.onMessage((message) => heard.push(message));
  for (let i = 0; i < 10; i++) peer.send(new kv.Put({ key: `m${i}`, value: Uint8Array.of(i) }));
  for (let i = 0; i < 100 && heard.length < 10; i++) await sleep(10);
  assert.deepEqual(heard.map((m) => m.key), Array.from({ length: 10 }, (_, i) => `m${i}`));
  await peer.close();
  await echo.closed;
  console.log("  in-memory Transport (7-byte chunks, no socket): HELLO compatible at both ends, a typed error, 100 pipelined calls, 10 messages echoed, GOODBYE");
}

// Hostile servers: a header declaring 1 GiB, a flood of PINGs never read. The generated
// client holds at most `maxFrameLen` of a frame and `receiveBudget` of queued PONGs, and
// ends with a typed error and a GOODBYE, never buffering without end.
async function fakeServer(script: (socket: net.Socket) => void): Promise<[net.Server, number]> {
  const server = net.createServer(script);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return [server, (server.address() as net.AddressInfo).port];
}
{
  const seen: number[] = [];
  const [server, port] = await fakeServer((socket) => {
    socket.on("error", () => {});
    const header = new Uint8Array(16);
    header.set(kv.MAGIC);
    const view = new DataView(header.buffer);
    view.setUint8(4, 1);
    view.setUint8(5, kv.RESPONSE);
    view.setUint16(6, kv.Value.ID, true);
    view.setUint32(8, 1, true);
    view.setUint32(12, 1 << 30, true); // 1 GiB
    socket.write(header);
    for (let i = 0; i < 64; i++) socket.write(new Uint8Array(64 * 1024));
    const frames = new kv.FrameBuffer();
    socket.on("data", (data) => {
      for (const frame of frames.feed(new Uint8Array(data))) {
        if (frame.flags & kv.CONTROL && frame.type === kv.GOODBYE) seen.push(kv.decodeValue(kv.GoodbyePayload.codec, frame.payload).reason);
      }
    });
  });
  const client = await kv.Client.connect("127.0.0.1", port, kv.KvRequest, kv.KvResponse, kv.KvError.codec, { hello: "off", maxFrameLen: 4096 });
  let cause: Error | undefined;
  await assert.rejects(client.call(new kv.Get({ key: "k" }), 5000), (err: Error) => {
    assert.ok(err instanceof kv.ConnectionClosed, String(err));
    cause = err.cause;
    return cause instanceof kv.WireError && cause.kind === "frame-too-large" && cause.offset === 12;
  });
  for (let i = 0; i < 100 && !seen.length; i++) await sleep(20);
  server.close();
  assert.deepEqual(seen, [4]);
  console.log(`  a server declaring a 1 GiB reply: ${cause!.message}, GOODBYE 4`);
}
{
  // a HELLO declaring 1 MiB (the bound is 64 KiB, §13.6): refused from its 16 header bytes
  const header = new Uint8Array(16);
  header.set(kv.MAGIC);
  const view = new DataView(header.buffer);
  view.setUint8(4, 1);
  view.setUint8(5, kv.CONTROL);
  view.setUint16(6, kv.HELLO, true);
  view.setUint32(12, 1 << 20, true);
  assert.throws(() => new kv.FrameBuffer().feed(header), (err: Error) => err instanceof kv.WireError && err.kind === "malformed-control" && err.offset === 12);
  console.log("  a HELLO header declaring 1 MiB: malformed-control at byte 12");
}
{
  const budget = 64 * 1024;
  let sent = 0;
  const [server, port] = await fakeServer((socket) => {
    socket.on("error", () => {});
    socket.pause(); // never reads the PONGs
    const pings = new Uint8Array(28 * 2048);
    const ping = kv.encodeFrame({ flags: kv.CONTROL, type: kv.PING, correlation: 0, payload: new Uint8Array(8) });
    for (let i = 0; i < 2048; i++) pings.set(ping, i * 28);
    const pump = () => {
      while (!socket.destroyed && sent < 256 << 20) {
        sent += pings.length;
        if (!socket.write(pings)) return void socket.once("drain", pump);
      }
    };
    pump();
  });
  const client = await kv.Client.connect("127.0.0.1", port, kv.KvRequest, kv.KvResponse, kv.KvError.codec,
    { hello: "off", receiveBudget: budget, stallTimeoutMs: 500 });
  await client.conn.closed;
  server.close();
  const peak = client.conn.metrics.peakConnection;
  assert.ok(client.conn.error instanceof kv.ConnectionClosed, String(client.conn.error));
  assert.ok(peak <= budget + 2 * 64 * 1024, `${peak} > ${budget} + 128 KiB`);
  console.log(`  a server flooding PINGs and reading nothing: ${sent >> 20} MiB of PINGs, PONGs queued peaked at ${peak} bytes (budget ${budget}), closed: ${client.conn.error!.message}`);
}
{
  // a transport that cannot pause (a WebSocket) and a peer that does not read: once the
  // PONGs queued pass the budget, reading waits; the frames still delivered are dropped
  // and the connection closed with GOODBYE 7 once they pass the budget too
  const budget = 64 * 1024;
  let queued = 0, deliver: ((data: Uint8Array) => void) | null = null, ended = false;
  const written: Uint8Array[] = [];
  const transport: kv.Transport = {
    write: (data) => {
      queued += data.length; // never taken by the network
      written.push(data.slice());
    },
    onData: (handler) => void (deliver = handler),
    onEnd: () => {},
    close: () => void (ended = true),
    queued: () => queued,
  };
  const client = new kv.Client(transport, kv.KvRequest, kv.KvResponse, kv.KvError.codec, { hello: "off", receiveBudget: budget });
  const ping = kv.encodeFrame({ flags: kv.CONTROL, type: kv.PING, correlation: 0, payload: new Uint8Array(8) });
  const chunk = new Uint8Array(28 * 1024);
  for (let i = 0; i < 1024; i++) chunk.set(ping, i * 28);
  let delivered = 0;
  while (!ended && delivered < 64 << 20) {
    deliver!(chunk);
    delivered += chunk.length;
  }
  const goodbye = new kv.FrameBuffer().feed(written.at(-1)!)[0];
  assert.ok(ended && goodbye.type === kv.GOODBYE, "not closed");
  assert.equal(kv.decodeValue(kv.GoodbyePayload.codec, goodbye.payload).reason, 7);
  assert.ok(delivered <= 3 * budget + chunk.length, `${delivered} bytes delivered before the close`);
  assert.ok(client.conn.error instanceof kv.ConnectionClosed);
  console.log(`  a transport without pause flooded with PINGs by a peer that reads nothing: GOODBYE 7 after ${delivered} bytes (budget ${budget})`);
}
// §11.7 and §11.8 between the generated client and server: an aborted call and a call
// past its deadline send CANCEL, which aborts the server handler's `context.signal`
// (code 8); a server sending a stream's items beyond the credit granted ends the stream
// with FlowControlError, and the client sends CANCEL.
{
  const aborts: string[] = [];
  const deadlines = new Map<string, number | null>();
  let started: () => void = () => {};
  const server = await kv.serveCalls("127.0.0.1", 0, kv.KvRequest, kv.KvResponse, (request: any, context: kv.CallContext) => {
    deadlines.set(request.key, context.deadline); // from the client's DEADLINE, or null
    started();
    return new Promise((_, reject) => context.signal.addEventListener("abort", () => {
      aborts.push(request.key);
      reject(new Error("stopped"));
    }));
  }, kv.KvError.codec);
  const port = (server.address() as net.AddressInfo).port;
  const client = await kv.Client.connect("127.0.0.1", port, kv.KvRequest, kv.KvResponse, kv.KvError.codec, { callSignals: true });
  const abort = new AbortController();
  const running = new Promise<void>((resolve) => (started = resolve));
  const call = client.call(new kv.Get({ key: "a" }), { signal: abort.signal });
  await running;
  abort.abort();
  await assert.rejects(call, kv.Cancelled);
  await assert.rejects(client.call(new kv.Get({ key: "b" }), { timeoutMs: 200 }), (err) => err instanceof kv.DeadlineExceeded && err.code === 7);
  for (let i = 0; i < 100 && aborts.length < 2; i++) await sleep(10);
  assert.deepEqual(aborts, ["a", "b"]);
  assert.equal(deadlines.get("a"), null);
  assert.ok(Math.abs(deadlines.get("b")! - Date.now()) < 1000, String(deadlines.get("b")));
  await client.close();
  server.close();
  console.log("  CANCEL: an aborted call and a call past its deadline abort the server handler's signal");
}
{
  let closed = false;
  const server = await kv.serveCalls("127.0.0.1", 0, kv.KvRequest, kv.KvResponse, async (request: any) => {
    if (request instanceof kv.Get) throw new kv.ApplicationError(new kv.KvError_NotFound({ key: request.key }));
    return counting();
  }, kv.KvError.codec);
  const counting = async function* () {
    try {
      for (let i = 0; ; i++) yield new kv.Change({ key: String(i), value: null });
    } finally {
      closed = true; // the server dropped the handler's stream
    }
  };
  const port = (server.address() as net.AddressInfo).port;
  const client = await kv.Client.connect("127.0.0.1", port, kv.KvRequest, kv.KvResponse, kv.KvError.codec, { streamWindow: 256 });
  // refused before opening: the call's typed error, thrown by `stream`
  await assert.rejects(client.stream(new kv.Get({ key: "refused" })), (err) => err instanceof kv.CallError && err.code === 0);
  const got: number[] = [];
  for await (const change of await client.stream(new kv.Watch({ prefix: "" }))) {
    got.push(Number(change.key));
    if (got.length === 100) break; // CANCEL
  }
  assert.deepEqual(got, Array.from({ length: 100 }, (_, i) => i));
  for (let i = 0; i < 100 && !closed; i++) await sleep(10);
  assert.ok(closed, "the server's generator was not closed");
  await client.close();
  server.close();
  console.log("  a stream loop left with `break`: CANCEL, the server's generator closed");
}
{
  const cancels: number[] = [];
  const [server, port] = await fakeServer((socket) => {
    socket.on("error", () => {});
    const frames = new kv.FrameBuffer();
    frames.kinds = kv.SERVER_KINDS;
    socket.on("data", (chunk: Buffer) => {
      for (const frame of frames.feed(new Uint8Array(chunk))) {
        if (!(frame.flags & kv.CONTROL)) { // the request: OPEN, then 3 items of 5 bytes for a credit of 4
          socket.write(kv.encodeFrame(kv.signalFrame(kv.OPEN, frame.correlation)));
          for (let i = 0; i < 3; i++) {
            const change = new kv.Change({ key: "k", value: Uint8Array.of(i) });
            socket.write(kv.encodeFrame({ flags: kv.RESPONSE, type: kv.Change.ID, correlation: frame.correlation, payload: change.encode() }));
          }
        } else if (frame.type === kv.CREDIT) {
          assert.equal(kv.signalPayload(frame)[1], 4);
        } else if (frame.type === kv.CANCEL) {
          cancels.push(kv.signalPayload(frame)[0]);
        } else if (frame.type === kv.GOODBYE) {
          socket.end();
        }
      }
    });
  });
  const client = await kv.Client.connect("127.0.0.1", port, kv.KvRequest, kv.KvResponse, kv.KvError.codec, { hello: "off", streamWindow: 4 });
  const changes = await client.stream(new kv.Watch({ prefix: "" }));
  const got: any[] = [];
  await assert.rejects(async () => {
    for await (const change of changes) got.push(change);
  }, kv.FlowControlError);
  assert.equal(got.length, 1); // 5 bytes for a credit of 4: taken (below 0), the next one is not
  await client.close();
  assert.deepEqual(cancels, [changes.id]);
  server.close();
  console.log(`  a server sending beyond the stream's credit: ${got.length} item, then FlowControlError, and CANCEL`);
}
clearTimeout(timer);
