// ------------------------------------------------------------------ frames --

export const MAGIC = [0x57, 0x57, 0x52, 0x54];
export const JSON_FLAG = 0x01, CONTROL = 0x02, RESPONSE = 0x04, ERROR = 0x08;
export const PING = 1, PONG = 2, GOODBYE = 3, HELLO = 4;
/** The control kinds of deadlines and cancellation (§11.7) and of streams (§11.8). */
export const DEADLINE = 5, CANCEL = 6, CREDIT = 7, OPEN = 8, END = 9;
/** §7's control kinds: what every peer reads. */
export const BASE_KINDS: readonly number[] = [PING, PONG, GOODBYE, HELLO];
/** What a server of §11.7 and §11.8 reads: DEADLINE, CANCEL and CREDIT too. */
export const SERVER_KINDS: readonly number[] = [...BASE_KINDS, DEADLINE, CANCEL, CREDIT];
/** What a client reads: OPEN and END too (DEADLINE, CANCEL and CREDIT it ignores). */
export const CLIENT_KINDS: readonly number[] = [...SERVER_KINDS, OPEN, END];
/** A stream's credit never goes above this (§11.8). */
export const MAX_CREDIT = 2 ** 31 - 1;

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

export function checkControl(frame: Frame, kinds: readonly number[] = BASE_KINDS): void {
  if (frame.flags & JSON_FLAG) throw new WireError("malformed-control", 5, "a control frame with the JSON flag");
  if (!kinds.includes(frame.type)) throw new WireError("malformed-control", 6, `control kind ${frame.type}`);
  if (frame.correlation !== 0) throw new WireError("malformed-control", 8, "a control frame with a correlation id");
  if (frame.type === PING || frame.type === PONG) {
    if (frame.payload.length !== 8) throw new WireError("malformed-control", 16, `a nonce is 8 bytes, not ${frame.payload.length}`);
    return;
  }
  if (frame.type >= DEADLINE) {
    signalPayload(frame);
    return;
  }
  try {
    decodeValue(frame.type === HELLO ? HelloPayload.codec : GoodbyePayload.codec, frame.payload);
  } catch (err) {
    if (err instanceof WireError) throw new WireError("malformed-control", 16 + err.offset, err.message);
    throw err;
  }
}

const SIGNAL_U32 = new IntCodec(32, false);

/** The payload of a DEADLINE, CANCEL, CREDIT, OPEN or END frame (§11.7, §11.8): the
 * correlation id (fixed u32) and, for DEADLINE and CREDIT, the varint after it (the
 * milliseconds left, the bytes granted; null for the others). Exact: bytes missing or
 * left over, or a CREDIT of 0, are a malformed control frame. */
export function signalPayload(frame: Frame): [number, number | null] {
  const p = frame.payload;
  if (p.length < 4) throw new WireError("malformed-control", 16 + p.length, `a correlation id is 4 bytes, not ${p.length}`);
  const cid = new DataView(p.buffer, p.byteOffset, 4).getUint32(0, true);
  if (frame.type !== DEADLINE && frame.type !== CREDIT) {
    if (p.length !== 4) throw new WireError("malformed-control", 20, `${p.length - 4} bytes after the correlation id`);
    return [cid, null];
  }
  let n: number;
  try {
    n = Number(decodeValue(SIGNAL_U32, p.subarray(4)));
  } catch (err) {
    if (err instanceof WireError) throw new WireError("malformed-control", 20 + err.offset, err.message);
    throw err;
  }
  if (frame.type === CREDIT && n === 0) throw new WireError("malformed-control", 20, "a CREDIT of 0 bytes");
  return [cid, n];
}

/** A DEADLINE, CANCEL, CREDIT, OPEN or END frame for the call `cid` (§11.7, §11.8). */
export function signalFrame(kind: number, cid: number, n: number | null = null): Frame {
  const id = new Uint8Array(4);
  new DataView(id.buffer).setUint32(0, cid, true);
  if (n === null) return { flags: CONTROL, type: kind, correlation: 0, payload: id };
  const tail = encodeValue(SIGNAL_U32, n);
  const payload = new Uint8Array(4 + tail.length);
  payload.set(id);
  payload.set(tail, 4);
  return { flags: CONTROL, type: kind, correlation: 0, payload };
}

/** Decodes a buffer holding exactly one frame (§3.4 checks 1-5, and §7); `kinds` are
 * the control kinds this side reads. */
export function decodeFrame(data: Uint8Array, maxLen = MAX_FRAME_LEN, kinds: readonly number[] = BASE_KINDS): Frame {
  const length = checkHeader(data, maxLen);
  if (length === null) throw new WireError("truncated", data.length, "inside the header");
  if (data.length < 20 + length) throw new WireError("truncated", data.length, `a frame of ${20 + length} bytes`);
  const view = new DataView(data.buffer, data.byteOffset, data.length);
  if (crc32(data.subarray(0, 16 + length)) !== view.getUint32(16 + length, true)) throw new WireError("bad-crc", 16 + length);
  if (data.length > 20 + length) throw new WireError("trailing-bytes", 20 + length);
  const frame = { flags: data[5], type: view.getUint16(6, true), correlation: view.getUint32(8, true), payload: data.slice(16, 16 + length) };
  if (frame.flags & CONTROL) checkControl(frame, kinds);
  return frame;
}

/** Splits a byte stream into frames, checking each header as its bytes arrive. Frames
 * whole in a chunk are read where they are; the bytes of an incomplete frame are copied
 * into one buffer that doubles as they arrive, so a frame trickling in byte by byte costs
 * a few copies of itself and at most twice its bytes received so far, never an object
 * per chunk. A header declaring more than `maxLen`, or a HELLO longer than
 * MAX_HELLO_LEN (§13.6), is refused before any of its payload is held. */
export class FrameBuffer {
  private held = new Uint8Array(0);
  private size = 0;
  /** The control kinds this side reads (§7; §11.7 and §11.8 add 5 to 9). */
  kinds: readonly number[] = BASE_KINDS;
  constructor(public maxLen = MAX_FRAME_LEN) {}
  feed(data: Uint8Array): Frame[] {
    const frames: Frame[] = [];
    let input = data;
    if (this.size) {
      this.append(data);
      input = this.held.subarray(0, this.size);
    }
    let at = 0;
    for (;;) {
      const rest = input.subarray(at);
      const head = rest.subarray(0, 16);
      const length = checkHeader(head, this.maxLen);
      if (length !== null && head[5] & CONTROL && (head[6] | (head[7] << 8)) === HELLO && 20 + length > MAX_HELLO_LEN) {
        throw new WireError("malformed-control", 12, `a HELLO of ${20 + length} bytes, over ${MAX_HELLO_LEN}`); // §13.6, from the header
      }
      if (length === null || rest.length < 20 + length) {
        // keep the incomplete frame (payloads already returned are copies: the buffer may be reused)
        if (input === data) {
          this.size = 0;
          this.append(rest);
        } else if (this.held.length > 65536 && 4 * rest.length < this.held.length) {
          this.held = rest.slice(); // a large frame done: its buffer is not kept
          this.size = rest.length;
        } else {
          this.held.copyWithin(0, at, this.size);
          this.size = rest.length;
        }
        return frames;
      }
      frames.push(decodeFrame(rest.subarray(0, 20 + length), this.maxLen, this.kinds));
      at += 20 + length;
    }
  }
  /** Appends `data` to the bytes held, doubling the buffer when it is full. */
  private append(data: Uint8Array): void {
    if (this.size + data.length > this.held.length) {
      const next = new Uint8Array(Math.max(2 * this.held.length, this.size + data.length, 64));
      next.set(this.held.subarray(0, this.size));
      this.held = next;
    }
    this.held.set(data, this.size);
    this.size += data.length;
  }
}

export function goodbyeFrame(reason: number, message = ""): Frame {
  return { flags: CONTROL, type: GOODBYE, correlation: 0, payload: encodeValue(GoodbyePayload.codec, new GoodbyePayload(reason, message.slice(0, 256))) };
}
