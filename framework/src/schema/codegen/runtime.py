# ---------------------------------------------------------------------------
# wirewright runtime: the codec of SPEC.md §4-§6 and §12, frames (§3), control
# frames (§7) and an asyncio client (§11). Standard library only, Python >= 3.10.
# ---------------------------------------------------------------------------
from __future__ import annotations

import asyncio
import struct
import zlib
from dataclasses import dataclass, field
from typing import Any, ClassVar

MAX_DEPTH = 128
MAX_ZERO_SIZED = 65_536
MAX_FRAME_LEN = 8 * 1024 * 1024


class WireError(Exception):
    """Every error of this module: `kind` is the name SPEC.md §9.0 gives it
    (`overlong-varint`, `bad-crc`, ...), `offset` the byte where it was found
    (from the payload's or frame's first byte), `path` the field it was in."""

    def __init__(self, kind: str, offset: int, detail: str = "", path: str = ""):
        self.kind = kind
        self.offset = offset
        self.detail = detail
        self.path = path
        super().__init__()

    def within(self, name: str) -> WireError:
        self.path = name if not self.path else f"{name}.{self.path}"
        return self

    def __str__(self) -> str:
        where = f" in {self.path}" if self.path else ""
        detail = f": {self.detail}" if self.detail else ""
        return f"{self.kind} at byte {self.offset}{where}{detail}"


class CallError(Exception):
    """A call answered with an error frame (SPEC §11.3): `code` 0 carries the
    service's typed error in `value`; codes 1-5 (and unknown ones) a message."""

    NAMES = {0: "application error", 1: "unknown request type", 2: "invalid request",
             3: "handler failed", 4: "overloaded", 5: "shutting down"}

    def __init__(self, code: int, message: str = "", value: Any = None):
        self.code = code
        self.message = message
        self.value = value
        name = self.NAMES.get(code, f"error code {code}")
        super().__init__(f"{name}: {value!r}" if code == 0 else f"{name}: {message}")


class ConnectionClosed(Exception):
    """The connection ended (GOODBYE, end of stream or a protocol error) before
    the call had its reply."""


# --------------------------------------------------------------- the reader --

class Reader:
    """A cursor over received bytes; `end` is where the current value (a payload
    or an evolvable block) ends. Nothing is reserved before bytes back it."""

    __slots__ = ("buf", "pos", "end", "depth")

    def __init__(self, data: bytes, pos: int = 0, end: int | None = None):
        self.buf = data
        self.pos = pos
        self.end = len(data) if end is None else end
        self.depth = 0

    def enter(self, start: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise WireError("depth-limit-exceeded", start, f"more than {MAX_DEPTH} levels")

    def take(self, n: int) -> bytes:
        start = self.pos
        if n > self.end - start:
            raise WireError("unexpected-end", start, f"{n} bytes needed, {self.end - start} left")
        self.pos = start + n
        return self.buf[start:start + n]

    def byte(self) -> int:
        pos = self.pos
        if pos >= self.end:
            raise WireError("unexpected-end", pos, "1 byte needed, 0 left")
        self.pos = pos + 1
        return self.buf[pos]

    def varint(self, bits: int) -> int:
        """An unsigned LEB128 of at most `bits` bits, canonical (§4.2)."""
        buf, start, end = self.buf, self.pos, self.end
        last = (bits + 6) // 7
        value = shift = 0
        pos = start
        while True:
            if pos >= end:
                raise WireError("unexpected-end", start, "inside a varint")
            b = buf[pos]
            pos += 1
            if pos - start == last:
                if b >> (bits - 7 * (last - 1)):
                    raise WireError("varint-overflow", start, f"does not fit {bits} bits")
                value |= b << shift
                break
            value |= (b & 0x7F) << shift
            if b < 0x80:
                break
            shift += 7
        if b == 0 and pos - start > 1:
            raise WireError("overlong-varint", start)
        self.pos = pos
        return value

    def length(self) -> int:
        """A byte length (§4.5) checked against the bytes left (§6)."""
        start = self.pos
        n = self.varint(64)
        if n > self.end - self.pos:
            raise WireError("length-exceeds-input", start, f"{n} bytes declared, {self.end - self.pos} left")
        return n

    def count(self, min_len: int) -> int:
        """An element count (§4.6) checked against the bytes left (§6)."""
        start = self.pos
        n = self.varint(64)
        if min_len == 0:
            if n > MAX_ZERO_SIZED:
                raise WireError("zero-sized-count-exceeds-limit", start, f"{n} > {MAX_ZERO_SIZED}")
        elif n * min_len > self.end - self.pos:
            raise WireError("count-exceeds-input", start, f"{n} elements of >= {min_len} bytes, {self.end - self.pos} left")
        return n


def put_varint(out: bytearray, v: int) -> None:
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)


# ------------------------------------------------------------------ codecs --
# One object per type: `enc(out, value)` appends the encoding, `dec(r)` reads a
# value, `min_len` is §6's table, `default()` the value an appended field takes.

class Codec:
    min_len = 1
    nests = False  # a level of §6's nesting depth

    def default(self) -> Any:
        return None


class BoolCodec(Codec):
    def enc(self, out, v):
        out.append(1 if v else 0)

    def dec(self, r):
        start = r.pos
        b = r.byte()
        if b > 1:
            raise WireError("invalid-bool", start, f"byte {b:#04x}")
        return b == 1

    def default(self):
        return False


class IntCodec(Codec):
    """Integers of §4.2: `u8`/`i8` a raw byte, others a (zigzag) varint, or
    fixed width little-endian when `fixed`."""

    def __init__(self, bits: int, signed: bool, fixed: bool = False):
        self.bits, self.signed, self.fixed = bits, signed, fixed
        self.raw = bits == 8 or fixed
        self.min_len = bits // 8 if self.raw else 1
        self.lo = -(1 << (bits - 1)) if signed else 0
        self.hi = (1 << (bits - 1)) - 1 if signed else (1 << bits) - 1

    def enc(self, out, v):
        if not (self.lo <= v <= self.hi):
            raise WireError("integer-out-of-range", len(out), f"{v} does not fit {'i' if self.signed else 'u'}{self.bits}")
        if self.raw:
            out += v.to_bytes(self.bits // 8, "little", signed=self.signed)
        elif self.signed:
            put_varint(out, (v << 1) ^ (v >> (self.bits - 1)))
        else:
            put_varint(out, v)

    def dec(self, r):
        if self.raw:
            return int.from_bytes(r.take(self.bits // 8), "little", signed=self.signed)
        z = r.varint(self.bits)
        return (z >> 1) ^ -(z & 1) if self.signed else z

    def default(self):
        return 0


class FloatCodec(Codec):
    def __init__(self, fmt: str):
        self.st = struct.Struct(fmt)
        self.min_len = self.st.size

    def enc(self, out, v):
        out += self.st.pack(v)

    def dec(self, r):
        return self.st.unpack(r.take(self.st.size))[0]

    def default(self):
        return 0.0


class CharCodec(Codec):
    def enc(self, out, v):
        put_varint(out, ord(v))

    def dec(self, r):
        start = r.pos
        c = r.varint(32)
        if c > 0x10FFFF or 0xD800 <= c <= 0xDFFF:
            raise WireError("invalid-char", start, f"{c:#x} is not a Unicode scalar value")
        return chr(c)

    def default(self):
        return "\0"


class StringCodec(Codec):
    def enc(self, out, v):
        data = v.encode("utf-8")
        put_varint(out, len(data))
        out += data

    def dec(self, r):
        n = r.length()
        start = r.pos
        r.pos = start + n
        try:
            return str(r.buf[start:start + n], "utf-8")
        except UnicodeDecodeError as err:
            raise WireError("invalid-utf8", start + err.start, str(err)) from None

    def default(self):
        return ""


class BytesCodec(Codec):
    """Byte strings (§4.5): one slice of the input, never a byte at a time.
    `nests` is true for `Vec<u8>`, which counts a level (§6)."""

    def __init__(self, nests: bool = False):
        self.nests = nests

    def enc(self, out, v):
        put_varint(out, len(v))
        out += v

    def dec(self, r):
        if self.nests:  # Vec<u8>: a sequence, counted as one (§4.6, §6)
            r.enter(r.pos)
            n = r.count(1)
        else:
            n = r.length()
        start = r.pos
        r.pos = start + n
        if self.nests:
            r.depth -= 1
        return bytes(r.buf[start:start + n])

    def default(self):
        return b""


class UnitCodec(Codec):
    min_len = 0

    def enc(self, out, v):
        pass

    def dec(self, r):
        return None


class NeverCodec(Codec):
    """An enum without variants: every tag is rejected."""

    def enc(self, out, v):
        raise WireError("unknown-variant", len(out), "a type without values")

    def dec(self, r):
        start = r.pos
        tag = r.varint(32)
        raise WireError("unknown-variant", start, f"tag {tag} of a type without variants")


class SeqCodec(Codec):
    nests = True

    def __init__(self, element: Codec):
        self.element = element

    def enc(self, out, v):
        put_varint(out, len(v))
        enc = self.element.enc
        for item in v:
            enc(out, item)

    def dec(self, r):
        r.enter(r.pos)
        n = r.count(self.element.min_len)
        dec = self.element.dec
        items = [dec(r) for _ in range(n)]
        r.depth -= 1
        return items

    def default(self):
        return []


class ArrayCodec(Codec):
    def __init__(self, element: Codec, n: int):
        self.element, self.n = element, n
        self.min_len = n * element.min_len

    def enc(self, out, v):
        if len(v) != self.n:
            raise WireError("invalid-value", len(out), f"{len(v)} elements for an array of {self.n}")
        for item in v:
            self.element.enc(out, item)

    def dec(self, r):
        if self.n * self.element.min_len > r.end - r.pos:
            raise WireError("unexpected-end", r.pos, f"array of {self.n}")
        return [self.element.dec(r) for _ in range(self.n)]

    def default(self):
        return [self.element.default() for _ in range(self.n)]


def _encoded(codec: Codec, v) -> bytes:
    out = bytearray()
    codec.enc(out, v)
    return bytes(out)


class MapCodec(Codec):
    """Maps (§4.7) as dicts; entries in ascending order of the keys' encodings."""

    nests = True

    def __init__(self, key: Codec, value: Codec):
        self.key, self.value = key, value

    def enc(self, out, v):
        entries = sorted((_encoded(self.key, k), val) for k, val in v.items()) if v else []
        put_varint(out, len(entries))
        for key_bytes, val in entries:
            out += key_bytes
            self.value.enc(out, val)

    def dec(self, r):
        r.enter(r.pos)
        n = r.count(self.key.min_len + self.value.min_len)
        result = {}
        previous = None
        for _ in range(n):
            start = r.pos
            k = self.key.dec(r)
            key_bytes = r.buf[start:r.pos]
            if previous is not None and key_bytes <= previous:
                raise WireError("key-order", start, "keys must ascend by their encodings")
            previous = key_bytes
            result[k] = self.value.dec(r)
        r.depth -= 1
        return result

    def default(self):
        return {}


class SetCodec(Codec):
    """Sets (§4.7) as frozensets; elements in ascending order of their encodings."""

    nests = True

    def __init__(self, element: Codec):
        self.element = element

    def enc(self, out, v):
        items = sorted(_encoded(self.element, e) for e in v)
        put_varint(out, len(items))
        for item in items:
            out += item

    def dec(self, r):
        r.enter(r.pos)
        n = r.count(self.element.min_len)
        items = []
        previous = None
        for _ in range(n):
            start = r.pos
            items.append(self.element.dec(r))
            element_bytes = r.buf[start:r.pos]
            if previous is not None and element_bytes <= previous:
                raise WireError("key-order", start, "elements must ascend by their encodings")
            previous = element_bytes
        r.depth -= 1
        return frozenset(items)

    def default(self):
        return frozenset()


@dataclass(frozen=True)
class Some:
    """`Some(v)` where a bare value would be ambiguous: `Option<Option<T>>` and
    `Option<()>` (None is Python's None)."""

    value: Any


class OptionCodec(Codec):
    def __init__(self, inner: Codec):
        self.inner = inner
        self.wrapped = isinstance(inner, (OptionCodec, UnitCodec))

    def enc(self, out, v):
        if v is None:
            out.append(0)
            return
        out.append(1)
        self.inner.enc(out, v.value if self.wrapped else v)

    def dec(self, r):
        start = r.pos
        tag = r.byte()
        if tag == 0:
            return None
        if tag != 1:
            raise WireError("invalid-option-tag", start, f"byte {tag:#04x}")
        v = self.inner.dec(r)
        return Some(v) if self.wrapped else v


class TupleCodec(Codec):
    def __init__(self, elements: list[Codec]):
        self.elements = elements
        self.min_len = sum(e.min_len for e in elements)

    def enc(self, out, v):
        for codec, item in zip(self.elements, v, strict=True):
            codec.enc(out, item)

    def dec(self, r):
        return tuple(codec.dec(r) for codec in self.elements)

    def default(self):
        return tuple(codec.default() for codec in self.elements)


class BoxCodec(Codec):
    """`Box<T>`: as `T` on the wire, one level of nesting (§6)."""

    def __init__(self, inner: Codec):
        self.inner = inner
        self.min_len = inner.min_len

    def enc(self, out, v):
        self.inner.enc(out, v)

    def dec(self, r):
        r.enter(r.pos)
        v = self.inner.dec(r)
        r.depth -= 1
        return v

    def default(self):
        return self.inner.default()


_REFS: list[Ref] = []


def _ref(name: str) -> Ref:
    ref = Ref(name)
    _REFS.append(ref)
    return ref


class Ref(Codec):
    """A named type, resolved once every definition of the module exists."""

    def __init__(self, name: str):
        self.name = name
        self.target: Codec | None = None

    @property
    def min_len(self):
        return self.target.min_len

    def enc(self, out, v):
        self.target.enc(out, v)

    def dec(self, r):
        return self.target.dec(r)

    def default(self):
        return self.target.default()


@dataclass
class UnknownVariant:
    """A variant of an evolvable enum this definition does not know (§12.5):
    its tag and its block's body, written back unchanged."""

    tag: int
    body: bytes


class Field:
    """A field on the wire. `default` (a function) replaces the type's default for
    an appended field whose Rust definition names its own (`#[wire(default)]`),
    which the schema text does not carry: set it with `set_default`."""

    __slots__ = ("name", "codec", "since", "default")

    def __init__(self, name: str, codec: Codec, since: int = 1):
        self.name, self.codec, self.since = name, codec, since
        self.default = codec.default


def set_default(cls: type, name: str, default) -> None:
    """Makes `default()` the value an older writer's `cls.name` reads as (§12.1)."""
    for f in cls._codec.fields:
        if f.name == name:
            f.default = default
            return
    raise KeyError(name)


class StructCodec(Codec):
    """A struct (§4.10) or an enum variant's fields; evolvable ones are blocks
    (§12.3). `unknown` names the field that keeps an unknown tail (§12.6)."""

    nests = True

    def __init__(self, name: str, cls: type, fields: list[Field], evolvable: bool = False, unknown: str | None = None):
        self.name, self.cls, self.fields = name, cls, fields
        self.evolvable, self.unknown = evolvable, unknown

    @property
    def min_len(self):
        return 1 if self.evolvable else sum(f.codec.min_len for f in self.fields)

    def enc(self, out, v):
        if self.evolvable:
            body = bytearray()
            self.enc_fields(body, v)
            put_varint(out, len(body))
            out += body
        else:
            self.enc_fields(out, v)

    def enc_fields(self, out, v):
        for f in self.fields:
            try:
                f.codec.enc(out, getattr(v, f.name))
            except WireError as err:
                raise err.within(f"{self.name}.{f.name}") from None
        if self.unknown:
            out += getattr(v, self.unknown)

    def dec(self, r, top: bool = False):
        """`top`: the value is a payload's outermost one, whose end is known."""
        r.enter(r.pos)
        if self.evolvable:
            v = self.dec_block(r)
        else:
            v = self.dec_fields(r, top)
        r.depth -= 1
        return v

    def dec_block(self, r):
        n = r.length()
        outer_end = r.end
        r.end = r.pos + n
        v = self.dec_fields(r, True)
        r.pos = r.end
        r.end = outer_end
        return v

    def dec_fields(self, r, known_end: bool):
        values = {}
        for f in self.fields:
            if known_end and f.since > 1 and r.pos == r.end:
                values[f.name] = f.default()
                continue
            try:
                values[f.name] = f.codec.dec(r)
            except WireError as err:
                raise err.within(f"{self.name}.{f.name}") from None
        if self.unknown:
            values[self.unknown] = r.buf[r.pos:r.end] if known_end else b""
            if known_end:
                r.pos = r.end
        return self.cls(**values)

    def default(self):
        values = {f.name: f.codec.default() for f in self.fields}
        if self.unknown:
            values[self.unknown] = b""
        return self.cls(**values)


class EnumCodec(Codec):
    """An enum (§4.11): a varint tag, then the variant's fields; evolvable ones
    put the fields in a block and may have a catch-all (§12.5)."""

    nests = True

    def __init__(self, name: str, variants: dict[int, StructCodec], evolvable: bool = False, catch_all: bool = False):
        self.name, self.variants = name, variants
        self.evolvable, self.catch_all = evolvable, catch_all
        self.tags = {codec.cls: tag for tag, codec in variants.items()}
        self.min_len = 2 if evolvable else 1

    def enc(self, out, v):
        if isinstance(v, UnknownVariant):
            put_varint(out, v.tag)
            put_varint(out, len(v.body))
            out += v.body
            return
        tag = self.tags.get(type(v))
        if tag is None:
            raise WireError("invalid-value", len(out), f"{type(v).__name__} is not a variant of {self.name}")
        put_varint(out, tag)
        if self.evolvable:  # the variant's fields are a block (§12.3)
            body = bytearray()
            self.variants[tag].enc_fields(body, v)
            put_varint(out, len(body))
            out += body
        else:
            self.variants[tag].enc_fields(out, v)

    def dec(self, r, top: bool = False):
        start = r.pos
        r.enter(start)
        tag = r.varint(32)
        variant = self.variants.get(tag)
        if variant is None:
            if not (self.evolvable and self.catch_all):
                raise WireError("unknown-variant", start, f"{self.name} has no tag {tag}")
            n = r.length()
            v = UnknownVariant(tag, r.buf[r.pos:r.pos + n])
            r.pos += n
        elif self.evolvable:
            v = variant.dec_block(r)
        else:
            v = variant.dec_fields(r, top)
        r.depth -= 1
        return v

    def default(self):
        tag = min(self.variants)
        return self.variants[tag].default()


class WireValue:
    """The base of every generated struct and enum: `encode()`, `decode()`."""

    _codec: ClassVar[Codec]

    def encode(self) -> bytes:
        out = bytearray()
        type(self)._codec.enc(out, self)
        return bytes(out)

    @classmethod
    def decode(cls, data: bytes):
        """Decodes a value on its own (§5): bytes left over are an error unless
        the type keeps unknown data (§12.6)."""
        return decode_value(cls._codec, data)


def encode_value(codec: Codec, value) -> bytes:
    out = bytearray()
    codec.enc(out, value)
    return bytes(out)


def decode_value(codec: Codec, data: bytes, payload: bool = False):
    """Decodes `data` as one value of `codec`'s type. With `payload` (a frame's
    payload, §12.2) bytes after the value are an unknown tail, skipped or kept."""
    data = bytes(data)
    r = Reader(data)
    top = isinstance(codec, (StructCodec, EnumCodec))
    v = codec.dec(r, True) if top else codec.dec(r)
    if r.pos != r.end and not payload:
        raise WireError("trailing-bytes", r.pos, f"{r.end - r.pos} bytes after the value")
    return v


class Protocol:
    """A set of messages sharing a connection (§4.12), by message-type id."""

    def __init__(self, name: str, messages: dict[int, type]):
        self.name = name
        self.by_id = messages
        self.ids = {cls: mid for mid, cls in messages.items()}

    def encode(self, message) -> tuple[int, bytes]:
        mid = self.ids.get(type(message))
        if mid is None:
            for cls, candidate in self.ids.items():  # an enum's variant
                if isinstance(message, cls):
                    mid = candidate
                    break
            else:
                raise WireError("invalid-value", 0, f"{type(message).__name__} is not a message of {self.name}")
        return mid, message.encode()

    def decode(self, mid: int, payload: bytes):
        """Raises WireError `unknown-message-type` (offset 6, the header's field)
        or the payload's error."""
        cls = self.by_id.get(mid)
        if cls is None:
            raise WireError("unknown-message-type", 6, f"{self.name} has no message {mid}")
        return decode_value(cls._codec, payload, payload=True)


# ------------------------------------------------------------------ frames --

MAGIC = b"WWRT"
VERSION = 1
JSON, CONTROL, RESPONSE, ERROR = 0x01, 0x02, 0x04, 0x08
PING, PONG, GOODBYE = 1, 2, 3
HEADER = struct.Struct("<4sBBHII")


@dataclass
class Frame:
    """A frame (§3): header fields and the payload bytes."""

    flags: int
    type: int
    correlation: int
    payload: bytes


def encode_frame(frame: Frame) -> bytes:
    head = HEADER.pack(MAGIC, VERSION, frame.flags, frame.type, frame.correlation, len(frame.payload))
    crc = zlib.crc32(frame.payload, zlib.crc32(head))
    return head + frame.payload + crc.to_bytes(4, "little")


def check_flags(flags: int) -> None:
    if flags & 0xF0:
        raise WireError("reserved-flags", 5, f"flags {flags:#04x}")
    if (flags & ERROR and not flags & RESPONSE) or (flags & CONTROL and flags & (RESPONSE | ERROR)) \
            or (flags & ERROR and flags & JSON):
        raise WireError("invalid-flags", 5, f"flags {flags:#04x}")


def check_header(data: bytes, max_len: int = MAX_FRAME_LEN) -> int | None:
    """Checks the header bytes present in order (§3.4); returns the payload
    length once all 16 are there, None while fewer are."""
    for i in range(min(4, len(data))):
        if data[i] != MAGIC[i]:
            raise WireError("bad-magic", i, f"byte {data[i]:#04x}")
    if len(data) > 4 and data[4] != VERSION:
        raise WireError("unsupported-version", 4, f"version {data[4]}")
    if len(data) > 5:
        check_flags(data[5])
    if len(data) < 16:
        return None
    length = int.from_bytes(data[12:16], "little")
    if length > max_len:
        raise WireError("frame-too-large", 12, f"{length} > {max_len}")
    return length


def check_control(frame: Frame) -> None:
    """§7: kind, flags, correlation id and payload of a control frame."""
    if frame.flags & JSON:
        raise WireError("malformed-control", 5, "a control frame with the JSON flag")
    if frame.type not in (PING, PONG, GOODBYE):
        raise WireError("malformed-control", 6, f"control kind {frame.type}")
    if frame.correlation != 0:
        raise WireError("malformed-control", 8, "a control frame with a correlation id")
    p = frame.payload
    if frame.type in (PING, PONG):
        if len(p) != 8:
            raise WireError("malformed-control", 16, f"a nonce is 8 bytes, not {len(p)}")
        return
    try:
        decode_value(GOODBYE_CODEC, p)
    except WireError as err:
        raise WireError("malformed-control", 16 + err.offset, str(err)) from None


def decode_frame(data: bytes, max_len: int = MAX_FRAME_LEN) -> Frame:
    """Decodes a buffer holding exactly one frame (§3.4 checks 1-5 and §7)."""
    data = bytes(data)
    length = check_header(data, max_len)
    if length is None:
        raise WireError("truncated", len(data), "inside the header")
    if len(data) < 20 + length:
        raise WireError("truncated", len(data), f"a frame of {20 + length} bytes")
    crc = zlib.crc32(data[:16 + length])
    if crc != int.from_bytes(data[16 + length:20 + length], "little"):
        raise WireError("bad-crc", 16 + length)
    if len(data) > 20 + length:
        raise WireError("trailing-bytes", 20 + length)
    _, _, flags, mtype, corr, _ = HEADER.unpack_from(data)
    frame = Frame(flags, mtype, corr, data[16:16 + length])
    if flags & CONTROL:
        check_control(frame)
    return frame


class FrameBuffer:
    """Splits a byte stream into frames, checking each header byte as it
    arrives and never holding more than one frame plus what was received."""

    def __init__(self, max_len: int = MAX_FRAME_LEN):
        self.buf = bytearray()
        self.max_len = max_len

    def feed(self, data: bytes) -> list[Frame]:
        self.buf += data
        frames = []
        while True:
            length = check_header(self.buf[:16], self.max_len)
            if length is None or len(self.buf) < 20 + length:
                return frames
            frames.append(decode_frame(self.buf[:20 + length], self.max_len))
            del self.buf[:20 + length]


@dataclass
class GoodbyePayload(WireValue):
    """GOODBYE's payload (§7): reason, then a message for logs."""

    reason: int = 0
    message: str = ""


GOODBYE_CODEC = StructCodec("Goodbye", GoodbyePayload, [Field("reason", IntCodec(8, False)), Field("message", StringCodec())])
GoodbyePayload._codec = GOODBYE_CODEC


def ping_frame(nonce: int, kind: int = PING) -> Frame:
    return Frame(CONTROL, kind, 0, nonce.to_bytes(8, "little"))


def goodbye_frame(reason: int, message: str = "") -> Frame:
    return Frame(CONTROL, GOODBYE, 0, GoodbyePayload(reason, message[:256]).encode())


def encode_failure(message: str) -> bytes:
    """The payload of an error frame of code 1-5 (§11.3): a string."""
    return encode_value(StringCodec(), message)


# -------------------------------------------------------------- connection --

class Connection:
    """A connection's frames over asyncio streams (§7): answers PING with PONG, hands
    every other message frame to `on_frame`, and closes as the GOODBYE it receives asks.

    Reason 0 (and an unknown reason) or the end of the peer's stream: the work spawned
    for the frames that preceded it finishes and sends its replies, then GOODBYE 0.
    Reason 1: GOODBYE 0 at once, then frames are read until the peer's stream ends.
    Reasons 2-8: nothing more is sent. A connection error sends GOODBYE 4 and closes."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, max_len: int = MAX_FRAME_LEN,
                 deadline: float = 5.0):
        self.reader, self.writer = reader, writer
        self.frames = FrameBuffer(max_len)
        self.deadline = deadline
        self.sent_goodbye = False
        self.got_goodbye = False
        self.silent = False
        self.closed = asyncio.Event()
        self.error: BaseException | None = None
        self.tasks: set[asyncio.Task] = set()

    def send(self, frame: Frame) -> None:
        if not self.silent and not self.writer.is_closing():
            self.writer.write(encode_frame(frame))

    def spawn(self, work) -> None:
        """Runs `work` (a coroutine answering a frame); a reason-0 GOODBYE waits for it."""
        task = asyncio.get_running_loop().create_task(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def _goodbye(self, reason: int, message: str = "") -> None:
        if not self.sent_goodbye:
            self.sent_goodbye = True
            self.send(goodbye_frame(reason, message))

    async def _finish(self) -> None:
        """The handshake's end for B (§7): the replies to what arrived, then GOODBYE 0."""
        if self.tasks:
            await asyncio.wait(set(self.tasks), timeout=self.deadline)
        self._goodbye(0)
        await self.writer.drain()

    async def _drain_input(self) -> None:
        """Reads (discarding) until the peer's stream ends or the deadline passes."""
        async def read_all():
            while await self.reader.read(65536):
                pass
        try:
            await asyncio.wait_for(read_all(), self.deadline)
        except (asyncio.TimeoutError, ConnectionError, OSError):
            pass

    async def run(self, on_frame) -> None:
        try:
            while True:
                data = await self.reader.read(65536)
                if not data:  # half-close: a GOODBYE with reason 0 (§7)
                    if not self.sent_goodbye:
                        await self._finish()
                    return
                for frame in self.frames.feed(data):
                    if frame.flags & CONTROL:
                        if frame.type == PING:
                            self.send(Frame(CONTROL, PONG, 0, frame.payload))
                        elif frame.type == GOODBYE:
                            reason = decode_value(GOODBYE_CODEC, frame.payload).reason
                            if self.sent_goodbye:
                                return  # the answer to ours: everything has arrived (§7)
                            if 2 <= reason <= 8:  # at once: nothing more is sent
                                self.silent = True
                                return
                            self.got_goodbye = True
                            if reason == 1:  # the peer completes its exchanges; we answer now
                                self._goodbye(0)
                                continue
                            await self._finish()  # reason 0 or unknown: the peer's input ends here
                            await self._drain_input()
                            return
                        continue
                    if self.got_goodbye and self.sent_goodbye and not frame.flags & RESPONSE:
                        continue  # after reason 1 only replies complete exchanges
                    on_frame(frame)
                await self.writer.drain()
        except WireError as err:
            self.error = err
            self._goodbye(4, str(err))
            self.silent = True
            await self._linger()
        except (ConnectionError, OSError) as err:
            self.error = err
        finally:
            self.closed.set()
            self.writer.close()

    async def _linger(self) -> None:
        """Closing at once (§7): flush the GOODBYE, end our stream, read briefly."""
        try:
            await self.writer.drain()
            if self.writer.can_write_eof():
                self.writer.write_eof()
        except (ConnectionError, OSError):
            return
        deadline, self.deadline = self.deadline, min(self.deadline, 1.0)
        await self._drain_input()
        self.deadline = deadline

    async def goodbye(self, reason: int = 0, timeout: float = 5.0) -> None:
        if not self.sent_goodbye:
            self._goodbye(reason)
            await self.writer.drain()
        try:
            await asyncio.wait_for(self.closed.wait(), timeout)
        finally:
            self.writer.close()


class Client:
    """A request/response client (§11): `await client.call(request)` returns the
    response message or raises CallError (typed error in `.value` for code 0),
    WireError for a reply that does not decode, TimeoutError at the deadline
    and ConnectionClosed when the connection ends first."""

    def __init__(self, conn: Connection, requests: Protocol, responses: Protocol, error: type | None):
        self.conn, self.requests, self.responses, self.error = conn, requests, responses, error
        self.waiting: dict[int, asyncio.Future] = {}
        self.next_id = 1
        self.task = asyncio.get_running_loop().create_task(conn.run(self._on_frame))
        self.task.add_done_callback(lambda _: self._fail_all())

    @classmethod
    async def connect(cls, host: str, port: int, requests: Protocol, responses: Protocol, error: type | None = None) -> Client:
        reader, writer = await asyncio.open_connection(host, port)
        return cls(Connection(reader, writer), requests, responses, error)

    def _correlation(self) -> int:
        while True:
            cid = self.next_id
            self.next_id = cid % 0xFFFF_FFFF + 1
            if cid not in self.waiting:
                return cid

    async def call(self, request, timeout: float | None = None):
        mid, payload = self.requests.encode(request)
        return await self.call_raw(mid, payload, timeout)

    async def call_raw(self, mid: int, payload: bytes, timeout: float | None = None):
        """A request of message type `mid` with these payload bytes, as they are."""
        if self.conn.sent_goodbye or self.conn.got_goodbye or self.conn.closed.is_set():
            raise ConnectionClosed("the connection is closing")
        cid = self._correlation()
        future = asyncio.get_running_loop().create_future()
        self.waiting[cid] = future
        self.conn.send(Frame(0, mid, cid, payload))
        try:
            await self.conn.writer.drain()
            return await asyncio.wait_for(future, timeout)
        finally:
            self.waiting.pop(cid, None)

    def _on_frame(self, frame: Frame) -> None:
        if not frame.flags & RESPONSE:
            raise WireError("unexpected-kind", 5, "a message frame where only replies are expected")
        future = self.waiting.pop(frame.correlation, None)
        if future is None or future.done():
            return  # a reply nobody waits for (§11.5)
        try:
            if frame.flags & ERROR:
                if frame.type == 0:
                    if self.error is None:
                        raise WireError("invalid-payload", 16, "an application error from a service that has none")
                    value = decode_value(self.error._codec, frame.payload, payload=True)
                    future.set_exception(CallError(0, value=value))
                else:
                    future.set_exception(CallError(frame.type, decode_value(StringCodec(), frame.payload, payload=True)))
            elif frame.flags & JSON:
                raise WireError("unexpected-format", 5, "a JSON reply")
            else:
                future.set_result(self.responses.decode(frame.type, frame.payload))
        except WireError as err:
            future.set_exception(err)  # this call fails; the connection stays (§11.4)

    def _fail_all(self) -> None:
        for future in self.waiting.values():
            if not future.done():
                future.set_exception(ConnectionClosed(str(self.conn.error or "the connection ended")))
        self.waiting.clear()

    async def close(self) -> None:
        await self.conn.goodbye(0)


class Peer:
    """A peer of a message protocol (§4.12): `send(message)` and
    `await receive()` (None when the connection has ended)."""

    def __init__(self, conn: Connection, incoming: Protocol, outgoing: Protocol):
        self.conn, self.incoming, self.outgoing = conn, incoming, outgoing
        self.queue: asyncio.Queue = asyncio.Queue()
        self.task = asyncio.get_running_loop().create_task(conn.run(self._on_frame))
        self.task.add_done_callback(lambda _: self.queue.put_nowait(None))

    @classmethod
    async def connect(cls, host: str, port: int, incoming: Protocol, outgoing: Protocol) -> Peer:
        reader, writer = await asyncio.open_connection(host, port)
        return cls(Connection(reader, writer), incoming, outgoing)

    async def send(self, message) -> None:
        if self.conn.sent_goodbye or self.conn.closed.is_set():
            raise ConnectionClosed("the connection is closing")
        mid, payload = self.outgoing.encode(message)
        self.conn.send(Frame(0, mid, 0, payload))
        await self.conn.writer.drain()

    def _on_frame(self, frame: Frame) -> None:
        if frame.flags & (RESPONSE | ERROR):
            raise WireError("unexpected-kind", 5, "a reply on a message protocol")
        if frame.flags & JSON:
            raise WireError("unexpected-format", 5, "a JSON message")
        self.queue.put_nowait(self.incoming.decode(frame.type, frame.payload))

    async def receive(self):
        return await self.queue.get()

    async def close(self) -> None:
        await self.conn.goodbye(0)


class ApplicationError(Exception):
    """Raised by a handler of `serve_calls`: answered with error code 0 and `value`
    encoded as the service's error type (§11.3)."""

    def __init__(self, value):
        self.value = value
        super().__init__(repr(value))


def _answer(conn: Connection, frame: Frame, requests: Protocol, responses: Protocol, error: type | None, handler) -> None:
    """Runs one request (§11.1) and sends its one reply; a request that does not decode
    is answered with code 1 or 2 and the connection stays (§11.4)."""

    def fail(code: int, message: str) -> None:
        conn.send(Frame(RESPONSE | ERROR, code, frame.correlation, encode_failure(message[:1024])))

    if frame.flags & JSON:
        return fail(2, "JSON payloads are not enabled")
    try:
        request = requests.decode(frame.type, frame.payload)
    except WireError as err:
        return fail(1 if err.kind == "unknown-message-type" else 2, str(err))

    async def run() -> None:
        try:
            response = await handler(request)
        except ApplicationError as err:
            if error is None:
                return fail(3, "an application error from a service that has none")
            conn.send(Frame(RESPONSE | ERROR, 0, frame.correlation, encode_value(error._codec, err.value)))
        except Exception as err:  # the handler failed without an error of its own
            fail(3, f"{type(err).__name__}: {err}")
        else:
            mid, payload = responses.encode(response)
            conn.send(Frame(RESPONSE, mid, frame.correlation, payload))

    conn.spawn(run())


async def serve_calls(host: str, port: int, requests: Protocol, responses: Protocol, handler, error: type | None = None):
    """A request/response server (§11): `await handler(request)` returns the response
    message or raises ApplicationError(value). Returns the asyncio server."""

    async def on_connection(reader, writer):
        conn = Connection(reader, writer)

        def on_frame(frame: Frame) -> None:
            if frame.flags & RESPONSE:
                raise WireError("unexpected-kind", 5, "a reply where requests are expected")
            if frame.correlation != 0:
                _answer(conn, frame, requests, responses, error, handler)
                return
            # correlation id 0: not a request, never answered; one that fails a message
            # check is a protocol error (GOODBYE 4, §11.1)
            if frame.flags & JSON:
                raise WireError("unexpected-format", 5, "a JSON message that is not a request")
            requests.decode(frame.type, frame.payload)

        await conn.run(on_frame)

    return await asyncio.start_server(on_connection, host, port)


async def serve_messages(host: str, port: int, incoming: Protocol, handler):
    """A message-protocol server: `await handler(conn, message, frame)` for each
    message; a frame that does not decode is a protocol error (GOODBYE 4, §3.5)."""

    async def on_connection(reader, writer):
        conn = Connection(reader, writer)

        def on_frame(frame: Frame) -> None:
            if frame.flags & (RESPONSE | ERROR):
                raise WireError("unexpected-kind", 5, "a reply on a message protocol")
            if frame.flags & JSON:
                raise WireError("unexpected-format", 5, "a JSON message")
            message = incoming.decode(frame.type, frame.payload)
            conn.spawn(handler(conn, message, frame))

        await conn.run(on_frame)

    return await asyncio.start_server(on_connection, host, port)


# Shared codecs of the builtin types.
BOOL, CHAR, STRING, BYTES, UNIT = BoolCodec(), CharCodec(), StringCodec(), BytesCodec(), UnitCodec()
U8, I8 = IntCodec(8, False), IntCodec(8, True)
U16, U32, U64, U128 = IntCodec(16, False), IntCodec(32, False), IntCodec(64, False), IntCodec(128, False)
I16, I32, I64, I128 = IntCodec(16, True), IntCodec(32, True), IntCodec(64, True), IntCodec(128, True)
F32, F64 = FloatCodec("<f"), FloatCodec("<d")
