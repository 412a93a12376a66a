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

    def enc_many(self, out, values) -> None:
        """A sequence's elements at once (one `struct.pack`)."""
        out += struct.pack(f"<{len(values)}{self.st.format[-1]}", *values)

    def dec_many(self, r, n: int) -> list:
        """`n` elements at once; the count was checked against the bytes left."""
        return list(struct.unpack(f"<{n}{self.st.format[-1]}", r.take(n * self.st.size)))

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
            raise WireError("invalid-utf8", start + err.start,
                            f"invalid UTF-8 after {err.start} valid bytes of the string") from None

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
        self.many = isinstance(element, FloatCodec)  # fixed-width numbers: one struct call

    def enc(self, out, v):
        put_varint(out, len(v))
        if self.many:
            return self.element.enc_many(out, v)
        enc = self.element.enc
        for item in v:
            enc(out, item)

    def dec(self, r):
        r.enter(r.pos)
        n = r.count(self.element.min_len)
        if self.many:
            items = self.element.dec_many(r, n)
            r.depth -= 1
            return items
        dec = self.element.dec
        items: list = []
        append = items.append
        try:
            for _ in range(n):
                append(dec(r))
        except WireError as err:
            raise err.at_index(len(items)) from None
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
        items: list = []
        try:
            for _ in range(self.n):
                items.append(self.element.dec(r))
        except WireError as err:
            raise err.at_index(len(items)) from None
        return items

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
        for index in range(n):
            start = r.pos
            try:
                k = self.key.dec(r)
            except WireError as err:
                raise err.in_field("key").at_index(index) from None
            key_bytes = r.buf[start:r.pos]
            if previous is not None and key_bytes <= previous:
                raise WireError("key-order", start, "keys must ascend by their encodings").at_index(index)
            previous = key_bytes
            try:
                result[k] = self.value.dec(r)
            except WireError as err:
                raise err.in_field("value").at_index(index) from None
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
        for index in range(n):
            start = r.pos
            try:
                items.append(self.element.dec(r))
            except WireError as err:
                raise err.at_index(index) from None
            element_bytes = r.buf[start:r.pos]
            if previous is not None and element_bytes <= previous:
                raise WireError("key-order", start, "elements must ascend by their encodings").at_index(index)
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
        items: list = []
        try:
            for codec in self.elements:
                items.append(codec.dec(r))
        except WireError as err:
            raise err.in_field(str(len(items))) from None
        return tuple(items)

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
