# -------------------------------------------------------------- connection --

@dataclass
class Settings:
    """A connection's settings; the defaults are the Rust `ConnectionConfig`'s.

    Every byte a peer can make a connection hold is bounded: the frame being read
    (`max_frame_len`) plus one read of 64 KiB, the requests in flight (at most
    `max_in_flight`, whose payload bytes and the replies queued for sending together stay
    under `receive_budget` before the next request is read) and the replies of the
    requests in flight. A peer that keeps the connection over its budget for
    `stall_timeout` (it does not read its replies) is closed with GOODBYE 7. A client
    counts the same way the PONGs queued for a server that does not read and, for a
    `Peer`, the messages received and not yet taken; a header declaring more than
    `max_frame_len` fails the connection from the header alone (`frame-too-large`)."""

    idle_timeout: float | None = 60.0  # GOODBYE 2 when no complete frame arrives this long
    heartbeat_interval: float | None = 10.0  # a PING after an interval with nothing sent
    missed_heartbeats: int = 3  # GOODBYE 3 when this many PINGs are unanswered at a tick
    goodbye_timeout: float = 5.0  # the longest the closing handshake may take
    linger_timeout: float = 1.0  # after GOODBYE: the wait for the peer's end of stream
    max_frame_len: int = MAX_FRAME_LEN
    receive_budget: int = 1 << 20  # bytes: requests in flight and replies queued
    max_in_flight: int = 128  # requests being answered at once
    stall_timeout: float = 10.0  # over budget this long: GOODBYE 7
    hello: str = "optional"  # "off" | "optional" | "required" (HELLO, control kind 4)
    hello_timeout: float = 5.0  # a server's wait for the client's first frame; a client's for the answer
    send_schema: bool = True  # HELLO carries the schema text
    call_signals: bool = False  # a client sends DEADLINE and CANCEL (§11.7): only to a server that takes them
    stream_window: int = 1 << 16  # bytes of stream items a client lets the server send ahead (§11.8)


class Metrics:
    """What a server's connections hold, for tests and dashboards: `held` the payload
    bytes of the requests in flight (all connections), `peak_held` the most ever,
    `peak_connection` the most one connection ever held (its requests in flight and the
    replies queued for it), `connections` open now, `closed` by GOODBYE reason sent."""

    def __init__(self):
        self.held = self.peak_held = self.peak_connection = self.connections = 0
        self.closed: dict[int, int] = {}

    def add(self, n: int) -> None:
        self.held += n
        self.peak_held = max(self.peak_held, self.held)

    def observe(self, connection_held: int) -> None:
        self.peak_connection = max(self.peak_connection, connection_held)


class _Stalled(Exception):
    pass


class Connection:
    """A connection's frames over asyncio streams (§7): answers PING with PONG, sends
    PINGs when idle, hands every other message frame to `on_frame`, and closes as the
    GOODBYE it receives asks.

    Reason 0 (and an unknown reason) or the end of the peer's stream: the work spawned
    for the frames that preceded it finishes and sends its replies, then GOODBYE 0.
    Reason 1: GOODBYE 0 at once, then frames are read until the peer's stream ends.
    Reasons 2-10: nothing more is sent. This side closes at once with GOODBYE 4 on a
    protocol error, 2 when nothing arrives for `idle_timeout`, 3 when its PINGs go
    unanswered, 7 when the peer keeps it over its byte budget (`Settings`)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 settings: Settings | None = None, metrics: Metrics | None = None):
        self.reader, self.writer = reader, writer
        self.settings = settings or Settings()
        self.metrics = metrics or Metrics()
        self.frames = FrameBuffer(self.settings.max_frame_len)
        self.sent_goodbye = False
        self.got_goodbye = False
        self.goodbye_reason: int | None = None  # the reason the peer's GOODBYE gave
        self.silent = False
        self.closed = asyncio.Event()
        self.error: BaseException | None = None
        self.tasks: set[asyncio.Task] = set()
        self.held = 0  # payload bytes of the requests in flight
        self.room = asyncio.Event()
        loop = asyncio.get_running_loop()
        self.last_sent = self.last_received = loop.time()
        self.ping_nonce = 0  # the last PING's nonce
        self.unanswered = 0  # PINGs sent since the last PONG that answered one
        self.peer_hello: HelloPayload | None = None  # what the peer announced
        self.verdict: str | None = None  # judge()'s verdict on it
        self.first_frame = True
        self.hello_deadline: float | None = None  # a Required server's wait for HELLO
        self.on_signal = None  # (frame) -> None: DEADLINE, CANCEL, CREDIT, OPEN, END (§11.7, §11.8)
        self.on_input_end = None  # () -> None: the peer's input ended (GOODBYE 0, half-close)

    def send(self, frame: Frame) -> None:
        if not self.silent and not self.writer.is_closing():
            self.writer.write(encode_frame(frame))
            self.last_sent = asyncio.get_running_loop().time()
            self.metrics.observe(self.held + self.queued())

    def queued(self) -> int:
        """Bytes written but not yet taken by the network."""
        transport = self.writer.transport
        return transport.get_write_buffer_size() if transport is not None and not transport.is_closing() else 0

    def spawn(self, work, cost: int = 0) -> asyncio.Task:
        """Runs `work` (a coroutine answering a frame of `cost` payload bytes); a reason-0
        GOODBYE waits for it. Its bytes count against the budget until it is done."""
        task = asyncio.get_running_loop().create_task(work)
        self.tasks.add(task)
        self.held += cost
        self.metrics.add(cost)

        def done(task: asyncio.Task) -> None:
            self.tasks.discard(task)
            self.held -= cost
            self.metrics.add(-cost)
            self.room.set()

        task.add_done_callback(done)
        return task

    async def _wait_for_room(self) -> None:
        """Waits until another request fits the budget; raises _Stalled after
        `stall_timeout` over it. Flushes what is queued meanwhile."""
        s = self.settings
        loop = asyncio.get_running_loop()
        deadline = loop.time() + s.stall_timeout
        while len(self.tasks) >= s.max_in_flight or self.held + self.queued() > s.receive_budget:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise _Stalled()
            self.room.clear()
            try:
                await asyncio.wait_for(self.room.wait(), min(remaining, 0.05))
            except asyncio.TimeoutError:
                pass

    def _goodbye(self, reason: int, message: str = "") -> None:
        if not self.sent_goodbye:
            self.sent_goodbye = True
            self.send(goodbye_frame(reason, message))
            self.metrics.closed[reason] = self.metrics.closed.get(reason, 0) + 1

    async def _drain(self) -> None:
        """Flushes, within the goodbye timeout (a peer that does not read cannot hold us)."""
        try:
            await asyncio.wait_for(self.writer.drain(), self.settings.goodbye_timeout)
        except (asyncio.TimeoutError, ConnectionError, OSError):
            pass

    async def _finish(self) -> None:
        """The handshake's end for B (§7): the replies to what arrived, then GOODBYE 0."""
        if self.on_input_end is not None:
            self.on_input_end()  # no CREDIT can come: open streams end (§11.8)
        if self.tasks:
            await asyncio.wait(set(self.tasks), timeout=self.settings.goodbye_timeout)
        self._goodbye(0)
        await self._drain()

    async def _drain_input(self, timeout: float) -> None:
        """Reads (discarding) until the peer's stream ends or `timeout` passes."""
        async def read_all():
            while await self.reader.read(65536):
                pass
        try:
            await asyncio.wait_for(read_all(), timeout)
        except (asyncio.TimeoutError, ConnectionError, OSError):
            pass

    def _tick(self) -> tuple[int, str] | None:
        """Timers (§7): the idle timeout, then heartbeats. Returns the GOODBYE to close
        with, or None; sends a PING when one is due."""
        s, now = self.settings, asyncio.get_running_loop().time()
        if self.first_frame and self.hello_deadline is not None and now >= self.hello_deadline:
            return 10, "hello required"
        if s.idle_timeout is not None and now - self.last_received >= s.idle_timeout:
            return 2, f"no frame for {s.idle_timeout} s"
        if s.heartbeat_interval is not None and now - self.last_ping_tick >= s.heartbeat_interval:
            self.last_ping_tick = now
            if self.unanswered >= s.missed_heartbeats:
                return 3, f"{self.unanswered} PINGs unanswered"
            if now - self.last_sent >= s.heartbeat_interval or self.unanswered:
                self.ping_nonce += 1
                self.unanswered += 1
                self.send(ping_frame(self.ping_nonce))
        return None

    def _next_timer(self) -> float | None:
        s = self.settings
        hello = s.hello_timeout if self.hello_deadline is not None else None
        waits = [x for x in (s.idle_timeout, s.heartbeat_interval, hello) if x is not None]
        return min(waits) / 4 if waits else None

    def _control(self, frame: Frame) -> str | None:
        """A control frame; returns "stop" when the connection's input ends here."""
        if frame.type == PING:
            self.send(Frame(CONTROL, PONG, 0, frame.payload))
        elif frame.type == PONG:
            nonce = int.from_bytes(frame.payload, "little")
            if self.unanswered and nonce <= self.ping_nonce:
                self.unanswered = 0  # a PONG answers its PING and every earlier one
        elif frame.type == HELLO:
            raise WireError("malformed-control", 6, "a HELLO that is not the first frame, or one this side does not take")
        elif frame.type == GOODBYE:
            return "goodbye"
        elif self.on_signal is not None:  # kinds 5-9, when `frames.kinds` lets them in
            self.on_signal(frame)
        return None

    async def run(self, on_frame, first_frame=None) -> None:
        """Reads frames until the connection ends. `first_frame(frame)` (a coroutine), when
        given, sees the first frame before anything else (a server's HELLO)."""
        loop = asyncio.get_running_loop()
        self.last_ping_tick = loop.time()
        self.metrics.connections += 1
        try:
            while True:
                try:
                    data = await asyncio.wait_for(self.reader.read(65536), self._next_timer())
                except asyncio.TimeoutError:
                    closing = self._tick()
                    if closing:
                        return await self._close_at_once(*closing)
                    continue
                if not data:  # half-close: a GOODBYE with reason 0 (§7)
                    if not self.sent_goodbye:
                        await self._finish()
                    return
                for frame in self.frames.feed(data):
                    self.last_received = loop.time()
                    if self.first_frame:
                        self.first_frame = False
                        if first_frame is not None and await first_frame(frame):
                            continue
                    if frame.flags & CONTROL:
                        if self._control(frame) is None:
                            continue
                        reason = decode_value(GOODBYE_CODEC, frame.payload).reason
                        self.goodbye_reason = reason
                        if self.sent_goodbye:
                            return  # the answer to ours: everything has arrived (§7)
                        self.got_goodbye = True
                        if 2 <= reason <= 10:  # at once: nothing more is sent
                            self.silent = True
                            return
                        if reason == 1:  # the peer completes its exchanges; we answer now
                            self._goodbye(0)
                            continue
                        await self._finish()  # reason 0 or unknown: the peer's input ends here
                        await self._drain_input(self.settings.goodbye_timeout)
                        return
                    if self.got_goodbye and self.sent_goodbye and not frame.flags & RESPONSE:
                        continue  # after reason 1 only replies complete exchanges
                    await self._wait_for_room()
                    on_frame(frame)
                closing = self._tick()
                if closing:
                    return await self._close_at_once(*closing)
                await self._wait_for_room()
        except WireError as err:
            self.error = err
            await self._close_at_once(4, str(err))
        except _CloseAtOnce as err:
            await self._close_at_once(err.reason, err.message)
        except _Stalled:
            self.error = ConnectionClosed("the peer kept the connection over its byte budget")
            self._goodbye(7, "memory budget")
            self.silent = True
            if self.writer.transport is not None:
                self.writer.transport.abort()  # what was queued for it is dropped (§7: at once)
        except (ConnectionError, OSError) as err:
            self.error = err
        finally:
            self.metrics.connections -= 1
            self.closed.set()
            self.writer.close()

    async def _close_at_once(self, reason: int, message: str = "") -> None:
        """Closing at once (§7): GOODBYE, end our stream, read briefly."""
        if reason != 4 and self.error is None:
            self.error = ConnectionClosed(f"closed with GOODBYE {reason}: {message}")
        self._goodbye(reason, message)
        self.silent = True
        try:
            await self._drain()
            if self.writer.can_write_eof():
                self.writer.write_eof()
        except (ConnectionError, OSError):
            return
        await self._drain_input(self.settings.linger_timeout)

    async def goodbye(self, reason: int = 0, timeout: float | None = None) -> None:
        if not self.sent_goodbye:
            self._goodbye(reason)
            await self._drain()
        try:
            await asyncio.wait_for(self.closed.wait(), timeout or self.settings.goodbye_timeout)
        except asyncio.TimeoutError:
            pass
        finally:
            self.writer.close()
