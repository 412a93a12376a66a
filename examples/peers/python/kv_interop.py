"""A generated Python kv client against the Rust kv server (`kv server ADDR`).

    python3 kv_interop.py kv_peer.py 127.0.0.1:7100

`kv_peer.py` is generated from examples/schema/kv-*.wwschema by `schema python`. Every
operation, every typed error, error codes 1 and 2, a deadline, 100 pipelined calls and a
closing handshake; exits 1 at the first check that fails.
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


if __name__ == "__main__":
    asyncio.run(asyncio.wait_for(main(sys.argv[1], sys.argv[2]), 30))
