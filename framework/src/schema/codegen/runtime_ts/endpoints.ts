// ------------------------------------------------- clients and servers --

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
    (setTimeout(() => resolve("not answered"), s.helloTimeoutMs) as any).unref?.(); // keeps no process alive
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

/** A call's options: `timeoutMs` its deadline (sent as DEADLINE when
 * `Settings.callSignals`; for a stream it covers the whole stream), `signal` an
 * AbortSignal that gives the call up (CANCEL). A number is `timeoutMs`. */
export interface CallOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

function callOptions(options?: number | CallOptions): CallOptions {
  return typeof options === "number" ? { timeoutMs: options } : options ?? {};
}

type Waiter = { resolve: (v: any) => void; reject: (e: Error) => void };

/** A request/response client (§11): `call` resolves with the response message or
 * rejects with CallError (typed `value` for code 0; DeadlineExceeded, Cancelled and
 * FlowControlError for codes 7, 8, 9), WireError, DeadlineExceeded at its deadline,
 * Cancelled when its AbortSignal aborts, or ConnectionClosed. `stream` opens a server
 * stream (§11.8). With `Settings.callSignals` (for a server that implements §11.7, as
 * wirewright's does), a call with a deadline sends DEADLINE before its request, and a
 * call given up (deadline, abort) sends CANCEL. */
export class Client {
  conn: Connection;
  private waiting = new Map<number, Waiter | Stream>();
  private nextId = 1;

  constructor(transport: Transport, public requests: Protocol, public responses: Protocol, public errorCodec: Codec | null = null, settings: Partial<Settings> = {}) {
    this.conn = new Connection(transport, (frame) => this.onFrame(frame), settings);
    this.conn.controlKinds = CLIENT_KINDS;
    this.conn.onSignal = (frame) => this.onSignal(frame);
    this.conn.closed.then(() => {
      for (const pending of [...this.waiting.values()]) {
        const closed = new ConnectionClosed(String(this.conn.error ?? "the connection ended"), this.conn.error ?? undefined);
        if (pending instanceof Stream) pending.end(closed);
        else pending.reject(closed);
      }
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

  call(request: any, options?: number | CallOptions): Promise<any> {
    const [id, payload] = this.requests.encode(request);
    return this.callRaw(id, payload, options);
  }

  private correlation(): number {
    let id = this.nextId;
    while (this.waiting.has(id)) id = (id % 0xffffffff) + 1;
    this.nextId = (id % 0xffffffff) + 1;
    return id;
  }

  private sendRequest(type: number, payload: Uint8Array, id: number, timeoutMs: number | undefined, signals: boolean): void {
    if (timeoutMs !== undefined && signals) this.conn.send(signalFrame(DEADLINE, id, Math.min(Math.ceil(timeoutMs), 0xffffffff)));
    this.conn.send({ flags: 0, type, correlation: id, payload });
  }

  /** Gives the call `id` up: forgets it (a late reply is discarded, §11.5) and tells the
   * server (CANCEL, §11.7) when it takes signals. */
  cancel(id: number, signals: boolean): void {
    this.waiting.delete(id);
    if (signals && !this.conn.isClosed && !this.conn.sentGoodbye) this.conn.send(signalFrame(CANCEL, id));
  }

  callRaw(type: number, payload: Uint8Array, options?: number | CallOptions): Promise<any> {
    const { timeoutMs, signal } = callOptions(options);
    if (this.conn.sentGoodbye || this.conn.gotGoodbye) return Promise.reject(new ConnectionClosed("the connection is closing"));
    if (timeoutMs !== undefined && timeoutMs <= 0) return Promise.reject(new DeadlineExceeded(`deadline of ${timeoutMs} ms passed before the call`));
    if (signal?.aborted) return Promise.reject(new Cancelled("aborted before the call"));
    const id = this.correlation();
    const signals = this.conn.settings.callSignals;
    return new Promise((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const onAbort = () => (done(), this.cancel(id, signals), reject(new Cancelled("the caller aborted the call")));
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.waiting.delete(id);
      };
      this.waiting.set(id, { resolve: (v) => (done(), resolve(v)), reject: (e) => (done(), reject(e)) });
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => (done(), this.cancel(id, signals), reject(new DeadlineExceeded(`deadline of ${timeoutMs} ms passed`))), timeoutMs);
      }
      signal?.addEventListener("abort", onAbort);
      this.sendRequest(type, payload, id, timeoutMs, signals);
    });
  }

  /** Opens a server stream (§11.8; the server must implement §11.7 and §11.8, as
   * wirewright's does): sends the request (after its DEADLINE when `timeoutMs` is given:
   * it covers the whole stream) and the first CREDIT of `Settings.streamWindow` bytes,
   * and resolves with the Stream once the server sent OPEN; rejects as `call` does when
   * the call fails before opening. Read it with `for await`; leaving the loop early (or
   * `return()`, or the AbortSignal) sends CANCEL. */
  async stream(request: any, options?: number | CallOptions): Promise<Stream> {
    const { timeoutMs, signal } = callOptions(options);
    if (this.conn.sentGoodbye || this.conn.gotGoodbye) throw new ConnectionClosed("the connection is closing");
    if (timeoutMs !== undefined && timeoutMs <= 0) throw new DeadlineExceeded(`deadline of ${timeoutMs} ms passed before the call`);
    const window = this.conn.settings.streamWindow;
    if (!(Number.isInteger(window) && window > 0 && window <= MAX_CREDIT)) throw new RangeError(`streamWindow ${window}: 1 to ${MAX_CREDIT} bytes`);
    const [type, payload] = this.requests.encode(request);
    const id = this.correlation();
    const stream = new Stream(this, id, this.conn.settings.streamWindow, timeoutMs === undefined ? null : Date.now() + timeoutMs, signal);
    this.waiting.set(id, stream);
    this.sendRequest(type, payload, id, timeoutMs, true);
    this.conn.send(signalFrame(CREDIT, id, stream.window));
    try {
      await stream.wait(true);
    } catch (err) {
      await stream.return();
      throw err;
    }
    return stream;
  }

  private onSignal(frame: Frame): void {
    if (frame.type !== OPEN && frame.type !== END) return; // DEADLINE, CANCEL, CREDIT: ignored (§11.7, §11.8)
    const [id] = signalPayload(frame);
    const stream = this.waiting.get(id);
    if (stream instanceof Stream) stream.signal(frame.type); // else: a stream given up, discarded (§11.8)
  }

  /** The error an error frame carries (§11.3). */
  failure(frame: Frame): Error {
    if (frame.type !== 0) return CallError.of(frame.type, decodeValue(new StringCodec(), frame.payload, true));
    if (!this.errorCodec) throw new WireError("invalid-payload", 16, "an application error from a service that has none");
    return new CallError(0, "", decodeValue(this.errorCodec, frame.payload, true));
  }

  private onFrame(frame: Frame): void {
    if (!(frame.flags & RESPONSE)) throw new WireError("unexpected-kind", 5, "a message frame where only replies are expected");
    const pending = this.waiting.get(frame.correlation);
    if (!pending) return; // a reply nobody waits for (§11.5)
    if (pending instanceof Stream) return pending.frame(frame);
    try {
      if (frame.flags & ERROR) {
        pending.reject(this.failure(frame));
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

/** A server stream's items (§11.8), from `Client.stream`: `for await (const item of
 * stream)` yields the response messages in order and ends at the server's END; an error
 * frame ends it by throwing (CallError and its subclasses). The client grants `window`
 * bytes up front and the bytes its reader took once they reach half the window, so at
 * most `window` bytes plus one item wait here; an item beyond the credit granted ends
 * the stream with FlowControlError (and CANCEL). Leaving the loop early (`return()`)
 * gives the stream up: CANCEL, and what the server still sends is discarded. */
export class Stream implements AsyncIterableIterator<any> {
  /** What the server may still send, as this side counts it. */
  credit: number;
  private taken = 0;
  private items: [any, number][] = [];
  private opened = false;
  /** undefined: running; null: ended by END; else the error that ended it. */
  private outcome: Error | null | undefined = undefined;
  private wake: (() => void) | null = null;

  constructor(private client: Client, public id: number, public window: number, private deadline: number | null, private abort?: AbortSignal) {
    this.credit = window;
    abort?.addEventListener("abort", this.onAbort);
  }

  private onAbort = () => void this.return();

  /** An item or the error frame that ends the stream. */
  frame(frame: Frame): void {
    if (this.outcome !== undefined) return;
    let message;
    try {
      if (frame.flags & ERROR) return this.end(this.client.failure(frame));
      if (frame.flags & JSON_FLAG) throw new WireError("unexpected-format", 5, "a JSON item");
      if (this.credit <= 0) { // the server broke flow control: not buffered (§11.8)
        this.end(new FlowControlError(`an item of ${frame.payload.length} bytes beyond the credit granted`));
        return this.client.cancel(this.id, true);
      }
      this.credit -= frame.payload.length;
      message = this.client.responses.decode(frame.type, frame.payload);
    } catch (err) {
      this.end(err as Error);
      return this.client.cancel(this.id, true);
    }
    this.items.push([message, frame.payload.length]);
    if (!this.opened) { // one reply instead of OPEN: the call did not become a stream
      this.opened = true;
      return this.end(null);
    }
    this.notify();
  }

  /** OPEN or END. */
  signal(kind: number): void {
    if (kind === OPEN) {
      this.opened = true;
      this.notify();
    } else {
      this.end(null);
    }
  }

  /** Ends the stream with `outcome` (null: END) unless it has ended. */
  end(outcome: Error | null): void {
    if (this.outcome === undefined) this.outcome = outcome;
    this.abort?.removeEventListener("abort", this.onAbort);
    this.client.cancel(this.id, false); // forgotten: what follows is discarded
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  /** Until OPEN (`opening`) or an item, or the end; at the deadline: CANCEL and
   * DeadlineExceeded. Throws the error that ended the stream before it opened. */
  async wait(opening = false): Promise<void> {
    while (this.outcome === undefined && !(opening ? this.opened : this.items.length)) {
      const left = this.deadline === null ? null : this.deadline - Date.now();
      if (left !== null && left <= 0) {
        this.end(new DeadlineExceeded("the stream's deadline passed"));
        this.client.cancel(this.id, true);
        break;
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        if (left !== null) timer = setTimeout(resolve, left);
      });
      clearTimeout(timer);
    }
    if (opening && !this.opened && this.outcome) throw this.outcome;
  }

  async next(): Promise<IteratorResult<any>> {
    if (!this.items.length) await this.wait();
    const item = this.items.shift();
    if (item) {
      this.taken += item[1];
      if (this.outcome === undefined && this.taken >= this.window / 2) {
        this.client.conn.send(signalFrame(CREDIT, this.id, Math.min(this.taken, MAX_CREDIT)));
        this.credit += this.taken;
        this.taken = 0;
      }
      return { value: item[0], done: false };
    }
    const outcome = this.outcome;
    this.outcome = null;
    if (outcome) throw outcome;
    return { value: undefined, done: true };
  }

  /** Gives the stream up (CANCEL) unless it has ended. */
  async return(): Promise<IteratorResult<any>> {
    if (this.outcome === undefined) {
      this.end(new Cancelled("the stream was given up"));
      this.client.cancel(this.id, true);
    }
    this.items.length = 0;
    this.outcome = null;
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): Stream {
    return this;
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

/** What a handler of `answerCalls` gets besides the request (§11.7): the call's
 * deadline (ms since the epoch, from the client's DEADLINE) or null, and a signal that
 * aborts when the client cancels the call (CANCEL) or a stream's deadline passes. */
export interface CallContext {
  deadline: number | null;
  signal: AbortSignal;
}

/** One call a server runs (§11.7, §11.8): its abort controller, how it was stopped
 * (code 7 or 8) and, for a stream, its credit. Who waits on it holds one promise at a
 * time (`stopped()`, `room()`), so a long stream adds nothing per item. */
class RunningCall {
  credit = 0;
  tooMuch = false;
  abort = new AbortController();
  stoppedWith: number | null = null;
  private wake: (() => void) | null = null;
  private interrupt: ((code: number) => void) | null = null;
  halt(code: number): void {
    if (this.stoppedWith !== null) return;
    this.stoppedWith = code;
    this.abort.abort();
    this.interrupt?.(code);
    this.notify();
  }
  notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
  /** Until credit comes (or the call is stopped). */
  room(): Promise<void> {
    return new Promise((resolve) => (this.wake = resolve));
  }
  /** Resolves with `{ code }` (7 or 8) when the call is stopped: for one wait. */
  stopped(): Promise<{ code: number }> {
    if (this.stoppedWith !== null) return Promise.resolve({ code: this.stoppedWith });
    return new Promise((resolve) => (this.interrupt = (code) => resolve({ code })));
  }
}

/** Answers the requests arriving over `transport` (§11), one connection of a server:
 * `handler(request, context)` resolves with the response message, or with an async
 * iterable of them to answer with a stream (§11.8: OPEN, items as the client's credit
 * allows, END), or throws ApplicationError(value). It implements §11.7: a request whose
 * DEADLINE passed is answered with code 7 unrun, a stream whose deadline passes ends with
 * code 7, a CANCEL aborts `context.signal` and answers code 8 at once (what the handler
 * makes later is dropped). HELLO is answered as `settings.hello` says, with the schema of
 * (requests, responses, error) (§13.6); what the peer can make the connection hold is
 * bounded by `settings.receiveBudget` and `maxInFlight` (reading stops, GOODBYE 7 after
 * `stallTimeoutMs` over it); streams count as calls in flight. `serveCalls` runs it for
 * each TCP connection; any other Transport (an in-memory pair, a WebSocket a gateway
 * hands over) works the same way. */
export function answerCalls(
  transport: Transport, requests: Protocol, responses: Protocol,
  handler: (request: any, context: CallContext) => Promise<any>, errorCodec: Codec | null = null, settings: Partial<Settings> = {},
  metrics: Metrics = new Metrics(),
): Connection {
  const deadlines = new Map<number, number>(); // DEADLINEs waiting for their requests
  const running = new Map<number, RunningCall>();
  const streams = new Set<number>();
  let inputDone = false;
  const conn: Connection = new Connection(transport, (frame) => {
    if (frame.flags & RESPONSE) throw new WireError("unexpected-kind", 5, "a reply where requests are expected");
    if (frame.correlation === 0) {
      // not a request, never answered; one that fails a message check is a protocol
      // error (GOODBYE 4, §11.1)
      if (frame.flags & JSON_FLAG) throw new WireError("unexpected-format", 5, "a JSON message that is not a request");
      requests.decode(frame.type, frame.payload);
      return;
    }
    const id = frame.correlation;
    const fail = (code: number, message: string) =>
      conn.send({ flags: RESPONSE | ERROR, type: code, correlation: id, payload: encodeValue(new StringCodec(), message.slice(0, 1024)) });
    const deadline = deadlines.get(id) ?? null;
    deadlines.delete(id);
    if (frame.flags & JSON_FLAG) return fail(2, "JSON payloads are not enabled");
    let request;
    try {
      request = requests.decode(frame.type, frame.payload);
    } catch (err) {
      if (!(err instanceof WireError)) throw err;
      return fail(err.kind === "unknown-message-type" ? 1 : 2, err.message);
    }
    if (deadline !== null && Date.now() >= deadline) return fail(7, "the request's deadline had passed when the server read it: it was not run");
    const call = new RunningCall(); // credit counts from the request on: the first CREDIT follows it at once
    running.set(id, call);

    const streamOut = async (iterable: AsyncIterable<any>) => {
      conn.send(signalFrame(OPEN, id));
      if (inputDone) return fail(8, "the client's input ended: no credit can come");
      streams.add(id);
      let timer: ReturnType<typeof setTimeout> | undefined;
      if (deadline !== null) timer = setTimeout(() => call.halt(7), Math.max(0, deadline - Date.now())); // covers the stream
      const items = iterable[Symbol.asyncIterator]();
      let finished = false;
      try {
        for (;;) {
          while (call.credit <= 0 && !call.tooMuch && call.stoppedWith === null) await call.room();
          if (call.stoppedWith !== null) return fail(call.stoppedWith, call.stoppedWith === 7 ? "the stream's deadline passed" : "cancelled by the client");
          if (call.tooMuch) return fail(9, `credit above ${MAX_CREDIT} bytes`);
          // settled either way, so that one that loses the race is never an unhandled rejection
          const outcome = await Promise.race([items.next().then((item) => ({ item }), (error) => ({ error })), call.stopped()]);
          if ("code" in outcome) return fail(outcome.code, outcome.code === 7 ? "the stream's deadline passed" : "cancelled by the client");
          if ("error" in outcome) throw outcome.error;
          const next = outcome.item;
          if (next.done) {
            finished = true;
            return conn.send(signalFrame(END, id));
          }
          const [type, payload] = responses.encode(next.value);
          conn.send({ flags: RESPONSE, type, correlation: id, payload });
          call.credit -= payload.length;
        }
      } catch (err) {
        finished = true; // the iterator threw: it is done
        throw err;
      } finally {
        clearTimeout(timer);
        if (!finished) void items.return?.(); // the handler's stream is dropped
      }
    };

    const run = async () => {
      try {
        const answer = handler(request, { deadline, signal: call.abort.signal });
        const first = await Promise.race([answer.then((value) => ({ value }), (error) => ({ error })), call.stopped()]);
        if ("code" in first) return fail(first.code, "cancelled by the client");
        if ("error" in first) throw first.error;
        const response = first.value;
        if (response !== null && typeof response === "object" && Symbol.asyncIterator in response) return await streamOut(response);
        const [type, payload] = responses.encode(response);
        conn.send({ flags: RESPONSE, type, correlation: id, payload });
      } catch (err) {
        if (err instanceof ApplicationError && errorCodec) {
          conn.send({ flags: RESPONSE | ERROR, type: 0, correlation: id, payload: encodeValue(errorCodec, err.value) });
        } else {
          fail(3, String(err));
        }
      } finally {
        running.delete(id);
        streams.delete(id);
      }
    };
    conn.track(run());
  }, settings);
  conn.controlKinds = SERVER_KINDS;
  conn.onSignal = (frame) => {
    const [id, n] = signalPayload(frame);
    if (frame.type === DEADLINE) {
      if (deadlines.size < conn.settings.maxInFlight) deadlines.set(id, Date.now() + n!);
    } else if (frame.type === CANCEL) {
      running.get(id)?.halt(8); // a call that does not run: ignored
    } else if (frame.type === CREDIT) {
      const call = running.get(id);
      if (!call) return; // not open: ignored (§11.8)
      if (call.credit + n! > MAX_CREDIT) call.tooMuch = true;
      else call.credit += n!;
      call.notify();
    }
  };
  conn.onInputEnd = () => {
    inputDone = true; // no CREDIT can come: the open streams end with code 8 (§11.8)
    for (const id of streams) running.get(id)?.halt(8);
  };
  conn.limitInput = true;
  conn.metrics = metrics;
  serverHello(conn, rpcSchema(requests, responses, errorCodec));
  return conn;
}

/** A request/response server over Node TCP (§11): `answerCalls` for each connection.
 * Resolves with the `net.Server` once it listens; its `metrics` counts what its
 * connections held. */
export async function serveCalls(
  host: string, port: number, requests: Protocol, responses: Protocol,
  handler: (request: any, context: CallContext) => Promise<any>, errorCodec: Codec | null = null, settings: Partial<Settings> = {},
): Promise<any> {
  const net = await import("node:net");
  const metrics = new Metrics();
  const server = net.createServer({ allowHalfOpen: true }, (socket: any) => {
    answerCalls(socketTransport(socket), requests, responses, handler, errorCodec, settings, metrics);
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return Object.assign(server, { metrics });
}

/** Serves a message protocol over `transport`, one connection of a server:
 * `handler(conn, message, frame)` for each message; a frame that does not decode is a
 * protocol error (GOODBYE 4, §3.5). HELLO is answered as `settings.hello` says, with the
 * schema of (incoming, outgoing) (the incoming protocol's alone when `outgoing` is null or
 * the same); the byte budget bounds the messages being handled. `serveMessages` runs it
 * for each TCP connection; any other Transport works the same way. */
export function answerMessages(
  transport: Transport, incoming: Protocol,
  handler: (conn: Connection, message: any, frame: Frame) => void | Promise<void>, settings: Partial<Settings> = {},
  outgoing: Protocol | null = null, metrics: Metrics = new Metrics(),
): Connection {
  const conn: Connection = new Connection(transport, (frame) => {
    if (frame.flags & (RESPONSE | ERROR)) throw new WireError("unexpected-kind", 5, "a reply on a message protocol");
    if (frame.flags & JSON_FLAG) throw new WireError("unexpected-format", 5, "a JSON message");
    const message = incoming.decode(frame.type, frame.payload);
    // run after the frames read with this one: a GOODBYE among them decides what is sent
    conn.track(Promise.resolve().then(() => handler(conn, message, frame)));
  }, settings);
  conn.limitInput = true;
  conn.metrics = metrics;
  serverHello(conn, messagesSchema(incoming, outgoing));
  return conn;
}

/** A message-protocol server over Node TCP: `answerMessages` for each connection.
 * Resolves with the `net.Server` once it listens; its `metrics` counts what its
 * connections held. */
export async function serveMessages(
  host: string, port: number, incoming: Protocol,
  handler: (conn: Connection, message: any, frame: Frame) => void | Promise<void>, settings: Partial<Settings> = {},
  outgoing: Protocol | null = null,
): Promise<any> {
  const net = await import("node:net");
  const metrics = new Metrics();
  const server = net.createServer({ allowHalfOpen: true }, (socket: any) => {
    answerMessages(socketTransport(socket), incoming, handler, settings, outgoing, metrics);
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
