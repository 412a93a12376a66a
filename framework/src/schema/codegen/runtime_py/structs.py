# -------------------------------------------------------- structs, enums --

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

    __slots__ = ("name", "codec", "since", "default", "wire_name")

    def __init__(self, name: str, codec: Codec, since: int = 1, wire_name: str | None = None):
        self.name, self.codec, self.since = name, codec, since
        self.wire_name = wire_name or name  # the schema's name (JSON's member name, §8)
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
                raise err.in_field(f.wire_name).in_type(self.name) from None
        if self.unknown:
            out += getattr(v, self.unknown)

    def dec(self, r, top: bool = False):
        """`top`: the value is a payload's outermost one, whose end is known."""
        r.enter(r.pos)
        try:
            v = self.dec_block(r) if self.evolvable else self.dec_fields(r, top)
        except WireError as err:
            raise err.in_type(self.name) from None
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
        values = []  # in the order of the dataclass's fields: the wire's, then the unknown one
        append = values.append
        for f in self.fields:
            if known_end and f.since > 1 and r.pos == r.end:
                append(f.default())
                continue
            try:
                append(f.codec.dec(r))
            except WireError as err:
                raise err.in_field(f.wire_name).in_type(self.name) from None
        if self.unknown:
            append(r.buf[r.pos:r.end] if known_end else b"")
            if known_end:
                r.pos = r.end
        return self.cls(*values)

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
        variant = None
        try:
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
        except WireError as err:
            if variant is not None:  # the path names the variant: `Shape::Rect.width`
                err.in_variant(variant.name.rpartition("::")[2])
            raise err.in_type(self.name) from None
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

    def __init__(self, name: str, messages: dict[int, type], schema: SchemaInfo | None = None):
        self.name = name
        self.schema = schema  # what HELLO announces, when the module has this protocol's schema
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
