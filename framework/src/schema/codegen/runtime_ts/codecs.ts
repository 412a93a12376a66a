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
      w.reserve(this.bits / 8);
      for (let i = 0; i < this.bits / 8; i += 4, u >>= 32n) {
        const word = Number(u & 0xffffffffn);
        for (let j = 0; j < 4 && i + j < this.bits / 8; j++) w.buf[w.len++] = (word >>> (8 * j)) & 0xff;
      }
    } else if (this.signed) {
      w.varint(big < 0n ? (-big << 1n) - 1n : big << 1n);
    } else {
      w.varint(typeof v === "number" ? v : big);
    }
  }
  dec(r: Reader): number | bigint {
    if (!this.big && !this.raw) {
      // Up to 32 bits: the varint as a number, zigzag for signed ones (§4.2).
      const z = r.varintNumber(this.bits);
      return this.signed ? (z >>> 1) ^ -(z & 1) : z;
    }
    let v: bigint;
    if (this.raw) {
      const bytes = r.take(this.bits / 8);
      if (!this.big) {
        // a byte, or fixed 16 or 32 bits: a number, sign-extended for signed ones
        let n = 0;
        for (let i = bytes.length - 1; i >= 0; i--) n = n * 256 + bytes[i];
        return this.signed && n >= 2 ** (this.bits - 1) ? n - 2 ** this.bits : n;
      }
      v = 0n;
      for (let i = bytes.length - 4; i >= 0; i -= 4) {
        // four bytes at a time: two bigint operations per 32 bits instead of eight
        const word = (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24)) >>> 0;
        v = (v << 32n) | BigInt(word);
      }
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
    w.reserve(this.size);
    for (let i = 0; i < this.size; i++) w.buf[w.len++] = SCRATCH_BYTES[i];
  }
  dec(r: Reader) {
    const start = r.pos;
    r.take(this.size);
    for (let i = 0; i < this.size; i++) SCRATCH_BYTES[i] = r.buf[start + i];
    return this.size === 4 ? SCRATCH.getFloat32(0, true) : SCRATCH.getFloat64(0, true);
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
    const n = v.length;
    if (n < 43) {
      // at most 126 bytes of UTF-8: a one-byte length, the text written in place
      w.reserve(1 + 3 * n);
      const buf = w.buf, at = w.len;
      let i = 0;
      for (; i < n; i++) {
        const c = v.charCodeAt(i);
        if (c >= 0x80) break;
        buf[at + 1 + i] = c;
      }
      const written = i === n ? n : utf8.encodeInto(v, buf.subarray(at + 1, at + 1 + 3 * n)).written;
      buf[at] = written;
      w.len = at + 1 + written;
      return;
    }
    const data = utf8.encode(v);
    w.varint(data.length);
    w.bytes(data);
  }
  dec(r: Reader) {
    const n = r.length();
    const data = r.take(n);
    if (n <= 32) {
      // short ASCII text without a TextDecoder call
      let ascii = true;
      for (let i = 0; i < n; i++) if (data[i] >= 0x80) { ascii = false; break; }
      if (ascii) return String.fromCharCode.apply(null, data as unknown as number[]);
    }
    try {
      return utf8Strict.decode(data);
    } catch {
      const valid = firstInvalidUtf8(data);
      throw new WireError("invalid-utf8", r.pos - n + valid, `invalid UTF-8 after ${valid} valid bytes of the string`);
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
    try {
      for (let i = 0; i < n; i++) items.push(this.element.dec(r));
    } catch (err) {
      throw err instanceof WireError ? err.atIndex(items.length) : err;
    }
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
    try {
      for (let i = 0; i < this.n; i++) items.push(this.element.dec(r));
    } catch (err) {
      throw err instanceof WireError ? err.atIndex(items.length) : err;
    }
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
      let k: K;
      try {
        k = this.key.dec(r);
      } catch (err) {
        throw err instanceof WireError ? err.inField("key").atIndex(i) : err;
      }
      const keyBytes = r.buf.subarray(start, r.pos);
      if (previous && compareBytes(keyBytes, previous) <= 0) throw new WireError("key-order", start, "keys must ascend by their encodings").atIndex(i);
      previous = keyBytes;
      try {
        result.set(k, this.value.dec(r));
      } catch (err) {
        throw err instanceof WireError ? err.inField("value").atIndex(i) : err;
      }
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
      try {
        items.push(this.element.dec(r));
      } catch (err) {
        throw err instanceof WireError ? err.atIndex(i) : err;
      }
      const bytes = r.buf.subarray(start, r.pos);
      if (previous && compareBytes(bytes, previous) <= 0) throw new WireError("key-order", start, "elements must ascend by their encodings").atIndex(i);
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
  dec(r: Reader) {
    const items: unknown[] = [];
    try {
      for (const c of this.elements) items.push(c.dec(r));
    } catch (err) {
      throw err instanceof WireError ? err.inField(String(items.length)) : err;
    }
    return items;
  }
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
