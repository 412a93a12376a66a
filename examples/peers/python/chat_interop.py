"""A generated Python chat peer in the Rust chat server's room, with a Rust client.

    python3 chat_interop.py chat_peer.py 127.0.0.1:7001

Joins as `py` and prints `welcome`; waits for `rs` to join and say "hello from rust",
answers "hi from python" and prints `said`; waits for `rs` to leave, prints `left`,
leaves and closes. `examples/tests/peers_python.rs` plays the Rust side.
"""
from __future__ import annotations

import asyncio
import importlib.util
import sys


async def main(module_path: str, addr: str) -> None:
    spec = importlib.util.spec_from_file_location("chat_peer", module_path)
    chat = importlib.util.module_from_spec(spec)
    sys.modules["chat_peer"] = chat
    spec.loader.exec_module(chat)
    host, port = addr.rsplit(":", 1)
    peer = await chat.Peer.connect(host, int(port), chat.ServerMessage, chat.ClientMessage)
    # HELLO: both ends announce (ClientMessage, ServerMessage) and find the same schema
    assert peer.conn.verdict == "compatible", peer.conn.verdict
    assert peer.conn.peer_hello.protocol == "(ClientMessage, ServerMessage)", peer.conn.peer_hello

    async def until(expected) -> None:
        while (message := await peer.receive()) != expected:
            assert message is not None, f"the connection ended before {expected!r}"

    await peer.send(chat.Join(nick="py"))
    welcome = await peer.receive()
    assert isinstance(welcome, chat.Welcome) and welcome.nick == "py", welcome
    print("welcome", flush=True)
    await until(chat.Joined(nick="rs"))
    await until(chat.Said(nick="rs", text="hello from rust"))
    await peer.send(chat.Say(text="hi from python"))
    print("said", flush=True)
    await until(chat.Left(nick="rs"))
    print("left", flush=True)
    await peer.send(chat.Leave())
    await peer.close()


if __name__ == "__main__":
    asyncio.run(asyncio.wait_for(main(sys.argv[1], sys.argv[2]), 30))
