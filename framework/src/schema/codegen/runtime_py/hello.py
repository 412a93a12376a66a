# ------------------------------------------------------------------- hello --

@dataclass
class HelloPayload(WireValue):
    """HELLO's payload (control kind 4): the schema a peer speaks. `fingerprint` is
    FNV-1a 64 of the schema text (§13.4), `revision` its highest `since` (1 if none),
    `schema` the text itself (optional: small peers may leave it out)."""

    protocol: str = ""
    fingerprint: int = 0
    revision: int = 1
    schema: str | None = None


HELLO_CODEC = StructCodec("Hello", HelloPayload, [
    Field("protocol", StringCodec()), Field("fingerprint", IntCodec(64, False, fixed=True)),
    Field("revision", IntCodec(32, False)), Field("schema", OptionCodec(StringCodec()))])
HelloPayload._codec = HELLO_CODEC


def fnv1a64(data: bytes) -> int:
    """FNV-1a 64 (§13.4): the fingerprint of a schema text."""
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFF_FFFF_FFFF_FFFF
    return h


class SchemaInfo:
    """A schema this module was generated from: its root, text (§13.2), fingerprint and
    revision, which HELLO announces."""

    def __init__(self, root: str, text: str, revision: int):
        self.root, self.text, self.revision = root, text, revision
        self.fingerprint = fnv1a64(text.encode("utf-8"))

    def hello(self, with_text: bool = True) -> HelloPayload:
        """The HELLO payload; without the text when asked, or when the HELLO frame would
        pass 64 KiB (the receivers' bound, §13.6)."""
        hello = HelloPayload(self.root, self.fingerprint, self.revision, self.text if with_text else None)
        if with_text and 20 + len(hello.encode()) > MAX_HELLO_LEN:
            hello.schema = None
        return hello

    @staticmethod
    def combine(parts: list[SchemaInfo]) -> SchemaInfo:
        """The schema of a tuple of roots (§13.6): `(Request, Response, Error)` for a
        request/response connection, `(ClientMessage, ServerMessage)` for a message
        protocol whose directions differ; its text is the canonical one (§13.2)."""
        if len(parts) == 1:
            return parts[0]
        blocks: dict[str, str] = {}
        for part in parts:
            for name, lines in _blocks(part.text):
                blocks[name] = lines
        root = "(" + ", ".join(part.root for part in parts) + ")"
        text = f"wirewright schema 1\nroot {root}\n" + "".join(
            "\n" + blocks[name] + "\n" for name in sorted(blocks, key=lambda n: n.encode()))
        return SchemaInfo(root, text, max(part.revision for part in parts))


MAX_HELLO_LEN = 64 * 1024  # the longest HELLO frame read (§13.6)
_HEADER = re.compile(r"(evolvable )?(struct|enum|protocol) (.+?)(?: id [0-9]+)?")


def _blocks(text: str) -> list[tuple[str, str]]:
    """A schema text's definitions as (name, lines without the last LF)."""
    out = []
    for block in text.split("\n\n")[1:]:
        block = block.strip("\n")
        header = _HEADER.fullmatch(block.split("\n", 1)[0])
        if header is None:
            raise ValueError(f"not a definition: {block[:40]!r}")
        out.append((header.group(3), block))
    return out


class IncompatiblePeer(Exception):
    """The peer's HELLO names a schema this side cannot talk with: `ours` and `theirs`
    are the two HELLO payloads (protocol, fingerprint, revision), `reason` the first
    difference found."""

    def __init__(self, ours: HelloPayload, theirs: HelloPayload, reason: str):
        self.ours, self.theirs, self.reason = ours, theirs, reason
        super().__init__(
            f"incompatible schemas: ours {ours.protocol} {ours.fingerprint:016x} revision {ours.revision}, "
            f"the peer's {theirs.protocol} {theirs.fingerprint:016x} revision {theirs.revision}: {reason}")


class HelloRequired(Exception):
    """The peer did not answer HELLO (Required), or closed with GOODBYE 10."""


def judge(ours: HelloPayload, theirs: HelloPayload) -> str:
    """Judges a peer's HELLO (the brief of issue 14): returns "compatible", "unverified"
    (a different fingerprint without the text to check) or "checked", or raises
    IncompatiblePeer. With the peer's text, the messages both schemas have are compared
    field by field (`schema_breaks`)."""
    if ours.protocol != theirs.protocol:
        raise IncompatiblePeer(ours, theirs, f"protocol {theirs.protocol!r} is not {ours.protocol!r}")
    if ours.fingerprint == theirs.fingerprint:
        return "compatible"
    if theirs.schema is None or ours.schema is None:
        return "unverified"
    try:
        breaking = schema_breaks(theirs.schema, ours.schema)
    except (ValueError, IndexError, RecursionError) as err:
        raise WireError("malformed-control", 16, f"a HELLO whose schema text does not parse: {err}") from None
    if breaking:
        raise IncompatiblePeer(ours, theirs, breaking)
    return "checked"


_NAME = re.compile(r"[A-Za-z_#][A-Za-z0-9_#]*(?:::[A-Za-z0-9_#]+)*(?:<(?:[^<>]|<[^<>]*>)*>)?")
_BUILTIN = frozenset("bool u8 i8 u16 u32 u64 u128 i16 i32 i64 i128 fixed f32 f64 char string bytes unit never "
                     "seq array map set option with opaque".split())


def parse_schema(text: str) -> tuple[str, dict[str, tuple[str, bool, list]]]:
    """A schema text (§13.2) as (root, {name: (kind, evolvable, items)}): a struct's items
    are (type, since) per field, an enum's (tag, [(type, since)]) per variant or None for
    the catch-all, a protocol's (id, type) per message. Raises ValueError when the text
    is not one."""
    head, _, _ = text.partition("\n\n")
    lines = head.split("\n")
    if len(lines) != 2 or lines[0] != "wirewright schema 1" or not lines[1].startswith("root ") \
            or not text.endswith("\n"):
        raise ValueError("not a schema text (§13.2)")
    defs: dict[str, tuple[str, bool, list]] = {}
    for name, block in _blocks(text):
        header = _HEADER.fullmatch(block.split("\n", 1)[0])
        kind, items = header.group(2), []
        for line in block.split("\n")[1:]:
            words = line.split()
            if words and words[0] == "field" and ": " in line:
                ty, _, since = line.split(": ", 1)[1].partition(" since ")
                if kind == "enum" and not (items and items[-1] is not None):
                    raise ValueError(f"a field outside a variant in {name}")
                (items[-1][1] if kind == "enum" else items).append((ty, int(since or 1)))
            elif words and words[0] == "variant" and len(words) == 3:
                items.append((int(words[1]), []))
            elif words and words[0] == "other":
                items.append(None)
            elif words and words[0] == "message" and ": " in line:
                items.append((int(words[1]), line.split(": ", 1)[1]))
            elif not (words and words[0] == "unknown"):
                raise ValueError(f"not a line of a definition: {line!r}")
        defs[name] = (kind, bool(header.group(1)), items)
    return lines[1][5:], defs


MAX_SIGNATURE_LEN = 1 << 20  # a hostile text cannot make a signature grow without end


def _signature(defs: dict, ty: str, seen: frozenset = frozenset()) -> str:
    """A type with every definition it names written out, names left out (they are not
    on the wire): two types read the same bytes alike when their signatures are equal.
    Raises ValueError past MAX_SIGNATURE_LEN (definitions that name others twice, level
    after level, would double it at each level) or 64 definitions deep."""
    if len(seen) > 64:
        raise ValueError("types nested more than 64 deep")

    def expand(match) -> str:
        word = match.group(0)
        if word in _BUILTIN or word not in defs:
            return word
        if word in seen:
            return "recursive"
        kind, evolvable, items = defs[word]
        inner = seen | {word}
        fields = lambda fs: ",".join(f"{_signature(defs, t, inner)}@{s}" for t, s in fs)
        if kind == "struct":
            body = fields(items)
        else:
            body = ";".join("other" if v is None else f"{v[0]}:{fields(v[1])}" for v in items)
        if len(body) > MAX_SIGNATURE_LEN:
            raise ValueError(f"a type whose signature passes {MAX_SIGNATURE_LEN} bytes")
        return f"{'evolvable ' if evolvable else ''}{kind}{{{body}}}"
    return _NAME.sub(expand, ty)


def _tuple_elements(ty: str) -> list[str] | None:
    if not (ty.startswith("(") and ty.endswith(")")):
        return None
    parts, depth, start = [], 0, 1
    for i, c in enumerate(ty[1:-1], 1):
        if c in "<(":
            depth += 1
        elif c in ">)":
            depth -= 1
        elif c == "," and depth == 0:
            parts.append(ty[start:i].strip())
            start = i + 1
    parts.append(ty[start:-1].strip())
    return [p for p in parts if p]


def schema_breaks(old: str, new: str) -> str | None:
    """The first breaking difference (§13.3) between two schema texts, or None: a subset
    of the checker, from the roots. Tuple roots element by element; protocols message by
    message (matched by id; added or removed ones are not breaking); a top-level struct's
    fields by position, where fields appended with `since` (or removed, when they were
    appended) are compatible; a top-level enum's variants by tag (added or removed ones
    are not breaking). Any other difference is breaking, so a few changes the full
    checker accepts inside nested types (a widened integer, a field appended to a nested
    evolvable struct) are reported as breaking here. Raises ValueError for a text that
    is not a schema."""
    old_root, olds = parse_schema(old)
    new_root, news = parse_schema(new)

    def top(a: str, b: str, where: str) -> str | None:
        ta, tb = _tuple_elements(a), _tuple_elements(b)
        if ta is not None and tb is not None and len(ta) == len(tb):
            for i, (x, y) in enumerate(zip(ta, tb)):
                found = top(x, y, f"{where} element {i}")
                if found:
                    return found
            return None
        da, db = olds.get(a), news.get(b)
        if da and db and da[0] == db[0] and da[1] == db[1]:
            kind, items_a, items_b = da[0], da[2], db[2]
            if kind == "protocol":
                messages = dict(items_b)
                for mid, message in items_a:
                    if mid in messages:
                        found = top(message, messages[mid], f"message {mid} ({messages[mid]})")
                        if found:
                            return found
                return None
            if kind == "struct":
                return fields(items_a, items_b, where)
            variants = {v[0]: v[1] for v in items_b if v is not None}
            for variant in items_a:
                if variant is not None and variant[0] in variants:
                    fa, fb = variant[1], variants[variant[0]]
                    if [_signature(olds, t) for t, _ in fa] != [_signature(news, t) for t, _ in fb]:
                        return f"{where}: variant {variant[0]} of {b} changed"
            return None
        if _signature(olds, a) != _signature(news, b):
            return f"{where}: {a} and {b} are read differently"
        return None

    def fields(fa: list, fb: list, where: str) -> str | None:
        for i in range(max(len(fa), len(fb))):
            if i >= len(fa) or i >= len(fb):
                added = fb[i] if i < len(fb) else fa[i]
                if added[1] == 1:
                    what = "appended without `since`" if i < len(fb) else "of revision 1 removed"
                    return f"{where}: field {i} {what}"
            elif _signature(olds, fa[i][0]) != _signature(news, fb[i][0]):
                return f"{where}: field {i} changed from {fa[i][0]} to {fb[i][0]}"
        return None

    return top(old_root, new_root, "root")
