// ---------------------------------------------------------------------------
// wirewright runtime: the codec of SPEC.md §4-§6 and §12, frames (§3), control
// frames (§7) and a client (§11) over a Transport (Node socket: `connectTcp`).
// No runtime dependencies; 64- and 128-bit integers are bigint.
// ---------------------------------------------------------------------------

export const MAX_DEPTH = 128;
export const MAX_ZERO_SIZED = 65_536;
export const MAX_FRAME_LEN = 8 * 1024 * 1024;

/** Every error of this module: `kind` is SPEC §9.0's name, `offset` the byte. */
export class WireError extends Error {
  constructor(public kind: string, public offset: number, public detail = "", public path = "") {
    super();
    this.name = "WireError";
  }
  within(name: string): WireError {
    this.path = this.path ? `${name}.${this.path}` : name;
    return this;
  }
  override get message(): string {
    const where = this.path ? ` in ${this.path}` : "";
    const detail = this.detail ? `: ${this.detail}` : "";
    return `${this.kind} at byte ${this.offset}${where}${detail}`;
  }
  override set message(_: string) {}
}

/** A call answered with an error frame (§11.3); code 0 carries `value`. */
export class CallError extends Error {
  constructor(public code: number, public text = "", public value: unknown = undefined) {
    const typed = (value as object | undefined)?.constructor?.name ?? "";
    super(code === 0 ? `application error: ${typed} ${JSON.stringify(value, jsonBig)}` : `error code ${code}: ${text}`);
    this.name = "CallError";
  }
}

export class ConnectionClosed extends Error {}

function jsonBig(_: string, v: unknown): unknown {
  return typeof v === "bigint" ? v.toString() : v;
}

// --------------------------------------------------------------- the reader --

export class Reader {
  depth = 0;
  constructor(public buf: Uint8Array, public pos = 0, public end = buf.length) {}

  enter(start: number): void {
    if (++this.depth > MAX_DEPTH) throw new WireError("depth-limit-exceeded", start, `more than ${MAX_DEPTH} levels`);
  }

  take(n: number): Uint8Array {
    const start = this.pos;
    if (n > this.end - start) throw new WireError("unexpected-end", start, `${n} bytes needed, ${this.end - start} left`);
    this.pos = start + n;
    return this.buf.subarray(start, start + n);
  }

  byte(): number {
    if (this.pos >= this.end) throw new WireError("unexpected-end", this.pos, "1 byte needed, 0 left");
    return this.buf[this.pos++];
  }

  /** A canonical unsigned LEB128 of at most `bits` bits (§4.2), as a bigint. */
  varint(bits: number): bigint {
    const { buf, end } = this;
    const start = this.pos;
    const last = Math.ceil(bits / 7);
    let pos = start;
    // Fast path: values below 2^28 fit a number.
    let small = 0;
    for (let i = 0; i < 4 && i < last - 1; i++) {
      if (pos >= end) throw new WireError("unexpected-end", start, "inside a varint");
      const b = buf[pos++];
      small |= (b & 0x7f) << (7 * i);
      if (b < 0x80) {
        if (b === 0 && i > 0) throw new WireError("overlong-varint", start);
        this.pos = pos;
        return BigInt(small);
      }
    }
    let value = BigInt(small);
    let n = pos - start;
    for (;;) {
      if (pos >= end) throw new WireError("unexpected-end", start, "inside a varint");
      const b = buf[pos++];
      n++;
      if (n === last) {
        if (b >> (bits - 7 * (last - 1))) throw new WireError("varint-overflow", start, `does not fit ${bits} bits`);
        value |= BigInt(b) << BigInt(7 * (n - 1));
        if (b === 0 && n > 1) throw new WireError("overlong-varint", start);
        break;
      }
      value |= BigInt(b & 0x7f) << BigInt(7 * (n - 1));
      if (b < 0x80) {
        if (b === 0 && n > 1) throw new WireError("overlong-varint", start);
        break;
      }
    }
    this.pos = pos;
    return value;
  }

  /** A varint of at most 32 bits as a number. */
  varint32(): number {
    return Number(this.varint(32));
  }

  length(): number {
    const start = this.pos;
    const n = this.varint(64);
    if (n > BigInt(this.end - this.pos)) {
      throw new WireError("length-exceeds-input", start, `${n} bytes declared, ${this.end - this.pos} left`);
    }
    return Number(n);
  }

  count(minLen: number): number {
    const start = this.pos;
    const n = this.varint(64);
    if (minLen === 0) {
      if (n > BigInt(MAX_ZERO_SIZED)) throw new WireError("zero-sized-count-exceeds-limit", start, `${n} > ${MAX_ZERO_SIZED}`);
    } else if (n * BigInt(minLen) > BigInt(this.end - this.pos)) {
      throw new WireError("count-exceeds-input", start, `${n} elements of >= ${minLen} bytes, ${this.end - this.pos} left`);
    }
    return Number(n);
  }
}

/** A growable output buffer. */
export class Writer {
  buf = new Uint8Array(64);
  len = 0;

  reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
  push(b: number): void {
    this.reserve(1);
    this.buf[this.len++] = b;
  }
  bytes(data: Uint8Array): void {
    this.reserve(data.length);
    this.buf.set(data, this.len);
    this.len += data.length;
  }
  varint(v: bigint | number): void {
    if (typeof v === "number" && v <= 0xffffffff) {
      this.reserve(5);
      while (v >= 0x80) {
        this.buf[this.len++] = (v & 0x7f) | 0x80;
        v = Math.floor(v / 128);
      }
      this.buf[this.len++] = v;
      return;
    }
    let big = BigInt(v);
    while (big >= 0x80n) {
      this.push(Number(big & 0x7fn) | 0x80);
      big >>= 7n;
    }
    this.push(Number(big));
  }
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

// ------------------------------------------------------------------ codecs --

export interface Codec<T = any> {
  minLen(): number;
  enc(w: Writer, v: T): void;
  dec(r: Reader, top?: boolean): T;
  defaultValue(): T;
}

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Where UTF-8 validation fails in `data` (only called once it has failed). */
function firstInvalidUtf8(data: Uint8Array): number {
  let i = 0;
  while (i < data.length) {
    const b = data[i];
    const n = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    if (n === 0 || i + n > data.length) return i;
    for (let k = 1; k < n; k++) if ((data[i + k] & 0xc0) !== 0x80) return i;
    if (n > 1) {
      try {
        utf8Strict.decode(data.subarray(i, i + n));
      } catch {
        return i;
      }
    }
    i += n;
  }
  return i;
}

export class BoolCodec implements Codec<boolean> {
  minLen() { return 1; }
  enc(w: Writer, v: boolean) { w.push(v ? 1 : 0); }
  dec(r: Reader) {
    const start = r.pos;
    const b = r.byte();
    if (b > 1) throw new WireError("invalid-bool", start, `byte ${b}`);
    return b === 1;
  }
  defaultValue() { return false; }
}

/** Integers (§4.2): `number` up to 32 bits, `bigint` for 64 and 128 bits. */
export class IntCodec implements Codec<number | bigint> {
  readonly big: boolean;
  readonly raw: boolean;
  readonly lo: bigint;
  readonly hi: bigint;
  constructor(public bits: number, public signed: boolean, public fixed = false) {
    this.big = bits > 32;
    this.raw = bits === 8 || fixed;
    this.lo = signed ? -(1n << BigInt(bits - 1)) : 0n;
    this.hi = signed ? (1n << BigInt(bits - 1)) - 1n : (1n << BigInt(bits)) - 1n;
  }
  minLen() { return this.raw ? this.bits / 8 : 1; }
  enc(w: Writer, v: number | bigint) {
    if (typeof v === "number" && !this.raw && Number.isInteger(v) && v >= Number(this.lo) && v <= Number(this.hi)) {
      // Up to 32 bits: the varint without bigint.
      return w.varint(this.signed ? (v < 0 ? -2 * v - 1 : 2 * v) : v);
    }
    const big = BigInt(v);
    if (big < this.lo || big > this.hi) throw new WireError("integer-out-of-range", w.len, `${v} does not fit ${this.bits} bits`);
    if (this.raw) {
      let u = BigInt.asUintN(this.bits, big);
      for (let i = 0; i < this.bits / 8; i++, u >>= 8n) w.push(Number(u & 0xffn));
    } else if (this.signed) {
      w.varint(big < 0n ? (-big << 1n) - 1n : big << 1n);
    } else {
      w.varint(typeof v === "number" ? v : big);
    }
  }
  dec(r: Reader): number | bigint {
    let v: bigint;
    if (this.raw) {
      const bytes = r.take(this.bits / 8);
      v = 0n;
      for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
      if (this.signed) v = BigInt.asIntN(this.bits, v);
    } else {
      const z = r.varint(this.bits);
      v = this.signed ? (z >> 1n) ^ -(z & 1n) : z;
    }
    return this.big ? v : Number(v);
  }
  defaultValue() { return this.big ? 0n : 0; }
}

const SCRATCH_BYTES = new Uint8Array(8);
const SCRATCH = new DataView(SCRATCH_BYTES.buffer);

export class FloatCodec implements Codec<number> {
  constructor(public size: 4 | 8) {}
  minLen() { return this.size; }
  enc(w: Writer, v: number) {
    if (this.size === 4) SCRATCH.setFloat32(0, v, true);
    else SCRATCH.setFloat64(0, v, true);
    w.bytes(SCRATCH_BYTES.subarray(0, this.size));
  }
  dec(r: Reader) {
    const b = r.take(this.size);
    const view = new DataView(b.buffer, b.byteOffset, this.size);
    return this.size === 4 ? view.getFloat32(0, true) : view.getFloat64(0, true);
  }
  defaultValue() { return 0; }
}

export class CharCodec implements Codec<string> {
  minLen() { return 1; }
  enc(w: Writer, v: string) { w.varint(v.codePointAt(0)!); }
  dec(r: Reader) {
    const start = r.pos;
    const c = r.varint32();
    if (c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) throw new WireError("invalid-char", start, `${c.toString(16)} is not a Unicode scalar value`);
    return String.fromCodePoint(c);
  }
  defaultValue() { return "\0"; }
}

export class StringCodec implements Codec<string> {
  minLen() { return 1; }
  enc(w: Writer, v: string) {
    const data = utf8.encode(v);
    w.varint(data.length);
    w.bytes(data);
  }
  dec(r: Reader) {
    const n = r.length();
    const data = r.take(n);
    try {
      return utf8Strict.decode(data);
    } catch {
      throw new WireError("invalid-utf8", r.pos - n + firstInvalidUtf8(data), "invalid UTF-8");
    }
  }
  defaultValue() { return ""; }
}

/** Byte strings: one slice of the input. `nests` for `Vec<u8>` (§6). */
export class BytesCodec implements Codec<Uint8Array> {
  constructor(public nests = false) {}
  minLen() { return 1; }
  enc(w: Writer, v: Uint8Array) {
    w.varint(v.length);
    w.bytes(v);
  }
  dec(r: Reader) {
    if (this.nests) r.enter(r.pos);
    const n = this.nests ? r.count(1) : r.length();
    const data = r.take(n).slice();
    if (this.nests) r.depth--;
    return data;
  }
  defaultValue() { return new Uint8Array(0); }
}

export class UnitCodec implements Codec<null> {
  minLen() { return 0; }
  enc() {}
  dec() { return null; }
  defaultValue() { return null; }
}

export class NeverCodec implements Codec<never> {
  minLen() { return 1; }
  enc(w: Writer): never { throw new WireError("unknown-variant", w.len, "a type without values"); }
  dec(r: Reader): never {
    const start = r.pos;
    const tag = r.varint32();
    throw new WireError("unknown-variant", start, `tag ${tag} of a type without variants`);
  }
  defaultValue(): never { throw new WireError("invalid-value", 0, "a type without values"); }
}

export class SeqCodec<T> implements Codec<T[]> {
  constructor(public element: Codec<T>) {}
  minLen() { return 1; }
  enc(w: Writer, v: T[]) {
    w.varint(v.length);
    for (const item of v) this.element.enc(w, item);
  }
  dec(r: Reader) {
    r.enter(r.pos);
    const n = r.count(this.element.minLen());
    const items: T[] = [];
    for (let i = 0; i < n; i++) items.push(this.element.dec(r));
    r.depth--;
    return items;
  }
  defaultValue() { return []; }
}

export class ArrayCodec<T> implements Codec<T[]> {
  constructor(public element: Codec<T>, public n: number) {}
  minLen() { return this.n * this.element.minLen(); }
  enc(w: Writer, v: T[]) {
    if (v.length !== this.n) throw new WireError("invalid-value", w.len, `${v.length} elements for an array of ${this.n}`);
    for (const item of v) this.element.enc(w, item);
  }
  dec(r: Reader) {
    if (this.minLen() > r.end - r.pos) throw new WireError("unexpected-end", r.pos, `array of ${this.n}`);
    const items: T[] = [];
    for (let i = 0; i < this.n; i++) items.push(this.element.dec(r));
    return items;
  }
  defaultValue() { return Array.from({ length: this.n }, () => this.element.defaultValue()); }
}

function encoded<T>(codec: Codec<T>, v: T): Uint8Array {
  const w = new Writer();
  codec.enc(w, v);
  return w.finish();
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/** Maps (§4.7) as `Map`; entries in ascending order of the keys' encodings. */
export class MapCodec<K, V> implements Codec<Map<K, V>> {
  constructor(public key: Codec<K>, public value: Codec<V>) {}
  minLen() { return 1; }
  enc(w: Writer, v: Map<K, V>) {
    const entries = [...v].map(([k, val]) => [encoded(this.key, k), val] as const);
    entries.sort((a, b) => compareBytes(a[0], b[0]));
    w.varint(entries.length);
    for (const [k, val] of entries) {
      w.bytes(k);
      this.value.enc(w, val);
    }
  }
  dec(r: Reader) {
    r.enter(r.pos);
    const n = r.count(this.key.minLen() + this.value.minLen());
    const result = new Map<K, V>();
    let previous: Uint8Array | null = null;
    for (let i = 0; i < n; i++) {
      const start = r.pos;
      const k = this.key.dec(r);
      const keyBytes = r.buf.subarray(start, r.pos);
      if (previous && compareBytes(keyBytes, previous) <= 0) throw new WireError("key-order", start, "keys must ascend by their encodings");
      previous = keyBytes;
      result.set(k, this.value.dec(r));
    }
    r.depth--;
    return result;
  }
  defaultValue() { return new Map<K, V>(); }
}

/** Sets (§4.7) as arrays in canonical order (elements may be objects). */
export class SetCodec<T> implements Codec<T[]> {
  constructor(public element: Codec<T>) {}
  minLen() { return 1; }
  enc(w: Writer, v: Iterable<T>) {
    const items = [...v].map((e) => encoded(this.element, e)).sort(compareBytes);
    w.varint(items.length);
    for (const item of items) w.bytes(item);
  }
  dec(r: Reader) {
    r.enter(r.pos);
    const n = r.count(this.element.minLen());
    const items: T[] = [];
    let previous: Uint8Array | null = null;
    for (let i = 0; i < n; i++) {
      const start = r.pos;
      items.push(this.element.dec(r));
      const bytes = r.buf.subarray(start, r.pos);
      if (previous && compareBytes(bytes, previous) <= 0) throw new WireError("key-order", start, "elements must ascend by their encodings");
      previous = bytes;
    }
    r.depth--;
    return items;
  }
  defaultValue() { return []; }
}

/** `Some(v)` where a bare value would be ambiguous (`Option<Option<T>>`, `Option<()>`). */
export class Some<T> {
  constructor(public value: T) {}
}

export class OptionCodec<T> implements Codec<any> {
  readonly wrapped: boolean;
  constructor(public inner: Codec<T>) {
    this.wrapped = inner instanceof OptionCodec || inner instanceof UnitCodec;
  }
  minLen() { return 1; }
  enc(w: Writer, v: any) {
    if (v === null || v === undefined) return w.push(0);
    w.push(1);
    this.inner.enc(w, this.wrapped ? v.value : v);
  }
  dec(r: Reader) {
    const start = r.pos;
    const tag = r.byte();
    if (tag === 0) return null;
    if (tag !== 1) throw new WireError("invalid-option-tag", start, `byte ${tag}`);
    const v = this.inner.dec(r);
    return this.wrapped ? new Some(v) : v;
  }
  defaultValue() { return null; }
}

export class TupleCodec implements Codec<unknown[]> {
  constructor(public elements: Codec[]) {}
  minLen() { return this.elements.reduce((n, e) => n + e.minLen(), 0); }
  enc(w: Writer, v: unknown[]) { this.elements.forEach((c, i) => c.enc(w, v[i])); }
  dec(r: Reader) { return this.elements.map((c) => c.dec(r)); }
  defaultValue() { return this.elements.map((c) => c.defaultValue()); }
}

export class BoxCodec<T> implements Codec<T> {
  constructor(public inner: Codec<T>) {}
  minLen() { return this.inner.minLen(); }
  enc(w: Writer, v: T) { this.inner.enc(w, v); }
  dec(r: Reader) {
    r.enter(r.pos);
    const v = this.inner.dec(r);
    r.depth--;
    return v;
  }
  defaultValue() { return this.inner.defaultValue(); }
}

/** A named type, resolved when the module has defined every type. */
export class Ref implements Codec {
  target!: Codec;
  constructor(public name: string) {}
  minLen() { return this.target.minLen(); }
  enc(w: Writer, v: unknown) { this.target.enc(w, v); }
  dec(r: Reader) { return this.target.dec(r); }
  defaultValue() { return this.target.defaultValue(); }
}

/** A variant of an evolvable enum this definition does not know (§12.5). */
export class UnknownVariant {
  constructor(public tag: number, public body: Uint8Array) {}
}

export class Field {
  defaultValue: () => unknown;
  /** The schema's name (JSON's member name, §8). */
  wireName: string;
  constructor(public name: string, public codec: Codec, public since = 1, wireName: string | null = null) {
    this.defaultValue = () => codec.defaultValue();
    this.wireName = wireName ?? name;
  }
}

/** A struct (§4.10) or a variant's fields; evolvable ones are blocks (§12.3). */
export class StructCodec implements Codec {
  constructor(
    public name: string,
    public make: (values: Record<string, unknown>) => any,
    public fields: Field[],
    public evolvable = false,
    public unknown: string | null = null,
  ) {}
  minLen() { return this.evolvable ? 1 : this.fields.reduce((n, f) => n + f.codec.minLen(), 0); }
  enc(w: Writer, v: any) {
    if (!this.evolvable) return this.encFields(w, v);
    const body = new Writer();
    this.encFields(body, v);
    w.varint(body.len);
    w.bytes(body.buf.subarray(0, body.len));
  }
  encFields(w: Writer, v: any) {
    for (const f of this.fields) {
      try {
        f.codec.enc(w, v[f.name]);
      } catch (err) {
        throw err instanceof WireError ? err.within(`${this.name}.${f.name}`) : err;
      }
    }
    if (this.unknown) w.bytes(v[this.unknown] ?? new Uint8Array(0));
  }
  dec(r: Reader, top = false) {
    r.enter(r.pos);
    const v = this.evolvable ? this.decBlock(r) : this.decFields(r, top);
    r.depth--;
    return v;
  }
  decBlock(r: Reader) {
    const n = r.length();
    const outer = r.end;
    r.end = r.pos + n;
    const v = this.decFields(r, true);
    r.pos = r.end;
    r.end = outer;
    return v;
  }
  decFields(r: Reader, knownEnd: boolean) {
    const values: Record<string, unknown> = {};
    for (const f of this.fields) {
      if (knownEnd && f.since > 1 && r.pos === r.end) {
        values[f.name] = f.defaultValue();
        continue;
      }
      try {
        values[f.name] = f.codec.dec(r);
      } catch (err) {
        throw err instanceof WireError ? err.within(`${this.name}.${f.name}`) : err;
      }
    }
    if (this.unknown) {
      values[this.unknown] = knownEnd ? r.buf.slice(r.pos, r.end) : new Uint8Array(0);
      if (knownEnd) r.pos = r.end;
    }
    return this.make(values);
  }
  defaultValue() {
    const values: Record<string, unknown> = {};
    for (const f of this.fields) values[f.name] = f.defaultValue();
    if (this.unknown) values[this.unknown] = new Uint8Array(0);
    return this.make(values);
  }
}

/** An enum (§4.11); evolvable ones put fields in a block, with a catch-all (§12.5). */
export class EnumCodec implements Codec {
  constructor(
    public name: string,
    public variants: Map<number, [Function, StructCodec]>,
    public evolvable = false,
    public catchAll = false,
  ) {}
  minLen() { return this.evolvable ? 2 : 1; }
  enc(w: Writer, v: any) {
    if (v instanceof UnknownVariant) {
      w.varint(v.tag);
      w.varint(v.body.length);
      return w.bytes(v.body);
    }
    for (const [tag, [cls, codec]] of this.variants) {
      if (v.constructor !== cls) continue;
      w.varint(tag);
      if (!this.evolvable) return codec.encFields(w, v);
      const body = new Writer();
      codec.encFields(body, v);
      w.varint(body.len);
      return w.bytes(body.buf.subarray(0, body.len));
    }
    throw new WireError("invalid-value", w.len, `not a variant of ${this.name}`);
  }
  dec(r: Reader, top = false) {
    const start = r.pos;
    r.enter(start);
    const tag = r.varint32();
    const variant = this.variants.get(tag);
    let v;
    if (!variant) {
      if (!(this.evolvable && this.catchAll)) throw new WireError("unknown-variant", start, `${this.name} has no tag ${tag}`);
      const n = r.length();
      v = new UnknownVariant(tag, r.take(n).slice());
    } else {
      v = this.evolvable ? variant[1].decBlock(r) : variant[1].decFields(r, top);
    }
    r.depth--;
    return v;
  }
  defaultValue() {
    const first = Math.min(...this.variants.keys());
    return this.variants.get(first)![1].defaultValue();
  }
}

export function encodeValue<T>(codec: Codec<T>, value: T): Uint8Array {
  return encoded(codec, value);
}

/** Decodes one value; with `payload` (a frame's), bytes after it are a tail (§12.2). */
export function decodeValue<T>(codec: Codec<T>, data: Uint8Array, payload = false): T {
  const r = new Reader(data);
  const top = codec instanceof StructCodec || codec instanceof EnumCodec;
  const v = codec.dec(r, top);
  if (r.pos !== r.end && !payload) throw new WireError("trailing-bytes", r.pos, `${r.end - r.pos} bytes after the value`);
  return v;
}

/** A set of messages sharing a connection (§4.12), by message-type id. */
export class Protocol {
  /** `schema`: what HELLO announces, when the module has this protocol's schema. */
  constructor(public name: string, public byId: Map<number, { codec: Codec; new (...args: any[]): any }>, public schema: SchemaInfo | null = null) {}
  encode(message: any): [number, Uint8Array] {
    for (const [id, cls] of this.byId) {
      if (message instanceof cls) return [id, encodeValue(cls.codec, message)];
    }
    throw new WireError("invalid-value", 0, `not a message of ${this.name}`);
  }
  decode(id: number, payload: Uint8Array): any {
    const cls = this.byId.get(id);
    if (!cls) throw new WireError("unknown-message-type", 6, `${this.name} has no message ${id}`);
    return decodeValue(cls.codec, payload, true);
  }
}

// -------------------------------------------------------------------- json --
// JSON payloads (§8): `toJson(codec, value)` writes the text a sender writes,
// `fromJson(codec, text)` reads what a receiver accepts. The parser below keeps numbers
// as their text (integers are read exactly, never through a binary64) and members in
// order (a field given twice is an error); errors are WireError `invalid-json`.

type Json = null | boolean | string | JsonNumber | Json[] | JsonObject;
class JsonNumber {
  constructor(public text: string) {}
}
class JsonObject {
  constructor(public members: [string, Json][]) {}
}

const JSON_NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

/** Parses JSON text (RFC 8259) at most MAX_DEPTH arrays and objects deep. */
export function parseJson(text: string): Json {
  let pos = 0;
  const fail = (what: string): never => {
    throw new WireError("invalid-json", pos, what);
  };
  const space = () => {
    while (pos < text.length && " \t\n\r".includes(text[pos])) pos++;
  };
  const string = (): string => {
    let out = "";
    pos++;
    for (;;) {
      if (pos >= text.length) fail("an unterminated string");
      const c = text[pos++];
      if (c === '"') return out;
      if (c < " ") fail("a control character in a string");
      if (c !== "\\") {
        out += c;
        continue;
      }
      const e = text[pos++];
      const simple: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
      if (e in simple) out += simple[e];
      else if (e === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(pos, pos + 4))) {
        out += String.fromCharCode(parseInt(text.slice(pos, pos + 4), 16));
        pos += 4;
      } else fail("a bad escape");
    }
  };
  const value = (depth: number): Json => {
    space();
    const c = text[pos];
    if (c === "{" || c === "[") {
      if (depth >= MAX_DEPTH) fail(`more than ${MAX_DEPTH} levels`);
      pos++;
      space();
      const close = c === "{" ? "}" : "]";
      const items: Json[] = [];
      const members: [string, Json][] = [];
      if (text[pos] === close) pos++;
      else {
        for (;;) {
          if (c === "{") {
            space();
            if (text[pos] !== '"') fail("a member name expected");
            const name = string();
            space();
            if (text[pos++] !== ":") fail("':' expected");
            members.push([name, value(depth + 1)]);
          } else items.push(value(depth + 1));
          space();
          const next = text[pos++];
          if (next === close) break;
          if (next !== ",") fail(`',' or '${close}' expected`);
        }
      }
      return c === "{" ? new JsonObject(members) : items;
    }
    if (c === '"') return string();
    for (const [word, v] of [["true", true], ["false", false], ["null", null]] as const) {
      if (text.startsWith(word, pos)) {
        pos += word.length;
        return v;
      }
    }
    JSON_NUMBER.lastIndex = pos;
    const m = JSON_NUMBER.exec(text);
    if (!m) fail("a JSON value expected");
    pos += m![0].length;
    return new JsonNumber(m![0]);
  };
  const v = value(0);
  space();
  if (pos !== text.length) fail("text after the value");
  return v;
}

function jsonString(s: string): string {
  let out = '"';
  for (const c of s) {
    const code = c.codePointAt(0)!;
    if (c === '"') out += '\\"';
    else if (c === "\\") out += "\\\\";
    else if (code < 0x20) {
      const short: Record<number, string> = { 8: "\\b", 9: "\\t", 10: "\\n", 12: "\\f", 13: "\\r" };
      out += short[code] ?? `\\u${code.toString(16).padStart(4, "0")}`;
    } else out += c;
  }
  return out + '"';
}

/** The shortest decimal that reads back as the same float (binary32 for f32), with a
 * `.` or an exponent; NaN and the infinities are `null`. */
function jsonFloat(v: number, single: boolean): string {
  if (!Number.isFinite(v)) return "null";
  let text = String(v);
  if (single) {
    for (let digits = 1; digits <= 9; digits++) {
      const candidate = Number(v.toPrecision(digits));
      if (Math.fround(candidate) === v) {
        text = String(candidate);
        break;
      }
    }
  }
  if (Object.is(v, -0)) text = "-0";
  return /[.e]/.test(text) ? text : text + ".0";
}

function target(codec: Codec): Codec {
  for (;;) {
    if (codec instanceof Ref) codec = codec.target;
    else if (codec instanceof BoxCodec) codec = codec.inner;
    else return codec;
  }
}

/** How a struct's fields are written: by the schema's field names (`0`, `1`: tuple). */
function shape(codec: StructCodec): "unit" | "newtype" | "tuple" | "named" {
  if (!codec.fields.length) return "unit";
  if (codec.fields.every((f) => /^\d+$/.test(f.wireName))) return codec.fields.length === 1 ? "newtype" : "tuple";
  return "named";
}

function compareValues(a: any, b: any): number {
  if (typeof a === "string" && typeof b === "string") return compareBytes(utf8.encode(a), utf8.encode(b));
  return a < b ? -1 : a > b ? 1 : 0;
}

function jsonKey(codec: Codec, k: any): string {
  const c = target(codec);
  if (c instanceof StringCodec || c instanceof CharCodec) return k;
  if (c instanceof BoolCodec || c instanceof IntCodec) return String(k);
  if (c instanceof FloatCodec) return jsonFloat(k, c.size === 4);
  if (c instanceof OptionCodec && k !== null) return jsonKey(c.inner, c.wrapped ? k.value : k);
  throw new WireError("invalid-value", 0, `a map key of ${c.constructor.name} has no JSON form`);
}

function writeJson(codec: Codec, v: any, out: string[]): void {
  const c = target(codec);
  if (c instanceof BoolCodec) out.push(v ? "true" : "false");
  else if (c instanceof IntCodec) out.push(String(v));
  else if (c instanceof FloatCodec) out.push(jsonFloat(v, c.size === 4));
  else if (c instanceof StringCodec || c instanceof CharCodec) out.push(jsonString(v));
  else if (c instanceof BytesCodec) out.push(`[${Array.from(v as Uint8Array).join(",")}]`);
  else if (c instanceof UnitCodec || c instanceof NeverCodec) out.push("null");
  else if (c instanceof OptionCodec) {
    if (v === null || v === undefined) out.push("null");
    else writeJson(c.inner, c.wrapped ? v.value : v, out);
  } else if (c instanceof SeqCodec || c instanceof ArrayCodec || c instanceof SetCodec || c instanceof TupleCodec) {
    const items: any[] = c instanceof SetCodec ? [...v].sort(compareValues) : v;
    out.push("[");
    items.forEach((item, i) => {
      if (i) out.push(",");
      writeJson(c instanceof TupleCodec ? c.elements[i] : (c as any).element, item, out);
    });
    out.push("]");
  } else if (c instanceof MapCodec) {
    out.push("{");
    [...(v as Map<any, any>)].sort((a, b) => compareValues(a[0], b[0])).forEach(([k, item], i) => {
      if (i) out.push(",");
      out.push(jsonString(jsonKey(c.key, k)) + ":");
      writeJson(c.value, item, out);
    });
    out.push("}");
  } else if (c instanceof StructCodec) writeFields(c, v, out);
  else if (c instanceof EnumCodec) {
    if (v instanceof UnknownVariant) throw new WireError("invalid-value", 0, `an unknown variant of ${c.name} has no JSON form`);
    for (const [cls, variant] of c.variants.values()) {
      if (v.constructor !== cls) continue;
      const name = jsonString(variant.name.split("::").pop()!);
      if (!variant.fields.length) return void out.push(name);
      out.push(`{${name}:`);
      writeFields(variant, v, out);
      return void out.push("}");
    }
    throw new WireError("invalid-value", 0, `not a variant of ${c.name}`);
  } else throw new WireError("invalid-value", 0, `${c.constructor.name} has no JSON form`);
}

function writeFields(codec: StructCodec, v: any, out: string[]): void {
  const s = shape(codec);
  if (s === "unit") return void out.push("null");
  if (s === "newtype") return writeJson(codec.fields[0].codec, v[codec.fields[0].name], out);
  out.push(s === "tuple" ? "[" : "{");
  codec.fields.forEach((f, i) => {
    if (i) out.push(",");
    if (s === "named") out.push(jsonString(f.wireName) + ":");
    writeJson(f.codec, v[f.name], out);
  });
  out.push(s === "tuple" ? "]" : "}");
}

/** The JSON text of `value` (§8), compact. */
export function toJson<T>(codec: Codec<T>, value: T): string {
  const out: string[] = [];
  writeJson(codec, value, out);
  return out.join("");
}

const jsonError = (detail: string, path: string) => new WireError("invalid-json", 0, detail, path);
const INTEGER = /^-?(?:0|[1-9][0-9]*)$/;

function readInt(c: IntCodec, text: string, path: string): number | bigint {
  if (!INTEGER.test(text)) throw jsonError(`expected an integer, found ${text}`, path);
  const v = BigInt(text);
  if (v < c.lo || v > c.hi) throw jsonError(`${text} does not fit ${c.signed ? "i" : "u"}${c.bits}`, path);
  return c.big ? v : Number(v);
}

function readKey(codec: Codec, text: string, path: string): any {
  const c = target(codec);
  if (c instanceof StringCodec) return text;
  if (c instanceof CharCodec && [...text].length === 1) return text;
  if (c instanceof BoolCodec && (text === "true" || text === "false")) return text === "true";
  if (c instanceof IntCodec) return readInt(c, text, path);
  if (c instanceof FloatCodec && JSON_NUMBER.test(text)) return Number(text);
  if (c instanceof OptionCodec) {
    const inner = readKey(c.inner, text, path);
    return c.wrapped ? new Some(inner) : inner;
  }
  throw jsonError(`the map key ${JSON.stringify(text)} does not read as ${c.constructor.name}`, path);
}

function readJson(codec: Codec, j: Json, path: string): any {
  const c = target(codec);
  if (c instanceof BoolCodec) {
    if (typeof j !== "boolean") throw jsonError("expected true or false", path);
    return j;
  }
  if (c instanceof IntCodec) {
    if (!(j instanceof JsonNumber)) throw jsonError("expected an integer", path);
    return readInt(c, j.text, path);
  }
  if (c instanceof FloatCodec) {
    if (!(j instanceof JsonNumber)) throw jsonError("expected a number", path);
    return c.size === 4 ? Math.fround(Number(j.text)) : Number(j.text);
  }
  if (c instanceof StringCodec) {
    if (typeof j !== "string") throw jsonError("expected a string", path);
    return j;
  }
  if (c instanceof CharCodec) {
    if (typeof j !== "string" || [...j].length !== 1) throw jsonError("expected a one-character string", path);
    return j;
  }
  if (c instanceof BytesCodec) {
    if (!Array.isArray(j) || !j.every((b) => b instanceof JsonNumber && /^(?:0|[1-9][0-9]{0,2})$/.test(b.text) && Number(b.text) <= 255)) {
      throw jsonError("expected an array of numbers 0-255", path);
    }
    return Uint8Array.from(j as JsonNumber[], (b) => Number(b.text));
  }
  if (c instanceof UnitCodec) {
    if (j !== null) throw jsonError("expected null", path);
    return null;
  }
  if (c instanceof OptionCodec) {
    if (j === null) return null;
    const inner = readJson(c.inner, j, path);
    return c.wrapped ? new Some(inner) : inner;
  }
  if (c instanceof SeqCodec || c instanceof ArrayCodec || c instanceof SetCodec || c instanceof TupleCodec) {
    if (!Array.isArray(j)) throw jsonError("expected an array", path);
    const n = c instanceof TupleCodec ? c.elements.length : c instanceof ArrayCodec ? c.n : j.length;
    if (j.length !== n) throw jsonError(`${j.length} elements where ${n} are expected`, path);
    const items = j.map((x, i) => readJson(c instanceof TupleCodec ? c.elements[i] : (c as any).element, x, `${path}[${i}]`));
    if (!(c instanceof SetCodec)) return items;
    // a set is an array in canonical order (§4.7), whatever order the text has
    const keyed = items.map((item) => [encoded(c.element, item), item] as const).sort((a, b) => compareBytes(a[0], b[0]));
    return keyed.filter((e, i) => i === 0 || compareBytes(e[0], keyed[i - 1][0]) !== 0).map((e) => e[1]);
  }
  if (c instanceof MapCodec) {
    if (!(j instanceof JsonObject)) throw jsonError("expected an object", path);
    const map = new Map();
    for (const [k, x] of j.members) map.set(readKey(c.key, k, path), readJson(c.value, x, `${path}.${k}`)); // the last one wins
    return map;
  }
  if (c instanceof StructCodec) return readFields(c, j, path || c.name);
  if (c instanceof EnumCodec) {
    let name: string, body: Json = null, unit: boolean;
    if (typeof j === "string") [name, unit] = [j, true];
    else if (j instanceof JsonObject && j.members.length === 1) [[name, body], unit] = [j.members[0], false];
    else throw jsonError(`expected a variant of ${c.name}`, path);
    for (const [, variant] of c.variants.values()) {
      if (variant.name.split("::").pop() !== name) continue;
      if (!variant.fields.length && (unit || body === null)) return variant.defaultValue();
      if (unit) throw jsonError(`${variant.name} has fields`, path);
      return readFields(variant, body, variant.name);
    }
    throw jsonError(`${c.name} has no variant ${JSON.stringify(name)}`, path);
  }
  throw jsonError(`${c.constructor.name} has no JSON form`, path);
}

function readFields(codec: StructCodec, j: Json, path: string): any {
  const s = shape(codec);
  const values: Record<string, unknown> = {};
  if (s === "unit") {
    if (j !== null) throw jsonError("expected null", path);
  } else if (s === "newtype") {
    values[codec.fields[0].name] = readJson(codec.fields[0].codec, j, path);
  } else if (s === "tuple") {
    if (!Array.isArray(j) || j.length !== codec.fields.length) throw jsonError(`expected an array of ${codec.fields.length}`, path);
    codec.fields.forEach((f, i) => (values[f.name] = readJson(f.codec, j[i], `${path}.${f.wireName}`)));
  } else {
    if (!(j instanceof JsonObject)) throw jsonError("expected an object", path);
    const given = new Map<string, Json>();
    for (const [k, x] of j.members) {
      if (given.has(k)) throw jsonError(`the field "${k}" is given twice`, path);
      given.set(k, x);
    }
    for (const f of codec.fields) {
      if (given.has(f.wireName)) values[f.name] = readJson(f.codec, given.get(f.wireName)!, `${path}.${f.wireName}`);
      else if (target(f.codec) instanceof OptionCodec) values[f.name] = null;
      else throw jsonError(`the field "${f.wireName}" is missing`, path);
    }
  }
  if (codec.unknown) values[codec.unknown] = new Uint8Array(0);
  return codec.make(values);
}

/** Reads a JSON payload (§8) as a value of `codec`'s type. */
export function fromJson<T>(codec: Codec<T>, text: string | Uint8Array): T {
  let source: string;
  if (typeof text === "string") source = text;
  else {
    try {
      source = utf8Strict.decode(text);
    } catch {
      throw new WireError("invalid-utf8", firstInvalidUtf8(text), "invalid UTF-8");
    }
  }
  return readJson(codec, parseJson(source), "");
}

// ------------------------------------------------------------------ frames --

export const MAGIC = [0x57, 0x57, 0x52, 0x54];
export const JSON_FLAG = 0x01, CONTROL = 0x02, RESPONSE = 0x04, ERROR = 0x08;
export const PING = 1, PONG = 2, GOODBYE = 3, HELLO = 4;

export interface Frame {
  flags: number;
  type: number;
  correlation: number;
  payload: Uint8Array;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32/IEEE (§3.3). */
export function crc32(data: Uint8Array, crc = 0): number {
  crc = ~crc >>> 0;
  for (let i = 0; i < data.length; i++) crc = CRC_TABLE[(crc ^ data[i]) & 0xff] ^ (crc >>> 8);
  return ~crc >>> 0;
}

export function encodeFrame(frame: Frame): Uint8Array {
  const out = new Uint8Array(20 + frame.payload.length);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  out[4] = 1;
  out[5] = frame.flags;
  view.setUint16(6, frame.type, true);
  view.setUint32(8, frame.correlation, true);
  view.setUint32(12, frame.payload.length, true);
  out.set(frame.payload, 16);
  view.setUint32(16 + frame.payload.length, crc32(out.subarray(0, 16 + frame.payload.length)), true);
  return out;
}

export function checkFlags(flags: number): void {
  if (flags & 0xf0) throw new WireError("reserved-flags", 5, `flags ${flags}`);
  if ((flags & ERROR && !(flags & RESPONSE)) || (flags & CONTROL && flags & (RESPONSE | ERROR)) || (flags & ERROR && flags & JSON_FLAG)) {
    throw new WireError("invalid-flags", 5, `flags ${flags}`);
  }
}

/** Checks the header bytes present, in order (§3.4); the payload length once all 16 are. */
export function checkHeader(data: Uint8Array, maxLen = MAX_FRAME_LEN): number | null {
  for (let i = 0; i < Math.min(4, data.length); i++) {
    if (data[i] !== MAGIC[i]) throw new WireError("bad-magic", i, `byte ${data[i]}`);
  }
  if (data.length > 4 && data[4] !== 1) throw new WireError("unsupported-version", 4, `version ${data[4]}`);
  if (data.length > 5) checkFlags(data[5]);
  if (data.length < 16) return null;
  const length = new DataView(data.buffer, data.byteOffset, 16).getUint32(12, true);
  if (length > maxLen) throw new WireError("frame-too-large", 12, `${length} > ${maxLen}`);
  return length;
}

export class GoodbyePayload {
  static codec: StructCodec;
  constructor(public reason = 0, public message = "") {}
}
GoodbyePayload.codec = new StructCodec("Goodbye", (v) => new GoodbyePayload(v.reason as number, v.message as string), [
  new Field("reason", new IntCodec(8, false)),
  new Field("message", new StringCodec()),
]);

export function checkControl(frame: Frame): void {
  if (frame.flags & JSON_FLAG) throw new WireError("malformed-control", 5, "a control frame with the JSON flag");
  if (![PING, PONG, GOODBYE, HELLO].includes(frame.type)) throw new WireError("malformed-control", 6, `control kind ${frame.type}`);
  if (frame.correlation !== 0) throw new WireError("malformed-control", 8, "a control frame with a correlation id");
  if (frame.type === PING || frame.type === PONG) {
    if (frame.payload.length !== 8) throw new WireError("malformed-control", 16, `a nonce is 8 bytes, not ${frame.payload.length}`);
    return;
  }
  try {
    decodeValue(frame.type === HELLO ? HelloPayload.codec : GoodbyePayload.codec, frame.payload);
  } catch (err) {
    if (err instanceof WireError) throw new WireError("malformed-control", 16 + err.offset, err.message);
    throw err;
  }
}

/** Decodes a buffer holding exactly one frame (§3.4 checks 1-5, and §7). */
export function decodeFrame(data: Uint8Array, maxLen = MAX_FRAME_LEN): Frame {
  const length = checkHeader(data, maxLen);
  if (length === null) throw new WireError("truncated", data.length, "inside the header");
  if (data.length < 20 + length) throw new WireError("truncated", data.length, `a frame of ${20 + length} bytes`);
  const view = new DataView(data.buffer, data.byteOffset, data.length);
  if (crc32(data.subarray(0, 16 + length)) !== view.getUint32(16 + length, true)) throw new WireError("bad-crc", 16 + length);
  if (data.length > 20 + length) throw new WireError("trailing-bytes", 20 + length);
  const frame = { flags: data[5], type: view.getUint16(6, true), correlation: view.getUint32(8, true), payload: data.slice(16, 16 + length) };
  if (frame.flags & CONTROL) checkControl(frame);
  return frame;
}

/** Splits a byte stream into frames, checking each header as its bytes arrive. The
 * chunks of an incomplete frame are kept as they came and joined once the frame is
 * whole, so a frame trickling in byte by byte costs one copy, not one per chunk. */
export class FrameBuffer {
  private chunks: Uint8Array[] = [];
  private size = 0;
  constructor(public maxLen = MAX_FRAME_LEN) {}
  feed(data: Uint8Array): Frame[] {
    if (data.length) {
      this.chunks.push(data);
      this.size += data.length;
    }
    const frames: Frame[] = [];
    for (;;) {
      const length = checkHeader(this.peek(Math.min(16, this.size)), this.maxLen);
      if (length === null || this.size < 20 + length) return frames;
      const whole = this.peek(this.size);
      frames.push(decodeFrame(whole.subarray(0, 20 + length), this.maxLen));
      const rest = whole.subarray(20 + length);
      this.chunks = rest.length ? [rest] : [];
      this.size = rest.length;
    }
  }
  /** The first `n` bytes held, joining chunks only when they span more than one. */
  private peek(n: number): Uint8Array {
    if (this.chunks.length && this.chunks[0].length >= n) return this.chunks[0].subarray(0, n);
    const joined = new Uint8Array(this.size);
    let at = 0;
    for (const chunk of this.chunks) {
      joined.set(chunk, at);
      at += chunk.length;
    }
    this.chunks = this.size ? [joined] : [];
    return joined.subarray(0, n);
  }
}

export function goodbyeFrame(reason: number, message = ""): Frame {
  return { flags: CONTROL, type: GOODBYE, correlation: 0, payload: encodeValue(GoodbyePayload.codec, new GoodbyePayload(reason, message.slice(0, 256))) };
}

// ------------------------------------------------------------------- hello --

/** HELLO's payload (control kind 4): the schema a peer speaks. `fingerprint` is FNV-1a 64
 * of the schema text (§13.4), `revision` its highest `since` (1 if none), `schema` the
 * text itself (optional: small peers may leave it out). */
export class HelloPayload {
  static codec: StructCodec;
  constructor(public protocol = "", public fingerprint = 0n, public revision = 1, public schema: string | null = null) {}
  encode(): Uint8Array {
    return encodeValue(HelloPayload.codec, this);
  }
}
HelloPayload.codec = new StructCodec("Hello", (v) => new HelloPayload(v.protocol as string, v.fingerprint as bigint, v.revision as number, v.schema as string | null), [
  new Field("protocol", new StringCodec()),
  new Field("fingerprint", new IntCodec(64, false, true)),
  new Field("revision", new IntCodec(32, false)),
  new Field("schema", new OptionCodec(new StringCodec())),
]);

/** FNV-1a 64 (§13.4): the fingerprint of a schema text. */
export function fnv1a64(data: Uint8Array): bigint {
  let h = 0xcbf29ce484222325n;
  for (const b of data) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h;
}

/** A schema this module was generated from: what HELLO announces. */
export class SchemaInfo {
  readonly fingerprint: bigint;
  constructor(public root: string, public text: string, public revision: number) {
    this.fingerprint = fnv1a64(new TextEncoder().encode(text));
  }
  /** The HELLO payload; without the text when asked, or when the frame would pass
   * 64 KiB (the receivers' bound, §13.6). */
  hello(withText = true): HelloPayload {
    const hello = new HelloPayload(this.root, this.fingerprint, this.revision, withText ? this.text : null);
    if (withText && 20 + hello.encode().length > MAX_HELLO_LEN) hello.schema = null;
    return hello;
  }

  /** The schema of a tuple of roots (§13.6): `(Request, Response, Error)` for a
   * request/response connection, `(ClientMessage, ServerMessage)` for a message protocol
   * whose directions differ; its text is the canonical one (§13.2). */
  static combine(parts: SchemaInfo[]): SchemaInfo {
    if (parts.length === 1) return parts[0];
    const blocks = new Map<string, string>();
    for (const part of parts) for (const [name, lines] of schemaBlocks(part.text)) blocks.set(name, lines);
    const root = `(${parts.map((p) => p.root).join(", ")})`;
    const names = [...blocks.keys()].sort((a, b) => compareBytes(utf8.encode(a), utf8.encode(b)));
    const text = `wirewright schema 1\nroot ${root}\n` + names.map((name) => `\n${blocks.get(name)}\n`).join("");
    return new SchemaInfo(root, text, Math.max(...parts.map((p) => p.revision)));
  }
}

/** The longest HELLO frame read (§13.6). */
export const MAX_HELLO_LEN = 64 * 1024;
const SCHEMA_HEADER = /^(evolvable )?(struct|enum|protocol) (.+?)(?: id [0-9]+)?$/;

/** A schema text's definitions as [name, lines without the last LF]. */
function schemaBlocks(text: string): [string, string][] {
  return text.split("\n\n").slice(1).map((block) => {
    const lines = block.replace(/^\n+|\n+$/g, "");
    const header = SCHEMA_HEADER.exec(lines.split("\n")[0]);
    if (!header) throw new Error(`not a definition: ${lines.slice(0, 40)}`);
    return [header[3], lines];
  });
}

/** Every schema of the module, by root (filled at its end). */
export const SCHEMAS = new Map<string, SchemaInfo>();

/** What a request/response connection announces (§13.6): the schema of the tuple
 * `(Request, Response, Error)`, when the module has all three. */
export function rpcSchema(requests: Protocol, responses: Protocol, errorCodec: Codec | null): SchemaInfo | null {
  const error = errorCodec ? SCHEMAS.get((errorCodec as any).name) : undefined;
  return requests.schema && responses.schema && error ? SchemaInfo.combine([requests.schema, responses.schema, error]) : null;
}

/** What a message connection announces (§13.6): the protocol's schema when both
 * directions carry it, else the tuple (what the client sends, what the server sends). */
export function messagesSchema(first: Protocol, second: Protocol | null): SchemaInfo | null {
  if (!second || second === first || second.name === first.name) return first.schema;
  return first.schema && second.schema ? SchemaInfo.combine([first.schema, second.schema]) : null;
}

const hex16 = (v: bigint) => v.toString(16).padStart(16, "0");

/** The peer's HELLO names a schema this side cannot talk with: both ends' HELLO
 * (protocol, fingerprint, revision) and the first difference found. */
export class IncompatiblePeer extends Error {
  constructor(public ours: HelloPayload, public theirs: HelloPayload, public reason: string) {
    super(`incompatible schemas: ours ${ours.protocol} ${hex16(ours.fingerprint)} revision ${ours.revision}, the peer's ${theirs.protocol} ${hex16(theirs.fingerprint)} revision ${theirs.revision}: ${reason}`);
    this.name = "IncompatiblePeer";
  }
}

/** The server did not answer HELLO (Required), or closed with GOODBYE 10. */
export class HelloRequired extends Error {}

/** Judges a peer's HELLO (issue 14's design): "compatible", "unverified" (another
 * fingerprint without the text to check) or "checked"; throws IncompatiblePeer. */
export function judge(ours: HelloPayload, theirs: HelloPayload): string {
  if (ours.protocol !== theirs.protocol) throw new IncompatiblePeer(ours, theirs, `protocol "${theirs.protocol}" is not "${ours.protocol}"`);
  if (ours.fingerprint === theirs.fingerprint) return "compatible";
  if (theirs.schema === null || ours.schema === null) return "unverified";
  let breaking: string | null;
  try {
    breaking = schemaBreaks(theirs.schema, ours.schema);
  } catch (err) {
    throw new WireError("malformed-control", 16, `a HELLO whose schema text does not parse: ${err}`);
  }
  if (breaking) throw new IncompatiblePeer(ours, theirs, breaking);
  return "checked";
}

type Fieldish = [string, number];
type Definition = { kind: string; evolvable: boolean; items: any[] };
const NAME = /[A-Za-z_#][A-Za-z0-9_#]*(?:::[A-Za-z0-9_#]+)*(?:<(?:[^<>]|<[^<>]*>)*>)?/g;
const BUILTIN = new Set("bool u8 i8 u16 u32 u64 u128 i16 i32 i64 i128 fixed f32 f64 char string bytes unit never seq array map set option with opaque".split(" "));

/** A schema text (§13.2) as [root, definitions by name]: a struct's items are [type,
 * since] per field, an enum's [tag, fields] per variant or null for the catch-all, a
 * protocol's [id, type] per message. Throws when the text is not one. */
export function parseSchema(text: string): [string, Map<string, Definition>] {
  const head = text.split("\n\n")[0].split("\n");
  if (head.length !== 2 || head[0] !== "wirewright schema 1" || !head[1].startsWith("root ") || !text.endsWith("\n")) {
    throw new Error("not a schema text (§13.2)");
  }
  const defs = new Map<string, Definition>();
  for (const [name, block] of schemaBlocks(text)) {
    const header = SCHEMA_HEADER.exec(block.split("\n")[0])!;
    const kind = header[2];
    const items: any[] = [];
    for (const line of block.split("\n").slice(1)) {
      const words = line.trim().split(" ");
      if (words[0] === "field" && line.includes(": ")) {
        const [ty, since] = line.split(": ").slice(1).join(": ").split(" since ");
        const field: Fieldish = [ty, Number(since ?? 1)];
        if (kind === "enum" && !items.length) throw new Error(`a field outside a variant in ${name}`);
        (kind === "enum" ? items[items.length - 1][1] : items).push(field);
      } else if (words[0] === "variant" && words.length === 3) items.push([Number(words[1]), []]);
      else if (words[0] === "other") items.push(null);
      else if (words[0] === "message" && line.includes(": ")) items.push([Number(words[1]), line.split(": ").slice(1).join(": ")]);
      else if (words[0] !== "unknown") throw new Error(`not a line of a definition: ${line}`);
    }
    defs.set(name, { kind, evolvable: Boolean(header[1]), items });
  }
  return [head[1].slice(5), defs];
}

/** A type with every definition it names written out and names left out (they are not
 * on the wire): equal signatures read the same bytes alike. */
function signature(defs: Map<string, Definition>, ty: string, seen: Set<string> = new Set()): string {
  // a hostile text cannot make it grow without end, nor recurse deeply
  if (seen.size > 64) throw new Error("types nested more than 64 deep");
  return ty.replace(NAME, (word) => {
    const def = defs.get(word);
    if (BUILTIN.has(word) || !def) return word;
    if (seen.has(word)) return "recursive";
    const inner = new Set(seen).add(word);
    const fields = (fs: Fieldish[]) => fs.map(([t, s]) => `${signature(defs, t, inner)}@${s}`).join(",");
    const body = def.kind === "struct" ? fields(def.items) : def.items.map((v) => (v === null ? "other" : `${v[0]}:${fields(v[1])}`)).join(";");
    if (body.length > MAX_SIGNATURE_LEN) throw new Error(`a type whose signature passes ${MAX_SIGNATURE_LEN} bytes`);
    return `${def.evolvable ? "evolvable " : ""}${def.kind}{${body}}`;
  });
}

/** The longest signature computed (a hostile HELLO text: each definition naming the next
 * twice would double it at each level). */
const MAX_SIGNATURE_LEN = 1 << 20;

function tupleElements(ty: string): string[] | null {
  if (!(ty.startsWith("(") && ty.endsWith(")"))) return null;
  const parts: string[] = [];
  let depth = 0, start = 1;
  for (let i = 1; i < ty.length - 1; i++) {
    const c = ty[i];
    if (c === "<" || c === "(") depth++;
    else if (c === ">" || c === ")") depth--;
    else if (c === "," && depth === 0) {
      parts.push(ty.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(ty.slice(start, -1).trim());
  return parts.filter((p) => p);
}

/** The first breaking difference (§13.3) between two schema texts, or null: the subset
 * of the checker that the Python runtime's `schema_breaks` implements, from the roots
 * (tuples element by element; protocols message by message, by id; a top-level struct's
 * fields by position, appended ones with `since` compatible; a top-level enum's
 * variants by tag; any other difference breaking). Throws for a text that is not one. */
export function schemaBreaks(old: string, now: string): string | null {
  const [oldRoot, olds] = parseSchema(old);
  const [newRoot, news] = parseSchema(now);
  const fields = (fa: Fieldish[], fb: Fieldish[], where: string): string | null => {
    for (let i = 0; i < Math.max(fa.length, fb.length); i++) {
      if (i >= fa.length || i >= fb.length) {
        const added = i < fb.length ? fb[i] : fa[i];
        if (added[1] === 1) return `${where}: field ${i} ${i < fb.length ? "appended without `since`" : "of revision 1 removed"}`;
      } else if (signature(olds, fa[i][0]) !== signature(news, fb[i][0])) {
        return `${where}: field ${i} changed from ${fa[i][0]} to ${fb[i][0]}`;
      }
    }
    return null;
  };
  const top = (a: string, b: string, where: string): string | null => {
    const ta = tupleElements(a), tb = tupleElements(b);
    if (ta && tb && ta.length === tb.length) {
      for (let i = 0; i < ta.length; i++) {
        const found = top(ta[i], tb[i], `${where} element ${i}`);
        if (found) return found;
      }
      return null;
    }
    const da = olds.get(a), db = news.get(b);
    if (da && db && da.kind === db.kind && da.evolvable === db.evolvable) {
      if (da.kind === "protocol") {
        const messages = new Map<number, string>(db.items);
        for (const [id, message] of da.items) {
          const other = messages.get(id);
          const found = other === undefined ? null : top(message, other, `message ${id} (${other})`);
          if (found) return found;
        }
        return null;
      }
      if (da.kind === "struct") return fields(da.items, db.items, where);
      const variants = new Map<number, Fieldish[]>(db.items.filter((v: any) => v !== null));
      for (const variant of da.items) {
        const other = variant === null ? undefined : variants.get(variant[0]);
        if (other === undefined) continue;
        const sa = variant[1].map(([t]: Fieldish) => signature(olds, t)).join(";");
        const sb = other.map(([t]) => signature(news, t)).join(";");
        if (sa !== sb) return `${where}: variant ${variant[0]} of ${b} changed`;
      }
      return null;
    }
    return signature(olds, a) === signature(news, b) ? null : `${where}: ${a} and ${b} are read differently`;
  };
  return top(oldRoot, newRoot, "root");
}

// -------------------------------------------------------------- connection --

/** A connection's settings; the defaults are the Rust `ConnectionConfig`'s. */
export interface Settings {
  /** GOODBYE 2 when no complete frame arrives this long (null: never). */
  idleTimeoutMs: number | null;
  /** A PING after an interval in which nothing was sent (null: no heartbeats). */
  heartbeatIntervalMs: number | null;
  /** GOODBYE 3 when this many PINGs are unanswered at a tick. */
  missedHeartbeats: number;
  /** The longest the closing handshake may take. */
  goodbyeTimeoutMs: number;
  /** HELLO (control kind 4): "off" | "optional" | "required". */
  hello: "off" | "optional" | "required";
  /** A server's wait for the client's first frame; a client's for the answer. */
  helloTimeoutMs: number;
  /** HELLO carries the schema text. */
  sendSchema: boolean;
  /** A server's bytes of requests in flight and replies queued before it reads on. */
  receiveBudget: number;
  /** Requests a server answers at once. */
  maxInFlight: number;
  /** Over budget this long (the peer does not read): GOODBYE 7. */
  stallTimeoutMs: number;
}

export const DEFAULT_SETTINGS: Settings = {
  idleTimeoutMs: 60_000, heartbeatIntervalMs: 10_000, missedHeartbeats: 3, goodbyeTimeoutMs: 5000,
  hello: "optional", helloTimeoutMs: 5000, sendSchema: true,
  receiveBudget: 1 << 20, maxInFlight: 128, stallTimeoutMs: 10_000,
};

/** What a connection needs from the network: bytes in, bytes out, the end. Node sockets
 * implement it (`connectTcp`, `socketTransport`), and so does a WebSocket carrying the
 * same bytes, one or more frames per binary message (`webSocketTransport`), so a
 * browser can talk to a gateway in front of a wirewright server. */
export interface Transport {
  write(data: Uint8Array): void;
  onData(handler: (data: Uint8Array) => void): void;
  onEnd(handler: (error?: Error) => void): void;
  /** The peer ended its stream (a half-close, §7) while ours stays open; a transport
   * that cannot tell leaves this out and reports only `onEnd`. */
  onRemoteEnd?(handler: () => void): void;
  close(): void;
  /** Stops and restarts reading (a server over its byte budget), where the transport can. */
  pause?(): void;
  resume?(): void;
  /** Bytes written but not yet taken by the network. */
  queued?(): number;
  /** Closes at once, dropping what is queued. */
  abort?(): void;
}

/** A Transport over a Node TCP socket. */
export async function connectTcp(host: string, port: number): Promise<Transport> {
  const net = await import("node:net");
  const socket = net.createConnection({ host, port, allowHalfOpen: true });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  return socketTransport(socket);
}

/** How long a closing socket waits for the peer's end of stream before it is destroyed. */
const LINGER_MS = 2000;

/** A Transport over a connected Node socket (`net.Socket`, opened with
 * `allowHalfOpen: true` so that a half-close can still be answered). */
export function socketTransport(socket: any): Transport {
  socket.setNoDelay(true);
  return {
    write: (data) => void socket.write(data),
    onData: (handler) => void socket.on("data", (chunk: Uint8Array) => handler(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length))),
    onEnd: (handler) => {
      socket.on("close", () => handler());
      socket.on("error", (err: Error) => handler(err));
    },
    onRemoteEnd: (handler) => void socket.on("end", handler),
    close: () => {
      socket.end();
      setTimeout(() => socket.destroy(), LINGER_MS).unref();
    },
    pause: () => socket.pause(),
    resume: () => socket.resume(),
    queued: () => socket.writableLength,
    abort: () => socket.destroy(),
  };
}

/** What `webSocketTransport` needs of a WebSocket: the browser's (and Node 22's) `WebSocket`. */
export interface WebSocketLike {
  binaryType: string;
  readyState: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: "open" | "message" | "close" | "error", listener: (event: any) => void): void;
}

/** A Transport over an open WebSocket whose binary messages carry the frames' bytes (a
 * message may hold any part of the stream: frames are found in the bytes, §2). A
 * WebSocket has no half-close: its end is the end of both streams. */
export function webSocketTransport(ws: WebSocketLike): Transport {
  ws.binaryType = "arraybuffer";
  return {
    write: (data) => ws.send(data),
    onData: (handler) => ws.addEventListener("message", (event) => {
      if (event.data instanceof ArrayBuffer) handler(new Uint8Array(event.data));
      else if (ArrayBuffer.isView(event.data)) handler(new Uint8Array(event.data.buffer, event.data.byteOffset, event.data.byteLength));
    }),
    onEnd: (handler) => {
      ws.addEventListener("close", () => handler());
      ws.addEventListener("error", () => handler(new Error("WebSocket error")));
    },
    close: () => ws.close(1000),
  };
}

/** Opens `new WebSocket(url)` (the global one: browsers, Node 22) as a Transport. */
export async function connectWebSocket(url: string): Promise<Transport> {
  const Ws = (globalThis as any).WebSocket;
  if (!Ws) throw new Error("no WebSocket in this runtime (Node 20: use connectTcp)");
  const ws: WebSocketLike = new Ws(url);
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener("open", () => resolve());
    ws.addEventListener("error", () => reject(new Error(`WebSocket ${url} did not open`)));
  });
  return webSocketTransport(ws);
}

/** What a server's connections held: `peakConnection` the most one connection held
 * (payload bytes of requests in flight and replies queued), `closed` by GOODBYE reason. */
export class Metrics {
  peakConnection = 0;
  closed = new Map<number, number>();
  observe(held: number): void {
    if (held > this.peakConnection) this.peakConnection = held;
  }
}

/** Frames over a transport (§7): PING answered with PONG, PINGs sent when idle; every
 * other message frame goes to `onFrame`, and the connection closes as the GOODBYE it
 * receives asks. Reason 0 (or an unknown reason) and the end of the peer's stream: the
 * work tracked for the frames that preceded it finishes and sends its replies, then
 * GOODBYE 0. Reason 1: GOODBYE 0 at once, then frames are read until the peer's stream
 * ends. Reasons 2-10: nothing more is sent. This side closes at once with GOODBYE 4 on a
 * protocol error, 2 when nothing arrives for `idleTimeoutMs`, 3 when its PINGs go
 * unanswered. `firstFrame`, when set, sees the first frame before anything else (HELLO):
 * it returns true when it took the frame. */
export class Connection {
  sentGoodbye = false;
  gotGoodbye = false;
  /** The reason of the peer's GOODBYE, once one arrived. */
  goodbyeReason: number | null = null;
  closed: Promise<void>;
  isClosed = false;
  error: Error | null = null;
  settings: Settings;
  /** What the peer announced in its HELLO, and `judge`'s verdict on it. */
  peerHello: HelloPayload | null = null;
  verdict: string | null = null;
  firstFrame: ((frame: Frame) => boolean) | null = null;
  /** A Required server's deadline for the client's HELLO (ms since the epoch). */
  helloDeadline: number | null = null;
  private silent = false;
  private inputDone = false;
  private remoteEnded = false;
  private finishing = false;
  private seenFirst = false;
  private tasks = new Set<Promise<unknown>>();
  private frames = new FrameBuffer();
  private ended!: () => void;
  private timer: ReturnType<typeof setInterval> | null = null;
  private lastSent = Date.now();
  private lastReceived = Date.now();
  private lastPingTick = Date.now();
  private pingNonce = 0n;
  private unanswered = 0;
  /** Frames read but not yet handled (at most one read's worth while over budget). */
  private pending: Frame[] = [];
  private roomTimer: ReturnType<typeof setInterval> | null = null;
  /** Payload bytes of the requests in flight, and the cost of the frame being handled. */
  private held = 0;
  private cost = 0;
  /** Bound what the peer can make this side hold (servers): see `hasRoom`. */
  limitInput = false;
  /** A server's counters, shared by its connections. */
  metrics: Metrics = new Metrics();

  constructor(public transport: Transport, onFrame: (frame: Frame) => void, settings: Partial<Settings> = {}) {
    this.settings = { ...DEFAULT_SETTINGS, ...settings };
    this.closed = new Promise((resolve) => (this.ended = resolve));
    transport.onEnd((err) => {
      if (err && !this.error) this.error = err;
      this.isClosed = true;
      if (this.timer) clearInterval(this.timer);
      this.ended();
    });
    transport.onRemoteEnd?.(() => {
      this.remoteEnded = true;
      if (this.finishing) return; // closes once its GOODBYE is sent
      if (this.sentGoodbye) return transport.close();
      if (this.pending.length) return; // handled first: `pump` finishes when they are
      this.inputDone = true;
      void this.finish(); // a half-close is a GOODBYE with reason 0 (§7)
    });
    transport.onData((data) => {
      if (this.inputDone) return; // discarded: the peer's input has ended
      try {
        for (const frame of this.frames.feed(data)) this.pending.push(frame);
      } catch (err) {
        this.pending.length = 0;
        this.error = err as Error;
        return this.closeAtOnce(4, String(err));
      }
      this.pump(onFrame);
    });
    const waits = [this.settings.idleTimeoutMs, this.settings.heartbeatIntervalMs].filter((x): x is number => x !== null);
    if (waits.length) {
      this.timer = setInterval(() => this.tick(), Math.max(10, Math.min(...waits, this.settings.helloTimeoutMs) / 4));
      (this.timer as any).unref?.();
    }
  }

  /** Handles the frames received, in order; a message frame waits while the connection
   * is over its byte budget (`limitInput`), and reading stops meanwhile. */
  private pump(onFrame: (frame: Frame) => void): void {
    const transport = this.transport;
    try {
      while (this.pending.length && !this.inputDone) {
        const frame = this.pending[0];
        if (!(frame.flags & CONTROL) && !this.hasRoom()) return this.waitForRoom(onFrame);
        this.pending.shift();
        this.lastReceived = Date.now();
        if (!this.seenFirst) {
          this.seenFirst = true;
          this.helloDeadline = null;
          if (this.firstFrame?.(frame)) continue;
        }
        if (!(frame.flags & CONTROL)) {
          if (this.gotGoodbye && this.sentGoodbye && !(frame.flags & RESPONSE)) continue; // after reason 1: replies only
          this.cost = frame.payload.length + 20;
          onFrame(frame);
          this.cost = 0;
        } else if (frame.type === PING) {
          this.send({ flags: CONTROL, type: PONG, correlation: 0, payload: frame.payload });
        } else if (frame.type === PONG) {
          const nonce = new DataView(frame.payload.buffer, frame.payload.byteOffset, 8).getBigUint64(0, true);
          if (this.unanswered && nonce <= this.pingNonce) this.unanswered = 0; // answers its PING and every earlier one
        } else if (frame.type === HELLO) {
          throw new WireError("malformed-control", 6, "a HELLO that is not the first frame, or one this side does not take");
        } else if (frame.type === GOODBYE) {
          const reason = decodeValue(GoodbyePayload.codec, frame.payload).reason;
          this.goodbyeReason = reason;
          if (this.sentGoodbye) {
            this.inputDone = true; // the answer to ours: everything has arrived (§7)
            return transport.close();
          }
          this.gotGoodbye = true;
          if (reason >= 2 && reason <= 10) {
            this.silent = this.inputDone = true; // at once: nothing more is sent
            return transport.close();
          }
          if (reason === 1) {
            this.sendGoodbye(0);
            continue;
          }
          this.inputDone = true; // reason 0 or unknown: the peer's input ends here
          void this.finish();
          return;
        }
      }
      if (this.remoteEnded && !this.inputDone && !this.sentGoodbye) {
        this.inputDone = true; // the half-close that arrived behind these frames
        void this.finish();
      }
    } catch (err) {
      this.pending.length = 0;
      if (err instanceof CloseAtOnce) return this.closeAtOnce(err.reason, err.message);
      this.error = err as Error;
      this.closeAtOnce(4, String(err));
    }
  }

  /** Whether another message may be handled: always, unless `limitInput` is set (a
   * server); then while fewer than `maxInFlight` are answered and the bytes of those in
   * flight and of the replies queued stay within `receiveBudget`. */
  private hasRoom(): boolean {
    if (!this.limitInput) return true;
    const s = this.settings;
    return this.tasks.size < s.maxInFlight && this.held + (this.transport.queued?.() ?? 0) <= s.receiveBudget;
  }

  /** Stops reading until there is room; GOODBYE 7 after `stallTimeoutMs` without. */
  private waitForRoom(onFrame: (frame: Frame) => void): void {
    if (this.roomTimer) return;
    this.transport.pause?.();
    const since = Date.now();
    this.roomTimer = setInterval(() => {
      if (this.isClosed || this.silent) return void clearInterval(this.roomTimer!);
      if (this.hasRoom()) {
        clearInterval(this.roomTimer!);
        this.roomTimer = null;
        this.transport.resume?.();
        return this.pump(onFrame);
      }
      if (Date.now() - since >= this.settings.stallTimeoutMs) {
        clearInterval(this.roomTimer!);
        this.pending.length = 0;
        this.closeAtOnce(7, "memory budget");
        this.transport.abort?.(); // what was queued for the peer is dropped (§7: at once)
      }
    }, 20);
  }

  /** Timers (§7): a Required server's hello timeout, the idle timeout, heartbeats. */
  private tick(): void {
    if (this.isClosed || this.silent) return;
    const s = this.settings, now = Date.now();
    if (!this.seenFirst && this.helloDeadline !== null && now >= this.helloDeadline) return this.closeAtOnce(10, "hello required");
    if (s.idleTimeoutMs !== null && now - this.lastReceived >= s.idleTimeoutMs) return this.closeAtOnce(2, `no frame for ${s.idleTimeoutMs} ms`);
    if (s.heartbeatIntervalMs !== null && now - this.lastPingTick >= s.heartbeatIntervalMs) {
      this.lastPingTick = now;
      if (this.unanswered >= s.missedHeartbeats) return this.closeAtOnce(3, `${this.unanswered} PINGs unanswered`);
      if (now - this.lastSent >= s.heartbeatIntervalMs || this.unanswered) {
        this.unanswered++;
        const payload = new Uint8Array(8);
        new DataView(payload.buffer).setBigUint64(0, ++this.pingNonce, true);
        this.send({ flags: CONTROL, type: PING, correlation: 0, payload });
      }
    }
  }

  /** Closing at once (§7): GOODBYE `reason`, then nothing more. */
  closeAtOnce(reason: number, message = ""): void {
    if (reason !== 4 && !this.error) this.error = new ConnectionClosed(`closed with GOODBYE ${reason}: ${message}`);
    this.sendGoodbye(reason, message);
    this.silent = this.inputDone = true;
    this.transport.close();
  }

  send(frame: Frame): void {
    if (this.silent || this.isClosed) return;
    this.transport.write(encodeFrame(frame));
    this.lastSent = Date.now();
    this.metrics.observe(this.held + (this.transport.queued?.() ?? 0));
  }

  /** Tracks the work answering a frame: a reason-0 GOODBYE waits for it. */
  track(work: Promise<unknown>): void {
    const settled = work.then(() => undefined, () => undefined);
    const cost = this.cost; // the payload bytes of the frame it answers
    this.held += cost;
    this.tasks.add(settled);
    void settled.then(() => {
      this.tasks.delete(settled);
      this.held -= cost;
    });
  }

  private sendGoodbye(reason: number, message = ""): void {
    if (this.sentGoodbye) return;
    this.sentGoodbye = true;
    this.send(goodbyeFrame(reason, message));
    this.metrics.closed.set(reason, (this.metrics.closed.get(reason) ?? 0) + 1);
  }

  /** The handshake's end for B (§7): the replies to what arrived, then GOODBYE 0. */
  private async finish(): Promise<void> {
    this.finishing = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise((resolve) => (timer = setTimeout(resolve, this.settings.goodbyeTimeoutMs)));
    await Promise.race([Promise.all([...this.tasks]), deadline]);
    clearTimeout(timer);
    this.sendGoodbye(0);
    if (this.remoteEnded) return this.transport.close();
    // read until the peer's stream ends, within the deadline
    setTimeout(() => this.transport.close(), this.settings.goodbyeTimeoutMs).unref?.();
    this.finishing = false;
  }

  async goodbye(reason = 0, timeoutMs = this.settings.goodbyeTimeoutMs): Promise<void> {
    this.sendGoodbye(reason);
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([this.closed, new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
    this.transport.close();
  }
}

/** Ends a connection with GOODBYE `reason`, thrown by a `firstFrame` hook. */
class CloseAtOnce extends Error {
  constructor(public reason: number, message: string) {
    super(message);
  }
}

/** Connects with `connect` (a TCP or WebSocket opener), says HELLO when
 * `settings.hello` asks for it and `ours` has a schema, and judges the answer.
 * `make(transport, hook)` builds the Client or Peer. Optional: a server whose first
 * frame is something else is used without HELLO; one that closes before answering is
 * reached again once without it. */
async function openWithHello<T extends { conn: Connection }>(
  connect: () => Promise<Transport>, schema: SchemaInfo | null, settings: Partial<Settings>,
  make: (transport: Transport) => T,
): Promise<T> {
  const s = { ...DEFAULT_SETTINGS, ...settings };
  if (s.hello === "off" || !schema) return make(await connect());
  const peer = make(await connect());
  const conn = peer.conn;
  const mine = schema.hello(true);
  const answer = new Promise<"answered" | "not answered" | "closed">((resolve) => {
    conn.firstFrame = (frame) => {
      if (frame.flags & CONTROL && frame.type === HELLO) {
        if (20 + frame.payload.length > MAX_HELLO_LEN) throw new WireError("malformed-control", 12, `a HELLO longer than ${MAX_HELLO_LEN} bytes`);
        conn.peerHello = decodeValue(HelloPayload.codec, frame.payload);
        resolve("answered");
        return true;
      }
      if (!(frame.flags & CONTROL && frame.type === GOODBYE)) resolve("not answered");
      return false;
    };
    void conn.closed.then(() => resolve("closed"));
    setTimeout(() => resolve("not answered"), s.helloTimeoutMs);
  });
  conn.send({ flags: CONTROL, type: HELLO, correlation: 0, payload: schema.hello(s.sendSchema).encode() });
  const outcome = await answer;
  if (outcome === "answered") {
    try {
      conn.verdict = judge(mine, conn.peerHello!);
    } catch (err) {
      await conn.goodbye(9);
      throw err;
    }
    return peer;
  }
  if (s.hello === "required") {
    await conn.goodbye(0);
    throw new HelloRequired(`the server did not answer HELLO (${outcome})`);
  }
  if (outcome === "not answered") return peer;
  if (conn.goodbyeReason === 9) throw new IncompatiblePeer(mine, new HelloPayload(), "the server judged the schemas incompatible (GOODBYE 9)");
  return make(await connect()); // an older server: once more without HELLO
}

/** The server's side of HELLO: sets `conn.firstFrame` (unless HELLO is off: then a
 * HELLO is a malformed control frame, as an older peer reads it). Answers a HELLO with
 * its own, then GOODBYE 9 when the schemas are incompatible; Required sends GOODBYE 10
 * when the first frame is not HELLO or nothing arrives within the hello timeout. */
function serverHello(conn: Connection, schema: SchemaInfo | null): void {
  const s = conn.settings;
  if (s.hello === "off" || !schema) return;
  if (s.hello === "required") conn.helloDeadline = Date.now() + s.helloTimeoutMs;
  conn.firstFrame = (frame) => {
    if (frame.flags & CONTROL && frame.type === HELLO) {
      if (20 + frame.payload.length > MAX_HELLO_LEN) throw new WireError("malformed-control", 12, `a HELLO longer than ${MAX_HELLO_LEN} bytes`);
      const theirs = decodeValue(HelloPayload.codec, frame.payload);
      conn.peerHello = theirs;
      conn.send({ flags: CONTROL, type: HELLO, correlation: 0, payload: schema.hello(s.sendSchema).encode() });
      try {
        conn.verdict = judge(schema.hello(true), theirs);
      } catch (err) {
        throw new CloseAtOnce(9, String(err));
      }
      return true;
    }
    if (s.hello === "required") throw new CloseAtOnce(10, "hello required");
    return false;
  };
}

/** A request/response client (§11): `call` resolves with the response message or
 * rejects with CallError (typed `value` for code 0), WireError, a deadline error
 * or ConnectionClosed. */
export class Client {
  conn: Connection;
  private waiting = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  private nextId = 1;

  constructor(transport: Transport, public requests: Protocol, public responses: Protocol, public errorCodec: Codec | null = null, settings: Partial<Settings> = {}) {
    this.conn = new Connection(transport, (frame) => this.onFrame(frame), settings);
    this.conn.closed.then(() => {
      for (const pending of this.waiting.values()) pending.reject(new ConnectionClosed(String(this.conn.error ?? "the connection ended")));
      this.waiting.clear();
    });
  }

  /** Connects over TCP (Node) and says HELLO (`settings.hello`, Optional by default). */
  static connect(host: string, port: number, requests: Protocol, responses: Protocol, errorCodec: Codec | null = null, settings: Partial<Settings> = {}): Promise<Client> {
    return Client.open(() => connectTcp(host, port), requests, responses, errorCodec, settings);
  }

  /** Connects with `connect` (any Transport: `connectWebSocket(url)` in a browser) and
   * says HELLO; `conn.peerHello` is what the server announced. */
  static open(connect: () => Promise<Transport>, requests: Protocol, responses: Protocol, errorCodec: Codec | null = null, settings: Partial<Settings> = {}): Promise<Client> {
    return openWithHello(connect, rpcSchema(requests, responses, errorCodec), settings, (t) => new Client(t, requests, responses, errorCodec, settings));
  }

  call(request: any, timeoutMs?: number): Promise<any> {
    const [id, payload] = this.requests.encode(request);
    return this.callRaw(id, payload, timeoutMs);
  }

  callRaw(type: number, payload: Uint8Array, timeoutMs?: number): Promise<any> {
    if (this.conn.sentGoodbye || this.conn.gotGoodbye) return Promise.reject(new ConnectionClosed("the connection is closing"));
    if (timeoutMs !== undefined && timeoutMs <= 0) return Promise.reject(new Error(`deadline of ${timeoutMs} ms passed`));
    let id = this.nextId;
    while (this.waiting.has(id)) id = (id % 0xffffffff) + 1;
    this.nextId = (id % 0xffffffff) + 1;
    return new Promise((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = () => {
        clearTimeout(timer);
        this.waiting.delete(id);
      };
      this.waiting.set(id, { resolve: (v) => (done(), resolve(v)), reject: (e) => (done(), reject(e)) });
      if (timeoutMs !== undefined) timer = setTimeout(() => (done(), reject(new Error(`deadline of ${timeoutMs} ms passed`))), timeoutMs);
      this.conn.send({ flags: 0, type, correlation: id, payload });
    });
  }

  private onFrame(frame: Frame): void {
    if (!(frame.flags & RESPONSE)) throw new WireError("unexpected-kind", 5, "a message frame where only replies are expected");
    const pending = this.waiting.get(frame.correlation);
    if (!pending) return; // a reply nobody waits for (§11.5)
    try {
      if (frame.flags & ERROR) {
        if (frame.type !== 0) {
          pending.reject(new CallError(frame.type, decodeValue(new StringCodec(), frame.payload, true)));
        } else if (!this.errorCodec) {
          throw new WireError("invalid-payload", 16, "an application error from a service that has none");
        } else {
          pending.reject(new CallError(0, "", decodeValue(this.errorCodec, frame.payload, true)));
        }
      } else if (frame.flags & JSON_FLAG) {
        throw new WireError("unexpected-format", 5, "a JSON reply");
      } else {
        pending.resolve(this.responses.decode(frame.type, frame.payload));
      }
    } catch (err) {
      pending.reject(err as Error); // this call fails; the connection stays (§11.4)
    }
  }

  close(): Promise<void> {
    return this.conn.goodbye(0);
  }
}

/** A peer of a message protocol: `send(message)`, `onMessage(handler)`. */
export class Peer {
  conn: Connection;
  private handlers: ((message: any) => void)[] = [];
  constructor(transport: Transport, public incoming: Protocol, public outgoing: Protocol, settings: Partial<Settings> = {}) {
    this.conn = new Connection(transport, (frame) => {
      if (frame.flags & (RESPONSE | ERROR)) throw new WireError("unexpected-kind", 5, "a reply on a message protocol");
      if (frame.flags & JSON_FLAG) throw new WireError("unexpected-format", 5, "a JSON message");
      const message = this.incoming.decode(frame.type, frame.payload);
      for (const handler of this.handlers) handler(message);
    }, settings);
  }
  /** Connects over TCP (Node) and says HELLO with the outgoing protocol's schema. */
  static connect(host: string, port: number, incoming: Protocol, outgoing: Protocol, settings: Partial<Settings> = {}): Promise<Peer> {
    return Peer.open(() => connectTcp(host, port), incoming, outgoing, settings);
  }
  /** Connects with `connect` (any Transport) and says HELLO. */
  static open(connect: () => Promise<Transport>, incoming: Protocol, outgoing: Protocol, settings: Partial<Settings> = {}): Promise<Peer> {
    return openWithHello(connect, messagesSchema(outgoing, incoming), settings, (t) => new Peer(t, incoming, outgoing, settings));
  }
  onMessage(handler: (message: any) => void): void {
    this.handlers.push(handler);
  }
  send(message: any): void {
    if (this.conn.sentGoodbye) throw new ConnectionClosed("the connection is closing");
    const [type, payload] = this.outgoing.encode(message);
    this.conn.send({ flags: 0, type, correlation: 0, payload });
  }
  close(): Promise<void> {
    return this.conn.goodbye(0);
  }
}

/** Raised by a handler of `serveCalls`: answered with error code 0 (§11.3). */
export class ApplicationError extends Error {
  constructor(public value: unknown) {
    super("application error");
  }
}

/** A request/response server over Node TCP (§11): `handler(request)` resolves with
 * the response message or throws ApplicationError(value). Resolves with the
 * `net.Server` once it listens. HELLO is answered as `settings.hello` says, with the
 * schema of (requests, responses, error) (§13.6). */
export async function serveCalls(
  host: string, port: number, requests: Protocol, responses: Protocol,
  handler: (request: any) => Promise<any>, errorCodec: Codec | null = null, settings: Partial<Settings> = {},
): Promise<any> {
  const net = await import("node:net");
  const metrics = new Metrics();
  const server = net.createServer({ allowHalfOpen: true }, (socket: any) => {
    const conn: Connection = new Connection(socketTransport(socket), (frame) => {
      if (frame.flags & RESPONSE) throw new WireError("unexpected-kind", 5, "a reply where requests are expected");
      if (frame.correlation === 0) {
        // not a request, never answered; one that fails a message check is a protocol
        // error (GOODBYE 4, §11.1)
        if (frame.flags & JSON_FLAG) throw new WireError("unexpected-format", 5, "a JSON message that is not a request");
        requests.decode(frame.type, frame.payload);
        return;
      }
      const fail = (code: number, message: string) =>
        conn.send({ flags: RESPONSE | ERROR, type: code, correlation: frame.correlation, payload: encodeValue(new StringCodec(), message.slice(0, 1024)) });
      if (frame.flags & JSON_FLAG) return fail(2, "JSON payloads are not enabled");
      let request;
      try {
        request = requests.decode(frame.type, frame.payload);
      } catch (err) {
        if (!(err instanceof WireError)) throw err;
        return fail(err.kind === "unknown-message-type" ? 1 : 2, err.message);
      }
      conn.track(handler(request).then(
        (response) => {
          const [type, payload] = responses.encode(response);
          conn.send({ flags: RESPONSE, type, correlation: frame.correlation, payload });
        },
        (err) => {
          if (err instanceof ApplicationError && errorCodec) {
            conn.send({ flags: RESPONSE | ERROR, type: 0, correlation: frame.correlation, payload: encodeValue(errorCodec, err.value) });
          } else {
            fail(3, String(err));
          }
        },
      ));
    }, settings);
    conn.limitInput = true;
    conn.metrics = metrics;
    serverHello(conn, rpcSchema(requests, responses, errorCodec));
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return Object.assign(server, { metrics });
}

/** A message-protocol server over Node TCP: `handler(conn, message, frame)` for each
 * message; a frame that does not decode is a protocol error (GOODBYE 4, §3.5). HELLO is
 * answered as `settings.hello` says, with the schema of (incoming, outgoing) (the
 * incoming protocol's alone when `outgoing` is null or the same). */
export async function serveMessages(
  host: string, port: number, incoming: Protocol,
  handler: (conn: Connection, message: any, frame: Frame) => void | Promise<void>, settings: Partial<Settings> = {},
  outgoing: Protocol | null = null,
): Promise<any> {
  const net = await import("node:net");
  const metrics = new Metrics();
  const server = net.createServer({ allowHalfOpen: true }, (socket: any) => {
    const conn: Connection = new Connection(socketTransport(socket), (frame) => {
      if (frame.flags & (RESPONSE | ERROR)) throw new WireError("unexpected-kind", 5, "a reply on a message protocol");
      if (frame.flags & JSON_FLAG) throw new WireError("unexpected-format", 5, "a JSON message");
      const message = incoming.decode(frame.type, frame.payload);
      // run after the frames read with this one: a GOODBYE among them decides what is sent
      conn.track(Promise.resolve().then(() => handler(conn, message, frame)));
    }, settings);
    conn.limitInput = true;
    conn.metrics = metrics;
    serverHello(conn, messagesSchema(incoming, outgoing));
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return Object.assign(server, { metrics });
}

export const BOOL = new BoolCodec(), CHAR = new CharCodec(), STRING = new StringCodec(), BYTES = new BytesCodec(), UNIT = new UnitCodec();
export const U8 = new IntCodec(8, false), I8 = new IntCodec(8, true);
export const U16 = new IntCodec(16, false), U32 = new IntCodec(32, false), U64 = new IntCodec(64, false), U128 = new IntCodec(128, false);
export const I16 = new IntCodec(16, true), I32 = new IntCodec(32, true), I64 = new IntCodec(64, true), I128 = new IntCodec(128, true);
export const F32 = new FloatCodec(4), F64 = new FloatCodec(8);

const REFS: Ref[] = [];
function ref(name: string): Ref {
  const r = new Ref(name);
  REFS.push(r);
  return r;
}
