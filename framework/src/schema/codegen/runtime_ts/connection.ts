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
  /** A server's bytes of requests in flight and replies queued before it reads on; on
   * every connection, the bytes queued for sending past which a PING waits (and reading
   * stops) before it is answered. */
  receiveBudget: number;
  /** Requests a server answers at once. */
  maxInFlight: number;
  /** Over budget this long (the peer does not read): GOODBYE 7. */
  stallTimeoutMs: number;
  /** The longest frame read: a header that declares more is a protocol error
   * (`frame-too-large`, GOODBYE 4) before any of its payload is buffered. */
  maxFrameLen: number;
  /** A client sends DEADLINE and CANCEL (§11.7): only to a server that takes them. */
  callSignals: boolean;
  /** Bytes of stream items a client lets the server send ahead (§11.8). */
  streamWindow: number;
}

export const DEFAULT_SETTINGS: Settings = {
  idleTimeoutMs: 60_000, heartbeatIntervalMs: 10_000, missedHeartbeats: 3, goodbyeTimeoutMs: 5000,
  hello: "optional", helloTimeoutMs: 5000, sendSchema: true,
  receiveBudget: 1 << 20, maxInFlight: 128, stallTimeoutMs: 10_000, maxFrameLen: MAX_FRAME_LEN,
  callSignals: false, streamWindow: 1 << 16,
};

/** What a connection needs from the network: bytes in, bytes out, the end. It carries the
 * byte stream of §2 and nothing else: frames, CRC, heartbeats, GOODBYE and HELLO are the
 * connection's work, so a transport only moves bytes. Node sockets implement it
 * (`connectTcp`, `socketTransport`); a browser implements it over a WebSocket whose binary
 * messages carry the stream's bytes (`webSocketTransport`, `connectWebSocket`), talking to
 * a gateway that relays them to a wirewright server over TCP; tests implement it in memory.
 *
 * The contract, for an implementation of your own:
 * - `write(data)` sends the bytes after those written before; it does not block (queue
 *   them) and must not keep `data` past the call unless it copies it.
 * - `onData(handler)` is called once, before any byte arrives; `handler` receives the
 *   peer's bytes in order, cut anywhere (a frame may span many chunks, a chunk may hold
 *   many frames: the connection finds frames in the bytes, checking each header as it
 *   arrives and refusing a length past `Settings.maxFrameLen` from the header alone).
 * - `onEnd(handler)` is called once; `handler` runs once when the transport is closed
 *   (by either end, or an error, passed as its argument). No data arrives after it.
 * - `close()` ends this side's stream once what was written is sent, and the transport
 *   then ends (`onEnd`); it may be called more than once.
 * - The optional ones make the bounds tighter where the transport can honour them:
 *   `onRemoteEnd` (the peer half-closed, §7), `pause`/`resume` (reading stops while the
 *   connection is over its byte budget: TCP's flow control then holds the peer), `queued`
 *   (bytes written but not yet sent: PONGs and replies wait while it is over
 *   `Settings.receiveBudget`) and `abort` (close at once, dropping what is queued). A
 *   transport without `pause` (a WebSocket) that keeps delivering while the connection
 *   waits for room is closed with GOODBYE 7 once the frames waiting pass the budget. */
export interface Transport {
  /** Sends `data` after what was written before, without blocking. */
  write(data: Uint8Array): void;
  /** Registers the receiver of the peer's bytes, in order, cut anywhere. */
  onData(handler: (data: Uint8Array) => void): void;
  /** Registers what runs once when the transport has closed (with the error, if any). */
  onEnd(handler: (error?: Error) => void): void;
  /** The peer ended its stream (a half-close, §7) while ours stays open; a transport
   * that cannot tell leaves this out and reports only `onEnd`. */
  onRemoteEnd?(handler: () => void): void;
  /** Ends this side's stream once what was written is sent. */
  close(): void;
  /** Stops and restarts reading (over the byte budget), where the transport can. */
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
  private frames: FrameBuffer;
  private ended!: () => void;
  private timer: ReturnType<typeof setInterval> | null = null;
  private lastSent = Date.now();
  private lastReceived = Date.now();
  private lastPingTick = Date.now();
  private pingNonce = 0n;
  private unanswered = 0;
  /** Frames read but not yet handled (at most one read's worth while over budget, on
   * a transport that can pause), and their bytes. */
  private pending: Frame[] = [];
  private pendingBytes = 0;
  private roomTimer: ReturnType<typeof setInterval> | null = null;
  /** Payload bytes of the requests in flight, and the cost of the frame being handled. */
  private held = 0;
  private cost = 0;
  /** Bound what the peer can make this side hold (servers): see `hasRoom`. */
  limitInput = false;
  /** A server's counters, shared by its connections. */
  metrics: Metrics = new Metrics();
  /** DEADLINE, CANCEL, CREDIT, OPEN and END (§11.7, §11.8), once `controlKinds` lets them in. */
  onSignal: ((frame: Frame) => void) | null = null;
  /** The peer's input ended (GOODBYE 0 or a half-close): no CREDIT can come. */
  onInputEnd: (() => void) | null = null;

  /** The control kinds this side reads (§7; a client or server of §11.7 and §11.8 more). */
  set controlKinds(kinds: readonly number[]) {
    this.frames.kinds = kinds;
  }

  constructor(public transport: Transport, onFrame: (frame: Frame) => void, settings: Partial<Settings> = {}) {
    this.settings = { ...DEFAULT_SETTINGS, ...settings };
    this.frames = new FrameBuffer(this.settings.maxFrameLen);
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
        for (const frame of this.frames.feed(data)) {
          this.pending.push(frame);
          this.pendingBytes += frame.payload.length + 20;
        }
      } catch (err) {
        this.pending.length = this.pendingBytes = 0;
        this.error = err as Error;
        return this.closeAtOnce(4, String(err));
      }
      if (this.roomTimer && this.pendingBytes > this.settings.receiveBudget) {
        // a transport that cannot pause (a WebSocket) keeps delivering while this side
        // waits for room: past the budget, the peer is closed (§7: GOODBYE 7)
        this.pending.length = this.pendingBytes = 0;
        this.error = new ConnectionClosed("the peer sent past the byte budget while this side could not read");
        return this.closeAtOnce(7, "memory budget");
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
        if (!this.hasRoom(frame)) return this.waitForRoom(onFrame);
        this.pending.shift();
        this.pendingBytes -= frame.payload.length + 20;
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
        } else if (frame.type !== GOODBYE) {
          this.onSignal?.(frame); // kinds 5-9, when `controlKinds` lets them in
        } else {
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
      this.pending.length = this.pendingBytes = 0;
      if (err instanceof CloseAtOnce) return this.closeAtOnce(err.reason, err.message);
      this.error = err as Error;
      this.closeAtOnce(4, String(err));
    }
  }

  /** Whether `frame` may be handled now. A PING (whose PONG is queued for the peer) only
   * while the bytes queued for sending stay within `receiveBudget`, on every connection:
   * a peer that floods PINGs and does not read cannot make this side queue PONGs without
   * end. A message frame always on a client; on a server (`limitInput`) while fewer than
   * `maxInFlight` requests are answered and the bytes of those in flight and of the
   * replies queued stay within `receiveBudget`. */
  private hasRoom(frame: Frame): boolean {
    const s = this.settings;
    const queued = this.transport.queued?.() ?? 0;
    if (frame.flags & CONTROL) return frame.type !== PING || queued <= s.receiveBudget;
    if (!this.limitInput) return true;
    return this.tasks.size < s.maxInFlight && this.held + queued <= s.receiveBudget;
  }

  /** Stops reading until there is room; GOODBYE 7 after `stallTimeoutMs` without. */
  private waitForRoom(onFrame: (frame: Frame) => void): void {
    if (this.roomTimer) return;
    this.transport.pause?.();
    const since = Date.now();
    this.roomTimer = setInterval(() => {
      if (this.isClosed || this.silent) return void clearInterval(this.roomTimer!);
      if (!this.pending.length || this.hasRoom(this.pending[0])) {
        clearInterval(this.roomTimer!);
        this.roomTimer = null;
        this.transport.resume?.();
        return this.pump(onFrame);
      }
      if (Date.now() - since >= this.settings.stallTimeoutMs) {
        clearInterval(this.roomTimer!);
        this.pending.length = this.pendingBytes = 0;
        this.error ??= new ConnectionClosed("the peer kept the connection over its byte budget");
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
    this.onInputEnd?.(); // no CREDIT can come: open streams end (§11.8)
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
