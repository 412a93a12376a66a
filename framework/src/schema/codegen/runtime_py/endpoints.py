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
    response message or raises CallError (typed error in `.value` for code 0; the
    subclasses DeadlineExceeded, Cancelled, FlowControlError for codes 7, 8, 9), WireError
    for a reply that does not decode, DeadlineExceeded (a TimeoutError) at the deadline
    and ConnectionClosed when the connection ends first. `await client.stream(request)`
    opens a server stream (§11.8). `connect` says HELLO first (`Settings.hello`);
    `conn.peer_hello` is what the server announced.

    With `Settings.call_signals` (for a server that implements §11.7, as wirewright's
    does), a call with a timeout sends DEADLINE before its request, and a call given up
    (its deadline passed, or the awaiting task was cancelled) sends CANCEL."""

    def __init__(self, conn: Connection, requests: Protocol, responses: Protocol, error: type | None,
                 first_frame=None):
        self.conn, self.requests, self.responses, self.error = conn, requests, responses, error
        self.waiting: dict[int, asyncio.Future | Stream] = {}
        self.next_id = 1
        conn.frames.kinds = CLIENT_KINDS
        conn.on_signal = self._on_signal
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

    def _check_open(self) -> None:
        if self.conn.sent_goodbye or self.conn.got_goodbye or self.conn.closed.is_set():
            raise ConnectionClosed("the connection is closing")

    def _send_request(self, mid: int, payload: bytes, cid: int, timeout: float | None, signals: bool) -> None:
        if timeout is not None and signals:  # before the request (§11.7), in ms rounded up
            self.conn.send(signal_frame(DEADLINE, cid, min(max(0, math.ceil(timeout * 1000)), 0xFFFF_FFFF)))
        self.conn.send(Frame(0, mid, cid, payload))

    def _cancel(self, cid: int, signals: bool) -> None:
        """Gives the call `cid` up: forgets it (a late reply is discarded, §11.5) and
        tells the server (CANCEL, §11.7) when it takes signals."""
        self.waiting.pop(cid, None)
        if signals and not self.conn.closed.is_set() and not self.conn.sent_goodbye:
            self.conn.send(signal_frame(CANCEL, cid))

    async def call_raw(self, mid: int, payload: bytes, timeout: float | None = None):
        """A request of message type `mid` with these payload bytes, as they are."""
        self._check_open()
        if timeout is not None and timeout <= 0:
            raise DeadlineExceeded(f"deadline of {timeout} s passed before the call")
        cid = self._correlation()
        future = asyncio.get_running_loop().create_future()
        self.waiting[cid] = future
        signals = self.conn.settings.call_signals
        self._send_request(mid, payload, cid, timeout, signals)
        try:
            await self.conn.writer.drain()
            return await asyncio.wait_for(future, timeout)
        except DeadlineExceeded:
            raise  # the server's own code 7 (a TimeoutError too)
        except asyncio.TimeoutError:
            self._cancel(cid, signals)
            raise DeadlineExceeded(f"deadline of {timeout} s passed") from None
        except asyncio.CancelledError:
            self._cancel(cid, signals)
            raise
        finally:
            self.waiting.pop(cid, None)

    async def stream(self, request, timeout: float | None = None) -> Stream:
        """Opens a server stream (§11.8; the server must implement §11.7 and §11.8, as
        wirewright's does): sends the request (after its DEADLINE when `timeout` is given:
        it covers the whole stream) and the first CREDIT of `Settings.stream_window`
        bytes, and returns the Stream once the server sent OPEN. Raises as `call` does
        when the call fails before opening. Iterate it with `async for`; a loop left
        early, `async with` or `await stream.aclose()` sends CANCEL."""
        self._check_open()
        if timeout is not None and timeout <= 0:
            raise DeadlineExceeded(f"deadline of {timeout} s passed before the call")
        if not 0 < self.conn.settings.stream_window <= MAX_CREDIT:
            raise ValueError(f"stream_window {self.conn.settings.stream_window}: 1 to {MAX_CREDIT} bytes")
        mid, payload = self.requests.encode(request)
        cid = self._correlation()
        loop = asyncio.get_running_loop()
        stream = Stream(self, cid, None if timeout is None else loop.time() + timeout)
        self.waiting[cid] = stream
        self._send_request(mid, payload, cid, timeout, True)
        self.conn.send(signal_frame(CREDIT, cid, stream.window))
        try:
            await self.conn.writer.drain()
            await stream._wait(opening=True)
            if not stream.opened and isinstance(stream.outcome, BaseException):
                raise stream.outcome  # refused before opening (§11.8): the call's error
        except BaseException:
            await stream.aclose()
            raise
        return stream

    def _on_signal(self, frame: Frame) -> None:
        if frame.type not in (OPEN, END):
            return  # DEADLINE, CANCEL, CREDIT: a client ignores them (§11.7, §11.8)
        cid, _ = signal_payload(frame)
        stream = self.waiting.get(cid)
        if isinstance(stream, Stream):
            stream._signal(frame.type)
        # OPEN or END of a stream given up, or of no stream: discarded (§11.8)

    def _failure(self, frame: Frame) -> Exception:
        if frame.type == 0:
            if self.error is None:
                raise WireError("invalid-payload", 16, "an application error from a service that has none")
            return CallError(0, value=decode_value(self.error._codec, frame.payload, payload=True))
        return CallError.of(frame.type, decode_value(StringCodec(), frame.payload, payload=True))

    def _on_frame(self, frame: Frame) -> None:
        if not frame.flags & RESPONSE:
            raise WireError("unexpected-kind", 5, "a message frame where only replies are expected")
        waiter = self.waiting.get(frame.correlation)
        if isinstance(waiter, Stream):
            return waiter._frame(frame)
        self.waiting.pop(frame.correlation, None)
        if waiter is None or waiter.done():
            return  # a reply nobody waits for (§11.5)
        try:
            if frame.flags & ERROR:
                waiter.set_exception(self._failure(frame))
            elif frame.flags & JSON:
                raise WireError("unexpected-format", 5, "a JSON reply")
            else:
                waiter.set_result(self.responses.decode(frame.type, frame.payload))
        except WireError as err:
            waiter.set_exception(err)  # this call fails; the connection stays (§11.4)

    def _fail_all(self) -> None:
        for waiter in list(self.waiting.values()):
            closed = ConnectionClosed(str(self.conn.error or "the connection ended"), self.conn.error)
            if isinstance(waiter, Stream):
                waiter._end(closed)
            elif not waiter.done():
                waiter.set_exception(closed)
        self.waiting.clear()

    async def close(self) -> None:
        await self.conn.goodbye(0)


class Stream:
    """A server stream's items (§11.8), from `Client.stream`: `async for item in
    stream` yields the response messages in order and ends at the server's END; an error
    frame ends it by raising (CallError and its subclasses, as a call does). The client
    grants the server `window` bytes of items up front and the bytes its reader took
    once they reach half the window, so at most `window` bytes plus one item wait here;
    an item beyond the credit granted ends the stream with FlowControlError (and CANCEL).
    `aclose()` (or leaving `async with`) gives the stream up: CANCEL, and what the server
    still sends is discarded."""

    def __init__(self, client: Client, cid: int, deadline: float | None):
        self.client, self.cid, self.deadline = client, cid, deadline
        self.window = client.conn.settings.stream_window
        self.credit = self.window  # what the server may still send, as this side counts it
        self.taken = 0  # bytes read since the last CREDIT
        self.items: collections.deque = collections.deque()  # (message, payload length)
        self.opened = False
        self.outcome: BaseException | None | bool = False  # False: running; None: END; else the error
        self.wake = asyncio.Event()

    def _frame(self, frame: Frame) -> None:
        if self.outcome is not False:
            return
        try:
            if frame.flags & ERROR:
                return self._end(self.client._failure(frame))
            if frame.flags & JSON:
                raise WireError("unexpected-format", 5, "a JSON item")
            if self.credit <= 0:  # the server broke flow control: not buffered (§11.8)
                self._end(FlowControlError(f"an item of {len(frame.payload)} bytes beyond the credit granted"))
                return self.client._cancel(self.cid, True)
            self.credit -= len(frame.payload)
            message = self.client.responses.decode(frame.type, frame.payload)
        except WireError as err:
            self._end(err)
            return self.client._cancel(self.cid, True)
        if not self.opened:  # one reply instead of OPEN: the call did not become a stream
            self.opened = True
            self.items.append((message, len(frame.payload)))
            return self._end(None)
        self.items.append((message, len(frame.payload)))
        self.wake.set()

    def _signal(self, kind: int) -> None:
        if kind == OPEN:
            self.opened = True
            self.wake.set()
        elif self.outcome is False:
            self._end(None)

    def _end(self, outcome: BaseException | None) -> None:
        if self.outcome is False:
            self.outcome = outcome
        self.client.waiting.pop(self.cid, None)
        self.wake.set()

    async def _wait(self, opening: bool = False) -> None:
        """Until OPEN (`opening`) or an item, or the end; at the deadline: CANCEL and
        DeadlineExceeded."""
        loop = asyncio.get_running_loop()
        while self.outcome is False and not (self.opened if opening else self.items):
            self.wake.clear()
            left = None if self.deadline is None else self.deadline - loop.time()
            if left is not None and left <= 0:
                self._end(DeadlineExceeded("the stream's deadline passed"))
                self.client._cancel(self.cid, True)
                break
            try:
                await asyncio.wait_for(self.wake.wait(), left)
            except asyncio.TimeoutError:
                pass

    def __aiter__(self):
        return self._items()

    async def _items(self):
        """What `async for` reads: an async generator, so that a loop left early (`break`,
        an exception) closes it as soon as it is dropped, which gives the stream up."""
        try:
            while True:
                try:
                    item = await self.__anext__()
                except StopAsyncIteration:
                    return
                yield item
        finally:
            await self.aclose()

    async def __anext__(self):
        if not self.items:
            await self._wait()
        if self.items:
            message, size = self.items.popleft()
            self.taken += size
            if self.outcome is False and self.taken >= self.window // 2:
                self.client.conn.send(signal_frame(CREDIT, self.cid, min(self.taken, MAX_CREDIT)))
                self.credit += self.taken
                self.taken = 0
            return message
        outcome, self.outcome = self.outcome, None
        if isinstance(outcome, BaseException):
            raise outcome
        raise StopAsyncIteration

    async def aclose(self) -> None:
        """Gives the stream up (CANCEL) unless it has ended."""
        if self.outcome is False:
            self._end(Cancelled("the stream was given up"))
            self.client._cancel(self.cid, True)
        self.items.clear()

    async def __aenter__(self) -> Stream:
        return self

    async def __aexit__(self, *exc) -> None:
        await self.aclose()


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


CALL_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar("CALL_DEADLINE", default=None)


def call_deadline() -> float | None:
    """Inside a handler of `serve_calls`: the call's deadline (the event loop's
    `time()`) that the client's DEADLINE set (§11.7), or None."""
    return CALL_DEADLINE.get()


class _Calls:
    """A server connection's calls (§11.7, §11.8): the DEADLINEs waiting for their
    requests (at most `max_in_flight`; more are dropped), the calls running (a CANCEL
    cancels one) and the credit of each open stream."""

    def __init__(self, conn: Connection):
        self.conn = conn
        self.deadlines: dict[int, float] = {}
        self.running: dict[int, asyncio.Task] = {}
        self.cancelled: set[int] = set()
        self.credit: dict[int, int] = {}  # the calls running, streams or not yet
        self.room: dict[int, asyncio.Event] = {}
        self.too_much: set[int] = set()  # streams given more than MAX_CREDIT
        self.streams: set[int] = set()  # the calls answered with a stream, open
        self.input_done = False  # no CREDIT can come any more
        conn.frames.kinds = SERVER_KINDS
        conn.on_signal = self.signal
        conn.on_input_end = self.input_ended

    def signal(self, frame: Frame) -> None:
        cid, n = signal_payload(frame)
        if frame.type == DEADLINE:
            if len(self.deadlines) < self.conn.settings.max_in_flight:
                self.deadlines[cid] = asyncio.get_running_loop().time() + n / 1000
        elif frame.type == CANCEL:
            self.cancel(cid)
        elif frame.type == CREDIT and cid in self.credit:  # else: not open, ignored (§11.8)
            if self.credit[cid] + n > MAX_CREDIT:
                self.too_much.add(cid)
            else:
                self.credit[cid] += n
            self.room[cid].set()

    def cancel(self, cid: int) -> None:
        task = self.running.get(cid)
        if task is not None and not task.done():  # else: answered already, ignored
            self.cancelled.add(cid)
            task.cancel()

    def input_ended(self) -> None:
        """No CREDIT can come: the open streams end with code 8 (§11.8)."""
        self.input_done = True
        for cid in list(self.streams):
            self.cancel(cid)


def _answer(conn: Connection, calls: _Calls, frame: Frame, requests: Protocol, responses: Protocol,
            error: type | None, handler) -> None:
    """Runs one request (§11.1) and sends its one reply, or its stream (§11.8) when the
    handler returns an async iterator; a request that does not decode is answered with
    code 1 or 2 and the connection stays (§11.4). A request whose DEADLINE has passed is
    answered with code 7 and not run; a CANCEL stops the handler (code 8, §11.7)."""
    cid = frame.correlation

    def fail(code: int, message: str) -> None:
        conn.send(Frame(RESPONSE | ERROR, code, cid, encode_failure(message[:1024])))

    loop = asyncio.get_running_loop()
    deadline = calls.deadlines.pop(cid, None)
    if frame.flags & JSON:
        return fail(2, "JSON payloads are not enabled")
    try:
        request = requests.decode(frame.type, frame.payload)
    except WireError as err:
        return fail(1 if err.kind == "unknown-message-type" else 2, str(err))
    if deadline is not None and loop.time() >= deadline:
        return fail(7, "the request's deadline had passed when the server read it: it was not run")

    # credit counts from the request on: the first CREDIT follows it at once (§11.8)
    calls.credit[cid], calls.room[cid] = 0, asyncio.Event()

    async def stream_out(items) -> None:
        conn.send(signal_frame(OPEN, cid))
        if calls.input_done:  # the client's input ended before the stream opened
            return fail(8, "the client's input ended: no credit can come")
        calls.streams.add(cid)
        try:
            while True:
                while calls.credit[cid] <= 0 and cid not in calls.too_much:  # nothing made without credit
                    calls.room[cid].clear()
                    await calls.room[cid].wait()
                if cid in calls.too_much:
                    return fail(9, f"credit above {MAX_CREDIT} bytes")
                try:
                    item = await items.__anext__()
                except StopAsyncIteration:
                    return conn.send(signal_frame(END, cid))
                mid, payload = responses.encode(item)
                conn.send(Frame(RESPONSE, mid, cid, payload))
                calls.credit[cid] -= len(payload)
        finally:
            close = getattr(items, "aclose", None)
            if close is not None:  # the handler's stream is dropped at once (CANCEL, deadline)
                try:
                    await close()
                except Exception:  # noqa: BLE001 - its own failure changes no answer
                    pass

    async def respond() -> None:
        response = await handler(request)
        if hasattr(response, "__aiter__"):  # the deadline covers the whole stream (§11.8)
            out = stream_out(response.__aiter__())
            await (out if deadline is None else asyncio.wait_for(out, max(0.0, deadline - loop.time())))
        else:
            mid, payload = responses.encode(response)
            conn.send(Frame(RESPONSE, mid, cid, payload))

    async def run() -> None:
        token = CALL_DEADLINE.set(deadline)
        try:
            await respond()
        except asyncio.TimeoutError:
            fail(7, "the stream's deadline passed")
        except asyncio.CancelledError:
            if cid not in calls.cancelled:
                raise
            fail(8, "cancelled by the client")
        except ApplicationError as err:
            if error is None:
                return fail(3, "an application error from a service that has none")
            conn.send(Frame(RESPONSE | ERROR, 0, cid, encode_value(error._codec, err.value)))
        except Exception as err:  # the handler failed without an error of its own
            fail(3, f"{type(err).__name__}: {err}")
        finally:
            CALL_DEADLINE.reset(token)
            calls.running.pop(cid, None)
            calls.cancelled.discard(cid)
            calls.credit.pop(cid, None)
            calls.room.pop(cid, None)
            calls.too_much.discard(cid)
            calls.streams.discard(cid)

    calls.running[cid] = conn.spawn(run(), len(frame.payload) + 20)


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
    message, or an async iterator of them to answer with a stream (§11.8: OPEN, items
    as the client's credit allows, END), or raises ApplicationError(value). It
    implements §11.7: a request whose DEADLINE passed is answered with code 7 unrun, a
    stream whose deadline passes ends with code 7, a CANCEL
    cancels the handler's task (code 8); `call_deadline()` is the deadline inside it. Returns the asyncio server, whose
    `metrics` (`Metrics`) counts what its connections hold. HELLO is answered as
    `settings.hello` says, with the requests protocol's schema."""
    metrics = Metrics()

    async def on_connection(reader, writer):
        conn = Connection(reader, writer, settings, metrics)
        calls = _Calls(conn)

        def on_frame(frame: Frame) -> None:
            if frame.flags & RESPONSE:
                raise WireError("unexpected-kind", 5, "a reply where requests are expected")
            if frame.correlation != 0:
                _answer(conn, calls, frame, requests, responses, error, handler)
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
