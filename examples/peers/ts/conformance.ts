// Runs SPEC.md's conformance vectors (§9) through the generated TypeScript module,
// as examples/peers/python/conformance.py does for Python:
//
//     node dist/conformance.js ../../../SPEC.md
//
// `gen/spec_peer.ts` is generated from examples/peers/spec-types.wwschema by
// `schema typescript`. Positive vectors run both ways (and `read-type`); negative
// vectors must throw the codec's WireError with the vector's name and offset; every
// prefix and 64 seeded mutations of each vector's bytes must throw only WireError.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import * as net from "node:net";
import * as m from "./gen/spec_peer.js";

type Fields = Record<string, string>;

function* blocks(text: string): Generator<[string, Fields, [string, string][]]> {
  // §9's blocks, and the behaviour scripts of §11.7 and §11.8
  const re = /^```(wirewright-[a-z]+|rpc-signal-behaviour|rpc-stream-behaviour)\n([\s\S]*?)^```$/gm;
  for (const match of text.matchAll(re)) {
    const lines: [string, string][] = [];
    for (const line of match[2].split("\n")) {
      if (line === "") continue;
      if (line.startsWith(" ")) {
        if (!lines.length) throw new Error(`a continuation line first: ${line}`);
        lines[lines.length - 1][1] += " " + line.trim();
        continue;
      }
      const kv = /^([a-z-]+)(?::(?: (.*))?)?$/.exec(line);
      if (!kv) throw new Error(`not a key: text line: ${line}`);
      lines.push([kv[1], kv[2] ?? ""]);
    }
    const fields: Fields = {};
    for (const [k, v] of lines) if (!(k in fields)) fields[k] = v;
    yield [match[1], fields, lines];
  }
}

function hexBytes(text: string): Uint8Array {
  if (text && !/^[0-9a-f]{2}( [0-9a-f]{2})*$/.test(text)) throw new Error(`bad hex ${text}`);
  return Uint8Array.from(text ? text.split(" ").map((h) => parseInt(h, 16)) : []);
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(" ");

function splitArgs(text: string): string[] {
  const parts: string[] = [];
  let depth = 0, start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if ("<([".includes(c)) depth++;
    else if (">)]".includes(c)) depth--;
    else if (c === "," && depth === 0) {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts.filter((p) => p);
}

const INTS: Record<string, [number, boolean]> = {
  u8: [8, false], i8: [8, true], u16: [16, false], u32: [32, false], u64: [64, false], u128: [128, false],
  usize: [64, false], i16: [16, true], i32: [32, true], i64: [64, true], i128: [128, true], isize: [64, true],
};

type Frameish = { frame: m.Codec };

function codecOf(text: string): m.Codec | Frameish {
  const t = text.trim();
  if (t === "()") return m.UNIT;
  if (t.startsWith("(") && t.endsWith(")")) return new m.TupleCodec(splitArgs(t.slice(1, -1)).map((a) => codecOf(a) as m.Codec));
  if (t.startsWith("[") && t.endsWith("]")) {
    const at = t.lastIndexOf(";");
    return new m.ArrayCodec(codecOf(t.slice(1, at)) as m.Codec, Number(t.slice(at + 1, -1)));
  }
  const g = /^(\w+)\s*<(.*)>$/.exec(t);
  if (g) {
    const args = splitArgs(g[2]);
    const inner = () => codecOf(args[0]) as m.Codec;
    switch (g[1]) {
      case "Vec": return args[0] === "u8" ? new m.BytesCodec(true) : new m.SeqCodec(inner());
      case "Option": return new m.OptionCodec(inner());
      case "Set": return new m.SetCodec(inner());
      case "Box": return new m.BoxCodec(inner());
      case "Map": return new m.MapCodec(inner(), codecOf(args[1]) as m.Codec);
      case "Fixed": return new m.IntCodec(INTS[args[0]][0], INTS[args[0]][1], true);
      case "Frame": return { frame: inner() };
    }
    throw new Error(`unknown generic ${t}`);
  }
  if (t in INTS) return new m.IntCodec(...INTS[t]);
  const builtin: Record<string, m.Codec> = { bool: m.BOOL, f32: m.F32, f64: m.F64, char: m.CHAR, String: m.STRING, Bytes: m.BYTES };
  if (t in builtin) return builtin[t];
  if (t === "Goodbye") return m.GoodbyePayload.codec;
  if (t === "Hello") return m.HelloPayload.codec;
  if (t in m.TYPES) return m.TYPES[t].codec;
  throw new Error(`unknown type ${t}`);
}

// Values of §9.0's grammar, parsed to a neutral form first.
type V = any;
const TOKEN = /\s*(?:(?<float>-?(?:0|[1-9][0-9]*)(?:\.[0-9]+(?:[eE][+-]?[0-9]+)?|[eE][+-]?[0-9]+)|-?inf\b|nan\b)|(?<bits>f(?:32|64)"[0-9a-f]+")|(?<hexint>0x[0-9a-f]+)|(?<int>-?(?:0|[1-9][0-9]*))|(?<bytes>h"(?:[0-9a-f]{2})*")|(?<string>"(?:[^"\\]|\\.)*")|(?<char>'(?:[^'\\]|\\.)+')|(?<path>[A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)?)|(?<punct>[()\[\]{},:]))/y;

function parseValue(text: string): V {
  const toks: [string, string][] = [];
  TOKEN.lastIndex = 0;
  while (text.slice(TOKEN.lastIndex).trim() !== "") {
    const match = TOKEN.exec(text);
    if (!match) throw new Error(`bad value at ${text.slice(TOKEN.lastIndex)}`);
    const [kind, tok] = Object.entries(match.groups!).find(([, v]) => v !== undefined)!;
    toks.push([kind, tok]);
  }
  let pos = 0;
  const peek = (): [string?, string?] => toks[pos] ?? [];
  const isPunct = (p: string) => peek()[0] === "punct" && peek()[1] === p;
  const expect = (p: string) => {
    if (!isPunct(p)) throw new Error(`expected ${p} in ${text}`);
    pos++;
  };
  const list = (close: string): V[] => {
    const items: V[] = [];
    while (!isPunct(close)) {
      items.push(value());
      if (isPunct(",")) pos++;
    }
    expect(close);
    return items;
  };
  const jsonString = (lit: string) => JSON.parse(lit.startsWith("'") ? '"' + lit.slice(1, -1).replace(/\\'/g, "'").replace(/"/g, '\\"') + '"' : lit);
  function value(): V {
    const [kind, tok] = toks[pos++] ?? [];
    if (tok === undefined) throw new Error(`value ends early: ${text}`);
    switch (kind) {
      case "float": return { float: tok === "inf" ? Infinity : tok === "-inf" ? -Infinity : tok === "nan" ? NaN : Number(tok) };
      case "bits": return { bits: tok };
      case "int": case "hexint": return BigInt(tok);
      case "bytes": return hexBytes((tok.slice(2, -1).match(/../g) ?? []).join(" "));
      case "string": return jsonString(tok);
      case "char": return { char: jsonString(tok) };
    }
    if (tok === "(") {
      if (isPunct(")")) return (pos++, { unit: true });
      const items = [value()];
      while (isPunct(",")) {
        pos++;
        if (isPunct(")")) break;
        items.push(value());
      }
      expect(")");
      return { tuple: items };
    }
    if (tok === "[") return list("]");
    if (tok === "{") {
      const entries: [V, V][] = [];
      while (!isPunct("}")) {
        const k = value();
        expect(":");
        entries.push([k, value()]);
        if (isPunct(",")) pos++;
      }
      expect("}");
      return { map: entries };
    }
    if (kind === "path") {
      if (tok === "true" || tok === "false") return tok === "true";
      if (tok === "None") return { none: true };
      if (tok === "Some") {
        expect("(");
        const v = value();
        expect(")");
        return { some: v };
      }
      if (isPunct("(")) return (pos++, { path: tok, positional: list(")") });
      if (isPunct("{")) {
        pos++;
        const named: Record<string, V> = {};
        while (!isPunct("}")) {
          const name = toks[pos++][1]!;
          expect(":");
          named[name] = value();
          if (isPunct(",")) pos++;
        }
        expect("}");
        return { path: tok, named };
      }
      return { path: tok };
    }
    throw new Error(`unexpected ${tok} in ${text}`);
  }
  const v = value();
  if (pos !== toks.length) throw new Error(`text after the value: ${text}`);
  return v;
}

function build(codec: any, v: V): any {
  while (codec instanceof m.Ref) codec = codec.target;
  if (codec instanceof m.BoxCodec) return build(codec.inner, v);
  if (codec instanceof m.IntCodec) return codec.big ? v : Number(v);
  if (codec instanceof m.FloatCodec) {
    if (v.bits) {
      const digits = v.bits.slice(4, -1);
      const view = new DataView(new ArrayBuffer(8));
      if (codec.size === 4) {
        view.setUint32(0, parseInt(digits, 16));
        return view.getFloat32(0);
      }
      view.setBigUint64(0, BigInt("0x" + digits));
      return view.getFloat64(0);
    }
    return typeof v === "bigint" ? Number(v) : v.float;
  }
  if (codec instanceof m.CharCodec) return v.char;
  if (codec instanceof m.UnitCodec) return null;
  if (codec instanceof m.BytesCodec && Array.isArray(v)) return Uint8Array.from(v.map(Number));
  if (codec instanceof m.SeqCodec || codec instanceof m.ArrayCodec || codec instanceof m.SetCodec) return v.map((x: V) => build(codec.element, x));
  if (codec instanceof m.MapCodec) return new Map(v.map.map(([k, x]: [V, V]) => [build(codec.key, k), build(codec.value, x)]));
  if (codec instanceof m.OptionCodec) {
    if (v.none) return null;
    const inner = build(codec.inner, v.some);
    return codec.wrapped ? new m.Some(inner) : inner;
  }
  if (codec instanceof m.TupleCodec) return codec.elements.map((c: m.Codec, i: number) => build(c, v.tuple[i]));
  if (codec instanceof m.EnumCodec) {
    const variant = v.path.split("::")[1];
    const first = v.positional?.[0];
    if (first?.path === "UnknownVariant") return new m.UnknownVariant(Number(first.named.tag), first.named.body);
    for (const [, [, sc]] of codec.variants) if (sc.name.endsWith("::" + variant)) return buildStruct(sc, v);
    throw new Error(`${v.path} is no variant of ${codec.name}`);
  }
  if (codec instanceof m.StructCodec) return buildStruct(codec, v);
  return v;
}

function buildStruct(codec: m.StructCodec, v: V): any {
  const given: Record<string, V> = {};
  if (v.positional) codec.fields.forEach((f, i) => (given[f.name] = v.positional[i]));
  else for (const [k, x] of Object.entries(v.named ?? {})) given[/^\d/.test(k) ? "_" + k : k] = x;
  const values: Record<string, unknown> = {};
  for (const f of codec.fields) {
    if (!(f.name in given)) throw new Error(`no field ${f.name} in ${v.path}`);
    values[f.name] = build(f.codec, given[f.name]);
  }
  if (codec.unknown) values[codec.unknown] = given[codec.unknown] ?? new Uint8Array(0);
  return codec.make(values);
}

/** A value made comparable: floats by their bits, bytes as hex, classes by name. */
function norm(v: any): string {
  if (typeof v === "number") {
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, v);
    return `f${view.getBigUint64(0).toString(16)}`;
  }
  if (typeof v === "bigint") return `${v}n`;
  if (v === null || typeof v !== "object") return JSON.stringify(v);
  if (v instanceof Uint8Array) return `h"${hex(v)}"`;
  if (Array.isArray(v)) return `[${v.map(norm).join(",")}]`;
  if (v instanceof Map) return `{${[...v].map(([k, x]) => `${norm(k)}:${norm(x)}`).sort().join(",")}}`;
  return `${v.constructor.name}{${Object.keys(v).map((k) => `${k}:${norm(v[k])}`).join(",")}}`;
}

function frameValue(inner: m.Codec, v: V): [m.Frame, m.Codec] {
  const f = v.named;
  const flags = Number(f.flags), type = Number(f.type);
  let payloadCodec = inner;
  if (flags & m.CONTROL) payloadCodec = [m.Ping.codec, m.Pong.codec, m.GoodbyePayload.codec, m.HelloPayload.codec][type - 1] as m.Codec;
  else if (flags & m.ERROR && type !== 0) payloadCodec = m.Failure.codec;
  const value = build(payloadCodec, f.payload);
  // a JSON payload (§8) when the flags say so
  const payload = flags & m.JSON_FLAG ? new TextEncoder().encode(m.toJson(payloadCodec, value)) : m.encodeValue(payloadCodec, value);
  return [{ flags, type, correlation: Number(f.correlation), payload }, payloadCodec];
}

function runPositive(f: Fields): string | null {
  const data = hexBytes(f.hex);
  const codec = codecOf(f.type);
  const value = parseValue(f.value);
  if ("frame" in codec) {
    const [frame, payloadCodec] = frameValue(codec.frame, value);
    const bytes = m.encodeFrame(frame);
    if (hex(bytes) !== hex(data)) return `encodes to ${hex(bytes)}`;
    const got = m.decodeFrame(data);
    const read = (p: Uint8Array) => (frame.flags & m.JSON_FLAG ? m.fromJson(payloadCodec, p) : m.decodeValue(payloadCodec, p, true));
    if (norm(read(got.payload)) !== norm(read(frame.payload)) || norm(got) !== norm(frame)) return "decodes to another frame";
  } else {
    const expected = build(codec, value);
    const bytes = m.encodeValue(codec, expected);
    if (hex(bytes) !== hex(data)) return `encodes to ${hex(bytes)}`;
    const got = m.decodeValue(codec, data);
    if (norm(got) !== norm(expected)) return `decodes to ${norm(got)}, expected ${norm(expected)}`;
  }
  if (f["read-type"]) {
    const read = codecOf(f["read-type"]);
    const rv = parseValue(f["read-value"]);
    const [got, expected] = "frame" in read
      ? [m.decodeValue(read.frame, m.decodeFrame(data).payload, true), build(read.frame, rv.named.payload)]
      : [m.decodeValue(read, data), build(read, rv)];
    if (norm(got) !== norm(expected)) return `read as ${f["read-type"]}: ${norm(got)}, expected ${norm(expected)}`;
  }
  return null;
}

/** A vector's `json` (§8): the text written for the value, read back; then every
 * prefix, seeded mutations and nesting far past the limit throw only WireError. */
function runJson(f: Fields): string | null {
  const codec = codecOf(f.type) as m.Codec;
  const expected = build(codec, parseValue(f.value));
  const text = m.toJson(codec, expected);
  if (text !== f.json) return `writes JSON ${text}`;
  const got = m.fromJson(codec, f.json);
  if (norm(got) !== norm(expected)) return `reads the JSON as ${norm(got)}, expected ${norm(expected)}`;
  const cases = [...Array(f.json.length).keys()].map((i) => f.json.slice(0, i));
  cases.push("[".repeat(100_000), '{"a":'.repeat(50_000));
  for (let k = 0; k < 32; k++) {
    const chars = [...f.json];
    chars[random(chars.length)] = '[]{}",:0-e.\\\u0000\u00ff'[random(14)];
    cases.push(chars.join(""));
  }
  for (const c of cases) {
    try {
      m.fromJson(codec, c);
    } catch (err) {
      if (!(err instanceof m.WireError)) return `JSON ${JSON.stringify(c.slice(0, 40))}: ${err}`;
    }
  }
  return null;
}

/** One frame to a message receiver of a protocol whose one message is `codec`'s type,
 * which takes part in HELLO (§13.6): a HELLO only as the stream's first frame. */
function receiveOne(codec: any, data: Uint8Array, first: boolean): void {
  const frame = m.decodeFrame(data);
  if (frame.flags & m.CONTROL) {
    if (frame.type === m.HELLO && !first) throw new m.WireError("malformed-control", 6, "a HELLO that is not the first frame");
    return;
  }
  if (frame.flags & m.RESPONSE) throw new m.WireError("unexpected-kind", 5);
  if (frame.flags & m.JSON_FLAG) throw new m.WireError("unexpected-format", 5);
  const cls = m.TYPES[codec.name] as any;
  if (frame.type !== cls.ID) throw new m.WireError("unknown-message-type", 6);
  try {
    m.decodeValue(codec, frame.payload, true);
  } catch (err) {
    if (err instanceof m.WireError) throw new m.WireError("invalid-payload", 16 + err.offset, err.message);
    throw err;
  }
}

/** A stream receiver (`receiveOne` per frame); offsets count from the stream's first
 * byte. Bytes after the last whole frame that make no whole frame are trailing bytes. */
function receiveMessage(codec: any, data: Uint8Array): void {
  const shifted = (err: unknown, pos: number) =>
    err instanceof m.WireError ? new m.WireError(err.kind, pos + err.offset, err.detail) : err;
  for (let pos = 0; ; ) {
    const rest = data.subarray(pos);
    let length: number | null = null;
    if (rest.length >= 16) {
      try {
        length = m.checkHeader(rest.subarray(0, 16));
      } catch (err) {
        throw shifted(err, pos);
      }
    }
    if (pos && (length === null || rest.length < 20 + length)) throw new m.WireError("trailing-bytes", pos, `${rest.length} bytes after the last frame`);
    if (length === null || rest.length <= 20 + length) {
      try {
        return receiveOne(codec, rest, pos === 0);
      } catch (err) {
        // the last frame: truncated and trailing-bytes count from the stream's start
        if (err instanceof m.WireError && (err.kind === "truncated" || err.kind === "trailing-bytes")) throw err;
        throw shifted(err, pos);
      }
    }
    try {
      receiveOne(codec, rest.subarray(0, 20 + length), pos === 0);
    } catch (err) {
      throw shifted(err, pos);
    }
    pos += 20 + length;
  }
}

function decodeAny(codec: m.Codec | Frameish, data: Uint8Array): void {
  if ("frame" in codec) receiveMessage(codec.frame, data);
  else m.decodeValue(codec, data);
}

function runNegative(f: Fields): string | null {
  try {
    decodeAny(codecOf(f.type), hexBytes(f.hex));
  } catch (err) {
    if (!(err instanceof m.WireError)) return `threw ${err}`;
    if (err.kind !== f.error) return `threw ${err.message}, expected ${f.error}`;
    if (f.offset !== "-" && err.offset !== Number(f.offset)) return `threw ${err.kind} at ${err.offset}, expected ${f.offset}`;
    return null;
  }
  return "accepted";
}

// Behaviour vectors: the conformance servers of §9.10, written with the module.
/** The schema of the `messages` conformance servers (§9.6), announced in HELLO. */
const JOIN_SCHEMA = "wirewright schema 1\nroot Join\n\nstruct Join id 1\n  field room: string\n  field nick: string\n";

async function startServer(kind: string): Promise<net.Server> {
  if (kind === "messages" || kind === "messages-hello-required") {
    const protocol = new m.Protocol("Messages", new Map<number, any>([[m.Join.ID, m.Join]]), new m.SchemaInfo("Join", JOIN_SCHEMA, 1));
    const hello = kind === "messages" ? "optional" : "required";
    return m.serveMessages("127.0.0.1", 0, protocol, (conn, message, frame) =>
      conn.send({ flags: 0, type: frame.type, correlation: frame.correlation, payload: message.encode() }), { hello });
  }
  const requests = new m.Protocol("Requests", new Map<number, any>([[m.Get.ID, m.Get]]));
  const responses = new m.Protocol("Responses", new Map<number, any>([[m.Value.ID, m.Value]]));
  if (kind === "streams") return m.serveCalls("127.0.0.1", 0, requests, responses, streams, m.KvError.codec);
  if (kind !== "calls") throw new Error(`no conformance server ${JSON.stringify(kind)}`);
  return m.serveCalls("127.0.0.1", 0, requests, responses, async (request: m.Get) => {
    if (request.key === "a") return new m.Value({ value: "x" });
    throw new m.ApplicationError(new m.KvError_NotFound({ key: request.key }));
  }, m.KvError.codec);
}

/** The `streams` server of §11.8: `=rest` one reply, "" NotFound, else a stream of one
 * Value per character until a `!` (then ReadOnly). */
async function streams(request: m.Get): Promise<any> {
  if (request.key.startsWith("=")) return new m.Value({ value: request.key.slice(1) });
  if (request.key === "") throw new m.ApplicationError(new m.KvError_NotFound({ key: "" }));
  return (async function* () {
    for (const c of request.key) {
      if (c === "!") throw new m.ApplicationError(new m.KvError_ReadOnly());
      yield new m.Value({ value: c });
    }
  })();
}

/** The peer's side of a script: reads exactly n bytes, or the end of the stream. */
class Script {
  private buf = new Uint8Array(0);
  private ended = false;
  private wake: () => void = () => {};
  constructor(public socket: net.Socket) {
    socket.on("data", (chunk: Buffer) => {
      const joined = new Uint8Array(this.buf.length + chunk.length);
      joined.set(this.buf);
      joined.set(chunk, this.buf.length);
      this.buf = joined;
      this.wake();
    });
    const end = () => ((this.ended = true), this.wake());
    socket.on("end", end);
    socket.on("close", end);
    socket.on("error", end);
  }
  async read(n: number): Promise<Uint8Array> {
    const deadline = Date.now() + 5000;
    while (this.buf.length < n) {
      if (this.ended || Date.now() > deadline) throw new Error(`${this.buf.length} of ${n} bytes before the end`);
      await new Promise<void>((resolve) => ((this.wake = resolve), setTimeout(resolve, 100)));
    }
    const out = this.buf.slice(0, n);
    this.buf = this.buf.slice(n);
    return out;
  }
  async end(): Promise<boolean> {
    const deadline = Date.now() + 5000;
    while (!this.ended && this.buf.length === 0 && Date.now() < deadline) {
      await new Promise<void>((resolve) => ((this.wake = resolve), setTimeout(resolve, 100)));
    }
    return this.ended && this.buf.length === 0;
  }
}

function matches(codec: any, got: any, pattern: V): boolean {
  if (pattern?.path === "_") return true;
  while (codec instanceof m.Ref) codec = codec.target;
  if (codec instanceof m.EnumCodec && pattern?.path) {
    for (const [, [cls, sc]] of codec.variants) {
      if (sc.name.endsWith("::" + pattern.path.split("::")[1])) return got instanceof (cls as any) && matches(sc, got, pattern);
    }
    return false;
  }
  if (codec instanceof m.StructCodec && pattern?.path) {
    return codec.fields.every((f, i) => {
      const given = pattern.positional ? pattern.positional[i] : pattern.named[f.name.replace(/^_(\d)/, "$1")];
      return matches(f.codec, got[f.name], given);
    });
  }
  return norm(build(codec, pattern)) === norm(got);
}

async function runBehaviour(f: Fields, steps: [string, string][]): Promise<string | null> {
  const server = await startServer(f.server);
  const port = (server.address() as net.AddressInfo).port;
  const socket = net.createConnection({ host: "127.0.0.1", port, allowHalfOpen: true });
  await new Promise((resolve) => socket.once("connect", resolve));
  const script = new Script(socket);
  try {
    for (const [i, [key, text]] of steps.entries()) {
      const where = `step ${i} (${key})`;
      if (key === "name" || key === "server") continue;
      if (key === "send") socket.write(hexBytes(text));
      else if (key === "end-stream") socket.end();
      else if (key === "expect") {
        const want = hexBytes(text);
        const got = await script.read(want.length);
        if (hex(got) !== hex(want)) return `${where}: read ${hex(got)}`;
      } else if (key === "expect-frame") {
        const head = await script.read(16);
        const rest = await script.read(new DataView(head.buffer).getUint32(12, true) + 4);
        const whole = new Uint8Array(head.length + rest.length);
        whole.set(head);
        whole.set(rest, 16);
        const frame = m.decodeFrame(whole);
        const p = parseValue(text).named;
        if (frame.flags !== Number(p.flags) || frame.type !== Number(p.type) || frame.correlation !== Number(p.correlation)) return `${where}: read ${hex(whole)}`;
        const codec = codecOf(p.payload.path.split("::")[0]) as m.Codec;
        if (!matches(codec, m.decodeValue(codec, frame.payload, true), p.payload)) return `${where}: payload ${hex(frame.payload)}`;
      } else if (key === "expect-close") {
        if (!(await script.end())) return `${where}: the server did not end the stream`;
      } else return `unknown step ${key}`;
    }
    return null;
  } finally {
    socket.destroy();
    server.close();
  }
}

let seed = 15;
const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);

function hostile(codec: m.Codec | Frameish, data: Uint8Array): string | null {
  const cases: Uint8Array[] = [];
  for (let i = 0; i < data.length; i++) cases.push(data.slice(0, i));
  for (let k = 0; k < 64; k++) {
    const b = data.length ? data.slice() : new Uint8Array(1);
    for (let j = 0; j <= random(3); j++) b[random(b.length)] = [0, 1, 0x7f, 0x80, 0xff, random(256)][random(6)];
    cases.push(b);
  }
  for (const c of cases) {
    try {
      decodeAny(codec, c);
    } catch (err) {
      if (!(err instanceof m.WireError)) return `${hex(c)}: ${err}`;
    }
  }
  return null;
}

/** Every file under `root` (fuzz seeds, regressions), fed to every type of the module as
 * a value and as a payload, and to the frame reader: only WireError may come out (§6). */
function corpus(root: string): [number, string[]] {
  const codecs: m.Codec[] = [
    ...Object.values(m.TYPES).map((t) => t.codec),
    m.STRING, new m.BytesCodec(true), new m.SeqCodec(m.U64), new m.MapCodec(m.STRING, m.U8), new m.SetCodec(m.U16), m.CHAR,
  ];
  const problems: string[] = [];
  let runs = 0;
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? walk(join(dir, name)) : [join(dir, name)]));
  for (const file of walk(root)) {
    const data = new Uint8Array(readFileSync(file).subarray(0, 1 << 20));
    for (const codec of codecs) {
      for (const payload of [false, true]) {
        try {
          m.decodeValue(codec, data, payload);
        } catch (err) {
          if (!(err instanceof m.WireError)) problems.push(`${file} as ${(codec as any).name ?? codec.constructor.name}: ${err}`);
        }
        runs++;
      }
    }
    try {
      new m.FrameBuffer().feed(data);
      receiveMessage(m.Join.codec, data);
    } catch (err) {
      if (!(err instanceof m.WireError)) problems.push(`${file} as a frame: ${err}`);
    }
    runs++;
  }
  return [runs, problems];
}

const corpusRoots = process.argv.slice(3).flatMap((arg, i, all) => (all[i - 1] === "--corpus" ? [arg] : []));
for (const root of corpusRoots) {
  const [runs, problems] = corpus(root);
  for (const line of problems) console.log(`FAILED ${line}`);
  console.log(`fuzz inputs under ${root}: ${runs} decodes, ${problems.length} threw something other than WireError`);
  if (problems.length) process.exitCode = 1;
}

// --error-paths FILE: each `type | hex | offset | path` line (bytes that do not decode,
// with the offset and path the Rust decoder reports) must fail here the same way.
for (const file of process.argv.slice(3).flatMap((arg, i, all) => (all[i - 1] === "--error-paths" ? [arg] : []))) {
  const problems: string[] = [];
  let runs = 0;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const [ty, data, offset, where] = line.split(" | ");
    runs++;
    try {
      m.decodeValue(codecOf(ty) as m.Codec, hexBytes(data));
      problems.push(`${line}: accepted`);
    } catch (err) {
      if (!(err instanceof m.WireError)) problems.push(`${line}: threw ${err}`);
      else if (err.offset !== Number(offset) || err.path !== where) problems.push(`${line}: TypeScript says ${err.offset} | ${err.path} (${err.message})`);
    }
  }
  for (const line of problems) console.log(`FAILED ${line}`);
  console.log(`error paths: ${runs} decoded, ${problems.length} differ from the Rust decoder's offset and path`);
  if (problems.length) process.exitCode = 1;
}

const text = readFileSync(process.argv[2], "utf8");
(m.ItemV2.codec as m.StructCodec).fields.find((f) => f.name === "currency")!.defaultValue = () => "EUR";
const passed: Record<string, number> = {};
const failed: string[] = [];
const skipped: string[] = [];
let hostileRuns = 0, jsonRuns = 0;
for (const [kind, f, steps] of blocks(text)) {
  const name = f.name;
  if (kind === "wirewright-behaviour" || kind === "rpc-signal-behaviour" || kind === "rpc-stream-behaviour") {
    let problem: string | null;
    try {
      problem = await runBehaviour(f, steps);
    } catch (err) {
      problem = String(err instanceof Error ? err.stack : err);
    }
    if (problem) failed.push(`${name}: ${problem}`);
    else passed[kind] = (passed[kind] ?? 0) + 1;
    continue;
  }
  let problem: string | null;
  try {
    if (kind === "wirewright-negative") problem = runNegative(f);
    else {
      problem = "hex" in f ? runPositive(f) : null;
      if (!problem && "json" in f) {
        problem = runJson(f);
        jsonRuns++;
      }
    }
    if (!problem && "hex" in f) {
      problem = hostile(codecOf(f.type), hexBytes(f.hex));
      if (problem) problem = `mutated input: ${problem}`;
      else hostileRuns++;
    }
  } catch (err) {
    problem = String(err instanceof Error ? err.stack : err);
  }
  if (problem) failed.push(`${name}: ${problem}`);
  else passed[kind] = (passed[kind] ?? 0) + 1;
}
for (const [kind, n] of Object.entries(passed)) console.log(`passed ${n} ${kind}`);
console.log(`JSON texts (§8) written and read: ${jsonRuns}`);
console.log(`mutated and truncated the bytes of ${hostileRuns} vectors: only WireError thrown`);
for (const line of skipped) console.log(`not run: ${line}`);
for (const line of failed) console.log(`FAILED ${line}`);
const total = Object.values(passed).reduce((a, b) => a + b, 0);
console.log(`${total} passed, ${failed.length} failed, ${skipped.length} not run`);
if (failed.length) process.exitCode = 1;
