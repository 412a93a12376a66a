// A generated TypeScript chat peer and a Rust chat client in the Rust chat server's room:
//
//     node dist/chat_interop.js 127.0.0.1:7001 target/debug/chat
//
// Joins as `ts`, starts `chat client ADDR rs` (the Rust client, a child process), and
// checks that each hears the other: the Rust client says "hello from rust", the
// TypeScript peer reads it and answers "hi from typescript", which the Rust client
// prints; the Rust client's input ends, it leaves, the TypeScript peer sees `Left` and
// closes with the handshake. Exits 1 at the first check that fails (30 s at most).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as chat from "./gen/chat_peer.js";

const [addr, chatBin] = process.argv.slice(2);
const [host, port] = addr.split(":");
const timer = setTimeout(() => {
  console.error("chat interop: no end within 30 s");
  process.exit(1);
}, 30_000);

// Every message the TypeScript peer receives, and a way to wait for one.
const received: unknown[] = [];
const waiters: (() => void)[] = [];
const peer = await chat.Peer.connect(host, Number(port), chat.ServerMessage, chat.ClientMessage);
// HELLO: both ends announce (ClientMessage, ServerMessage) and find the same schema
assert.equal(peer.conn.verdict, "compatible");
assert.equal(peer.conn.peerHello?.protocol, "(ClientMessage, ServerMessage)");
peer.onMessage((message) => {
  received.push(message);
  for (const wake of waiters.splice(0)) wake();
});
/** Waits for a message that `expected` accepts (a predicate) or equals (a message). */
async function until(expected: unknown): Promise<void> {
  const accepts = typeof expected === "function"
    ? (expected as (m: unknown) => boolean)
    : (m: unknown) => {
        try {
          assert.deepEqual(m, expected);
          return true;
        } catch {
          return false;
        }
      };
  while (!received.some(accepts)) await new Promise<void>((resolve) => waiters.push(resolve));
}

peer.send(new chat.Join({ nick: "ts" }));
await until((m: unknown) => m instanceof chat.Welcome && m.nick === "ts");
console.log("  joined as ts");

const rust = spawn(chatBin, ["client", addr, "rs"], { stdio: ["pipe", "pipe", "inherit"] });
let rustOut = "";
const rustWaiters: (() => void)[] = [];
rust.stdout.on("data", (chunk: Buffer) => {
  rustOut += chunk.toString();
  for (const wake of rustWaiters.splice(0)) wake();
});
async function rustPrints(text: string): Promise<void> {
  while (!rustOut.includes(text)) await new Promise<void>((resolve) => rustWaiters.push(resolve));
}

await until(new chat.Joined({ nick: "rs" }));
await rustPrints("here: ts"); // its welcome names the members
rust.stdin.write("hello from rust\n");
await until(new chat.Said({ nick: "rs", text: "hello from rust" }));
peer.send(new chat.Say({ text: "hi from typescript" }));
await rustPrints("<ts> hi from typescript");
console.log("  the Rust client and the TypeScript peer heard each other");

rust.stdin.end(); // end of input: the Rust client leaves
await until(new chat.Left({ nick: "rs" }));
const status = await new Promise<number | null>((resolve) => rust.on("exit", resolve));
assert.equal(status, 0, "the Rust chat client failed");
peer.send(new chat.Leave());
await peer.close();
assert.equal(peer.conn.error, null);
console.log("  left and closed: ok");
clearTimeout(timer);
