"""The generated Python runtime's connection behaviour, over loopback, in one process:
heartbeats and the idle timeout (SPEC §7), HELLO (§13.6), and the byte budget
of a generated server against a peer that floods it with requests and never reads, and
the generated clients against hostile servers (a huge length, floods).

    python3 runtime_checks.py kv_peer.py kv_v1_peer.py

Both modules are generated from the kv lock files (today's, and revision 1's from
examples/peers/kv-v1/). Each check prints one line; exits 1 at the first that fails.
"""
from __future__ import annotations

import asyncio
import os
import resource
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kv_server import handler, load  # noqa: E402


async def read_frame(kv, reader, frames, pending: list):
    """The next frame the raw socket `reader` receives (None at the end of stream)."""
    while not pending:
        data = await asyncio.wait_for(reader.read(65536), 5)
        if not data:
            return None
        pending.extend(frames.feed(data))
    return pending.pop(0)


async def serve(kv, **settings):
    server = await kv.serve_calls("127.0.0.1", 0, kv.KvRequest, kv.KvResponse, handler(kv), kv.KvError,
                                  settings=kv.Settings(**settings))
    return server, server.sockets[0].getsockname()[1]


async def heartbeats_and_idle_timeout(kv) -> None:
    # A server with a short heartbeat interval PINGs a silent peer, which answers; then a
    # peer that answers nothing is closed with GOODBYE 3, and one silent past the idle
    # timeout with GOODBYE 2.
    server, port = await serve(kv, heartbeat_interval=0.2, missed_heartbeats=2, idle_timeout=5)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    frames, pending = kv.FrameBuffer(), []
    ping = await read_frame(kv, reader, frames, pending)
    assert (ping.flags, ping.type) == (kv.CONTROL, kv.PING), ping
    writer.write(kv.encode_frame(kv.Frame(kv.CONTROL, kv.PONG, 0, ping.payload)))
    # unanswered from here on: GOODBYE 3 after two PINGs
    while (frame := await read_frame(kv, reader, frames, pending)).type == kv.PING:
        pass
    goodbye = kv.decode_value(kv.GOODBYE_CODEC, frame.payload)
    assert frame.type == kv.GOODBYE and goodbye.reason == 3, (frame, goodbye)
    assert await read_frame(kv, reader, frames, pending) is None
    writer.close()
    server.close()
    print(f"  heartbeats: PING when idle, PONG taken, GOODBYE 3 after unanswered PINGs ({goodbye.message})")

    server, port = await serve(kv, heartbeat_interval=None, idle_timeout=0.3)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(kv.encode_frame(kv.Frame(0, kv.Get.ID, 1, kv.Get(key="x").encode()))[:10])  # never completed
    frames, pending = kv.FrameBuffer(), []
    frame = await read_frame(kv, reader, frames, pending)
    assert frame.type == kv.GOODBYE and kv.decode_value(kv.GOODBYE_CODEC, frame.payload).reason == 2, frame
    writer.close()
    server.close()
    print("  idle timeout: GOODBYE 2 to a peer stuck in the middle of a frame")

    # The client side answers the server's PINGs: a client with heartbeats on keeps a
    # connection that the server would otherwise close as idle.
    server, port = await serve(kv, heartbeat_interval=None, idle_timeout=0.5)
    client = await kv.Client.connect("127.0.0.1", port, kv.KvRequest, kv.KvResponse, kv.KvError,
                                     settings=kv.Settings(heartbeat_interval=0.1))
    await asyncio.sleep(1.0)
    assert await client.call(kv.Put(key="alive", value=b"")) == kv.Stored(replaced=False)
    await client.close()
    server.close()
    print("  a client's PINGs keep an idle connection open past the server's idle timeout")


async def hello(kv, kv1) -> None:
    server, port = await serve(kv)
    client = await kv.Client.connect("127.0.0.1", port, kv.KvRequest, kv.KvResponse, kv.KvError)
    assert client.conn.verdict == "compatible", client.conn.verdict
    announced = kv.rpc_schema(kv.KvRequest, kv.KvResponse, kv.KvError)
    assert announced.root == "(KvRequest, KvResponse, KvError)", announced.root
    assert client.conn.peer_hello.fingerprint == announced.fingerprint
    assert await client.call(kv.Put(key="k", value=b"v")) == kv.Stored(replaced=False)
    await client.close()
    print(f"  HELLO, same schema {announced.root}: {client.conn.verdict} (fingerprint {announced.fingerprint:016x})")

    old = await kv1.Client.connect("127.0.0.1", port, kv1.KvRequest, kv1.KvResponse, kv1.KvError)
    assert old.conn.verdict == "checked", old.conn.verdict
    assert (old.conn.peer_hello.revision, kv1.SCHEMA_KvRequest.revision) == (2, 1)
    assert await old.call(kv1.Get(key="k")) == kv1.Value(value=b"v")
    await old.close()
    print("  HELLO, revision 1 to revision 2: checked, compatible (fields appended with since)")

    terse = await kv1.Client.connect("127.0.0.1", port, kv1.KvRequest, kv1.KvResponse, kv1.KvError,
                                     settings=kv1.Settings(send_schema=False))
    assert terse.conn.verdict == "checked" and server.metrics.closed.get(9) is None
    await terse.close()

    # another protocol under the same connection: incompatible, both ends say so
    other = kv.Protocol("KvResponse", kv.KvResponse.by_id, schema=kv.SCHEMA_KvResponse)
    try:
        await kv.Client.connect("127.0.0.1", port, other, kv.KvResponse, kv.KvError)
        raise AssertionError("an incompatible schema connected")
    except kv.IncompatiblePeer as err:
        assert err.theirs.protocol == "(KvRequest, KvResponse, KvError)", err
        assert err.ours.protocol == "(KvResponse, KvResponse, KvError)", err
        print(f"  HELLO, another protocol: {err}")
    server.close()

    # a schema whose message changed a field's type: breaking, by the checker (§13.3)
    changed = kv.SCHEMA_KvRequest.text.replace("struct Get id 1\n  field key: string", "struct Get id 1\n  field key: u64")
    report = [str(d) for d in kv.compare_schemas(kv.parse_schema(kv.SCHEMA_KvRequest.text), kv.parse_schema(changed))]
    assert report == ["breaking: Get.key: string → u64: the two types are encoded differently"], report
    report = kv.compare_schemas(kv.parse_schema(kv1.SCHEMA_KvRequest.text), kv.parse_schema(kv.SCHEMA_KvRequest.text))
    # revision 2 appended two fields to List and added Watch (message 5): old readers
    # reject the new message cleanly, so the change is one-way, not breaking
    assert [d.compatibility for d in report] == [
        "compatible", "compatible", "compatible new reader/old writer"], report

    # hostile schema texts: definitions naming the next one twice (visited once per pair
    # of definitions, not once per path), a chain far deeper than the checker goes, a type
    # nested past 64, text that is not a schema: each judged at once, as the Rust end does
    doubling = "wirewright schema 1\nroot D00\n" + "".join(
        f"\nstruct D{i:02}\n  field a: D{i + 1:02}\n  field b: D{i + 1:02}\n" for i in range(40)) + "\nstruct D40\n  field x: u8\n"
    chain = "wirewright schema 1\nroot C000\n" + "".join(
        f"\nstruct C{i:03}\n  field a: C{i + 1:03}\n" for i in range(500)) + "\nstruct C500\n  field x: u8\n"
    nested = "wirewright schema 1\nroot " + "seq<" * 70 + "u16" + ">" * 70 + "\n"
    for text, protocol, ours, outcome in (
            (doubling, "D00", doubling.replace("u8", "u16"), "breaking: D40.x: u8 → u16"),
            (chain, "C000", chain, "nested too deep to compare"),
            (nested, "N", nested.replace("u16", "u32"), "types nested at most 64 deep"),
            ("not a schema", "D00", doubling, "the header")):
        try:
            kv.judge(kv.HelloPayload(protocol, 1, 1, ours), kv.HelloPayload(protocol, 2, 1, text))
            raise AssertionError(f"a hostile schema text judged compatible: {text[:30]!r}")
        except kv.IncompatiblePeer as err:
            assert outcome in err.reason, err
        except kv.WireError as err:
            assert err.kind == "malformed-control" and outcome in str(err), err
    # thousands of fields, all renamed, and thousands of messages, all moved: linear work
    wide = "wirewright schema 1\nroot W\n\nstruct W id 1\n" + "".join(f"  field a{i}: u8\n" for i in range(3000))
    wide_ours = wide.replace("field a", "field b")
    assert kv.judge(kv.HelloPayload("W", 1, 1, wide_ours), kv.HelloPayload("W", 2, 1, wide)) == "checked"
    many = "wirewright schema 1\nroot P\n\nprotocol P\n" + "".join(f"  message {i} M{i}: u{8 << i % 5}\n" for i in range(3000))
    moved = many.replace("  message ", "  message 1")
    try:
        kv.judge(kv.HelloPayload("P", 1, 1, moved), kv.HelloPayload("P", 2, 1, many))
        raise AssertionError("messages moved to other ids judged compatible")
    except kv.IncompatiblePeer as err:
        assert "message id 0 → 11000" in err.reason, err
    print("  hostile HELLO texts (doubling definitions, a chain 500 deep, a type 70 deep, no schema, 3,000 fields "
          "renamed, 3,000 messages moved): judged in linear work: incompatible, malformed-control or checked")

    # Required: a client that does not say HELLO gets GOODBYE 10
    server, port = await serve(kv, hello="required", hello_timeout=0.3)
    quiet = await kv.Client.connect("127.0.0.1", port, kv.KvRequest, kv.KvResponse, kv.KvError,
                                    settings=kv.Settings(hello="off"))
    try:
        await quiet.call(kv.Get(key="k"))
        raise AssertionError("a server set to Required answered a client without HELLO")
    except kv.ConnectionClosed:
        assert quiet.conn.goodbye_reason == 10, quiet.conn.goodbye_reason
    reader, writer = await asyncio.open_connection("127.0.0.1", port)  # says nothing at all
    frame = await read_frame(kv, reader, kv.FrameBuffer(), [])
    assert kv.decode_value(kv.GOODBYE_CODEC, frame.payload).reason == 10
    writer.close()
    server.close()
    print("  HELLO required: GOODBYE 10 to a client without HELLO and to a silent one")

    # Off: HELLO is a malformed control frame (as an older server reads it), and an
    # Optional client reconnects once without HELLO
    server, port = await serve(kv, hello="off")
    client = await kv.Client.connect("127.0.0.1", port, kv.KvRequest, kv.KvResponse, kv.KvError)
    assert client.conn.peer_hello is None and server.metrics.closed.get(4) == 1, server.metrics.closed
    assert await client.call(kv.Put(key="again", value=b""), timeout=5) == kv.Stored(replaced=False)
    await client.close()
    server.close()
    print("  HELLO to a server without it: GOODBYE 4, then once more without HELLO")


async def flood(kv) -> None:
    """A peer pipelines Gets of a 60 KiB value and never reads: the server holds at most
    its budget, closes the peer (GOODBYE 7, its queued replies dropped), and answers a
    well-behaved client all along."""
    budget = 256 * 1024
    server, port = await serve(kv, receive_budget=budget, max_in_flight=16, stall_timeout=1.0)
    client = await kv.Client.connect("127.0.0.1", port, kv.KvRequest, kv.KvResponse, kv.KvError)
    value = bytes(60 * 1024)
    assert await client.call(kv.Put(key="big", value=value)) == kv.Stored(replaced=False)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1024)
    writer.transport.pause_reading()  # never reads
    get = kv.Get(key="big").encode()
    requests = b"".join(kv.encode_frame(kv.Frame(0, kv.Get.ID, i + 1, get)) for i in range(20_000))
    writer.write(requests)  # 20,000 requests asking for 1.2 GB of replies
    served = 0
    for _ in range(40):  # the well-behaved client, during the attack
        assert await client.call(kv.Get(key="big"), timeout=5) == kv.Value(value=value)
        served += 1
        await asyncio.sleep(0.05)
    closed_for_budget = server.metrics.closed.get(7, 0)
    held_peak = server.metrics.peak_connection
    rss_growth_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
    writer.transport.abort()
    await client.close()
    server.close()
    # requests in flight and replies queued stay under the budget, plus the replies of
    # the requests in flight (16 x 60 KiB) and one read (64 KiB)
    bound = budget + 16 * 61 * 1024 + 64 * 1024
    assert held_peak <= bound, (held_peak, bound)
    assert closed_for_budget == 1, server.metrics.closed
    assert rss_growth_kib < 64 * 1024, rss_growth_kib
    print(f"  flood: {len(requests)} bytes of Gets asking for {20_000 * 60 // 1024} MiB, never read: "
          f"peak held {held_peak} bytes (budget {budget}), closed with GOODBYE 7, "
          f"{served} calls of another client answered meanwhile, RSS grew {rss_growth_kib} KiB")


async def fake_server(script):
    """A hostile server on loopback: `await script(reader, writer)` for each connection."""
    server = await asyncio.start_server(script, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


async def hostile_servers(kv) -> None:
    """A server that lies about a frame's length, one that floods messages a peer does not
    take, and one that floods PINGs and never reads: the generated client holds at most
    its configured bytes (`max_frame_len`, `receive_budget`) and ends with a typed error
    and a GOODBYE, never buffering without end."""
    # 1. A header declaring 1 GiB, then bytes without end: refused from the header alone.
    seen: list[int] = []

    async def huge(reader, writer):
        writer.write(kv.HEADER.pack(kv.MAGIC, kv.VERSION, kv.RESPONSE, kv.Value.ID, 1, 1 << 30))
        frames, pending = kv.FrameBuffer(), []
        try:
            for _ in range(64):
                writer.write(bytes(64 * 1024))
                await writer.drain()
                await asyncio.sleep(0)
            while (frame := await read_frame(kv, reader, frames, pending)) is not None:
                if frame.flags & kv.CONTROL and frame.type == kv.GOODBYE:
                    seen.append(kv.decode_value(kv.GOODBYE_CODEC, frame.payload).reason)
        except (ConnectionError, asyncio.TimeoutError):
            pass
        writer.close()

    server, port = await fake_server(huge)
    settings = kv.Settings(hello="off", max_frame_len=4096)
    client = await kv.Client.connect("127.0.0.1", port, kv.KvRequest, kv.KvResponse, kv.KvError, settings=settings)
    try:
        await client.call(kv.Get(key="k"), timeout=5)
        raise AssertionError("a reply of 1 GiB was waited for")
    except kv.ConnectionClosed as err:
        cause = err.cause
        assert isinstance(cause, kv.WireError) and (cause.kind, cause.offset) == ("frame-too-large", 12), repr(cause)
    held = len(client.conn.frames.buf)
    await asyncio.sleep(0.2)
    server.close()
    assert held <= 20 + 4096 + 64 * 1024, held
    assert seen == [4], seen
    print(f"  a server declaring a 1 GiB reply: {cause} (the client held {held} bytes), GOODBYE 4")

    # A HELLO declaring 1 MiB (the bound is 64 KiB, §13.6): refused from its 16 header bytes.
    hello_header = kv.HEADER.pack(kv.MAGIC, kv.VERSION, kv.CONTROL, kv.HELLO, 0, 1 << 20)
    try:
        kv.FrameBuffer().feed(hello_header)
        raise AssertionError("a 1 MiB HELLO header accepted")
    except kv.WireError as err:
        assert (err.kind, err.offset) == ("malformed-control", 12), err
        print(f"  a HELLO header declaring 1 MiB: {err}")

    # 2. Messages flooding a peer that does not take them: reading stops at the budget.
    budget, sent = 128 * 1024, [0]
    seen.clear()

    async def flood(reader, writer):
        value = kv.Value(value=bytes(16 * 1024)).encode()
        frame = kv.encode_frame(kv.Frame(0, kv.Value.ID, 0, value))
        frames, pending = kv.FrameBuffer(), []

        async def watch():
            try:
                while (frame := await read_frame(kv, reader, frames, pending)) is not None:
                    if frame.flags & kv.CONTROL and frame.type == kv.GOODBYE:
                        seen.append(kv.decode_value(kv.GOODBYE_CODEC, frame.payload).reason)
            except (ConnectionError, asyncio.TimeoutError):
                pass

        watcher = asyncio.ensure_future(watch())
        try:
            while not seen and sent[0] < 64 << 20:
                writer.write(frame * 16)
                sent[0] += len(frame) * 16
                await writer.drain()
        except ConnectionError:
            pass
        await asyncio.wait({watcher}, timeout=5)
        writer.close()

    server, port = await fake_server(flood)
    settings = kv.Settings(hello="off", receive_budget=budget, stall_timeout=0.5)
    peer = await kv.Peer.connect("127.0.0.1", port, kv.KvResponse, kv.KvRequest, settings=settings)
    await asyncio.wait_for(peer.conn.closed.wait(), 10)
    taken = 0
    while await peer.receive() is not None:
        taken += 1
    peak = peer.conn.metrics.peak_connection
    for _ in range(100):  # the server's reader sees the GOODBYE
        if seen:
            break
        await asyncio.sleep(0.05)
    server.close()
    assert isinstance(peer.conn.error, kv.ConnectionClosed), repr(peer.conn.error)
    assert seen == [7], seen
    assert peak <= budget + 64 * 1024 + 2 * (16 * 1024 + 40), (peak, budget)
    print(f"  a server flooding a peer that takes nothing: {sent[0] >> 20} MiB sent, the peer held at most "
          f"{peak} bytes (budget {budget}), GOODBYE 7; {taken} messages taken afterwards")

    # 3. PINGs without end, never reading the PONGs: the PONGs queued stay bounded.
    budget = 64 * 1024

    async def pings(reader, writer):
        writer.transport.pause_reading()
        ping = kv.encode_frame(kv.ping_frame(1)) * 2048
        try:
            for _ in range(4096):  # at most 224 MiB of PINGs
                writer.write(ping)
                await writer.drain()
        except ConnectionError:
            pass
        writer.close()

    server, port = await fake_server(pings)
    settings = kv.Settings(hello="off", receive_budget=budget, stall_timeout=0.5)
    client = await kv.Client.connect("127.0.0.1", port, kv.KvRequest, kv.KvResponse, kv.KvError, settings=settings)
    await asyncio.wait_for(client.conn.closed.wait(), 20)
    peak = client.conn.metrics.peak_connection
    server.close()
    assert isinstance(client.conn.error, kv.ConnectionClosed), repr(client.conn.error)
    assert peak <= budget + 2 * 64 * 1024, (peak, budget)
    print(f"  a server flooding PINGs and reading nothing: PONGs queued peaked at {peak} bytes (budget {budget}), "
          f"closed: {client.conn.error}")


async def signals_and_streams(kv) -> None:
    """§11.7 and §11.8 between the generated client and server: a call whose awaiting
    task is cancelled sends CANCEL and the server cancels its handler (code 8); a call
    whose deadline passes first does the same; a server that sends a stream's items
    beyond the credit granted ends the stream with FlowControlError and gets CANCEL."""
    started, stopped = asyncio.Event(), asyncio.Event()

    deadlines = {}

    async def slow(request):
        deadlines[request.key] = kv.call_deadline()  # from the client's DEADLINE, or None
        started.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            stopped.set()
            raise

    server = await kv.serve_calls("127.0.0.1", 0, kv.KvRequest, kv.KvResponse, slow, kv.KvError)
    port = server.sockets[0].getsockname()[1]
    client = await kv.Client.connect("127.0.0.1", port, kv.KvRequest, kv.KvResponse, kv.KvError,
                                     kv.Settings(call_signals=True))
    call = asyncio.ensure_future(client.call(kv.Get(key="a")))
    await asyncio.wait_for(started.wait(), 5)
    call.cancel()
    await asyncio.wait_for(stopped.wait(), 5)  # the CANCEL reached the server's handler
    started.clear(), stopped.clear()
    try:
        await client.call(kv.Get(key="b"), timeout=0.2)
        raise AssertionError("a call past its deadline returned")
    except kv.DeadlineExceeded as err:
        assert err.code == 7 and isinstance(err, TimeoutError), err
    await asyncio.wait_for(stopped.wait(), 5)
    assert not client.waiting, client.waiting
    now = asyncio.get_running_loop().time()
    assert deadlines["a"] is None and now - 1 < deadlines["b"] <= now, (deadlines, now)
    await client.close()
    server.close()
    print("  CANCEL: a cancelled task's call and a call past its deadline stop the server's handler")

    closed = asyncio.Event()

    async def counting(request):
        if isinstance(request, kv.Get):
            raise kv.ApplicationError(kv.KvError.NotFound(key=request.key))

        async def numbers():
            try:
                for i in range(1 << 30):
                    yield kv.Change(key=str(i), value=None)
            finally:
                closed.set()  # the server dropped the handler's stream
        return numbers()

    server = await kv.serve_calls("127.0.0.1", 0, kv.KvRequest, kv.KvResponse, counting, kv.KvError)
    port = server.sockets[0].getsockname()[1]
    client = await kv.Client.connect("127.0.0.1", port, kv.KvRequest, kv.KvResponse, kv.KvError,
                                     kv.Settings(stream_window=256))
    try:  # refused before opening: the call's typed error, raised by `stream`
        await client.stream(kv.Get(key="refused"))
        raise AssertionError("a refused stream opened")
    except kv.CallError as err:
        assert err.code == 0 and err.value == kv.KvError.NotFound(key="refused"), err
    got = []
    async for change in await client.stream(kv.Watch(prefix="")):  # no `async with`
        got.append(int(change.key))
        if len(got) == 100:
            break
    assert got == list(range(100)), got
    await asyncio.wait_for(closed.wait(), 5)  # the loop left early sent CANCEL
    for _ in range(100):  # the call's task ends after the generator closed
        if server.metrics.held == 0:
            break
        await asyncio.sleep(0.01)
    assert not client.waiting and server.metrics.held == 0, (client.waiting, server.metrics.held)
    await client.close()
    server.close()
    print("  a stream loop left with `break`: CANCEL, the server's generator closed")

    cancels: list[int] = []

    async def liar(reader, writer):  # OPEN, then 3 items of 5 bytes for a credit of 4
        frames, pending = kv.FrameBuffer(kinds=kv.SERVER_KINDS), []
        request = await read_frame(kv, reader, frames, pending)
        credit = await read_frame(kv, reader, frames, pending)
        assert credit.type == kv.CREDIT and kv.signal_payload(credit) == (request.correlation, 4), credit
        writer.write(kv.encode_frame(kv.signal_frame(kv.OPEN, request.correlation)))
        for i in range(3):
            change = kv.Change(key="k", value=bytes([i]))
            writer.write(kv.encode_frame(kv.Frame(kv.RESPONSE, kv.Change.ID, request.correlation, change.encode())))
        while (frame := await read_frame(kv, reader, frames, pending)) is not None:
            if frame.flags & kv.CONTROL and frame.type == kv.CANCEL:
                cancels.append(kv.signal_payload(frame)[0])
            if frame.flags & kv.CONTROL and frame.type == kv.GOODBYE:
                break
        writer.close()

    fake, port = await fake_server(liar)
    client = await kv.Client.connect("127.0.0.1", port, kv.KvRequest, kv.KvResponse, kv.KvError,
                                     kv.Settings(hello="off", stream_window=4))
    changes = await client.stream(kv.Watch(prefix=""))
    got = []
    try:
        async for change in changes:
            got.append(change)
        raise AssertionError("a stream beyond its credit ended normally")
    except kv.FlowControlError as err:
        assert err.code == 9, err
        failure = err
    assert len(got) == 1, got  # 5 bytes for a credit of 4: taken (below 0), the next one is not
    await client.close()
    assert cancels == [changes.cid], cancels
    fake.close()
    print(f"  a server sending beyond the stream's credit: {len(got)} item, then {failure}, and CANCEL")


async def main(kv_path: str, kv1_path: str) -> None:
    kv = load(kv_path, "kv_peer")
    kv1 = load(kv1_path, "kv_v1_peer")
    await heartbeats_and_idle_timeout(kv)
    await hello(kv, kv1)
    await flood(kv)
    await hostile_servers(kv)
    await signals_and_streams(kv)


if __name__ == "__main__":
    asyncio.run(asyncio.wait_for(main(sys.argv[1], sys.argv[2]), 60))
