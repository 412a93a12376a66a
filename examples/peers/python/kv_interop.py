"""A generated Python kv client against the Rust kv server (`kv server ADDR`).

    python3 kv_interop.py kv_peer.py 127.0.0.1:7100

`kv_peer.py` is generated from examples/schema/kv-*.wwschema by `schema python`. Every
operation, every typed error, error codes 1 and 2, a deadline, 100 pipelined calls, a
closing handshake, then calls with DEADLINE, `watch` streams (read in order, given up
with CANCEL, ended by their deadline) (SPEC §11.7, §11.8); exits 1 at the first check that fails.
"""
from __future__ import annotations

import asyncio
import importlib.util
import sys


def load(path: str):
    spec = importlib.util.spec_from_file_location("kv_peer", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["kv_peer"] = module
    spec.loader.exec_module(module)
    return module


async def expect_error(call, code: int, value=None) -> None:
    kv = sys.modules["kv_peer"]
    try:
        result = await call
    except kv.CallError as err:
        assert err.code == code, f"code {err.code} ({err}), expected {code}"
        assert value is None or err.value == value, f"{err.value!r}, expected {value!r}"
        print(f"  error as expected: {err}")
        return
    raise AssertionError(f"{result!r}, expected error code {code}")


async def main(module_path: str, addr: str) -> None:
    kv = load(module_path)
    host, port = addr.rsplit(":", 1)
    client = await kv.Client.connect(host, int(port), kv.KvRequest, kv.KvResponse, kv.KvError)
    announced = kv.rpc_schema(kv.KvRequest, kv.KvResponse, kv.KvError)
    assert client.conn.verdict == "compatible", client.conn.verdict  # the same schema as the server's
    assert client.conn.peer_hello.fingerprint == announced.fingerprint
    print(f"  HELLO: {announced.root} {announced.fingerprint:016x}, the server's too")

    assert await client.call(kv.Put(key="greeting", value=b"hello")) == kv.Stored(replaced=False)
    assert await client.call(kv.Put(key="greeting", value=b"hi")) == kv.Stored(replaced=True)
    assert await client.call(kv.Get(key="greeting")) == kv.Value(value=b"hi")
    assert await client.call(kv.Put(key="green", value=bytes(range(256)))) == kv.Stored(replaced=False)
    keys = await client.call(kv.List(prefix="gre"))
    assert keys == kv.Keys(keys=["green", "greeting"]), keys
    assert await client.call(kv.Delete(key="green")) == kv.Deleted()
    print("  put, get, list, delete: ok")

    await expect_error(client.call(kv.Get(key="green")), 0, kv.KvError.NotFound(key="green"))
    await expect_error(client.call(kv.Delete(key="nope")), 0, kv.KvError.NotFound(key="nope"))
    await expect_error(client.call(kv.Put(key="k" * 300, value=b"")), 0, kv.KvError.KeyTooLong(len=300, max=256))
    await expect_error(client.call(kv.Put(key="big", value=bytes(70_000))), 0,
                       kv.KvError.ValueTooLarge(len=70_000, max=65_536))
    await expect_error(client.call_raw(99, b""), 1)  # no request of type 99
    await expect_error(client.call_raw(kv.Get.ID, b"\x02\xc3\x28"), 2)  # invalid UTF-8

    try:  # a deadline: the call gives up, its late reply is discarded (§11.5)
        await client.call(kv.Get(key="greeting"), timeout=0)
        raise AssertionError("a call with a deadline of 0 returned")
    except TimeoutError:
        pass
    assert await client.call(kv.Get(key="greeting"), timeout=5) == kv.Value(value=b"hi")
    print("  deadline: ok")

    puts = [client.call(kv.Put(key=f"p{i:03}", value=i.to_bytes(2, "little"))) for i in range(100)]
    assert all(r == kv.Stored(replaced=False) for r in await asyncio.gather(*puts))
    gets = [client.call(kv.Get(key=f"p{i:03}")) for i in range(100)]
    for i, reply in enumerate(await asyncio.gather(*gets)):
        assert reply == kv.Value(value=i.to_bytes(2, "little")), (i, reply)
    assert len((await client.call(kv.List(prefix="p"))).keys) == 100
    print("  100 pipelined puts and 100 pipelined gets: ok")

    await client.close()
    assert client.conn.error is None, client.conn.error
    print("  goodbye: ok")
    await signals_and_streams(kv, host, int(port))


async def signals_and_streams(kv, host: str, port: int) -> None:
    """§11.7 and §11.8 against the Rust server: calls that send DEADLINE, a watch stream
    read in order with flow control (a window of 64 bytes: the client grants credit back
    as it reads), a stream given up early (CANCEL) and a stream whose deadline passes."""
    settings = kv.Settings(call_signals=True, stream_window=64)
    client = await kv.Client.connect(host, port, kv.KvRequest, kv.KvResponse, kv.KvError, settings)
    writer = await kv.Client.connect(host, port, kv.KvRequest, kv.KvResponse, kv.KvError, settings)
    assert await client.call(kv.Get(key="greeting"), timeout=5) == kv.Value(value=b"hi")  # DEADLINE 5000 ms
    try:  # a deadline of 0: given up before the request is sent
        await client.call(kv.Get(key="greeting"), timeout=0)
        raise AssertionError("a call with a deadline of 0 returned")
    except kv.DeadlineExceeded as err:
        assert err.code == 7, err
    print("  calls with DEADLINE: ok")

    async with await client.stream(kv.Watch(prefix="w/"), timeout=20) as changes:
        for i in range(40):  # 40 changes of 10 bytes or more: several CREDITs of a 64-byte window
            assert await writer.call(kv.Put(key=f"w/{i:02}", value=bytes([i]))) == kv.Stored(replaced=False)
        assert await writer.call(kv.Delete(key="w/00")) == kv.Deleted()
        seen = []
        async for change in changes:
            seen.append(change)
            if len(seen) == 41:
                break
    want = [kv.Change(key=f"w/{i:02}", value=bytes([i])) for i in range(40)] + [kv.Change(key="w/00", value=None)]
    assert seen == want, seen
    assert changes.credit <= 64, changes.credit  # never more granted than the window ahead
    print("  watch: 41 changes in order through a 64-byte window, then CANCEL: ok")

    # the watch given up above no longer costs the server: another one opens and reads
    async with await client.stream(kv.Watch(prefix="v/")) as changes:
        assert await writer.call(kv.Put(key="v/1", value=b"x")) == kv.Stored(replaced=False)
        assert await changes.__anext__() == kv.Change(key="v/1", value=b"x")

    quiet = await client.stream(kv.Watch(prefix="quiet/"), timeout=0.3)
    try:  # nothing changes under quiet/: the stream's deadline passes (code 7, §11.8)
        async for change in quiet:
            raise AssertionError(f"a change under quiet/: {change}")
        raise AssertionError("a watch with a deadline ended without an error")
    except kv.DeadlineExceeded as err:
        print(f"  watch with a deadline of 300 ms: {err}")
    assert await client.call(kv.Get(key="greeting")) == kv.Value(value=b"hi")  # the connection stays
    await client.close()
    await writer.close()
    assert client.conn.error is None, client.conn.error
    print("  deadlines and streams: ok")


if __name__ == "__main__":
    asyncio.run(asyncio.wait_for(main(sys.argv[1], sys.argv[2]), 30))
