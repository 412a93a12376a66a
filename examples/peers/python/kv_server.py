"""A kv server written with the generated Python module, for the Rust kv client
(`kv client ADDR get|put|delete|list ...`). Prints `listening on 127.0.0.1:PORT`.

    python3 kv_server.py kv_peer.py
"""
from __future__ import annotations

import asyncio
import importlib.util
import sys

MAX_KEY_LEN = 256
MAX_VALUE_LEN = 64 * 1024


async def main(module_path: str) -> None:
    spec = importlib.util.spec_from_file_location("kv_peer", module_path)
    kv = importlib.util.module_from_spec(spec)
    sys.modules["kv_peer"] = kv
    spec.loader.exec_module(kv)
    entries: dict[str, bytes] = {}

    async def handle(request):
        if isinstance(request, kv.Get):
            if request.key not in entries:
                raise kv.ApplicationError(kv.KvError.NotFound(key=request.key))
            return kv.Value(value=entries[request.key])
        if isinstance(request, kv.Put):
            if len(request.key.encode()) > MAX_KEY_LEN:
                raise kv.ApplicationError(kv.KvError.KeyTooLong(len=len(request.key.encode()), max=MAX_KEY_LEN))
            if len(request.value) > MAX_VALUE_LEN:
                raise kv.ApplicationError(kv.KvError.ValueTooLarge(len=len(request.value), max=MAX_VALUE_LEN))
            replaced = request.key in entries
            entries[request.key] = request.value
            return kv.Stored(replaced=replaced)
        if isinstance(request, kv.Delete):
            if entries.pop(request.key, None) is None:
                raise kv.ApplicationError(kv.KvError.NotFound(key=request.key))
            return kv.Deleted()
        return kv.Keys(keys=sorted(k for k in entries if k.startswith(request.prefix)))

    server = await kv.serve_calls("127.0.0.1", 0, kv.KvRequest, kv.KvResponse, handle, kv.KvError)
    host, port = server.sockets[0].getsockname()[:2]
    print(f"listening on {host}:{port}", flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
