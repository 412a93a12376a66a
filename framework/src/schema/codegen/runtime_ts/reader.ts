// ---------------------------------------------------------------------------
// wirewright runtime: the codec of SPEC.md §4-§6 and §12, frames (§3), control
// frames (§7), HELLO judged by the schema rules of §13.3, and clients and servers (§11)
// over a Transport: a Node socket (`connectTcp`), a browser's WebSocket
// (`connectWebSocket`, `webSocketTransport`) or your own (see `Transport`).
// No runtime dependencies; 64- and 128-bit integers are bigint.
// ---------------------------------------------------------------------------

export const MAX_DEPTH = 128;
export const MAX_ZERO_SIZED = 65_536;
export const MAX_FRAME_LEN = 8 * 1024 * 1024;

/** Every error of this module: `kind` is SPEC §9.0's name, `offset` the byte (from the
 * payload's or frame's first byte), `path` where in the value, written as the Rust errors
 * write it: the outermost type, then `.field`, `::Variant` and `[index]` down to the value
 * that failed (`Order.items[2].name`, `Shape::Rect.width`). */
export class WireError extends Error {
  /** The outermost type the error passed through. */
  typeName: string;
  /** `.field`, `::Variant`, `[index]`, innermost first (as the error propagates). */
  segments: string[] = [];
  constructor(public kind: string, public offset: number, public detail = "", typeName = "") {
    super();
    this.name = "WireError";
    this.typeName = typeName;
  }
  /** Adds a field to the path (as the error leaves that field's decoder). */
  inField(name: string): WireError {
    this.segments.push(`.${name}`);
    return this;
  }
  inVariant(name: string): WireError {
    this.segments.push(`::${name}`);
    return this;
  }
  atIndex(index: number): WireError {
    this.segments.push(`[${index}]`);
    return this;
  }
  /** Names the type being decoded; an outer type replaces an inner one. */
  inType(name: string): WireError {
    this.typeName = name;
    return this;
  }
  get path(): string {
    const inner = [...this.segments].reverse().join("");
    return this.typeName ? this.typeName + inner : inner.replace(/^\./, "");
  }
  override get message(): string {
    const path = this.path;
    const where = path ? ` in ${path}` : "";
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

  /** The error of `code`: its typed subclass for 7, 8 and 9 (§11.7, §11.8). */
  static of(code: number, text = "", value: unknown = undefined): CallError {
    if (code === 7) return new DeadlineExceeded(text);
    if (code === 8) return new Cancelled(text);
    if (code === 9) return new FlowControlError(text);
    return new CallError(code, text, value);
  }
}

/** Code 7 (§11.7): the server found the call's deadline passed, or this client's
 * deadline passed first (then it sent CANCEL, when the server takes signals). */
export class DeadlineExceeded extends CallError {
  constructor(text = "") {
    super(7, text);
    this.name = "DeadlineExceeded";
  }
}

/** Code 8 (§11.7): the call was cancelled while it ran (or this side gave it up: an
 * AbortSignal, a stream left early). */
export class Cancelled extends CallError {
  constructor(text = "") {
    super(8, text);
    this.name = "Cancelled";
  }
}

/** Code 9 (§11.8): a stream broke flow control: the server ended it for too much credit,
 * or it sent more than the credit granted (a local error, after which the client sent
 * CANCEL). */
export class FlowControlError extends CallError {
  constructor(text = "") {
    super(9, text);
    this.name = "FlowControlError";
  }
}

/** The connection ended (GOODBYE, end of stream or a protocol error) before the call had
 * its reply. `cause` is what ended it when this side did: the WireError of the peer's bad
 * bytes (`frame-too-large` for a header past `maxFrameLen`, ...), or undefined. */
export class ConnectionClosed extends Error {
  constructor(message: string, public cause?: Error) {
    super(message);
  }
}

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

  /** A varint of at most `bits` bits as a number: one to four bytes (below 2^28) without
   * bigint; anything longer, and every error, through `varint`. Above 2^53 the number is
   * rounded (lengths and counts that large exceed any input all the same). */
  varintNumber(bits: number): number {
    const { buf, end } = this;
    let pos = this.pos;
    let small = 0;
    const fast = Math.min(4, Math.ceil(bits / 7) - 1);
    for (let i = 0; i < fast && pos < end; i++) {
      const b = buf[pos++];
      small |= (b & 0x7f) << (7 * i);
      if (b < 0x80) {
        if (b === 0 && i > 0) break; // overlong: `varint` reports it
        this.pos = pos;
        return small;
      }
    }
    return Number(this.varint(bits));
  }

  /** A varint of at most 32 bits as a number. */
  varint32(): number {
    return this.varintNumber(32);
  }

  length(): number {
    const start = this.pos;
    const n = this.varintNumber(64);
    if (n > this.end - this.pos) {
      throw new WireError("length-exceeds-input", start, `${n} bytes declared, ${this.end - this.pos} left`);
    }
    return n;
  }

  count(minLen: number): number {
    const start = this.pos;
    const n = this.varintNumber(64);
    if (minLen === 0) {
      if (n > MAX_ZERO_SIZED) throw new WireError("zero-sized-count-exceeds-limit", start, `${n} > ${MAX_ZERO_SIZED}`);
    } else if (n * minLen > this.end - this.pos) {
      throw new WireError("count-exceeds-input", start, `${n} elements of >= ${minLen} bytes, ${this.end - this.pos} left`);
    }
    return n;
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
    if (typeof v === "bigint" && v <= 0x1fffffffffffffn) v = Number(v); // below 2^53: exact as a number
    if (typeof v === "number") {
      this.reserve(10);
      const buf = this.buf;
      let len = this.len;
      while (v >= 0x80) {
        buf[len++] = (v % 128) | 0x80;
        v = Math.floor(v / 128);
      }
      buf[len++] = v;
      this.len = len;
      return;
    }
    let big = v;
    while (big >= 0x80n) {
      this.push(Number(big & 0x7fn) | 0x80);
      big >>= 7n;
    }
    this.push(Number(big));
  }
  /** The bytes written; the writer is done. A buffer at least three quarters full is
   * handed over as it is (a large value is not copied once more), a smaller one copied
   * to its length. */
  finish(): Uint8Array {
    return this.len * 4 >= this.buf.length * 3 ? this.buf.subarray(0, this.len) : this.buf.slice(0, this.len);
  }
}
