"""A revision-1 Python kv client (generated from examples/peers/kv-v1/, the lock files
before `List.after`, `List.limit` and `Keys.next` were appended) against today's
revision-2 Rust kv server (`kv server ADDR`): SPEC §12 over loopback.

    python3 kv_evolution.py kv_v1_peer.py 127.0.0.1:7100

- The v1 client's `List` has no `after` and `limit`: the server reads their defaults
  (`None`, `0`: the first page of at most 1,000 keys).
- The server's `Keys` carries `next`, which the v1 client does not know: an unknown tail,
  skipped (§12.2); read as a whole value the same bytes are `trailing-bytes`.
Exits 1 at the first check that fails.
"""
from __future__ import annotations

import asyncio
import importlib.util
import sys


def load(path: str):
    spec = importlib.util.spec_from_file_location("kv_v1_peer", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["kv_v1_peer"] = module
    spec.loader.exec_module(module)
    return module


async def raw_call(kv, host: str, port: int, request) -> bytes:
    """One request on a connection of its own; returns the reply's payload bytes."""
    reader, writer = await asyncio.open_connection(host, port)
    mid, payload = kv.KvRequest.encode(request)
    writer.write(kv.encode_frame(kv.Frame(0, mid, 1, payload)))
    await writer.drain()
    frames = kv.FrameBuffer()
    while True:
        data = await reader.read(65536)
        assert data, "the server closed before replying"
        for frame in frames.feed(data):
            if frame.flags & kv.RESPONSE:
                writer.close()
                assert frame.type == kv.Keys.ID and not frame.flags & kv.ERROR, frame
                return frame.payload


async def main(module_path: str, addr: str) -> None:
    kv = load(module_path)
    assert [f.name for f in kv.List._codec.fields] == ["prefix"], "not the revision-1 module"
    assert [f.name for f in kv.Keys._codec.fields] == ["keys"], "not the revision-1 module"
    host, port = addr.rsplit(":", 1)
    client = await kv.Client.connect(host, int(port), kv.KvRequest, kv.KvResponse, kv.KvError)
    # HELLO: the server (revision 2) accepted our revision-1 schema, and we checked its text
    assert client.conn.verdict == "checked", client.conn.verdict
    assert (client.conn.peer_hello.revision, kv.rpc_schema(kv.KvRequest, kv.KvResponse, kv.KvError).revision) == (2, 1)
    print("  HELLO: revision 1 and revision 2 judged compatible at both ends")

    puts = [client.call(kv.Put(key=f"ev{i:04}", value=b"v")) for i in range(1001)]
    assert all(r == kv.Stored(replaced=False) for r in await asyncio.gather(*puts))
    page = await client.call(kv.List(prefix="ev"))
    assert page.keys == [f"ev{i:04}" for i in range(1000)], len(page.keys)
    print("  v1 List (no after, no limit) read with the defaults: the first page of 1,000 keys")

    payload = await raw_call(kv, host, int(port), kv.List(prefix="ev"))
    read = kv.decode_value(kv.Keys._codec, payload, payload=True)
    assert read.keys == page.keys
    try:
        kv.decode_value(kv.Keys._codec, payload)
        raise AssertionError("the v2 reply had no tail")
    except kv.WireError as err:
        assert err.kind == "trailing-bytes", err
        tail = payload[err.offset:]
        assert tail == b"\x01\x06ev0999", tail  # next: Some("ev0999"), revision 2's field
        print(f"  v2 Keys.next skipped as an unknown tail: {tail.hex(' ')}")

    assert await client.call(kv.List(prefix="nothing")) == kv.Keys(keys=[])
    await client.close()
    assert client.conn.error is None, client.conn.error
    print("  goodbye: ok")


if __name__ == "__main__":
    asyncio.run(asyncio.wait_for(main(sys.argv[1], sys.argv[2]), 30))
