"""A kv server written with the generated Python module, for the Rust kv client
(`kv client ADDR get|put|delete|list ...`). Prints `listening on 127.0.0.1:PORT`.

    python3 kv_server.py kv_peer.py

The module may be generated from today's lock files (examples/schema/kv-*.wwschema,
revision 2: `List.after`, `List.limit`, `Keys.next`) or from the revision-1 ones
(examples/peers/kv-v1/): a revision-1 server skips the fields a revision-2 client
appends and answers without `Keys.next`, which the client reads as `None`.
`kv_flood.py` imports `handler` to test the server against a peer that never reads.
`Watch` (message 5, when the module has it) is answered by a stream of `Change`s
(SPEC §11.8); DEADLINE and CANCEL (§11.7) are honoured by the generated `serve_calls`.
"""
from __future__ import annotations

import asyncio
import importlib.util
import sys

MAX_KEY_LEN = 256
MAX_VALUE_LEN = 64 * 1024
MAX_LIST_KEYS = 1000
MAX_WATCH_BACKLOG = 1024  # changes a watch holds for a slow reader, as kv.rs


def load(path: str, name: str = "kv_peer"):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def handler(kv):
    """The kv service over an in-memory dict, as `examples/src/kv.rs` defines it."""
    entries: dict[str, bytes] = {}
    paged = "limit" in {f.name for f in kv.List._codec.fields}  # revision 2
    watch = getattr(kv, "Watch", None)  # since the lock files have it (message 5)
    watchers: list[tuple[str, asyncio.Queue]] = []

    def changed(key: str, value: bytes | None) -> None:
        """Tells the watches of `key`; one more than MAX_WATCH_BACKLOG behind is ended."""
        for watcher in list(watchers):
            prefix, queue = watcher
            if key.startswith(prefix):
                if queue.qsize() >= MAX_WATCH_BACKLOG:
                    watchers.remove(watcher)
                    queue.put_nowait(None)
                else:
                    queue.put_nowait(kv.Change(key=key, value=value))

    async def changes(prefix: str):
        """A watch: the changes under `prefix` from now on, a stream (SPEC §11.8) that
        the server runtime sends as the client's credit allows; a CANCEL (or the
        stream's deadline) cancels it here, which ends the watch."""
        watcher = (prefix, asyncio.Queue())
        watchers.append(watcher)
        try:
            while (change := await watcher[1].get()) is not None:
                yield change
        finally:
            if watcher in watchers:
                watchers.remove(watcher)

    async def handle(request):
        if watch is not None and isinstance(request, watch):
            return changes(request.prefix)
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
            changed(request.key, request.value)
            return kv.Stored(replaced=replaced)
        if isinstance(request, kv.Delete):
            if entries.pop(request.key, None) is None:
                raise kv.ApplicationError(kv.KvError.NotFound(key=request.key))
            changed(request.key, None)
            return kv.Deleted()
        keys = sorted(k for k in entries if k.startswith(request.prefix))
        if not paged:
            return kv.Keys(keys=keys[:MAX_LIST_KEYS])
        if request.after is not None and request.after >= request.prefix:
            keys = [k for k in keys if k > request.after]
        limit = min(request.limit or MAX_LIST_KEYS, MAX_LIST_KEYS)
        next_key = keys[limit - 1] if len(keys) > limit else None
        return kv.Keys(keys=keys[:limit], next=next_key)

    return handle


async def main(module_path: str) -> None:
    kv = load(module_path)
    server = await kv.serve_calls("127.0.0.1", 0, kv.KvRequest, kv.KvResponse, handler(kv), kv.KvError)
    host, port = server.sockets[0].getsockname()[:2]
    print(f"listening on {host}:{port}", flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
