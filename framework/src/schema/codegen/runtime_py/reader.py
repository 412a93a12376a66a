# ---------------------------------------------------------------------------
# wirewright runtime: the codec of SPEC.md §4-§6 and §12, frames (§3), control
# frames (§7) and an asyncio client (§11). Standard library only, Python >= 3.10.
# ---------------------------------------------------------------------------
from __future__ import annotations

import asyncio
import collections
import contextvars
import math
import re
import struct
import zlib
from dataclasses import dataclass, field
from typing import Any, ClassVar

MAX_DEPTH = 128
MAX_ZERO_SIZED = 65_536
MAX_FRAME_LEN = 8 * 1024 * 1024


class WireError(Exception):
    """Every error of this module: `kind` is the name SPEC.md §9.0 gives it
    (`overlong-varint`, `bad-crc`, ...), `offset` the byte where it was found (from the
    payload's or frame's first byte), `path` where in the value, written as the Rust
    errors write it: the outermost type, then `.field`, `::Variant` and `[index]` down to
    the value that failed (`Order.items[2].name`, `Shape::Rect.width`)."""

    def __init__(self, kind: str, offset: int, detail: str = "", path: str = ""):
        self.kind = kind
        self.offset = offset
        self.detail = detail
        self.type_name = path  # the outermost type the error passed through
        self.segments: list[str] = []  # innermost first, as the error propagates outward
        super().__init__()

    def in_field(self, name: str) -> WireError:
        """Adds a field to the path (as the error leaves that field's decoder)."""
        self.segments.append(f".{name}")
        return self

    def in_variant(self, name: str) -> WireError:
        self.segments.append(f"::{name}")
        return self

    def at_index(self, index: int) -> WireError:
        self.segments.append(f"[{index}]")
        return self

    def in_type(self, name: str) -> WireError:
        """Names the type being decoded; an outer type replaces an inner one."""
        self.type_name = name
        return self

    @property
    def path(self) -> str:
        inner = "".join(reversed(self.segments))
        return self.type_name + inner if self.type_name else inner.removeprefix(".")

    def __str__(self) -> str:
        path = self.path
        where = f" in {path}" if path else ""
        detail = f": {self.detail}" if self.detail else ""
        return f"{self.kind} at byte {self.offset}{where}{detail}"


class CallError(Exception):
    """A call answered with an error frame (SPEC §11.3): `code` 0 carries the
    service's typed error in `value`; codes 1-9 (and unknown ones) a message. Codes 7, 8
    and 9 raise the subclasses DeadlineExceeded, Cancelled and FlowControlError
    (`CallError.of` picks the class)."""

    NAMES = {0: "application error", 1: "unknown request type", 2: "invalid request",
             3: "handler failed", 4: "overloaded", 5: "shutting down", 6: "reply too large",
             7: "deadline exceeded", 8: "cancelled", 9: "flow control error"}

    @staticmethod
    def of(code: int, message: str = "", value: Any = None) -> CallError:
        """The error of `code`: its typed subclass for 7, 8 and 9 (§11.7, §11.8)."""
        cls = {7: DeadlineExceeded, 8: Cancelled, 9: FlowControlError}.get(code)
        return cls(message) if cls else CallError(code, message, value)

    def __init__(self, code: int, message: str = "", value: Any = None):
        self.code = code
        self.message = message
        self.value = value
        name = self.NAMES.get(code, f"error code {code}")
        super().__init__(f"{name}: {value!r}" if code == 0 else f"{name}: {message}")


class DeadlineExceeded(CallError, TimeoutError):
    """Code 7 (§11.7): the server found the call's deadline passed, or this client's
    deadline passed first (then it sent CANCEL, when the server takes signals). A
    TimeoutError too."""

    def __init__(self, message: str = ""):
        CallError.__init__(self, 7, message)


class Cancelled(CallError):
    """Code 8 (§11.7): the call was cancelled while it ran."""

    def __init__(self, message: str = ""):
        CallError.__init__(self, 8, message)


class FlowControlError(CallError):
    """Code 9 (§11.8): a stream broke flow control: the server ended it for too much
    credit, or it sent this client more than the credit granted (a local error, after
    which the client sent CANCEL)."""

    def __init__(self, message: str = ""):
        CallError.__init__(self, 9, message)


class ConnectionClosed(Exception):
    """The connection ended (GOODBYE, end of stream or a protocol error) before
    the call had its reply. `cause` is what ended it when this side did: the WireError
    of the peer's bad bytes (`frame-too-large` for a header past `max_frame_len`, ...),
    or None."""

    def __init__(self, message: str, cause: BaseException | None = None):
        super().__init__(message)
        self.cause = cause


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
        if start < end and buf[start] < 0x80:  # one byte: below 128, fits any width
            self.pos = start + 1
            return buf[start]
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
