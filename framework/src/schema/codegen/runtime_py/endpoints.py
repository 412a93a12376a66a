# ------------------------------------------------- clients and servers --

def rpc_schema(requests: Protocol, responses: Protocol, error: type | None) -> SchemaInfo | None:
    """What a request/response connection announces (§13.6): the schema of the tuple
    `(Request, Response, Error)`, when the module has all three."""
    parts = [requests.schema, responses.schema, _SCHEMAS.get(error._codec.name) if error is not None else None]
    return SchemaInfo.combine(parts) if all(parts) else None


def messages_schema(first: Protocol, second: Protocol | None) -> SchemaInfo | None:
    """What a message connection announces (§13.6): the protocol's schema when both
    directions carry it, else the tuple (what the client sends, what the server sends)."""
    if second is None or second is first or second.name == first.name:
        return first.schema
    return SchemaInfo.combine([first.schema, second.schema]) if first.schema and second.schema else None


_SCHEMAS: dict[str, SchemaInfo] = {}  # every schema of the module, by root (filled at its end)


class _Hello:
    """The client's side of HELLO (the brief of issue 14): sends ours first, then reads
    the server's first frame through `Connection.run(first_frame=...)`."""

    def __init__(self, conn: Connection, schema: SchemaInfo):
        self.conn, self.ours = conn, schema.hello(True)  # judged with our text, sent with it or not
        self.answer: asyncio.Future = asyncio.get_running_loop().create_future()
        conn.send(Frame(CONTROL, HELLO, 0, schema.hello(conn.settings.send_schema).encode()))

    async def first_frame(self, frame: Frame) -> bool:
        if frame.flags & CONTROL and frame.type == HELLO:
            if 20 + len(frame.payload) > MAX_HELLO_LEN:
                raise WireError("malformed-control", 12, f"a HELLO longer than {MAX_HELLO_LEN} bytes")
            if not self.answer.done():
                self.answer.set_result(decode_value(HELLO_CODEC, frame.payload))
            return True
        if frame.flags & CONTROL and frame.type == GOODBYE:
            return False  # closed before answering: `outcome` sees the connection end
        if not self.answer.done():
            self.answer.set_result(None)
        return False

    async def outcome(self) -> str:
        """"answered", "not answered" (another first frame, or nothing within the hello
        timeout) or "closed" (GOODBYE or end of stream before an answer)."""
        closed = asyncio.ensure_future(self.conn.closed.wait())
        try:
            done, _ = await asyncio.wait({self.answer, closed}, timeout=self.conn.settings.hello_timeout,
                                         return_when=asyncio.FIRST_COMPLETED)
        finally:
            closed.cancel()
        if self.answer.done() and self.answer.result() is not None:
            self.conn.peer_hello = self.answer.result()
            return "answered"
        return "closed" if self.conn.closed.is_set() and not self.answer.done() else "not answered"


async def _open(host: str, port: int, schema: SchemaInfo | None, settings: Settings | None, make):
    """Connects, says HELLO when `settings.hello` asks for it and `ours` has a schema, and
    judges the answer. `make(conn, first_frame)` builds the Client or Peer that runs the
    connection. Optional: a server that answers with something else is used without
    HELLO, one that closes before answering is reached again once without it."""
    settings = settings or Settings()
    for attempt in ("hello", "without"):
        reader, writer = await asyncio.open_connection(host, port)
        conn = Connection(reader, writer, settings)
        if settings.hello == "off" or schema is None or attempt == "without":
            return make(conn, None)
        hello = _Hello(conn, schema)
        peer = make(conn, hello.first_frame)
        outcome = await hello.outcome()
        if outcome == "answered":
            try:
                conn.verdict = judge(hello.ours, conn.peer_hello)
            except IncompatiblePeer:
                await conn.goodbye(9)
                raise
            return peer
        if settings.hello == "required":
            await conn.goodbye(0)
            raise HelloRequired(f"the server {host}:{port} did not answer HELLO ({outcome})")
        if outcome == "not answered":
            return peer
        if conn.goodbye_reason == 9:
            raise IncompatiblePeer(hello.ours, HelloPayload(), "the server judged the schemas incompatible (GOODBYE 9)")
        # closed before answering: an older server; once more without HELLO
    raise AssertionError("unreachable")


class Client:
    """A request/response client (§11): `await client.call(request)` returns the
    response message or raises CallError (typed error in `.value` for code 0),
    WireError for a reply that does not decode, TimeoutError at the deadline
    and ConnectionClosed when the connection ends first. `connect` says HELLO first
    (`Settings.hello`); `conn.peer_hello` is what the server announced."""

    def __init__(self, conn: Connection, requests: Protocol, responses: Protocol, error: type | None,
                 first_frame=None):
        self.conn, self.requests, self.responses, self.error = conn, requests, responses, error
        self.waiting: dict[int, asyncio.Future] = {}
        self.next_id = 1
        self.task = asyncio.get_running_loop().create_task(conn.run(self._on_frame, first_frame))
        self.task.add_done_callback(lambda _: self._fail_all())

    @classmethod
    async def connect(cls, host: str, port: int, requests: Protocol, responses: Protocol, error: type | None = None,
                      settings: Settings | None = None) -> Client:
        return await _open(host, port, rpc_schema(requests, responses, error), settings,
                           lambda conn, first: cls(conn, requests, responses, error, first))

    def _correlation(self) -> int:
        while True:
            cid = self.next_id
            self.next_id = cid % 0xFFFF_FFFF + 1
            if cid not in self.waiting:
                return cid

    async def call(self, request, timeout: float | None = None):
        mid, payload = self.requests.encode(request)
        return await self.call_raw(mid, payload, timeout)

    async def call_raw(self, mid: int, payload: bytes, timeout: float | None = None):
        """A request of message type `mid` with these payload bytes, as they are."""
        if self.conn.sent_goodbye or self.conn.got_goodbye or self.conn.closed.is_set():
            raise ConnectionClosed("the connection is closing")
        cid = self._correlation()
        future = asyncio.get_running_loop().create_future()
        self.waiting[cid] = future
        self.conn.send(Frame(0, mid, cid, payload))
        try:
            await self.conn.writer.drain()
            return await asyncio.wait_for(future, timeout)
        finally:
            self.waiting.pop(cid, None)

    def _on_frame(self, frame: Frame) -> None:
        if not frame.flags & RESPONSE:
            raise WireError("unexpected-kind", 5, "a message frame where only replies are expected")
        future = self.waiting.pop(frame.correlation, None)
        if future is None or future.done():
            return  # a reply nobody waits for (§11.5)
        try:
            if frame.flags & ERROR:
                if frame.type == 0:
                    if self.error is None:
                        raise WireError("invalid-payload", 16, "an application error from a service that has none")
                    value = decode_value(self.error._codec, frame.payload, payload=True)
                    future.set_exception(CallError(0, value=value))
                else:
                    future.set_exception(CallError(frame.type, decode_value(StringCodec(), frame.payload, payload=True)))
            elif frame.flags & JSON:
                raise WireError("unexpected-format", 5, "a JSON reply")
            else:
                future.set_result(self.responses.decode(frame.type, frame.payload))
        except WireError as err:
            future.set_exception(err)  # this call fails; the connection stays (§11.4)

    def _fail_all(self) -> None:
        for future in self.waiting.values():
            if not future.done():
                future.set_exception(ConnectionClosed(str(self.conn.error or "the connection ended"), self.conn.error))
        self.waiting.clear()

    async def close(self) -> None:
        await self.conn.goodbye(0)


class Peer:
    """A peer of a message protocol (§4.12): `send(message)` and
    `await receive()` (None when the connection has ended). `connect` says HELLO first
    (`Settings.hello`) with the outgoing protocol's schema.

    Messages received and not yet taken count against `Settings.receive_budget` (their
    frames' bytes): over it, reading stops, and a connection kept over it for
    `stall_timeout` closes with GOODBYE 7, so a peer that floods cannot make this side
    buffer without end. `conn.error` then says why it closed."""

    def __init__(self, conn: Connection, incoming: Protocol, outgoing: Protocol, first_frame=None):
        self.conn, self.incoming, self.outgoing = conn, incoming, outgoing
        self.queue: asyncio.Queue = asyncio.Queue()
        self.task = asyncio.get_running_loop().create_task(conn.run(self._on_frame, first_frame))
        self.task.add_done_callback(lambda _: self.queue.put_nowait(None))

    @classmethod
    async def connect(cls, host: str, port: int, incoming: Protocol, outgoing: Protocol,
                      settings: Settings | None = None) -> Peer:
        return await _open(host, port, messages_schema(outgoing, incoming), settings,
                           lambda conn, first: cls(conn, incoming, outgoing, first))

    async def send(self, message) -> None:
        if self.conn.sent_goodbye or self.conn.closed.is_set():
            raise ConnectionClosed("the connection is closing")
        mid, payload = self.outgoing.encode(message)
        self.conn.send(Frame(0, mid, 0, payload))
        await self.conn.writer.drain()

    def _on_frame(self, frame: Frame) -> None:
        if frame.flags & (RESPONSE | ERROR):
            raise WireError("unexpected-kind", 5, "a reply on a message protocol")
        if frame.flags & JSON:
            raise WireError("unexpected-format", 5, "a JSON message")
        message = self.incoming.decode(frame.type, frame.payload)
        cost = len(frame.payload) + 20
        self.conn.held += cost  # until `receive` takes it (the budget of `Connection.run`)
        self.conn.metrics.observe(self.conn.held)
        self.queue.put_nowait((message, cost))

    async def receive(self):
        item = await self.queue.get()
        if item is None:
            return None
        message, cost = item
        self.conn.held -= cost
        self.conn.room.set()
        return message

    async def close(self) -> None:
        await self.conn.goodbye(0)


class ApplicationError(Exception):
    """Raised by a handler of `serve_calls`: answered with error code 0 and `value`
    encoded as the service's error type (§11.3)."""

    def __init__(self, value):
        self.value = value
        super().__init__(repr(value))


def _answer(conn: Connection, frame: Frame, requests: Protocol, responses: Protocol, error: type | None, handler) -> None:
    """Runs one request (§11.1) and sends its one reply; a request that does not decode
    is answered with code 1 or 2 and the connection stays (§11.4)."""

    def fail(code: int, message: str) -> None:
        conn.send(Frame(RESPONSE | ERROR, code, frame.correlation, encode_failure(message[:1024])))

    if frame.flags & JSON:
        return fail(2, "JSON payloads are not enabled")
    try:
        request = requests.decode(frame.type, frame.payload)
    except WireError as err:
        return fail(1 if err.kind == "unknown-message-type" else 2, str(err))

    async def run() -> None:
        try:
            response = await handler(request)
        except ApplicationError as err:
            if error is None:
                return fail(3, "an application error from a service that has none")
            conn.send(Frame(RESPONSE | ERROR, 0, frame.correlation, encode_value(error._codec, err.value)))
        except Exception as err:  # the handler failed without an error of its own
            fail(3, f"{type(err).__name__}: {err}")
        else:
            mid, payload = responses.encode(response)
            conn.send(Frame(RESPONSE, mid, frame.correlation, payload))

    conn.spawn(run(), len(frame.payload) + 20)


class _CloseAtOnce(Exception):
    """Ends a connection with GOODBYE `reason` (closing at once, §7)."""

    def __init__(self, reason: int, message: str):
        self.reason, self.message = reason, message
        super().__init__(message)


def _server_hello(conn: Connection, schema: SchemaInfo | None):
    """The server's side of HELLO: the `first_frame` hook of `Connection.run`, or None
    when HELLO is off (then a HELLO is a malformed control frame, as an older peer reads
    it). Answers a HELLO with its own, then closes with GOODBYE 9 when the schemas are
    incompatible; Required closes with GOODBYE 10 a connection whose first frame is not
    HELLO, or that sends nothing within the hello timeout."""
    s = conn.settings
    if s.hello == "off" or schema is None:
        return None
    if s.hello == "required":
        conn.hello_deadline = asyncio.get_running_loop().time() + s.hello_timeout

    async def first_frame(frame: Frame) -> bool:
        conn.hello_deadline = None
        if frame.flags & CONTROL and frame.type == HELLO:
            if 20 + len(frame.payload) > MAX_HELLO_LEN:
                raise WireError("malformed-control", 12, f"a HELLO longer than {MAX_HELLO_LEN} bytes")
            theirs = decode_value(HELLO_CODEC, frame.payload)
            conn.peer_hello = theirs
            conn.send(Frame(CONTROL, HELLO, 0, schema.hello(s.send_schema).encode()))
            try:
                conn.verdict = judge(schema.hello(True), theirs)
            except IncompatiblePeer as err:
                raise _CloseAtOnce(9, str(err)) from None
            return True
        if s.hello == "required":
            raise _CloseAtOnce(10, "hello required")
        return False

    return first_frame


async def serve_calls(host: str, port: int, requests: Protocol, responses: Protocol, handler, error: type | None = None,
                      settings: Settings | None = None):
    """A request/response server (§11): `await handler(request)` returns the response
    message or raises ApplicationError(value). Returns the asyncio server, whose
    `metrics` (`Metrics`) counts what its connections hold. HELLO is answered as
    `settings.hello` says, with the requests protocol's schema."""
    metrics = Metrics()

    async def on_connection(reader, writer):
        conn = Connection(reader, writer, settings, metrics)

        def on_frame(frame: Frame) -> None:
            if frame.flags & RESPONSE:
                raise WireError("unexpected-kind", 5, "a reply where requests are expected")
            if frame.correlation != 0:
                _answer(conn, frame, requests, responses, error, handler)
                return
            # correlation id 0: not a request, never answered; one that fails a message
            # check is a protocol error (GOODBYE 4, §11.1)
            if frame.flags & JSON:
                raise WireError("unexpected-format", 5, "a JSON message that is not a request")
            requests.decode(frame.type, frame.payload)

        await conn.run(on_frame, _server_hello(conn, rpc_schema(requests, responses, error)))

    server = await asyncio.start_server(on_connection, host, port)
    server.metrics = metrics
    return server


async def serve_messages(host: str, port: int, incoming: Protocol, handler, settings: Settings | None = None,
                         outgoing: Protocol | None = None):
    """A message-protocol server: `await handler(conn, message, frame)` for each
    message; a frame that does not decode is a protocol error (GOODBYE 4, §3.5). HELLO
    is answered as `settings.hello` says, with the schema of (incoming, outgoing) (the
    incoming protocol's alone when `outgoing` is None or the same)."""
    metrics = Metrics()

    async def on_connection(reader, writer):
        conn = Connection(reader, writer, settings, metrics)

        def on_frame(frame: Frame) -> None:
            if frame.flags & (RESPONSE | ERROR):
                raise WireError("unexpected-kind", 5, "a reply on a message protocol")
            if frame.flags & JSON:
                raise WireError("unexpected-format", 5, "a JSON message")
            message = incoming.decode(frame.type, frame.payload)
            conn.spawn(handler(conn, message, frame), len(frame.payload) + 20)

        await conn.run(on_frame, _server_hello(conn, messages_schema(incoming, outgoing)))

    server = await asyncio.start_server(on_connection, host, port)
    server.metrics = metrics
    return server


# Shared codecs of the builtin types.
BOOL, CHAR, STRING, BYTES, UNIT = BoolCodec(), CharCodec(), StringCodec(), BytesCodec(), UnitCodec()
U8, I8 = IntCodec(8, False), IntCodec(8, True)
U16, U32, U64, U128 = IntCodec(16, False), IntCodec(32, False), IntCodec(64, False), IntCodec(128, False)
I16, I32, I64, I128 = IntCodec(16, True), IntCodec(32, True), IntCodec(64, True), IntCodec(128, True)
F32, F64 = FloatCodec("<f"), FloatCodec("<d")
