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
      for (const pending of this.waiting.values()) pending.reject(new ConnectionClosed(String(this.conn.error ?? "the connection ended"), this.conn.error ?? undefined));
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

/** Answers the requests arriving over `transport` (§11), one connection of a server:
 * `handler(request)` resolves with the response message or throws
 * ApplicationError(value). HELLO is answered as `settings.hello` says, with the schema of
 * (requests, responses, error) (§13.6); what the peer can make the connection hold is
 * bounded by `settings.receiveBudget` and `maxInFlight` (reading stops, GOODBYE 7 after
 * `stallTimeoutMs` over it). `serveCalls` runs it for each TCP connection; any other
 * Transport (an in-memory pair, a WebSocket a gateway hands over) works the same way. */
export function answerCalls(
  transport: Transport, requests: Protocol, responses: Protocol,
  handler: (request: any) => Promise<any>, errorCodec: Codec | null = null, settings: Partial<Settings> = {},
  metrics: Metrics = new Metrics(),
): Connection {
  const conn: Connection = new Connection(transport, (frame) => {
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
  return conn;
}

/** A request/response server over Node TCP (§11): `answerCalls` for each connection.
 * Resolves with the `net.Server` once it listens; its `metrics` counts what its
 * connections held. */
export async function serveCalls(
  host: string, port: number, requests: Protocol, responses: Protocol,
  handler: (request: any) => Promise<any>, errorCodec: Codec | null = null, settings: Partial<Settings> = {},
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
