"""The generated Python runtime's connection behaviour, over loopback, in one process:
heartbeats and the idle timeout (SPEC §7), HELLO (issue 14's design), and the byte budget
of a generated server against a peer that floods it with requests and never reads.

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

    # a schema whose message changed a field's type: breaking, by the checker
    changed = kv.SCHEMA_KvRequest.text.replace("struct Get id 1\n  field key: string", "struct Get id 1\n  field key: u64")
    assert kv.schema_breaks(kv.SCHEMA_KvRequest.text, changed) == "message 1 (Get): field 0 changed from string to u64"
    assert kv.schema_breaks(kv1.SCHEMA_KvRequest.text, kv.SCHEMA_KvRequest.text) is None

    # hostile schema texts: definitions naming the next one twice (a signature doubling at
    # each level), a chain far deeper than 64, text that is not a schema: all rejected
    # as malformed HELLOs (WireError), quickly
    doubling = "wirewright schema 1\nroot D0\n" + "".join(
        f"\nstruct D{i}\n  field a: D{i + 1}\n  field b: D{i + 1}\n" for i in range(40)) + "\nstruct D40\n  field x: u8\n"
    chain = "wirewright schema 1\nroot C0\n" + "".join(f"\nstruct C{i}\n  field a: C{i + 1}\n" for i in range(500))
    for text, protocol in ((doubling, "D0"), (chain, "C0"), ("not a schema", "D0")):
        ours = kv.HelloPayload(protocol, 1, 1, doubling.replace("u8", "u16") if protocol == "D0" else chain)
        try:
            kv.judge(ours, kv.HelloPayload(protocol, 2, 1, text))
            raise AssertionError(f"a hostile schema text judged: {text[:30]!r}")
        except kv.WireError as err:
            assert err.kind == "malformed-control", err
    print("  hostile HELLO texts (doubling definitions, a chain 500 deep, no schema): malformed-control")

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


async def main(kv_path: str, kv1_path: str) -> None:
    kv = load(kv_path, "kv_peer")
    kv1 = load(kv1_path, "kv_v1_peer")
    await heartbeats_and_idle_timeout(kv)
    await hello(kv, kv1)
    await flood(kv)


if __name__ == "__main__":
    asyncio.run(asyncio.wait_for(main(sys.argv[1], sys.argv[2]), 60))
