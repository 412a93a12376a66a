"""Runs SPEC.md's conformance vectors (§9) through a generated Python module.

    python3 conformance.py SPEC.md spec_peer.py [--corpus fuzz/seeds --corpus fuzz/regressions]
        [--error-paths examples/peers/error-paths.txt]

`spec_peer.py` is generated from `examples/peers/spec-types.wwschema` (the types of
SPEC §9.4, §9.6, §9.7 and §9.11) by `schema python`. Every block is parsed by the
notation of §9.0 (a block it cannot parse fails the run); positive vectors run in both
directions (and `read-type`), negative vectors must raise the codec's own error with the
vector's error name and offset, and behaviour vectors are replayed on loopback against
the conformance servers of §9.10, written with the generated `serve_messages` and
`serve_calls`. A vector's `json` (§8) is written with `to_json` and read with
`from_json`. With `--error-paths`, each line of that file (bytes that do not decode, with
the offset and path the Rust decoder reports) must fail here at the same offset with the
same path. The exit status is 1 when any vector fails.
"""
from __future__ import annotations

import asyncio
import dataclasses
import importlib.util
import random
import re
import struct
import sys


# ----------------------------------------------------------------- blocks --

def blocks(text: str):
    """Yields (kind, fields, steps) for each ```wirewright-* block and each
    ```rpc-signal-behaviour and ```rpc-stream-behaviour block (§11.7, §11.8)."""
    for match in re.finditer(r"^```(wirewright-[a-z]+|rpc-signal-behaviour|rpc-stream-behaviour)\n(.*?)^```$",
                             text, re.M | re.S):
        kind, body = match.group(1), match.group(2)
        lines: list[list[str]] = []
        for line in body.splitlines():
            if line.startswith(" "):
                if not lines:
                    raise ValueError(f"a continuation line first in a block: {line!r}")
                lines[-1][1] += " " + line.strip()
                continue
            m = re.fullmatch(r"([a-z-]+)(?::(?: (.*))?)?", line)
            if not m:
                raise ValueError(f"not a `key: text` line: {line!r}")
            lines.append([m.group(1), m.group(2) or ""])
        fields = {}
        for key, value in lines:
            fields.setdefault(key, value)
        yield kind, fields, lines


def hex_bytes(text: str) -> bytes:
    if text and not re.fullmatch(r"[0-9a-f]{2}( [0-9a-f]{2})*", text):
        raise ValueError(f"bad hex: {text!r}")
    return bytes.fromhex(text)


# ------------------------------------------------------------------ types --

def split_args(text: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, c in enumerate(text):
        if c in "<([":
            depth += 1
        elif c in ">)]":
            depth -= 1
        elif c == "," and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    parts.append(text[start:].strip())
    return [p for p in parts if p]


INTS = {"u8": (8, False), "i8": (8, True), "u16": (16, False), "u32": (32, False),
        "u64": (64, False), "u128": (128, False), "usize": (64, False), "i16": (16, True),
        "i32": (32, True), "i64": (64, True), "i128": (128, True), "isize": (64, True)}


def codec_of(m, text: str):
    """The generated module's codec for a type of §9.0's notation; `Frame<T>` is
    returned as ("frame", codec of T)."""
    t = text.strip()
    if t == "()":
        return m.UNIT
    if t.startswith("(") and t.endswith(")"):
        return m.TupleCodec([codec_of(m, a) for a in split_args(t[1:-1])])
    if t.startswith("[") and t.endswith("]"):
        element, n = t[1:-1].rsplit(";", 1)
        return m.ArrayCodec(codec_of(m, element), int(n))
    g = re.fullmatch(r"(\w+)\s*<(.*)>", t)
    if g:
        name, args = g.group(1), split_args(g.group(2))
        if name == "Vec":
            if args[0] == "u8":
                return m.BytesCodec(nests=True)
            return m.SeqCodec(codec_of(m, args[0]))
        simple = {"Option": m.OptionCodec, "Set": m.SetCodec, "Box": m.BoxCodec}
        if name in simple:
            return simple[name](codec_of(m, args[0]))
        if name == "Map":
            return m.MapCodec(codec_of(m, args[0]), codec_of(m, args[1]))
        if name == "Fixed":
            bits, signed = INTS[args[0]]
            return m.IntCodec(bits, signed, fixed=True)
        if name == "Frame":
            return ("frame", codec_of(m, args[0]))
        raise ValueError(f"unknown generic type {t!r}")
    if t in INTS:
        return m.IntCodec(*INTS[t])
    builtin = {"bool": m.BOOL, "f32": m.F32, "f64": m.F64, "char": m.CHAR, "String": m.STRING, "Bytes": m.BYTES}
    if t in builtin:
        return builtin[t]
    if t == "Goodbye":
        return m.GOODBYE_CODEC
    if t == "Hello":
        return m.HELLO_CODEC
    if t in m._TYPES:
        return m._TYPES[t]._codec
    raise ValueError(f"unknown type {t!r}")


# ----------------------------------------------------------------- values --

TOKEN = re.compile(r"""\s*(?:
    (?P<float>-?(?:0|[1-9][0-9]*)(?:\.[0-9]+(?:[eE][+-]?[0-9]+)?|[eE][+-]?[0-9]+)|-?inf\b|nan\b)
  | (?P<bits>f(?:32|64)"[0-9a-f]+")
  | (?P<hexint>0x[0-9a-f]+)
  | (?P<int>-?(?:0|[1-9][0-9]*))
  | (?P<bytes>h"(?:[0-9a-f]{2})*")
  | (?P<string>"(?:[^"\\]|\\.)*")
  | (?P<char>'(?:[^'\\]|\\.)+')
  | (?P<path>[A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)?)
  | (?P<punct>[()\[\]{},:])
)""", re.X)


class Named:
    def __init__(self, path, positional=None, named=None):
        self.path, self.positional, self.named = path, positional, named


class Unit:
    pass


class Tup(tuple):
    pass


def tokens(text: str):
    pos, out = 0, []
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = TOKEN.match(text, pos)
        if not m:
            raise ValueError(f"bad value at {text[pos:]!r}")
        kind = m.lastgroup
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


def json_string(literal: str) -> str:
    import json
    if literal.startswith("'"):
        literal = '"' + literal[1:-1].replace("\\'", "'").replace('"', '\\"') + '"'
    return json.loads(literal)


def parse_value(text: str):
    toks = tokens(text)
    pos = 0

    def peek():
        return toks[pos] if pos < len(toks) else (None, None)

    def expect(p):
        nonlocal pos
        if peek() != ("punct", p):
            raise ValueError(f"expected {p!r} in {text!r}")
        pos += 1

    def value():
        nonlocal pos
        kind, tok = peek()
        pos += 1
        if kind == "float":
            return float(tok)
        if kind == "bits":
            size = 4 if tok.startswith("f32") else 8
            raw = int(tok[4:-1], 16).to_bytes(size, "big")
            return ("bits", raw[::-1])
        if kind in ("int", "hexint"):
            return int(tok, 0)
        if kind == "bytes":
            return bytes.fromhex(tok[2:-1])
        if kind == "string":
            return json_string(tok)
        if kind == "char":
            return ("char", json_string(tok))
        if kind == "punct" and tok == "(":
            if peek() == ("punct", ")"):
                pos += 1
                return Unit()
            items = [value()]
            while peek() == ("punct", ","):
                pos += 1
                if peek() == ("punct", ")"):
                    break
                items.append(value())
            expect(")")
            return Tup(items)
        if kind == "punct" and tok == "[":
            items = []
            while peek() != ("punct", "]"):
                items.append(value())
                if peek() == ("punct", ","):
                    pos += 1
            expect("]")
            return items
        if kind == "punct" and tok == "{":
            entries = []
            while peek() != ("punct", "}"):
                k = value()
                expect(":")
                entries.append((k, value()))
                if peek() == ("punct", ","):
                    pos += 1
            expect("}")
            return ("map", entries)
        if kind == "path":
            if tok in ("true", "false"):
                return tok == "true"
            if tok == "None":
                return ("none",)
            if tok == "Some":
                expect("(")
                v = value()
                expect(")")
                return ("some", v)
            if tok == "_":
                return ("any",)
            if peek() == ("punct", "(") and toks[pos - 1] is not None:
                pos += 1
                items = []
                while peek() != ("punct", ")"):
                    items.append(value())
                    if peek() == ("punct", ","):
                        pos += 1
                expect(")")
                return Named(tok, positional=items)
            if peek() == ("punct", "{"):
                pos += 1
                named = {}
                while peek() != ("punct", "}"):
                    _, name = peek()
                    pos += 1
                    expect(":")
                    named[name] = value()
                    if peek() == ("punct", ","):
                        pos += 1
                expect("}")
                return Named(tok, named=named)
            return Named(tok)
        raise ValueError(f"unexpected {tok!r} in {text!r}")

    v = value()
    if pos != len(toks):
        raise ValueError(f"text after the value in {text!r}")
    return v


def build(m, codec, v):
    """Turns a parsed value into the Python value the generated codec takes."""
    while isinstance(codec, m.Ref):
        codec = codec.target
    if isinstance(codec, m.BoxCodec):
        return build(m, codec.inner, v)
    if isinstance(codec, m.FloatCodec):
        if isinstance(v, tuple) and v and v[0] == "bits":
            return codec.st.unpack(v[1])[0]
        return float(v)
    if isinstance(codec, m.BytesCodec) and isinstance(v, list):
        return bytes(v)
    if isinstance(codec, m.CharCodec):
        return v[1]
    if isinstance(codec, m.UnitCodec):
        return None
    if isinstance(codec, (m.SeqCodec, m.ArrayCodec)):
        return [build(m, codec.element, x) for x in v]
    if isinstance(codec, m.SetCodec):
        return frozenset(build(m, codec.element, x) for x in v)
    if isinstance(codec, m.MapCodec):
        return {build(m, codec.key, k): build(m, codec.value, x) for k, x in v[1]}
    if isinstance(codec, m.OptionCodec):
        if v[0] == "none":
            return None
        inner = build(m, codec.inner, v[1])
        return m.Some(inner) if codec.wrapped else inner
    if isinstance(codec, m.TupleCodec):
        return tuple(build(m, c, x) for c, x in zip(codec.elements, v, strict=True))
    if isinstance(codec, m.EnumCodec):
        _, _, variant = v.path.partition("::")
        if v.positional and isinstance(v.positional[0], Named) and v.positional[0].path == "UnknownVariant":
            fields = v.positional[0].named
            return m.UnknownVariant(fields["tag"], fields["body"])
        for sc in codec.variants.values():
            if sc.name.endswith("::" + variant):
                return build_struct(m, sc, v)
        raise ValueError(f"{v.path} is no variant of {codec.name}")
    if isinstance(codec, m.StructCodec):
        return build_struct(m, codec, v)
    return v


def build_struct(m, codec, v):
    names = [f.name for f in codec.fields]
    if v.positional is not None:
        given = dict(zip(names, v.positional, strict=True))
    else:
        given = {("_" + k if k[0].isdigit() else k): x for k, x in (v.named or {}).items()}
    values = {f.name: build(m, f.codec, given[f.name]) for f in codec.fields}
    if codec.unknown:
        values[codec.unknown] = given.get(codec.unknown, b"")
    return codec.cls(**values)


def norm(v):
    """A value made comparable: floats by their bits (NaN payloads included)."""
    if isinstance(v, float):
        return ("float", struct.pack("<d", v))
    if dataclasses.is_dataclass(v):
        return (type(v).__name__, tuple(norm(getattr(v, f.name)) for f in dataclasses.fields(v)))
    if isinstance(v, (list, tuple)):
        return tuple(norm(x) for x in v)
    if isinstance(v, frozenset):
        return frozenset(norm(x) for x in v)
    if isinstance(v, dict):
        return tuple(sorted((repr(norm(k)), norm(x)) for k, x in v.items()))
    return v


# ------------------------------------------------------------------ runs --

def frame_value(m, inner, v):
    f = v.named
    flags, mtype = f["flags"], f["type"]
    payload_codec = inner
    if flags & m.CONTROL:
        payload_codec = {1: m._TYPES["Ping"]._codec, 2: m._TYPES["Pong"]._codec, 3: m.GOODBYE_CODEC,
                         4: m.HELLO_CODEC}[mtype]
    elif flags & m.ERROR and mtype != 0:
        payload_codec = m._TYPES["Failure"]._codec
    value = build(m, payload_codec, f["payload"])
    if flags & m.JSON:  # a JSON payload (§8)
        return m.Frame(flags, mtype, f["correlation"], m.to_json(payload_codec, value).encode()), payload_codec
    return m.Frame(flags, mtype, f["correlation"], m.encode_value(payload_codec, value)), payload_codec


def run_positive(m, fields):
    data = hex_bytes(fields["hex"])
    codec = codec_of(m, fields["type"])
    value = parse_value(fields["value"])
    if isinstance(codec, tuple):
        frame, payload_codec = frame_value(m, codec[1], value)
        if m.encode_frame(frame) != data:
            return f"encodes to {m.encode_frame(frame).hex(' ')}"
        got = m.decode_frame(data)
        read = (lambda p: m.from_json(payload_codec, p)) if frame.flags & m.JSON else \
            (lambda p: m.decode_value(payload_codec, p, payload=True))
        if norm(read(got.payload)) != norm(read(frame.payload)) or got != frame:
            return "decodes to another frame"
    else:
        expected = build(m, codec, value)
        encoded = m.encode_value(codec, expected)
        if encoded != data:
            return f"encodes to {encoded.hex(' ')}"
        got = m.decode_value(codec, data)
        if norm(got) != norm(expected):
            return f"decodes to {got!r}, expected {expected!r}"
    if "read-type" in fields:
        read = codec_of(m, fields["read-type"])
        expected = parse_value(fields["read-value"])
        if isinstance(read, tuple):
            frame = m.decode_frame(data)
            got = m.decode_value(read[1], frame.payload, payload=True)
            expected = build(m, read[1], expected.named["payload"])
        else:
            got = m.decode_value(read, data)
            expected = build(m, read, expected)
        if norm(got) != norm(expected):
            return f"read as {fields['read-type']}: {got!r}, expected {expected!r}"
    return None


def run_json(m, fields):
    """A vector's `json` (§8): the text written for the value, and read back."""
    codec = codec_of(m, fields["type"])
    expected = build(m, codec, parse_value(fields["value"]))
    text = m.to_json(codec, expected)
    if text != fields["json"]:
        return f"writes JSON {text}"
    got = m.from_json(codec, fields["json"])
    if norm(got) != norm(expected):
        return f"reads the JSON as {got!r}, expected {expected!r}"
    # hostile texts: every prefix, seeded mutations, and nesting far past the limit
    data = fields["json"].encode()
    rng = random.Random(data)
    cases = [data[:i] for i in range(len(data))] + [b"[" * 100_000, b'{"a":' * 50_000]
    for _ in range(32):
        b = bytearray(data)
        b[rng.randrange(len(b))] = rng.choice(b'[]{}",:0-e.\\\x00\xff')
        cases.append(bytes(b))
    for case in cases:
        try:
            m.from_json(codec, case)
        except m.WireError:
            pass
        except Exception as err:
            return f"JSON {case[:40]!r}: {type(err).__name__}: {err}"
    return None


def receive_one(m, codec, data: bytes, first: bool) -> None:
    """One frame to a message receiver of a protocol whose one message is `codec`'s
    type, which takes part in HELLO (§13.6): a HELLO only as the stream's first frame."""
    frame = m.decode_frame(data)
    if frame.flags & m.CONTROL:
        if frame.type == m.HELLO and not first:
            raise m.WireError("malformed-control", 6, "a HELLO that is not the first frame")
        return
    if frame.flags & m.RESPONSE:
        raise m.WireError("unexpected-kind", 5)
    if frame.flags & m.JSON:
        raise m.WireError("unexpected-format", 5)
    if frame.type != codec.cls.ID:
        raise m.WireError("unknown-message-type", 6)
    try:
        m.decode_value(codec, frame.payload, payload=True)
    except m.WireError as err:
        raise m.WireError("invalid-payload", 16 + err.offset, str(err)) from None


def receive_message(m, codec, data: bytes):
    """A stream receiver (`receive_one` per frame); offsets count from the stream's first
    byte. Bytes after the last whole frame that make no whole frame are trailing bytes."""
    pos = 0
    while True:
        rest = data[pos:]
        length = None
        if len(rest) >= 16:
            try:
                length = m.check_header(rest[:16])
            except m.WireError as err:
                raise m.WireError(err.kind, pos + err.offset, err.detail) from None
        if pos and (length is None or len(rest) < 20 + length):
            raise m.WireError("trailing-bytes", pos, f"{len(rest)} bytes after the last frame")
        if length is None or len(rest) <= 20 + length:
            try:  # the last frame: truncated and trailing-bytes count from the stream's start
                return receive_one(m, codec, rest, pos == 0)
            except m.WireError as err:
                if err.kind in ("truncated", "trailing-bytes"):
                    raise
                raise m.WireError(err.kind, pos + err.offset, err.detail) from None
        try:
            receive_one(m, codec, rest[:20 + length], pos == 0)
        except m.WireError as err:
            raise m.WireError(err.kind, pos + err.offset, err.detail) from None
        pos += 20 + length


def run_negative(m, fields):
    data = hex_bytes(fields["hex"])
    codec = codec_of(m, fields["type"])
    try:
        if isinstance(codec, tuple):
            receive_message(m, codec[1], data)
        else:
            m.decode_value(codec, data)
    except m.WireError as err:
        if err.kind != fields["error"]:
            return f"raised {err.kind} ({err}), expected {fields['error']}"
        if fields["offset"] != "-" and err.offset != int(fields["offset"]):
            return f"raised {err.kind} at {err.offset}, expected offset {fields['offset']}"
        return None
    except Exception as err:  # anything but the codec's own error is a failure
        return f"raised {type(err).__name__}: {err}"
    return "accepted"


# -------------------------------------------------------------- behaviour --

JOIN_SCHEMA = "wirewright schema 1\nroot Join\n\nstruct Join id 1\n  field room: string\n  field nick: string\n"


async def start_server(m, kind: str):
    """The conformance servers of §9.10, written with the generated module."""
    if kind in ("messages", "messages-hello-required"):
        # its schema is the one of Join (§9.6), announced in HELLO (§13.6)
        protocol = m.Protocol("Messages", {m.Join.ID: m.Join}, schema=m.SchemaInfo("Join", JOIN_SCHEMA, 1))

        async def echo(conn, message, frame):
            conn.send(m.Frame(0, frame.type, frame.correlation, message.encode()))

        hello = "required" if kind == "messages-hello-required" else "optional"
        return await m.serve_messages("127.0.0.1", 0, protocol, echo, settings=m.Settings(hello=hello))
    requests = m.Protocol("Requests", {m.Get.ID: m.Get})
    responses = m.Protocol("Responses", {m.Value.ID: m.Value})
    if kind == "streams":
        return await m.serve_calls("127.0.0.1", 0, requests, responses, streams, m.KvError)
    if kind != "calls":
        raise ValueError(f"no conformance server {kind!r}")

    async def get(request):
        if request.key == "a":
            return m.Value(value="x")
        raise m.ApplicationError(m.KvError.NotFound(key=request.key))

    return await m.serve_calls("127.0.0.1", 0, requests, responses, get, m.KvError)


async def streams(request):
    """The `streams` server of §11.8: `=rest` one reply, "" NotFound, else a stream of
    one Value per character until a `!` (then ReadOnly)."""
    m = sys.modules["spec_peer"]
    if request.key.startswith("="):
        return m.Value(value=request.key[1:])
    if request.key == "":
        raise m.ApplicationError(m.KvError.NotFound(key=""))

    async def items():
        for c in request.key:
            if c == "!":
                raise m.ApplicationError(m.KvError.ReadOnly())
            yield m.Value(value=c)

    return items()


def matches(m, codec, got, pattern) -> bool:
    """`got` matches a value pattern, where `_` matches anything."""
    if pattern == ("any",):
        return True
    while isinstance(codec, m.Ref):
        codec = codec.target
    if isinstance(codec, m.EnumCodec) and isinstance(pattern, Named):
        variant = next(sc for sc in codec.variants.values() if sc.name.endswith("::" + pattern.path.split("::")[1]))
        return type(got) is variant.cls and matches(m, variant, got, pattern)
    if isinstance(codec, m.StructCodec) and isinstance(pattern, Named):
        given = dict(zip([f.name for f in codec.fields], pattern.positional)) if pattern.positional is not None \
            else {("_" + k if k[0].isdigit() else k): v for k, v in (pattern.named or {}).items()}
        return all(matches(m, f.codec, getattr(got, f.name), given[f.name]) for f in codec.fields)
    return norm(build(m, codec, pattern)) == norm(got)


async def run_behaviour(m, fields, steps) -> str | None:
    server = await start_server(m, fields["server"])
    port = server.sockets[0].getsockname()[1]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for number, (key, text) in enumerate(steps):
            if key in ("name", "server"):
                continue
            where = f"step {number} ({key})"
            if key == "send":
                writer.write(hex_bytes(text))
                await writer.drain()
            elif key == "end-stream":
                writer.write_eof()
            elif key == "expect":
                want = hex_bytes(text)
                got = await asyncio.wait_for(reader.readexactly(len(want)), 5)
                if got != want:
                    return f"{where}: read {got.hex(' ')}"
            elif key == "expect-frame":
                head = await asyncio.wait_for(reader.readexactly(16), 5)
                rest = await asyncio.wait_for(reader.readexactly(int.from_bytes(head[12:16], "little") + 4), 5)
                frame = m.decode_frame(head + rest)
                pattern = parse_value(text).named
                if (frame.flags, frame.type, frame.correlation) != (pattern["flags"], pattern["type"], pattern["correlation"]):
                    return f"{where}: read {frame}"
                payload = pattern["payload"]
                codec = codec_of(m, payload.path.split("::")[0])
                if not matches(m, codec, m.decode_value(codec, frame.payload, payload=True), payload):
                    return f"{where}: payload {frame.payload.hex(' ')}"
            elif key == "expect-close":
                try:
                    rest = await asyncio.wait_for(reader.read(1), 5)
                except ConnectionResetError:
                    rest = b""
                if rest:
                    return f"{where}: read {rest.hex()} instead of the end of the stream"
            else:
                return f"unknown step {key}"
        return None
    finally:
        writer.close()
        server.close()


def hostile(m, codec, data: bytes, rng) -> str | None:
    """Every prefix and 64 seeded mutations of a vector's bytes either decode or raise
    the codec's own error (SPEC §6: nothing else, no hang)."""
    cases = [data[:i] for i in range(len(data))]
    for _ in range(64):
        b = bytearray(data or b"\0")
        for _ in range(rng.randint(1, 3)):
            i = rng.randrange(len(b))
            b[i] = rng.choice((0x00, 0x01, 0x7F, 0x80, 0xFF, rng.randrange(256)))
        cases.append(bytes(b))
    for case in cases:
        try:
            if isinstance(codec, tuple):
                receive_message(m, codec[1], case)
            else:
                m.decode_value(codec, case)
        except m.WireError:
            pass
        except Exception as err:
            return f"{case.hex(' ')}: {type(err).__name__}: {err}"
    return None


def load_module(path: str):
    spec = importlib.util.spec_from_file_location("spec_peer", path)
    m = importlib.util.module_from_spec(spec)
    sys.modules["spec_peer"] = m
    spec.loader.exec_module(m)
    return m


def corpus(m, root: str) -> tuple[int, list[str]]:
    """Feeds every file under `root` (the fuzz seeds and corpus) to every type of the
    module, as a payload and as a frame: only WireError may come out (SPEC §6)."""
    import os
    codecs = [cls._codec for cls in m._TYPES.values()] + [m.STRING, m.BytesCodec(nests=True), m.SeqCodec(m.U64),
                                                           m.MapCodec(m.STRING, m.U8), m.SetCodec(m.U16), m.CHAR]
    runs, problems = 0, []
    for folder, _, files in os.walk(root):
        for file in files:
            with open(os.path.join(folder, file), "rb") as handle:
                data = handle.read(1 << 20)
            for codec in codecs:
                for attempt in (lambda: m.decode_value(codec, data), lambda: m.decode_value(codec, data, payload=True)):
                    try:
                        attempt()
                    except m.WireError:
                        pass
                    except Exception as err:
                        problems.append(f"{file} as {getattr(codec, 'name', type(codec).__name__)}: {type(err).__name__}: {err}")
                    runs += 1
            try:
                m.FrameBuffer().feed(data)
                receive_message(m, m.Join._codec, data)
            except m.WireError:
                pass
            except Exception as err:
                problems.append(f"{file} as a frame: {type(err).__name__}: {err}")
            runs += 1
    return runs, problems


def error_paths(m, path: str) -> tuple[int, list[str]]:
    """Each `type | hex | offset | path` line of `path` decoded: the error must carry the
    offset and the path the Rust decoder reports."""
    runs, problems = 0, []
    for line in open(path, encoding="utf-8").read().splitlines():
        if not line or line.startswith("#"):
            continue
        ty, data, offset, where = line.split(" | ")
        runs += 1
        try:
            m.decode_value(codec_of(m, ty), hex_bytes(data))
            problems.append(f"{line}: accepted")
        except m.WireError as err:
            if (err.offset, err.path) != (int(offset), where):
                problems.append(f"{line}: Python says {err.offset} | {err.path} ({err})")
    return runs, problems


def main() -> int:
    args = sys.argv[3:]
    roots = [args[i + 1] for i in range(len(args) - 1) if args[i] == "--corpus"]
    for path in [args[i + 1] for i in range(len(args) - 1) if args[i] == "--error-paths"]:
        runs, problems = error_paths(load_module(sys.argv[2]), path)
        for line in problems:
            print(f"FAILED {line}")
        print(f"error paths: {runs} decoded, {len(problems)} differ from the Rust decoder's offset and path")
        if problems:
            return 1
    for root in roots:
        m = load_module(sys.argv[2])
        runs, problems = corpus(m, root)
        for line in problems:
            print(f"FAILED {line}")
        print(f"fuzz inputs under {root}: {runs} decodes, {len(problems)} raised something other than WireError")
        if problems:
            return 1
    spec_path, module_path = sys.argv[1], sys.argv[2]
    m = load_module(module_path)
    m.set_default(m.ItemV2, "currency", lambda: "EUR")
    text = open(spec_path, encoding="utf-8").read()
    passed, failed, skipped = {}, [], {}
    rng = random.Random(15)
    hostile_runs = json_runs = 0
    for kind, fields, steps in blocks(text):
        name = fields.get("name", "?")
        if kind in ("wirewright-behaviour", "rpc-signal-behaviour", "rpc-stream-behaviour"):
            try:
                problem = asyncio.run(asyncio.wait_for(run_behaviour(m, fields, steps), 20))
            except Exception as err:
                problem = f"{type(err).__name__}: {err}"
            if problem:
                failed.append(f"{name}: {problem}")
            else:
                passed[kind] = passed.get(kind, 0) + 1
            continue
        try:
            if kind == "wirewright-negative":
                problem = run_negative(m, fields)
            else:
                problem = run_positive(m, fields) if "hex" in fields else None
                if not problem and "json" in fields:
                    problem = run_json(m, fields)
                    json_runs += 1
        except Exception as err:
            problem = f"{type(err).__name__}: {err}"
        if not problem and "hex" in fields:
            problem = hostile(m, codec_of(m, fields["type"]), hex_bytes(fields["hex"]), rng)
            if problem:
                problem = "mutated input: " + problem
            else:
                hostile_runs += 1
        if problem:
            failed.append(f"{name}: {problem}")
        else:
            passed[kind] = passed.get(kind, 0) + 1
    for kind, n in sorted(passed.items()):
        print(f"passed {n} {kind}")
    print(f"JSON texts (§8) written and read: {json_runs}")
    print(f"mutated and truncated the bytes of {hostile_runs} vectors: only WireError raised")
    for name, why in skipped.items():
        print(f"not run: {name}: {why}")
    for line in failed:
        print(f"FAILED {line}")
    print(f"{sum(passed.values())} passed, {len(failed)} failed, {len(skipped)} not run")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
